"""The sounds of a call: note names to MIDI notes (through :mod:`live.music`), and the bank's
sound of each note a call plays (unpitched: the preset's instrument).

Realtime-safe: no.
"""

from __future__ import annotations

from typing import Any

from live.engine.events import ScheduledSound

__all__ = ["call_sound", "note_number", "note_of_sound", "sounds_needed"]


def note_number(name: str) -> int:
    """MIDI note of a note name (``"C4"`` = 60, sharps and flats), by :mod:`live.music.scales`.

    Raises
    ------
    ValueError
        One line saying what is allowed.
    """
    from live.music.scales import note_number as number  # the pitched layer, used by pitched calls only

    return number(name)


def call_sound(params: Any, *, frame: int, note: int | None, length_frames: int, cue_index: int) -> ScheduledSound:
    """The sound of one call note at ``frame`` (``cue_index``: its number among the run's call
    notes). Unpitched: the preset's ``sound``, accented."""
    if note is not None:
        raise ValueError("pitched calls need the pitched instruments, which this version does not have")
    return ScheduledSound(frame, f"{params.sound}_accent", gain=params.volume, cue_index=cue_index)


def sounds_needed(params: Any) -> frozenset[str]:
    """Every bank sound a run with ``params`` may play: its calls', the pulse's and the feedback's."""
    return frozenset({f"{params.sound}_accent", params.pulse_sound, f"{params.pulse_sound}_accent",
                      "cowbell", "shaker"})


def note_of_sound(params: Any, sound: str) -> int | None:
    """The MIDI note a call's sound plays (what a listener hears); None for an unpitched one."""
    return None
