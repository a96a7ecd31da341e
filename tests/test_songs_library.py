"""The song library in the store (schema version 7, migrated from 6 to today's on SQLite and PostgreSQL)
and found by name: id, unique start of id, or title; the audio kept by live survives the
original file's loss."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import sqlalchemy
from schemautil import layout

from live.store.migrations import create_schema
from live.store.schema import SCHEMA_VERSION
from live.store.store import Store
from live.songs.library import Song, SongNotFound, audio_cache_dir, find_song

ANALYSIS = {"tempo_bpm": 120.0, "beats_per_bar": 4, "confidence": 0.9, "beats_s": [0.5, 1.0, 1.5, 2.0],
            "downbeats_s": [0.5], "details": {"raw_beats_s": [0.52, 1.02, 1.52, 2.02]}}


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "s.db")
    return request.getfixturevalue("pg_server").new_database()


@pytest.fixture(autouse=True)
def cache(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache"


def add(store: Store, audio: bytes, title: str, **analysis) -> str:
    return store.add_song(content_hash=hashlib.sha256(audio).hexdigest(), title=title, source_name="x.wav",
                          file_format="wav", duration_s=2.5, sample_rate=44100, channels=2,
                          analysis=ANALYSIS | analysis, audio=audio)


def _engine(url: str) -> sqlalchemy.Engine:
    return sqlalchemy.create_engine(url if "://" in url else f"sqlite:///{url}")


def test_a_version_6_store_gains_the_song_tables_keeping_its_sessions(url: str, tmp_path: Path) -> None:
    engine = _engine(url)
    with engine.begin() as conn:
        create_schema(conn, 6)
    engine.dispose()
    fresh = str(tmp_path / "fresh.db")
    Store.open(fresh).close()
    with Store.open(url) as store:  # migrates 6 -> 7
        sid = store.create_session(client_codes=["C01"], simulated=True, sample_rate=48000)
        song_id = add(store, b"RIFF-one", "One")
        assert store.get_song_row(song_id)["beats_s"] == (0.5, 1.0, 1.5, 2.0)
        assert [s["id"] for s in store.list_sessions()] == [sid]
    engine = _engine(url)
    with engine.connect() as conn:
        assert conn.execute(sqlalchemy.text("SELECT value FROM meta WHERE key = 'schema_version'")).scalar() \
            == str(SCHEMA_VERSION)
    engine.dispose()
    if "://" not in url:  # the migrated file's layout is a new store's (tables added whole)
        assert layout(url) == layout(fresh)


def test_a_song_is_stored_with_its_analysis_and_audio(url: str) -> None:
    audio = b"RIFF" + bytes(range(256)) * 40
    with Store.open(url) as store:
        song_id = add(store, audio, "  Moon River ")
        row = store.get_song_row(song_id)
        assert song_id == hashlib.sha256(audio).hexdigest()[:12] == row["id"]
        assert (row["title"], row["tempo_bpm"], row["beats_per_bar"], row["downbeats_s"]) == ("Moon River", 120.0, 4, (0.5,))
        assert row["details"] == ANALYSIS["details"] and row["adjusted_at"] is None
        assert store.song_audio(song_id) == audio
        with pytest.raises(ValueError, match=f"in the library already: song {song_id} \\('Moon River'\\)"):
            add(store, audio, "again")
        store.update_song_analysis(song_id, ANALYSIS | {"beats_s": [0.49, 0.99], "tempo_bpm": 121.0})
        row = store.get_song_row(song_id)
        assert row["beats_s"] == (0.49, 0.99) and row["tempo_bpm"] == 121.0 and row["adjusted_at"] is not None
        with pytest.raises(ValueError, match="increasing order"):
            store.update_song_analysis(song_id, ANALYSIS | {"beats_s": [1.0, 0.5]})
        with pytest.raises(KeyError, match="no song with id 'ffff'"):
            store.get_song_row("ffff")


def test_find_song_by_id_start_of_id_and_title(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.db") as store:
        a = add(store, b"song a", "Moon River")
        b = add(store, b"song b", "Hey Jude")
        for name in (a, a[:5], "moon river", "  Moon River "):
            song = find_song(store, name)
            assert isinstance(song, Song) and song.id == a and song.title == "Moon River"
        assert find_song(store, b[:4].upper()).id == b
        assert find_song(store, "Hey Jude").beats_s == (0.5, 1.0, 1.5, 2.0)
        with pytest.raises(SongNotFound) as e:
            find_song(store, "Yesterday")
    message = str(e.value)
    assert message.startswith("no song 'Yesterday' in the library (by id, start of id, or title); ")
    assert f"{a} ('Moon River')" in message and f"{b} ('Hey Jude')" in message
    assert message.endswith("add one with: live songs add FILE [--title T]") and "\n" not in message


def test_an_id_start_two_songs_share_is_ambiguous(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.db") as store:
        ids = [add(store, f"song {i}".encode(), f"T{i}") for i in range(40)]
        first = max("0123456789abcdef", key=lambda d: sum(i.startswith(d) for i in ids))
        assert sum(i.startswith(first) for i in ids) > 1  # 40 ids over 16 first digits
        with pytest.raises(SongNotFound, match=f"song '{first}' is ambiguous: .*give more of the id"):
            find_song(store, first)


def test_an_empty_library_says_so_and_how_to_add(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.db") as store, pytest.raises(SongNotFound) as e:
        find_song(store, "x")
    assert str(e.value) == ("no song 'x' in the library (by id, start of id, or title); the library is empty; "
                            "add one with: live songs add FILE [--title T]")


def test_the_audio_live_keeps_needs_no_original_and_is_rewritten_when_damaged(tmp_path: Path, cache: Path) -> None:
    audio = b"RIFF" + bytes(1000)
    with Store.open(tmp_path / "s.db") as store:
        song_id = add(store, audio, "Kept")
        path = find_song(store, song_id).audio_path
        assert path.parent == audio_cache_dir() == cache / "live" / "songs"
        assert path.read_bytes() == audio and (path.stat().st_mode & 0o777) == 0o600
        path.write_bytes(b"damaged")
        assert find_song(store, "Kept").audio_path.read_bytes() == audio
        path.unlink()
        assert find_song(store, "Kept").audio_path.read_bytes() == audio
