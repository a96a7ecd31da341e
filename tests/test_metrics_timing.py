"""bGLS alpha and the tempo/period metrics, against hand-computed values and independent code."""

from __future__ import annotations

import numpy as np
import pytest

from live.metrics.bgls import alpha_bgls, dst1
from live.metrics.timing import (
    CONTINUATION_KEYS,
    FREE_KEYS,
    continuation_summary,
    free_tapping_summary,
    recovery_summary,
    tempo_following_ratio,
)


def _phase_correction_run(alpha, n, seed, *, sd_t=20.0, sd_m=5.0, interval=600.0, mu=-30.0):
    """Taps of the linear phase-correction model, written out here (not the project's tapper)."""
    rng = np.random.default_rng(seed)
    m = rng.normal(0, sd_m, n)
    t = rng.normal(0, sd_t, n)
    d = np.empty(n)
    d[0] = t[0] + m[0]
    for k in range(1, n):
        d[k] = (1 - alpha) * d[k - 1] + t[k] + m[k] - m[k - 1]
    taps = np.arange(n) * interval + mu + d
    asyn = taps - np.arange(n) * interval
    return np.diff(taps), asyn[:-1]


def test_dst1_is_the_orthonormal_sine_transform_and_its_own_inverse():
    for n in (1, 2, 7, 64):
        x = np.random.default_rng(n).normal(size=(n, 3))
        j = np.arange(1, n + 1)
        s = np.sqrt(2 / (n + 1)) * np.sin(np.pi * np.outer(j, j) / (n + 1))
        np.testing.assert_allclose(dst1(x), s @ x, atol=1e-12)
        np.testing.assert_allclose(dst1(dst1(x)), x, atol=1e-12)


def test_bgls_recovers_alpha_where_ordinary_least_squares_is_biased():
    """50 runs of 300 taps each: bGLS is unbiased; OLS is biased upwards by the MA(1) error,
    the more so the larger the motor noise."""
    for alpha, sd_t, sd_m, ols_bias in ((0.3, 20.0, 5.0, 0.02), (0.4, 15.0, 8.0, 0.1)):
        est, ols = [], []
        for seed in range(50):
            iti, asyn = _phase_correction_run(alpha, 300, seed, sd_t=sd_t, sd_m=sd_m)
            est.append(alpha_bgls(iti, asyn, np.zeros(iti.size)).alpha)
            x = np.column_stack([asyn, np.ones(asyn.size)])
            ols.append(-np.linalg.lstsq(x, iti, rcond=None)[0][0])
        assert abs(np.mean(est) - alpha) <= 0.02, alpha
        assert np.mean(ols) - alpha > ols_bias, alpha


def test_bgls_fit_is_the_gls_solution_of_its_own_covariance_with_gaps():
    """The final coefficients solve the dense GLS problem with the block-tridiagonal covariance
    (an independent computation with a matrix inverse), runs split where beats were missed."""
    iti, asyn = _phase_correction_run(0.5, 120, 3, sd_t=15, sd_m=8)
    runs = np.repeat([0, 1, 2], [50, 1, 68])
    fit = alpha_bgls(iti, asyn, runs)
    k12 = -fit.sigma_m_ms ** 2
    k11 = fit.sigma_t_ms ** 2 + 2 * fit.sigma_m_ms ** 2
    cov = np.diag(np.full(iti.size, k11))
    for i in range(iti.size - 1):
        if runs[i] == runs[i + 1]:
            cov[i, i + 1] = cov[i + 1, i] = k12
    x = np.column_stack([asyn, np.ones(asyn.size)])
    inv = np.linalg.inv(cov)
    coef = np.linalg.solve(x.T @ inv @ x, x.T @ inv @ iti)
    # The fit is the fixed point: one more GLS step with its covariance moves alpha by < 1e-6.
    assert -coef[0] == pytest.approx(fit.alpha, abs=1e-5)
    assert coef[1] == pytest.approx(fit.period_ms, abs=1e-3)
    assert 0 <= fit.sigma_m_ms <= fit.sigma_t_ms  # inside the bounds


def test_bgls_undefined_cases():
    assert alpha_bgls([600, 600], [1.0, 2.0], [0, 0]) is None  # fewer than 3 pairs
    assert alpha_bgls([600, 600, 600], [5.0, 5.0, 5.0], [0, 0, 0]) is None  # no variation


def test_free_tapping_hand_values():
    s = free_tapping_summary([0.0, 0.5, 1.1, 1.6])  # intervals 500, 600, 500 ms
    assert list(s) == list(FREE_KEYS)
    assert s["n_taps"] == 4
    assert s["iti_mean_ms"] == pytest.approx(1600 / 3)
    assert s["iti_sd_ms"] == pytest.approx(np.std([500, 600, 500], ddof=1))
    assert s["iti_cv"] == pytest.approx(s["iti_sd_ms"] / s["iti_mean_ms"])
    assert s["cadence_bpm"] == pytest.approx(60000 / (1600 / 3))
    assert free_tapping_summary([]) == dict.fromkeys(FREE_KEYS) | {"n_taps": 0}
    one = free_tapping_summary([1.0, 1.5])
    assert one["iti_mean_ms"] == pytest.approx(500) and one["iti_cv"] is None


def test_continuation_period_error_and_drift_exact_on_a_linear_slowdown():
    intervals = 0.5 + 0.002 * np.arange(20)  # 500 ms, slowing by 2 ms per tap
    taps = np.r_[0.0, np.cumsum(intervals)]
    s = continuation_summary(taps, last_cue_interval_s=0.5)
    assert list(s) == list(CONTINUATION_KEYS)
    assert s["drift_ms_per_tap"] == pytest.approx(2.0)
    assert s["period_error_ms"] == pytest.approx(1000 * intervals.mean() - 500)
    assert s["last_cue_interval_ms"] == pytest.approx(500)
    short = continuation_summary([0.0, 0.5], last_cue_interval_s=0.5)
    assert short["drift_ms_per_tap"] is None and short["period_error_ms"] == pytest.approx(0.0)


def test_tempo_following_ratio():
    beats = np.arange(11) * 0.6
    assert tempo_following_ratio(beats, beats - 0.03) == pytest.approx(1.0)
    assert tempo_following_ratio(beats, np.arange(11) * 0.63) == pytest.approx(1.05)
    assert tempo_following_ratio(beats[:1], beats) is None
    assert tempo_following_ratio(beats, []) is None


def test_recovery_curve_half_life_and_signs():
    base = np.full(40, -30.0)
    a = base.copy()
    a[10:18] = -30 - 50 * 0.6 ** np.arange(8)  # +50 ms shift at beat 10: taps 50 ms early, then 0.6x
    a[25:33] = -30 + 50 * 0.6 ** np.arange(8)  # -50 ms shift at beat 25
    s = recovery_summary(a, [10, 25], [1, -1], recovery_beats=4)
    assert s["perturbations"] == 2
    assert [s[f"deviation_lag{j}_ms"] for j in range(5)] == pytest.approx([-50 * 0.6 ** j for j in range(5)])
    assert s["recovery_half_beats"] == 2.0  # 0.6 > 0.5 after one beat, 0.36 after two
    a[12] = np.nan  # a missed beat is left out of the mean
    assert recovery_summary(a, [10], recovery_beats=4)["deviation_lag2_ms"] is None
    assert recovery_summary(a, [1], recovery_beats=4)["perturbations"] == 0  # no beats before it
