"""What a session returns: each run's summary and scored responses, the session's outages and
the counters of its edges; and how ``live run --json`` prints its responses and outages.

Realtime-safe: no.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from live.activities.types import Response, Summary

__all__ = ["RunOutcome", "SessionOutcome", "outages_json", "responses_json"]


@dataclass(frozen=True, slots=True)
class RunOutcome:
    """A finished run (or one segment of it, when an audio outage cut it short).

    Parameters
    ----------
    run_id : int
        Its row in the store.
    preset, activity : str
        The preset it played and that preset's activity.
    summary : Summary
        Its metrics overall, per phase and per trial.
    responses : tuple of Response
        Every scored input as the summary matched it (what is stored).
    start_frame, end_frame : int
        Engine frames of its start and of its end (the first frame its activity counted as
        finished, or the frame it was stopped at).
    segment : int
        1; 2, 3, ... when it was played again after an outage cut the run it ``resumes_run_id`` short.
    """

    run_id: int
    preset: str
    activity: str
    summary: Summary
    responses: tuple[Response, ...]
    start_frame: int
    end_frame: int
    segment: int = 1
    resumes_run_id: int | None = None


@dataclass(frozen=True, slots=True)
class SessionOutcome:
    """A finished session.

    Parameters
    ----------
    session_id : str
    runs : tuple of RunOutcome
        In the order they played.
    origin_frame : int
        The engine frame the session's times count from: the first run's start
        (:func:`live.store.exports.first_start_frame`, as in every export).
    sample_rate : int
    ended_because : str
        ``"finished"``, ``"stopped by SIGTERM"``, ...
    engine_stats : dict
        The callback's counters, summed over every stream of the session.
    outages : tuple of dict
        Each audio outage: ``outage_id``, ``run_id``, ``start_frame``, ``end_frame`` (None when
        the audio had not returned), ``device``, ``reopen_s``, ``timeline_error_frames``.
    writer : dict
        How the store writes went (``live run --json``'s ``writer``; empty offline).
    edges : dict
        Counters of the input edges by name (``"midi"``: the MIDI client's).
    simulated, produced : dict
        A simulated client's true parameters and what it did (empty in a live session).
    wav_path : Path or None
        The session's audio, when it was recorded (offline).
    """

    session_id: str
    runs: tuple[RunOutcome, ...]
    origin_frame: int
    sample_rate: int
    ended_because: str
    engine_stats: dict[str, Any]
    outages: tuple[dict[str, Any], ...] = ()
    writer: dict[str, Any] = field(default_factory=dict)
    edges: dict[str, Any] = field(default_factory=dict)
    simulated: dict[str, Any] = field(default_factory=dict)
    produced: dict[str, int] = field(default_factory=dict)
    wav_path: Path | None = None


def outages_json(outcome: SessionOutcome) -> list[dict[str, Any]]:
    """The session's audio outages as ``live run --json`` prints them: ``start_time_s`` (the
    last moment heard) and ``end_time_s`` (the audio back; None when it had not returned when
    the session ended), in seconds on the session's one timeline (as ``responses``),
    ``lost_s`` their difference, ``reopen_s`` how long opening the audio again took once the
    device was there, ``timeline_error_ms`` how far the new stream's first block is from where
    the monotonic clock puts it (the stream starts a moment after its first frame is chosen:
    positive = its frames are ahead), ``run_id`` the run it cut short (None between runs),
    ``device``."""
    sr, t0 = outcome.sample_rate, outcome.origin_frame
    out = []
    for o in outcome.outages:
        end, error = o["end_frame"], o["timeline_error_frames"]
        out.append({"start_time_s": (o["start_frame"] - t0) / sr,
                    "end_time_s": None if end is None else (end - t0) / sr,
                    "lost_s": None if end is None else (end - o["start_frame"]) / sr,
                    "reopen_s": o["reopen_s"], "timeline_error_ms": None if error is None else 1000 * error / sr,
                    "run_id": o["run_id"], "device": o["device"]})
    return out


def responses_json(outcome: SessionOutcome) -> list[dict[str, Any]]:
    """Every scored response of the session, as ``live run --json`` prints them: the same
    shape and the same time origin as ``live export --format json``
    (:func:`live.store.exports.json_doc.scored_json`): ``time_s``, seconds from the
    session's start (the first run's start frame) on the engine clock, after the input path's
    latency correction, the input's ``source``, ``note`` and ``velocity``, and its target's
    time and its error under the names its activity declares."""
    from live.store.declared import declared
    from live.store.exports.json_doc import scored_json

    sr, t0 = outcome.sample_rate, outcome.origin_frame
    return [scored_json(r, t0, sr, declared(run.activity)) for run in outcome.runs for r in run.responses]
