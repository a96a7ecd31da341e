"""Drum grooves for rhythmic entrainment: one bar of hits on a grid, whose beat is the cue.

Each groove puts one sound on every beat (the cue: it carries the beat index, the client taps
to it, the screen draws it) and more hits between and on the beats (subdivisions, not cues).
Positions are in beats from the start of the bar, so a groove follows any tempo map, ramps
included. Pure data; the activity turns it into :class:`~live.engine.events.ScheduledSound` s.

Realtime-safe: no (control thread).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Hit:
    """One non-cue hit of a bar: ``beat`` (0-based beat of the bar) + ``fraction`` of a beat."""

    beat: int
    fraction: float
    sound: str
    level: float


@dataclass(frozen=True, slots=True)
class Groove:
    """A bar of drums.

    Parameters
    ----------
    name : str
    meter : int
        Beats per bar.
    beat_sounds : tuple of str
        The cue sound of each beat of the bar (its ``_accent`` form plays on accented beats).
    hits : tuple of Hit
        Every other hit of the bar (subdivisions and fills), with its level relative to the beat.
    feel : str
        What a therapist hears, for ``live presets`` and the docs.
    """

    name: str
    meter: int
    beat_sounds: tuple[str, ...]
    hits: tuple[Hit, ...]
    feel: str


def _eighths(meter: int, sound: str, level: float, *, on_beat: bool = True, at: float = 0.5) -> tuple[Hit, ...]:
    out = []
    for b in range(meter):
        if on_beat:
            out.append(Hit(b, 0.0, sound, level))
        out.append(Hit(b, at, sound, level))
    return tuple(out)


GROOVES: dict[str, Groove] = {
    g.name: g
    for g in (
        Groove("straight", 4, ("kick", "snare", "kick", "snare"), _eighths(4, "hat", 0.5),
               "4/4 rock/pop: kick on 1 and 3, snare on 2 and 4, hi-hat eighths"),
        Groove("march", 2, ("kick", "kick"), _eighths(2, "snare", 0.45, on_beat=False),
               "2/4 march: bass drum on every step, snare on the off-beats (left-right)"),
        Groove("waltz", 3, ("kick", "rim", "rim"), (Hit(0, 0.0, "open_hat", 0.3),) + _eighths(3, "shaker", 0.35, on_beat=False),
               "3/4 waltz: bass on 1, rim on 2 and 3 (oom-pah-pah), shaker off-beats"),
        Groove("shuffle", 4, ("kick", "snare", "kick", "snare"), _eighths(4, "hat", 0.5, at=2.0 / 3.0),
               "4/4 shuffle: swung (triplet) hi-hat eighths over kick and snare"),
        Groove("six-eight", 2, ("kick", "rim"),
               tuple(Hit(b, f, "hat", 0.45) for b in range(2) for f in (0.0, 1.0 / 3.0, 2.0 / 3.0)),
               "6/8: two dotted-quarter beats per bar, three hi-hat eighths in each"),
    )
}


def metronome(meter: int, sound: str, subdivision: int, level: float = 0.4) -> Groove:
    """A plain beat: ``sound`` on every beat, and ``subdivision - 1`` softer hits between beats."""
    hits = tuple(Hit(b, j / subdivision, sound, level) for b in range(meter) for j in range(1, subdivision))
    return Groove("none", meter, (sound,) * meter, hits, f"{sound} on every beat")
