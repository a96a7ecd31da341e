"""A machine without PortAudio, a JACK server, a sound card or the ALSA sequencer: every command
that needs one says in one line what is missing and the command that adds it, and exits 2;
``live devices`` exits 0 and lists what it found and what is missing. Devices and ports named on
the command line that are not there: exit 2, listing what is.

Each part is taken away for real, in the child process only: PortAudio by a ``sitecustomize``
that makes ``ctypes.util.find_library`` find no ``portaudio`` (as on a machine without
libportaudio2); the JACK server by pointing libjack at a server name nobody runs, with
``JACK_NO_START_SERVER=1``; sound cards by an ALSA configuration (``ALSA_CONFIG_PATH``) whose
default device is a card that is not there, or ALSA's ``null`` device (a device PortAudio lists,
with no clock: it takes samples as fast as they come, so it shows what ``live`` picks, not how it
keeps time). The ALSA sequencer cannot be taken away from a process that has it: where this
machine has none (``/dev/snd/seq``, as in CI's container) the message is checked, and where it
has one, that python-rtmidi opens it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from jackutil import unique_server_name
from live_run_helpers import write_preset

LIVE = [sys.executable, "-m", "live"]
INSTALL_PORTAUDIO = "PortAudio: the audio library is not installed; install it: sudo apt-get install libportaudio2"
START_JACK = "jackd -d alsa -r 48000 -p 64 &"
HAS_ALSA_SEQUENCER = Path("/dev/snd/seq").exists()


def _machine(tmp_path: Path, *, portaudio: bool = True, sound_card: str = "none") -> dict[str, str]:
    """An environment for a child ``live``: no JACK server, and ``sound_card`` "none" (ALSA's
    default is a card that is not there) or "null" (ALSA's null device); no PortAudio unless
    ``portaudio``."""
    conf = tmp_path / f"alsa-{sound_card}.conf"
    if sound_card == "null":
        conf.write_text("pcm.!default {\n  type null\n}\nseq.default {\n  type hw\n}\n")
    else:
        conf.write_text("pcm.!default {\n  type hw\n  card 99\n}\nctl.!default {\n  type hw\n  card 99\n}\n"
                        "seq.default {\n  type hw\n}\n")
    env = {**os.environ, "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data"),
           "ALSA_CONFIG_PATH": str(conf), "JACK_NO_START_SERVER": "1",
           "JACK_DEFAULT_SERVER": unique_server_name("nobody-runs")}
    env.pop("PYTHONPATH", None)
    if not portaudio:
        site = tmp_path / "no-portaudio"
        site.mkdir(exist_ok=True)
        (site / "sitecustomize.py").write_text(
            "import ctypes.util\n"
            "_find = ctypes.util.find_library\n"
            "ctypes.util.find_library = lambda name: None if 'portaudio' in name else _find(name)\n")
        env["PYTHONPATH"] = str(site)
    return env


def _live(args: list[str], env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([*LIVE, *args], capture_output=True, text=True, env=env, timeout=timeout,
                          stdin=subprocess.DEVNULL)


def _one_line(proc: subprocess.CompletedProcess) -> str:
    """The single line on stderr (asserted: exit 2, one line, no traceback, nothing from libjack/ALSA)."""
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr, proc.stderr
    return proc.stderr.rstrip("\n")


def test_without_portaudio_run_and_calibrate_say_how_to_install_it_in_one_line_and_exit_2(tmp_path):
    env = _machine(tmp_path, portaudio=False)
    run = _live(["run", "steady-beat-100", "--client", "C-1", "--headless", "--duration", "2"], env)
    assert _one_line(run) == f"live run: {INSTALL_PORTAUDIO}"
    cal = _live(["calibrate"], env)
    assert _one_line(cal) == f"live calibrate: {INSTALL_PORTAUDIO}"


def test_without_a_sound_card_or_jack_server_run_says_to_start_jack_in_one_line_and_exits_2(tmp_path):
    env = _machine(tmp_path, sound_card="none")
    line = _one_line(_live(["run", "steady-beat-100", "--client", "C-1", "--headless", "--duration", "2"], env))
    assert line.startswith("live run: audio output: no output device found (PortAudio's host APIs here: ALSA")
    assert line.endswith(f"start a JACK server on your sound card: {START_JACK} (or plug one in)")
    line = _one_line(_live(["calibrate", "--input", "mic"], env))
    assert line.startswith("live calibrate: audio output: no output device found")


def test_a_jack_only_option_without_a_jack_server_says_to_start_one_and_exits_2(tmp_path):
    env = _machine(tmp_path, sound_card="null")
    base = ["run", "steady-beat-100", "--client", "C-1", "--headless", "--duration", "2"]
    line = _one_line(_live([*base, "--midi-backend", "jack"], env))
    assert line == ("live run: JACK server: none is running (--midi-backend jack takes MIDI from it); "
                    f"start one: {START_JACK}")
    line = _one_line(_live([*base, "--midi-out", "Sound Module"], env))
    assert line == ("live run: JACK server: none is running (--midi-out sends each beat at its exact JACK "
                    f"frame); start one: {START_JACK}")


def test_without_jack_run_takes_midi_through_rtmidi_or_says_the_alsa_sequencer_is_missing(tmp_path):
    """PortAudio's default device (ALSA's null device here) and no JACK server: live run goes to
    python-rtmidi for MIDI. Without the ALSA sequencer that is one line saying how to load it."""
    env = _machine(tmp_path, sound_card="null")
    proc = _live(["run", "steady-beat-100", "--client", "C-1", "--headless", "--duration", "1", "--json",
                  "--db", str(tmp_path / "s.db")], env)
    if HAS_ALSA_SEQUENCER:
        assert proc.returncode == 0, proc.stderr
        assert json.loads(proc.stdout)["midi"]["path"] == "rtmidi"
        assert "audio on ALSA, MIDI through rtmidi" in proc.stderr
    else:
        assert _one_line(proc) == (
            "live run: ALSA sequencer: /dev/snd/seq is not there (MIDI without a JACK server needs it); "
            f"load it: sudo modprobe snd-seq (or start a JACK server: {START_JACK})")


def test_an_absent_audio_device_named_without_jack_exits_2_listing_the_devices_found(tmp_path):
    env = _machine(tmp_path, sound_card="null")
    line = _one_line(_live(["run", "steady-beat-100", "--client", "C-1", "--headless", "--audio-device", "USB Audio"],
                           env))
    assert line == ("live run: --audio-device USB Audio: no single output device matching 'USB Audio' with 2 "
                    "channel(s); outputs here: 0: default (ALSA)")


def test_absent_devices_and_ports_named_on_a_jack_server_exit_2_listing_what_is_there(jack_server, tmp_path):
    """--audio-device, --midi-in and --midi-out naming what is not there, with a JACK server and a
    MIDI source and sound module of its own: one line each, listing what was found."""
    from live.engine.jack_midi import JackMidiClient

    server = jack_server
    preset = write_preset(tmp_path / "beat.toml")
    base = ["run", str(preset), "--client", "T1", "--headless", "--db", str(tmp_path / "x.db")]
    with server.activate_environ():
        pad = JackMidiClient("pad-sim")  # pad-sim:out is a MIDI source; pad-sim:in a MIDI input
        try:
            audio = _live([*base, "--audio-device", "no-such-card"], server.env)
            midi_in = _live([*base, "--midi-in", "no-such-pad"], server.env)
            midi_out = _live([*base, "--midi-out", "no-such-module"], server.env)
        finally:
            pad.close()
    line = _one_line(audio)
    assert line.startswith("live run: --audio-device no-such-card: no single output device matching 'no-such-card'")
    assert "system (JACK Audio Connection Kit)" in line
    assert _one_line(midi_in) == ("live run: --midi-in no-such-pad: no MIDI source port's name contains it; "
                                  "MIDI sources here: pad-sim:out")
    line = _one_line(midi_out)
    assert line.startswith("live run: --midi-out no-such-module: no MIDI input port's name contains it; "
                           "MIDI inputs here: ") and "pad-sim:in" in line


def test_devices_exits_0_listing_what_is_missing_with_the_command_for_each(tmp_path):
    """No PortAudio, no sound card, no JACK server (and no ALSA sequencer where the machine has
    none): each is listed, readable and in --json, with its fix."""
    env = _machine(tmp_path, portaudio=False)
    proc = _live(["devices", "--json"], env)
    assert proc.returncode == 0, proc.stderr
    info = json.loads(proc.stdout)
    parts = {m["part"]: m for m in info["missing"]}
    assert parts["PortAudio"]["fix"] == "install it: sudo apt-get install libportaudio2"
    assert parts["JACK server"]["problem"] == ("none is running (live run needs it for audio here, or a sound card "
                                               "PortAudio sees)" if HAS_ALSA_SEQUENCER else
                                               "none is running (live run needs it for audio and MIDI here)")
    assert parts["JACK server"]["fix"] == f"start one: {START_JACK}"
    assert ("ALSA sequencer" in parts) is not HAS_ALSA_SEQUENCER
    assert info["audio"] == {"error": INSTALL_PORTAUDIO}
    readable = _live(["devices"], env)
    assert readable.returncode == 0 and readable.stderr == ""
    lines = readable.stdout.splitlines()
    assert "Audio: PortAudio not available (see Missing)" in lines
    assert f"  {INSTALL_PORTAUDIO}" in lines[lines.index("Missing:"):]

    env = _machine(tmp_path, sound_card="none")
    info = json.loads(_live(["devices", "--json"], env).stdout)
    assert info["audio"]["host_apis"][0] == "ALSA" and info["audio"]["would_use"] is None
    assert [m["part"] for m in info["missing"]][:2] == ["JACK server", "audio output"]


def test_devices_without_jack_shows_portaudios_default_device_and_the_rtmidi_ports(tmp_path):
    env = _machine(tmp_path, sound_card="null")
    proc = _live(["devices", "--json"], env)
    assert proc.returncode == 0, proc.stderr
    info = json.loads(proc.stdout)
    assert info["audio"]["would_use"] == "0: default (ALSA)"
    assert info["midi"]["jack_server"] is False
    if HAS_ALSA_SEQUENCER:
        assert "inputs" in info["midi"]["rtmidi"]
        assert info["midi"]["would_use"].startswith(("python-rtmidi port", "a python-rtmidi virtual port"))
        assert [m["part"] for m in info["missing"]] == ["JACK server"]
        assert info["missing"][0]["problem"].startswith("none is running (optional")
    else:
        assert [m["part"] for m in info["missing"]] == ["JACK server", "ALSA sequencer"]
        assert info["missing"][0]["problem"] == "none is running (live run needs it for MIDI here, or the ALSA sequencer)"
        assert info["midi"]["would_use"] is None
    readable = _live(["devices"], env).stdout
    assert "Would play on: 0: default (ALSA)" in readable and "MIDI: JACK server not running" in readable
    assert "Cannot connect to server" not in readable


def test_devices_on_a_jack_server_finds_nothing_missing(jack_server):
    proc = _live(["devices"], jack_server.env)
    assert proc.returncode == 0, proc.stderr
    assert "Missing: nothing" in proc.stdout.splitlines()
    assert "Would play on: " in proc.stdout and "(JACK Audio Connection Kit)" in proc.stdout


def test_portaudio_failing_to_start_is_tried_again_then_said_in_one_line():
    """PortAudio's initialisation failing (seen here: a JACK server without realtime scheduling,
    on a loaded machine, timed out activating PortAudio's client, and `live run` ended in an
    internal error) is tried once more; failing again, it is a DeviceError that live run and
    live calibrate print as one line. The failure is a stand-in: a healthy server never fails
    this way on demand, and a stopped one makes libjack wait for ever."""
    from live.engine.live_driver import DeviceError, _portaudio_started

    class PortAudioError(Exception):  # sounddevice's, by name: its module may be half-imported
        pass

    calls = []

    def fails_once():
        calls.append(1)
        if len(calls) == 1:
            raise PortAudioError("Error initializing PortAudio: Unanticipated host error [PaErrorCode -9999]")
        return "started"

    assert _portaudio_started(fails_once, pause_s=0) == "started" and len(calls) == 2

    def always_fails():
        raise PortAudioError("Error initializing PortAudio: Unanticipated host error [PaErrorCode -9999]")

    with pytest.raises(DeviceError) as caught:
        _portaudio_started(always_fails, pause_s=0)
    message = str(caught.value)
    assert message.startswith("audio: PortAudio could not start (Error initializing PortAudio: Unanticipated host "
                              "error [PaErrorCode -9999]; tried 2 times)") and "\n" not in message

    def other_error():
        raise ValueError("not PortAudio's")

    with pytest.raises(ValueError, match="not PortAudio's"):
        _portaudio_started(other_error, pause_s=0)
