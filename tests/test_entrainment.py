"""The entrainment activity on its own: planning, accents, count-in, scoring, tempo controls,
grooves and the drum kit, the cue stream in every mode, the simulated client."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from live.activities.types import ActivityContext, ControlEvent, Target
from live.activities.entrainment import Entrainment, EntrainmentParams
from live.activities.entrainment.grooves import GROOVES
from live.engine.bank import DRUMS, INSTRUMENTS, default_bank
from live.engine.events import InputEvent, ScheduledSound
from live.sim.tapper import SimulatedTapper, TapperParams

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
    assert [s.cue_index for s in planned] == [-2, -1, 0, 1, 2, 3, 4, 5]
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
    assert (r.target, r.error_ms) == (Target(0, first, "beat"), 10.0)
    [r] = act.on_input(_tap(first + 24000 * 3 + 12001))  # past the last beat's window
    assert r.target is None and r.error_ms is None


def test_tempo_control_applies_from_the_first_unplanned_beat():
    act = _started(tempo_bpm=100, count_in_beats=0, beats=10)
    planned = list(act.plan(1000 + 3 * 28800 + 1))  # beats 0..3 queued
    assert len(planned) == 4
    effect = act.on_control(ControlEvent(0, "tempo_set", 120))
    assert effect == "tempo 100 -> 120 BPM from beat 4"
    rest = list(act.plan(10**9))
    frames = [s.frame for s in planned + rest]
    assert frames[4] == 1000 + 4 * 28800  # beat 4 stays where it was
    assert [b - a for a, b in zip(frames[4:], frames[5:])] == [24000] * 5
    assert act.beat_frames == frames
    assert act.on_control(ControlEvent(0, "tempo_up", 5)) is None  # everything is planned already


@pytest.mark.parametrize("action,value,expected", [("tempo_up", 4, 104), ("tempo_down", 4, 96),
                                                    ("tempo_set", 500, 240), ("tempo_set", 5, 20)])
def test_tempo_steps_and_bounds(action, value, expected):
    act = _started(tempo_bpm=100, count_in_beats=0, beats=10)
    assert act.on_control(ControlEvent(0, action, value)).startswith(f"tempo 100 -> {expected} BPM")
    assert act.on_control(ControlEvent(0, "start_stop")) is None


def test_live_numbers_are_tempo_beats_asynchrony_and_hits_so_far():
    act = Entrainment(EntrainmentParams(tempo_bpm=120, count_in_beats=1, beats=3, window_ms=50))
    act.start(ActivityContext(SR, 0, SOUNDS))
    assert [n.text() for n in act.live_numbers(0)] == ["-", "0 / 3", "-", "-", "0 of 0 beats within +/-50 ms", "-"]
    list(act.plan(10**9))  # beats -1, 0, 1, 2 at 0, 24000, 48000, 72000
    act.on_input(_tap(24000 - 960))   # beat 0, 20 ms early: a hit
    act.on_input(_tap(48000 - 3840))  # beat 1, 80 ms early: outside +/- 50 ms
    act.on_input(_tap(72000 + 12001))  # past the last beat's window: unmatched
    numbers = {n.label: n for n in act.live_numbers(48000)}  # beats 0 and 1 played; 2 not yet
    assert list(numbers) == ["Tempo", "Beats", "Mean asynchrony", "SD of asynchrony", "Hits", "Hit rate"]
    assert numbers["Tempo"].value == 120.0 and numbers["Tempo"].unit == "BPM"
    assert numbers["Beats"].value == "2 / 3"
    assert numbers["Mean asynchrony"].value == -50.0 and numbers["Mean asynchrony"].text() == "-50.0 ms"
    assert numbers["SD of asynchrony"].value == pytest.approx(42.426406871, abs=1e-6)
    assert numbers["Hits"].value == "1 of 2 beats within +/-50 ms" and numbers["Hit rate"].value == 0.5


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
    assert [(c.index, c.frame) for c in cues] == [(s.cue_index, s.frame) for s in first]
    assert [c.accent for c in cues] == [s.sound == "click_accent" for s in first]
    assert act.take_cues() == []
    rest = list(act.plan(10**9))
    assert [c.index for c in act.take_cues()] == [s.cue_index for s in rest]


# --- grooves, the drum kit and the cue stream in every mode ---------------------------------


BANK_SOUNDS = frozenset(default_bank(SR).slices)


def test_bank_has_the_drum_kit_each_starting_on_its_first_frame():
    bank = default_bank(SR)
    assert set(DRUMS) == {"kick", "snare", "hat", "open_hat", "rim", "shaker", "cowbell"}
    for name in INSTRUMENTS:
        for sound in (name, f"{name}_accent"):
            x = bank.samples(sound)
            assert abs(x[0]) == np.abs(x).max() > 0.1 and x[-1] == 0.0, sound
        assert np.abs(bank.samples(name)).max() < np.abs(bank.samples(f"{name}_accent")).max()
    assert bank.data.size < 5 * SR  # small: synthesized in a few ms at start-up


def _loop(act, *, tapper=None, until_frame, step=512, lookahead=4800):
    """The control loop without an engine: plan ahead, let the client hear, feed its taps back."""
    sounds, cues = [], []
    now = 0
    while now < until_frame and not act.is_finished(now):
        for s in act.plan(now + lookahead):
            sounds.append(s)
            if tapper is not None:
                tapper.hear(s)
        cues += act.take_cues()
        if tapper is not None:
            for tap in tapper.inputs_before(now, heard_until_frame=now + lookahead):
                act.on_input(tap)
        now += step
    return sounds, cues


@pytest.mark.parametrize("name", sorted(GROOVES))
def test_each_groove_has_one_cue_per_beat_and_its_hits_inside_the_beat(name):
    groove = GROOVES[name]
    act = Entrainment(EntrainmentParams(tempo_bpm=90, groove=name, meter=groove.meter, count_in_beats=0,
                                        beats=4 * groove.meter))
    act.start(ActivityContext(SR, 1000, BANK_SOUNDS))
    sounds, cues = _loop(act, until_frame=10**9)
    assert [s.frame for s in sounds] == sorted(s.frame for s in sounds)  # in frame order
    beats = [s for s in sounds if s.cue_index is not None]
    assert [s.cue_index for s in beats] == list(range(4 * groove.meter))
    assert [(c.index, c.frame) for c in cues] == [(s.cue_index, s.frame) for s in beats]
    assert [s.sound.removesuffix("_accent") for s in beats[: groove.meter]] == list(groove.beat_sounds)
    assert beats[0].sound.endswith("_accent") and not beats[1].sound.endswith("_accent")
    interval = 60 * SR / 90
    for s in sounds:
        if s.cue_index is None:  # a hit on the grid: its beat's frame + (0, 1/3, 1/2 or 2/3) x interval
            offset = (s.frame - max(b.frame for b in beats if b.frame <= s.frame)) / interval
            assert 0 <= offset < 1 and abs(offset * 6 - round(offset * 6)) < 6e-3


def test_subdivision_plays_softer_hits_between_the_beats():
    act = _started(tempo_bpm=120, count_in_beats=0, beats=3, subdivision=4)
    sounds = list(act.plan(10**9))
    assert [s.frame - 1000 for s in sounds] == [0, 6000, 12000, 18000, 24000, 30000, 36000, 42000, 48000]
    assert [s.cue_index for s in sounds] == [0, None, None, None, 1, None, None, None, 2]
    assert all(s.gain < sounds[0].gain for s in sounds if s.cue_index is None)


@pytest.mark.parametrize("params", [
    dict(baseline_s=5, cue_from_baseline=True, beats=20),
    dict(beats=20, fade_beats=3, continuation_beats=10),
    dict(beats=40, tempo_steps_pct=(0, 10), ramp_beats=6),
    dict(beats=40, perturbation="phase", phase_shift_ms=60, perturb_beats=(10, 25)),
    dict(beats=40, adaptive_gain=0.5),
], ids=["baseline", "continuation", "ramp", "perturbation", "adaptive"])
def test_cue_stream_is_exactly_the_beats_that_sound_in_every_mode(params):
    act = Entrainment(EntrainmentParams(tempo_bpm=100, **params))
    act.start(ActivityContext(SR, 1000, BANK_SOUNDS))
    tapper = SimulatedTapper(TapperParams(alpha=0.0, follows_cue_period=False, period_ms=650), sample_rate=SR)
    if params.get("baseline_s"):
        tapper.tap_freely_from(1000)
    sounds, cues = _loop(act, tapper=tapper, until_frame=SR * 120)
    beats = [s for s in sounds if s.cue_index is not None]
    assert [(c.index, c.frame) for c in cues] == [(s.cue_index, s.frame) for s in beats]
    assert act.beat_frames == [s.frame for s in beats if s.cue_index >= 0]
    first_cue = cues[0].frame
    assert first_cue == act.cue_origin_frame  # nothing during a baseline
    if params.get("baseline_s"):
        assert first_cue == 1000 + 5 * SR and act.cue_bpm == pytest.approx(60000 / 650, rel=0.03)
    if params.get("continuation_beats"):  # nothing once the cue has faded
        assert cues[-1].index == 19 and act.is_finished(10**9)
        assert act.summary().phases["continuation"]["n_taps"] >= 8
    if params.get("adaptive_gain"):  # the cue followed the slower client
        assert np.diff(act.beat_frames)[-10:].mean() > 60 * SR / 100 + 500


def test_stop_during_the_baseline_plays_no_cue_and_keeps_the_baseline():
    act = _started(baseline_s=10, cue_from_baseline=True, beats=20)
    for f in (2000, 30000, 60000, 90000):
        act.on_input(_tap(f))
    assert list(act.plan(1000 + 5 * SR)) == []
    act.stop()
    assert list(act.plan(10**9)) == [] and act.is_finished(0)
    s = act.summary()
    assert s.phases["baseline"]["n_taps"] == 4 and s.metrics["n_beats"] == 0


def test_stop_during_the_cue_drops_the_continuation():
    act = _started(tempo_bpm=120, count_in_beats=0, beats=20, continuation_beats=10)
    list(act.plan(1000 + 5 * 24000 + 1))
    act.stop()
    assert act.n_beats == 6 and "continuation" not in act.summary().phases
    assert act.is_finished(1000 + 6 * 24000)


def test_simulated_client_taps_freely_until_it_hears_a_beat_then_synchronises():
    tapper = SimulatedTapper(TapperParams(period_ms=500, timekeeper_sd_ms=0, motor_sd_ms=0, mean_async_ms=-20),
                             sample_rate=SR)
    tapper.tap_freely_from(0)
    free = tapper.inputs_before(5 * SR)  # heard everything up to 5 s: no beat
    assert [t.frame for t in free] == [24000 * k for k in range(1, 10)]  # every 500 ms, the last before 5 s
    first_beat = 5 * SR + 3000
    tapper.hear(ScheduledSound(first_beat, "click", cue_index=0))
    later = tapper.inputs_before(10 * SR, heard_until_frame=10 * SR)
    # No free tap within half a period of the beat; the beat's own tap 20 ms early; then, with
    # no further beat, the client continues at the interval it had.
    assert [t.frame for t in later][0] == first_beat - 960
    assert all(t.frame > first_beat - 960 for t in later[1:])


@settings(derandomize=True, max_examples=40, deadline=None, database=None)
@given(
    tempo=st.integers(40, 200), meter=st.sampled_from([2, 3, 4]), beats=st.integers(4, 40),
    count_in=st.integers(0, 4), subdivision=st.integers(1, 4), baseline=st.sampled_from([0, 3]),
    steps=st.sampled_from([(0.0,), (0.0, 10.0), (-5.0, 5.0, 15.0)]), ramp=st.integers(0, 6),
    fade=st.integers(0, 3), continuation=st.sampled_from([0, 6]), gain=st.sampled_from([0.0, 0.4]),
    shift=st.sampled_from([0, 40, -40]), seed=st.integers(0, 5),
)
def test_any_protocol_plans_in_order_and_its_cue_stream_is_its_beats(
        tempo, meter, beats, count_in, subdivision, baseline, steps, ramp, fade, continuation, gain, shift, seed):
    params = EntrainmentParams(
        tempo_bpm=tempo, meter=meter, beats=beats, count_in_beats=count_in, subdivision=subdivision,
        baseline_s=baseline, cue_from_baseline=bool(baseline), tempo_steps_pct=steps, ramp_beats=ramp,
        fade_beats=fade, continuation_beats=continuation, adaptive_gain=gain,
        perturbation="phase" if shift else "none", phase_shift_ms=shift, perturb_beats=(2,) if shift else ())
    act = Entrainment(params)
    act.start(ActivityContext(SR, 1000, BANK_SOUNDS))
    tapper = SimulatedTapper(TapperParams(seed=seed, period_ms=60000 / tempo), sample_rate=SR)
    if baseline:
        tapper.tap_freely_from(1000)
    sounds, cues = _loop(act, tapper=tapper, until_frame=SR * 600)
    assert act.is_finished(10**12)
    frames = [s.frame for s in sounds]
    assert frames == sorted(frames) and min(frames) >= act.cue_origin_frame
    scored = [s for s in sounds if s.cue_index is not None]
    assert [s.cue_index for s in scored] == list(range(-count_in, act.n_beats))
    assert act.n_beats == beats * len(steps)
    assert [(c.index, c.frame) for c in cues] == [(s.cue_index, s.frame) for s in scored]
    assert act.beat_frames == [s.frame for s in scored if s.cue_index >= 0]
    summary = act.summary()
    names = (["baseline"] if baseline else []) + (
        ["cue"] if len(steps) == 1 else [f"cue{x:+g}%" for x in steps]) + (["continuation"] if continuation else [])
    assert list(summary.phases) == names
    for metrics in [summary.metrics, *summary.phases.values()]:
        assert all(v is None or (isinstance(v, (int, float)) and math.isfinite(v)) for v in metrics.values())
    assert sum(summary.phases[n]["n_beats"] for n in names if n.startswith("cue")) == act.n_beats
