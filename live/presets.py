"""Activity presets: TOML files a therapist edits, checked before any session starts.

A preset names an activity, says what it is for and sets that activity's parameters::

    schema = 1
    activity = "entrainment"
    title = "Steady beat, 100 BPM"
    goal = "Baseline of timing accuracy and consistency"

    [params]
    tempo_bpm = 100
    beats = 200

The ``[params]`` table is checked against the activity's ``Params`` dataclass: type hints
give the types, :func:`live.activities.params.param` metadata gives the ranges and choices,
and ``Params.check`` the rules that span fields. Every problem is collected, one line each::

    FILE: key.path: value: what is allowed

:func:`load_preset` is the only way to get a :class:`Preset`, so a session never starts on a
bad one.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import re
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from live.activities.registry import activity_class, activity_names
from live.activities.params import ParamProblem
from live.config.toml_file import read_toml
from live.ui.layout import ScreenLayout, default_layout, parse_screen

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
        :func:`live.ui.layout.parse_screen`; default one big pad).
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


def presets_dir() -> Path:
    """Folder of the shipped presets: ``live/_presets`` when installed, else the repo's ``presets/``."""
    package = Path(__file__).resolve().parent
    installed = package / "_presets"
    return installed if installed.is_dir() else package.parent / "presets"


def shipped_presets() -> list[Path]:
    """Shipped preset files (``<activity>/<name>.toml``), sorted by activity then name."""
    return sorted(presets_dir().glob("*/*.toml"), key=lambda p: (p.parent.name, p.name))


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
        return None, [f"{path}: not a preset (keys: {', '.join(map(_toml_key, doc))}): {needs}"]

    activities = activity_names()
    allowed = {k: v.format(activities=", ".join(activities)) for k, v in _TOP_LEVEL.items()}
    problems = _unknown_keys(doc, [*allowed, "screen"])
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
        param_problems = _in_file_order(param_problems, params)
        problems += [p._replace(path=f"params.{p.path}") for p in param_problems]

    if problems:
        problems = _in_file_order(problems, doc)
        return None, [f"{path}: {p.path}: {_toml_repr(p.value)}: {p.allowed}" for p in problems]
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


def check_params(cls: type, table: dict[str, Any]) -> tuple[dict[str, Any], list[ParamProblem]]:
    """Check a ``[params]`` table against the ``Params`` dataclass ``cls``.

    Each field is checked on its own (type, range, choices, list items); once all pass,
    ``cls.check`` applies the rules that span fields, so a cross-field rule never speaks
    about a value already reported wrong.

    Returns
    -------
    values : dict
        Field name -> converted value (defaults for omitted fields), ready for ``cls(**values)``.
    problems : list of ParamProblem
        With paths relative to the table (``tempo_bpm``, ``accents[1]``).
    """
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    problems = _unknown_keys(table, list(fields))
    values: dict[str, Any] = {}
    for name, field in fields.items():
        tp, meta = hints[name], field.metadata
        optional, tp = _strip_optional(tp)
        if name in table:
            value, found = _check_value(name, table[name], tp, meta)
            values[name] = value
            problems += found
        elif field.default is not dataclasses.MISSING or optional:
            values[name] = None if field.default is dataclasses.MISSING else field.default
        else:
            problems.append(ParamProblem(name, None, _allowed(tp, meta, wrong_type=True)))
    if not problems and hasattr(cls, "check"):
        problems += cls.check(values)
    return values, problems


def _unknown_keys(table: dict[str, Any], allowed: list[str]) -> list[ParamProblem]:
    known = f"unknown key; allowed: {', '.join(allowed)}"
    return [ParamProblem(_toml_key(k), v, known) for k, v in table.items() if k not in allowed]


def _in_file_order(problems: list[ParamProblem], table: dict[str, Any]) -> list[ParamProblem]:
    """Problems sorted (stably) by where their key sits in ``table``; missing keys last."""
    order = {_toml_key(k): i for i, k in enumerate(table)}
    return sorted(problems, key=lambda p: order.get(_ROOT_KEY.match(p.path).group(), len(order)))


_ROOT_KEY = re.compile(r'"(?:[^"\\]|\\.)*"|[^.\[]*')  # "params" of params.x, "a" of a[1]


def _strip_optional(tp: Any) -> tuple[bool, Any]:
    """(whether ``tp`` admits None, ``tp`` without the None)."""
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) != len(typing.get_args(tp)):
            return True, typing.Union[tuple(args)] if len(args) > 1 else args[0]
    return False, tp


_TYPE_NAMES = {bool: "true or false", int: "a whole number", float: "a number", str: "a string"}
_PLURALS = {bool: "true/false values", int: "whole numbers", float: "numbers", str: "strings"}


def _check_value(path: str, value: Any, tp: Any, meta: Any) -> tuple[Any, list[ParamProblem]]:
    """Check one field (or, for ``tuple[X, ...]``, each item); returns (converted, problems)."""
    if typing.get_origin(tp) is tuple:
        item_tp = typing.get_args(tp)[0]
        if not isinstance(value, list):
            return value, [ParamProblem(path, value, _allowed(tp, meta, wrong_type=True))]
        items, problems = [], []
        item_meta = {"range": meta.get("item_range"), "unit": meta.get("unit", "")}
        for i, item in enumerate(value):
            converted, found = _check_value(f"{path}[{i}]", item, item_tp, item_meta)
            items.append(converted)
            problems += found
        return tuple(items), problems

    if tp not in _TYPE_NAMES:
        raise TypeError(f"{path}: parameter type {tp!r} is not supported in presets")
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    ok = {bool: isinstance(value, bool), int: is_number and isinstance(value, int),
          float: is_number, str: isinstance(value, str)}[tp]
    if not ok:
        return value, [ParamProblem(path, value, _allowed(tp, meta, wrong_type=True))]
    lo_hi, choices = meta.get("range"), meta.get("choices")
    if (lo_hi is not None and not lo_hi[0] <= value <= lo_hi[1]) or (  # NaN fails too
        choices is not None and value not in choices
    ):
        return value, [ParamProblem(path, value, _allowed(tp, meta))]
    return (float(value) if tp is float else value), []


def _allowed(tp: Any, meta: Any, wrong_type: bool = False) -> str:
    """What a field allows, e.g. ``must be 20..240 BPM`` or ``must be a number, 20..240 BPM``."""
    if meta.get("choices"):
        return f"must be one of: {', '.join(meta['choices'])}"
    unit = f" {meta['unit']}" if meta.get("unit") else ""
    if typing.get_origin(tp) is tuple:
        item_tp = typing.get_args(tp)[0]
        lo_hi = meta.get("item_range")
        each = f", each {_num(lo_hi[0])}..{_num(lo_hi[1])}{unit}" if lo_hi else ""
        return f"must be a list of {_PLURALS.get(item_tp, 'values')}{each}"
    lo_hi = meta.get("range")
    span = f"{_num(lo_hi[0])}..{_num(lo_hi[1])}{unit}" if lo_hi else ""
    if not wrong_type:
        return f"must be {span}"
    return f"must be {_TYPE_NAMES.get(tp, tp)}" + (f", {span}" if span else "")


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


# ---------------------------------------------------------------- showing values and errors

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else json.dumps(key, ensure_ascii=False)


def _toml_repr(value: Any) -> str:
    """A value as TOML would spell it (``300``, ``"fast"``, ``[1, 5]``); None is ``(missing)``."""
    if value is None:
        return "(missing)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_repr(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_toml_key(k)} = {_toml_repr(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return repr(value)  # int, float (inf, nan spell the same)
