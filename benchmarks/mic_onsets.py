"""Microphone onsets: accuracy on the synthetic set beside librosa's default onset detector, and
the detector's cost per 64-frame callback block.

Accuracy (``python -m benchmarks mic_onsets``): tests/mic_signals.py's scenes (taps, claps, drum
hits with click bleed; mains hum; room reverb; noise at 30/20/10 dB SNR; two seeds each), ours
(``detect_onsets``, the drums' played clicks as its reference) and
``librosa.onset.onset_detect(y=x, sr=48000)`` with its default parameters (times from its frames
with ``librosa.frames_to_time``), both scored the same way: one-to-one matches within 50 ms, the
median and 95th percentile of |error| over the matches, F1. The scenes' bleed alone (no sounds)
is counted too: any onset there is a false one. So are claps over a song whose bleed reaches the
microphone (``mic_signals.song_scene``: a reference that never pauses).

Cost (``python -m benchmarks mic_cost``): ``OnsetDetector.process`` on consecutive 64-frame blocks
of a 10 s drum scene (with the reference, as live) and a tap scene (without), per call: median
and 99th percentile of wall time, in the process that runs it (warm: after a first pass); and
the whole scene in one call, per sample (the kernel's work without the per-call overhead).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

TESTS = Path(__file__).resolve().parent.parent / "tests"
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

import mic_signals  # noqa: E402

from live.engine.onsets import BLOCK_FRAMES, OnsetDetector, detect_onsets  # noqa: E402

SR = mic_signals.SR


def _ours(sc) -> list[int]:
    return [o.frame for o in detect_onsets(sc.x, SR, reference=sc.reference)]


def _librosa(sc) -> list[int]:
    import librosa

    frames = librosa.onset.onset_detect(y=sc.x.astype(np.float32), sr=SR)
    return [int(round(t * SR)) for t in librosa.frames_to_time(frames, sr=SR)]


def _row(label, results):
    med, p95, f1, n_true, n_found = mic_signals.summary(results)
    return f"| {label} | {n_true} | {n_found} | {med:.2f} | {p95:.2f} | {f1:.3f} |"


def run() -> list[str]:
    scenes = mic_signals.scenes()
    per = {"ours": {}, "librosa": {}}
    for sc in scenes:
        kind, snr = sc.name.split("-")[:2]
        for name, fn in (("ours", _ours), ("librosa", _librosa)):
            per[name].setdefault((kind, snr), []).append(mic_signals.match(sc.onsets, fn(sc)))
    lines = ["| detector: scenes | onsets | found | median abs error ms | p95 abs error ms | F1 (50 ms) |",
             "|---|---:|---:|---:|---:|---:|"]
    for name in ("ours", "librosa"):
        for (kind, snr), res in per[name].items():
            lines.append(_row(f"{name}: {kind} {snr.replace('snr', 'SNR ')} dB", res))
        lines.append(_row(f"**{name}: all**", [r for res in per[name].values() for r in res]))
    songs = [mic_signals.song_scene(seed) for seed in (1, 2, 3)]
    lines += ["", "| claps over a song (its bleed at the microphone; 3 x 12 s) | onsets | found | median abs error ms | "
              "p95 abs error ms | F1 (50 ms) |", "|---|---:|---:|---:|---:|---:|",
              _row("ours, the song as reference", [mic_signals.match(sc.onsets, _ours(sc)) for sc in songs]),
              _row("librosa default", [mic_signals.match(sc.onsets, _librosa(sc)) for sc in songs])]
    bleed = [mic_signals.scene("drums", snr, seed=5, events=False) for snr in mic_signals.SNRS_DB]
    lines += ["", "| bleed alone (clicks, hum, reverb, noise; 3 x 10 s) | onsets found |", "|---|---:|",
              f"| ours, the played clicks as reference | {sum(len(_ours(sc)) for sc in bleed)} |",
              f"| ours, no reference | {sum(len(detect_onsets(sc.x, SR)) for sc in bleed)} |",
              f"| librosa default | {sum(len(_librosa(sc)) for sc in bleed)} |"]
    return lines


def _block_times(x, reference) -> np.ndarray:
    det = OnsetDetector(SR)
    times = []
    for at in range(0, x.size - BLOCK_FRAMES + 1, BLOCK_FRAMES):
        chunk = x[at: at + BLOCK_FRAMES]
        ref = None if reference is None else reference[at: at + BLOCK_FRAMES]
        t0 = time.perf_counter_ns()
        det.process(at, chunk, ref)
        times.append(time.perf_counter_ns() - t0)
    return np.asarray(times) / 1000.0


def run_cost() -> list[str]:
    drums = mic_signals.scene("drums", 20, seed=1)
    taps = mic_signals.scene("taps", 20, seed=1)
    _block_times(drums.x[: SR], drums.reference[: SR])  # warm (numba's cache loaded)
    lines = ["| input | blocks | median us per 64-frame block | p99 us | block period us (48 kHz) |",
             "|---|---:|---:|---:|---:|"]
    for label, sc, ref in (("drum scene, with the played clicks as reference", drums, drums.reference),
                           ("tap scene, no reference", taps, None)):
        t = _block_times(sc.x, ref)
        lines.append(f"| {label} | {t.size} | {np.median(t):.1f} | {np.percentile(t, 99):.1f} | "
                     f"{BLOCK_FRAMES / SR * 1e6:.0f} |")
    lines += ["", "| input, the whole 10 s in one call (the per-sample work alone; best of 3) | ns per sample |",
              "|---|---:|"]
    for label, sc, ref in (("drum scene, with the played clicks as reference", drums, drums.reference),
                           ("tap scene, no reference", taps, None)):
        best = min(_whole_time(sc.x, ref) for _ in range(3))
        lines.append(f"| {label} | {best / sc.x.size * 1e9:.1f} |")
    return lines


def _whole_time(x, reference) -> float:
    det = OnsetDetector(SR)
    t0 = time.perf_counter()
    det.process(0, x, reference)
    return time.perf_counter() - t0
