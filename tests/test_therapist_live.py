"""The therapist plays along: on a JACK dummy server one harness plays the client's pad
(channel 10) and another the therapist's keyboard (channel 2, the therapist's channel in the
controls TOML). The therapist's notes are stored as theirs, not scored, sound like pads, and
are on the therapist track of the MIDI export; the WAV export renders them as pads too."""

import json
import subprocess
import sys

import mido
import numpy as np

from jackutil import start_midi_harness
from live_run_helpers import finish, rows, start_live_run, write_preset, therapist_controls

CONTROLS = therapist_controls("start_stop", 23)


def export(db, session_id, fmt, out):
    proc = subprocess.run([sys.executable, "-m", "live", "export", session_id, "--format", fmt, "--db", str(db),
                           "--out", str(out)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return out


def test_therapist_notes_are_kept_apart_sound_as_pads_and_go_on_the_therapist_track(jack_server_sync, tmp_path):
    server = jack_server_sync
    preset = write_preset(tmp_path / "beat.toml", tempo=60, beats=8)
    controls = tmp_path / "controls.toml"
    controls.write_text(CONTROLS)
    db = tmp_path / "live.db"
    proc = start_live_run(server, preset, db, "--controls", str(controls))
    client = start_midi_harness(server, "notes", name="client-pad", count=10, spacing_frames=19001, start_delay=0.5,
                                notes=[38], velocities=[100], go_immediately=True, tail=0.5, seconds=30)
    therapist = start_midi_harness(server, "notes", name="therapist-keys", record_from="live:", channel=2, count=8,
                                   spacing_frames=23003, start_delay=0.8, notes=[60, 64], velocities=[90],
                                   go_immediately=True, tail=1.0, seconds=30)
    client.wait_ready(timeout_s=20)
    therapist.wait_ready(timeout_s=20)
    sent_client = client.result(timeout_s=60)
    sent_therapist = therapist.result(timeout_s=60)
    code, out, err = finish(proc)
    assert code == 0, err
    result = json.loads(out)

    def note_ons(sent):
        return [(f, d1, d2) for f, status, d1, d2 in sent["sent"] if status & 0xF0 == 0x90 and d2 > 0]

    c_notes, t_notes = note_ons(sent_client), note_ons(sent_therapist)
    assert len(c_notes) == 10 and len(t_notes) == 8
    stored = rows(db, "SELECT frame, client_id, note, velocity FROM events WHERE kind = 'input' ORDER BY frame")
    therapist_rows = [(f, n, v) for f, cid, n, v in stored if cid is None]
    client_rows = [(f, n, v) for f, cid, n, v in stored if cid is not None]
    # Every note stored, each as whose it is, at its exact frame (one JACK-engine offset for all).
    assert [(n, v) for _, n, v in therapist_rows] == [(n, v) for _, n, v in t_notes]
    assert [(n, v) for _, n, v in client_rows] == [(n, v) for _, n, v in c_notes]
    offsets = {s - f for (f, _, _), (s, _, _) in zip(therapist_rows + client_rows, t_notes + c_notes)}
    assert len(offsets) == 1, offsets
    # Only the client's are scored.
    assert len(result["responses"]) == 10 and {r["note"] for r in result["responses"]} == {38}
    assert rows(db, "SELECT count(*) FROM responses") == [(10,)]
    # The therapist's notes sound like the client's pads: 2 periods (128 frames) after each.
    onsets = set(sent_therapist["onset_frames"])
    heard = [f for f, _, _ in t_notes if f + 128 in onsets]
    assert len(heard) >= 6, (sorted(onsets), [f for f, _, _ in t_notes])
    print(f"\ntherapist: {len(therapist_rows)} notes stored as the therapist's, {len(client_rows)} as the client's "
          f"(one JACK-engine offset for all: timestamps exact), {len(result['responses'])} scored; "
          f"{len(heard)}/{len(t_notes)} therapist pads heard exactly 128 frames after their note", file=sys.stderr)

    # MIDI export: the therapist's notes on the therapist track, the client's on the client's.
    mid = mido.MidiFile(export(db, result["session_id"], "midi", tmp_path / "s.mid"))
    tracks = {t.name: [m for m in t if m.type == "note_on"] for t in mid.tracks}
    assert [(m.note, m.velocity, m.channel) for m in tracks["therapist"]] == [(n, v, 2) for _, n, v in t_notes]
    assert [(m.note, m.velocity) for m in tracks["client T1"]] == [(n, v) for _, n, v in c_notes]
    # JSON export: the therapist's inputs have no client.
    doc = json.loads(export(db, result["session_id"], "json", tmp_path / "s.json").read_text())
    inputs = doc["runs"][0]["inputs"]
    assert [x["note"] for x in inputs if x["client"] is None] == [n for _, n, _ in t_notes]

    # WAV export: a pad at every note of both, 128 frames after it, as live played them.
    import wave

    with wave.open(str(export(db, result["session_id"], "wav", tmp_path / "s.wav")), "rb") as w:
        audio = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, w.getnchannels())[:, 0]
    rises = [(int(np.abs(audio[f + 64:f + 128]).max()), int(np.abs(audio[f + 128:f + 192]).max()))
             for f, _, _ in therapist_rows + client_rows]
    print(f"\nWAV level 64 frames before / after each pad: {rises}", file=sys.stderr)
    # Where nothing else sounds just before (another pad's or a click's tail), the pad starts exactly
    # there at its full level (velocity 90: ~10600, 100: ~11800 at gain 0.8).
    quiet = [(before, after) for before, after in rises if before < 1000]
    assert len(quiet) >= 12 and all(after > 9000 for _, after in quiet), rises
