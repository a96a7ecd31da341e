"""A song's beats: tracked by librosa, put at the right metrical level, refined to their onsets at
sample resolution, with tempo, meter, downbeats and a confidence figure.

1. **Tracking.** librosa 0.11.0's dynamic-programming beat tracker (Ellis 2007) on the onset
   strength of the mono audio at 22.05 kHz (hop 256 frames, 11.6 ms), with a flat tempo prior
   over 40..240 BPM and tightness 30 (a song's tempo drifts; a rubato one swings). librosa's
   default prior, a log-normal around 120 BPM, pulls 60-80 BPM songs to twice their tempo.
2. **The beat level.** The tracker follows the strongest periodicity, which can be half or
   twice the beat a person taps. The rule (shown on the test corpus, docs/performance.md): the
   beat is the level whose beats are not regularly weaker than what lies between them. With
   ``s`` the onset strength at each tracked beat and ``m`` at each midpoint between two:
   halve (keep the stronger of the two alternating phases) when the weaker phase's mean
   strength is below :data:`ALTERNATION_MAX` of the stronger's (strong-weak-strong-weak is
   beat-offbeat), or the tempo is above 165 BPM; else double (add the midpoints) when the
   midpoints are at least :data:`MIDPOINT_MIN` as strong as the beats (equal pulses between the
   beats: the tracker skipped every other beat), or the tempo is below 55 BPM. At most one step
   either way, and never out of 55..165 BPM.
3. **Refinement.** librosa places beats late: the onset strength peaks where the spectrum has
   changed most, after the attack began (measured: 25..40 ms on the corpus, docs/performance.md).
   Each beat is moved to the onset the project's sample-resolution detector
   (:func:`live.engine.onsets.detect_onsets`, parameters :data:`DETECTOR`) finds in the audio at
   the file's own rate, scaled to its window's peak, in a window from :data:`SEARCH_BEFORE_S`
   before to :data:`SEARCH_AFTER_S` after the tracked beat, in two passes (:func:`refine_beats`).
   A beat with no onset there moves by the song's median lateness. A slow attack that starts
   under the previous beat's release is found where it comes out of it, late; such beats are
   timed by the song's own attack shape (:func:`live.songs.masked_attacks.unmask`).
4. **Meter and downbeats.** For 2, 3 and 4 beats per bar and each phase, the mean harmonic
   change (chroma distance between the beats before and after) plus the low-band onset strength
   at the beats of that phase, against the other beats; the largest contrast wins (4 on a tie
   with 2: a bar of two halves).
5. **Confidence** (0..1): the share of beats that sit on an onset the detector found (a beat
   between onsets is a guess of the tracker), times how clear the level decision was: 1 when
   each ratio the tempo left in play (halving possible, doubling possible) is at least a
   quarter of its threshold away from it, falling linearly to 0.5 right at the threshold.

Realtime-safe: no (offline analysis before a session).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Callable

import numpy as np

from live.engine.onsets import detect_onsets
from live.songs.masked_attacks import unmask

__all__ = ["ANALYSIS_VERSION", "BeatAnalysis", "analyse", "Progress", "ALTERNATION_MAX", "MIDPOINT_MIN",
           "SEARCH_BEFORE_S", "SEARCH_AFTER_S", "beat_level", "refine_beats", "meter_and_downbeats"]

ANALYSIS_VERSION = 2
"""Part of the analysis cache's key: bump when any step changes."""

TRACK_RATE = 22_050
HOP = 256
MIN_BPM, MAX_BPM = 55.0, 165.0
ALTERNATION_MAX = 0.6
MIDPOINT_MIN = 0.8
SEARCH_BEFORE_S = 0.100
SEARCH_AFTER_S = 0.025
LEAD_S = 0.1
DETECTOR = {"highpass_hz": 1000.0, "back_factor": 1.5}
NARROW_S = 0.035
ATTACK_SHARE = 0.5  # first pass: the first attack at least this share of the window's strongest
SPREAD_S = 0.010  # an attack's weight: its peak times a Gaussian of its distance from the expected onset

Progress = Callable[[float, str], None]
"""Told the fraction done (0..1) and the step's name."""


@dataclass(frozen=True, slots=True)
class BeatAnalysis:
    """What :func:`analyse` found. Times are seconds from the file's first sample.

    Attributes
    ----------
    tempo_bpm : float
        60 / the median interval of ``beats_s``.
    beats_s, downbeats_s : tuple of float
        The corrected beats; the beats that start a bar.
    beats_per_bar : int
    confidence : float
        0..1 (module docstring, step 5).
    raw_beats_s : tuple of float
        The tracker's beats at the chosen level, before refinement.
    on_onset : tuple of bool
        Per beat: refined to an onset the detector found (else moved by ``median_offset_ms``).
    median_offset_ms : float
        Median of raw minus refined beat over the beats on an onset: the tracker's lateness.
    unmasked : tuple of bool
        Per beat: its attack started under the previous beat's sound and it was timed by the
        song's attack shape (module docstring, step 3). Empty once the grid is adjusted.
    tracked_tempo_bpm : float
        The tracker's tempo before the level decision.
    level : str
        ``as tracked``, ``halved`` or ``doubled``.
    alternation : float
        Weaker over stronger alternating phase's mean strength (step 2).
    midpoint : float
        Midpoints' over beats' mean strength (step 2).
    """

    tempo_bpm: float
    beats_s: tuple[float, ...]
    downbeats_s: tuple[float, ...]
    beats_per_bar: int
    confidence: float
    raw_beats_s: tuple[float, ...]
    on_onset: tuple[bool, ...]
    median_offset_ms: float
    tracked_tempo_bpm: float
    level: str
    alternation: float
    midpoint: float
    adjustments: tuple[str, ...] = field(default=())
    unmasked: tuple[bool, ...] = field(default=())

    def details(self) -> dict[str, Any]:
        """Everything but the stored columns, for the store's ``details_json``."""
        out = asdict(self)
        for k in ("tempo_bpm", "beats_s", "downbeats_s", "beats_per_bar", "confidence"):
            out.pop(k)
        out["on_onset"] = [bool(v) for v in self.on_onset]
        out["unmasked"] = [bool(v) for v in self.unmasked]
        out["analysis_version"] = ANALYSIS_VERSION
        return out

    def stored(self) -> dict[str, Any]:
        """The mapping :meth:`live.store.store.Store.add_song` takes as ``analysis``."""
        return {"tempo_bpm": self.tempo_bpm, "beats_s": list(self.beats_s), "downbeats_s": list(self.downbeats_s),
                "beats_per_bar": self.beats_per_bar, "confidence": self.confidence, "details": self.details()}

    @classmethod
    def from_stored(cls, row: dict[str, Any]) -> "BeatAnalysis":
        """Back from a stored song (its row as :meth:`Store.get_song_row` gives it)."""
        d = dict(row["details"])
        d.pop("analysis_version", None)
        return cls(tempo_bpm=float(row["tempo_bpm"]), beats_s=tuple(row["beats_s"]),
                   downbeats_s=tuple(row["downbeats_s"]), beats_per_bar=int(row["beats_per_bar"]),
                   confidence=float(row["confidence"]), raw_beats_s=tuple(d.pop("raw_beats_s")),
                   on_onset=tuple(bool(v) for v in d.pop("on_onset")),
                   unmasked=tuple(bool(v) for v in d.pop("unmasked", ())),
                   adjustments=tuple(d.pop("adjustments", ())), **d)


def _strength_at(env: np.ndarray, times_s: np.ndarray) -> np.ndarray:
    """The onset strength's largest value within one hop of each time."""
    frames = np.round(np.asarray(times_s) * TRACK_RATE / HOP).astype(int)
    out = np.zeros(frames.size)
    for i, f in enumerate(frames):
        lo, hi = max(0, f - 1), min(env.size, f + 2)
        out[i] = env[lo:hi].max() if hi > lo else 0.0
    return out


def beat_level(env: np.ndarray, beats_s: np.ndarray, tempo_bpm: float) -> tuple[np.ndarray, str, float, float]:
    """The beats at the level a person taps (module docstring, step 2).

    Returns
    -------
    (beats_s, level, alternation, midpoint)
    """
    if beats_s.size < 4:
        return beats_s, "as tracked", 1.0, 0.0
    s = _strength_at(env, beats_s)
    phases = (s[0::2].mean(), s[1::2].mean())
    alternation = float(min(phases) / max(phases)) if max(phases) > 0 else 1.0
    mids = 0.5 * (beats_s[:-1] + beats_s[1:])
    midpoint = float(_strength_at(env, mids).mean() / s.mean()) if s.mean() > 0 else 0.0
    can_halve, can_double = tempo_bpm / 2 >= MIN_BPM, tempo_bpm * 2 <= MAX_BPM
    if can_halve and (alternation < ALTERNATION_MAX or tempo_bpm > MAX_BPM):
        return beats_s[int(np.argmax(phases))::2], "halved", alternation, midpoint
    if can_double and (midpoint >= MIDPOINT_MIN or tempo_bpm < MIN_BPM):
        both = np.empty(beats_s.size + mids.size)
        both[0::2], both[1::2] = beats_s, mids
        return both, "doubled", alternation, midpoint
    return beats_s, "as tracked", alternation, midpoint


def _window_onsets(hp: np.ndarray, sample_rate: int, lo_s: float, hi_s: float) -> list[tuple[int, float]]:
    """(frame in the whole file, peak) of each attack the detector finds between two times; the
    detector is run from :data:`LEAD_S` before, so its noise floor and background are settled."""
    lo = max(0, int(round(lo_s * sample_rate)))
    start = max(0, lo - int(round(LEAD_S * sample_rate)))
    hi = min(hp.size, int(round(hi_s * sample_rate)))
    seg = hp[start:hi]
    peak = float(np.abs(seg).max()) if seg.size else 0.0
    if peak <= 0:
        return []
    found = detect_onsets(seg / peak, sample_rate, **DETECTOR)
    return [(start + o.frame, o.peak) for o in found if start + o.frame >= lo]


def refine_beats(samples: np.ndarray, sample_rate: int, beats_s: np.ndarray,
                 progress: Progress | None = None) -> tuple[np.ndarray, np.ndarray, float]:
    """Each beat moved to its onset (module docstring, step 3). First pass: in the wide window
    of each beat, the first attack at least :data:`ATTACK_SHARE` of the strongest there; the
    median of (tracked - attack) is the tracker's lateness. Second pass: each beat takes the
    attack within :data:`NARROW_S` of (tracked - lateness) with the largest peak weighted by a
    Gaussian (:data:`SPREAD_S`) of its distance from there.

    Returns
    -------
    (refined_s, on_onset, median_offset_ms)
    """
    hp = np.asarray(samples, np.float64)  # the detector high-passes it (DETECTOR)
    first = []
    for i, b in enumerate(beats_s):
        found = _window_onsets(hp, sample_rate, b - SEARCH_BEFORE_S, b + SEARCH_AFTER_S)
        if found:
            strong = max(f[1] for f in found)
            first.append(b - next(f for f in found if f[1] >= ATTACK_SHARE * strong)[0] / sample_rate)
        if progress and i % 16 == 0:
            progress(0.5 * i / max(1, beats_s.size), "refining beats")
    offset_s = float(np.median(first)) if first else 0.0
    refined, on = _snap(hp, sample_rate, beats_s - offset_s,
                        None if progress is None else lambda f, step: progress(0.5 + 0.5 * f, step))
    offsets = beats_s[on] - refined[on]
    return refined, on, float(1000 * np.median(offsets)) if on.any() else 1000 * offset_s


def _snap(hp: np.ndarray, sample_rate: int, centres_s: np.ndarray,
          progress: Progress | None = None) -> tuple[np.ndarray, np.ndarray]:
    refined = np.empty(centres_s.size)
    on = np.zeros(centres_s.size, bool)
    for i, centre in enumerate(centres_s):
        found = _window_onsets(hp, sample_rate, centre - NARROW_S, centre + NARROW_S)
        if found:
            best = max(found, key=lambda f: f[1] * np.exp(-0.5 * ((f[0] / sample_rate - centre) / SPREAD_S) ** 2))
            refined[i] = best[0] / sample_rate
            on[i] = True
        else:
            refined[i] = centre
        if progress and i % 16 == 0:
            progress(i / max(1, centres_s.size), "refining beats")
    return np.maximum.accumulate(np.clip(refined, 0.0, None)), on


def meter_and_downbeats(y: np.ndarray, env_low: np.ndarray, beats_s: np.ndarray) -> tuple[int, np.ndarray]:
    """Beats per bar (2, 3 or 4) and the downbeats among ``beats_s`` (module docstring, step 4)."""
    import librosa

    if beats_s.size < 8:
        return 4, beats_s[:1]
    chroma = librosa.feature.chroma_stft(y=y, sr=TRACK_RATE, hop_length=HOP)
    frames = np.clip(np.round(beats_s * TRACK_RATE / HOP).astype(int), 0, chroma.shape[1] - 1)
    edges = np.concatenate([frames, [chroma.shape[1]]])
    per_beat = np.stack([chroma[:, a:max(b, a + 1)].mean(axis=1) for a, b in zip(edges[:-1], edges[1:])])
    per_beat /= np.linalg.norm(per_beat, axis=1, keepdims=True) + 1e-9
    change = np.concatenate([[1.0], 1 - np.sum(per_beat[1:] * per_beat[:-1], axis=1)])
    low = _strength_at(env_low, beats_s)
    feature = change / (change.mean() + 1e-9) + low / (low.mean() + 1e-9)
    best = (-np.inf, 4, 0)
    for meter in (4, 3, 2):
        for phase in range(meter):
            mine = np.arange(beats_s.size) % meter == phase
            contrast = feature[mine].mean() - feature[~mine].mean()
            if contrast > best[0] + 1e-6:
                best = (contrast, meter, phase)
    _, meter, phase = best
    return meter, beats_s[phase::meter]


def _tempo_of(beats_s: np.ndarray) -> float:
    return float(60.0 / np.median(np.diff(beats_s))) if beats_s.size > 1 else 0.0


def _confidence(on_onset: np.ndarray, tracked_bpm: float, alternation: float, midpoint: float) -> float:
    if on_onset.size == 0:
        return 0.0
    margins = [1.0]  # only the decisions the tempo left open count
    if tracked_bpm / 2 >= MIN_BPM:
        margins.append(abs(alternation - ALTERNATION_MAX) / ALTERNATION_MAX)
    if tracked_bpm * 2 <= MAX_BPM:
        margins.append(abs(midpoint - MIDPOINT_MIN) / MIDPOINT_MIN)
    clarity = 0.5 + 0.5 * min(1.0, 4 * min(margins))
    return round(float(on_onset.mean()) * clarity, 3)


def analyse(samples: np.ndarray, sample_rate: int, *, progress: Progress | None = None) -> BeatAnalysis:
    """Beats, tempo, meter, downbeats and confidence of a mono song (module docstring).

    Parameters
    ----------
    samples : numpy.ndarray
        Mono, full scale 1.0, at ``sample_rate`` (Hz).
    progress : callable, optional
        Told the fraction done and the step.
    """
    import librosa
    import scipy.stats

    say = progress or (lambda fraction, step: None)
    say(0.0, "resampling")
    y = librosa.resample(np.asarray(samples, np.float32), orig_sr=sample_rate, target_sr=TRACK_RATE)
    say(0.1, "onset strength")
    env = librosa.onset.onset_strength(y=y, sr=TRACK_RATE, hop_length=HOP)
    say(0.25, "tracking beats")
    tempo, raw = librosa.beat.beat_track(onset_envelope=env, sr=TRACK_RATE, hop_length=HOP, tightness=30,
                                         prior=scipy.stats.uniform(40, 200), units="time")
    tracked = float(np.atleast_1d(tempo)[0])
    beats, level, alternation, midpoint = beat_level(env, np.asarray(raw, float), tracked)
    say(0.4, "refining beats")
    refined, on, offset_ms = refine_beats(np.asarray(samples), sample_rate, beats,
                                          progress=lambda f, step: say(0.4 + 0.5 * f, step))
    refined, unmasked = unmask(np.asarray(samples), sample_rate, refined, on, highpass_hz=DETECTOR["highpass_hz"])
    if unmasked.any():
        offset_ms = float(1000 * np.median(beats[on] - refined[on]))
    say(0.9, "meter")
    env_low = librosa.onset.onset_strength(y=y, sr=TRACK_RATE, hop_length=HOP, fmax=300.0, n_mels=32)
    meter, down = meter_and_downbeats(y, env_low, refined)
    say(1.0, "analysed")
    return BeatAnalysis(tempo_bpm=round(_tempo_of(refined), 3), beats_s=tuple(float(b) for b in refined),
                        downbeats_s=tuple(float(b) for b in down), beats_per_bar=int(meter),
                        confidence=_confidence(on, tracked, alternation, midpoint),
                        raw_beats_s=tuple(float(b) for b in beats), on_onset=tuple(bool(v) for v in on),
                        unmasked=tuple(bool(v) for v in unmasked),
                        median_offset_ms=round(offset_ms, 3), tracked_tempo_bpm=round(tracked, 3), level=level,
                        alternation=round(alternation, 4), midpoint=round(midpoint, 4))
