"""The harmony of a run, beat by beat: the key, the progression, the drone, and the changes the
therapist makes live, each applied from the beat it is planned for.

Chords come from :mod:`live.music.chords` (roman numerals resolved in the key and mode, chord
symbols, recognition). A progression cycles one chord per bar; ``drone`` holds the tonic
(root and fifth, :func:`live.music.chords.drone`) instead. The therapist's changes
(:meth:`Harmony.schedule`) take effect from a beat the activity names (the next one not yet
planned, or the next bar's first): a chord they played (held until the next change), the
progression's next chord, a key step up or down (roman numerals follow the key; chord symbols
are moved by the same step), the drone on or off.

Each beat's chord is decided once, when the beat is planned (:meth:`Harmony.at_beat`), and the
run's record of what sounded is the list of :class:`Segment` s: where the chord (or key) changed.

Realtime-safe: no (control thread).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from live.music.chords import Chord, chord_from_symbol, chord_of
from live.music.chords import drone as drone_of
from live.music.roman import chord_from_roman, is_roman
from live.music.scales import pitch_class

__all__ = ["Harmony", "HarmonyAt", "Segment", "resolve", "spec_problem", "transposed"]


def transposed(chord: Chord, semitones: int) -> Chord:
    """``chord`` moved by ``semitones`` (its quality kept)."""
    bass = None if chord.bass_pc is None else (chord.bass_pc + semitones) % 12
    return chord_of((chord.root_pc + semitones) % 12, chord.quality, bass)


@lru_cache(maxsize=1024)
def resolve(spec: str, tonic_pc: int, mode: str, shift: int = 0) -> Chord:
    """The chord ``spec`` names: a roman numeral of the key (``tonic_pc``, ``mode``), or a chord
    symbol moved by ``shift`` semitones (the key steps taken since the preset's key).

    Raises
    ------
    ValueError
        With one line saying what is allowed, when ``spec`` is neither.
    """
    if is_roman(spec):
        return chord_from_roman(spec, tonic_pc, mode)
    chord = chord_from_symbol(spec)
    return transposed(chord, shift) if shift % 12 else chord


def spec_problem(spec: str, key: str, mode: str) -> str | None:
    """What is wrong with a progression's ``spec`` in ``key`` and ``mode`` (None: nothing)."""
    try:
        resolve(spec, pitch_class(key), mode)
    except ValueError as exc:
        return str(exc)
    return None


@dataclass(frozen=True, slots=True)
class HarmonyAt:
    """The harmony of one beat: the key (``tonic_pc``, ``mode``), the chord, the next chord of
    the progression, and whether it is the drone."""

    tonic_pc: int
    mode: str
    chord: Chord
    next_chord: Chord
    drone: bool


@dataclass(slots=True)
class Segment:
    """A stretch of one chord in one key: from ``start_frame`` to ``end_frame`` (None while it
    sounds)."""

    start_frame: int
    end_frame: int | None
    tonic_pc: int
    chord: Chord

    def as_dict(self, sample_rate: int) -> dict[str, Any]:
        """``{start_s, end_s, symbol, pitch_classes}``, seconds from engine frame 0."""
        return {"start_s": self.start_frame / sample_rate,
                "end_s": None if self.end_frame is None else self.end_frame / sample_rate,
                "symbol": self.chord.symbol, "pitch_classes": sorted(self.chord.pitch_classes)}


class Harmony:
    """The harmony of a run, decided beat by beat.

    Parameters
    ----------
    key : str
        The tonic's name (``"C"``, ``"F#"``, ``"Bb"``).
    mode : str
    progression : tuple of str
        Roman numerals or chord symbols, one per bar.
    drone : bool
    meter : int
        Beats per bar.
    first_bar_beat : int
        The beat on which bar 0 of the harmony starts (after the count-in).
    """

    def __init__(self, *, key: str, mode: str, progression: tuple[str, ...], drone: bool, meter: int,
                 first_bar_beat: int = 0) -> None:
        self.tonic_pc = pitch_class(key)
        self.key_pc0 = self.tonic_pc
        self.mode = mode
        self.progression = tuple(progression)
        self.drone = drone or not self.progression
        self.meter = meter
        self.first_bar_beat = first_bar_beat
        self._index = 0               # where in the progression the current bar is
        self._held: Chord | None = None
        self._pending: list[tuple[int, str, Any]] = []  # (from beat, action, value)
        self._last_beat: int | None = None
        self.segments: list[Segment] = []

    @property
    def shift(self) -> int:
        """Semitones the key has moved from the preset's."""
        return (self.tonic_pc - self.key_pc0) % 12

    def _progression_chord(self, index: int) -> Chord:
        spec = self.progression[index % len(self.progression)]
        return resolve(spec, self.tonic_pc, self.mode, self.shift)

    def _current(self) -> Chord:
        if self._held is not None:
            return self._held
        if self.drone:
            return drone_of(self.tonic_pc)
        return self._progression_chord(self._index)

    def _next(self) -> Chord:
        if self.drone and self._held is None:
            return drone_of(self.tonic_pc)
        if not self.progression:
            return self._current()
        return self._progression_chord(self._index + (0 if self._held is not None else 1))

    def schedule(self, from_beat: int, action: str, value: Any = None) -> None:
        """Apply ``action`` from beat ``from_beat`` on: ``"chord"`` (``value`` a Chord, held),
        ``"next_chord"``, ``"key_up"``/``"key_down"`` (a semitone), ``"drone"`` (``value`` True/False)."""
        self._pending.append((from_beat, action, value))
        self._pending.sort(key=lambda p: p[0])

    def at_beat(self, beat: int, frame: int) -> HarmonyAt:
        """Decide beat ``beat`` (planned in order, at ``frame``): apply what is due, move the
        progression on at each bar, and record a new segment when the chord or key changes."""
        if self._last_beat is not None and beat <= self._last_beat:
            raise ValueError(f"beat {beat} was decided already (last {self._last_beat})")
        rel = beat - self.first_bar_beat
        if self._last_beat is not None and rel > 0 and rel % self.meter == 0 and self._held is None:
            self._index += 1
        while self._pending and self._pending[0][0] <= beat:
            _, action, value = self._pending.pop(0)
            self._apply(action, value)
        self._last_beat = beat
        chord = self._current()
        last = self.segments[-1] if self.segments else None
        if last is None or last.chord.symbol != chord.symbol or last.chord.pitch_classes != chord.pitch_classes \
                or last.tonic_pc != self.tonic_pc:
            if last is not None:
                last.end_frame = frame
            self.segments.append(Segment(frame, None, self.tonic_pc, chord))
        return HarmonyAt(self.tonic_pc, self.mode, chord, self._next(), self.drone and self._held is None)

    def _apply(self, action: str, value: Any) -> None:
        if action == "chord":
            self._held = value
        elif action == "next_chord":
            if self._held is not None:
                self._held = None
            self._index += 1
        elif action in ("key_up", "key_down"):
            self.tonic_pc = (self.tonic_pc + (1 if action == "key_up" else -1)) % 12
            if self._held is not None:
                self._held = transposed(self._held, 1 if action == "key_up" else -1)
        elif action == "drone":
            self.drone = bool(value) or not self.progression
            self._held = None
        else:
            raise ValueError(f"unknown harmony change {action!r}")

    def close(self, end_frame: int) -> None:
        """The run ended at ``end_frame``: segments after it are dropped, the last one ends there."""
        self.segments = [s for s in self.segments if s.start_frame < end_frame]
        if self.segments:
            last = self.segments[-1]
            last.end_frame = end_frame if last.end_frame is None else min(last.end_frame, end_frame)
