"""The song library's rows (schema version 7): each song's analysis in ``songs``, the bytes of
the file added in ``song_audio`` (the copy live keeps: the store travels with its songs, and a
moved or deleted original loses nothing); and (version 8) in ``run_songs`` the song each run's
cue was rendered from, with the beats it had then. :mod:`live.songs.library` builds songs from these
rows; this part only stores and reads them.

Realtime-safe: no.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select

from live.store.base import StoreBase
from live.store.schema import t_run_songs, t_song_audio, t_songs
from live.store.values import check_int, check_name, dump_json, now

__all__ = ["Songs", "SONG_ID_DIGITS"]

SONG_ID_DIGITS = 12
"""A song's id: the first this many hex digits of its content hash."""

_ANALYSIS_KEYS = ("tempo_bpm", "beats_per_bar", "confidence", "beats_s", "downbeats_s", "details")


def _times(name: str, values: Sequence[float]) -> str:
    out = [float(v) for v in values]
    if any(not (v == v) or v in (float("inf"), float("-inf")) for v in out):
        raise ValueError(f"{name}: every time must be a finite number of seconds")
    if any(b < a for a, b in zip(out, out[1:])):
        raise ValueError(f"{name}: times must be in increasing order")
    return json.dumps(out)


def _analysis_values(analysis: Mapping[str, Any]) -> dict[str, Any]:
    missing = [k for k in _ANALYSIS_KEYS if k not in analysis]
    if missing:
        raise ValueError(f"analysis: missing {', '.join(missing)}; needs {', '.join(_ANALYSIS_KEYS)}")
    return {
        "tempo_bpm": float(analysis["tempo_bpm"]),
        "beats_per_bar": check_int("beats_per_bar", analysis["beats_per_bar"], minimum=1),
        "confidence": float(analysis["confidence"]),
        "beats_json": _times("beats_s", analysis["beats_s"]),
        "downbeats_json": _times("downbeats_s", analysis["downbeats_s"]),
        "details_json": dump_json("details", analysis["details"]),
    }


def _song(row: Any) -> dict[str, Any]:
    out = row._asdict()
    out["beats_s"] = tuple(json.loads(out.pop("beats_json")))
    out["downbeats_s"] = tuple(json.loads(out.pop("downbeats_json")))
    out["details"] = json.loads(out.pop("details_json"))
    return out


class Songs(StoreBase):
    """The song library (part of :class:`live.store.store.Store`)."""

    def add_song(self, *, content_hash: str, title: str, source_name: str, file_format: str,
                 duration_s: float, sample_rate: int, channels: int, analysis: Mapping[str, Any],
                 audio: bytes) -> str:
        """Store a song with its analysis and the bytes of its file; returns its id.

        Parameters
        ----------
        content_hash : str
            SHA-256 of ``audio`` (64 hex digits); the id is its first :data:`SONG_ID_DIGITS`.
        analysis : mapping
            ``tempo_bpm``, ``beats_per_bar``, ``confidence``, ``beats_s`` and ``downbeats_s``
            (seconds from the file's start, increasing), ``details`` (a dict stored as JSON).

        Raises
        ------
        ValueError
            A bad value, or a song with this content is stored already (the message names it).
        """
        if not (isinstance(content_hash, str) and len(content_hash) == 64
                and all(c in "0123456789abcdef" for c in content_hash)):
            raise ValueError(f"content_hash = {content_hash!r}: must be 64 lower-case hex digits (SHA-256)")
        song_id = content_hash[:SONG_ID_DIGITS]
        values = _analysis_values(analysis) | {
            "id": song_id, "content_hash": content_hash, "title": check_name("title", title.strip(), 200),
            "source_name": str(source_name), "format": check_name("format", file_format, 8),
            "duration_s": float(duration_s), "sample_rate": check_int("sample_rate", sample_rate, minimum=1),
            "channels": check_int("channels", channels, minimum=1), "added_at": now(), "adjusted_at": None,
        }
        with self._write() as conn:
            row = conn.execute(select(t_songs.c.id, t_songs.c.title).where(t_songs.c.content_hash == content_hash)).first()
            if row is not None:
                raise ValueError(f"this audio is in the library already: song {row.id} ({row.title!r})")
            conn.execute(t_songs.insert().values(**values))
            conn.execute(t_song_audio.insert().values(song_id=song_id, data=bytes(audio)))
        return song_id

    def list_songs(self) -> list[dict[str, Any]]:
        """Every song (its row, beats as tuples, ``details`` a dict), oldest first."""
        with self._read() as conn:
            rows = conn.execute(select(t_songs).order_by(t_songs.c.added_at, t_songs.c.id)).all()
        return [_song(r) for r in rows]

    def get_song_row(self, song_id: str) -> dict[str, Any]:
        """One song's row by its exact id; ``KeyError`` naming the id if there is none."""
        with self._read() as conn:
            row = conn.execute(select(t_songs).where(t_songs.c.id == str(song_id))).first()
        if row is None:
            raise KeyError(f"no song with id {song_id!r}")
        return _song(row)

    def song_audio(self, song_id: str) -> bytes:
        """The bytes of the file the song was added from."""
        with self._read() as conn:
            data = conn.execute(select(t_song_audio.c.data).where(t_song_audio.c.song_id == str(song_id))).scalar()
        if data is None:
            raise KeyError(f"no song with id {song_id!r}")
        return bytes(data)

    def update_song_analysis(self, song_id: str, analysis: Mapping[str, Any]) -> None:
        """Replace a song's beats, tempo, meter, confidence and details (``live songs adjust``)."""
        values = _analysis_values(analysis) | {"adjusted_at": now()}
        with self._write() as conn:
            result = conn.execute(t_songs.update().where(t_songs.c.id == str(song_id)).values(**values))
            if result.rowcount != 1:
                raise KeyError(f"no song with id {song_id!r}")

    def record_run_songs(self, run_id: int, used: Mapping[str, Mapping[str, Any]]) -> None:
        """Keep with run ``run_id`` the songs its cue was rendered from, as they were then.

        Parameters
        ----------
        used : mapping
            The name the run's params give -> the song's row as the render read it (a row of
            :meth:`list_songs`: ``id``, ``content_hash``, ``title``, ``tempo_bpm``,
            ``beats_per_bar``, ``beats_s``, ``downbeats_s``).
        """
        rows = [{"run_id": int(run_id), "name": str(name), "song_id": row["id"], "content_hash": row["content_hash"],
                 "title": row["title"], "tempo_bpm": float(row["tempo_bpm"]),
                 "beats_per_bar": check_int("beats_per_bar", row["beats_per_bar"], minimum=1),
                 "beats_json": _times("beats_s", row["beats_s"]), "downbeats_json": _times("downbeats_s", row["downbeats_s"])}
                for name, row in used.items()]
        if rows:
            with self._write() as conn:
                conn.execute(t_run_songs.insert(), rows)

    def run_songs(self, run_id: int) -> dict[str, dict[str, Any]]:
        """The songs run ``run_id``'s cue was rendered from (:meth:`record_run_songs`), by the name
        its params give: ``id``, ``content_hash``, ``title``, ``tempo_bpm``, ``beats_per_bar``,
        ``beats_s``, ``downbeats_s`` as they were then. Empty for a run without a song, or one
        stored before schema version 8."""
        with self._read() as conn:
            rows = conn.execute(select(t_run_songs).where(t_run_songs.c.run_id == int(run_id))
                                .order_by(t_run_songs.c.name)).all()
        out = {}
        for r in rows:
            d = r._asdict()
            out[d.pop("name")] = {"id": d.pop("song_id"), "content_hash": d["content_hash"], "title": d["title"],
                                  "tempo_bpm": d["tempo_bpm"], "beats_per_bar": d["beats_per_bar"],
                                  "beats_s": tuple(json.loads(d["beats_json"])),
                                  "downbeats_s": tuple(json.loads(d["downbeats_json"]))}
        return out
