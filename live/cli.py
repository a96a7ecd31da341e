"""The ``live`` command line. Only argparse is imported here; each command loads its module.

Exit status: 0 done, 1 failed while running, 2 bad usage or bad input (with one clear line
on stderr saying what was wrong, where, and what is allowed). No command ends in a traceback:
an error nobody foresaw is written in full to a crash report (:mod:`live.crash`) and told in
one line, exit status 1; a session being recorded has already been saved and marked incomplete
by then (the session loops close it on any exception).
"""

from __future__ import annotations

import argparse
import functools
import importlib
import sys

# Modules of live/cli_args/, in the order their commands appear in --help.
_AREAS = ("core", "live_run", "records", "analyze")


@functools.cache
def _parser() -> argparse.ArgumentParser:
    """The ``live`` parser, built once per process (argparse parsers keep no state between parses)."""
    from live.cli_args.values import OneLineParser

    p = OneLineParser(
        prog="live",
        description="A real-time instrument for music-therapy sessions.",
        epilog="Run 'live COMMAND --help' for a command's options.",
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for area in _AREAS:
        importlib.import_module(f"live.cli_args.{area}").add_parsers(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``live`` console script: the exit status (also for ``--help`` and
    for bad arguments, which argparse ends with ``SystemExit``)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    prog = " ".join(["live", args.command, *(getattr(args, k) for k in ("action", "metric") if hasattr(args, k))])
    try:
        module = importlib.import_module(f"live.commands.{args.module}")
        return int(module.run(args))
    except KeyboardInterrupt:
        print("live: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001  (nothing foreseen: a crash report, not a traceback)
        return _internal_error(prog, argv, exc)


def _internal_error(prog: str, argv: list[str], exc: Exception) -> int:
    """Write the crash report and say in one line what failed and where the report is; exit 1."""
    from live.cli_args.values import one_line
    from live.crash import write_crash_report

    what = one_line(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
    what = what if len(what) <= 300 else what[:297] + "..."
    try:
        where = f"full report written to {write_crash_report(argv, exc)}"
    except OSError as report_error:
        where = f"no report written ({report_error})"
    print(f"{prog}: internal error: {what}; {where}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
