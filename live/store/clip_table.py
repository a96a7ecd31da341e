"""The table of a run's audio clips, added in schema version 9, on the store's one metadata
(:mod:`live.store.schema` imports it at its end: import it from there).

========================  ==================================================================
table                     columns
========================  ==================================================================
``run_audio``             id, run_id, client_id (whose audio; NULL: nobody's in particular),
                          source (the input path: ``mic``; ``sim`` for a simulated singer),
                          first_frame (the engine frame of its first sample, the input path's
                          calibrated latency taken off), frames (its length), sample_rate,
                          channels, encoding (``flac16``: FLAC of 16-bit PCM, lossless for
                          what 16 bits hold), data (the encoded bytes) -- since version 9
========================  ==================================================================

What the microphone gave that an activity kept (a sung answer's window): the client's answers
as heard, so that ``live export --format wav`` mixes them in at their frames
(:mod:`live.store.clips`).

Realtime-safe: no.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, Column, ForeignKey, Index, Integer, LargeBinary, String, Table

from live.store.schema import BigId, metadata

__all__ = ["t_run_audio"]

t_run_audio = Table(
    "run_audio", metadata,
    # Audio input a run kept (a sung answer's window), encoded; written by the session writer.
    Column("id", BigId, primary_key=True),
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("client_id", Integer, ForeignKey("clients.id"), nullable=True),
    Column("source", String(16), nullable=False),
    Column("first_frame", BigInteger, nullable=False),
    Column("frames", Integer, nullable=False),
    Column("sample_rate", Integer, nullable=False),
    Column("channels", Integer, nullable=False),
    Column("encoding", String(16), nullable=False),
    Column("data", LargeBinary, nullable=False),
    CheckConstraint("frames > 0 AND channels > 0 AND sample_rate > 0", name="sizes"),
    Index("ix_run_audio_run_id_first_frame", "run_id", "first_frame"),
    info={"since": 9},
)
