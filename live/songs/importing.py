"""Adding a song to the library (``live songs add``): read the file, analyse it (cached on disk by
content hash), store the analysis and the file's bytes.

The analysis cache: ``$XDG_CACHE_HOME/live/song-analysis/<content hash>-v<ANALYSIS_VERSION>.json``
(default ``~/.cache``), the :class:`~live.songs.analysis.BeatAnalysis` as stored. The same audio
added to another store, or again after being removed, is not analysed twice; a new analysis
version analyses afresh.

Realtime-safe: no.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Protocol

from live.engine.files import create_private, write_private
from live.songs.analysis import ANALYSIS_VERSION, BeatAnalysis, Progress, analyse
from live.songs.audio import SongAudio, content_hash, read_audio
from live.songs.library import Song, SongStore, song_from_row

__all__ = ["SongWriter", "add_song", "analysis_cache_dir", "analyse_cached", "SongExists"]


class SongWriter(SongStore, Protocol):
    """What adding needs of the store (:class:`live.store.store.Store` has it)."""

    def add_song(self, **values: Any) -> str: ...

    def get_song_row(self, song_id: str) -> dict[str, Any]: ...


class SongExists(ValueError):
    """The audio is in the library already (``song_id`` names it)."""

    def __init__(self, message: str, song_id: str):
        super().__init__(message)
        self.song_id = song_id


def analysis_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/live/song-analysis`` (default ``~/.cache``)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "live" / "song-analysis"


def analyse_cached(audio: SongAudio, digest: str, *, progress: Progress | None = None) -> tuple[BeatAnalysis, bool]:
    """The analysis of ``audio`` (content hash ``digest``) from the cache, else computed and
    cached; the second value says whether it came from the cache."""
    path = analysis_cache_dir() / f"{digest}-v{ANALYSIS_VERSION}.json"
    try:
        return BeatAnalysis.from_stored(json.loads(path.read_text(encoding="utf-8"))), True
    except (OSError, ValueError, KeyError, TypeError):
        pass
    result = analyse(audio.samples, audio.sample_rate, progress=progress)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    create_private(tmp)
    write_private(tmp, json.dumps(result.stored()).encode())
    os.replace(tmp, path)
    return result, False


def add_song(store: SongWriter, path: str | os.PathLike[str], *, title: str | None = None,
             progress: Progress | None = None) -> tuple[Song, bool]:
    """Read, analyse and store the song in ``path``; returns it and whether the analysis was
    cached.

    Raises
    ------
    live.songs.audio.AudioReadError
        Not a readable WAV, FLAC, OGG or MP3 file.
    SongExists
        The same audio is in the library already.
    """
    path = Path(path)
    say = progress or (lambda fraction, step: None)
    audio = read_audio(path)  # bad input is found before any progress is shown
    data = path.read_bytes()
    digest = content_hash(data)
    for row in store.list_songs():
        if row["content_hash"] == digest:
            raise SongExists(f"{path}: this audio is in the library already as song {row['id']} "
                             f"({row['title']!r})", row["id"])
    say(0.05, "read")
    result, cached = analyse_cached(audio, digest, progress=lambda f, step: say(0.05 + 0.9 * f, step))
    say(0.95, "storing")
    song_id = store.add_song(content_hash=digest, title=(title or path.stem).strip() or path.stem,
                             source_name=path.name, file_format=audio.file_format, duration_s=audio.duration_s,
                             sample_rate=audio.sample_rate, channels=audio.channels, analysis=result.stored(),
                             audio=data)
    say(1.0, "done")
    return song_from_row(store, store.get_song_row(song_id)), cached
