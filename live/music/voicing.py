"""Voicings: a chord's pitch classes placed as MIDI notes within a range, with smooth voice leading.

Smooth voice leading here is the textbook rule of keeping common tones and moving the other
voices by the smallest steps: of every voicing of the next chord that holds each of its pitch
classes once within ``low_note..high_note`` and spans at most ``max_span`` semitones, the one
with the least total movement (:func:`movement`) from the previous voicing is played. Voices
are paired in pitch order, which gives the least total movement for equally many voices
(pairing sorted lists minimises the sum of absolute differences); for unequally many, each
note counts the distance to its nearest note of the other chord.

Realtime-safe: no (control thread).
"""

from __future__ import annotations

from itertools import product
from typing import Sequence

from live.music.chords import Chord
from live.music.scales import check_note

__all__ = ["movement", "root_position", "voice", "voice_progression"]


def movement(a: Sequence[int], b: Sequence[int]) -> int:
    """Total movement in semitones from voicing ``a`` to voicing ``b`` (see the module's rule)."""
    sa, sb = sorted(a), sorted(b)
    if not sa or not sb:
        return 0
    if len(sa) == len(sb):
        return sum(abs(x - y) for x, y in zip(sa, sb))
    return sum(min(abs(x - y) for y in sb) for x in sa) + sum(min(abs(y - x) for x in sa) for y in sb)


def _check_range(low_note: int, high_note: int) -> None:
    check_note(low_note, "low note")
    check_note(high_note, "high note")
    if high_note < low_note:
        raise ValueError(f"voicing range {low_note}..{high_note}: the high note must not be below the low note")


def root_position(chord: Chord, *, low_note: int, high_note: int) -> tuple[int, ...]:
    """The chord in close root position (root lowest, each chord tone the next one above) whose
    middle is nearest the middle of ``low_note..high_note`` (MIDI notes)."""
    _check_range(low_note, high_note)
    best: tuple[float, tuple[int, ...]] | None = None
    for root in range(low_note, high_note + 1):
        if root % 12 != chord.root_pc:
            continue
        notes = [root]
        for pc in chord.pitch_classes[1:]:
            notes.append(notes[-1] + ((pc - notes[-1]) % 12 or 12))
        if notes[-1] > high_note:
            continue
        distance = abs((notes[0] + notes[-1]) / 2 - (low_note + high_note) / 2)
        if best is None or distance < best[0]:
            best = (distance, tuple(notes))
    if best is None:
        raise ValueError(f"chord {chord.symbol}: no root position fits in MIDI notes {low_note}..{high_note}; "
                         "widen the range")
    return best[1]


def voice(chord: Chord, *, low_note: int, high_note: int, previous: Sequence[int] | None = None,
          max_span: int = 12) -> tuple[int, ...]:
    """The notes to play ``chord`` with, ascending.

    Parameters
    ----------
    chord : Chord
        What to voice: each of its pitch classes once.
    low_note, high_note : int
        The range, MIDI notes inclusive.
    previous : sequence of int, optional
        The voicing played before; without it, :func:`root_position`.
    max_span : int
        The widest a voicing may be, lowest to highest note (semitones; 12: within an octave).

    Returns
    -------
    tuple of int
        The voicing with the least :func:`movement` from ``previous``; ties go to the narrower,
        then to the one nearer the middle of the range, then to the lower.
    """
    _check_range(low_note, high_note)
    if previous is None or len(previous) == 0:
        return root_position(chord, low_note=low_note, high_note=high_note)
    options = [[n for n in range(low_note, high_note + 1) if n % 12 == pc] for pc in chord.pitch_classes]
    middle = (low_note + high_note) / 2
    best: tuple[tuple[float, ...], tuple[int, ...]] | None = None
    for notes in product(*options):
        span = max(notes) - min(notes)
        if span > max_span:
            continue
        ranked = tuple(sorted(notes))
        key = (movement(previous, ranked), span, abs(sum(ranked) / len(ranked) - middle), ranked[0])
        if best is None or key < best[0]:
            best = (key, ranked)
    if best is None:
        raise ValueError(f"chord {chord.symbol}: no voicing within {max_span} semitones fits in MIDI notes "
                         f"{low_note}..{high_note}; widen the range")
    return best[1]


def voice_progression(chords: Sequence[Chord], *, low_note: int, high_note: int,
                      max_span: int = 12) -> tuple[tuple[int, ...], ...]:
    """Each chord voiced from the one before (the first in root position)."""
    voicings: list[tuple[int, ...]] = []
    for chord in chords:
        voicings.append(voice(chord, low_note=low_note, high_note=high_note,
                              previous=voicings[-1] if voicings else None, max_span=max_span))
    return tuple(voicings)
