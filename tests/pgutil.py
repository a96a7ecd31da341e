"""A private PostgreSQL server for tests: ``initdb`` + ``postgres`` in a temp folder, as the
``postgres`` user, on a free TCP port of 127.0.0.1, stopped (and its folder removed) on exit.

Needs the Debian ``postgresql`` package (``make test`` installs it): the newest
``/usr/lib/postgresql/<major>/bin`` is used. Missing binaries or a server that does not come up
raise :class:`PostgresError`: the tests that need it fail, they never skip. When the tests run
as root, initdb and postgres run through ``runuser -u postgres`` (PostgreSQL refuses root);
otherwise as the current user. Trust authentication on 127.0.0.1 only.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path


class PostgresError(RuntimeError):
    """The test PostgreSQL server could not be set up."""


def _bin_dir() -> Path:
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda d: int(Path(d).parent.name))
    for d in reversed(dirs):
        if os.access(Path(d) / "postgres", os.X_OK) and os.access(Path(d) / "initdb", os.X_OK):
            return Path(d)
    raise PostgresError("no /usr/lib/postgresql/<major>/bin/{initdb,postgres}: install the 'postgresql' "
                        "Debian package (make test does)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """``with PostgresServer() as pg: pg.new_database()`` gives a SQLAlchemy URL of a fresh database."""

    def __init__(self, start_timeout_s: float = 30.0) -> None:
        self.bin = _bin_dir()
        self.start_timeout_s = start_timeout_s
        self.port = _free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="live-pg-"))
        self.proc: subprocess.Popen | None = None
        self._as_user: list[str] = []
        if os.geteuid() == 0:
            if shutil.which("runuser") is None:
                raise PostgresError("running as root needs 'runuser' to start PostgreSQL as user postgres")
            self._as_user = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.dir, "postgres", "postgres")
        os.chmod(self.dir, 0o700)

    def __enter__(self) -> PostgresServer:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}"

    def start(self) -> None:
        data = self.dir / "data"
        done = subprocess.run(
            [*self._as_user, str(self.bin / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
             "-E", "UTF8", "--no-sync", "--locale=C.UTF-8"],
            capture_output=True, text=True, timeout=120,
        )
        if done.returncode != 0:
            raise PostgresError(f"initdb failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
        log = open(self.dir / "server.log", "w")
        os.chmod(self.dir / "server.log", 0o600)
        self.proc = subprocess.Popen(
            [*self._as_user, str(self.bin / "postgres"), "-D", str(data), "-p", str(self.port),
             "-h", "127.0.0.1", "-k", str(self.dir), "-c", "fsync=off", "-c", "synchronous_commit=off",
             "-c", "full_page_writes=off", "-c", "shared_buffers=32MB", "-c", "max_connections=50"],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + self.start_timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise PostgresError(f"postgres exited ({self.proc.returncode}): {self.log_tail()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    pass
                if self._sql("SELECT 1") == "1":
                    return
            except (OSError, PostgresError):
                pass
            time.sleep(0.1)
        raise PostgresError(f"postgres did not accept connections within {self.start_timeout_s:g} s: "
                            f"{self.log_tail()}")

    def log_tail(self) -> str:
        try:
            return (self.dir / "server.log").read_text()[-2000:]
        except OSError:
            return "(no log)"

    def _sql(self, sql: str, database: str = "postgres") -> str:
        import psycopg

        try:
            with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=database,
                                 autocommit=True, connect_timeout=5) as conn:
                cur = conn.execute(sql)
                row = cur.fetchone() if cur.description is not None else None
        except psycopg.Error as exc:
            raise PostgresError(str(exc)) from None
        return "" if row is None else str(row[0])

    def new_database(self) -> str:
        """Create an empty database; returns its SQLAlchemy URL (psycopg 3 driver)."""
        name = f"t_{uuid.uuid4().hex[:16]}"
        self._sql(f'CREATE DATABASE "{name}"')
        return f"{self.base_url}/{name}"

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            # SIGINT: "fast" shutdown (running transactions rolled back, connections closed).
            # The server runs as postgres under runuser: signal its whole process group.
            try:
                os.killpg(self.proc.pid, 2)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait(timeout=10)
        self.proc = None
        shutil.rmtree(self.dir, ignore_errors=True)
