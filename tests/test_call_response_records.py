"""Call-and-response in the records: per-trial rows (call and answer onsets, notes, every metric,
level) in the store and the CSV; per-run metrics and the threshold in the JSON, the FHIR bundle
(validated) and the session note with its plots; the MIDI export's call and answer tracks at the
trials' own times; a goal ``f1 >= 0.8 at level 1`` in the progress report."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import mido
import pytest

from live.cli import main
from live.metrics.echo import SCORE_KEYS
from live.presets import find_preset, load_preset
from live.run.offline import LoopTiming, simulate_session
from live.store.exports import FORMATS, export_session, origin_frame
from live.store.exports.midi import TICKS_PER_S
from live.store.records import load_session
from live.store.store import Store

SR = 48000


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("echo-records")
    db = tmp / "echo.db"
    preset = load_preset(find_preset("pentatonic-echo"))
    with Store.open(db) as store:
        out = simulate_session(preset, store=store, seed=4, client="ECHO-1",
                               timing=LoopTiming(block_frames=2048, control_period_frames=2048))
        files = {fmt: export_session(store, out.session_id, fmt, out=tmp / f"s.{fmt}")[0] for fmt in FORMATS}
        record = load_session(store, out.session_id)
    return {"db": db, "out": out, "files": files, "record": record, "tmp": tmp}


def test_the_store_and_the_csv_hold_every_trial_with_its_call_answer_level_and_metrics(session):
    out = session["out"]
    [run] = session["record"]["runs"]
    assert run["trials"] == [{k: (float(v) if isinstance(v, int) and not isinstance(v, bool) else v)
                              for k, v in t.items()} for t in out.summary.trials]
    with zipfile.ZipFile(session["files"]["csv"]) as z:
        rows = list(csv.DictReader(io.StringIO(z.read("summaries.csv").decode())))
    first = {r["metric"]: r["value"] for r in rows if r["phase"] == "trial 0"}
    trial = out.summary.trials[0]
    assert set(SCORE_KEYS) | {"level", "tolerance_ms", "call", "answer"} <= set(first)
    assert json.loads(first["call"]) == trial["call"] and json.loads(first["answer"]) == trial["answer"]
    assert float(first["level"]) == trial["level"] and float(first["f1"]) == pytest.approx(trial["f1"])
    overall = {r["metric"]: r["value"] for r in rows if r["phase"] == "all"}
    assert {"mean_f1", "threshold_level", "reversals", "success_rate"} <= set(overall)


def test_json_fhir_and_the_note_carry_the_run_metrics_the_threshold_and_the_plots(session):
    from fhir.resources.R4B.bundle import Bundle

    out = session["out"]
    doc = json.loads(session["files"]["json"].read_text())
    [run] = doc["runs"]
    assert run["summary"]["threshold_level"] == out.summary.metrics["threshold_level"]
    assert run["trials"][0]["call"] == out.summary.trials[0]["call"]
    bundle = Bundle.model_validate_json(session["files"]["fhir"].read_bytes())
    observations = [e.resource for e in bundle.entry if e.resource.__resource_type__ == "Observation"]
    codes = {o.code.coding[0].code for o in observations}
    assert {"mean_f1", "threshold_level", "f1", "level", "call"} <= codes
    calls = [o for o in observations if o.code.coding[0].code == "call"]
    assert json.loads(calls[0].valueString) == out.summary.trials[0]["call"]
    html = session["files"]["html"].read_text()
    assert "echo-trials" in html and "echo-progress" in html and "threshold" in html
    assert session["files"]["pdf"].read_bytes().startswith(b"%PDF")


def test_the_midi_export_has_a_call_track_and_an_answer_track_at_the_trials_times(session):
    out = session["out"]
    mid = mido.MidiFile(session["files"]["midi"])
    tracks = {t.name: t for t in mid.tracks}
    assert {"call", "answer"} <= set(tracks)
    t0 = origin_frame(session["record"])

    def onsets(track):
        now, found = 0, []
        for msg in track:
            now += msg.time
            if msg.type == "note_on" and msg.velocity:
                found.append((now, msg.note))
        return found

    def expected(part):
        return [(round((t["call_frame"] + round((n["onset_s"] - t["call"][0]["onset_s"]) * SR) - t0) * TICKS_PER_S / SR),
                 n["note"]) for t in out.summary.trials for n in t[part]]

    assert onsets(tracks["call"]) == expected("call")
    assert onsets(tracks["answer"]) == expected("answer")
    assert len(onsets(tracks["answer"])) == sum(t["n_answer"] for t in out.summary.trials)


def test_each_pitched_call_note_is_in_the_midi_export_once_in_the_call_track_only(session):
    mid = mido.MidiFile(session["files"]["midi"])
    t0 = origin_frame(session["record"])
    found: dict[tuple[int, int], list[str]] = {}
    for track in mid.tracks:
        now = 0
        for msg in track:
            now += msg.time
            if msg.type == "note_on" and msg.velocity:
                found.setdefault((now, msg.note), []).append(track.name)
    calls = [(round((t["call_frame"] + round((n["onset_s"] - t["call"][0]["onset_s"]) * SR) - t0) * TICKS_PER_S / SR),
              n["note"]) for t in session["out"].summary.trials for n in t["call"]]
    assert calls and all(note is not None for _, note in calls)   # a pitched preset
    assert {c: found.get(c) for c in calls} == {c: ["call"] for c in calls}
    assert not [t.name for t in mid.tracks if t.name.startswith("band ")]   # its only pitched sounds are calls


def test_a_goal_on_f1_at_a_level_is_reported(session, capsys):
    db, tmp = str(session["db"]), session["tmp"]
    assert main(["goals", "add", "ECHO-1", "f1 >= 0.8 at level 1", "--db", db]) == 0
    assert main(["goals", "list", "ECHO-1", "--json", "--db", db]) == 0
    (goal,) = json.loads(capsys.readouterr().out.splitlines()[-1])["goals"]
    level1 = [t["f1"] for t in session["out"].summary.trials if t["level"] == 1]
    assert goal["points"][0]["value"] == pytest.approx(sum(level1) / len(level1))
    assert main(["report", "ECHO-1", "--format", "html", "--out", str(tmp / "report.html"), "--db", db]) == 0
    assert "f1" in (tmp / "report.html").read_text()
