"""A sustained sound's end (ScheduledSound.end_frame) is stored with it (schema version 6), so
records and the WAV export know where its release began; a version 5 store gains the column."""

from __future__ import annotations

import dataclasses

import wave

import numpy as np
import sqlalchemy

from live.activities.registry import activity_class

from live.engine.events import ScheduledSound
from live.store.migrations import create_schema
from live.store.schema import SCHEMA_VERSION
from live.store.store import Store


def test_a_version_5_store_gains_end_frame_and_a_sustained_sounds_end_is_stored_and_read_back(tmp_path):
    path = tmp_path / "v5.db"
    engine = sqlalchemy.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        create_schema(conn, 5)
        assert "end_frame" not in {c["name"] for c in sqlalchemy.inspect(conn).get_columns("events")}
    engine.dispose()
    with Store.open(str(path)) as store:  # migrates 5 -> 6
        sid = store.create_session(client_codes=["C01"], simulated=True, sample_rate=48000)
        rid = store.create_run(sid, activity="entrainment", preset_name="p", preset_path=None, params={},
                               start_frame=0)
        store.add_batch(rid, sounds=[ScheduledSound(100, "piano:60:v2", 0.8, None, end_frame=24100),
                                     ScheduledSound(200, "click", 1.0, 0)],
                        inputs=[], responses=[], controls=[])
        got = [(e["frame"], e["sound"], e["end_frame"]) for e in store.run_events(rid, kind="sound")]
    assert got == [(100, "piano:60:v2", 24100), (200, "click", None)]
    engine = sqlalchemy.create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        assert conn.execute(sqlalchemy.text("SELECT value FROM meta WHERE key = 'schema_version'")).scalar() \
            == str(SCHEMA_VERSION)  # 6 added end_frame; later versions keep it
    engine.dispose()


def test_the_wav_export_of_an_improvisation_demo_is_the_demo_wav_within_two_lsb(tmp_path, monkeypatch):
    """Held chords and bass notes (FluidSynth's, through the cache) release at their stored ends.
    Not byte for byte: the export queues the sounds in frame order, the session in the order it
    planned them, so overlapping voices are summed in another order (float32 rounding: 1 LSB of
    16 bits seen); a held note played whole instead would differ by far more."""
    from live.presets import find_preset, load_preset
    from live.run.offline import simulate_session
    from live.store.exports import export_session

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    preset = load_preset(find_preset("twelve-bar-blues"))
    preset = dataclasses.replace(preset, params=activity_class(preset.activity).with_phase_length(preset.params, 20.0))
    with Store.open(tmp_path / "s.db") as store:
        outcome = simulate_session(preset, store=store, seed=3, wav_dir=tmp_path)
        ends = [e["end_frame"] for r in store.get_session(outcome.session_id)["runs"]
                for e in store.run_events(r["id"], kind="sound") if e["end_frame"] is not None]
        path, _ = export_session(store, outcome.session_id, "wav", out=tmp_path / "again.wav")
        from live.store.exports import wav

        stored_ends = wav.scheduled
        monkeypatch.setattr(wav, "scheduled", lambda session: [(*s[:3], None) for s in stored_ends(session)])
        whole, _ = export_session(store, outcome.session_id, "wav", out=tmp_path / "whole.wav")
    assert len(ends) > 10
    demo, again = (_pcm(p) for p in (outcome.wav_path, path))
    assert demo.shape == again.shape and np.abs(demo - again).max() <= 2
    assert np.abs(demo).max() > 1000  # it is not silence
    assert np.abs(demo - _pcm(whole)).max() > 500  # every held note played whole: far off


def _pcm(path) -> np.ndarray:
    with wave.open(str(path)) as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.int32)

