"""The plain output edges: a console that only logs lines, and no client screen.

What a session has when there is no terminal to draw on (``--no-console``, stdin not a
terminal, ``live demo``) or no screen (``--headless``, ``live demo``). Realtime-safe: no.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

from live.engine.events import ScreenCue
from live.run.edges import ConsoleView

__all__ = ["LogConsole", "NoScreen"]


class LogConsole:
    """Lines go to ``write`` (e.g. stderr); the session's view is not shown, nor computed.

    Without a console nobody can start a stopped run again, so a stop ends the session."""

    waits_for_start = False

    def __init__(self, write: Callable[[str], None]):
        self._write = write

    def log(self, line: str) -> None:
        self._write(line)

    def show(self, view: Callable[[], ConsoleView]) -> None:
        pass

    def close(self) -> None:
        pass


class NoScreen:
    """No client screen: layouts and cues go nowhere."""

    def __init__(self, why: str = "none"):
        self.why = why

    def set_layout(self, layout: Any) -> None:
        pass

    def show_cues(self, cues: Iterable[ScreenCue]) -> None:
        pass

    def status(self) -> str:
        return f"client screen: {self.why}"

    def close(self) -> None:
        pass
