"""Client goals: written as a therapist says them, checked against what the activities declare,
and met or not by each session's runs.

A goal reads ``METRIC OP TARGET [CONDITION ...]``, for example::

    sd_async_ms <= 40 at 100 BPM
    within_window_pct >= 80 at 90 BPM preset steady-beat-90
    R >= 0.9 phase all
    f1 >= 0.8 at level 4

``METRIC`` is a metric some registered activity declares in its catalogue
(:func:`check_goal`), ``OP`` is ``<=`` or ``>=`` (the goal is met when the session's value
compares so with ``TARGET``, in the metric's unit). Conditions pick what counts:

- ``at N BPM``: runs whose ``tempo_bpm`` parameter is N (within 0.5 BPM);
- ``at NAME VALUE``: runs whose parameter ``NAME`` is ``VALUE`` (a number or a word); when the
  run has no such parameter, its trials whose field ``NAME`` is ``VALUE`` (the metric is then
  their mean). ``NAME`` must be a parameter of some activity or a field its trials carry
  (declared in its catalogue);
- ``preset NAME``: runs of that preset;
- ``activity NAME``: runs of that activity;
- ``phase NAME``: the summary of that phase of a run (default ``all``, the whole run).

A session's value for a goal is the mean of the metric over the runs that match and have a
value (usually one run); a session with no such run has no value for that goal.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["GoalError", "GoalSpec", "parse_goal", "check_goal", "describe_goal", "run_matches", "run_value",
           "session_value", "is_met", "RUN_CONDITIONS"]

RUN_CONDITIONS = ("preset", "activity", "phase")
"""Conditions written ``WORD NAME``; every other condition is a parameter or trial field."""
_TEMPO = "tempo_bpm"  # what ``at N BPM`` sets
_TEMPO_TOLERANCE_BPM = 0.5
_METRIC_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,99}")
_NAME_RE = re.compile(r"[A-Za-z0-9_.-]{1,64}")
_FIELD_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
_USAGE = ("write METRIC <= or >= TARGET [at N BPM] [at NAME VALUE] [preset NAME] [activity NAME] "
          "[phase NAME], e.g. 'sd_async_ms <= 40 at 100 BPM'")


class GoalError(ValueError):
    """A goal text that cannot be read, or names what no activity declares; the message says
    where and what is allowed."""


@dataclass(frozen=True, slots=True)
class GoalSpec:
    """A parsed goal: ``metric direction target`` under ``conditions`` (keys preset, activity,
    phase, and parameter or trial-field names such as tempo_bpm)."""

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
        raise GoalError(f"goal {text!r}: {_USAGE}")
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
            conditions[_TEMPO] = _number(text, rest[i + 1], "tempo")
            if conditions[_TEMPO] <= 0:
                raise GoalError(f"goal {text!r}: tempo {rest[i + 1]} BPM must be > 0")
            i += 3
        elif word == "at" and i + 2 < len(rest) and _FIELD_RE.fullmatch(rest[i + 1]) \
                and rest[i + 1].lower() not in RUN_CONDITIONS:
            conditions[rest[i + 1]] = _value(text, rest[i + 2])
            i += 3
        elif word in RUN_CONDITIONS and i + 1 < len(rest):
            if not _NAME_RE.fullmatch(rest[i + 1]):
                raise GoalError(f"goal {text!r}: {word} {rest[i + 1]!r}: 1..64 letters, digits, '.', '-', '_'")
            conditions[word] = rest[i + 1]
            i += 2
        else:
            raise GoalError(f"goal {text!r}: cannot read {' '.join(rest[i:])!r}; conditions are "
                            "'at N BPM', 'at NAME VALUE' (a parameter or trial field), 'preset NAME', "
                            "'activity NAME', 'phase NAME'")
    return GoalSpec(metric, op, target, conditions)


def _number(text: str, word: str, what: str) -> float:
    try:
        value = float(word)
    except ValueError:
        raise GoalError(f"goal {text!r}: {what} {word!r} must be a number") from None
    if not math.isfinite(value):
        raise GoalError(f"goal {text!r}: {what} {word!r} must be a finite number")
    return value


def _value(text: str, word: str) -> float | str:
    """A condition's value: a finite number, else a word (letters, digits, '.', '-', '_')."""
    try:
        value = float(word)
    except ValueError:
        if not _NAME_RE.fullmatch(word):
            raise GoalError(f"goal {text!r}: value {word!r}: a number, or 1..64 letters, digits, '.', '-', '_'") from None
        return word
    if not math.isfinite(value):
        raise GoalError(f"goal {text!r}: value {word!r} must be a finite number")
    return value


def check_goal(spec: GoalSpec) -> None:
    """Check that some registered activity declares the goal's metric, each parameter or trial
    field its conditions name, and the activity it names.

    Raises
    ------
    GoalError
        Saying which name no activity declares, and the names there are.
    """
    from live.activities.registry import activity_class, activity_names, metric_catalogue

    catalogue = metric_catalogue()
    if spec.metric not in catalogue:
        raise GoalError(f"metric {spec.metric!r} is not a metric any activity declares; metrics: "
                        f"{', '.join(catalogue)}")
    names = activity_names()
    if "activity" in spec.conditions and spec.conditions["activity"] not in names:
        raise GoalError(f"activity {spec.conditions['activity']!r} is not an activity; activities: {', '.join(names)}")
    params = {f.name for n in names for f in dataclasses.fields(activity_class(n).Params)}
    for name in spec.conditions:
        if name not in RUN_CONDITIONS and name not in params and name not in catalogue:
            raise GoalError(f"condition 'at {name} ...': {name!r} is neither a parameter nor a trial field of any "
                            f"activity; parameters: {', '.join(sorted(params))}")


def _shown(value: Any) -> str:
    return f"{value:g}" if isinstance(value, (int, float)) else str(value)


def describe_goal(metric: str, direction: str, target: float, conditions: Mapping[str, Any]) -> str:
    """The goal as it would be typed: ``sd_async_ms <= 40 at 100 BPM``."""
    parts = [metric, direction, f"{target:g}"]
    if _TEMPO in conditions:
        parts.append(f"at {conditions[_TEMPO]:g} BPM")
    parts += [f"at {name} {_shown(value)}" for name, value in conditions.items()
              if name != _TEMPO and name not in RUN_CONDITIONS]
    for key in RUN_CONDITIONS:
        if key in conditions:
            parts.append(f"{key} {conditions[key]}")
    return " ".join(parts)


def _equal(name: str, have: Any, want: Any) -> bool:
    if isinstance(want, str) or isinstance(have, str):
        return have == want
    if isinstance(have, bool) or not isinstance(have, (int, float)):
        return False
    tolerance = _TEMPO_TOLERANCE_BPM if name == _TEMPO else 1e-9 * max(1.0, abs(want))
    return abs(have - want) <= tolerance


def _field_conditions(conditions: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in conditions.items() if k not in RUN_CONDITIONS}


def run_matches(conditions: Mapping[str, Any], run: Mapping[str, Any]) -> bool:
    """Whether a stored run (as :meth:`Store.get_session` gives it) meets the goal's run
    conditions: its preset, activity, and each condition on one of its parameters (a condition
    on a name the run has no parameter of is left to its trials: :func:`run_value`)."""
    if "preset" in conditions and run.get("preset_name") != conditions["preset"]:
        return False
    if "activity" in conditions and run.get("activity") != conditions["activity"]:
        return False
    params = run.get("params", {})
    return all(_equal(name, params[name], want) for name, want in _field_conditions(conditions).items()
               if name in params)


def _number_or_none(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def run_value(goal: Mapping[str, Any], run: Mapping[str, Any]) -> float | None:
    """One run's value for ``goal``: its phase summary's metric, or, with conditions on fields
    its trials carry, the mean of the metric over the trials that meet them; None when the run
    does not match or has no value."""
    conditions = goal["conditions"]
    if not run_matches(conditions, run):
        return None
    params = run.get("params", {})
    on_trials = {k: v for k, v in _field_conditions(conditions).items() if k not in params}
    if not on_trials:
        return _number_or_none(run["phases"].get(conditions.get("phase", "all"), {}).get(goal["metric"]))
    values = [_number_or_none(t.get(goal["metric"])) for t in run.get("trials", ())
              if all(_equal(k, t.get(k), v) for k, v in on_trials.items())]
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


def session_value(goal: Mapping[str, Any], runs: Iterable[Mapping[str, Any]]) -> float | None:
    """A session's value for ``goal``: the mean of :func:`run_value` over its runs with one.

    Parameters
    ----------
    goal : dict
        Keys metric, conditions (as :meth:`Store.client_goals` gives them).
    runs : iterable of dict
        The session's runs, each with ``params``, ``phases`` (phase -> metric -> value) and,
        for activities with trials, ``trials``.

    Returns
    -------
    float or None
        None when no matching run has a value for the metric.
    """
    values = [v for v in (run_value(goal, run) for run in runs) if v is not None]
    return sum(values) / len(values) if values else None


def is_met(direction: str, target: float, value: float | None) -> bool | None:
    """True/False whether ``value`` meets the goal; None without a value."""
    if value is None:
        return None
    return value <= target if direction == "<=" else value >= target
