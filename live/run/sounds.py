"""The session's bank, built before its first run from the notes its presets declare.

Each preset's activity declares the pitched notes a run with its params may play
(``pitched_notes``); :func:`declared_notes` collects them for every preset of a session and
:func:`build_session_bank` renders them, with the default sounds, into the one bank the engine
plays from (offline and live alike). Nothing is rendered once the session has started.

Realtime-safe: no (before the session).
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Sequence

from live.activities.registry import activity_class
from live.engine.bank import Bank
from live.engine.instruments import PitchedNote
from live.engine.note_bank import session_bank

__all__ = ["build_session_bank", "declared_notes"]


def declared_notes(presets: Sequence[Any]) -> tuple[PitchedNote, ...]:
    """Every pitched note the runs of ``presets`` may play (each once), in a stable order."""
    notes: set[PitchedNote] = set()
    for preset in presets:
        notes.update(activity_class(preset.activity).pitched_notes(preset.params))
    return tuple(sorted(notes, key=lambda n: (n.instrument, n.note, n.velocity)))


def build_session_bank(notes: Iterable[PitchedNote], *, sample_rate: int,
                       log: Callable[[str], None] = lambda line: None) -> Bank:
    """The default sounds and ``notes``, rendered at ``sample_rate``."""
    return session_bank(notes, sample_rate=sample_rate)
