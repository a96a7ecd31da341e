"""``live run`` on a real JACK graph (dummy driver): a separate harness process plays MIDI into
``live-midi:in`` at known JACK frames and records ``live``'s audio output."""

import json
import sys

import numpy as np
import pytest

from jackutil import start_midi_harness
from live_run_helpers import click_offset, finish, rows, start_live_run, write_preset


def test_notes_are_stored_at_their_exact_frames_and_pads_sound_two_periods_later(jack_server_sync, tmp_path):
    server = jack_server_sync
    preset = write_preset(tmp_path / "beat.toml", tempo=60, beats=10)
    db = tmp_path / "live.db"
    proc = start_live_run(server, preset, db)
    # 24 notes 9001 frames apart: their offsets in the 64-frame period step by 37, so they are
    # spread over the whole period, and their phase against the beat walks.
    harness = start_midi_harness(server, "notes", record_from="live:", count=24, spacing_frames=9001,
                                 offset_step=37, start_delay=1.0, notes=[38, 40], velocities=[100, 60],
                                 go_immediately=True, tail=1.0, seconds=40)
    harness.wait_ready(timeout_s=20)
    sent = harness.result(timeout_s=60)
    code, out, err = finish(proc)
    assert code == 0, err
    result = json.loads(out)

    clicks = [f for (f,) in rows(db, "SELECT frame FROM events WHERE kind = 'sound' ORDER BY frame")]
    notes = rows(db, "SELECT frame, note, velocity FROM events WHERE kind = 'input' ORDER BY frame")
    sent_notes = [(f, d1, d2) for f, status, d1, d2 in sent["sent"] if status & 0xF0 == 0x90 and d2 > 0]
    onsets = sent["onset_frames"]
    offset, heard = click_offset(clicks, onsets)  # JACK frame - engine frame, from the clicks
    assert len(clicks) == 10 and heard >= 5, (clicks, onsets)

    # Every note stored, with its exact frame (target: 1 frame).
    assert len(notes) == len(sent_notes) == 24
    errors = np.array([stored + offset - s_frame for (stored, _, _), (s_frame, _, _) in zip(notes, sent_notes)])
    assert [(n, v) for _, n, v in notes] == [(n, v) for _, n, v in sent_notes]
    assert (errors == 0).all(), errors
    print(f"\nMIDI timestamp error vs harness (frames): mean {errors.mean():.2f} SD {errors.std():.2f} "
          f"max {np.abs(errors).max()} over {len(errors)} notes", file=sys.stderr)

    # Every sound heard is a click at its planned frame or a pad exactly 2 periods (128 frames)
    # after its note: nothing else, nothing misplaced. (A sound starting within another's tail is
    # not detected as an onset, so not every one is heard.)
    click_set = {f + offset for f in clicks}
    pads = {s_frame + 128 for s_frame, _, _ in sent_notes}
    assert set(onsets) <= click_set | pads, sorted(set(onsets) - click_set - pads)
    heard_pads = len(set(onsets) & pads)
    assert heard_pads >= 12
    print(f"pad latency: {heard_pads} pads heard, every one 128 frames after its note (SD 0); "
          f"{heard} of {len(clicks)} clicks heard at their planned frames", file=sys.stderr)

    assert result["summary"]["n_beats"] == 10
    assert len(result["responses"]) == len(notes)
    for r in result["responses"]:
        assert set(r) == {"time_s", "source", "note", "velocity", "beat_time_s", "asynchrony_ms"}
        assert r["source"] == "midi"
        if r["beat_time_s"] is not None:
            assert r["asynchrony_ms"] == pytest.approx(1000 * (r["time_s"] - r["beat_time_s"]))
