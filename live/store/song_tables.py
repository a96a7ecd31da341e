"""The song library's tables, added in schema versions 7 and 8, on the store's one metadata
(:mod:`live.store.schema` imports them at its end: import them from there).

========================  ==================================================================
table                     columns
========================  ==================================================================
``songs``                 id (the first 12 hex digits of content_hash), content_hash (SHA-256
                          of the file's bytes, unique), title, source_name (the file's name
                          when added), format (wav, flac, ogg, mp3), duration_s, sample_rate,
                          channels, tempo_bpm, beats_per_bar, confidence, beats_json
                          (corrected beat times, s from the file's start), downbeats_json,
                          details_json (the analysis: the tracker's beats, its lateness, the
                          beat-level ratios, which beats sit on onsets, adjustments made),
                          added_at, adjusted_at
``song_audio``            song_id (PK), data (the file's bytes: the copy of the audio live
                          keeps, so a moved or deleted original loses nothing)
``run_songs``             run_id, name (PK together: the name the run's params give), song_id,
                          content_hash, title, tempo_bpm, beats_per_bar, beats_json,
                          downbeats_json: the song a run's cue was rendered from, with the beats
                          it had then (a later ``live songs adjust`` leaves the run's record as
                          it was heard) -- since version 8
========================  ==================================================================

Realtime-safe: no.
"""

from __future__ import annotations

from sqlalchemy import Column, Float, ForeignKey, Integer, LargeBinary, String, Table, Text

from live.store.schema import UTCDateTime, metadata

__all__ = ["t_songs", "t_song_audio", "t_run_songs"]

t_songs = Table(
    "songs", metadata,
    # The song library (live songs add): a song's analysis; its audio is in song_audio.
    Column("id", String(16), primary_key=True),
    Column("content_hash", String(64), nullable=False, unique=True),
    Column("title", String(200), nullable=False),
    Column("source_name", Text, nullable=False),
    Column("format", String(8), nullable=False),
    Column("duration_s", Float, nullable=False),
    Column("sample_rate", Integer, nullable=False),
    Column("channels", Integer, nullable=False),
    Column("tempo_bpm", Float, nullable=False),
    Column("beats_per_bar", Integer, nullable=False),
    Column("confidence", Float, nullable=False),
    Column("beats_json", Text, nullable=False),
    Column("downbeats_json", Text, nullable=False),
    Column("details_json", Text, nullable=False),
    Column("added_at", UTCDateTime, nullable=False),
    Column("adjusted_at", UTCDateTime, nullable=True),
    info={"since": 7},
)

t_song_audio = Table(
    "song_audio", metadata,
    # The bytes of the file added, as read: kept in the store so that it travels with it.
    Column("song_id", String(16), ForeignKey("songs.id", ondelete="CASCADE"), primary_key=True),
    Column("data", LargeBinary, nullable=False),
    info={"since": 7},
)

t_run_songs = Table(
    "run_songs", metadata,
    # The song a run's cue was rendered from, as it was then: its beats kept with the run.
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("name", String(200), primary_key=True),
    Column("song_id", String(16), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("title", String(200), nullable=False),
    Column("tempo_bpm", Float, nullable=False),
    Column("beats_per_bar", Integer, nullable=False),
    Column("beats_json", Text, nullable=False),
    Column("downbeats_json", Text, nullable=False),
    info={"since": 8},
)
