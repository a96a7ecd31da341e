"""``live analyze RECORDING [--beats B.csv | --song NAME] [--json]``: the onsets of a recording, and
with beats (a CSV, or a song's corrected beats from the library) their synchronisation metrics
(those ``live metrics sms`` gives for taps against beats).

The recording is read by the songs' reader (WAV, FLAC, OGG, MP3 through soundfile, mixed to one
channel: :func:`live.songs.audio.read_audio`) and analysed at its own sample rate by
:func:`live.engine.onsets.detect_onsets`, the detector of the live microphone path; onsets are
seconds from the file's start (frame / sample rate).
Exit status 0; 2 with one line on stderr for a file that cannot be read or bad beats.
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np

from live.cli_args.values import one_line

_PROG = "live analyze"


class AnalyzeError(Exception):
    """Bad input, with the one line to print (exit 2)."""


def read_recording(path: str) -> tuple[np.ndarray, int, int]:
    """An audio file as (mono samples, full scale 1.0, float64; sample rate in Hz; channels read),
    read by :func:`live.songs.audio.read_audio` (the songs' reader: the same formats and errors).

    Raises
    ------
    AnalyzeError
        No such file, a folder, a format that is not allowed or cannot be read, or no samples.
    """
    from live.songs.audio import AudioReadError, read_audio

    try:
        audio = read_audio(path)
    except AudioReadError as exc:
        raise AnalyzeError(str(exc)) from None
    return audio.samples.astype(np.float64), audio.sample_rate, audio.channels


def beats_of(args: argparse.Namespace) -> np.ndarray | None:
    """The beat times (s) the options give (``--beats`` CSV or ``--song``'s corrected beats), or
    None without beats.

    Raises
    ------
    AnalyzeError
        A beats file that cannot be read or holds bad times; a store that cannot be opened; no
        song, or several, answering to ``--song``.
    """
    if args.song is not None:
        from live.commands.common import open_store
        from live.songs.library import SongNotFound, find_song

        store = open_store(args, _PROG)
        if store is None:
            raise AnalyzeError(None)
        try:
            return np.asarray(find_song(store, args.song).beats_s, dtype=np.float64)
        except SongNotFound as exc:
            raise AnalyzeError(str(exc)) from None
        finally:
            store.close()
    if args.beats is None:
        return None
    from live.metrics.csvio import read_times_csv

    try:
        return read_times_csv(args.beats)
    except (OSError, ValueError) as exc:
        raise AnalyzeError(str(exc)) from None


def analyze(samples: np.ndarray, sample_rate: int, *, threshold: float, beats_s: np.ndarray | None,
            window_ms: float) -> dict:
    """The JSON object of ``live analyze``: ``onsets_s`` and ``sync`` (None without beats)."""
    from live.engine.onsets import detect_onsets
    from live.metrics.sms import sms_summary

    onsets_s = [o.frame / sample_rate for o in detect_onsets(samples, sample_rate, threshold=threshold)]
    sync = None if beats_s is None else sms_summary(beats_s, onsets_s, window_ms=window_ms)
    return {"onsets_s": onsets_s, "sync": sync}


def run(args: argparse.Namespace) -> int:
    """Run ``live analyze``; return the exit status."""
    err = sys.stderr
    if args.db is not None and args.song is None:  # a store named is checked like every command's
        from live.commands.common import open_store

        store = open_store(args, _PROG)
        if store is None:
            return 2
        store.close()
    try:
        beats_s = beats_of(args)
        samples, sample_rate, channels = read_recording(args.recording)
    except AnalyzeError as exc:
        if exc.args[0] is not None:  # None: open_store has said why already
            print(f"{_PROG}: {one_line(str(exc))}", file=err)
        return 2
    print(f"{_PROG}: {args.recording}: {samples.size / sample_rate:.1f} s at {sample_rate} Hz, "
          f"{channels} channel{'s' if channels > 1 else ''}; finding onsets", file=err)
    result = analyze(samples, sample_rate, threshold=args.threshold, beats_s=beats_s, window_ms=args.window_ms)
    result = {"recording": args.recording, "sample_rate": sample_rate, "duration_s": samples.size / sample_rate,
              **result}
    if args.json:
        print(json.dumps(result, allow_nan=False))
        return 0
    onsets = result["onsets_s"]
    print(f"{args.recording}: {len(onsets)} onset{'' if len(onsets) == 1 else 's'} in "
          f"{result['duration_s']:.1f} s (seconds from the file's start)")
    for i in range(0, len(onsets), 8):
        print("  " + "  ".join(f"{t:9.4f}" for t in onsets[i: i + 8]))
    if result["sync"] is not None:
        from live.commands.metrics import format_table

        print(f"\nagainst the beats of {args.beats if args.song is None else 'song ' + repr(args.song)}:\n")
        print(format_table(result["sync"], window_ms=args.window_ms))
    return 0
