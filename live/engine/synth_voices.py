"""The built-in pitched voices: what plays when there is no SoundFont (or a ``synth_*`` instrument).

Small additive and FM models, computed with numpy when the bank is built: an FM piano and an FM
electric piano (a carrier phase-modulated at twice its frequency, the index decaying: bright
attack, mellow tail), a bass (decaying harmonics, upper ones faster), a pad (soft harmonics with
a short swell and a long sustain), a mallet (marimba-like inharmonic partials 1 : 3.9 : 9.2) and a
plucked string (harmonics whose decay shortens with their number). Every voice starts in cosine
phase, so its first sample is its onset, to the frame, as the bank's other sounds do, and ends at
exactly zero; the fundamental is the note's equal-tempered pitch (A4 = 440 Hz). Velocity (of a
layer) sets the level and the brightness.

Realtime-safe: no (bank building).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

__all__ = ["VOICES", "note_hz", "synth_note"]

A4_HZ = 440.0
_TAIL_S = 0.004  # the raised-cosine end (as the bank's other sounds)


def note_hz(note: int) -> float:
    """Equal-tempered frequency of MIDI ``note`` (69 = A4 = 440 Hz), Hz."""
    return A4_HZ * 2.0 ** ((note - 69) / 12.0)


def _cos(ratio_hz: float, n: int, sample_rate: int) -> np.ndarray:
    """cos(2 pi f t) for t = 0, 1/sr, ... (n samples), float32; the phase is reduced in float64
    first, so it stays exact over a long note."""
    return np.cos(np.float32(2 * np.pi) * ((np.arange(n) * (ratio_hz / sample_rate)) % 1.0).astype(np.float32))


def _decay(t: np.ndarray, tau_s: float) -> np.ndarray:
    return np.exp(t * np.float32(-1.0 / tau_s))


def _partials(f_hz: float, t: np.ndarray, parts: list[tuple[float, float, float]], sr: int) -> np.ndarray:
    """Sum of cosine partials (ratio to ``f_hz``, amplitude, decay time constant s) below 0.45 x
    the sample rate."""
    out = np.zeros(t.size, dtype=np.float32)
    for ratio, amp, tau_s in parts:
        if ratio * f_hz < 0.45 * sr:
            out += np.float32(amp) * _cos(ratio * f_hz, t.size, sr) * _decay(t, tau_s)
    return out


def _harmonics(f_hz: float, t: np.ndarray, amps: list[float], tau_s: float, faster: float, sr: int) -> np.ndarray:
    """Sum over k = 1.. of ``amps[k-1]`` cos(2 pi k f t) exp(-t (1 + faster (k - 1)) / tau_s), the
    harmonics below 0.45 x the sample rate. cos(k w) by the Chebyshev recurrence from cos(w), and
    each harmonic's decay from the last one's times one factor: a few multiplies per harmonic."""
    c1 = _cos(f_hz, t.size, sr)
    env = _decay(t, tau_s)
    step = _decay(t, tau_s / faster) if faster > 0 else None
    out = np.float32(amps[0]) * c1 * env
    prev, cur = np.ones_like(c1), c1
    two_c1 = np.float32(2.0) * c1
    for k in range(2, len(amps) + 1):
        if k * f_hz >= 0.45 * sr:
            break
        prev, cur = cur, two_c1 * cur - prev
        if step is not None:
            env = env * step
        out += np.float32(amps[k - 1]) * cur * env
    return out


def _fm(f_hz: float, t: np.ndarray, index0: float, index_tau_s: float, sr: int) -> np.ndarray:
    """A carrier at ``f_hz`` phase-modulated by a modulator at 2 ``f_hz`` (odd harmonics: no DC,
    whatever the index), the index decaying from ``index0`` with time constant ``index_tau_s``;
    cos(0) = 1 at t = 0."""
    w = np.float32(2 * np.pi) * ((np.arange(t.size) * (f_hz / sr)) % 1.0).astype(np.float32)
    return np.cos(w + np.float32(index0) * _decay(t, index_tau_s) * np.sin(np.float32(2.0) * w))


def _fm_piano(f_hz: float, t: np.ndarray, bright: float, sr: int) -> np.ndarray:
    tau_s = float(np.clip(0.9 * (262.0 / f_hz) ** 0.4, 0.25, 2.5))
    body = _fm(f_hz, t, 0.4 + 1.0 * bright, 0.35 * tau_s, sr) * _decay(t, tau_s)
    return body + _partials(f_hz, t, [(2.0, 0.4, 0.5 * tau_s)], sr)


def _fm_epiano(f_hz: float, t: np.ndarray, bright: float, sr: int) -> np.ndarray:
    tau_s = float(np.clip(1.4 * (262.0 / f_hz) ** 0.4, 0.3, 3.0))
    body = _fm(f_hz, t, 0.2 + 0.6 * bright, 0.25, sr) * _decay(t, tau_s)
    return body + _partials(f_hz, t, [(2.0, 0.25, 0.6 * tau_s), (7.0, 0.12 * bright, 0.06)], sr)


def _bass(f_hz: float, t: np.ndarray, bright: float, sr: int) -> np.ndarray:
    return _harmonics(f_hz, t, [bright ** (k - 1) / k ** 1.3 for k in range(1, 9)], 1.2, 0.6, sr)


def _pad(f_hz: float, t: np.ndarray, bright: float, sr: int) -> np.ndarray:
    swell = np.float32(1.0) - np.float32(0.6) * _decay(t, 0.06)
    return _harmonics(f_hz, t, [(0.4 + 0.6 * bright) ** (k - 1) / k ** 1.5 for k in range(1, 11)], 12.0, 0.0, sr) * swell


def _mallet(f_hz: float, t: np.ndarray, bright: float, sr: int) -> np.ndarray:
    tau_s = float(np.clip(0.45 * (262.0 / f_hz) ** 0.5, 0.12, 1.2))
    return _partials(f_hz, t, [(1.0, 1.0, tau_s), (3.9, 0.35 * bright, tau_s / 4), (9.2, 0.12 * bright, tau_s / 10)], sr)


def _pluck(f_hz: float, t: np.ndarray, bright: float, sr: int) -> np.ndarray:
    tau_s = float(np.clip(1.2 * (262.0 / f_hz) ** 0.3, 0.3, 2.5))
    return _harmonics(f_hz, t, [bright ** (k - 1) / k for k in range(1, 13)], tau_s, 0.4, sr)


VOICES: dict[str, Callable[[float, np.ndarray, float, int], np.ndarray]] = {
    "fm_piano": _fm_piano, "fm_epiano": _fm_epiano, "bass": _bass, "pad": _pad, "mallet": _mallet, "pluck": _pluck,
}
"""Voice name -> model (frequency Hz, times s, brightness 0..1, sample rate) -> samples."""


def synth_note(voice: str, note: int, velocity: int, *, length_s: float, sample_rate: int) -> np.ndarray:
    """One note of a built-in voice, ``length_s`` long, float32.

    Peak ``0.5 * velocity / 127`` on its first sample (cosine phase: the onset is frame 0), the
    last :data:`_TAIL_S` faded by a raised cosine to exactly zero.

    Raises
    ------
    ValueError
        For an unknown voice, a note outside 0..127 or a velocity outside 1..127.
    """
    try:
        model = VOICES[voice]
    except KeyError:
        raise ValueError(f"voice {voice!r}: must be one of {', '.join(VOICES)}") from None
    if not 0 <= note <= 127:
        raise ValueError(f"MIDI note {note!r}: must be 0..127")
    if not 1 <= velocity <= 127:
        raise ValueError(f"velocity {velocity!r}: must be 1..127")
    t = (np.arange(max(int(round(length_s * sample_rate)), 16)) / sample_rate).astype(np.float32)
    bright = velocity / 127.0
    x = model(note_hz(note), t, bright, sample_rate)
    peak = 0.5 * velocity / 127.0
    x = x * np.float32(peak / max(float(np.max(np.abs(x))), 1e-12))
    tail = min(x.size // 4, int(_TAIL_S * sample_rate))
    if tail > 0:
        x[-tail:] *= (0.5 * (1 + np.cos(np.pi * np.arange(1, tail + 1) / tail))).astype(np.float32)
    return x.astype(np.float32)
