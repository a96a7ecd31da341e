"""Imports only go downward: every module of live/ is parsed and each import checked against
the layer table (docs/architecture.md).

Every import counts: at module level, inside functions, under ``if TYPE_CHECKING:``, relative
ones, and ``importlib.import_module("live.x")`` with a literal name. A module that is in no
layer fails too, so a new room has to be given its place here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import live

LIVE = Path(live.__file__).resolve().parent

# Where each module sits: the longest matching name wins.
PLACES: dict[str, str] = {
    "live": "root",                       # live/__init__.py only: the version, nothing imported
    "live.engine": "engine",
    "live.music": "music",                # pure music theory: scales, note names, chords (imports nothing of live)
    "live.metrics": "metrics",
    "live.calibration": "metrics",        # the tap-along estimate: pure numbers over offsets
    "live.config": "config",
    "live.sim": "sim",
    "live.songs": "songs",                # the song library: audio analysis, songs found by name (store passed in)
    "live.voice": "voice",                # sung notes and their pitch in audio (pYIN after an answer, YIN live)
    "live.activities.types": "types",     # what every layer above shares (Response, Summary, ...)
    "live.activities": "activities",
    "live.store": "store",
    "live.ui": "ui",
    "live.presets": "presets",
    "live.controls": "presets",
    "live.control_binding": "presets",
    "live.run": "run",
    "live.commands": "commands",
    "live.cli": "cli",
    "live.cli_args": "cli",
    "live.crash": "crash",                # the crash report, written when any command fails unforeseen
    "live.__main__": "cli",
}

_BELOW_ACTIVITIES = {"root", "engine", "music", "metrics", "config", "sim", "songs", "voice", "types", "activities"}
_BELOW_RUN = _BELOW_ACTIVITIES | {"store", "ui", "presets", "run"}

# Layer -> the layers its modules may import (its own included).
ALLOWED: dict[str, set[str]] = {
    "root": {"root"},
    "engine": {"root", "engine"},
    "music": {"root", "music"},
    "metrics": {"root", "engine", "music", "metrics"},
    "config": {"root", "engine", "music", "metrics", "config"},
    "sim": {"root", "engine", "music", "metrics", "config", "sim"},
    "songs": {"root", "engine", "music", "metrics", "config", "songs"},
    "voice": {"root", "engine", "music", "metrics", "voice"},
    "types": {"root", "engine", "music", "metrics", "config", "sim", "types"},
    "activities": _BELOW_ACTIVITIES,
    "store": _BELOW_ACTIVITIES | {"store"},
    "ui": {"root", "engine", "music", "config", "types", "ui"},
    "presets": _BELOW_ACTIVITIES | {"presets"},
    "run": _BELOW_RUN,
    "commands": _BELOW_RUN | {"commands", "cli", "crash"},
    "crash": {"root", "engine", "crash"},  # the engine's 0600 file helper
    "cli": {"root", "music", "cli", "crash"},  # argparse only: each command's module is loaded by name when it runs
}


def module_name(path: Path, root: Path = LIVE) -> str:
    """``live.engine.sampler`` for ``live/engine/sampler.py``; ``live.engine`` for its ``__init__.py``."""
    parts = ("live",) + path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def live_modules(root: Path = LIVE) -> dict[str, tuple[Path, str]]:
    """Every module under ``root``: name -> (file, source)."""
    return {module_name(p, root): (p, p.read_text(encoding="utf-8")) for p in sorted(root.rglob("*.py"))}


def place(name: str) -> str | None:
    """The layer of module ``name`` (longest matching entry of :data:`PLACES`; ``live`` itself
    only for the package's ``__init__``), None if in none."""
    if name == "live":
        return PLACES["live"]
    parts = name.split(".")
    for n in range(len(parts), 1, -1):
        layer = PLACES.get(".".join(parts[:n]))
        if layer is not None:
            return layer
    return None


def imports_of(name: str, source: str, *, is_package: bool, known: set[str]) -> list[tuple[int, str]]:
    """(line, module) for every import of a ``live`` module in ``source``, anywhere in it.

    ``from X import y`` counts as importing ``X.y`` when that is a module in ``known``, else ``X``.
    """
    found = []
    package = name if is_package else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module or ""
            targets = [f"{origin}.{a.name}" if f"{origin}.{a.name}" in known else origin for a in node.names]
        elif (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
              and isinstance(node.args[0].value, str)
              and ((isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
                   or (isinstance(node.func, ast.Name) and node.func.id in ("import_module", "__import__")))):
            targets = [node.args[0].value]
        found += [(node.lineno, t) for t in targets if t == "live" or t.startswith("live.")]
    return found


def upward_imports(modules: dict[str, tuple[Path, str]]) -> list[str]:
    """One line per import that breaks the layer table, and per module in no layer."""
    known = set(modules)
    problems = []
    for name, (path, source) in sorted(modules.items()):
        layer = place(name)
        if layer is None:
            problems.append(f"{name}: in no layer: give it a place in tests/test_layers.py")
            continue
        for line, target in imports_of(name, source, is_package=path.name == "__init__.py", known=known):
            to = place(target)
            if to not in ALLOWED[layer]:
                problems.append(f"{path}:{line}: {name} ({layer}) imports {target} ({to}); "
                                f"{layer} may import: {', '.join(sorted(ALLOWED[layer]))}")
    return problems


def test_every_module_of_live_imports_only_its_own_layer_or_below():
    assert upward_imports(live_modules()) == []


def test_every_layer_in_the_table_has_its_rule_and_a_module():
    modules = live_modules()
    assert set(PLACES.values()) <= set(ALLOWED)
    assert all(layer in allowed for layer, allowed in ALLOWED.items())
    empty = {layer for layer in ALLOWED if not any(place(m) == layer for m in modules)}
    assert empty == set(), empty


def _synthetic(**sources: str) -> dict[str, tuple[Path, str]]:
    modules = live_modules()
    for name, source in sources.items():
        modules[name] = (LIVE / "synthetic.py", source)
    return modules


def test_an_upward_import_inside_a_function_is_caught():
    modules = _synthetic(**{"live.engine.synthetic": "def f():\n    from live.presets import load_preset\n"})
    assert upward_imports(modules) == [
        f"{LIVE / 'synthetic.py'}:2: live.engine.synthetic (engine) imports live.presets (presets); "
        "engine may import: engine, root"
    ]


def test_an_upward_import_under_type_checking_is_caught():
    source = ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from live.ui import console\n"
              "    import live.commands.common\n")
    problems = upward_imports(_synthetic(**{"live.metrics.synthetic": source}))
    assert [p.split(": ", 1)[1] for p in problems] == [
        "live.metrics.synthetic (metrics) imports live.ui.console (ui); metrics may import: engine, metrics, music, root",
        "live.metrics.synthetic (metrics) imports live.commands.common (commands); metrics may import: "
        "engine, metrics, music, root",
    ]


def test_relative_and_by_name_imports_are_caught():
    source = "import importlib\nfrom ..presets import load_preset\nm = importlib.import_module('live.store')\n"
    problems = upward_imports(_synthetic(**{"live.ui.synthetic": source}))
    assert [p.split(" imports ")[1].split(";")[0] for p in problems] == ["live.presets (presets)", "live.store (store)"]


def test_ui_may_import_the_shared_types_but_not_the_rest_of_activities():
    source = "from live.activities.types import Response\nfrom live.activities import entrainment\n"
    problems = upward_imports(_synthetic(**{"live.ui.synthetic": source}))
    assert [p.split(" imports ")[1].split(";")[0] for p in problems] == ["live.activities.entrainment (activities)"]


def test_a_downward_import_passes_and_a_module_in_no_layer_does_not():
    modules = _synthetic(**{"live.commands.synthetic": "from live.engine.events import InputEvent\n",
                            "live.synthetic": "x = 1\n"})
    assert upward_imports(modules) == ["live.synthetic: in no layer: give it a place in tests/test_layers.py"]


def test_music_imports_nothing_of_live_and_every_layer_above_the_engine_may_import_it():
    modules = _synthetic(**{"live.music.synthetic": "from live.engine.events import InputEvent\n",
                            "live.metrics.synthetic": "from live.music.scales import pitch_class\n"})
    assert [p.split(": ", 1)[1] for p in upward_imports(modules)] == [
        "live.music.synthetic (music) imports live.engine.events (engine); music may import: music, root"]
    assert {layer for layer, allowed in ALLOWED.items() if "music" in allowed} == set(ALLOWED) - {"root", "engine", "crash"}
