"""The improvisation activity driven directly (no session): live tempo changes, the console's
key, chord and next chord, a keyboard's filtered notes, the band's stop and fill."""

import dataclasses

import pytest

from live.activities.improvisation import Improvisation, ImprovisationParams
from live.activities.types import ActivityContext, ControlEvent
from live.engine.bank import default_sounds
from live.engine.events import InputEvent
from live.ui.console import number_line

SR = 48000
START = 24000


def started(**params):
    p = ImprovisationParams(**{"bars": 8, "tempo_bpm": 120.0, **params})
    act = Improvisation(p)
    names = frozenset(default_sounds(SR)) | {n.name for n in Improvisation.pitched_notes(p)}
    act.start(ActivityContext(SR, START, names))
    return act


def beat_frames(sounds):
    return {s.cue_index: s.frame for s in sounds if s.cue_index is not None}


def test_the_tempo_changes_from_the_first_beat_not_yet_planned():
    act = started()
    first = list(act.plan(START + 5 * 24000 + 10))     # beats 0..5 planned at 120 BPM
    assert act.on_control(ControlEvent(START + 5 * 24000, "tempo_set", 90.0)) == "tempo 120 -> 90 BPM from beat 6"
    rest = list(act.plan(10 ** 9))
    beats = {**beat_frames(first), **beat_frames(rest)}
    assert beats[5] == START + 5 * 24000 and beats[6] == START + 6 * 24000
    assert beats[7] - beats[6] == 32000 and beats[31] - beats[30] == 32000   # 90 BPM from beat 6 on
    assert act.on_control(ControlEvent(0, "tempo_up", 2.0)) is None  # every beat planned: nothing to change


def test_the_console_shows_the_key_the_chord_and_the_next_chord():
    act = started(key="D", mode="major", progression=("I", "IV", "V"))
    list(act.plan(START + 4 * 24000 + 10))   # bar 0 (D) and the first beat of bar 1 (G) planned
    lines = [number_line(n) for n in act.live_numbers(START + 4 * 24000 + 10)]
    assert lines[:3] == ["Key  D major", "Chord  G", "Next chord  A"]
    assert "Tempo  120.0 BPM" in lines
    act.on_control(ControlEvent(START + 5 * 24000, "drone", None))
    list(act.plan(START + 8 * 24000 + 10))
    assert [number_line(n) for n in act.live_numbers(START + 8 * 24000 + 10)][:2] == ["Key  D major (drone)",
                                                                                    "Chord  D5"]


def test_a_keyboards_off_scale_notes_are_silent_but_logged_with_snap_filter():
    act = started(snap="filter")
    list(act.plan(START + 8 * 24000))
    played = []
    for i, note in enumerate((60, 61, 62, 66, 67)):   # C, C#, D, F#, G in C major
        ev = InputEvent(START + 12000 + i * 24000, "midi", note, 100, "K1")
        [r] = act.on_input(ev)
        played.append((r.extra["played_note"], [s.sound for s in act.input_sounds(ev, ev.frame + 128)]))
    assert [p for p, _ in played] == [60, None, 62, None, 67]
    assert [len(s) for _, s in played] == [1, 0, 1, 0, 1] and played[0][1] == ["marimba:60:v3"]
    act.stop()
    summary = act.summary()
    assert summary.metrics["filtered_notes"] == 2 and summary.metrics["n_notes"] == 5
    assert summary.metrics["in_scale_pct"] == pytest.approx(60.0)   # what the client pressed: 3 of 5 in the scale


def test_stop_ends_the_band_after_the_bar_and_fill_plays_on_the_bars_last_beat():
    act = started(style="pop")
    planned = list(act.plan(START + 5 * 24000 + 10))   # beats 0..5
    assert act.on_control(ControlEvent(START + 5 * 24000, "fill", None)) == "fill on beat 7"
    assert act.on_control(ControlEvent(START + 5 * 24000, "stop", None)) == "the band stops after beat 7"
    planned += list(act.plan(10 ** 9))
    last = max(s.frame for s in planned)
    assert last < START + 8 * 24000 and act.end_frame() == START + 8 * 24000
    beat7 = [s for s in planned if START + 7 * 24000 <= s.frame < START + 8 * 24000 and s.sound.endswith("_accent")]
    assert [s.sound for s in beat7] == ["snare_accent"] * 4
    assert [s.frame - START - 7 * 24000 for s in beat7] == [0, 6000, 12000, 18000]
    assert not act.is_finished(START + 8 * 24000) and act.is_finished(START + 8 * 24000 + SR)


def test_the_pads_follow_a_key_change_and_their_look_says_so():
    from live.engine.events import PadLook

    act = started(key="C", mode="major_pentatonic", chord_change="bar")
    list(act.plan(START + 10))
    [look] = [c for c in act.take_cues() if isinstance(c, PadLook)]
    assert look.labels[:5] == ("C4", "D4", "E4", "G4", "A4") and look.marked[:2] == (0, 5)
    assert act.on_control(ControlEvent(START + 100, "key_up", None)) == "key C# major_pentatonic from beat 4"
    list(act.plan(START + 4 * 24000 + 10))
    [moved] = [c for c in act.take_cues() if isinstance(c, PadLook)]
    assert moved.frame == START + 4 * 24000 and moved.labels[:3] == ("C#4", "D#4", "F4")
    [r] = act.on_input(InputEvent(START + 4 * 24000 + 5, "touch", 2, 90, "T1"))
    assert r.extra["played_note"] == 65 and r.target.index == 4
