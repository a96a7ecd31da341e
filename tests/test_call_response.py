"""Call-and-response's own parts: written phrases and the ladder, the preset's checks (one line
each), and a run driven by hand: calls at exact frames, the answer window, scoring with
score_echo over the inputs inside the window, responses matched to call notes, the staircase
per trial, the therapist's live call and its end_turn, and stopping early."""

from __future__ import annotations

import pytest

from live.activities.call_response import CallResponse, CallResponseParams
from live.activities.call_response.activity import FEEDBACK_DELAY_S
from live.activities.call_response.phrases import LADDER, _rhythms, _syncopated, generate_call, parse_phrase, \
    phrase_steps, rhythm_problem
from live.activities.protocol import Activity
from live.activities.types import ActivityContext, ControlEvent
from live.config.params import check_params
from live.config.problems import toml_repr
from live.engine.bank import default_bank
from live.engine.events import InputEvent
from live.metrics.echo import EchoNote, score_echo
from live.sim.base import SimulatedClient

SR = 48000
SOUNDS = frozenset(default_bank(SR).slices)


def started(**kw) -> CallResponse:
    act = CallResponse(CallResponseParams(**kw))
    act.start(ActivityContext(SR, 10_000, SOUNDS))
    return act


def tap(frame: int, note: int = 60, client: str | None = "C1") -> InputEvent:
    return InputEvent(frame=frame, source="midi", note=note, velocity=90, client=client)


def test_written_phrases_become_notes_on_steps_each_lasting_until_the_next():
    notes = parse_phrase("x.x.xx..")
    assert [(n.step, n.note, n.length_steps) for n in notes] == [(0, None, 2), (2, None, 2), (4, None, 1), (5, None, 1)]
    assert phrase_steps(notes[-1].step, steps_per_beat=2, meter=4) == 8
    assert phrase_steps(8, steps_per_beat=2, meter=4) == 16
    with pytest.raises(ValueError, match=r"'o' at step 2: allowed: x \(a hit\), \. \(a rest\)"):
        parse_phrase("xo")
    assert rhythm_problem(parse_phrase(".x"), steps_per_beat=2, meter=4) == "must start with a note, not a rest"
    assert rhythm_problem(parse_phrase("x......." + ".x"), steps_per_beat=2, meter=4) == \
        "must start each bar (8 steps) with a note: step 8 is a rest"
    assert rhythm_problem(parse_phrase("x....x.."), steps_per_beat=2, meter=4) == \
        "rests 4 steps after step 1: at most 3 (two beats between notes)"
    assert rhythm_problem(parse_phrase("x...x..."), steps_per_beat=2, meter=4) is None


def test_the_ladder_climbs_in_notes_and_each_level_has_only_rhythms_of_its_kind():
    assert [lv.onsets for lv in LADDER] == sorted(lv.onsets for lv in LADDER)
    for lv in LADDER:
        for steps in _rhythms(lv.number):
            assert len(steps) == lv.onsets and steps[0] == 0 and steps[-1] < lv.beats * 2
            iois = [b - a for a, b in zip(steps, steps[1:])]
            assert max(iois) <= 4  # never a rest of more than two beats inside a call
            if lv.kind == "beats":
                assert all(s % 2 == 0 for s in steps)
            elif lv.kind == "even":
                assert not _syncopated(steps) and 3 not in iois
            elif lv.kind == "dotted":
                assert 3 in iois
            else:
                assert _syncopated(steps)
    assert LADDER[-1].tempo_factor > 1.0


def test_generated_calls_are_seeded_and_use_more_of_the_scale_as_the_level_rises():
    scale = [60, 62, 64, 67, 69]
    assert generate_call(5, seed=3, trial=2, pitches=scale) == generate_call(5, seed=3, trial=2, pitches=scale)
    assert len({generate_call(7, seed=s, trial=0) for s in range(10)}) > 1  # the seed matters
    low = {n.note for t in range(30) for n in generate_call(1, seed=1, trial=t, pitches=scale)}
    high = {n.note for t in range(30) for n in generate_call(6, seed=1, trial=t, pitches=scale)}
    assert low <= {60, 62} and high == set(scale)
    assert all(generate_call(1, seed=1, trial=t, pitches=scale)[0].note == 60 for t in range(10))
    assert all(n.note is None for n in generate_call(4, seed=1, trial=0))


@pytest.mark.parametrize(("table", "line"), [
    ({"calls": "list"}, 'phrases: []: must list at least one phrase when calls = "list"'),
    ({"phrases": ["x.x."]}, 'calls: "generated": must be "list" when phrases are given'),
    ({"calls": "list", "phrases": ["x.x.", ".x"]}, 'phrases[1]: ".x": must start with a note, not a rest'),
    ({"calls": "live", "answer": "in_time"}, 'answer: "in_time": must be "free" when calls = "live" (no grid to answer on)'),
    ({"calls": "live", "adaptive": True}, 'adaptive: true: must be false unless calls = "generated" '
                                          '(only generated calls have levels to climb)'),
    ({"min_level": 5, "max_level": 3}, "min_level: 5: must be at most max_level (3)"),
    ({"start_level": 7, "max_level": 5}, "start_level: 7: must be 1..5 (min_level..max_level)"),
])
def test_preset_problems_are_one_line_each(table, line):
    _, problems = check_params(CallResponseParams, table)
    assert [f"{p.path}: {toml_repr(p.value)}: {p.allowed}" for p in problems] == [line]


def test_an_engine_call_plays_at_exact_frames_and_its_window_scores_the_inputs_inside_it():
    act = started(tempo_bpm=120, start_level=3, trials=2, count_in_beats=2, feedback=True)
    assert isinstance(act, Activity)
    sounds = act.plan(10_000 + 4 * SR)  # the count-in and the call (the window closes later)
    step = SR * 60 // 120 // 2  # 12000 frames an eighth at 120 BPM
    [trial] = act._trials
    call = [s for s in sounds if s.cue_index is not None]
    call_start = 10_000 + 2 * 2 * step
    assert [s.frame for s in call] == trial.call_frames and trial.call_frames[0] == call_start
    assert all((f - call_start) % step == 0 for f in trial.call_frames)
    assert [s.cue_index for s in call] == [0, 1, 2, 3] and {s.sound for s in call} == {"woodblock_accent"}
    count_in = [s for s in sounds if s.cue_index is None and s.frame < call_start]
    assert [s.frame for s in count_in] == [10_000, 10_000 + 2 * step]
    assert trial.open_frame == trial.call_frames[-1] + step  # free: from the end of the last note
    assert trial.close_frame == call_start + 2 * 8 * step + 2 * 2 * step  # two bars and two beats of margin
    # The client echoes the call one bar later, 10 ms late, plus a note before the window opens.
    lag = 8 * step
    early = tap(trial.call_frames[-1] + 10)
    answers = [tap(f + lag + 480) for f in trial.call_frames]
    for ev in [early, *answers]:
        [provisional] = act.on_input(ev)
        assert provisional.target is None
    assert trial.score is None
    more = act.plan(trial.close_frame + round(FEEDBACK_DELAY_S * SR) + 1)
    assert trial.score is not None and trial.answer == answers
    want = score_echo([EchoNote(f / SR, None, d / SR) for f, d in zip(trial.call_frames, trial.call_lengths_frames)],
                      [EchoNote(ev.frame / SR) for ev in answers])
    assert trial.score == want and trial.score.f1 == 1.0 and trial.success
    assert [s.sound for s in more if s.frame == trial.close_frame + round(FEEDBACK_DELAY_S * SR)] == ["cowbell"]
    responses = act.final_responses()
    matched = [r for r in responses if r.target is not None]
    assert [r.target.index for r in matched] == [0, 1, 2, 3] and all(r.target.kind == "call_onset" for r in matched)
    assert all(r.error_ms == pytest.approx(1000 * (lag + 480) / SR) for r in matched)
    assert all(r.extra["timing_error_ms"] == pytest.approx(0.0, abs=1e-6) for r in matched)
    assert [r.extra["trial"] for r in responses if r.target is None] == [None]  # the early one


def test_the_staircase_sets_the_next_calls_level_and_each_trial_keeps_its_own():
    act = started(tempo_bpm=160, start_level=2, adaptive=True, trials=4, feedback=False, rest_beats=0.5, margin_beats=0.5)
    bar = round(4 * SR * 60 / 160)
    for _ in range(3):
        trial = act._trials[-1]
        for f in trial.call_frames:  # perfect echoes, one bar later
            act.on_input(tap(f + bar))
        act.plan(trial.close_frame + round(FEEDBACK_DELAY_S * SR) + 1)
    assert [t.level for t in act._trials[:3]] == [2, 2, 3]
    assert all(t.success for t in act._trials[:3])


def test_a_live_call_ends_after_the_gap_or_at_end_turn_and_the_window_follows_it():
    act = started(calls="live", tempo_bpm=120, phrase_gap_beats=1.0, margin_beats=1.0, trials=3)
    beat = SR // 2
    t0 = 20_000
    for f in (t0, t0 + beat // 2, t0 + beat):
        assert act.on_therapist_input(tap(f, client=None)) == []
    [trial] = act._trials
    assert trial.open_frame == t0 + 2 * beat and trial.close_frame == t0 + 2 * beat + beat + beat + beat
    act.on_therapist_input(tap(t0 + 3 * beat, client=None))  # in the answer window: not a call note
    assert len(trial.call_frames) == 3 and len(act._trials) == 1
    assert act.live_numbers(t0 + beat // 4)[3].value == "therapist calling"
    assert act.live_numbers(t0 + 2 * beat + 10)[3].value == "client answering"
    assert act.on_control(ControlEvent(t0 + 2 * beat + beat // 2, "end_turn")) == "trial 1: answer window closed"
    assert trial.close_frame == t0 + 2 * beat + beat // 2
    # The next call: its first note, then end_turn a moment later ends it there.
    t1 = trial.close_frame + SR
    act.plan(t1)
    act.on_therapist_input(tap(t1, client=None))
    assert act.on_control(ControlEvent(t1 + 100, "end_turn")) == "trial 2: call ended"
    assert act._trials[1].open_frame == t1 + 100


def test_stopping_early_keeps_the_trials_whose_call_had_started():
    act = started(tempo_bpm=120, start_level=1, trials=5, feedback=False)
    act.plan(10_000 + 3 * SR)
    act.stop(until_frame=10_000 + SR // 4 + 1)  # after the first note only
    assert act.is_finished(10 ** 9)
    [trial] = act.summary().trials
    assert trial["n_call"] == 1 and act.summary().metrics["trials"] == 1


def test_its_simulated_client_and_therapist_keep_the_simulated_client_protocol():
    params = CallResponseParams(calls="live")
    client = CallResponse.simulated_client(params, seed=1, sample_rate=SR, client="C1", memory_span=3)
    therapist = CallResponse.simulated_therapist(params, seed=1, sample_rate=SR)
    assert isinstance(client, SimulatedClient) and isinstance(therapist, SimulatedClient)
    assert therapist.client is None and client.describe()["memory_span"] == 3
    assert CallResponse.simulated_therapist(CallResponseParams(), seed=1, sample_rate=SR) is None
    with pytest.raises(TypeError, match="has no wobble"):
        CallResponse.simulated_client(params, seed=1, sample_rate=SR, client="C1", wobble=2)


def test_end_turn_closes_an_engine_calls_window_early_and_the_next_call_follows_sooner():
    act = started(tempo_bpm=120, start_level=2, trials=2, pulse=True, feedback=False, margin_beats=4)
    act.plan(10_000 + 2 * SR)
    [trial] = act._trials
    planned_close = trial.close_frame
    inside = trial.open_frame + 1000
    assert act.on_control(ControlEvent(trial.call_frames[0], "end_turn")) is None  # the call plays on
    assert act.on_control(ControlEvent(inside, "end_turn")) == "trial 1: answer window closed"
    assert trial.close_frame == inside < planned_close
    later = act.plan(planned_close + SR)
    assert all(s.frame <= inside or s.frame > inside + round(FEEDBACK_DELAY_S * SR) for s in later)
    assert trial.score is not None and len(act._trials) == 2
    assert act._trials[1].call_frames[0] < planned_close  # the next call did not wait for the old close
