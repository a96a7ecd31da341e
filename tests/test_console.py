"""The therapist's console in a real terminal (tmux), during a real ``live run`` on a JACK dummy
server: the keys change the tempo, mark a moment with a note, and end the session saved."""

import json
import shlex
import subprocess
import sys
import time
import uuid

from live.activities.types import LiveNumber
from live.ui.console import number_line
from live_run_helpers import rows, write_preset


class Tmux:
    """A private tmux server (its own socket) running one command in a 120 x 40 pane."""

    def __init__(self, command: str, env: dict[str, str]):
        self.socket = f"live-test-{uuid.uuid4().hex[:8]}"
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items()
                           if k.startswith(("JACK", "PATH", "HOME", "XDG", "LANG", "LC_")))
        self.tmux("new-session", "-d", "-s", "live", "-x", "120", "-y", "40", f"env {exports} {command}")

    def tmux(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.socket, "-f", "/dev/null", *args], capture_output=True, text=True,
                              check=True, timeout=10).stdout

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "live")

    def wait_for(self, text: str, timeout_s: float = 30) -> str:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            shown = self.screen()
            if text in shown:
                return shown
            time.sleep(0.1)
        raise AssertionError(f"{text!r} not on the console within {timeout_s} s:\n{self.screen()}")

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", "live", *keys)

    def kill(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, timeout=10)


def test_console_keys_change_tempo_mark_a_moment_and_end_the_session_saved(jack_server_sync, tmp_path):
    server = jack_server_sync
    preset = write_preset(tmp_path / "beat.toml", tempo=120, beats=200)
    db, out, rc = tmp_path / "live.db", tmp_path / "out.json", tmp_path / "rc"
    # --json: the result goes to the file, the console to the terminal (never into the JSON);
    # stderr stays on the terminal (the console replaces its lines while it runs).
    command = (f"{shlex.quote(sys.executable)} -m live run {preset} --client T1 --db {db} --headless --json "
               f"> {out}; echo $? > {rc}; sleep 60")
    pane = Tmux(command, server.env)
    try:
        shown = pane.wait_for("Beats  4 / 200")
        assert "Tempo  120.0 BPM" in shown and "client T1" in shown and "audio: JACK" in shown
        assert "client screen: none (--headless)" in shown and "Keys  space start/stop" in shown
        pane.keys("Up")
        pane.keys("Up")
        pane.wait_for("Tempo  124.0 BPM", timeout_s=10)
        pane.keys("m")
        pane.wait_for("Note for the marked moment")
        pane.keys("-l", "reached for the far pad")
        pane.keys("Enter")
        pane.wait_for("marked at")
        pane.keys("Down")
        pane.wait_for("Tempo  122.0 BPM", timeout_s=10)
        pane.keys("Space")  # stop: the run ends, scored on the beats played
        pane.wait_for("[stopped]", timeout_s=10)
        pane.keys("Space")  # start: no other preset planned, so this one again
        pane.wait_for("(run 2; 0 more planned)  [playing]", timeout_s=10)
        pane.wait_for("Beats  2 / 200")
        pane.keys("q")
        deadline = time.monotonic() + 30
        while not rc.exists() or not rc.read_text().strip():
            assert time.monotonic() < deadline, pane.screen()
            time.sleep(0.1)
        after = pane.screen()  # the terminal once the console has closed: stderr's last lines
    finally:
        pane.kill()
    assert rc.read_text().strip() == "0", after
    assert "saved in" in after and "ended by the therapist at the console" in after, after
    result = json.loads(out.read_text())  # stdout holds exactly the JSON object
    assert result["session_id"]
    assert rows(db, "SELECT status FROM sessions") == [("complete",)]
    assert rows(db, "SELECT preset_name, status FROM runs ORDER BY position") == [("beat", "complete")] * 2
    controls = rows(db, "SELECT action, value, effect FROM controls ORDER BY frame")
    assert [(a, v) for a, v, _ in controls] == [("tempo_up", 2.0), ("tempo_up", 2.0), ("tempo_down", 2.0),
                                                ("start_stop", None)]
    assert controls[0][2].startswith("tempo 120 -> 122 BPM from beat")
    [(text, frame, run_id)] = rows(db, "SELECT text, frame, run_id FROM notes")
    (start, end, rid), _ = rows(db, "SELECT start_frame, end_frame, id FROM runs ORDER BY position")
    assert text == "reached for the far pad" and run_id == rid and start < frame < end
    beats = [r["summary"]["n_beats"] for r in result["runs"]]
    assert 4 <= beats[0] < 60 and 2 <= beats[1] < 30  # each ended early, scored on the beats played


def test_console_shows_each_live_number_as_label_value_and_unit():
    assert number_line(LiveNumber("Tempo", 120.0, "BPM", ".1f")) == "Tempo  120.0 BPM"
    assert number_line(LiveNumber("Mean asynchrony", -12.25, "ms", "+.1f")) == "Mean asynchrony  -12.2 ms"
    assert number_line(LiveNumber("Beats", "4 / 200")) == "Beats  4 / 200"
    assert number_line(LiveNumber("Hit rate", None, "", ".2f")) == "Hit rate  -"
