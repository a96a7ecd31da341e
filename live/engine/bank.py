"""The sample bank: every sound the sampler can play, in one float32 array.

Sounds are synthesized with numpy at start-up (no files to lose). Each starts on a full-scale
sample (cosine phase) so its onset is the first frame it is scheduled at, to the sample, for
anyone measuring it, and ends at exactly zero.

Realtime-safe: building a bank is not; the finished ``data`` array is read by the callback.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

import numpy as np


@dataclass(frozen=True, slots=True)
class SoundSlice:
    """Where one sound lies in the bank: ``data[start_frame : start_frame + length_frames]``;
    ``release_frames``: how long it fades out when ended before its last sample (0: the bank's
    :data:`DEFAULT_RELEASE_FRAMES`)."""

    start_frame: int
    length_frames: int
    release_frames: int = 0


DEFAULT_RELEASE_FRAMES = 240
"""Fade-out (frames; 5 ms at 48 kHz) of a sound ended early that names no release of its own."""


class Bank:
    """Named sounds concatenated into one mono float32 array.

    Parameters
    ----------
    sounds : mapping of str to 1-D float array
        Name -> samples at ``sample_rate``.
    sample_rate : int
        Frames per second the sounds were made for.
    release_frames : mapping of str to int, optional
        Name -> frames of fade-out when the sound is ended early (a note-off); sounds not named
        fade over :data:`DEFAULT_RELEASE_FRAMES`.
    """

    def __init__(self, sounds: Mapping[str, np.ndarray], *, sample_rate: int,
                 release_frames: Mapping[str, int] | None = None):
        if not sounds:
            raise ValueError("a bank needs at least one sound")
        slices: dict[str, SoundSlice] = {}
        parts = []
        at = 0
        for name, samples in sounds.items():
            samples = np.asarray(samples, dtype=np.float32)
            if samples.ndim != 1 or samples.size == 0:
                raise ValueError(f"sound {name!r} must be a non-empty 1-D array, got shape {samples.shape}")
            if not np.all(np.isfinite(samples)):
                raise ValueError(f"sound {name!r} has NaN or infinite samples")
            release = int((release_frames or {}).get(name, 0)) or DEFAULT_RELEASE_FRAMES
            slices[name] = SoundSlice(at, samples.size, release)
            parts.append(samples)
            at += samples.size
        self.data = np.ascontiguousarray(np.concatenate(parts), dtype=np.float32)
        self.data.setflags(write=False)
        self.sample_rate = int(sample_rate)
        self.slices: Mapping[str, SoundSlice] = MappingProxyType(slices)

    def __getitem__(self, name: str) -> SoundSlice:
        try:
            return self.slices[name]
        except KeyError:
            raise KeyError(f"no sound {name!r} in the bank; it has: {', '.join(self.slices)}") from None

    def __contains__(self, name: object) -> bool:
        return name in self.slices

    def samples(self, name: str) -> np.ndarray:
        """The samples of sound ``name`` (a read-only view)."""
        s = self[name]
        return self.data[s.start_frame : s.start_frame + s.length_frames]


def _decaying_partials(partials: list[tuple[float, float, float]], length_s: float, sample_rate: int) -> np.ndarray:
    """Sum of cosine partials (frequency Hz, amplitude, decay time constant s), ending at 0."""
    t = np.arange(int(round(length_s * sample_rate))) / sample_rate
    out = np.zeros_like(t)
    for freq_hz, amp, tau_s in partials:
        out += amp * np.cos(2 * np.pi * freq_hz * t) * np.exp(-t / tau_s)
    # A short raised-cosine tail so the last sample is exactly 0 (no click at the end).
    tail = min(len(t) // 4, int(0.004 * sample_rate))
    if tail > 0:
        out[-tail:] *= 0.5 * (1 + np.cos(np.pi * np.arange(1, tail + 1) / tail))
    return out


def synth_click(sample_rate: int, *, accent: bool = False) -> np.ndarray:
    """A metronome click: 30 ms of a bright damped tone (2 kHz; 2.5 kHz and louder if accented)."""
    f = 2500.0 if accent else 2000.0
    amp = 0.9 if accent else 0.6
    return _decaying_partials([(f, amp, 0.006), (2.76 * f, 0.25 * amp, 0.003)], 0.03, sample_rate)


def synth_woodblock(sample_rate: int) -> np.ndarray:
    """A woodblock: 80 ms of inharmonic damped partials around 900 Hz."""
    return _decaying_partials(
        [(880.0, 0.6, 0.02), (1390.0, 0.25, 0.012), (2640.0, 0.1, 0.006)], 0.08, sample_rate
    )


def _finish(x: np.ndarray, sample_rate: int, peak: float) -> np.ndarray:
    """Scale ``x`` to ``peak``, start it on its full-scale sample and end it at exactly zero."""
    x = x * (peak / max(float(np.max(np.abs(x))), 1e-12))
    x[0] = peak  # the onset is the first frame, to the sample
    tail = min(x.size // 4, int(0.004 * sample_rate))
    if tail > 0:
        x[-tail:] *= 0.5 * (1 + np.cos(np.pi * np.arange(1, tail + 1) / tail))
    return x


def _noise(length: int, seed: int) -> np.ndarray:
    """Fixed white noise (a seeded generator: the same kit on every start)."""
    return np.random.default_rng(seed).standard_normal(length)


def _highpass(x: np.ndarray, width: int) -> np.ndarray:
    """``x`` minus its moving average over ``width`` samples (a cheap high-pass)."""
    return x - np.convolve(x, np.ones(width) / width, mode="same")


def synth_drum(name: str, sample_rate: int) -> np.ndarray:
    """One sound of the drum kit, synthesized (peak 0.9).

    ``kick`` (a pitch sweep 150 -> 48 Hz, 350 ms), ``snare`` (a 190 Hz body and a noise burst,
    250 ms), ``hat`` (closed hi-hat: high-passed noise, 60 ms), ``open_hat`` (400 ms), ``rim``
    (rim shot: a 1.7 kHz knock and a little noise, 50 ms), ``shaker`` (band of noise, 100 ms),
    ``cowbell`` (two square-ish partials at 540 and 800 Hz, 300 ms).
    """
    sr = sample_rate
    def t_of(length_s: float) -> np.ndarray:
        return np.arange(int(round(length_s * sr))) / sr
    if name == "kick":
        t = t_of(0.35)
        freq = 48.0 + 102.0 * np.exp(-t / 0.04)
        phase = 2 * np.pi * np.cumsum(freq) / sr - 2 * np.pi * freq[0] / sr  # cos phase 0 at t = 0
        x = np.cos(phase) * np.exp(-t / 0.12)
    elif name == "snare":
        t = t_of(0.25)
        x = 0.6 * np.cos(2 * np.pi * 190.0 * t) * np.exp(-t / 0.05) + _highpass(_noise(t.size, 2), 4) * np.exp(-t / 0.06)
    elif name in ("hat", "open_hat"):
        t = t_of(0.06 if name == "hat" else 0.4)
        x = _highpass(_noise(t.size, 3), 3) * np.exp(-t / (0.012 if name == "hat" else 0.11))
    elif name == "rim":
        t = t_of(0.05)
        x = np.cos(2 * np.pi * 1700.0 * t) * np.exp(-t / 0.008) + 0.3 * _highpass(_noise(t.size, 4), 3) * np.exp(-t / 0.004)
    elif name == "shaker":
        t = t_of(0.1)
        x = _highpass(_noise(t.size, 5), 2) * np.exp(-t / 0.03)
    elif name == "cowbell":
        t = t_of(0.3)
        x = sum(np.tanh(3 * np.cos(2 * np.pi * f * t)) for f in (540.0, 800.0)) * np.exp(-t / 0.08)
    else:
        raise ValueError(f"no drum sound {name!r}; the kit has: {', '.join(DRUMS)}")
    return _finish(x, sr, 0.9)


#: The drum kit's sounds (each also in the bank as ``NAME_accent``).
DRUMS: tuple[str, ...] = ("kick", "snare", "hat", "open_hat", "rim", "shaker", "cowbell")
#: Every instrument a beat or groove can use: the metronome sounds and the drum kit.
INSTRUMENTS: tuple[str, ...] = ("click", "woodblock") + DRUMS
#: Linear gain of an unaccented hit relative to its accented form.
PLAIN_LEVEL = 0.6


def default_bank(sample_rate: int = 48000) -> Bank:
    """Every instrument of :data:`INSTRUMENTS`, each as ``NAME`` and ``NAME_accent``
    (:func:`default_sounds`)."""
    return Bank(default_sounds(sample_rate), sample_rate=sample_rate)


def default_sounds(sample_rate: int = 48000) -> dict[str, np.ndarray]:
    """Every instrument of :data:`INSTRUMENTS`, each as ``NAME`` and ``NAME_accent``.

    The accented hit is the louder one (a brighter tone for the click); the drum kit is
    synthesized here at start-up (about 3 s of samples, a few ms of work). Pitched notes join
    them in a session's bank (:mod:`live.engine.note_bank`).
    """
    wood = synth_woodblock(sample_rate)
    sounds = {
        "click_accent": synth_click(sample_rate, accent=True),
        "click": synth_click(sample_rate),
        "woodblock_accent": wood,
        "woodblock": PLAIN_LEVEL * wood,
    }
    for name in DRUMS:
        x = synth_drum(name, sample_rate)
        sounds[f"{name}_accent"] = x
        sounds[name] = PLAIN_LEVEL * x
    return sounds
