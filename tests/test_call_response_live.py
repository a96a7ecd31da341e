"""Call-and-response live, on a JACK dummy graph: one harness process plays the therapist's
phrase on MIDI channel 2 (the therapist's channel in the controls) and the client's answer on
channel 1 at known JACK frames into ``live run``. The stored call and answer onsets are those
frames exactly (one JACK-to-engine offset for every note), and the stored metrics of each trial
are score_echo's over the harness's own frames."""

import json
import sys

import pytest

from jackutil import start_midi_harness
from live.metrics.echo import SCORE_KEYS, EchoNote, score_echo
from live_run_helpers import finish, rows, start_live_run, therapist_controls

SR = 48000
BEAT = 32000  # 90 BPM
CONTROLS = therapist_controls("start_stop", 23)
PRESET = """schema = 1
activity = "call_response"
title = "Live calls"
goal = "Test"

[params]
calls = "live"
trials = 2
tempo_bpm = 90
phrase_gap_beats = 1.5
margin_beats = 2
rest_beats = 1
feedback = true
"""


def schedule():
    """(therapist notes, client notes) as [frame after the harness's start, channel, note, velocity]:
    two calls of the therapist, each answered by the client inside its window (by the
    activity's rule: the call ends 1.5 beats after its last note; the window stays open the
    call's span plus a beat plus two beats of margin; the next call may start once the feedback
    (0.25 s after the close) and a beat's rest are past)."""
    therapist, client = [], []
    start = 0
    for k, call in enumerate(([0, 24007, 36013], [0, 16001, 32003, 40011])):
        frames = [start + f for f in call]
        therapist += [[f, 2, 60 + 2 * i, 90] for i, f in enumerate(frames)]
        opened = frames[-1] + round(1.5 * BEAT)
        close = opened + (frames[-1] - frames[0]) + BEAT + 2 * BEAT
        lag = opened + 9000 - frames[0]
        jitter = [5, -211, 397, 1201][: len(call)]
        client += [[f + lag + j, 1, 38, 100] for f, j in zip(frames, jitter)][: len(call) - k]  # the 2nd answer misses one
        start = close + 12000 + BEAT + 4000
    return therapist, client


def test_a_live_call_and_its_answer_are_stored_to_the_frame_and_scored_as_from_the_harness_frames(
        jack_server_sync, tmp_path):
    server = jack_server_sync
    preset = tmp_path / "live-calls.toml"
    preset.write_text(PRESET)
    controls = tmp_path / "controls.toml"
    controls.write_text(CONTROLS)
    db = tmp_path / "live.db"
    therapist, client = schedule()
    proc = start_live_run(server, preset, db, "--controls", str(controls))
    # The first note 2 s after the harness starts: well after the run's own start (0.5 s after
    # the session opens, which on a loaded machine can come a moment after live's ports appear);
    # a therapist's note before the run starts is no call.
    harness = start_midi_harness(server, "notes", name="echo-harness", note_events=therapist + client,
                                 start_delay=2.0, go_immediately=True, tail=1.0, seconds=40)
    harness.wait_ready(timeout_s=20)
    sent = harness.result(timeout_s=60)
    code, out, err = finish(proc, timeout_s=90)
    assert code == 0, err
    assert sent["late"] == 0 and sent["complete"], {k: sent[k] for k in ("late", "complete", "xruns", "gaps")}
    ons = [(f, status & 0x0F, d1) for f, status, d1, d2 in sent["sent"] if status & 0xF0 == 0x90 and d2 > 0]
    t_sent = [f for f, ch, _ in ons if ch == 1]
    c_sent = [f for f, ch, _ in ons if ch == 0]
    assert len(t_sent) == 7 and len(c_sent) == 6

    stored = rows(db, "SELECT frame, client_id FROM events WHERE kind = 'input' ORDER BY frame")
    t_stored = [f for f, cid in stored if cid is None]
    c_stored = [f for f, cid in stored if cid is not None]
    offsets = {s - f for s, f in zip(t_sent + c_sent, t_stored + c_stored)}
    assert len(t_stored) == 7 and len(c_stored) == 6 and len(offsets) == 1, (  # exact to the frame
        t_sent, c_sent, t_stored, c_stored, offsets)
    [(run_id,)] = rows(db, "SELECT id FROM runs")
    from live.store.store import Store

    with Store.open(db) as store:
        trials = store.run_trials(run_id)
    assert len(trials) == 2
    calls = [t_sent[:3], t_sent[3:]]
    answers = [c_sent[:3], c_sent[3:]]
    for trial, call, answer in zip(trials, calls, answers):
        t0 = trial["call"][0]["onset_s"]
        stored_call = [round(trial["call_frame"] + (n["onset_s"] - t0) * SR) for n in trial["call"]]
        stored_answer = [round(trial["call_frame"] + (n["onset_s"] - t0) * SR) for n in trial["answer"]]
        offset = next(iter(offsets))
        assert stored_call == [f - offset for f in call] and stored_answer == [f - offset for f in answer]
        want = score_echo([EchoNote(f / SR) for f in call], [EchoNote(f / SR) for f in answer],
                          tolerance_ms=trial["tolerance_ms"]).as_dict()
        for key in SCORE_KEYS:
            if want[key] is None:
                assert trial[key] is None, key
            else:
                assert trial[key] == pytest.approx(want[key], abs=1e-6), key
    assert trials[0]["f1"] == 1.0 and trials[1]["recall"] == pytest.approx(0.75)
    result = json.loads(out)
    [run] = result["runs"]  # live run --json gives the trials as live demo --json does
    assert [(t["call"], t["answer"], t["f1"]) for t in run["trials"]] == [(t["call"], t["answer"], t["f1"]) for t in trials]
    print(f"\nlive call-and-response: {len(t_stored)} therapist and {len(c_stored)} client notes stored at "
          f"the harness's frames (one offset); trial F-measures {[t['f1'] for t in trials]}; "
          f"session {result['session_id']}", file=sys.stderr)
