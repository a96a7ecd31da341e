"""The ``live`` command line. Only argparse is imported here; each command loads its module.

Exit status: 0 done, 1 failed while running, 2 bad usage or bad input (with one clear line
on stderr saying what was wrong, where, and what is allowed).
"""

from __future__ import annotations

import argparse
import importlib
import sys

# Modules of live/cli_args/, in the order their commands appear in --help.
_AREAS = ("core", "live_run", "records")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="live",
        description="A real-time instrument for music-therapy sessions.",
        epilog="Run 'live COMMAND --help' for a command's options.",
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for area in _AREAS:
        importlib.import_module(f"live.cli_args.{area}").add_parsers(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``live`` console script."""
    args = _parser().parse_args(argv)
    module = importlib.import_module(f"live.commands.{args.module}")
    try:
        return int(module.run(args))
    except KeyboardInterrupt:
        print("live: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
