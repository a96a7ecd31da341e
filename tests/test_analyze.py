"""``live analyze``: onsets of a recording file, and their synchronisation with beats."""

import json

import numpy as np
import pytest
import soundfile

import mic_signals
from live.cli import main
from live.metrics.csvio import read_times_csv
from live.metrics.sms import sms_summary

SR = mic_signals.SR


@pytest.fixture(scope="module")
def claps():
    return mic_signals.scene("claps", 20, seed=3, seconds=4)


def _run(capsys, *argv):
    code = main(["analyze", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("ext", ["wav", "flac", "ogg", "mp3"])
def test_analyze_json_gives_the_onsets_in_seconds_within_a_millisecond_of_the_truth(tmp_path, capsys, claps, ext):
    path = tmp_path / f"claps.{ext}"
    soundfile.write(path, np.stack([claps.x, 0.5 * claps.x], axis=1), SR)  # two channels: mixed to one
    code, out, err = _run(capsys, path, "--json")
    assert code == 0, err
    assert out.count("\n") == 1
    result = json.loads(out)
    onsets = np.asarray(result["onsets_s"])
    truth = claps.onsets / SR
    assert onsets.size == truth.size and result["sync"] is None and result["sample_rate"] == SR
    # lossy codecs move a clap's first samples a little: 1 ms for WAV/FLAC, 2 ms for OGG/MP3
    assert np.max(np.abs(onsets - truth)) <= (0.001 if ext in ("wav", "flac") else 0.002)
    assert "2 channels" in err


def test_analyze_with_beats_gives_the_sms_metrics_of_the_onsets(tmp_path, capsys, claps):
    path = tmp_path / "claps.wav"
    soundfile.write(path, claps.x, SR)
    beats = tmp_path / "beats.csv"
    beat_s = claps.onsets / SR + 0.02  # every clap 20 ms early
    beats.write_text("time_s\n" + "\n".join(f"{t:.6f}" for t in beat_s) + "\n")
    code, out, err = _run(capsys, path, "--beats", beats, "--json", "--window-ms", "30")
    assert code == 0, err
    result = json.loads(out)
    assert result["sync"] == sms_summary(read_times_csv(beats), result["onsets_s"], window_ms=30.0)
    assert result["sync"]["matched"] == claps.onsets.size and abs(result["sync"]["mean_async_ms"] + 20) < 1
    code, out, err = _run(capsys, path, "--beats", beats)
    assert code == 0 and "mean asynchrony" in out and f"{claps.onsets.size} onsets" in out


def test_analyze_says_in_one_line_what_is_wrong_with_its_input(tmp_path, capsys):
    code, out, err = _run(capsys, tmp_path / "none.wav")
    assert (code, out) == (2, "") and err.strip() == f"live analyze: {tmp_path / 'none.wav'}: no such file"
    text = tmp_path / "notes.txt"
    text.write_text("hello\n")
    code, out, err = _run(capsys, text)
    assert code == 2 and err.count("\n") == 1 and "cannot read it as audio" in err and "allowed: WAV, FLAC, OGG, MP3" in err
    code, out, err = _run(capsys, tmp_path)
    assert (code, err.strip()) == (2, f"live analyze: {tmp_path}: is a folder; give an audio file (allowed: WAV, FLAC, OGG, MP3)")
    aiff = tmp_path / "claps.aiff"
    soundfile.write(aiff, np.zeros(SR), SR)
    code, out, err = _run(capsys, aiff)
    assert code == 2 and err.count("\n") == 1 and "AIFF" in err and "allowed: WAV, FLAC, OGG, MP3" in err
    empty = tmp_path / "empty.wav"
    soundfile.write(empty, np.zeros(0), SR)
    code, out, err = _run(capsys, empty)
    assert code == 2 and err.strip() == f"live analyze: {empty}: the file holds no audio frames"
    nan = tmp_path / "nan.wav"
    soundfile.write(nan, np.full(SR, np.nan), SR, subtype="FLOAT")
    code, out, err = _run(capsys, nan)
    assert code == 2 and err.strip() == f"live analyze: {nan}: the audio holds samples that are not numbers"
    good = tmp_path / "quiet.wav"
    soundfile.write(good, np.zeros(SR), SR)
    bad_beats = tmp_path / "b.csv"
    bad_beats.write_text("time_s\n2\n1\n")
    code, out, err = _run(capsys, good, "--beats", bad_beats)
    assert code == 2 and err.count("\n") == 1 and "non-decreasing" in err
    code, out, err = _run(capsys, good, "--threshold", "2")
    assert code == 2 and "--threshold" in err


def test_analyze_of_silence_finds_no_onsets(tmp_path, capsys):
    good = tmp_path / "quiet.wav"
    soundfile.write(good, np.zeros(SR), SR)
    code, out, err = _run(capsys, good, "--json")
    assert code == 0 and json.loads(out)["onsets_s"] == []


def test_analyze_with_a_song_scores_the_onsets_against_the_songs_stored_beats(tmp_path, capsys):
    """--song NAME takes the library's corrected beats: the same metrics as --beats with a CSV of
    them; a song the library does not have is one line, exit 2."""
    clicks = np.zeros(SR * 8, np.float32)
    for k in range(12):  # a click track at 100 BPM from 0.5 s
        at = SR // 2 + k * SR * 60 // 100
        clicks[at: at + 240] = 0.6 * np.exp(-np.arange(240) / 40.0)
    song, db = tmp_path / "clicks.wav", tmp_path / "live.db"
    soundfile.write(song, clicks, SR)
    assert main(["songs", "add", str(song), "--title", "clicks", "--db", str(db)]) == 0
    capsys.readouterr()
    code, out, err = _run(capsys, song, "--song", "clicks", "--db", db, "--json")
    assert code == 0, err
    by_song = json.loads(out)
    assert by_song["sync"] is not None
    from live.songs.library import find_song
    from live.store.store import Store

    store = Store.open(str(db))
    beats = find_song(store, "clicks").beats_s
    store.close()
    (tmp_path / "beats.csv").write_text("time_s\n" + "\n".join(repr(b) for b in beats) + "\n")
    code, out, err = _run(capsys, song, "--beats", tmp_path / "beats.csv", "--json")
    assert code == 0, err
    assert json.loads(out)["sync"] == by_song["sync"]
    assert abs(by_song["sync"]["mean_async_ms"]) <= 1.0
    code, out, err = _run(capsys, song, "--song", "no such song", "--db", db)
    assert (code, out) == (2, "") and err.count("\n") == 1
    assert err.startswith("live analyze: no song 'no such song' in the library") and "live songs add" in err
