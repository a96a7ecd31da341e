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
    end_frame : int or None
        Frame its release starts (a sustained note's note-off): it fades out over the bank
        sound's release from there; None plays the whole sample.
    """

    frame: int
    sound: str
    gain: float = 1.0
    cue_index: int | None = None
    end_frame: int | None = None


@dataclass(frozen=True, slots=True)
class Release:
    """The release of a sound scheduled earlier, moved to an earlier frame (e.g. a held chord
    the harmony changed under: its note-off at the change).

    Parameters
    ----------
    frame : int
        Frame its release starts (before its planned ``end_frame``; a frame at or after the
        planned end changes nothing, and one before ``sound.frame`` means it never sounds).
    sound : ScheduledSound
        The sound as it was scheduled (with its planned ``end_frame``).
    """

    frame: int
    sound: ScheduledSound


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


@dataclass(frozen=True, slots=True)
class ScreenPrompt:
    """A line of text the client's screen shows from ``frame`` on ("listen", "your turn").

    Parameters
    ----------
    frame : int
        Output frame from which it is seen (a screen draws it early by its display latency).
    text : str
        At most :data:`MAX_PROMPT_CHARS` printable characters; ``""`` clears the prompt.
    """

    frame: int
    text: str

    def __post_init__(self) -> None:
        if len(self.text) > MAX_PROMPT_CHARS or not self.text.isprintable():
            raise ValueError(f"prompt {self.text!r}: must be at most {MAX_PROMPT_CHARS} printable characters")


@dataclass(frozen=True, slots=True)
class PadLight:
    """Pads lit on the client's screen from ``frame`` until ``end_frame`` (e.g. the pad of each
    call note while it sounds), drawn as a touched pad is.

    Parameters
    ----------
    frame, end_frame : int
        Output frames: lit from ``frame`` (included) to ``end_frame`` (excluded), ``end_frame > frame``.
    pads : tuple of int
        Pad indices (pads the layout does not have are ignored by the screen).
    """

    frame: int
    end_frame: int
    pads: tuple[int, ...]

    def __post_init__(self) -> None:
        if self.end_frame <= self.frame:
            raise ValueError(f"end_frame {self.end_frame}: must be after frame {self.frame}")
        if any(p < 0 for p in self.pads):
            raise ValueError(f"pads {self.pads}: must be pad indices >= 0")


@dataclass(frozen=True, slots=True)
class PadLook:
    """How the pads look from ``frame`` on: labels, colours and marked pads (e.g. the call's note
    names; scale degrees, a colour per degree, the tonic marked). The next PadLook replaces it.

    Parameters
    ----------
    frame : int
        Output frame from which it is seen.
    labels : tuple of (str or None)
        Label of pad 0, 1, ... (at most :data:`MAX_PAD_LABEL_CHARS` characters); None, or a pad
        beyond the tuple: the layout's own label.
    colours : tuple of (int or None)
        Colour of pad 0, 1, ... as an index into the screen's palette (0..6, Okabe-Ito:
        orange, sky blue, bluish green, yellow, blue, vermillion, reddish purple), e.g. a scale
        degree modulo 7; None, or a pad beyond the tuple: the pad's own colour.
    marked : tuple of int
        Pads drawn with a ring (the tonic).
    """

    frame: int
    labels: tuple[str | None, ...] = ()
    colours: tuple[int | None, ...] = ()
    marked: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        for label in self.labels:
            if label is not None and (len(label) > MAX_PAD_LABEL_CHARS or not label.isprintable()):
                raise ValueError(f"label {label!r}: must be at most {MAX_PAD_LABEL_CHARS} printable characters")
        for colour in self.colours:
            if colour is not None and not 0 <= colour < PALETTE_SIZE:
                raise ValueError(f"colour {colour!r}: must be a palette index 0..{PALETTE_SIZE - 1} or None")
        if any(p < 0 for p in self.marked):
            raise ValueError(f"marked {self.marked}: must be pad indices >= 0")


MAX_PROMPT_CHARS = 40
MAX_PAD_LABEL_CHARS = 12
PALETTE_SIZE = 7  # the client screen's pad colours (live.ui.colours.OKABE_ITO)

ScreenCue = Cue | ScreenPrompt | PadLight | PadLook
"""Everything an activity's :meth:`take_cues` may hand the client's screen, each at its frame."""
