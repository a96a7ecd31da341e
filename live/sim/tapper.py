"""A simulated client who taps along with a beat, by the linear phase-correction model.

Model (Vorberg & Wing 1996, "Modeling variability and dependence in timing", in Handbook of
Perception and Action vol. 2; as used by Repp 2005, Psychon. Bull. Rev. 12:969-992, and
Jacoby & Repp 2012 for bGLS): the asynchrony of tap k to beat k is ``A_k = mu + D_k`` with

    D_{k+1} = (1 - alpha) * D_k + T_k + M_{k+1} - M_k,

``T_k ~ N(0, timekeeper_sd^2)`` the timekeeper's deviation from the beat interval (the tapper
follows the interval it hears), ``M_k ~ N(0, motor_sd^2)`` the motor delay noise, ``alpha`` the
phase-correction gain (0 = none, 1 = full) and ``mu`` the mean asynchrony (negative = early, the
usual anticipation). For 0 < alpha < 2 the process is stationary with mean ``mu``.

The tapper "hears" the beats the activity schedules and produces :class:`InputEvent` s at exact
frames; the session posts each one once the engine clock has passed it, as a real input path
would. Realtime-safe: no.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np

from live.engine.events import InputEvent, ScheduledSound


@dataclass(frozen=True, slots=True)
class TapperParams:
    """True parameters of the simulated client (what the metrics should recover)."""

    mean_async_ms: float = -30.0
    timekeeper_sd_ms: float = 15.0
    motor_sd_ms: float = 8.0
    alpha: float = 0.4
    seed: int = 1

    def __post_init__(self) -> None:
        if not 0.0 <= self.alpha < 2.0:
            raise ValueError(f"alpha must be 0..2 (exclusive), got {self.alpha}")
        if self.timekeeper_sd_ms < 0 or self.motor_sd_ms < 0:
            raise ValueError("noise SDs must be >= 0 ms")


class SimulatedTapper:
    """Taps once per scored beat (``beat_index >= 0``); silent during the count-in.

    Parameters
    ----------
    params : TapperParams
    sample_rate : int
        Frames per second of the engine clock.
    client : str
        Client code stamped on every tap.
    """

    def __init__(self, params: TapperParams, *, sample_rate: int, client: str = "SIM-001"):
        self.params = params
        self.sample_rate = sample_rate
        self.client = client
        self._rng = np.random.default_rng(params.seed)
        self._d_ms = None  # D_k of the last tap
        self._m_ms = 0.0   # M_k of the last tap
        self._pending: list[tuple[int, int]] = []  # heap of (frame, velocity)

    def hear(self, sound: ScheduledSound) -> None:
        """Learn of a scheduled beat; plan the tap that answers it."""
        if sound.beat_index is None or sound.beat_index < 0:
            return
        p, rng = self.params, self._rng
        m_ms = rng.normal(0.0, p.motor_sd_ms)
        if self._d_ms is None:
            d_ms = rng.normal(0.0, p.timekeeper_sd_ms) + m_ms
        else:
            t_ms = rng.normal(0.0, p.timekeeper_sd_ms)
            d_ms = (1.0 - p.alpha) * self._d_ms + t_ms + m_ms - self._m_ms
        self._d_ms, self._m_ms = d_ms, m_ms
        frame = sound.frame + round((p.mean_async_ms + d_ms) * self.sample_rate / 1000.0)
        heapq.heappush(self._pending, (frame, int(rng.integers(60, 111))))

    def taps_before(self, frame: int) -> list[InputEvent]:
        """Taps that happened before ``frame`` and were not yet returned, in time order."""
        out = []
        while self._pending and self._pending[0][0] < frame:
            tap_frame, velocity = heapq.heappop(self._pending)
            out.append(InputEvent(frame=tap_frame, source="sim", note=None, velocity=velocity, client=self.client))
        return out
