"""Sung answers live on the JACK dummy graph: ``live run <sung preset> --voice`` hears a voice
played into its input (tests/jack_singer.py), finds the sung notes of the answer window after it
closes (on its worker thread) and stores the trial with their pitch: every answer note within
30 cents of what was sung, and the notes as far apart as they were sung."""

import json
import subprocess
from pathlib import Path

from jackutil import JackClientProcess

SINGER = Path(__file__).with_name("jack_singer.py")

PRESET = """schema = 1
activity = "call_response"
title = "Sung live"
goal = "Test"

[params]
calls = "list"
phrases = ["E4 . E4 . E4 . . ."]
trials = 1
tempo_bpm = 120
margin_beats = 2.0
answer_input = "voice"
instrument = "synth_marimba"
feedback = true
"""


def test_a_voice_at_the_input_is_found_and_scored_with_its_pitch(jack_server_sync, tmp_path):
    from live_run_helpers import finish, start_live_run

    server = jack_server_sync
    preset = tmp_path / "sung.toml"
    preset.write_text(PRESET)
    db = tmp_path / "live.db"
    proc = start_live_run(server, preset, db, "--voice")
    with JackClientProcess(SINGER, ["--name", "singer", "--midi", "64.1", "--notes", "16", "--seconds", "30"],
                           server.env, "singer") as singer:
        singer.wait_ready(timeout_s=30)
        subprocess.run(["jack_connect", "-s", server.name, "singer:out_1", "live:in_0"], check=True, env=server.env,
                       timeout=30)
        code, out, err = finish(proc, timeout_s=90)
        sung = singer.result(timeout_s=30, close_stdin=True)
    assert code == 0, err
    assert sung["onset_frames"], sung
    [trial] = json.loads(out)["runs"][0]["trials"]
    answer = trial["answer"]
    assert len(answer) >= 3, trial  # the window (about 3 s) holds several of the notes sung every 0.5 s
    assert all(abs(a["pitch_midi"] - 64.1) <= 0.3 and a["note"] == 64 for a in answer), answer
    gaps = [b["onset_s"] - a["onset_s"] for a, b in zip(answer, answer[1:])]
    assert all(abs(g - 0.5) <= 0.02 for g in gaps), gaps  # as far apart as sung (onsets by the onset detector)
    assert trial["mean_cents_error"] is not None and trial["mean_cents_error"] <= 30.0
