"""``live presets list`` and ``live presets validate FILE...``."""

from __future__ import annotations

import shutil
import sys
from argparse import Namespace

from live.cli_args.values import one_line
from live.presets import PresetError, load_preset, presets_dir, shipped_presets, validate_file


def run(args: Namespace) -> int:
    """Exit status: 0 all good, 2 a file given to ``validate`` is invalid, 1 a shipped one is."""
    return _validate(args.files) if args.action == "validate" else _list()


def _validate(files: list[str]) -> int:
    """``ok: FILE`` on stdout per valid file, every problem line on stderr; 2 if any is invalid."""
    status = 0
    for file in files:
        problems = validate_file(file)
        if problems:
            print("\n".join(map(one_line, problems)), file=sys.stderr)
            status = 2
        else:
            print(f"ok: {file}")
    return status


def _list() -> int:
    """A table of the shipped presets: activity, name, title and goal, and where they live."""
    rows, status = [], 0
    for path in shipped_presets():
        try:
            p = load_preset(path)
        except PresetError as exc:  # a broken installation, not the user's input
            print("\n".join(exc.problems), file=sys.stderr)
            status = 1
            continue
        rows.append((p.activity, p.name, _cut(p.title, 32), p.goal))
    print(f"Presets in {presets_dir()}:")
    if not rows:
        print("  (none)")
        return status
    header = ("ACTIVITY", "NAME", "TITLE", "GOAL")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(3)]
    # Shorten goals to fit a terminal; piped output keeps them whole.
    columns = shutil.get_terminal_size().columns if sys.stdout.isatty() else 10_000
    goal_width = max(40, columns - sum(widths) - 2 * 3 - 2 - 1)
    for row in [header, *rows]:
        cells = [c.ljust(w) for c, w in zip(row, widths)] + [_cut(row[3], goal_width)]
        print("  " + "  ".join(cells).rstrip())
    print("Use one with 'live demo --preset NAME'; copy a file and edit it to make your own.")
    return status


def _cut(text: str, width: int) -> str:
    """``text`` on one line, shortened at a word boundary to ``width`` characters with '...'."""
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    cut = text[: width - 3].rsplit(" ", 1)[0] if " " in text[: width - 3] else text[: width - 3]
    return cut.rstrip(" ,;:") + "..."
