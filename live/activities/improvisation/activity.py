"""Improvisation backing: a band in a key plays a groove with bass and chords; the client plays
over it on pads (or a keyboard) that never sound wrong; the therapist steers the harmony live.

The band (:mod:`~live.activities.improvisation.band`, styles in
:mod:`~live.activities.improvisation.styles`) is planned beat by beat on a tempo map the
therapist's tempo controls change from the next beat not yet planned, as in entrainment. Each
beat's chord comes from :class:`~live.activities.improvisation.harmony.Harmony`: the
progression, the drone, or what the therapist asked for (:mod:`~live.activities.improvisation.steering`:
a chord they played on their channel, recognised, or a control), from the next beat or bar.

A chord changed mid-bar (``chord_change = "beat"``) is struck on its beat by the bass and the
chords where the style has no hit there; the old chord's band notes sounding there end at the
change (:mod:`~live.activities.improvisation.held`; scheduled ones by :meth:`take_releases`).

Every client note sounds as the preset's instrument playing its note (:meth:`input_sounds`; a
JACK keyboard's from the audio callback's note table, :meth:`note_sounds`), is logged with the
note it played (pads: scale degrees; keyboard: snapped, filtered or as played) and is scored
against the nearest beat (its offset from the pulse); the
summary holds the improvisation metrics of :mod:`live.metrics.improv` over the client's notes
(and the therapist's for the interaction metrics), and one trial per chord segment of the
backing: what sounded, when.

Realtime-safe: no (control thread).
"""

from __future__ import annotations

import dataclasses
import heapq
import math
from typing import Any, ClassVar, Iterator, Mapping

from live.activities.improvisation import held, plots, steering
from live.activities.improvisation.band import BeatContext, beat_notes
from live.activities.improvisation.catalogue import METRICS
from live.activities.improvisation.harmony import Harmony
from live.activities.improvisation.instrument import keyboard_note, pad_look, pad_note
from live.activities.improvisation.params import MAX_BPM, MIN_BPM, ImprovisationParams
from live.activities.improvisation.summary import summarize
from live.activities.improvisation.voices import band_sound, client_sound, declared_notes, voiced
from live.activities.improvisation.styles import STYLES
from live.activities.registry import register
from live.config.problems import ParamProblem
from live.config.screen import ScreenLayout, default_layout
from live.activities.types import (
    ActivityContext, ControlEvent, LiveNumber, NotePlot, RecordNames, Response, Summary, Target,
)
from live.engine.events import Cue, InputEvent, Release, ScheduledSound
from live.engine.instruments import PitchedNote
from live.engine.timebase import TempoMap
from live.metrics.info import Catalogue
from live.music.scales import pc_name

__all__ = ["Improvisation"]

_TEMPO_ACTIONS = ("tempo_set", "tempo_up", "tempo_down")
# After the last bar the run waits this long for held notes to ring out and late answers.
_TAIL_S = 1.0


@register
class Improvisation:
    """The improvisation activity (see the module docstring).

    Realtime-safe: no (control thread).
    """

    name: ClassVar[str] = "improvisation"
    Params: ClassVar[type] = ImprovisationParams
    metrics: ClassVar[Catalogue] = METRICS
    target_kind: ClassVar[str] = "beat"
    record_names: ClassVar[RecordNames] = RecordNames(target="beat", error="beat_offset_ms",
                                                      unmatched="a note outside the backing")
    response_fields: ClassVar[tuple[str, ...]] = ("played_note", "in_scale", "chord")
    note_table: ClassVar[Mapping[str, str]] = {
        "n_notes": "notes", "density_per_s": "notes/s", "velocity_mean": "velocity", "pitch_range": "range (st)",
        "in_scale_pct": "in scale (%)", "active_pct": "active (%)", "pulse_R": "pulse R"}
    plays_inputs: ClassVar[bool] = True  # a pad plays its scale note, a keyboard its snapped note
    note_plots: ClassVar[tuple[NotePlot, ...]] = (
        NotePlot("piano-roll", plots.piano_roll_plot, wide=True),
        NotePlot("density-velocity", plots.density_velocity_plot, wide=True),
    )

    def __init__(self, params: ImprovisationParams):
        self.params = params
        self.style = STYLES[params.style]
        self._cues: list[Cue] = []
        self._client: list[tuple[InputEvent, int | None]] = []   # (input, note it played)
        self._therapist: list[InputEvent] = []
        self.log: list[str] = []

    # --- what the class declares --------------------------------------------------------------
    @classmethod
    def with_phase_length(cls, params: ImprovisationParams, seconds: float) -> ImprovisationParams:
        """``params`` lasting ``seconds`` (``duration_s`` in place of ``bars``)."""
        return dataclasses.replace(params, duration_s=max(5.0, seconds), bars=None)

    @classmethod
    def screen_problems(cls, params: ImprovisationParams, raw_params: Mapping[str, Any],
                        screen: ScreenLayout | None) -> list[ParamProblem]:
        """A problem when ``pads`` (given in ``[params]`` or by default) and the preset's
        ``[screen]`` (None: it has none, one big pad) disagree on how many pads there are;
        nothing when neither names a count."""
        if screen is None and "pads" not in raw_params:
            return []
        count = len(screen.pads) if screen is not None else len(default_layout().pads)
        if params.pads == count:
            return []
        where = "the [screen]'s pads" if screen is not None else "the screen's (no [screen]: one big pad)"
        return [ParamProblem("params.pads", params.pads, f"must equal the number of {where}: {count}")]

    @classmethod
    def simulated_client(cls, params: ImprovisationParams, *, seed: int, sample_rate: int, client: str,
                         **settings: Any) -> Any:
        """The simulated improviser (:mod:`live.sim.improviser`) playing the pads."""
        from live.activities.improvisation.sim import improviser_for

        return improviser_for(params, seed=seed, sample_rate=sample_rate, client=client, **settings)

    @classmethod
    def simulated_therapist(cls, params: ImprovisationParams, *, seed: int, sample_rate: int) -> Any:
        """The therapist in ``live demo``: phrases for the client to answer (``therapist_part =
        "turns"``), chords that steer the band (``"chords"``), or None."""
        from live.activities.improvisation.sim import therapist_for

        return therapist_for(params, seed=seed, sample_rate=sample_rate)

    @classmethod
    def pitched_notes(cls, params: ImprovisationParams) -> list[PitchedNote]:
        """Every pitched note (instrument, MIDI note, velocity) a run with ``params`` may play in
        any key the therapist moves it to, the band's and the client's
        (:func:`~live.activities.improvisation.voices.declared_notes`), rendered into the bank
        before the session."""
        return declared_notes(params, STYLES[params.style])

    @classmethod
    def soundfont(cls, params: ImprovisationParams) -> str | None:
        """The preset's ``soundfont``, if it names one (else the setting's or Debian's)."""
        return params.soundfont

    # --- Activity protocol ----------------------------------------------------------------
    def start(self, ctx: ActivityContext) -> None:
        p, style = self.params, self.style
        self.sample_rate, self.start_frame = ctx.sample_rate, ctx.start_frame
        self.sound_names = ctx.sound_names
        self.tempo = TempoMap(p.tempo_bpm, sample_rate=ctx.sample_rate, origin_frame=ctx.start_frame,
                              origin_beat=-p.count_in_beats)
        bars = p.bars if p.bars is not None else max(1, math.ceil(p.duration_s * p.tempo_bpm / 60.0 / style.meter))
        self.n_beats = bars * style.meter
        self.next_beat = -p.count_in_beats
        self.harmony = Harmony(key=p.key, mode=p.mode, progression=p.progression, drone=p.drone, meter=style.meter)
        self.intensity = p.intensity
        self.swing = style.swing if p.swing is None else p.swing
        self.parts = frozenset(n for n, on in (("drums", p.drums), ("bass", p.bass), ("chords", p.chords)) if on)
        self.chord_instrument = p.chord_instrument or style.chord_instrument
        self.bass_instrument = p.bass_instrument or style.bass_instrument
        self.beat_frames: dict[int, int] = {}
        self._voicing: tuple[int, ...] = ()
        self._voiced_for: Any = None
        self.fill_beat: int | None = None
        self._pending: list[tuple[int, int, ScheduledSound]] = []
        self._held = held.HeldNotes()
        self._order = 0
        self._stopped_at: int | None = None
        self.chords_taken = 0
        self._look_tonic: int | None = None
        self._chord_in = steering.ChordListener(ctx.sample_rate)
        self.wanted_tonic = self.harmony.tonic_pc
        self.wanted_drone = self.harmony.drone
        self._last_at: Any = None
        self._prev_at: Any = None
        self._table: dict[int, tuple[str, float]] = {}
        self._table_tonic: int | None = None
        self._next_frame: int | None = None

    def plan(self, until_frame: int) -> Iterator[ScheduledSound]:
        while self.next_beat < self.n_beats:
            if self._next_frame is None:  # the next beat's frame, until it is planned or the tempo moves
                self._next_frame = self.tempo.frame_at_beat(self.next_beat)
            if self._next_frame >= until_frame:
                break
            self._commit_beat(self.next_beat)
            self.next_beat += 1
            self._next_frame = None
        while self._pending and self._pending[0][0] < until_frame:
            yield self._held.handed(heapq.heappop(self._pending)[2])

    def take_releases(self) -> list[Release]:  # the band's scheduled notes a chord change ended early
        return self._held.take()

    def _commit_beat(self, k: int) -> None:
        meter = self.style.meter
        frame = self.tempo.frame_at_beat(k)
        self.beat_frames[k] = frame
        bar_beat = k % meter
        at = self.harmony.at_beat(k, frame) if k >= 0 else None
        self._last_at = at
        tonic = self.harmony.tonic_pc
        if tonic != self._look_tonic:  # the pads' labels and colours follow the key
            self._look_tonic = tonic
            self._cues.append(pad_look(frame, tonic_pc=tonic, mode=self.params.mode, octave=self.params.octave))
        if at is not None and self._voiced_for != (at.chord, at.tonic_pc):
            self._voicing = voiced(at.chord, self._voicing)
            self._voiced_for = (at.chord, at.tonic_pc)
        fill = self.fill_beat == k
        changed = (at is not None and bar_beat != 0 and self._prev_at is not None
                   and (at.chord, at.tonic_pc) != (self._prev_at.chord, self._prev_at.tonic_pc))
        self._pending = self._held.harmony_at(frame, None if at is None else (at.chord, at.tonic_pc), self._pending)
        self._prev_at = at
        ctx = BeatContext(k, bar_beat, at, self._voicing, self.swing, self.intensity, fill,
                          self.chord_instrument, self.bass_instrument, self.parts, changed)
        drums, notes = beat_notes(self.style, ctx)
        gain = self.params.volume
        self._cues.append(Cue(index=k, frame=frame, accent=bar_beat == 0))
        marked = False
        for d in drums:
            f = self._frame_at(d.start_beats)
            cue = k if f == frame and not marked else None  # the beat's first sound marks its cue
            marked |= cue is not None
            self._push(ScheduledSound(f, f"{d.sound}_accent", gain=gain * d.level, cue_index=cue))
        for n in notes:
            start, end = self._frame_at(n.start_beats), self._frame_at(n.start_beats + n.length_beats)
            cue = k if start == frame and not marked else None
            marked |= cue is not None
            self._push(band_sound(n, start, end, gain, cue_index=cue))
        if not marked:  # a beat with no hit of its own: a silent click marks it for the listeners
            self._push(ScheduledSound(frame, "click", gain=0.0, cue_index=k))

    def _frame_at(self, beat: float) -> int:
        return math.floor(self.tempo.position_at_beat(beat) + 0.5)

    def _push(self, sound: ScheduledSound) -> None:
        heapq.heappush(self._pending, (sound.frame, self._order, sound))
        self._order += 1

    def take_cues(self) -> list[Any]:
        cues, self._cues = self._cues, []
        return cues

    # --- the client's notes -------------------------------------------------------------------
    def played_note(self, ev: InputEvent) -> int | None:
        """The note an input plays now: a pad's scale note, or a keyboard's note as ``snap`` says
        (None: filtered out, silent)."""
        h = self.harmony
        if ev.note is None:
            return None
        if ev.source == "midi":
            return keyboard_note(ev.note, tonic_pc=h.tonic_pc, mode=h.mode, snap=self.params.snap)
        return pad_note(ev.note, tonic_pc=h.tonic_pc, mode=h.mode, octave=self.params.octave)

    def on_input(self, ev: InputEvent) -> list[Response]:
        note = self.played_note(ev)
        self._client.append((ev, note))
        return [self._scored(ev, note)]

    def input_sounds(self, ev: InputEvent, at_frame: int) -> list[ScheduledSound]:
        """The client's input as it sounds: the preset's instrument playing the note it played,
        from ``at_frame`` (the input's frame + the fixed feedback delay); none when filtered."""
        note = self.played_note(ev)
        if note is None or ev.velocity <= 0:
            return []
        sound = client_sound(self.params.instrument, note, ev.velocity, at_frame, self.params.volume)
        return [sound] if sound.sound in self.sound_names else []  # a keyboard beyond its range: silent

    def note_sounds(self, now_frame: int) -> dict[int, tuple[str, float]]:
        """Each keyboard note's sound in the key sounding at ``now_frame``: its note as ``snap``
        says on the preset's instrument (full layer, gain as :meth:`input_sounds` at velocity
        127); filtered notes and notes beyond the bank left out (silent). The same dict until
        the key changes."""
        h = self.harmony
        sounding = [s for s in h.segments if s.start_frame <= now_frame]
        tonic = sounding[-1].tonic_pc if sounding else h.key_pc0
        if self._table_tonic != tonic:
            table = {}
            for note in range(128):
                played = keyboard_note(note, tonic_pc=tonic, mode=h.mode, snap=self.params.snap)
                if played is not None:
                    sound = client_sound(self.params.instrument, played, 127, 0, self.params.volume)
                    if sound.sound in self.sound_names:
                        table[note] = (sound.sound, sound.gain)
            self._table, self._table_tonic = table, tonic
        return self._table

    def _scored(self, ev: InputEvent, note: int | None) -> Response:
        h = self.harmony
        extra = {"played_note": note,
                 "in_scale": None if note is None else (note % 12 in _scale(h.tonic_pc, h.mode)),
                 "chord": self._last_at.chord.symbol if self._last_at is not None else None}
        k = self._nearest_beat(ev.frame)
        if k is None:
            return Response(ev, None, None, extra)
        bf = self.beat_frames[k]
        return Response(ev, Target(k, bf, "beat"), 1000.0 * (ev.frame - bf) / self.sample_rate, extra)

    def _nearest_beat(self, frame: int) -> int | None:
        if not self.beat_frames:
            return None
        first = next(iter(self.beat_frames))  # beats go in in order (stop keeps it): the first and last
        k = round(self.tempo.beat_at_frame(frame))
        k = min(max(k, first), next(reversed(self.beat_frames)))
        best = min((j for j in (k - 1, k, k + 1) if j in self.beat_frames),
                   key=lambda j: abs(self.beat_frames[j] - frame))
        return best

    # --- the therapist ------------------------------------------------------------------------
    def on_therapist_input(self, ev: InputEvent) -> list[ControlEvent]:
        """A chord the therapist played (3+ notes within 50 ms), recognised, as a ``chord``
        control at the frame of the note that completed it; their other notes are logged."""
        self._therapist.append(ev)
        return self._chord_in.add(ev)

    def on_control(self, ev: ControlEvent) -> str | None:
        """Apply a therapist's control; what it did, for the record (None: ignored).

        ``chord`` (``text`` a chord symbol), ``next_chord``, ``key_up``/``key_down``, ``drone``
        (on/off) and ``fill`` take effect from the next beat (``chord_change = "beat"``) or bar
        not yet planned; ``intensity_up``/``intensity_down`` (by ``value``, default 0.1) and
        tempo (``tempo_set``/``tempo_up``/``tempo_down``, as in entrainment) from the next beat
        not yet planned; ``stop`` ends the run after the current bar.
        """
        effect = steering.apply(self, ev)
        if effect is not None and ev.action == "chord":
            self.chords_taken += 1
        return effect

    def tempo_change(self, action: str, value: float) -> str | None:
        """Move the tempo from the next beat not yet planned (kept within 30..220 BPM)."""
        k = self.next_beat
        if k >= self.n_beats:
            return None
        old = self.tempo.bpm_at_beat(k)
        new = value if action == "tempo_set" else old + (value if action == "tempo_up" else -value)
        new = min(max(float(new), MIN_BPM), MAX_BPM)
        if new == old:
            return None
        self.tempo = self.tempo.with_tempo(k, new)
        self._next_frame = None
        return f"tempo {old:g} -> {new:g} BPM from beat {k}"

    def change_beat(self) -> int:
        """The beat a harmony change takes effect from: the next one not yet planned, or with
        ``chord_change = "bar"`` the first beat of the next bar not yet begun."""
        k = max(self.next_beat, 0)
        if self.params.chord_change == "bar":
            meter = self.style.meter
            k = -(-k // meter) * meter
        return k

    # --- the console -----------------------------------------------------------------------
    def live_numbers(self, now_frame: int) -> tuple[LiveNumber, ...]:
        """Key, chord, next chord, tempo, intensity, the client's notes so far."""
        h = self.harmony
        playing = [s for s in h.segments if s.start_frame <= now_frame]
        chord = playing[-1].chord.symbol if playing else None
        at = self._last_at
        nxt = at.next_chord.symbol if at is not None else None
        played = sum(1 for ev, _ in self._client if ev.frame <= now_frame)
        return (
            LiveNumber("Key", f"{pc_name(h.tonic_pc)} {h.mode}" + (" (drone)" if h.drone else "")),
            LiveNumber("Chord", chord),
            LiveNumber("Next chord", nxt),
            LiveNumber("Tempo", self.tempo.bpm_at_beat(max(self.next_beat - 1, -self.params.count_in_beats)), "BPM"),
            LiveNumber("Intensity", self.intensity, "", ".1f"),
            LiveNumber("Client notes", played, "", "d"),
        )

    # --- the end ------------------------------------------------------------------------------
    def stop(self, until_frame: int | None = None, *, at_frame: int | None = None) -> None:
        """End the run: nothing after the beats planned (with ``until_frame``: nothing after it)."""
        if until_frame is not None:
            self._pending = [p for p in self._pending if p[0] < until_frame]
            heapq.heapify(self._pending)
            self.beat_frames = {k: f for k, f in self.beat_frames.items() if f < until_frame}
        self.n_beats = min(self.n_beats, self.next_beat)
        self._stopped_at = until_frame

    def end_frame(self) -> int:
        """Where the backing ends: the frame of the first beat after the run's last."""
        return self.tempo.frame_at_beat(self.n_beats)

    def is_finished(self, now_frame: int) -> bool:
        if self.next_beat < self.n_beats:
            return False
        return now_frame >= self.end_frame() + round(_TAIL_S * self.sample_rate)

    def summary(self) -> Summary:
        """The improvisation metrics over the client's notes (and the therapist's), and the
        backing's chord segments as trials."""
        end = self.end_frame() if self._stopped_at is None else min(self._stopped_at, self.end_frame())
        self.harmony.close(end)
        return summarize(self, end_frame=end)

    def final_responses(self) -> list[Response]:
        return [self._scored(ev, note) for ev, note in sorted(self._client, key=lambda x: x[0].frame)]


def _scale(tonic_pc: int, mode: str) -> frozenset[int]:
    from live.music.scales import scale_pitch_classes

    return frozenset(scale_pitch_classes(tonic_pc, mode))
