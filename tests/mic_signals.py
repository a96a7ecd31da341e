"""Synthetic microphone recordings with known onsets (seeded), for the onset detector's tests and
benchmarks/mic_onsets.py.

A scene is a few seconds at 48 kHz of one kind of sound (finger taps, hand claps, drum hits)
played at known frames, through a room (direct sound plus an exponentially decaying reverb, RT60
0.4 s), with mains hum (50 or 60 Hz and its 3rd and 5th harmonics, 10 dB under the sounds) and
white noise at a given SNR. The SNR is the sounds' mean power over their first 20 ms (dry) over
the noise's power. Drum scenes also have the beat's clicks picked up by the microphone (bleed,
through another room, 3.5 ms after they were played) and carry the played clicks as the
``reference`` the detector may use; the drums are played near the clicks (from 40 ms before to
30 ms after, a quarter of them within 5 ms of a click).

The truth of an onset is the first sample of the dry sound (each starts with a 0.2 ms ramp,
not at full scale at once).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import butter, fftconvolve, sosfilt

SR = 48000
KINDS = ("taps", "claps", "drums")
SNRS_DB = (30, 20, 10)
TOLERANCE_S = 0.05


@dataclass(frozen=True)
class Scene:
    """One synthetic recording: ``x`` (the microphone), ``onsets`` (the truth, frames),
    ``reference`` (the played clicks as they leave the speaker, aligned to where their bleed
    starts at the microphone; None without bleed)."""

    name: str
    x: np.ndarray
    onsets: np.ndarray
    reference: np.ndarray | None


def _band_noise(rng, n, lo, hi):
    sos = butter(4, [lo / (SR / 2), hi / (SR / 2)], btype="bandpass", output="sos")
    return sosfilt(sos, rng.normal(0, 1, n + 2000))[2000:]


def _ramp(x):
    r = int(0.0002 * SR)
    x[:r] *= np.linspace(0, 1, r, endpoint=False)
    return x


def tap(rng):
    n = int(0.04 * SR)
    t = np.arange(n) / SR
    f = rng.uniform(600, 1200)
    body = np.sin(2 * np.pi * f * t) * np.exp(-t / 0.008)
    knock = _band_noise(rng, n, 800, 6000) * np.exp(-t / 0.002)
    x = 0.6 * body + 0.4 * knock / np.abs(knock).max()
    return _ramp(x / np.abs(x).max())


def clap(rng):
    n = int(0.08 * SR)
    t = np.arange(n) / SR
    noise = _band_noise(rng, n, 900, 3500)
    env = np.exp(-t / 0.012)
    for k in range(rng.integers(2, 4)):  # the palms' few first contacts, 1-3 ms apart
        at = int((k * rng.uniform(0.001, 0.003)) * SR)
        env += 0.8 * np.exp(-np.maximum(t - at / SR, 0) / 0.0008) * (t >= at / SR)
    x = noise * env
    return _ramp(x / np.abs(x).max())


def drum(rng):
    n = int(0.25 * SR)
    t = np.arange(n) / SR
    if rng.random() < 0.5:  # kick: a falling sine and the beater's click
        f = 50 + 110 * np.exp(-t / 0.03)
        x = np.sin(2 * np.pi * np.cumsum(f) / SR) * np.exp(-t / 0.12)
        x += 0.5 * _band_noise(rng, n, 1000, 8000) * np.exp(-t / 0.0015) / 3
    else:  # snare: a 190 Hz head and the wires' noise
        x = 0.6 * np.sin(2 * np.pi * 190 * t) * np.exp(-t / 0.05)
        x += _band_noise(rng, n, 1500, 9000) * np.exp(-t / 0.04) / 2
    return _ramp(x / np.abs(x).max())


def click():
    """The beat's click: a 1.5 kHz tone, 25 ms, decaying."""
    t = np.arange(int(0.025 * SR)) / SR
    return _ramp(np.sin(2 * np.pi * 1500 * t) * np.exp(-t / 0.006))


def room(rng, *, rt60_s=0.4, wet=0.5, n_s=0.6):
    """An impulse response: the direct sound (1 at frame 0), reflections from 3 ms on decaying
    by 60 dB in ``rt60_s``, their energy ``wet`` times the direct sound's."""
    n = int(n_s * SR)
    t = np.arange(n) / SR
    tail = rng.normal(0, 1, n) * np.exp(-6.9 * t / rt60_s) * (t >= 0.003)
    tail *= np.sqrt(wet / np.sum(tail ** 2))
    tail[0] = 1.0
    return tail


def hum(n, mains_hz, rms, rng):
    t = np.arange(n) / SR
    x = sum(a * np.sin(2 * np.pi * k * mains_hz * t + rng.uniform(0, 2 * np.pi))
            for k, a in ((1, 1.0), (3, 0.3), (5, 0.15)))
    return x * rms / np.sqrt(np.mean(x ** 2))


def scene(kind: str, snr_db: float, *, seed: int, seconds: float = 10.0, bleed: bool | None = None,
          events: bool = True) -> Scene:
    """One scene (see the module notes). ``bleed`` defaults to True for drums; ``events=False``
    leaves the sounds out (bleed, hum and noise alone)."""
    rng = np.random.default_rng(seed)
    n = int(seconds * SR)
    make = {"taps": tap, "claps": clap, "drums": drum}[kind]
    bleed = kind == "drums" if bleed is None else bleed
    dry = np.zeros(n)
    reference = None
    clicks = np.zeros(n)
    click_frames = np.arange(int(0.3 * SR), n - SR // 2, int(SR * 60 / 100))  # 100 BPM
    if bleed:
        c = click()
        for f in click_frames:
            clicks[f: f + c.size] += c
    truth = []
    if events:
        if bleed:  # played along with the beat
            for f in click_frames[1:]:
                near = rng.random() < 0.25
                off = rng.uniform(-0.005, 0.005) if near else rng.uniform(-0.04, 0.03)
                truth.append(int(f + off * SR))
        else:
            at = int(0.25 * SR)
            while at < n - SR // 2:
                truth.append(at)
                at += int(rng.uniform(0.25, 0.6) * SR)
    powers = []
    for f in truth:
        s = make(rng) * 10 ** (rng.uniform(-6, 0) / 20)
        dry[f: f + s.size] += s[: n - f]
        powers.append(np.mean(s[: int(0.02 * SR)] ** 2))
    ev_rms = 0.1  # the sounds' RMS over their first 20 ms, on average: -20 dBFS
    x = fftconvolve(dry, room(rng))[:n] * (ev_rms / np.sqrt(np.mean(powers)) if powers else 0.0)
    if bleed:
        latency = int(0.0035 * SR)
        bleed_x = fftconvolve(clicks, room(rng, wet=0.8))[:n] * ev_rms * 0.6
        x[latency:] += bleed_x[: n - latency]
        reference = np.zeros(n)
        reference[latency:] = clicks[: n - latency]
    x += hum(n, 50 if seed % 2 == 0 else 60, ev_rms * 10 ** (-10 / 20), rng)
    x += rng.normal(0, ev_rms * 10 ** (-snr_db / 20), n)
    return Scene(f"{kind}-snr{snr_db:g}-seed{seed}", x, np.asarray(truth, dtype=np.int64), reference)


def scenes(seed0: int = 14, *, kinds=KINDS, snrs_db=SNRS_DB) -> list[Scene]:
    """The set: every kind at every SNR, twice (one at 50 Hz, one at 60 Hz mains); ``kinds`` and
    ``snrs_db`` pick a part of it (the same scenes)."""
    return [scene(kind, snr, seed=seed0 * 100 + 10 * i + j)
            for i, kind in enumerate(KINDS) for snr in SNRS_DB for j in range(2) if kind in kinds and snr in snrs_db]


def match(truth_frames, found_frames, *, tolerance_s: float = TOLERANCE_S):
    """One-to-one matching within the tolerance, nearest first: (errors in ms of the matched,
    true positives, false positives, false negatives)."""
    truth = np.asarray(truth_frames, dtype=np.int64)
    found = np.asarray(found_frames, dtype=np.int64)
    tol = tolerance_s * SR
    pairs = sorted((abs(int(f) - int(t)), i, j) for i, t in enumerate(truth) for j, f in enumerate(found)
                   if abs(int(f) - int(t)) <= tol)
    used_t, used_f, errors = set(), set(), []
    for d, i, j in pairs:
        if i in used_t or j in used_f:
            continue
        used_t.add(i)
        used_f.add(j)
        errors.append((int(found[j]) - int(truth[i])) * 1000.0 / SR)
    tp = len(errors)
    return errors, tp, len(found) - tp, len(truth) - tp


def summary(results):
    """(median |error| ms, p95 |error| ms, F1, n true, n found) over (errors, tp, fp, fn) tuples."""
    errors = np.abs(np.concatenate([np.asarray(r[0], dtype=float) for r in results]))
    tp, fp, fn = (sum(r[k] for r in results) for k in (1, 2, 3))
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0
    return (float(np.median(errors)) if errors.size else float("nan"),
            float(np.percentile(errors, 95)) if errors.size else float("nan"), f1, tp + fn, tp + fp)


def song_scene(seed: int, *, seconds: float = 12.0, claps_too: bool = True) -> Scene:
    """A song as the cue (a reference that never pauses: overlapping chords on every eighth at
    100 BPM, a drum on every beat) whose bleed reaches the microphone through a room at 0.15 of
    its level, 3.5 ms after it was played, with hum and noise; hand claps (peak 0.5, the bleed's
    peak about 0.23) 0.3-0.7 s apart from 1.5 s on, unless ``claps_too`` is False."""
    rng = np.random.default_rng(seed)
    n = int(seconds * SR)
    song = np.zeros(n)
    t = np.arange(int(0.6 * SR)) / SR
    beat = int(SR * 60 / 100)
    for k, f in enumerate(range(0, n - t.size, beat // 2)):
        root = rng.choice([220.0, 246.9, 261.6, 293.7, 329.6])
        song[f: f + t.size] += 0.25 * sum(np.sin(2 * np.pi * root * r * t) for r in (1, 1.26, 1.5)) * np.exp(-t / 0.25)
        if k % 2 == 0:
            d = drum(rng)
            song[f: f + d.size] += 0.6 * d[: n - f]
    latency = int(0.0035 * SR)
    x = np.zeros(n)
    x[latency:] = (fftconvolve(song, room(rng))[:n] * 0.15)[: n - latency]
    reference = np.zeros(n)
    reference[latency:] = song[: n - latency]
    x += rng.normal(0, 0.001, n) + hum(n, 50, 0.003, rng)
    truth = []
    if claps_too:
        at = int(1.5 * SR)
        while at < n - SR // 2:
            truth.append(at)
            at += int(rng.uniform(0.3, 0.7) * SR)
        for f in truth:
            c = 0.5 * clap(rng)
            x[f: f + c.size] += c[: n - f]
    return Scene(f"song-seed{seed}", x, np.asarray(truth, dtype=np.int64), reference)
