"""Host time (``CLOCK_MONOTONIC`` ns) <-> engine frames, by regression over the callback's rows
(:class:`HostClock`). Realtime-safe: no."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from live.engine.clock.rows import ClockNotReady, checked_rows

__all__ = ["HostClock"]

_LOW_FRACTION = 0.2  # share of rows (least delayed) the slope is refitted on
_MAX_REFITS = 8
_STEP_MIN_SPAN_S = 1.0  # a restart before the rows span this is not counted as a step


def _envelope_line(
    x: np.ndarray, y: np.ndarray, pct: float, slope0: float | None = None
) -> tuple[float, float] | None:
    """(slope, intercept) of the lower-envelope line through ``(x, y)`` (class HostClock).

    Starts from ``slope0`` (the previous fit's) when given, else from plain least squares,
    and refits on the least-delayed rows until they stay the same (at most ``_MAX_REFITS``
    times). None when ``x`` has fewer than 2 distinct values or the slope is not positive.
    """
    if len(x) < 2 or np.ptp(x) == 0:
        return None
    if slope0 is None:
        slope, icpt = _least_squares(x, y)
    else:
        slope, icpt = slope0, float(np.median(y - slope0 * x))
    chosen = None
    for _ in range(_MAX_REFITS):
        resid = y - (icpt + slope * x)
        low = resid <= np.quantile(resid, _LOW_FRACTION)
        if np.count_nonzero(low) < 2 or np.ptp(x[low]) == 0:
            break
        if chosen is not None and np.array_equal(low, chosen):
            break
        chosen = low
        slope, icpt = _least_squares(x[low], y[low])
    if not slope > 0:
        return None
    return slope, icpt + float(np.percentile(y - (icpt + slope * x), pct))


def _least_squares(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Slope and intercept of the least-squares line ``y = icpt + slope * x`` (x not all equal)."""
    mx, my = x.mean(), y.mean()
    dx = x - mx
    slope = float(np.dot(dx, y - my) / np.dot(dx, dx))
    return slope, float(my - slope * mx)


@dataclass(frozen=True, slots=True)
class _Fit:
    """``host_ns = ref_ns + intercept_ns + slope_ns * (frame - ref_frame)``."""

    ref_frame: int
    ref_ns: int
    slope_ns: float  # host ns per engine frame
    intercept_ns: float


class HostClock:
    """Host time (``CLOCK_MONOTONIC`` ns) <-> engine frames, by regression over callback rows.

    Model: the callback of the block starting at engine frame ``f`` is entered at host time
    ``t = t0 + f * slope + d``, where ``slope`` is host ns per frame (the sound card's clock
    against the host's, e.g. 48 kHz +/- 100 ppm) and ``d >= 0`` is the thread's wake-up delay:
    variable, sometimes milliseconds, never negative. The mapping wanted is the line with
    ``d = 0``.

    - **Slope** by least squares of ``host_ns`` on frame over a sliding window (default the
      last 10 s of rows). Independent delays of constant distribution leave a least-squares
      slope unbiased (the mean delay goes into the intercept), but one-sided delays have a
      long upper tail that makes it imprecise. So the line is refitted on the least-delayed
      20 % of rows (residual at or below the 20th percentile) until that set stays the same
      (at most 8 times): those rows crowd against the floor, so the slope gets more precise,
      and very late rows (5 ms outliers) drop out. Measured on 7500 rows (10 s of 64-frame
      blocks at 48 kHz) with exponential delays of mean 0.3 ms plus 0.5 % of 5 ms outliers,
      300 trials: rate error SD 1.9 ppm for plain least squares, 0.32 ppm refitted, bias
      under 0.01 ppm. Once the fit rests on a second of rows, each refit starts from the
      previous slope rather than from plain least squares, which a burst of late rows at the
      window's end would tilt.
    - **Intercept** on the lower envelope: the line is moved down to the ``envelope_pct``
      percentile (default 2nd) of the residuals. A plain least-squares line would sit late by
      the mean delay (0.3 ms = 14 frames at 48 kHz in a typical system); the minimum would be
      the natural estimate of ``d = 0`` for delays that are never negative, but one early row
      (PortAudio calling the callback back to back to fill the device buffer at stream start
      breaks the model) would drag the whole line early. A low percentile sits within a
      small fraction of the delay distribution's scale of its floor (for exponential delays
      of mean 0.3 ms, the 2nd percentile is 6 us = 0.3 frame late) and ignores a few early rows.
    - **Discontinuities**: after an xrun the frame counter no longer lines up with the host
      clock (the device played silence the engine never counted, or frames jumped). Each new
      row is compared with the fit in force when it arrived; a run of rows all more than
      ``step_ms`` off the line (late or early) lasting ``step_confirm_s`` is taken as a step,
      and rows before it are dropped. Until the run is confirmed the old line holds, so a burst
      of late callbacks under load does not move it. Single rows more than ``step_ms`` early
      of the envelope (impossible in the model) are left out of the fit. In the first second
      the same rule also restarts a fit that rough early rows led astray (e.g. a pre-fill
      burst of callbacks run back to back at stream start); such restarts are not counted
      in :attr:`steps`.

    The first fits rest on a few rows and are rough (a few frames off in the first 0.1 s of a
    stream; the rate settles to within a few ppm as the window fills: :attr:`span_s`). Events
    within ``step_confirm_s`` after a discontinuity are mapped with the old line, off by the
    size of the step.

    With 64-frame blocks at 48 kHz, a 10 s window holds 7500 rows; each :meth:`update` refits
    them (0.3-1 ms measured here), so call it with every few blocks' worth of rows, not per row.

    Parameters
    ----------
    window_s : float
        Host-time span of the rows fitted (default 10 s).
    envelope_pct : float
        Percentile of the residuals the line is placed on (0..50, default 2).
    step_ms : float
        Distance from the line beyond which a row counts towards a discontinuity (default 2 ms).
    step_confirm_s : float
        How long such a run must last to be taken as a step (default 0.2 s).

    Notes
    -----
    Thread-safe for one writer (:meth:`update`) and any number of readers. Realtime-safe: no.
    """

    def __init__(
        self,
        *,
        window_s: float = 10.0,
        envelope_pct: float = 2.0,
        step_ms: float = 2.0,
        step_confirm_s: float = 0.2,
    ) -> None:
        if not window_s > 0:
            raise ValueError(f"window_s: {window_s}: must be more than 0 s")
        if not 0 <= envelope_pct <= 50:
            raise ValueError(f"envelope_pct: {envelope_pct}: must be 0..50")
        if not step_ms > 0:
            raise ValueError(f"step_ms: {step_ms}: must be more than 0 ms")
        if not 0 < step_confirm_s < window_s:
            raise ValueError(
                f"step_confirm_s: {step_confirm_s}: must be more than 0 s and less than window_s"
            )
        self._window_ns = int(window_s * 1e9)
        self._pct = float(envelope_pct)
        self._step_ns = step_ms * 1e6
        self._confirm_ns = int(step_confirm_s * 1e9)
        self._frames = np.empty(0, dtype=np.int64)
        self._host = np.empty(0, dtype=np.int64)
        self._off_since: int | None = None  # index into the rows of the first off-line row of a run
        self._fit: _Fit | None = None
        self._steps = 0

    # --- writer ---------------------------------------------------------------------------

    def update(self, rows: np.ndarray) -> None:
        """Take new callback rows and refit.

        Parameters
        ----------
        rows : ndarray of int64, shape (n, 2)
            ``(block_start_frame, host_ns)`` per block, in the order the blocks ran.
        """
        arr = checked_rows(rows, "HostClock.update")
        if len(arr) == 0:
            return
        base = len(self._frames)
        frames = np.concatenate([self._frames, arr[:, 0]])
        host = np.concatenate([self._host, arr[:, 1]])
        run = self._off_since  # first row of a run of rows off the line, not yet confirmed
        restart = False

        fit = self._fit
        settled = self.span_s >= _STEP_MIN_SPAN_S
        if fit is not None:  # each new row against the fit in force when it arrived
            off = np.abs(host[base:] - self._line(fit, frames[base:])) > self._step_ns
            for k, is_off in enumerate(off.tolist()):
                run = (run if run is not None else base + k) if is_off else None
            if run is not None and host[-1] - host[run] >= self._confirm_ns:  # a step
                # The run may begin with a late row from before the step: it is early of the
                # new line (below the floor of the run's later half). Start after the last such.
                resid = host[run:] - self._line(fit, frames[run:])
                floor = resid[len(resid) // 2 :].min()
                before = np.flatnonzero(resid < floor - self._step_ns)
                start = run + (int(before[-1]) + 1 if len(before) else 0)
                frames, host, run, restart = frames[start:], host[start:], None, True
                self._steps += settled

        keep_from = int(np.searchsorted(host, host[-1] - self._window_ns, side="left"))
        if run is not None:  # a run is shorter than the window: never cut into it
            keep_from = min(keep_from, run)
            run -= keep_from
        self._frames, self._host, self._off_since = frames[keep_from:], host[keep_from:], run
        # While a run is unconfirmed the line holds: fit the rows before it only.
        until = len(self._frames) if run is None else run
        # Start from the previous slope once it rests on a second of rows: a plain least-squares
        # start is tilted by a burst of late rows at the window's end (200 ppm for 80 ms of
        # 4 ms-late rows in 3 s), and the refits only halve such a tilt each time.
        slope0 = fit.slope_ns if fit is not None and settled and not restart else None
        new_fit = self._fit_rows(self._frames[:until], self._host[:until], slope0)
        if new_fit is not None:
            self._fit = new_fit

    def _fit_rows(self, frames: np.ndarray, host: np.ndarray, slope0: float | None) -> _Fit | None:
        """Line through ``(frames, host)`` on their lower envelope, starting from slope ``slope0``
        when given; None if under 2 distinct frames."""
        if len(frames) < 2 or frames.min() == frames.max():
            return None
        ref_frame, ref_ns = int(frames[-1]), int(host[-1])
        x = (frames - ref_frame).astype(np.float64)
        y = (host - ref_ns).astype(np.float64)
        line = _envelope_line(x, y, self._pct, slope0)
        if line is None:
            return None
        # Rows far earlier than the envelope break the model (delays are never negative): a
        # pre-fill burst, or a row from before a step. One such row at the window's edge would
        # tilt the slope: drop them and fit again.
        early = y - (line[1] + line[0] * x) < -self._step_ns
        if early.any():
            line = _envelope_line(x[~early], y[~early], self._pct, line[0]) or line
        slope, icpt = line
        return _Fit(ref_frame, ref_ns, slope, icpt)

    @staticmethod
    def _line(fit: _Fit, frames: np.ndarray) -> np.ndarray:
        """Host ns of ``frames`` on the line, as float64 relative to nothing (absolute ns)."""
        return fit.ref_ns + fit.intercept_ns + fit.slope_ns * (frames - fit.ref_frame).astype(np.float64)

    # --- readers --------------------------------------------------------------------------

    def _ready(self) -> _Fit:
        fit = self._fit
        if fit is None:
            raise ClockNotReady(
                "host clock: needs callback rows from at least 2 different frames; "
                "start the stream and let it run a few blocks first"
            )
        return fit

    @property
    def ready(self) -> bool:
        """Whether there are enough rows to map times."""
        return self._fit is not None

    @property
    def rate_hz(self) -> float:
        """Engine frames per second of host time (e.g. 48002.4 for a card 50 ppm fast)."""
        return 1e9 / self._ready().slope_ns

    @property
    def span_s(self) -> float:
        """Host-time span of the rows kept (s): how much the fit rests on, up to ``window_s``."""
        host = self._host
        return float(host[-1] - host[0]) / 1e9 if len(host) else 0.0

    @property
    def steps(self) -> int:
        """Discontinuities (xruns that moved frames against host time) found so far."""
        return self._steps

    def frame_at(self, host_ns: int) -> int:
        """Engine frame at host time ``host_ns`` (``CLOCK_MONOTONIC`` ns), rounded to the nearest.

        Raises
        ------
        ClockNotReady
            Before rows from 2 different frames have been seen.
        """
        fit = self._ready()
        return fit.ref_frame + round((int(host_ns) - fit.ref_ns - fit.intercept_ns) / fit.slope_ns)

    def host_ns_at(self, frame: int) -> int:
        """Host time (``CLOCK_MONOTONIC`` ns) of engine frame ``frame``, rounded to the nearest ns.

        Raises
        ------
        ClockNotReady
            Before rows from 2 different frames have been seen.
        """
        fit = self._ready()
        return fit.ref_ns + round(fit.intercept_ns + fit.slope_ns * (int(frame) - fit.ref_frame))
