"""Pitched instruments and the bank's names of their notes.

A pitched note sounds from the sample bank like any other sound: each (instrument, MIDI note,
velocity layer) an activity will play is rendered into the bank before the session
(:mod:`live.engine.note_bank`), by FluidSynth from a General MIDI SoundFont when one is there,
else by the built-in synthesized voices (:mod:`live.engine.synth_voices`). Its bank name is
``"<instrument>:<note>:v<layer>"`` (``"piano:60:v2"``), made by :func:`note_sound` and nowhere
else. Velocity picks one of :data:`LAYER_VELOCITIES`' layers (each rendered at its top
velocity); :func:`note_gain` scales the layer's sample to the velocity played, so loudness
follows velocity continuously and timbre by layer.

An instrument with a GM program (``piano``, ``bass``, ...) sounds from the SoundFont when there
is one and from its synthesized ``voice`` otherwise; the ``synth_*`` instruments are the
synthesized voices by name, whatever the bank's source.

Realtime-safe: no (names and tables, used by the control thread and the bank builder).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

from live.engine.layout import LAYER_TOPS

__all__ = [
    "Instrument", "LAYER_VELOCITIES", "NoteSound", "PITCHED", "PitchedNote", "layer_velocity", "note_gain",
    "note_sound", "parse_note_sound", "pitched_instrument", "velocity_layer",
]


@dataclass(frozen=True, slots=True)
class Instrument:
    """A pitched instrument of the bank.

    Parameters
    ----------
    name : str
        Its name in presets and bank names (``"piano"``).
    label : str
        What a therapist reads (``"Acoustic Grand Piano"``).
    gm_program : int or None
        General MIDI program, 0..127 (0 = Acoustic Grand Piano), rendered from the SoundFont;
        None for a synthesized-only instrument.
    voice : str
        The synthesized voice it sounds with when there is no SoundFont (or always, with
        ``gm_program`` None): a name of :data:`live.engine.synth_voices.VOICES`.
    hold_s : float
        Length of a note's sample (s): a note held longer ends with the sample, at zero.
    release_s : float
        Fade-out after a note-off or a scheduled end (s).
    """

    name: str
    label: str
    gm_program: int | None
    voice: str
    hold_s: float
    release_s: float


def _table(*instruments: Instrument) -> Mapping[str, Instrument]:
    return MappingProxyType({i.name: i for i in instruments})


PITCHED: Mapping[str, Instrument] = _table(
    Instrument("piano", "Acoustic Grand Piano", 0, "fm_piano", 4.0, 0.25),
    Instrument("epiano", "Electric Piano 1", 4, "fm_epiano", 4.0, 0.25),
    Instrument("bass", "Electric Bass (finger)", 33, "bass", 3.0, 0.08),
    Instrument("pad", "Pad 2 (warm)", 89, "pad", 8.0, 0.6),
    Instrument("strings", "String Ensemble 1", 48, "pad", 8.0, 0.5),
    Instrument("marimba", "Marimba", 12, "mallet", 1.5, 0.05),
    Instrument("guitar", "Acoustic Guitar (nylon)", 24, "pluck", 3.0, 0.1),
    Instrument("vibraphone", "Vibraphone", 11, "mallet", 3.0, 0.2),
    Instrument("synth_piano", "FM piano (built in)", None, "fm_piano", 4.0, 0.25),
    Instrument("synth_epiano", "FM electric piano (built in)", None, "fm_epiano", 4.0, 0.25),
    Instrument("synth_bass", "Bass (built in)", None, "bass", 3.0, 0.08),
    Instrument("synth_pad", "Pad (built in)", None, "pad", 8.0, 0.6),
    Instrument("synth_marimba", "Mallet (built in)", None, "mallet", 1.5, 0.05),
    Instrument("synth_guitar", "Plucked string (built in)", None, "pluck", 3.0, 0.1),
)
"""Every pitched instrument, by name (read-only)."""

LAYER_VELOCITIES: tuple[int, ...] = LAYER_TOPS
"""Velocity layers: layer k holds velocities above ``LAYER_VELOCITIES[k-1]`` up to
``LAYER_VELOCITIES[k]`` and is rendered at that top velocity."""


def pitched_instrument(name: str) -> Instrument:
    """The instrument called ``name``.

    Raises
    ------
    ValueError
        One line naming the instruments there are.
    """
    try:
        return PITCHED[name]
    except KeyError:
        raise ValueError(f"instrument {name!r}: must be one of {', '.join(PITCHED)}") from None


def _check_velocity(velocity: int) -> int:
    if isinstance(velocity, bool) or not isinstance(velocity, int) or not 1 <= velocity <= 127:
        raise ValueError(f"velocity {velocity!r}: must be a whole number 1..127")
    return velocity


def velocity_layer(velocity: int) -> int:
    """The layer (0..3) a velocity (1..127) plays from."""
    v = _check_velocity(velocity)
    return next(k for k, top in enumerate(LAYER_VELOCITIES) if v <= top)


def layer_velocity(layer: int) -> int:
    """The velocity layer ``layer`` is rendered at (its top velocity)."""
    if not 0 <= layer < len(LAYER_VELOCITIES):
        raise ValueError(f"velocity layer {layer!r}: must be 0..{len(LAYER_VELOCITIES) - 1}")
    return LAYER_VELOCITIES[layer]


def note_gain(velocity: int) -> float:
    """Linear gain that scales a layer's sample to ``velocity``: velocity / the layer's (<= 1)."""
    return _check_velocity(velocity) / LAYER_VELOCITIES[velocity_layer(velocity)]


def note_sound(instrument: str, note: int, velocity: int) -> str:
    """The bank's name of ``instrument`` playing MIDI ``note`` at ``velocity``: ``"piano:60:v2"``.

    Raises
    ------
    ValueError
        For an unknown instrument, a note outside 0..127 or a velocity outside 1..127.
    """
    pitched_instrument(instrument)
    if isinstance(note, bool) or not isinstance(note, int) or not 0 <= note <= 127:
        raise ValueError(f"MIDI note {note!r}: must be a whole number 0..127")
    return f"{instrument}:{note}:v{velocity_layer(velocity)}"


@dataclass(frozen=True, slots=True)
class NoteSound:
    """What a pitched bank name stands for: an instrument's note in one velocity layer."""

    instrument: str
    note: int
    layer: int

    @property
    def name(self) -> str:
        """The bank name (``"piano:60:v2"``)."""
        return f"{self.instrument}:{self.note}:v{self.layer}"

    @property
    def velocity(self) -> int:
        """The velocity the layer is rendered at."""
        return LAYER_VELOCITIES[self.layer]


def parse_note_sound(name: str) -> NoteSound | None:
    """The note a bank name stands for; None when ``name`` is not a pitched note's name."""
    parts = name.split(":")
    if len(parts) != 3 or parts[0] not in PITCHED or not parts[1].isdigit() or not parts[2][:1] == "v":
        return None
    note, layer = int(parts[1]), parts[2][1:]
    if not layer.isdigit() or not 0 <= note <= 127 or not 0 <= int(layer) < len(LAYER_VELOCITIES):
        return None
    return NoteSound(parts[0], note, int(layer))


@dataclass(frozen=True, slots=True)
class PitchedNote:
    """A note an activity will play: what it declares so the bank holds it before the session.

    Parameters
    ----------
    instrument : str
        A name of :data:`PITCHED`.
    note : int
        MIDI note, 0..127 (60 = C4).
    velocity : int
        1..127 (only its layer matters to the bank).
    """

    instrument: str
    note: int
    velocity: int

    @property
    def sound(self) -> NoteSound:
        """The bank sound it plays from."""
        return NoteSound(self.instrument, self.note, velocity_layer(self.velocity))

    @property
    def name(self) -> str:
        """Its bank name (:func:`note_sound`)."""
        return note_sound(self.instrument, self.note, self.velocity)

    @property
    def gain(self) -> float:
        """Its gain over the layer's sample (:func:`note_gain`)."""
        return note_gain(self.velocity)
