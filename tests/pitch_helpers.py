"""Pitch of a rendered note by FFT, for the tests of pitched sounds."""

from __future__ import annotations

import numpy as np


def fundamental_hz(x: np.ndarray, sample_rate: int, expected_hz: float) -> float:
    """Frequency (Hz) of the strongest spectral peak within a semitone of ``expected_hz``,
    refined by parabolic interpolation of the log magnitude over a Hann-windowed FFT of the
    first 2**16 samples (zero-padded 8 x)."""
    seg = np.asarray(x[: 1 << 16], dtype=np.float64)
    n = 8 * (1 << 16)
    mag = np.abs(np.fft.rfft(seg * np.hanning(seg.size), n))
    lo = int(expected_hz * 2 ** (-1 / 12) * n / sample_rate)
    hi = int(expected_hz * 2 ** (1 / 12) * n / sample_rate) + 1
    k = lo + int(np.argmax(mag[lo:hi]))
    a, b, c = np.log(mag[k - 1 : k + 2] + 1e-30)
    return (k + 0.5 * (a - c) / (a - 2 * b + c)) * sample_rate / n


def cents(f_hz: float, ref_hz: float) -> float:
    """1200 log2(f / ref)."""
    return 1200.0 * np.log2(f_hz / ref_hz)


def strongest_below(x: np.ndarray, sample_rate: int, below_hz: float) -> float:
    """The largest FFT magnitude under ``below_hz``, over the largest anywhere (0..1)."""
    seg = np.asarray(x[: 1 << 16], dtype=np.float64)
    mag = np.abs(np.fft.rfft(seg * np.hanning(seg.size)))
    k = int(below_hz * seg.size / sample_rate)
    return float(mag[:k].max() / mag.max()) if k > 0 else 0.0
