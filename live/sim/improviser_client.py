"""The simulated improviser as a session's simulated client: it hears the backing's beats and
the therapist's notes and plays the pads through the real input path.

It learns the beat grid from the planned sounds that mark a beat (``cue_index`` not None: the
activity's beat numbering, count-in beats negative, 0 the first beat it plays on; the first
sound of each index gives the beat's frame). When it hears beat ``k >= 0`` (and beat ``k - 1``,
or beat ``k + 1`` for a first beat with none before it), it draws that beat interval's notes
with :func:`~live.sim.improviser.beat_candidates`; notes are handed out in frame order once
every beat that could still put a note before them has been heard (``heard_until_frame``),
and left out while it listens to the therapist (:func:`~live.sim.improviser.take_note`). On a
steady grid it plays exactly what :func:`~live.sim.improviser.improvise` returns for the same
beats (tests/test_sim_improviser.py); a tempo change is followed from the beat after it.

Its inputs are pad presses: :class:`~live.engine.events.InputEvent` with source ``"sim"``,
``note`` the pad's index (0-based, as a touch pad's), the velocity and the client's code.

Realtime-safe: no (control thread).
"""

from __future__ import annotations

import heapq
from dataclasses import asdict
from typing import Any, Sequence

from live.engine.events import InputEvent, ScheduledSound
from live.sim.improviser import ImproviserParams, PadWalk, beat_candidates, take_note

__all__ = ["SimulatedImproviser"]

_CLIP_SD = 3.0


class SimulatedImproviser:
    """A seeded improviser on the pads (a :class:`~live.sim.base.SimulatedClient`).

    Parameters
    ----------
    params : ImproviserParams
        Its traits.
    seed : int
        Its seed (>= 0).
    sample_rate : int
        Frames per second of the engine clock.
    client : str
        Pseudonymous code stamped on its inputs.
    pad_notes : sequence of int, optional
        The MIDI note of each pad (so it can take up the therapist's register when following).
    """

    def __init__(self, params: ImproviserParams, *, seed: int, sample_rate: int, client: str,
                 pad_notes: Sequence[int] | None = None) -> None:
        if not (isinstance(seed, int) and seed >= 0):
            raise ValueError(f"seed {seed!r}: must be a whole number >= 0")
        self.params = params
        self.seed = seed
        self.sample_rate = sample_rate
        self.client = client
        self.pad_notes = None if pad_notes is None else tuple(pad_notes)
        self._beats: dict[int, int] = {}          # beat index -> frame
        self._undrawn: dict[int, int] = {}       # beats heard (index >= 0) whose notes are not drawn yet
        self._waiting: list[tuple[int, int, int]] = []   # (frame, order, velocity): drawn, not yet handed out
        self._order = 0
        self._heard: list[tuple[float, int]] = []  # the therapist's (onset_s, note), in time order
        self._times: list[float] = []
        self._walk = PadWalk(params, seed=seed)
        self._previous_s = float("-inf")
        self._start_frame = 0
        self._given = 0
        self._listened = 0
        self._margin_frames = int(round(_CLIP_SD * params.timing_sd_ms / 1000.0 * sample_rate)) + 1

    def start(self, start_frame: int) -> None:
        self._start_frame = start_frame

    def hear(self, sound: ScheduledSound) -> None:
        k = sound.cue_index
        if k is None or k in self._beats:
            return
        self._beats[k] = sound.frame
        if k >= 0:
            self._undrawn[k] = sound.frame
        for beat in (k - 1, k):   # a first beat waits for the next to know its interval
            self._draw(beat)

    def _draw(self, k: int) -> None:
        """Draw beat ``k``'s notes once its frame and its expected interval are known."""
        if k not in self._undrawn:
            return
        if k - 1 in self._beats:
            interval = self._beats[k] - self._beats[k - 1]
        elif k + 1 in self._beats and min(self._beats) == k:   # the first beat heard, none before it
            interval = self._beats[k + 1] - self._beats[k]
        else:
            return
        del self._undrawn[k]
        sr = self.sample_rate
        for onset_s, velocity in beat_candidates(self.params, seed=self.seed, beat_index=k,
                                                 beat_s=self._beats[k] / sr, interval_s=interval / sr):
            frame = int(round(onset_s * sr))
            heapq.heappush(self._waiting, (frame, self._order, velocity))
            self._order += 1

    def hear_therapist(self, ev: InputEvent) -> None:
        if ev.note is None:
            return
        self._heard.append((ev.frame / self.sample_rate, int(ev.note)))
        self._heard.sort()
        self._times = [t for t, _ in self._heard]

    def inputs_before(self, frame: int, *, heard_until_frame: int) -> list[InputEvent]:
        out = []
        # No beat not yet heard, or heard but not yet drawn, can put a note before this.
        ready_until = min([heard_until_frame, *self._undrawn.values()]) - self._margin_frames
        while self._waiting and self._waiting[0][0] < min(frame, ready_until):
            at, _, velocity = heapq.heappop(self._waiting)
            if at < self._start_frame:
                continue
            onset_s = at / self.sample_rate
            note = take_note(self.params, self._walk, onset_s, velocity, self._previous_s, self._heard,
                             self._times, self.pad_notes)
            if note is None:
                self._listened += 1
                continue
            self._previous_s = onset_s
            out.append(InputEvent(at, "sim", note.pad, note.velocity, self.client))
        self._given += len(out)
        return out

    def describe(self) -> dict[str, Any]:
        return {"model": "improviser", "seed": self.seed, **asdict(self.params)}

    def produced(self) -> dict[str, int]:
        return {"inputs": self._given, "omitted": self._listened, "extra": 0}
