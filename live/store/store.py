"""The session store: clients, sessions, runs, raw events, scored responses and summaries.

SQLAlchemy Core over a SQLite file by default; the same code runs on PostgreSQL when given
a URL (portable column types, no SQLite-only SQL beyond the pragmas applied on SQLite).

Files. A new SQLite file is created with mode 0600 before SQLite opens it; SQLite gives its
``-wal`` and ``-shm`` files the database file's mode, so all three are readable by their owner
only (client data is health data: DOMAIN.md, "Records"; DESIGN.md section 7). An existing
file keeps the mode it has.

SQLite settings, per connection: WAL journal (readers in other processes see every committed
batch while the writer keeps its connection open), ``foreign_keys=ON``,
``synchronous=NORMAL`` (a committed batch survives a crash of the program; a power cut can
lose the last batches, never corrupt the file). SQLAlchemy emits ``BEGIN`` itself so that
schema creation is transactional and a reader's several queries see one snapshot; writers
begin with ``BEGIN IMMEDIATE`` so two writers wait for each other instead of failing midway.

Transactions. Every public writer is one transaction: it is all stored or none of it. Batches
go in through ``executemany``. The store is safe to share between threads (each call takes its
own pooled connection); the writer thread and readers elsewhere need no lock of their own.

Schema version 4 (``meta`` holds ``schema_version``; an older database is migrated when
opened, keeping every row: :func:`migrate`):

========================  ==================================================================
table                     columns
========================  ==================================================================
``meta``                  key (PK), value
``clients``               id, code (unique, pseudonymous: no names), created_at
``sessions``              id (uuid4 hex), started_at, ended_at, status, simulated,
                          sample_rate, app_version
``session_clients``       session_id, client_id (a session can have several clients)
``runs``                  id, session_id, position (1, 2, ... in the session), activity,
                          preset_name, preset_path, params_json, start_frame, end_frame,
                          started_at, ended_at, status
``events``                id, run_id, kind (``sound``/``input``), frame, client_id, source,
                          note, velocity, sound, gain, beat_index
``responses``             id, run_id, client_id, frame, source, note, velocity, beat_index,
                          beat_frame, asynchrony_ms, provisional
``summaries``             run_id, phase, metric (together unique), position (the order the
                          metrics were given in), value (NULL where undefined)
``controls``              id, run_id, frame, action, value, effect (therapist controls)
``calibrations``          id, created_at, input_path (midi, touch, mic; display: a screen's
                          display latency), device, latency_frames, sample_rate,
                          details_json
``client_names``          client_id (PK), display_name (optional; never exported when
                          de-identified) -- since version 2
``goals``                 id, client_id, metric, direction (``<=``/``>=``), target,
                          conditions_json (e.g. ``{"tempo_bpm": 100.0}``), created_at, active
                          -- since version 2
``notes``                 id, session_id, run_id (NULL for the whole session), frame (NULL,
                          or the engine frame of a marked moment), text, created_at
                          -- since version 2
``session_writers``       session_id (PK), host, pid, last_write_at: the process writing a
                          running session and its last batch -- since version 3
``run_playback``          run_id (PK), playback_json (channels, pad sound, gain, delay and
                          silent notes: how the run's pads sounded) -- since version 3
``outages``               id, session_id, run_id (the run playing when it began, NULL between
                          runs), start_frame (the last frame played), end_frame (the frame
                          the audio resumed at; NULL: it had not returned when the session
                          ended), started_at, ended_at, device (what was lost) -- since
                          version 4
``run_segments``          run_id (PK), segment (2, 3, ...), resumes_run_id (the run it
                          continues after an outage), outage_id: a run played again after
                          the audio returned; a run with no row is its own first segment
                          -- since version 4
========================  ==================================================================

One timeline. Frames of every run, segment and outage are on one engine clock: after an outage
the engine's frames continue from the last frame played plus the outage's length (so
``end_frame - start_frame`` of an outage is its length), and every export keeps one time origin.

Statuses of sessions and runs: ``running``, ``complete``, ``incomplete``. Timestamps are
timezone-aware UTC. Frames are engine frames (integers, DESIGN.md section 3).

Realtime-safe: no (database I/O; runs on the session writer thread, never in the callback).
"""

from __future__ import annotations

import json
import math
import os
import re
import socket
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timezone
from numbers import Real
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    create_engine,
    event,
    func,
    inspect,
    select,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from live import __version__
from live.activities.types import Response, Summary
from live.engine.events import InputEvent, ScheduledSound
from live.store.connection import StoreOpenError, connect_args, explain, sqlite_file_problem, store_url

__all__ = [
    "EVENT_KINDS",
    "GOAL_DIRECTIONS",
    "SCHEMA_VERSION",
    "STATUSES",
    "SchemaVersionError",
    "Store",
]

SCHEMA_VERSION = 4
"""Version of the table layout this module reads and writes (older ones are migrated on open)."""

GOAL_DIRECTIONS = ("<=", ">=")
"""How a goal's metric must compare with its target to be met."""

STATUSES = ("running", "complete", "incomplete")
"""Statuses of sessions and runs."""

EVENT_KINDS = ("sound", "input")
CALIBRATED_PATHS = ("midi", "touch", "mic", "display")  # calibrations.input_path
"""Kinds of rows in ``events``."""

_CODE_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
_NOTE_MAX_CHARS = 10_000
_HOST = socket.gethostname()[:255]
_FILE_MODE = 0o600
_DIR_MODE = 0o700
# Connection execution option that makes the SQLite BEGIN hook take the write lock at once.
_WRITE_OPTION = "live_store_write"


class SchemaVersionError(StoreOpenError):
    """The database holds a schema this version of live cannot read (newer, unknown or foreign)."""


# --------------------------------------------------------------------------------------------
# Schema
# --------------------------------------------------------------------------------------------


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC timestamp on every backend.

    Binds aware datetimes only (naive ones raise ``ValueError``); stores UTC (SQLite keeps the
    UTC wall time, PostgreSQL a ``timestamp with time zone``); returns aware UTC datetimes.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"timestamp {value!r} has no time zone; give an aware UTC datetime")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


# Integer on SQLite so the id is the rowid (autoincrementing); BIGINT elsewhere.
_BigId = BigInteger().with_variant(Integer(), "sqlite")

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)
_status_values = ", ".join(f"'{s}'" for s in STATUSES)

t_meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

t_clients = Table(
    "clients",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
)

t_sessions = Table(
    "sessions",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("started_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime, nullable=True),
    Column("status", String(16), nullable=False),
    Column("simulated", Boolean, nullable=False),
    Column("sample_rate", Integer, nullable=False),
    Column("app_version", String(32), nullable=False),
    CheckConstraint(f"status IN ({_status_values})", name="status"),
)

t_session_clients = Table(
    "session_clients",
    metadata,
    Column("session_id", String(32), ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
    Column("client_id", Integer, ForeignKey("clients.id", ondelete="CASCADE"), nullable=False),
    PrimaryKeyConstraint("session_id", "client_id"),
)

t_runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("session_id", String(32), ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("activity", String(64), nullable=False),
    Column("preset_name", String(200), nullable=False),
    Column("preset_path", Text, nullable=True),
    Column("params_json", Text, nullable=False),
    Column("calibration_json", Text, nullable=True),  # the latency corrections this run applied
    Column("start_frame", BigInteger, nullable=False),
    Column("end_frame", BigInteger, nullable=True),
    Column("started_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime, nullable=True),
    Column("status", String(16), nullable=False),
    UniqueConstraint("session_id", "position"),
    CheckConstraint(f"status IN ({_status_values})", name="status"),
)

t_controls = Table(
    "controls",
    metadata,
    Column("id", _BigId, primary_key=True),
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("frame", BigInteger, nullable=False),
    Column("action", String(32), nullable=False),
    Column("value", Float, nullable=True),
    Column("effect", Text, nullable=True),  # what it did, e.g. "tempo 100 -> 110 BPM from beat 17"
    Index("ix_controls_run_frame", "run_id", "frame"),
)

t_calibrations = Table(
    "calibrations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("input_path", String(16), nullable=False),  # midi | touch | mic | display
    Column("device", String(200), nullable=False),
    Column("latency_frames", Integer, nullable=False),
    Column("sample_rate", Integer, nullable=False),
    Column("details_json", Text, nullable=False),
)

t_events = Table(
    "events",
    metadata,
    Column("id", _BigId, primary_key=True),
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(8), nullable=False),
    Column("frame", BigInteger, nullable=False),
    # input events
    Column("client_id", Integer, ForeignKey("clients.id"), nullable=True),
    Column("source", String(16), nullable=True),
    Column("note", Integer, nullable=True),
    Column("velocity", Integer, nullable=True),
    # sound events
    Column("sound", String(64), nullable=True),
    Column("gain", Float, nullable=True),
    Column("beat_index", Integer, nullable=True),
    CheckConstraint("kind IN ('sound', 'input')", name="kind"),
    Index("ix_events_run_id_frame", "run_id", "frame"),
)

t_responses = Table(
    "responses",
    metadata,
    Column("id", _BigId, primary_key=True),
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("client_id", Integer, ForeignKey("clients.id"), nullable=False),
    Column("frame", BigInteger, nullable=False),
    Column("source", String(16), nullable=False),
    Column("note", Integer, nullable=True),
    Column("velocity", Integer, nullable=False),
    Column("beat_index", Integer, nullable=True),
    Column("beat_frame", BigInteger, nullable=True),
    Column("asynchrony_ms", Float, nullable=True),
    Column("provisional", Boolean, nullable=False),
    Index("ix_responses_run_id_frame", "run_id", "frame"),
)

t_summaries = Table(
    "summaries",
    metadata,
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("phase", String(32), nullable=False),
    Column("metric", String(100), nullable=False),
    Column("position", Integer, nullable=False),
    Column("value", Float, nullable=True),
    PrimaryKeyConstraint("run_id", "phase", "metric"),
)

# ---- added in schema version 2 (``info["since"]``: the version that added a table) ----------

t_client_names = Table(
    "client_names",
    metadata,
    # Optional display names, kept apart from the pseudonymous codes so that exports and
    # de-identification never have to edit a client row (DOMAIN.md, "Records").
    Column("client_id", Integer, ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True),
    Column("display_name", String(200), nullable=False),
    info={"since": 2},
)

t_goals = Table(
    "goals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("client_id", Integer, ForeignKey("clients.id", ondelete="CASCADE"), nullable=False),
    Column("metric", String(100), nullable=False),
    Column("direction", String(2), nullable=False),
    Column("target", Float, nullable=False),
    Column("conditions_json", Text, nullable=False),  # e.g. {"tempo_bpm": 100.0}; {} for none
    Column("created_at", UTCDateTime, nullable=False),
    Column("active", Boolean, nullable=False),
    CheckConstraint("direction IN ('<=', '>=')", name="direction"),
    Index("ix_goals_client_id", "client_id"),
    info={"since": 2},
)

t_notes = Table(
    "notes",
    metadata,
    # Therapist notes; a "marked moment" is a note with the frame of the moment.
    Column("id", _BigId, primary_key=True),
    Column("session_id", String(32), ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=True),
    Column("frame", BigInteger, nullable=True),
    Column("text", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_notes_session_id", "session_id"),
    info={"since": 2},
)

# ---- added in schema version 3 ----------------------------------------------------------------

t_session_writers = Table(
    "session_writers",
    metadata,
    # Which process writes a running session, and when it last committed a batch: a session
    # whose writer is gone (killed, crashed, power cut) is found and marked incomplete.
    Column("session_id", String(32), ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True),
    Column("host", String(255), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("last_write_at", UTCDateTime, nullable=False),
    info={"since": 3},
)

t_run_playback = Table(
    "run_playback",
    metadata,
    # How a run sounded besides its scheduled sounds (channels, the pads the client's notes
    # played), so that its audio can be rendered again exactly (``live export --format wav``).
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("playback_json", Text, nullable=False),
    info={"since": 3},
)


t_outages = Table(
    "outages",
    metadata,
    # The audio device or server went away mid-session; the session stayed open.
    Column("id", Integer, primary_key=True),
    Column("session_id", String(32), ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=True),
    Column("start_frame", BigInteger, nullable=False),  # the last frame played before it
    Column("end_frame", BigInteger, nullable=True),     # the first frame played after it; NULL: not back
    Column("started_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime, nullable=True),
    Column("device", Text, nullable=False),
    CheckConstraint("end_frame IS NULL OR end_frame >= start_frame", name="frames"),
    Index(None, "session_id"),
    info={"since": 4},
)

t_run_segments = Table(
    "run_segments",
    metadata,
    # A run started again after an outage continues the run it resumes as its next segment.
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("segment", Integer, nullable=False),
    Column("resumes_run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("outage_id", Integer, ForeignKey("outages.id", ondelete="CASCADE"), nullable=True),
    CheckConstraint("segment >= 2", name="segment"),
    info={"since": 4},
)


def _tables_of(version: int) -> list[Table]:
    """The tables of schema ``version`` (in dependency order)."""
    return [t for t in metadata.sorted_tables if t.info.get("since", 1) <= version]


def _tables_added_in(version: int) -> list[Table]:
    return [t for t in metadata.sorted_tables if t.info.get("since", 1) == version]


# --------------------------------------------------------------------------------------------
# Checks (each says what was wrong and what is allowed)
# --------------------------------------------------------------------------------------------


def check_client_code(code: object) -> str:
    """``code`` if it is an allowed client code, else ValueError saying what is allowed."""
    if not isinstance(code, str) or not _CODE_RE.fullmatch(code):
        raise ValueError(
            f"client code {code!r} is not allowed: must be 1..64 characters of letters, digits, "
            "'-' and '_' (a pseudonymous code, never a name)"
        )
    return code


def _check_int(name: str, value: object, *, minimum: int | None = None) -> int:
    try:
        if isinstance(value, bool):
            raise TypeError
        number = int(value.__index__())  # type: ignore[attr-defined]  # int, numpy ints
    except (AttributeError, TypeError):
        raise TypeError(f"{name} = {value!r}: must be an integer") from None
    if minimum is not None and number < minimum:
        raise ValueError(f"{name} = {number}: must be >= {minimum}")
    return number


def _opt_int(name: str, value: object) -> int | None:
    return None if value is None else _check_int(name, value)


def _opt_float(name: str, value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} = {value!r}: must be a number or None")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{name} = {number}: must be finite (use None for an undefined value)")
    return number


def _check_name(name: str, value: object, max_len: int) -> str:
    if not isinstance(value, str) or not 1 <= len(value) <= max_len:
        raise ValueError(f"{name} = {value!r}: must be a string of 1..{max_len} characters")
    return value


def _dump_params(params: object) -> str:
    if not isinstance(params, Mapping):
        raise TypeError(f"params must be a dict, got {type(params).__name__}")
    try:
        return json.dumps(dict(params), allow_nan=False, ensure_ascii=False)
    except (TypeError, ValueError) as e:
        raise ValueError(
            f"params cannot be stored as JSON ({e}); allowed: str, int, float (finite), bool, "
            "None, and lists/tuples/dicts of those"
        ) from None


def _now() -> datetime:
    return datetime.now(timezone.utc)


# --------------------------------------------------------------------------------------------
# Opening
# --------------------------------------------------------------------------------------------


def _create_private_file(path: str) -> None:
    """Create ``path`` empty with mode 0600 unless it exists (parent folders made 0700).

    SQLite treats an empty file as a new database, and creates its ``-wal``/``-shm`` files
    with the database file's mode.
    """
    parent = os.path.dirname(path)
    if parent:
        os.makedirs(parent, mode=_DIR_MODE, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), _FILE_MODE)
    except FileExistsError:
        return
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, _FILE_MODE)  # a umask stricter than 0o077 must not leave it unwritable
    finally:
        os.close(fd)


def _sqlite_on_connect(dbapi_connection: Any, connection_record: Any) -> None:
    # sqlite3 must not emit BEGIN itself: _sqlite_on_begin does (SQLAlchemy's documented recipe
    # for transactional DDL and consistent reads on pysqlite).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def _sqlite_on_begin(conn: Connection) -> None:
    write = conn.get_execution_options().get(_WRITE_OPTION, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


# --------------------------------------------------------------------------------------------
# Migrations
# --------------------------------------------------------------------------------------------


def create_schema(conn: Connection, version: int) -> None:
    """Create the tables of an older schema ``version`` in an empty database (for tests and tools).

    Parameters
    ----------
    conn : Connection
        In a transaction, on an empty database.
    version : int
        1..SCHEMA_VERSION.
    """
    if not 1 <= version <= SCHEMA_VERSION:
        raise ValueError(f"version = {version}: must be 1..{SCHEMA_VERSION}")
    metadata.create_all(conn, tables=_tables_of(version))
    conn.execute(t_meta.insert(), {"key": "schema_version", "value": str(version)})


def migrate(conn: Connection, from_version: int) -> None:
    """Bring a database from schema ``from_version`` to :data:`SCHEMA_VERSION`, in ``conn``'s transaction.

    Each step adds the tables of the next version (``info["since"]``); every existing row is
    kept. Version 2 added ``client_names``, ``goals`` and ``notes``; version 3
    ``session_writers`` and ``run_playback``; version 4 ``outages`` and ``run_segments``
    (an older run is its own first segment). A later change to an
    existing table needs its own step here (an ``ALTER TABLE`` written for both backends).
    Both SQLite and PostgreSQL run DDL in transactions: a failed step leaves the old version.
    """
    if not 1 <= from_version <= SCHEMA_VERSION:
        raise ValueError(f"from_version = {from_version}: must be 1..{SCHEMA_VERSION}")
    for version in range(from_version + 1, SCHEMA_VERSION + 1):
        metadata.create_all(conn, tables=_tables_added_in(version))
    conn.execute(
        t_meta.update().where(t_meta.c.key == "schema_version").values(value=str(SCHEMA_VERSION))
    )


# --------------------------------------------------------------------------------------------
# The store
# --------------------------------------------------------------------------------------------


class Store:
    """Clients, sessions, runs and what was played, in one database.

    Open with :meth:`Store.open`; use as a context manager or call :meth:`close`.

    Parameters
    ----------
    engine : sqlalchemy.engine.Engine
        An engine whose database holds the current schema version (``Store.open`` creates or
        migrates it).

    Notes
    -----
    Unknown session or run ids raise ``KeyError`` naming the id. Writing to a session or run
    that is no longer running raises ``ValueError``. Frames are engine frames (integers).

    Realtime-safe: no.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine_or_none: Engine | None = engine

    # ---- opening and closing ---------------------------------------------------------------

    @classmethod
    def open(cls, url_or_path: str | os.PathLike[str]) -> Store:
        """Open (creating if needed) a session database.

        Parameters
        ----------
        url_or_path : str or path-like
            A string containing ``://`` is a SQLAlchemy URL (``postgresql+psycopg://...``,
            ``sqlite:///path``); anything else is a SQLite file path. A new SQLite file and
            missing parent folders are created readable by their owner only (0600 / 0700).

        Returns
        -------
        Store

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
        url = store_url(url_or_path)
        is_sqlite = url.get_backend_name() == "sqlite"
        if is_sqlite and url.database and url.database != ":memory:" and not url.database.startswith("file:"):
            problem = sqlite_file_problem(url.database)
            if problem is not None:
                raise StoreOpenError(problem)
            try:
                _create_private_file(url.database)
            except OSError as exc:
                raise StoreOpenError(explain(exc, url)) from None
        engine = create_engine(url, connect_args=connect_args(url))
        if is_sqlite:
            event.listen(engine, "connect", _sqlite_on_connect)
            event.listen(engine, "begin", _sqlite_on_begin)
        store = cls(engine)
        try:
            store._ensure_schema()
        except SQLAlchemyError as exc:
            engine.dispose()
            raise StoreOpenError(explain(exc, url)) from exc
        except BaseException:
            engine.dispose()
            raise
        return store

    def close(self) -> None:
        """Close every pooled connection; the store cannot be used afterwards. Idempotent."""
        if self._engine_or_none is not None:
            self._engine_or_none.dispose()
            self._engine_or_none = None

    def __enter__(self) -> Store:
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
            conn.execution_options(**{_WRITE_OPTION: True})
            with conn.begin():
                yield conn

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
                metadata.create_all(conn)
                conn.execute(t_meta.insert(), {"key": "schema_version", "value": str(SCHEMA_VERSION)})
            elif version < SCHEMA_VERSION:
                migrate(conn, version)

    def _schema_version(self, conn: Connection) -> int | None:
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

    # ---- lookups shared by writers and readers -----------------------------------------------

    @staticmethod
    def _session_row(conn: Connection, session_id: str) -> Any:
        row = conn.execute(select(t_sessions).where(t_sessions.c.id == str(session_id))).first()
        if row is None:
            raise KeyError(f"no session with id {session_id!r}")
        return row

    @staticmethod
    def _run_row(conn: Connection, run_id: int) -> Any:
        run_id = _check_int("run_id", run_id)
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
        cid = conn.execute(select(t_clients.c.id).where(t_clients.c.code == code)).scalar()
        if cid is None:
            result = conn.execute(t_clients.insert().values(code=code, created_at=_now()))
            cid = result.inserted_primary_key[0]
        return int(cid)

    @staticmethod
    def _response_rows(
        run_id: int,
        items: Iterable[Response],
        client_ids: Mapping[str, int],
        session_id: str,
        *,
        provisional: bool,
    ) -> list[dict[str, Any]]:
        rows = []
        for r in items:
            ev = r.event
            rows.append(
                {
                    "run_id": run_id,
                    "client_id": _session_client(client_ids, ev.client, session_id, ev.frame),
                    "frame": _check_int("response frame", ev.frame),
                    "source": ev.source,
                    "note": _opt_int("note", ev.note),
                    "velocity": _check_int("velocity", ev.velocity),
                    "beat_index": None if r.target is None else _opt_int("beat_index", r.target.index),
                    "beat_frame": None if r.target is None else _opt_int("beat_frame", r.target.frame),
                    "asynchrony_ms": _opt_float("asynchrony_ms", r.error_ms),
                    "provisional": provisional,
                }
            )
        return rows

    # ---- writers ---------------------------------------------------------------------------

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

    def create_session(self, *, client_codes: Iterable[str], simulated: bool, sample_rate: int) -> str:
        """Start a session (status ``running``) with one or more clients, created if new.

        Parameters
        ----------
        client_codes : iterable of str
            Pseudonymous codes of the clients taking part, at least one, no repeats.
        simulated : bool
            True when the client is the simulated tapper (demo, tests).
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
        rate = _check_int("sample_rate", sample_rate, minimum=1)
        session_id = uuid.uuid4().hex
        with self._write() as conn:
            ids = [self._client_id(conn, c) for c in codes]
            conn.execute(
                t_sessions.insert().values(
                    id=session_id,
                    started_at=_now(),
                    status="running",
                    simulated=bool(simulated),
                    sample_rate=rate,
                    app_version=__version__,
                )
            )
            conn.execute(
                t_session_clients.insert(), [{"session_id": session_id, "client_id": i} for i in ids]
            )
            conn.execute(t_session_writers.insert().values(
                session_id=session_id, host=_HOST, pid=os.getpid(), last_write_at=_now()))
        return session_id

    def create_run(
        self,
        session_id: str,
        *,
        activity: str,
        preset_name: str,
        preset_path: str | os.PathLike[str] | None,
        params: Mapping[str, Any],
        start_frame: int,
        calibration: Mapping[str, Any] | None = None,
        playback: Mapping[str, Any] | None = None,
        resumes_run_id: int | None = None,
        outage_id: int | None = None,
    ) -> int:
        """Start a run (one activity with one preset) as the next in a running session.

        Parameters
        ----------
        session_id : str
            A running session.
        activity : str
            Registered activity name (``"entrainment"``).
        preset_name : str
            The preset's name.
        preset_path : str, path-like or None
            File the preset came from; None for an embedded preset.
        params : dict
            Validated parameters, stored as JSON (tuples come back as lists).
        start_frame : int
            Engine frame of the run's first sound.
        calibration : dict, optional
            The latency corrections the run applies, per input path (stored as JSON).
        playback : dict, optional
            How the run sounds besides its scheduled sounds, so that its audio can be rendered
            again: keys ``channels`` (int), ``pad_sound`` (bank sound or None), ``pad_gain``
            (times velocity / 127), ``pad_delay_frames`` (after the note's uncorrected input
            frame), ``silent_notes`` (notes that play no pad). Stored as JSON.
        resumes_run_id : int, optional
            A run of the same session that an outage (``outage_id``, from
            :meth:`begin_outage`) cut short: this run plays it again as its next segment
            (``run_segments``: segment = that run's segment + 1).
        outage_id : int, optional
            The outage after which this run resumes (with ``resumes_run_id``).

        Returns
        -------
        int
            The run's id. Its ``position`` is 1 for a session's first run, then 2, 3, ...
        """
        activity = _check_name("activity", activity, 64)
        preset_name = _check_name("preset_name", preset_name, 200)
        path = None if preset_path is None else os.fsdecode(preset_path)
        params_json = _dump_params(params)
        start = _check_int("start_frame", start_frame, minimum=0)
        with self._write() as conn:
            session = self._session_row(conn, session_id)
            if session.status != "running":
                raise ValueError(f"session {session_id} is {session.status}: it takes no new runs")
            last = conn.execute(
                select(func.max(t_runs.c.position)).where(t_runs.c.session_id == session.id)
            ).scalar()
            result = conn.execute(
                t_runs.insert().values(
                    session_id=session.id,
                    position=(last or 0) + 1,
                    activity=activity,
                    preset_name=preset_name,
                    preset_path=path,
                    params_json=params_json,
                    calibration_json=None if calibration is None else json.dumps(calibration, sort_keys=True),
                    start_frame=start,
                    started_at=_now(),
                    status="running",
                )
            )
            run_id = int(result.inserted_primary_key[0])
            if playback is not None:
                conn.execute(t_run_playback.insert().values(run_id=run_id, playback_json=_dump_params(playback)))
            if resumes_run_id is not None:
                resumed = self._run_row(conn, _check_int("resumes_run_id", resumes_run_id))
                if resumed.session_id != session.id:
                    raise ValueError(f"run {resumes_run_id} is not a run of session {session_id}")
                if outage_id is not None:
                    self._outage_row(conn, outage_id, session.id)
                before = conn.execute(select(t_run_segments.c.segment)
                                      .where(t_run_segments.c.run_id == resumed.id)).scalar()
                conn.execute(t_run_segments.insert().values(
                    run_id=run_id, segment=(before or 1) + 1, resumes_run_id=resumed.id,
                    outage_id=None if outage_id is None else int(outage_id)))
            elif outage_id is not None:
                raise ValueError("outage_id is given with resumes_run_id (the run the outage cut short)")
            return run_id

    def add_sounds(self, run_id: int, sounds: Iterable[ScheduledSound]) -> None:
        """Store a batch of scheduled sounds of a running run (``events`` rows of kind ``sound``)."""
        run_id = _check_int("run_id", run_id)
        rows = [
            {
                "run_id": run_id,
                "kind": "sound",
                "frame": _check_int("sound frame", s.frame),
                "sound": s.sound,
                "gain": _opt_float("gain", s.gain),
                "beat_index": _opt_int("cue_index", s.cue_index),
            }
            for s in sounds
        ]
        with self._write() as conn:
            self._running_run(conn, run_id)
            if rows:
                conn.execute(t_events.insert(), rows)

    def add_inputs(self, run_id: int, inputs: Iterable[InputEvent]) -> None:
        """Store a batch of raw inputs of a running run (``events`` rows of kind ``input``).

        Each input's ``client`` code must be a client of the run's session (``ValueError``
        otherwise), or None for the therapist's inputs (stored with no client).
        """
        items = list(inputs)
        with self._write() as conn:
            run = self._running_run(conn, run_id)
            client_ids = self._client_ids(conn, run.session_id)
            rows = [
                {
                    "run_id": run.id,
                    "kind": "input",
                    "frame": _check_int("input frame", ev.frame),
                    "client_id": _input_client(client_ids, ev, run.session_id),
                    "source": ev.source,
                    "note": _opt_int("note", ev.note),
                    "velocity": _check_int("velocity", ev.velocity),
                }
                for ev in items
            ]
            if rows:
                conn.execute(t_events.insert(), rows)

    def add_responses(self, run_id: int, responses: Iterable[Response], *, provisional: bool = True) -> None:
        """Store a batch of scored responses of a running run.

        Parameters
        ----------
        run_id : int
        responses : iterable of Response
            Each event's ``client`` code must be a client of the run's session.
        provisional : bool
            True (default) for scores made as inputs arrive; :meth:`close_run` replaces these.
        """
        items = list(responses)
        with self._write() as conn:
            run = self._running_run(conn, run_id)
            client_ids = self._client_ids(conn, run.session_id)
            rows = self._response_rows(
                run.id, items, client_ids, run.session_id, provisional=bool(provisional)
            )
            if rows:
                conn.execute(t_responses.insert(), rows)

    def close_run(
        self,
        run_id: int,
        *,
        summary: Mapping[str, float | int | None] | Summary,
        final_responses: Iterable[Response],
        end_frame: int,
        phase: str = "all",
    ) -> None:
        """End a running run, in one transaction.

        The run's provisional responses are replaced by ``final_responses`` (stored with
        ``provisional`` False), one ``summaries`` row is written per metric of ``summary`` for
        ``phase`` (in the given order), and the run gets ``end_frame``, ``ended_at`` and status
        ``complete``.

        Parameters
        ----------
        run_id : int
        summary : dict or Summary
            Metric name -> value (int or finite float; None where undefined, never NaN). A
            :class:`~live.activities.types.Summary` stands for its ``metrics`` (stored under
            ``phase``), and each of its ``phases`` is stored under that phase's name.
        final_responses : iterable of Response
            The responses as the batch metric functions matched them.
        end_frame : int
            Engine frame at which the run ended (>= its start frame).
        phase : str
            Which part of the run the summary covers (``"all"`` by default).
        """
        run_id = _check_int("run_id", run_id)
        metrics = summary.metrics if isinstance(summary, Summary) else summary
        if not isinstance(metrics, Mapping):
            raise TypeError(f"summary must be a dict of metric -> value, got {type(summary).__name__}")
        phase = _check_name("phase", phase, 32)
        phases = {phase: metrics}
        if isinstance(summary, Summary):  # and each phase of the run under its own name
            phases.update(summary.phases)
        # Positions run on across phases, so the phases' order (the session's) is kept too.
        items = [(name_of_phase, name, value) for name_of_phase, phase_metrics in phases.items()
                 for name, value in phase_metrics.items()]
        summary_rows = [
            {
                "run_id": run_id,
                "phase": _check_name("phase", name_of_phase, 32),
                "metric": _check_name("metric name", name, 100),
                "position": i,
                "value": _opt_float(f"metric {name!r}", value),
            }
            for i, (name_of_phase, name, value) in enumerate(items)
        ]
        end = _check_int("end_frame", end_frame)
        finals = list(final_responses)
        with self._write() as conn:
            run = self._running_run(conn, run_id)
            if end < run.start_frame:
                raise ValueError(f"end_frame = {end}: must be >= the run's start_frame {run.start_frame}")
            client_ids = self._client_ids(conn, run.session_id)
            rows = self._response_rows(run.id, finals, client_ids, run.session_id, provisional=False)
            conn.execute(
                t_responses.delete().where(
                    t_responses.c.run_id == run.id, t_responses.c.provisional.is_(True)
                )
            )
            if rows:
                conn.execute(t_responses.insert(), rows)
            if summary_rows:
                conn.execute(t_summaries.insert(), summary_rows)
            conn.execute(
                t_runs.update()
                .where(t_runs.c.id == run.id)
                .values(end_frame=end, ended_at=_now(), status="complete")
            )

    def close_session(self, session_id: str, *, status: str = "complete") -> None:
        """End a running session with status ``complete`` or ``incomplete``.

        Runs of the session still running are marked ``incomplete`` (their rows are kept).
        """
        if status not in ("complete", "incomplete"):
            raise ValueError(f"status = {status!r}: must be 'complete' or 'incomplete'")
        now = _now()
        with self._write() as conn:
            session = self._session_row(conn, session_id)
            if session.status != "running":
                raise ValueError(f"session {session_id} is already {session.status}")
            conn.execute(
                t_runs.update()
                .where(t_runs.c.session_id == session.id, t_runs.c.status == "running")
                .values(ended_at=now, status="incomplete")
            )
            conn.execute(
                t_sessions.update().where(t_sessions.c.id == session.id).values(ended_at=now, status=status)
            )

    @staticmethod
    def _outage_row(conn: Connection, outage_id: int, session_id: str | None = None) -> Any:
        row = conn.execute(select(t_outages).where(t_outages.c.id == _check_int("outage_id", outage_id))).first()
        if row is None or (session_id is not None and row.session_id != session_id):
            raise KeyError(f"no outage with id {outage_id!r}" + (f" in session {session_id}" if session_id else ""))
        return row

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
        start = _check_int("start_frame", start_frame, minimum=0)
        with self._write() as conn:
            session = self._session_row(conn, session_id)
            if session.status != "running":
                raise ValueError(f"session {session_id} is already {session.status}")
            if run_id is not None and self._run_row(conn, run_id).session_id != session.id:
                raise ValueError(f"run {run_id} is not a run of session {session_id}")
            result = conn.execute(t_outages.insert().values(
                session_id=session.id, run_id=None if run_id is None else int(run_id), start_frame=start,
                end_frame=None, started_at=started_at or _now(), ended_at=None, device=_check_name("device", device, 500)))
            return int(result.inserted_primary_key[0])

    def end_outage(self, outage_id: int, *, end_frame: int, ended_at: datetime | None = None) -> None:
        """Record that the audio is back: its first frame on the session's timeline (>= the
        outage's start frame; the frames in between are the outage's length)."""
        end = _check_int("end_frame", end_frame, minimum=0)
        with self._write() as conn:
            row = self._outage_row(conn, outage_id)
            if row.end_frame is not None:
                raise ValueError(f"outage {outage_id} has already ended")
            if end < row.start_frame:
                raise ValueError(f"end_frame = {end}: must be >= the outage's start frame {row.start_frame}")
            conn.execute(t_outages.update().where(t_outages.c.id == row.id)
                         .values(end_frame=end, ended_at=ended_at or _now()))

    def session_outages(self, session_id: str) -> list[dict[str, Any]]:
        """A session's audio outages in order: keys id, run_id, start_frame, end_frame (None:
        the audio had not returned when the session ended), started_at, ended_at, device."""
        with self._read() as conn:
            session = self._session_row(conn, session_id)
            rows = conn.execute(select(t_outages).where(t_outages.c.session_id == session.id)
                                .order_by(t_outages.c.start_frame, t_outages.c.id)).all()
        return [{k: v for k, v in r._asdict().items() if k != "session_id"} for r in rows]

    def add_note(
        self, session_id: str, text: str, *, run_id: int | None = None, frame: int | None = None
    ) -> int:
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
        run = _opt_int("run_id", run_id)
        at = None if frame is None else _check_int("frame", frame, minimum=0)
        with self._write() as conn:
            session = self._session_row(conn, session_id)
            if run is not None and self._run_row(conn, run).session_id != session.id:
                raise ValueError(f"run {run} is not a run of session {session.id}")
            result = conn.execute(
                t_notes.insert().values(
                    session_id=session.id, run_id=run, frame=at, text=text.strip(), created_at=_now()
                )
            )
            return int(result.inserted_primary_key[0])

    def session_notes(self, session_id: str) -> list[dict[str, Any]]:
        """A session's notes in the order written: keys id, run_id, frame, text, created_at."""
        query = (
            select(t_notes.c.id, t_notes.c.run_id, t_notes.c.frame, t_notes.c.text, t_notes.c.created_at)
            .where(t_notes.c.session_id == str(session_id))
            .order_by(t_notes.c.id)
        )
        with self._read() as conn:
            self._session_row(conn, session_id)
            return [r._asdict() for r in conn.execute(query)]

    def add_batch(
        self,
        run_id: int,
        *,
        sounds: Iterable[ScheduledSound] = (),
        inputs: Iterable[InputEvent] = (),
        responses: Iterable[Response] = (),
        controls: Iterable[tuple[int, str, float | None, str | None]] = (),
    ) -> None:
        """Store one batch of a running run in one transaction: all of it or none.

        The session writer hands over what the control loop gathered since the last batch
        (every <= 0.5 s); a process killed at any moment keeps every batch committed before.
        Same rows as :meth:`add_sounds`, :meth:`add_inputs`, :meth:`add_responses` (provisional)
        and :meth:`add_controls`.
        """
        run_id = _check_int("run_id", run_id)
        sounds, inputs, responses, controls = list(sounds), list(inputs), list(responses), list(controls)
        with self._write() as conn:
            run = self._running_run(conn, run_id)
            client_ids = self._client_ids(conn, run.session_id)
            rows = [
                {"run_id": run_id, "kind": "sound", "frame": _check_int("sound frame", s.frame),
                 "client_id": None, "source": None, "note": None, "velocity": None,
                 "sound": s.sound, "gain": _opt_float("gain", s.gain),
                 "beat_index": _opt_int("cue_index", s.cue_index)}
                for s in sounds
            ] + [
                {"run_id": run_id, "kind": "input", "frame": _check_int("input frame", ev.frame),
                 "client_id": _input_client(client_ids, ev, run.session_id),
                 "source": ev.source, "note": _opt_int("note", ev.note),
                 "velocity": _check_int("velocity", ev.velocity), "sound": None, "gain": None,
                 "beat_index": None}
                for ev in inputs
            ]
            if rows:
                conn.execute(t_events.insert(), rows)
            scored = self._response_rows(run_id, responses, client_ids, run.session_id, provisional=True)
            if scored:
                conn.execute(t_responses.insert(), scored)
            control_rows = [
                {"run_id": run_id, "frame": _check_int("control frame", frame), "action": str(action),
                 "value": _opt_float("value", value), "effect": effect}
                for frame, action, value, effect in controls
            ]
            if control_rows:
                conn.execute(t_controls.insert(), control_rows)
            conn.execute(t_session_writers.update()
                         .where(t_session_writers.c.session_id == run.session_id)
                         .values(last_write_at=_now()))

    # ---- clients and goals -------------------------------------------------------------------

    def add_client(self, code: str, *, display_name: str | None = None) -> int:
        """Register a new client under a pseudonymous code, with an optional display name.

        Raises
        ------
        ValueError
            When the code is not allowed, is taken, or the name is not 1..200 characters.
        """
        code = check_client_code(code)
        name = None if display_name is None else _check_name("display name", display_name.strip(), 200)
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
        n_goals = (
            select(t_goals.c.client_id, func.count().label("n"))
            .where(t_goals.c.active.is_(True)).group_by(t_goals.c.client_id).subquery()
        )
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

    def add_goal(
        self, code: str, *, metric: str, direction: str, target: float,
        conditions: Mapping[str, Any] | None = None,
    ) -> int:
        """Give a client a goal: ``metric direction target`` under ``conditions``; returns its id.

        Parameters
        ----------
        code : str
            An existing client's code.
        metric : str
            A summary metric name (e.g. ``sd_async_ms``).
        direction : {"<=", ">="}
            The goal is met when the session's value compares so with ``target``.
        target : float
            In the metric's unit (finite).
        conditions : dict, optional
            Which runs count (e.g. ``{"tempo_bpm": 100.0}``): see :mod:`live.store.goals`.
        """
        metric = _check_name("metric", metric, 100)
        if direction not in GOAL_DIRECTIONS:
            raise ValueError(f"direction = {direction!r}: must be '<=' or '>='")
        value = _opt_float("target", target)
        if value is None:
            raise ValueError("target is missing: give a number")
        conditions_json = _dump_params(conditions or {})
        with self._write() as conn:
            cid = conn.execute(select(t_clients.c.id).where(t_clients.c.code == str(code))).scalar()
            if cid is None:
                raise KeyError(f"no client with code {code!r}")
            result = conn.execute(t_goals.insert().values(
                client_id=cid, metric=metric, direction=direction, target=value,
                conditions_json=conditions_json, created_at=_now(), active=True))
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

    def display_names(self, codes: Iterable[str]) -> dict[str, str]:
        """Code -> display name for those of ``codes`` that have one."""
        with self._read() as conn:
            rows = conn.execute(
                select(t_clients.c.code, t_client_names.c.display_name)
                .join(t_client_names, t_client_names.c.client_id == t_clients.c.id)
                .where(t_clients.c.code.in_(list(codes)))
            )
            return {code: name for code, name in rows}

    def close_abandoned(self, *, stale_after_s: float = 60.0) -> list[str]:
        """Mark running sessions whose writer is gone ``incomplete``; returns their ids.

        A session's writer is gone when it ran on this host and its process no longer exists
        (killed, crashed), or ran on another host and has not committed a batch for
        ``stale_after_s`` seconds (a live session commits one every <= 0.5 s). The session and
        its running runs end at the writer's last batch; every stored row is kept. Sessions
        without a recorded writer (written before schema version 3) are left as they are.
        """
        now = _now()
        with self._read() as conn:
            rows = conn.execute(
                select(t_session_writers)
                .join(t_sessions, t_sessions.c.id == t_session_writers.c.session_id)
                .where(t_sessions.c.status == "running")
            ).all()
        gone = [r for r in rows if (not _process_alive(r.pid) if r.host == _HOST
                                    else (now - r.last_write_at).total_seconds() > stale_after_s)]
        closed = []
        for r in gone:
            with self._write() as conn:
                updated = conn.execute(
                    t_sessions.update()
                    .where(t_sessions.c.id == r.session_id, t_sessions.c.status == "running")
                    .values(ended_at=r.last_write_at, status="incomplete"))
                if updated.rowcount:
                    conn.execute(
                        t_runs.update()
                        .where(t_runs.c.session_id == r.session_id, t_runs.c.status == "running")
                        .values(ended_at=r.last_write_at, status="incomplete"))
                    closed.append(r.session_id)
        return closed

    # ---- readers ---------------------------------------------------------------------------

    def get_session(self, session_id: str) -> dict[str, Any]:
        """A session with its clients and runs.

        Returns
        -------
        dict
            Keys: id, started_at, ended_at, status, simulated, sample_rate, app_version;
            clients (their codes, sorted); last_write_at (the writer's last batch, None when
            not recorded); runs (by position), each a dict with keys id, session_id, position,
            activity, preset_name, preset_path, params (the dict given to :meth:`create_run`),
            calibration, playback (dicts or None), start_frame, end_frame, started_at,
            ended_at, status; segment (1 for a run's first), resumes_run_id and outage_id
            (None unless the run was played again after an outage); outages
            (:meth:`session_outages`).
        """
        with self._read() as conn:
            row = self._session_row(conn, session_id)
            result = row._asdict()
            result["clients"] = sorted(self._client_ids(conn, row.id))
            run_rows = conn.execute(
                select(t_runs, t_run_segments.c.segment, t_run_segments.c.resumes_run_id, t_run_segments.c.outage_id)
                .select_from(t_runs.outerjoin(t_run_segments, t_run_segments.c.run_id == t_runs.c.id))
                .where(t_runs.c.session_id == row.id).order_by(t_runs.c.position)
            )
            result["runs"] = [_run_dict(r) for r in run_rows]
            for run in result["runs"]:
                run["segment"] = run["segment"] or 1
            playback = dict(conn.execute(
                select(t_run_playback.c.run_id, t_run_playback.c.playback_json)
                .join(t_runs, t_runs.c.id == t_run_playback.c.run_id)
                .where(t_runs.c.session_id == row.id)).all())
            writer = conn.execute(select(t_session_writers).where(t_session_writers.c.session_id == row.id)).first()
        for run in result["runs"]:
            run["playback"] = json.loads(playback[run["id"]]) if run["id"] in playback else None
        result["last_write_at"] = None if writer is None else writer.last_write_at
        result["outages"] = self.session_outages(row.id)
        return result

    def list_sessions(self) -> list[dict[str, Any]]:
        """Every session, oldest first, each as :meth:`get_session` gives it without ``runs``."""
        with self._read() as conn:
            rows = conn.execute(select(t_sessions).order_by(t_sessions.c.started_at, t_sessions.c.id)).all()
            codes: dict[str, list[str]] = {}
            for sid, code in conn.execute(
                select(t_session_clients.c.session_id, t_clients.c.code)
                .join(t_clients, t_clients.c.id == t_session_clients.c.client_id)
                .order_by(t_clients.c.code)
            ):
                codes.setdefault(sid, []).append(code)
        return [{**r._asdict(), "clients": codes.get(r.id, [])} for r in rows]

    def run_summary(self, run_id: int, phase: str = "all") -> dict[str, float | None]:
        """Metric name -> value of a run's summary for ``phase``, in the order stored.

        Empty while the run has no summary for that phase.
        """
        run_id = _check_int("run_id", run_id)
        with self._read() as conn:
            self._run_row(conn, run_id)
            rows = conn.execute(
                select(t_summaries.c.metric, t_summaries.c.value)
                .where(t_summaries.c.run_id == run_id, t_summaries.c.phase == phase)
                .order_by(t_summaries.c.position)
            )
            return {metric: value for metric, value in rows}

    def run_phases(self, run_id: int) -> dict[str, dict[str, float | None]]:
        """Every summary of a run: phase -> metric -> value.

        Phases in the order the run stored them (``all`` first, then the session's order);
        metrics in the order stored. Runs stored before positions ran on across phases (each
        phase counted from 0) fall back to ``baseline``, the others by name, ``continuation``.
        """
        run_id = _check_int("run_id", run_id)
        with self._read() as conn:
            self._run_row(conn, run_id)
            rows = conn.execute(
                select(t_summaries.c.phase, t_summaries.c.metric, t_summaries.c.value, t_summaries.c.position)
                .where(t_summaries.c.run_id == run_id)
                .order_by(t_summaries.c.phase, t_summaries.c.position)
            )
            out: dict[str, dict[str, float | None]] = {}
            first: dict[str, int] = {}
            for phase, metric, value, position in rows:
                out.setdefault(phase, {})[metric] = value
                first.setdefault(phase, position)
        rank = {"all": 0, "baseline": 1, "continuation": 3}
        return dict(sorted(out.items(), key=lambda kv: (first[kv[0]], rank.get(kv[0], 2), kv[0])))

    def add_controls(self, run_id: int, controls: Iterable[tuple[int, str, float | None, str | None]]) -> None:
        """Store therapist controls of a running run: (frame, action, value, effect) each."""
        rows = [
            {"run_id": run_id, "frame": _check_int("control frame", frame), "action": str(action),
             "value": _opt_float("value", value), "effect": effect}
            for frame, action, value, effect in controls
        ]
        with self._write() as conn:
            self._running_run(conn, run_id)
            if rows:
                conn.execute(t_controls.insert(), rows)

    def run_controls(self, run_id: int) -> list[dict[str, Any]]:
        """A run's therapist controls by frame: keys frame, action, value, effect."""
        query = (select(t_controls.c.frame, t_controls.c.action, t_controls.c.value, t_controls.c.effect)
                 .where(t_controls.c.run_id == run_id).order_by(t_controls.c.frame, t_controls.c.id))
        with self._read() as conn:
            self._run_row(conn, run_id)
            return [r._asdict() for r in conn.execute(query)]

    def save_calibration(self, *, input_path: str, device: str, latency_frames: int, sample_rate: int,
                         details: Mapping[str, Any]) -> int:
        """Store a calibration result for an input path and device; returns its id.

        ``input_path`` ``"display"`` is a screen's display latency (``device`` names the screen):
        how early its beat cue is drawn.
        """
        if input_path not in CALIBRATED_PATHS:
            raise ValueError(f"input_path = {input_path!r}: must be one of {', '.join(CALIBRATED_PATHS)}")
        with self._write() as conn:
            result = conn.execute(t_calibrations.insert().values(
                created_at=_now(), input_path=input_path, device=device,
                latency_frames=_check_int("latency_frames", latency_frames),
                sample_rate=_check_int("sample_rate", sample_rate, minimum=1),
                details_json=json.dumps(details, sort_keys=True)))
            return int(result.inserted_primary_key[0])

    def latest_calibration(self, input_path: str, device: str) -> dict[str, Any] | None:
        """The newest calibration of ``input_path`` on ``device``, or None."""
        query = (select(t_calibrations).where(t_calibrations.c.input_path == input_path,
                                              t_calibrations.c.device == device)
                 .order_by(t_calibrations.c.id.desc()).limit(1))
        with self._read() as conn:
            row = conn.execute(query).first()
        if row is None:
            return None
        out = row._asdict()
        out["details"] = json.loads(out.pop("details_json"))
        return out

    def latest_calibrations(self, input_path: str) -> list[dict[str, Any]]:
        """The newest calibration of ``input_path`` on each device, by device name."""
        query = select(t_calibrations).where(t_calibrations.c.input_path == input_path).order_by(t_calibrations.c.id)
        with self._read() as conn:
            newest = {row.device: row._asdict() for row in conn.execute(query)}
        out = []
        for device in sorted(newest):
            row = newest[device]
            row["details"] = json.loads(row.pop("details_json"))
            out.append(row)
        return out

    def run_events(self, run_id: int, kind: str | None = None) -> list[dict[str, Any]]:
        """A run's events by frame (then id), all or of one kind.

        Parameters
        ----------
        run_id : int
        kind : {"sound", "input"} or None
            None for both.

        Returns
        -------
        list of dict
            Keys: id, kind, frame, client (code; None for sounds), source, note, velocity,
            sound, gain, beat_index (None where a kind has no such field).
        """
        if kind is not None and kind not in EVENT_KINDS:
            raise ValueError(f"kind = {kind!r}: must be 'sound', 'input' or None")
        run_id = _check_int("run_id", run_id)
        query = (
            select(
                t_events.c.id,
                t_events.c.kind,
                t_events.c.frame,
                t_clients.c.code.label("client"),
                t_events.c.source,
                t_events.c.note,
                t_events.c.velocity,
                t_events.c.sound,
                t_events.c.gain,
                t_events.c.beat_index,
            )
            .select_from(t_events.outerjoin(t_clients, t_clients.c.id == t_events.c.client_id))
            .where(t_events.c.run_id == run_id)
            .order_by(t_events.c.frame, t_events.c.id)
        )
        if kind is not None:
            query = query.where(t_events.c.kind == kind)
        with self._read() as conn:
            self._run_row(conn, run_id)
            return [r._asdict() for r in conn.execute(query)]

    def run_responses(self, run_id: int) -> list[dict[str, Any]]:
        """A run's responses by frame (then id).

        Returns
        -------
        list of dict
            Keys: id, client (code), frame, source, note, velocity, beat_index, beat_frame,
            asynchrony_ms, provisional.
        """
        run_id = _check_int("run_id", run_id)
        query = (
            select(
                t_responses.c.id,
                t_clients.c.code.label("client"),
                t_responses.c.frame,
                t_responses.c.source,
                t_responses.c.note,
                t_responses.c.velocity,
                t_responses.c.beat_index,
                t_responses.c.beat_frame,
                t_responses.c.asynchrony_ms,
                t_responses.c.provisional,
            )
            .join(t_clients, t_clients.c.id == t_responses.c.client_id)
            .where(t_responses.c.run_id == run_id)
            .order_by(t_responses.c.frame, t_responses.c.id)
        )
        with self._read() as conn:
            self._run_row(conn, run_id)
            return [r._asdict() for r in conn.execute(query)]


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


def _session_client(client_ids: Mapping[str, int], code: str, session_id: str, frame: int) -> int:
    try:
        return client_ids[code]
    except KeyError:
        raise ValueError(
            f"input at frame {frame} is from client {code!r}, who is not in session {session_id} "
            f"(its clients: {', '.join(sorted(client_ids))})"
        ) from None


def _input_client(client_ids: Mapping[str, int], ev: InputEvent, session_id: str) -> int | None:
    """An input's ``client_id``: its client's, or None for the therapist's (``ev.client`` None)."""
    return None if ev.client is None else _session_client(client_ids, ev.client, session_id, ev.frame)


def _run_dict(row: Any) -> dict[str, Any]:
    result = row._asdict()
    result["params"] = json.loads(result.pop("params_json"))
    calibration = result.pop("calibration_json", None)
    result["calibration"] = None if calibration is None else json.loads(calibration)
    return result
