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
- Rubber Band's options on a song's own attacks: two simulated sessions on the tests' drum song
  (a click on each beat, a hi-hat half-way; 92 BPM with 10 ms SD rubato: ``tests/song_helpers``),
  one at 110 BPM with a 2 s baseline and a 60 ms phase shift at beat 8 (20 beats), one at 100 BPM
  in two RAS steps with a ramp, a fade and a continuation (24 beats), rendered with each option
  set (the whole warp: click-track correction, retime, the render's alignment); every scored
  beat's attack found by the detector in the session's WAV: how many are more than 1 ms off
  their planned frame, and the worst (ms). Two more rows change the time map, not the options:
  each beat's key frame moved 10 or 25 ms before the beat along the stretch before it (so the
  ratio changes before the attack, not on it; the click-track correction then puts the beats
  back on their frames).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

from live.songs import warp as W
from live.songs.demo_song import render_demo_song

SR = 48000
TESTS = Path(__file__).resolve().parent.parent / "tests"
OPTIONS = (  # Rubber Band (rubberband-cli 3.1) option sets: live's first
    {"--crisp": "6"},
    {"--crisp": "6", "--detector-perc": ""},
    {"--no-lamination": "", "--window-short": "", "--detector-soft": ""},
    {"--no-lamination": "", "--window-short": "", "--bl-transients": ""},
    {"--no-lamination": "", "--window-short": "", "--no-transients": ""},
    {"--crisp": "6", "--smoothing": ""},
    {"--crisp": "5"},
    {"--fine": ""},
)
EARLY_KEYS_MS = (10.0, 25.0)  # the time-map rows: live's options, each key frame this much before its beat
SESSIONS = {
    "110 BPM, phase shift": dict(tempo_bpm=110, beats=20, baseline_s=2.0, perturbation="phase", phase_shift_ms=60,
                                 perturb_beats=(8,), count_in_beats=2, song="Test Song"),
    "100 -> 110 BPM, ramp": dict(tempo_bpm=100, beats=12, tempo_steps_pct=(0.0, 10.0), ramp_beats=4, fade_beats=3,
                                 continuation_beats=4, count_in_beats=4, song="Test Song"),
}


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
    """Both tables: the methods side by side, then Rubber Band's options on a song's attacks."""
    return run_methods() + [""] + run_options()


def run_methods() -> list[str]:
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


def _session_errors_ms(params: dict, folder: Path) -> np.ndarray:
    """Each scored beat's attack in a simulated session's WAV, ms from its planned frame."""
    if str(TESTS) not in sys.path:
        sys.path.insert(0, str(TESTS))
    from song_helpers import add_song

    from live.activities.entrainment import EntrainmentParams
    from live.activities.entrainment.song_cue import plan_song
    from live.engine.onsets import detect_onsets
    from live.presets import Preset
    from live.run.offline import LoopTiming, simulate_session
    from live.store.store import Store

    rng = np.random.default_rng(3)  # the tests' song: 30 beats at 92 BPM, 10 ms SD rubato, from 0.7 s
    beats = 0.7 + np.cumsum(np.r_[0.0, 60.0 / 92.0 + rng.normal(0.0, 0.01, 29)])
    with Store.open(folder / "s.db") as store:
        add_song(store, beats)
        preset = Preset("bench", Path("bench.toml"), "entrainment", "Song", "Benchmark", EntrainmentParams(**params),
                        params)
        out = simulate_session(preset, store=store, wav_dir=folder)
    with wave.open(str(out.wav_path)) as w:
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2") / 32767.0
    plan = plan_song(EntrainmentParams(**params), SR)
    origin = LoopTiming().start_frame + round(params.get("baseline_s", 0.0) * SR)
    planned = np.array([origin + plan.frame(k) for k in range(plan.n_beats)])
    found = np.array([o.frame for o in detect_onsets(pcm, SR)])
    return np.array([found[np.argmin(np.abs(found - f))] - f for f in planned]) * 1000 / SR


def _early_keys(stretch, early_ms: float):
    """``stretch`` with each inner key frame moved ``early_ms`` earlier along the stretch before it."""
    def moved(samples: np.ndarray, sample_rate: int, keys: W.TimeMap, method: str) -> np.ndarray:
        s, t = np.asarray(keys.source_frames, float), np.asarray(keys.target_frames, float)
        d, ratio = early_ms * sample_rate / 1000, np.diff(t) / np.diff(s)
        s[1:-1], t[1:-1] = s[1:-1] - d, t[1:-1] - d * ratio[:-1]
        return stretch(samples, sample_rate, W.TimeMap(tuple(np.round(s).astype(int).tolist()),
                                                       tuple(np.round(t).astype(int).tolist())), method)
    return moved


def run_options() -> list[str]:
    """Rubber Band's option sets on the song's own attacks in whole sessions (module docstring)."""
    lines = ["| Rubber Band options | " + " | ".join(f"{name}: beats > 1 ms off, worst (ms)" for name in SESSIONS) + " |",
             "|---|" + "---|" * len(SESSIONS)]
    kept, stretch = W.RUBBERBAND_ARGS, W.stretch
    try:
        for options, early_ms in [(o, 0.0) for o in OPTIONS] + [(kept, e) for e in EARLY_KEYS_MS]:
            W.RUBBERBAND_ARGS = options
            W.stretch = _early_keys(stretch, early_ms) if early_ms else stretch
            cells = []
            for params in SESSIONS.values():
                with tempfile.TemporaryDirectory() as tmp:
                    os.environ["XDG_CACHE_HOME"] = os.path.join(tmp, "cache")
                    err = _session_errors_ms(params, Path(tmp))
                worst = int(np.argmax(np.abs(err)))
                cells.append(f"{int(np.sum(np.abs(err) > 1.0))} of {err.size}, {err[worst]:+.2f} (beat {worst})")
            label = " ".join(f"{k} {v}".strip() for k, v in options.items())
            label += f", key frames {early_ms:g} ms before the beats" if early_ms else (" (live)" if options == kept else "")
            lines.append(f"| `{label}` | " + " | ".join(cells) + " |")
    finally:
        W.RUBBERBAND_ARGS, W.stretch = kept, stretch
    return lines


if __name__ == "__main__":
    print("\n".join(run()))
