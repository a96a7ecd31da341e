"""The therapist's console (:mod:`live.ui.console`) as the session's console edge and an input
source: its keys are controls at the frame they were pressed (start/stop, tempo up and down,
next activity, mark a moment, quit). Realtime-safe: no (control thread).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable

from live.activities.types import ControlEvent, Polled
from live.control_binding import DEFAULT_STEP_BPM
from live.run.edges import ConsoleView

__all__ = ["ConsoleKeys"]


class ConsoleKeys:
    """The curses console, started (a :class:`~live.run.edges.ConsoleEdge` and an input source).

    Parameters
    ----------
    console : live.ui.console.Console
    audio : live.run.live_audio.LiveAudio
        Maps a key's host time onto the engine's frames.
    after : callable
        Where lines go once the console has closed (stderr).
    """

    name = "console"
    waits_for_start = True

    def __init__(self, console: Any, audio: Any, after: Callable[[str], None]):
        self.console = console
        self.audio = audio
        self._log = console.log
        self._after = after
        self._last: ConsoleView | None = None

    def log(self, line: str) -> None:
        self._log(line)

    def show(self, view: Callable[[], ConsoleView]) -> None:
        from live.ui.console import ConsoleStatus

        self._last = view()
        self.console.publish(ConsoleStatus(**{f.name: getattr(self._last, f.name)
                                              for f in dataclasses.fields(ConsoleView)}))

    def poll(self, now_frame: int) -> Polled:
        controls = []
        for cmd in self.console.take():
            frame = self.audio.frame_at_host_ns(cmd.host_ns)
            step = DEFAULT_STEP_BPM if cmd.action in ("tempo_up", "tempo_down") else None
            controls.append(ControlEvent(frame, cmd.action, step, cmd.text or None))
        return Polled(controls=controls)

    def status(self) -> str:
        return "console: keys read"

    def close(self) -> None:
        """Show ``"saving"`` and give the terminal back; later lines go to ``after``."""
        from live.ui.console import ConsoleStatus

        self.console.publish(dataclasses.replace(self.console.status, state="saving"))
        self.console.close()
        self._log = self._after
