"""``live songs add/list/show/plot/adjust`` on a real SQLite store, with a song rendered from MIDI
(tests/song_corpus.py) in WAV, FLAC, OGG and MP3; errors are one line, exit 2."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import soundfile
from song_corpus import CORPUS, render

from live.cli import main
from live.songs.library import find_song
from live.store.store import Store

BAND = next(s for s in CORPUS if s.name == "band-100")


@pytest.fixture(scope="module")
def band(tmp_path_factory):
    return render(BAND, tmp_path_factory.mktemp("corpus"))


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def live(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_add_prints_one_json_object_with_the_corrected_beats_and_progress_on_stderr(band, tmp_path, capsys):
    db = str(tmp_path / "s.db")
    code, out, err = live(capsys, "songs", "add", str(band.path), "--title", "Our song", "--json", "--db", db)
    assert code == 0, err
    (line,) = out.splitlines()
    song = json.loads(line)
    assert {"id", "title", "tempo_bpm", "beats_s"} <= set(song) and song["title"] == "Our song"
    assert song["tempo_bpm"] == pytest.approx(100.0, rel=0.01) and song["beats_per_bar"] == 4
    assert max(np.min(np.abs(band.beats_s - b)) for b in song["beats_s"]) < 0.005
    assert "refining beats" in err and "100%" in err and song["analysis_cached"] is False
    code, _, err = live(capsys, "songs", "add", str(band.path), "--db", db)
    assert code == 2 and err.splitlines()[-1] == (f"live songs add: {band.path}: this audio is in the library "
                                                  f"already as song {song['id']} ('Our song')")
    again = str(tmp_path / "other.db")  # the same audio in another store: the analysis comes from the cache
    code, out, _ = live(capsys, "songs", "add", str(band.path), "--json", "--db", again)
    assert code == 0 and json.loads(out)["analysis_cached"] is True and json.loads(out)["beats_s"] == song["beats_s"]


@pytest.mark.parametrize("fmt", ["flac", "ogg", "mp3"])
def test_flac_ogg_and_mp3_are_read(band, tmp_path, capsys, fmt):
    x, rate = soundfile.read(band.path, dtype="float32")
    path = tmp_path / f"band.{fmt}"
    soundfile.write(path, x[: 8 * rate], rate, format=fmt.upper())
    code, out, err = live(capsys, "songs", "add", str(path), "--json", "--db", str(tmp_path / "s.db"))
    assert code == 0, err
    song = json.loads(out)
    assert song["format"] == fmt and song["tempo_bpm"] == pytest.approx(100.0, rel=0.02)


def test_list_show_plot_and_a_moved_original(band, tmp_path, capsys):
    db = str(tmp_path / "s.db")
    copy = tmp_path / "mine.wav"
    shutil.copy(band.path, copy)
    assert live(capsys, "songs", "add", str(copy), "--db", db)[0] == 0
    copy.unlink()  # the store keeps the audio
    code, out, _ = live(capsys, "songs", "list", "--json", "--db", db)
    (row,) = json.loads(out)["songs"]
    assert code == 0 and row["title"] == "mine" and row["n_beats"] == 32
    code, out, _ = live(capsys, "songs", "show", "MINE", "--db", db)
    assert code == 0 and "BPM, 4 beats per bar, 32 beats, 8 downbeats" in out and "Tempo 100." in out
    assert "Confidence 1.00: 100% of the beats sit on an onset" in out and "ms late (median)" in out
    png = tmp_path / "grid.png"
    code, out, _ = live(capsys, "songs", "plot", row["id"][:4], "--out", str(png), "--seconds", "5", "--db", db)
    assert code == 0 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with Store.open(db) as store:
        assert soundfile.info(str(find_song(store, "mine").audio_path)).frames == soundfile.info(str(band.path)).frames


def test_adjust_offset_double_halve_are_stored(band, tmp_path, capsys):
    db = str(tmp_path / "s.db")
    song = json.loads(live(capsys, "songs", "add", str(band.path), "--json", "--db", db)[1])
    beats = np.array(song["beats_s"])
    code, out, _ = live(capsys, "songs", "adjust", song["id"], "--offset-ms", "-12.5", "--json", "--db", db)
    assert code == 0 and np.allclose(json.loads(out)["beats_s"], beats - 0.0125)
    code, out, _ = live(capsys, "songs", "adjust", song["id"], "--double", "--json", "--db", db)
    doubled = json.loads(out)
    assert doubled["tempo_bpm"] == pytest.approx(200.0, rel=0.01) and len(doubled["beats_s"]) == 63
    code, out, _ = live(capsys, "songs", "adjust", song["id"], "--halve", "--json", "--db", db)
    back = json.loads(out)
    assert np.allclose(back["beats_s"], beats - 0.0125) and back["beats_per_bar"] == 4
    assert back["adjustments"] == ["offset -12.5 ms", "double", "halve"]
    code, out, _ = live(capsys, "songs", "show", song["id"], "--db", db)
    assert "Adjusted: offset -12.5 ms" in out and "Adjusted: halve" in out


def test_errors_are_one_line_with_exit_2(band, tmp_path, capsys):
    db = str(tmp_path / "s.db")
    not_audio = tmp_path / "notes.txt"
    not_audio.write_text("hello")
    code, _, err = live(capsys, "songs", "add", str(not_audio), "--db", db)
    assert code == 2 and err.endswith("cannot read it as audio (Format not recognised.); allowed: WAV, FLAC, OGG, MP3\n")
    code, _, err = live(capsys, "songs", "add", str(tmp_path / "none.wav"), "--db", db)
    assert code == 2 and err.splitlines()[-1] == f"live songs add: {tmp_path / 'none.wav'}: no such file"
    code, _, err = live(capsys, "songs", "add", str(band.path), "--title", " ", "--db", db)
    assert code == 2 and err == "live songs add: --title ' ': must be 1..200 characters\n"
    code, _, err = live(capsys, "songs", "show", "Yesterday", "--db", db)
    assert code == 2 and err == ("live songs show: no song 'Yesterday' in the library (by id, start of id, or title); "
                                 "the library is empty; add one with: live songs add FILE [--title T]\n")
    code, _, err = live(capsys, "songs", "adjust", "x", "--offset-ms", "5000", "--db", db)
    assert code == 2 and err.startswith("live songs adjust: --offset-ms 5000: must be -1000..1000")
    code, _, err = live(capsys, "songs", "adjust", "x", "--double", "--halve", "--db", db)
    assert code == 2 and "not allowed with argument" in err and err.count("\n") == 1
