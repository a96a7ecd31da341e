"""The one builder of each kind of row the store writes: a scheduled sound, an input, a scored
response, a therapist's control, a summary's metrics. Every writer goes through these, so a
sound or a response is stored the same way whichever method hands it over.

Each builder checks what it is given (integers where frames are, finite numbers, the input's
client among the session's clients) and returns a dict with every column of its table, so
rows of different kinds go into one ``executemany``.

Realtime-safe: no.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from live.activities.types import Response, Summary
from live.engine.events import InputEvent, ScheduledSound
from live.store.schema import TRIAL_PHASE
from live.store.values import check_int, check_name, dump_json, metric_value, opt_float, opt_int

__all__ = ["Control", "session_client", "sound_row", "input_row", "response_row", "control_row", "summary_rows"]

Control = tuple[int, str, "float | None", "str | None"]
"""A therapist's control as stored: (frame, action, value, effect)."""


def session_client(client_ids: Mapping[str, int], code: str, session_id: str, frame: int) -> int:
    """The id of client ``code`` of the session, whose input is at ``frame``; ``ValueError`` when
    the client is not one of the session's."""
    try:
        return client_ids[code]
    except KeyError:
        raise ValueError(
            f"input at frame {frame} is from client {code!r}, who is not in session {session_id} "
            f"(its clients: {', '.join(sorted(client_ids))})"
        ) from None


def sound_row(run_id: int, s: ScheduledSound) -> dict[str, Any]:
    """An ``events`` row of kind ``sound``: a scheduled sound and the cue it marks."""
    return {"run_id": run_id, "kind": "sound", "frame": check_int("sound frame", s.frame),
            "client_id": None, "source": None, "note": None, "velocity": None,
            "sound": s.sound, "gain": opt_float("gain", s.gain), "cue_index": opt_int("cue_index", s.cue_index),
            "end_frame": opt_int("end_frame", s.end_frame)}


def input_row(run_id: int, ev: InputEvent, client_ids: Mapping[str, int], session_id: str) -> dict[str, Any]:
    """An ``events`` row of kind ``input``: a client's input (its client one of the session's),
    or the therapist's (``ev.client`` None, stored with no client)."""
    frame = check_int("input frame", ev.frame)
    client = None if ev.client is None else session_client(client_ids, ev.client, session_id, frame)
    return {"run_id": run_id, "kind": "input", "frame": frame, "client_id": client, "source": ev.source,
            "note": opt_int("note", ev.note), "velocity": check_int("velocity", ev.velocity),
            "sound": None, "gain": None, "cue_index": None, "end_frame": None}


def response_row(run_id: int, r: Response, client_ids: Mapping[str, int], session_id: str, *,
                 provisional: bool) -> dict[str, Any]:
    """A ``responses`` row: the input, its target (index, frame, kind; all None when
    unmatched), its error in ms and the activity's extra fields (as JSON; None when there are
    none)."""
    ev, target = r.event, r.target
    frame = check_int("response frame", ev.frame)
    return {
        "run_id": run_id,
        "client_id": session_client(client_ids, ev.client, session_id, frame),
        "frame": frame,
        "source": ev.source,
        "note": opt_int("note", ev.note),
        "velocity": check_int("velocity", ev.velocity),
        "target_index": None if target is None else check_int("target index", target.index),
        "target_frame": None if target is None else check_int("target frame", target.frame),
        "target_kind": None if target is None else check_name("target kind", target.kind, 32),
        "error_ms": opt_float("error_ms", r.error_ms),
        "extra_json": dump_json("response extra", r.extra) if r.extra else None,
        "provisional": bool(provisional),
    }


def control_row(run_id: int, control: Control) -> dict[str, Any]:
    """A ``controls`` row from (frame, action, value, effect)."""
    frame, action, value, effect = control
    return {"run_id": run_id, "frame": check_int("control frame", frame), "action": str(action),
            "value": opt_float("value", value), "effect": effect}


def summary_rows(run_id: int, summary: Mapping[str, Any] | Summary, phase: str = "all") -> list[dict[str, Any]]:
    """``summaries`` rows of a run: ``summary``'s metrics under ``phase``, then (for a
    :class:`Summary`) each of its phases under its name and each trial's metrics with its
    ``index`` as ``trial`` (phase :data:`~live.store.schema.TRIAL_PHASE`). Positions run on
    across them all, so the order given is the order read back.

    A metric's value is a number, a text (``text_value``) or None where undefined (never NaN);
    a trial's field may also be a list of numbers or dicts of numbers (a call's notes), kept as
    JSON text and read back as the list.
    """
    metrics = summary.metrics if isinstance(summary, Summary) else summary
    if not isinstance(metrics, Mapping):
        raise TypeError(f"summary must be a dict of metric -> value, got {type(summary).__name__}")
    parts: list[tuple[str, int | None, Mapping[str, Any]]] = [(check_name("phase", phase, 32), None, metrics)]
    if isinstance(summary, Summary):
        parts += [(check_name("phase", name, 32), None, m) for name, m in summary.phases.items() if name != phase]
        for k, trial in enumerate(summary.trials):
            if "index" not in trial:
                raise ValueError(f"trial {k} of the summary has no 'index'")
            parts.append((TRIAL_PHASE, check_int("trial index", trial["index"]),
                          {m: v for m, v in trial.items() if m != "index"}))
    rows = []
    for part_phase, trial, part in parts:
        for name, value in part.items():
            number, text = metric_value(name, value)
            rows.append({"run_id": run_id, "phase": part_phase, "trial": trial,
                         "metric": check_name("metric name", name, 100), "position": len(rows),
                         "value": number, "text_value": text})
    return rows

