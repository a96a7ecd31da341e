"""Roman numerals in a key and mode, and progressions written per bar.

A numeral names the chord on a degree of the key's scale: upper case a major third above its
root (``I``, ``IV``, ``V``), lower case a minor third (``ii``, ``vi``); a suffix changes the
quality (``7``: a dominant seventh on upper case, a minor seventh on lower case; ``maj7``;
``o``/``°``/``dim`` diminished, ``o7``/``°7``/``dim7`` diminished seventh, ``ø``/``ø7``/``m7b5``
half-diminished, ``+``/``aug`` augmented, ``6``, ``9``, ``sus2``, ``sus4``); a leading ``b`` or
``#`` lowers or raises the root (``bVII``, ``bIII``).

The degrees are those of the mode's own seven-note scale (in A minor ``III`` is C major, in D
dorian ``IV`` is G major); the pentatonic and blues modes take the seven-note scale they come
from: ``major_pentatonic`` the major scale, ``minor_pentatonic`` and ``blues`` the natural
minor (in both, ``I``, ``IV`` and ``V`` sit where the 12-bar blues puts them).

A progression (:func:`progression`) is one entry per bar, each a roman numeral or a chord
symbol (:func:`live.music.chords.chord_from_symbol`); :data:`PROGRESSIONS` holds the named ones.

Realtime-safe: no (control thread).
"""

from __future__ import annotations

import re
from types import MappingProxyType
from typing import Mapping, Sequence

from live.music.chords import Chord, chord_from_symbol, chord_of
from live.music.scales import MODES, check_mode, check_pc

__all__ = ["PROGRESSIONS", "chord_from_roman", "is_roman", "progression"]

#: Named progressions, one entry per bar.
PROGRESSIONS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "pop": ("I", "V", "vi", "IV"),
    "blues_12": ("I7", "I7", "I7", "I7", "IV7", "IV7", "I7", "I7", "V7", "IV7", "I7", "V7"),
    "ii_V_I": ("ii7", "V7", "Imaj7", "Imaj7"),
    "minor_i_iv_v": ("i", "iv", "v", "i"),
})

_PARENT = {"major_pentatonic": "major", "minor_pentatonic": "minor", "blues": "minor"}
_DEGREES = ("i", "ii", "iii", "iv", "v", "vi", "vii")
_ROMAN_RE = re.compile(r"(?P<shift>[b#\u266d\u266f]?)(?P<degree>VII|VI|IV|V|III|II|I|vii|vi|iv|v|iii|ii|i)"
                       r"(?P<suffix>.*)")
_UPPER = {"": "", "7": "7", "maj7": "maj7", "M7": "maj7", "\u03947": "maj7", "\u0394": "maj7", "+": "aug",
          "aug": "aug", "6": "6", "9": "9", "sus2": "sus2", "sus4": "sus4", "7sus4": "7sus4"}
_LOWER = {"": "m", "7": "m7", "maj7": "mmaj7", "o": "dim", "\u00b0": "dim", "dim": "dim", "o7": "dim7",
          "\u00b07": "dim7", "dim7": "dim7", "\u00f8": "m7b5", "\u00f87": "m7b5", "m7b5": "m7b5", "6": "m6",
          "9": "m9"}
_ALLOWED = ("a numeral I..VII (upper case major, lower case minor), optional leading b or #, and a "
            "suffix: 7, maj7, 6, 9, sus2, sus4, + (upper case); 7, o, o7, \u00f8, 6, 9 (lower case)")


def is_roman(text: str) -> bool:
    """Whether ``text`` is written as a roman numeral (``"bVII7"``) rather than a chord symbol."""
    return _ROMAN_RE.fullmatch(text.strip()) is not None


def chord_from_roman(numeral: str, tonic_pc: int, mode: str) -> Chord:
    """The chord ``numeral`` names in the key of ``tonic_pc`` (0..11, C = 0) and ``mode``.

    >>> chord_from_roman("V7", 2, "major").symbol
    'A7'
    >>> chord_from_roman("iio", 9, "minor").symbol
    'Bdim'
    """
    check_pc(tonic_pc, "tonic")
    check_mode(mode)
    found = _ROMAN_RE.fullmatch(numeral.strip()) if isinstance(numeral, str) else None
    if found is None:
        raise ValueError(f"roman numeral {numeral!r}: must be {_ALLOWED}")
    degree, suffix = found.group("degree"), found.group("suffix")
    qualities = _UPPER if degree.isupper() else _LOWER
    if suffix not in qualities:
        raise ValueError(f"roman numeral {numeral!r}: suffix {suffix!r} is not one of {_ALLOWED}")
    scale = MODES[_PARENT.get(mode, mode)]
    shift = {"": 0, "b": -1, "\u266d": -1, "#": 1, "\u266f": 1}[found.group("shift")]
    root = (tonic_pc + scale[_DEGREES.index(degree.lower())] + shift) % 12
    return chord_of(root, qualities[suffix])


def progression(bars: Sequence[str], tonic_pc: int, mode: str) -> tuple[Chord, ...]:
    """One chord per bar: each entry a roman numeral in the key (``"vi"``, ``"V7"``) or a chord
    symbol (``"Am"``, ``"G7"``); ``ValueError`` naming the bar (1-based) of a bad entry."""
    if isinstance(bars, str) or len(bars) == 0:
        raise ValueError(f"progression {bars!r}: must be a list of one roman numeral or chord symbol per bar")
    chords = []
    for bar, text in enumerate(bars, start=1):
        if not isinstance(text, str):
            raise ValueError(f"progression bar {bar} = {text!r}: must be a roman numeral or a chord symbol")
        try:
            chords.append(chord_from_roman(text, tonic_pc, mode) if is_roman(text) else chord_from_symbol(text))
        except ValueError as error:
            raise ValueError(f"progression bar {bar}: {error}") from None
    return tuple(chords)
