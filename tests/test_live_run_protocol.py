"""``live run`` with a multi-phase preset on a JACK dummy server: every phase is played (no
cut at ``--duration``), the per-phase summary is printed and in ``--json``, the responses of
``--json`` and of ``live export --format json`` have one time origin, and sessions left
running by a dead process are marked incomplete when ``live run`` starts."""

import json
import subprocess
import sys

from jackutil import start_midi_harness
from live_run_helpers import finish, rows, start_live, start_live_run

PROTOCOL = """schema = 1
activity = "entrainment"
title = "Short protocol"
goal = "Test"

[params]
baseline_s = 2
tempo_bpm = 120
tempo_steps_pct = [0, 10]
count_in_beats = 2
beats = 40
"""

LEFT_RUNNING = """
import os, sys
from live.store.store import Store
store = Store.open(sys.argv[1])
print(store.create_session(client_codes=["T1"], simulated=False, sample_rate=48000), flush=True)
os._exit(0)  # no close: the session stays 'running' and its writer process is gone
"""


def test_a_multi_phase_preset_runs_every_phase_and_json_and_export_share_one_time_origin(jack_server_sync, tmp_path):
    server = jack_server_sync
    preset = tmp_path / "protocol.toml"
    preset.write_text(PROTOCOL)
    db = tmp_path / "live.db"
    left = subprocess.run([sys.executable, "-c", LEFT_RUNNING, str(db)], capture_output=True, text=True,
                          timeout=60, check=True).stdout.strip()

    # --duration 2: each cued phase 2 s (4 beats at 120 BPM, 5 at 132), after a 2 s baseline and
    # a 1 s count-in: ~7.3 s, well past the 3 s at which --duration + 1 s used to cut runs.
    proc = start_live_run(server, preset, db, "--duration", "2")
    harness = start_midi_harness(server, "notes", count=16, spacing_frames=24001, start_delay=0.3,
                                 go_immediately=True, tail=0.5, seconds=30)
    harness.wait_ready(timeout_s=20)
    harness.result(timeout_s=60)
    code, out, err = finish(proc)
    assert code == 0, err
    result = json.loads(out)

    assert f"session {left} was left running by a process that is gone: marked incomplete" in err
    assert rows(db, "SELECT status FROM sessions WHERE id = ?", left) == [("incomplete",)]

    [run] = result["runs"]
    assert list(run["phases"]) == ["baseline", "cue+0%", "cue+10%"]
    assert run["phases"]["baseline"]["duration_s"] == 2.0
    assert (run["phases"]["cue+0%"]["n_beats"], run["phases"]["cue+10%"]["n_beats"]) == (4, 5)
    assert result["summary"]["n_beats"] == 9
    assert rows(db, "SELECT count(*) FROM events WHERE kind = 'sound'") == [(11,)]  # + 2 count-in
    assert len(result["responses"]) >= 10

    # The same session exported: the same responses, to the last bit.
    export = tmp_path / "session.json"
    proc = subprocess.run([sys.executable, "-m", "live", "export", result["session_id"], "--format", "json",
                           "--db", str(db), "--out", str(export)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(export.read_text())
    assert doc["responses"] == result["responses"]
    assert doc["runs"][0]["start_time_s"] == 0.0


def test_live_run_prints_the_per_phase_table(jack_server_sync, tmp_path):
    server = jack_server_sync
    preset = tmp_path / "protocol.toml"
    preset.write_text(PROTOCOL)
    db = tmp_path / "live.db"
    proc = start_live(server, ["run", str(preset), "--client", "T1", "--db", str(db), "--headless",
                               "--duration", "1"])
    code, out, err = finish(proc)
    assert code == 0, err
    table = out.split("Per phase:\n", 1)[1]
    header, *lines = table.splitlines()
    assert header.split() == ["baseline", "cue+0%", "cue+10%"]
    beats = next(line for line in lines if line.startswith("beats scored"))
    assert beats.split() == ["beats", "scored", "-", "2", "3"]  # ceil(1 s x 120 / 60), ceil(1 s x 132 / 60)
