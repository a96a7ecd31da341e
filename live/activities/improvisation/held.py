"""The band's held notes: where a chord change ends the old chord's notes still sounding.

The planner keeps its planned sounds in a heap of ``(frame, order, sound)`` until they are
handed to the engine; :class:`HeldNotes` keeps the sustained ones (those with an ``end_frame``)
handed over whose end is still ahead. At a change of harmony on a frame, every such note begun
before it and ending after it ends there: a pending one gets the frame as its end, a handed-over
one a :class:`~live.engine.events.Release` from it (the run loop hands it to the engine and the
store).

Realtime-safe: no (control thread).
"""

from __future__ import annotations

import dataclasses
import heapq
from collections.abc import Hashable

from live.engine.events import Release, ScheduledSound

__all__ = ["HeldNotes"]

# Handed-over notes kept before those ended are dropped (a change is at a beat not yet planned,
# after every sound handed over so far, so a note ended by then cannot ring across one).
_PRUNE_AT = 256


class HeldNotes:
    """Sustained sounds handed to the engine whose ends may still move, and the releases due."""

    def __init__(self) -> None:
        self._held: list[ScheduledSound] = []
        self._releases: list[Release] = []
        self._harmony: Hashable | None = None

    def harmony_at(self, frame: int, harmony: Hashable | None,
                   pending: list[tuple[int, int, ScheduledSound]]) -> list[tuple[int, int, ScheduledSound]]:
        """The harmony from ``frame`` on is ``harmony`` (None: none yet, the count-in): when it
        differs from the last one, the held notes end at ``frame`` (:meth:`end_at`); returns the
        pending heap."""
        if harmony is None:
            return pending
        last, self._harmony = self._harmony, harmony
        return pending if last is None or last == harmony else self.end_at(frame, pending)

    def handed(self, sound: ScheduledSound) -> ScheduledSound:
        """``sound`` goes to the engine (kept when it has an end); returns it."""
        if sound.end_frame is not None:
            if len(self._held) > _PRUNE_AT:  # a change comes after this sound's start: those ended by then go
                self._held = [s for s in self._held if s.end_frame is not None and s.end_frame > sound.frame]
            self._held.append(sound)
        return sound

    def end_at(self, frame: int, pending: list[tuple[int, int, ScheduledSound]]) -> list[tuple[int, int, ScheduledSound]]:
        """End every held note sounding across ``frame`` there: the handed-over ones by a
        release (see :meth:`take`), those in ``pending`` (a heap of ``(frame, order, sound)``)
        by their end; returns the pending heap (the same list when nothing in it moved)."""
        still: list[ScheduledSound] = []
        for s in self._held:
            if s.end_frame is None or s.end_frame <= frame:
                continue
            if s.frame < frame:
                self._releases.append(Release(frame, s))
            else:
                still.append(s)
        self._held = still
        if not any(_across(s, frame) for _, _, s in pending):
            return pending
        moved = [(f, o, dataclasses.replace(s, end_frame=frame) if _across(s, frame) else s) for f, o, s in pending]
        heapq.heapify(moved)
        return moved

    def take(self) -> list[Release]:
        """The releases due since the last call."""
        out, self._releases = self._releases, []
        return out


def _across(s: ScheduledSound, frame: int) -> bool:
    return s.end_frame is not None and s.frame < frame < s.end_frame
