"""General MIDI names: the GM level 1 percussion key map and note names, for messages.

GM level 1 puts percussion on MIDI channel 10 (1-based; status low nibble 9), one sound per
key from 35 (Acoustic Bass Drum) to 81 (Open Triangle); most drum pads send these notes.

Note names use scientific pitch notation with middle C (MIDI 60) = ``C4``, the MMA's and most
DAWs' convention; Yamaha and some other manufacturers call MIDI 60 ``C3``, so a pad labelled
"C3" may send 60 (``C4`` here).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["GM_DRUM_CHANNEL", "GM_DRUMS", "note_name"]

GM_DRUM_CHANNEL = 10
"""MIDI channel (1..16) of GM percussion."""

GM_DRUMS: Mapping[int, str] = MappingProxyType({
    35: "Acoustic Bass Drum", 36: "Bass Drum 1", 37: "Side Stick", 38: "Acoustic Snare",
    39: "Hand Clap", 40: "Electric Snare", 41: "Low Floor Tom", 42: "Closed Hi-Hat",
    43: "High Floor Tom", 44: "Pedal Hi-Hat", 45: "Low Tom", 46: "Open Hi-Hat",
    47: "Low-Mid Tom", 48: "Hi-Mid Tom", 49: "Crash Cymbal 1", 50: "High Tom",
    51: "Ride Cymbal 1", 52: "Chinese Cymbal", 53: "Ride Bell", 54: "Tambourine",
    55: "Splash Cymbal", 56: "Cowbell", 57: "Crash Cymbal 2", 58: "Vibraslap",
    59: "Ride Cymbal 2", 60: "Hi Bongo", 61: "Low Bongo", 62: "Mute Hi Conga",
    63: "Open Hi Conga", 64: "Low Conga", 65: "High Timbale", 66: "Low Timbale",
    67: "High Agogo", 68: "Low Agogo", 69: "Cabasa", 70: "Maracas",
    71: "Short Whistle", 72: "Long Whistle", 73: "Short Guiro", 74: "Long Guiro",
    75: "Claves", 76: "Hi Wood Block", 77: "Low Wood Block", 78: "Mute Cuica",
    79: "Open Cuica", 80: "Mute Triangle", 81: "Open Triangle",
})
"""GM level 1 percussion key map: MIDI note (35..81) -> sound name. Read-only."""

_PITCH_CLASSES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")


def note_name(note: int) -> str:
    """Name of MIDI note ``note`` with middle C (60) = ``"C4"``: 0 is ``"C-1"``, 127 ``"G9"``.

    Sharps only (``"C#4"``, never ``"Db4"``).

    Raises
    ------
    ValueError
        When ``note`` is not a whole number 0..127.
    """
    if isinstance(note, bool) or not isinstance(note, int) or not 0 <= note <= 127:
        raise ValueError(f"MIDI note {note!r}: must be a whole number 0..127")
    return f"{_PITCH_CLASSES[note % 12]}{note // 12 - 1}"
