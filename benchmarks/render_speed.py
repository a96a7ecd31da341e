"""Offline render speed (real-time factor) with 64 voices sounding for the whole render.

Peer, in the same run: the same mixing done per block in Python with numpy slices (what a
Python sounddevice callback would do), to show what the compiled callback buys.
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from live.engine.bank import Bank
from live.engine.drivers import OfflineDriver
from live.engine.sampler import SamplerState

SR = 48000
VOICES = 64
SECONDS = 10.0


def _bank() -> Bank:
    t = np.arange(int((SECONDS + 1) * SR)) / SR
    return Bank({"tone": (0.01 * np.cos(2 * np.pi * 220 * t)).astype(np.float32)}, sample_rate=SR)


def compiled(block_frames: int, repeats: int = 5, *, releasing: bool = False) -> dict:
    """``releasing``: every voice in a release (a note-off's linear fade) spanning the whole
    render, so every sample takes the mixer's fade-and-release path (sustained notes' worst case)."""
    bank = _bank()
    rtfs = []
    for _ in range(repeats):
        state = SamplerState(bank, channels=2, n_voices=VOICES)
        driver = OfflineDriver(state, sample_rate=SR)
        for v in range(VOICES):
            release = {"end_frame": v, "release_frames": bank.data.size, "key": v} if releasing else {}
            state.push(frame=v, bank_start=0, length_frames=bank.data.size, gain=0.5, **release)
        n_blocks = int(SECONDS * SR) // block_frames
        t0 = time.perf_counter()
        driver.render(block_frames, n_blocks)
        elapsed = time.perf_counter() - t0
        assert state.stats()["active_max"] == VOICES and int(state.voices[:, 0].sum()) == VOICES
        rtfs.append(n_blocks * block_frames / SR / elapsed)
    return {"block_frames": block_frames, "rtf_median": statistics.median(rtfs), "rtf_min": min(rtfs)}


def numpy_peer(block_frames: int) -> dict:
    """The same job in Python: per block, add each voice's slice with numpy."""
    bank = _bank().data
    starts = np.arange(VOICES)
    seconds = 2.0
    n_blocks = int(seconds * SR) // block_frames
    out = np.zeros((block_frames, 2), np.float32)
    t0 = time.perf_counter()
    for b in range(n_blocks):
        at = b * block_frames
        out[:] = 0
        for s in starts:
            lo = max(at, s)
            if lo < at + block_frames:
                seg = bank[lo - s: at + block_frames - s] * np.float32(0.5)
                out[lo - at:, 0] += seg
                out[lo - at:, 1] += seg
    elapsed = time.perf_counter() - t0
    return {"block_frames": block_frames, "rtf_median": n_blocks * block_frames / SR / elapsed}


def run() -> list[str]:
    rows = ["| offline render, 64 voices, 2 ch, 48 kHz | block | real-time factor (median of 5; min) |",
            "|---|---|---|"]
    for bf in (64, 256):
        r = compiled(bf)
        rows.append(f"| numba sampler callback (OfflineDriver) | {bf} | {r['rtf_median']:.0f}x ({r['rtf_min']:.0f}x) |")
    for bf in (64, 256):
        r = compiled(bf, releasing=True)
        rows.append(f"| numba sampler callback (OfflineDriver), every voice releasing | {bf} | "
                    f"{r['rtf_median']:.0f}x ({r['rtf_min']:.0f}x) |")
    for bf in (64, 256):
        r = numpy_peer(bf)
        rows.append(f"| peer: Python + numpy per-block mixing | {bf} | {r['rtf_median']:.1f}x |")
    return rows


if __name__ == "__main__":
    print("\n".join(run()))
