"""A run on a song keeps the beats its cue was rendered from (schema version 8, ``run_songs``):
an export of the session after ``live songs adjust`` plays the song as the session did, and a
version 7 store migrates, keeping its songs and sessions."""

from __future__ import annotations

import os
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy
from schemautil import layout
from song_helpers import add_song

from live.activities.entrainment import EntrainmentParams
from live.activities.entrainment.song_cue import plan_song
from live.engine.onsets import detect_onsets
from live.presets import Preset
from live.run.offline import LoopTiming, simulate_session
from live.store.exports import export_session
from live.store.migrations import create_schema
from live.store.schema import SCHEMA_VERSION
from live.store.store import Store

SR = 48000
LIVE = [sys.executable, "-m", "live"]
PARAMS = dict(tempo_bpm=100, beats=8, count_in_beats=4, fade_beats=2, song="Test Song")


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def _pcm(path: Path) -> np.ndarray:
    with wave.open(str(path)) as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2") / 32767.0


def test_an_export_after_the_song_is_adjusted_plays_the_beats_the_session_heard(tmp_path):
    db = tmp_path / "s.db"
    beats = 0.7 + np.arange(24) * 60.0 / 92.0
    preset = Preset("song-test", Path("song-test.toml"), "entrainment", "Song", "Testing",
                    EntrainmentParams(**PARAMS), PARAMS)
    with Store.open(db) as store:
        song_id = add_song(store, beats)
        out = simulate_session(preset, store=store, wav_dir=tmp_path)
        [recorded] = store.run_songs(out.run_id).values()
        assert recorded["id"] == song_id and recorded["beats_s"] == tuple(float(b) for b in beats)
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    proc = subprocess.run([*LIVE, "songs", "adjust", "Test Song", "--offset-ms", "60", "--db", str(db)],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    with Store.open(db) as store:
        assert np.allclose(store.get_song_row(song_id)["beats_s"], beats + 0.060)  # the library moved on
        path, _ = export_session(store, out.session_id, "wav", out=tmp_path / "again.wav")
    heard, again = _pcm(out.wav_path), _pcm(path)
    plan = plan_song(EntrainmentParams(**PARAMS), SR)
    planned = [LoopTiming().start_frame + plan.frame(k) for k in range(plan.n_beats)]
    found = np.array([o.frame for o in detect_onsets(again, SR)])
    errors = [int(found[np.argmin(np.abs(found - f))] - f) for f in planned]
    assert max(abs(e) for e in errors) <= SR // 1000, errors  # the song's beats where they were heard
    assert np.array_equal(again, heard)  # sample for sample the session's audio


def test_a_version_7_store_gains_run_songs_keeping_its_songs_and_sessions(tmp_path):
    url = str(tmp_path / "v7.db")
    engine = sqlalchemy.create_engine(f"sqlite:///{url}")
    with engine.begin() as conn:
        create_schema(conn, 7)
    engine.dispose()
    with Store.open(url) as store:  # 7 -> 8 (and on)
        song_id = add_song(store, [0.5, 1.0, 1.5, 2.0])
        sid = store.create_session(client_codes=["C01"], simulated=True, sample_rate=SR)
        run_id = store.create_run(sid, activity="entrainment", preset_name="p", preset_path="p.toml",
                                  params={"song": "Test Song"}, start_frame=0)
        assert store.run_songs(run_id) == {}  # nothing recorded: the library's beats are used
        store.record_run_songs(run_id, {"Test Song": store.get_song_row(song_id)})
        assert store.run_songs(run_id)["Test Song"]["beats_s"] == (0.5, 1.0, 1.5, 2.0)
    fresh = str(tmp_path / "fresh.db")
    Store.open(fresh).close()
    assert layout(url) == layout(fresh) and SCHEMA_VERSION >= 8  # migrated on to the current version
