"""Synthesized singing: sung notes as audio, for the simulated singer and the pitch tests.

A sung note here is a harmonic tone (a glottal-like source whose harmonics fall off 6 dB per
octave after lip radiation) shaped by a vowel's formants (resonances as in the classic vowel
tables: Peterson & Barney 1952, "Control methods used in a study of the vowels", JASA 24:175-184;
scaled up for higher voices), with what makes a voice a voice: a short scoop up into the note,
vibrato (rate and extent per voice, starting after the attack), slow pitch drift (jitter), breath
noise, a soft attack and release. Everything random comes from the seed given.

The truth of a note is its centre pitch (the vibrato and drift swing around it) and the first
sample of its attack.

Realtime-safe: no (offline synthesis; allocates).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

__all__ = ["SungNoteSpec", "Voice", "VOICES", "VOWELS", "detached_melody", "sing"]

#: Formants (centre Hz, bandwidth Hz) of a man's vowels (Peterson & Barney 1952, rounded);
#: a voice scales the centres by its ``formant_scale``.
VOWELS: dict[str, tuple[tuple[float, float], ...]] = {
    "a": ((730.0, 90.0), (1090.0, 110.0), (2440.0, 160.0)),
    "e": ((530.0, 70.0), (1840.0, 100.0), (2480.0, 120.0)),
    "i": ((270.0, 60.0), (2290.0, 100.0), (3010.0, 150.0)),
    "o": ((570.0, 80.0), (840.0, 80.0), (2410.0, 120.0)),
    "u": ((300.0, 60.0), (870.0, 80.0), (2240.0, 120.0)),
}
_FORMANT_GAINS = (1.0, 0.6, 0.3)


@dataclass(frozen=True, slots=True)
class Voice:
    """How one singer sounds.

    Attributes
    ----------
    name : str
    low_note, high_note : int
        The comfortable range, MIDI notes (the simulated singer transposes calls into it).
    formant_scale : float
        Formant centres relative to a man's (1.0); a woman's ~1.17, a child's ~1.3.
    vibrato_hz : float
        Vibrato rate, Hz.
    vibrato_cents : float
        Vibrato extent, cents either side of the centre.
    jitter_cents : float
        SD of the slow pitch drift, cents.
    breath : float
        Breath noise relative to the tone's level (0..1).
    """

    name: str
    low_note: int
    high_note: int
    formant_scale: float
    vibrato_hz: float
    vibrato_cents: float
    jitter_cents: float
    breath: float


#: Several registers: a bass, a tenor, an alto, a soprano, a child, and an untrained adult
#: voice without vibrato (the kind of client the presets are for).
VOICES: dict[str, Voice] = {v.name: v for v in (
    Voice("bass", 40, 60, 1.0, 5.2, 45.0, 6.0, 0.03),
    Voice("tenor", 48, 67, 1.05, 5.8, 40.0, 6.0, 0.03),
    Voice("alto", 53, 74, 1.17, 5.5, 50.0, 6.0, 0.04),
    Voice("soprano", 60, 81, 1.2, 6.0, 55.0, 6.0, 0.03),
    Voice("child", 60, 76, 1.3, 0.0, 0.0, 10.0, 0.05),
    Voice("untrained", 50, 65, 1.05, 0.0, 0.0, 12.0, 0.06),
)}


@dataclass(frozen=True, slots=True)
class SungNoteSpec:
    """One note to sing.

    Attributes
    ----------
    onset_s : float
        The first sample of its attack, seconds from the audio's start.
    duration_s : float
        From the onset to the end of its release, seconds (> 0.1).
    midi : float
        Its centre pitch as a (fractional) MIDI note: 69.0 = A4 = 440 Hz, 69.2 is 20 cents sharp.
    vowel : str
        A key of :data:`VOWELS`.
    level : float
        Peak amplitude, full scale 1.0.
    """

    onset_s: float
    duration_s: float
    midi: float
    vowel: str = "a"
    level: float = 0.3


def _hz(midi: np.ndarray | float) -> np.ndarray | float:
    return 440.0 * 2.0 ** ((np.asarray(midi) - 69.0) / 12.0)


def _note(spec: SungNoteSpec, voice: Voice, sample_rate: int, rng: np.random.Generator) -> np.ndarray:
    n = int(round(spec.duration_s * sample_rate))
    t = np.arange(n) / sample_rate
    attack_s = rng.uniform(0.02, 0.05)
    release_s = min(rng.uniform(0.04, 0.08), 0.3 * spec.duration_s)
    # Pitch in cents around the centre: a scoop up into the note, vibrato after the attack,
    # slow drift (smoothed noise, zero mean over the note).
    scoop_s = rng.uniform(0.03, 0.07)
    cents = -rng.uniform(20.0, 60.0) * np.exp(-t / (scoop_s / 3.0))
    if voice.vibrato_cents > 0:
        rate = voice.vibrato_hz * rng.uniform(0.93, 1.07)
        fade = np.clip((t - 0.12) / 0.2, 0.0, 1.0)
        cents += voice.vibrato_cents * fade * np.sin(2 * np.pi * rate * t + rng.uniform(0, 2 * np.pi))
    drift = np.cumsum(rng.normal(0.0, 1.0, n // 480 + 2))
    drift = np.interp(t, np.linspace(0, spec.duration_s, drift.size), drift)
    drift -= drift.mean()
    sd = drift.std()
    if sd > 0:
        cents += voice.jitter_cents * drift / sd
    f0 = _hz(spec.midi + cents / 100.0)
    phase = 2 * np.pi * np.cumsum(f0) / sample_rate
    # Harmonics to 5 kHz (or Nyquist): 1/k (a glottal source's -12 dB/oct plus lip radiation's
    # +6), each weighted by the vowel's formant resonances at its frequency.
    formants = [(c * voice.formant_scale, b * voice.formant_scale) for c, b in VOWELS[spec.vowel]]
    top_hz = min(5000.0, 0.45 * sample_rate)
    out = np.zeros(n)
    k = 1
    while k * float(f0.min()) < top_hz:
        fk = k * f0
        gain = sum(g / np.sqrt(1.0 + ((fk - c) / (b / 2.0)) ** 2) for g, (c, b) in zip(_FORMANT_GAINS, formants))
        out += gain / k * np.sin(k * phase + rng.uniform(0, 2 * np.pi)) * (fk < top_hz)
        k += 1
    out /= np.max(np.abs(out)) or 1.0
    out += voice.breath * rng.normal(0.0, 1.0, n) * 0.3
    env = np.ones(n)
    a = max(1, int(attack_s * sample_rate))
    r = max(1, int(release_s * sample_rate))
    env[:a] = 0.5 - 0.5 * np.cos(np.pi * np.arange(a) / a)
    env[-r:] = 0.5 + 0.5 * np.cos(np.pi * np.arange(r) / r)
    return spec.level * env * out


def sing(notes: Sequence[SungNoteSpec], *, voice: Voice, sample_rate: int, duration_s: float,
         seed: int | Sequence[int], noise_dbfs: float = -60.0) -> np.ndarray:
    """Audio of ``notes`` sung by ``voice``: float32 mono, ``duration_s`` long, with room noise.

    Parameters
    ----------
    notes : sequence of SungNoteSpec
        The notes (may overlap: they add up).
    voice : Voice
    sample_rate : int
        Frames per second.
    duration_s : float
        Length of the audio, seconds (notes past it are cut).
    seed : int or sequence of int
        Seed of every random choice (numpy's ``default_rng``).
    noise_dbfs : float
        Level of the white room noise, dB full scale RMS.

    Returns
    -------
    numpy.ndarray of float32, shape (round(duration_s * sample_rate),)
    """
    rng = np.random.default_rng(seed)
    total = int(round(duration_s * sample_rate))
    out = rng.normal(0.0, 10.0 ** (noise_dbfs / 20.0), total)
    for spec in notes:
        if not (math.isfinite(spec.onset_s) and spec.duration_s > 0.1):
            raise ValueError(f"note at {spec.onset_s!r} s: duration_s {spec.duration_s!r} must be > 0.1 s")
        x = _note(spec, voice, sample_rate, rng)
        at = int(round(spec.onset_s * sample_rate))
        lo, hi = max(0, at), min(total, at + x.size)
        if hi > lo:
            out[lo:hi] += x[lo - at: hi - at]
    return out.astype(np.float32)


def detached_melody(voice: Voice, rng: np.random.Generator, n: int, *, start_s: float = 0.2) -> list[SungNoteSpec]:
    """``n`` detached notes in the voice's range, each off the tempered pitch by up to 40 cents
    (so no pitch lies on an analysis bin), on random vowels, 0.4..0.6 s long, 0.1..0.25 s apart;
    the first starts at ``start_s`` seconds."""
    out, at = [], start_s
    for _ in range(n):
        midi = float(rng.integers(voice.low_note + 2, voice.high_note - 2)) + rng.uniform(-0.4, 0.4)
        dur = rng.uniform(0.4, 0.6)
        out.append(SungNoteSpec(at, dur, midi, str(rng.choice(list("aeiou"))), rng.uniform(0.15, 0.4)))
        at += dur + rng.uniform(0.1, 0.25)
    return out
