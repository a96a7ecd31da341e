"""The phase-correction gain alpha of a tapping run, by bounded generalised least squares (bGLS).

Model (linear phase correction; Vorberg & Wing 1996; Vorberg & Schulze 2002), for taps ``t_n``
synchronised with beats ``b_n`` and asynchronies ``A_n = t_n - b_n``::

    t_{n+1} - t_n = P - alpha * A_n + T_n + M_{n+1} - M_n

``P`` the tapper's period (constant within a phase), ``T_n ~ N(0, sigma_T^2)`` timekeeper noise,
``M_n ~ N(0, sigma_M^2)`` motor noise. Regressing the inter-tap interval on the asynchrony
(with an intercept for ``P``) is a linear model whose errors ``e_n = T_n + M_{n+1} - M_n`` are
MA(1)-correlated: ``var e = sigma_T^2 + 2 sigma_M^2``, ``cov(e_n, e_{n+1}) = -sigma_M^2``. Ordinary
least squares is biased by that correlation; bGLS (Jacoby, Tishby, Repp, Ahissar & Keller 2015,
"Parameter estimation of linear sensorimotor synchronization models: phase correction, period
correction and ensemble synchronization", Timing & Time Perception 3:52-87) alternates a
generalised-least-squares fit with the error covariance estimated from its residuals, keeping
the covariance bounded (``K11 = sigma_T^2 + 2 sigma_M^2``, ``K12 = -sigma_M^2``; here
``-K11/3 <= K12 <= 0``, i.e. ``0 <= sigma_M <= sigma_T``: motor noise no larger than timekeeper
noise, tighter than the variances' positivity alone, which gave a smaller spread of alpha on
simulated runs), until the estimate converges. This is our own implementation from that description.

The error covariance of a run of consecutive pairs is tridiagonal Toeplitz, so it is diagonal in
the orthonormal DST-I basis (eigenvalues ``K11 + 2 K12 cos(pi j / (n + 1))``): each iteration is
a weighted least-squares fit in that basis, O(n) after one O(n log n) transform. Pure; no scipy.

Realtime-safe: no.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["BglsFit", "alpha_bgls", "dst1"]


@dataclass(frozen=True, slots=True)
class BglsFit:
    """Result of :func:`alpha_bgls`.

    Attributes
    ----------
    alpha : float
        Phase-correction gain (0 = none, 1 = full correction of each asynchrony).
    sigma_t_ms, sigma_m_ms : float
        Timekeeper and motor noise SDs (ms) from the final covariance.
    period_ms : float
        The intercept: the tapper's period at zero asynchrony.
    n_pairs : int
        Consecutive (tap, next tap) pairs used.
    iterations : int
        GLS iterations until the estimate moved less than ``tol``.
    """

    alpha: float
    sigma_t_ms: float
    sigma_m_ms: float
    period_ms: float
    n_pairs: int
    iterations: int


def dst1(x: np.ndarray) -> np.ndarray:
    """Orthonormal type-I discrete sine transform along axis 0 (its own inverse).

    ``y_k = sqrt(2/(n+1)) * sum_j x_j sin(pi (j+1)(k+1) / (n+1))`` for ``j, k = 0..n-1``,
    computed through an FFT of the odd extension of ``x``.
    """
    x = np.asarray(x, dtype=np.float64)
    n = x.shape[0]
    zero = np.zeros((1,) + x.shape[1:])
    ext = np.concatenate([zero, x, zero, -x[::-1]], axis=0)
    return -np.fft.rfft(ext, axis=0).imag[1 : n + 1] * math.sqrt(0.5 / (n + 1))


def alpha_bgls(iti_ms, async_ms, runs, *, max_iter: int = 100, tol: float = 1e-7) -> BglsFit | None:
    """Estimate the phase-correction gain alpha by bGLS (Jacoby et al. 2015).

    Parameters
    ----------
    iti_ms : array_like, shape (n,)
        Inter-tap interval ``t_{n+1} - t_n`` (ms) of each pair of taps matched to consecutive beats.
    async_ms : array_like, shape (n,)
        Asynchrony ``A_n`` (ms) of the first tap of each pair.
    runs : array_like of int, shape (n,)
        Label of the unbroken run each pair belongs to: pairs with the same label are
        consecutive (the second tap of one is the first of the next), so their errors are
        correlated; pairs of different runs (separated by a missed beat) are not.
    max_iter : int
        At most this many GLS iterations.
    tol : float
        Stop when alpha changes by less than this.

    Returns
    -------
    BglsFit or None
        None with fewer than 3 pairs or no variation in the asynchronies (alpha undefined).
    """
    y = np.asarray(iti_ms, dtype=np.float64)
    a = np.asarray(async_ms, dtype=np.float64)
    labels = np.asarray(runs)
    n = y.size
    if n < 3 or a.shape != (n,) or labels.shape != (n,) or np.ptp(a) == 0.0:
        return None
    x = np.column_stack([a, np.ones(n)])
    # Split into runs; transform each run's X and y once into its DST-I basis.
    cuts = np.flatnonzero(labels[1:] != labels[:-1]) + 1
    bounds = np.r_[0, cuts, n]
    xs, ys, cosines = [], [], []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        m = hi - lo
        xs.append(dst1(x[lo:hi]))
        ys.append(dst1(y[lo:hi]))
        cosines.append(np.cos(np.pi * np.arange(1, m + 1) / (m + 1)))
    xs, ys, cosines = np.concatenate(xs), np.concatenate(ys), np.concatenate(cosines)
    same_run = labels[1:] == labels[:-1]
    n_adjacent = int(np.count_nonzero(same_run))

    k11, k12 = 1.0, 0.0  # start from OLS
    coef = np.zeros(2)
    alpha_prev = math.inf
    it = 0
    for it in range(1, max_iter + 1):
        w = 1.0 / (k11 + 2.0 * k12 * cosines)
        xtw = xs.T * w
        coef = np.linalg.solve(xtw @ xs, xtw @ ys)
        r = y - x @ coef
        k11 = float(np.mean(r * r))
        k12 = float(np.sum((r[1:] * r[:-1])[same_run]) / n_adjacent) if n_adjacent else 0.0
        if k11 <= 0.0:
            break
        k12 = min(0.0, max(k12, -k11 / 3.0))  # the bound: sigma_M^2 >= 0 and sigma_T^2 >= sigma_M^2
        if abs(-coef[0] - alpha_prev) < tol:
            break
        alpha_prev = -coef[0]
    return BglsFit(
        alpha=float(-coef[0]),
        sigma_t_ms=math.sqrt(max(k11 + 2.0 * k12, 0.0)),
        sigma_m_ms=math.sqrt(max(-k12, 0.0)),
        period_ms=float(coef[1]),
        n_pairs=n,
        iterations=it,
    )
