"""Scoring an entrainment run: each tap provisionally as it arrives, then the whole run, and each
phase, by the batch metric functions (what is stored).

Asynchrony a_k = t_tap - t_beat of the matched beat (ms, negative = early); the batch matcher
and the synchronisation metrics are :mod:`live.metrics.sms`'s, the free-tapping,
continuation, tempo-following and recovery metrics :mod:`live.metrics.timing`'s, the
phase-correction gain :mod:`live.metrics.bgls`'s (DOMAIN.md, "Metrics").

Realtime-safe: no (control thread).
"""

from __future__ import annotations

import bisect
from typing import Any

import numpy as np

from live.activities.entrainment.timeline import Timeline
from live.activities.types import Response, Summary, Target
from live.engine.events import InputEvent
from live.metrics.bgls import alpha_bgls
from live.metrics.sms import match_taps, sms_summary
from live.metrics.timing import continuation_summary, free_tapping_summary, recovery_summary, tempo_following_ratio

__all__ = ["TARGET_KIND", "nearest_beat", "scored", "summarize", "final_responses"]

TARGET_KIND = "beat"


def scored(ev: InputEvent, k: int, beat_frame: int, sample_rate: int) -> Response:
    """``ev`` matched to beat ``k`` at ``beat_frame``: its asynchrony in ms."""
    return Response(ev, Target(k, beat_frame, TARGET_KIND), 1000.0 * (ev.frame - beat_frame) / sample_rate)


def nearest_beat(tl: Timeline, frame: int) -> int | None:
    """Provisional match: the nearest planned scored beat (ties to the earlier) within half its interval."""
    planned = len(tl.beat_frames)
    i = bisect.bisect_left(tl.beat_frames, frame)
    best = None
    for k in (i - 1, i):
        if 0 <= k < planned:
            d = abs(frame - tl.beat_frames[k])
            if d * 2 <= tl.beat_frame(k + 1) - tl.beat_frames[k] and (best is None or d < best[0]):
                best = (d, k)
    return None if best is None else best[1]


def summarize(tl: Timeline, taps: list[InputEvent], *, start_frame: int) -> Summary:
    """Metrics of the cued beats (``metrics``) and of each phase (``phases``: the baseline, each
    cued phase, the continuation) over ``taps`` (every scored input, in frame order)."""
    p, sr = tl.params, tl.sample_rate
    frames = np.asarray([ev.frame for ev in taps], dtype=np.int64)
    phases: dict[str, dict[str, Any]] = {}
    if p.baseline_s > 0:
        lo, hi = start_frame, tl.baseline_end_frame()
        metrics = free_tapping_summary(frames[(frames >= lo) & (frames < hi)] / sr)
        metrics["duration_s"] = (hi - lo) / sr
        metrics["cue_start_bpm"] = tl.cue_bpm
        phases["baseline"] = metrics
    n = tl.n_beats or 0
    beats = np.asarray(tl.beat_frames[:n], dtype=np.int64)
    cued = _cued(tl, frames)
    for ph in (tl.phases if n else []):
        lo = tl.boundary(ph.first_beat)
        hi = tl.boundary(ph.end_beat)
        in_phase = cued[(cued >= lo) & (cued < hi)]
        phases[ph.name] = _cued_summary(tl, beats[ph.first_beat : ph.end_beat], in_phase, ph.first_beat)
    if n and tl.continuation_beats:
        end = tl.cued_end_frame()
        cont = frames[(frames >= end) & (frames < tl.continuation_end_frame())]
        last_iv = (beats[-1] - beats[-2]) / sr if n >= 2 else tl.last_interval_frames() / sr
        phases["continuation"] = continuation_summary(cont / sr, last_cue_interval_s=last_iv)
    metrics = sms_summary(beats / sr, cued / sr, window_ms=p.window_ms)
    metrics["alpha"] = _alpha(beats, cued, sr)
    return Summary(metrics=metrics, phases=phases)


def final_responses(tl: Timeline, taps: list[InputEvent]) -> list[Response]:
    """Every scored input (``taps``, in frame order) with its match by the batch matcher (the one
    the summary used); baseline and continuation taps have no beat."""
    sr = tl.sample_rate
    n = tl.n_beats or 0
    beats = tl.beat_frames[:n]
    lo, hi = tl.cued_window()
    cued = [ev for ev in taps if lo <= ev.frame < hi]
    match = match_taps(np.asarray(beats, dtype=np.float64) / sr, np.asarray([ev.frame for ev in cued]) / sr)
    beat_of = {id(ev): int(k) for ev, k in zip(cued, match.tap_beat) if k >= 0}
    out = []
    for ev in taps:
        k = beat_of.get(id(ev))
        out.append(Response(ev, None, None) if k is None else scored(ev, k, beats[k], sr))
    return out


def _cued(tl: Timeline, frames: np.ndarray) -> np.ndarray:
    lo, hi = tl.cued_window()
    return frames[(frames >= lo) & (frames < hi)]


def _cued_summary(tl: Timeline, beats: np.ndarray, taps: np.ndarray, first_beat: int) -> dict[str, Any]:
    p, sr = tl.params, tl.sample_rate
    out = sms_summary(beats / sr, taps / sr, window_ms=p.window_ms)
    if beats.size >= 2:
        out["cue_tempo_bpm"] = 60.0 * sr * (beats.size - 1) / float(beats[-1] - beats[0])
    else:
        out["cue_tempo_bpm"] = None
    out["tempo_following_ratio"] = tempo_following_ratio(beats / sr, taps / sr)
    out["alpha"] = _alpha(beats, taps, sr)
    at = {k - first_beat: sign for k, sign in tl.perturbed.items() if first_beat <= k < first_beat + beats.size}
    if at:
        match = match_taps(beats / sr, taps / sr)
        async_ms = np.where(match.beat_tap >= 0, (taps[match.beat_tap] - beats) * 1000.0 / sr, np.nan)
        out.update(recovery_summary(async_ms, list(at), list(at.values()), recovery_beats=p.recovery_beats))
    return out


def _alpha(beats: np.ndarray, taps: np.ndarray, sample_rate: int) -> float | None:
    """Phase-correction gain by bGLS over pairs of taps matched to consecutive beats."""
    match = match_taps(beats / sample_rate, taps / sample_rate)
    bt = match.beat_tap
    pairs = np.flatnonzero((bt[:-1] >= 0) & (bt[1:] >= 0))
    if pairs.size < 3:
        return None
    first, second = taps[bt[pairs]], taps[bt[pairs + 1]]
    iti_ms = (second - first) * 1000.0 / sample_rate
    async_ms = (first - beats[pairs]) * 1000.0 / sample_rate
    runs = np.cumsum(np.r_[0, np.diff(pairs) != 1])
    fit = alpha_bgls(iti_ms, async_ms, runs)
    return None if fit is None else fit.alpha
