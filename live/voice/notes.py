"""Sung notes in a recording: where each starts (its onset), how long it is voiced, its pitch.

The pitch track is librosa's probabilistic YIN (``librosa.pyin``: Mauch & Dixon 2014, "pYIN: a
fundamental frequency estimator using probabilistic threshold distributions", ICASSP), run on the
audio resampled to :data:`ANALYSIS_RATE` with a 64 ms frame and a 10 ms hop. Its voiced frames
make the notes:

1. runs of voiced frames (pYIN's voicing, and a frame's RMS at least :data:`MIN_RMS` and within
   :data:`RELATIVE_FLOOR_DB` of the loudest frame's: room noise is not sung), a dropout of at most :data:`BRIDGE_S` inside one (a frame pYIN
   lost) bridged when the pitch on both sides agrees within a semitone; runs shorter than
   ``min_note_s`` are dropped;
2. a run is split where the sung pitch moves (legato singing: "hel-lo" on two pitches): where
   the mean pitch over the :data:`SPLIT_WINDOW_S` after a frame differs from the mean over the
   one before by more than ``split_cents`` (a local maximum of that difference; a window about a
   vibrato cycle long, so vibrato never splits a note), and the whole parts either side differ
   by more than ``split_cents`` too;
3. a note that starts a run (after silence) takes its onset from the project's sample-resolution
   onset detector (:func:`live.engine.onsets.detect_onsets`, the first sample of the attack),
   the detected onset nearest the run's first voiced frame within :data:`SNAP_BEFORE_S` before
   it to :data:`SNAP_AFTER_S` after it; otherwise (no onset there, or a note split off inside a
   run) the onset is the first voiced frame's time;
4. a note's pitch is the mean, in cents, of pYIN's f0 over its steady part (from
   :data:`STEADY_AFTER_S` after its first voiced frame to :data:`STEADY_BEFORE_END_S` before
   its last; the middle half of a note too short for that): the scoop into a note is left out,
   and vibrato and drift, which swing around the centre, average out.

Bleed: given ``reference`` (what the engine played as it reaches the microphone at the same
samples, as the microphone path has it: :func:`live.run.sources.mic.played_at_mic`), the
engine's own sound picked up by the microphone is no sung note. The onsets are the onset
detector's with that reference (its bleed gate: :mod:`live.engine.onsets`), and a frame is sung
only if its RMS exceeds :data:`BLEED_MARGIN` times the bleed expected there (``bleed_gain``, the
microphone's amplitude gain from the reference as the onset detector measures it, times the
reference's RMS over the same frame); so a call's note ringing into the answer window is left
out while a voice louder than it at the microphone is kept.

pYIN's Viterbi decoding runs through :mod:`live.voice.viterbi` (librosa's result exactly, over the
transition's band). Realtime-safe: no (offline analysis after an answer window; allocates; CPU
per second of audio: docs/performance.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import librosa
import numpy as np

from live.engine.onsets import detect_onsets
from live.voice import viterbi

__all__ = ["ANALYSIS_RATE", "FMAX_HZ", "FMIN_HZ", "SungNote", "find_sung_notes", "hz_to_midi"]

ANALYSIS_RATE = 16000
"""pYIN runs at this sample rate (Hz): the voice's fundamentals and first formants lie far below
its Nyquist, and a third of 48 kHz's samples costs a third of the time."""
FRAME_LENGTH = 1024  # 64 ms at 16 kHz: more than two periods of FMIN_HZ plus YIN's window
HOP_LENGTH = 160     # 10 ms
FMIN_HZ = 65.0       # C2: a bass's low notes
FMAX_HZ = 1050.0     # C6: a soprano's or a child's high notes
BRIDGE_S = 0.03
SPLIT_WINDOW_S = 0.15
STEADY_AFTER_S = 0.08
STEADY_BEFORE_END_S = 0.05
SNAP_BEFORE_S = 0.06
SNAP_AFTER_S = 0.04
MIN_RMS = 0.002            # -54 dBFS: quieter frames are not singing
RELATIVE_FLOOR_DB = 30.0   # ... nor frames this far below the loudest
BLEED_MARGIN = 2.0         # a sung frame is 6 dB above the engine's expected bleed (the onset detector's margin)


@dataclass(frozen=True, slots=True)
class SungNote:
    """One sung note.

    Attributes
    ----------
    onset_s : float
        Where it starts, seconds from the audio's first sample.
    end_s : float
        Where its voicing ends, seconds from the audio's first sample.
    pitch_midi : float
        Its pitch as a fractional MIDI note (69.0 = A4 = 440 Hz; 69.25 is 25 cents sharp).
    voiced_prob : float
        pYIN's mean voicing probability over the note (0..1): how sure the note is sung.
    onset_detected : bool
        Whether the onset is the onset detector's (sample resolution) rather than a frame's.
    """

    onset_s: float
    end_s: float
    pitch_midi: float
    voiced_prob: float
    onset_detected: bool

    @property
    def note(self) -> int:
        """The nearest MIDI note."""
        return int(round(self.pitch_midi))

    @property
    def cents_off(self) -> float:
        """Cents from the nearest MIDI note (-50..50)."""
        return 100.0 * (self.pitch_midi - self.note)


def hz_to_midi(hz: np.ndarray | float) -> np.ndarray | float:
    """Frequency (Hz, > 0) as a fractional MIDI note (A4 = 440 Hz = 69)."""
    return 69.0 + 12.0 * np.log2(np.asarray(hz, dtype=np.float64) / 440.0)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Half-open [start, stop) runs of True in a 1-D bool array."""
    edges = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist()))


def _splits(cents: np.ndarray, *, window: int, min_frames: int, split_cents: float) -> list[int]:
    """Frames (indices into ``cents``) where a run is split: local maxima of the difference of
    the mean pitch after and before, above ``split_cents``, at least ``min_frames`` apart and
    from either end."""
    n = cents.size
    if n < 2 * min_frames:
        return []
    c = np.concatenate(([0.0], np.cumsum(cents)))
    diff = np.zeros(n)
    for i in range(min_frames, n - min_frames + 1):
        lo, hi = max(0, i - window), min(n, i + window)
        diff[i % n] = abs((c[hi] - c[i]) / (hi - i) - (c[i] - c[lo]) / (i - lo)) if i < n else 0.0
    out: list[int] = []
    order = np.argsort(-diff, kind="stable")
    for i in order.tolist():
        if diff[i] <= split_cents:
            break
        if all(abs(i - j) >= min_frames for j in out):
            out.append(i)
    out.sort()
    # A split stands only if the whole parts either side of it differ by more than split_cents
    # (a short part at a note's end, half a vibrato cycle, does not).
    changed = True
    while changed and out:
        changed = False
        bounds = [0, *out, n]
        means = [float(np.mean(cents[a:b])) for a, b in zip(bounds, bounds[1:])]
        gaps = [abs(b - a) for a, b in zip(means, means[1:])]
        k = int(np.argmin(gaps))
        if gaps[k] <= split_cents:
            del out[k]
            changed = True
    return out


def find_sung_notes(samples: np.ndarray, sample_rate: int, *, min_note_s: float = 0.08,
                    split_cents: float = 60.0, fmin_hz: float = FMIN_HZ, fmax_hz: float = FMAX_HZ,
                    onset_threshold: float = 0.02, reference: np.ndarray | None = None,
                    bleed_gain: float = 1.0) -> list[SungNote]:
    """The sung notes in ``samples`` (see the module docstring for the method).

    Parameters
    ----------
    samples : numpy.ndarray
        One channel, full scale 1.0, 1-D.
    sample_rate : int
        Frames per second of ``samples``.
    min_note_s : float, keyword-only
        Shortest note kept, seconds (also the shortest part a pitch change splits off).
    split_cents : float, keyword-only
        A pitch move larger than this inside a voiced run starts a new note, cents.
    fmin_hz, fmax_hz : float, keyword-only
        The pitch range searched, Hz.
    onset_threshold : float, keyword-only
        The onset detector's absolute threshold floor (full scale 1.0).
    reference : numpy.ndarray, optional
        What the engine played as it reaches the microphone at these samples (same shape): its
        bleed is no note.
    bleed_gain : float, keyword-only
        The amplitude gain from ``reference`` to the microphone (the onset detector's
        ``bleed_gain``: measured as the engine plays; 1.0, the detector's default, until then).

    Returns
    -------
    list of SungNote
        In time order.

    Raises
    ------
    ValueError
        ``samples`` not 1-D, a reference of another shape, or a sample rate that is not a
        positive whole number.
    """
    x = np.asarray(samples, dtype=np.float32)
    if x.ndim != 1:
        raise ValueError(f"samples must be one channel (1-D), got shape {x.shape}")
    if reference is not None and np.shape(reference) != x.shape:
        raise ValueError(f"reference must have the samples' shape {x.shape}, got {np.shape(reference)}")
    if not (isinstance(sample_rate, (int, np.integer)) and sample_rate > 0):
        raise ValueError(f"sample_rate {sample_rate!r}: must be a whole number of frames per second > 0")
    if x.size < FRAME_LENGTH * sample_rate // ANALYSIS_RATE:
        return []
    def at_analysis_rate(a: np.ndarray) -> np.ndarray:
        return a if sample_rate == ANALYSIS_RATE else librosa.resample(a, orig_sr=sample_rate, target_sr=ANALYSIS_RATE,
                                                                       res_type="soxr_hq")

    y = at_analysis_rate(x)
    viterbi.install()  # pYIN decodes through the exact banded Viterbi (librosa's result, ~10x less CPU)
    f0, voiced, prob = librosa.pyin(y, fmin=fmin_hz, fmax=fmax_hz, sr=ANALYSIS_RATE, frame_length=FRAME_LENGTH,
                                    hop_length=HOP_LENGTH)
    hop_s = HOP_LENGTH / ANALYSIS_RATE
    # pYIN's voicing does not look at the level: a frame of room noise can pass as "voiced" at a
    # subharmonic. Frames quieter than the floor (absolute, and relative to the loudest frame)
    # are not sung.
    rms = librosa.feature.rms(y=y, frame_length=FRAME_LENGTH, hop_length=HOP_LENGTH)[0][: f0.size]
    floor = max(MIN_RMS, float(rms.max(initial=0.0)) * 10.0 ** (-RELATIVE_FLOOR_DB / 20.0))
    voiced = voiced & np.isfinite(f0) & (rms >= floor)
    if reference is not None:  # the engine's own sound at the microphone is not sung
        ref = at_analysis_rate(np.asarray(reference, dtype=np.float32))
        ref_rms = librosa.feature.rms(y=ref, frame_length=FRAME_LENGTH, hop_length=HOP_LENGTH)[0][: f0.size]
        voiced &= rms > BLEED_MARGIN * bleed_gain * ref_rms
    cents = np.where(voiced, 100.0 * hz_to_midi(np.where(voiced, f0, 440.0)), np.nan)
    bridge = int(round(BRIDGE_S / hop_s))
    runs = _runs(voiced)
    merged: list[list[int]] = []
    for a, b in runs:  # bridge a short dropout when the pitch agrees on both sides
        if merged and a - merged[-1][1] <= bridge and abs(cents[a] - cents[merged[-1][1] - 1]) < 100.0:
            merged[-1][1] = b
        else:
            merged.append([a, b])
    min_frames = max(1, int(round(min_note_s / hop_s)))
    window = max(1, int(round(SPLIT_WINDOW_S / hop_s)))
    onsets_s = np.array([o.frame / sample_rate for o in detect_onsets(x, sample_rate, threshold=onset_threshold,
                                                                       reference=reference, bleed_gain=bleed_gain)])
    notes: list[SungNote] = []
    for a, b in merged:
        if b - a < min_frames:
            continue
        run = cents[a:b]
        filled = np.where(np.isfinite(run), run, np.interp(np.arange(run.size), np.flatnonzero(np.isfinite(run)),
                                                           run[np.isfinite(run)]))
        bounds = [0, *_splits(filled, window=window, min_frames=min_frames, split_cents=split_cents), b - a]
        for k, (s, e) in enumerate(zip(bounds, bounds[1:])):
            part = run[s:e]
            steady_a, steady_e = int(round(STEADY_AFTER_S / hop_s)), int(round(STEADY_BEFORE_END_S / hop_s))
            if e - s - steady_a - steady_e >= 3:
                steady = part[steady_a: e - s - steady_e]
            else:
                q = (e - s) // 4
                steady = part[q: e - s - q] if e - s - 2 * q > 0 else part
            steady = steady[np.isfinite(steady)]
            if steady.size == 0:
                continue
            start_s = (a + s) * hop_s
            onset_s, detected = start_s, False
            if k == 0 and onsets_s.size:
                near = onsets_s[(onsets_s >= start_s - SNAP_BEFORE_S) & (onsets_s <= start_s + SNAP_AFTER_S)]
                if near.size:
                    onset_s, detected = float(near[np.argmin(np.abs(near - start_s))]), True
            notes.append(SungNote(onset_s=float(onset_s), end_s=float((a + e) * hop_s),
                                  pitch_midi=float(np.mean(steady)) / 100.0,
                                  voiced_prob=float(np.mean(prob[a + s: a + e])), onset_detected=detected))
    return notes
