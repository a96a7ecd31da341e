"""Checks of the values the store is given; each error says what was wrong and what is allowed.

Realtime-safe: no.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from datetime import datetime, timezone
from numbers import Real
from typing import Any

__all__ = ["check_client_code", "check_int", "opt_int", "opt_float", "check_name", "dump_json", "now",
           "metric_value", "stored_value"]

_CODE_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
MAX_TEXT_VALUE = 200
"""Longest text a summary metric may hold (a key estimate, a chord symbol, ...)."""
MAX_LIST_VALUE = 20000
"""Longest JSON text a trial's list field may take (a call's notes, an answer's onsets)."""


def check_client_code(code: object) -> str:
    """``code`` if it is an allowed client code, else ValueError saying what is allowed."""
    if not isinstance(code, str) or not _CODE_RE.fullmatch(code):
        raise ValueError(
            f"client code {code!r} is not allowed: must be 1..64 characters of letters, digits, "
            "'-' and '_' (a pseudonymous code, never a name)"
        )
    return code


def check_int(name: str, value: object, *, minimum: int | None = None) -> int:
    """``value`` as an int (Python or NumPy integers; never a bool), at least ``minimum``."""
    try:
        if isinstance(value, bool):
            raise TypeError
        number = int(value.__index__())  # type: ignore[attr-defined]  # int, numpy ints
    except (AttributeError, TypeError):
        raise TypeError(f"{name} = {value!r}: must be an integer") from None
    if minimum is not None and number < minimum:
        raise ValueError(f"{name} = {number}: must be >= {minimum}")
    return number


def opt_int(name: str, value: object) -> int | None:
    return None if value is None else check_int(name, value)


def opt_float(name: str, value: object) -> float | None:
    """``value`` as a finite float, or None."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} = {value!r}: must be a number or None")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{name} = {number}: must be finite (use None for an undefined value)")
    return number


def metric_value(name: str, value: object) -> tuple[float | None, str | None]:
    """A summary metric's value as ``(value, text_value)``: a number goes in the first, a text
    (an activity's text metric, e.g. a key estimate ``"F# minor"``) in the second, None in
    neither. A list (a trial's call: its notes as dicts of numbers) goes in the second as JSON
    text, read back as the list (:func:`stored_value`)."""
    if isinstance(value, (list, tuple)):
        text = json.dumps(list(value), allow_nan=False, ensure_ascii=False, separators=(",", ":"))
        if len(text) > MAX_LIST_VALUE:
            raise ValueError(f"metric {name!r}: a list value must be at most {MAX_LIST_VALUE} characters as JSON")
        return None, text
    if isinstance(value, str):
        if value.startswith("["):
            raise ValueError(f"metric {name!r} = {value!r:.60}: a text value must not start with '[' "
                             "(that marks a list value)")
        if not 1 <= len(value) <= MAX_TEXT_VALUE:
            raise ValueError(f"metric {name!r} = {value!r:.60}: a text value must be 1..{MAX_TEXT_VALUE} characters")
        return None, value
    return opt_float(f"metric {name!r}", value), None


def stored_value(value: float | None, text_value: str | None) -> float | str | list | None:
    """A summary row's value as it was given: the number, the text, or a list stored as JSON."""
    if text_value is None:
        return value
    return json.loads(text_value) if text_value.startswith("[") else text_value


def check_name(name: str, value: object, max_len: int) -> str:
    if not isinstance(value, str) or not 1 <= len(value) <= max_len:
        raise ValueError(f"{name} = {value!r}: must be a string of 1..{max_len} characters")
    return value


def dump_json(what: str, value: object) -> str:
    """A dict as JSON text (``what`` names it in the error: ``params``, ``extra``)."""
    if not isinstance(value, Mapping):
        raise TypeError(f"{what} must be a dict, got {type(value).__name__}")
    try:
        return json.dumps(dict(value), allow_nan=False, ensure_ascii=False)
    except (TypeError, ValueError) as e:
        raise ValueError(
            f"{what} cannot be stored as JSON ({e}); allowed: str, int, float (finite), bool, "
            "None, and lists/tuples/dicts of those"
        ) from None


def now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(timezone.utc)


def json_or_none(text: str | None) -> Any:
    return None if text is None else json.loads(text)
