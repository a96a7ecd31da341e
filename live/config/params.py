"""Declaring an activity's parameters once: type, default, allowed values and help text.

Each activity's ``Params`` is a frozen dataclass whose fields are made with :func:`param`;
the preset loader validates TOML against this metadata, so the rules live in one place.
"""

from __future__ import annotations

import dataclasses
from typing import Any, NamedTuple


class ParamProblem(NamedTuple):
    """One cross-field problem: where (relative to ``params``), the value, what is allowed."""

    path: str
    value: Any
    allowed: str


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
