"""The band's styles: one bar of drums, bass and chords each, as pattern definitions.

A style is pure data. Positions are in beats from the start of the bar (``0.5`` is the eighth
after the first beat), so a pattern follows any tempo map. Each hit has the least ``intensity``
(0..1, the therapist's control) at which it plays, so a style thins out when the intensity is
low and fills in when it is high; ``swing`` (0 straight .. 1 triplet) moves every off-beat eighth
later (:func:`swung`). The drums use the engine's synthesized kit (:data:`live.engine.bank.DRUMS`),
the pitched parts name what they play by role: the bass a ``"root"``, ``"fifth"``,
``"octave"`` or (walking) the ``"walk"`` step of the bar; the chords sound the voiced chord
(``"pad"``: held, ``"comp"``: short stabs, ``"arp"``: one voice after the other).

Sources for the grooves: the common textbook forms (one-drop reggae: kick and rim on 3, skank
on the off-beats; bossa nova: surdo-like kick on 1 and the "and" of 2, rim clave; shuffle:
triplet swing, walking bass).

Realtime-safe: no (control thread).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DrumHit", "PitchedHit", "Style", "STYLES", "swung"]


@dataclass(frozen=True, slots=True)
class DrumHit:
    """One drum hit of the bar: kit ``sound`` at ``at_beats`` (from the bar's start), ``level``
    0..1, played when the intensity is at least ``min_intensity``."""

    at_beats: float
    sound: str
    level: float
    min_intensity: float = 0.0


@dataclass(frozen=True, slots=True)
class PitchedHit:
    """One bass note or chord hit of the bar.

    Parameters
    ----------
    at_beats : float
        Start, in beats from the bar's start.
    length_beats : float
        How long it is held (the note ends there with a release).
    role : str
        Bass: ``"root"``, ``"fifth"``, ``"octave"``, ``"walk"`` (the walking line's note of
        this beat); chords: ``"chord"`` (all voices), ``"arp"`` (the next voice up, cycling).
    level : float
        0..1 (becomes the velocity with the intensity).
    min_intensity : float
        The least intensity at which it plays.
    """

    at_beats: float
    length_beats: float
    role: str
    level: float
    min_intensity: float = 0.0


@dataclass(frozen=True, slots=True)
class Style:
    """A style of the band.

    Parameters
    ----------
    name : str
    meter : int
        Beats per bar.
    drums, bass, chords : tuple
        The bar's hits of each part.
    swing : float
        Default swing, 0 (straight) .. 1 (triplet).
    chord_instrument, bass_instrument : str
        Default instruments of the chords and bass.
    feel : str
        What a therapist hears (``live presets``, the docs).
    """

    name: str
    meter: int
    drums: tuple[DrumHit, ...]
    bass: tuple[PitchedHit, ...]
    chords: tuple[PitchedHit, ...]
    swing: float
    chord_instrument: str
    bass_instrument: str
    feel: str


def swung(at_beats: float, swing: float) -> float:
    """``at_beats`` with swing: an off-beat eighth (``k + 0.5``) moves to ``k + 0.5 + swing / 6``
    (``swing`` 1: the third triplet, ``k + 2/3``); every other position stays."""
    whole = float(int(at_beats // 1))
    if abs(at_beats - whole - 0.5) < 1e-9:
        return whole + 0.5 + swing / 6.0
    return at_beats


def _hats(meter: int, level: float, *, offbeats_from: float = 0.0, sound: str = "hat") -> tuple[DrumHit, ...]:
    out = []
    for b in range(meter):
        out.append(DrumHit(float(b), sound, level, 0.0))
        out.append(DrumHit(b + 0.5, sound, 0.8 * level, offbeats_from))
    return tuple(out)


def _pad(meter: int) -> tuple[PitchedHit, ...]:
    return (PitchedHit(0.0, float(meter), "chord", 0.7),)


STYLES: dict[str, Style] = {
    s.name: s
    for s in (
        Style(
            "ballad", 4,
            drums=(DrumHit(0.0, "kick", 0.6, 0.2), DrumHit(2.0, "rim", 0.45, 0.3))
            + tuple(DrumHit(float(b), "hat", 0.25, 0.5) for b in range(4)),
            bass=(PitchedHit(0.0, 2.0, "root", 0.75), PitchedHit(2.0, 2.0, "fifth", 0.6, 0.4)),
            chords=_pad(4), swing=0.0, chord_instrument="piano", bass_instrument="bass",
            feel="slow 4/4: soft kick and rim, bass on 1 and 3, held chords"),
        Style(
            "pop", 4,
            drums=(DrumHit(0.0, "kick", 0.9), DrumHit(2.0, "kick", 0.8), DrumHit(2.5, "kick", 0.6, 0.7),
                   DrumHit(1.0, "snare", 0.8), DrumHit(3.0, "snare", 0.8)) + _hats(4, 0.4, offbeats_from=0.3),
            bass=(PitchedHit(0.0, 1.0, "root", 0.8), PitchedHit(1.0, 1.0, "root", 0.6, 0.3),
                  PitchedHit(2.0, 1.0, "fifth", 0.7), PitchedHit(3.0, 1.0, "root", 0.6, 0.3)),
            chords=(PitchedHit(0.0, 1.4, "chord", 0.7), PitchedHit(1.5, 0.9, "chord", 0.55, 0.5),
                    PitchedHit(2.0, 1.4, "chord", 0.65), PitchedHit(3.5, 0.5, "chord", 0.5, 0.6)),
            swing=0.0, chord_instrument="epiano", bass_instrument="bass",
            feel="4/4 pop: kick 1 and 3, snare 2 and 4, eighth hats, root-fifth bass, piano comping"),
        Style(
            "reggae", 4,
            drums=(DrumHit(2.0, "kick", 0.9), DrumHit(2.0, "rim", 0.7)) + _hats(4, 0.35, offbeats_from=0.4),
            bass=(PitchedHit(0.0, 1.5, "root", 0.85), PitchedHit(1.5, 0.5, "root", 0.6, 0.4),
                  PitchedHit(2.5, 1.0, "fifth", 0.7), PitchedHit(3.5, 0.5, "octave", 0.55, 0.6)),
            chords=tuple(PitchedHit(b + 0.5, 0.3, "chord", 0.7 if b % 2 else 0.6) for b in range(4)),
            swing=0.1, chord_instrument="guitar", bass_instrument="bass",
            feel="one-drop reggae: kick and rim on 3, off-beat chord skank, syncopated bass"),
        Style(
            "blues_shuffle", 4,
            drums=(DrumHit(0.0, "kick", 0.85), DrumHit(2.0, "kick", 0.8), DrumHit(1.0, "snare", 0.75),
                   DrumHit(3.0, "snare", 0.75)) + _hats(4, 0.4, offbeats_from=0.2),
            bass=tuple(PitchedHit(float(b), 1.0, "walk", 0.75 if b == 0 else 0.65) for b in range(4)),
            chords=(PitchedHit(0.0, 0.6, "chord", 0.6), PitchedHit(1.5, 0.4, "chord", 0.55, 0.4),
                    PitchedHit(2.0, 0.6, "chord", 0.6), PitchedHit(3.5, 0.4, "chord", 0.55, 0.4)),
            swing=1.0, chord_instrument="piano", bass_instrument="bass",
            feel="blues shuffle: triplet swing, walking bass, kick and snare backbeat"),
        Style(
            "bossa", 4,
            # a soft kick (was 0.7 and 0.55: its thump outweighed the guitar's chord in the
            # chromagram, Dm and D major tied through TimGM6mb; docs/performance.md)
            drums=(DrumHit(0.0, "kick", 0.5), DrumHit(1.5, "kick", 0.4), DrumHit(2.0, "kick", 0.5),
                   DrumHit(3.5, "kick", 0.4), DrumHit(0.0, "rim", 0.5, 0.3), DrumHit(1.5, "rim", 0.5, 0.3),
                   DrumHit(3.0, "rim", 0.5, 0.3)) + _hats(4, 0.3, sound="shaker"),
            bass=(PitchedHit(0.0, 1.5, "root", 0.8), PitchedHit(1.5, 0.5, "fifth", 0.6),
                  PitchedHit(2.0, 1.5, "fifth", 0.7), PitchedHit(3.5, 0.5, "root", 0.6, 0.3)),
            chords=(PitchedHit(0.0, 0.9, "chord", 0.6), PitchedHit(1.5, 0.9, "chord", 0.55),
                    PitchedHit(2.5, 0.9, "chord", 0.5, 0.4), PitchedHit(3.5, 0.5, "chord", 0.5, 0.6)),
            swing=0.0, chord_instrument="guitar", bass_instrument="bass",
            feel="bossa nova: soft kick on 1 and the and of 2, rim clave, shaker, syncopated guitar"),
        Style(
            "ambient_drone", 4,
            drums=(DrumHit(0.0, "shaker", 0.2, 0.6), DrumHit(2.0, "shaker", 0.15, 0.8)),
            bass=(PitchedHit(0.0, 4.0, "root", 0.6),),
            chords=_pad(4), swing=0.0, chord_instrument="pad", bass_instrument="bass",
            feel="ambient: a held bass note and a pad, almost no drums (a shaker at high intensity)"),
        Style(
            "arpeggio_waltz", 3,
            drums=(DrumHit(0.0, "kick", 0.6, 0.2), DrumHit(1.0, "rim", 0.35, 0.4), DrumHit(2.0, "rim", 0.35, 0.4)),
            # the bass's root on the downbeat only, one beat (the "oom" of oom-pah-pah): held
            # through the bar, the SoundFont finger bass's 5th harmonic (a major third above the
            # root) outweighed a minor chord's third in the marimba (docs/performance.md)
            bass=(PitchedHit(0.0, 1.0, "root", 0.7),),
            chords=tuple(PitchedHit(k * 0.5, 0.5, "arp", 0.55) for k in range(6)),
            swing=0.0, chord_instrument="marimba", bass_instrument="bass",
            feel="3/4: the chord broken into eighth-note arpeggios, the bass's root on each downbeat"),
    )
}
"""Every style, by name."""
