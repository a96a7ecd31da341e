"""Exports of one stored session for a clinic's record: csv, json, fhir, midi, wav, html, pdf.

:func:`export_session` loads the session (:func:`live.session.records.load_session`),
de-identifies it on request, hands it to the format's module and writes the result with mode
0600 (client data is health data: DOMAIN.md, "Records"). Formats and columns are described in
docs/records.md. Realtime-safe: no.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Any, BinaryIO, Iterable

from live.session.records import deidentify, load_session, random_date_shift
from live.session.store import Store

__all__ = ["FORMATS", "export_session", "default_name", "open_private", "write_private", "origin_frame",
           "first_start_frame"]

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


def open_private(path: str | os.PathLike[str]) -> BinaryIO:
    """Open ``path`` for writing (replacing it) with mode 0600, as a binary file."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0), 0o600)
    try:
        os.fchmod(fd, 0o600)  # an existing file keeps its mode through O_CREAT: set it
    except BaseException:
        os.close(fd)
        raise
    return os.fdopen(fd, "wb")


def write_private(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` readable and writable by its owner only (0600), replacing it."""
    path = Path(path)
    with open_private(path) as f:
        f.write(data)
    return path


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
        The file, and ``{"format", "session_id", "deidentified", "bytes"}``.
    """
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r}: must be one of {', '.join(FORMATS)}")
    module_name, function_name, _ = FORMATS[fmt]
    function = getattr(importlib.import_module(f"live.session.exports.{module_name}"), function_name)
    session = load_session(store, session_id, events=True)
    if deidentified:
        session = deidentify(session, random_date_shift())
    session["deidentified"] = deidentified
    path = Path(out) if out is not None else Path.cwd() / default_name(session, fmt)
    if function_name == "write":
        with open_private(path) as f:
            function(session, f)
    else:
        write_private(path, function(session))
    return path, {"format": fmt, "session_id": session["id"], "deidentified": deidentified,
                  "bytes": path.stat().st_size}
