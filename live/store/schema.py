"""The store's tables, schema version 9 (``meta`` holds ``schema_version``; older databases are
migrated when opened: :mod:`live.store.migrations`).

SQLAlchemy Core tables with portable column types: the same layout on SQLite and PostgreSQL.

========================  ==================================================================
table                     columns
========================  ==================================================================
``meta``                  key (PK), value
``clients``               id, code (unique, pseudonymous: no names), created_at
``sessions``              id (uuid4 hex), started_at, ended_at, status, simulated,
                          sample_rate, app_version
``session_clients``       session_id, client_id (a session can have several clients)
``runs``                  id, session_id, position (1, 2, ... in the session), activity,
                          preset_name, preset_path, params_json, calibration_json,
                          start_frame, end_frame, started_at, ended_at, status
``events``                id, run_id, kind (``sound``/``input``), frame, client_id, source,
                          note, velocity, sound, gain, cue_index (the cue a sound marks: a
                          beat, a call's onset...; count-in cues negative), end_frame (where a
                          sustained sound's release began, its note-off; NULL: played whole)
                          -- cue_index since version 5, end_frame since version 6
``responses``             id, run_id, client_id, frame, source, note, velocity,
                          target_index, target_frame, target_kind (what the input was scored
                          against: ``beat``, ``call_onset``...; all NULL when unmatched),
                          error_ms, extra_json (the fields the activity declares; NULL for
                          none), provisional -- generic since version 5
``summaries``             id, run_id, phase, trial (NULL for a phase's summary, else the
                          trial's number), metric, position (the order the metrics were
                          given in, across phases and trials), value (a number), text_value
                          (a text metric); both NULL where undefined. Unique per run, phase
                          and metric among phase rows, per run, trial and metric among trial
                          rows (phase ``trial``) -- id, trial, text_value since version 5
``controls``              id, run_id, frame, action, value, effect (therapist controls)
``calibrations``          id, created_at, input_path (midi, touch, mic; display: a screen's
                          display latency), device, latency_frames, sample_rate,
                          details_json
``client_names``          client_id (PK), display_name -- since version 2
``goals``                 id, client_id, metric, direction (``<=``/``>=``), target,
                          conditions_json, created_at, active -- since version 2
``notes``                 id, session_id, run_id (NULL for the whole session), frame (NULL,
                          or the engine frame of a marked moment), text, created_at
                          -- since version 2
``session_writers``       session_id (PK), host, pid, last_write_at -- since version 3
``run_playback``          run_id (PK), playback_json -- since version 3
``outages``               id, session_id, run_id, start_frame, end_frame, started_at,
                          ended_at, device -- since version 4
``run_segments``          run_id (PK), segment (2, 3, ...), resumes_run_id, outage_id
                          -- since version 4
``songs``, ``song_audio``  the song library -- since version 7 (:mod:`live.store.song_tables`)
``run_songs``             the song each run's cue was rendered from, its beats as they were
                          then -- since version 8 (:mod:`live.store.song_tables`)
``run_audio``             audio input a run kept (a sung answer's window), encoded, at its
                          frames -- since version 9 (:mod:`live.store.clip_table`)
========================  ==================================================================

Statuses of sessions and runs: ``running``, ``complete``, ``incomplete``. Timestamps are
timezone-aware UTC. Frames are engine frames (integers, DESIGN.md section 3), on one timeline
through audio outages.

Realtime-safe: no.
"""

from __future__ import annotations

from datetime import datetime, timezone
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
    text,
)

__all__ = [
    "SCHEMA_VERSION", "GOAL_DIRECTIONS", "STATUSES", "EVENT_KINDS", "CALIBRATED_PATHS", "TRIAL_PHASE",
    "NAMING", "UTCDateTime", "BigId", "metadata", "tables_added_in",
    "t_meta", "t_clients", "t_sessions", "t_session_clients", "t_runs", "t_controls", "t_calibrations",
    "t_events", "t_responses", "t_summaries", "t_client_names", "t_goals", "t_notes", "t_session_writers",
    "t_run_playback", "t_outages", "t_run_segments", "t_songs", "t_song_audio", "t_run_songs", "t_run_audio",
]

SCHEMA_VERSION = 9
"""Version of the table layout this module describes (older ones are migrated on open)."""

GOAL_DIRECTIONS = ("<=", ">=")
"""How a goal's metric must compare with its target to be met."""

STATUSES = ("running", "complete", "incomplete")
"""Statuses of sessions and runs."""

EVENT_KINDS = ("sound", "input")
"""Kinds of rows in ``events``."""

CALIBRATED_PATHS = ("midi", "touch", "mic", "display")
"""Values of ``calibrations.input_path``."""

TRIAL_PHASE = "trial"
"""The ``phase`` of a summary row that belongs to one trial (its ``trial`` not NULL)."""

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Constraint and index names (every schema version uses the same convention)."""


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


BigId = BigInteger().with_variant(Integer(), "sqlite")
"""Integer on SQLite so the id is the rowid (autoincrementing); BIGINT elsewhere."""

metadata = MetaData(naming_convention=NAMING)
_status_values = ", ".join(f"'{s}'" for s in STATUSES)


def _session_fk() -> ForeignKey:
    return ForeignKey("sessions.id", ondelete="CASCADE")


def _run_fk() -> ForeignKey:
    return ForeignKey("runs.id", ondelete="CASCADE")


t_meta = Table("meta", metadata, Column("key", String(64), primary_key=True), Column("value", Text, nullable=False))

t_clients = Table(
    "clients", metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
)

t_sessions = Table(
    "sessions", metadata,
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
    "session_clients", metadata,
    Column("session_id", String(32), _session_fk(), nullable=False),
    Column("client_id", Integer, ForeignKey("clients.id", ondelete="CASCADE"), nullable=False),
    PrimaryKeyConstraint("session_id", "client_id"),
)

t_runs = Table(
    "runs", metadata,
    Column("id", Integer, primary_key=True),
    Column("session_id", String(32), _session_fk(), nullable=False),
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
    "controls", metadata,
    Column("id", BigId, primary_key=True),
    Column("run_id", Integer, _run_fk(), nullable=False),
    Column("frame", BigInteger, nullable=False),
    Column("action", String(32), nullable=False),
    Column("value", Float, nullable=True),
    Column("effect", Text, nullable=True),  # what it did, e.g. "tempo 100 -> 110 BPM from cue 17"
    Index("ix_controls_run_frame", "run_id", "frame"),
)

t_calibrations = Table(
    "calibrations", metadata,
    Column("id", Integer, primary_key=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("input_path", String(16), nullable=False),  # midi | touch | mic | display
    Column("device", String(200), nullable=False),
    Column("latency_frames", Integer, nullable=False),
    Column("sample_rate", Integer, nullable=False),
    Column("details_json", Text, nullable=False),
)

t_events = Table(
    "events", metadata,
    Column("id", BigId, primary_key=True),
    Column("run_id", Integer, _run_fk(), nullable=False),
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
    Column("cue_index", Integer, nullable=True),
    Column("end_frame", BigInteger, nullable=True),  # since version 6
    CheckConstraint("kind IN ('sound', 'input')", name="kind"),
    Index("ix_events_run_id_frame", "run_id", "frame"),
    info={"changed": 5, "column_added": 6},
)

t_responses = Table(
    "responses", metadata,
    Column("id", BigId, primary_key=True),
    Column("run_id", Integer, _run_fk(), nullable=False),
    Column("client_id", Integer, ForeignKey("clients.id"), nullable=False),
    Column("frame", BigInteger, nullable=False),
    Column("source", String(16), nullable=False),
    Column("note", Integer, nullable=True),
    Column("velocity", Integer, nullable=False),
    Column("target_index", Integer, nullable=True),
    Column("target_frame", BigInteger, nullable=True),
    Column("target_kind", String(32), nullable=True),
    Column("error_ms", Float, nullable=True),
    Column("extra_json", Text, nullable=True),
    Column("provisional", Boolean, nullable=False),
    Index("ix_responses_run_id_frame", "run_id", "frame"),
    info={"changed": 5},
)

t_summaries = Table(
    "summaries", metadata,
    Column("id", BigId, primary_key=True),
    Column("run_id", Integer, _run_fk(), nullable=False),
    Column("phase", String(32), nullable=False),
    Column("trial", Integer, nullable=True),
    Column("metric", String(100), nullable=False),
    Column("position", Integer, nullable=False),
    Column("value", Float, nullable=True),
    Column("text_value", Text, nullable=True),
    CheckConstraint("value IS NULL OR text_value IS NULL", name="one_value"),
    Index("uq_summaries_run_phase_metric", "run_id", "phase", "metric", unique=True,
          sqlite_where=text("trial IS NULL"), postgresql_where=text("trial IS NULL")),
    Index("uq_summaries_run_trial_metric", "run_id", "trial", "metric", unique=True,
          sqlite_where=text("trial IS NOT NULL"), postgresql_where=text("trial IS NOT NULL")),
    info={"changed": 5},
)

# ---- added in schema version 2 (``info["since"]``: the version that added a table) ----------

t_client_names = Table(
    "client_names", metadata,
    # Optional display names, kept apart from the pseudonymous codes so that exports and
    # de-identification never have to edit a client row (DOMAIN.md, "Records").
    Column("client_id", Integer, ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True),
    Column("display_name", String(200), nullable=False),
    info={"since": 2},
)

t_goals = Table(
    "goals", metadata,
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
    "notes", metadata,
    # Therapist notes; a "marked moment" is a note with the frame of the moment.
    Column("id", BigId, primary_key=True),
    Column("session_id", String(32), _session_fk(), nullable=False),
    Column("run_id", Integer, _run_fk(), nullable=True),
    Column("frame", BigInteger, nullable=True),
    Column("text", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_notes_session_id", "session_id"),
    info={"since": 2},
)

# ---- added in schema version 3 ----------------------------------------------------------------

t_session_writers = Table(
    "session_writers", metadata,
    # Which process writes a running session, and when it last committed a batch: a session
    # whose writer is gone (killed, crashed, power cut) is found and marked incomplete.
    Column("session_id", String(32), _session_fk(), primary_key=True),
    Column("host", String(255), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("last_write_at", UTCDateTime, nullable=False),
    info={"since": 3},
)

t_run_playback = Table(
    "run_playback", metadata,
    # How a run sounded besides its scheduled sounds (channels, the pads the client's notes
    # played), so that its audio can be rendered again exactly (``live export --format wav``).
    Column("run_id", Integer, _run_fk(), primary_key=True),
    Column("playback_json", Text, nullable=False),
    info={"since": 3},
)

# ---- added in schema version 4 ----------------------------------------------------------------

t_outages = Table(
    "outages", metadata,
    # The audio device or server went away mid-session; the session stayed open.
    Column("id", Integer, primary_key=True),
    Column("session_id", String(32), _session_fk(), nullable=False),
    Column("run_id", Integer, _run_fk(), nullable=True),
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
    "run_segments", metadata,
    # A run started again after an outage continues the run it resumes as its next segment.
    Column("run_id", Integer, _run_fk(), primary_key=True),
    Column("segment", Integer, nullable=False),
    Column("resumes_run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("outage_id", Integer, ForeignKey("outages.id", ondelete="CASCADE"), nullable=True),
    CheckConstraint("segment >= 2", name="segment"),
    info={"since": 4},
)

def tables_added_in(version: int, meta: MetaData = metadata) -> list[Table]:
    """The tables of ``meta`` that schema ``version`` added, in dependency order."""
    return [t for t in meta.sorted_tables if t.info.get("since", 1) == version]


# The song library's tables (versions 7 and 8) and the runs' audio (9) are defined on this metadata in their own module.
from live.store.song_tables import t_run_songs, t_song_audio, t_songs  # noqa: E402  (it needs the names above)
from live.store.clip_table import t_run_audio  # noqa: E402  (version 9; it needs the names above)
