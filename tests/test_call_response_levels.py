"""A preset's own ladder of levels (``[[params.levels]]``, issue 12: "each level's content
declared in the preset or built in"): checked with one line per problem, used by the call
generator (onsets, span, kind, pitches, tempo) and bounding the staircase."""

from __future__ import annotations

import pytest

from live.activities.call_response import CallResponse, CallResponseParams
from live.activities.call_response.phrases import GENERATED_STEPS_PER_BEAT, _fits, generate_call
from live.activities.types import ActivityContext
from live.config.params import check_params
from live.config.problems import toml_repr
from live.engine.bank import default_bank
from live.engine.events import InputEvent
from live.presets import find_preset, load_preset

SR = 48000
SOUNDS = frozenset(default_bank(SR).slices)
THREE = [{"onsets": 2, "beats": 2, "kind": "beats"},
         {"onsets": 3, "beats": 2, "kind": "even", "pitches": 3},
         {"onsets": 4, "beats": 4, "kind": "dotted", "tempo_factor": 1.5, "label": "dotted, faster"}]


def lines(table):
    _, problems = check_params(CallResponseParams, table)
    return [f"{p.path}: {toml_repr(p.value)}: {p.allowed}" for p in problems]


@pytest.mark.parametrize(("table", "line"), [
    ({"levels": [{**THREE[0], "kind": "swung"}]}, 'levels[0].kind: "swung": must be one of: beats, even, dotted, syncopated'),
    ({"levels": [{**THREE[0], "onsets": 9}]}, "levels[0].onsets: 9: must be 2..8"),
    ({"levels": [THREE[0], {"onsets": 3, "kind": "even"}]}, "levels[1].beats: (missing): must be a whole number, 1..8"),
    ({"levels": [{**THREE[0], "tempo": 2}]}, "levels[0].tempo: 2: unknown key; allowed: onsets, beats, kind, "
                                             "tempo_factor, pitches, label"),
    ({"levels": [1]}, "levels[0]: 1: must be a table of onsets, beats, kind, tempo_factor, pitches, label"),
    ({"levels": [{"onsets": 5, "beats": 2, "kind": "beats"}]},
     'levels[0]: "5 onsets over 2 beats": has no beats rhythm (at most one rest of two beats between notes, '
     "each bar starting with a note)"),
    ({"levels": THREE, "max_level": 5}, "max_level: 5: must be at most 3 (the ladder's levels)"),
    ({"levels": THREE, "start_level": 4}, "start_level: 4: must be at most 3 (the ladder's levels)"),
    ({"levels": THREE, "calls": "live"}, 'levels: "[...]": must be empty unless calls = "generated"'),
    ({"max_level": 9}, "max_level: 9: must be at most 8 (the ladder's levels)"),
])
def test_a_presets_own_levels_are_checked_with_one_line_each(table, line):
    assert lines(table) == [line]


def test_generated_calls_follow_the_presets_own_levels():
    params = load_preset(find_preset("pentatonic-echo")).params
    assert params.levels and len(params.ladder) == params.top_level == 6
    scale = [60, 62, 64, 67, 69]
    for level in params.ladder:
        calls = [generate_call(level.number, seed=1, trial=t, pitches=scale, ladder=params.ladder) for t in range(40)]
        for call in calls:
            steps = tuple(n.step for n in call)
            assert len(call) == level.onsets and steps[-1] < level.beats * GENERATED_STEPS_PER_BEAT
            assert _fits(steps, level)
            assert {n.note for n in call} <= set(scale[:level.pitches])
        assert {n.note for c in calls for n in c} == set(scale[:level.pitches])  # every pitch it allows comes


def tap(frame: int) -> InputEvent:
    return InputEvent(frame=frame, source="midi", note=60, velocity=90, client="C1")


def test_the_staircase_climbs_the_presets_own_ladder_to_its_top_and_no_further():
    params, _ = check_params(CallResponseParams, {"levels": THREE, "adaptive": True, "trials": 9, "feedback": False,
                                                  "tempo_bpm": 160, "rest_beats": 0.5, "margin_beats": 0.5})
    act = CallResponse(CallResponseParams(**params))
    act.start(ActivityContext(SR, 10_000, SOUNDS))
    assert act.params.top_level == 3
    for _ in range(8):
        trial = act._trials[-1]
        level = act.params.ladder[trial.level - 1]
        beat = SR * 60 / (160 * level.tempo_factor)
        assert round((trial.call_frames[-1] - trial.call_frames[0]) / beat * 2) < level.beats * 2
        assert len(trial.call_frames) == level.onsets
        for f in trial.call_frames:  # perfect echoes, one bar later at the call's tempo
            act.on_input(tap(f + round(4 * beat)))
        act.plan(trial.close_frame + SR)
    levels = [t.level for t in act._trials]
    assert levels[:7] == [1, 1, 2, 2, 3, 3, 3] and max(levels) == 3
