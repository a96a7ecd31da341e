"""Where an entrainment run's beats fall: the cued phases laid out from the cue tempo, the tempo
map with its steps, ramps and perturbations, each beat's frame as it is planned, and the
windows that say which beat a tap belongs to.

Beats are numbered from the first scored beat (0); count-in beats are negative. A beat's frame
is ``round(base.position_at_beat(k) + offset_k)``: ``base`` is the planned tempo map (steps,
ramps, tempo perturbations, the therapist's changes) and ``offset_k`` the sum of the phase
shifts and adaptive corrections up to beat ``k``, so with neither the beats are the tempo
map's, exactly. In adaptive mode each beat moves by ``adaptive_gain`` times the client's latest
asynchrony (Repp & Keller 2008, "Sensorimotor synchronization with adaptively timed
sequences", Hum. Mov. Sci. 27:423-456), its interval kept within
``adaptive_min_bpm..adaptive_max_bpm``.

Realtime-safe: no (control thread).
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

import numpy as np

from live.activities.entrainment.params import MAX_BPM, MIN_BPM, EntrainmentParams
from live.engine.timebase import TempoMap

__all__ = ["CuedPhase", "Timeline"]


@dataclass(frozen=True, slots=True)
class CuedPhase:
    """A cued phase: scored beats ``first_beat`` .. ``end_beat - 1`` at ``bpm`` (after its ramp)."""

    name: str
    first_beat: int
    end_beat: int
    bpm: float


def _phase_name(pct: float, n_steps: int) -> str:
    return "cue" if n_steps == 1 else f"cue{pct:+g}%"


def _clamp_bpm(bpm: float) -> float:
    return min(max(bpm, MIN_BPM), MAX_BPM)


class Timeline:
    """The beats of one run, from the cue's start on.

    Parameters
    ----------
    params : EntrainmentParams
    sample_rate : int
        Frames per second of the engine clock.
    cue_origin_frame : int
        Frame of the first count-in beat (the end of the baseline, if any).

    Attributes
    ----------
    base : TempoMap or None
        The planned tempo map; None until the cue tempo is known (:meth:`begin`).
    n_beats : int or None
        Scored beats of the run (None until :meth:`begin`; fewer once stopped).
    beat_frames : list of int
        Frames of the scored beats planned so far.
    next_beat : int
        The first beat not planned yet (count-in beats negative).
    """

    def __init__(self, params: EntrainmentParams, *, sample_rate: int, cue_origin_frame: int) -> None:
        self.params = params
        self.sample_rate = sample_rate
        self.cue_origin_frame = cue_origin_frame
        self.base: TempoMap | None = None
        self.n_beats: int | None = None
        self.beat_frames: list[int] = []
        self.next_beat = -params.count_in_beats
        self.offset = 0.0                      # frames, of the last planned beat
        self.cue_bpm: float | None = None
        self.phases: list[CuedPhase] = []
        self.perturbed: dict[int, int] = {}
        self.continuation_beats = params.continuation_beats
        self._shifts: dict[int, float] = {}
        self._events: list[tuple[int, str, float]] = []
        self._scale = 1.0

    # --- laying out the cue -------------------------------------------------------------------
    def begin(self, bpm: float) -> None:
        """Lay out the cued phases from the cue tempo ``bpm``: beats, tempo map, perturbations."""
        p = self.params
        self.cue_bpm = float(bpm)
        steps = p.tempo_steps_pct
        self.phases = []
        events: list[tuple[int, str, float]] = []  # (beat, "set" bpm | "scale" factor, ramp beats)
        at = 0
        for i, pct in enumerate(steps):
            step_bpm = _clamp_bpm(self.cue_bpm * (1 + pct / 100.0))
            n = p.beats if p.beats is not None else max(1, math.ceil(p.duration_s * step_bpm / 60.0))
            self.phases.append(CuedPhase(_phase_name(pct, len(steps)), at, at + n, step_bpm))
            if i:
                events.append((at, "set", step_bpm))
            at += n
        self.n_beats = at
        self.continuation_beats = p.continuation_beats
        self.perturbed = self._perturbation_beats()
        self._shifts = {}
        if p.perturbation == "phase":
            for k, sign in self.perturbed.items():
                self._shifts[k] = sign * p.phase_shift_ms * self.sample_rate / 1000.0
        elif p.perturbation == "tempo":
            events += [(k - 1, "scale", 1 + sign * p.tempo_step_pct / 100.0) for k, sign in self.perturbed.items()]
        self._events = sorted(events, key=lambda e: (e[0], e[1] == "scale"))
        self._scale = 1.0
        first = self.phases[0].bpm
        base = TempoMap(first, sample_rate=self.sample_rate, origin_frame=self.cue_origin_frame,
                        origin_beat=-p.count_in_beats)
        self.base = self._with_events(base, after_beat=-math.inf)

    def _with_events(self, base: TempoMap, *, after_beat: float) -> TempoMap:
        """``base`` with the protocol's tempo steps/ramps and tempo perturbations after ``after_beat``
        applied in beat order (steps scaled by the therapist's changes so far)."""
        ramp = self.params.ramp_beats
        for beat, kind, value in self._events:
            if beat <= after_beat:
                continue
            if kind == "scale":
                bpm = _clamp_bpm(base.bpm_at_beat(beat) * value)
                base = base.with_tempo(beat, bpm)
            else:
                bpm = _clamp_bpm(value * self._scale)
                base = base.with_ramp(beat, to_bpm=bpm, over_beats=ramp) if ramp else base.with_tempo(beat, bpm)
        return base

    def _perturbation_beats(self) -> dict[int, int]:
        """Perturbed scored beat -> sign (+1/-1): the chosen ones (+1), then the seeded random ones,
        each at least ``recovery_beats + 4`` beats from any other, a random sign each."""
        p = self.params
        if p.perturbation == "none":
            return {}
        out = {k: 1 for k in p.perturb_beats if 0 < k < self.n_beats}
        spacing = p.recovery_beats + 4
        rng = np.random.default_rng(p.perturbation_seed)
        candidates = rng.permutation(np.arange(4, max(self.n_beats - p.recovery_beats, 4)))
        need = p.random_perturbations
        for k in candidates.tolist():
            if need == 0:
                break
            if all(abs(k - j) >= spacing for j in out):
                out[k] = 1 if rng.random() < 0.5 else -1
                need -= 1
        return dict(sorted(out.items()))

    # --- planning, beat by beat ---------------------------------------------------------------
    def next_frame(self, last_async_frames: float | None) -> tuple[int, float, bool]:
        """Frame and offset of the next beat with its phase shift and adaptive correction by
        ``last_async_frames`` (the latest matched tap's asynchrony, None if none is new), and
        whether that corrected it. Computed afresh on each call, so a tap that arrives before
        the beat is planned still counts."""
        k = self.next_beat
        offset = self.offset + self._shifts.get(k, 0.0)
        p = self.params
        if p.adaptive_gain > 0 and k >= 1 and last_async_frames is not None:
            base_iv = self.base.position_at_beat(k) - self.base.position_at_beat(k - 1)
            iv = base_iv + (offset - self.offset) + p.adaptive_gain * last_async_frames
            sr60 = 60.0 * self.sample_rate
            iv = min(max(iv, sr60 / p.adaptive_max_bpm), sr60 / p.adaptive_min_bpm)
            offset = self.offset + iv - base_iv
            return math.floor(self.base.position_at_beat(k) + offset + 0.5), offset, True
        return math.floor(self.base.position_at_beat(k) + offset + 0.5), offset, False

    def commit(self, frame: int, offset: float) -> None:
        """Beat :attr:`next_beat` is planned at ``frame`` (with ``offset``)."""
        self.offset = offset
        if self.next_beat >= 0:
            self.beat_frames.append(frame)
        self.next_beat += 1

    def frame_at(self, beat: float, offset: float) -> int:
        """Frame of a position ``beat`` (fractional) on the tempo map, moved by ``offset`` frames."""
        return math.floor(self.base.position_at_beat(beat) + offset + 0.5)

    # --- the therapist's tempo and stop -------------------------------------------------------
    def set_tempo(self, action: str, value: float) -> str | None:
        """Apply ``tempo_set`` (to ``value`` BPM) or ``tempo_up``/``tempo_down`` (by ``value`` BPM)
        from the first beat not yet planned; what it did, None when there is nothing to change."""
        k = self.next_beat
        if k >= self.n_beats:
            return None
        old = self.base.bpm_at_beat(k)
        new = value if action == "tempo_set" else old + (value if action == "tempo_up" else -value)
        new = _clamp_bpm(float(new))
        if new == old:
            return None
        self._scale *= new / old
        self.base = self._with_events(self.base.with_tempo(k, new), after_beat=k)
        return f"tempo {old:g} -> {new:g} BPM from beat {k}"

    def stop(self, until_frame: int | None = None) -> None:
        """Keep only the beats already planned (with ``until_frame``: those before it); no
        continuation follows them."""
        if self.base is None:
            self.n_beats = 0
            return
        planned = max(min(self.next_beat, self.n_beats), 0)
        if until_frame is not None:
            planned = min(planned, bisect.bisect_left(self.beat_frames, until_frame))
        if planned < self.n_beats:
            self.n_beats = planned
            self.continuation_beats = 0
            self.phases = [ph for ph in self.phases if ph.first_beat < planned]
            if self.phases:
                last = self.phases[-1]
                self.phases[-1] = CuedPhase(last.name, last.first_beat, planned, last.bpm)

    # --- windows ------------------------------------------------------------------------------
    def beat_frame(self, k: int) -> int:
        """Frame of scored beat ``k``: planned, or as it would be planned now."""
        if k < len(self.beat_frames):
            return self.beat_frames[k]
        return math.floor(self.base.position_at_beat(k) + self.offset + 0.5)

    def last_interval_frames(self) -> int:
        n = self.n_beats
        return self.beat_frame(n) - self.beat_frame(n - 1)

    def boundary(self, k: int) -> int:
        """Where taps stop belonging to beat ``k - 1`` and start belonging to beat ``k``: half an
        interval before beat 0, half-way between two beats, half an interval after the last."""
        if k <= 0:
            return self.beat_frame(0) - (self.beat_frame(1) - self.beat_frame(0)) // 2
        if k >= self.n_beats:
            return self.cued_end_frame()
        return (self.beat_frame(k - 1) + self.beat_frame(k)) // 2

    def cued_end_frame(self) -> int:
        """Half an interval after the last scored beat."""
        last = self.beat_frame(self.n_beats - 1)
        return last + self.last_interval_frames() // 2

    def continuation_end_frame(self) -> int:
        """The end of the continuation (the cue's end when there is none)."""
        return self.cued_end_frame() + self.continuation_beats * self.last_interval_frames()

    def baseline_end_frame(self) -> int:
        if self.base is None or self.n_beats == 0:
            return self.cue_origin_frame
        return min(self.cue_origin_frame, self.boundary(0))

    def in_count_in(self, frame: int) -> bool:
        return self.base is not None and bool(self.n_beats) and self.cue_origin_frame <= frame < self.boundary(0)

    def cued_window(self) -> tuple[float, float]:
        """Frames of the taps scored against the beats: from half an interval before beat 0 to
        the cue's end when a continuation follows (else on to the end)."""
        if not self.n_beats:
            return (math.inf, math.inf)
        hi = self.cued_end_frame() if self.continuation_beats else math.inf
        return (self.boundary(0), hi)
