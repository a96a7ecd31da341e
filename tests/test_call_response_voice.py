"""Call-and-response answered by voice (issue 14): the simulated singer's answers, sung as audio,
go through the voice path (the activity keeps the answer window's audio, finds the sung notes
after the window, scores them with the echo metrics, pitch right within 50 cents); a voice an
octave lower is scored in the call's octave; wrong notes are counted wrong; the live estimate
reaches the client's screen and the console; live, the analysis never holds up the control
thread; the stored trials carry the sung pitches and the mean cents error, and so do the CSV, JSON,
FHIR and the session note."""

from __future__ import annotations

import csv
import io
import json
import threading
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from live.activities.call_response import CallResponse, CallResponseParams
from live.activities.call_response import sung as sung_module
from live.activities.call_response.pitches import sounds_needed
from live.activities.types import ActivityContext, AudioChunk, HearsAudio
from live.engine.events import ScreenPrompt
from live.presets import Preset
from live.run.offline import LoopTiming, simulate_session
from live.sim.singing import VOICES, SungNoteSpec, sing
from live.store.exports import export_session
from live.store.store import Store

SR = 48000
FAST = LoopTiming(block_frames=2048, control_period_frames=2048)
EXACT = {"omission_rate": 0.0, "insertion_rate": 0.0, "timing_sd_ms": 10.0, "pitch_error_rate": 0.0,
         "latency_sd_ms": 0.0}


def sung_params(**kw) -> CallResponseParams:
    base = dict(calls="list", phrases=("C4 . E4 . G4 . . .", "G4 . E4 . D4 . C4 ."), trials=2, tempo_bpm=72,
                answer_input="voice", instrument="piano", feedback=False, margin_beats=2.0)
    return CallResponseParams(**{**base, **kw})


def run(tmp_path: Path, params: CallResponseParams, settings: dict, seed: int = 1, export: bool = False):
    preset = Preset(name="sung", path=Path("sung.toml"), activity="call_response", title="sung", goal="sing",
                    params=params, raw_params={})
    with Store.open(tmp_path / f"s{seed}.db") as store:
        out = simulate_session(preset, store=store, seed=seed, settings=settings, timing=FAST)
        stored = store.run_trials(out.run_id)
        if export:
            files = {fmt: export_session(store, out.session_id, fmt, out=tmp_path / f"s.{fmt}")[0]
                     for fmt in ("csv", "json", "fhir", "html")}
            return out, stored, files
    return out, stored


def test_sung_answers_of_an_exact_singer_are_found_and_scored_every_note_right_and_kept_in_the_records(tmp_path):
    out, stored, files = run(tmp_path, sung_params(), {**EXACT, "voice": "alto", "cents_sd": 10.0}, export=True)
    assert out.simulated["model"] == "echo singer"
    trials = out.summary.trials
    assert [t["n_answer"] for t in trials] == [3, 4]
    for t in trials:
        assert t["f1"] == 1.0 and t["pitch_accuracy"] == 1.0, t
        assert 0.0 <= t["mean_cents_error"] <= 25.0
        assert [a["note"] for a in t["answer"]] == [c["note"] for c in t["call"]]
        assert all(abs(100 * (a["pitch_midi"] - a["note"])) <= 50 for a in t["answer"])
        assert t["mean_abs_error_ms"] <= 30.0  # onsets from the onset detector, 10 ms SD of timing noise
    assert out.summary.metrics["mean_sung_cents_error"] == pytest.approx(
        np.mean([t["mean_cents_error"] for t in trials]))
    for t, s in zip(trials, stored):  # the store keeps what was scored
        assert s["mean_cents_error"] == pytest.approx(t["mean_cents_error"])
        assert s["answer"] == t["answer"]
    # CSV (per-trial rows and the run's mean), JSON, FHIR and the session note's table
    with zipfile.ZipFile(files["csv"]) as z:
        rows = list(csv.DictReader(io.StringIO(z.read("summaries.csv").decode())))
    first = {r["metric"]: r["value"] for r in rows if r["phase"] == "trial 0"}
    assert float(first["mean_cents_error"]) == pytest.approx(trials[0]["mean_cents_error"])
    assert json.loads(first["answer"]) == trials[0]["answer"]
    overall = {r["metric"]: r["value"] for r in rows if r["phase"] == "all"}
    assert float(overall["mean_sung_cents_error"]) == pytest.approx(out.summary.metrics["mean_sung_cents_error"])
    [doc_run] = json.loads(files["json"].read_text())["runs"]
    assert doc_run["summary"]["mean_sung_cents_error"] == pytest.approx(out.summary.metrics["mean_sung_cents_error"])
    assert doc_run["trials"][1]["mean_cents_error"] == pytest.approx(trials[1]["mean_cents_error"])
    fhir = files["fhir"].read_text()
    assert '"mean_cents_error"' in fhir and '"mean_sung_cents_error"' in fhir
    html = files["html"].read_text()
    assert "sung (cents)" in html and f"{out.summary.metrics['mean_sung_cents_error']:.1f}" in html


def test_a_bass_singing_an_octave_below_the_call_is_scored_in_the_calls_octave(tmp_path):
    out, _ = run(tmp_path, sung_params(trials=1), {**EXACT, "voice": "bass", "cents_sd": 10.0})
    [t] = out.summary.trials
    assert t["pitch_accuracy"] == 1.0 and [a["note"] for a in t["answer"]] == [60, 64, 67]


def test_a_singer_who_sings_every_note_off_by_a_tone_or_semitone_gets_no_note_right(tmp_path):
    out, _ = run(tmp_path, sung_params(trials=1), {**EXACT, "pitch_error_rate": 1.0, "cents_sd": 5.0})
    [t] = out.summary.trials
    assert t["matched"] == 3 and t["pitch_accuracy"] == 0.0
    assert t["mean_cents_error"] >= 90.0


def start(params: CallResponseParams, *, realtime: bool) -> CallResponse:
    act = CallResponse(params)
    act.start(ActivityContext(SR, SR, frozenset(sounds_needed(params)), realtime=realtime))
    return act


def window_of(act: CallResponse) -> tuple[int, int]:
    act.plan(SR)
    [trial] = act._trials
    return trial.open_frame, trial.close_frame


def test_the_live_estimate_of_a_sung_note_reaches_the_screen_and_the_console():
    act = start(sung_params(trials=1), realtime=False)
    assert isinstance(act, HearsAudio)
    open_frame, close_frame = window_of(act)
    audio = sing([SungNoteSpec(0.05, 0.6, 69.2, "a")], voice=VOICES["child"], sample_rate=SR, duration_s=0.7, seed=1)
    shown = []
    for at in range(0, audio.size, 2048):
        act.on_audio(AudioChunk(open_frame + at, audio[at: at + 2048], "C1"))
        shown += [n.value for n in act.live_numbers(open_frame + at) if n.label == "Sung"]
    prompts = [c.text for c in act.take_cues() if isinstance(c, ScreenPrompt) and c.text.startswith("singing")]
    assert prompts and all(p.startswith("singing A4") for p in prompts[1:]), prompts
    assert len([v for v in shown if v is not None and v.startswith("A4")]) >= 0.6 * len(shown), shown


def test_live_the_analysis_runs_off_the_control_thread_and_the_feedback_comes_when_it_is_done(monkeypatch):
    release = threading.Event()
    real = sung_module.find_sung_notes

    def slow(samples, sample_rate, **kwargs):
        release.wait(10)
        return real(samples, sample_rate, **kwargs)

    monkeypatch.setattr(sung_module, "find_sung_notes", slow)
    act = start(sung_params(trials=1, feedback=True), realtime=True)
    open_frame, close_frame = window_of(act)
    due = close_frame + round(sung_module.POST_S * SR) + SR  # well past the close and the feedback delay
    t0 = time.perf_counter()
    act.plan(due)
    assert time.perf_counter() - t0 < 1.0  # the control thread did not wait for the analysis
    assert act._trials[0].score is None
    release.set()
    for _ in range(200):
        if act._sung.ready(0):
            break
        time.sleep(0.05)
    sounds = act.plan(due + 4800)
    assert act._trials[0].score is not None
    feedback = [s for s in sounds if s.sound in ("cowbell", "shaker")]
    assert [s.frame for s in feedback] == [due + 4800 - 1]  # found late: at the horizon's end, ahead of the clock
