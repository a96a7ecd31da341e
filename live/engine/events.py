"""Events that cross the engine's interface, stamped in integer frames.

Frames count samples since the stream started; every time name carries its unit suffix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

InputSource = Literal["midi", "touch", "mic", "sim"]


@dataclass(frozen=True, slots=True)
class ScheduledSound:
    """A bank sound to start at an exact frame.

    Parameters
    ----------
    frame : int
        Output frame at which the sound's first sample is played.
    sound : str
        Name of a sound in the sample bank (``"click_accent"``, ``"click"``, ``"woodblock"``).
    gain : float
        Linear gain, 0..4.
    cue_index : int or None
        Index of the cue this sound marks (a beat, a call's onset, ...: the activity's own
        numbering, 0 = the first scored one, count-in beats negative); None for sounds that
        mark no cue (a groove's other hits, a pad's sound).
    """

    frame: int
    sound: str
    gain: float = 1.0
    cue_index: int | None = None


@dataclass(frozen=True, slots=True)
class Cue:
    """A cue the client sees (a beat, ...): what a screen draws in sync with the audio.

    Parameters
    ----------
    index : int
        Index of the cue, as ``cue_index`` in :class:`ScheduledSound` (count-in beats negative).
    frame : int
        Output frame at which the cue sounds; a screen draws it early by its display latency.
    accent : bool
        True on an accented cue (an accented beat of the bar).
    """

    index: int
    frame: int
    accent: bool


@dataclass(frozen=True, slots=True)
class InputEvent:
    """A client's or therapist's action, stamped with the frame at which it happened.

    Parameters
    ----------
    frame : int
        Engine frame of the action (after the input path's latency correction).
    source : {"midi", "touch", "mic", "sim"}
        Input path; ``"sim"`` is the simulated client.
    note : int or None
        MIDI note, pad index for touch, None for microphone onsets.
    velocity : int
        1..127.
    client : str or None
        Pseudonymous code of the client who played it; None for the therapist playing along
        (stored as the therapist's, never scored).
    """

    frame: int
    source: InputSource
    note: int | None
    velocity: int
    client: str | None
