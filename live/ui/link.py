"""The engine's side of the client screen: starts :mod:`live.ui.touch` as a subprocess (never a
fork of the engine process) and exchanges JSON lines with it.

Touches arrive as (pad, velocity, host ns) on a reader thread and wait in a deque until the
control loop takes them (:meth:`TouchLink.take`), so the loop never waits on the screen; the
engine maps their host time onto frames (:class:`live.engine.clock.HostClock`). Beat cues go
the other way with the host time each beat sounds, and so do an activity's prompts and pad
changes (:func:`live.ui.screen_state.encode`). Realtime-safe: no.
"""

from __future__ import annotations

import collections
import json
import os
import subprocess
import sys
import threading
import time
from typing import Callable, Iterable

from live.config.screen import ScreenLayout


class ScreenUnavailable(RuntimeError):
    """The client screen could not be opened (the message says why)."""


class TouchLink:
    """The client screen process and its message pipes.

    Parameters
    ----------
    display : int
        Screen index (``live run --display``).
    window : (int, int), optional
        A window of this size instead of full screen.
    display_latency_ms : float
        The screen draws beat cues this much early.
    log : callable
        Where the screen process's own error lines go.
    env : dict, optional
        Environment of the process (default: this one's).
    """

    def __init__(self, *, display: int = 0, window: tuple[int, int] | None = None, display_latency_ms: float = 0.0,
                 log: Callable[[str], None] = lambda line: print(line, file=sys.stderr),
                 env: dict[str, str] | None = None, ready_timeout_s: float = 20.0) -> None:
        argv = [sys.executable, "-m", "live.ui.touch", "--display", str(display),
                "--display-latency-ms", repr(float(display_latency_ms))]
        if window:
            argv += ["--window", f"{window[0]}x{window[1]}"]
        env = dict(os.environ if env is None else env, PYGAME_HIDE_SUPPORT_PROMPT="1")
        self.log = log
        self.touches: collections.deque[tuple[int, int, int]] = collections.deque()
        self.received = 0
        self._ready = threading.Event()
        self.ready_info: dict | None = None
        self.error: str | None = None
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, bufsize=1, env=env)
        self._threads = [threading.Thread(target=self._read_out, name="touch-link", daemon=True),
                         threading.Thread(target=self._read_err, name="touch-link-err", daemon=True)]
        for t in self._threads:
            t.start()
        if not self._ready.wait(ready_timeout_s) or self.error or self.ready_info is None:
            why = self.error or f"it did not start within {ready_timeout_s:g} s"
            self.close()
            raise ScreenUnavailable(why)

    def _read_out(self) -> None:
        for line in self.proc.stdout:
            try:
                msg = json.loads(line)
            except json.JSONDecodeError:
                self.log(f"client screen: {line.rstrip()}")
                continue
            if "touch" in msg:
                pad, velocity, host_ns = msg["touch"]
                self.touches.append((int(pad), int(velocity), int(host_ns)))
                self.received += 1
            elif "ready" in msg:
                self.ready_info = msg["ready"]
                self._ready.set()
            elif "error" in msg:
                self.error = msg["error"]
                self._ready.set()
        if not self._ready.is_set():
            self.error = self.error or f"the client screen exited ({self.proc.wait()})"
            self._ready.set()

    def _read_err(self) -> None:
        for line in self.proc.stderr:
            if line.strip():
                self.log(f"client screen: {line.rstrip()}")

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def _send(self, msg: dict) -> None:
        if self.proc.poll() is not None:
            return
        try:
            self.proc.stdin.write(json.dumps(msg) + "\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            pass

    def set_layout(self, layout: ScreenLayout) -> None:
        """Show ``layout``'s pads (at the start of each run)."""
        self._send({"layout": layout.to_json()})

    def send_cues(self, cues: Iterable[tuple[int, int, bool]]) -> None:
        """Beats to show: (beat index, host ns at which the beat sounds, accent)."""
        cues = [[int(b), int(t), bool(a)] for b, t, a in cues]
        if cues:
            self._send({"cues": cues})

    def send_changes(self, changes: Iterable[dict]) -> None:
        """An activity's prompts and pad changes, each with the host time it is seen from (the
        messages :func:`live.ui.screen_state.encode` makes)."""
        changes = list(changes)
        if changes:
            self._send({"screen": changes})

    def take(self) -> list[tuple[int, int, int]]:
        """Touches since the last call: (pad, velocity, host ns), in arrival order."""
        out = []
        while self.touches:
            out.append(self.touches.popleft())
        return out

    def close(self, timeout_s: float = 5.0) -> None:
        """Ask the screen to close and wait for it (killed when it does not go)."""
        self._send({"quit": True})
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        deadline = time.monotonic() + timeout_s
        try:
            self.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)
        for t in self._threads:
            t.join(timeout=1.0)
