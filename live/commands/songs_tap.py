"""``live songs adjust NAME --tap``: the song plays on the audio device, the therapist taps along
on the terminal once, and the grid is refitted (:func:`live.songs.adjust.refit_to_taps`).

Realtime-safe: no.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from live.commands.common import fail


def make_keys():
    """The terminal the command runs in (``/dev/tty``), in cbreak mode."""
    from live.songs.tapping import TerminalKeys

    return TerminalKeys(os.open("/dev/tty", os.O_RDONLY | os.O_NOCTTY))


def make_player(samples, sample_rate: int, device: str | None):
    """The song through PortAudio on ``device`` (default: the system's output)."""
    from live.songs.tapping import PortAudioPlayer

    return PortAudioPlayer(samples, sample_rate, device=device)


def tap_refit(args, store, row: dict[str, Any], analysis, prog: str):
    """The refitted analysis, or the exit status after saying in one line why not."""
    from live.songs.adjust import MIN_TAPS, refit_to_taps
    from live.songs.audio import read_audio
    from live.songs.library import find_song
    from live.songs.tapping import collect_taps

    audio = read_audio(find_song(store, row["id"]).audio_path)
    try:
        keys = make_keys()
    except OSError as exc:
        return fail(prog, f"--tap needs a terminal to read the taps from ({exc.strerror or exc}): run it in a terminal")
    try:
        player = make_player(audio.samples, audio.sample_rate, args.audio_device)
    except Exception as exc:  # noqa: BLE001  (PortAudio's errors: no device, a device name that matches none)
        keys.close()
        return fail(prog, f"cannot play the song: {exc}")
    print(f"Playing {row['title']!r}: tap along on the beat with the space bar; q, Enter or Escape ends "
          f"(at least {MIN_TAPS} taps).", file=sys.stderr, flush=True)
    try:
        taps = collect_taps(player, keys)
    except Exception as exc:  # noqa: BLE001  (the device lost while playing)
        return fail(prog, f"the song stopped playing: {exc}", 1)
    print(f"{len(taps)} taps.", file=sys.stderr)
    return refit_to_taps(analysis, taps, audio.samples, audio.sample_rate)
