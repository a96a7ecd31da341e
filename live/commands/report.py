"""``live report CLIENT [--since DATE] --format html|pdf``: progress across sessions per goal.

Exit status 0 written (the path on stdout), 1 the file could not be written, 2 bad input.
"""

from __future__ import annotations

import sys
from pathlib import Path

from live.commands.common import fail, open_store, out_problem


def run(args) -> int:
    prog = "live report"
    since = args.since  # a date, checked while parsing (live.cli_args.values)
    problem = out_problem(args.out)
    if problem:
        return fail(prog, problem)
    store = open_store(args, prog)
    if store is None:
        return 2
    from live.engine.files import write_private
    from live.store.report import build_report, render

    with store:
        try:
            report = build_report(store, args.client, since=since, deidentified=args.deidentify)
        except KeyError as exc:
            return fail(prog, exc.args[0])
    data = render(report, args.format)
    stamp = report["sessions"][-1]["started_at"] if report["sessions"] else None
    name = f"report-{args.client}" + (f"-{stamp:%Y%m%d}" if stamp else "") + f".{args.format}"
    path = Path(args.out) if args.out is not None else Path.cwd() / name
    try:
        write_private(path, data)
    except OSError as exc:
        return fail(prog, f"cannot write {path}: {exc.strerror}", 1)
    print(path)
    print(f"{prog}: {len(report['goals'])} goals over {len(report['sessions'])} sessions of {args.client}",
          file=sys.stderr)
    return 0
