"""The client's instrument: pads on scale degrees, and a MIDI keyboard kept in the scale.

Pad ``i`` plays the ``i``-th note of the scale upward from the tonic in the preset's octave
(pad 0 the tonic; with a pentatonic scale and 8 pads in C4: C4 D4 E4 G4 A4 C5 D5 E5), so every
pad is in the scale whatever the key. A keyboard's note is played as it is when it is in the
scale; an off-scale note is moved to the nearest scale note (``snap = "nearest"``; a tie, a note
half-way between two scale notes, goes down), left silent but logged (``"filter"``), or played
as it is (``"off"``).

Pure functions; realtime-safe: no (control thread).
"""

from __future__ import annotations

from live.engine.events import PadLook
from live.config.screen import MAX_PADS
from live.music.scales import note_name, scale_pitch_classes, snap_to_scale

__all__ = ["pad_note", "pad_notes", "keyboard_note", "degree_of", "pad_look"]


def pad_note(pad: int, *, tonic_pc: int, mode: str, octave: int) -> int:
    """MIDI note of pad ``pad`` (0-based): the scale's ``pad``-th note up from the tonic in
    ``octave`` (C4 = 60), kept within 0..127 by octaves."""
    pcs = scale_pitch_classes(tonic_pc, mode)
    steps = sorted((pc - tonic_pc) % 12 for pc in pcs)
    up, degree = divmod(pad, len(steps))
    note = 12 * (octave + 1) + tonic_pc + steps[degree] + 12 * up
    while note > 127:
        note -= 12
    return note


def pad_notes(n_pads: int, *, tonic_pc: int, mode: str, octave: int) -> tuple[int, ...]:
    """The notes of pads ``0 .. n_pads - 1``."""
    return tuple(pad_note(i, tonic_pc=tonic_pc, mode=mode, octave=octave) for i in range(n_pads))


def degree_of(pad: int, *, mode: str) -> int:
    """The scale degree (0 = the tonic) pad ``pad`` plays."""
    return pad % len(scale_pitch_classes(0, mode))


def keyboard_note(note: int, *, tonic_pc: int, mode: str, snap: str) -> int | None:
    """What a keyboard's ``note`` plays: itself when in the scale or with ``snap = "off"``;
    otherwise the nearest scale note (``"nearest"``, ties downward) or None (``"filter"``)."""
    pcs = set(scale_pitch_classes(tonic_pc, mode))
    if snap == "off" or note % 12 in pcs:
        return note
    if snap == "filter":
        return None
    if snap != "nearest":
        raise ValueError(f"snap = {snap!r}: must be one of: nearest, filter, off")
    return snap_to_scale(note, tonic_pc, mode)


def pad_look(frame: int, *, tonic_pc: int, mode: str, octave: int, n_pads: int = MAX_PADS) -> PadLook:
    """How the pads look in a key from ``frame`` on: each labelled with its note's name (``"C4"``),
    coloured by its scale degree (palette index = degree, the same colour in every octave), and
    the tonics marked."""
    notes = pad_notes(n_pads, tonic_pc=tonic_pc, mode=mode, octave=octave)
    degrees = [degree_of(i, mode=mode) for i in range(n_pads)]
    return PadLook(frame, labels=tuple(note_name(n) for n in notes), colours=tuple(d % 7 for d in degrees),
                   marked=tuple(i for i, d in enumerate(degrees) if d == 0))
