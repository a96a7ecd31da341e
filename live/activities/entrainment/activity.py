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

With ``song = "NAME"`` the cue is a song of the library, warped before the session so that its
beats land on the planned beats (:mod:`~live.activities.entrainment.song_cue`, rendered by
:meth:`Entrainment.prepared_sounds`), with an optional soft click on the beats; taps are scored
against the same planned beats. Its plan is fixed before the session, so the therapist's tempo
controls leave a song's run as it is.

Where the beats fall: :mod:`~live.activities.entrainment.timeline`; the scoring:
:mod:`~live.activities.entrainment.scoring`; the console's numbers:
:mod:`~live.activities.entrainment.live_numbers`; the metrics it declares:
:mod:`~live.activities.entrainment.catalogue`. This module puts them together behind the
Activity protocol (:mod:`live.activities.protocol`) and turns beats into sounds and cues.

Realtime-safe: no (control thread).
"""

from __future__ import annotations

import dataclasses
import heapq
from typing import Any, Callable, ClassVar, Iterator, Mapping

import numpy as np

from live.activities.entrainment import plots, scoring
from live.activities.entrainment.catalogue import METRICS
from live.activities.entrainment.grooves import GROOVES, Groove, metronome
from live.activities.entrainment.live_numbers import RunTally
from live.activities.entrainment.params import MAX_BPM, MIN_BPM, EntrainmentParams
from live.activities.entrainment.song_cue import SongPlan, plan_song
from live.activities.entrainment.song_play import SongSlices
from live.activities.entrainment.timeline import CuedPhase, Timeline
from live.activities.registry import register
from live.activities.types import (
    ActivityContext,
    ControlEvent,
    FixedEnds,
    LiveNumber,
    NotePlot,
    RecordNames,
    Response,
    Summary,
)
from live.engine.events import Cue, InputEvent, Release, ScheduledSound
from live.engine.timebase import TempoMap
from live.metrics.info import Catalogue
from live.sim.tapper import SimulatedTapper, TapperParams

__all__ = ["Entrainment", "CuedPhase"]

# At least this many baseline taps are needed to set the cue from the client's cadence.
_MIN_BASELINE_TAPS = 4
_TEMPO_ACTIONS = ("tempo_set", "tempo_up", "tempo_down")


@register
class Entrainment(FixedEnds):
    """The entrainment activity (see the module docstring for the protocol).

    Each tap gets a provisional score when it arrives; :meth:`summary` scores the whole run,
    and each phase, by the batch metric functions, which is what is stored.

    Realtime-safe: no (control thread).
    """

    name: ClassVar[str] = "entrainment"
    Params: ClassVar[type] = EntrainmentParams
    metrics: ClassVar[Catalogue] = METRICS
    target_kind: ClassVar[str] = scoring.TARGET_KIND
    record_names: ClassVar[RecordNames] = RecordNames(target="beat", error="asynchrony_ms", unmatched="an extra tap")
    response_fields: ClassVar[tuple[str, ...]] = ()
    note_table: ClassVar[Mapping[str, str]] = {
        "n_beats": "beats", "matched": "matched", "mean_async_ms": "mean async (ms)", "sd_async_ms": "SD async (ms)",
        "within_window_pct": "in window (%)", "R": "R", "iti_cv": "ITI CV"}
    plays_inputs: ClassVar[bool] = False  # a tap sounds as the session's pad sound
    note_plots: ClassVar[tuple[NotePlot, ...]] = (
        NotePlot("asynchrony", plots.asynchrony_plot, wide=True),
        NotePlot("histogram", plots.histogram_plot),
        NotePlot("phase-circle", plots.phase_plot),
    )

    def __init__(self, params: EntrainmentParams):
        self.params = params
        self._ctx: ActivityContext | None = None
        self._taps: list[InputEvent] = []
        self._cues: list[Cue] = []

    # --- what the class declares --------------------------------------------------------------
    @classmethod
    def with_phase_length(cls, params: EntrainmentParams, seconds: float) -> EntrainmentParams:
        """``params`` with each cued phase ``seconds`` long (``duration_s``, in place of ``beats``);
        a baseline and a continuation keep their lengths."""
        return dataclasses.replace(params, duration_s=seconds, beats=None)

    @classmethod
    def simulated_client(cls, params: EntrainmentParams, *, seed: int, sample_rate: int, client: str,
                         **settings: Any) -> SimulatedTapper:
        """A simulated tapper (:class:`~live.sim.tapper.SimulatedTapper`) seeded by ``seed``;
        ``settings`` are :class:`~live.sim.tapper.TapperParams` fields (``alpha``,
        ``miss_rate``, ``extra_rate``, ...). With a baseline it taps (or walks) freely from the
        run's start until it hears the cue.

        Raises
        ------
        TypeError
            For a setting the tapper does not have.
        """
        known = {f.name for f in dataclasses.fields(TapperParams)} - {"seed"}
        unknown = sorted(set(settings) - known)
        if unknown:
            raise TypeError(f"the simulated tapper has no {', '.join(unknown)}; it has: {', '.join(sorted(known))}")
        return SimulatedTapper(TapperParams(seed=seed, **settings), sample_rate=sample_rate, client=client,
                               free_from_start=params.baseline_s > 0)

    @classmethod
    def pitched_notes(cls, params: EntrainmentParams) -> tuple[()]:
        """None: entrainment plays the metronome and the drum kit, no pitched instrument."""
        return ()

    @classmethod
    def soundfont(cls, params: EntrainmentParams) -> None:
        """None: no pitched notes to render."""
        return None

    @classmethod
    def prepared_sounds(cls, params: EntrainmentParams, *, songs: Any, sample_rate: int,
                        log: Callable[[str], None] = lambda line: None) -> dict[str, np.ndarray]:
        """The sounds a run with ``params`` needs rendered before the session: with a song, the
        song warped onto the planned beats, by bank name
        (:func:`~live.activities.entrainment.song_render.render_song_cue`); none without.

        Parameters
        ----------
        songs : live.songs.library.SongStore
            Where the song is found (the session's store).

        Raises
        ------
        live.songs.library.SongNotFound
            No song (or several) answers to ``params.song``.
        """
        if not params.song:
            return {}
        from live.activities.entrainment.song_render import render_song_cue
        from live.songs.library import find_song

        song = find_song(songs, params.song)
        return render_song_cue(plan_song(params, sample_rate), song, sample_rate=sample_rate, log=log)

    @classmethod
    def song_names(cls, params: EntrainmentParams) -> tuple[str, ...]:
        """The library song a run with ``params`` plays (its cue), or none."""
        return (params.song,) if params.song else ()

    @classmethod
    def simulated_therapist(cls, params: EntrainmentParams, *, seed: int, sample_rate: int) -> None:
        """None: the beat is the engine's; the therapist has no simulated part in entrainment."""
        return None

    # --- Activity protocol ----------------------------------------------------------------
    def start(self, ctx: ActivityContext) -> None:
        p = self.params
        self.groove: Groove = GROOVES[p.groove] if p.groove != "none" else metronome(p.meter, p.sound, p.subdivision)
        missing = sorted({s for s in self.groove.beat_sounds + tuple(h.sound for h in self.groove.hits)
                          for s in (s, f"{s}_accent")} - ctx.sound_names)
        if missing:
            raise ValueError(f"the engine's bank has no {', '.join(map(repr, missing))} sounds")
        self.song: SongPlan | None = plan_song(p, ctx.sample_rate) if p.song else None
        self._slices = SongSlices(self.song, p.volume) if self.song is not None else None
        if self.song is not None:
            absent = [n for n in self.song.sound_names() if n not in ctx.sound_names]
            if absent:
                raise ValueError(f"the engine's bank has no render of song {p.song!r} ({len(absent)} beats missing): "
                                 "the session renders it before its first run (prepared_sounds)")
        self._ctx = ctx
        self.sample_rate = ctx.sample_rate
        self.start_frame = ctx.start_frame
        self.cue_origin_frame = ctx.start_frame + round(p.baseline_s * ctx.sample_rate)
        self.timeline = Timeline(p, sample_rate=ctx.sample_rate, cue_origin_frame=self.cue_origin_frame)
        self.tally = RunTally(ctx.sample_rate, p.window_ms)
        self._taps = []
        self._cues = []
        self._pending: list[tuple[int, int, ScheduledSound]] = []  # heap of (frame, order, sound)
        self._order = 0
        self._last_async_frames: float | None = None  # the latest matched tap's asynchrony, not yet used
        self.baseline_cadence_bpm: float | None = None
        self._stopped = False
        if not p.cue_from_baseline:
            self.timeline.begin(p.tempo_bpm)

    def plan(self, until_frame: int) -> Iterator[ScheduledSound]:
        tl = self.timeline
        if tl.base is None:
            if self._stopped or until_frame <= self.cue_origin_frame:
                return
            tl.begin(self._tempo_from_baseline())
        while tl.next_beat < tl.n_beats:
            frame, offset, corrected = tl.next_frame(self._last_async_frames)
            if frame >= until_frame:
                break
            if corrected:
                self._last_async_frames = None  # each asynchrony moves the cue once
            self._commit_beat(frame, offset)
        while self._pending and self._pending[0][0] < until_frame:
            sound = heapq.heappop(self._pending)[2]
            if self._slices is not None:
                self._slices.queued(sound)
            yield sound

    def take_cues(self) -> list[Cue]:
        cues, self._cues = self._cues, []
        return cues

    def on_input(self, ev: InputEvent) -> list[Response]:
        tl = self.timeline
        first = self.start_frame if self.params.baseline_s > 0 else tl.boundary(0)
        if ev.frame < first or tl.in_count_in(ev.frame):
            return []
        self._taps.append(ev)
        k = scoring.nearest_beat(tl, ev.frame)
        if k is None:
            out = [Response(ev, None, None)]
        else:
            beat_frame = tl.beat_frames[k]
            if k >= tl.next_beat - 2:
                self._last_async_frames = float(ev.frame - beat_frame)
            out = [scoring.scored(ev, k, beat_frame, self.sample_rate)]
        self.tally.add_responses(out)
        return out

    def on_therapist_input(self, ev: InputEvent) -> list[ControlEvent]:
        """The therapist playing along: stored by the session, nothing here (no controls)."""
        return []

    def input_sounds(self, ev: InputEvent, at_frame: int) -> list[ScheduledSound]:
        return []  # plays_inputs is False: a tap sounds as the session's pad sound

    def note_sounds(self, now_frame: int) -> None:
        return None  # the session's pads

    def on_control(self, ev: ControlEvent) -> str | None:
        """Apply a therapist's control; returns what it did, for the record (None: ignored).

        Tempo controls (``tempo_set`` to ``value`` BPM, ``tempo_up``/``tempo_down`` by ``value``
        BPM) apply from the first beat not yet planned, i.e. the next beat beyond the look-ahead:
        every beat already queued plays where it was planned. The new tempo is kept within
        20..240 BPM; later tempo steps of the protocol keep their size relative to it. A run
        given by ``duration_s`` keeps its number of beats. Ignored before the cue starts, and
        every other action is ignored here (the session acts on next, stop and mark), and so
        are tempo controls in a run on a song (warped to its plan before the session)."""
        if ev.action not in _TEMPO_ACTIONS or ev.value is None or self.timeline.base is None or self.song is not None:
            return None  # a song's run keeps the plan it was warped to
        return self.timeline.set_tempo(ev.action, ev.value)

    def live_numbers(self, now_frame: int) -> tuple[LiveNumber, ...]:
        """Tempo, beats played of the run's total, asynchrony mean and SD, hits and hit rate
        (:class:`~live.activities.entrainment.live_numbers.RunTally`)."""
        return self.tally.numbers(now_frame, beats_total=self.timeline.n_beats or 0)

    def stop(self, until_frame: int | None = None, *, at_frame: int | None = None) -> None:
        """End the run early: the beats already planned (playing now or within the look-ahead)
        are the run's beats (with ``until_frame``: those before that frame, the rest never
        sounded); later ones never sound and are not scored, and no continuation follows.
        Stopped during the baseline, no cue is played; during the continuation, that phase's
        summary has the taps made until then. With ``at_frame`` (where the run was ended) a
        song's queued slices are released (:mod:`~live.activities.entrainment.song_play`)."""
        self._stopped = True
        self.timeline.stop(until_frame)
        if self._slices is not None and at_frame is not None:
            self._slices.stop_at(at_frame, self.sample_rate)

    def take_releases(self) -> list[Release]:
        """A stopped song's queued slices, released (none without a song)."""
        return self._slices.take_releases() if self._slices is not None else []

    def is_finished(self, now_frame: int) -> bool:
        tl = self.timeline
        if tl.n_beats is None:
            return False
        if tl.n_beats == 0:
            return True
        if tl.next_beat < tl.n_beats:
            return False
        return now_frame > tl.continuation_end_frame()

    def summary(self) -> Summary:
        """Metrics of the cued beats (``metrics``) and of each phase (``phases``)."""
        return scoring.summarize(self.timeline, self._taps_in_order(), start_frame=self.start_frame)

    def final_responses(self) -> list[Response]:
        """Every scored input with its match by the batch matcher (the one the summary used);
        baseline and continuation taps have no beat."""
        return scoring.final_responses(self.timeline, self._taps_in_order())

    # --- the run's state, as the tests and benchmarks read it ---------------------------------
    @property
    def n_beats(self) -> int | None:
        """Scored beats of the run (None until the cue tempo is known)."""
        return self.timeline.n_beats

    @property
    def beat_frames(self) -> list[int]:
        """Frames of the scored beats planned so far."""
        return self.timeline.beat_frames

    @property
    def continuation_beats(self) -> int:
        return self.timeline.continuation_beats

    @property
    def cue_bpm(self) -> float | None:
        """The cue tempo the run started at (the baseline cadence with ``cue_from_baseline``)."""
        return self.timeline.cue_bpm

    @property
    def base(self) -> TempoMap | None:
        return self.timeline.base

    @property
    def phases(self) -> list[CuedPhase]:
        return self.timeline.phases

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

    def _commit_beat(self, frame: int, offset: float) -> None:
        """Plan the next beat at ``frame``: its cue sound (accented or faded as the protocol says),
        its cue for the screen, and the groove's other hits of that beat."""
        tl, p = self.timeline, self.params
        k = tl.next_beat
        bar_beat = (k + p.count_in_beats) % self.groove.meter
        accent = bar_beat + 1 in p.accents
        gain = p.volume
        if p.fade_beats and k >= tl.n_beats - p.fade_beats:
            gain *= (tl.n_beats - k) / (p.fade_beats + 1)
        cue = self.groove.beat_sounds[bar_beat]
        if self.song is not None:
            self._commit_song_beat(k, frame, offset, cue, accent)
            return
        self._push(ScheduledSound(frame=frame, sound=f"{cue}_accent" if accent else cue, gain=gain, cue_index=k))
        self._cues.append(Cue(index=k, frame=frame, accent=accent))
        self.tally.add_cues(self._cues[-1:])
        last = k == tl.n_beats - 1
        for hit in self.groove.hits:
            if hit.beat != bar_beat or (last and hit.fraction > 0):
                continue
            at = frame if hit.fraction == 0 else tl.frame_at(k + hit.fraction, offset)
            self._push(ScheduledSound(frame=at, sound=hit.sound, gain=gain * hit.level))
        tl.commit(frame, offset)

    def _commit_song_beat(self, k: int, frame: int, offset: float, cue: str, accent: bool) -> None:
        """Beat ``k`` of a song's run: the next beat's slice of the warped song (it starts half-way
        there; the first beat's on it), the beat's mark (the soft click, or silent), the cue."""
        tl, p, song = self.timeline, self.params, self.song
        for sound in self._slices.for_beat(k, frame - song.frame(k)):
            self._push(sound)
        click = p.song_click_volume * song.gain(k) if p.song_click else 0.0
        self._push(ScheduledSound(frame=frame, sound=f"{cue}_accent" if accent else cue, gain=click, cue_index=k))
        self._cues.append(Cue(index=k, frame=frame, accent=accent))
        self.tally.add_cues(self._cues[-1:])
        tl.commit(frame, offset)

    def _push(self, sound: ScheduledSound) -> None:
        heapq.heappush(self._pending, (sound.frame, self._order, sound))
        self._order += 1

    def _taps_in_order(self) -> list[InputEvent]:
        return sorted(self._taps, key=lambda ev: ev.frame)  # stable: simultaneous taps keep arrival order
