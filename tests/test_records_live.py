"""A ``live run`` killed with SIGKILL mid-run, on a JACK dummy server with a harness playing
notes: every input older than 0.5 s at the kill is kept, and the session reads incomplete."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import jack

from jackutil import start_midi_harness
from live_run_helpers import rows, start_live_run, write_preset

RATE = 48_000
SPACING = 2400  # a note about every 50 ms (the harness adds a small step to each)
KEPT_AFTER_S = 0.5  # DESIGN.md section 7: a killed session keeps every input older than this


def test_sigkill_keeps_every_input_older_than_half_a_second_and_the_session_reads_incomplete(jack_server_sync,
                                                                                              tmp_path):
    server = jack_server_sync
    preset = write_preset(tmp_path / "beat.toml", tempo=120, beats=60)
    db = tmp_path / "live.db"
    proc = start_live_run(server, preset, db)
    harness = start_midi_harness(server, "notes", count=160, spacing_frames=SPACING, start_delay=0.5,
                                 notes=[38], velocities=[100], go_immediately=True, tail=0.5, seconds=40)
    harness.wait_ready(timeout_s=20)
    with server.activate_environ():
        clock = jack.Client("kill-clock", no_start_server=True)
    try:
        time.sleep(4.0)  # ~70 notes in
        kill_frame = clock.frame_time
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=30)
    finally:
        clock.close()
    assert proc.returncode == -signal.SIGKILL
    sent = harness.result(timeout_s=60)
    notes = [f for f, status, _, d2 in sent["sent"] if status & 0xF0 == 0x90 and d2 > 0]
    stored = [f for (f,) in rows(db, "SELECT frame FROM events WHERE kind = 'input' ORDER BY frame")]
    responses = [f for (f,) in rows(db, "SELECT frame FROM responses ORDER BY frame")]
    [(status,)] = rows(db, "SELECT status FROM sessions")
    assert status == "running"  # nobody could close it: the process was killed

    # What was stored is the notes sent from the first on, nothing missing in between (the same
    # spacings: the harness varies each one), each with its scored response (a batch is one
    # transaction).
    assert len(stored) >= 20, (len(stored), len(notes))
    stored_gaps = [b - a for a, b in zip(stored, stored[1:])]
    assert stored_gaps == [b - a for a, b in zip(notes, notes[1:])][:len(stored_gaps)], (stored_gaps[:5], notes[:6])
    assert responses == stored
    # Every note sent more than 0.5 s before the kill is there (the harness's JACK frames and the
    # kill's are on the same clock): the kill lost only what arrived in the last 0.5 s.
    older = [f for f in notes if f < kill_frame - KEPT_AFTER_S * RATE]
    assert len(stored) >= len(older), (len(stored), len(older), len(notes))
    lost = [f for f in notes[len(stored):] if f < kill_frame]
    oldest_lost_s = (kill_frame - lost[0]) / RATE if lost else 0.0
    print(f"\nSIGKILL: {len(stored)} notes stored, all {len(older)} older than {KEPT_AFTER_S} s among them; "
          f"{len(lost)} sent in the last {oldest_lost_s:.3f} s before the kill lost", file=sys.stderr)

    shown = subprocess.run([sys.executable, "-m", "live", "sessions", "show", "--db", str(db), "--json",
                            rows(db, "SELECT id FROM sessions")[0][0]], capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0, shown.stderr
    session = json.loads(shown.stdout)
    assert session["status"] == "incomplete" and session["runs"][0]["status"] == "incomplete"
    assert session["runs"][0]["responses"] == len(stored)
    text = subprocess.run([sys.executable, "-m", "live", "sessions", "show", "--db", str(db), session["id"]],
                          capture_output=True, text=True, timeout=60).stdout
    assert "INCOMPLETE: the session did not end normally" in text
