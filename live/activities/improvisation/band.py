"""The band: drums, bass and chords of a style, played beat by beat over the harmony.

For each beat the planner is given (its frame from the tempo map, its harmony), :func:`beat_notes`
returns the style's hits that start in that beat: drum hits as kit sounds, bass notes and chord
voices as :class:`BandNote` s (instrument, MIDI note, velocity, start and end in beats). Swing
moves off-beat eighths (:func:`live.activities.improvisation.styles.swung`); the intensity drops
the hits that need more and scales every level; a fill replaces the drums of a bar's last beat
with a run of snare sixteenths.

Bass notes sit in C2..B2 (MIDI 36..47) by the chord's root; the walking bass plays root, third,
fifth and a tone of the chord a step from the next chord's root (a chromatic step when none
is; the seventh when the root stays). Chords are voiced by
:func:`live.music.voicing.voice` near middle C, each chord moving as little as it can from
the last (smooth voice leading).

Pure; realtime-safe: no (control thread).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from live.activities.improvisation.harmony import HarmonyAt
from live.activities.improvisation.styles import PitchedHit, Style, swung
from live.music.chords import Chord

__all__ = ["BandNote", "DrumNote", "BeatContext", "beat_notes", "bass_note", "velocity_of", "FILL"]

BASS_LOW = 36          # C2: the bass's root sits in C2..B2
#: The drum fill on a bar's last beat: snare sixteenths, growing louder.
FILL = ((0.0, 0.55), (0.25, 0.6), (0.5, 0.7), (0.75, 0.85))


@dataclass(frozen=True, slots=True)
class BandNote:
    """A pitched note the band plays: ``part`` ("bass" or "chords"), ``instrument``, MIDI
    ``note``, ``velocity`` 1..127, from ``start_beats`` for ``length_beats`` (beats of the tempo
    map, swing applied)."""

    part: str
    instrument: str
    note: int
    velocity: int
    start_beats: float
    length_beats: float


@dataclass(frozen=True, slots=True)
class DrumNote:
    """A drum hit: kit ``sound`` at ``start_beats`` with ``level`` 0..1."""

    sound: str
    level: float
    start_beats: float


@dataclass(frozen=True, slots=True)
class BeatContext:
    """What a beat's notes depend on besides the style.

    Parameters
    ----------
    beat : int
        The beat's number on the tempo map (the harmony's bar 0 starts at beat 0).
    bar_beat : int
        Its place in the bar (0 = the downbeat).
    harmony : HarmonyAt or None
        The beat's harmony; None during the count-in (drums alone).
    voicing : tuple of int
        The chord's voiced notes (MIDI), low to high.
    swing, intensity : float
        0..1 each.
    fill : bool
        Play a fill on this beat instead of its drums.
    chord_instrument, bass_instrument : str
    parts : frozenset of str
        Which of "drums", "bass", "chords" play.
    changed : bool
        The chord changed on this beat (the therapist's change, mid-bar): where the bass and the
        chords have no hit of their own on it they strike the new chord anew, held to their
        next hit or the bar's end.
    """

    beat: int
    bar_beat: int
    harmony: HarmonyAt | None
    voicing: tuple[int, ...]
    swing: float
    intensity: float
    fill: bool
    chord_instrument: str
    bass_instrument: str
    parts: frozenset[str]
    changed: bool = False


def velocity_of(level: float, intensity: float) -> int:
    """MIDI velocity of a hit at ``level`` (0..1) played at ``intensity`` (0..1): 1..127."""
    return max(1, min(127, round(127 * level * (0.55 + 0.45 * intensity))))


def bass_note(role: str, chord: Chord, next_chord: Chord, bar_beat: int) -> int:
    """The bass's MIDI note for ``role`` over ``chord`` (walking: by the beat of the bar, the
    fourth a tone of the chord a step from the next chord's root, else a half step from it, or
    the chord's seventh (its fifth when it has none) when the root stays)."""
    root = BASS_LOW + chord.root_pc % 12
    if role == "root":
        return root
    if role == "fifth":
        return root + 7 if 7 in _intervals(chord) or len(chord.pitch_classes) < 3 else root + _nearest(chord, 7)
    if role == "octave":
        return root + 12
    if role == "walk":
        step = bar_beat % 4
        if step == 0:
            return root
        if step == 1:
            return root + _nearest(chord, 4 if 4 in _intervals(chord) else 3)
        if step == 2:
            return root + _nearest(chord, 7)
        target = BASS_LOW + next_chord.root_pc % 12
        if target == root:
            # the root stays next bar: the chord's seventh (its fifth when it has none), which
            # walks back down to the root; the third again would sound twice in one bar
            return root + _nearest(chord, 10)
        # into the next root through a tone of this chord a step from it (ties below), so the
        # line stays in the harmony; a chromatic step only when no chord tone is that close
        steps = [n for n in range(target - 2, target + 3)
                 if n != target and (n - chord.root_pc) % 12 in _intervals(chord) and BASS_LOW - 1 <= n < BASS_LOW + 24]
        if steps:
            return min(steps, key=lambda n: (abs(n - target), n))
        return target - 1 if target > root else target + 1
    raise ValueError(f"unknown bass role {role!r}")


def _intervals(chord: Chord) -> set[int]:
    return {(pc - chord.root_pc) % 12 for pc in chord.pitch_classes}


def _nearest(chord: Chord, interval: int) -> int:
    """The chord's interval above its root nearest ``interval`` (its fifth, a flat fifth, ...)."""
    ivs = sorted(_intervals(chord) - {0}) or [interval]
    return min(ivs, key=lambda i: (abs(i - interval), i))


def beat_notes(style: Style, ctx: BeatContext) -> tuple[list[DrumNote], list[BandNote]]:
    """The style's drum hits and pitched notes that start in beat ``ctx.beat`` (swing applied,
    intensity thinned), in start order."""
    drums: list[DrumNote] = []
    notes: list[BandNote] = []
    bar_start = ctx.beat - ctx.bar_beat
    lo, hi = ctx.bar_beat, ctx.bar_beat + 1
    level_scale = 0.55 + 0.45 * ctx.intensity
    if "drums" in ctx.parts:
        if ctx.fill:
            drums += [DrumNote("snare", lvl * level_scale, ctx.beat + at) for at, lvl in FILL]
        else:
            for hit in style.drums:
                if lo <= hit.at_beats < hi and ctx.intensity >= hit.min_intensity:
                    drums.append(DrumNote(hit.sound, hit.level * level_scale,
                                          bar_start + swung(hit.at_beats, ctx.swing)))
    h = ctx.harmony
    if h is not None:
        if "bass" in ctx.parts:
            for hit in _restruck(style.bass, ctx, "root", style.meter):
                if lo <= hit.at_beats < hi and ctx.intensity >= hit.min_intensity:
                    start = swung(hit.at_beats, ctx.swing)
                    notes.append(BandNote("bass", ctx.bass_instrument,
                                          bass_note(hit.role, h.chord, h.next_chord, int(math.floor(hit.at_beats))),
                                          velocity_of(hit.level, ctx.intensity), bar_start + start,
                                          _length(hit.at_beats, hit.length_beats, ctx.swing)))
        if "chords" in ctx.parts and ctx.voicing:
            for i, hit in enumerate(_restruck(style.chords, ctx, "chord", style.meter)):
                if not (lo <= hit.at_beats < hi and ctx.intensity >= hit.min_intensity):
                    continue
                start = bar_start + swung(hit.at_beats, ctx.swing)
                length = _length(hit.at_beats, hit.length_beats, ctx.swing)
                vel = velocity_of(hit.level, ctx.intensity)
                if hit.role == "arp":
                    order = ctx.voicing + tuple(reversed(ctx.voicing[1:-1]))
                    voices = (order[i % len(order)],)
                else:
                    voices = ctx.voicing
                notes += [BandNote("chords", ctx.chord_instrument, n, vel, start, length) for n in voices]
    drums.sort(key=lambda d: d.start_beats)
    notes.sort(key=lambda n: (n.start_beats, n.note))
    return drums, notes


def _restruck(hits: tuple[PitchedHit, ...], ctx: BeatContext, role: str, meter: int) -> tuple[PitchedHit, ...]:
    """``hits``, and when the chord changed on this beat and none of them starts on it, one more
    on it (``role``, at the bar's first hit's level) held to the next hit or the bar's end."""
    if not ctx.changed or any(abs(hit.at_beats - ctx.bar_beat) < 1e-9 for hit in hits):
        return hits
    later = [hit.at_beats for hit in hits if hit.at_beats > ctx.bar_beat]
    end = min(later, default=float(meter))
    level = hits[0].level if hits else 0.7
    return hits + (PitchedHit(float(ctx.bar_beat), end - ctx.bar_beat, role, level),)


def _length(at_beats: float, length_beats: float, swing: float) -> float:
    """A hit's length with swing: it still ends where its unswung end moves to."""
    return swung(at_beats + length_beats, swing) - swung(at_beats, swing) if length_beats > 0 else 0.0
