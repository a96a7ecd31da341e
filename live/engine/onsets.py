"""Microphone onsets at sample resolution, streaming: the live path for an acoustic instrument or
clapping at a microphone (DESIGN.md section 4).

An onset is the first sample whose magnitude exceeds the threshold once the refractory window
after the previous onset has passed (the threshold-crossing rule of REPP: Jacoby et al. 2021,
"REPP: a robust cross-platform solution for online sensorimotor synchronization experiments",
Behav. Res. Methods 53:1980-1994). The threshold is the larger of an absolute floor and a
multiple of the noise level, tracked as the median magnitude of recent quiet blocks. librosa's
onset functions are for offline analysis: their default hop puts onsets ~20 ms late.

Rejecting the engine's own clicks picked up by the microphone (bleed) is not done here.
Realtime-safe: no (control thread); it reads the sampler's input ring.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

__all__ = ["BLOCK_FRAMES", "Onset", "OnsetDetector", "detect_onsets"]

BLOCK_FRAMES = 64
"""The live callback's block: :func:`detect_onsets` feeds the detector blocks of this size."""


@dataclass(frozen=True, slots=True)
class Onset:
    """An onset: its engine frame and the peak magnitude in the 5 ms from it (0..1)."""

    frame: int
    peak: float

    @property
    def velocity(self) -> int:
        """The peak as a MIDI-like velocity 1..127."""
        return int(min(127, max(1, round(127 * self.peak))))


class OnsetDetector:
    """Threshold-crossing onsets over consecutive chunks of one channel.

    Parameters
    ----------
    sample_rate : int
        Frames per second.
    threshold : float
        Absolute floor of the threshold (full scale 1.0).
    noise_factor : float
        The threshold is at least this many times the noise level.
    refractory_s : float
        No new onset within this long after one (a tap's own ringing is not a second tap).
    """

    def __init__(self, sample_rate: int, *, threshold: float = 0.05, noise_factor: float = 8.0,
                 refractory_s: float = 0.1):
        if not 0 < threshold < 1:
            raise ValueError(f"threshold must be between 0 and 1 (full scale), got {threshold}")
        self.sample_rate = sample_rate
        self.threshold = threshold
        self.noise_factor = noise_factor
        self.refractory_frames = int(round(refractory_s * sample_rate))
        self.peak_frames = max(1, int(round(0.005 * sample_rate)))
        self._next_allowed = None
        self._noise: deque[float] = deque(maxlen=50)
        self._pending: Onset | None = None  # an onset whose 5 ms peak window runs into the next chunk

    @property
    def level(self) -> float:
        """The threshold now in force."""
        noise = float(np.median(self._noise)) if self._noise else 0.0
        return max(self.threshold, self.noise_factor * noise)

    def process(self, first_frame: int, samples: np.ndarray) -> list[Onset]:
        """Onsets in ``samples`` (1-D, the frames from ``first_frame`` on), in order.

        Chunks must follow each other; a gap (frames lost) only means no onset is found there.
        """
        x = np.abs(np.asarray(samples, dtype=np.float64).reshape(-1))
        out: list[Onset] = []
        if self._pending is not None:
            head = x[: max(0, self._pending.frame + self.peak_frames - first_frame)]
            peak = max(self._pending.peak, float(head.max()) if head.size else 0.0)
            out.append(Onset(self._pending.frame, peak))
            self._pending = None
        level = self.level
        at = 0
        while at < x.size:
            if self._next_allowed is not None and first_frame + at < self._next_allowed:
                at = self._next_allowed - first_frame
                continue
            above = np.flatnonzero(x[at:] > level)
            if above.size == 0:
                break
            i = at + int(above[0])
            window = x[i: i + self.peak_frames]
            onset = Onset(first_frame + i, float(window.max()))
            if i + self.peak_frames > x.size:
                self._pending = onset
            else:
                out.append(onset)
            self._next_allowed = first_frame + i + self.refractory_frames
            at = i + 1
        if x.size and not out and self._pending is None:
            self._noise.append(float(np.median(x)))  # a quiet chunk: learn the noise level
        return out

    def flush(self) -> list[Onset]:
        """The onset still waiting for the rest of its 5 ms peak window when the input ends."""
        pending, self._pending = self._pending, None
        return [] if pending is None else [pending]


def detect_onsets(samples: np.ndarray, sample_rate: int, **params) -> list[Onset]:
    """Onsets of a whole 1-D recording by the streaming detector, frames counted from 0.

    The same :class:`OnsetDetector` as the live path, fed the array in consecutive 64-frame
    blocks (the live callback's block), so an offline result is what live would have found.

    Parameters
    ----------
    samples : numpy.ndarray
        One channel, full scale 1.0 (any float or int dtype converted to float64; 2-D refused).
    sample_rate : int
        Frames per second of ``samples``.
    **params
        The detector's keyword parameters (see :class:`OnsetDetector`).

    Returns
    -------
    list of Onset
        In time order; ``frame`` is the sample index in ``samples``.
    """
    x = np.asarray(samples)
    if x.ndim != 1:
        raise ValueError(f"samples must be one channel (1-D), got shape {x.shape}")
    detector = OnsetDetector(sample_rate, **params)
    out: list[Onset] = []
    for at in range(0, x.size, BLOCK_FRAMES):
        out += detector.process(at, x[at: at + BLOCK_FRAMES])
    out += detector.flush()
    return out
