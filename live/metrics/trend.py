"""Least-squares trend of a value over successive observations (taps, sessions).

The line ``y_k = intercept + slope * k`` over the index ``k = 0, 1, ..., n-1`` minimising the
sum of squared residuals (ordinary least squares). Used for the drift of inter-tap intervals
in continuation (DOMAIN.md, "Metrics": least-squares slope of ITI over the continuation taps)
and for a goal's trend across sessions in ``live report``. Pure functions; realtime-safe: no.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Trend", "least_squares_line", "trend", "MIN_TREND_POINTS"]

MIN_TREND_POINTS = 3  # two points always lie on their line: no scatter to compare a change with


def least_squares_line(values) -> tuple[float, float]:
    """(slope, intercept) of the least-squares line through ``(k, values[k])``, ``k = 0..n-1``.

    Parameters
    ----------
    values : array_like
        At least two finite numbers, in order, in any unit; the slope is in that unit per step.

    Returns
    -------
    (float, float)
        Slope per step and the line's value at ``k = 0``.
    """
    y = np.asarray(values, dtype=np.float64)
    if y.ndim != 1 or y.size < 2:
        raise ValueError(f"a line needs at least 2 values in a row, got shape {y.shape}")
    if not np.isfinite(y).all():
        raise ValueError("values must be finite")
    k = np.arange(y.size, dtype=np.float64)
    kc = k - k.mean()
    slope = float(np.dot(kc, y - y.mean()) / np.dot(kc, kc))
    return slope, float(y.mean() - slope * k.mean())


@dataclass(frozen=True, slots=True)
class Trend:
    """A least-squares trend over ``n`` successive values (unit: the values').

    Attributes
    ----------
    n : int
        Number of values (>= :data:`MIN_TREND_POINTS`).
    slope : float
        Change per step (per session, per tap).
    first, last : float
        The line's value at the first and at the last step.
    change : float
        ``last - first``: the change along the line over the whole span.
    residual_sd : float
        Scatter about the line: sqrt(sum of squared residuals / (n - 2)).
    """

    n: int
    slope: float
    first: float
    last: float
    change: float
    residual_sd: float

    @property
    def clear(self) -> bool:
        """True when the change along the line exceeds the scatter about it (``|change| > residual_sd``).

        A rule of thumb for a report's reader, not a significance test: with a few sessions a
        change no bigger than the session-to-session scatter is not read as a trend.
        """
        return abs(self.change) > self.residual_sd

    def at(self, k: float) -> float:
        """The line's value at step ``k`` (0 = the first value)."""
        return self.first + self.slope * k


def trend(values) -> Trend | None:
    """The least-squares :class:`Trend` of ``values`` in order; None for fewer than
    :data:`MIN_TREND_POINTS` values."""
    y = np.asarray(values, dtype=np.float64)
    if y.size < MIN_TREND_POINTS:
        return None
    slope, first = least_squares_line(y)
    k = np.arange(y.size, dtype=np.float64)
    resid = y - (first + slope * k)
    last = first + slope * (y.size - 1)
    return Trend(n=int(y.size), slope=slope, first=first, last=last, change=last - first,
                 residual_sd=float(np.sqrt(np.dot(resid, resid) / (y.size - 2))))
