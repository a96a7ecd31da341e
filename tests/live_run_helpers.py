"""Running ``live run`` against a JACK dummy server and reading back what it stored."""

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from jackutil import start_recorder

PRESET = """schema = 1
activity = "entrainment"
title = "Test beat"
goal = "Test"

[params]
tempo_bpm = {tempo}
meter = 4
count_in_beats = 0
beats = {beats}
volume = {volume}
"""


def write_preset(path, *, tempo=60, beats=12, volume=0.8):
    path.write_text(PRESET.format(tempo=tempo, beats=beats, volume=volume))
    return path


BUSY_LIVE = str(Path(__file__).with_name("busy_live.py"))


def start_live_run(server, preset, db, *extra, busy=False, **popen):
    """``live run PRESET --client T1 --json`` as a subprocess on ``server`` (with a busy Python
    thread in it when ``busy``); returns the Popen once its ports exist (so a harness can connect)."""
    presets = [str(p) for p in preset] if isinstance(preset, (list, tuple)) else [str(preset)]
    return start_live(server, ["run", *presets, "--client", "T1", "--db", str(db), "--json", "--headless", *extra],
                      busy=busy, **popen)


def start_live(server, argv, *, busy=False, **popen):
    """``live ARGV...`` as a subprocess on ``server``, returned once its JACK ports exist;
    ``popen`` replaces subprocess.Popen's arguments (stdout and stderr are pipes, env the server's)."""
    program = [sys.executable, BUSY_LIVE] if busy else [sys.executable, "-m", "live"]
    proc = subprocess.Popen([*program, *argv], **{"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True,
                                                 "env": server.env, **popen})
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            ports = subprocess.run(["jack_lsp", "-s", server.name], capture_output=True, text=True, env=server.env,
                                   timeout=5).stdout
        except subprocess.TimeoutExpired:  # a loaded server can keep jack_lsp waiting: ask again
            continue
        if "live-midi:in" in ports and "live:out_0" in ports:
            return proc
        if proc.poll() is not None:
            said = proc.stderr.read() if proc.stderr is not None else "(its stderr is not a pipe)"
            raise RuntimeError(f"live run exited early ({proc.returncode}):\n{said}")
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError("live run did not open its ports within 30 s")


def finish(proc, timeout_s=60):
    out, err = proc.communicate(timeout=timeout_s)
    return proc.returncode, out, err


def rows(db, sql, *args):
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def wait_until_stored(db, sql, at_least, *, timeout_s=30.0, proc=None) -> None:
    """Wait until ``SELECT count(*) ...`` ``sql`` counts ``at_least`` rows in a running session's
    store (the writer stores a batch every 0.4 s); ``proc``, the ``live`` process, ending first fails."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if Path(db).exists() and rows(db, sql)[0][0] >= at_least:
                return
        except sqlite3.OperationalError:  # the store is being created
            pass
        assert proc is None or proc.poll() is None, f"live ended ({proc.returncode}) before {sql!r} counted {at_least}"
        assert time.monotonic() < deadline, f"{sql!r} did not count {at_least} within {timeout_s} s"
        time.sleep(0.05)


def click_offset(stored_click_frames, recorded_onsets, *, window=None, anchors=()):
    """The JACK-frame minus engine-frame offset that puts the most stored clicks exactly on
    recorded onsets, and how many it explains.

    A steady click train is periodic: when the recording missed the first click (the recorder
    connected after it, which happens on a loaded machine), an offset one beat larger explains
    exactly as many clicks (it puts click k on click k+1's onset), and so does one a beat
    smaller when it missed the last. Such ties are broken by

    - ``window`` = (first JACK frame recorded, frames recorded): the candidate that leaves the
      fewest stored clicks unheard inside the recording (an alias predicts a click where the
      recording heard none, past the last click or before the first);
    - then ``anchors`` = [(engine frame, JACK frame), ...] known to well within half a beat
      (MIDI notes sent and stored): the smallest median distance. This picks the beat only; the
      clicks alone fix the offset to the frame.

    Raises AssertionError when a tie is left: the offset is then not known.
    """
    onsets = set(recorded_onsets)
    candidates = {onset - click for onset in recorded_onsets for click in stored_click_frames}
    if not candidates:
        return None, 0
    scored = {c: sum((f + c) in onsets for f in stored_click_frames) for c in candidates}
    heard = max(scored.values())
    tied = sorted(c for c, n in scored.items() if n == heard)
    if len(tied) > 1 and window is not None:
        first, length = window
        unheard = {c: sum(first + _ONSET_QUIET_FRAMES <= f + c < first + length and (f + c) not in onsets
                          for f in stored_click_frames) for c in tied}
        tied = [c for c in tied if unheard[c] == min(unheard.values())]
    if len(tied) > 1 and anchors:
        distance = {c: float(np.median([abs(e + c - j) for e, j in anchors])) for c in tied}
        tied = [c for c in tied if distance[c] == min(distance.values())]
    assert len(tied) == 1, f"offsets {tied} each explain {heard} clicks: give window= or anchors= to choose"
    return tied[0], heard


_ONSET_QUIET_FRAMES = 256  # jack_recorder's --min-gap: no onset is reported closer to the recording's start


RECORDER_ATTEMPTS = 3  # runs at most. Measured 2026-11-30: the recorder (on the synchronous
# server) had 0 gaps in the 12 runs whose result was read, of 19 at load average 0.7-7; 3 runs cost
# nothing more when the first has none (docs/performance.md, "Timing tests measured again").


def stolen_ms() -> float:
    """CPU time the hypervisor took from this virtual machine so far, summed over its CPUs (ms):
    the ``steal`` column of /proc/stat's ``cpu`` line (0 on a machine that has none)."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()
    return int(fields[8]) * 1000 / os.sysconf("SC_CLK_TCK") if len(fields) > 8 else 0.0


def busy_thread_run(server, folder, *, clicks: int) -> dict:
    """One ``live run`` of ``clicks`` clicks at 120 BPM (0.5 s apart) with a busy pure-Python
    thread in its process, recorded by a separate JACK-Client process. Returns what the engine and
    the recorder each saw."""
    folder.mkdir()
    preset = write_preset(folder / "beat.toml", tempo=120, beats=clicks)
    db = folder / "live.db"
    stolen_before_ms = stolen_ms()
    proc = start_live_run(server, preset, db, busy=True)
    with start_recorder(server, "live:", seconds=clicks / 2 + 5, threshold=0.01, name="rec") as rec:
        rec.wait_ready()
        code, out, err = finish(proc, timeout_s=clicks / 2 + 80)
        recorded = rec.result(timeout_s=60, close_stdin=True)
    stolen_run_ms = stolen_ms() - stolen_before_ms
    assert code == 0, err
    stored = [f for (f,) in rows(db, "SELECT frame FROM events WHERE kind = 'sound' ORDER BY frame")]
    assert len(stored) == clicks and set(np.diff(stored)) == {24000}
    onsets = recorded["onset_frames"]
    window = (recorded["first_frame"], recorded["n_frames_recorded"])
    offset, heard = click_offset(stored, onsets, window=window)
    # the clicks played while the recorder was recording (it connects after live run starts)
    expected = [f for f in stored if window[0] + 256 <= f + offset < window[0] + window[1]]
    busy_line = [line for line in err.splitlines() if line.startswith("busy thread")][0]
    return {"engine": json.loads(out)["engine"], "clicks": stored, "heard": heard, "expected": len(expected),
            "gaps": recorded["gaps"], "gap_frames": recorded["gap_frames"], "recorder_xruns": recorded["xruns"],
            "busy_line": busy_line, "stolen_ms": stolen_run_ms}


def busy_thread_line(fig: dict, server) -> str:
    """One line of what :func:`busy_thread_run` saw (the engine's account, the recorder's)."""
    engine = fig["engine"]
    return (f"engine missed {engine['missed_cycles']} cycles, {engine['late']} late, {engine['dropped']} dropped; "
            f"recorder heard {fig['heard']}/{fig['expected']} clicks at their planned frames (recorder gaps "
            f"{fig['gaps']} {fig['gap_frames']}, its xruns {fig['recorder_xruns']}); {fig['busy_line']}; "
            f"jackd xrun messages so far {len(server.xrun_messages())}; CPU time the hypervisor took "
            f"meanwhile {fig['stolen_ms']:.0f} ms")


def therapist_controls(action: str, number: int) -> str:
    """A controls file: the therapist on channel 2, ``action`` bound to CC ``number``."""
    return f"""schema = 1

[therapist]
channels = [2]

[[bindings]]
action = "{action}"
message = "cc"
number = {number}
"""
