"""Microphone onset detection on synthetic signals (seeded)."""

import numpy as np
import pytest

from live.engine.onsets import OnsetDetector

SR = 48000


def _taps(frames, n, *, noise=0.002, seed=3, amp=0.5):
    rng = np.random.default_rng(seed)
    x = rng.normal(0, noise, n)
    t = np.arange(int(0.03 * SR)) / SR
    tap = amp * np.sin(2 * np.pi * 900 * t + np.pi / 2) * np.exp(-t / 0.006)  # sharp attack
    for f in frames:
        x[f: f + tap.size] += tap[: n - f]
    return x


def _run(x, chunks, **kw):
    det = OnsetDetector(SR, **kw)
    out, at = [], 0
    for size in chunks:
        out += det.process(at, x[at: at + size])
        at += size
    return out


@pytest.mark.parametrize("chunk", [64, 256, 1000, 4801])
def test_taps_are_found_at_their_first_sample_whatever_the_chunks(chunk):
    frames = [1000, 25000, 49001, 60000, 90007]
    x = _taps(frames, 100000)
    onsets = _run(x, [chunk] * (100000 // chunk + 1))
    assert [o.frame for o in onsets] == frames
    assert all(45 <= o.velocity <= 70 for o in onsets)  # peak 0.5 -> about 64


def test_ringing_within_the_refractory_window_is_one_tap_and_noise_is_none():
    x = _taps([1000, 1000 + 2400], 20000)  # 50 ms apart: inside the 100 ms window
    assert [o.frame for o in _run(x, [512] * 40)] == [1000]
    quiet = np.random.default_rng(1).normal(0, 0.004, 48000)
    assert _run(quiet, [256] * 188) == []


def test_the_threshold_follows_a_louder_noise_floor():
    loud = np.random.default_rng(2).normal(0, 0.01, 96000)  # |noise| median ~0.0067 -> level ~0.054
    det = OnsetDetector(SR, threshold=0.02)
    for at in range(0, 96000, 1000):
        det.process(at, loud[at: at + 1000])
    assert det.level > 0.04


def test_bad_threshold_is_refused():
    with pytest.raises(ValueError, match="threshold must be between 0 and 1"):
        OnsetDetector(SR, threshold=2)


def test_detect_onsets_over_a_whole_array_finds_what_the_stream_finds():
    from live.engine.onsets import detect_onsets

    frames = [1000, 25000, 49001, 60000, 90007]
    x = _taps(frames, 100000)
    onsets = detect_onsets(x, SR)
    assert [o.frame for o in onsets] == frames == [o.frame for o in _run(x, [64] * 1563)]
    assert [o.frame for o in detect_onsets(_taps([500, 99990], 100000), SR)] == [500, 99990]  # one at the very end
    with pytest.raises(ValueError, match="one channel"):
        detect_onsets(np.zeros((10, 2)), SR)
