"""The live session's writer edge: batches handed to the store writer's thread
(:class:`live.store.writer.SessionWriter`) every ``period_s`` of wall time, so the control loop
never waits on the database (DESIGN.md section 7). Realtime-safe: no (control thread)."""

from __future__ import annotations

import time
from typing import Any, Callable, Sequence

from live.activities.types import AudioChunk, Response
from live.engine.events import InputEvent, Release, ScheduledSound
from live.run.edges import Control
from live.store.writer import SessionWriter

__all__ = ["ThreadedWriter"]


class ThreadedWriter:
    """A :class:`~live.run.edges.BatchWriter` on its own thread; counts the longest time between
    two batches (``max_batch_gap_ms``) besides the writer's own counters."""

    def __init__(self, store: Any, period_s: float):
        self.store = store
        self.period_s = period_s
        self.writer = SessionWriter()
        self._last_s = time.monotonic()
        self._max_gap_s = 0.0

    def start_run(self) -> None:
        self._last_s = time.monotonic()

    def due(self, now_frame: int) -> bool:
        return time.monotonic() - self._last_s >= self.period_s

    def batch(self, run_id: int, *, sounds: list[ScheduledSound], inputs: list[InputEvent],
              responses: list[Response], controls: list[Control], releases: Sequence[Release] = (),
              audio: Sequence[AudioChunk] = ()) -> None:
        self.writer.submit(self.store.add_batch, run_id, sounds=sounds, inputs=inputs, responses=responses,
                           controls=controls, releases=releases, audio=audio)  # one transaction (clips encoded there)
        now_s = time.monotonic()
        self._max_gap_s = max(self._max_gap_s, now_s - self._last_s)
        self._last_s = now_s

    def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        self.writer.submit(fn, *args, **kwargs)

    def flush(self) -> None:
        self.writer.flush()

    def close(self) -> None:
        self.writer.close()

    def stats(self) -> dict[str, Any]:
        w = self.writer
        return {"writes": w.writes, "max_batch_gap_ms": round(1000 * self._max_gap_s, 1),
                "max_wait_ms": round(1000 * w.max_wait_s, 1), "max_write_ms": round(1000 * w.max_write_s, 1)}
