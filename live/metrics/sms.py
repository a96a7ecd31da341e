"""Sensorimotor synchronisation (SMS): taps matched to beats, asynchrony, phase, tap intervals.

Every definition here is the one in DOMAIN.md ("Metrics"); docs/metrics.md states them for
therapists and maintainers. Times go in as seconds (``_s``) and come out as milliseconds
(``_ms``), degrees (``_deg``) or plain numbers. All functions are pure.

Realtime-safe: no (allocates; run it on scored sessions, never in the audio callback).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["Matching", "check_times", "match_taps", "sms_summary", "SUMMARY_KEYS"]

#: Keys of :func:`sms_summary`, in order.
SUMMARY_KEYS: tuple[str, ...] = (
    "n_beats", "n_taps", "matched", "missed", "extra",
    "mean_async_ms", "sd_async_ms", "median_async_ms", "within_window_pct",
    "R", "mean_phase_deg", "rayleigh_p",
    "iti_mean_ms", "iti_cv",
)

# Below this mean resultant length the mean phase angle is noise, and is reported as None.
_R_ZERO = 1e-12


def check_times(times_s, what: str) -> np.ndarray:
    """Validate a sequence of event times and return it as a read-only 1-D float64 array.

    Parameters
    ----------
    times_s : array_like
        Event times in seconds, one dimension.
    what : str
        Name of the sequence (``"beats"``, ``"taps"``), used in error messages.

    Returns
    -------
    numpy.ndarray
        The times as float64, shape ``(n,)``, not writeable.

    Raises
    ------
    ValueError
        If the times are not a 1-D sequence of numbers, if one is NaN or infinite, or if one
        is smaller than the one before it. The message names ``what``, the row index
        (0-based) and the value, e.g. ``taps: row 3: 1.2 is less than the previous row's
        1.5 (times must be non-decreasing)``.
    """
    try:
        arr = np.array(times_s, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"{what}: not a sequence of numbers ({exc}); times must be seconds"
        ) from None
    if arr.ndim != 1:
        raise ValueError(f"{what}: has shape {arr.shape}; times must be a 1-D sequence of seconds")
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        i = int(bad[0])
        raise ValueError(
            f"{what}: row {i}: {arr[i]!r} is not finite (times must be finite seconds)"
        )
    down = np.flatnonzero(np.diff(arr) < 0)
    if down.size:
        i = int(down[0]) + 1
        raise ValueError(
            f"{what}: row {i}: {arr[i]!r} is less than the previous row's {arr[i - 1]!r} "
            "(times must be non-decreasing)"
        )
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True, slots=True)
class Matching:
    """Which tap belongs to which beat (arrays are read-only).

    Attributes
    ----------
    tap_beat : numpy.ndarray of int, shape (n_taps,)
        For each tap, the index of the beat it is matched to, or -1 for an extra tap.
    beat_tap : numpy.ndarray of int, shape (n_beats,)
        For each beat, the index of its tap, or -1 for a missed beat.
    intervals_s : numpy.ndarray of float, shape (n_beats,)
        Interval of each beat in seconds: next beat minus this beat; for the last beat, this
        beat minus the one before. NaN for a lone beat (undefined with fewer than 2 beats).
    """

    tap_beat: np.ndarray
    beat_tap: np.ndarray
    intervals_s: np.ndarray


def _frozen(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


def beat_intervals_s(beats_s: np.ndarray) -> np.ndarray:
    """Interval of each beat in seconds (DOMAIN.md, "Metrics": the IOI of the phase).

    Parameters
    ----------
    beats_s : numpy.ndarray
        Checked beat times in seconds (see :func:`check_times`).

    Returns
    -------
    numpy.ndarray
        ``beats_s[k+1] - beats_s[k]``, and for the last beat ``beats_s[-1] - beats_s[-2]``.
        With one beat the interval is undefined: ``[nan]``. With none: empty.
    """
    n = beats_s.size
    if n < 2:
        return np.full(n, np.nan)
    d = np.diff(beats_s)
    return np.append(d, d[-1])


def match_taps(beats_s, taps_s) -> Matching:
    """Match each tap to at most one beat and each beat to at most one tap.

    The rule (DOMAIN.md, "Metrics"; docs/metrics.md, "Matching"):

    1. Each tap goes to its nearest beat (a tie between two beats goes to the earlier beat,
       i.e. the lower index, also among equal beat times) if the distance is at most half
       that beat's interval (see :func:`beat_intervals_s`); otherwise the tap is extra.
    2. A beat that received several taps keeps the nearest one (a tie goes to the earlier
       tap); the others are extra. They are not offered to another beat.
    3. Beats without a tap are missed.

    With fewer than 2 beats no interval is defined, so no tap matches: every tap is extra
    and every beat missed.

    Runs in O((n_beats + n_taps) log(n_beats + n_taps)) time (binary search, then a sort).

    Parameters
    ----------
    beats_s : array_like
        Beat times in seconds, finite and non-decreasing.
    taps_s : array_like
        Tap times in seconds, finite and non-decreasing.

    Returns
    -------
    Matching

    Raises
    ------
    ValueError
        If either sequence fails :func:`check_times`.
    """
    beats = check_times(beats_s, "beats")
    taps = check_times(taps_s, "taps")
    intervals = _frozen(beat_intervals_s(beats))
    tap_beat = np.full(taps.size, -1, dtype=np.intp)
    beat_tap = np.full(beats.size, -1, dtype=np.intp)
    if beats.size < 2 or taps.size == 0:
        return Matching(_frozen(tap_beat), _frozen(beat_tap), intervals)

    # Nearest beat on each side, each the first of its run of equal beat times, so that a
    # tie (equal distance) always resolves to the lowest index.
    right = np.searchsorted(beats, taps, side="left")  # first beat >= tap
    has_right = right < beats.size
    has_left = right > 0
    left_val = beats[np.maximum(right - 1, 0)]
    left = np.searchsorted(beats, left_val, side="left")
    d_left = np.where(has_left, taps - left_val, np.inf)
    d_right = np.where(has_right, beats[np.minimum(right, beats.size - 1)] - taps, np.inf)
    take_left = d_left <= d_right
    nearest = np.where(take_left, left, right)
    dist = np.where(take_left, d_left, d_right)
    inside = dist <= 0.5 * intervals[np.minimum(nearest, beats.size - 1)]

    # Each beat keeps its nearest candidate tap; ties go to the earlier tap.
    cand = np.flatnonzero(inside)
    if cand.size:
        cb = nearest[cand]
        order = np.lexsort((cand, dist[cand], cb))
        cb_sorted = cb[order]
        first = np.ones(order.size, dtype=bool)
        first[1:] = cb_sorted[1:] != cb_sorted[:-1]
        kept = cand[order[first]]
        tap_beat[kept] = nearest[kept]
        beat_tap[nearest[kept]] = kept
    return Matching(_frozen(tap_beat), _frozen(beat_tap), intervals)


def _float(x) -> float | None:
    """A Python float, or None when undefined (NaN never leaves this module)."""
    x = float(x)
    return None if math.isnan(x) else x


def rayleigh_p(n: int, r: float) -> float | None:
    """Rayleigh test p-value by Zar's approximation.

    ``p = exp(sqrt(1 + 4n + 4(n^2 - (nR)^2)) - (1 + 2n))``, capped at 1
    (DOMAIN.md, "Metrics"; Zar 1999, *Biostatistical Analysis*, 4th ed., eq. 27.4).

    Parameters
    ----------
    n : int
        Number of angles (matched taps).
    r : float
        Mean resultant length, 0..1.

    Returns
    -------
    float or None
        The p-value, None when ``n == 0``.
    """
    if n == 0:
        return None
    rn = n * r
    return min(1.0, math.exp(math.sqrt(1 + 4 * n + 4 * (n * n - rn * rn)) - (1 + 2 * n)))


def sms_summary(beats_s, taps_s, *, window_ms: float = 50.0) -> dict[str, float | int | None]:
    """Asynchrony, circular and inter-tap-interval statistics of one tapping run.

    Definitions: DOMAIN.md, "Metrics"; docs/metrics.md. Taps are matched by
    :func:`match_taps`. For a matched tap, asynchrony ``a = tap - beat`` (ms, negative =
    early) and phase ``phi = 2*pi*a / interval`` of its beat (radians; 0 when that interval
    is 0, which happens only for a repeated beat time, and then ``a = 0``). Circular
    statistics follow Fisher (1993), *Statistical Analysis of Circular Data*, and Mardia &
    Jupp (2000), *Directional Statistics*; the Rayleigh p-value Zar (1999), eq. 27.4.

    Parameters
    ----------
    beats_s : array_like
        Beat times in seconds, finite and non-decreasing.
    taps_s : array_like
        Tap times in seconds, finite and non-decreasing.
    window_ms : float, keyword-only
        Tolerance for ``within_window_pct`` in milliseconds, finite and > 0.

    Returns
    -------
    dict
        Keys in this order (:data:`SUMMARY_KEYS`); counts are ``int``, the rest ``float``
        or None when undefined (never NaN):

        - ``n_beats``, ``n_taps`` : int -- sizes of the inputs.
        - ``matched`` : int -- taps matched to a beat (= beats that have a tap).
        - ``missed`` : int -- beats without a tap, ``n_beats - matched``.
        - ``extra`` : int -- taps not matched, ``n_taps - matched``.
        - ``mean_async_ms``, ``median_async_ms`` : ms, None when ``matched == 0``.
        - ``sd_async_ms`` : ms, sample SD (n-1), None when ``matched < 2``.
        - ``within_window_pct`` : % of *beats* whose tap has ``|a| <= window_ms``,
          None when ``n_beats == 0``.
        - ``R`` : mean resultant length ``|mean(exp(i*phi))|``, 0..1, None when
          ``matched == 0``.
        - ``mean_phase_deg`` : circular mean of ``phi`` in degrees, in (-180, 180], None when
          ``matched == 0`` or ``R <= 1e-12``.
        - ``rayleigh_p`` : Zar's approximation with ``n = matched``, capped at 1, None when
          ``matched == 0``.
        - ``iti_mean_ms`` : mean inter-tap interval over all taps in order, ms, None with
          fewer than 2 taps.
        - ``iti_cv`` : sample SD / mean of those intervals, None with fewer than 3 taps or a
          mean of 0.

    Raises
    ------
    ValueError
        If the times fail :func:`check_times` or ``window_ms`` is not finite and > 0.
    """
    window_ms = float(window_ms)
    if not (math.isfinite(window_ms) and window_ms > 0):
        raise ValueError(f"window_ms: {window_ms!r}: must be a finite number of milliseconds > 0")
    beats = check_times(beats_s, "beats")
    taps = check_times(taps_s, "taps")
    m = match_taps(beats, taps)

    hit = m.tap_beat >= 0
    beat_of = m.tap_beat[hit]
    n = int(beat_of.size)
    async_ms = (taps[hit] - beats[beat_of]) * 1000.0
    iv = m.intervals_s[beat_of]
    phase = np.divide(2 * np.pi * (taps[hit] - beats[beat_of]), iv,
                      out=np.zeros(n), where=iv > 0)

    out: dict[str, float | int | None] = dict.fromkeys(SUMMARY_KEYS)
    out["n_beats"] = int(beats.size)
    out["n_taps"] = int(taps.size)
    out["matched"] = n
    out["missed"] = int(beats.size) - n
    out["extra"] = int(taps.size) - n
    if n:
        out["mean_async_ms"] = _float(np.mean(async_ms))
        out["median_async_ms"] = _float(np.median(async_ms))
        z = np.mean(np.exp(1j * phase))
        r = float(abs(z))
        out["R"] = r
        if r > _R_ZERO:
            deg = math.degrees(math.atan2(z.imag, z.real))
            out["mean_phase_deg"] = deg + 360.0 if deg <= -180.0 else deg
        out["rayleigh_p"] = rayleigh_p(n, r)
    if n >= 2:
        out["sd_async_ms"] = _float(np.std(async_ms, ddof=1))
    if beats.size:
        within = int(np.count_nonzero(np.abs(async_ms) <= window_ms))
        out["within_window_pct"] = 100.0 * within / beats.size
    if taps.size >= 2:
        iti_ms = np.diff(taps) * 1000.0
        mean = float(np.mean(iti_ms))
        out["iti_mean_ms"] = _float(mean)
        if taps.size >= 3 and mean != 0.0:
            out["iti_cv"] = _float(np.std(iti_ms, ddof=1) / mean)
    return out
