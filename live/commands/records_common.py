"""Shared by the records commands (clients, goals, sessions, export, report): opening the store,
aligned tables, JSON of stored values, one-line errors. Not a command itself."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any, Sequence


def open_store(args, prog: str):
    """The store of ``--db`` (default: the user's live.db), sessions left running by a process that
    is gone already marked incomplete (so no command shows them running); None after printing why
    it cannot open."""
    from live.commands.run import default_db_path
    from live.session.store import SchemaVersionError, Store

    db = args.db or str(default_db_path())
    try:
        store = Store.open(db)
    except SchemaVersionError as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return None
    except Exception as exc:  # noqa: BLE001  (driver errors: unreachable server, bad URL, no access)
        print(f"{prog}: --db {db}: cannot open the session store: {str(exc).splitlines()[0]}", file=sys.stderr)
        return None
    store.close_abandoned()
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
    """What is wrong with an ``--out FILE`` (a folder, or in a folder that does not exist); None if fine."""
    if out is None:
        return None
    if Path(out).is_dir():
        return f"--out {out} is a folder: give a file name"
    if not Path(out).parent.is_dir():
        return f"--out {out}: the folder {Path(out).parent} does not exist"
    return None


def fail(prog: str, message: str, code: int = 2) -> int:
    print(f"{prog}: {message}", file=sys.stderr)
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
    """Goals (as :func:`live.session.records.client_progress` gives them) as a table: latest value, met."""
    from live.metrics.info import format_value

    if not goals:
        print("No goals yet: add one with 'live goals add CODE sd_async_ms \"<=\" 40 at 100 BPM'.")
        return
    rows = []
    for g in goals:
        last = g["points"][-1] if g["points"] else None
        met = None if last is None else ("met" if last["met"] else "not met")
        rows.append([g["id"], g["text"], len(g["points"]),
                     None if last is None else format_value(g["metric"], last["value"]), met])
    print(table(["goal", "goal text", "sessions", "latest", "latest met"], rows))
