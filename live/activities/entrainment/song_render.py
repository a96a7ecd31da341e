"""The song cue rendered before the session: the song warped per RAS step onto the planned beat
frames (:mod:`live.songs.warp`), cut into the bank's slices, one per beat, meeting half-way
between beats (:meth:`~live.activities.entrainment.song_cue.SongPlan.slice_start`).

The song's beats are used from its first downbeat on, so the count-in starts a bar. When the
run needs more beats than the song has, whole bars of it are looped (10 ms crossfades just
before each loop's first beat, so that beat's attack is the song's own). Each step
(:class:`~live.activities.entrainment.song_cue.SongStep`, its ramp included) is one warp of its
stretch of the song, with half a second more on either side so the stretch settles before the
first beat and after the last. Slices meet with 10 ms crossfades half-way between beats (away
from the attacks), from one step's warp to the next's too, and each is cut so that the song's own
attack at its beat sounds on the beat's frame (:func:`_aligned_slices`). The fade-out of
``fade_beats`` is baked in, linear between the beats' gains, and the song stops before the beat
after the last: a continuation is silent.

Realtime-safe: no (before the session).
"""

from __future__ import annotations

import sys
import time
from typing import Callable

import numpy as np

from live.activities.entrainment.song_cue import CROSSFADE_S, SongPlan
from live.songs.library import Song
from live.songs.warp import TimeMap, nearest_onsets, warp

__all__ = ["read_song", "render_song_cue", "source_beats"]

_MARGIN_S = 0.5
_ALIGN_SEARCH_S = 0.010   # a song's attack this near its beat is the beat's
_ALIGN_ROUNDS = 4


def read_song(song: Song, sample_rate: int) -> np.ndarray:
    """The song's audio, mono float32 at ``sample_rate`` (resampled by librosa when it differs)."""
    from live.songs.audio import read_audio

    audio = read_audio(song.audio_path)
    mono, rate = audio.samples, audio.sample_rate
    if rate != sample_rate:
        import librosa

        mono = librosa.resample(mono, orig_sr=rate, target_sr=sample_rate).astype(np.float32)
    return mono


def _joined(a: np.ndarray, b: np.ndarray, xf: int) -> np.ndarray:
    """``a`` then ``b``, the last ``xf`` frames of ``a`` crossfaded with the first ``xf`` of ``b``
    (so ``b[xf]`` lands at ``a.size``)."""
    if xf <= 0:
        return np.concatenate([a, b]).astype(np.float32)
    ramp = np.linspace(0.0, 1.0, xf, dtype=np.float32)
    mid = a[-xf:] * ramp[::-1] + b[:xf] * ramp
    return np.concatenate([a[:-xf], mid, b[xf:]]).astype(np.float32)


def source_beats(song: Song, audio: np.ndarray, sample_rate: int, n_needed: int) -> tuple[np.ndarray, np.ndarray]:
    """The audio the cue is cut from and the frames of its first ``n_needed`` beats in it: the
    song from half a second before its first downbeat, whole bars looped when it is too short.

    Raises
    ------
    ValueError
        A song with fewer than two beats after its first downbeat.
    """
    beats = np.asarray(song.beats_s, dtype=np.float64) * sample_rate
    first = 0
    if song.downbeats_s:
        first = int(np.searchsorted(beats, song.downbeats_s[0] * sample_rate - 1.0))
    beats = beats[first:]
    if beats.size < 2:
        raise ValueError(f"song {song.title!r} has {beats.size} beat(s) from its first downbeat: a cue needs at least 2")
    lead = int(min(_MARGIN_S * sample_rate, beats[0]))
    start = int(round(beats[0])) - lead
    if beats.size >= n_needed:
        return audio[start:], beats[:n_needed] - start
    bar = max(1, int(song.beats_per_bar))
    body = (beats.size - 1) // bar * bar or beats.size - 1  # whole bars, and the beat that ends them
    loop_s, loop_e = int(round(beats[0])), int(round(beats[body]))
    xf = min(int(round(CROSSFADE_S * sample_rate)), loop_s)  # crossfaded just before the loop's first beat
    src = audio[start:loop_e]
    rel = list(beats[:body] - start)
    while len(rel) < n_needed:
        rel += list(beats[:body] - loop_s + src.size)
        src = _joined(src, audio[loop_s - xf: loop_e], xf)
    tail = audio[loop_s - xf: loop_s + 2 * int(_MARGIN_S * sample_rate)]
    src = _joined(src, tail, xf)
    return src, np.asarray(rel[:n_needed])


def _slice(plan: SongPlan, k: int, warped: np.ndarray, at: int, xf: int) -> np.ndarray:
    """Beat ``k``'s slice of ``warped`` (plan frame ``f`` at index ``f + at``): from
    :meth:`SongPlan.slice_start` to the next beat's, crossfaded over ``xf`` frames into the next
    (a fade-in at its start but for the cue's first), the fade-out's gains baked in; the last
    beat's is held half an interval and ends before the next beat would sound."""
    a, b = plan.slice_start(k), plan.slice_start(k + 1) if k + 1 < plan.n_beats else plan.frame(k + 1)
    last = k == plan.n_beats - 1
    piece = warped[a + at: b + at + (0 if last else xf)].astype(np.float32)
    t = np.arange(a, a + piece.size)
    gains = [plan.gain(j) for j in range(k - 1, k + 3)]
    frames = [plan.frame(j) if plan.first_beat <= j <= plan.n_beats else None for j in range(k - 1, k + 3)]
    pts = [(f, g) for f, g in zip(frames, gains) if f is not None]
    env = np.interp(t, [f for f, _ in pts], [g for _, g in pts]).astype(np.float32)
    if last:
        mid = plan.frame(k) + (b - plan.frame(k)) // 2
        env *= np.interp(t, [mid, max(mid + 1, b - xf)], [1.0, 0.0]).astype(np.float32)
    piece *= env
    if k != plan.first_beat:
        piece[:xf] *= np.linspace(0.0, 1.0, xf, dtype=np.float32)
    if not last:
        piece[-xf:] *= np.linspace(1.0, 0.0, xf, dtype=np.float32)
    return piece


def _cut(plan: SongPlan, warped: list[tuple[np.ndarray, int, range]], shifts: dict[int, int],
         xf: int) -> dict[str, np.ndarray]:
    return {plan.sound_name(k): _slice(plan, k, w, at + shifts.get(k, 0), xf) for w, at, ks in warped for k in ks}


def _aligned_slices(plan: SongPlan, warped: list[tuple[np.ndarray, int, range]], xf: int,
                    sample_rate: int) -> dict[str, np.ndarray]:
    """The slices, each cut so that the song's own attack at its beat sounds on the beat's frame:
    the cue put together as the session plays it, its attacks found by the microphone's detector
    (:func:`live.songs.warp.nearest_onsets`), each beat's slice cut that much later (at most
    :data:`_ALIGN_ROUNDS` times; the round nearest the plan kept). Rubber Band places a click
    track's clicks on the frame (the warp's correction) and a song's own attacks within a few
    ms of them, depending on what sounds with them (docs/performance.md)."""
    shifts: dict[int, int] = {}
    beats = list(range(plan.first_beat, plan.n_beats))
    planned = np.array([plan.frame(k) for k in beats])
    limit = int(_ALIGN_SEARCH_S * sample_rate)
    best: tuple[int, dict[str, np.ndarray]] | None = None
    for _ in range(_ALIGN_ROUNDS):
        slices = _cut(plan, warped, shifts, xf)
        cue = np.zeros(plan.frames[-1] + sample_rate, dtype=np.float32)
        for k in beats:
            x = slices[plan.sound_name(k)]
            cue[plan.slice_start(k): plan.slice_start(k) + x.size] += x[: cue.size - plan.slice_start(k)]
        found = nearest_onsets(cue, planned, sample_rate, search_ms=_ALIGN_SEARCH_S * 1000)
        worst = max((abs(e) for e in found if e is not None), default=0)
        if best is None or worst < best[0]:
            best = (worst, slices)
        if worst <= 1:
            break
        for k, e in zip(beats, found):
            if e is not None and abs(shifts.get(k, 0) + e) <= limit:
                shifts[k] = shifts.get(k, 0) + int(e)
    return best[1]


def render_song_cue(plan: SongPlan, song: Song, *, sample_rate: int, method: str = "auto",
                    log: Callable[[str], None] = lambda line: None,
                    progress: Callable[[str], None] | None = None) -> dict[str, np.ndarray]:
    """Every slice of the song cue by bank name (:meth:`SongPlan.sound_name`), float32.

    Parameters
    ----------
    plan : SongPlan
    song : Song
        The library's song (its audio file and corrected beats).
    sample_rate : int
        The engine's rate.
    method : str
        The warp's (:func:`live.songs.warp.warp`): ``auto``, ``rubberband``, ``phase-vocoder``.
    log : callable
        One line: the warp's fallback, and what was rendered.
    progress : callable, optional
        Each step as it is warped (default: lines on stderr when the cue is longer than a minute).
    """
    t0 = time.perf_counter()
    audio = read_song(song, sample_rate)
    n_keys = plan.n_beats - plan.first_beat + 1
    src, beats = source_beats(song, audio, sample_rate, n_keys)
    margin = int(_MARGIN_S * sample_rate)
    pad_front = max(0, margin - int(beats[0]))
    pad_back = max(0, int(beats[-1]) + margin - src.size)
    src = np.pad(src, (pad_front, pad_back))  # silence where the song has less than the margins
    beats = beats + pad_front
    if progress is None and plan.frames[-1] > 60 * sample_rate:
        progress = lambda line: print(line, file=sys.stderr, flush=True)  # noqa: E731
    xf = int(round(CROSSFADE_S * sample_rate))
    warped: list[tuple[np.ndarray, int, range]] = []  # each step's warp, a plan frame's index in it, its beats
    cached = 0
    errors: list[int] = []
    for step in plan.steps:
        if progress is not None:
            progress(f"warping {song.title!r} step {step.index + 1} of {len(plan.steps)} ({step.bpm:g} BPM)")
        ks = range(step.first_beat, step.end_beat + 1)
        src_f = np.array([beats[k - plan.first_beat] for k in ks])
        dst_f = np.array([plan.frame(k) for k in ks], dtype=np.int64)
        rate = (dst_f[-1] - dst_f[0]) / (src_f[-1] - src_f[0])
        seg_s = int(round(src_f[0])) - min(margin, int(round(src_f[0])))
        seg_e = min(src.size, int(round(src_f[-1])) + margin)
        pre = int(round((src_f[0] - seg_s) * rate))
        post = int(round((seg_e - src_f[-1]) * rate))
        keys = TimeMap((0,) + tuple(int(round(f - seg_s)) for f in src_f) + (seg_e - seg_s,),
                       (0,) + tuple(int(d - dst_f[0] + pre) for d in dst_f) + (int(dst_f[-1] - dst_f[0]) + pre + post,))
        w = warp(src[seg_s:seg_e], sample_rate, keys, method=method, log=log,
                 source_key=f"{song.content_hash}:{len(src)}:{seg_s}:{seg_e}:{plan.first_beat}")
        cached += w.cached
        errors += list(w.beat_errors_frames)
        warped.append((w.samples, pre - int(dst_f[0]), range(step.first_beat, step.end_beat)))
    out = _aligned_slices(plan, warped, xf, sample_rate)
    worst = max((abs(e) for e in errors), default=0) * 1000.0 / sample_rate
    worst = max((abs(e) for e in errors), default=0) * 1000.0 / sample_rate
    log(f"song {song.title!r}: {len(plan.steps)} step(s) warped ({cached} from the cache) in "
        f"{time.perf_counter() - t0:.1f} s; its beats within {worst:.2f} ms of the plan (a click track warped alike)")
    return out
