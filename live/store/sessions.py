"""A session's life: started with its clients, ended complete or incomplete (also when the
process writing it is found gone), and the therapist's notes on it.

Realtime-safe: no.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterable

from sqlalchemy import select

from live import __version__
from live.store.base import StoreBase
from live.store.schema import t_notes, t_runs, t_session_clients, t_session_writers, t_sessions
from live.store.values import check_client_code, check_int, now, opt_int

__all__ = ["Sessions"]

_HOST = socket.gethostname()[:255]
_NOTE_MAX_CHARS = 10_000


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    try:  # a killed process its parent has not reaped yet is a zombie: gone
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except (OSError, IndexError):
        return True


class Sessions(StoreBase):
    """Sessions and their notes (part of :class:`live.store.store.Store`)."""

    def create_session(self, *, client_codes: Iterable[str], simulated: bool, sample_rate: int) -> str:
        """Start a session (status ``running``) with one or more clients, created if new.

        Parameters
        ----------
        client_codes : iterable of str
            Pseudonymous codes of the clients taking part, at least one, no repeats.
        simulated : bool
            True when the client is a simulated one (demo, tests).
        sample_rate : int
            Frames per second of the engine clock for every run of the session.

        Returns
        -------
        str
            The new session's id (32 hex digits).
        """
        if isinstance(client_codes, str):
            raise TypeError(f"client_codes must be a list of codes, not the string {client_codes!r}")
        codes = [check_client_code(c) for c in client_codes]
        if not codes:
            raise ValueError("client_codes is empty: a session needs at least one client")
        repeated = sorted({c for c in codes if codes.count(c) > 1})
        if repeated:
            raise ValueError(f"client_codes repeats {', '.join(repeated)}: give each client once")
        rate = check_int("sample_rate", sample_rate, minimum=1)
        session_id = uuid.uuid4().hex
        with self._write() as conn:
            ids = [self._client_id(conn, c) for c in codes]
            conn.execute(t_sessions.insert().values(id=session_id, started_at=now(), status="running",
                                                    simulated=bool(simulated), sample_rate=rate,
                                                    app_version=__version__))
            conn.execute(t_session_clients.insert(), [{"session_id": session_id, "client_id": i} for i in ids])
            conn.execute(t_session_writers.insert().values(
                session_id=session_id, host=_HOST, pid=os.getpid(), last_write_at=now()))
        return session_id

    def close_session(self, session_id: str, *, status: str = "complete") -> None:
        """End a running session with status ``complete`` or ``incomplete``.

        Runs of the session still running are marked ``incomplete`` (their rows are kept).
        """
        if status not in ("complete", "incomplete"):
            raise ValueError(f"status = {status!r}: must be 'complete' or 'incomplete'")
        at = now()
        with self._write() as conn:
            session = self._session_row(conn, session_id)
            if session.status != "running":
                raise ValueError(f"session {session_id} is already {session.status}")
            conn.execute(t_runs.update().where(t_runs.c.session_id == session.id, t_runs.c.status == "running")
                         .values(ended_at=at, status="incomplete"))
            conn.execute(t_sessions.update().where(t_sessions.c.id == session.id).values(ended_at=at, status=status))

    def close_abandoned(self, *, stale_after_s: float = 60.0) -> list[str]:
        """Mark running sessions whose writer is gone ``incomplete``; returns their ids.

        A session's writer is gone when it ran on this host and its process no longer exists
        (killed, crashed), or ran on another host and has not committed a batch for
        ``stale_after_s`` seconds (a live session commits one every <= 0.5 s). The session and
        its running runs end at the writer's last batch; every stored row is kept. Sessions
        without a recorded writer (written before schema version 3) are left as they are.
        """
        at = now()
        with self._read() as conn:
            rows = conn.execute(
                select(t_session_writers)
                .join(t_sessions, t_sessions.c.id == t_session_writers.c.session_id)
                .where(t_sessions.c.status == "running")
            ).all()
        gone = [r for r in rows if (not _process_alive(r.pid) if r.host == _HOST
                                    else (at - r.last_write_at).total_seconds() > stale_after_s)]
        closed = []
        for r in gone:
            with self._write() as conn:
                updated = conn.execute(
                    t_sessions.update().where(t_sessions.c.id == r.session_id, t_sessions.c.status == "running")
                    .values(ended_at=r.last_write_at, status="incomplete"))
                if updated.rowcount:
                    conn.execute(t_runs.update().where(t_runs.c.session_id == r.session_id,
                                                       t_runs.c.status == "running")
                                 .values(ended_at=r.last_write_at, status="incomplete"))
                    closed.append(r.session_id)
        return closed

    def add_note(self, session_id: str, text: str, *, run_id: int | None = None, frame: int | None = None) -> int:
        """Store a therapist note on a session; a note with a ``frame`` is a marked moment.

        Notes can be added while the session runs and after it has ended.

        Parameters
        ----------
        session_id : str
            The session (any status).
        text : str
            The note, 1..10000 characters (leading and trailing space removed).
        run_id : int, optional
            A run of that session the note belongs to; None for the whole session.
        frame : int, optional
            Engine frame of the moment marked (>= 0); None for a note on no moment.

        Returns
        -------
        int
            The note's id.
        """
        if not isinstance(text, str) or not 1 <= len(text.strip()) <= _NOTE_MAX_CHARS:
            raise ValueError(f"note text {text!r:.60}: must be a string of 1..{_NOTE_MAX_CHARS} characters")
        run = opt_int("run_id", run_id)
        at = None if frame is None else check_int("frame", frame, minimum=0)
        with self._write() as conn:
            session = self._session_row(conn, session_id)
            if run is not None and self._run_row(conn, run).session_id != session.id:
                raise ValueError(f"run {run} is not a run of session {session.id}")
            result = conn.execute(t_notes.insert().values(session_id=session.id, run_id=run, frame=at,
                                                          text=text.strip(), created_at=now()))
            return int(result.inserted_primary_key[0])

    def session_notes(self, session_id: str) -> list[dict]:
        """A session's notes in the order written: keys id, run_id, frame, text, created_at."""
        query = (select(t_notes.c.id, t_notes.c.run_id, t_notes.c.frame, t_notes.c.text, t_notes.c.created_at)
                 .where(t_notes.c.session_id == str(session_id)).order_by(t_notes.c.id))
        with self._read() as conn:
            self._session_row(conn, session_id)
            return [r._asdict() for r in conn.execute(query)]
