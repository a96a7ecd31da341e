"""What every part of the store shares: opening (creating or migrating the schema), transactions,
and the look-ups of sessions, runs and clients that writers and readers both make.

Transactions. Every public writer is one transaction: it is all stored or none of it. The
store is safe to share between threads (each call takes its own pooled connection); the writer
thread and readers elsewhere need no lock of their own.

Realtime-safe: no (database I/O; the session writer thread and the records commands).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from live import __version__
from live.store.connection import WRITE_OPTION, StoreOpenError, explain, open_engine
from live.store.migrations import create_schema, migrate
from live.store.schema import SCHEMA_VERSION, t_clients, t_meta, t_outages, t_runs, t_session_clients, t_sessions
from live.store.values import check_int, now

__all__ = ["SchemaVersionError", "StoreBase"]


class SchemaVersionError(StoreOpenError):
    """The database holds a schema this version of live cannot read (newer, unknown or foreign)."""


class StoreBase:
    """A connection pool on one store database, its transactions and shared look-ups.

    Parameters
    ----------
    engine : sqlalchemy.engine.Engine
        An engine whose database holds the current schema version (:meth:`open` creates or
        migrates it).
    """

    def __init__(self, engine: Engine) -> None:
        self._engine_or_none: Engine | None = engine

    # ---- opening and closing ---------------------------------------------------------------

    @classmethod
    def open(cls, url_or_path: str | os.PathLike[str]) -> Any:
        """Open (creating if needed) a session database, migrated to :data:`SCHEMA_VERSION`.

        Parameters
        ----------
        url_or_path : str or path-like
            A string containing ``://`` is a SQLAlchemy URL (``postgresql+psycopg://...``,
            ``sqlite:///path``); anything else is a SQLite file path. A new SQLite file and
            missing parent folders are created readable by their owner only (0600 / 0700).

        Raises
        ------
        StoreOpenError
            With one line saying why and what is allowed (:mod:`live.store.connection`): a URL
            that is not SQLite or PostgreSQL, a driver that is not installed, a server that
            does not answer or refuses the connection, a file that is not a SQLite database, a
            file that cannot be created or is a folder.
        SchemaVersionError
            (A StoreOpenError.) When the database was written by a newer live, holds an unknown
            schema version, or holds other tables and no live schema.
        """
        engine = open_engine(url_or_path)
        store = cls(engine)
        try:
            store._ensure_schema()
        except SQLAlchemyError as exc:
            engine.dispose()
            raise StoreOpenError(explain(exc, engine.url)) from exc
        except BaseException:
            engine.dispose()
            raise
        return store

    def close(self) -> None:
        """Close every pooled connection; the store cannot be used afterwards. Idempotent."""
        if self._engine_or_none is not None:
            self._engine_or_none.dispose()
            self._engine_or_none = None

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def url(self) -> str:
        """The database URL, password hidden."""
        return self._engine.url.render_as_string(hide_password=True)

    def __repr__(self) -> str:
        where = "closed" if self._engine_or_none is None else self.url
        return f"<Store {where}>"

    @property
    def _engine(self) -> Engine:
        if self._engine_or_none is None:
            raise RuntimeError("the store is closed")
        return self._engine_or_none

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self._engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self._engine.connect() as conn:
            conn.execution_options(**{WRITE_OPTION: True})
            with conn.begin():
                yield conn

    # ---- the schema ----------------------------------------------------------------------------

    def _ensure_schema(self) -> None:
        # Read first: opening a database another process is writing must not wait for its lock.
        with self._read() as conn:
            version = self._schema_version(conn)
        if version == SCHEMA_VERSION:
            return
        with self._write() as conn:
            if conn.dialect.name == "postgresql" and version is not None:
                conn.exec_driver_sql("LOCK TABLE meta IN EXCLUSIVE MODE")  # one migrator at a time
            version = self._schema_version(conn)
            if version is None:
                create_schema(conn)
            elif version < SCHEMA_VERSION:
                migrate(conn, version)

    @staticmethod
    def _schema_version(conn: Connection) -> int | None:
        """The database's schema version, None when it is empty; raise when unreadable."""
        names = inspect(conn).get_table_names()
        if "meta" not in names:
            if names:
                raise SchemaVersionError(
                    f"the database holds tables ({', '.join(sorted(names))}) but no 'meta' table: "
                    "not a live session database"
                )
            return None
        value = conn.execute(select(t_meta.c.value).where(t_meta.c.key == "schema_version")).scalar()
        try:
            version = int(value) if value is not None else None
        except ValueError:
            version = None
        if version is not None and version > SCHEMA_VERSION:
            raise SchemaVersionError(
                f"the database has schema version {version}, written by a newer live; this live "
                f"({__version__}) reads schema versions 1..{SCHEMA_VERSION}: upgrade live"
            )
        if version is None or version < 1:
            raise SchemaVersionError(
                f"the database has an unknown schema version {value!r} in table 'meta'; "
                f"this live reads schema versions 1..{SCHEMA_VERSION}"
            )
        return version

    # ---- look-ups shared by writers and readers ------------------------------------------------

    @staticmethod
    def _session_row(conn: Connection, session_id: str) -> Any:
        row = conn.execute(select(t_sessions).where(t_sessions.c.id == str(session_id))).first()
        if row is None:
            raise KeyError(f"no session with id {session_id!r}")
        return row

    @staticmethod
    def _run_row(conn: Connection, run_id: int) -> Any:
        run_id = check_int("run_id", run_id)
        row = conn.execute(select(t_runs).where(t_runs.c.id == run_id)).first()
        if row is None:
            raise KeyError(f"no run with id {run_id}")
        return row

    def _running_run(self, conn: Connection, run_id: int) -> Any:
        row = self._run_row(conn, run_id)
        if row.status != "running":
            raise ValueError(f"run {run_id} is {row.status}: only a running run takes new rows")
        return row

    @staticmethod
    def _outage_row(conn: Connection, outage_id: int, session_id: str | None = None) -> Any:
        row = conn.execute(select(t_outages).where(t_outages.c.id == check_int("outage_id", outage_id))).first()
        if row is None or (session_id is not None and row.session_id != session_id):
            raise KeyError(f"no outage with id {outage_id!r}" + (f" in session {session_id}" if session_id else ""))
        return row

    @staticmethod
    def _client_ids(conn: Connection, session_id: str) -> dict[str, int]:
        """Code -> client id for the clients of a session."""
        rows = conn.execute(
            select(t_clients.c.code, t_clients.c.id)
            .join(t_session_clients, t_session_clients.c.client_id == t_clients.c.id)
            .where(t_session_clients.c.session_id == session_id)
        )
        return {code: cid for code, cid in rows}

    @staticmethod
    def _client_id(conn: Connection, code: str) -> int:
        """The id of the client with ``code``, created if new (in ``conn``'s transaction)."""
        cid = conn.execute(select(t_clients.c.id).where(t_clients.c.code == code)).scalar()
        if cid is None:
            result = conn.execute(t_clients.insert().values(code=code, created_at=now()))
            cid = result.inserted_primary_key[0]
        return int(cid)
