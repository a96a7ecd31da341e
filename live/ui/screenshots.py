"""Render each client screen layout to a PNG: ``python -m live.ui.screenshots OUTDIR``
(``make screenshots`` writes them to ``docs/screenshots/``).

One image per shipped preset that has a ``[screen]`` table, plus the default screen (one big
pad) that every other preset shows, drawn by the real :class:`live.ui.touch.TouchScreen` on SDL's
dummy video driver at 1024x768, between beats (the cue lights the background on a beat).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path


def render(out_dir: str | os.PathLike, *, size: tuple[int, int] = (1024, 768)) -> list[Path]:
    """Write the images; returns their paths."""
    os.environ["SDL_VIDEODRIVER"] = "dummy"
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    import pygame

    from live.presets import load_preset, shipped_presets
    from live.ui.layout import default_layout
    from live.ui.touch import TouchScreen

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    screens = [("default-one-pad", default_layout())]
    for path in shipped_presets():
        if "[screen]" in path.read_text(encoding="utf-8"):
            screens.append((path.stem, load_preset(path).screen))
    screen = TouchScreen(size=size)
    written = []
    try:
        for name, layout in screens:
            screen.set_layout(layout)
            screen.draw(time.perf_counter_ns())  # between beats: pads on black
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
    for path in render(argv[0]):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
