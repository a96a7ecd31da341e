"""A session's bank: the default sounds and every pitched note its runs will play, rendered
before the session starts.

The run layer collects the notes each run declares (the activity's ``pitched_notes``) and calls
:func:`build_session_bank` once, before the first run (the WAV export too, with the notes a
session's stored sounds name): the audio callback only ever plays samples
already in the bank. A note of an instrument with a GM program comes from ``renderer`` (the
FluidSynth renderer with its disk cache, :mod:`live.engine.soundfont`) when one is given, and
from the built-in voice (:mod:`live.engine.synth_voices`) otherwise; ``synth_*`` instruments
always from the built-in voice. Each note keeps its instrument's release (the fade after a
note-off).

Realtime-safe: no (runs before the session).
"""

from __future__ import annotations

from typing import Callable, Iterable, Mapping, Protocol

import numpy as np

from live.engine.bank import Bank, default_sounds
from live.engine.instruments import PITCHED, Instrument, NoteSound, PitchedNote, parse_note_sound, pitched_instrument
from live.engine.synth_voices import synth_note

__all__ = ["NoteRenderer", "build_session_bank", "note_sounds_of", "session_bank", "synth_note_sound"]

SYNTH_FALLBACK = "playing the built-in synthesized instruments"


class NoteRenderer(Protocol):
    """Renders an instrument's note from a SoundFont (or any other source of samples)."""

    def render_all(self, sounds: list[tuple[NoteSound, Instrument]], *, sample_rate: int) -> dict[str, np.ndarray]:
        """Samples of every ``(sound, instrument)``, by bank name, float32, starting on the onset."""
        ...


def synth_note_sound(sound: NoteSound, *, sample_rate: int) -> np.ndarray:
    """``sound`` played by its instrument's built-in voice, ``hold_s`` long."""
    inst = pitched_instrument(sound.instrument)
    return synth_note(inst.voice, sound.note, sound.velocity, length_s=inst.hold_s, sample_rate=sample_rate)


def note_sounds_of(notes: Iterable[PitchedNote | NoteSound | str]) -> list[NoteSound]:
    """The distinct bank sounds of ``notes`` (declared notes, sounds, or bank names; names that
    are not pitched notes are skipped), sorted by name."""
    out: dict[str, NoteSound] = {}
    for n in notes:
        sound = n.sound if isinstance(n, PitchedNote) else parse_note_sound(n) if isinstance(n, str) else n
        if sound is not None:
            out[sound.name] = sound
    return [out[k] for k in sorted(out)]


def session_bank(notes: Iterable[PitchedNote | NoteSound | str], *, sample_rate: int,
                 renderer: NoteRenderer | None = None, extra: Mapping[str, np.ndarray] | None = None) -> Bank:
    """The default sounds plus every note of ``notes``.

    Parameters
    ----------
    notes : iterable of PitchedNote, NoteSound or bank names
        What the session's runs will play (duplicates and other sounds' names are fine).
    sample_rate : int
        The engine's rate (48 kHz).
    renderer : NoteRenderer, optional
        Renders the notes of GM instruments (FluidSynth); None: every note is synthesized.
    extra : mapping of str to array, optional
        More sounds rendered before the session, by bank name (a song warped onto a run's beats).
    """
    sounds = default_sounds(sample_rate)
    releases: dict[str, int] = {}
    wanted = note_sounds_of(notes)
    from_font = [(s, pitched_instrument(s.instrument)) for s in wanted]
    from_font = [(s, i) for s, i in from_font if renderer is not None and i.gm_program is not None]
    rendered = renderer.render_all(from_font, sample_rate=sample_rate) if from_font else {}
    for sound in wanted:
        inst = pitched_instrument(sound.instrument)
        sounds[sound.name] = rendered[sound.name] if sound.name in rendered else synth_note_sound(sound, sample_rate=sample_rate)
        releases[sound.name] = max(1, round(inst.release_s * sample_rate))
    sounds.update(extra or {})
    return Bank(sounds, sample_rate=sample_rate, release_frames=releases)


def build_session_bank(notes: Iterable[PitchedNote | NoteSound | str], *, sample_rate: int, soundfont: str | None = None,
                       log: Callable[[str], None] = lambda line: None,
                       extra: Mapping[str, np.ndarray] | None = None) -> Bank:
    """The default sounds and ``notes``, rendered at ``sample_rate``: the notes of GM
    instruments from ``soundfont`` (or the setting's, or Debian's) by FluidSynth, cached on
    disk; when FluidSynth or a SoundFont is missing, ``log`` gets one line saying which
    package, and the built-in voices play them; ``extra``: more sounds by name, as they are."""
    from live.engine.soundfont import fluid_renderer
    from live.engine.system_parts import MissingPart

    notes = note_sounds_of(notes)
    renderer = None
    if any(PITCHED[n.instrument].gm_program is not None for n in notes):
        try:
            renderer = fluid_renderer(soundfont, log=log)
        except MissingPart as exc:
            log(f"{exc}; {SYNTH_FALLBACK}")
    bank = session_bank(notes, sample_rate=sample_rate, renderer=renderer, extra=extra)
    if renderer is not None and renderer.last["notes"]:
        r = renderer.last
        log(f"{r['notes']} notes from {renderer.soundfont.name}: {r['cached']} from the cache, "
            f"{r['rendered']} rendered in {r['render_s']:.1f} s ({r['total_s']:.1f} s in all)")
    return bank
