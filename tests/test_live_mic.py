"""The duplex (microphone) path: what reaches ``live``'s JACK input is in the input ring at the
frame it was played, on a real JACK graph."""

import subprocess
import sys
import time
from pathlib import Path

from jackutil import JackClientProcess, start_player

PROBE = Path(__file__).with_name("jack_mic_probe.py")


def test_input_lands_in_the_ring_at_the_frames_it_was_played(jack_server_sync):
    """20 impulses (2 s) into the probe's input while it records 4 s of JACK's frames. The player
    starts first (it plays from its first connection on) and the two are connected in-process as
    soon as the probe is ready: with the probe started first and ``jack_lsp`` + ``jack_connect``
    after the player, on a machine whose bare server reported 83 xruns in 5 s, the probe's 4 s
    ended after 12 impulses (2026-12-01); connected at once, 4 s of wall time held 18 of them at 90
    xruns in 5 s (the dummy driver's frames fall behind host time when its cycles come late), so
    the probe now counts frames (at most 30 s)."""
    server = jack_server_sync
    with start_player(server, name="player", period=4801, count=20, delay_s=0.2, seconds=30) as player:
        player.wait_ready()
        with JackClientProcess(PROBE, ["--name", "live-mic", "--frames", str(4 * 48000), "--seconds", "30"], server.env,
                               "mic probe") as probe:
            probe.wait_ready(timeout_s=30)
            _connect(server, "player:out_1", "live-mic:in_0")
            played = player.result(timeout_s=30)
            captured = probe.result(timeout_s=30)
    # (PortAudio's JACK host flags its first block or so as input overflow / output underflow:
    # seen 1-4 per start here. The samples themselves are checked exactly below.)
    assert captured["jack_frames"] == played["impulse_frames"][: len(captured["jack_frames"])]
    assert len(captured["jack_frames"]) == 20


def _connect(server, src, dst):
    """Connect two ports now, through an in-process JACK client (``jack_connect`` starts a new
    process and client each call: seconds on a loaded server)."""
    import jack

    client = jack.Client("test-connector", servername=server.name, no_start_server=True)
    try:
        client.connect(src, dst)
    finally:
        client.close()


def _loop_output_into_input_when_they_open(server, proc, timeout_s=30.0):
    """Connect ``live:out_0`` to ``live:in_0`` within milliseconds of both ports existing.

    An in-process JACK client polls the port list (a few ms a call): with ``jack_lsp`` and
    ``jack_connect`` (a new client each call, seconds each on a loaded server) the loop was once
    made after five of twelve calibration clicks had sounded (7 heard, 8 needed, in a realtime
    phase run while other test runs loaded the machine, 2026-12-01)."""
    import jack

    client = jack.Client("loopback-maker", servername=server.name, no_start_server=True)
    try:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            names = {port.name for port in client.get_ports("live:")}
            if {"live:out_0", "live:in_0"} <= names:
                client.connect("live:out_0", "live:in_0")
                return
            if proc.poll() is not None:
                raise AssertionError(f"live calibrate exited early ({proc.returncode}): {proc.stderr.read()}")
            time.sleep(0.002)
        proc.kill()
        raise AssertionError(f"live calibrate opened no live:out_0 and live:in_0 within {timeout_s} s")
    finally:
        client.close()


def test_mic_calibration_by_loopback_measures_the_graphs_round_trip(jack_server_sync, tmp_path):
    """``live calibrate --input mic`` with live's output looped into its input (an acoustic
    loopback on the graph): what it stores is the round trip, one 64-frame period on JACK (our
    output of one cycle is our input in the next)."""
    import json

    from live_run_helpers import finish, rows

    server = jack_server_sync
    db = tmp_path / "live.db"
    proc = subprocess.Popen([sys.executable, "-m", "live", "calibrate", "--input", "mic", "--json", "--db", str(db),
                             "--taps", "12", "--tempo", "120"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=server.env)
    _loop_output_into_input_when_they_open(server, proc)
    code, out, err = finish(proc)
    assert code == 0, err
    result = json.loads(out)
    assert result["latency_frames"] == 64 and result["kept"] == 12 and result["device"] == "default audio input"
    assert rows(db, "SELECT input_path, latency_frames FROM calibrations") == [("mic", 64)]


def test_mic_onsets_are_stored_at_the_frames_they_were_played(jack_server_sync, tmp_path):
    import json

    from live_run_helpers import click_offset, finish, rows, start_live_run, wait_until_stored, write_preset

    from jackutil import start_recorder

    server = jack_server_sync
    db = tmp_path / "live.db"
    proc = start_live_run(server, write_preset(tmp_path / "beat.toml", tempo=60, beats=8), db, "--mic")
    with start_recorder(server, "live:", seconds=20, threshold=0.01, name="rec") as rec:
        rec.wait_ready()
        with start_player(server, name="player", period=7001, count=12, delay_s=1.0, seconds=20) as player:
            player.wait_ready()
            # The impulses start after the first click: until its bleed is measured the detector
            # takes the gain from output to microphone as 1 (live.engine.onsets), so an impulse
            # 128 frames after that click was rightly taken for its bleed (a run whose start
            # was late on a loaded machine, 2026-12-01).
            wait_until_stored(db, "SELECT count(*) FROM events WHERE kind = 'sound'", 1, proc=proc)
            _connect(server, "player:out_1", "live:in_0")
            played = player.result(timeout_s=30)
        code, out, err = finish(proc)
        recorded = rec.result(timeout_s=30, close_stdin=True)
    assert code == 0, err
    clicks = [f for (f,) in rows(db, "SELECT frame FROM events WHERE kind = 'sound' ORDER BY frame")]
    offset, heard = click_offset(clicks, recorded["onset_frames"],
                                 window=(recorded["first_frame"], recorded["n_frames_recorded"]))
    assert heard >= 4
    mic = rows(db, "SELECT frame, source, note FROM events WHERE kind = 'input' ORDER BY frame")
    assert [(f + offset, s, n) for f, s, n in mic] == [(f, "mic", None) for f in played["impulse_frames"]]
    assert all(r["source"] == "mic" for r in json.loads(out)["responses"])


CLAP_ATTEMPTS = 3


def test_claps_over_the_beat_and_its_bleed_are_stored_within_a_millisecond_and_the_beat_is_not(
        jack_server_sync, tmp_path):
    """``live run --mic`` with its own output looped into its input (the beat's bleed, at full
    level) and a harness clapping into the same input at known JACK frames: every clap is stored
    as a mic input within 1 ms of its frame (less the stored mic calibration of 64 frames, the
    graph's round trip), and the beat makes none. The claps are 520 ms apart against a 500 ms
    beat, so their phase to the beat walks through a whole beat in 20 ms steps (some land on a
    click)."""
    import json

    import numpy as np

    import mic_signals
    from jackutil import start_clapper, start_recorder
    from live.store.store import Store
    from live_run_helpers import click_offset, finish, rows, start_live_run, write_preset

    server = jack_server_sync
    wave = tmp_path / "clap.npy"
    np.save(wave, 1.5 * mic_signals.clap(np.random.default_rng(4)))  # peak 1.5: JACK's float path, no clipping
    at_s = [4.0 + 0.52 * k for k in range(25)]  # the beat starts some 3 s after the connections
    # One offset from engine frames to JACK frames must hold for the whole run (the clicks fix it):
    # a run whose engine says it missed cycles (its frames then fall behind JACK's) is measured
    # again, at most CLAP_ATTEMPTS runs. On a host whose bare server reported 52 xruns in 5 s
    # (2026-12-01) the one offset the clicks chose was 13 beats off (every error 312065 frames).
    for attempt in range(1, CLAP_ATTEMPTS + 1):
        db = tmp_path / f"live-{attempt}.db"
        with Store.open(str(db)) as store:  # what 'live calibrate --input mic' stores on this graph (test above)
            store.save_calibration(input_path="mic", device="default audio input", latency_frames=64,
                                   sample_rate=48000, details={})
        proc = start_live_run(server, write_preset(tmp_path / "beat.toml", tempo=120, beats=34), db, "--mic")
        # Upper bounds only: the clapper ends after its last clap, the recorder when live has ended
        # (close_stdin below). With bounds of 30 and 35 s this test failed twice on 2026-12-01 (the
        # fresh-clone suite: the clapper played 19 of 25 claps; 1 run in 5 after, 34 s long: an
        # offset 11 beats off, as when the recording stops before the run's last 11 clicks); a bound
        # hit on a slow run is the likely cause, not proven. 5 of 5 passed with these bounds.
        with start_recorder(server, "live:", seconds=90, threshold=0.01, name="rec") as rec:
            rec.wait_ready()
            with start_clapper(server, wave, at_s, name="clapper", seconds=90) as clapper:
                clapper.wait_ready(timeout_s=30)
                _connect(server, "live:out_0", "live:in_0")  # the bleed
                _connect(server, "clapper:out_1", "live:in_0")
                played = clapper.result(timeout_s=40)
            code, out, err = finish(proc)
            recorded = rec.result(timeout_s=30, close_stdin=True)
        assert code == 0, err
        missed = json.loads(out)["engine"]["missed_cycles"]
        print(f"\nclaps over the beat, run {attempt}: the engine missed {missed} cycles", file=sys.stderr)
        if missed == 0:
            break
    assert "mic responses corrected by 64 frames" in err
    clicks = [f for (f,) in rows(db, "SELECT frame FROM events WHERE kind = 'sound' ORDER BY frame")]
    offset, heard = click_offset(clicks, recorded["onset_frames"],
                                 window=(recorded["first_frame"], recorded["n_frames_recorded"]))
    assert heard >= 4
    claps = played["onset_frames"]
    assert len(claps) == 25, (played, clapper.stderr)
    stored = [f for (f,) in rows(db, "SELECT frame FROM events WHERE kind = 'input' AND source = 'mic' ORDER BY frame")]
    # a stored onset's JACK frame: its engine frame + the calibration (64) + the offset
    assert len(stored) == len(claps), (stored, claps, offset)
    errors = [f + 64 + offset - c for f, c in zip(stored, claps)]
    assert all(abs(e) <= 48 for e in errors), errors
    near = [min(abs(c - offset - k) for k in clicks) for c in claps]
    assert min(near) <= 48 * 10  # one within 10 ms of a click
    assert all(clicks[0] < c - offset < clicks[-1] for c in claps)  # all while the beat plays
    assert all(r["source"] == "mic" for r in json.loads(out)["responses"])
