"""Everything stored about one session (or one client's progress), gathered for people and exports.

:func:`load_session` reads a session with its runs (parameters, per-phase summaries, events,
responses, controls), therapist notes and marked moments, clients and each client's goals
with this session's value. :func:`client_progress` gives one client's goals with a value per
session. :func:`deidentify` removes display names and shifts every date of one export by one
random whole number of days (docs/records.md). Realtime-safe: no.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from typing import Any

from live.store.goals import describe_goal, is_met, session_value
from live.store.store import Store

__all__ = ["SessionNotFound", "load_session", "resolve_session_id", "client_progress", "deidentify",
           "random_date_shift"]

_MIN_PREFIX = 4
_SHIFT_DAYS = (-3650, 3650)


class SessionNotFound(KeyError):
    """No session, or more than one, starts with the id given."""


def resolve_session_id(store: Store, given: str) -> str:
    """The full id of the one session whose id starts with ``given`` (>= 4 hex digits)."""
    given = given.strip().lower()
    if len(given) < _MIN_PREFIX:
        raise SessionNotFound(f"session id {given!r}: give at least {_MIN_PREFIX} characters of it")
    matches = [s["id"] for s in store.list_sessions() if s["id"].startswith(given)]
    if not matches:
        raise SessionNotFound(f"no session with an id starting {given!r} in {store.url}")
    if len(matches) > 1:
        raise SessionNotFound(f"session id {given!r} is ambiguous: {', '.join(matches[:5])} ...; give more of it")
    return matches[0]


def load_session(store: Store, session_id: str, *, events: bool = True) -> dict[str, Any]:
    """One session with everything stored about it.

    Returns
    -------
    dict
        :meth:`Store.get_session`'s keys, plus ``display_names`` (code -> name), ``notes``
        (:meth:`Store.session_notes`), ``goals`` (per client code: each goal with
        ``text``, ``value`` for this session and ``met``); each run gets ``phases``
        (phase -> metric -> value), ``summary`` (phase ``all``), ``trials`` (per-trial
        summaries; empty for activities without trials), ``responses``, ``controls`` and
        ``audio`` (the audio input it kept, described: :meth:`Store.run_audio`), and with
        ``events`` its ``sounds`` and ``inputs``.
    """
    session = store.get_session(session_id)
    for run in session["runs"]:
        run["phases"] = store.run_phases(run["id"])
        run["summary"] = run["phases"].get("all", {})
        run["trials"] = store.run_trials(run["id"])
        run["responses"] = store.run_responses(run["id"])
        run["controls"] = store.run_controls(run["id"])
        run["audio"] = store.run_audio(run["id"])
        if events:
            run["sounds"] = store.run_events(run["id"], kind="sound")
            run["inputs"] = store.run_events(run["id"], kind="input")
    session["notes"] = store.session_notes(session["id"])
    session["display_names"] = store.display_names(session["clients"])
    session["goals"] = {}
    for code in session["clients"]:
        goals = []
        for goal in store.client_goals(code):
            value = session_value(goal, session["runs"])
            goals.append({**goal, "text": _goal_text(goal), "value": value,
                          "met": is_met(goal["direction"], goal["target"], value)})
        session["goals"][code] = goals
    return session


def _goal_text(goal: dict[str, Any]) -> str:
    return describe_goal(goal["metric"], goal["direction"], goal["target"], goal["conditions"])


def client_progress(store: Store, code: str, *, since: date | None = None) -> dict[str, Any]:
    """One client's goals with their value in each session (oldest first).

    Returns
    -------
    dict
        Keys code, display_name, sessions (each: id, started_at, status, runs (count)),
        goals (each: id, text, metric, direction, target, conditions, created_at, points: a
        list of {session_id, started_at, value, met, status, simulated} for the sessions with
        a value, oldest first).
    """
    client = store.get_client(code)
    sessions = []
    for sid in client["sessions"]:
        s = store.get_session(sid)
        if since is not None and s["started_at"].date() < since:
            continue
        for run in s["runs"]:
            run["phases"] = store.run_phases(run["id"])
            run["trials"] = store.run_trials(run["id"])
        sessions.append(s)
    goals = []
    for goal in client["goals"]:
        points = []
        for s in sessions:
            value = session_value(goal, s["runs"])
            if value is not None:
                points.append({"session_id": s["id"], "started_at": s["started_at"], "value": value,
                               "met": is_met(goal["direction"], goal["target"], value),
                               "status": s["status"], "simulated": s["simulated"]})
        goals.append({**goal, "text": _goal_text(goal), "points": points})
    return {
        "code": client["code"],
        "display_name": client["display_name"],
        "sessions": [{"id": s["id"], "started_at": s["started_at"], "status": s["status"],
                      "runs": len(s["runs"])} for s in sessions],
        "goals": goals,
    }


def random_date_shift() -> int:
    """A random whole number of days in -3650..3650, not 0 (``secrets``: not guessable)."""
    low, high = _SHIFT_DAYS
    while True:
        days = low + secrets.randbelow(high - low + 1)
        if days:
            return days


def deidentify(record: Any, shift_days: int) -> Any:
    """A copy of ``record`` (dicts, lists, values) with every datetime and date moved by
    ``shift_days`` days and every display name removed (``display_name`` keys become None,
    ``display_names`` maps become empty). Times of day, durations and frames are kept."""
    shift = timedelta(days=shift_days)

    def walk(x: Any) -> Any:
        if isinstance(x, datetime | date):
            return x + shift
        if isinstance(x, dict):
            out = {}
            for k, v in x.items():
                if k == "display_name":
                    out[k] = None
                elif k == "display_names":
                    out[k] = {}
                else:
                    out[k] = walk(v)
            return out
        if isinstance(x, list | tuple):
            return [walk(v) for v in x]
        return x

    return walk(record)
