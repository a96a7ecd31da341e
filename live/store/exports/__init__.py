"""Exports of one stored session for a clinic's record: csv, json, fhir, midi, wav, html, pdf.

:func:`export_session` loads the session (:func:`live.store.records.load_session`),
de-identifies it on request, hands it to the format's module and writes the result with mode
0600 (client data is health data: DOMAIN.md, "Records"). Formats and columns are described in
docs/records.md. Realtime-safe: no.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Any, Iterable

from live.engine.files import open_private, write_private
from live.store.records import deidentify, load_session, random_date_shift
from live.store.store import Store

__all__ = ["FORMATS", "export_session", "default_name", "origin_frame", "kept_audio", "describe_kept_audio",
           "first_start_frame", "outage_spans", "sounded", "describe_outages"]

# format -> (module in this package, its function, file name ending). A ``render`` function
# returns the file's bytes; a ``write`` function streams into an open file (large files).
FORMATS: dict[str, tuple[str, str, str]] = {
    "csv": ("csv_zip", "render", ".csv.zip"),
    "json": ("json_doc", "render", ".json"),
    "fhir": ("fhir", "render", ".fhir.json"),
    "midi": ("midi", "render", ".mid"),
    "wav": ("wav", "write", ".wav"),
    "html": ("note", "render_html", ".html"),
    "pdf": ("note", "render_pdf", ".pdf"),
}


def default_name(session: dict[str, Any], fmt: str) -> str:
    """``session-<first 8 of the id>-<start date YYYYMMDD><ending>`` (dates as exported)."""
    return f"session-{session['id'][:8]}-{session['started_at']:%Y%m%d}{FORMATS[fmt][2]}"


def first_start_frame(run_start_frames: Iterable[int]) -> int:
    """The session's time origin: the first run's start frame (its first scheduled sound's
    origin), 0 without runs. The one definition of time 0 of ``live run --json`` and every export."""
    return min(run_start_frames, default=0)


def origin_frame(session: dict[str, Any]) -> int:
    """The frame exports count time from: :func:`first_start_frame` of the session's runs."""
    return first_start_frame(r["start_frame"] for r in session["runs"])


def outage_spans(session: dict[str, Any]) -> list[tuple[int, int | None]]:
    """(first frame not played, first frame played again or None) of each audio outage of the
    session (``session["outages"]``, none for sessions stored before schema version 4)."""
    return [(o["start_frame"], o["end_frame"]) for o in session.get("outages", ())]


def sounded(frame: int, spans: list[tuple[int, int | None]]) -> bool:
    """Whether a sound starting at ``frame`` was played: not inside an audio outage (a beat
    planned within the look-ahead just before the audio went, or a pad of an input taken while
    it was away, never sounded)."""
    return not any(start <= frame and (end is None or frame < end) for start, end in spans)


def describe_outages(session: dict[str, Any]) -> list[str]:
    """One line per audio outage of a loaded session, for people: when (m:ss from the first
    run's start, as in exports), how long, what was lost, the run it cut short, and the run
    played again after it."""
    sr, t0 = session["sample_rate"], origin_frame(session)
    position = {r["id"]: r["position"] for r in session["runs"]}
    again = {r["outage_id"]: r for r in session["runs"] if r.get("outage_id") is not None}
    lines = []
    for o in session.get("outages", []):
        at = _clock((o["start_frame"] - t0) / sr)
        cut = f"; run {position[o['run_id']]} ended at the last frame heard" if o["run_id"] in position else ""
        if o["end_frame"] is None:
            lines.append(f"Audio lost at {at} ({o['device']}){cut}; it had not returned when the session ended")
            continue
        lines.append(f"Audio lost at {at} for {(o['end_frame'] - o['start_frame']) / sr:.1f} s ({o['device']}){cut}")
        run = again.get(o["id"])
        if run is not None:
            lines.append(f"  then run {run['position']} plays run {position[run['resumes_run_id']]} again "
                         f"(segment {run['segment']})")
    return lines


def kept_audio(session: dict[str, Any]) -> list[dict[str, Any]]:
    """The audio input the runs of a loaded session kept (a sung answer's window), one row per
    clip, by run: ``run_id``, ``clip_id``, ``client``, ``source``, ``start_time_s`` (its first
    sample, from the first run's start), ``duration_s``, ``sample_rate``, ``channels``,
    ``encoding`` and ``bytes`` (its size in the store). The samples stay in the store (the WAV
    export mixes them in): a record says that they exist, and where."""
    sr, t0 = session["sample_rate"], origin_frame(session)
    return [{"run_id": r["id"], "clip_id": a["id"], "client": a["client"], "source": a["source"],
             "start_time_s": (a["first_frame"] - t0) / sr, "duration_s": a["frames"] / a["sample_rate"],
             "sample_rate": a["sample_rate"], "channels": a["channels"], "encoding": a["encoding"],
             "bytes": a["bytes"]}
            for r in session["runs"] for a in r.get("audio", ())]


_SOURCE_NAMES = {"mic": "microphone", "sim": "simulated microphone"}


def describe_kept_audio(session: dict[str, Any]) -> str | None:
    """One line for people on the audio the runs kept (None when they kept none)."""
    clips = kept_audio(session)
    if not clips:
        return None
    seconds = sum(c["duration_s"] for c in clips)
    sources = " and ".join(dict.fromkeys(_SOURCE_NAMES.get(c["source"], c["source"]) for c in clips))
    return (f"{len(clips)} clip{'s' if len(clips) != 1 else ''} of the client's {sources} input kept "
            f"({seconds:.1f} s): in the WAV export, never in a de-identified one")


def _clock(seconds: float) -> str:
    sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
    return f"{sign}{int(seconds // 60)}:{seconds % 60:04.1f}"


def export_session(store: Store, session_id: str, fmt: str, *, out: str | os.PathLike[str] | None = None,
                   deidentified: bool = False) -> tuple[Path, dict[str, Any]]:
    """Write session ``session_id`` as ``fmt``; returns the file written and what was done.

    Parameters
    ----------
    store : Store
    session_id : str
        The full session id.
    fmt : str
        One of :data:`FORMATS`.
    out : path, optional
        File to write; default :func:`default_name` in the current folder.
    deidentified : bool
        Remove display names and shift every date by one random number of days (the same for
        the whole export; the shift is not written anywhere).

    Returns
    -------
    (Path, dict)
        The file, and ``{"format", "session_id", "deidentified", "bytes"}``; a WAV's also
        ``audio_clips`` (the runs' kept audio clips mixed in) and ``audio_clips_left_out`` (those
        a de-identified WAV leaves out: a voice identifies its speaker).
    """
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r}: must be one of {', '.join(FORMATS)}")
    module_name, function_name, _ = FORMATS[fmt]
    function = getattr(importlib.import_module(f"live.store.exports.{module_name}"), function_name)
    session = load_session(store, session_id, events=True)
    if fmt == "wav":
        session["songs"] = store  # a run on a song: its cue warped again from the library (the disk cache)
        session["clips"] = store  # the audio input the runs kept (a sung answer), mixed in at its frames
    if deidentified:
        session = deidentify(session, random_date_shift())
    session["deidentified"] = deidentified
    path = Path(out) if out is not None else Path.cwd() / default_name(session, fmt)
    if function_name == "write":
        with open_private(path) as f:
            function(session, f)
    else:
        write_private(path, function(session))
    info = {"format": fmt, "session_id": session["id"], "deidentified": deidentified, "bytes": path.stat().st_size}
    if fmt == "wav":  # the audio input the runs kept: mixed in, or left out of a de-identified export
        kept = sum(len(store.run_audio(run["id"])) for run in session["runs"])
        info.update(audio_clips=0 if deidentified else kept, audio_clips_left_out=kept if deidentified else 0)
    return path, info
