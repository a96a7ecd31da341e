"""The song warp (live.songs.warp) side by side: Rubber Band (R2, crispness 6, with the click-track
correction) and the phase-vocoder fallback (librosa's loop over its STFT, 1024/128).

- Warp time per minute of song: the demo song (rendered from MIDI through live's sounds, 92 BPM,
  about a minute) warped cold (empty cache) onto 100 BPM ramping to 110 BPM, wall seconds per
  minute of input; then warm (from the cache).
- Beat placement: a click track at the song's beats warped with the same time map, its clicks
  found by the microphone's detector (``detect_onsets``, its defaults, over the whole warp): the
  error at each planned frame, median and max |error| in ms.
- Transient smearing of the warped clicks against the original click (the click starts on its
  full-scale sample): the attack's *rise time*, from where the click's envelope (|x| smoothed
  over 0.25 ms) first passes 10 % of its peak to where it first passes 90 % (ms), and its
  *spread*, the time in which the middle 80 % of its energy in the 40 ms around the planned
  frame arrives (ms); medians over the beats.
"""

from __future__ import annotations

import os
import tempfile
import time

import numpy as np

from live.songs import warp as W
from live.songs.demo_song import render_demo_song

SR = 48000


def _map(beats: np.ndarray, length: int) -> W.TimeMap:
    """The song's beats onto 100 BPM for 16 beats, then a ramp over 8 beats to 110 BPM."""
    n = beats.size
    iv = np.r_[np.full(16, 0.6), np.linspace(0.6, 60 / 110, 8), np.full(max(0, n - 25), 60 / 110)][: n - 1]
    lead = int(beats[0])
    tgt = np.round(lead + np.r_[0, np.cumsum(iv)] * SR).astype(int)
    end = int(tgt[-1] + (length - beats[-1]))
    return W.TimeMap((0,) + tuple(int(b) for b in beats) + (length,), (0,) + tuple(tgt.tolist()) + (end,))


def _smear(x: np.ndarray, planned: np.ndarray) -> tuple[float, float]:
    """Median rise time (ms from 10 % to 90 % of the click's peak envelope) and median spread (ms
    holding the middle 80 % of the energy of the 40 ms around the planned frame)."""
    env = np.convolve(np.abs(x), np.ones(12) / 12, mode="same")
    w = int(0.020 * SR)
    pre, spread = [], []
    for p in planned:
        seg = env[p - w: p + w]
        pre.append((int(np.argmax(seg >= 0.9 * seg.max())) - int(np.argmax(seg >= 0.1 * seg.max()))) * 1000 / SR)
        e = np.cumsum(x[p - w: p + w].astype(np.float64) ** 2)
        e /= e[-1]
        spread.append((np.searchsorted(e, 0.9) - np.searchsorted(e, 0.1)) * 1000 / SR)
    return float(np.median(pre)), float(np.median(spread))


def run() -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["XDG_CACHE_HOME"] = os.path.join(tmp, "cache")
        song = render_demo_song(tmp, tempo_bpm=92.0, bars=23, sample_rate=SR)
        beats = np.round(np.asarray(song.beats_s) * SR).astype(int) + SR // 2
        y = np.r_[np.zeros(SR // 2, dtype=np.float32), song.samples]
        keys = _map(beats[1:-1], y.size)
        minutes = y.size / SR / 60
        planned = np.asarray(keys.target_frames[keys.beats])
        clicks = W.click_track(np.asarray(keys.source_frames[keys.beats]), y.size, SR)
        ref_pre, ref_spread = _smear(clicks, np.asarray(keys.source_frames[keys.beats]))
        lines = [f"Demo song: {minutes * 60:.0f} s at 92 BPM ({planned.size} beats) onto 100 -> 110 BPM; "
                 f"the original click: rise time {ref_pre:.2f} ms, spread {ref_spread:.2f} ms.", "",
                 "| method | cold warp (s per minute of song) | warm (s) | rounds | click error median / max (ms) "
                 "| rise time (ms) | spread (ms) |", "|---|---|---|---|---|---|---|"]
        for method in W.METHODS:
            t0 = time.perf_counter()
            W.warp(y, SR, keys, method=method, source_key=f"bench-song-{method}")
            cold = time.perf_counter() - t0
            t0 = time.perf_counter()
            W.warp(y, SR, keys, method=method, source_key=f"bench-song-{method}")
            warm = time.perf_counter() - t0
            probe = W.warp(clicks, SR, keys, method=method)
            found = W.nearest_onsets(probe.samples, planned, SR)
            err = np.array([abs(e) if e is not None else np.inf for e in found]) * 1000 / SR
            pre, spread = _smear(probe.samples, planned)
            lines.append(f"| {method} | {cold / minutes:.1f} | {warm:.2f} | {probe.rounds} | "
                         f"{np.median(err):.3f} / {err.max():.3f} | {pre:.2f} | {spread:.2f} |")
        return lines


if __name__ == "__main__":
    print("\n".join(run()))
