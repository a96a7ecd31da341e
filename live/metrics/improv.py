"""Improvisation metrics: what the client played, how dense, loud, high, in key, on the pulse,
and how it alternated with the therapist.

The same code serves ``live metrics improv`` on a MIDI file and every improvisation run. The
definitions are issue 13's, exactly (docs/metrics.md states them for therapists); they follow
the Music Therapy Toolbox's families of features (density, dynamics, register, tonality,
pulse, interaction: Erkkilä, Lartillot, Luck, Riikkilä & Toiviainen 2004, "Intelligent music
systems in music therapy", Music Therapy Today 5(5); Luck, Toiviainen, Erkkilä et al. 2008,
"Modelling the relationships between emotional responses to, and musical content of, music
therapy improvisations", Psychology of Music 36(1)):

- ``n_notes``: client note-ons with velocity > 0; ``duration_s``: the recording's length (a
  MIDI file's ``mido.MidiFile.length``; a run's length); ``density_per_s`` = n_notes / duration_s.
- ``velocity_mean``, ``velocity_sd`` (sample SD, ddof 1), ``velocity_min``, ``velocity_max``.
- ``pitch_mean``, ``pitch_min``, ``pitch_max``, ``pitch_range`` = max - min (semitones),
  ``pitch_classes_used`` (distinct pitch classes).
- ``in_scale_pct``: with a key and mode, 100 x notes whose pitch class is in the scale / n_notes.
- ``active_pct``: 100 x the share of windows holding at least one client onset. Windows start
  at 0 and are half-open, [k w, (k+1) w) for w = ``window_s``; the last partial window counts
  when it is at least half a window long (an onset in no counted window, at the very end of
  the recording, counts in none).
- ``longest_silence_s``: the longest gap between consecutive client onsets.
- ``ioi_cv``: sample SD / mean of the inter-onset intervals; ``npvi`` = 100 / (m - 1) x sum
  over consecutive IOI pairs of |d_k - d_{k+1}| / ((d_k + d_{k+1}) / 2), m = the number of
  IOIs (the normalised pairwise variability index of Grabe & Low 2002, "Durational variability
  in speech and the rhythm class hypothesis", Papers in Laboratory Phonology 7). Notes played
  together give IOIs of 0: a pair of two zero IOIs adds 0 (no contrast; the formula's 0/0).
- With a pulse (``bpm``, ``beat_offset_s``): each onset's phase phi = 2 pi x frac((t - offset)
  / (60 / bpm)); ``pulse_R`` = |mean e^{i phi}| and ``pulse_phase_deg`` its circular mean in
  (-180, 180] (Fisher 1993, "Statistical analysis of circular data").
- ``key_estimate``, ``key_clarity``: the Krumhansl-Schmuckler key-finding algorithm
  (Krumhansl 1990, "Cognitive foundations of musical pitch", with the Krumhansl & Kessler 1982
  probe-tone profiles): the Pearson correlation of the note-count pitch-class histogram with
  the 24 profiles rotated to each tonic; the best key as ``"<tonic> major"``/``"<tonic> minor"``
  (sharp-spelled tonic) and its correlation. Ties go to the first of C major, C minor, C#
  major, ... B minor.
- With the therapist's onsets: ``both_active_pct``, ``client_only_pct``,
  ``therapist_only_pct`` over the same windows, and ``turn_switches_per_min``: changes of who
  played along the time-ordered onsets of both (simultaneous onsets: the client's first), per
  minute of ``duration_s``.

Undefined values are None: every metric of no notes; ``velocity_sd`` and
``longest_silence_s`` for fewer than 2 notes; ``ioi_cv`` and ``npvi`` for fewer than 2 IOIs
(``ioi_cv`` also when every IOI is 0); ``in_scale_pct`` without a key; the pulse without a
tempo (``pulse_phase_deg`` also when R = 0: no mean direction); the key for a flat histogram;
the window metrics when no window counts; the interaction metrics without the therapist's
channels.

Realtime-safe: no (allocates; run it on a run or a file, never in the audio callback).
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from live.metrics.info import Catalogue, MetricInfo
from live.music.scales import pc_name, scale_pitch_classes

__all__ = ["IMPROV_KEYS", "IMPROV_METRICS", "KK_MAJOR", "KK_MINOR", "DEFAULT_WINDOW_S", "improv_metrics",
           "improv_from_channels", "key_correlations", "window_counts"]

#: Default window of ``active_pct`` and the interaction metrics (s).
DEFAULT_WINDOW_S = 6.0

#: Krumhansl & Kessler (1982) probe-tone profiles, from the tonic up (Krumhansl 1990, table 2.1).
KK_MAJOR = (6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88)
KK_MINOR = (6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17)

#: The keys of :func:`improv_metrics`' result, in order (``live metrics improv --json``).
IMPROV_KEYS: tuple[str, ...] = (
    "n_notes", "duration_s", "density_per_s", "velocity_mean", "velocity_sd", "velocity_min", "velocity_max",
    "pitch_mean", "pitch_min", "pitch_max", "pitch_range", "pitch_classes_used", "in_scale_pct", "active_pct",
    "longest_silence_s", "ioi_cv", "npvi", "pulse_R", "pulse_phase_deg", "key_estimate", "key_clarity",
    "both_active_pct", "client_only_pct", "therapist_only_pct", "turn_switches_per_min",
)

_H, _L = "higher", "lower"

#: Label, UCUM unit, format and better direction of each key of :data:`IMPROV_KEYS`. ``better``
#: is None for what describes the playing without a right direction by itself (how loud, how
#: high, which key); the improvisation activity merges it into its catalogue.
IMPROV_METRICS = Catalogue([
    MetricInfo("n_notes", "client notes", "{notes}", "", "d", _H),
    MetricInfo("duration_s", "duration", "s", "s", ".1f"),
    MetricInfo("density_per_s", "note density", "/s", "notes/s", ".2f"),
    MetricInfo("velocity_mean", "mean velocity", "1", "MIDI velocity 1..127", ".1f"),
    MetricInfo("velocity_sd", "SD of velocity", "1", "MIDI velocity", ".1f"),
    MetricInfo("velocity_min", "softest velocity", "1", "MIDI velocity", "d"),
    MetricInfo("velocity_max", "loudest velocity", "1", "MIDI velocity", "d"),
    MetricInfo("pitch_mean", "mean pitch", "1", "MIDI note, C4 = 60", ".1f"),
    MetricInfo("pitch_min", "lowest note", "1", "MIDI note", "d"),
    MetricInfo("pitch_max", "highest note", "1", "MIDI note", "d"),
    MetricInfo("pitch_range", "pitch range", "{semitones}", "semitones", "d"),
    MetricInfo("pitch_classes_used", "pitch classes used", "{pitch classes}", "of 12", "d"),
    MetricInfo("in_scale_pct", "notes in the scale", "%", "% of notes", ".1f", _H),
    MetricInfo("active_pct", "time active", "%", "% of windows", ".1f", _H),
    MetricInfo("longest_silence_s", "longest silence", "s", "s", ".2f", _L),
    MetricInfo("ioi_cv", "inter-onset interval CV", "1", "", ".3f"),
    MetricInfo("npvi", "rhythmic variability nPVI", "1", "0 = even", ".1f"),
    MetricInfo("pulse_R", "pulse locking R", "1", "0..1", ".3f", _H),
    MetricInfo("pulse_phase_deg", "mean phase to the pulse", "deg", "deg", ".1f"),
    MetricInfo("key_estimate", "estimated key", "1", "", "s"),
    MetricInfo("key_clarity", "key clarity", "1", "correlation -1..1", ".3f", _H),
    MetricInfo("both_active_pct", "both playing", "%", "% of windows", ".1f"),
    MetricInfo("client_only_pct", "client alone", "%", "% of windows", ".1f"),
    MetricInfo("therapist_only_pct", "therapist alone", "%", "% of windows", ".1f"),
    MetricInfo("turn_switches_per_min", "turn switches", "/min", "per min", ".1f"),
])

_TOL = 1e-9  # times compared as multiples of a window within this (0.1 + 0.2 s is 0.3 s)


def _floats(values: Sequence[float] | np.ndarray, name: str) -> np.ndarray:
    a = np.asarray(values, dtype=float).reshape(-1)
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name}: every value must be finite")
    return a


def window_counts(onset_s: np.ndarray, duration_s: float, window_s: float) -> np.ndarray:
    """Onsets per counted window: [k w, (k+1) w) from 0; the last partial window counted when
    at least half a window long; onsets outside the counted windows dropped. Length 0 when
    no window counts."""
    full = math.floor(duration_s / window_s + _TOL)
    rest_s = duration_s - full * window_s
    n_windows = full + (1 if rest_s >= window_s / 2 - _TOL * window_s else 0)
    index = np.floor(np.asarray(onset_s, dtype=float) / window_s + _TOL).astype(np.int64)
    index = index[(index >= 0) & (index < n_windows)]
    return np.bincount(index, minlength=n_windows)[:n_windows]


def key_correlations(pc_counts: Sequence[float] | np.ndarray) -> np.ndarray:
    """Pearson correlation of a 12-bin pitch-class histogram (C = 0) with each of the 24 rotated
    Krumhansl-Kessler profiles, shape (12, 2): [tonic, 0] major, [tonic, 1] minor. NaN where
    the histogram is flat (no variance)."""
    x = np.asarray(pc_counts, dtype=float)
    out = np.full((12, 2), np.nan)
    xc = x - x.mean()
    if not np.any(xc):
        return out
    for m, profile in enumerate((KK_MAJOR, KK_MINOR)):
        p = np.asarray(profile)
        for tonic in range(12):
            y = p[(np.arange(12) - tonic) % 12]   # the profile's weight of each pitch class
            yc = y - y.mean()
            out[tonic, m] = float(xc @ yc / math.sqrt(float(xc @ xc) * float(yc @ yc)))
    return out


def _ioi_metrics(onsets: np.ndarray) -> tuple[float | None, float | None]:
    """(ioi_cv, npvi) of sorted onsets; None for fewer than 2 IOIs."""
    d = np.diff(onsets)
    m = d.size
    if m < 2:
        return None, None
    mean = float(d.mean())
    cv = float(d.std(ddof=1)) / mean if mean > 0 else None
    pair_sum = d[:-1] + d[1:]
    safe = np.where(pair_sum > 0, pair_sum, 1.0)
    terms = np.where(pair_sum > 0, np.abs(d[:-1] - d[1:]) / (safe / 2), 0.0)
    return cv, float(100.0 / (m - 1) * terms.sum())


def _pulse(onsets: np.ndarray, bpm: float, offset_s: float) -> tuple[float | None, float | None]:
    """(pulse_R, pulse_phase_deg) of the onsets against a beat of ``bpm`` from ``offset_s``."""
    if onsets.size == 0:
        return None, None
    x = (onsets - offset_s) / (60.0 / bpm)
    phi = 2 * np.pi * (x - np.floor(x))
    mean = np.exp(1j * phi).mean()
    r = float(abs(mean))
    if r < 1e-9:
        return r, None
    deg = math.degrees(math.atan2(mean.imag, mean.real))
    return r, (180.0 if deg <= -180.0 else deg)


def _key(notes: np.ndarray) -> tuple[str | None, float | None]:
    if notes.size == 0:
        return None, None
    r = key_correlations(np.bincount(notes % 12, minlength=12))
    if np.all(np.isnan(r)):
        return None, None
    flat = [(r[t, m], -(2 * t + m)) for t in range(12) for m in range(2)]
    best, neg_index = max(flat)
    tonic, mode = divmod(-neg_index, 2)
    return f"{pc_name(tonic)} {('major', 'minor')[mode]}", float(best)


def _interaction(client_s: np.ndarray, therapist_s: np.ndarray, duration_s: float,
                 window_s: float) -> dict[str, float | None]:
    c = window_counts(client_s, duration_s, window_s) > 0
    t = window_counts(therapist_s, duration_s, window_s) > 0
    out: dict[str, float | None] = {"both_active_pct": None, "client_only_pct": None, "therapist_only_pct": None}
    if c.size:
        out = {"both_active_pct": 100.0 * float(np.mean(c & t)), "client_only_pct": 100.0 * float(np.mean(c & ~t)),
               "therapist_only_pct": 100.0 * float(np.mean(~c & t))}
    who = [p for _, p in sorted([(float(s), 0) for s in client_s] + [(float(s), 1) for s in therapist_s])]
    switches = sum(1 for a, b in zip(who, who[1:]) if a != b)
    out["turn_switches_per_min"] = switches / (duration_s / 60.0) if duration_s > 0 else None
    return out


def improv_metrics(onset_s: Sequence[float] | np.ndarray, note: Sequence[int] | np.ndarray,
                   velocity: Sequence[int] | np.ndarray, *, duration_s: float,
                   therapist_onset_s: Sequence[float] | np.ndarray | None = None,
                   key_pc: int | None = None, mode: str | None = None, bpm: float | None = None,
                   beat_offset_s: float = 0.0, window_s: float = DEFAULT_WINDOW_S) -> dict[str, Any]:
    """Every metric of :data:`IMPROV_KEYS` for the client's notes (the module's definitions).

    Parameters
    ----------
    onset_s, note, velocity : array-like
        The client's note-ons: onset (s from the recording's start, finite), MIDI note 0..127
        and velocity 1..127, one entry per note (any order; equal lengths).
    duration_s : float
        The recording's length (s, >= 0).
    therapist_onset_s : array-like, optional
        The therapist's note onsets (s); None: no interaction metrics (null).
    key_pc, mode : optional
        The key's tonic (0..11, C = 0) and a mode of :data:`live.music.scales.MODES`, for
        ``in_scale_pct``; both or neither.
    bpm, beat_offset_s : optional
        The pulse (beats per minute, > 0) and the time of a beat (s), for the pulse metrics.
    window_s : float
        The window of ``active_pct`` and the interaction metrics (s, > 0).

    Returns
    -------
    dict
        Exactly :data:`IMPROV_KEYS`, in order; undefined values None.
    """
    t = _floats(onset_s, "onset_s")
    notes = np.asarray(note, dtype=np.int64).reshape(-1)
    vel = np.asarray(velocity, dtype=float).reshape(-1)
    if not (t.size == notes.size == vel.size):
        raise ValueError(f"onset_s, note and velocity must have one entry per note ({t.size}, {notes.size}, {vel.size})")
    if not math.isfinite(duration_s) or duration_s < 0:
        raise ValueError(f"duration_s {duration_s!r}: must be finite and >= 0")
    if not math.isfinite(window_s) or window_s <= 0:
        raise ValueError(f"window_s {window_s!r}: must be more than 0 s")
    if (key_pc is None) != (mode is None):
        raise ValueError("key_pc and mode: give both or neither")
    if bpm is not None and not (math.isfinite(bpm) and bpm > 0):
        raise ValueError(f"bpm {bpm!r}: must be more than 0")
    order = np.argsort(t, kind="stable")
    t, notes, vel = t[order], notes[order], vel[order]
    n = int(t.size)
    out: dict[str, Any] = dict.fromkeys(IMPROV_KEYS)
    out["n_notes"] = n
    out["duration_s"] = float(duration_s)
    out["density_per_s"] = n / duration_s if duration_s > 0 else None
    if n:
        out |= {"velocity_mean": float(vel.mean()), "velocity_min": int(vel.min()), "velocity_max": int(vel.max()),
                "pitch_mean": float(notes.mean()), "pitch_min": int(notes.min()), "pitch_max": int(notes.max()),
                "pitch_range": int(notes.max() - notes.min())}
    out["velocity_sd"] = float(vel.std(ddof=1)) if n >= 2 else None
    out["pitch_classes_used"] = int(np.unique(notes % 12).size)
    if key_pc is not None and mode is not None and n:
        scale = np.asarray(scale_pitch_classes(key_pc, mode))
        out["in_scale_pct"] = 100.0 * float(np.isin(notes % 12, scale).mean())
    counts = window_counts(t, duration_s, window_s)
    out["active_pct"] = 100.0 * float(np.mean(counts > 0)) if counts.size else None
    out["longest_silence_s"] = float(np.diff(t).max()) if n >= 2 else None
    out["ioi_cv"], out["npvi"] = _ioi_metrics(t)
    if bpm is not None:
        out["pulse_R"], out["pulse_phase_deg"] = _pulse(t, bpm, float(beat_offset_s))
    out["key_estimate"], out["key_clarity"] = _key(notes)
    if therapist_onset_s is not None:
        out |= _interaction(t, np.sort(_floats(therapist_onset_s, "therapist_onset_s")), duration_s, window_s)
    return out


def improv_from_channels(onset_s: Sequence[float] | np.ndarray, note: Sequence[int] | np.ndarray,
                         velocity: Sequence[int] | np.ndarray, channel: Sequence[int] | np.ndarray, *,
                         duration_s: float, client_channels: Sequence[int] = (0,),
                         therapist_channels: Sequence[int] | None = None, **options: Any) -> dict[str, Any]:
    """:func:`improv_metrics` over the notes of a recording of several channels.

    ``channel`` and the channel sets are MIDI channels as a file holds them, 0..15 (a person
    reads 1..16); notes on other channels are left out. ``therapist_channels`` None: no
    interaction metrics. ``options``: ``key_pc``, ``mode``, ``bpm``, ``beat_offset_s``, ``window_s``.
    """
    ch = np.asarray(channel, dtype=np.int64).reshape(-1)
    t = np.asarray(onset_s, dtype=float).reshape(-1)
    notes = np.asarray(note).reshape(-1)
    vel = np.asarray(velocity).reshape(-1)
    mine = np.isin(ch, list(client_channels))
    theirs = None if therapist_channels is None else t[np.isin(ch, list(therapist_channels))]
    return improv_metrics(t[mine], notes[mine], vel[mine], duration_s=duration_s, therapist_onset_s=theirs, **options)
