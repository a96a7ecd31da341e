"""``live run`` on a song, on a JACK dummy server, ended as a therapist ends it: the console's quit
key (q) or a signal (SIGINT, Ctrl-C). The song is silent 15 ms after the stop, while the stream
still runs, and the stored session says where the song stopped (its slices' release frame).

What the engine was to play is rendered again from the stored sounds with their release frames
(the WAV export's sampler, :func:`test_song_stop._played_after`); the recording, lined up on that
render, must be the render sample for sample up to the end of the fade (so the fade was heard,
not cut off by the stream closing) and silent from there to the recording's end. The song has a
bass line under its drums, so it sounds at whatever moment the stop comes.
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import struct
import termios
import threading
import time

import numpy as np
import pytest
from song_helpers import add_song

from jackutil import start_recorder
from live.activities.entrainment import Entrainment, EntrainmentParams
from live.activities.entrainment.song_play import STOP_AFTER_S
from live.store.store import Store
from live_run_helpers import finish, rows, start_live_run
from test_song_entrainment import _song_beats
from test_song_stop import _played_after

SR = 48000
RELEASE_FRAMES = 240  # the bank's release of a slice (5 ms)
SILENT_AFTER_FRAMES = round(STOP_AFTER_S * SR) + RELEASE_FRAMES  # 15 ms
PRESET = """schema = 1
activity = "entrainment"
title = "On a song"
goal = "Test"

[params]
tempo_bpm = 120
beats = 24
count_in_beats = 2
song = "Test Song"
"""
PARAMS = EntrainmentParams(tempo_bpm=120, beats=24, count_in_beats=2, song="Test Song")
STOP_AFTER_READY_S = 3.5  # the run starts 0.5 s after the session, the song 1 s later (count-in)


def _pty_console() -> tuple[int, dict]:
    """A pseudo-terminal (24 x 80) as the controlling terminal, stdin and stderr of ``live run``
    (its console is then wanted: stdin and stderr are terminals, /dev/tty opens); the master's
    descriptor and the Popen arguments."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))

    def controlling_terminal() -> None:  # runs in the child after setsid (start_new_session)
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    return master, {"stdin": slave, "stderr": slave, "start_new_session": True,
                    "preexec_fn": controlling_terminal}


def _drain(fd: int, into: bytearray) -> threading.Thread:
    """Read the terminal's output as it comes (curses draws every 0.1 s: a full pty would block it)."""
    def read() -> None:
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # EIO: the child closed its side
                return
            if not chunk:
                return
            into.extend(chunk)

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread


def _line_up(recording: np.ndarray, played: np.ndarray, from_frame: int, to_frame: int) -> int:
    """Where engine frame 0 lies in ``recording``: the lag that best fits ``played[from:to]``."""
    part = played[from_frame:to_frame].astype(np.float64)
    n = recording.size + part.size
    size = 1 << int(np.ceil(np.log2(n)))
    corr = np.fft.irfft(np.fft.rfft(recording.astype(np.float64), size) * np.conj(np.fft.rfft(part, size)), size)
    return int(np.argmax(corr[: recording.size])) - from_frame


def _stopped_run(server, tmp_path, monkeypatch, stop, **popen) -> dict:
    """``live run`` of the song preset, recorded; ``stop(proc)`` ends it mid-song. What was stored
    and heard."""
    cache = str(tmp_path / "cache")
    monkeypatch.setenv("XDG_CACHE_HOME", cache)
    env = {**server.env, "XDG_CACHE_HOME": cache, "TERM": "xterm"}
    db = tmp_path / "live.db"
    with Store.open(db) as store:
        add_song(store, _song_beats(60), bass=0.3)
        Entrainment.prepared_sounds(PARAMS, songs=store, sample_rate=SR)  # warped before: live run reads the cache
    preset = tmp_path / "song.toml"
    preset.write_text(PRESET)
    proc = start_live_run(server, preset, db, env=env, **popen)
    saved = tmp_path / "heard.npz"
    with start_recorder(server, "live:", seconds=40, threshold=0.01, name="rec", save=saved) as rec:
        rec.wait_ready()
        time.sleep(STOP_AFTER_READY_S)
        stop(proc)
        code, out, err = finish(proc, timeout_s=60)
        recorded = rec.result(timeout_s=30, close_stdin=True)
    assert code == 0, err
    heard = np.load(saved)
    [(session_id, start, end)] = rows(db, "SELECT session_id, start_frame, end_frame FROM runs")
    slices = rows(db, "SELECT frame, end_frame FROM events WHERE kind = 'sound' AND sound LIKE 'song:%' ORDER BY frame")
    with Store.open(db) as store:
        played = _played_after(store, session_id, end + SR)
    return {"out": json.loads(out) if out.strip() else None, "err": err, "start": start, "end": end,
            "slices": slices, "played": played, "heard": heard["audio"][0], "recorded": recorded}


def _check_silent_after_the_fade(run: dict, stop_frame: int) -> None:
    played, heard, end = run["played"], run["heard"], run["end"]
    release = stop_frame + round(STOP_AFTER_S * SR)
    assert run["start"] + SR < stop_frame <= end, "the stop came before the song had played a second"
    assert np.abs(played[stop_frame - SR // 10: stop_frame]).max() > 0.05  # the song sounded at the stop
    # the stored session: every slice still to sound at the stop ends at the release, none later
    assert max(e for _, e in run["slices"]) == release, run["slices"][-4:]
    assert [f for f, e in run["slices"] if e == release], "no slice was released at the stop"
    lag = _line_up(heard, played, stop_frame - SR, stop_frame)
    first = max(0, -lag, run["start"])  # engine frames the recording holds
    fade_end = stop_frame + SILENT_AFTER_FRAMES
    mismatch = np.abs(heard[first + lag: fade_end + lag] - played[first: fade_end])
    assert mismatch.max() < 1e-5, (
        f"the recording differs from the stored sounds by up to {mismatch.max():.4f}, first "
        f"{(np.argmax(mismatch > 1e-5) + first - stop_frame) * 1000 / SR:+.1f} ms from the stop")
    after = heard[fade_end + lag:]
    late = np.flatnonzero(np.abs(after) > 1e-6)
    assert after.size > SR // 10 and late.size == 0, (
        f"the song sounds {late[0] * 1000 / SR:.1f} ms after the fade, up to {np.abs(after).max():.3f}")
    assert run["out"]["engine"]["late"] == 0  # the release reached the callback before its frame


def test_a_song_stopped_by_sigint_is_silent_15_ms_after_the_stop(jack_server_sync, tmp_path, monkeypatch):
    """The stop is the run's end frame (the control step that saw the signal)."""
    run = _stopped_run(jack_server_sync, tmp_path, monkeypatch, lambda proc: proc.send_signal(signal.SIGINT))
    assert "(stopped by SIGINT)" in run["err"].splitlines()[-1]
    _check_silent_after_the_fade(run, run["end"])


def test_a_song_quit_at_the_console_is_silent_15_ms_after_the_key(jack_server_sync, tmp_path, monkeypatch):
    """The stop is the frame the q key was pressed at (the stored release, 10 ms after it, says
    where): at most one control step or so before the run's end."""
    master, popen = _pty_console()
    screen = bytearray()
    reader = _drain(master, screen)
    try:
        run = _stopped_run(jack_server_sync, tmp_path, monkeypatch, lambda proc: os.write(master, b"q"), **popen)
    finally:
        os.close(popen["stdin"])
        reader.join(5)
        os.close(master)
    said = screen.decode(errors="replace")
    assert "ended by the therapist at the console" in said, said[-2000:]
    release = max(e for _, e in run["slices"])
    stop_frame = release - round(STOP_AFTER_S * SR)
    assert run["end"] - SR // 5 <= stop_frame <= run["end"]
    _check_silent_after_the_fade(run, stop_frame)
