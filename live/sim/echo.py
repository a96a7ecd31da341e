"""The simulated echo player: how a client answers a call, as a seeded model (issue 12).

Given a call (onsets, notes, durations) it returns the answer a client with these traits would
play: it remembers at most ``memory_span`` notes (the phrase's tail beyond is dropped), leaves a
remembered note out with probability ``omission_rate``, adds an extra onset after a played note
with probability ``insertion_rate``, plays a pitched note a semitone or two off with probability
``pitch_error_rate``, scales the phrase's time by ``tempo_scale`` (answer IOIs = call IOIs x
scale), starts ``latency_ms`` (SD ``latency_sd_ms``) after the call has ended (or, answering in
time, at the call's start plus the given lag), and puts Gaussian timing noise of SD
``timing_sd_ms`` on every onset. The metrics of :mod:`live.metrics.echo` should recover these
(tests/test_sim_echo.py).

Pure: :func:`echo_answer` is a function of the call, the parameters and the seed; the
:class:`EchoPlayer` seeds each trial from its own seed and the trial's index, so a trial's
answer does not depend on the trials before it. The session's simulated client (the activity's
``simulated_client``) wraps it.

Realtime-safe: no (control thread).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Sequence

import numpy as np

from live.metrics.echo import EchoNote

__all__ = ["EchoAnswer", "EchoPlayer", "EchoPlayerParams", "echo_answer"]

_MIN_LATENCY_MS = 50.0  # a client cannot answer before hearing the end: latencies are at least this


@dataclass(frozen=True, slots=True)
class EchoPlayerParams:
    """A simulated client's traits (units in the names; rates are probabilities 0..1).

    Attributes
    ----------
    timing_sd_ms : float
        SD of the Gaussian noise on every answer onset, ms (>= 0).
    tempo_scale : float
        Answer time / call time (> 0): 1.1 plays the phrase 10 % slower.
    latency_ms, latency_sd_ms : float
        Response latency: from the end of the call's last note to the first answer onset, mean
        and SD, ms (drawn values below 50 ms are raised to 50). Not used when answering in time.
    omission_rate : float
        Probability that a remembered note is left out.
    insertion_rate : float
        Probability that an extra onset follows a played note (between it and the next one).
    pitch_error_rate : float
        Probability that a pitched note is played 1 or 2 semitones off, up or down.
    memory_span : int
        The most notes it keeps (>= 1); the notes after them are dropped.
    """

    timing_sd_ms: float = 25.0
    tempo_scale: float = 1.0
    latency_ms: float = 450.0
    latency_sd_ms: float = 100.0
    omission_rate: float = 0.05
    insertion_rate: float = 0.03
    pitch_error_rate: float = 0.1
    memory_span: int = 6

    def __post_init__(self) -> None:
        for name in ("timing_sd_ms", "latency_ms", "latency_sd_ms"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} {value!r}: must be a finite number >= 0")
        if not (math.isfinite(self.tempo_scale) and self.tempo_scale > 0):
            raise ValueError(f"tempo_scale {self.tempo_scale!r}: must be a finite number > 0")
        for name in ("omission_rate", "insertion_rate", "pitch_error_rate"):
            value = getattr(self, name)
            if not 0 <= value <= 1:
                raise ValueError(f"{name} {value!r}: must be 0..1")
        if not (isinstance(self.memory_span, int) and self.memory_span >= 1):
            raise ValueError(f"memory_span {self.memory_span!r}: must be a whole number >= 1")


@dataclass(frozen=True, slots=True)
class EchoAnswer:
    """One answer and what the model did on purpose to make it.

    ``notes`` in time order; ``dropped`` notes beyond the memory span, ``omitted`` remembered
    notes left out, ``inserted`` extra onsets, ``pitch_errors`` notes played off pitch.
    """

    notes: tuple[EchoNote, ...]
    dropped: int
    omitted: int
    inserted: int
    pitch_errors: int


def echo_answer(call: Sequence[EchoNote], params: EchoPlayerParams, *, seed: int | Sequence[int],
                lag_s: float | None = None) -> EchoAnswer:
    """The answer to ``call`` of a client with ``params``.

    Parameters
    ----------
    call : sequence of EchoNote
        The call, seconds on the session's time line (at least one note; any order).
    params : EchoPlayerParams
        The client's traits.
    seed : int or sequence of int
        Seed of this answer's random numbers (numpy's ``default_rng``).
    lag_s : float or None
        Answering in time: the first note belongs at the call's first onset plus ``lag_s``
        (seconds; e.g. one phrase). None: a free answer, after the response latency.

    Returns
    -------
    EchoAnswer
    """
    if not call:
        raise ValueError("call: no notes (allowed: a call of at least one note)")
    rng = np.random.default_rng(seed)
    ordered = sorted(call, key=lambda n: n.onset_s)
    kept = ordered[:params.memory_span]
    dropped = len(ordered) - len(kept)
    first_s = ordered[0].onset_s
    if lag_s is None:
        last = max((n for n in ordered if n.onset_s == ordered[-1].onset_s), key=lambda n: n.duration_s)
        latency_ms = max(_MIN_LATENCY_MS, rng.normal(params.latency_ms, params.latency_sd_ms))
        start_s = last.onset_s + last.duration_s + latency_ms / 1000.0
    else:
        start_s = first_s + lag_s
    sd_s = params.timing_sd_ms / 1000.0
    played: list[EchoNote] = []
    omitted = inserted = pitch_errors = 0
    for k, n in enumerate(kept):
        if rng.random() < params.omission_rate:
            omitted += 1
            continue
        note = n.note
        if note is not None and rng.random() < params.pitch_error_rate:
            note = int(min(127, max(0, note + rng.choice([-2, -1, 1, 2]))))
            pitch_errors += 1
        at_s = start_s + params.tempo_scale * (n.onset_s - first_s) + rng.normal(0.0, sd_s)
        played.append(EchoNote(float(at_s), note, params.tempo_scale * n.duration_s))
        if rng.random() < params.insertion_rate:
            gap_s = params.tempo_scale * ((kept[k + 1].onset_s if k + 1 < len(kept) else n.onset_s + 0.5) - n.onset_s)
            extra_s = at_s + rng.uniform(0.25, 0.75) * max(gap_s, 0.1)
            played.append(EchoNote(float(extra_s), note, 0.1))
            inserted += 1
    played.sort(key=lambda n: n.onset_s)
    return EchoAnswer(tuple(played), dropped, omitted, inserted, pitch_errors)


@dataclass(frozen=True, slots=True)
class EchoPlayer:
    """A seeded echo player: the same seed and trial index give the same answer."""

    params: EchoPlayerParams = field(default_factory=EchoPlayerParams)
    seed: int = 1

    def answer(self, call: Sequence[EchoNote], trial_index: int, *, lag_s: float | None = None) -> EchoAnswer:
        """Its answer to the call of trial ``trial_index`` (0, 1, ...): see :func:`echo_answer`."""
        return echo_answer(call, self.params, seed=(self.seed, trial_index), lag_s=lag_s)

    def describe(self) -> dict[str, Any]:
        """Its true parameters (what the metrics should recover), for ``live demo --json``:
        ``model`` ``"echo player"``, ``seed``, and every field of :class:`EchoPlayerParams`."""
        return {"model": "echo player", "seed": self.seed, **asdict(self.params)}
