"""What several commands share, in one module (not a command itself): where the store is
(``--db``, else the user's), opening it, checking an ``--out`` file or folder, one-line errors;
the names calibrations are stored under (MIDI port, audio input, touch screen, display) and a
screen's display latency; for the records commands (clients, goals, sessions, export, report)
aligned tables and JSON of stored values."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import stat
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any, Sequence

from live.cli_args.values import one_line


def default_db_path() -> Path:
    """The session store in the user's data folder (``$XDG_DATA_HOME/live/live.db``)."""
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "live" / "live.db"


def midi_device(args) -> str:
    """The name a MIDI calibration is stored under: the --midi-in port name part, or our port."""
    return args.midi_in or "live-midi:in"


def mic_device(args) -> str:
    """The name a microphone calibration is stored under: the --audio-device, or the default."""
    return f"audio input {args.audio_device}" if args.audio_device else "default audio input"


def touch_device(args) -> str:
    """The name a touch calibration is stored under: the screen it was tapped on."""
    return f"touch screen {args.display}"


def display_device(display: int) -> str:
    """The name a screen's display latency is stored under (``calibrations.device``)."""
    return f"display {display}"


def display_latency(store, display: int, given_ms: float | None) -> tuple[float, str]:
    """Screen ``display``'s display latency (ms) and where it came from: ``given_ms`` (from
    ``--display-latency``), else the latest stored for that screen, else 0."""
    device = display_device(display)
    if given_ms is not None:
        return given_ms, f"--display-latency, stored for {device}"
    stored = store.latest_calibration("display", device)
    if stored is None:
        return 0.0, f"none stored for {device}"
    return float(stored["details"]["latency_ms"]), f"stored for {device} (calibration {stored['id']})"


def store_display_latency(store, display: int, latency_ms: float, sample_rate: int) -> int:
    """Remember screen ``display``'s display latency (input path ``display``) for later runs on it."""
    return store.save_calibration(input_path="display", device=display_device(display),
                                  latency_frames=round(latency_ms * sample_rate / 1000), sample_rate=sample_rate,
                                  details={"latency_ms": latency_ms})


def screen_options(args) -> dict:
    """LiveOptions fields of the client screen from ``--display``, ``--window`` (a (width, height)
    tuple) and ``--display-latency`` (0 when not given; ``live run`` then takes the screen's stored
    one, :func:`display_latency`). Each was checked while the arguments were parsed."""
    latency_ms = 0.0 if args.display_latency is None else args.display_latency
    return {"display": args.display, "window": args.window, "display_latency_ms": latency_ms}


def open_store(args, prog: str, *, default: str | None = None, abandoned: bool = False):
    """The store of ``--db`` (else ``default``, else the user's live.db), sessions left running
    by a process that is gone already marked incomplete (so no command shows them running; with
    ``abandoned`` each is said on stderr); None after printing in one line why it cannot open
    (``PROG: --db URL: what is wrong: what is allowed``; the caller exits 2)."""
    from live.store.connection import StoreOpenError, shown
    from live.store.store import Store

    db = args.db or default or str(default_db_path())
    try:
        store = Store.open(db)
    except StoreOpenError as exc:
        print(f"{prog}: --db {one_line(shown(db))}: {exc}", file=sys.stderr)
        return None
    for gone in store.close_abandoned():
        if abandoned:
            print(f"{prog}: session {gone} was left running by a process that is gone: marked incomplete",
                  file=sys.stderr)
    return store


def live_invocation() -> str:
    """How to type ``live`` again in the shell this process was started from, quoted for pasting:
    ``live`` when that is the program on PATH, else the path it was started by (``.venv/bin/live``
    after ``make demo``), else ``PYTHON -m live``."""
    started = sys.argv[0] if sys.argv else ""
    if os.path.basename(started) == "live" and os.path.isfile(started):
        on_path = shutil.which("live")
        if on_path and os.path.samefile(on_path, started):
            return "live"
        return shlex.quote(started)
    return f"{shlex.quote(sys.executable)} -m live"


def out_problem(out: str | None) -> str | None:
    """What is wrong with an ``--out FILE`` (a folder, in a folder that does not exist or cannot
    be written); None if fine."""
    if out is None:
        return None
    path = Path(out)
    try:
        if stat.S_ISDIR(os.stat(path).st_mode):
            return f"--out {out} is a folder: give a file name"
    except (FileNotFoundError, NotADirectoryError):
        pass  # a new file
    except OSError as exc:  # a name too long, a loop of links
        return f"--out {out}: {exc.strerror}: give a file name in a folder you can write"
    if not os.path.exists(path.parent):
        return f"--out {out}: the folder {path.parent} does not exist"
    if not os.path.isdir(path.parent):
        return f"--out {out}: {path.parent} is not a folder"
    problem = folder_problem(path.parent)
    return None if problem is None else f"--out {out}: {problem}"


def folder_problem(folder: Path) -> str | None:
    """Why no file can be written in the existing ``folder`` (tried with a scratch file, which
    is removed: permissions alone do not tell, e.g. for root or on a read-only disk); None if one can."""
    import tempfile

    try:
        with tempfile.TemporaryFile(dir=folder):
            return None
    except OSError as exc:
        return f"cannot write in the folder {folder}: {exc.strerror or exc}"


def fail(prog: str, message: str, code: int = 2) -> int:
    """Print ``PROG: message`` as one line on stderr (control characters escaped); return ``code``."""
    print(f"{prog}: {one_line(message)}", file=sys.stderr)
    return code


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Rows under headers, columns aligned (numbers right, text left), a rule under the header."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    numeric = [all(_is_number(row[i]) for row in rows if row[i] is not None) and bool(rows)
               for i in range(len(headers))]

    def line(values: Sequence[str]) -> str:
        return "  ".join(v.rjust(w) if num else v.ljust(w)
                         for v, w, num in zip(values, widths, numeric)).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths])] + [line(r) for r in cells])


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _cell(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, datetime):
        return when(v)
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def when(t: datetime | None) -> str:
    """A stored UTC time as the therapist reads it: local time, to the minute."""
    return "-" if t is None else t.astimezone().strftime("%Y-%m-%d %H:%M")


def to_json(value: Any) -> str:
    """JSON of stored values: datetimes as ISO 8601 with their UTC offset."""
    def default(x: Any) -> Any:
        if isinstance(x, (datetime, date)):
            return x.isoformat()
        raise TypeError(f"{type(x).__name__} is not JSON serialisable")

    return json.dumps(value, default=default, ensure_ascii=False)


def print_goals(goals: list[dict]) -> None:
    """Goals (as :func:`live.store.records.client_progress` gives them) as a table: latest value, met."""
    from live.activities.registry import metric_catalogue
    from live.metrics.info import format_value

    if not goals:
        print("No goals yet: add one with 'live goals add CODE sd_async_ms \"<=\" 40 at 100 BPM'.")
        return
    rows = []
    for g in goals:
        last = g["points"][-1] if g["points"] else None
        met = None if last is None else ("met" if last["met"] else "not met")
        rows.append([g["id"], g["text"], len(g["points"]),
                     None if last is None else format_value(g["metric"], last["value"], metric_catalogue()), met])
    print(table(["goal", "goal text", "sessions", "latest", "latest met"], rows))
