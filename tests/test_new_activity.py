"""A new activity is a file: tests/echo_toy_activity.py, registered here, runs through the session
loop ``live demo`` uses with its own simulated client, is stored, exports in every format (csv,
json, fhir validated, midi, wav, html, pdf), shows in ``live sessions show``, gets a goal on one
of its metrics in the report, and puts its live numbers on the console's status line; nothing
outside tests/ names it."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import wave
import zipfile
from pathlib import Path

import mido
import pytest

from echo_toy_activity import EchoToy
from live.activities import registry
from live.activities.registry import activity_class, register
from live.cli import main
from live.presets import load_preset
from live.run.edges import ConsoleView
from live.run.offline import simulate_session
from live.store.exports import FORMATS, export_session
from live.store.store import Store

ROOT = Path(__file__).resolve().parent.parent
PRESET = """schema = 1
activity = "echo-toy"
title = "Echo the pulse"
goal = "Answer each pulse"

[params]
pulses = 12
gap_ms = 600
"""


@pytest.fixture(scope="module")
def echo_toy():
    """EchoToy registered for this module's tests, and forgotten after them (the registry is
    the process's: other tests list the known activities)."""
    register(EchoToy)
    yield EchoToy
    registry._REGISTRY.pop(EchoToy.name)


class StatusLines:
    """A console edge that keeps the status lines the therapist's console would draw."""

    waits_for_start = False

    def __init__(self) -> None:
        self.views: list[ConsoleView] = []

    def log(self, line: str) -> None:
        pass

    def show(self, view) -> None:
        self.views.append(view())

    def close(self) -> None:
        pass


def live(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_nothing_outside_tests_names_the_test_activity():
    found = subprocess.run(["git", "grep", "-l", "-e", "echo-toy", "-e", "EchoToy", "--", ":!tests"], cwd=ROOT,
                           capture_output=True, text=True)
    assert found.stdout == "", found.stdout


def test_a_test_only_activity_runs_stores_exports_reports_and_shows(echo_toy, tmp_path, capsys):
    from fhir.resources.R4B.bundle import Bundle

    assert activity_class("echo-toy") is EchoToy
    path = tmp_path / "echo.toml"
    path.write_text(PRESET)
    preset = load_preset(path)
    assert preset.activity == "echo-toy" and preset.params.pulses == 12
    db = tmp_path / "echo.db"
    console = StatusLines()
    with Store.open(db) as store:
        out = simulate_session(preset, store=store, seed=5, wav_dir=tmp_path, client="ECHO-1",
                               settings={"miss_rate": 0.25}, console=console)
    # Its own simulated client played it: every echo it made is stored and scored.
    assert out.simulated == {"lag_ms": 120.0, "jitter_ms": 15.0, "miss_rate": 0.25, "seed": 5}
    produced = out.produced
    assert produced["inputs"] + produced["omitted"] == 12 and produced["omitted"] > 0
    m = out.summary.metrics
    assert m["pulses"] == 12 and m["echoes"] == produced["inputs"] and m["unanswered"] == produced["omitted"]
    assert 90 < m["mean_echo_lag_ms"] < 150
    assert all(r.target.kind == "pulse" and r.extra == {"pitch": 60} for r in out.responses)
    # The console's status line: the activity's own live numbers, as the console draws them.
    from live.ui.console import number_line

    last = console.views[-1]
    assert last.activity == "Echo the pulse (echo)" and last.state == "playing"
    assert [number_line(n) for n in last.numbers] == ["Pulses  12", f"Echoes  {m['echoes']}"]

    # Every export format.
    with Store.open(db) as store:
        files = {fmt: export_session(store, out.session_id, fmt, out=tmp_path / f"s.{fmt}")[0] for fmt in FORMATS}
    assert set(files) >= {"csv", "json", "fhir", "midi", "wav", "html", "pdf"}
    with zipfile.ZipFile(files["csv"]) as z:
        rows = list(csv.DictReader(io.StringIO(z.read("responses.csv").decode())))
    assert len(rows) == produced["inputs"]
    assert {"pulse_index", "pulse_time_s", "echo_lag_ms", "pitch"} <= set(rows[0])
    assert "beat_index" not in rows[0] and "asynchrony_ms" not in rows[0]
    doc = json.loads(files["json"].read_text())
    assert len(doc["responses"]) == produced["inputs"]
    assert doc["runs"][0]["summary"]["echoes"] == m["echoes"]
    bundle = Bundle.model_validate_json(files["fhir"].read_bytes())
    codes = {e.resource.code.coding[0].code for e in bundle.entry if e.resource.__resource_type__ == "Observation"}
    assert {"pulses", "echoes", "unanswered", "mean_echo_lag_ms"} <= codes
    notes_on = [msg for msg in mido.MidiFile(files["midi"]) for msg in [msg] if msg.type == "note_on" and msg.velocity]
    assert len(notes_on) >= 12 + produced["inputs"]
    with wave.open(str(files["wav"])) as w:
        assert w.getnframes() > 12 * 0.6 * w.getframerate()
    assert "echoes" in files["html"].read_text()
    assert files["pdf"].read_bytes().startswith(b"%PDF")

    # live sessions show, a goal on one of its metrics, the report.
    code, shown, _ = live(capsys, "sessions", "show", out.session_id, "--db", db)
    assert code == 0 and "echo" in shown and "Status:   complete" in shown
    code, _, err = live(capsys, "goals", "add", "ECHO-1", "echoes >= 6", "--db", db)
    assert code == 0, err
    for fmt in ("html", "pdf"):
        code, _, err = live(capsys, "report", "ECHO-1", "--format", fmt, "--out", tmp_path / f"report.{fmt}",
                            "--db", db)
        assert code == 0, err
    report = (tmp_path / "report.html").read_text()
    assert "echoes" in report and "6" in report
    assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF")
