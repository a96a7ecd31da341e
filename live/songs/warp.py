"""A song warped by a time map, so that its tracked beats land on planned frames, pitch kept.

A :class:`TimeMap` pairs source frames (the song's beats) with target frames (where they must
sound); between key frames the stretch is linear. Two methods do the stretch:

- ``"rubberband"``: Rubber Band's key-frame map (``pyrubberband.timemap_stretch`` over Debian's
  ``rubberband-cli``), its R2 engine with crispness 6 (``--no-lamination --window-short``: the
  shortest window, for drums). R2 places key frames to its processing hop, a few ms off, in a
  pattern set by the map (measured in docs/performance.md), so the error is measured and taken
  out: a click track with a click on
  every source beat is warped with the map, its clicks found by the microphone's
  sample-resolution detector (:func:`live.engine.onsets.detect_onsets` with :data:`DETECTOR`:
  its broadband band alone, measured faster and nearer in docs/performance.md), and each beat's key
  frame is moved by its click's error, until every click is within :data:`TOLERANCE_MS` (at
  most :data:`MAX_ROUNDS` rounds; the round whose worst click was nearest is kept); what is
  left is taken out by :func:`retime` (each beat's stretch taken that many frames later, 5 ms
  crossfades half-way between beats). The song is warped with that final map, and the beats'
  errors reported are those of the click track warped with the very same map.
- ``"phase-vocoder"``: the fallback when ``rubberband`` is missing: librosa's phase vocoder
  (its loop, over librosa's STFT) stepped through the source by the time map instead of at one
  rate, with the same click-track correction. Its 1024-frame window smears transients (see
  docs/performance.md for both methods side by side).

Renders are cached on disk (``$XDG_CACHE_HOME/live/warp``, default ``~/.cache``), keyed by the
source's key (the song's content hash and segment), the time map, the method and the rate.

Realtime-safe: no (runs before a session).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from live.engine.bank import synth_click
from live.engine.files import create_private, open_private
from live.engine.onsets import detect_onsets

__all__ = ["DETECTOR", "METHODS", "MAX_ROUNDS", "TOLERANCE_MS", "TimeMap", "Warped", "cache_dir", "choose_method",
           "click_track", "nearest_onsets", "probe_errors_frames", "retime", "stretch", "warp"]

METHODS = ("rubberband", "phase-vocoder")
WARP_VERSION = 3               # part of every cache key: bump when warping changes
TOLERANCE_MS = 0.25            # a click within this of its planned frame needs no more correction
MAX_ROUNDS = 4                 # click-track corrections of the key frames at most
RUBBERBAND_ARGS = {"--crisp": "6"}
PV_FFT, PV_HOP = 1024, 128     # the phase vocoder's window and hop (measured: docs/performance.md)
_PV_CHUNK = 512                # output frames computed at once
_PROBE_THRESHOLD = 0.05        # the click track's clicks peak at 0.6; found where they first pass this
DETECTOR = {"low_band": False}  # the detector's broadband band alone (docs/performance.md, "warp")
_SEARCH_MS = 25.0              # a click further than this from its planned frame is not taken as its own
FALLBACK_LINE = ("Rubber Band (rubberband-cli) is not installed: the song is warped with librosa's phase "
                 "vocoder (softer attacks); install it: sudo apt-get install rubberband-cli")


@dataclass(frozen=True, slots=True)
class TimeMap:
    """Key frames of a warp: ``source_frames[i]`` of the input sounds at ``target_frames[i]`` of the
    output, linear in between; both strictly increasing, the first pair ``(0, 0)``, the last the
    input's and the output's lengths (frames at the warp's sample rate)."""

    source_frames: tuple[int, ...]
    target_frames: tuple[int, ...]

    def __post_init__(self) -> None:
        s, t = np.asarray(self.source_frames), np.asarray(self.target_frames)
        if s.size != t.size or s.size < 2:
            raise ValueError("a time map needs as many source as target frames, at least two")
        if s[0] != 0 or t[0] != 0:
            raise ValueError("a time map starts at (0, 0)")
        if np.any(np.diff(s) <= 0) or np.any(np.diff(t) <= 0):
            raise ValueError("a time map's frames must increase")

    @property
    def beats(self) -> slice:
        """The key frames between the two ends (the beats)."""
        return slice(1, len(self.source_frames) - 1)

    def with_targets(self, target_frames: np.ndarray) -> "TimeMap":
        return TimeMap(self.source_frames, tuple(int(v) for v in target_frames))


@dataclass(frozen=True, slots=True)
class Warped:
    """A warp's result.

    Attributes
    ----------
    samples : numpy.ndarray
        float32, ``time_map.target_frames[-1]`` frames.
    method : str
        ``"rubberband"`` or ``"phase-vocoder"``.
    keys : TimeMap
        The map the stretch was given (the beats' key frames corrected).
    beat_errors_frames : tuple of int
        Each beat's click (the click track warped with ``keys``) minus its planned frame.
    rounds : int
        Stretches of the click track it took.
    cached : bool
    """

    samples: np.ndarray
    method: str
    keys: TimeMap
    beat_errors_frames: tuple[int, ...]
    rounds: int
    cached: bool = False


def cache_dir() -> Path:
    """Where warped songs are kept: ``$XDG_CACHE_HOME/live/warp`` (default ``~/.cache``)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "live" / "warp"


def choose_method(method: str = "auto", *, log: Callable[[str], None] = lambda line: None) -> str:
    """``"rubberband"`` when ``rubberband`` is on the PATH (for ``"auto"``), else the phase vocoder
    with one line to ``log`` saying so; a named method as it is.

    Raises
    ------
    ValueError
        For a method not in :data:`METHODS` (or ``"auto"``).
    """
    if method == "auto":
        if shutil.which("rubberband"):
            return "rubberband"
        log(FALLBACK_LINE)
        return "phase-vocoder"
    if method not in METHODS:
        raise ValueError(f"warp method must be auto or one of: {', '.join(METHODS)}; got {method!r}")
    return method


def click_track(beat_frames: np.ndarray, length_frames: int, sample_rate: int) -> np.ndarray:
    """A click (:func:`live.engine.bank.synth_click`, starting on its full-scale sample) at every
    frame of ``beat_frames``, ``length_frames`` long (float32)."""
    click = synth_click(sample_rate)
    out = np.zeros(length_frames, dtype=np.float32)
    for f in np.asarray(beat_frames, dtype=np.int64):
        end = min(length_frames, f + click.size)
        if 0 <= f < end:
            out[f:end] += click[: end - f]
    return out


def nearest_onsets(samples: np.ndarray, planned: np.ndarray, sample_rate: int, *, search_ms: float = 25.0,
                   **params) -> np.ndarray:
    """Each planned frame's nearest onset minus the planned frame: the microphone's detector
    (:func:`live.engine.onsets.detect_onsets`, ``params``) run over the whole of ``samples`` (its
    noise floor and filters need what came before); a frame with no onset within ``search_ms``
    gets None."""
    found = np.array([o.frame for o in detect_onsets(samples, sample_rate, **params)], dtype=np.int64)
    limit = search_ms * sample_rate / 1000.0
    out = []
    for p in np.asarray(planned, dtype=np.int64):
        if found.size == 0:
            out.append(None)
            continue
        j = int(np.searchsorted(found, p))
        best = min((found[i] - p for i in (j - 1, j) if 0 <= i < found.size), key=abs)
        out.append(int(best) if abs(best) <= limit else None)
    return np.array(out, dtype=object)


def probe_errors_frames(warped_clicks: np.ndarray, planned: np.ndarray, sample_rate: int) -> np.ndarray:
    """Each planned frame's click (:func:`nearest_onsets` over the warped click track) minus the
    planned frame; a beat with no click within :data:`_SEARCH_MS` gets that limit (never 0)."""
    limit = int(round(_SEARCH_MS * sample_rate / 1000.0))
    found = nearest_onsets(warped_clicks, planned, sample_rate, search_ms=_SEARCH_MS, threshold=_PROBE_THRESHOLD,
                           **DETECTOR)
    return np.array([limit if e is None else e for e in found], dtype=np.int64)


def stretch(samples: np.ndarray, sample_rate: int, keys: TimeMap, method: str) -> np.ndarray:
    """``samples`` (1-D) stretched by ``keys`` with ``method``, exactly ``keys.target_frames[-1]``
    frames (float32)."""
    y = np.ascontiguousarray(samples, dtype=np.float32)
    if keys.source_frames[-1] != y.size:
        raise ValueError(f"the time map ends at source frame {keys.source_frames[-1]}, the audio has {y.size}")
    n = keys.target_frames[-1]
    if method == "rubberband":
        import pyrubberband

        out = pyrubberband.timemap_stretch(y, sample_rate, list(zip(keys.source_frames, keys.target_frames)),
                                           rbargs=dict(RUBBERBAND_ARGS))
    elif method == "phase-vocoder":
        out = _phase_vocoder(y, keys)
    else:
        raise ValueError(f"no warp method {method!r}; there are: {', '.join(METHODS)}")
    out = np.asarray(out, dtype=np.float32).reshape(-1)[:n]
    return np.pad(out, (0, n - out.size)) if out.size < n else out


def retime(samples: np.ndarray, planned: np.ndarray, errors: np.ndarray, sample_rate: int) -> np.ndarray:
    """``samples`` with the stretch of each beat (from half-way after the beat before to half-way
    to the next) taken ``errors[i]`` frames later, so what sounded ``errors[i]`` off its planned
    frame sounds on it; 5 ms crossfades where the stretches meet, half-way between beats."""
    errors = np.asarray(errors, dtype=np.int64)
    if not np.any(errors):
        return samples
    planned = np.asarray(planned, dtype=np.int64)
    n, xf = samples.size, int(round(0.005 * sample_rate))
    cuts = np.concatenate([[0], (planned[:-1] + planned[1:]) // 2, [n]])
    out = np.zeros(n, dtype=np.float32)
    ramp = np.linspace(0.0, 1.0, 2 * xf, dtype=np.float32)
    for i, e in enumerate(errors):
        lo, hi = max(0, cuts[i] - (xf if i else 0)), min(n, cuts[i + 1] + (xf if i + 1 < errors.size else 0))
        idx = np.clip(np.arange(lo, hi) + e, 0, n - 1)
        piece = samples[idx].astype(np.float32)
        if i:
            piece[: 2 * xf] *= ramp[: piece[: 2 * xf].size]
        if i + 1 < errors.size:
            piece[-2 * xf:] *= ramp[::-1][-piece[-2 * xf:].size:]
        out[lo:hi] += piece
    return out


def _phase_vocoder(y: np.ndarray, keys: TimeMap) -> np.ndarray:
    """librosa's phase vocoder (``librosa.phase_vocoder``'s loop) with its source position at each
    output frame read from the time map, not one rate: output frame ``t`` (centred at ``t * hop``)
    takes the source's STFT interpolated at ``map^-1(t * hop) / hop``."""
    import librosa

    n_out = keys.target_frames[-1]
    D = librosa.stft(y, n_fft=PV_FFT, hop_length=PV_HOP)
    t_out = np.arange(1 + n_out // PV_HOP) * PV_HOP
    steps = np.interp(t_out, keys.target_frames, keys.source_frames) / PV_HOP
    steps = np.clip(steps, 0, D.shape[1] - 1)
    phi_advance = np.linspace(0, np.pi * PV_HOP, D.shape[0])[:, None]
    D = np.pad(D, [(0, 0), (0, 2)])
    out = np.empty((D.shape[0], steps.size), dtype=D.dtype)
    phase = np.angle(D[:, 0])
    for at in range(0, steps.size, _PV_CHUNK):  # vectorised over a chunk of frames, the phase carried
        step = steps[at: at + _PV_CHUNK]
        i = step.astype(np.int64)
        alpha = step - i
        c0, c1 = D[:, i], D[:, i + 1]
        dphase = np.angle(c1) - np.angle(c0) - phi_advance
        dphase -= 2.0 * np.pi * np.round(dphase / (2.0 * np.pi))
        advance = np.cumsum(phi_advance + dphase, axis=1)
        phases = phase[:, None] + np.concatenate([np.zeros((D.shape[0], 1)), advance[:, :-1]], axis=1)
        out[:, at: at + step.size] = ((1.0 - alpha) * np.abs(c0) + alpha * np.abs(c1)) * np.exp(1j * phases)
        phase = phase + advance[:, -1]
    return librosa.istft(out, hop_length=PV_HOP, n_fft=PV_FFT, length=n_out)


def _cache_key(source_key: str, time_map: TimeMap, method: str, sample_rate: int) -> str:
    doc = {"v": WARP_VERSION, "source": source_key, "method": method, "rate": sample_rate,
           "rb": RUBBERBAND_ARGS if method == "rubberband" else None, "tol": TOLERANCE_MS, "rounds": MAX_ROUNDS,
           "map": [list(time_map.source_frames), list(time_map.target_frames)]}
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:32]


def warp(samples: np.ndarray, sample_rate: int, time_map: TimeMap, *, method: str = "auto",
         source_key: str | None = None, cache: Path | None = None,
         log: Callable[[str], None] = lambda line: None) -> Warped:
    """``samples`` warped so that each beat key frame of ``time_map`` lands on its target frame.

    Parameters
    ----------
    samples : numpy.ndarray
        One channel at ``sample_rate``, ``time_map.source_frames[-1]`` frames.
    sample_rate : int
        Frames per second of the input and the output.
    time_map : TimeMap
        Source frame -> planned target frame; the keys between the ends are the beats.
    method : str
        ``"auto"`` (Rubber Band when installed, else the phase vocoder, said in one line to
        ``log``), ``"rubberband"`` or ``"phase-vocoder"``.
    source_key : str, optional
        What identifies ``samples`` (a song's content hash and segment); with it the render is
        cached in ``cache`` (default :func:`cache_dir`).
    log : callable
        The fallback's line.

    Returns
    -------
    Warped
    """
    method = choose_method(method, log=log)
    path = None
    if source_key is not None:
        path = (cache or cache_dir()) / f"{_cache_key(source_key, time_map, method, sample_rate)}.npz"
        try:
            with np.load(path) as z:
                return Warped(z["samples"], method, TimeMap(tuple(z["src"].tolist()), tuple(z["dst"].tolist())),
                              tuple(z["errors"].tolist()), int(z["rounds"]), cached=True)
        except (OSError, KeyError, ValueError):
            pass
    beats = time_map.beats
    planned = np.asarray(time_map.target_frames[beats], dtype=np.int64)
    probe = click_track(np.asarray(time_map.source_frames[beats]), len(samples), sample_rate)
    targets = np.asarray(time_map.target_frames, dtype=np.int64)
    tol = TOLERANCE_MS * sample_rate / 1000.0
    best: tuple[float, TimeMap, np.ndarray] | None = None
    rounds = 0
    for rounds in range(1, MAX_ROUNDS + 1):
        keys = time_map.with_targets(targets)
        errors = probe_errors_frames(stretch(probe, sample_rate, keys, method), planned, sample_rate)
        worst = float(np.max(np.abs(errors))) if errors.size else 0.0
        if best is None or worst < best[0]:
            best = (worst, keys, errors)
        if worst <= tol:
            break
        moved = targets.copy()
        moved[beats] = moved[beats] - errors
        if np.any(np.diff(moved) <= 0):
            break  # a correction that would reorder key frames is not made
        targets = moved
    _, keys, errors = best  # the round whose clicks were nearest their frames
    song = retime(stretch(samples, sample_rate, keys, method), planned, errors, sample_rate)
    errors = probe_errors_frames(retime(stretch(probe, sample_rate, keys, method), planned, errors, sample_rate),
                                 planned, sample_rate)
    out = Warped(song, method, keys, tuple(int(e) for e in errors), rounds)
    if path is not None:
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        create_private(tmp)  # its folders made 0700
        with open_private(tmp) as f:
            np.savez(f, samples=out.samples, src=np.asarray(keys.source_frames), dst=np.asarray(keys.target_frames),
                     errors=np.asarray(errors), rounds=rounds)
        os.replace(tmp, path)
    return out
