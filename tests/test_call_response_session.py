"""Call-and-response through the session loop ``live demo`` uses, with its simulated echo client
(the echo player's model) playing through the real input path: the staircase converges on the
client's ceiling, the client's omission rate and tempo scaling come back, the therapist's live
calls (a simulated therapist on the therapist's side) are what the client answers, ``end_turn``
ends a call, and ``live demo --json``'s trials are exactly what was stored and scored."""

from __future__ import annotations

import dataclasses
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from live.activities.call_response import CallResponse, CallResponseParams
from live.activities.call_response.phrases import LADDER
from live.metrics.echo import SCORE_KEYS, EchoNote, score_echo
from live.presets import Preset, find_preset, load_preset, shipped_presets
from live.run.offline import LoopTiming, simulate_session
from live.store.store import Store

SR = 48000
FAST = LoopTiming(block_frames=2048, control_period_frames=2048)
STEADY = {"omission_rate": 0.0, "insertion_rate": 0.0, "timing_sd_ms": 10.0, "pitch_error_rate": 0.0}


def preset_of(params: CallResponseParams, name: str = "echo") -> Preset:
    return Preset(name=name, path=Path(f"{name}.toml"), activity="call_response", title=name, goal="echo",
                  params=params, raw_params={})


def run(tmp_path, params, *, seed=1, settings=None, timing=FAST, controls=()):
    with Store.open(tmp_path / f"s{seed}.db") as store:
        out = simulate_session(preset_of(params), store=store, seed=seed, settings=settings, timing=timing,
                               controls=controls)
        stored = store.run_trials(out.run_id)
        inputs = store.run_events(out.run_id, kind="input")
        sounds = store.run_events(out.run_id, kind="sound")
    return out, stored, inputs, sounds


def ceiling_level(memory_span: int, success_f1: float) -> int:
    """The highest level whose calls a client who keeps ``memory_span`` notes (and errs in no other
    way) answers with an F-measure of at least ``success_f1``."""
    ok = [lv.number for lv in LADDER
          if (r := min(1.0, memory_span / lv.onsets)) and 2 * r / (1 + r) >= success_f1]
    return max(ok)


def test_staircase_converges_within_one_level_of_a_simulated_ceiling_in_40_trials(tmp_path):
    params = CallResponseParams(trials=40, tempo_bpm=120, start_level=1, adaptive=True, rest_beats=0.5, margin_beats=1.0,
                                feedback=False)
    ceiling = ceiling_level(4, params.success_f1)
    assert ceiling == 4
    out, stored, _, _ = run(tmp_path, params, settings={**STEADY, "memory_span": 4})
    levels = [t["level"] for t in out.summary.trials]
    assert len(levels) == 40 and levels[0] == 1
    assert max(levels) <= ceiling + 1
    assert all(abs(lv - ceiling) <= 1 for lv in levels[-20:]), levels
    m = out.summary.metrics
    assert m["reversals"] >= 6 and abs(m["threshold_level"] - ceiling) <= 1, m
    print(f"\nstaircase, memory span 4 (ceiling level {ceiling}): levels {levels}; {m['reversals']} reversals, "
          f"threshold {m['threshold_level']:.2f}", file=sys.stderr)
    # Stored per trial as played.
    assert [t["level"] for t in stored] == levels


def test_omission_rate_comes_back_as_recall_within_the_binomial_band_over_200_trials(tmp_path):
    p_omit = 0.2
    params = CallResponseParams(trials=200, tempo_bpm=160, start_level=3, rest_beats=0.5, margin_beats=1.0, feedback=False)
    out, _, _, _ = run(tmp_path, params, seed=4, settings={**STEADY, "omission_rate": p_omit, "memory_span": 8})
    trials = out.summary.trials
    assert len(trials) == 200
    n = sum(t["n_call"] for t in trials)
    recall = sum(t["matched"] for t in trials) / n
    half = 1.96 * math.sqrt(p_omit * (1 - p_omit) / n)
    assert abs(recall - (1 - p_omit)) <= half, (recall, half)
    print(f"\nomission rate {p_omit}: recall {recall:.4f} over {n} call notes of 200 trials "
          f"(band {1 - p_omit - half:.4f}..{1 - p_omit + half:.4f})", file=sys.stderr)
    assert all(t["precision"] == 1.0 for t in trials if t["n_answer"])  # nothing inserted, nothing mismatched


def test_tempo_scaling_comes_back_within_one_percent(tmp_path):
    params = CallResponseParams(trials=30, tempo_bpm=120, start_level=7, max_level=8, margin_beats=3.0, rest_beats=0.5,
                                feedback=False)
    out, _, _, _ = run(tmp_path, params, seed=2, settings={**STEADY, "tempo_scale": 1.1, "memory_span": 8})
    ratios = [t["tempo_ratio"] for t in out.summary.trials]
    assert len(ratios) == 30 and None not in ratios
    assert abs(sum(ratios) / len(ratios) - 1.1) <= 0.011
    print(f"\ntempo scale 1.1: mean tempo ratio {sum(ratios) / len(ratios):.4f} over 30 trials", file=sys.stderr)
    assert abs(out.summary.metrics["mean_tempo_ratio"] - 1.1) <= 0.011


def test_in_time_answers_belong_one_phrase_later_and_their_lag_error_is_the_timing_noise(tmp_path):
    params = CallResponseParams(trials=12, tempo_bpm=100, start_level=3, answer="in_time", pulse=True, count_in_beats=4,
                                feedback=False)
    out, _, _, sounds = run(tmp_path, params, settings={**STEADY, "timing_sd_ms": 5.0})
    bar_s = 60.0 * 4 / 100
    for t in out.summary.trials:
        assert t["matched"] == t["n_call"] == 4
        assert abs(t["offset_ms"] - 1000 * bar_s) < 20  # the whole calls of level 3 fit in one bar
        assert abs(t["lag_error_ms"]) < 15
    assert {s["sound"] for s in sounds} >= {"click", "click_accent", "woodblock_accent"}


def test_demo_json_trials_are_what_was_scored_and_stored(tmp_path):
    db = tmp_path / "demo.db"
    proc = subprocess.run([sys.executable, "-m", "live", "demo", "--preset", "rhythm-echo-beginners", "--seed", "5",
                           "--json", "--out", str(tmp_path), "--db", str(db)], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    trials = doc["trials"]
    params = load_preset(find_preset("rhythm-echo-beginners")).params
    assert len(trials) == params.trials
    with Store.open(db) as store:
        [run_] = store.get_session(doc["session_id"])["runs"]
        stored = store.run_trials(run_["id"])
        inputs = [e for e in store.run_events(run_["id"], kind="input") if e["client"] is not None]
        sounds = store.run_events(run_["id"], kind="sound")
    assert [t["index"] for t in trials] == list(range(len(trials)))
    call_sounds = [s for s in sounds if s["cue_index"] is not None]
    answered = set()
    for trial, row in zip(trials, stored):
        assert set(SCORE_KEYS) <= set(trial) and {"index", "level", "tolerance_ms", "call", "answer"} <= set(trial)
        assert all(set(n) == {"onset_s", "duration_s", "note"} and n["note"] is None for n in trial["call"])
        assert all(set(n) == {"onset_s", "note"} and n["note"] is None for n in trial["answer"])
        assert trial["pitch_accuracy"] is None and trial["tolerance_ms"] == params.tolerance_ms
        # Times from the session's start (offline: engine frame 0): the call is the planned sounds.
        frames = [round(n["onset_s"] * SR) for n in trial["call"]]
        assert frames == [s["frame"] for s in call_sounds if s["cue_index"] in
                          range(sum(len(t["call"]) for t in trials[:trial["index"]]),
                                sum(len(t["call"]) for t in trials[:trial["index"] + 1]))]
        # The answer is exactly the stored client inputs the trial scored, and the metrics are
        # score_echo's over those onsets.
        answer_frames = [round(n["onset_s"] * SR) for n in trial["answer"]]
        assert all(f in {e["frame"] for e in inputs} for f in answer_frames)
        answered |= set(answer_frames)
        again = score_echo([EchoNote(n["onset_s"], None, n["duration_s"]) for n in trial["call"]],
                           [EchoNote(n["onset_s"]) for n in trial["answer"]], tolerance_ms=trial["tolerance_ms"])
        for key in SCORE_KEYS:
            assert trial[key] == pytest.approx(again.as_dict()[key], abs=1e-3) if trial[key] is not None \
                else again.as_dict()[key] is None, key
        # The store holds the same trial.
        assert row["call"] == trial["call"] and row["answer"] == trial["answer"]
        assert row["level"] == trial["level"] and row["f1"] == pytest.approx(trial["f1"])
    assert len(answered) == sum(t["n_answer"] for t in trials)


def test_every_shipped_call_response_preset_runs_with_its_goal(tmp_path):
    presets = [p for p in shipped_presets() if p.parent.name == "call_response"]
    assert len(presets) >= 5
    for path in presets:
        preset = load_preset(path)
        assert preset.goal
        params = preset.params
        if params.answer_input == "voice":  # sung answers: 2 trials (pYIN costs ~0.5 s CPU a second of answer)
            params = dataclasses.replace(params, trials=2)
        out, stored, _, _ = run(tmp_path, params, seed=3)
        assert len(out.summary.trials) == params.trials, path.stem
        assert out.summary.metrics["mean_f1"] is not None and out.summary.metrics["mean_f1"] > 0.5, path.stem
        assert len(stored) == params.trials


def test_live_calls_are_the_simulated_therapists_notes_and_the_client_answers_them(tmp_path):
    params = CallResponseParams(calls="live", trials=6, tempo_bpm=90, start_level=2, feedback=True)
    out, stored, inputs, _ = run(tmp_path, params, seed=7, settings=STEADY)
    therapist = [e for e in inputs if e["client"] is None]
    trials = out.summary.trials
    assert len(trials) == 6 and out.therapist["model"] == "therapist"
    calls = [round(n["onset_s"] * SR) for t in trials for n in t["call"]]
    assert calls == [e["frame"] for e in therapist]  # every therapist note was a call note, in order
    assert all(t["level"] == 2 and t["n_call"] == 3 for t in trials)
    assert all(t["f1"] == 1.0 for t in trials)


def test_end_turn_ends_a_live_call_at_its_frame(tmp_path):
    params = CallResponseParams(calls="live", trials=1, tempo_bpm=90, start_level=3, phrase_gap_beats=2.0)
    beat = round(60 * SR / 90)
    start = LoopTiming().start_frame
    # The simulated therapist's first call starts one beat after the run (level 3: four notes in
    # a bar); the turn ends one frame after that beat, so the call is its first note or two.
    end_at = start + beat + 1
    out, _, inputs, _ = run(tmp_path, params, seed=1, settings=STEADY, controls=((end_at, "end_turn", None),),
                            timing=LoopTiming())
    [trial] = out.summary.trials
    therapist = [e["frame"] for e in inputs if e["client"] is None]
    assert [round(n["onset_s"] * SR) for n in trial["call"]] == [f for f in therapist if f <= end_at]
    assert len(trial["call"]) < len(therapist)


@pytest.mark.parametrize("name", ["adaptive-rhythm-echo", "therapist-led-calls"])
def test_trials_do_not_depend_on_block_size_or_control_period(tmp_path, name):
    params = load_preset(find_preset(name)).params
    params = type(params)(**{**{f: getattr(params, f) for f in params.__dataclass_fields__}, "trials": 8})
    seen = []
    for i, timing in enumerate([LoopTiming(), LoopTiming(block_frames=64, control_period_frames=64),
                                LoopTiming(block_frames=1000, control_period_frames=1000), FAST]):
        (tmp_path / str(i)).mkdir()
        out, stored, inputs, sounds = run(tmp_path / str(i), params, seed=6, timing=timing)
        seen.append((out.summary.trials, stored, [(e["frame"], e["client"]) for e in inputs],
                     [(s["frame"], s["sound"]) for s in sounds], out.end_frame))
    assert all(s == seen[0] for s in seen[1:])


def test_pentatonic_calls_sound_on_the_instrument_and_pitch_errors_come_back_as_pitch_accuracy(tmp_path):
    preset = load_preset(find_preset("pentatonic-echo"))
    scale = {60, 62, 64, 67, 69}
    assert {n.note for n in CallResponse.pitched_notes(preset.params)} == scale
    out, _, _, sounds = run(tmp_path, preset.params, seed=2,
                            settings={**STEADY, "pitch_error_rate": 0.25, "memory_span": 8})
    calls = [s for s in sounds if s["cue_index"] is not None]
    assert calls and all(s["sound"].startswith("marimba:") for s in calls)
    assert all(s["end_frame"] is not None and s["end_frame"] > s["frame"] for s in calls)  # each released
    trials = out.summary.trials
    assert all(n["note"] in scale for t in trials for n in t["call"])
    matched = sum(t["matched"] for t in trials)
    right = sum(t["pitch_accuracy"] * t["matched"] for t in trials if t["matched"])
    accuracy = right / matched
    half = 1.96 * math.sqrt(0.25 * 0.75 / matched)
    assert abs(accuracy - 0.75) <= half + 1e-9, (accuracy, half)
    assert out.summary.metrics["mean_pitch_accuracy"] is not None
