"""When the audio device or server goes away mid-session: how it is noticed, where the
session's timeline picks up when it returns, and how often to look for it.

The session stays open through an outage. The stream counts as lost when the engine's clock
has not moved for ``stall_timeout_s`` (:class:`StallWatch`); what was lost is left without a
call that could block (``live.engine.portaudio_instance``); the run that was playing ends at
the last frame heard; and the session looks for the device again every 0.25 s (:class:`Retry`).
A JACK server that answers again is joined once it has answered for 0.5 s
(:class:`ServerWatch`), and the audio is opened on a worker thread (:class:`Attempt`), so the
control loop (the console's keys, Ctrl-C, SIGTERM) never waits on PortAudio. When it is back, a
new stream (a new sampler memory) starts counting at :func:`resume_frame`: the last frame played
plus the outage's length measured on the monotonic clock. So every frame stored after the
outage is larger than any before it, and the frames between are the outage: exports keep one
time origin (DESIGN.md section 3).

Realtime-safe: no (control thread).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Callable


@dataclass(frozen=True, slots=True)
class Outage:
    """An audio outage under way.

    Parameters
    ----------
    start_frame : int
        The last engine frame played (the end of the last block heard).
    stopped_ns : int
        ``CLOCK_MONOTONIC`` ns at which that frame played.
    started_at : datetime
        The same moment on the wall clock (aware, UTC).
    device : str
        What was lost, e.g. ``"audio on JACK Audio Connection Kit"``.
    outage_id : int
        Its row in the store's ``outages``.
    run_id : int or None
        The run it cut short (None between runs).
    """

    start_frame: int
    stopped_ns: int
    started_at: datetime
    device: str
    outage_id: int
    run_id: int | None


def resume_frame(outage: Outage, now_ns: int, sample_rate: int) -> int:
    """The engine frame a stream started at ``now_ns`` (``CLOCK_MONOTONIC``) counts from: the
    last frame played plus the outage's length in frames, at least one frame on."""
    gap_frames = round((now_ns - outage.stopped_ns) * sample_rate / 1e9)
    return outage.start_frame + max(gap_frames, 1)


class StallWatch:
    """Says when the engine's clock has stopped: no new frame for more than ``timeout_s``.

    Parameters
    ----------
    timeout_s : float
        How long the clock may stand still (a JACK server being restarted, a device unplugged)
        before the stream counts as lost.
    """

    def __init__(self, timeout_s: float):
        if not timeout_s > 0:
            raise ValueError(f"timeout_s: {timeout_s}: must be more than 0 s")
        self.timeout_s = float(timeout_s)
        self._frame: int | None = None
        self._since_s = 0.0

    def stalled(self, frame: int, now_s: float) -> bool:
        """Feed the engine's frame at monotonic time ``now_s``; True once it has not moved
        for more than ``timeout_s``."""
        if frame != self._frame:
            self._frame, self._since_s = frame, now_s
            return False
        return now_s - self._since_s > self.timeout_s

    def restart(self, now_s: float) -> None:
        """Count from ``now_s`` again (a new stream has started)."""
        self._frame, self._since_s = None, now_s


class Retry:
    """Paces the attempts to reopen the audio (every ``every_s``) and the reminders that the
    session waits for it (every ``remind_s``)."""

    def __init__(self, now_s: float, *, every_s: float = 0.25, remind_s: float = 15.0):
        self.every_s, self.remind_s = every_s, remind_s
        self._next_try_s = now_s
        self._next_remind_s = now_s + remind_s
        self.attempts = 0

    def due(self, now_s: float) -> bool:
        """True when it is time for the next attempt (and counts it)."""
        if now_s < self._next_try_s:
            return False
        self._next_try_s = now_s + self.every_s
        self.attempts += 1
        return True

    def back_off(self, now_s: float, wait_s: float) -> None:
        """After a failed attempt: the next one no sooner than ``wait_s`` from ``now_s``."""
        self._next_try_s = max(self._next_try_s, now_s + wait_s)

    def remind(self, now_s: float) -> bool:
        """True when it is time to say again that the session is waiting."""
        if now_s < self._next_remind_s:
            return False
        self._next_remind_s = now_s + self.remind_s
        return True


class ServerWatch:
    """Says when an audio server that came back has been up long enough to join.

    A client that joins a JACK server in the moment it starts can find the server's graph
    stalled for good (jackd2 1.9.21, dummy driver: 1 of 8 client processes that connected as
    soon as the server answered; 0 of 8 that waited 0.5 s after its first answer: see
    docs/performance.md, "Device loss"). So the session joins only once the server has answered
    for ``settle_s``.
    """

    def __init__(self, settle_s: float = 0.5):
        self.settle_s = settle_s
        self._up_since_s: float | None = None

    def settled(self, answers: bool, now_s: float) -> bool:
        """Feed whether the server answers now; True once it has answered for ``settle_s``."""
        if not answers:
            self._up_since_s = None
            return False
        if self._up_since_s is None:
            self._up_since_s = now_s
        return now_s - self._up_since_s >= self.settle_s


class Attempt:
    """Runs ``work`` on a daemon thread and lets the control loop poll it: PortAudio's open and
    start wait for the server's graph (up to 10 minutes in ``pa_jack.c``), and the control loop
    must never wait with them. An attempt not done after ``timeout_s`` counts as failed; its
    thread is left (the process can still exit)."""

    def __init__(self, work: Callable[[], object], timeout_s: float, name: str = "reopen audio"):
        self._done = threading.Event()
        self._result: object = None
        self._error: BaseException | None = None
        self.started_s = time.monotonic()
        self.deadline_s = self.started_s + timeout_s

        def run() -> None:
            try:
                self._result = work()
            except BaseException as exc:  # handed to the control loop
                self._error = exc
            finally:
                self._done.set()

        threading.Thread(target=run, name=name, daemon=True).start()

    def poll(self, now_s: float) -> tuple[str, object]:
        """("pending", None), ("done", result), ("failed", exception) or ("timed out", None)."""
        if self._done.is_set():
            return ("failed", self._error) if self._error is not None else ("done", self._result)
        return ("timed out", None) if now_s > self.deadline_s else ("pending", None)


def close_within(close: Callable[[], object], timeout_s: float, name: str) -> bool:
    """Call ``close`` on a daemon thread and wait at most ``timeout_s``: False when it had not
    returned by then (it is left to finish, or never; the process can still exit). For the
    clean-up of a client whose server has gone, which must never hold up the session."""
    done = threading.Event()

    def run() -> None:
        try:
            close()
        finally:
            done.set()

    threading.Thread(target=run, name=f"close {name}", daemon=True).start()
    return done.wait(timeout_s)


def lost_message(outage: Outage, *, elapsed_s: float, reason: str) -> str:
    """What the therapist reads when the audio goes."""
    return (f"AUDIO LOST at {_clock(elapsed_s)} into the session ({outage.device}: {reason}). The session stays "
            "open and goes on when the audio returns; q or Ctrl-C ends it and saves it")


def waiting_message(outage: Outage, *, now_ns: int) -> str:
    """The reminder while the session waits."""
    return (f"still waiting for the audio ({outage.device}), lost {(now_ns - outage.stopped_ns) / 1e9:.0f} s ago; "
            "q or Ctrl-C ends the session and saves it")


def back_message(outage: Outage, *, end_frame: int, sample_rate: int, reopen_s: float, host_api: str) -> str:
    """What the therapist reads when it is back."""
    lost_s = (end_frame - outage.start_frame) / sample_rate
    return (f"audio back on {host_api} after {lost_s:.1f} s without it (reopened in {reopen_s * 1000:.0f} ms); "
            "the session goes on")


def _clock(seconds: float) -> str:
    seconds = max(seconds, 0.0)
    return f"{int(seconds // 60)}:{seconds % 60:04.1f}"
