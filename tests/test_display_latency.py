"""A screen's display latency is remembered per screen: ``live run --display-latency MS`` stores
it, later runs on that screen draw their beat cue that early by default, and ``live devices``
shows it. Real runs on a JACK dummy server with the client screen on SDL's dummy driver."""

import json
import subprocess
import sys

from live_run_helpers import finish, rows, start_live, write_preset


def run_with_screen(server, preset, db, *extra):
    proc = start_live(server, ["run", str(preset), "--client", "T1", "--db", str(db), "--json", "--window", "400x300",
                               *extra])
    code, out, err = finish(proc)
    assert code == 0, err
    return err


def test_display_latency_is_stored_per_screen_and_used_by_later_runs(jack_server_sync, tmp_path):
    server = jack_server_sync
    server.env["SDL_VIDEODRIVER"] = "dummy"
    preset = write_preset(tmp_path / "beat.toml", tempo=120, beats=2)
    db = tmp_path / "live.db"

    err = run_with_screen(server, preset, db, "--display-latency", "25")
    assert "display latency 25 ms (--display-latency, stored for display 0)" in err
    assert "beat cue drawn 25 ms early" in err  # as the screen process itself reports it
    assert rows(db, "SELECT input_path, device, latency_frames, sample_rate FROM calibrations") == [
        ("display", "display 0", 1200, 48000)]

    err = run_with_screen(server, preset, db)  # no --display-latency: the screen's stored one
    assert "display latency 25 ms (stored for display 0 (calibration 1))" in err
    assert "beat cue drawn 25 ms early" in err
    used = [json.loads(c)["display"] for (c,) in rows(db, "SELECT calibration_json FROM runs ORDER BY id")]
    assert used == [{"device": "display 0", "latency_ms": 25.0}] * 2

    devices = [sys.executable, "-m", "live", "devices", "--db", str(db)]
    shown = subprocess.run([*devices, "--json"], capture_output=True, text=True, env=server.env, timeout=60)
    assert json.loads(shown.stdout)["displays"] == [{"device": "display 0", "latency_ms": 25.0}]
    text = subprocess.run(devices, capture_output=True, text=True, env=server.env, timeout=60).stdout
    assert "  display 0: 25 ms" in text


def test_each_screen_has_its_own_display_latency(tmp_path):
    from live.commands.common import display_latency, store_display_latency
    from live.store.store import Store

    with Store.open(tmp_path / "live.db") as store:
        assert display_latency(store, 0, None) == (0.0, "none stored for display 0")
        store_display_latency(store, 0, 25.0, 48000)
        store_display_latency(store, 1, 12.5, 44100)
        store_display_latency(store, 0, 30.0, 48000)  # the newest counts
        assert display_latency(store, 0, None)[0] == 30.0 and display_latency(store, 1, None)[0] == 12.5
        assert display_latency(store, 1, 5.0) == (5.0, "--display-latency, stored for display 1")
        assert [(c["device"], c["latency_frames"], c["sample_rate"]) for c in store.latest_calibrations("display")] == [
            ("display 0", 1440, 48000), ("display 1", 551, 44100)]
