"""``live export`` in every format and ``live report``, on real SQLite stores, checked by real
readers: fhir.resources (R4B), mido, zipfile/csv, wave, pdftoppm."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import subprocess
import wave
import zipfile
from datetime import datetime
from pathlib import Path

import mido
import numpy as np
import pytest

from live.cli import main
from live.engine.events import InputEvent, ScheduledSound
from live.presets import load_preset
from live.store.exports import FORMATS, csv_zip, export_session
from live.run.offline import simulate_session
from live.store.store import Store
from records_helpers import PRESET, copy_db, make_demo_db, mix

RATE = 48_000
RESPONSE_KEYS = {"time_s", "source", "note", "velocity", "beat_time_s", "asynchrony_ms"}  # live run --json


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    db, ids = make_demo_db(tmp_path_factory.mktemp("demo"), beats=24, sessions=3)
    with Store.open(db) as store:
        store.add_client("C-7", display_name="Grace H.")
        store.add_goal("SIM-001", metric="sd_async_ms", direction="<=", target=40, conditions={"tempo_bpm": 100.0})
        store.add_goal("SIM-001", metric="R", direction=">=", target=0.999)
    return db, ids


@pytest.fixture
def db(demo, tmp_path):
    return copy_db(demo[0], tmp_path / "db")




def live_session(store: Store) -> str:
    """A session as ``live run`` stores it: playback settings, a calibration, pads, controls,
    a named client, two clients' inputs."""
    store.add_client("C-7", display_name="Grace H.")
    sid = store.create_session(client_codes=["C-7", "C-8"], simulated=False, sample_rate=RATE)
    playback = {"channels": 2, "pad_sound": "woodblock", "pad_gain": 0.8, "pad_delay_frames": 128,
                "pad_source": "midi", "silent_notes": [20]}
    rid = store.create_run(sid, activity="entrainment", preset_name="steady", preset_path=None,
                           params={"tempo_bpm": 120.0}, start_frame=24_000, playback=playback,
                           calibration={"midi": {"latency_frames": 100}})
    beats = [24_000 + 24_000 * k for k in range(8)]
    sounds = [ScheduledSound(frame=f, sound="click_accent" if k % 4 == 0 else "click", gain=0.8, cue_index=k)
              for k, f in enumerate(beats)]
    inputs = [InputEvent(frame=f + 7 * k - 30, source="midi", note=36 + k % 2, velocity=60 + 5 * k,
                         client="C-7" if k % 2 else "C-8") for k, f in enumerate(beats)]
    inputs.append(InputEvent(frame=beats[3] + 500, source="midi", note=20, velocity=90, client="C-7"))  # silent
    from live.activities.types import Response, Target
    responses = [Response(event=ev, target=Target(k, beats[k], "beat"),
                          error_ms=1000 * (ev.frame - beats[k]) / RATE) for k, ev in enumerate(inputs[:8])]
    store.add_batch(rid, sounds=sounds, inputs=inputs, responses=responses,
                    controls=[(beats[2] + 10, "tempo_set", 110.0, "tempo 120 -> 110 BPM from beat 4")])
    store.close_run(rid, summary={"n_beats": 8, "sd_async_ms": 1.5, "R": None}, final_responses=responses,
                    end_frame=beats[-1] + 24_000)
    store.close_session(sid)
    store.add_note(sid, "Both joined in on the second bar", run_id=rid, frame=beats[4])
    return sid


def test_csv_zip_has_documented_columns_and_every_row(db, demo, tmp_path, umask_022):
    sid = demo[1][0]
    with Store.open(db) as store:
        path, info = export_session(store, sid, "csv", out=tmp_path / "s.zip")
        session = store.get_session(sid)
        run = session["runs"][0]
        n_events, n_responses = len(store.run_events(run["id"])), len(store.run_responses(run["id"]))
        summary = store.run_summary(run["id"])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and info["bytes"] == path.stat().st_size
    documented = csv_zip.columns(session)
    # entrainment declares its target the beat and its error the asynchrony: the names CSV always had
    assert [c for c, _ in documented["events.csv"]][-1] == "beat_index"
    assert [c for c, _ in documented["responses.csv"]][-4:] == ["beat_index", "beat_time_s", "asynchrony_ms",
                                                               "provisional"]
    with zipfile.ZipFile(path) as z:
        # every table but audio.csv, which a session that kept no audio input has not
        names = [t for t in csv_zip.COLUMNS if t != "audio.csv"]
        assert sorted(z.namelist()) == sorted(["README.txt", *names])
        readme = z.read("README.txt").decode()
        tables = {name: list(csv.DictReader(io.StringIO(z.read(name).decode()))) for name in names}
        for name, columns in documented.items():
            assert all(f"  {c:<15} " in readme for c, _ in columns)
            if name not in names:
                continue
            header = z.read(name).decode().splitlines()[0].split(",")
            assert header == [c for c, _ in columns]
    assert len(tables["events.csv"]) == n_events and len(tables["responses.csv"]) == n_responses
    assert {r["metric"]: float(r["value"]) for r in tables["summaries.csv"] if r["phase"] == "all"} == pytest.approx(
        {k: v for k, v in summary.items()})
    assert {r["unit"] for r in tables["summaries.csv"] if r["metric"] == "sd_async_ms"} == {"ms"}
    first = tables["responses.csv"][0]
    assert float(first["asynchrony_ms"]) == pytest.approx(1000 * (float(first["time_s"]) - float(first["beat_time_s"])))
    assert [r["goal"] for r in tables["goals.csv"]] == ["sd_async_ms <= 40 at 100 BPM", "R >= 0.999"]
    assert [r["text"] for r in tables["notes.csv"]][1] == "Locked in with the beat"
    assert float(tables["notes.csv"][1]["time_s"]) == pytest.approx(5.0)


def test_json_has_the_whole_session_and_live_run_responses(db, demo, tmp_path):
    sid = demo[1][1]
    with Store.open(db) as store:
        path, _ = export_session(store, sid, "json", out=tmp_path / "s.json")
        run = store.get_session(sid)["runs"][0]
        stored = store.run_responses(run["id"])
    doc = json.loads(path.read_text())
    assert doc["session"]["id"] == sid and doc["session"]["status"] == "complete"
    assert len(doc["responses"]) == len(stored) == 24
    for r, s in zip(doc["responses"], stored):
        assert set(r) == RESPONSE_KEYS
        assert r["time_s"] == pytest.approx((s["frame"] - run["start_frame"]) / RATE)
        assert r["asynchrony_ms"] == pytest.approx(1000 * (r["time_s"] - r["beat_time_s"]))
    (r1,) = doc["runs"]
    assert r1["summary"]["n_beats"] == 24 and len(r1["sounds"]) == 24 and len(r1["inputs"]) == 24
    assert doc["goals"]["SIM-001"][0]["value"] == pytest.approx(r1["summary"]["sd_async_ms"])
    assert [n["text"] for n in doc["notes"]] == ["Session 2: engaged, counted aloud.", "Locked in with the beat"]


def test_fhir_bundle_of_a_demo_session_validates(db, demo, tmp_path):
    from fhir.resources.R4B.bundle import Bundle

    with Store.open(db) as store:
        path, _ = export_session(store, demo[1][0], "fhir", out=tmp_path / "d.fhir.json")
        phases = store.run_phases(store.get_session(demo[1][0])["runs"][0]["id"])
    bundle = Bundle.model_validate_json(path.read_bytes())
    observations = [e.resource for e in bundle.entry if e.resource.__resource_type__ == "Observation"]
    assert len(observations) == sum(len(m) for m in phases.values())
    assert {o.component[0].valueString for o in observations} == set(phases)


def test_fhir_bundle_validates_with_r4_models(tmp_path):
    from fhir.resources.R4B.bundle import Bundle

    with Store.open(tmp_path / "s.db") as store:
        sid = live_session(store)
        path, _ = export_session(store, sid, "fhir", out=tmp_path / "s.fhir.json")
    raw = json.loads(path.read_text())
    bundle = Bundle.model_validate(raw)
    kinds = [e.resource.__resource_type__ for e in bundle.entry]
    assert kinds.count("Patient") == 2 and kinds.count("Encounter") == 1 and kinds.count("Observation") == 3
    patients = [e["resource"] for e in raw["entry"] if e["resource"]["resourceType"] == "Patient"]
    assert all(set(p) == {"resourceType", "identifier"} for p in patients)  # the code only: no name
    assert sorted(p["identifier"][0]["value"] for p in patients) == ["C-7", "C-8"]
    assert "Grace" not in path.read_text()
    obs = {e["resource"]["code"]["coding"][0]["code"]: e["resource"] for e in raw["entry"]
           if e["resource"]["resourceType"] == "Observation"}
    assert obs["sd_async_ms"]["valueQuantity"] == {"value": 1.5, "unit": "ms", "system": "http://unitsofmeasure.org",
                                                   "code": "ms"}
    assert obs["n_beats"]["valueQuantity"]["code"] == "{beats}"
    assert "valueQuantity" not in obs["R"] and obs["R"]["dataAbsentReason"]["coding"][0]["code"] == "not-applicable"
    assert obs["R"]["code"]["coding"][0]["system"] == "urn:live:metric"
    encounter = next(e["resource"] for e in raw["entry"] if e["resource"]["resourceType"] == "Encounter")
    assert all(o["encounter"]["reference"] == next(e["fullUrl"] for e in raw["entry"]
               if e["resource"] is encounter) for o in obs.values())


def test_midi_rereads_with_every_note_within_a_millisecond(tmp_path):
    with Store.open(tmp_path / "s.db") as store:
        sid = live_session(store)
        session = store.get_session(sid)
        run = session["runs"][0]
        sounds, inputs = store.run_events(run["id"], "sound"), store.run_events(run["id"], "input")
        path, _ = export_session(store, sid, "midi", out=tmp_path / "s.mid")
    mid = mido.MidiFile(path)
    t0 = run["start_frame"] - 30  # the earliest input is 30 frames before the first beat: time 0
    tracks = {}
    for track in mid.tracks:
        name = next(m.name for m in track if m.type == "track_name")
        now, onsets, markers = 0, [], []
        for m in track:
            now += m.time
            if m.type == "note_on" and m.velocity > 0:
                onsets.append((mido.tick2second(now, mid.ticks_per_beat, 500_000), m.note, m.velocity))
            if m.type == "marker":
                markers.append((mido.tick2second(now, mid.ticks_per_beat, 500_000), m.text))
        tracks[name] = (onsets, markers)
    assert list(tracks) == ["conductor", "cues", "client C-7", "client C-8", "therapist"]
    expected = {
        "cues": [(s["frame"], 76 if s["sound"].endswith("_accent") else 77) for s in sounds],
        "client C-7": [(e["frame"], e["note"]) for e in inputs if e["client"] == "C-7"],
        "client C-8": [(e["frame"], e["note"]) for e in inputs if e["client"] == "C-8"],
    }
    worst = 0.0
    for name, events in expected.items():
        onsets = tracks[name][0]
        assert len(onsets) == len(events), name
        for (t, note, _), (frame, want_note) in zip(onsets, events):
            assert note == want_note
            worst = max(worst, abs(t - (frame - t0) / RATE))
    assert worst < 0.001, worst
    (when, text), = tracks["therapist"][1]
    assert text == "tempo 120 -> 110 BPM from beat 4" and abs(when - (run["start_frame"] + 48_010 - t0) / RATE) < 0.001
    assert tracks["conductor"][1][0][1] == "Both joined in on the second bar"


def test_wav_of_a_demo_is_the_demo_wav_sample_for_sample(tmp_path):
    preset_path = tmp_path / "beat.toml"
    preset_path.write_text(PRESET.format(beats=16))
    with Store.open(tmp_path / "s.db") as store:
        outcome = simulate_session(load_preset(preset_path), store=store, seed=3, wav_dir=tmp_path)
        path, _ = export_session(store, outcome.session_id, "wav", out=tmp_path / "again.wav")
    assert path.read_bytes() == outcome.wav_path.read_bytes()


def test_wav_plays_the_pads_the_client_played(tmp_path):
    with Store.open(tmp_path / "s.db") as store:
        sid = live_session(store)
        run = store.get_session(sid)["runs"][0]
        inputs = store.run_events(run["id"], "input")
        sounds = store.run_events(run["id"], "sound")
        path, _ = export_session(store, sid, "wav", out=tmp_path / "s.wav")
    with wave.open(str(path)) as w:
        assert (w.getnchannels(), w.getframerate()) == (2, RATE)
        audio = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, 2) / 32767.0
    assert len(audio) == run["end_frame"]
    # What was heard: every click, and a pad (woodblock, 0.8 x velocity / 127) for each note but
    # the silent one, at its uncorrected frame (+ 100 latency) + 128 frames of pad delay.
    played = [(s["frame"], s["sound"], s["gain"]) for s in sounds]
    played += [(e["frame"] + 100 + 128, "woodblock", 0.8 * e["velocity"] / 127) for e in inputs if e["note"] != 20]
    expected = mix(played, len(audio), RATE)
    assert np.abs(audio[:, 0] - expected).max() < 2 / 32767 and (audio[:, 0] == audio[:, 1]).all()
    assert len(played) == 8 + 8


def test_html_note_has_its_plots_notes_and_goals(db, demo, tmp_path):
    with Store.open(db) as store:
        path, _ = export_session(store, demo[1][0], "html", out=tmp_path / "n.html")
    text = path.read_text()
    for plot in ("asynchrony", "histogram", "phase-circle"):
        start = text.index(f"<figure class='plot' id='{plot}'>")
        assert text[start:].index("<svg") < 80 and "</svg>" in text[start:]
    assert text.count("<svg") == 3
    assert "Locked in with the beat" in text and "0:05.0" in text
    assert "sd_async_ms &lt;= 40 at 100 BPM" in text and "SD async (ms)" in text


def pdf_pages(path: Path, tmp_path: Path) -> list[np.ndarray]:
    out = tmp_path / "page"
    subprocess.run(["pdftoppm", "-r", "40", "-gray", str(path), str(out)], check=True, timeout=60)
    pages = []
    for p in sorted(tmp_path.glob("page*.pgm")):
        data = p.read_bytes()
        pages.append(np.frombuffer(data[-(len(data) // 2):], dtype=np.uint8))  # pixels (header is small)
    return pages


def test_pdf_note_is_one_page_that_renders(db, demo, tmp_path):
    with Store.open(db) as store:
        path, _ = export_session(store, demo[1][0], "pdf", out=tmp_path / "n.pdf")
    assert path.read_bytes().startswith(b"%PDF")
    (page,) = pdf_pages(path, tmp_path)
    assert (page < 128).mean() > 0.02 and (page > 200).mean() > 0.5  # ink on white


def test_deidentified_exports_have_no_names_and_one_date_shift(tmp_path):
    with Store.open(tmp_path / "s.db") as store:
        sid = live_session(store)
        session = store.get_session(sid)
        notes = store.session_notes(sid)
        files = {fmt: export_session(store, sid, fmt, out=tmp_path / f"d.{fmt}", deidentified=True)[0]
                 for fmt in ("json", "csv", "fhir", "html")}
        plain, _ = export_session(store, sid, "html", out=tmp_path / "plain.html")
    assert "Grace H." in plain.read_text()
    for fmt, path in files.items():
        data = path.read_bytes()
        if fmt == "csv":
            data = b"".join(zipfile.ZipFile(path).read(n) for n in zipfile.ZipFile(path).namelist())
        if fmt == "pdf":  # the page's text (compressed in the file) and its metadata
            data += subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, timeout=60).stdout
            assert b"Music therapy session note" in data
        assert b"Grace" not in data, fmt
        assert session["started_at"].date().isoformat().encode() not in data, fmt
    doc = json.loads(files["json"].read_text())
    shifts = {datetime.fromisoformat(doc["session"]["started_at"]) - session["started_at"],
              datetime.fromisoformat(doc["session"]["ended_at"]) - session["ended_at"],
              datetime.fromisoformat(doc["runs"][0]["started_at"]) - session["runs"][0]["started_at"],
              datetime.fromisoformat(doc["notes"][0]["created_at"]) - notes[0]["created_at"]}
    (shift,) = shifts
    assert shift.days != 0 and shift.seconds == 0 and shift.microseconds == 0
    assert doc["deidentified"] is True and doc["session"]["display_names"] == {}


def live(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_export_command_writes_every_format_owner_only(db, demo, tmp_path, monkeypatch, capsys, umask_022):
    monkeypatch.chdir(tmp_path)
    sid = demo[1][2]
    for fmt, (_, _, ending) in FORMATS.items():
        code, out, err = live(capsys, "export", sid[:6], "--format", fmt, "--db", db)
        assert code == 0, err
        path = Path(out.strip())
        assert path.parent == tmp_path and path.name.startswith(f"session-{sid[:8]}-") and path.name.endswith(ending)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, fmt
    existing = tmp_path / "open.json"
    existing.write_text("{}")
    os.chmod(existing, 0o644)
    assert live(capsys, "export", sid, "--format", "json", "--out", existing, "--db", db)[0] == 0
    assert stat.S_IMODE(existing.stat().st_mode) == 0o600 and json.loads(existing.read_text())["session"]["id"] == sid
    code, _, err = live(capsys, "export", sid, "--format", "json", "--out", tmp_path / "no" / "x.json", "--db", db)
    assert code == 2 and "does not exist" in err
    for command in (["export", sid], ["report", "SIM-001"]):
        code, _, err = live(capsys, *command, "--format", "html", "--out", tmp_path, "--db", db)
        assert code == 2 and f"--out {tmp_path} is a folder: give a file name" in err
    code, _, err = live(capsys, "export", "ffffffff", "--format", "json", "--db", db)
    assert code == 2 and "no session with an id starting 'ffffffff'" in err


def test_report_shows_each_goal_across_sessions(db, demo, tmp_path, capsys, umask_022):
    code, out, err = live(capsys, "report", "SIM-001", "--format", "html", "--out", tmp_path / "r.html", "--db", db)
    assert code == 0, err
    text = (tmp_path / "r.html").read_text()
    assert text.count("<svg") == 2 and "sd_async_ms &lt;= 40 at 100 BPM" in text and "R &gt;= 0.999" in text
    assert text.count("not met") >= 3  # R >= 0.999 is met by no session
    assert "3 sessions" in text and stat.S_IMODE((tmp_path / "r.html").stat().st_mode) == 0o600
    code, out, err = live(capsys, "report", "SIM-001", "--format", "pdf", "--out", tmp_path / "r.pdf", "--db", db)
    assert code == 0
    pages = pdf_pages(tmp_path / "r.pdf", tmp_path)
    assert len(pages) == 2 and all((page < 128).mean() > 0.002 for page in pages)  # a page per goal, each inked
    # (tests/test_report.py looks at those pages closely)
    code, _, err = live(capsys, "report", "SIM-001", "--format", "html", "--since", "2999-01-01", "--out",
                        tmp_path / "none.html", "--db", db)
    assert code == 0 and "0 sessions" in (tmp_path / "none.html").read_text()
    code, _, err = live(capsys, "report", "SIM-001", "--format", "html", "--since", "yesterday", "--db", db)
    assert code == 2 and "YYYY-MM-DD" in err
    code, _, err = live(capsys, "report", "NOBODY", "--format", "html", "--db", db)
    assert code == 2 and "no client with code 'NOBODY'" in err


def test_docs_describe_every_column_and_metric():
    from live.activities.entrainment.catalogue import METRICS

    text = (Path(__file__).parents[1] / "docs" / "records.md").read_text()
    for table, columns in csv_zip.COLUMNS.items():
        section = text[text.index(f"**{table}**"):]
        for name, meaning in columns:
            assert f"| `{name}` | {meaning} |" in section, (table, name)
    for m in METRICS.values():
        assert f"| `{m.name}` | {m.label} | `{m.ucum}` |" in text, m.name


def test_records_commands_and_exports_on_postgresql(pg_server, tmp_path, capsys):
    url = pg_server.new_database()
    preset_path = tmp_path / "beat.toml"
    preset_path.write_text(PRESET.format(beats=12))
    with Store.open(url) as store:
        sid = simulate_session(load_preset(preset_path), store=store, seed=2).session_id
        store.add_note(sid, "on the server")
    assert live(capsys, "goals", "add", "SIM-001", "R >= 0.5", "--db", url)[0] == 0
    code, out, _ = live(capsys, "sessions", "show", sid[:6], "--db", url)
    assert code == 0 and "Status:   complete" in out and "on the server" in out
    code, out, _ = live(capsys, "export", sid, "--format", "json", "--out", tmp_path / "pg.json", "--db", url)
    doc = json.loads((tmp_path / "pg.json").read_text())
    assert code == 0 and len(doc["responses"]) == 12 and doc["goals"]["SIM-001"][0]["met"] is True


def test_deidentified_report_has_no_name_and_shifted_dates(tmp_path, capsys):
    db = tmp_path / "s.db"
    with Store.open(db) as store:
        sid = live_session(store)
        store.add_goal("C-7", metric="sd_async_ms", direction="<=", target=2)
        day = store.get_session(sid)["started_at"].date().isoformat()
    assert live(capsys, "report", "C-7", "--format", "html", "--out", tmp_path / "plain.html", "--db", db)[0] == 0
    plain = (tmp_path / "plain.html").read_text()
    assert "Grace H." in plain and day in plain
    for fmt in ("html", "pdf"):
        out = tmp_path / f"anon.{fmt}"
        assert live(capsys, "report", "C-7", "--format", fmt, "--deidentify", "--out", out, "--db", db)[0] == 0
        data = out.read_bytes()
        if fmt == "pdf":  # the page's text (compressed in the file) and its metadata
            data += subprocess.run(["pdftotext", str(out), "-"], capture_output=True, check=True, timeout=60).stdout
            assert b"Progress report: client C-7" in data
        assert b"Grace" not in data and day.encode() not in data, fmt
    assert "dates shifted: de-identified" in (tmp_path / "anon.html").read_text()
