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
                                                  env=server.env).stdout.split() if p.startswith("player:")][0]
            subprocess.run(["jack_connect", "-s", server.name, out_port, "live-mic:in_0"], check=True, env=server.env)
            played = player.result(timeout_s=30)
        captured = probe.result(timeout_s=30)
    # (PortAudio's JACK host flags its first block or so as input overflow / output underflow:
    # seen 1-4 per start here. The samples themselves are checked exactly below.)
    assert captured["jack_frames"] == played["impulse_frames"][: len(captured["jack_frames"])]
    assert len(captured["jack_frames"]) == 20
