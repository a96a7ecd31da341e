"""Audio outages of a running session (issue 10's device loss): when the audio device or server
went away and came back, on the session's one timeline. A run played again after an outage is
stored by :meth:`live.store.writes.Writes.create_run` (``resumes_run_id``, ``outage_id``).

Realtime-safe: no.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from live.store.base import StoreBase
from live.store.schema import t_outages
from live.store.values import check_int, check_name, now

__all__ = ["Outages"]


class Outages(StoreBase):
    """Audio outages (part of :class:`live.store.store.Store`)."""

    def begin_outage(self, session_id: str, *, start_frame: int, device: str, run_id: int | None = None,
                     started_at: datetime | None = None) -> int:
        """Record that the audio went away in a running session; returns the outage's id.

        Parameters
        ----------
        session_id : str
            A running session.
        start_frame : int
            The last engine frame played before the audio stopped.
        device : str
            What was lost, e.g. ``"audio on JACK Audio Connection Kit"``.
        run_id : int, optional
            The run that was playing (None between runs).
        started_at : datetime, optional
            When the audio stopped (aware); default now.
        """
        start = check_int("start_frame", start_frame, minimum=0)
        with self._write() as conn:
            session = self._session_row(conn, session_id)
            if session.status != "running":
                raise ValueError(f"session {session_id} is already {session.status}")
            if run_id is not None and self._run_row(conn, run_id).session_id != session.id:
                raise ValueError(f"run {run_id} is not a run of session {session_id}")
            result = conn.execute(t_outages.insert().values(
                session_id=session.id, run_id=None if run_id is None else int(run_id), start_frame=start,
                end_frame=None, started_at=started_at or now(), ended_at=None,
                device=check_name("device", device, 500)))
            return int(result.inserted_primary_key[0])

    def end_outage(self, outage_id: int, *, end_frame: int, ended_at: datetime | None = None) -> None:
        """Record that the audio is back: its first frame on the session's timeline (>= the
        outage's start frame; the frames in between are the outage's length)."""
        end = check_int("end_frame", end_frame, minimum=0)
        with self._write() as conn:
            row = self._outage_row(conn, outage_id)
            if row.end_frame is not None:
                raise ValueError(f"outage {outage_id} has already ended")
            if end < row.start_frame:
                raise ValueError(f"end_frame = {end}: must be >= the outage's start frame {row.start_frame}")
            conn.execute(t_outages.update().where(t_outages.c.id == row.id)
                         .values(end_frame=end, ended_at=ended_at or now()))

    def session_outages(self, session_id: str) -> list[dict[str, Any]]:
        """A session's audio outages in order: keys id, run_id, start_frame, end_frame (None:
        the audio had not returned when the session ended), started_at, ended_at, device."""
        with self._read() as conn:
            session = self._session_row(conn, session_id)
            rows = conn.execute(select(t_outages).where(t_outages.c.session_id == session.id)
                                .order_by(t_outages.c.start_frame, t_outages.c.id)).all()
        return [{k: v for k, v in r._asdict().items() if k != "session_id"} for r in rows]
