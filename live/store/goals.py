"""Client goals: written as a therapist says them, checked against each session's runs.

A goal reads ``METRIC OP TARGET [CONDITION ...]``, for example::

    sd_async_ms <= 40 at 100 BPM
    within_window_pct >= 80 at 90 BPM preset steady-beat-90
    R >= 0.9 phase all

``METRIC`` is a stored summary metric (:mod:`live.metrics.info`), ``OP`` is ``<=`` or
``>=`` (the goal is met when the session's value compares so with ``TARGET``, in the metric's
unit). Conditions pick which runs of a session count:

- ``at N BPM``: runs whose ``tempo_bpm`` parameter is N (within 0.5 BPM);
- ``preset NAME``: runs of that preset;
- ``activity NAME``: runs of that activity;
- ``phase NAME``: the summary of that phase of a run (default ``all``, the whole run).

A session's value for a goal is the mean of the metric over the runs that match and have a
value (usually one run); a session with no such run has no value for that goal.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["GoalError", "GoalSpec", "parse_goal", "describe_goal", "run_matches", "session_value", "is_met"]

_TEMPO_TOLERANCE_BPM = 0.5
_METRIC_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,99}")
_NAME_RE = re.compile(r"[A-Za-z0-9_.-]{1,64}")


class GoalError(ValueError):
    """A goal text that cannot be read; the message says where and what is allowed."""


@dataclass(frozen=True, slots=True)
class GoalSpec:
    """A parsed goal: ``metric direction target`` under ``conditions`` (keys tempo_bpm,
    preset, activity, phase)."""

    metric: str
    direction: str
    target: float
    conditions: dict[str, Any] = field(default_factory=dict)


def parse_goal(text: str) -> GoalSpec:
    """Read a goal such as ``"sd_async_ms <= 40 at 100 BPM"``.

    Raises
    ------
    GoalError
        Naming the word that could not be read and what is allowed there.
    """
    words = text.replace("<=", " <= ").replace(">=", " >= ").split()
    if len(words) < 3:
        raise GoalError(f"goal {text!r}: write METRIC <= or >= TARGET [at N BPM] [preset NAME] "
                        "[activity NAME] [phase NAME], e.g. 'sd_async_ms <= 40 at 100 BPM'")
    metric, op, target_word, rest = words[0], words[1], words[2], words[3:]
    if not _METRIC_RE.fullmatch(metric):
        raise GoalError(f"goal {text!r}: metric {metric!r} must be a metric name such as sd_async_ms")
    if op not in ("<=", ">="):
        raise GoalError(f"goal {text!r}: {op!r} after the metric must be '<=' or '>='")
    target = _number(text, target_word, "target")
    conditions: dict[str, Any] = {}
    i = 0
    while i < len(rest):
        word = rest[i].lower()
        if word == "at" and i + 2 < len(rest) and rest[i + 2].lower() == "bpm":
            conditions["tempo_bpm"] = _number(text, rest[i + 1], "tempo")
            if conditions["tempo_bpm"] <= 0:
                raise GoalError(f"goal {text!r}: tempo {rest[i + 1]} BPM must be > 0")
            i += 3
        elif word in ("preset", "activity", "phase") and i + 1 < len(rest):
            if not _NAME_RE.fullmatch(rest[i + 1]):
                raise GoalError(f"goal {text!r}: {word} {rest[i + 1]!r}: 1..64 letters, digits, '.', '-', '_'")
            conditions[word] = rest[i + 1]
            i += 2
        else:
            raise GoalError(f"goal {text!r}: cannot read {' '.join(rest[i:])!r}; conditions are "
                            "'at N BPM', 'preset NAME', 'activity NAME', 'phase NAME'")
    return GoalSpec(metric, op, target, conditions)


def _number(text: str, word: str, what: str) -> float:
    try:
        value = float(word)
    except ValueError:
        raise GoalError(f"goal {text!r}: {what} {word!r} must be a number") from None
    if not math.isfinite(value):
        raise GoalError(f"goal {text!r}: {what} {word!r} must be a finite number")
    return value


def describe_goal(metric: str, direction: str, target: float, conditions: Mapping[str, Any]) -> str:
    """The goal as it would be typed: ``sd_async_ms <= 40 at 100 BPM``."""
    parts = [metric, direction, f"{target:g}"]
    if "tempo_bpm" in conditions:
        parts.append(f"at {conditions['tempo_bpm']:g} BPM")
    for key in ("preset", "activity", "phase"):
        if key in conditions:
            parts.append(f"{key} {conditions[key]}")
    return " ".join(parts)


def run_matches(conditions: Mapping[str, Any], run: Mapping[str, Any]) -> bool:
    """Whether a stored run (as :meth:`Store.get_session` gives it) meets the goal's conditions."""
    if "tempo_bpm" in conditions:
        tempo = run.get("params", {}).get("tempo_bpm")
        if not isinstance(tempo, (int, float)) or abs(tempo - conditions["tempo_bpm"]) > _TEMPO_TOLERANCE_BPM:
            return False
    if "preset" in conditions and run.get("preset_name") != conditions["preset"]:
        return False
    if "activity" in conditions and run.get("activity") != conditions["activity"]:
        return False
    return True


def session_value(goal: Mapping[str, Any], runs: Iterable[Mapping[str, Any]]) -> float | None:
    """A session's value for ``goal``: the mean of its metric over the matching runs.

    Parameters
    ----------
    goal : dict
        Keys metric, conditions (as :meth:`Store.client_goals` gives them).
    runs : iterable of dict
        The session's runs, each with ``phases``: phase -> metric -> value.

    Returns
    -------
    float or None
        None when no matching run has a value for the metric.
    """
    phase = goal["conditions"].get("phase", "all")
    values = [
        run["phases"].get(phase, {}).get(goal["metric"])
        for run in runs
        if run_matches(goal["conditions"], run)
    ]
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


def is_met(direction: str, target: float, value: float | None) -> bool | None:
    """True/False whether ``value`` meets the goal; None without a value."""
    if value is None:
        return None
    return value <= target if direction == "<=" else value >= target
