"""Tap-along latency: hand-computed cases, refusals, and seeded synthetic tappers."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from live.calibration import Calibration, CalibrationError, estimate_latency


def test_hand_computed_with_one_outlier():
    # median 11; |deviations| sorted 0 0 1 1 1 1 2 2 89 -> MAD 1, scale max(1.4826, 1) ms,
    # keep within 3 * 1.4826 = 4.45 ms: 100 goes. Kept sorted 9 10 10 11 11 12 12 13:
    # median 11; below it 9 10 10 (median 10), above 12 12 13 (median 12);
    # quartiles at ranks 1.75 and 5.25: 10 and 12 -> IQR 2.
    cal = estimate_latency([10, 12, 11, 13, 9, 10, 11, 12, 100])
    assert cal == Calibration(
        latency_ms=11.0, n_taps=9, n_kept=8, n_early=3, n_late=3,
        early_median_ms=10.0, late_median_ms=12.0, iqr_ms=2.0, spread_ok=True,
    )


def test_hand_computed_even_count_nothing_trimmed():
    # median 27; |deviations| 7 5 3 1 1 3 5 7 -> MAD 4, keep within 17.8 ms: all kept.
    # Quartiles at ranks 1.75 and 5.25: 23.5 and 30.5.
    cal = estimate_latency([20, 22, 24, 26, 28, 30, 32, 34])
    assert (cal.latency_ms, cal.n_kept, cal.n_early, cal.n_late) == (27.0, 8, 4, 4)
    assert (cal.early_median_ms, cal.late_median_ms, cal.iqr_ms) == (23.0, 31.0, 7.0)


def test_machine_steady_taps_keep_a_one_frame_difference():
    # MAD 0: the 1 ms floor keeps offsets within 3 ms; 15 ms is trimmed.
    cal = estimate_latency([10.0] * 8 + [10.02, 15.0])
    assert (cal.latency_ms, cal.n_taps, cal.n_kept) == (10.0, 10, 9)
    assert (cal.n_early, cal.early_median_ms) == (0, None)
    assert (cal.n_late, cal.late_median_ms) == (1, 10.02)
    assert cal.iqr_ms == 0.0


def test_too_few_taps_is_refused_with_a_plain_message():
    with pytest.raises(CalibrationError) as err:
        estimate_latency([12, 14, 13, 12, 15])
    assert str(err.value) == "5 taps heard; at least 8 needed: tap along with every click until they stop"
    assert err.value.calibration is None
    with pytest.raises(CalibrationError, match="^1 tap heard; at least 3 needed"):
        estimate_latency([12], min_taps=3)


def test_too_few_close_taps_is_refused():
    with pytest.raises(CalibrationError) as err:
        estimate_latency([0, 0, 0, 0, 0, 0, 0, 100, 200, -300])
    assert str(err.value) == (
        "only 7 of 10 taps were close to the others; at least 8 needed: "
        "tap along more steadily and try again"
    )


def test_uneven_taps_are_refused_and_the_estimate_is_kept_for_display():
    # median 35; |deviations| 35 25 15 5 5 15 25 35 -> MAD 20: all kept.
    # Quartiles at ranks 1.75 and 5.25: 17.5 and 52.5 -> IQR 35.
    with pytest.raises(CalibrationError) as err:
        estimate_latency([0, 10, 20, 30, 40, 50, 60, 70])
    assert str(err.value) == (
        "taps varied by 35.0 ms (IQR); at most 30 ms allowed: tap along more steadily, "
        "or use a steadier input (--input midi, touch or mic)"
    )
    cal = err.value.calibration
    assert cal is not None and not cal.spread_ok
    assert (cal.latency_ms, cal.iqr_ms) == (35.0, 35.0)
    assert estimate_latency([0, 10, 20, 30, 40, 50, 60, 70], max_iqr_ms=35.0).spread_ok


def test_calibration_is_frozen():
    cal = estimate_latency([5.0] * 8)
    with pytest.raises(dataclasses.FrozenInstanceError):
        cal.latency_ms = 0.0  # type: ignore[misc]
    assert not hasattr(cal, "__dict__")  # slotted


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_non_numbers_are_a_programming_error(bad):
    with pytest.raises(ValueError, match=r"offsets_ms\[2\]: .*: must be a finite number of ms"):
        estimate_latency([1.0, 2.0, bad] + [1.0] * 8)


def test_machine_tapper_with_outliers_recovered_within_half_a_millisecond():
    # A harness tapping with a known extra latency: 0.5 ms SD of jitter, stamps quantised to
    # whole frames at 48 kHz, and a few gross outliers (missed clicks, double taps). The
    # median of 40 taps has SD ~1.25 * 0.5 / sqrt(40) = 0.1 ms, so 0.5 ms is 5 SDs.
    frame_ms = 1000 / 48000
    for seed in range(50):
        rng = np.random.default_rng(seed)
        latency_ms = rng.uniform(5, 80)
        taps = latency_ms + rng.normal(0, 0.5, 40)
        taps = np.round(taps / frame_ms) * frame_ms
        taps[rng.choice(40, 4, replace=False)] = [250.0, -300.0, 180.0, 600.0]
        cal = estimate_latency(taps.tolist())
        assert abs(cal.latency_ms - latency_ms) <= 0.5
        assert cal.n_kept == 36 and cal.n_early + cal.n_late <= 36


def test_human_tapper_error_matches_the_median_s_sampling_error():
    # Tap noise SD 12 ms, 60 taps, 3 outliers: the median's SD is about
    # 1.2533 * 12 / sqrt(57) = 2.0 ms. Over 300 seeded sessions the error's SD is within 20 %
    # of that, and its mean within 3 standard errors of 0 (no bias from the trimming).
    errors = []
    for seed in range(300):
        rng = np.random.default_rng(1000 + seed)
        taps = 40.0 + rng.normal(0, 12, 60)
        taps[:3] = [400.0, -250.0, 300.0]
        errors.append(estimate_latency(taps.tolist()).latency_ms - 40.0)
    errors = np.array(errors)
    expected_sd = 1.2533 * 12 / np.sqrt(57)
    assert errors.std() == pytest.approx(expected_sd, rel=0.2)
    assert abs(errors.mean()) <= 3 * expected_sd / np.sqrt(len(errors))
