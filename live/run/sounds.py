"""The session's bank, built before its first run from the notes its presets declare.

Each preset's activity declares the pitched notes a run with its params may play
(``pitched_notes``) and, optionally, the SoundFont to render them from (``soundfont``);
:func:`declared_notes` and :func:`declared_soundfont` collect them for every preset of a session,
and :func:`build_session_bank` renders the notes, with the default sounds, into the one bank the
engine plays from (offline and live alike): from the SoundFont by FluidSynth through the disk
cache, or, when FluidSynth or a SoundFont is missing, by the built-in voices, said in one line.
A preset's activity may also need sounds of its own rendered first (:func:`prepared_sounds`:
entrainment's song warped onto the run's beats). Nothing is rendered once the session has
started.

Realtime-safe: no (before the session).
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from live.activities.registry import activity_class
from live.engine.instruments import PitchedNote
from live.engine.note_bank import build_session_bank

__all__ = ["build_session_bank", "declared_notes", "declared_soundfont", "prepared_sounds"]


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


def prepared_sounds(presets: Sequence[Any], *, songs: Any, sample_rate: int, phase_length_s: float | None = None,
                    log: Callable[[str], None] = lambda line: None) -> dict[str, np.ndarray]:
    """The sounds the runs of ``presets`` need rendered before the session, by bank name: each
    activity's ``prepared_sounds`` (those that have it) for the params its run will have
    (``phase_length_s``: ``live run --duration``'s, through ``with_phase_length``).

    Parameters
    ----------
    songs : live.songs.library.SongStore
        The session's store: where a song a preset names is found.

    Raises
    ------
    live.songs.library.SongNotFound
        A preset names a song the library does not have (its message is one line).
    """
    out: dict[str, np.ndarray] = {}
    for preset in presets:
        cls = activity_class(preset.activity)
        prepare = getattr(cls, "prepared_sounds", None)
        if prepare is None:
            continue
        params = preset.params if phase_length_s is None else cls.with_phase_length(preset.params, phase_length_s)
        out.update(prepare(params, songs=songs, sample_rate=sample_rate, log=log))
    return out
