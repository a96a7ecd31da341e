"""Entrainment metrics: how fast (a 60-minute session) and how accurate (simulated clients with
known parameters, run through the offline engine and the session runner, i.e. the real scoring
path).

    python -m benchmarks metrics       time of the per-phase summary of a 60-minute session
    python -m benchmarks entrainment   recovery of alpha, drift and tempo following (~1 min)
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from live.activities.types import ActivityContext
from live.activities.entrainment import Entrainment, EntrainmentParams
from live.engine.bank import default_bank
from live.presets import Preset
from live.run.offline import LoopTiming, simulate_session
from live.store.store import Store
from live.sim.tapper import SimulatedTapper, TapperParams

SR = 48000
FAST = LoopTiming(block_frames=2048, control_period_frames=2048, flush_period_frames=60 * SR)


def _session_activity(minutes: float, params: dict) -> Entrainment:
    """An entrainment run of ``minutes`` at 100 BPM, every beat planned and every tap of a
    simulated client scored as it arrives (no audio: only the metrics are timed)."""
    act = Entrainment(EntrainmentParams(tempo_bpm=100, duration_s=minutes * 60, **params))
    act.start(ActivityContext(SR, 0, frozenset(default_bank(SR).slices)))
    tapper = SimulatedTapper(TapperParams(seed=1), sample_rate=SR)
    sounds = list(act.plan(10**12))
    for sound in sounds:
        tapper.hear(sound)
    interval = act.beat_frames[-1] - act.beat_frames[-2]
    end = act.beat_frames[-1] + interval * (1 + act.continuation_beats)  # the continuation's taps too
    for tap in tapper.inputs_before(end, heard_until_frame=end):
        act.on_input(tap)
    return act


def run_metrics() -> list[str]:
    rows = ["| 60-minute session at 100 BPM (6000 beats, ~6000 taps) | median of 5 | max |", "|---|---|---|"]
    cases = [
        ("one cued phase: SMS summary + bGLS alpha, overall and per phase", {}),
        ("three 20-minute tempo steps + 500-beat continuation + 40 phase shifts with recovery",
         dict(tempo_steps_pct=(0, 5, 10), continuation_beats=500, perturbation="phase", phase_shift_ms=40,
              random_perturbations=40)),
    ]
    for label, params in cases:
        act = _session_activity(60 if not params else 20, params)
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            summary = act.summary()
            times.append(time.perf_counter() - t0)
        n = summary.metrics["n_beats"]
        rows.append(f"| {label} ({n} beats, {len(act.final_responses())} taps) | {statistics.median(times) * 1000:.0f} ms "
                    f"| {max(times) * 1000:.0f} ms |")
    return rows


def _preset(**params) -> Preset:
    return Preset("bench", Path("bench.toml"), "entrainment", "Bench", "Benchmark", EntrainmentParams(**params), params)


def run_accuracy() -> list[str]:
    rows = ["| what (simulated clients through the offline engine and runner) | true | recovered | target |",
            "|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as tmp, Store.open(Path(tmp) / "bench.db") as store:
        for alpha, sd_t, sd_m in ((0.3, 20, 5), (0.5, 20, 5), (0.4, 15, 8)):
            est = []
            for seed in range(50):
                out = simulate_session(_preset(tempo_bpm=120, beats=300), store=store, timing=FAST,
                                       seed=seed, settings=dict(alpha=alpha, timekeeper_sd_ms=sd_t, motor_sd_ms=sd_m))
                est.append(out.summary.phases["cue"]["alpha"])
            err = np.array(est) - alpha
            target = "mean error within +/-0.02, 90 % within 0.1" if (alpha, sd_t, sd_m) == (0.3, 20, 5) else "(for comparison)"
            rows.append(f"| alpha by bGLS, 50 clients x 300 beats at 120 BPM, sigma_T {sd_t} ms, sigma_M {sd_m} ms | "
                        f"{alpha} | mean error {err.mean():+.3f}, SD {err.std(ddof=1):.3f}, "
                        f"{100 * np.mean(np.abs(err) <= 0.1):.0f} % within 0.1 | {target} |")
        for drift in (0.5, -0.3):
            est = []
            for seed in range(10):
                out = simulate_session(_preset(tempo_bpm=120, beats=30, fade_beats=4, continuation_beats=150),
                                       store=store, timing=FAST, seed=seed, settings=dict(drift_ms_per_tap=drift))
                est.append(out.summary.phases["continuation"]["drift_ms_per_tap"])
            err = np.array(est) - drift
            rows.append(f"| continuation drift, 10 clients, 150 continuation beats at 120 BPM | {drift:+g} ms/tap | "
                        f"max error {np.abs(err).max():.3f} ms/tap | <= 0.2 ms/tap |")
        client = dict(alpha=0.0, follows_cue_period=False, period_ms=600, drift_ms_per_tap=0.15)
        for gain in (0.0, 0.5):
            ratios = []
            for seed in range(10):
                out = simulate_session(_preset(tempo_bpm=100, beats=200, adaptive_gain=gain, adaptive_min_bpm=60,
                                               adaptive_max_bpm=140),
                                       store=store, timing=FAST, seed=seed, settings=client)
                ratios.append(out.summary.phases["cue"]["tempo_following_ratio"])
            rows.append(f"| tempo-following ratio, adaptive gain {gain:g}, 10 clients drifting 600 -> 630 ms "
                        f"(no phase correction) | - | {min(ratios):.3f} .. {max(ratios):.3f} | "
                        f"{'within 0.02 of 1' if gain else '(gain 0: the client leaves the beat)'} |")
    return rows


if __name__ == "__main__":
    print("\n".join(run_metrics() + [""] + run_accuracy()))
