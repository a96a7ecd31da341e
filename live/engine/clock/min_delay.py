"""python-rtmidi's delta times -> engine frames, with a minimum-delay filter (:class:`MinDelayAnchor`).
Realtime-safe: no."""

from __future__ import annotations

import math
from collections import deque

__all__ = ["MinDelayAnchor"]


class MinDelayAnchor:
    """Stamps python-rtmidi input onto engine frames with a minimum-delay filter.

    rtmidi measures each message's delta time in the MIDI driver's own thread (ALSA
    sequencer stamps, JACK's clock), so the cumulative delta ``c_s`` is a good clock of when
    each message happened, up to an unknown origin. When Python sees the message, at
    ``arrival_frame`` (its host arrival time mapped by :class:`HostClock`), it is late by a
    delay that is never negative and sometimes long (a busy thread holding the GIL). So

        arrival_frame - c_s * rate = origin + delay >= origin,

    and the minimum of the left side over recent messages is the origin plus the smallest
    delay seen: a late GIL hand-over only raises single terms, never the minimum. Each
    message is stamped ``round(offset + c_s * rate)`` with ``offset`` that minimum over a
    sliding window of ``window_s`` of arrival time (so a slow drift between the clocks is
    followed). A stamp is never later than its own arrival.

    Parameters
    ----------
    rate_hz : float
        Engine frames per second of the delta-time clock: :attr:`HostClock.rate_hz` once its
        :attr:`HostClock.span_s` is a few seconds (the driver's clock runs at host-clock rate),
        not the nominal sample rate. A rate error
        ``e`` (relative) moves stamps by at most ``e * rate_hz * window_s`` frames (2 ppm at
        48 kHz over 5 s: 0.5 frame; a card 100 ppm off its nominal rate: 24 frames).
    window_s : float
        Arrival-time span of the minimum (default 5 s). A message arriving more than this
        after the previous one is stamped from its own arrival alone (delay not filtered).

    Notes
    -----
    For one thread (the one polling rtmidi). Realtime-safe: no. Call :meth:`reset` when the
    port is reopened: rtmidi's delta times start again and the origin changes.
    """

    def __init__(self, rate_hz: float, *, window_s: float = 5.0) -> None:
        if not (math.isfinite(rate_hz) and rate_hz > 0):
            raise ValueError(f"rate_hz: {rate_hz}: must be a positive number of frames per second")
        if not window_s > 0:
            raise ValueError(f"window_s: {window_s}: must be more than 0 s")
        self._rate = float(rate_hz)
        self._window_s = float(window_s)
        self._entries: deque[tuple[int, float]] = deque()  # (arrival_frame, cumulative_s), in window
        self._mins: deque[tuple[int, float]] = deque()  # (arrival_frame, value), values increasing
        self._latest_arrival: int | None = None

    @property
    def rate_hz(self) -> float:
        """Engine frames per second of the delta-time clock."""
        return self._rate

    @rate_hz.setter
    def rate_hz(self, rate_hz: float) -> None:
        """Change the rate (e.g. once a second from :attr:`HostClock.rate_hz`); O(window)."""
        if not (math.isfinite(rate_hz) and rate_hz > 0):
            raise ValueError(f"rate_hz: {rate_hz}: must be a positive number of frames per second")
        self._rate = float(rate_hz)
        self._mins.clear()
        for arrival, cum_s in self._entries:
            self._push_min(arrival, arrival - cum_s * self._rate)

    @property
    def offset_frame(self) -> float | None:
        """Current origin estimate (frames, fractional): frame = offset + cumulative_s * rate."""
        return self._mins[0][1] if self._mins else None

    def reset(self) -> None:
        """Forget every message (the port was reopened; delta times start again)."""
        self._entries.clear()
        self._mins.clear()
        self._latest_arrival = None

    def feed(self, arrival_frame: int, cumulative_delta_s: float) -> int:
        """Take one message and return its engine frame.

        Parameters
        ----------
        arrival_frame : int
            Engine frame at which Python received the message.
        cumulative_delta_s : float
            Sum of rtmidi's delta times up to and including this message (s).

        Returns
        -------
        int
            The message's engine frame, ``<= arrival_frame``.
        """
        arrival = int(arrival_frame)
        cum_s = float(cumulative_delta_s)
        if not math.isfinite(cum_s):
            raise ValueError(f"cumulative_delta_s: {cum_s}: must be a finite number of seconds")
        if self._latest_arrival is None or arrival > self._latest_arrival:
            self._latest_arrival = arrival
        oldest = self._latest_arrival - self._window_s * self._rate
        self._entries.append((arrival, cum_s))
        self._push_min(arrival, arrival - cum_s * self._rate)
        while len(self._entries) > 1 and self._entries[0][0] < oldest:  # the newest always stays
            self._entries.popleft()
        while len(self._mins) > 1 and self._mins[0][0] < oldest:
            self._mins.popleft()
        return round(self._mins[0][1] + cum_s * self._rate)

    def _push_min(self, arrival: int, value: float) -> None:
        # Sliding-window minimum: drop queued values that can never be the minimum again.
        while self._mins and self._mins[-1][1] >= value:
            self._mins.pop()
        self._mins.append((arrival, value))
