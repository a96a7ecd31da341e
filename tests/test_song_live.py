"""``live run`` of a preset on a song, on a real JACK graph (dummy driver): the song is warped
before the devices open, the bank holds its slices, the stored beats are the plan's frames, and
the run records the song's beats it was rendered from."""

import json

from live.activities.entrainment import Entrainment, EntrainmentParams
from live.activities.entrainment.song_cue import plan_song
from live.store.store import Store
from live_run_helpers import finish, rows, start_live_run
from song_helpers import add_song
from test_song_entrainment import _song_beats

PRESET = """schema = 1
activity = "entrainment"
title = "On a song"
goal = "Test"

[params]
tempo_bpm = 120
beats = 8
tempo_steps_pct = [0, 10]
ramp_beats = 2
count_in_beats = 2
song = "Test Song"
song_click = true
"""


def test_live_run_on_a_song_plays_its_slices_at_the_planned_frames(jack_server_sync, tmp_path, monkeypatch):
    """The warp is made here first (into the cache ``live run`` then reads: a cold warp on this
    loaded machine can outlast the helper's 30 s wait for the ports)."""
    server = jack_server_sync
    db = tmp_path / "live.db"
    params = EntrainmentParams(tempo_bpm=120, beats=8, tempo_steps_pct=(0.0, 10.0), ramp_beats=2, count_in_beats=2,
                               song="Test Song", song_click=True)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setitem(server.env, "XDG_CACHE_HOME", str(tmp_path / "cache"))
    with Store.open(db) as store:
        add_song(store, _song_beats(30))
        Entrainment.prepared_sounds(params, songs=store, sample_rate=48000)
    preset = tmp_path / "song.toml"
    preset.write_text(PRESET)
    proc = start_live_run(server, preset, db)
    code, out, err = finish(proc, timeout_s=120)
    assert code == 0, err
    assert "2 step(s) warped (2 from the cache)" in err and json.loads(out)
    plan = plan_song(params, 48000)
    [(start,)] = rows(db, "SELECT start_frame FROM runs")
    marks = rows(db, "SELECT frame, cue_index, gain FROM events WHERE kind = 'sound' AND cue_index IS NOT NULL "
                     "ORDER BY frame")
    assert [f - start for f, k, _ in marks] == [plan.frame(k) for k in range(plan.first_beat, plan.n_beats)]
    assert all(g > 0 for _, _, g in marks)  # the soft click
    slices = rows(db, "SELECT frame, sound FROM events WHERE kind = 'sound' AND sound LIKE 'song:%' ORDER BY frame")
    assert [s for _, s in slices] == plan.sound_names()
    assert [f - start for f, _ in slices] == [plan.slice_start(k) for k in range(plan.first_beat, plan.n_beats)]
    [(name, beats_json)] = rows(db, "SELECT name, beats_json FROM run_songs")  # the beats the cue was rendered from
    assert name == "Test Song" and json.loads(beats_json) == [float(b) for b in _song_beats(30)]
