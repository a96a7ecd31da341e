"""The audio server goes away mid-session and comes back: ``live run`` keeps the session open,
and goes on when the server returns, with nothing stored lost.

A real ``jackd -d dummy`` is started, ``live run`` plays on it while a harness plays MIDI notes
into ``live-midi:in``; then the server is stopped (SIGTERM) or killed (SIGKILL), started again
under the same name a few seconds later, and a second harness plays notes into the new
``live-midi:in`` and records live's output. ``live run`` is then ended with SIGTERM."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone

import pytest

from jackutil import JackServer, start_midi_harness, unique_server_name
from live_run_helpers import click_offset, finish, rows, start_live_run, wait_until_stored, write_preset

RATE = 48_000
DOWN_S = 3.0  # how long the server stays away


def _note_ons(sent: dict) -> list[int]:
    return [f for f, status, _, d2 in sent["sent"] if status & 0xF0 == 0x90 and d2 > 0]


def _wait_until_back(db, *, outages: int, timeout_s: float = 20.0) -> None:
    wait_until_stored(db, "SELECT count(*) FROM outages WHERE end_frame IS NOT NULL", outages, timeout_s=timeout_s)


def _spacing_kept(stored: list[int], sent: list[int], missed_frames: int, period_frames: int) -> None:
    """The stored notes keep the sent notes' spacing to the frame, except where the engine says it
    missed cycles: engine frames count what the callback ran, so a gap holding cycles it missed
    is shorter by exactly those (DESIGN.md, FrameMap). A fresh clone's ``make test`` on a host
    whose timer had turned bad (2026-12-01): one gap 128 frames short, two missed cycles."""
    short = [(b - a) - (d - c) for (a, b), (c, d) in zip(zip(sent, sent[1:]), zip(stored, stored[1:]))]
    assert all(x >= 0 and x % period_frames == 0 for x in short), (short, stored, sent)
    assert sum(short) <= missed_frames, (short, missed_frames)


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


@pytest.mark.parametrize("how", ["stopped", "killed"])
def test_device_loss_keeps_every_input_before_and_after_the_outage_and_the_session_complete(tmp_path, how):
    preset = write_preset(tmp_path / "beat.toml", tempo=120, beats=80)  # 40 s: longer than the test
    db = tmp_path / "live.db"
    name = unique_server_name("devloss")
    server = JackServer(name=name, sync=True)
    server.start()
    proc, killed = None, False
    try:
        proc = start_live_run(server, preset, db)
        before = start_midi_harness(server, "notes", name="harness-1", count=24, spacing_frames=4801,
                                    start_delay=0.5, go_immediately=True, tail=0.3, seconds=30)
        before.wait_ready(timeout_s=20)
        sent_before = before.result(timeout_s=30)
        assert sent_before["complete"]
        time.sleep(0.5)  # the last batch reaches the store (every <= 0.5 s)
        t_down = time.monotonic()
        if how == "killed":
            killed = True  # its slot in JACK's server registry stays taken until a server of its name starts
            server.kill()  # a crash: no goodbye to the clients
        else:
            server.stop()
        time.sleep(DOWN_S)
        server = JackServer(name=name, sync=True)
        server.start()
        killed = False
        back_at = datetime.now(timezone.utc)
        down_s = time.monotonic() - t_down
        # The second harness joins once live has: a client joining jackd in the moment it starts
        # can stall its graph (docs/performance.md, "Device loss"), whoever it is.
        _wait_until_back(db, outages=1)
        after = start_midi_harness(server, "notes", name="harness-2", count=24, spacing_frames=4801,
                                   start_delay=1.0, record_from="live:", wait=20, go_immediately=True,
                                   tail=0.5, seconds=40)
        after.wait_ready(timeout_s=30)
        sent_after = after.result(timeout_s=40)
        assert sent_after["complete"]
        time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        code, out, err = finish(proc, timeout_s=60)
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
        server.stop()
        if killed:  # free the registry slot of the killed server (8 such, and no jackd starts here)
            JackServer(name=name, sync=True).start().stop()
    assert code == 0, err
    assert "AUDIO LOST" in err and "audio back on JACK" in err

    [(session_id, status)] = rows(db, "SELECT id, status FROM sessions")
    assert status == "complete"
    runs = rows(db, "SELECT r.id, r.position, r.start_frame, r.end_frame, r.status, s.segment, s.resumes_run_id, "
                    "s.outage_id FROM runs r LEFT JOIN run_segments s ON s.run_id = r.id ORDER BY r.position")
    [(oid, o_run, o_start, o_end, o_started, o_ended)] = rows(
        db, "SELECT id, run_id, start_frame, end_frame, started_at, ended_at FROM outages")
    (r1, _, r1_start, r1_end, r1_status, seg1, _, _), (r2, _, r2_start, _, r2_status, seg2, resumes, r2_outage) = runs
    assert (r1_status, r2_status, seg1, seg2, resumes, r2_outage, o_run) == (
        "complete", "complete", None, 2, r1, oid, r1)

    # Every note sent before the outage is stored in run 1, every note sent after it in run 2.
    stored_1 = [f for (f,) in rows(db, "SELECT frame FROM events WHERE kind = 'input' AND run_id = ? ORDER BY frame", r1)]
    stored_2 = [f for (f,) in rows(db, "SELECT frame FROM events WHERE kind = 'input' AND run_id = ? ORDER BY frame", r2)]
    notes_1, notes_2 = _note_ons(sent_before), _note_ons(sent_after)
    assert len(stored_1) == len(notes_1) == 24
    assert len(stored_2) == len(notes_2) == 24
    missed_frames = json.loads(out)["engine"]["missed_cycles"] * server.period_frames
    _spacing_kept(stored_1, notes_1, missed_frames, server.period_frames)
    # After the outage, on the new server, every note is still at its exact frame: the clicks the
    # harness heard fix the new JACK-to-engine offset (the notes only choose the beat when the
    # click train leaves it open), and every stored note sits on it.
    clicks_2 = [f for (f,) in rows(db, "SELECT frame FROM events WHERE kind = 'sound' AND run_id = ? ORDER BY frame", r2)]
    offset, heard = click_offset(clicks_2, sent_after["onset_frames"], anchors=list(zip(stored_2, notes_2)))
    assert heard >= 2, (clicks_2, sent_after["onset_frames"])
    assert offset in {n - f for f, n in zip(stored_2, notes_2)}, (offset, stored_2, notes_2)
    _spacing_kept(stored_2, notes_2, missed_frames, server.period_frames)

    # One timeline: the outage starts at the end of run 1, after its last input, and ends before
    # run 2 starts; every frame after it is larger than every frame before it; its length in
    # frames is its length on the wall clock.
    assert stored_1[-1] < o_start == r1_end < o_end < r2_start < stored_2[0]
    assert max(f for (f,) in rows(db, "SELECT frame FROM events WHERE run_id = ?", r1)) < o_end
    lost_s = (o_end - o_start) / RATE
    wall_s = (_utc(o_ended) - _utc(o_started)).total_seconds()
    assert abs(lost_s - wall_s) < 0.05, (lost_s, wall_s)
    assert down_s - 1.0 < lost_s < down_s + 1.5, (lost_s, down_s)
    # The server's return -> audio playing again: live asks every 0.25 s, joins once the server
    # has answered for 0.5 s (ServerWatch: joining a starting jackd can stall its graph), and
    # reopening took 0.1-0.3 s here; back_at is taken after jack_wait said the server runs.
    back_s = (_utc(o_ended) - back_at).total_seconds()
    assert back_s < 1.5, back_s

    result = json.loads(out)
    [outage] = result["outages"]
    assert outage["lost_s"] == pytest.approx(lost_s) and outage["run_id"] == r1
    assert [(r["segment"], r["resumes_run_id"]) for r in result["runs"]] == [(1, None), (2, r1)]
    print(f"\ndevice loss ({how}): server away {down_s:.2f} s, audio lost {lost_s:.2f} s, back {back_s * 1000:.0f} ms "
          f"after the server was running (reopened in {outage['reopen_s'] * 1000:.0f} ms, first frame "
          f"{outage['timeline_error_ms']:+.2f} ms off the monotonic clock); inputs stored "
          f"{len(stored_1)}/{len(notes_1)} before, {len(stored_2)}/{len(notes_2)} after", file=sys.stderr)

    shown = subprocess.run([sys.executable, "-m", "live", "sessions", "show", "--db", str(db), session_id],
                           capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0, shown.stderr
    assert "Audio lost at" in shown.stdout and "then run 2 plays run 1 again (segment 2)" in shown.stdout


def test_sigterm_during_the_outage_ends_the_session_saved_and_complete(tmp_path):
    preset = write_preset(tmp_path / "beat.toml", tempo=120, beats=80)
    db = tmp_path / "live.db"
    with JackServer(sync=True) as server:
        proc = start_live_run(server, preset, db)
        try:
            harness = start_midi_harness(server, "notes", count=16, spacing_frames=4801, start_delay=0.5,
                                         go_immediately=True, tail=0.3, seconds=30)
            harness.wait_ready(timeout_s=20)
            sent = harness.result(timeout_s=30)
            server.stop()
            deadline = time.monotonic() + 10
            while not rows(db, "SELECT id FROM outages") and time.monotonic() < deadline:
                time.sleep(0.1)
            time.sleep(0.5)
            t_signal = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            code, out, err = finish(proc, timeout_s=30)
            exit_s = time.monotonic() - t_signal
        finally:
            if proc.poll() is None:
                proc.kill()
    assert code == 0, err
    assert exit_s < 5.0, exit_s  # nothing of the dead audio server is waited for
    assert "stopped by SIGTERM (the audio had not returned)" in err
    assert "not back when the session ended" in err
    [(status,)] = rows(db, "SELECT status FROM sessions")
    [(run_status, end_frame)] = rows(db, "SELECT status, end_frame FROM runs")
    [(o_start, o_end, o_ended)] = rows(db, "SELECT start_frame, end_frame, ended_at FROM outages")
    assert (status, run_status, o_end, o_ended) == ("complete", "complete", None, None)
    assert end_frame == o_start
    stored = rows(db, "SELECT count(*) FROM events WHERE kind = 'input'")[0][0]
    assert stored == len(_note_ons(sent)) == 16
    assert json.loads(out)["outages"][0]["end_time_s"] is None
    print(f"\nSIGTERM during the outage: live run exited {exit_s:.2f} s after the signal, session complete, "
          f"{stored}/16 inputs stored", file=sys.stderr)


def test_the_console_says_the_audio_is_lost_and_back_and_q_ends_the_session_during_an_outage(tmp_path):
    import shlex

    from test_console import Tmux

    preset = write_preset(tmp_path / "beat.toml", tempo=120, beats=200)
    db, out, rc = tmp_path / "live.db", tmp_path / "out.json", tmp_path / "rc"
    command = (f"{shlex.quote(sys.executable)} -m live run {preset} --client T1 --db {db} --headless --json "
               f"> {out}; echo $? > {rc}; sleep 60")
    name = unique_server_name("devloss-console")
    server = JackServer(name=name, sync=True)
    server.start()
    pane = Tmux(command, server.env)
    try:
        pane.wait_for("Beats  2 / 200")
        server.stop()  # mid-run
        shown = pane.wait_for("[AUDIO LOST]", timeout_s=15)
        assert "audio: LOST" in shown and "waiting for it (q ends and saves)" in shown
        server = JackServer(name=name, sync=True)
        server.start()
        shown = pane.wait_for("(run 2; 0 more planned)  [playing]", timeout_s=15)
        assert "audio: JACK" in shown
        pane.wait_for("Beats  2 / 200")
        pane.keys("Space")  # stop: between runs now
        pane.wait_for("[stopped]", timeout_s=10)
        server.stop()  # an outage between runs
        pane.wait_for("[AUDIO LOST]", timeout_s=15)
        pane.keys("q")
        deadline = time.monotonic() + 30
        while not rc.exists() or not rc.read_text().strip():
            assert time.monotonic() < deadline, pane.screen()
            time.sleep(0.1)
        after = pane.screen()
    finally:
        pane.kill()
        server.stop()
    assert rc.read_text().strip() == "0", after
    assert "ended by the therapist at the console (the audio had not returned)" in after, after
    assert rows(db, "SELECT status FROM sessions") == [("complete",)]
    runs = rows(db, "SELECT r.id, r.status, s.segment FROM runs r LEFT JOIN run_segments s ON s.run_id = r.id "
                    "ORDER BY r.position")
    assert [(status, segment) for _, status, segment in runs] == [("complete", None), ("complete", 2)]
    outages = rows(db, "SELECT run_id, end_frame FROM outages ORDER BY start_frame")
    assert [(run_id, end is not None) for run_id, end in outages] == [(runs[0][0], True), (None, False)]
    assert [o["end_time_s"] is None for o in json.loads(out.read_text())["outages"]] == [False, True]
