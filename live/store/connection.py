"""Connecting to a store: what ``--db`` accepts, checked before connecting; the engine, with
SQLite's settings; and what it says when a store cannot open.

A session store is a SQLite file (a path, or ``sqlite:///PATH``) or a PostgreSQL database
(``postgresql+psycopg://USER@HOST[:PORT]/DATABASE``; ``postgresql://`` and ``postgres://``
mean the same, with psycopg, the driver that comes with live; psycopg2 and pg8000 work too
when installed). Everything else is refused before any connection is tried, in one line
that says what is allowed; a driver that is not installed is named with the pip command that
adds it. :func:`explain` turns a driver's failure to connect into one line.

The messages never repeat the URL: the caller says where (``--db URL: ...``), with
:func:`shown`, which hides a password.

Files. A new SQLite file is created with mode 0600 before SQLite opens it
(:func:`live.engine.files.create_private`); SQLite gives its ``-wal`` and ``-shm`` files the
database file's mode, so all three are readable by their owner only (client data is health
data: DOMAIN.md, "Records"; DESIGN.md section 7). An existing file keeps the mode it has.

SQLite settings, per connection: WAL journal (readers in other processes see every committed
batch while the writer keeps its connection open), ``foreign_keys=ON``,
``synchronous=NORMAL`` (a committed batch survives a crash of the program; a power cut can
lose the last batches, never corrupt the file). SQLAlchemy emits ``BEGIN`` itself so that
schema creation is transactional and a reader's several queries see one snapshot; writers
begin with ``BEGIN IMMEDIATE`` (:data:`WRITE_OPTION`) so two writers wait for each other
instead of failing midway.

Realtime-safe: no.
"""

from __future__ import annotations

import importlib
import os
import sys

from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError

from live.engine.files import create_private

__all__ = ["ALLOWED", "DRIVERS", "NOT_SQLITE", "WRITE_OPTION", "StoreOpenError", "connect_args", "explain",
           "open_engine", "pip_install", "shown", "sqlite_file_problem", "store_url"]

ALLOWED = ("give a SQLite file (a path, or sqlite:///PATH) or a PostgreSQL URL "
           "(postgresql+psycopg://USER@HOST/DATABASE)")
"""What ``--db`` allows, in words."""
NOT_SQLITE = "not a SQLite database: give a live session database, or the name of a new file"

# backend -> driver -> (module to import, pip requirement that installs it); the first is the default.
DRIVERS: dict[str, dict[str, tuple[str, str | None]]] = {
    "sqlite": {"pysqlite": ("sqlite3", None)},
    "postgresql": {"psycopg": ("psycopg", "psycopg[binary]"), "psycopg2": ("psycopg2", "psycopg2-binary"),
                   "pg8000": ("pg8000", "pg8000")},
}
_BACKEND_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL", "mysql": "MySQL", "mariadb": "MariaDB",
                  "mssql": "Microsoft SQL Server", "oracle": "Oracle"}
_ALIASES = {"postgres": "postgresql"}
CONNECT_TIMEOUT_S = 10
"""How long a PostgreSQL connection may take before ``--db`` is reported unreachable."""


class StoreOpenError(RuntimeError):
    """The session store cannot be opened; the message is one line: what is wrong and what is
    allowed (not the URL itself: the caller says where)."""


def shown(url_or_path: str | os.PathLike[str]) -> str:
    """``--db``'s value as it may be printed: a URL's password hidden, a path as given."""
    text = os.fsdecode(url_or_path)
    if "://" not in text:
        return text
    try:
        return make_url(text).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return text


def pip_install(requirement: str) -> str:
    """The command that installs ``requirement`` into the Python running live."""
    return f"{sys.executable} -m pip install '{requirement}'"


def store_url(url_or_path: str | os.PathLike[str]) -> URL:
    """The SQLAlchemy URL of a store: a string with ``://`` is a URL, anything else a SQLite file.

    Raises
    ------
    StoreOpenError
        When the URL cannot be read, names a database other than SQLite and PostgreSQL, a
        driver live does not use, or a driver that is not installed (with the pip command).
    """
    if not (isinstance(url_or_path, str) and "://" in url_or_path):
        path = os.path.abspath(os.path.expanduser(os.fsdecode(url_or_path)))
        return URL.create("sqlite+pysqlite", database=path)
    try:
        url = make_url(url_or_path)
    except (ArgumentError, ValueError):
        raise StoreOpenError(f"not a database URL: {ALLOWED}") from None
    backend, _, driver = url.drivername.partition("+")
    backend = _ALIASES.get(backend, backend)
    if backend not in DRIVERS:
        name = _BACKEND_NAMES.get(backend, repr(backend))
        raise StoreOpenError(f"{name} is not supported: {ALLOWED}")
    drivers = DRIVERS[backend]
    driver = driver or next(iter(drivers))
    if driver not in drivers:
        raise StoreOpenError(f"driver {driver!r} is not supported for {_BACKEND_NAMES[backend]}: "
                             f"use {' or '.join(f'{backend}+{d}://' for d in drivers)}")
    if url.port is not None and not 1 <= url.port <= 65535:
        raise StoreOpenError(f"port {url.port}: must be 1..65535")
    module, requirement = drivers[driver]
    try:
        importlib.import_module(module)
    except ImportError as exc:
        what = ("is not installed" if isinstance(exc, ModuleNotFoundError) and exc.name == module
                else f"cannot be loaded ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})")
        raise StoreOpenError(f"the {_BACKEND_NAMES[backend]} driver {driver} {what}: install it with: "
                             f"{pip_install(requirement or module)}") from None
    return url.set(drivername=f"{backend}+{driver}")


_SQLITE_MAGIC = b"SQLite format 3\x00"  # the first bytes of every SQLite database file


def sqlite_file_problem(path: str) -> str | None:
    """Why ``path`` cannot hold a SQLite store, checked before SQLite sees it (SQLite would write
    a new database over a small file of another kind); None if it can (or may be created)."""
    if os.path.isdir(path):
        return f"is a folder: give a file's name, e.g. {os.path.join(path, 'live.db')}"
    ancestor = os.path.dirname(path)
    while ancestor and not os.path.lexists(ancestor) and os.path.dirname(ancestor) != ancestor:
        ancestor = os.path.dirname(ancestor)
    if ancestor and os.path.lexists(ancestor) and not os.path.isdir(ancestor):
        return f"cannot create the database file: {ancestor} is not a folder"
    if os.path.isfile(path):
        try:
            with open(path, "rb") as f:
                head = f.read(len(_SQLITE_MAGIC))
        except OSError as exc:
            return f"cannot read the database file: {exc.strerror or exc}"
        if head and head != _SQLITE_MAGIC:
            return NOT_SQLITE
    return None


def connect_args(url: URL) -> dict:
    """Driver arguments live adds: a connect timeout on PostgreSQL (unless the URL sets one), so
    an unreachable server is reported instead of waited for."""
    if url.drivername in ("postgresql+psycopg", "postgresql+psycopg2") and "connect_timeout" not in url.query:
        return {"connect_timeout": CONNECT_TIMEOUT_S}
    if url.drivername == "postgresql+pg8000" and "timeout" not in url.query:
        return {"timeout": CONNECT_TIMEOUT_S}
    return {}


def explain(exc: BaseException, url: URL) -> str:
    """One line for a failure to open the store at ``url`` (a driver error, or the file system's)."""
    if isinstance(exc, OSError) and not hasattr(exc, "orig"):
        return f"cannot create the database file: {exc.strerror or exc}"
    orig = getattr(exc, "orig", None) or exc
    detail = next((line.strip() for line in str(orig).splitlines() if line.strip()), type(orig).__name__)
    if url.get_backend_name() == "sqlite":
        if "file is not a database" in detail:
            return NOT_SQLITE
        if "unable to open database file" in detail:
            return "cannot open the database file: its folder must exist and be writable"
        if "readonly" in detail:
            return "the database file is read-only: live needs to write to it"
        return f"cannot open the SQLite database: {detail}"
    hint = ("; check the URL's host, port, user and database, and that the server is running"
            if type(orig).__name__ == "OperationalError" else "")
    return f"cannot use the PostgreSQL database: {detail}{hint}"


WRITE_OPTION = "live_store_write"
"""Connection execution option that makes SQLite's ``BEGIN`` take the write lock at once."""


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
    write = conn.get_execution_options().get(WRITE_OPTION, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def open_engine(url_or_path: str | os.PathLike[str]) -> Engine:
    """A SQLAlchemy engine on the store at ``url_or_path`` (:func:`store_url`); a new SQLite file
    and its missing folders are made owner-only first. Nothing is connected yet.

    Raises
    ------
    StoreOpenError
        When ``url_or_path`` is not allowed, or the SQLite file is not a SQLite database or
        cannot be created.
    """
    url = store_url(url_or_path)
    is_sqlite = url.get_backend_name() == "sqlite"
    if is_sqlite and url.database and url.database != ":memory:" and not url.database.startswith("file:"):
        problem = sqlite_file_problem(url.database)
        if problem is not None:
            raise StoreOpenError(problem)
        try:
            create_private(url.database)
        except OSError as exc:
            raise StoreOpenError(explain(exc, url)) from None
    engine = create_engine(url, connect_args=connect_args(url))
    if is_sqlite:
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
    return engine
