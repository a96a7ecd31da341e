"""Every schema version to the next, in the opening transaction; every stored row is kept.

=======  ===================================================================================
version  what it changed
=======  ===================================================================================
1        the first layout (live 0.1): clients, sessions, runs, events, responses, summaries,
         controls, calibrations
2        added ``client_names``, ``goals``, ``notes``
3        added ``session_writers``, ``run_playback``
4        added ``outages``, ``run_segments`` (an older run is its own first segment)
5        generic responses and summaries, for every activity: the response's target and error
         columns became ``target_index``, ``target_frame``, ``error_ms``, with
         ``target_kind`` and ``extra_json`` added; the sound's cue column became
         ``cue_index``; ``summaries`` got an ``id``, ``trial`` (per-trial rows) and
         ``text_value`` (text metrics), its uniqueness per run, phase and metric kept for
         phase rows
6        ``events.end_frame``: where a sustained sound's release began (its note-off)
7        added ``songs``, ``song_audio`` (the song library)
8        added ``run_songs`` (the song a run's cue was rendered from, with its beats then; an
         older run has none: its export uses the library's beats)
9        added ``run_audio`` (audio input a run kept: a sung answer's window; an older run
         has none: its WAV export is live's output alone)
=======  ===================================================================================

Up to version 4 the one activity was entrainment, and those columns had the names its records
still use (its :class:`~live.activities.types.RecordNames`: ``<target>_index``,
``<target>_frame`` and its error's name, the target being the beat): the layouts of versions
1..4 take them from there (:func:`legacy_names`), and version 5 gives every older matched
response that target's kind. Those layouts are kept here (:func:`tables_of`), so that a
database of any version can be made (:func:`create_schema`, for tests and tools) and each step
is tested from the real layout it starts from. Both SQLite and PostgreSQL run DDL in
transactions: a step that fails leaves the database at the version it had. Renaming a column
needs SQLite 3.25 or later.

Realtime-safe: no.
"""

from __future__ import annotations

from functools import cache
from typing import Callable

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    select,
    text,
)
from sqlalchemy.engine import Connection

from live.activities.types import RecordNames
from live.store.schema import (
    NAMING,
    SCHEMA_VERSION,
    BigId,
    metadata,
    t_meta,
    t_summaries,
    tables_added_in,
)

__all__ = ["tables_of", "create_schema", "migrate", "legacy_names", "STEPS"]

LEGACY_ACTIVITY = "entrainment"
"""The activity whose record names the responses and sounds of versions 1..4 carry."""


def legacy_names() -> RecordNames:
    """The record names of :data:`LEGACY_ACTIVITY`: the target (``kind``) and column names of
    the responses and sounds of schema versions 1..4."""
    from live.activities.registry import activity_class

    return activity_class(LEGACY_ACTIVITY).record_names


@cache
def _v4() -> MetaData:
    """Schema version 4's tables: today's, with the three version 5 changed as they were."""
    names = legacy_names()
    meta = MetaData(naming_convention=NAMING)
    for table in metadata.sorted_tables:
        if "changed" not in table.info:
            table.to_metadata(meta)
    Table(
        "events", meta,
        Column("id", BigId, primary_key=True),
        Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
        Column("kind", String(8), nullable=False),
        Column("frame", BigInteger, nullable=False),
        Column("client_id", Integer, ForeignKey("clients.id"), nullable=True),
        Column("source", String(16), nullable=True),
        Column("note", Integer, nullable=True),
        Column("velocity", Integer, nullable=True),
        Column("sound", String(64), nullable=True),
        Column("gain", Float, nullable=True),
        Column(names.index, Integer, nullable=True),
        CheckConstraint("kind IN ('sound', 'input')", name="kind"),
        Index("ix_events_run_id_frame", "run_id", "frame"),
    )
    Table(
        "responses", meta,
        Column("id", BigId, primary_key=True),
        Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
        Column("client_id", Integer, ForeignKey("clients.id"), nullable=False),
        Column("frame", BigInteger, nullable=False),
        Column("source", String(16), nullable=False),
        Column("note", Integer, nullable=True),
        Column("velocity", Integer, nullable=False),
        Column(names.index, Integer, nullable=True),
        Column(names.frame, BigInteger, nullable=True),
        Column(names.error, Float, nullable=True),
        Column("provisional", Boolean, nullable=False),
        Index("ix_responses_run_id_frame", "run_id", "frame"),
    )
    Table(
        "summaries", meta,
        Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
        Column("phase", String(32), nullable=False),
        Column("metric", String(100), nullable=False),
        Column("position", Integer, nullable=False),
        Column("value", Float, nullable=True),
        PrimaryKeyConstraint("run_id", "phase", "metric"),
    )
    return meta


@cache
def _v5() -> MetaData:
    """Schema version 5's tables: today's, ``events`` without version 6's ``end_frame``."""
    meta = MetaData(naming_convention=NAMING)
    for table in metadata.sorted_tables:
        if "column_added" not in table.info:
            table.to_metadata(meta)
    Table(
        "events", meta,
        Column("id", BigId, primary_key=True),
        Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
        Column("kind", String(8), nullable=False),
        Column("frame", BigInteger, nullable=False),
        Column("client_id", Integer, ForeignKey("clients.id"), nullable=True),
        Column("source", String(16), nullable=True),
        Column("note", Integer, nullable=True),
        Column("velocity", Integer, nullable=True),
        Column("sound", String(64), nullable=True),
        Column("gain", Float, nullable=True),
        Column("cue_index", Integer, nullable=True),
        CheckConstraint("kind IN ('sound', 'input')", name="kind"),
        Index("ix_events_run_id_frame", "run_id", "frame"),
    )
    return meta


def tables_of(version: int) -> list[Table]:
    """The tables of schema ``version`` (1..:data:`SCHEMA_VERSION`), in dependency order."""
    if not 1 <= version <= SCHEMA_VERSION:
        raise ValueError(f"version = {version}: must be 1..{SCHEMA_VERSION}")
    meta = metadata if version >= 6 else _v5() if version == 5 else _v4()
    return [t for t in meta.sorted_tables if t.info.get("since", 1) <= version]


def create_schema(conn: Connection, version: int = SCHEMA_VERSION) -> None:
    """Create the tables of schema ``version`` in an empty database, recording the version.

    Parameters
    ----------
    conn : Connection
        In a transaction, on an empty database.
    version : int
        1..SCHEMA_VERSION (an older one for tests and tools: a database as that live made it).
    """
    for table in tables_of(version):
        table.create(conn)
    conn.execute(t_meta.insert(), {"key": "schema_version", "value": str(version)})


# ---- the steps ---------------------------------------------------------------------------------


def _add_tables(version: int) -> Callable[[Connection], None]:
    def step(conn: Connection) -> None:
        for table in tables_added_in(version, _v4()):
            table.create(conn)

    step.__doc__ = f"Add the tables of version {version}."
    return step


def _to_version_5(conn: Connection) -> None:
    """Generic responses, events and summaries (see the module docstring)."""
    ddl = conn.exec_driver_sql
    names = legacy_names()
    ddl(f"ALTER TABLE events RENAME COLUMN {names.index} TO cue_index")
    for old, new in ((names.index, "target_index"), (names.frame, "target_frame"), (names.error, "error_ms")):
        ddl(f"ALTER TABLE responses RENAME COLUMN {old} TO {new}")
    ddl("ALTER TABLE responses ADD COLUMN target_kind VARCHAR(32)")
    ddl("ALTER TABLE responses ADD COLUMN extra_json TEXT")
    conn.execute(text("UPDATE responses SET target_kind = :kind WHERE target_index IS NOT NULL"),
                 {"kind": names.target})
    # summaries: a new primary key, so the table is made again and its rows copied in their
    # stored order (ids follow it); PostgreSQL names the old key's index: move it aside first.
    ddl("ALTER TABLE summaries RENAME TO summaries_v4")
    if conn.dialect.name == "postgresql":
        ddl("ALTER TABLE summaries_v4 RENAME CONSTRAINT pk_summaries TO pk_summaries_v4")
    t_summaries.create(conn)
    old = Table("summaries_v4", MetaData(), Column("run_id"), Column("phase"), Column("metric"),
                Column("position"), Column("value"))
    conn.execute(t_summaries.insert().from_select(
        ["run_id", "phase", "metric", "position", "value"],
        select(old.c.run_id, old.c.phase, old.c.metric, old.c.position, old.c.value)
        .order_by(old.c.run_id, old.c.position, old.c.phase, old.c.metric)))
    ddl("DROP TABLE summaries_v4")


def _to_version_6(conn: Connection) -> None:
    """``events.end_frame`` (NULL for every stored sound: each played whole)."""
    conn.exec_driver_sql("ALTER TABLE events ADD COLUMN end_frame BIGINT")


STEPS: dict[int, Callable[[Connection], None]] = {
    2: _add_tables(2),
    3: _add_tables(3),
    4: _add_tables(4),
    5: _to_version_5,
    6: _to_version_6,
    7: _add_tables(7),
    8: _add_tables(8),
    9: _add_tables(9),
}
"""Version -> the step that brings a database of the version before to it."""


def migrate(conn: Connection, from_version: int, to_version: int = SCHEMA_VERSION) -> None:
    """Bring a database from schema ``from_version`` to ``to_version``, step by step, in
    ``conn``'s transaction, and record the version reached."""
    if not 1 <= from_version <= to_version <= SCHEMA_VERSION:
        raise ValueError(f"from_version = {from_version}, to_version = {to_version}: must be "
                         f"1 <= from <= to <= {SCHEMA_VERSION}")
    for version in range(from_version + 1, to_version + 1):
        STEPS[version](conn)
    conn.execute(t_meta.update().where(t_meta.c.key == "schema_version").values(value=str(to_version)))
