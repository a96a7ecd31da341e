"""The sounds of a call: note names to MIDI notes (:mod:`live.music.scales`), and the bank's
sound of each note a call plays: unpitched, the preset's ``sound``; pitched, the preset's
``instrument`` (:mod:`live.engine.instruments`: its bank name per note and velocity layer),
every such note declared before the session (``pitched_notes``) so the bank holds it.

Realtime-safe: no.
"""

from __future__ import annotations

from typing import Any

from live.activities.call_response.phrases import parse_phrase
from live.engine.events import ScheduledSound
from live.engine.instruments import PitchedNote, note_gain, note_sound, parse_note_sound
from live.music.scales import note_name, note_number

__all__ = ["CALL_VELOCITY", "call_notes", "call_sound", "note_name", "note_number", "note_of_sound", "pitched_notes",
           "sounds_needed"]

CALL_VELOCITY = 100
"""Velocity of a pitched call note (its layer in the bank, and its gain within the layer)."""


def call_notes(params: Any) -> list[int]:
    """Every MIDI note a run's engine calls may play, lowest first: the preset's ``pitches`` and
    the notes of its written ``phrases``."""
    notes = {note_number(n) for n in params.pitches}
    for text in params.phrases:
        notes |= {n.note for n in parse_phrase(text, note_number) if n.note is not None}
    return sorted(notes)


def pitched_notes(params: Any) -> tuple[PitchedNote, ...]:
    """The pitched notes a run with ``params`` plays (its calls'), for the session's bank."""
    if params.calls == "live":
        return ()
    return tuple(PitchedNote(params.instrument, n, CALL_VELOCITY) for n in call_notes(params))


def call_sound(params: Any, *, frame: int, note: int | None, cue_index: int, length_frames: int) -> ScheduledSound:
    """The sound of one call note at ``frame`` (``cue_index``: its number among the run's call
    notes): the preset's ``sound`` accented when unpitched, its ``instrument`` playing ``note``
    at :data:`CALL_VELOCITY` when pitched, released after ``length_frames`` (a sustained
    instrument does not ring on into the next note)."""
    if note is None:
        return ScheduledSound(frame, f"{params.sound}_accent", gain=params.volume, cue_index=cue_index)
    return ScheduledSound(frame, note_sound(params.instrument, note, CALL_VELOCITY),
                          gain=params.volume * note_gain(CALL_VELOCITY), cue_index=cue_index,
                          end_frame=frame + max(1, length_frames))


def note_of_sound(sound: str) -> int | None:
    """The MIDI note a call's sound plays (what a listener hears); None for an unpitched one."""
    parsed = parse_note_sound(sound)
    return None if parsed is None else parsed.note


def sounds_needed(params: Any) -> frozenset[str]:
    """Every bank sound a run with ``params`` may play: its calls', the pulse's and the feedback's."""
    pitched = {n.name for n in pitched_notes(params)}
    return frozenset({f"{params.sound}_accent", params.pulse_sound, f"{params.pulse_sound}_accent",
                      "cowbell", "shaker", *pitched})
