"""Chords: symbols read, chords recognised from notes played together, the drone.

The chord qualities and their intervals are pychord's (``pychord.QualityManager``, 100-odd
qualities from power chords to 13ths), not a table of this project: a symbol is parsed by
``pychord.Chord`` and a set of notes is matched against pychord's qualities at every root. A
:class:`Chord` is a harmony: a root, a quality and its pitch classes (C = 0); how it is voiced
is :mod:`live.music.voicing`.

Recognition (:func:`recognise`, the therapist's chord on the keyboard) is by pitch classes, so
octave doublings and the voicing do not matter. When the pitch classes read as more than one
chord, triads and seventh chords (major, minor, diminished, augmented; dominant, major,
minor, half-diminished and diminished sevenths, minor-major seventh) win over other readings
(so C E G A is Am7 rather than C6, Eb Gb Bb C is Cm7b5 rather than Ebm6); among equals the
reading rooted on the lowest note wins (so G C D is Gsus4 and C D G is Csus2; an augmented
triad or a diminished seventh, whose inversions are the same chord, is rooted on its lowest
note).

Realtime-safe: no (control thread).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

from pychord import Chord as _PyChord
from pychord import QualityManager

from live.music.scales import check_note, check_pc, pc_name, pitch_class

__all__ = ["Chord", "chord_from_symbol", "chord_of", "recognise", "drone", "QUALITIES", "COMMON_QUALITIES"]

#: Triads and seventh chords: the readings :func:`recognise` prefers, in this order.
COMMON_QUALITIES: tuple[str, ...] = ("", "m", "dim", "aug", "7", "maj7", "m7", "m7b5", "dim7", "mmaj7")

# One spelling for qualities pychord knows under several names (same intervals).
_SPELLING = ("", "m", "dim", "aug", "sus4", "sus2", "7", "maj7", "m7", "m7b5", "dim7", "mmaj7", "7b5",
             "7#5", "m7#5", "maj9", "7b9", "7#9", "9b5", "9#5")


@dataclass(frozen=True, slots=True)
class Chord:
    """A harmony: what sounds, not how it is voiced.

    Attributes
    ----------
    root_pc : int
        The root's pitch class, 0..11 (C = 0).
    quality : str
        pychord's quality name, one spelling per set of intervals: ``""`` major, ``"m"``,
        ``"dim"``, ``"aug"``, ``"7"``, ``"maj7"``, ``"m7"``, ``"m7b5"``, ``"dim7"``, ``"sus4"``,
        ``"5"`` (root and fifth: the drone), ...
    symbol : str
        The chord as people write it, sharp-spelled: ``"F#m7"``, ``"A#maj7"``, ``"C/E"``.
    pitch_classes : tuple of int
        Its pitch classes from the root in chord-tone order (root, third, fifth, seventh, ...);
        a slash chord's bass, when not a chord tone, last.
    bass_pc : int or None
        The bass of a slash chord (``"C/E"``: 4); None when the root is the bass.
    """

    root_pc: int
    quality: str
    symbol: str
    pitch_classes: tuple[int, ...]
    bass_pc: int | None = None


@lru_cache(maxsize=1)
def _qualities() -> dict[str, tuple[int, ...]]:
    """pychord's qualities, one spelling per set of intervals: name -> semitones above the root."""
    table = {name: tuple(q.components) for name, q in QualityManager().get_qualities().items()}
    spelled: dict[tuple[int, ...], str] = {}
    for name, components in table.items():
        if components not in spelled or (name in _SPELLING and spelled[components] not in _SPELLING):
            spelled[components] = name
    return {name: components for components, name in spelled.items()}


@lru_cache(maxsize=1)
def _canonical() -> dict[str, str]:
    """Every pychord quality name -> its one spelling (``"maj"`` -> ``""``, ``"M7"`` -> ``"maj7"``)."""
    by_components = {components: name for name, components in _qualities().items()}
    return {name: by_components[tuple(q.components)] for name, q in QualityManager().get_qualities().items()}


QUALITIES: tuple[str, ...] = tuple(_qualities())
"""Every quality name :class:`Chord` can carry (pychord's, one spelling each)."""


def chord_of(root_pc: int, quality: str, bass_pc: int | None = None) -> Chord:
    """The chord of ``quality`` (any name pychord knows, e.g. ``"min"`` or ``"m"``) on ``root_pc``."""
    check_pc(root_pc, "root")
    name = _canonical().get(quality)
    if name is None:
        raise ValueError(f"chord quality {quality!r}: must be one of pychord's qualities, e.g. "
                         "'' (major), m, dim, aug, 7, maj7, m7, m7b5, dim7, sus4, 5")
    pcs = tuple((root_pc + c) % 12 for c in _qualities()[name])
    pcs = tuple(dict.fromkeys(pcs))
    if bass_pc is not None:
        check_pc(bass_pc, "bass")
        if bass_pc == root_pc:
            bass_pc = None
        elif bass_pc not in pcs:
            pcs = pcs + (bass_pc,)
    symbol = pc_name(root_pc) + name + (f"/{pc_name(bass_pc)}" if bass_pc is not None else "")
    return Chord(root_pc, name, symbol, pcs, bass_pc)


def chord_from_symbol(symbol: str) -> Chord:
    """The chord a symbol names: ``"Am7"``, ``"F#dim"``, ``"Bbmaj7"``, ``"C/E"``, ``"G7sus4"``.

    Parsed by ``pychord.Chord``; ``ValueError`` with one line on a symbol it cannot read.
    """
    if not isinstance(symbol, str) or not symbol.strip():
        raise ValueError(f"chord symbol {symbol!r}: must be a root A..G, optional # or b, and a quality "
                         "(e.g. C, Am, F#m7, Bbmaj7, G7, Bdim, C/E)")
    try:
        parsed = _PyChord(symbol.strip())
    except (ValueError, KeyError, IndexError, AttributeError) as error:
        raise ValueError(f"chord symbol {symbol!r}: {str(error).splitlines()[0] if str(error) else 'not a chord'}; "
                         "must be a root A..G, optional # or b, and a quality (e.g. C, Am, F#m7, Bbmaj7, G7, Bdim, "
                         "C/E)") from None
    bass = pitch_class(parsed.on) if parsed.on else None
    return chord_of(pitch_class(parsed.root), parsed.quality.quality, bass)


@lru_cache(maxsize=1)
def _by_interval_set() -> dict[frozenset[int], tuple[str, ...]]:
    """A set of intervals above a root (mod 12) -> the qualities with exactly those, by preference."""
    found: dict[frozenset[int], list[str]] = {}
    for name, components in _qualities().items():
        found.setdefault(frozenset(c % 12 for c in components), []).append(name)
    return {key: tuple(sorted(names, key=_preference)) for key, names in found.items()}


def _preference(quality: str) -> int:
    return COMMON_QUALITIES.index(quality) if quality in COMMON_QUALITIES else len(COMMON_QUALITIES)


def recognise(notes: Iterable[int]) -> Chord | None:
    """The chord that MIDI ``notes`` played together form, or None.

    Parameters
    ----------
    notes : iterable of int
        MIDI note numbers 0..127, in any order; octave doublings are ignored.

    Returns
    -------
    Chord or None
        The reading of their pitch classes as a pychord quality at one of their pitch classes
        as root (the preferences are in the module's docstring); None for fewer than three
        distinct pitch classes or a set no quality fits. The voicing (which note is lowest) is
        not kept: ``bass_pc`` is None.
    """
    played = sorted({check_note(n) for n in notes})
    pcs = list(dict.fromkeys(n % 12 for n in played))
    if len(pcs) < 3:
        return None
    bass = pcs[0]
    readings = []
    for root in pcs:
        intervals = frozenset((pc - root) % 12 for pc in pcs)
        for name in _by_interval_set().get(intervals, ()):
            readings.append((_preference(name) == len(COMMON_QUALITIES), root != bass, _preference(name),
                             (root - bass) % 12, name, root))
    if not readings:
        return None
    *_, name, root = min(readings)
    return chord_of(root, name)


def drone(tonic_pc: int) -> Chord:
    """The drone of a key: root and fifth (quality ``"5"``), which sound right in every mode of
    :data:`live.music.scales.MODES` (each holds the fifth) and never change."""
    return chord_of(tonic_pc, "5")
