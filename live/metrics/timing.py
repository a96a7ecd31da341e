"""Tempo and period metrics of a tapping phase: free tapping, continuation, tempo following,
recovery after a perturbation.

Definitions: DOMAIN.md, "Metrics" (inter-tap interval, period error, drift, tempo-following
ratio); docs/metrics.md states them for therapists. Times go in as seconds (``_s``) and come out
as milliseconds (``_ms``) or plain ratios; undefined values are None (never NaN). Pure functions.

Realtime-safe: no.
"""

from __future__ import annotations


import numpy as np

from live.metrics.sms import check_times
from live.metrics.trend import least_squares_line

__all__ = ["free_tapping_summary", "continuation_summary", "tempo_following_ratio", "recovery_summary",
           "FREE_KEYS", "CONTINUATION_KEYS"]

#: Keys of :func:`free_tapping_summary`, in order.
FREE_KEYS = ("n_taps", "iti_mean_ms", "iti_sd_ms", "iti_cv", "cadence_bpm")
#: Keys of :func:`continuation_summary`, in order.
CONTINUATION_KEYS = FREE_KEYS + ("last_cue_interval_ms", "period_error_ms", "drift_ms_per_tap")


def _iti_ms(taps_s) -> np.ndarray:
    return np.diff(check_times(taps_s, "taps")) * 1000.0


def free_tapping_summary(taps_s) -> dict[str, float | int | None]:
    """Inter-tap intervals of taps made without a cue (a baseline or a continuation phase).

    Parameters
    ----------
    taps_s : array_like
        Tap times in seconds, finite and non-decreasing.

    Returns
    -------
    dict
        ``n_taps``; ``iti_mean_ms`` (mean of ``I_k = t_k - t_{k-1}``, >= 2 taps);
        ``iti_sd_ms`` (sample SD, >= 3 taps); ``iti_cv`` = SD / mean (>= 3 taps, mean > 0);
        ``cadence_bpm`` = 60000 / mean ITI (taps or steps per minute).
    """
    iti = _iti_ms(taps_s)
    out: dict[str, float | int | None] = dict.fromkeys(FREE_KEYS)
    out["n_taps"] = int(iti.size + 1) if np.size(taps_s) else 0
    if iti.size >= 1:
        mean = float(np.mean(iti))
        out["iti_mean_ms"] = mean
        out["cadence_bpm"] = 60000.0 / mean if mean > 0 else None
        if iti.size >= 2:
            sd = float(np.std(iti, ddof=1))
            out["iti_sd_ms"] = sd
            out["iti_cv"] = sd / mean if mean > 0 else None
    return out


def continuation_summary(taps_s, *, last_cue_interval_s: float) -> dict[str, float | int | None]:
    """Synchronisation-continuation: how the client keeps the tempo after the cue stops.

    Definitions (DOMAIN.md, "Metrics"): period error = mean ITI - last cue interval (ms;
    positive = slower than the cue); drift = least-squares slope of ITI against its index over
    the continuation taps (ms per tap; positive = slowing down). ITI statistics as in
    :func:`free_tapping_summary`.

    Parameters
    ----------
    taps_s : array_like
        Continuation tap times in seconds, finite and non-decreasing.
    last_cue_interval_s : float
        The cue's last inter-beat interval before it stopped, seconds.

    Returns
    -------
    dict
        :data:`CONTINUATION_KEYS`; ``drift_ms_per_tap`` needs >= 3 taps (2 intervals).
    """
    out = free_tapping_summary(taps_s)
    iti = _iti_ms(taps_s)
    last_ms = 1000.0 * float(last_cue_interval_s)
    out["last_cue_interval_ms"] = last_ms
    out["period_error_ms"] = None if out["iti_mean_ms"] is None else out["iti_mean_ms"] - last_ms
    out["drift_ms_per_tap"] = None
    if iti.size >= 2:
        out["drift_ms_per_tap"] = least_squares_line(iti)[0]
    return out


def tempo_following_ratio(beats_s, taps_s) -> float | None:
    """Client's mean inter-tap interval over the cue's mean interval in the same phase.

    DOMAIN.md, "Metrics": 1.0 = the client follows the cue's tempo exactly; above 1 slower,
    below 1 faster. Mean intervals are (last - first) / (count - 1).

    Parameters
    ----------
    beats_s, taps_s : array_like
        The phase's beat and tap times in seconds, finite and non-decreasing.

    Returns
    -------
    float or None
        None with fewer than 2 beats or 2 taps.
    """
    beats = check_times(beats_s, "beats")
    taps = check_times(taps_s, "taps")
    if beats.size < 2 or taps.size < 2 or beats[-1] == beats[0]:
        return None
    cue = (beats[-1] - beats[0]) / (beats.size - 1)
    client = (taps[-1] - taps[0]) / (taps.size - 1)
    return float(client / cue)


def recovery_summary(async_ms, at_beats, signs=None, *, recovery_beats: int,
                     before_beats: int = 3) -> dict[str, float | int | None]:
    """How the asynchrony recovers after perturbations of the cue (phase shifts, tempo steps).

    For each perturbed beat ``p`` the reference is the mean asynchrony of the ``before_beats``
    beats before it; the deviation at lag ``j`` is ``sign * (A_{p+j} - reference)`` (ms), so that
    perturbations of either sign add up (a beat shifted later makes the asynchrony jump early:
    with sign +1 for it, the deviation is negative and recovers towards 0). Recovery is the
    first lag ``j >= 1`` at which ``|deviation|`` is at most half its value at lag 0 (a half-life in
    beats; Repp 2005, Psychon. Bull. Rev. 12:969-992, for phase-shift responses).

    Parameters
    ----------
    async_ms : array_like of float, shape (n_beats,)
        Asynchrony of each beat of the phase (NaN where the beat was missed).
    at_beats : sequence of int
        Indices (into ``async_ms``) of the perturbed beats.
    signs : sequence of {+1, -1}, optional
        Sign of each perturbation (default all +1).
    recovery_beats : int
        Lags 0..recovery_beats are reported.
    before_beats : int
        Beats before each perturbation that give its reference asynchrony.

    Returns
    -------
    dict
        ``perturbations`` (count); ``recovery_half_beats`` (median over perturbations of the
        half-life in beats; None when none recovered within ``recovery_beats``); and
        ``deviation_lag{j}_ms`` for j = 0..recovery_beats: the mean deviation at that lag.
    """
    a = np.asarray(async_ms, dtype=np.float64)
    curves, halves = [], []
    signs = [1] * len(at_beats) if signs is None else list(signs)
    for p, sign in zip(at_beats, signs):
        lo = p - before_beats
        if lo < 0 or p >= a.size:
            continue
        ref = a[lo:p]
        ref = ref[np.isfinite(ref)]
        if ref.size == 0:
            continue
        curve = np.full(recovery_beats + 1, np.nan)
        seg = sign * (a[p : p + recovery_beats + 1] - float(np.mean(ref)))
        curve[: seg.size] = seg
        curves.append(curve)
        if np.isfinite(curve[0]):
            later = np.flatnonzero(np.abs(curve[1:]) <= 0.5 * abs(curve[0]))
            if later.size:
                halves.append(int(later[0]) + 1)
    out: dict[str, float | int | None] = {"perturbations": len(curves),
                                          "recovery_half_beats": float(np.median(halves)) if halves else None}
    stack = np.array(curves) if curves else np.full((1, recovery_beats + 1), np.nan)
    for j in range(recovery_beats + 1):
        col = stack[:, j]
        col = col[np.isfinite(col)]
        out[f"deviation_lag{j}_ms"] = float(np.mean(col)) if col.size else None
    return out


