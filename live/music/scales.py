"""Scales and note names: the seven modes of issue 13, pitch classes, MIDI note names.

Pitch classes are integers 0..11 with C = 0; MIDI note numbers are 0..127 with C4 = 60 (so
C-1 = 0 and G9 = 127, the numbering of the MIDI 1.0 specification's middle C and of most
DAWs). Names are read with sharps or flats (``"F#"``, ``"Gb"``, ``"Bb3"``, double accidentals
too) and written sharp-spelled (``"F#"``, ``"A#3"``).

Every function checks its arguments and raises ``ValueError`` with one line saying what was
wrong and what is allowed.

Realtime-safe: no (control thread).
"""

from __future__ import annotations

import re
from types import MappingProxyType
from typing import Mapping

__all__ = ["MODES", "SHARP_NAMES", "check_mode", "check_pc", "check_note", "scale_pitch_classes",
           "scale_notes", "in_scale", "snap_to_scale", "pitch_class", "pc_name", "note_number",
           "note_name", "key_name"]

#: The modes of issue 13, each as pitch classes above its tonic (semitones, ascending).
MODES: Mapping[str, tuple[int, ...]] = MappingProxyType({
    "major": (0, 2, 4, 5, 7, 9, 11),
    "minor": (0, 2, 3, 5, 7, 8, 10),          # natural minor (aeolian)
    "dorian": (0, 2, 3, 5, 7, 9, 10),
    "mixolydian": (0, 2, 4, 5, 7, 9, 10),
    "major_pentatonic": (0, 2, 4, 7, 9),
    "minor_pentatonic": (0, 3, 5, 7, 10),
    "blues": (0, 3, 5, 6, 7, 10),
})

#: Sharp-spelled names of the pitch classes 0..11.
SHARP_NAMES: tuple[str, ...] = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")

_LETTER_PC = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_ACCIDENTAL = {"#": 1, "\u266f": 1, "b": -1, "\u266d": -1}
_PC_RE = re.compile(r"([A-Ga-g])(#{1,2}|\u266f{1,2}|b{1,2}|\u266d{1,2})?")
_NOTE_RE = re.compile(r"([A-Ga-g])(#{1,2}|\u266f{1,2}|b{1,2}|\u266d{1,2})?(-?\d+)")
_PC_ALLOWED = "a letter A..G with an optional # or b (e.g. C, F#, Bb)"
_NOTE_ALLOWED = "a pitch name and an octave, C4 = 60, within C-1..G9 (e.g. C4, F#3, Bb2)"


def check_mode(mode: str) -> tuple[int, ...]:
    """The intervals of ``mode`` (a key of :data:`MODES`); ``ValueError`` naming the allowed modes."""
    try:
        return MODES[mode]
    except (KeyError, TypeError):
        raise ValueError(f"mode {mode!r}: must be one of {', '.join(MODES)}") from None


def check_pc(pc: int, what: str = "pitch class") -> int:
    """``pc`` when it is an integer 0..11, else ``ValueError``."""
    if isinstance(pc, bool) or not isinstance(pc, int) or not 0 <= pc <= 11:
        raise ValueError(f"{what} {pc!r}: must be an integer 0..11 (C = 0)")
    return pc


def check_note(note: int, what: str = "MIDI note") -> int:
    """``note`` when it is an integer 0..127, else ``ValueError``."""
    if isinstance(note, bool) or not isinstance(note, int) or not 0 <= note <= 127:
        raise ValueError(f"{what} {note!r}: must be an integer 0..127 (C4 = 60)")
    return note


def scale_pitch_classes(tonic_pc: int, mode: str) -> tuple[int, ...]:
    """The pitch classes of the scale on ``tonic_pc`` in ``mode``, in degree order from the tonic.

    >>> scale_pitch_classes(9, "minor_pentatonic")
    (9, 0, 2, 4, 7)
    """
    check_pc(tonic_pc, "tonic")
    return tuple((tonic_pc + i) % 12 for i in check_mode(mode))


def in_scale(note: int, tonic_pc: int, mode: str) -> bool:
    """Whether MIDI ``note``'s pitch class is in the scale of ``tonic_pc`` and ``mode``."""
    return check_note(note) % 12 in scale_pitch_classes(tonic_pc, mode)


def scale_notes(tonic_pc: int, mode: str, low_note: int, high_note: int) -> tuple[int, ...]:
    """Every MIDI note of the scale from ``low_note`` to ``high_note`` inclusive, ascending."""
    check_note(low_note, "low note")
    check_note(high_note, "high note")
    if high_note < low_note:
        raise ValueError(f"note range {low_note}..{high_note}: the high note must not be below the low note")
    pcs = set(scale_pitch_classes(tonic_pc, mode))
    return tuple(n for n in range(low_note, high_note + 1) if n % 12 in pcs)


def snap_to_scale(note: int, tonic_pc: int, mode: str) -> int:
    """The scale's note nearest to MIDI ``note`` (``snap = "nearest"``): the note itself when in
    the scale; of two equally near, the lower (issue 13: ties downward). Stays within 0..127."""
    check_note(note)
    pcs = set(scale_pitch_classes(tonic_pc, mode))
    for distance in range(12):
        for candidate in (note - distance, note + distance):
            if 0 <= candidate <= 127 and candidate % 12 in pcs:
                return candidate
    raise AssertionError("unreachable: every scale has a note in every octave")


def pitch_class(name: str) -> int:
    """The pitch class (0..11, C = 0) of a name such as ``"C"``, ``"F#"``, ``"Bb"``, ``"cb"``."""
    found = _PC_RE.fullmatch(name.strip()) if isinstance(name, str) else None
    if found is None:
        raise ValueError(f"pitch class {name!r}: must be {_PC_ALLOWED}")
    return _pc_of(found.group(1), found.group(2)) % 12


def pc_name(pc: int) -> str:
    """The sharp-spelled name of pitch class ``pc`` (0..11): ``pc_name(6) == "F#"``."""
    return SHARP_NAMES[check_pc(pc)]


def note_number(name: str) -> int:
    """The MIDI note number of a name with its octave: ``note_number("C#4") == 61`` (C4 = 60)."""
    found = _NOTE_RE.fullmatch(name.strip()) if isinstance(name, str) else None
    if found is None:
        raise ValueError(f"note {name!r}: must be {_NOTE_ALLOWED}")
    number = 12 * (int(found.group(3)) + 1) + _pc_of(found.group(1), found.group(2))
    if not 0 <= number <= 127:
        raise ValueError(f"note {name!r} is MIDI note {number}: must be {_NOTE_ALLOWED}")
    return number


def note_name(note: int) -> str:
    """The sharp-spelled name of MIDI ``note`` with its octave: ``note_name(61) == "C#4"``."""
    check_note(note)
    return f"{SHARP_NAMES[note % 12]}{note // 12 - 1}"


def key_name(tonic_pc: int, mode: str) -> str:
    """A key as people write it: sharp-spelled tonic and mode, ``"F# minor"``, ``"D dorian"``."""
    check_mode(mode)
    return f"{pc_name(tonic_pc)} {mode}"


def _pc_of(letter: str, accidentals: str | None) -> int:
    """Semitones above C of a letter and its accidentals, not reduced (Cb = -1, B# = 12)."""
    return _LETTER_PC[letter.upper()] + sum(_ACCIDENTAL[a] for a in accidentals or "")
