"""Entrainment on a song: the song warped per RAS step before the session so its beats land on the
planned beat frames, taps scored against them, steps, ramps, fades and continuation; errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest

from live.activities.entrainment import EntrainmentParams
from live.activities.entrainment.song_cue import plan_song
from live.config.params import check_params
from live.engine.onsets import detect_onsets
from live.presets import Preset
from live.run.offline import LoopTiming, simulate_session
from live.songs.library import SongNotFound
from live.store.store import Store
from song_helpers import add_song

SR = 48000
LIVE = [sys.executable, "-m", "live"]
START = LoopTiming().start_frame


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def _preset(**params) -> Preset:
    return Preset("song-test", Path("song-test.toml"), "entrainment", "Song", "Testing", EntrainmentParams(**params),
                  params)


def _song_beats(n: int = 34, bpm: float = 92.0, seed: int = 3) -> np.ndarray:
    """A song's beats with a little rubato (10 ms SD intervals), from 0.7 s."""
    rng = np.random.default_rng(seed)
    return 0.7 + np.cumsum(np.r_[0.0, 60.0 / bpm + rng.normal(0.0, 0.01, n - 1)])


PARAMS = dict(tempo_bpm=100, beats=12, tempo_steps_pct=(0.0, 10.0), ramp_beats=4, fade_beats=3,
              continuation_beats=4, count_in_beats=4, song="Test Song")


def test_session_on_a_song_scores_taps_against_its_planned_beats_and_its_beats_sound_on_them(tmp_path):
    with Store.open(tmp_path / "s.db") as store:
        add_song(store, _song_beats())
        out = simulate_session(_preset(**PARAMS), store=store, wav_dir=tmp_path)
        sounds = store.run_events(out.run_id, "sound")
    plan = plan_song(EntrainmentParams(**PARAMS), SR)
    planned = [START + plan.frame(k) for k in range(plan.n_beats)]
    marks = [e["frame"] for e in sounds if e["cue_index"] is not None and e["cue_index"] >= 0]
    assert marks == planned  # the beats as stored: the plan's, steps and ramp included
    targets = sorted({r.target.frame for r in out.responses if r.target is not None})
    assert targets and set(targets) <= set(planned) and len(targets) >= plan.n_beats - 1
    assert out.summary.phases["cue+0%"]["n_beats"] == 12 and out.summary.phases["cue+10%"]["n_beats"] == 12
    assert "continuation" in out.summary.phases
    slices = [e for e in sounds if e["sound"].startswith("song:")]
    assert [e["sound"] for e in slices] == plan.sound_names()
    with wave.open(str(out.wav_path)) as w:
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2") / 32767.0
    found = np.array([o.frame for o in detect_onsets(pcm, SR)])
    errors = [int(found[np.argmin(np.abs(found - f))] - f) for f in planned]
    assert max(abs(e) for e in errors) <= SR // 1000, errors  # the song's beats within 1 ms of the plan
    assert np.abs(pcm[planned[-1] + (planned[-1] - planned[-2]):]).max() < 0.01  # the continuation is silent


def test_a_preset_naming_a_song_not_in_the_library_fails_before_any_session(tmp_path):
    with Store.open(tmp_path / "s.db") as store:
        with pytest.raises(SongNotFound) as err:
            simulate_session(_preset(**PARAMS), store=store)
        assert store.list_sessions() == []
    line = str(err.value)
    assert "'Test Song'" in line and "live songs add FILE" in line and "\n" not in line


def test_song_params_refuse_what_cannot_be_planned_before_the_session():
    base = {"beats": 8, "song": "x"}
    for extra, path in (({"adaptive_gain": 0.5}, "adaptive_gain"), ({"groove": "straight"}, "groove"),
                        ({"cue_from_baseline": True, "baseline_s": 5}, "cue_from_baseline")):
        _, problems = check_params(EntrainmentParams, base | extra)
        assert [p.path for p in problems] == [path]
    _, problems = check_params(EntrainmentParams, {"beats": 8, "song_click": True})
    assert [p.path for p in problems] == ["song_click"]
    _, problems = check_params(EntrainmentParams, base | {"song_click": True, "song_click_volume": 0.2})
    assert problems == []


def test_live_demo_on_a_song_preset_with_no_song_added_plays_a_demo_song_and_exports_its_audio(tmp_path):
    """The shipped preset names a song the demo's fresh store lacks: the demo song is rendered from
    MIDI into the demo's folder and added, the run plays on it, and ``live export --format wav``
    renders the same audio again (the song warped again from the library, through the cache)."""
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    proc = subprocess.run([*LIVE, "demo", "--preset", "song-tapping-steady", "--json", "--out", str(tmp_path)],
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["summary"]["n_beats"] == 40 and doc["summary"]["matched"] >= 38
    assert (tmp_path / "demo-song.mid").is_file() and "playing the demo song" in proc.stderr
    with Store.open(tmp_path / "live-demo.db") as store:
        [song] = store.list_songs()
        assert song["title"] == "tapping song"
    out = tmp_path / "again.wav"
    proc = subprocess.run([*LIVE, "export", doc["session_id"], "--format", "wav", "--db", str(tmp_path / "live-demo.db"),
                           "--out", str(out)], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes() == Path(doc["outputs"]["wav"]).read_bytes()


def test_live_run_with_a_song_not_in_the_library_fails_in_one_line_before_any_device(tmp_path):
    preset = tmp_path / "on-a-song.toml"
    preset.write_text('schema = 1\nactivity = "entrainment"\ntitle = "T"\ngoal = "G"\n\n[params]\n'
                      'tempo_bpm = 100\nbeats = 8\nsong = "No Such Song"\n')
    proc = subprocess.run([*LIVE, "run", str(preset), "--headless", "--client", "C-001", "--db", str(tmp_path / "s.db")],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")})
    assert proc.returncode == 2 and proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "'No Such Song'" in lines[0] and "live songs add FILE" in lines[0]


def test_a_song_after_a_baseline_with_a_phase_shift_is_planned_on_the_shifted_frames_and_silent_before(tmp_path):
    """The song's beats are the planned ones, phase shift included, and the baseline is silent.
    (Its WAV's attacks: 16 of 20 within 1 ms since the onset detector's low band, 19 before;
    Rubber Band smeared beat 17 over 11 ms, which the detector finds 10.8 ms early:
    docs/performance.md, the warp section.)"""
    params = dict(tempo_bpm=110, beats=20, baseline_s=2.0, perturbation="phase", phase_shift_ms=60,
                  perturb_beats=(8,), count_in_beats=2, song="Test Song")
    with Store.open(tmp_path / "s.db") as store:
        add_song(store, _song_beats(30))
        out = simulate_session(_preset(**params), store=store, wav_dir=tmp_path)
        sounds = store.run_events(out.run_id, "sound")
    plan = plan_song(EntrainmentParams(**params), SR)
    origin = START + 2 * SR
    planned = [origin + plan.frame(k) for k in range(plan.n_beats)]
    shift = (planned[8] - planned[7]) - (planned[7] - planned[6])
    assert abs(shift - 60 * SR // 1000) <= 1  # the shift is in the plan (each beat rounded to its frame)
    assert [e["frame"] for e in sounds if e["cue_index"] is not None and e["cue_index"] >= 0] == planned
    with wave.open(str(out.wav_path)) as w:
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2") / 32767.0
    assert np.abs(pcm[:origin - SR // 100]).max() < 0.01  # the baseline is silent
    assert out.summary.phases["baseline"]["n_taps"] >= 2
