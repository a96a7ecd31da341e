"""A simulated therapist's controls, given in advance as (frame, action, value): each handed to
the session at its frame (the offline clock steps to it exactly). Realtime-safe: no."""

from __future__ import annotations

from typing import Sequence

from live.activities.types import ControlEvent, Polled

__all__ = ["ScriptedControls"]


class ScriptedControls:
    """Controls at chosen frames, e.g. ``[(240000, "tempo_set", 110.0)]`` (an input source).

    Parameters
    ----------
    controls : sequence of (frame, action, value)
    """

    name = "controls"

    def __init__(self, controls: Sequence[tuple[int, str, float | None]]):
        self._todo = sorted((ControlEvent(int(f), a, None if v is None else float(v)) for f, a, v in controls),
                            key=lambda c: c.frame)

    @property
    def frames(self) -> list[int]:
        """The frames of the controls still to come."""
        return [c.frame for c in self._todo]

    def poll(self, now_frame: int) -> Polled:
        due = [c for c in self._todo if c.frame <= now_frame]
        self._todo = self._todo[len(due):]
        return Polled(controls=due)

    def status(self) -> str:
        return f"scripted controls: {len(self._todo)} to come"
