"""Rhythmic entrainment: a metronome beat the client taps along with."""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from typing import Any, ClassVar, Iterator

import numpy as np

from live.activities.base import ActivityContext, Response, Summary, register
from live.activities.params import ParamProblem, param
from live.engine.events import Cue, InputEvent, ScheduledSound
from live.engine.timebase import TempoMap
from live.metrics.sms import match_taps, sms_summary


@dataclass(frozen=True, slots=True)
class EntrainmentParams:
    """Parameters of a metronome run, as a preset's ``[params]`` table gives them."""

    tempo_bpm: float = param(100.0, range=(20, 240), unit="BPM", help="beats per minute")
    meter: int = param(4, range=(1, 12), help="beats per bar")
    accents: tuple[int, ...] = param(
        (1,), item_range=(1, 12), help="beats of the bar played accented, counted from 1"
    )
    count_in_beats: int = param(4, range=(0, 32), help="beats played before scoring starts")
    beats: int | None = param(
        None, range=(1, 20000), help="number of scored beats (give this or duration_s)"
    )
    duration_s: float | None = param(
        None, range=(1, 7200), unit="s", help="scored length in seconds (give this or beats)"
    )
    sound: str = param("click", choices=("click", "woodblock"), help="the beat's sound")
    volume: float = param(0.8, range=(0.0, 1.0), help="linear gain of the beat")
    window_ms: float = param(
        50.0, range=(1, 1000), unit="ms", help="tolerance for the share of taps within +/- window"
    )

    @staticmethod
    def check(values: dict[str, Any]) -> list[ParamProblem]:
        """Rules that span fields; ``values`` holds each field already checked on its own."""
        problems = []
        if (values.get("beats") is None) == (values.get("duration_s") is None):
            problems.append(
                ParamProblem("beats", values.get("beats"), "give exactly one of beats or duration_s")
            )
        meter = values.get("meter", 4)
        for i, beat in enumerate(values.get("accents", ())):
            if isinstance(beat, int) and beat > meter:
                problems.append(ParamProblem(f"accents[{i}]", beat, f"must be 1..{meter} (a beat of the bar)"))
        return problems


@register
class Entrainment:
    """A metronome: count-in, accented meter, then a fixed number of scored beats.

    Beats are numbered from the first scored beat (0); count-in beats are negative. Taps from
    half an interval before the first scored beat on are scored; earlier ones (during the
    count-in) are logged but not scored. Each tap gets a provisional score when it arrives;
    :meth:`summary` scores the whole run by the batch metric functions
    (:func:`live.metrics.sms.sms_summary`), which is what is stored.

    Realtime-safe: no (control thread).
    """

    name: ClassVar[str] = "entrainment"
    Params: ClassVar[type] = EntrainmentParams

    def __init__(self, params: EntrainmentParams):
        self.params = params
        self._ctx: ActivityContext | None = None
        self._scored: list[InputEvent] = []
        self._cues: list[Cue] = []

    # --- Activity protocol ----------------------------------------------------------------
    def start(self, ctx: ActivityContext) -> None:
        p = self.params
        if p.sound not in ctx.sound_names or f"{p.sound}_accent" not in ctx.sound_names:
            raise ValueError(f"the engine's bank has no {p.sound!r} sounds")
        self._ctx = ctx
        self.tempo = TempoMap(p.tempo_bpm, sample_rate=ctx.sample_rate, origin_frame=ctx.start_frame,
                              origin_beat=-p.count_in_beats)
        self.n_beats = p.beats if p.beats is not None else max(1, math.ceil(p.duration_s * p.tempo_bpm / 60.0))
        self.beat_frames = [self.tempo.frame_at_beat(k) for k in range(self.n_beats + 1)]  # +1: last interval
        self._next_beat = -p.count_in_beats
        self._scored = []
        self._score_from_frame = self.beat_frames[0] - (self.beat_frames[1] - self.beat_frames[0]) // 2

    def plan(self, until_frame: int) -> Iterator[ScheduledSound]:
        p = self.params
        while self._next_beat < self.n_beats:
            k = self._next_beat
            frame = self.tempo.frame_at_beat(k)
            if frame >= until_frame:
                return
            bar_beat = (k + p.count_in_beats) % p.meter + 1
            accent = bar_beat in p.accents
            self._cues.append(Cue(beat_index=k, frame=frame, accent=accent))
            yield ScheduledSound(frame=frame, sound=f"{p.sound}_accent" if accent else p.sound,
                                 gain=p.volume, beat_index=k)
            self._next_beat += 1

    def take_cues(self) -> list[Cue]:
        cues, self._cues = self._cues, []
        return cues

    def on_input(self, ev: InputEvent) -> list[Response]:
        if ev.frame < self._score_from_frame:
            return []
        self._scored.append(ev)
        k = self._nearest_beat(ev.frame)
        if k is None:
            return [Response(ev, None, None, None)]
        beat_frame = self.beat_frames[k]
        return [Response(ev, k, beat_frame, 1000.0 * (ev.frame - beat_frame) / self._ctx.sample_rate)]

    def on_control(self, action: str, value: float | None) -> str | None:
        """Apply a therapist's control; returns what it did, for the record (None: ignored).

        Tempo controls (``tempo_set`` to ``value`` BPM, ``tempo_up``/``tempo_down`` by ``value``
        BPM) apply from the first beat not yet planned, i.e. the next beat beyond the look-ahead:
        every beat already queued plays where it was planned. The new tempo is kept within the
        preset range of 20..240 BPM. A run given by ``duration_s`` keeps its number of beats.
        """
        if action not in ("tempo_set", "tempo_up", "tempo_down") or value is None:
            return None
        k = self._next_beat
        if k >= self.n_beats:
            return None
        old = self.tempo.bpm_at_beat(k)
        new = value if action == "tempo_set" else old + (value if action == "tempo_up" else -value)
        new = min(max(float(new), 20.0), 240.0)
        if new == old:
            return None
        self.tempo = self.tempo.with_tempo(k, new)
        self.beat_frames[max(k, 0):] = [self.tempo.frame_at_beat(j) for j in range(max(k, 0), self.n_beats + 1)]
        return f"tempo {old:g} -> {new:g} BPM from beat {k}"

    def stop(self) -> None:
        """End the run early: the beats already planned (playing now or within the look-ahead)
        are the run's beats; the rest never sound and are not scored."""
        self.n_beats = max(min(self._next_beat, self.n_beats), 0)

    def is_finished(self, now_frame: int) -> bool:
        if self.n_beats == 0:
            return True
        last = self.beat_frames[self.n_beats - 1]
        interval = self.beat_frames[self.n_beats] - last
        return self._next_beat >= self.n_beats and now_frame > last + interval // 2

    def summary(self) -> Summary:
        beats_s, taps_s = self._times_s()
        metrics = sms_summary(beats_s, taps_s, window_ms=self.params.window_ms)
        return Summary(metrics=metrics, beat_frames=tuple(self.beat_frames[: self.n_beats]),
                       tap_frames=tuple(ev.frame for ev in self._taps_in_order()))

    def final_responses(self) -> list[Response]:
        """Every scored input with its match by the batch matcher (the one the summary used)."""
        scored = self._taps_in_order()
        beats_s, taps_s = self._times_s()
        match = match_taps(beats_s, taps_s)
        sr = self._ctx.sample_rate
        out = []
        for ev, k in zip(scored, match.tap_beat):
            if k < 0:
                out.append(Response(ev, None, None, None))
            else:
                bf = self.beat_frames[int(k)]
                out.append(Response(ev, int(k), bf, 1000.0 * (ev.frame - bf) / sr))
        return out

    # --- helpers ----------------------------------------------------------------------------
    def _taps_in_order(self) -> list[InputEvent]:
        return sorted(self._scored, key=lambda ev: ev.frame)  # stable: simultaneous taps keep arrival order

    def _times_s(self) -> tuple[np.ndarray, np.ndarray]:
        """Scored beat and tap times in seconds of the engine clock (frame / sample rate)."""
        sr = self._ctx.sample_rate
        beats_s = np.asarray(self.beat_frames[: self.n_beats], dtype=np.float64) / sr
        taps_s = np.asarray([ev.frame for ev in self._taps_in_order()], dtype=np.float64) / sr
        return beats_s, taps_s

    def _nearest_beat(self, frame: int) -> int | None:
        """Provisional match: the nearest scored beat (ties to the earlier) within half its interval."""
        i = bisect.bisect_left(self.beat_frames, frame, 0, self.n_beats)
        best = None
        for k in (i - 1, i):
            if 0 <= k < self.n_beats:
                d = abs(frame - self.beat_frames[k])
                if d * 2 <= self.beat_frames[k + 1] - self.beat_frames[k] and (best is None or d < best[0]):
                    best = (d, k)
        return None if best is None else best[1]
