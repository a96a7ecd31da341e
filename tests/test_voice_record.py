"""The client's voice in the record (schema version 9, ``run_audio``): the audio a sung answer's
window kept is stored with the run at its frames, as 16-bit audio (FLAC), by the batch writer,
and ``live export --format wav`` mixes it in, so the export of a sung demo is the demo's WAV,
voice and all. An older store gains the table on open, keeping its sessions (SQLite and
PostgreSQL)."""

from __future__ import annotations

import dataclasses
import wave
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy
from schemautil import layout

from live.activities.call_response.sung import POST_S, PRE_S
from live.activities.types import AudioChunk
from live.presets import find_preset, load_preset
from live.run.offline import simulate_session
from live.store.exports import export_session
from live.store.migrations import create_schema
from live.store.schema import SCHEMA_VERSION
from live.store.store import Store

SR = 48000


def _pcm(path: Path) -> np.ndarray:
    with wave.open(str(path)) as w:
        assert w.getframerate() == SR and w.getnchannels() == 1
        return np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.int32)


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "s.db")
    return request.getfixturevalue("pg_server").new_database()


def _run(store: Store, client: str = "C01") -> tuple[str, int]:
    sid = store.create_session(client_codes=[client], simulated=True, sample_rate=SR)
    return sid, store.create_run(sid, activity="call_response", preset_name="p", preset_path=None, params={},
                                 start_frame=0)


def test_the_wav_export_of_the_sung_demo_is_the_demo_wav_voice_and_all(tmp_path):
    """``sung-melody-echo`` (4 of its 12 trials, for time), seed 3: the export equals the demo's
    WAV sample for sample (measured: 0 samples differ; bound: one 16-bit step, the voice being
    stored as 16-bit audio), and without the kept audio (a de-identified export) the answers'
    voice is gone: it was the stored clips that carried it, at the answer windows' frames."""
    preset = load_preset(find_preset("sung-melody-echo"))
    preset = dataclasses.replace(preset, params=dataclasses.replace(preset.params, trials=4))
    with Store.open(tmp_path / "s.db") as store:
        out = simulate_session(preset, store=store, seed=3, wav_dir=tmp_path)
        clips = store.run_audio(out.run_id)
        path, info = export_session(store, out.session_id, "wav", out=tmp_path / "export.wav")
        engine_only, bare = export_session(store, out.session_id, "wav", out=tmp_path / "bare.wav", deidentified=True)
    assert len(clips) == 4 and info["audio_clips"] == 4 and bare["audio_clips_left_out"] == 4
    assert {(c["client"], c["source"], c["channels"], c["sample_rate"]) for c in clips} == {("SIM-001", "sim", 1, SR)}
    demo, export, bare_pcm = _pcm(out.wav_path), _pcm(path), _pcm(engine_only)
    assert demo.size == export.size == bare_pcm.size
    assert np.abs(export - demo).max() <= 1
    voice = (export - bare_pcm) / 32767.0
    inside = np.zeros(voice.size, dtype=bool)
    for c in clips:
        inside[c["first_frame"]: c["first_frame"] + c["frames"]] = True
    assert not np.any(voice[~inside])  # nothing of the voice outside the kept windows
    onsets = [round(a["onset_s"] * SR) for t in out.summary.trials for a in t["answer"]]
    assert len(onsets) >= 8
    for at in onsets:  # each answer note sounds in the export, at a singer's level
        assert inside[at] and np.abs(voice[at: at + SR // 5]).max() > 0.05, at


def test_json_csv_fhir_and_the_note_say_which_audio_the_runs_kept_and_where(tmp_path):
    """The samples stay in the store (and the WAV export); every other record lists each clip a
    run kept, at its time from the first run's start, so a clinic filing the record knows a voice
    recording exists: JSON ``runs[].audio``, CSV ``audio.csv``, a FHIR ``Media`` per clip (no
    data; validated with the R4B models), the session note's "Recorded" line."""
    import csv
    import html
    import io
    import json
    import zipfile

    from fhir.resources.R4B.bundle import Bundle

    preset = load_preset(find_preset("sung-melody-echo"))
    preset = dataclasses.replace(preset, params=dataclasses.replace(preset.params, trials=2))
    with Store.open(tmp_path / "s.db") as store:
        out = simulate_session(preset, store=store, seed=3)
        clips = store.run_audio(out.run_id)
        paths = {fmt: export_session(store, out.session_id, fmt, out=tmp_path / f"x.{fmt}")[0]
                 for fmt in ("json", "csv", "fhir", "html")}
        [(t0,)] = [(r["start_frame"],) for r in store.get_session(out.session_id)["runs"]]
    assert len(clips) == 2
    expected = [(c["id"], (c["first_frame"] - t0) / SR, c["frames"] / SR, c["bytes"]) for c in clips]

    [run] = json.loads(paths["json"].read_text())["runs"]
    assert [(a["clip_id"], a["start_time_s"], a["duration_s"], a["bytes"]) for a in run["audio"]] == expected
    assert {(a["client"], a["source"], a["sample_rate"], a["channels"], a["encoding"]) for a in run["audio"]} == {
        ("SIM-001", "sim", SR, 1, "flac16")}

    with zipfile.ZipFile(paths["csv"]) as z:
        table = list(csv.DictReader(io.StringIO(z.read("audio.csv").decode())))
        assert "audio.csv" in z.read("README.txt").decode()
    assert [(int(r["clip_id"]), float(r["start_time_s"]), float(r["duration_s"]), int(r["bytes"])) for r in table] \
        == expected

    bundle = Bundle.model_validate_json(paths["fhir"].read_bytes())
    media = [e.resource for e in bundle.entry if e.resource.get_resource_type() == "Media"]
    assert [(m.identifier[0].value, float(m.duration), m.content.size, m.content.contentType) for m in media] == [
        (f"{out.session_id}/{i}", round(d, 6), b, "audio/flac") for i, _, d, b in expected]
    assert all(m.content.data is None and m.status == "completed" for m in media)

    seconds = sum(d for _, _, d, _ in expected)
    assert (f"2 clips of the client's simulated microphone input kept ({seconds:.1f} s): in the WAV export, "
            "never in a de-identified one") in html.unescape(paths["html"].read_text())


def test_a_session_that_kept_no_audio_exports_as_before(tmp_path):
    """No ``audio`` key, no audio.csv, no "Recorded" line (tests/test_store_old_data.py: a store of
    before issue 11 exports byte for byte as it did)."""
    import json
    import zipfile

    with Store.open(tmp_path / "s.db") as store:
        out = simulate_session(load_preset(find_preset("finger-tapping-60")), store=store, seed=1)
        path, _ = export_session(store, out.session_id, "json", out=tmp_path / "x.json")
        html, _ = export_session(store, out.session_id, "html", out=tmp_path / "x.html")
        zipped, _ = export_session(store, out.session_id, "csv", out=tmp_path / "x.csv")
    with zipfile.ZipFile(zipped) as z:
        assert "audio.csv" not in z.namelist() and "runs.csv" in z.namelist()
    assert ["audio" in r for r in json.loads(path.read_text())["runs"]] == [False]
    assert "Recorded" not in html.read_text()


def test_a_clip_comes_back_as_the_16_bit_audio_a_wav_of_it_holds_at_its_frames(tmp_path):
    rng = np.random.default_rng(1)
    mono = (0.3 * rng.standard_normal(SR)).astype(np.float32)
    stereo = np.stack([mono, -0.5 * mono], axis=1)
    with Store.open(tmp_path / "s.db") as store:
        sid, rid = _run(store)
        store.add_batch(rid, audio=[AudioChunk(96_000, stereo, None, "mic"), AudioChunk(1_000, mono, "C01", "mic"),
                                    AudioChunk(5, np.zeros(0, np.float32), "C01", "mic")])  # an empty one: nothing
        first, second = store.run_audio(rid)
        assert (first["first_frame"], first["frames"], first["channels"], first["client"]) == (1_000, SR, 1, "C01")
        assert (second["first_frame"], second["channels"], second["client"]) == (96_000, 2, None)
        assert first["encoding"] == "flac16" and first["sample_rate"] == SR and 0 < first["bytes"] < 2 * SR
        for row, x in ((first, mono[:, None]), (second, stereo)):
            back = store.audio_clip(row["id"])
            assert back.shape == x.shape and back.dtype == np.float32
            assert np.array_equal(np.round(back * 32767), np.round(np.clip(x, -1, 1) * 32767))
        with pytest.raises(KeyError, match="no audio clip with id 99"):
            store.audio_clip(99)


def test_a_batch_with_a_bad_clip_stores_none_of_it(tmp_path):
    with Store.open(tmp_path / "s.db") as store:
        sid, rid = _run(store)
        good = AudioChunk(0, np.zeros(100, np.float32), "C01", "mic")
        with pytest.raises(ValueError, match="'OTHER', who is not in session"):
            store.add_batch(rid, audio=[good, AudioChunk(200, np.zeros(100, np.float32), "OTHER", "mic")])
        with pytest.raises(ValueError, match="NaN or infinite"):
            store.add_batch(rid, audio=[good, AudioChunk(200, np.full(100, np.nan, np.float32), "C01", "mic")])
        assert store.run_audio(rid) == []


def test_a_version_8_store_gains_run_audio_keeping_its_sessions(url: str) -> None:
    engine = sqlalchemy.create_engine(url if "://" in url else f"sqlite:///{url}")
    with engine.begin() as conn:
        create_schema(conn, 8)
    engine.dispose()
    with Store.open(url) as store:  # 8 -> 9
        assert store.list_sessions() == []
        sid, rid = _run(store)
        store.add_batch(rid, audio=[AudioChunk(10, np.full(480, 0.25, np.float32), "C01", "mic")])
        [clip] = store.run_audio(rid)
        assert np.allclose(store.audio_clip(clip["id"]), 0.25, atol=1 / 32767)
    engine = sqlalchemy.create_engine(url if "://" in url else f"sqlite:///{url}")
    with engine.connect() as conn:
        version = conn.execute(sqlalchemy.text("SELECT value FROM meta WHERE key = 'schema_version'")).scalar()
    engine.dispose()
    assert version == str(SCHEMA_VERSION) == "9"
    if "://" not in url:  # the table is added whole: the migrated file's layout is a new store's
        fresh = str(Path(url).with_name("fresh.db"))
        Store.open(fresh).close()
        assert layout(url) == layout(fresh)


def test_the_window_kept_for_the_record_spans_the_answer_window_and_its_margins():
    from live.activities.call_response.sung import SungAnswers

    sung = SungAnswers(SR, realtime=False)
    x = np.ones(SR, dtype=np.float32)
    sung.keep(AudioChunk(0, x, "C01", "mic"), [(0, 10_000, 20_000)])
    assert sung.take_clips() == []  # not before its notes are being found
    sung.analyse(0)
    [clip] = sung.take_clips()
    assert clip.first_frame == 10_000 - round(PRE_S * SR)
    assert len(clip.samples) == 20_000 + round(POST_S * SR) + 1 - clip.first_frame
    assert (clip.client, clip.source) == ("C01", "mic") and sung.take_clips() == []
