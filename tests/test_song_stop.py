"""A run on a song stopped by the therapist: nothing of the song sounds after the stop's fade.

The song is cut into one slice per beat, meeting half-way between beats, and each is queued up
to the look-ahead before it starts: a stop can come while the next beat's slice is queued and
waiting, or already sounding (past the half-way point, its beat not yet planned). What the
engine plays after the stop is rendered from the sounds the run scheduled, as stored with their
release frames (the WAV export's sampler, played on past the run's end)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from song_helpers import add_song

from live.activities.entrainment import EntrainmentParams
from live.activities.entrainment.song_cue import plan_song
from live.activities.entrainment.song_play import STOP_AFTER_S
from live.engine.drivers import OfflineDriver
from live.engine.note_bank import build_session_bank
from live.engine.sampler import SamplerState
from live.presets import Preset
from live.run.offline import LoopTiming, simulate_session
from live.store.exports.wav import prepared, scheduled
from live.store.records import load_session
from live.store.store import Store

SR = 48000
START = LoopTiming().start_frame
PARAMS = dict(tempo_bpm=100, beats=12, count_in_beats=4, fade_beats=0, song="Test Song")
FADE_FRAMES = round(STOP_AFTER_S * SR) + 240  # the release's start after the stop, and its fade (the bank's default: 5 ms)


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def _played_after(store: Store, session_id: str, until_frame: int) -> np.ndarray:
    """What the engine plays from frame 0 to ``until_frame`` given the stored sounds."""
    session = load_session(store, session_id, events=True)
    session["songs"] = store
    sounds = scheduled(session)
    bank = build_session_bank({name for _, name, *_ in sounds}, sample_rate=SR, extra=prepared(session))
    state = SamplerState(bank, channels=1)
    driver = OfflineDriver(state, sample_rate=SR, record=True)
    for frame, name, gain, end_frame in sounds:
        where = bank[name]
        state.push(frame=frame, bank_start=where.start_frame, length_frames=where.length_frames, gain=gain,
                   end_frame=end_frame, release_frames=where.release_frames)
    driver.render([128] * (until_frame // 128 + 1))
    return driver.recording()[:, 0]


@pytest.mark.parametrize("offset_ms, action", [(-50, "start_stop"), (50, "start_stop"), (-50, "quit"),
                                               (50, "quit")])
def test_a_song_stopped_sounds_nothing_after_the_stops_fade(tmp_path, offset_ms, action):
    """-50: the stop comes while beat 6's slice is queued, waiting to start half-way from beat 5;
    +50: its slice is sounding (beat 6 not planned yet). The therapist's stop ends the run, their
    quit (the console's q) the session: the run loop stops both alike."""
    plan = plan_song(EntrainmentParams(**PARAMS), SR)
    stop = START + plan.slice_start(6) + offset_ms * SR // 1000
    preset = Preset("song-test", Path("song-test.toml"), "entrainment", "Song", "Testing",
                    EntrainmentParams(**PARAMS), PARAMS)
    with Store.open(tmp_path / "s.db") as store:
        add_song(store, 0.7 + np.arange(30) * 60.0 / 92.0)
        out = simulate_session(preset, store=store, controls=[(stop, action, None)])
        assert out.end_frame == stop
        audio = _played_after(store, out.session_id, stop + SR)
    before = audio[START + plan.frame(5) - SR // 100: stop]
    assert np.abs(before).max() > 0.1  # the song played up to the stop
    after = audio[stop + FADE_FRAMES:]
    late = np.flatnonzero(np.abs(after) > 1e-6)
    assert late.size == 0, f"the song sounds {late[0] * 1000 / SR:.1f} ms after the fade, up to {np.abs(after).max():.3f}"
