"""TempoMap: round trips, exact placement over long spans, ramps against closed forms."""

import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from live.engine.timebase import TempoMap

SR = 48000
bpms = st.floats(min_value=20, max_value=300, allow_nan=False)


def _map(bpm, ramp_to=None, ramp_at=None, ramp_len=None, origin_frame=0):
    tm = TempoMap(bpm, sample_rate=SR, origin_frame=origin_frame)
    if ramp_to is not None:
        tm = tm.with_ramp(ramp_at, to_bpm=ramp_to, over_beats=ramp_len)
    return tm


@settings(max_examples=300, deadline=None)
@given(bpm=bpms, ramp_to=bpms, ramp_at=st.floats(0, 64), ramp_len=st.floats(0.5, 128),
       beat=st.floats(0, 2000), origin=st.integers(0, 10**7))
def test_beat_position_round_trip(bpm, ramp_to, ramp_at, ramp_len, beat, origin):
    tm = _map(bpm, ramp_to, ramp_at, ramp_len, origin)
    assert tm.beat_at_frame(tm.position_at_beat(beat)) == pytest.approx(beat, abs=1e-9)


@settings(max_examples=300, deadline=None)
@given(bpm=bpms, ramp_to=bpms, ramp_at=st.floats(0, 64), ramp_len=st.floats(0.5, 128),
       frame=st.integers(0, 48000 * 3600))
def test_integer_frame_round_trip(bpm, ramp_to, ramp_at, ramp_len, frame):
    tm = _map(bpm, ramp_to, ramp_at, ramp_len)
    assert tm.frame_at_beat(tm.beat_at_frame(frame)) == frame


@pytest.mark.parametrize("bpm", [60, 97, 100, 113.7, 144])
def test_no_drift_over_ten_minutes(bpm):
    """Every beat of 10 minutes lands on round(origin + k * 60 * SR / bpm), computed exactly."""
    origin = 12345
    tm = TempoMap(bpm, sample_rate=SR, origin_frame=origin)
    spb = Fraction(60 * SR) / Fraction(bpm)
    n = math.ceil(600 * bpm / 60)
    for k in range(n + 1):
        exact = origin + k * spb
        expected = math.floor(exact + Fraction(1, 2))
        assert tm.frame_at_beat(k) == expected, k


def test_ramp_matches_closed_form_and_reaches_target():
    """Tempo linear in beats from 90 to 120 BPM over 32 beats, from beat 8."""
    tm = TempoMap(90, sample_rate=SR).with_ramp(8, to_bpm=120, over_beats=32)
    # t(x) = 60/k ln(1 + k x / b0) seconds after the ramp start, k = (120-90)/32 BPM per beat.
    k = 30 / 32
    t8 = 8 * 60 / 90
    for x in range(0, 33):
        expected_s = t8 + 60 / k * math.log(1 + k * x / 90)
        assert tm.position_at_beat(8 + x) == pytest.approx(expected_s * SR, abs=1e-6)
    assert tm.bpm_at_beat(40) == 120
    assert tm.bpm_at_beat(24) == pytest.approx(105)
    # After the ramp: constant 120 BPM (24000 frames a beat).
    assert tm.frame_at_beat(41) - tm.frame_at_beat(40) == 24000
    assert tm.interval_frames(100) == 24000


def test_step_keeps_the_past_and_replaces_the_future():
    tm = TempoMap(100, sample_rate=SR)
    stepped = tm.with_tempo(10, 120)
    for b in range(11):
        assert stepped.frame_at_beat(b) == tm.frame_at_beat(b)
    assert stepped.frame_at_beat(11) - stepped.frame_at_beat(10) == 24000
    # A step inside a ramp cuts the ramp at the step.
    ramped = tm.with_ramp(4, to_bpm=140, over_beats=20).with_tempo(10, 60)
    assert ramped.bpm_at_beat(9.999) < 140
    assert ramped.interval_frames(10) == 48000
    assert ramped.position_at_beat(10) == pytest.approx(tm.with_ramp(4, to_bpm=140, over_beats=20).position_at_beat(10))


def test_negative_beats_before_zero_for_count_in():
    tm = TempoMap(120, sample_rate=SR, origin_frame=1000, origin_beat=-4)
    assert tm.frame_at_beat(-4) == 1000
    assert tm.frame_at_beat(0) == 1000 + 4 * 24000


@pytest.mark.parametrize("bad", [0, -5, float("nan"), float("inf"), 5000])
def test_bad_tempo_is_refused_with_the_allowed_range(bad):
    with pytest.raises(ValueError, match=r"tempo must be 1\.\.1000 BPM"):
        TempoMap(bad, sample_rate=SR)


def test_bad_ramp_length_and_origin():
    tm = TempoMap(100, sample_rate=SR, origin_beat=0)
    with pytest.raises(ValueError, match="over_beats"):
        tm.with_ramp(4, to_bpm=110, over_beats=0)
    with pytest.raises(ValueError, match="before the map's origin"):
        tm.with_tempo(-1, 110)
