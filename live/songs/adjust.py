"""Correcting a song's beat grid by hand (``live songs adjust``): an offset, the beat level
doubled or halved, or the grid refitted to the therapist's taps.

Each returns a new :class:`~live.songs.analysis.BeatAnalysis`; its ``adjustments`` list says
what was done, in order (``show`` prints it). Times are seconds from the file's start.

Refitting to taps. The therapist taps along once, on the beat as they hear it; taps carry the
tapper's own asynchrony and the input path's latency (tens of ms), so they fix *which* pulse is
the beat, not where its onset is: (1) the level: the taps' median interval against the
grid's, halving when it is over 1.5 times the grid's, doubling when under 2/3 (halving keeps
the phase nearer the taps); (2) the phase: the whole grid moves by the taps' median offset from
their nearest beats (a grid on the off-beats moves half a beat); (3) every moved beat is snapped
to the attack the onset detector finds near it, so
a tapper's latency does not move beats that sit on their onsets: the beats' refinement of
:func:`live.songs.analysis.refine_beats`, its window centred on the moved grid (so it looks
62 ms either side). At least :data:`MIN_TAPS` taps.

Realtime-safe: no.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from live.songs.analysis import SEARCH_BEFORE_S, SEARCH_AFTER_S, BeatAnalysis, refine_beats

__all__ = ["MIN_TAPS", "offset", "double", "halve", "refit_to_taps"]

MIN_TAPS = 4
"""Taps needed to refit a grid."""


def _with(analysis: BeatAnalysis, beats: np.ndarray, downbeats: np.ndarray, beats_per_bar: int, what: str,
          on_onset: tuple[bool, ...] | None = None) -> BeatAnalysis:
    beats = np.asarray(beats, float)
    tempo = float(60.0 / np.median(np.diff(beats))) if beats.size > 1 else analysis.tempo_bpm
    return dataclasses.replace(
        analysis, tempo_bpm=round(tempo, 3), beats_s=tuple(float(b) for b in beats),
        downbeats_s=tuple(float(b) for b in downbeats), beats_per_bar=int(beats_per_bar),
        on_onset=on_onset if on_onset is not None else analysis.on_onset[: beats.size], unmasked=(),
        adjustments=(*analysis.adjustments, what))


def offset(analysis: BeatAnalysis, offset_ms: float) -> BeatAnalysis:
    """Every beat and downbeat moved by ``offset_ms`` (later if positive); beats before 0 s go."""
    shift = offset_ms / 1000.0
    beats = np.asarray(analysis.beats_s) + shift
    keep = beats >= 0
    down = np.asarray(analysis.downbeats_s) + shift
    on = tuple(v for v, k in zip(analysis.on_onset, keep) if k)
    return _with(analysis, beats[keep], down[down >= 0], analysis.beats_per_bar, f"offset {offset_ms:+g} ms", on)


def double(analysis: BeatAnalysis) -> BeatAnalysis:
    """Twice the beats: a beat added halfway between each two (twice the tempo; the bars keep
    their downbeats, with twice the beats)."""
    beats = np.asarray(analysis.beats_s)
    if beats.size < 2:
        raise ValueError("the song has fewer than 2 beats: nothing to double")
    both = np.empty(2 * beats.size - 1)
    both[0::2], both[1::2] = beats, 0.5 * (beats[:-1] + beats[1:])
    on = tuple(v for b in analysis.on_onset for v in (b, False))[: both.size]
    return _with(analysis, both, np.asarray(analysis.downbeats_s), 2 * analysis.beats_per_bar, "double", on)


def halve(analysis: BeatAnalysis, *, phase: int | None = None) -> BeatAnalysis:
    """Every other beat (half the tempo): the phase (0: the first beat, 1: the second) given,
    else the one holding the first downbeat."""
    beats = np.asarray(analysis.beats_s)
    if beats.size < 4:
        raise ValueError("the song has fewer than 4 beats: nothing to halve")
    if phase is None:
        first_down = analysis.downbeats_s[0] if analysis.downbeats_s else beats[0]
        phase = int(np.argmin(np.abs(beats - first_down))) % 2
    kept = beats[phase::2]
    down = [d for d in analysis.downbeats_s if np.min(np.abs(kept - d)) < 1e-9]
    per_bar = analysis.beats_per_bar // 2 if analysis.beats_per_bar % 2 == 0 else analysis.beats_per_bar
    return _with(analysis, kept, np.asarray(down or kept[:1]), max(1, per_bar), "halve", analysis.on_onset[phase::2])


def _distance(beats: np.ndarray, taps: np.ndarray) -> float:
    """Median distance (s) from each tap to its nearest beat."""
    return float(np.median(np.min(np.abs(beats[None, :] - taps[:, None]), axis=1)))


def refit_to_taps(analysis: BeatAnalysis, taps_s: np.ndarray, samples: np.ndarray, sample_rate: int) -> BeatAnalysis:
    """The grid refitted to the therapist's taps (module docstring).

    Parameters
    ----------
    taps_s : array
        Tap times, seconds from the file's start, latency already taken off as far as known.
    samples, sample_rate
        The song's mono audio, for snapping the moved beats to their onsets.

    Raises
    ------
    ValueError
        Fewer than :data:`MIN_TAPS` taps, or taps not in time order.
    """
    taps = np.asarray(taps_s, float)
    if taps.size < MIN_TAPS:
        raise ValueError(f"{taps.size} taps: tap along at least {MIN_TAPS} beats")
    if np.any(np.diff(taps) <= 0):
        raise ValueError("the taps are not in time order")
    result, level = analysis, "kept"
    ratio = float(np.median(np.diff(taps)) / np.median(np.diff(np.asarray(analysis.beats_s))))
    if ratio > 1.5:
        beats = np.asarray(analysis.beats_s)
        result, level = halve(analysis, phase=min((0, 1), key=lambda p: _distance(beats[p::2], taps))), "halved"
    elif ratio < 2 / 3:
        result, level = double(analysis), "doubled"
    result = dataclasses.replace(result, adjustments=analysis.adjustments)  # the refit is one adjustment
    beats = np.asarray(result.beats_s)
    nearest = beats[np.argmin(np.abs(beats[None, :] - taps[:, None]), axis=1)]
    shift_s = float(np.median(taps - nearest))
    # Taps run early or late of the onset by tens of ms: the refinement's window centred on the grid.
    centre = (SEARCH_BEFORE_S - SEARCH_AFTER_S) / 2
    moved, on, _ = refine_beats(np.asarray(samples), sample_rate, beats + shift_s + centre)
    down_index = [int(np.argmin(np.abs(beats - d))) for d in result.downbeats_s]
    what = f"refit to {taps.size} taps (level {level}, grid moved {1000 * shift_s:+.0f} ms, then snapped to onsets)"
    return _with(result, moved, moved[down_index], result.beats_per_bar, what, tuple(bool(v) for v in on))
