"""``live export --format json``: the whole session as one JSON document.

Top-level keys: ``format`` ("live-session", ``version`` 1), ``session`` (id, status, times,
sample rate, clients, display names unless de-identified), ``runs`` (parameters, calibration,
per-phase summaries, ``trials`` (per-trial summaries, for activities with trials), sounds (with
the index of the cue each marks), inputs (``client`` null for the therapist's notes), controls,
and ``responses`` in the shape ``live run --json`` prints: time_s, source, note, velocity, the
target's time and the error as the run's activity names them (:mod:`live.store.declared`:
the beat's time and the asynchrony for entrainment), then the extra fields its responses
carry; ``segment`` and ``resumes_run_id`` of a run played again after an audio outage;
``audio`` of a run that kept audio input: each clip described, its samples in the store and the
WAV export: :func:`live.store.exports.kept_audio`),
``outages`` (each audio outage: run cut short, start and end time, ``lost_s``, wall-clock
times, device), ``responses`` (every run's together), ``notes`` and ``goals``. Times in seconds
count from the first run's start (:func:`live.store.exports.origin_frame`); timestamps are
ISO 8601 with offset.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from live.activities.types import Response
from live.store.declared import Declared, session_declared
from live.store.exports import kept_audio, origin_frame

FORMAT_VERSION = 1


def response_json(r: dict[str, Any], t0: int, sr: int, declared: Declared) -> dict[str, Any]:
    """A stored response in the ``live run --json`` shape, named as ``declared`` says."""
    names = declared.names
    return {
        "time_s": (r["frame"] - t0) / sr,
        "source": r["source"],
        "note": r["note"],
        "velocity": r["velocity"],
        names.time_s: None if r["target_frame"] is None else (r["target_frame"] - t0) / sr,
        names.error: r["error_ms"],
        **{f: r["extra"].get(f) for f in declared.response_fields},
    }


def scored_json(r: Response, t0: int, sr: int, declared: Declared) -> dict[str, Any]:
    """A scored response as the activity gave it (not read back from the store), in the same
    shape as :func:`response_json`: what ``live run --json`` prints."""
    ev = r.event
    return response_json({"frame": ev.frame, "source": ev.source, "note": ev.note, "velocity": ev.velocity,
                          "target_frame": None if r.target is None else r.target.frame,
                          "error_ms": r.error_ms, "extra": r.extra}, t0, sr, declared)


def document(session: dict[str, Any]) -> dict[str, Any]:
    """The JSON-ready document (datetimes still objects)."""
    sr, t0 = session["sample_rate"], origin_frame(session)

    def t(frame: int | None) -> float | None:
        return None if frame is None else (frame - t0) / sr

    declared = session_declared(session)
    audio = kept_audio(session)
    runs = []
    for r in session["runs"]:
        d = declared[r["activity"]]
        kept = [{k: v for k, v in a.items() if k != "run_id"} for a in audio if a["run_id"] == r["id"]]
        runs.append({
            "run_id": r["id"], "position": r["position"], "activity": r["activity"],
            "preset": r["preset_name"], "status": r["status"], "params": r["params"],
            "calibration": r["calibration"], "start_time_s": t(r["start_frame"]), "end_time_s": t(r["end_frame"]),
            "started_at": r["started_at"], "ended_at": r["ended_at"],
            "summary": r["summary"], "phases": r["phases"], **({"trials": r["trials"]} if r.get("trials") else {}),
            "responses": [response_json(x, t0, sr, d) for x in r["responses"]],
            "sounds": [{"time_s": t(e["frame"]), "sound": e["sound"], "gain": e["gain"],
                        d.names.index: e["cue_index"]} for e in r["sounds"]],
            "inputs": [{"time_s": t(e["frame"]), "client": e["client"], "source": e["source"], "note": e["note"],
                        "velocity": e["velocity"]} for e in r["inputs"]],
            "controls": [{"time_s": t(c["frame"]), "action": c["action"], "value": c["value"],
                          "effect": c["effect"]} for c in r["controls"]],
            "segment": r.get("segment", 1), "resumes_run_id": r.get("resumes_run_id"),
            **({"audio": kept} if kept else {}),
        })
    return {
        "format": "live-session", "version": FORMAT_VERSION,
        "deidentified": session["deidentified"],
        "session": {
            "id": session["id"], "status": session["status"], "started_at": session["started_at"],
            "ended_at": session["ended_at"], "simulated": session["simulated"],
            "sample_rate": sr, "app_version": session["app_version"], "clients": session["clients"],
            "display_names": session["display_names"],
        },
        "runs": runs,
        "outages": [{"outage_id": o["id"], "run_id": o["run_id"], "start_time_s": t(o["start_frame"]),
                     "end_time_s": t(o["end_frame"]),
                     "lost_s": None if o["end_frame"] is None else (o["end_frame"] - o["start_frame"]) / sr,
                     "started_at": o["started_at"], "ended_at": o["ended_at"], "device": o["device"]}
                    for o in session.get("outages", [])],
        "responses": [x for r in runs for x in r["responses"]],
        "notes": [{"time_s": t(n["frame"]), "run_id": n["run_id"], "text": n["text"],
                   "created_at": n["created_at"]} for n in session["notes"]],
        "goals": {code: [{"text": g["text"], "metric": g["metric"], "direction": g["direction"],
                          "target": g["target"], "conditions": g["conditions"], "value": g["value"],
                          "met": g["met"]} for g in goals] for code, goals in session["goals"].items()},
    }


def _default(x: Any) -> Any:
    if isinstance(x, (datetime, date)):
        return x.isoformat()
    raise TypeError(f"{type(x).__name__} is not JSON serialisable")


def render(session: dict[str, Any]) -> bytes:
    return json.dumps(document(session), default=_default, ensure_ascii=False, indent=1).encode()
