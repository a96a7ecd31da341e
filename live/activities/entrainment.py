"""Rhythmic entrainment: a beat (metronome or drum groove) the client taps or steps along with,
run as a protocol of phases.

A run is a sequence of phases (DOMAIN.md, "The three activities"):

1. ``baseline`` (optional, ``baseline_s`` > 0): no sound; the client taps or walks at their own
   pace and the cadence is measured. With ``cue_from_baseline`` the cue starts at that cadence
   (the median inter-tap interval of the baseline taps received when the cue is planned).
2. A count-in, then one cued phase per item of ``tempo_steps_pct`` (``cue`` when there is one,
   else ``cue+5%`` and so on), each ``beats`` long (or ``duration_s``), at the cue tempo plus that
   percentage; the tempo jumps at each step's first beat, or ramps linearly (in beats) to it over
   ``ramp_beats``. The last ``fade_beats`` beats fade out.
3. ``continuation`` (optional, ``continuation_beats`` > 0): silence for that many intervals of
   the last cue interval, while the client keeps going.

Perturbations (phase shifts of the beat, or tempo steps) fall on chosen or seeded-random scored
beats. In adaptive mode each beat moves by ``adaptive_gain`` times the client's latest
asynchrony (Repp & Keller 2008, "Sensorimotor synchronization with adaptively timed sequences",
Hum. Mov. Sci. 27:423-456), so the cue follows the client, its interval kept within
``adaptive_min_bpm..adaptive_max_bpm``; gain 0 leaves the tempo exactly as planned. The beat
interval is the planned one plus gain x the latest asynchrony, so a client who taps a steady
30 ms early (the usual anticipation) settles the beat gain x 30 ms per beat shorter.

Beats are numbered from the first scored beat (0); count-in beats are negative. A beat's frame is
``round(base.position_at_beat(k) + offset_k)``: ``base`` is the planned tempo map (steps, ramps,
tempo perturbations, the therapist's changes) and ``offset_k`` the sum of the phase shifts and
adaptive corrections up to beat ``k``, so with neither the beats are the tempo map's, exactly.

Realtime-safe: no (control thread).
"""

from __future__ import annotations

import bisect
import heapq
import math
from dataclasses import dataclass
from typing import Any, ClassVar, Iterator

import numpy as np

from live.activities.base import ActivityContext, Response, Summary, register
from live.activities.entrainment_params import MAX_BPM, MIN_BPM, EntrainmentParams
from live.activities.grooves import GROOVES, Groove, metronome
from live.engine.events import Cue, InputEvent, ScheduledSound
from live.engine.timebase import TempoMap
from live.metrics.bgls import alpha_bgls
from live.metrics.sms import match_taps, sms_summary
from live.metrics.timing import continuation_summary, free_tapping_summary, recovery_summary, tempo_following_ratio

__all__ = ["Entrainment", "EntrainmentParams", "CuedPhase"]

# At least this many baseline taps are needed to set the cue from the client's cadence.
_MIN_BASELINE_TAPS = 4


@dataclass(frozen=True, slots=True)
class CuedPhase:
    """A cued phase: scored beats ``first_beat`` .. ``end_beat - 1`` at ``bpm`` (after its ramp)."""

    name: str
    first_beat: int
    end_beat: int
    bpm: float


def _phase_name(pct: float, n_steps: int) -> str:
    return "cue" if n_steps == 1 else f"cue{pct:+g}%"


@register
class Entrainment:
    """The entrainment activity (see the module docstring for the protocol).

    Each tap gets a provisional score when it arrives; :meth:`summary` scores the whole run,
    and each phase, by the batch metric functions, which is what is stored.

    Realtime-safe: no (control thread).
    """

    name: ClassVar[str] = "entrainment"
    Params: ClassVar[type] = EntrainmentParams

    def __init__(self, params: EntrainmentParams):
        self.params = params
        self._ctx: ActivityContext | None = None
        self._taps: list[InputEvent] = []
        self._cues: list[Cue] = []

    # --- Activity protocol ----------------------------------------------------------------
    def start(self, ctx: ActivityContext) -> None:
        p = self.params
        self.groove: Groove = GROOVES[p.groove] if p.groove != "none" else metronome(p.meter, p.sound, p.subdivision)
        missing = sorted({s for s in self.groove.beat_sounds + tuple(h.sound for h in self.groove.hits)
                          for s in (s, f"{s}_accent")} - ctx.sound_names)
        if missing:
            raise ValueError(f"the engine's bank has no {', '.join(map(repr, missing))} sounds")
        self._ctx = ctx
        self.sample_rate = ctx.sample_rate
        self.start_frame = ctx.start_frame
        self.cue_origin_frame = ctx.start_frame + round(p.baseline_s * ctx.sample_rate)
        self._taps = []
        self._cues = []
        self._pending: list[tuple[int, int, ScheduledSound]] = []  # heap of (frame, order, sound)
        self._order = 0
        self.base: TempoMap | None = None
        self.n_beats: int | None = None
        self.beat_frames: list[int] = []       # frames of the planned scored beats
        self._next_beat = -p.count_in_beats
        self._offset = 0.0                     # frames, of the last planned beat
        self._last_async_frames: float | None = None  # the latest matched tap's asynchrony, not yet used
        self.baseline_cadence_bpm: float | None = None
        self.cue_bpm: float | None = None
        self.phases: list[CuedPhase] = []
        self.perturbed: dict[int, int] = {}
        self.continuation_beats = p.continuation_beats
        self._stopped = False
        if not p.cue_from_baseline:
            self._begin_cue(p.tempo_bpm)

    def plan(self, until_frame: int) -> Iterator[ScheduledSound]:
        if self.base is None:
            if self._stopped or until_frame <= self.cue_origin_frame:
                return
            self._begin_cue(self._tempo_from_baseline())
        while self._next_beat < self.n_beats:
            frame, offset, corrected = self._next_frame()
            if frame >= until_frame:
                break
            if corrected:
                self._last_async_frames = None  # each asynchrony moves the cue once
            self._commit_beat(frame, offset)
        while self._pending and self._pending[0][0] < until_frame:
            yield heapq.heappop(self._pending)[2]

    def take_cues(self) -> list[Cue]:
        cues, self._cues = self._cues, []
        return cues

    def on_input(self, ev: InputEvent) -> list[Response]:
        first = self.start_frame if self.params.baseline_s > 0 else self._boundary(0)
        if ev.frame < first or self._in_count_in(ev.frame):
            return []
        self._taps.append(ev)
        k = self._nearest_beat(ev.frame)
        if k is None:
            return [Response(ev, None, None, None)]
        beat_frame = self.beat_frames[k]
        if k >= self._next_beat - 2:
            self._last_async_frames = float(ev.frame - beat_frame)
        return [Response(ev, k, beat_frame, 1000.0 * (ev.frame - beat_frame) / self.sample_rate)]

    def on_control(self, action: str, value: float | None) -> str | None:
        """Apply a therapist's control; returns what it did, for the record (None: ignored).

        Tempo controls (``tempo_set`` to ``value`` BPM, ``tempo_up``/``tempo_down`` by ``value``
        BPM) apply from the first beat not yet planned, i.e. the next beat beyond the look-ahead:
        every beat already queued plays where it was planned. The new tempo is kept within
        20..240 BPM; later tempo steps of the protocol keep their size relative to it. A run
        given by ``duration_s`` keeps its number of beats. Ignored before the cue starts.
        """
        if action not in ("tempo_set", "tempo_up", "tempo_down") or value is None or self.base is None:
            return None
        k = self._next_beat
        if k >= self.n_beats:
            return None
        old = self.base.bpm_at_beat(k)
        new = value if action == "tempo_set" else old + (value if action == "tempo_up" else -value)
        new = min(max(float(new), MIN_BPM), MAX_BPM)
        if new == old:
            return None
        self._scale *= new / old
        self.base = self._with_events(self.base.with_tempo(k, new), after_beat=k)
        return f"tempo {old:g} -> {new:g} BPM from beat {k}"

    def stop(self, until_frame: int | None = None) -> None:
        """End the run early: the beats already planned (playing now or within the look-ahead)
        are the run's beats (with ``until_frame``: those before that frame, the rest never
        sounded); later ones never sound and are not scored, and no continuation follows.
        Stopped during the baseline, no cue is played; during the continuation, that phase's
        summary has the taps made until then."""
        self._stopped = True
        if self.base is None:
            self.n_beats = 0
            return
        planned = max(min(self._next_beat, self.n_beats), 0)
        if until_frame is not None:
            planned = min(planned, bisect.bisect_left(self.beat_frames, until_frame))
        if planned < self.n_beats:
            self.n_beats = planned
            self.continuation_beats = 0
            self.phases = [ph for ph in self.phases if ph.first_beat < planned]
            if self.phases:
                last = self.phases[-1]
                self.phases[-1] = CuedPhase(last.name, last.first_beat, planned, last.bpm)

    def is_finished(self, now_frame: int) -> bool:
        if self.n_beats is None:
            return False
        if self.n_beats == 0:
            return True
        if self._next_beat < self.n_beats:
            return False
        return now_frame > self._cued_end_frame() + self.continuation_beats * self._last_interval_frames()

    def summary(self) -> Summary:
        """Metrics of the cued beats (``metrics``) and of each phase (``phases``)."""
        sr = self.sample_rate
        taps = np.asarray([ev.frame for ev in self._taps_in_order()], dtype=np.int64)
        phases: dict[str, dict[str, Any]] = {}
        if self.params.baseline_s > 0:
            lo, hi = self.start_frame, self._baseline_end_frame()
            metrics = free_tapping_summary(taps[(taps >= lo) & (taps < hi)] / sr)
            metrics["duration_s"] = (hi - lo) / sr
            metrics["cue_start_bpm"] = self.cue_bpm
            phases["baseline"] = metrics
        n = self.n_beats or 0
        beats = np.asarray(self.beat_frames[:n], dtype=np.int64)
        cued = self._cued_taps(taps)
        for ph in (self.phases if n else []):
            lo = self._boundary(ph.first_beat)
            hi = self._boundary(ph.end_beat)
            in_phase = cued[(cued >= lo) & (cued < hi)]
            phases[ph.name] = self._cued_summary(beats[ph.first_beat : ph.end_beat], in_phase, ph.first_beat)
        if n and self.continuation_beats:
            end = self._cued_end_frame()
            cont = taps[(taps >= end) & (taps < end + self.continuation_beats * self._last_interval_frames())]
            last_iv = (beats[-1] - beats[-2]) / sr if n >= 2 else self._last_interval_frames() / sr
            phases["continuation"] = continuation_summary(cont / sr, last_cue_interval_s=last_iv)
        metrics = sms_summary(beats / sr, cued / sr, window_ms=self.params.window_ms)
        metrics["alpha"] = _alpha(beats, cued, sr)
        return Summary(metrics=metrics, beat_frames=tuple(int(b) for b in beats),
                       tap_frames=tuple(int(t) for t in taps), phases=phases)

    def final_responses(self) -> list[Response]:
        """Every scored input with its match by the batch matcher (the one the summary used);
        baseline and continuation taps have no beat."""
        sr = self.sample_rate
        n = self.n_beats or 0
        beats = self.beat_frames[:n]
        scored = self._taps_in_order()
        lo, hi = self._cued_window()
        cued = [ev for ev in scored if lo <= ev.frame < hi]
        match = match_taps(np.asarray(beats, dtype=np.float64) / sr, np.asarray([ev.frame for ev in cued]) / sr)
        beat_of = {id(ev): int(k) for ev, k in zip(cued, match.tap_beat) if k >= 0}
        out = []
        for ev in scored:
            k = beat_of.get(id(ev))
            if k is None:
                out.append(Response(ev, None, None, None))
            else:
                out.append(Response(ev, k, beats[k], 1000.0 * (ev.frame - beats[k]) / sr))
        return out

    # --- building the cue ---------------------------------------------------------------------
    def _tempo_from_baseline(self) -> float:
        """The client's cadence from the baseline taps received so far (median interval), within
        20..240 BPM; ``tempo_bpm`` when there are fewer than 4 taps."""
        frames = sorted(ev.frame for ev in self._taps if ev.frame < self.cue_origin_frame)
        if len(frames) < _MIN_BASELINE_TAPS:
            return self.params.tempo_bpm
        iti = float(np.median(np.diff(frames)))
        self.baseline_cadence_bpm = 60.0 * self.sample_rate / iti if iti > 0 else None
        if self.baseline_cadence_bpm is None:
            return self.params.tempo_bpm
        return min(max(self.baseline_cadence_bpm, MIN_BPM), MAX_BPM)

    def _begin_cue(self, bpm: float) -> None:
        """Lay out the cued phases from the cue tempo ``bpm``: beats, tempo map, perturbations."""
        p = self.params
        self.cue_bpm = float(bpm)
        steps = p.tempo_steps_pct
        self.phases = []
        events: list[tuple[int, str, float]] = []  # (beat, "set" bpm | "scale" factor, ramp beats)
        at = 0
        for i, pct in enumerate(steps):
            step_bpm = min(max(self.cue_bpm * (1 + pct / 100.0), MIN_BPM), MAX_BPM)
            n = p.beats if p.beats is not None else max(1, math.ceil(p.duration_s * step_bpm / 60.0))
            self.phases.append(CuedPhase(_phase_name(pct, len(steps)), at, at + n, step_bpm))
            if i:
                events.append((at, "set", step_bpm))
            at += n
        self.n_beats = at
        self.continuation_beats = p.continuation_beats
        self.perturbed = self._perturbation_beats()
        self._shifts: dict[int, float] = {}
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
                bpm = min(max(base.bpm_at_beat(beat) * value, MIN_BPM), MAX_BPM)
                base = base.with_tempo(beat, bpm)
            else:
                bpm = min(max(value * self._scale, MIN_BPM), MAX_BPM)
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

    # --- planning -----------------------------------------------------------------------------
    def _next_frame(self) -> tuple[int, float, bool]:
        """Frame and offset of the next beat with its phase shift and adaptive correction, and
        whether the latest asynchrony corrected it. Computed afresh on each call, so a tap that
        arrives before the beat is planned still counts."""
        k = self._next_beat
        offset = self._offset + self._shifts.get(k, 0.0)
        p = self.params
        if p.adaptive_gain > 0 and k >= 1 and self._last_async_frames is not None:
            base_iv = self.base.position_at_beat(k) - self.base.position_at_beat(k - 1)
            iv = base_iv + (offset - self._offset) + p.adaptive_gain * self._last_async_frames
            sr60 = 60.0 * self.sample_rate
            iv = min(max(iv, sr60 / p.adaptive_max_bpm), sr60 / p.adaptive_min_bpm)
            offset = self._offset + iv - base_iv
            return math.floor(self.base.position_at_beat(k) + offset + 0.5), offset, True
        return math.floor(self.base.position_at_beat(k) + offset + 0.5), offset, False

    def _commit_beat(self, frame: int, offset: float) -> None:
        p, k = self.params, self._next_beat
        self._offset = offset
        bar_beat = (k + p.count_in_beats) % self.groove.meter
        accent = bar_beat + 1 in p.accents
        gain = p.volume
        if p.fade_beats and k >= self.n_beats - p.fade_beats:
            gain *= (self.n_beats - k) / (p.fade_beats + 1)
        cue = self.groove.beat_sounds[bar_beat]
        self._push(ScheduledSound(frame=frame, sound=f"{cue}_accent" if accent else cue, gain=gain, beat_index=k))
        self._cues.append(Cue(beat_index=k, frame=frame, accent=accent))
        last = k == self.n_beats - 1
        for hit in self.groove.hits:
            if hit.beat != bar_beat or (last and hit.fraction > 0):
                continue
            at = frame if hit.fraction == 0 else math.floor(
                self.base.position_at_beat(k + hit.fraction) + offset + 0.5)
            self._push(ScheduledSound(frame=at, sound=hit.sound, gain=gain * hit.level))
        if k >= 0:
            self.beat_frames.append(frame)
        self._next_beat += 1

    def _push(self, sound: ScheduledSound) -> None:
        heapq.heappush(self._pending, (sound.frame, self._order, sound))
        self._order += 1

    # --- windows and scoring ------------------------------------------------------------------
    def _beat_frame(self, k: int) -> int:
        """Frame of scored beat ``k``: planned, or as it would be planned now."""
        if k < len(self.beat_frames):
            return self.beat_frames[k]
        return math.floor(self.base.position_at_beat(k) + self._offset + 0.5)

    def _last_interval_frames(self) -> int:
        n = self.n_beats
        return self._beat_frame(n) - self._beat_frame(n - 1)

    def _boundary(self, k: int) -> int:
        """Where taps stop belonging to beat ``k - 1`` and start belonging to beat ``k``: half an
        interval before beat 0, half-way between two beats, half an interval after the last."""
        if k <= 0:
            return self._beat_frame(0) - (self._beat_frame(1) - self._beat_frame(0)) // 2
        if k >= self.n_beats:
            return self._cued_end_frame()
        return (self._beat_frame(k - 1) + self._beat_frame(k)) // 2

    def _cued_end_frame(self) -> int:
        last = self._beat_frame(self.n_beats - 1)
        return last + self._last_interval_frames() // 2

    def _baseline_end_frame(self) -> int:
        if self.base is None or self.n_beats == 0:
            return self.cue_origin_frame
        return min(self.cue_origin_frame, self._boundary(0))

    def _in_count_in(self, frame: int) -> bool:
        return self.base is not None and bool(self.n_beats) and self.cue_origin_frame <= frame < self._boundary(0)

    def _cued_window(self) -> tuple[float, float]:
        if not self.n_beats:
            return (math.inf, math.inf)
        hi = self._cued_end_frame() if self.continuation_beats else math.inf
        return (self._boundary(0), hi)

    def _cued_taps(self, taps: np.ndarray) -> np.ndarray:
        lo, hi = self._cued_window()
        return taps[(taps >= lo) & (taps < hi)]

    def _cued_summary(self, beats: np.ndarray, taps: np.ndarray, first_beat: int) -> dict[str, Any]:
        sr = self.sample_rate
        out = sms_summary(beats / sr, taps / sr, window_ms=self.params.window_ms)
        if beats.size >= 2:
            out["cue_tempo_bpm"] = 60.0 * sr * (beats.size - 1) / float(beats[-1] - beats[0])
        else:
            out["cue_tempo_bpm"] = None
        out["tempo_following_ratio"] = tempo_following_ratio(beats / sr, taps / sr)
        out["alpha"] = _alpha(beats, taps, sr)
        at = {k - first_beat: sign for k, sign in self.perturbed.items() if first_beat <= k < first_beat + beats.size}
        if at:
            match = match_taps(beats / sr, taps / sr)
            async_ms = np.where(match.beat_tap >= 0, (taps[match.beat_tap] - beats) * 1000.0 / sr, np.nan)
            out.update(recovery_summary(async_ms, list(at), list(at.values()),
                                        recovery_beats=self.params.recovery_beats))
        return out

    def _taps_in_order(self) -> list[InputEvent]:
        return sorted(self._taps, key=lambda ev: ev.frame)  # stable: simultaneous taps keep arrival order

    def _nearest_beat(self, frame: int) -> int | None:
        """Provisional match: the nearest planned scored beat (ties to the earlier) within half its interval."""
        planned = len(self.beat_frames)
        i = bisect.bisect_left(self.beat_frames, frame)
        best = None
        for k in (i - 1, i):
            if 0 <= k < planned:
                d = abs(frame - self.beat_frames[k])
                if d * 2 <= self._beat_frame(k + 1) - self.beat_frames[k] and (best is None or d < best[0]):
                    best = (d, k)
        return None if best is None else best[1]


def _alpha(beats: np.ndarray, taps: np.ndarray, sample_rate: int) -> float | None:
    """Phase-correction gain by bGLS over pairs of taps matched to consecutive beats."""
    match = match_taps(beats / sample_rate, taps / sample_rate)
    bt = match.beat_tap
    pairs = np.flatnonzero((bt[:-1] >= 0) & (bt[1:] >= 0))
    if pairs.size < 3:
        return None
    first, second = taps[bt[pairs]], taps[bt[pairs + 1]]
    iti_ms = (second - first) * 1000.0 / sample_rate
    async_ms = (first - beats[pairs]) * 1000.0 / sample_rate
    runs = np.cumsum(np.r_[0, np.diff(pairs) != 1])
    fit = alpha_bgls(iti_ms, async_ms, runs)
    return None if fit is None else fit.alpha
