"""Microphone onsets at sample resolution, streaming: the live path for an acoustic instrument,
a drum or clapping at a microphone (DESIGN.md section 4), and the one onset detector of
``live`` (offline analysis, beat refinement and the warp check call :func:`detect_onsets`).

The method is REPP's (Anglada-Tort, Harrison & Jacoby 2022, "REPP: a robust cross-platform
solution for online sensorimotor synchronization experiments", Behavior Research Methods 54,
2271-2285): filter the recording to where the taps have energy and mains hum has none, take an
energy envelope, mark an onset where it crosses a threshold, and keep a minimum interval between
onsets. Made streaming and sample-exact here, per sample:

1. two bands: the broadband one, a high-pass (4th-order Butterworth, ``highpass_hz``, 120 Hz)
   taking out 50/60 Hz hum (-30/-24 dB) and rumble (hum's harmonics above it are steady: they
   are part of the noise floor); and the low band, where a drum's or a low note's attack is
   (:mod:`live.engine.onset_kernel`): hum at 50 or 60 Hz with all its harmonics cancelled by a
   comb that delays nothing else, then a 1 kHz low-pass (a 20th of white noise's power left).
   The high-pass delays what is near its corner (2.7 ms at a kick's 160 Hz, 1.8 ms at a snare's
   190 Hz) and leaves the kick's first cycle under broadband noise: the low band sees it;
2. per band, one-pole energy envelopes: ``fast`` (0.25 ms, for the attack's start), ``env``
   (1 ms broadband, 3 ms in the low band, for detection) and ``slow`` (30 ms, the local
   background: a reverb tail, a held note);
3. per band, the noise floor is the minimum of ``slow``, rising at most 3 dB/s (minimum
   statistics: an onset or a tail lifts it by a fraction of a dB, a louder room catches up
   within seconds);
4. an onset is detected where, in either band, ``env`` exceeds the absolute floor ``threshold``,
   ``noise_factor`` times the noise floor, ``local_factor`` times ``slow`` (a rise, not a decay)
   and, with a reference, the bleed gate; no second onset within ``refractory_s`` of one, and
   none before the last detection's sound has fallen under these once (a long attack is one
   onset);
5. the onset's frame is then found by walking back from the detection to where the attack leaves
   the floor in either band: the earliest sample of the run in which ``fast`` stays above
   ``back_factor`` times the floor there (the noise floor, the background, the bleed; 3 times in
   the low band, whose 0.25 ms envelope is of too narrow a band to be steady), dips shorter than
   1 ms bridged (a low note's zero crossings), at most ``max_attack_s`` back. So a slow attack's
   onset is its first sample above the floor, not the late threshold crossing and not the peak.

Bleed: what the engine plays reaches the microphone. Given the played signal as it arrives at
the microphone (``reference``: the output delayed by the loopback latency ``live calibrate
--input mic`` measures), the bleed is gated and its expected envelope taken off the floor:
detection also needs ``env`` above ``bleed_margin`` times the expected bleed (the gain from
reference to microphone times the reference's 1 ms envelope, held with a 20 ms decay), the local
background is ``slow`` less the bleed's share, and the walk-back's floor adds twice the bleed's
0.25 ms envelope (held over ~1 ms, for a reference a little early; in the low band at least its
held envelope, for the room's reverb of it). The reference goes through both bands as the
microphone does; one gain serves both. The gain is measured as the engine plays: at each start
of the reference after 5 ms of quiet (a click), the microphone's energy over the 10 ms from it
less its energy over the 10 ms before, over the reference's energy; the gain in use is the median
of the last 15 (a hit that coincides with a click now and then does not move it); until the
first, it is ``bleed_gain``. A reference that has not paused (a song) is measured otherwise:
twice the lowest ratio of the microphone's 30 ms envelope to the reference's (rising at most
3 dB/s), in use after its first second (until then ``bleed_gain``). A clap louder than
``bleed_margin`` times the bleed at that moment is found even on a click, its onset walked back
to where it leaves the bleed.

The per-sample work is one numba kernel (:mod:`live.engine.onset_kernel`: no allocation per
sample; state in arrays kept between chunks), so any chunking gives the same onsets.
Realtime-safe: no (control thread; it reads the sampler's input ring, about 64 frames per call).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from live.engine import onset_kernel as kn

__all__ = ["BLOCK_FRAMES", "Onset", "OnsetDetector", "detect_onsets"]

BLOCK_FRAMES = 64
"""The live callback's block: :func:`detect_onsets` feeds the detector blocks of this size."""

_MAX_ATTACK_S = 0.5  # the longest walk-back allowed (its history is kept per detector)


@dataclass(frozen=True, slots=True)
class Onset:
    """An onset: its frame and the peak magnitude of the input in the 5 ms from it (0..1)."""

    frame: int
    peak: float

    @property
    def velocity(self) -> int:
        """The peak as a MIDI-like velocity 1..127."""
        return int(min(127, max(1, round(127 * self.peak))))


class OnsetDetector:
    """Onsets over consecutive chunks of one channel (see the module notes for the method).

    Parameters
    ----------
    sample_rate : int
        Frames per second.
    threshold : float
        Absolute floor: the 1 ms RMS of the filtered input must exceed it (full scale 1.0).
    noise_factor : float
        The 1 ms RMS must exceed this many times the noise floor's RMS (2.2: 6.8 dB).
    local_factor : float
        ... and this many times the 30 ms RMS of the background (2: 6 dB; a decay is no onset).
    back_factor : float
        The walk-back keeps samples whose 0.25 ms RMS is above this many times the floor's RMS
        there (2: 6 dB).
    refractory_s : float
        No new onset within this long after one (a tap's own ringing is not a second tap).
    highpass_hz : float
        Corner of the 4th-order Butterworth high-pass in front of everything.
    max_attack_s : float
        The walk-back goes back at most this far from the detection.
    bleed_margin : float
        With a reference, the 1 ms RMS must exceed this many times the expected bleed's RMS.
    bleed_gain : float
        The amplitude gain from reference to microphone assumed until it has been measured.
    low_band : bool
        Detect and walk back in the low band too (the default, the microphone's). False: the
        broadband (high-passed) band alone, the low band not computed; the song warp's choice
        (its attacks and costs measured in docs/performance.md, "warp").
    """

    def __init__(self, sample_rate: int, *, threshold: float = 0.01, noise_factor: float = 2.2,
                 local_factor: float = 2.0, back_factor: float = 2.0, refractory_s: float = 0.1,
                 highpass_hz: float = 120.0, max_attack_s: float = 0.03, bleed_margin: float = 2.0,
                 bleed_gain: float = 1.0, low_band: bool = True):
        if not 0 < threshold < 1:
            raise ValueError(f"threshold must be between 0 and 1 (full scale), got {threshold}")
        if sample_rate <= 0:
            raise ValueError(f"sample_rate must be positive, got {sample_rate}")
        if not 0 < highpass_hz < sample_rate / 2:
            raise ValueError(f"highpass_hz must be between 0 and {sample_rate / 2:g} Hz, got {highpass_hz}")
        for name, value in (("noise_factor", noise_factor), ("local_factor", local_factor),
                            ("back_factor", back_factor), ("bleed_margin", bleed_margin)):
            if not value >= 1:
                raise ValueError(f"{name} must be at least 1, got {value}")
        if not 0.005 <= refractory_s <= 10:
            raise ValueError(f"refractory_s must be 0.005..10 s, got {refractory_s}")
        max_back = int(round(max_attack_s * sample_rate))
        peak = max(1, int(round(0.005 * sample_rate)))
        if not 0 <= max_attack_s <= _MAX_ATTACK_S:
            raise ValueError(f"max_attack_s must be 0..{_MAX_ATTACK_S:g} s, got {max_attack_s}")
        if not bleed_gain >= 0:
            raise ValueError(f"bleed_gain must be >= 0, got {bleed_gain}")
        self.sample_rate = sample_rate
        self.threshold = threshold
        self.refractory_frames = int(round(refractory_s * sample_rate))
        self.peak_frames = peak
        from scipy.signal import butter  # here, not at import: scipy.signal takes 1-4 s to import,
        # and every command that lists the activities imports this module (through the voice)

        self._sos = np.ascontiguousarray(butter(4, highpass_hz / (sample_rate / 2), btype="highpass", output="sos"))
        self._sos_lo = np.ascontiguousarray(butter(2, min(1000.0, 0.4 * sample_rate) / (sample_rate / 2),
                                                   btype="lowpass", output="sos"))
        self._z = np.zeros((2, self._sos.shape[0], 2))
        self._z_lo = np.zeros((2, self._sos_lo.shape[0], 2))
        p = np.zeros(kn.P_N)
        p[kn.P_FAST] = 1 - np.exp(-1 / (0.00025 * sample_rate))
        p[kn.P_ENV] = 1 - np.exp(-1 / (0.001 * sample_rate))
        p[kn.P_SLOW] = 1 - np.exp(-1 / (0.030 * sample_rate))
        p[kn.P_HOLD] = 1 - np.exp(-1 / (0.020 * sample_rate))
        p[kn.P_RISE] = 10 ** (3.0 / 10 / sample_rate)  # 3 dB/s
        p[kn.P_THR] = threshold ** 2
        p[kn.P_NOISE_F], p[kn.P_LOCAL_F], p[kn.P_BACK_F] = noise_factor ** 2, local_factor ** 2, back_factor ** 2
        p[kn.P_REFRACT] = self.refractory_frames
        p[kn.P_MAX_BACK] = max_back
        p[kn.P_PEAK] = peak
        p[kn.P_WARM] = round(0.02 * sample_rate)
        p[kn.P_MARGIN] = bleed_margin ** 2
        p[kn.P_GAIN0] = bleed_gain ** 2
        p[kn.P_WIN] = round(0.005 * sample_rate)  # quiet before a reference start
        p[kn.P_MEAS] = round(0.010 * sample_rate)  # a start's gain measured over this
        p[kn.P_SETTLE] = sample_rate  # a reference that never pauses: its gain in use after 1 s
        p[kn.P_BRIDGE] = round(0.001 * sample_rate)
        p[kn.P_REF_MIN] = 1e-8  # reference power (-80 dBFS) below which it is quiet
        # the low band: detection on a 3 ms envelope (1 ms of a band 1 kHz wide is a cycle or two:
        # noise alone would cross 2.2 times its floor); the walk-back at 3 times its floor (9.5 dB:
        # at 2 its 0.25 ms envelope crossed it on noise alone, 0.5 ms before a click)
        p[kn.P_ENV_LO] = 1 - np.exp(-1 / (0.003 * sample_rate))
        p[kn.P_BACK_LO] = 3.0 ** 2
        p[kn.P_P50], p[kn.P_P60] = round(sample_rate / 50), round(sample_rate / 60)  # the comb's delays
        p[kn.P_LOW] = 1.0 if low_band else 0.0
        self._p = p
        self._s = np.zeros(kn.S_N)
        self._s[kn.S_GAIN] = p[kn.P_GAIN0]
        self._s[kn.S_PEND] = -1.0
        self._s[kn.S_RMIN] = -1.0
        self._s[kn.S_NEXT] = -1e18
        self._s[kn.S_ARMED] = 1.0
        # history, a power of two of frames: more than the walk-back with its peak window, the gain's
        # 10 ms before a reference start, and the comb's two mains periods
        need = max(max_back + 2 * peak, int(p[kn.P_MEAS]), int(p[kn.P_P50] + p[kn.P_P60])) + 4
        self._hist = np.zeros((kn.H_N, 1 << need.bit_length()))
        self._gains = np.zeros(kn.GAINS)
        self._next_frame: int | None = None

    @property
    def level(self) -> float:
        """The detection threshold now in force without bleed (RMS, full scale 1.0)."""
        return float(np.sqrt(max(self._p[kn.P_THR], self._p[kn.P_NOISE_F] * self._s[kn.S_NOISE])))

    @property
    def bleed_gain(self) -> float:
        """The amplitude gain from reference to microphone in use (measured, or the given one)."""
        return float(np.sqrt(self._s[kn.S_GAIN]))

    def process(self, first_frame: int, samples: np.ndarray, reference: np.ndarray | None = None) -> list[Onset]:
        """Onsets in ``samples`` (1-D, the frames from ``first_frame`` on), in order.

        Parameters
        ----------
        first_frame : int
            Frame of ``samples[0]``. Chunks follow each other; after a gap (frames lost) the
            filters run on as if the chunks touched.
        samples : numpy.ndarray
            One channel, full scale 1.0.
        reference : numpy.ndarray, optional
            What the engine played, as it arrives at the microphone at these frames (same length;
            the output delayed by the loopback latency): its bleed is gated. Give one with every
            chunk or with none.

        Returns
        -------
        list of Onset
            An onset is returned once its 5 ms peak window has passed (it may be from a chunk
            before).
        """
        x = np.ascontiguousarray(samples, dtype=np.float64).reshape(-1)
        if reference is None:
            ref, has_ref = x[:0], False
        else:
            ref = np.ascontiguousarray(reference, dtype=np.float64).reshape(-1)
            if ref.size != x.size:
                raise ValueError(f"reference has {ref.size} frames, samples {x.size}: they must match")
            has_ref = True
        # onsets are refractory_frames apart at least, and those returned now lie from the walk-back
        # and peak window before this chunk to its end; one more may be waiting from before
        cap = (x.size + int(self._p[kn.P_MAX_BACK]) + 2 * self.peak_frames) // self.refractory_frames + 3
        frames = np.empty(cap, dtype=np.int64)
        peaks = np.empty(cap)
        n = kn.run(x, ref, has_ref, float(first_frame), self._p, self._sos, self._sos_lo, self._z, self._z_lo, self._s,
                  self._hist, self._gains, frames, peaks)
        self._next_frame = first_frame + x.size
        return [Onset(int(frames[k]), float(peaks[k])) for k in range(n)]

    def flush(self) -> list[Onset]:
        """The onset still waiting for the rest of its 5 ms peak window when the input ends."""
        if self._s[kn.S_PEND] < 0:
            return []
        onset = Onset(int(self._s[kn.S_PEND]), float(self._s[kn.S_PEAK]))
        self._s[kn.S_PEND] = -1.0
        return [onset]


def detect_onsets(samples: np.ndarray, sample_rate: int, *, reference: np.ndarray | None = None,
                  **params) -> list[Onset]:
    """Onsets of a whole 1-D recording by the streaming detector, frames counted from 0.

    The same :class:`OnsetDetector` as the live path, fed the array in consecutive 64-frame
    blocks (the live callback's block), so an offline result is what live would have found.

    Parameters
    ----------
    samples : numpy.ndarray
        One channel, full scale 1.0 (any float or int dtype converted to float64; 2-D refused).
    sample_rate : int
        Frames per second of ``samples``.
    reference : numpy.ndarray, optional
        The known played signal as it arrives at the microphone, same length: its bleed is gated.
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
    if reference is not None and np.shape(reference) != x.shape:
        raise ValueError(f"reference must have the samples' shape {x.shape}, got {np.shape(reference)}")
    detector = OnsetDetector(sample_rate, **params)
    out: list[Onset] = []
    for at in range(0, x.size, BLOCK_FRAMES):
        out += detector.process(at, x[at: at + BLOCK_FRAMES],
                                None if reference is None else reference[at: at + BLOCK_FRAMES])
    out += detector.flush()
    return out
