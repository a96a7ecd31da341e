"""Activity presets: TOML files a therapist edits, checked before any session starts.

A preset names an activity, says what it is for and sets that activity's parameters::

    schema = 1
    activity = "entrainment"
    title = "Steady beat, 100 BPM"
    goal = "Baseline of timing accuracy and consistency"

    [params]
    tempo_bpm = 100
    beats = 200

The ``[params]`` table is checked against the activity's ``Params`` dataclass
(:func:`live.config.params.check_params`: type hints give the types, :func:`live.config.params.param`
metadata the ranges and choices, ``Params.check`` the rules that span fields), the optional
``[screen]`` table by :func:`live.config.screen.parse_screen`. Every problem is collected, one
line each::

    FILE: key.path: value: what is allowed

:func:`load_preset` is the only way to get a :class:`Preset`, so a session never starts on a
bad one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from live.activities.registry import activity_class, activity_names
from live.config.params import check_params
from live.config.preset_files import presets_dir, shipped_presets
from live.config.problems import ParamProblem, in_file_order, problem_lines, toml_key, unknown_keys
from live.config.screen import ScreenLayout, default_layout, parse_screen
from live.config.toml_file import read_toml

__all__ = ["Preset", "PresetError", "SCHEMA", "find_preset", "load_preset", "presets_dir", "shipped_presets",
           "validate_file"]

SCHEMA = 1
"""The only preset schema this version reads."""


@dataclass(frozen=True, slots=True)
class Preset:
    """A validated preset.

    Parameters
    ----------
    name : str
        File name without ``.toml``.
    path : Path
        The file it was read from.
    activity : str
        Registered activity name.
    title, goal : str
        Short title; the clinical goal the preset serves.
    params : object
        Instance of the activity's ``Params`` dataclass (defaults filled in).
    raw_params : dict
        The ``[params]`` table as written, for storing with the session.
    screen : ScreenLayout
        The client screen's pads and options (the optional ``[screen]`` table, checked by
        :func:`live.config.screen.parse_screen`; default one big pad).
    """

    name: str
    path: Path
    activity: str
    title: str
    goal: str
    params: Any
    raw_params: dict[str, Any]
    screen: ScreenLayout = default_layout()


class PresetError(Exception):
    """A preset that cannot be used; ``problems`` holds one formatted line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


# ---------------------------------------------------------------- finding presets


def find_preset(name_or_path: str | Path, activity: str | None = None) -> Path:
    """The file ``name_or_path`` names: an existing path, else a shipped preset by name.

    Parameters
    ----------
    name_or_path : str or Path
        A TOML file, or the name of a shipped preset (``"steady-beat-100"``; ``.toml`` optional).
    activity : str, optional
        Only look among the shipped presets of this activity.

    Raises
    ------
    PresetError
        When nothing matches (listing the shipped names), or the name is ambiguous.
    """
    path = Path(name_or_path)
    try:
        if path.is_file():
            return path
    except OSError:  # a name too long for a path, a loop of links: not a file, maybe a name
        pass
    stem = path.stem if path.suffix == ".toml" else path.name
    candidates = [p for p in shipped_presets() if activity is None or p.parent.name == activity]
    matches = [p for p in candidates if p.stem == stem] if path.name == str(name_or_path) else []
    if len(matches) == 1:
        return matches[0]
    if matches:
        where = ", ".join(f"{p.parent.name}/{p.name}" for p in matches)
        raise PresetError([f"{name_or_path}: shipped by several activities ({where}); give a path"])
    names = ", ".join(p.stem for p in candidates) or "(none)"
    kind = f"{activity} preset" if activity else "preset"
    raise PresetError([f"{name_or_path}: no such file or shipped {kind}; shipped: {names}"])


# ---------------------------------------------------------------- loading and checking


def load_preset(path: str | Path) -> Preset:
    """Read and check a preset file.

    Raises
    ------
    PresetError
        With every problem found (syntax, unknown or missing keys, types, ranges, cross-field
        rules), one ``FILE: key.path: value: what is allowed`` line each.
    """
    preset, problems = _read(Path(path))
    if problems:
        raise PresetError(problems)
    assert preset is not None
    return preset


def validate_file(path: str | Path) -> list[str]:
    """Problem lines for the preset at ``path``; an empty list means it is valid."""
    return _read(Path(path))[1]


_TOP_LEVEL: dict[str, str] = {
    "schema": f"must be {SCHEMA}",
    "activity": "must be one of: {activities}",
    "title": "must be a non-empty string",
    "goal": "must be a non-empty string (the clinical goal the preset serves)",
    "params": "must be a table ([params]) of the activity's parameters",
}


def _read(path: Path) -> tuple[Preset | None, list[str]]:
    """Parse and check ``path``: (the preset or None, problem lines)."""
    needs = "a preset needs schema, activity, title, goal and [params]"
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:  # a name the session store could not hold
        return None, [f"{ascii(str(path))[1:-1]}: the file name is not UTF-8 text: rename the file"]
    doc, problem = read_toml(path, needs=needs)
    if doc is None:
        return None, [problem]
    if not any(key in doc for key in _TOP_LEVEL):  # another kind of TOML file: one line, not one per key
        return None, [f"{path}: not a preset (keys: {', '.join(map(toml_key, doc))}): {needs}"]

    activities = activity_names()
    allowed = {k: v.format(activities=", ".join(activities)) for k, v in _TOP_LEVEL.items()}
    problems = unknown_keys(doc, [*allowed, "screen"])
    screen, screen_problems = parse_screen(doc["screen"]) if "screen" in doc else (default_layout(), [])
    problems += screen_problems
    for key, rule in allowed.items():
        if key not in doc:
            problems.append(ParamProblem(key, None, rule))
    schema, activity, params = doc.get("schema"), doc.get("activity"), doc.get("params")
    if "schema" in doc and not (type(schema) is int and schema == SCHEMA):
        problems.append(ParamProblem("schema", schema, allowed["schema"]))
    if "activity" in doc and activity not in activities:
        problems.append(ParamProblem("activity", activity, allowed["activity"]))
    for key in ("title", "goal"):
        if key in doc and not (isinstance(doc[key], str) and doc[key].strip()):
            problems.append(ParamProblem(key, doc[key], allowed[key]))
    if "params" in doc and not isinstance(params, dict):
        problems.append(ParamProblem("params", params, allowed["params"]))
    elif isinstance(params, dict) and activity in activities:
        params_cls = activity_class(activity).Params
        values, param_problems = check_params(params_cls, params)
        param_problems = in_file_order(param_problems, params)
        problems += [p._replace(path=f"params.{p.path}") for p in param_problems]
        screen_check = getattr(activity_class(activity), "screen_problems", None)  # params that must match [screen]
        if screen_check is not None and not param_problems and not screen_problems:
            problems += screen_check(params_cls(**values), params, screen if "screen" in doc else None)

    if problems:
        return None, problem_lines(path, problems, doc)
    preset = Preset(
        name=path.stem,
        path=path,
        activity=activity,
        title=doc["title"].strip(),
        goal=doc["goal"].strip(),
        params=params_cls(**values),
        raw_params=params,
        screen=screen,
    )
    return preset, []
