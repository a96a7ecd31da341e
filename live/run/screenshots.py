"""The shipped presets' client screens as a run starts, to PNGs: ``python -m live.run.screenshots
OUTDIR`` (``make screenshots`` writes them to ``docs/screenshots/``).

Each layout (:func:`live.ui.screenshots.shipped_screens`) with what the preset's activity puts
on the screen when its run starts (its first beat planned: an improvisation's pads labelled
with their notes, a colour per scale degree, the tonic ringed), drawn by the real touch screen
on SDL's dummy driver (:func:`live.ui.screenshots.render`). A shipped ``[screen]`` or preset
that does not pass its checks is said in one line, exit 2.

Realtime-safe: no.
"""

from __future__ import annotations

import sys
from typing import Any

from live.activities.registry import activity_class
from live.activities.types import ActivityContext
from live.engine.bank import default_sounds
from live.engine.events import Cue
from live.presets import PresetError, find_preset, load_preset
from live.ui.screenshots import render, shipped_screens

__all__ = ["start_changes", "main"]

_SR = 48000


def start_changes(name: str, sound_names: frozenset[str]) -> list[Any]:
    """What preset ``name``'s activity shows on the screen (beat cues aside) once its first beat
    is planned."""
    preset = load_preset(find_preset(name))
    cls = activity_class(preset.activity)
    names = sound_names | {n.name for n in cls.pitched_notes(preset.params)}
    activity = cls(preset.params)
    activity.start(ActivityContext(_SR, 0, frozenset(names)))
    list(activity.plan(1))
    return [c for c in activity.take_cues() if not isinstance(c, Cue)]


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m live.run.screenshots OUTDIR", file=sys.stderr)
        return 2
    screens, problems = shipped_screens()
    changes = {}
    sounds = frozenset(default_sounds(_SR))
    for name, _ in screens[1:]:  # the first is the default screen of presets without [screen]
        try:
            changes[name] = start_changes(name, sounds)
        except PresetError as exc:
            problems += [str(line) for line in exc.problems]
    for line in problems:
        print(f"screenshots: {line}", file=sys.stderr)
    if problems:
        return 2
    for path in render(argv[0], screens, changes=changes):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
