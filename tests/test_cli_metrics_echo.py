"""``live metrics echo``: notes read from MIDI files, scored as every trial is, JSON and table;
bad files exit 2 with one line (the full sweep of bad files is in tests/test_bad_input.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import mido
import pytest

from live.cli import main
from live.metrics.echo import SCORE_KEYS, EchoNote, score_echo
from live.metrics.midi_notes import read_midi_notes
from midi_helpers import write_midi

LIVE = str(Path(sys.executable).with_name("live"))

# The worked melody of test_metrics_echo: call C D E at 0, 500, 1000 ms (the last 400 ms long),
# answer C D F at 2010, 2520, 3000 ms.
CALL = [(0, 60, 200), (500, 62, 200), (1000, 64, 400)]
ANSWER = [(2010, 60, 100), (2520, 62, 100), (3000, 65, 100)]


@pytest.fixture
def files(tmp_path):
    return write_midi(tmp_path / "call.mid", CALL), write_midi(tmp_path / "answer.mid", ANSWER, channel=1)


def test_notes_are_read_with_onsets_durations_velocities_and_channels(tmp_path):
    path = write_midi(tmp_path / "m.mid", [(0, 60, 250, 100), (0, 64, 500, 40), (750, 60, 125)], channel=9,
                      zero_velocity_off=True, extra=[(100, mido.Message("control_change", control=64, value=127))])
    notes, length_s = read_midi_notes(path)
    assert [(n.onset_s, n.note, n.velocity, n.channel, n.duration_s) for n in notes] == [
        (0.0, 60, 100, 9, 0.25), (0.0, 64, 40, 9, 0.5), (0.75, 60, 90, 9, 0.125)]
    assert length_s == pytest.approx(0.875)
    assert length_s == pytest.approx(mido.MidiFile(path).length)


def test_a_note_left_open_ends_with_the_file_and_repeated_keys_end_first_in_first_out(tmp_path):
    mid = mido.MidiFile(type=0, ticks_per_beat=1000)
    mid.tracks.append(mido.MidiTrack([
        mido.MetaMessage("set_tempo", tempo=1_000_000, time=0),
        mido.Message("note_on", note=60, velocity=80, time=0),
        mido.Message("note_on", note=60, velocity=70, time=100),  # the same key again, still held
        mido.Message("note_off", note=60, time=200),  # ends the first (0 ms): 300 ms
        mido.Message("note_on", note=67, velocity=60, time=100),  # never ended
        mido.Message("note_off", note=60, time=400),  # ends the second (100 ms): 700 ms
    ]))
    mid.save(tmp_path / "open.mid")
    notes, length_s = read_midi_notes(tmp_path / "open.mid")
    assert [(n.onset_s, n.note, n.duration_s) for n in notes] == [
        (0.0, 60, pytest.approx(0.3)), (0.1, 60, pytest.approx(0.7)), (0.4, 67, pytest.approx(0.4))]
    assert length_s == pytest.approx(0.8)


def test_json_is_the_scorer_on_the_files_notes(files, capsys):
    call, answer = files
    assert main(["metrics", "echo", "--call", str(call), "--answer", str(answer), "--json"]) == 0
    out, err = capsys.readouterr()
    assert err == "" and out.count("\n") == 1
    got = json.loads(out)
    assert list(got) == list(SCORE_KEYS)
    want = score_echo([EchoNote(t / 1000, n, d / 1000) for t, n, d in CALL],
                      [EchoNote(t / 1000, n, d / 1000) for t, n, d in ANSWER]).as_dict()
    assert got == pytest.approx(want)
    assert (got["n_call"], got["n_answer"], got["matched"], got["f1"]) == (3, 3, 3, 1.0)
    assert got["pitch_accuracy"] == pytest.approx(2 / 3)
    assert got["response_latency_ms"] == pytest.approx(610.0)
    assert got["offset_ms"] == pytest.approx(2010.0)
    assert got["lag_error_ms"] is None


def test_the_tolerance_option_is_used(files, capsys):
    call, answer = files
    # The errors are 0, +10, -10 ms at the best offset (2010 ms), 10 and 20 ms at the others: at
    # 9.5 ms every offset matches only its own pair; at 10 ms the best matches all three.
    assert main(["metrics", "echo", "--call", str(call), "--answer", str(answer), "--json",
                 "--tolerance-ms", "9.5"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["matched"] == 1 and got["recall"] == pytest.approx(1 / 3) and got["sd_error_ms"] is None
    assert main(["metrics", "echo", "--call", str(call), "--answer", str(answer), "--json",
                 "--tolerance-ms", "10"]) == 0
    assert json.loads(capsys.readouterr().out)["matched"] == 3


def test_the_table_through_the_console_script(files):
    call, answer = files
    r = subprocess.run([LIVE, "metrics", "echo", "--call", str(call), "--answer", str(answer), "--tolerance-ms",
                        "62.5"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stderr == "", r.stderr
    lines = r.stdout.splitlines()
    assert lines[:3] == [f"call:   {call}", f"answer: {answer}", "tolerance: 62.5 ms"]
    table = {line.split("  ")[0]: line.split()[-2:] for line in lines[4:]}
    assert table["F-measure"] == ["1.000", "0..1"]
    assert table["response latency"] == ["610.0", "ms"]
    assert r.stdout.count("n/a") == 0 and "lag error" not in r.stdout


@pytest.mark.parametrize("which", ["call", "answer"])
def test_bad_files_exit_2_with_one_line_naming_the_file(which, files, tmp_path, capsys):
    good = dict(zip(("call", "answer"), files))
    folder = tmp_path / "folder"
    folder.mkdir()
    (tmp_path / "text.mid").write_text("MThd but not really\n")
    (tmp_path / "cut.mid").write_bytes(files[0].read_bytes()[:30])
    silent = mido.MidiFile(type=1)
    silent.tracks.append(mido.MidiTrack([mido.Message("control_change", control=7, value=100)]))
    silent.save(tmp_path / "silent.mid")
    cases = {
        str(tmp_path / "missing.mid"): "missing.mid: no such file (give a Standard MIDI File (.mid) of type 0 or 1)",
        str(folder): "folder: is a folder (give a Standard MIDI File",
        "/etc/hostname": "/etc/hostname: not a Standard MIDI File (it does not start with MThd",
        str(tmp_path / "text.mid"): "text.mid: not a readable MIDI file: ",
        str(tmp_path / "cut.mid"): "cut.mid: not a readable MIDI file: ",
        str(tmp_path / "silent.mid"): "silent.mid: no notes (a note-on with velocity > 0); give a MIDI file",
    }
    for path, needle in cases.items():
        argv = {**{k: str(v) for k, v in good.items()}, which: path}
        code = main(["metrics", "echo", "--call", argv["call"], "--answer", argv["answer"], "--json"])
        out, err = capsys.readouterr()
        assert code == 2 and out == "", (path, err)
        assert err.startswith(f"live metrics echo: {path}") and err.count("\n") == 1 and needle in err, err
        assert "Traceback" not in err
