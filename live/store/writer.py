"""The session writer: one thread that does every store write, so the control loop never waits
on the database (DESIGN.md section 7).

The control loop hands over batches (:meth:`SessionWriter.submit`) and goes on; the writer runs
them in order. A failed write is kept and raised on the control thread at the next
:meth:`submit` or :meth:`flush`, so nothing is lost silently. Realtime-safe: no.
"""

from __future__ import annotations

import queue
import threading
import time
from typing import Any, Callable


class SessionWriter:
    """Runs store writes in order on its own thread, and counts how long they waited and took
    (``writes``, ``max_wait_s``, ``max_write_s``: read them once the writer is closed)."""

    def __init__(self) -> None:
        self._queue: queue.Queue = queue.Queue()
        self._error: BaseException | None = None
        self.writes = 0            # writes done
        self.max_wait_s = 0.0      # longest a write waited in the queue
        self.max_write_s = 0.0     # longest write (one transaction)
        self._thread = threading.Thread(target=self._work, name="live-session-writer", daemon=True)
        self._thread.start()

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                self._queue.task_done()
                return
            fn, args, kwargs, submitted = item
            started = time.monotonic()
            try:
                if self._error is None:
                    fn(*args, **kwargs)
            except BaseException as exc:  # kept for the control thread
                self._error = exc
            finally:
                done = time.monotonic()
                self.writes += 1
                self.max_wait_s = max(self.max_wait_s, started - submitted)
                self.max_write_s = max(self.max_write_s, done - started)
                self._queue.task_done()

    def _raise(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def submit(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """Queue ``fn(*args, **kwargs)``; raises a failure of an earlier write."""
        self._raise()
        self._queue.put((fn, args, kwargs, time.monotonic()))

    def flush(self) -> None:
        """Wait until everything queued is written; raises a failure of any of it."""
        self._queue.join()
        self._raise()

    def close(self) -> None:
        """Write what is queued and stop the thread."""
        self._queue.put(None)
        self._thread.join()
        self._raise()
