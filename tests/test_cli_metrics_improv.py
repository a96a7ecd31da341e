"""``live metrics improv``: a MIDI file the test writes (client and therapist on their own
channels), read and described by the same code as every run; JSON, the table, and bad input
as one line with exit 2 (the full sweep of bad files is in tests/test_bad_input.py)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import mido
import pytest

from live.cli import main
from live.metrics.improv import IMPROV_KEYS, improv_metrics

LIVE = str(Path(sys.executable).with_name("live"))

# The worked example of docs/metrics.md: client on channel 1, therapist on channel 2, and a
# drum note on channel 10 that neither owns; the file ends at 15 s.
CLIENT = [(0, 60, 80), (500, 64, 100), (1000, 67, 90), (2000, 72, 60), (7000, 62, 70)]
THERAPIST = [(250, 48, 90), (8000, 50, 90), (13000, 52, 90)]
DRUM = [(3000, 36, 100)]


def write_session(path: Path, *, end_ms: int = 15000) -> Path:
    """A type 1 file, 1 tick = 1 ms, one track per channel; every note 100 ms long; the last
    track's end-of-track at ``end_ms``."""
    mid = mido.MidiFile(type=1, ticks_per_beat=1000)
    mid.tracks.append(mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=1_000_000, time=0)]))
    for channel, notes in ((0, CLIENT), (1, THERAPIST), (9, DRUM)):
        events = sorted([(on, 1, mido.Message("note_on", channel=channel, note=n, velocity=v)) for on, n, v in notes]
                        + [(on + 100, 0, mido.Message("note_off", channel=channel, note=n)) for on, n, v in notes],
                        key=lambda e: (e[0], e[1]))
        track, now = mido.MidiTrack(), 0
        for t, _, msg in events:
            track.append(msg.copy(time=t - now))
            now = t
        if channel == 9:
            track.append(mido.MetaMessage("end_of_track", time=end_ms - now))
        mid.tracks.append(track)
    mid.save(path)
    return path


@pytest.fixture
def session_mid(tmp_path):
    return write_session(tmp_path / "improv.mid")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["metrics", "improv", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_is_every_metric_of_the_files_client_notes_with_the_worked_values(session_mid, capsys):
    code, out, err = run(capsys, "--midi", str(session_mid), "--therapist-channels", "2", "--key", "D",
                         "--mode", "major", "--bpm", "60", "--json")
    assert (code, err) == (0, "")
    result = json.loads(out)
    assert list(result) == list(IMPROV_KEYS)
    assert result == improv_metrics([0, 0.5, 1, 2, 7], [60, 64, 67, 72, 62], [80, 100, 90, 60, 70],
                                    duration_s=mido.MidiFile(session_mid).length, therapist_onset_s=[0.25, 8, 13],
                                    key_pc=2, mode="major", bpm=60.0)
    assert result["duration_s"] == pytest.approx(15.0)
    assert result["in_scale_pct"] == pytest.approx(60.0) and result["active_pct"] == pytest.approx(200 / 3)
    assert result["pulse_R"] == pytest.approx(0.6) and result["turn_switches_per_min"] == pytest.approx(12.0)
    assert result["npvi"] == pytest.approx(100 / 3 * (0.5 / 0.75 + 4 / 3)) and result["key_estimate"] == "C major"


def test_options_change_what_is_computed(session_mid, capsys):
    _, out, _ = run(capsys, "--midi", str(session_mid), "--json")
    plain = json.loads(out)
    assert all(plain[k] is None for k in ("in_scale_pct", "pulse_R", "pulse_phase_deg", "both_active_pct",
                                          "turn_switches_per_min"))
    _, out, _ = run(capsys, "--midi", str(session_mid), "--client-channels", "1,10", "--key", "Bb", "--json",
                    "--window-s", "5", "--bpm", "120", "--beat-offset-s", "0.25")
    more = json.loads(out)
    assert more["n_notes"] == 6 and more["pitch_min"] == 36
    assert more["in_scale_pct"] == pytest.approx(100 * 5 / 6)   # Bb major holds C G C D and the drum's C2; not E
    assert more["active_pct"] == pytest.approx(100 * 2 / 3)      # [0,5) [5,10) hold onsets, [10,15) none
    assert more["pulse_phase_deg"] is not None


def test_the_table_reads_labels_values_and_units(session_mid, capsys):
    code, out, err = run(capsys, "--midi", str(session_mid), "--therapist-channels", "2", "--key", "F#",
                         "--mode", "minor_pentatonic")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == f"midi:   {session_mid}" and lines[1] == "client: channel 1; therapist: channel 2"
    assert lines[2] == "key:    F# minor_pentatonic" and lines[3] == "window: 6 s"
    assert any(line.split()[:2] == ["client", "notes"] and line.split()[2] == "5" for line in lines)
    assert any(line.startswith("estimated key") and "C major" in line for line in lines)
    assert any(line.startswith("pulse locking R") and "n/a" in line for line in lines)
    assert any(line.startswith("turn switches") and line.split()[2] == "12.0" for line in lines)
    # F# minor pentatonic (F# A B C# E) holds only the E of C E G C D
    assert any(line.startswith("notes in the scale") and line.split()[4] == "20.0" for line in lines)


@pytest.mark.parametrize("argv, message", [
    (["--therapist-channels", "1"], "--therapist-channels 1: channel 1 is also the client's (--client-channels 1): "
                                    "a channel is either's, not both's"),
    (["--mode", "dorian"], "--mode dorian: needs --key (the scale's tonic, e.g. --key C --mode dorian)"),
    (["--client-channels", "3"], "no notes on the client's channel 3; the file has notes on channel 1, 2, 10 "
                                 "(give them with --client-channels)"),
    (["--client-channels", "17"], "--client-channels 17: must be MIDI channels 1..16, comma-separated, each once"),
    (["--client-channels", "1,1"], "--client-channels 1,1: must be MIDI channels 1..16, comma-separated, each once"),
    (["--bpm", "0"], "--bpm 0: must be 20..240 BPM"),
    (["--window-s", "0"], "--window-s 0: must be more than 0 and at most 3600 s"),
    (["--key", "H"], "argument --key: invalid choice: 'H'"),
])
def test_bad_input_is_one_line_and_exit_2(session_mid, capsys, argv, message):
    code, out, err = run(capsys, "--midi", str(session_mid), *argv)
    assert code == 2 and out == "" and err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("live metrics improv: ") and message in err


def test_a_file_without_notes_is_one_line(tmp_path, capsys):
    mid = mido.MidiFile(type=0)
    mid.tracks.append(mido.MidiTrack([mido.Message("control_change", control=64, value=127, time=10)]))
    mid.save(tmp_path / "silent.mid")
    code, _, err = run(capsys, "--midi", str(tmp_path / "silent.mid"))
    assert code == 2 and err == (f"live metrics improv: {tmp_path / 'silent.mid'}: no notes (a note-on with "
                                 "velocity > 0); give a MIDI file of the improvisation\n")


def test_the_console_script_prints_json(session_mid):
    done = subprocess.run([LIVE, "metrics", "improv", "--midi", str(session_mid), "--json", "--bpm", "90"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stderr == ""
    result = json.loads(done.stdout)
    assert result["n_notes"] == 5 and math.isfinite(result["pulse_R"])
