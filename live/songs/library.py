"""The song library: songs as the rest of live sees them, found by id, a unique start of it, or
title.

Where the audio is kept. ``live songs add`` stores the bytes of the file it read in the store
(table ``song_audio``, :mod:`live.store.songs`), so the library travels with the store (a
PostgreSQL store serves every machine; a SQLite file copied elsewhere keeps its songs) and a
moved, renamed or deleted original loses nothing. Code that needs a file (soundfile, Rubber
Band) gets :attr:`Song.audio_path`: a copy written from the store into
``$XDG_CACHE_HOME/live/songs/<content hash>.<format>`` (default ``~/.cache``), owner-only,
written again whenever it is missing or its bytes no longer have the song's hash.

Realtime-safe: no (database and file I/O).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from live.engine.files import create_private, write_private

__all__ = ["Song", "SongNotFound", "SongStore", "FixedSongs", "find_song", "match_rows", "song_from_row",
           "audio_cache_dir", "ADD_HINT"]

ADD_HINT = "add one with: live songs add FILE [--title T]"
"""How a song gets into the library (the end of every 'not found' message)."""


class SongStore(Protocol):
    """What the library needs of the store (:class:`live.store.store.Store` has it)."""

    def list_songs(self) -> list[dict[str, Any]]: ...

    def song_audio(self, song_id: str) -> bytes: ...


@dataclass(frozen=True, slots=True)
class Song:
    """A song of the library, with its (corrected) beat grid.

    Attributes
    ----------
    id : str
        12 hex digits (the start of ``content_hash``).
    title : str
    content_hash : str
        SHA-256 of the file's bytes.
    duration_s : float
        Length of the audio, seconds.
    sample_rate : int
        The file's sample rate, Hz.
    tempo_bpm : float
        The tracked tempo, beats per minute (the median inter-beat interval's).
    beats_s : tuple of float
        Beat times, seconds from the file's start, after the bias correction and any adjustment.
    downbeats_s : tuple of float
        The beats that start a bar, seconds.
    beats_per_bar : int
        The meter's beats per bar.
    confidence : float
        0..1, how sure the tracking is (:mod:`live.songs.analysis` defines it).
    audio_path : Path
        A file holding the audio as added (see the module docstring).
    """

    id: str
    title: str
    content_hash: str
    duration_s: float
    sample_rate: int
    tempo_bpm: float
    beats_s: tuple[float, ...]
    downbeats_s: tuple[float, ...]
    beats_per_bar: int
    confidence: float
    audio_path: Path


class SongNotFound(LookupError):
    """No song, or more than one, answers to a name; the message says what was asked, what the
    library holds, and how to add a song."""


def audio_cache_dir() -> Path:
    """Where song audio is copied for reading: ``$XDG_CACHE_HOME/live/songs``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "live" / "songs"


def _sha256_of(path: Path) -> str | None:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def _audio_file(store: SongStore, row: dict[str, Any]) -> Path:
    """The song's audio as a file, written from the store when missing or changed."""
    path = audio_cache_dir() / f"{row['content_hash']}.{row['format']}"
    if _sha256_of(path) != row["content_hash"]:
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        create_private(tmp)  # its folders made 0700
        write_private(tmp, store.song_audio(row["id"]))
        os.replace(tmp, path)
    return path


def song_from_row(store: SongStore, row: dict[str, Any]) -> Song:
    """The :class:`Song` of a row of :meth:`live.store.store.Store.list_songs`."""
    return Song(id=row["id"], title=row["title"], content_hash=row["content_hash"],
                duration_s=float(row["duration_s"]), sample_rate=int(row["sample_rate"]),
                tempo_bpm=float(row["tempo_bpm"]), beats_s=tuple(row["beats_s"]),
                downbeats_s=tuple(row["downbeats_s"]), beats_per_bar=int(row["beats_per_bar"]),
                confidence=float(row["confidence"]), audio_path=_audio_file(store, row))


def _describe(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "the library is empty"
    shown = ", ".join(f"{r['id']} ({r['title']!r})" for r in rows[:10])
    more = f" and {len(rows) - 10} more" if len(rows) > 10 else ""
    return f"the library has {shown}{more}"


def match_rows(rows: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    """The rows ``name`` names: an exact id; else ids starting with it; else titles equal to it
    (ignoring case and surrounding spaces)."""
    key = name.strip()
    exact = [r for r in rows if r["id"] == key.lower()]
    if exact:
        return exact
    starts = [r for r in rows if key and r["id"].startswith(key.lower())]
    if starts:
        return starts
    return [r for r in rows if r["title"].strip().casefold() == key.casefold()]


def find_song(store: SongStore, name: str) -> Song:
    """The song ``name`` names: its id, a unique start of its id, or its title.

    Parameters
    ----------
    store : SongStore
        An open :class:`live.store.store.Store`.
    name : str
        An id (12 hex digits), a start of one that only one song has, or a title (case and
        surrounding spaces ignored).

    Raises
    ------
    SongNotFound
        No song, or several, answer to ``name``; one line saying what was asked, what the library
        holds, and how to add a song.
    """
    rows = store.list_songs()
    found = match_rows(rows, str(name))
    if len(found) == 1:
        return song_from_row(store, found[0])
    if not found:
        raise SongNotFound(f"no song {name!r} in the library (by id, start of id, or title); "
                           f"{_describe(rows)}; {ADD_HINT}")
    raise SongNotFound(f"song {name!r} is ambiguous: {_describe(found).replace('the library has ', '')} "
                       "answer to it; give more of the id")



class FixedSongs:
    """A library whose rows do not change while it is used: what a session's songs are rendered
    from, and what its runs record (a :class:`SongStore`).

    :meth:`pinned` reads the store's rows once: a session renders its songs before its first
    run and records each run's song from the same rows, so a ``live songs adjust`` during the
    session changes neither. :meth:`as_recorded` puts the beats a run recorded
    (:meth:`live.store.store.Store.run_songs`) over the library's rows: an export renders the
    song as the run played it.
    """

    _RECORDED = ("title", "tempo_bpm", "beats_per_bar", "beats_s", "downbeats_s")

    def __init__(self, store: SongStore, rows: Iterable[dict[str, Any]]) -> None:
        self._store = store
        self._rows = [dict(r) for r in rows]

    @classmethod
    def pinned(cls, store: SongStore) -> "FixedSongs":
        """The store's songs as they are now."""
        return cls(store, store.list_songs())

    @classmethod
    def as_recorded(cls, store: SongStore, recorded: Mapping[str, Mapping[str, Any]]) -> "FixedSongs":
        """The songs a run recorded, with the beats they had then (those still in the library:
        the audio is the library's)."""
        library = {r["content_hash"]: r for r in store.list_songs()}
        return cls(store, [library[r["content_hash"]] | {k: r[k] for k in cls._RECORDED}
                           for r in recorded.values() if r["content_hash"] in library])

    def list_songs(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self._rows]

    def song_audio(self, song_id: str) -> bytes:
        return self._store.song_audio(song_id)

    def used(self, names: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The row each name finds (:func:`match_rows`; a name that finds none or several is left
        out: the render has refused it already)."""
        out = {}
        for name in names:
            found = match_rows(self._rows, str(name))
            if len(found) == 1:
                out[str(name)] = dict(found[0])
        return out
