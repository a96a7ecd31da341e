"""The duplex (microphone) path: what reaches ``live``'s JACK input is in the input ring at the
frame it was played, on a real JACK graph."""

import subprocess
from pathlib import Path

from jackutil import JackClientProcess, start_player

PROBE = Path(__file__).with_name("jack_mic_probe.py")


def test_input_lands_in_the_ring_at_the_frames_it_was_played(jack_server_sync):
    server = jack_server_sync
    with JackClientProcess(PROBE, ["--name", "live-mic", "--seconds", "4"], server.env, "mic probe") as probe:
        probe.wait_ready(timeout_s=30)
        with start_player(server, name="player", period=4801, count=20, delay_s=0.2, seconds=8) as player:
            player.wait_ready()
            out_port = [p for p in subprocess.run(["jack_lsp", "-s", server.name], capture_output=True, text=True,
                                                  env=server.env, timeout=30).stdout.split() if p.startswith("player:")][0]
            subprocess.run(["jack_connect", "-s", server.name, out_port, "live-mic:in_0"], check=True, env=server.env,
                           timeout=30)
            played = player.result(timeout_s=30)
        captured = probe.result(timeout_s=30)
    # (PortAudio's JACK host flags its first block or so as input overflow / output underflow:
    # seen 1-4 per start here. The samples themselves are checked exactly below.)
    assert captured["jack_frames"] == played["impulse_frames"][: len(captured["jack_frames"])]
    assert len(captured["jack_frames"]) == 20


def _connect(server, src, dst):
    subprocess.run(["jack_connect", "-s", server.name, src, dst], check=True, env=server.env, timeout=30)


def test_mic_calibration_by_loopback_measures_the_graphs_round_trip(jack_server_sync, tmp_path):
    """``live calibrate --input mic`` with live's output looped into its input (an acoustic
    loopback on the graph): what it stores is the round trip, one 64-frame period on JACK (our
    output of one cycle is our input in the next)."""
    import json

    from live_run_helpers import finish, rows, start_live

    server = jack_server_sync
    db = tmp_path / "live.db"
    proc = start_live(server, ["calibrate", "--input", "mic", "--json", "--db", str(db), "--taps", "12",
                               "--tempo", "120"])
    _connect(server, "live:out_0", "live:in_0")
    code, out, err = finish(proc)
    assert code == 0, err
    result = json.loads(out)
    assert result["latency_frames"] == 64 and result["kept"] == 12 and result["device"] == "default audio input"
    assert rows(db, "SELECT input_path, latency_frames FROM calibrations") == [("mic", 64)]


def test_mic_onsets_are_stored_at_the_frames_they_were_played(jack_server_sync, tmp_path):
    import json

    from live_run_helpers import click_offset, finish, rows, start_live_run, write_preset

    from jackutil import start_recorder

    server = jack_server_sync
    db = tmp_path / "live.db"
    proc = start_live_run(server, write_preset(tmp_path / "beat.toml", tempo=60, beats=8), db, "--mic")
    with start_recorder(server, "live:", seconds=20, threshold=0.01, name="rec") as rec:
        rec.wait_ready()
        with start_player(server, name="player", period=7001, count=12, delay_s=1.0, seconds=20) as player:
            player.wait_ready()
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
