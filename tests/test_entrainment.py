"""The entrainment activity on its own: planning, accents, count-in, scoring, tempo controls."""

import pytest

from live.activities.base import ActivityContext
from live.activities.entrainment import Entrainment, EntrainmentParams
from live.engine.events import InputEvent

SR = 48000
SOUNDS = frozenset({"click", "click_accent", "woodblock", "woodblock_accent"})


def _started(**params):
    act = Entrainment(EntrainmentParams(**params))
    act.start(ActivityContext(SR, 1000, SOUNDS))
    return act


def _tap(frame):
    return InputEvent(frame=frame, source="midi", note=38, velocity=90, client="C1")


def test_plan_gives_each_beat_once_with_accents_and_count_in():
    act = _started(tempo_bpm=120, meter=3, accents=(1,), count_in_beats=2, beats=6)
    planned = list(act.plan(1000 + 2 * 24000)) + list(act.plan(10**9))
    assert [s.beat_index for s in planned] == [-2, -1, 0, 1, 2, 3, 4, 5]
    assert [s.frame for s in planned] == [1000 + 24000 * i for i in range(8)]
    assert [s.sound for s in planned] == ["click_accent", "click", "click", "click_accent", "click", "click",
                                          "click_accent", "click"]
    assert list(act.plan(10**9)) == []


def test_count_in_taps_are_not_scored_and_provisional_scores_use_half_intervals():
    act = _started(tempo_bpm=120, count_in_beats=2, beats=4)
    list(act.plan(10**9))
    first = 1000 + 2 * 24000
    assert act.on_input(_tap(first - 13000)) == []  # more than half an interval before beat 0
    [r] = act.on_input(_tap(first + 480))
    assert (r.beat_index, r.asynchrony_ms) == (0, 10.0)
    [r] = act.on_input(_tap(first + 24000 * 3 + 12001))  # past the last beat's window
    assert r.beat_index is None


def test_tempo_control_applies_from_the_first_unplanned_beat():
    act = _started(tempo_bpm=100, count_in_beats=0, beats=10)
    planned = list(act.plan(1000 + 3 * 28800 + 1))  # beats 0..3 queued
    assert len(planned) == 4
    effect = act.on_control("tempo_set", 120)
    assert effect == "tempo 100 -> 120 BPM from beat 4"
    rest = list(act.plan(10**9))
    frames = [s.frame for s in planned + rest]
    assert frames[4] == 1000 + 4 * 28800  # beat 4 stays where it was
    assert [b - a for a, b in zip(frames[4:], frames[5:])] == [24000] * 5
    assert act.summary().beat_frames == tuple(frames)
    assert act.on_control("tempo_up", 5) is None  # everything is planned already


@pytest.mark.parametrize("action,value,expected", [("tempo_up", 4, 104), ("tempo_down", 4, 96),
                                                    ("tempo_set", 500, 240), ("tempo_set", 5, 20)])
def test_tempo_steps_and_bounds(action, value, expected):
    act = _started(tempo_bpm=100, count_in_beats=0, beats=10)
    assert act.on_control(action, value).startswith(f"tempo 100 -> {expected} BPM")
    assert act.on_control("start_stop", None) is None


def test_duration_gives_the_number_of_beats():
    act = _started(tempo_bpm=90, duration_s=20, count_in_beats=0)
    assert act.n_beats == 30


def test_stop_keeps_only_the_beats_already_planned():
    act = _started(tempo_bpm=120, count_in_beats=2, beats=50)
    list(act.plan(1000 + 5 * 24000 + 1))  # count-in + beats 0..3 queued
    act.stop()
    assert act.n_beats == 4 and act.summary().metrics["n_beats"] == 4
    early = _started(tempo_bpm=120, count_in_beats=2, beats=50)
    list(early.plan(1000 + 1))  # stopped during the count-in
    early.stop()
    assert early.n_beats == 0 and early.is_finished(0) and early.summary().metrics["n_beats"] == 0


def test_cue_stream_marks_each_planned_beat_once_with_its_accent():
    act = Entrainment(EntrainmentParams(tempo_bpm=120, meter=3, accents=(1,), count_in_beats=2, beats=6))
    act.start(ActivityContext(sample_rate=48000, start_frame=1000,
                              sound_names=frozenset({"click", "click_accent"})))
    first = list(act.plan(1000 + 3 * 24000))
    cues = act.take_cues()
    assert [(c.beat_index, c.frame) for c in cues] == [(s.beat_index, s.frame) for s in first]
    assert [c.accent for c in cues] == [s.sound == "click_accent" for s in first]
    assert act.take_cues() == []
    rest = list(act.plan(10**9))
    assert [c.beat_index for c in act.take_cues()] == [s.beat_index for s in rest]
