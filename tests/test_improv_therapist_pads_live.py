"""The therapist's notes during an improvisation on a JACK dummy graph: the audio callback plays
the client's keys (channel 1) from the improvisation's snapped-note table, and the therapist's
(channel 2, the therapist's channel in the controls TOML) from the session's own pads, as
outside an improvisation. With ``snap = "filter"`` an off-scale note of the client's is silent,
the same note of the therapist's sounds as a pad 2 periods (128 frames) after it, live and in
the WAV export."""

import json
import subprocess
import sys
import wave

import numpy as np

from jackutil import start_midi_harness
from live_run_helpers import finish, rows, start_live_run, therapist_controls

PRESET = """schema = 1
activity = "improvisation"
title = "No band, filtered keys"
goal = "Test"

[params]
key = "C"
mode = "major"
progression = ["I"]
style = "ballad"
drums = false
bass = false
chords = false
tempo_bpm = 60
instrument = "marimba"
snap = "filter"
bars = 4
"""
CONTROLS = therapist_controls("next_chord", 24)


def test_the_therapists_off_scale_notes_sound_as_pads_live_and_in_the_wav_while_the_clients_are_filtered(jack_server_sync, tmp_path):
    server = jack_server_sync
    preset = tmp_path / "filtered.toml"
    preset.write_text(PRESET)
    controls = tmp_path / "controls.toml"
    controls.write_text(CONTROLS)
    db = tmp_path / "live.db"
    proc = start_live_run(server, preset, db, "--controls", str(controls))
    client = start_midi_harness(server, "notes", name="client-keys", channel=1, count=4, spacing_frames=30011,
                                start_delay=3.0, notes=[61], velocities=[100], go_immediately=True, tail=0.5,
                                seconds=30)
    recording = tmp_path / "out.npz"
    therapist = start_midi_harness(server, "notes", name="therapist-keys", channel=2, count=4, spacing_frames=30011,
                                   start_delay=3.3, notes=[61], velocities=[100], go_immediately=True,
                                   record_from="live:", save=str(recording), tail=3.0, seconds=30)
    client.wait_ready(timeout_s=30)
    therapist.wait_ready(timeout_s=30)
    sent_client = client.result(timeout_s=60)
    sent_therapist = therapist.result(timeout_s=60)
    code, out, err = finish(proc, timeout_s=90)
    assert code == 0, err
    result = json.loads(out)

    def note_ons(sent):
        return [f for f, status, _, d2 in sent["sent"] if status & 0xF0 == 0x90 and d2 > 0]

    c_sent, t_sent = note_ons(sent_client), note_ons(sent_therapist)
    assert len(c_sent) == 4 and len(t_sent) == 4
    stored = rows(db, "SELECT client_id, note FROM events WHERE kind = 'input' ORDER BY frame")
    assert sorted(n for cid, n in stored if cid is None) == [61] * 4      # the therapist's, stored as theirs
    played = rows(db, "SELECT extra_json FROM responses ORDER BY frame")
    assert [json.loads(x)["played_note"] for (x,) in played] == [None] * 4  # the client's C#: filtered
    rec = np.load(recording)
    level, frames = np.abs(rec["audio"][0]), rec["frames"]

    def peak(jack_frame, n=2048):
        at = np.searchsorted(frames, jack_frame)
        return float(level[at:at + n].max())

    therapist_heard = [peak(f + 128, 64) - peak(f + 64, 64) for f in t_sent]
    client_heard = [peak(f) for f in c_sent]
    print(f"\ntherapist's C#: level rise at note + 128 frames {therapist_heard}; "
          f"client's filtered C#: peak over 2048 frames from the note {client_heard}", file=sys.stderr)
    assert all(p < 0.01 for p in client_heard), client_heard            # nothing plays: no band, filtered
    assert sum(r > 0.05 for r in therapist_heard) >= 3, therapist_heard  # a pad right at note + 2 periods

    # the WAV export renders the run as it sounded: a pad at each of the therapist's notes + 128
    # frames, nothing at the client's
    wav_path = tmp_path / "s.wav"
    exported = subprocess.run([sys.executable, "-m", "live", "export", result["session_id"], "--format", "wav", "--db",
                               str(db), "--out", str(wav_path)], capture_output=True, text=True, timeout=120)
    assert exported.returncode == 0, exported.stderr
    with wave.open(str(wav_path), "rb") as w:
        audio = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, w.getnchannels())[:, 0]
    inputs = rows(db, "SELECT frame, client_id FROM events WHERE kind = 'input' ORDER BY frame")
    t_frames = [f for f, cid in inputs if cid is None]
    c_frames = [f for f, cid in inputs if cid is not None]
    wav_therapist = [int(np.abs(audio[f + 128:f + 192]).max()) - int(np.abs(audio[f + 64:f + 128]).max())
                     for f in t_frames]
    wav_client = [int(np.abs(audio[f:f + 2048]).max()) for f in c_frames]
    print(f"WAV: rise at the therapist's notes + 128 {wav_therapist}, peak after the client's {wav_client}",
          file=sys.stderr)
    assert len(t_frames) == 4 and all(r > 3000 for r in wav_therapist), wav_therapist
    assert all(p < 300 for p in wav_client), wav_client
