"""A simulated client who taps along with the beat: the linear phase-correction model, with free
tapping when there is no cue (a baseline, a continuation).

Model (Vorberg & Wing 1996, "Modeling variability and dependence in timing", in Handbook of
Perception and Action vol. 2; Vorberg & Schulze 2002; as used by Repp 2005, Psychon. Bull. Rev.
12:969-992, and Jacoby et al. 2015 for bGLS). Synchronising, tap ``k`` answers beat ``b_k``::

    t_k = t_{k-1} + P_k - alpha * (A_{k-1} - mu) + T_k + M_k - M_{k-1},   A_k = t_k - b_k

``T_k ~ N(0, timekeeper_sd^2)`` the timekeeper's noise, ``M_k ~ N(0, motor_sd^2)`` the motor
delay noise, ``alpha`` the phase-correction gain (0 = none, 1 = full) and ``mu`` the mean
asynchrony (negative = early, the usual anticipation). ``P_k``, the interval the timekeeper
aims at: by default the cue's interval as the client has heard it (the median of the last three
inter-beat intervals before beat ``k``, so a single shifted beat does not change it but a tempo
step or ramp does, a beat or two late); with ``follows_cue_period`` False the client's own period
``period_ms`` plus ``drift_ms_per_tap`` per tap (a client who drifts). On a steady beat this is
exactly ``D_k = (1 - alpha) D_{k-1} + T_k + M_k - M_{k-1}`` with ``D = A - mu``, stationary for
0 < alpha < 2 with mean ``mu``.

Without a cue the client taps freely, ``t_j = t_{j-1} + P_j + T_j + M_j - M_{j-1}``:

- from :meth:`SimulatedTapper.tap_freely_from` (told to start, e.g. a baseline's free
  walking: :meth:`SimulatedTapper.start` does so when built with ``free_from_start``) at
  ``P_j = period_ms + drift_ms_per_tap * j`` until a beat is heard;
- after the cue stops (no beat one and a half intervals after the last one heard), continuing
  from the last synchronised tap at ``P_j = P_last + drift_ms_per_tap * j`` (continuation).

Errors, each drawn only when its rate is above 0 (from a stream of its own, so a client with
rates 0 taps exactly as before, and one with errors taps every other beat exactly as the same
client without them): with ``miss_rate`` a synchronised tap is left out (the client's timing
goes on as if it had tapped: an omission, not a reset), with ``extra_rate`` a second tap
comes with a synchronised one, 15..30 % of the beat interval further from the beat than the
tap itself (a bounce away from the beat; only once the client has an interval to go by), so
the batch matcher keeps the tap and counts the bounce extra while the tap lies within 20 % of
an interval of its beat.

The client "hears" the beats the activity schedules (sounds carrying a cue index) and produces
:class:`InputEvent` s at exact frames; the session posts each one once the engine clock has
passed it, as a real input path would. A free tap is decided only once every beat that could
replace it has been scheduled (``heard_until_frame``). It is the entrainment activity's
:class:`~live.sim.base.SimulatedClient`. Realtime-safe: no.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from typing import Any

import numpy as np

from live.engine.events import InputEvent, ScheduledSound


@dataclass(frozen=True, slots=True)
class TapperParams:
    """True parameters of the simulated client (what the metrics should recover).

    Times in ms; ``period_ms`` is the client's own tapping or stepping period (free tapping, and
    synchronising when ``follows_cue_period`` is False); ``drift_ms_per_tap`` the change of that
    period per tap while it is in force, and per tap in continuation. ``miss_rate`` is the
    chance that a synchronised tap is left out, ``extra_rate`` the chance that one is followed
    by an extra tap (0..1 each).
    """

    mean_async_ms: float = -30.0
    timekeeper_sd_ms: float = 15.0
    motor_sd_ms: float = 8.0
    alpha: float = 0.4
    seed: int = 1
    period_ms: float = 600.0
    follows_cue_period: bool = True
    drift_ms_per_tap: float = 0.0
    miss_rate: float = 0.0
    extra_rate: float = 0.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.alpha < 2.0:
            raise ValueError(f"alpha must be 0..2 (exclusive), got {self.alpha}")
        if self.timekeeper_sd_ms < 0 or self.motor_sd_ms < 0:
            raise ValueError("noise SDs must be >= 0 ms")
        if not self.period_ms > 0:
            raise ValueError(f"period_ms must be > 0, got {self.period_ms}")
        for name in ("miss_rate", "extra_rate"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be 0..1, got {getattr(self, name)}")


# What describe() always reports (what ``live demo --json`` has always shown), and the other
# fields when they differ from their defaults.
_CORE = ("mean_async_ms", "timekeeper_sd_ms", "motor_sd_ms", "alpha", "seed", "period_ms")
_OPTIONAL = {"follows_cue_period": True, "drift_ms_per_tap": 0.0, "miss_rate": 0.0, "extra_rate": 0.0}


class SimulatedTapper:
    """Taps once per scored beat (``cue_index >= 0``); silent during the count-in; free
    tapping before any beat when told to start, and after the cue stops.

    Parameters
    ----------
    params : TapperParams
    sample_rate : int
        Frames per second of the engine clock.
    client : str
        Client code stamped on every tap.
    free_from_start : bool
        :meth:`start` starts free tapping (a run that begins with a baseline).
    """

    def __init__(self, params: TapperParams, *, sample_rate: int, client: str = "SIM-001",
                 free_from_start: bool = False):
        self.params = params
        self.sample_rate = sample_rate
        self.client = client
        self.free_from_start = free_from_start
        self._rng = np.random.default_rng(params.seed)              # synchronised taps
        self._free_rng = np.random.default_rng([params.seed, 1])    # free taps
        self._error_rng = np.random.default_rng([params.seed, 2])   # omissions and extra taps
        self._counts = {"inputs": 0, "omitted": 0, "extra": 0}
        self._heard_ms: list[float] = []   # every beat heard (count-in included), ms
        self._d_ms: float | None = None    # D_k of the last synchronised tap
        self._m_ms = 0.0                   # M of the last tap
        self._last_tap_ms: float | None = None
        self._last_beat_ms: float | None = None  # last scored beat answered
        self._period_ms = params.period_ms       # P of the last synchronised tap
        self._mode = "idle"                # idle | free | sync | continuation
        self._n_free = 0                   # free taps so far in this free stretch
        self._n_own = 0                    # taps at the client's own period
        self._pending: list[tuple[int, int]] = []  # heap of (frame, velocity)

    def _ms(self, frame: int) -> float:
        return frame * 1000.0 / self.sample_rate

    def _frame(self, ms: float) -> int:
        return round(ms * self.sample_rate / 1000.0)

    # --- SimulatedClient protocol ---------------------------------------------------------
    def start(self, start_frame: int) -> None:
        """The run starts: with ``free_from_start``, tap freely from ``start_frame``."""
        if self.free_from_start:
            self.tap_freely_from(start_frame)

    def describe(self) -> dict[str, Any]:
        """The true parameters: mean asynchrony, noise SDs, alpha, seed and own period, and the
        others where they are not their defaults."""
        p = self.params
        out = {name: getattr(p, name) for name in _CORE}
        out.update({name: getattr(p, name) for name, default in _OPTIONAL.items() if getattr(p, name) != default})
        return out

    def produced(self) -> dict[str, int]:
        """Taps made so far (returned by :meth:`inputs_before`, extra taps included), synchronised
        taps left out (``omitted``) and extra taps made (``extra``)."""
        return dict(self._counts)

    def tap_freely_from(self, frame: int) -> None:
        """Start tapping (or walking) at the client's own pace from ``frame``, until a beat is heard."""
        self._mode = "free"
        self._last_tap_ms = self._ms(frame)
        self._m_ms = 0.0
        self._n_free = 0

    def hear_therapist(self, ev: InputEvent) -> None:
        """The therapist's playing: the tapper follows the beat only."""

    def hear(self, sound: ScheduledSound) -> None:
        """Learn of a scheduled beat; plan the tap that answers it."""
        if sound.cue_index is None:
            return
        beat_ms = self._ms(sound.frame)
        previous = self._heard_ms[-4:]
        self._heard_ms.append(beat_ms)
        if self._mode == "free":
            self._mode = "idle"
        if sound.cue_index < 0:
            return
        p, rng = self.params, self._rng
        if p.follows_cue_period:
            intervals = np.diff(previous)
            period = float(np.median(intervals[-3:])) if intervals.size else None
        else:
            period = p.period_ms + p.drift_ms_per_tap * self._n_own
            self._n_own += 1
        m_ms = rng.normal(0.0, p.motor_sd_ms)
        if self._d_ms is None or self._mode != "sync":
            d_ms = rng.normal(0.0, p.timekeeper_sd_ms) + m_ms
        else:
            heard_interval = beat_ms - self._last_beat_ms
            if period is None:
                period = heard_interval
            t_ms = rng.normal(0.0, p.timekeeper_sd_ms)
            d_ms = (1.0 - p.alpha) * self._d_ms + t_ms + m_ms - self._m_ms + (period - heard_interval)
        self._mode = "sync"
        self._d_ms, self._m_ms = d_ms, m_ms
        self._last_beat_ms = beat_ms
        if period is not None:
            self._period_ms = period
        self._last_tap_ms = beat_ms + p.mean_async_ms + d_ms
        velocity = int(rng.integers(60, 111))
        if p.miss_rate > 0 and self._error_rng.random() < p.miss_rate:
            self._counts["omitted"] += 1
            return
        heapq.heappush(self._pending, (self._frame(self._last_tap_ms), velocity))
        if p.extra_rate > 0 and period is not None and self._error_rng.random() < p.extra_rate:
            # A bounce away from the beat: further from it than the tap, so never the one matched.
            away = -1.0 if self._last_tap_ms < beat_ms else 1.0
            extra_ms = self._last_tap_ms + away * self._error_rng.uniform(0.15, 0.3) * period
            heapq.heappush(self._pending, (self._frame(extra_ms), int(self._error_rng.integers(30, 71))))
            self._counts["extra"] += 1

    def inputs_before(self, frame: int, *, heard_until_frame: int | None = None) -> list[InputEvent]:
        """Taps that happened before ``frame`` and were not yet returned, in time order.

        ``heard_until_frame``: every beat before it has been passed to :meth:`hear` (the
        scheduler's look-ahead horizon); default ``frame``.
        """
        self._tap_freely(self._ms(frame if heard_until_frame is None else heard_until_frame))
        out = []
        while self._pending and self._pending[0][0] < frame:
            tap_frame, velocity = heapq.heappop(self._pending)
            out.append(InputEvent(frame=tap_frame, source="sim", note=None, velocity=velocity, client=self.client))
        self._counts["inputs"] += len(out)
        return out

    def _tap_freely(self, horizon_ms: float) -> None:
        p = self.params
        if self._mode == "sync" and horizon_ms > self._last_beat_ms + 1.5 * self._period_ms:
            self._mode, self._n_free = "continuation", 0   # the cue has stopped
        while self._mode in ("free", "continuation"):
            j = self._n_free + 1
            start = p.period_ms if self._mode == "free" else self._period_ms
            period = start + p.drift_ms_per_tap * j
            if horizon_ms <= self._last_tap_ms + 1.5 * period + 3 * p.timekeeper_sd_ms:
                return  # a beat could still come before this tap: decide later
            m_ms = self._free_rng.normal(0.0, p.motor_sd_ms)
            t_ms = self._last_tap_ms + period + self._free_rng.normal(0.0, p.timekeeper_sd_ms) + m_ms - self._m_ms
            velocity = int(self._free_rng.integers(60, 111))
            self._last_tap_ms, self._m_ms, self._n_free = t_ms, m_ms, j
            heapq.heappush(self._pending, (self._frame(t_ms), velocity))
