"""Running ``live run`` against a JACK dummy server and reading back what it stored."""

import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

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


def click_offset(stored_click_frames, recorded_onsets):
    """The JACK-frame minus engine-frame offset that puts the most stored clicks exactly on
    recorded onsets, and how many it explains."""
    onsets = set(recorded_onsets)
    candidates = {onset - click for onset in recorded_onsets for click in stored_click_frames}
    best = max(((sum((f + c) in onsets for f in stored_click_frames), c) for c in candidates), default=(0, None))
    return best[1], best[0]
