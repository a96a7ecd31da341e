"""Clients (pseudonymous codes, optional display names) and their goals.

Realtime-safe: no.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from live.store.base import StoreBase
from live.store.schema import (
    GOAL_DIRECTIONS,
    UTCDateTime,
    t_client_names,
    t_clients,
    t_goals,
    t_session_clients,
    t_sessions,
)
from live.store.values import check_client_code, check_name, dump_json, now, opt_float

__all__ = ["ClientsGoals"]


class ClientsGoals(StoreBase):
    """Clients and goals (part of :class:`live.store.store.Store`)."""

    def get_or_create_client(self, code: str) -> int:
        """The id of the client with this pseudonymous code, created if new.

        Raises
        ------
        ValueError
            When ``code`` is not 1..64 characters of letters, digits, ``-`` and ``_``.
        """
        code = check_client_code(code)
        try:
            with self._write() as conn:
                return self._client_id(conn, code)
        except IntegrityError:  # another process created it between our look-up and insert
            with self._read() as conn:
                return self._client_id(conn, code)

    def add_client(self, code: str, *, display_name: str | None = None) -> int:
        """Register a new client under a pseudonymous code, with an optional display name.

        Raises
        ------
        ValueError
            When the code is not allowed, is taken, or the name is not 1..200 characters.
        """
        code = check_client_code(code)
        name = None if display_name is None else check_name("display name", display_name.strip(), 200)
        try:
            with self._write() as conn:
                if conn.execute(select(t_clients.c.id).where(t_clients.c.code == code)).first():
                    raise ValueError(f"client {code} exists already")
                cid = self._client_id(conn, code)
                if name is not None:
                    conn.execute(t_client_names.insert().values(client_id=cid, display_name=name))
                return cid
        except IntegrityError:
            raise ValueError(f"client {code} exists already") from None

    def list_clients(self) -> list[dict[str, Any]]:
        """Every client by code: keys code, display_name, created_at, sessions (how many),
        last_session_at (None before the first), goals (active goals)."""
        n_sessions = (
            select(t_session_clients.c.client_id, func.count().label("n"),
                   func.max(t_sessions.c.started_at).label("last"))
            .join(t_sessions, t_sessions.c.id == t_session_clients.c.session_id)
            .group_by(t_session_clients.c.client_id).subquery()
        )
        n_goals = (select(t_goals.c.client_id, func.count().label("n"))
                   .where(t_goals.c.active.is_(True)).group_by(t_goals.c.client_id).subquery())
        query = (
            select(t_clients.c.code, t_client_names.c.display_name, t_clients.c.created_at,
                   func.coalesce(n_sessions.c.n, 0).label("sessions"),
                   n_sessions.c.last.label("last_session_at"),
                   func.coalesce(n_goals.c.n, 0).label("goals"))
            .select_from(
                t_clients.outerjoin(t_client_names, t_client_names.c.client_id == t_clients.c.id)
                .outerjoin(n_sessions, n_sessions.c.client_id == t_clients.c.id)
                .outerjoin(n_goals, n_goals.c.client_id == t_clients.c.id)
            )
            .order_by(t_clients.c.code)
        )
        with self._read() as conn:
            rows = [r._asdict() for r in conn.execute(query)]
        for r in rows:  # SQLite hands max() of a timestamp back as text
            if isinstance(r["last_session_at"], str):
                r["last_session_at"] = UTCDateTime().process_result_value(
                    datetime.fromisoformat(r["last_session_at"]), None)
        return rows

    def get_client(self, code: str) -> dict[str, Any]:
        """One client: keys code, display_name, created_at, goals (as :meth:`client_goals`),
        sessions (ids, oldest first). ``KeyError`` when there is no such client."""
        with self._read() as conn:
            row = conn.execute(
                select(t_clients.c.id, t_clients.c.code, t_client_names.c.display_name, t_clients.c.created_at)
                .select_from(t_clients.outerjoin(t_client_names, t_client_names.c.client_id == t_clients.c.id))
                .where(t_clients.c.code == str(code))
            ).first()
            if row is None:
                raise KeyError(f"no client with code {code!r}")
            sessions = conn.execute(
                select(t_sessions.c.id)
                .join(t_session_clients, t_session_clients.c.session_id == t_sessions.c.id)
                .where(t_session_clients.c.client_id == row.id)
                .order_by(t_sessions.c.started_at, t_sessions.c.id)
            ).scalars().all()
        out = row._asdict()
        del out["id"]
        out["sessions"] = list(sessions)
        out["goals"] = self.client_goals(code)
        return out

    def display_names(self, codes: Iterable[str]) -> dict[str, str]:
        """Code -> display name for those of ``codes`` that have one."""
        with self._read() as conn:
            rows = conn.execute(
                select(t_clients.c.code, t_client_names.c.display_name)
                .join(t_client_names, t_client_names.c.client_id == t_clients.c.id)
                .where(t_clients.c.code.in_(list(codes)))
            )
            return {code: name for code, name in rows}

    def add_goal(self, code: str, *, metric: str, direction: str, target: float,
                 conditions: Mapping[str, Any] | None = None) -> int:
        """Give a client a goal: ``metric direction target`` under ``conditions``; returns its id.

        Parameters
        ----------
        code : str
            An existing client's code.
        metric : str
            A metric an activity declares (:func:`live.store.goals.check_goal` checks it).
        direction : {"<=", ">="}
            The goal is met when the session's value compares so with ``target``.
        target : float
            In the metric's unit (finite).
        conditions : dict, optional
            Which runs (or trials) count: see :mod:`live.store.goals`.
        """
        metric = check_name("metric", metric, 100)
        if direction not in GOAL_DIRECTIONS:
            raise ValueError(f"direction = {direction!r}: must be '<=' or '>='")
        value = opt_float("target", target)
        if value is None:
            raise ValueError("target is missing: give a number")
        conditions_json = dump_json("conditions", conditions or {})
        with self._write() as conn:
            cid = conn.execute(select(t_clients.c.id).where(t_clients.c.code == str(code))).scalar()
            if cid is None:
                raise KeyError(f"no client with code {code!r}")
            result = conn.execute(t_goals.insert().values(
                client_id=cid, metric=metric, direction=direction, target=value,
                conditions_json=conditions_json, created_at=now(), active=True))
            return int(result.inserted_primary_key[0])

    def client_goals(self, code: str) -> list[dict[str, Any]]:
        """A client's active goals, oldest first: keys id, metric, direction, target, conditions
        (dict), created_at. ``KeyError`` when there is no such client."""
        with self._read() as conn:
            cid = conn.execute(select(t_clients.c.id).where(t_clients.c.code == str(code))).scalar()
            if cid is None:
                raise KeyError(f"no client with code {code!r}")
            rows = conn.execute(
                select(t_goals.c.id, t_goals.c.metric, t_goals.c.direction, t_goals.c.target,
                       t_goals.c.conditions_json, t_goals.c.created_at)
                .where(t_goals.c.client_id == cid, t_goals.c.active.is_(True))
                .order_by(t_goals.c.id)
            ).all()
        out = []
        for r in rows:
            goal = r._asdict()
            goal["conditions"] = json.loads(goal.pop("conditions_json"))
            out.append(goal)
        return out
