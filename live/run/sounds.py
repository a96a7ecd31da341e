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

from typing import Any, Callable, Iterable, Sequence

from live.activities.registry import activity_class
from live.engine.bank import Bank
from live.engine.instruments import PITCHED, PitchedNote
from live.engine.note_bank import session_bank
from live.engine.system_parts import MissingPart

__all__ = ["build_session_bank", "declared_notes", "declared_soundfont"]

SYNTH_FALLBACK = "playing the built-in synthesized instruments"


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


def build_session_bank(notes: Iterable[PitchedNote], *, sample_rate: int, soundfont: str | None = None,
                       log: Callable[[str], None] = lambda line: None) -> Bank:
    """The default sounds and ``notes``, rendered at ``sample_rate``: the notes of GM
    instruments from ``soundfont`` (or the setting's, or Debian's) by FluidSynth, cached on
    disk; when FluidSynth or a SoundFont is missing, ``log`` gets one line saying which
    package, and the built-in voices play them."""
    from live.engine.soundfont import fluid_renderer

    notes = tuple(notes)
    renderer = None
    if any(PITCHED[n.instrument].gm_program is not None for n in notes):
        try:
            renderer = fluid_renderer(soundfont, log=log)
        except MissingPart as exc:
            log(f"{exc}; {SYNTH_FALLBACK}")
    bank = session_bank(notes, sample_rate=sample_rate, renderer=renderer)
    if renderer is not None and renderer.last["notes"]:
        r = renderer.last
        log(f"{r['notes']} notes from {renderer.soundfont.name}: {r['cached']} from the cache, "
            f"{r['rendered']} rendered in {r['render_s']:.1f} s ({r['total_s']:.1f} s in all)")
    return bank
