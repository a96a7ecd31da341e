"""The simulated improviser: how a client plays the pads over a backing, as a seeded model.

A function of time, the beat grid and (optionally) the therapist's notes, returning note
events (onset, pad, velocity). Each beat interval ``[b_k, b_k + I_k)``, where ``I_k`` is the
interval the client expects (``b_k - b_{k-1}``: the last interval it heard; for the first beat
with none before it, ``b_{k+1} - b_k``), gets:

- **onsets locked to the pulse**: each of the interval's ``subdivision`` grid points
  ``b_k + j I_k / subdivision`` holds a note with probability ``density_per_s x pulse_locking
  x I_k / subdivision`` (at most 1: a client cannot lock more notes than the grid has), placed
  at the grid point plus Gaussian timing noise of SD ``timing_sd_ms`` (clipped to 3 SD);
- **free onsets**: a Poisson process of rate ``density_per_s x (1 - pulse_locking)``, uniform
  over the interval.

So while it plays, the client makes ``density_per_s`` notes per second on average, a share
``pulse_locking`` of them on the grid: ``pulse_R`` of :mod:`live.metrics.improv` at the grid's
rate comes back near ``pulse_locking x exp(-(2 pi sd / T)^2 / 2)`` (T the grid's period; the
free onsets' phases are uniform). Velocities are Gaussian (``velocity_mean``,
``velocity_sd``), rounded and kept within 1..127. Pads follow a random walk in steps of -2..+2
pads (reflected at the edges) over the register ``low_pad..high_pad``, from its middle.

**Following the therapist** (``follows_therapist``): the client listens while the therapist
plays: an onset within ``listen_s`` after any therapist onset is left out (turn-taking, the
interaction the Music Therapy Toolbox measures), and the first note after the therapist's turn
starts from the pad nearest the therapist's last note (when the pads' notes are given).

Pure and reproducible: each beat interval draws from its own stream (the seed and the beat's
index), the pad walk from one stream of its own in time order, so the notes of a beat do not
depend on how far ahead the beats were known, and :class:`~live.sim.improviser_client.SimulatedImproviser`
(the session's simulated client, fed beat by beat) plays exactly what :func:`improvise` returns
for the same beats.

Realtime-safe: no (control thread).
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

__all__ = ["ImproviserParams", "ImprovNote", "beat_candidates", "improvise", "PadWalk", "listening", "take_note"]

_STEPS = np.array([-2, -1, 0, 1, 2])
_STEP_P = np.array([0.15, 0.3, 0.1, 0.3, 0.15])
_CLIP_SD = 3.0


@dataclass(frozen=True, slots=True)
class ImproviserParams:
    """A simulated improviser's traits (units in the names).

    Attributes
    ----------
    density_per_s : float
        Notes per second while it plays (> 0, at most 20).
    velocity_mean, velocity_sd : float
        Its velocities' mean (1..127) and SD (>= 0).
    pulse_locking : float
        Share of its notes placed on the beat grid, 0 (none: free time) .. 1 (all).
    timing_sd_ms : float
        SD of a locked note around its grid point, ms (>= 0).
    subdivision : int
        Grid points per beat: 1 beats, 2 eighths, 4 sixteenths (1..8).
    low_pad, high_pad : int
        Its register: the lowest and highest pad it plays (0-based, low <= high).
    follows_therapist : bool
        Whether it listens while the therapist plays (and takes up their register).
    listen_s : float
        How long after a therapist's note it stays silent, s (> 0).
    """

    density_per_s: float = 2.0
    velocity_mean: float = 80.0
    velocity_sd: float = 12.0
    pulse_locking: float = 0.7
    timing_sd_ms: float = 25.0
    subdivision: int = 2
    low_pad: int = 0
    high_pad: int = 7
    follows_therapist: bool = False
    listen_s: float = 1.0

    def __post_init__(self) -> None:
        def bad(name: str, allowed: str) -> ValueError:
            return ValueError(f"{name} {getattr(self, name)!r}: must be {allowed}")

        if not (math.isfinite(self.density_per_s) and 0 < self.density_per_s <= 20):
            raise bad("density_per_s", "more than 0 and at most 20 notes/s")
        if not (math.isfinite(self.velocity_mean) and 1 <= self.velocity_mean <= 127):
            raise bad("velocity_mean", "1..127")
        for name in ("velocity_sd", "timing_sd_ms"):
            if not (math.isfinite(getattr(self, name)) and getattr(self, name) >= 0):
                raise bad(name, "a finite number >= 0")
        if not 0 <= self.pulse_locking <= 1:
            raise bad("pulse_locking", "0..1")
        if not (isinstance(self.subdivision, int) and 1 <= self.subdivision <= 8):
            raise bad("subdivision", "a whole number 1..8")
        if not (isinstance(self.low_pad, int) and isinstance(self.high_pad, int) and 0 <= self.low_pad <= self.high_pad):
            raise ValueError(f"register {self.low_pad!r}..{self.high_pad!r}: must be pads 0 <= low_pad <= high_pad")
        if not (math.isfinite(self.listen_s) and self.listen_s > 0):
            raise bad("listen_s", "more than 0 s")


@dataclass(frozen=True, slots=True)
class ImprovNote:
    """One note the improviser plays: ``onset_s`` (s, on the beats' time line), ``pad``
    (0-based) and ``velocity`` (1..127)."""

    onset_s: float
    pad: int
    velocity: int


def beat_candidates(params: ImproviserParams, *, seed: int, beat_index: int, beat_s: float,
                    interval_s: float) -> list[tuple[float, int]]:
    """The (onset_s, velocity) of beat ``beat_index``'s interval (starting at ``beat_s``, expected
    to last ``interval_s``), before any is left out while listening; sorted by onset.

    Drawn from the stream of (``seed``, ``beat_index``) alone (``beat_index`` >= 0)."""
    if interval_s <= 0:
        return []
    rng = np.random.default_rng([seed, 0, beat_index])
    p = params
    grid_p = min(1.0, p.density_per_s * p.pulse_locking * interval_s / p.subdivision)
    on_grid = rng.random(p.subdivision) < grid_p
    sd_s = p.timing_sd_ms / 1000.0
    noise = np.clip(rng.standard_normal(p.subdivision) * sd_s, -_CLIP_SD * sd_s, _CLIP_SD * sd_s)
    locked = beat_s + np.arange(p.subdivision) * interval_s / p.subdivision + noise
    n_free = rng.poisson(p.density_per_s * (1.0 - p.pulse_locking) * interval_s)
    free = beat_s + rng.random(n_free) * interval_s
    onsets = np.concatenate([locked[on_grid], free])
    velocities = np.clip(np.rint(p.velocity_mean + p.velocity_sd * rng.standard_normal(onsets.size)), 1, 127)
    order = np.argsort(onsets, kind="stable")
    return [(float(onsets[i]), int(velocities[i])) for i in order]


def listening(onset_s: float, therapist_s: Sequence[float], listen_s: float) -> bool:
    """Whether a therapist's onset (sorted ``therapist_s``) lies in ``[onset_s - listen_s, onset_s)``."""
    i = bisect.bisect_left(therapist_s, onset_s - listen_s)
    return i < len(therapist_s) and therapist_s[i] < onset_s


class PadWalk:
    """The pads the notes take, in time order: a random walk over the register, from its middle;
    :meth:`follow` moves it to the pad nearest a therapist's note."""

    def __init__(self, params: ImproviserParams, *, seed: int) -> None:
        self.low, self.high = params.low_pad, params.high_pad
        self.pad = (self.low + self.high) // 2
        self._rng = np.random.default_rng([seed, 1])
        self._fresh = True

    def follow(self, note: int, pad_notes: Sequence[int]) -> None:
        """Start the next note from the pad (within the register) whose note is nearest ``note``."""
        pads = range(self.low, min(self.high, len(pad_notes) - 1) + 1)
        if len(pads):
            self.pad = min(pads, key=lambda i: (abs(pad_notes[i] - note), i))
            self._fresh = True

    def next(self) -> int:
        """The pad of the next note."""
        if self._fresh:
            self._fresh = False
            return self.pad
        step = int(self._rng.choice(_STEPS, p=_STEP_P))
        pad = self.pad + step
        span = self.high - self.low
        if span == 0:
            pad = self.low
        else:
            while pad < self.low or pad > self.high:   # reflect at the register's edges
                pad = 2 * self.low - pad if pad < self.low else 2 * self.high - pad
        self.pad = pad
        return pad


def improvise(params: ImproviserParams, *, seed: int, beats_s: Sequence[float], first_beat: int = 0,
              therapist: Sequence[tuple[float, int]] = (), pad_notes: Sequence[int] | None = None,
              start_s: float | None = None, end_s: float | None = None) -> list[ImprovNote]:
    """What the improviser plays over a beat grid.

    Parameters
    ----------
    params : ImproviserParams
    seed : int
        Its seed (>= 0).
    beats_s : sequence of float
        Consecutive beat times, s, ascending (count-in beats first, if any).
    first_beat : int
        Position in ``beats_s`` of the first beat it plays from (the beats before are heard only:
        a count-in); that beat's index is 0.
    therapist : sequence of (onset_s, MIDI note)
        The therapist's notes (used when ``params.follows_therapist``).
    pad_notes : sequence of int, optional
        The MIDI note of each pad (to take up the therapist's register).
    start_s, end_s : float, optional
        No note before ``start_s`` (the run's start) nor at or after ``end_s``.

    Returns
    -------
    list of ImprovNote
        In onset order.
    """
    candidates: list[tuple[float, int]] = []
    for pos in range(first_beat, len(beats_s)):
        if pos >= 1:
            interval = beats_s[pos] - beats_s[pos - 1]
        elif len(beats_s) > 1:
            interval = beats_s[1] - beats_s[0]
        else:
            continue
        candidates += beat_candidates(params, seed=seed, beat_index=pos - first_beat, beat_s=beats_s[pos],
                                      interval_s=interval)
    candidates.sort(key=lambda c: c[0])
    heard = sorted(therapist)
    times = [t for t, _ in heard]
    walk = PadWalk(params, seed=seed)
    out: list[ImprovNote] = []
    previous_s = -math.inf
    for onset, velocity in candidates:
        if (start_s is not None and onset < start_s):
            continue
        if end_s is not None and onset >= end_s:
            break
        note = take_note(params, walk, onset, velocity, previous_s, heard, times, pad_notes)
        if note is not None:
            out.append(note)
            previous_s = onset
    return out


def take_note(params: ImproviserParams, walk: PadWalk, onset_s: float, velocity: int, previous_s: float,
              heard: Sequence[tuple[float, int]], times: Sequence[float],
              pad_notes: Sequence[int] | None) -> ImprovNote | None:
    """The note a candidate onset becomes, or None when the client is listening to the therapist.

    ``previous_s``: the client's last note's onset; ``heard``: the therapist's notes so far,
    sorted, and ``times`` their onsets. Following, the first note after therapist notes starts
    from the pad nearest the last of them (with ``pad_notes``)."""
    if not params.follows_therapist:
        return ImprovNote(onset_s, walk.next(), velocity)
    if listening(onset_s, times, params.listen_s):
        return None
    last = bisect.bisect_left(times, onset_s) - 1
    if pad_notes is not None and last >= 0 and times[last] >= previous_s:
        walk.follow(heard[last][1], pad_notes)
    return ImprovNote(onset_s, walk.next(), velocity)
