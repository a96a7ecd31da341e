"""Render each client screen layout to a PNG: ``python -m live.ui.screenshots OUTDIR`` (the
layouts alone; ``make screenshots`` runs :mod:`live.run.screenshots`, which adds what each
preset's activity shows on the pads at its start, into ``docs/screenshots/``).

One image per shipped preset that has a ``[screen]`` table, plus the default screen (one big
pad) that every other preset shows, drawn by the real :class:`live.ui.touch.TouchScreen` on SDL's
dummy video driver at 1024x768, between beats (the cue lights the background on a beat). Each
``[screen]`` table is read and checked by the config layer (:func:`live.config.screen.parse_screen`,
as preset validation does); a shipped one that does not pass is said in one line, exit 2.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any, Mapping, Sequence

from live.config.preset_files import shipped_presets
from live.config.problems import problem_lines
from live.config.screen import ScreenLayout, default_layout, parse_screen
from live.config.toml_file import read_toml


def shipped_screens() -> tuple[list[tuple[str, ScreenLayout]], list[str]]:
    """(name, layout) of the default screen and of each shipped preset with a ``[screen]`` table,
    and one line per problem found in those tables."""
    screens, problems = [("default-one-pad", default_layout())], []
    for path in shipped_presets():
        doc, problem = read_toml(path, needs="a preset needs schema, activity, title, goal and [params]")
        if doc is None:
            problems.append(problem)
        elif "screen" in doc:
            layout, found = parse_screen(doc["screen"])
            problems += problem_lines(path, found, doc)
            if layout is not None:
                screens.append((path.stem, layout))
    return screens, problems


def render(out_dir: str | os.PathLike, screens: list[tuple[str, ScreenLayout]], *,
           size: tuple[int, int] = (1024, 768), changes: Mapping[str, Sequence[Any]] | None = None) -> list[Path]:
    """Write ``screen-NAME.png`` for each (name, layout) in ``out_dir``; returns their paths.

    ``changes``: by name, what the activity shows on the pads at the run's start (prompts,
    lit pads, labels, colours and marked pads: :class:`~live.engine.events.PadLook` ...),
    drawn over the layout."""
    from live.ui.screen_state import encode

    os.environ["SDL_VIDEODRIVER"] = "dummy"
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    import pygame

    from live.ui.touch import TouchScreen

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    screen = TouchScreen(size=size)
    written = []
    try:
        for name, layout in screens:
            screen.set_layout(layout)
            now_ns = time.perf_counter_ns()
            screen.add_changes([encode(c, lambda frame: now_ns - 1) for c in (changes or {}).get(name, ())])
            screen.draw(now_ns)  # between beats: pads on black
            target = out / f"screen-{name}.png"
            pygame.image.save(screen.surface, str(target))
            written.append(target)
    finally:
        screen.close()
    return written


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m live.ui.screenshots OUTDIR", file=sys.stderr)
        return 2
    screens, problems = shipped_screens()
    for line in problems:
        print(f"screenshots: {line}", file=sys.stderr)
    if problems:
        return 2
    for path in render(argv[0], screens):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
