"""``live export --format csv``: a zip of CSV tables, one row per stored item.

The zip holds the tables below and ``README.txt`` describing every column (the same text as
docs/records.md). CSV is RFC 4180 (comma, double quotes, CRLF line ends), UTF-8; empty cells
are missing values. ``time_s`` counts seconds from the first run's start; ``frame`` is the
engine frame (``sample_rate`` per second) the time comes from.

The columns of a scored input and of a scheduled cue are named as each run's activity declares
(:mod:`live.store.declared`): ``<target>_index`` and ``<target>_time_s`` of what the input was
scored against, its error (for entrainment, whose target is the beat, the asynchrony), and
the extra fields the activity's responses carry. A session of several activities has the
columns of each, in the order its runs came, each run filling its own.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from live.metrics.info import metric_info

from live.store.declared import Declared, session_declared
from live.store.exports import kept_audio, origin_frame

# table -> [(column, description)]
COLUMNS: dict[str, list[tuple[str, str]]] = {
    "runs.csv": [
        ("session_id", "the session (32 hex digits)"),
        ("run_id", "the run"),
        ("position", "1, 2, ... in the session"),
        ("activity", "activity name, e.g. entrainment"),
        ("preset", "preset name"),
        ("status", "complete, or incomplete when the run did not end normally"),
        ("tempo_bpm", "the preset's tempo in beats per minute (empty when it has none)"),
        ("start_time_s", "the run's first sound, seconds from the first run's start"),
        ("end_time_s", "when the run ended (empty when incomplete)"),
        ("started_at", "wall-clock start, ISO 8601 UTC (shifted when de-identified)"),
        ("ended_at", "wall-clock end, ISO 8601 UTC (shifted when de-identified)"),
        ("params_json", "every preset parameter, as JSON"),
        ("segment", "1, or 2, 3, ... for a run played again after an audio outage cut it short"),
        ("resumes_run_id", "the run it plays again (empty for a first segment)"),
    ],
    "outages.csv": [
        ("outage_id", "the audio outage"),
        ("run_id", "the run it cut short (empty: between runs)"),
        ("start_time_s", "the last moment played before it, seconds from the first run's start"),
        ("end_time_s", "the first moment played after it (empty: not back when the session ended)"),
        ("lost_s", "its length in seconds (the session's time runs on through it)"),
        ("started_at", "wall-clock start, ISO 8601 UTC (shifted when de-identified)"),
        ("ended_at", "wall-clock end, ISO 8601 UTC (shifted when de-identified)"),
        ("device", "what was lost, e.g. audio on JACK Audio Connection Kit"),
    ],
    "events.csv": [
        ("run_id", "the run"),
        ("kind", "sound (scheduled by live) or input (played by a client or the therapist)"),
        ("frame", "engine frame"),
        ("time_s", "seconds from the first run's start"),
        ("client", "client code of an input (empty for sounds and for the therapist's notes)"),
        ("source", "input path: midi, mic or touch (empty for sounds)"),
        ("note", "MIDI note of an input (empty for mic and sounds)"),
        ("velocity", "1..127 of an input"),
        ("sound", "bank sound of a scheduled sound"),
        ("gain", "linear gain of a scheduled sound"),
    ],
    "audio.csv": [
        ("run_id", "the run that kept it"),
        ("clip_id", "the clip (its samples stay in the store; the WAV export mixes them in)"),
        ("client", "client code"),
        ("source", "input path it came from: mic (sim: a simulated client's)"),
        ("start_time_s", "its first sample, seconds from the first run's start"),
        ("duration_s", "its length in seconds"),
        ("sample_rate", "its samples per second"),
        ("channels", "its channels (1: mono)"),
        ("encoding", "how the store keeps it: flac16 (FLAC of 16-bit PCM)"),
        ("bytes", "its size in the store"),
    ],
    "responses.csv": [
        ("run_id", "the run"),
        ("client", "client code"),
        ("frame", "engine frame of the input, after the input path's latency correction"),
        ("time_s", "seconds from the first run's start"),
        ("source", "input path"),
        ("note", "MIDI note (empty for mic)"),
        ("velocity", "1..127"),
        ("provisional", "1 when scored as it arrived and never re-scored (incomplete runs), else 0"),
    ],
    "summaries.csv": [
        ("run_id", "the run"),
        ("phase", "which part of the run: all, a phase the activity names, or `trial N` (a trial's own "
                  "values, e.g. call-and-response's; a list such as a trial's `call` and `answer` is written as JSON)"),
        ("metric", "metric name (docs/records.md lists them)"),
        ("label", "what the metric is"),
        ("value", "the value (empty where undefined)"),
        ("unit", "UCUM unit code: ms, %, deg, 1 (a number), {beats}, {taps}"),
    ],
    "notes.csv": [
        ("note_id", "the note"),
        ("run_id", "the run it belongs to (empty: the whole session)"),
        ("frame", "engine frame of a marked moment (empty: a note on no moment)"),
        ("time_s", "seconds from the first run's start of a marked moment"),
        ("text", "the therapist's note"),
        ("created_at", "when it was written, ISO 8601 UTC (shifted when de-identified)"),
    ],
    "goals.csv": [
        ("client", "client code"),
        ("goal", "the goal as written, e.g. sd_async_ms <= 40 at 100 BPM"),
        ("metric", "metric name"),
        ("direction", "<= or >="),
        ("target", "target value in the metric's unit"),
        ("session_value", "this session's value (mean over the matching runs; empty: no matching run)"),
        ("met", "1 met, 0 not met, empty without a value"),
    ],
}


def declared_columns(declared: Mapping[str, Declared]) -> dict[str, list[tuple[str, str]]]:
    """The columns of ``events.csv`` and ``responses.csv`` the activities add (see the module
    docstring), by table; each column once."""
    events: dict[str, str] = {}
    responses: dict[str, str] = {}
    for d in declared.values():
        n, t = d.names, d.names.target
        events.setdefault(n.index, f"{t} number of a scheduled {t} (0 = first scored {t})")
        responses.setdefault(n.index, f"the {t} the input was matched to (empty: unmatched, {n.unmatched})")
        responses.setdefault(n.time_s, f"that {t}'s time, seconds from the first run's start")
        responses.setdefault(n.error, f"input time minus {t} time in milliseconds (negative = early)")
        for name in d.response_fields:
            responses.setdefault(name, f"{name.replace('_', ' ')}, as the {d.activity} activity records it")
    return {"events.csv": list(events.items()), "responses.csv": list(responses.items())}


def columns(session: dict[str, Any]) -> dict[str, list[tuple[str, str]]]:
    """Table -> [(column, description)] of this session's export: :data:`COLUMNS` with the
    activities' columns (:func:`declared_columns`) added to events (at the end) and responses
    (before ``provisional``)."""
    added = declared_columns(session_declared(session))
    out = {table: list(cols) for table, cols in COLUMNS.items()}
    out["events.csv"] += added["events.csv"]
    out["responses.csv"][-1:-1] = added["responses.csv"]
    return out


def readme(session: dict[str, Any]) -> str:
    lines = [f"live session {session['id']}: CSV export", "",
             "time_s counts seconds from the first run's start; frames are engine frames at "
             f"{session['sample_rate']} per second.",
             "De-identified: " + ("yes: no display names, every date shifted by one random offset"
                                  if session["deidentified"] else "no"), ""]
    for table, cols in columns(session).items():
        lines.append(table)
        lines += [f"  {name:<15} {text}" for name, text in cols]
        lines.append("")
    return "\n".join(lines)


def _cell(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, datetime):
        return v.isoformat()
    if isinstance(v, list):  # a trial's list field (a call's notes): as JSON
        return json.dumps(v, separators=(",", ":"))
    return v


def _csv(names: list[str], rows: list[dict[str, Any]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(names)
    for row in rows:
        w.writerow([_cell(row.get(n)) for n in names])
    return buf.getvalue()


def tables(session: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Table name -> rows (dicts keyed by column)."""
    sr, t0 = session["sample_rate"], origin_frame(session)
    declared = session_declared(session)

    def t(frame: int | None) -> float | None:
        return None if frame is None else (frame - t0) / sr

    out: dict[str, list[dict[str, Any]]] = {name: [] for name in COLUMNS}
    for r in session["runs"]:
        d = declared[r["activity"]]
        names = d.names
        out["runs.csv"].append({
            "session_id": session["id"], "run_id": r["id"], "position": r["position"], "activity": r["activity"],
            "preset": r["preset_name"], "status": r["status"], "tempo_bpm": r["params"].get("tempo_bpm"),
            "start_time_s": t(r["start_frame"]), "end_time_s": t(r["end_frame"]), "started_at": r["started_at"],
            "ended_at": r["ended_at"], "params_json": json.dumps(r["params"], sort_keys=True),
            "segment": r.get("segment", 1), "resumes_run_id": r.get("resumes_run_id")})
        events = sorted([*r["sounds"], *r["inputs"]], key=lambda e: (e["frame"], e["id"]))
        out["events.csv"] += [{**e, "run_id": r["id"], "time_s": t(e["frame"]), names.index: e["cue_index"]}
                              for e in events]
        out["responses.csv"] += [{**x, **{f: x["extra"].get(f) for f in d.response_fields},
                                  "run_id": r["id"], "time_s": t(x["frame"]), names.index: x["target_index"],
                                  names.time_s: t(x["target_frame"]), names.error: x["error_ms"]}
                                 for x in r["responses"]]
        for phase, metrics in r["phases"].items():
            out["summaries.csv"] += [_summary_row(r["id"], phase, m, v, d) for m, v in metrics.items()]
        for trial in r.get("trials", ()):
            out["summaries.csv"] += [_summary_row(r["id"], f"trial {trial['index']}", m, v, d)
                                     for m, v in trial.items() if m != "index"]
    out["audio.csv"] = kept_audio(session)
    if not out["audio.csv"]:  # a table for sessions that kept audio only: others export as before
        del out["audio.csv"]
    out["outages.csv"] = [{**o, "outage_id": o["id"], "start_time_s": t(o["start_frame"]), "end_time_s": t(o["end_frame"]),
                           "lost_s": None if o["end_frame"] is None else (o["end_frame"] - o["start_frame"]) / sr}
                          for o in session.get("outages", [])]
    out["notes.csv"] = [{**n, "note_id": n["id"], "time_s": t(n["frame"])} for n in session["notes"]]
    out["goals.csv"] = [{"client": code, "goal": g["text"], "metric": g["metric"], "direction": g["direction"],
                         "target": g["target"], "session_value": g["value"], "met": g["met"]}
                        for code, goals in session["goals"].items() for g in goals]
    return out


def _summary_row(run_id: int, phase: str, metric: str, value: Any, d: Declared) -> dict[str, Any]:
    info = metric_info(metric, d.catalogue)
    return {"run_id": run_id, "phase": phase, "metric": metric, "label": info.label,
            "value": value, "unit": info.ucum}


def render(session: dict[str, Any]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("README.txt", readme(session))
        cols = columns(session)
        for name, rows in tables(session).items():
            z.writestr(name, _csv([c for c, _ in cols[name]], rows))
    return buf.getvalue()
