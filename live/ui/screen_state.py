"""What an activity has the client's screen show besides the beat: a prompt, pads lit, the pads'
labels, colours and marks, each from a moment on (the host time it is seen at).

The activity hands its :class:`~live.engine.events.ScreenPrompt`, :class:`~live.engine.events.PadLight`
and :class:`~live.engine.events.PadLook` (stamped in frames) to the screen edge with its beat
cues (``take_cues``); :func:`encode` turns each into the message the screen process reads, with
host times (``time.perf_counter_ns``) in place of frames; the screen keeps them in a
:class:`ScreenTimeline` and asks it, for every frame it draws, what is seen then
(:meth:`ScreenTimeline.at`, at the draw time plus the display latency). Pure Python (no pygame).

Realtime-safe: no.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Any, Callable

from live.engine.events import PadLight, PadLook, ScreenPrompt

__all__ = ["ScreenState", "ScreenTimeline", "encode"]


def encode(change: ScreenPrompt | PadLight | PadLook, host_ns_at: Callable[[int], int]) -> dict[str, Any]:
    """The screen message of one change: ``{"at_ns", "prompt"}``, ``{"at_ns", "until_ns", "lit"}``
    or ``{"at_ns", "look": {"labels", "colours", "marked"}}``; ``host_ns_at`` maps a frame to
    the host time it sounds at."""
    at_ns = int(host_ns_at(change.frame))
    if isinstance(change, ScreenPrompt):
        return {"at_ns": at_ns, "prompt": change.text}
    if isinstance(change, PadLight):
        return {"at_ns": at_ns, "until_ns": int(host_ns_at(change.end_frame)), "lit": list(change.pads)}
    if isinstance(change, PadLook):
        return {"at_ns": at_ns, "look": {"labels": list(change.labels), "colours": list(change.colours),
                                         "marked": list(change.marked)}}
    raise TypeError(f"not a screen change: {change!r}")


@dataclass(frozen=True, slots=True)
class ScreenState:
    """What the screen shows at one moment.

    ``prompt`` ("" for none); ``lit`` the pads the activity lights; ``labels`` and ``colours``
    per pad (None or beyond the tuple: the layout's own label, the pad's own colour; colours are
    palette indices); ``marked`` pads drawn with a ring.
    """

    prompt: str = ""
    lit: frozenset[int] = frozenset()
    labels: tuple[str | None, ...] = ()
    colours: tuple[int | None, ...] = ()
    marked: frozenset[int] = frozenset()

    def label(self, pad: int, own: str) -> str:
        """The label pad ``pad`` shows (``own``: the layout's)."""
        return own if pad >= len(self.labels) or self.labels[pad] is None else self.labels[pad]

    def colour(self, pad: int) -> int | None:
        """Palette index of pad ``pad``'s colour, None for its own."""
        return None if pad >= len(self.colours) else self.colours[pad]


class ScreenTimeline:
    """The changes the screen has been sent, by the host time each is seen from."""

    def __init__(self) -> None:
        self._prompts: list[tuple[int, int, str]] = []            # (at_ns, order sent, text)
        self._looks: list[tuple[int, int, ScreenState]] = []      # (at_ns, order sent, look)
        self._lights: list[tuple[int, int, frozenset[int]]] = []  # (at_ns, until_ns, pads)
        self._order = 0

    def clear(self) -> None:
        """Forget everything (a new run's layout: its own labels and colours, no prompt)."""
        self._prompts, self._looks, self._lights = [], [], []

    def add(self, changes: list[dict[str, Any]]) -> None:
        """Take changes as :func:`encode` wrote them (in any order; of two at the same time the
        one sent later wins)."""
        for change in changes:
            at_ns = int(change["at_ns"])
            self._order += 1
            if "prompt" in change:
                bisect.insort(self._prompts, (at_ns, self._order, str(change["prompt"])))
            elif "lit" in change:
                self._lights.append((at_ns, int(change["until_ns"]), frozenset(int(p) for p in change["lit"])))
            elif "look" in change:
                look = change["look"]
                state = ScreenState(labels=tuple(look.get("labels", ())), colours=tuple(look.get("colours", ())),
                                    marked=frozenset(int(p) for p in look.get("marked", ())))
                bisect.insort(self._looks, (at_ns, self._order, state))  # orders differ: states never compared

    def at(self, seen_ns: int) -> ScreenState:
        """What is seen at host time ``seen_ns`` (times only move forward: what can no longer be
        seen is dropped)."""
        _drop_superseded(self._prompts, seen_ns)
        _drop_superseded(self._looks, seen_ns)
        self._lights = [x for x in self._lights if x[1] > seen_ns]
        prompt = self._prompts[0][2] if self._prompts and self._prompts[0][0] <= seen_ns else ""
        look = self._looks[0][2] if self._looks and self._looks[0][0] <= seen_ns else ScreenState()
        lit = frozenset().union(*(pads for at_ns, _, pads in self._lights if at_ns <= seen_ns))
        return ScreenState(prompt=prompt, lit=lit, labels=look.labels, colours=look.colours, marked=look.marked)


def _drop_superseded(items: list, seen_ns: int) -> None:
    """Drop the entries of a time-sorted list that a later one, already seen, replaces."""
    while len(items) > 1 and items[1][0] <= seen_ns:
        items.pop(0)
