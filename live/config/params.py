"""Declaring an activity's parameters once, and checking a preset's ``[params]`` table against them.

Each activity's ``Params`` is a frozen dataclass whose fields are made with :func:`param`
(type from the type hint; default, range, choices, unit and help from the metadata) and which
may have a static ``check(values) -> list[ParamProblem]`` for the rules that span fields.
:func:`check_params` reads both, so the rules live in one place. Realtime-safe: no.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any

from live.config.problems import ParamProblem, plain_number, unknown_keys

__all__ = ["check_params", "param"]


def param(
    default: Any,
    *,
    help: str,
    range: tuple[float, float] | None = None,
    choices: tuple[str, ...] | None = None,
    item_range: tuple[float, float] | None = None,
    unit: str = "",
) -> Any:
    """A dataclass field carrying its validation rules.

    Parameters
    ----------
    default : object
        Value used when a preset leaves the key out. ``dataclasses.MISSING`` makes it required.
    help : str
        One line for a therapist: what the parameter does.
    range : (low, high), optional
        Inclusive bounds for a number.
    choices : tuple of str, optional
        Allowed strings.
    item_range : (low, high), optional
        Inclusive bounds for each item of a list of numbers.
    unit : str
        Unit shown in messages and help (``"BPM"``, ``"ms"``, ``"s"``).
    """
    meta = {"help": help, "range": range, "choices": choices, "item_range": item_range, "unit": unit}
    if isinstance(default, (list, dict, set)):
        raise TypeError("use a tuple for a list default: params are frozen")
    return dataclasses.field(default=default, metadata=meta)


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
    problems = unknown_keys(table, list(fields))
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

    if dataclasses.is_dataclass(tp):  # a table of its own fields, e.g. one of [[params.levels]]
        if not isinstance(value, dict):
            return value, [ParamProblem(path, value, f"must be a table of {', '.join(f.name for f in dataclasses.fields(tp))}")]
        values, problems = check_params(tp, value)
        if problems:
            return value, [p._replace(path=f"{path}.{p.path}") for p in problems]
        return tp(**values), []
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
        each = f", each {plain_number(lo_hi[0])}..{plain_number(lo_hi[1])}{unit}" if lo_hi else ""
        kind = "tables" if dataclasses.is_dataclass(item_tp) else _PLURALS.get(item_tp, "values")
        return f"must be a list of {kind}{each}"
    lo_hi = meta.get("range")
    span = f"{plain_number(lo_hi[0])}..{plain_number(lo_hi[1])}{unit}" if lo_hi else ""
    if not wrong_type:
        return f"must be {span}"
    return f"must be {_TYPE_NAMES.get(tp, tp)}" + (f", {span}" if span else "")
