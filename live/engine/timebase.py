"""Tempo as a pure map between beats and frames; the only place beats meet frames.

A :class:`TempoMap` is an immutable sequence of segments, each either a constant tempo or a
tempo ramp that is linear in beats, anchored at (beat origin, frame position). Like Ableton
Link's timeline (tempo, beat origin, time origin), it is a bijection: ``beat_at_frame`` and
``position_at_beat`` invert each other. Positions are computed in closed form from the
segment's anchor, never by summing intervals, so a beat an hour in is placed exactly as the
first one (no drift).

All methods are pure and thread-safe. Realtime-safe: no (Python; used on the control thread).
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

MIN_BPM = 1.0
MAX_BPM = 1000.0


@dataclass(frozen=True, slots=True)
class Segment:
    """A stretch of constant or linearly ramping tempo.

    Parameters
    ----------
    start_beat : float
        Beat at which the segment starts.
    start_position : float
        Frame position (fractional frames) of ``start_beat``.
    start_bpm, end_bpm : float
        Tempo at the start and at the end of the ramp (equal for constant tempo).
    length_beats : float
        Length of the ramp in beats; ``math.inf`` for a constant segment that runs on.
    """

    start_beat: float
    start_position: float
    start_bpm: float
    end_bpm: float
    length_beats: float

    def bpm_at(self, beat: float) -> float:
        if self.start_bpm == self.end_bpm:
            return self.start_bpm
        x = min(max(beat - self.start_beat, 0.0), self.length_beats)
        return self.start_bpm + (self.end_bpm - self.start_bpm) * x / self.length_beats

    def seconds_to(self, beat: float) -> float:
        """Seconds from the segment start to ``beat`` (inside the segment)."""
        x = beat - self.start_beat
        if self.start_bpm == self.end_bpm:
            return 60.0 * x / self.start_bpm
        # tempo(x) = b0 + k x, dt/dx = 60 / tempo(x)  =>  t = 60/k * ln(tempo(x) / b0)
        k = (self.end_bpm - self.start_bpm) / self.length_beats
        return 60.0 / k * math.log1p(k * x / self.start_bpm)

    def beats_in(self, seconds: float) -> float:
        """Beats from the segment start after ``seconds`` (inverse of :meth:`seconds_to`)."""
        if self.start_bpm == self.end_bpm:
            return seconds * self.start_bpm / 60.0
        k = (self.end_bpm - self.start_bpm) / self.length_beats
        return self.start_bpm / k * math.expm1(k * seconds / 60.0)


class TempoMap:
    """Piecewise tempo (constant and linear-in-beats ramps) over integer engine frames.

    Parameters
    ----------
    bpm : float
        Tempo from ``origin_beat`` on.
    sample_rate : int
        Frames per second.
    origin_frame : int
        Frame at which ``origin_beat`` falls.
    origin_beat : float
        Beat number at ``origin_frame`` (default 0).

    Examples
    --------
    >>> tm = TempoMap(120, sample_rate=48000).with_ramp(8, to_bpm=132, over_beats=16)
    >>> tm.frame_at_beat(1)
    24000
    """

    __slots__ = ("sample_rate", "_segments", "_beats", "_positions")

    def __init__(self, bpm: float, *, sample_rate: int, origin_frame: int = 0, origin_beat: float = 0.0):
        _check_bpm(bpm)
        if sample_rate <= 0:
            raise ValueError(f"sample_rate must be > 0 frames per second, got {sample_rate}")
        self.sample_rate = int(sample_rate)
        self._set((Segment(float(origin_beat), float(origin_frame), float(bpm), float(bpm), math.inf),))

    def _set(self, segments: tuple[Segment, ...]) -> None:
        self._segments = segments
        self._beats = [s.start_beat for s in segments]
        self._positions = [s.start_position for s in segments]

    @property
    def segments(self) -> tuple[Segment, ...]:
        return self._segments

    # --- building -------------------------------------------------------------------------
    def with_tempo(self, from_beat: float, bpm: float) -> TempoMap:
        """A new map equal to this one before ``from_beat`` and at ``bpm`` from it on (a step)."""
        _check_bpm(bpm)
        return self._replaced_from(from_beat, [(bpm, bpm, math.inf)])

    def with_ramp(self, from_beat: float, *, to_bpm: float, over_beats: float) -> TempoMap:
        """A new map whose tempo moves linearly (in beats) from its tempo at ``from_beat`` to
        ``to_bpm`` over ``over_beats`` beats, then stays at ``to_bpm``."""
        _check_bpm(to_bpm)
        if not over_beats > 0 or not math.isfinite(over_beats):
            raise ValueError(f"over_beats must be a finite number > 0, got {over_beats}")
        start_bpm = self.bpm_at_beat(from_beat)
        return self._replaced_from(from_beat, [(start_bpm, to_bpm, over_beats), (to_bpm, to_bpm, math.inf)])

    def _replaced_from(self, from_beat: float, parts: list[tuple[float, float, float]]) -> TempoMap:
        if from_beat < self._segments[0].start_beat:
            raise ValueError(f"from_beat {from_beat} is before the map's origin beat {self._segments[0].start_beat}")
        i = bisect.bisect_right(self._beats, from_beat) - 1
        kept = list(self._segments[:i])
        head = self._segments[i]
        if head.start_beat < from_beat:
            # Cut the segment at from_beat: it ends there (a ramp keeps its slope up to the cut).
            cut = from_beat - head.start_beat
            if head.start_bpm != head.end_bpm and cut < head.length_beats:
                end_bpm = head.bpm_at(from_beat)
                kept.append(Segment(head.start_beat, head.start_position, head.start_bpm, end_bpm, cut))
            else:
                kept.append(Segment(head.start_beat, head.start_position, head.start_bpm, head.end_bpm,
                                    min(cut, head.length_beats)))
        beat, position = float(from_beat), self.position_at_beat(from_beat)
        for start_bpm, end_bpm, length in parts:
            seg = Segment(beat, position, float(start_bpm), float(end_bpm), float(length))
            kept.append(seg)
            if math.isinf(length):
                break
            beat += length
            position = seg.start_position + seg.seconds_to(beat) * self.sample_rate
        new = object.__new__(TempoMap)
        new.sample_rate = self.sample_rate
        new._set(tuple(kept))
        return new

    # --- queries --------------------------------------------------------------------------
    def _segment_for_beat(self, beat: float) -> Segment:
        i = bisect.bisect_right(self._beats, beat) - 1
        return self._segments[max(i, 0)]

    def bpm_at_beat(self, beat: float) -> float:
        """Tempo in BPM at ``beat``."""
        return self._segment_for_beat(beat).bpm_at(beat)

    def position_at_beat(self, beat: float) -> float:
        """Exact (fractional) frame position of ``beat``."""
        seg = self._segment_for_beat(beat)
        return seg.start_position + seg.seconds_to(beat) * self.sample_rate

    def frame_at_beat(self, beat: float) -> int:
        """Frame at which ``beat`` sounds: its position rounded to the nearest frame (half up)."""
        return math.floor(self.position_at_beat(beat) + 0.5)

    def beat_at_frame(self, frame: float) -> float:
        """Beat at frame position ``frame`` (integer or fractional)."""
        i = bisect.bisect_right(self._positions, frame) - 1
        seg = self._segments[max(i, 0)]
        return seg.start_beat + seg.beats_in((frame - seg.start_position) / self.sample_rate)

    def interval_frames(self, beat: float) -> int:
        """Frames from ``beat`` to ``beat + 1``, both rounded as :meth:`frame_at_beat` does."""
        return self.frame_at_beat(beat + 1) - self.frame_at_beat(beat)

    def __repr__(self) -> str:
        parts = ", ".join(
            f"{s.start_bpm:g}" + (f"->{s.end_bpm:g}/{s.length_beats:g}b" if s.start_bpm != s.end_bpm else "")
            + f"@{s.start_beat:g}" for s in self._segments)
        return f"TempoMap([{parts}], sample_rate={self.sample_rate})"


def _check_bpm(bpm: float) -> None:
    if not (isinstance(bpm, (int, float)) and math.isfinite(bpm) and MIN_BPM <= bpm <= MAX_BPM):
        raise ValueError(f"tempo must be {MIN_BPM:g}..{MAX_BPM:g} BPM, got {bpm!r}")
