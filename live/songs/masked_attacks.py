"""Beats whose attack starts under what still sounds from the beat before, timed by the song's
own attack shape.

Why: the onset detector (:func:`live.engine.onsets.detect_onsets`) places an onset where the
attack leaves the floor. After silence that is the attack's first sample, but a slow attack
(bowed strings: ~40 ms to its peak) that starts while the previous chord's release still sounds
(a string section's release lasts about a second) stays under that tail for its first 10..25 ms,
and the detector can only find it where it comes out (measured on the test corpus's strings
song: 17 ms late on average, exact on its first beat, which starts from silence;
docs/performance.md). No detector on the signal's energy can see the start there: in every band
the new attack is 10..25 dB under the tail for its first ~10 ms.

The fix times a masked attack by a point of its rise that stands above the tail. Per beat, on
the signal high-passed as the detector does (``highpass_hz``): the amplitude envelope (RMS over
:data:`WINDOW_S`) with the background before the onset taken off (its median over the 30 ms
before, subtracted as energy), the attack's peak in the :data:`PEAK_S` after the onset, and
``rise``, the time from the onset to where the envelope first reaches :data:`RISE_SHARE` of that
peak. The beats whose background is at least :data:`CLEAN_DB` under their peak are *clean*:
there the detector's onset is the attack's start, so the median ``rise`` over them is how long the
song's attack takes to reach that share from its start. A beat whose background is less than
:data:`MASKED_DB` under its peak is *masked* and moved to its own rise point less that median, if
that is earlier. A song without a clean beat (none after silence or over a quiet background) is
left as the detector found it.

Realtime-safe: no (offline analysis before a session).
"""

from __future__ import annotations

import numpy as np
from scipy.signal import butter, sosfilt

__all__ = ["CLEAN_DB", "MASKED_DB", "RISE_SHARE", "unmask"]

WINDOW_S = 0.003
BEFORE_S = 0.030  # the background: the median energy over this much before the onset ...
GAP_S = 0.003  # ... up to this much before it
PEAK_S = 0.060
RISE_SHARE = 0.3
CLEAN_DB = 30.0
MASKED_DB = 20.0


def _rise(hp_window: np.ndarray, at: int, sample_rate: int) -> tuple[float, float]:
    """(rise in s, peak over background in dB) of the attack at index ``at`` of a high-passed window."""
    n = max(1, int(round(WINDOW_S * sample_rate)))
    energy = np.convolve(hp_window * hp_window, np.ones(n) / n, mode="same")
    lo, hi = max(0, at - int(round(BEFORE_S * sample_rate))), max(1, at - int(round(GAP_S * sample_rate)))
    background = float(np.median(energy[lo:hi])) if hi > lo else 0.0
    amp = np.sqrt(np.maximum(energy[at:at + int(round(PEAK_S * sample_rate))] - background, 0.0))
    peak = float(amp.max()) if amp.size else 0.0
    if peak <= 0.0:
        return 0.0, 0.0
    over_db = 10 * np.log10(peak * peak / background) if background > 0 else np.inf
    return int(np.argmax(amp >= RISE_SHARE * peak)) / sample_rate, float(over_db)


def unmask(samples: np.ndarray, sample_rate: int, beats_s: np.ndarray, on_onset: np.ndarray, *,
           highpass_hz: float) -> tuple[np.ndarray, np.ndarray]:
    """The beats with masked attacks moved to their start (module docstring).

    Parameters
    ----------
    samples : numpy.ndarray
        Mono audio, full scale 1.0, at ``sample_rate`` (Hz).
    beats_s : numpy.ndarray
        Beats (s) refined to the detector's onsets, in order.
    on_onset : numpy.ndarray of bool
        Per beat: it sits on an onset the detector found (only those are looked at).
    highpass_hz : float
        The detector's high-pass corner (Hz).

    Returns
    -------
    (beats_s, moved)
        The beats, and per beat whether it was moved.
    """
    x = np.asarray(samples, np.float64)
    sos = butter(4, highpass_hz / (sample_rate / 2), btype="highpass", output="sos")
    lead = int(round(0.1 * sample_rate))
    rises, overs = np.zeros(beats_s.size), np.zeros(beats_s.size)
    for i, b in enumerate(beats_s):
        if not on_onset[i]:
            continue
        at = int(round(b * sample_rate))
        start = max(0, at - lead)
        window = sosfilt(sos, x[start:at + int(round(PEAK_S * sample_rate)) + 1])
        rises[i], overs[i] = _rise(window, at - start, sample_rate)
    on = np.asarray(on_onset, bool)
    clean = on & (overs >= CLEAN_DB)
    out = np.asarray(beats_s, float).copy()
    moved = np.zeros(beats_s.size, bool)
    if not clean.any():
        return out, moved
    attack_s = float(np.median(rises[clean]))
    masked = on & (overs < MASKED_DB) & (rises < attack_s)
    out[masked] = out[masked] + rises[masked] - attack_s
    moved[masked] = True
    return np.maximum.accumulate(np.clip(out, 0.0, None)), moved
