"""What every simulated client provides: it hears what a run plays and answers with inputs.

A simulated client (the tapper, the echo player, an improviser) is an input source like any
other, so ``live demo`` and the tests go through the real scoring path. An activity
builds the one that plays it (``Activity.simulated_client``); the session loop only calls the
methods below. A simulated therapist (``Activity.simulated_therapist``) keeps the same protocol:
its inputs carry ``client`` None, and ``live demo`` plays it on the therapist's side of the same
input path.

Realtime-safe: no (control thread).
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from live.engine.events import InputEvent, ScheduledSound

__all__ = ["SimulatedClient"]


@runtime_checkable
class SimulatedClient(Protocol):
    """A seeded, reproducible player of one activity."""

    client: str | None
    """Pseudonymous code stamped on every input it makes (None: a simulated therapist)."""

    def start(self, start_frame: int) -> None:
        """The run starts at ``start_frame`` (e.g. free tapping from there, for a baseline)."""
        ...

    def hear(self, sound: ScheduledSound) -> None:
        """Learn of a planned sound; called for every sound, in plan order."""
        ...

    def hear_therapist(self, ev: InputEvent) -> None:
        """Learn of a note the therapist played (they are in the same room), at ``ev.frame``;
        called with each therapist's note once it has happened (before this client is next asked
        for its inputs). A client that does not answer the therapist ignores it."""
        ...

    def inputs_before(self, frame: int, *, heard_until_frame: int) -> list[InputEvent]:
        """The inputs it made before ``frame`` not returned yet, in frame order.

        ``heard_until_frame``: every sound before it has been passed to :meth:`hear` (the
        scheduler's look-ahead horizon), so an input that a later sound could change is
        decided only once that sound is known.
        """
        ...

    def describe(self) -> dict[str, Any]:
        """Its true parameters (what the metrics should recover), for ``live demo --json``."""
        ...

    def produced(self) -> dict[str, int]:
        """What it actually did so far: ``{"inputs": ..., "omitted": ..., "extra": ...}``
        (inputs made, targets it left out on purpose, inputs added on purpose)."""
        ...
