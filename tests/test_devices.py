"""``live devices`` with and without a JACK server."""

import json
import subprocess
import sys


LIVE = [sys.executable, "-m", "live", "devices"]


def test_devices_on_a_jack_server_lists_jack_and_the_midi_sources(jack_server_sync):
    from live.engine.jack_midi import JackMidiClient

    server = jack_server_sync
    with server.activate_environ():
        pad = JackMidiClient("pad-sim")  # a real JACK MIDI source: its port pad-sim:out
        try:
            proc = subprocess.run([*LIVE, "--json", "--midi"], capture_output=True, text=True, env=server.env,
                                  timeout=30)
        finally:
            pad.close()
    assert proc.returncode == 0, proc.stderr
    info = json.loads(proc.stdout)
    assert any(api.startswith("JACK") for api in info["audio"]["host_apis"])
    assert "JACK" in info["audio"]["would_use"]
    assert info["midi"]["jack_server"] is True and "pad-sim:out" in info["midi"]["jack_sources"]
    assert "CC 22 (any channel): tempo knob, 40..160 BPM" in info["controls"]["bindings"]
    readable = subprocess.run(LIVE, capture_output=True, text=True, env=server.env, timeout=30).stdout
    assert "Would play on:" in readable and "JACK server running" in readable


def test_devices_without_a_server_says_so_quietly(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "JACK_NO_START_SERVER": "1",
           "JACK_DEFAULT_SERVER": "no-such-server-here"}
    proc = subprocess.run([*LIVE], capture_output=True, text=True, env=env, timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert "JACK server not running" in proc.stdout
    assert "Cannot connect" not in proc.stderr


def test_devices_rejects_a_bad_control_mapping(tmp_path):
    bad = tmp_path / "c.toml"
    bad.write_text('schema = 1\n[[bindings]]\naction = "tempo_up"\nmessage = "cc"\nnumber = 200\n')
    proc = subprocess.run([*LIVE, "--midi", "--controls", str(bad)], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2 and "bindings[0].number: 200" in proc.stderr


def test_devices_midi_shows_the_therapists_channels(tmp_path):
    mapping = tmp_path / "c.toml"
    mapping.write_text('schema = 1\n[therapist]\nchannels = [2]\n[[bindings]]\naction = "tempo_up"\n'
                       'message = "cc"\nnumber = 21\n')
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "JACK_NO_START_SERVER": "1",
           "JACK_DEFAULT_SERVER": "no-such-server-here"}
    proc = subprocess.run([*LIVE, "--midi", "--controls", str(mapping)], capture_output=True, text=True, env=env,
                          timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert "  therapist's notes: channel 2 (stored apart from the client's, not scored" in proc.stdout
    proc = subprocess.run([*LIVE, "--midi", "--json"], capture_output=True, text=True, env=env, timeout=30)
    assert json.loads(proc.stdout)["controls"]["therapist_channels"] == []
