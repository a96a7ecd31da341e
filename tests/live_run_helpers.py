"""Running ``live run`` against a JACK dummy server and reading back what it stored."""

import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

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


def start_live_run(server, preset, db, *extra, busy=False):
    """``live run PRESET --client T1 --json`` as a subprocess on ``server`` (with a busy Python
    thread in it when ``busy``); returns the Popen once its ports exist (so a harness can connect)."""
    presets = [str(p) for p in preset] if isinstance(preset, (list, tuple)) else [str(preset)]
    return start_live(server, ["run", *presets, "--client", "T1", "--db", str(db), "--json", "--headless", *extra],
                      busy=busy)


def start_live(server, argv, *, busy=False):
    """``live ARGV...`` as a subprocess on ``server``, returned once its JACK ports exist."""
    program = [sys.executable, BUSY_LIVE] if busy else [sys.executable, "-m", "live"]
    proc = subprocess.Popen([*program, *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=server.env)
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
            raise RuntimeError(f"live run exited early ({proc.returncode}):\n{proc.stderr.read()}")
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
