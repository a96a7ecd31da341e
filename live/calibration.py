"""Input latency from a tap-along: a robust estimate, refused when the taps are too uneven.

``live calibrate`` plays clicks, the person (or a test harness) taps along on one input path,
and each tap's offset from its click (tap time - click time, ms) comes here. The latency is
the median of the offsets left after trimming outliers; it is subtracted from every later
response on that path (DESIGN.md section 4).

What a tap-along measures: the input path's latency *plus* the tapper's own mean asynchrony.
People tapping to a beat tend to tap ahead of it (healthy adults 20-80 ms early, DOMAIN.md),
which would make the path look faster than it is. A machine tapper or an acoustic loopback
measures the path alone; a person's tap-along is only as good as a practised, steady tapper
who taps *with* (not ahead of) the click. Early and late taps are reported apart so such a
lean is visible.

All functions are pure. Realtime-safe: no.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["Calibration", "CalibrationError", "estimate_latency", "MAD_TO_SD", "TRIM_MADS", "MIN_SCALE_MS"]

MAD_TO_SD = 1.4826
"""Scale factor making the median absolute deviation estimate the SD of normal data."""

TRIM_MADS = 3.0
"""Offsets further than this many scaled MADs from the median are trimmed as outliers."""

MIN_SCALE_MS = 1.0
"""Floor of the scaled MAD (ms): with near-identical offsets (a machine tapper, MAD about 0)
the trimming distance stays at least ``TRIM_MADS * MIN_SCALE_MS`` = 3 ms, so a tap one frame
off is not called an outlier."""


@dataclass(frozen=True, slots=True)
class Calibration:
    """A latency estimate from a tap-along.

    Parameters
    ----------
    latency_ms : float
        Median of the kept offsets (ms; positive = taps registered after the click).
    n_taps : int
        Offsets given.
    n_kept : int
        Offsets left after trimming outliers.
    n_early, n_late : int
        Kept offsets below / above ``latency_ms``.
    early_median_ms, late_median_ms : float or None
        Median of the kept offsets below / above ``latency_ms`` (ms); None when there are none.
    iqr_ms : float
        Interquartile range of the kept offsets (ms; linear interpolation between ranks).
    spread_ok : bool
        ``iqr_ms <= max_iqr_ms``. Always true for a returned estimate; false on the one a
        :class:`CalibrationError` carries when the taps varied too much.
    """

    latency_ms: float
    n_taps: int
    n_kept: int
    n_early: int
    n_late: int
    early_median_ms: float | None
    late_median_ms: float | None
    iqr_ms: float
    spread_ok: bool


class CalibrationError(Exception):
    """A tap-along that cannot give a latency, with a message for the therapist.

    ``calibration`` holds the refused estimate when one could be computed (taps too uneven),
    None when there were too few taps.
    """

    def __init__(self, message: str, calibration: Calibration | None = None) -> None:
        super().__init__(message)
        self.calibration = calibration


def estimate_latency(
    offsets_ms: Sequence[float], *, min_taps: int = 8, max_iqr_ms: float = 30.0
) -> Calibration:
    """Latency of an input path from the offsets of a tap-along.

    Outliers (a missed click, a double tap) are trimmed first: offsets further than
    ``TRIM_MADS`` (3) scaled median absolute deviations from the median, the scale being
    ``max(1.4826 * MAD, 1 ms)``. The median absolute deviation is itself unaffected by up to
    half the taps being outliers, unlike the SD. The latency is the median of what is kept.

    Parameters
    ----------
    offsets_ms : sequence of float
        Per tap, tap time minus the time of the click it answers (ms).
    min_taps : int
        Fewest taps given, and fewest kept, for an estimate (default 8).
    max_iqr_ms : float
        Largest interquartile range of the kept offsets accepted (ms, default 30).

    Returns
    -------
    Calibration

    Raises
    ------
    CalibrationError
        Too few taps given or kept, or the kept offsets' IQR is above ``max_iqr_ms``.
    ValueError
        An offset that is not a finite number, or ``min_taps`` below 1.
    """
    if min_taps < 1:
        raise ValueError(f"min_taps: {min_taps}: must be at least 1")
    x = np.asarray(offsets_ms, dtype=np.float64).reshape(-1)
    bad = np.flatnonzero(~np.isfinite(x))
    if len(bad):
        raise ValueError(f"offsets_ms[{bad[0]}]: {x[bad[0]]}: must be a finite number of ms")
    n = len(x)
    if n < min_taps:
        raise CalibrationError(
            f"{_taps(n)} heard; at least {min_taps} needed: tap along with every click until they stop"
        )

    median = float(np.median(x))
    scale = max(MAD_TO_SD * float(np.median(np.abs(x - median))), MIN_SCALE_MS)
    kept = np.sort(x[np.abs(x - median) <= TRIM_MADS * scale])
    if len(kept) < min_taps:
        raise CalibrationError(
            f"only {len(kept)} of {_taps(n)} were close to the others; at least {min_taps} needed: "
            f"tap along more steadily and try again"
        )

    latency = float(np.median(kept))
    early, late = kept[kept < latency], kept[kept > latency]
    q1, q3 = np.percentile(kept, [25, 75])
    iqr = float(q3 - q1)
    result = Calibration(
        latency_ms=latency,
        n_taps=n,
        n_kept=len(kept),
        n_early=len(early),
        n_late=len(late),
        early_median_ms=float(np.median(early)) if len(early) else None,
        late_median_ms=float(np.median(late)) if len(late) else None,
        iqr_ms=iqr,
        spread_ok=bool(iqr <= max_iqr_ms),
    )
    if not result.spread_ok:
        raise CalibrationError(
            f"taps varied by {iqr:.1f} ms (IQR); at most {_num(max_iqr_ms)} ms allowed: tap along "
            f"more steadily, or use a steadier input (--input midi, touch or mic)",
            result,
        )
    return result


def _taps(n: int) -> str:
    return "1 tap" if n == 1 else f"{n} taps"


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)
