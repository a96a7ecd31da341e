"""Tests of live.metrics.sms and live.metrics.csvio against hand-computed values, an
independent brute-force matcher, and scipy's circular statistics."""

from __future__ import annotations

import cmath
import math
import statistics
import time

import numpy as np
import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st
from scipy.stats import circmean, circstd

from live.metrics.csvio import read_times_csv
from live.metrics.sms import Matching, check_times, match_taps, sms_summary

KEYS = [
    "n_beats", "n_taps", "matched", "missed", "extra",
    "mean_async_ms", "sd_async_ms", "median_async_ms", "within_window_pct",
    "R", "mean_phase_deg", "rayleigh_p", "iti_mean_ms", "iti_cv",
]
COUNTS = KEYS[:5]

# Seeded, fast property tests.
PROPS = settings(derandomize=True, max_examples=300, deadline=None, database=None)


def assert_types(s: dict) -> None:
    """Keys in order; counts are Python ints, the rest Python floats or None, never NaN."""
    assert list(s) == KEYS
    for k, v in s.items():
        if k in COUNTS:
            assert type(v) is int, (k, v)
        else:
            assert v is None or type(v) is float, (k, type(v))
            assert v is None or math.isfinite(v), (k, v)


def lists(m: Matching) -> tuple[list[int], list[int]]:
    return m.tap_beat.tolist(), m.beat_tap.tolist()


# --------------------------------------------------------------------------- check_times


def test_check_times_accepts_lists_and_duplicates():
    out = check_times([0, 1, 1, 2.5], "beats")
    assert out.dtype == np.float64 and out.tolist() == [0.0, 1.0, 1.0, 2.5]
    assert not out.flags.writeable
    assert check_times([], "taps").shape == (0,)


@pytest.mark.parametrize(
    ("times", "needles"),
    [
        ([0.0, 1.0, float("nan")], ["taps", "row 2", "nan", "finite"]),
        ([0.0, float("inf")], ["taps", "row 1", "inf", "finite"]),
        ([0.0, 2.0, 1.5, 3.0], ["taps", "row 2", "1.5", "2.0", "non-decreasing"]),
        ([[0.0, 1.0]], ["taps", "shape", "1-D"]),
        (["a", "b"], ["taps", "numbers"]),
    ],
)
def test_check_times_errors_name_what_row_and_value(times, needles):
    with pytest.raises(ValueError) as info:
        check_times(times, "taps")
    msg = str(info.value)
    assert "\n" not in msg
    for needle in needles:
        assert needle in msg


def test_public_functions_validate_their_inputs():
    with pytest.raises(ValueError, match="beats: row 1"):
        match_taps([1.0, 0.0], [0.5])
    with pytest.raises(ValueError, match="taps: row 0"):
        sms_summary([0.0, 1.0], [float("nan")])
    for bad in (0.0, -1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="window_ms"):
            sms_summary([0.0, 1.0], [0.0], window_ms=bad)


# --------------------------------------------------------------------------- hand cases


def test_tap_midway_between_beats_goes_to_the_earlier_beat():
    # beats 0, 1, 2 (intervals 1, 1, 1); tap 0.5 is 0.5 from beat 0 and from beat 1: a tie,
    # so beat 0; half its interval is 0.5 and |0.5| <= 0.5, so it matches (a = +500 ms).
    m = match_taps([0.0, 1.0, 2.0], [0.5])
    assert lists(m) == ([0], [0, -1, -1])
    assert m.intervals_s.tolist() == [1.0, 1.0, 1.0]
    s = sms_summary([0.0, 1.0, 2.0], [0.5])
    assert s["mean_async_ms"] == 500.0
    # phase = 2*pi*0.5/1 = pi -> 180 deg (the range is (-180, 180])
    assert s["mean_phase_deg"] == pytest.approx(180.0)


def test_tie_among_equal_beat_times_goes_to_the_first():
    # beats 0, 1, 1, 2: intervals 1, 0, 1, 1. Tap 1.0 is 0 from beats 1 and 2 -> beat 1,
    # whose interval is 0: |0| <= 0 matches. Tap 1.4 is nearest to beat 1 (0.4; beat 3 is
    # 0.6 away) -> beat 1 again, half interval 0, so it does not match there and is extra
    # (no fallback to another beat).
    m = match_taps([0.0, 1.0, 1.0, 2.0], [1.0, 1.4])
    assert lists(m) == ([1, -1], [-1, 0, -1, -1])
    s = sms_summary([0.0, 1.0, 1.0, 2.0], [1.0, 1.4])
    # the matched tap sits on a beat whose interval is 0: a = 0, phase defined as 0
    assert (s["matched"], s["R"], s["mean_phase_deg"]) == (1, 1.0, 0.0)


def test_beat_keeps_the_nearer_of_two_taps():
    # beats 0, 1, 2. Taps 0.8 and 1.05 both go to beat 1 (0.2 and 0.05 away, both <= 0.5).
    # Beat 1 keeps 1.05 (nearer); 0.8 becomes extra, not re-offered to beat 0 (0.8 away).
    m = match_taps([0.0, 1.0, 2.0], [0.8, 1.05])
    assert lists(m) == ([-1, 1], [-1, 1, -1])
    s = sms_summary([0.0, 1.0, 2.0], [0.8, 1.05])
    assert (s["matched"], s["missed"], s["extra"]) == (1, 2, 1)
    assert s["mean_async_ms"] == pytest.approx(50.0)


def test_equidistant_taps_the_beat_keeps_the_earlier():
    # beat 1 has taps 0.75 and 1.25, both 0.25 away: it keeps tap 0 (earlier).
    # Tap 1.25 is nearest beat 1 (beat 2 is 0.75 away), so it is extra.
    beats = [0.0, 1.0, 2.0]
    assert lists(match_taps(beats, [0.75, 1.25])) == ([1, -1], [-1, 0, -1])
    # Two taps at the same time: the first one is kept.
    assert lists(match_taps(beats, [1.0, 1.0])) == ([1, -1], [-1, 0, -1])


def test_taps_beyond_half_an_interval_are_extra_and_last_beat_interval():
    # beats 0, 1, 3 -> intervals 1, 2, and for the last beat 3 - 1 = 2.
    beats = [0.0, 1.0, 3.0]
    # -0.6: nearest beat 0, |-0.6| > 1/2 -> extra.
    # 1.9: nearest beat 1 (0.9 vs 1.1), half of interval 2 is 1 -> matched, a = +900 ms.
    # 3.95: nearest beat 2 (3), half of the last interval 2 is 1, 0.95 <= 1 -> matched.
    # 4.1: nearest beat 2, 1.1 > 1 -> extra.
    taps = [-0.6, 1.9, 3.95, 4.1]
    m = match_taps(beats, taps)
    assert m.intervals_s.tolist() == [1.0, 2.0, 2.0]
    assert lists(m) == ([-1, 1, 2, -1], [-1, 1, 2])
    s = sms_summary(beats, taps, window_ms=50.0)
    assert_types(s)
    assert (s["n_beats"], s["n_taps"], s["matched"], s["missed"], s["extra"]) == (3, 4, 2, 1, 2)
    # a = 900, 950 ms: mean 925, median 925, sample SD = |950-900|/sqrt(2) = 35.355...
    assert s["mean_async_ms"] == pytest.approx(925.0)
    assert s["median_async_ms"] == pytest.approx(925.0)
    assert s["sd_async_ms"] == pytest.approx(50 / math.sqrt(2))
    assert s["within_window_pct"] == 0.0
    # phases 2*pi*0.9/2 = 0.9*pi (162 deg) and 2*pi*0.95/2 = 0.95*pi (171 deg):
    # mean angle 166.5 deg, R = cos(4.5 deg)
    assert s["mean_phase_deg"] == pytest.approx(166.5)
    assert s["R"] == pytest.approx(math.cos(math.radians(4.5)))


def test_worked_example_all_statistics():
    # beats 0, .5, 1, 1.5, 2 (intervals all 0.5); taps 0, .5, 1, 1.75.
    # 1.75 is 0.25 from beats 1.5 and 2.0: tie -> beat 3 (earlier), 0.25 <= 0.25 matches.
    beats = [0.0, 0.5, 1.0, 1.5, 2.0]
    taps = [0.0, 0.5, 1.0, 1.75]
    assert lists(match_taps(beats, taps)) == ([0, 1, 2, 3], [0, 1, 2, 3, -1])
    s = sms_summary(beats, taps)
    assert_types(s)
    assert [s[k] for k in COUNTS] == [5, 4, 4, 1, 0]
    # a = 0, 0, 0, 250 ms: mean 62.5, median 0,
    # sample var = (3 * 62.5^2 + 187.5^2) / 3 = 46875 / 3 = 15625 -> SD 125.
    assert s["mean_async_ms"] == pytest.approx(62.5)
    assert s["median_async_ms"] == pytest.approx(0.0)
    assert s["sd_async_ms"] == pytest.approx(125.0)
    # |a| <= 50 for 3 taps, of 5 beats -> 60 %
    assert s["within_window_pct"] == pytest.approx(60.0)
    assert sms_summary(beats, taps, window_ms=250.0)["within_window_pct"] == pytest.approx(80.0)
    # phases 0, 0, 0, pi: mean vector (3 - 1)/4 = 0.5 -> R 0.5, angle 0
    assert s["R"] == pytest.approx(0.5)
    assert s["mean_phase_deg"] == pytest.approx(0.0, abs=1e-9)
    # Zar, n = 4, nR = 2: exp(sqrt(1 + 16 + 4*(16 - 4)) - 9) = exp(sqrt(65) - 9) = 0.39151...
    assert s["rayleigh_p"] == pytest.approx(math.exp(math.sqrt(65) - 9))
    assert s["rayleigh_p"] == pytest.approx(0.3915108, abs=1e-7)
    # ITIs 500, 500, 750 ms: mean 583.33; sample SD = sqrt(1/48) s = 144.34 ms;
    # CV = sqrt(1/48) / (7/12) = sqrt(3)/7 = 0.24744
    assert s["iti_mean_ms"] == pytest.approx(1750 / 3)
    assert s["iti_cv"] == pytest.approx(math.sqrt(3) / 7)


def test_no_taps():
    s = sms_summary([0.0, 1.0, 2.0], [])
    assert_types(s)
    assert [s[k] for k in COUNTS] == [3, 0, 0, 3, 0]
    assert s["within_window_pct"] == 0.0
    for k in KEYS[5:]:
        if k != "within_window_pct":
            assert s[k] is None, k


def test_one_tap():
    # one tap at beat 1 + 20 ms: a = 20 ms; SD needs 2 matched; ITIs need 2 taps
    s = sms_summary([0.0, 1.0, 2.0], [1.02])
    assert_types(s)
    assert [s[k] for k in COUNTS] == [3, 1, 1, 2, 0]
    assert s["mean_async_ms"] == pytest.approx(20.0)
    assert s["median_async_ms"] == pytest.approx(20.0)
    assert s["sd_async_ms"] is None
    assert s["within_window_pct"] == pytest.approx(100 / 3)
    # one angle: R = 1, angle 2*pi*0.02 rad = 7.2 deg; Zar n = 1, nR = 1: exp(sqrt(5) - 3)
    assert s["R"] == pytest.approx(1.0)
    assert s["mean_phase_deg"] == pytest.approx(7.2)
    assert s["rayleigh_p"] == pytest.approx(math.exp(math.sqrt(5) - 3))
    assert s["iti_mean_ms"] is None and s["iti_cv"] is None


def test_two_taps():
    # taps -30 ms and +10 ms around beats 1 and 2: a = -30, 10; ITI = 1.04 s; no CV (< 3 taps)
    s = sms_summary([0.0, 1.0, 2.0], [0.97, 2.01])
    assert_types(s)
    assert s["mean_async_ms"] == pytest.approx(-10.0)
    assert s["sd_async_ms"] == pytest.approx(40 / math.sqrt(2))
    assert s["iti_mean_ms"] == pytest.approx(1040.0)
    assert s["iti_cv"] is None


def test_iti_cv_is_none_when_the_mean_interval_is_zero():
    s = sms_summary([0.0, 1.0], [1.0, 1.0, 1.0])
    assert s["iti_mean_ms"] == 0.0
    assert s["iti_cv"] is None


@pytest.mark.parametrize("beats", [[], [1.0]])
def test_fewer_than_two_beats_match_nothing(beats):
    taps = [0.99, 1.0, 1.01]
    m = match_taps(beats, taps)
    assert lists(m) == ([-1, -1, -1], [-1] * len(beats))
    assert np.isnan(m.intervals_s).all() and m.intervals_s.shape == (len(beats),)
    s = sms_summary(beats, taps)
    assert_types(s)
    assert [s[k] for k in COUNTS] == [len(beats), 3, 0, len(beats), 3]
    assert s["within_window_pct"] == (None if not beats else 0.0)
    undefined = ("mean_async_ms", "sd_async_ms", "median_async_ms", "R", "mean_phase_deg",
                 "rayleigh_p")
    for k in undefined:
        assert s[k] is None, k
    assert s["iti_mean_ms"] == pytest.approx(10.0)
    assert s["iti_cv"] == pytest.approx(0.0, abs=1e-9)


def test_nothing_at_all():
    s = sms_summary([], [])
    assert_types(s)
    assert [s[k] for k in COUNTS] == [0, 0, 0, 0, 0]
    assert all(s[k] is None for k in KEYS[5:])


def test_opposite_phases_have_no_mean_angle():
    # phases 0 and pi (tap at half interval ties to the earlier beat): R ~ 1e-16 -> no angle;
    # Zar with R = 0: exp(sqrt(1 + 4n + 4n^2) - (1 + 2n)) = exp(0) = 1 (capped at 1).
    beats = [0.0, 1.0, 2.0, 3.0]
    s = sms_summary(beats, [0.0, 1.5])
    assert s["matched"] == 2
    assert s["R"] == pytest.approx(0.0, abs=1e-12)
    assert s["mean_phase_deg"] is None
    assert s["rayleigh_p"] == pytest.approx(1.0) and s["rayleigh_p"] <= 1.0
    # 0, 120, 240 deg: interval 0.6 s, a = 0, +0.2, -0.2 s
    s3 = sms_summary([0.0, 0.6, 1.2, 1.8], [0.0, 0.8, 1.0])
    assert s3["matched"] == 3 and s3["mean_phase_deg"] is None
    assert s3["R"] == pytest.approx(0.0, abs=1e-12)


def test_mean_phase_is_in_the_half_open_range():
    # beats 0, 1, 1.5: intervals 1, 0.5, 0.5. Tap 0.75 is nearest beat 1 (0.25 vs 0.75) and
    # exactly half of beat 1's interval early: a = -250 ms, phase -pi. The circular mean is
    # reported as +180, never -180.
    s = sms_summary([0.0, 1.0, 1.5], [0.75])
    assert (s["matched"], s["mean_async_ms"]) == (1, -250.0)
    assert s["mean_phase_deg"] == 180.0


def test_matching_is_read_only():
    m = match_taps([0.0, 1.0], [0.1])
    with pytest.raises(ValueError):
        m.tap_beat[0] = -1
    with pytest.raises(AttributeError):
        m.tap_beat = np.array([-1])  # type: ignore[misc]


def test_long_sessions_are_not_quadratic():
    # 200 000 beats and taps: a quadratic matcher needs 4e10 comparisons.
    rng = np.random.default_rng(7)
    beats = np.arange(200_000) * 0.5
    taps = np.sort(beats + rng.normal(-0.03, 0.03, beats.size))
    t0 = time.perf_counter()
    s = sms_summary(beats, taps)
    assert time.perf_counter() - t0 < 3.0
    assert s["matched"] == 200_000
    assert s["mean_async_ms"] == pytest.approx(-30.0, abs=0.5)


# ------------------------------------------------------------ independent brute force


def brute_match(beats: list[float], taps: list[float]) -> tuple[list[int], list[int]]:
    """O(n*m) reference written from the definition, sharing nothing with the module."""
    nb = len(beats)

    def interval(k):
        return beats[k + 1] - beats[k] if k + 1 < nb else beats[k] - beats[k - 1]

    tap_beat = [-1] * len(taps)
    if nb >= 2:
        for i, t in enumerate(taps):
            best = None
            for k, b in enumerate(beats):
                if best is None or abs(t - b) < abs(t - beats[best]):  # strict: ties keep earlier
                    best = k
            if abs(t - beats[best]) <= interval(best) / 2:
                tap_beat[i] = best
    beat_tap = [-1] * nb
    for k in range(nb):
        mine = [i for i in range(len(taps)) if tap_beat[i] == k]
        if mine:
            keep = min(mine, key=lambda i: (abs(taps[i] - beats[k]), i))
            beat_tap[k] = keep
            for i in mine:
                if i != keep:
                    tap_beat[i] = -1
    return tap_beat, beat_tap


def brute_summary(beats, taps, window_ms):
    tap_beat, beat_tap = brute_match(beats, taps)
    pairs = [(taps[i], beats[k], k) for i, k in enumerate(tap_beat) if k >= 0]
    a = [(t - b) * 1000 for t, b, _ in pairs]
    nb = len(beats)

    def interval(k):
        return beats[k + 1] - beats[k] if k + 1 < nb else beats[k] - beats[k - 1]

    ph = [2 * math.pi * (t - b) / interval(k) if interval(k) else 0.0 for t, b, k in pairs]
    itis = [(taps[i] - taps[i - 1]) * 1000 for i in range(1, len(taps))]
    z = sum(cmath.exp(1j * p) for p in ph) / len(ph) if ph else None
    return {
        "matched": len(a),
        "missed": beat_tap.count(-1),
        "extra": tap_beat.count(-1),
        "mean_async_ms": statistics.fmean(a) if a else None,
        "sd_async_ms": statistics.stdev(a) if len(a) > 1 else None,
        "median_async_ms": statistics.median(a) if a else None,
        "within_window_pct": 100 * sum(abs(x) <= window_ms for x in a) / nb if nb else None,
        "R": abs(z) if z is not None else None,
        "iti_mean_ms": statistics.fmean(itis) if itis else None,
    }


# Beats and taps as pairs. On the coarse grid (beats on halves, taps on quarters of a
# second) a tap midway between two beats, and repeated times, are common; millisecond times
# are the realistic case. All differences stay far above float64 resolution, so ties are
# exact ties in both implementations.
def _grid(lo, hi, step, size):
    return st.lists(st.integers(lo, hi), max_size=size).map(lambda xs: sorted(x * step for x in xs))


pairs = st.one_of(
    st.tuples(_grid(0, 8, 0.5, 12), _grid(-2, 20, 0.25, 16)),
    st.tuples(_grid(0, 20, 0.5, 15), _grid(-2, 44, 0.25, 25)),
    st.tuples(_grid(-8, 80, 0.125, 25), _grid(-8, 80, 0.125, 25)),
    st.tuples(_grid(-2000, 20000, 0.001, 40), _grid(-2000, 20000, 0.001, 40)),
)


@PROPS
@given(pair=pairs)
def test_matcher_agrees_with_brute_force(pair):
    beats, taps = pair
    m = match_taps(beats, taps)
    assert lists(m) == brute_match(beats, taps)
    assert m.tap_beat.shape == (len(taps),) and m.beat_tap.shape == (len(beats),)


def test_brute_force_on_a_hand_case():
    beats = [0.0, 0.5, 0.5, 1.0, 1.5]
    taps = [0.25, 0.5, 0.5, 1.25, 3.0]
    # 0.25: tie beats 0/1 -> beat 0 (0.25 <= 0.25); 0.5, 0.5: beat 1 (first of the equal
    # pair), keeps tap 1; 1.25: tie beats 3/4 -> beat 3; 3.0: beyond beat 4's half interval.
    assert brute_match(beats, taps) == ([0, 1, -1, 3, -1], [0, 1, -1, 3, -1])
    assert lists(match_taps(beats, taps)) == brute_match(beats, taps)


def _hard(beats, taps) -> bool:
    """A case with matches, extras, misses, a beat-tie won by the earlier beat, and
    duplicate beat and tap times."""
    tb, bt = brute_match(beats, taps)
    won_tie = any(
        k >= 0 and k + 1 < len(beats) and beats[k] < beats[k + 1]
        and taps[i] - beats[k] == beats[k + 1] - taps[i]
        for i, k in enumerate(tb)
    )
    return (
        won_tie and -1 in tb and -1 in bt and any(k >= 0 for k in tb)
        and len(set(beats)) < len(beats) and len(set(taps)) < len(taps)
    )


def test_generated_cases_are_not_trivial():
    # The property tests below are only as good as their inputs: the strategy must reach
    # cases that exercise every rule at once.
    beats, taps = find(pairs, lambda bt: _hard(*bt), settings=PROPS)
    assert _hard(beats, taps)


@PROPS
@given(pair=pairs, window_ms=st.sampled_from([1.0, 50.0, 125.0, 400.0]))
def test_summary_agrees_with_brute_force(pair, window_ms):
    beats, taps = pair
    s = sms_summary(beats, taps, window_ms=window_ms)
    assert_types(s)
    ref = brute_summary(beats, taps, window_ms)
    assert s["n_beats"] == len(beats) and s["n_taps"] == len(taps)
    for k, v in ref.items():
        if v is None:
            assert s[k] is None, k
        else:
            assert s[k] == pytest.approx(v, rel=1e-9, abs=1e-9), k


# --------------------------------------------------------------- circular statistics

offsets = st.lists(st.floats(-0.24, 0.24, allow_nan=False), min_size=1, max_size=30)


@PROPS
@given(offs=offsets)
def test_circular_statistics_match_scipy(offs):
    # Isochronous beats 0.5 s apart, one tap per beat within a quarter interval: every tap
    # matches its own beat, so the expected phases are known without the matcher.
    beats = np.arange(len(offs) + 1) * 0.5
    taps = beats[:-1] + np.array(offs)
    phases = 2 * np.pi * np.array(offs) / 0.5
    s = sms_summary(beats, taps)
    assert s["matched"] == len(offs)
    # scipy: circstd = sqrt(-2 ln R) -> R = exp(-circstd^2 / 2)
    r_scipy = math.exp(-circstd(phases, high=np.pi, low=-np.pi) ** 2 / 2)
    assert s["R"] == pytest.approx(r_scipy, rel=1e-9, abs=1e-12)
    if s["R"] > 1e-6:
        expected = math.degrees(circmean(phases, high=np.pi, low=-np.pi))
        diff = (s["mean_phase_deg"] - expected + 180) % 360 - 180
        assert abs(diff) < 1e-6
        assert -180 < s["mean_phase_deg"] <= 180
    # Rayleigh by hand (Zar): exp(sqrt(1 + 4n + 4(n^2 - (nR)^2)) - (1 + 2n)), at most 1
    n, rn = len(offs), len(offs) * r_scipy
    p = min(1.0, math.exp(math.sqrt(1 + 4 * n + 4 * (n * n - rn * rn)) - (1 + 2 * n)))
    assert s["rayleigh_p"] == pytest.approx(p, rel=1e-6, abs=1e-12)
    assert 0 < s["rayleigh_p"] <= 1


def test_concentrated_phases_give_small_rayleigh_p():
    # 20 taps 30 ms early on a 0.5 s beat: phases all -0.12*pi, R = 1;
    # Zar: exp(sqrt(1 + 80 + 0) - 41) = exp(9 - 41) = exp(-32)
    beats = np.arange(21) * 0.5
    s = sms_summary(beats, beats[:-1] - 0.03)
    assert s["R"] == pytest.approx(1.0)
    assert s["mean_phase_deg"] == pytest.approx(-21.6)
    assert s["rayleigh_p"] == pytest.approx(math.exp(-32), rel=1e-6)


# --------------------------------------------------------------------------- CSV input


def write(tmp_path, text, name="t.csv"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_read_times_csv_reads_the_time_column(tmp_path):
    p = write(tmp_path, "\ufeffid, time_s ,note\n1,0.5,a\n\n2, 1.25 ,b\n3,1.25,c\n")
    assert read_times_csv(p).tolist() == [0.5, 1.25, 1.25]
    assert read_times_csv(str(p)).dtype == np.float64


def test_read_times_csv_header_only_is_empty(tmp_path):
    out = read_times_csv(write(tmp_path, "time_s\n"))
    assert out.shape == (0,)


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        ("", ["empty file", "time_s"]),
        ("t,onset\n1,2\n", ["line 1", "no column 'time_s'", "'t', 'onset'"]),
        ("time_s\n0.1\nabc\n", ["line 3", "'abc'", "not a number", "allowed"]),
        ("a,time_s\n1,0.1\n2\n", ["line 3", "no time_s value"]),
        ("time_s\n0.1\nnan\n", ["line 3", "'nan'", "not finite"]),
        ("time_s\n0.1\n-inf\n", ["line 3", "'-inf'", "not finite"]),
        ("time_s\n0.1\n0.5\n\n0.4\n", ["line 5", "0.4", "0.5", "line 3", "non-decreasing"]),
    ],
)
def test_read_times_csv_errors(tmp_path, text, needles):
    p = write(tmp_path, text)
    with pytest.raises(ValueError) as info:
        read_times_csv(p)
    msg = str(info.value)
    assert msg.startswith(str(p)) and "\n" not in msg
    for needle in needles:
        assert needle in msg


def test_read_times_csv_missing_file_and_folder(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        read_times_csv(tmp_path / "nope.csv")
    msg = str(info.value)
    assert msg.startswith(str(tmp_path / "nope.csv")) and "no such file" in msg
    with pytest.raises(OSError, match="is a folder"):
        read_times_csv(tmp_path)


def test_read_times_csv_not_utf8(tmp_path):
    p = tmp_path / "bin.csv"
    p.write_bytes(b"time_s\n\xff\xfe\n")
    with pytest.raises(ValueError, match="not UTF-8"):
        read_times_csv(p)
