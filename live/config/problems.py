"""Problems found in a TOML file a person wrote, and the one line each is shown as.

Every checker of the config layer (presets' ``[params]`` and ``[screen]`` tables, controller
mappings) collects :class:`ParamProblem` s and never stops at the first; :func:`problem_lines`
turns them into the lines a person reads, in the order the keys stand in the file::

    FILE: key.path: value: what is allowed

Values are spelled as TOML spells them (``300``, ``"fast"``, ``[1, 5]``). Realtime-safe: no.
"""

from __future__ import annotations

import datetime
import json
import re
from pathlib import Path
from typing import Any, NamedTuple

__all__ = ["ParamProblem", "in_file_order", "plain_number", "problem_lines", "toml_key", "toml_repr", "unknown_keys"]


class ParamProblem(NamedTuple):
    """One problem: where (a key path such as ``params.accents[1]``), the value found (None
    when the key is missing), and what is allowed (``must be 20..240 BPM``)."""

    path: str
    value: Any
    allowed: str


def unknown_keys(table: dict[str, Any], allowed: list[str] | tuple[str, ...],
                 prefix: str = "") -> list[ParamProblem]:
    """A problem for each key of ``table`` not in ``allowed``, listing the allowed ones.

    Parameters
    ----------
    table : dict
        A TOML table as read.
    allowed : sequence of str
        The keys it may hold, in the order they are listed to the reader.
    prefix : str
        The table's own path with its dot (``"screen."``), put before each key.
    """
    known = f"unknown key; allowed: {', '.join(allowed)}"
    return [ParamProblem(f"{prefix}{toml_key(k)}", v, known) for k, v in table.items() if k not in allowed]


_ROOT_KEY = re.compile(r'"(?:[^"\\]|\\.)*"|[^.\[]*')  # "params" of params.x, "a" of a[1]


def in_file_order(problems: list[ParamProblem], table: dict[str, Any]) -> list[ParamProblem]:
    """``problems`` sorted (stably) by where their first key sits in ``table``; missing keys last."""
    order = {toml_key(k): i for i, k in enumerate(table)}
    return sorted(problems, key=lambda p: order.get(_ROOT_KEY.match(p.path).group(), len(order)))


def problem_lines(path: Path | str, problems: list[ParamProblem], doc: dict[str, Any]) -> list[str]:
    """One ``FILE: key.path: value: what is allowed`` line per problem, in file order of ``doc``."""
    return [f"{path}: {p.path}: {toml_repr(p.value)}: {p.allowed}" for p in in_file_order(problems, doc)]


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def toml_key(key: str) -> str:
    """A key as TOML spells it: bare when it may be, else quoted (``"tempo bpm"``)."""
    return key if _BARE_KEY.fullmatch(key) else json.dumps(key, ensure_ascii=False)


def toml_repr(value: Any) -> str:
    """A value as TOML would spell it (``300``, ``"fast"``, ``[1, 5]``); None is ``(missing)``."""
    if value is None:
        return "(missing)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_repr(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{toml_key(k)} = {toml_repr(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return repr(value)  # int, float (inf, nan spell the same)


def plain_number(x: float | None) -> str:
    """A bound or setting as a message shows it: ``40`` for 40.0, ``0.5`` for 0.5."""
    return str(int(x)) if x is not None and float(x).is_integer() else str(x)
