"""The session's bank, built before its first run from the notes its presets declare.

Each preset's activity declares the pitched notes a run with its params may play
(``pitched_notes``) and, optionally, the SoundFont to render them from (``soundfont``);
:func:`declared_notes` and :func:`declared_soundfont` collect them for every preset of a session,
and :func:`build_session_bank` renders the notes, with the default sounds, into the one bank the
engine plays from (offline and live alike): from the SoundFont by FluidSynth through the disk
cache, or, when FluidSynth or a SoundFont is missing, by the built-in voices, said in one line.
Nothing is rendered once the session has started.

Realtime-safe: no (before the session).
"""

from __future__ import annotations

from typing import Any, Sequence

from live.activities.registry import activity_class
from live.engine.instruments import PitchedNote
from live.engine.note_bank import build_session_bank

__all__ = ["build_session_bank", "declared_notes", "declared_soundfont"]


def declared_notes(presets: Sequence[Any]) -> tuple[PitchedNote, ...]:
    """Every pitched note the runs of ``presets`` may play (each once), in a stable order."""
    notes: set[PitchedNote] = set()
    for preset in presets:
        notes.update(activity_class(preset.activity).pitched_notes(preset.params))
    return tuple(sorted(notes, key=lambda n: (n.instrument, n.note, n.velocity)))


def declared_soundfont(presets: Sequence[Any]) -> str | None:
    """The SoundFont the first preset naming one names (a session renders from one), or None."""
    for preset in presets:
        named = activity_class(preset.activity).soundfont(preset.params)
        if named:
            return named
    return None
