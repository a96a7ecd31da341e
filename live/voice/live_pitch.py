"""A cheap live pitch estimate for feedback while a client sings: YIN on the latest ~40 ms.

YIN (de Cheveigné & Kawahara 2002, "YIN, a fundamental frequency estimator for speech and
music", JASA 111:1917-1930): the difference function of the window's first half against lags
up to the longest period, computed through one FFT (its autocorrelation term) and cumulative
sums (its energy terms); its cumulative-mean-normalised form; the first lag whose value dips
under ``threshold`` (then down to that dip's minimum), refined by parabolic interpolation. The
estimate is what the control thread shows the client and therapist (a note name and cents),
never what is scored: the answer is scored on :func:`live.voice.notes.find_sung_notes`.

Its latency is the window (the estimate describes the last ``window_s``) plus the control
step that polls it; its cost one FFT of ``2 * window`` samples per estimate
(docs/performance.md: "live estimate cost").

Realtime-safe: no (control thread; allocates a little per call), but cheap enough to call every
control step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from live.voice.notes import FMAX_HZ, FMIN_HZ, hz_to_midi

__all__ = ["LivePitch", "PitchEstimate"]

_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")


@dataclass(frozen=True, slots=True)
class PitchEstimate:
    """A live pitch estimate.

    Attributes
    ----------
    hz : float
        The fundamental, Hz.
    periodicity : float
        1 - YIN's normalised difference at the chosen lag (0..1; ~1 for a clean sung vowel).
    """

    hz: float
    periodicity: float

    @property
    def pitch_midi(self) -> float:
        """As a fractional MIDI note."""
        return float(hz_to_midi(self.hz))

    def text(self) -> str:
        """``"G4 +12 c"``: the nearest note's name and the cents from it."""
        midi = self.pitch_midi
        note = int(round(midi))
        return f"{_NAMES[note % 12]}{note // 12 - 1} {100 * (midi - note):+.0f} c"


class LivePitch:
    """YIN over the latest ``window_s`` of a stream.

    Parameters
    ----------
    sample_rate : int
        Frames per second.
    window_s : float
        The analysis window, seconds: at least two periods of ``fmin_hz`` (40 ms: 65 Hz).
    fmin_hz, fmax_hz : float
        The pitch range, Hz.
    threshold : float
        YIN's absolute threshold on the normalised difference (0.15 in the paper's tests).
    min_rms : float
        A window quieter than this (full scale 1.0) has no pitch.
    """

    def __init__(self, sample_rate: int, *, window_s: float = 0.04, fmin_hz: float = FMIN_HZ,
                 fmax_hz: float = FMAX_HZ, threshold: float = 0.15, min_rms: float = 0.005):
        self.sample_rate = sample_rate
        self.window = int(round(window_s * sample_rate))
        self.max_lag = int(np.ceil(sample_rate / fmin_hz))
        self.min_lag = max(2, int(np.floor(sample_rate / fmax_hz)))
        if self.window < 2 * self.max_lag:
            raise ValueError(f"window_s {window_s!r}: must hold two periods of fmin_hz ({2 / fmin_hz:.3f} s)")
        self.threshold = threshold
        self.min_rms = min_rms
        self._tail = np.zeros(0, dtype=np.float64)

    def reset(self) -> None:
        """Forget the stream so far (the next estimate waits for a whole new window)."""
        self._tail = np.zeros(0, dtype=np.float64)

    def feed(self, samples: np.ndarray) -> PitchEstimate | None:
        """Add the next samples of the stream; the estimate over the latest window (None while
        fewer samples than a window have come, or when the window is quiet or not periodic)."""
        x = np.asarray(samples, dtype=np.float64).reshape(-1)
        self._tail = np.concatenate((self._tail, x))[-self.window:]
        if self._tail.size < self.window:
            return None
        return self.estimate(self._tail)

    def estimate(self, window: np.ndarray) -> PitchEstimate | None:
        """The pitch of one window (its last ``window`` samples are used)."""
        x = np.asarray(window, dtype=np.float64)[-self.window:]
        if x.size < self.window or np.sqrt(np.mean(x * x)) < self.min_rms:
            return None
        w = self.window - self.max_lag  # the integration window
        n_fft = 1 << int(np.ceil(np.log2(self.window + w)))
        spec = np.fft.rfft(x, n_fft)
        ref = np.fft.rfft(x[:w][::-1], n_fft)
        corr = np.fft.irfft(spec * ref, n_fft)[w - 1: w + self.max_lag]  # sum x[j] x[j + tau], tau 0..max
        sq = np.concatenate(([0.0], np.cumsum(x * x)))
        energy0 = sq[w]
        energy_tau = sq[w: w + self.max_lag + 1] - sq[: self.max_lag + 1]
        diff = energy0 + energy_tau - 2.0 * corr
        taus = np.arange(1, self.max_lag + 1)
        cmnd = np.ones(self.max_lag + 1)
        csum = np.cumsum(diff[1:])
        cmnd[1:] = diff[1:] * taus / np.where(csum > 0, csum, 1.0)
        search = cmnd[self.min_lag: self.max_lag]
        below = np.flatnonzero(search < self.threshold)
        if below.size == 0:
            return None
        tau = self.min_lag + int(below[0])
        while tau + 1 < self.max_lag and cmnd[tau + 1] < cmnd[tau]:
            tau += 1
        a, b, c = cmnd[tau - 1], cmnd[tau], cmnd[tau + 1] if tau + 1 <= self.max_lag else cmnd[tau]
        denom = a - 2 * b + c
        shift = 0.5 * (a - c) / denom if denom > 0 else 0.0
        period = tau + float(np.clip(shift, -0.5, 0.5))
        return PitchEstimate(hz=self.sample_rate / period, periodicity=float(max(0.0, 1.0 - b)))
