"""The client touchscreen: host-time stamping error, and click delivery while the UI redraws.

``touch_stamp`` (``python -m benchmarks touch_stamp``, ~30 s): the screen's own loop
(:func:`live.ui.touch.serve`: 1 kHz polling, a redraw every 1/60 s) runs in a fresh process on
SDL's dummy driver and on a real X window (Xvfb, 1024x768 full screen), with a 4-pad layout and
a beat cue every 0.5 s; a thread posts FINGERDOWN events at random moments (5-40 ms apart), noting
``time.perf_counter_ns()`` just before each post. Error = the stamp the screen gave the touch
minus that moment: what a touch's timestamp loses between SDL having the event and the screen
stamping it (polling interval + any redraw in the way). Target: well under one display frame
(16.7 ms at 60 Hz).

``touch_delivery`` (``python -m benchmarks touch_delivery``, ~80 s): a real ``live run`` (not
headless) on a private synchronous JACK dummy server (64-frame periods) with its client screen
as a full-screen X window under Xvfb redrawing at 60 fps and receiving the cue stream, while
xdotool clicks a pad twice a second (SDL_MOUSE_TOUCH_EVENTS=1: touches, stored as inputs; the
preset turns hit feedback off so no pad sound masks a click). A JACK-Client recorder
(``tests/jack_recorder.py``) records ``live:``'s output: clicks delivered on their planned
frames / scheduled (target 1.000), beside the engine's own missed cycles, late and dropped
commands.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

STAMP_EVENTS = 1500


def _stamp_child(n_events: int) -> dict:
    """Runs in a fresh process (SDL's driver comes from the environment)."""
    import queue
    import random
    import threading

    import numpy as np
    import pygame

    from live.config.screen import ScreenLayout, grid_pads
    from live.ui.touch import TouchScreen, serve

    size = None if os.environ.get("SDL_VIDEODRIVER") != "dummy" else (1024, 768)
    screen = TouchScreen(size=size)
    screen.set_layout(ScreenLayout("grid", grid_pads(4)))
    t0 = time.perf_counter_ns()
    screen.add_cues([(k, t0 + k * 500_000_000, k % 4 == 0) for k in range(200)])
    posted, got, inbox = [], [], queue.SimpleQueue()
    draws, polls = [], [0]
    draw, poll = screen.draw, screen.poll

    def timed_draw(now_ns):
        start = time.perf_counter_ns()
        draw(now_ns)
        draws.append(time.perf_counter_ns() - start)

    def counted_poll():
        polls[0] += 1
        return poll()

    screen.draw, screen.poll = timed_draw, counted_poll
    rng = random.Random(5)

    def poster():
        time.sleep(0.3)
        for k in range(n_events):
            time.sleep(rng.uniform(0.005, 0.040))
            x, y = rng.choice([(0.25, 0.25), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75)])
            ev = pygame.event.Event(pygame.FINGERDOWN, touch_id=3, finger_id=k, x=x, y=y, dx=0.0, dy=0.0,
                                    pressure=0.8)
            posted.append(time.perf_counter_ns())
            pygame.event.post(ev)
        time.sleep(0.2)
        inbox.put({"quit": True})

    thread = threading.Thread(target=poster)
    start = time.perf_counter()
    thread.start()
    serve(screen, fps=60, poll_hz=1000, inbox=inbox, send=lambda m: got.append(m["touch"]) if "touch" in m else None)
    wall = time.perf_counter() - start
    thread.join()
    screen.close()
    err_ms = (np.array([ns for _, _, ns in got]) - np.array(posted[: len(got)])) / 1e6
    d = np.array(draws) / 1e6
    return {"events": len(posted), "touches": len(got), "mean": float(err_ms.mean()),
            "p50": float(np.percentile(err_ms, 50)), "p95": float(np.percentile(err_ms, 95)),
            "p99": float(np.percentile(err_ms, 99)), "max": float(err_ms.max()), "min": float(err_ms.min()),
            "fps": len(draws) / wall, "poll_hz": polls[0] / wall, "draw_ms_p50": float(np.median(d)),
            "draw_ms_max": float(d.max()), "size": list(screen.size)}


def _stamp_run(env: dict) -> dict:
    proc = subprocess.run([sys.executable, "-m", "benchmarks.touch", "stamp-child", str(STAMP_EVENTS)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-2000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_stamp() -> list[str]:
    from xvfbutil import Xvfb

    base = dict(os.environ, PYGAME_HIDE_SUPPORT_PROMPT="1")
    results = [("SDL dummy driver, 1024x768 window", _stamp_run(dict(base, SDL_VIDEODRIVER="dummy")))]
    with Xvfb() as x:
        results.append(("X11 under Xvfb, full screen", _stamp_run(dict(x.env, PYGAME_HIDE_SUPPORT_PROMPT="1"))))
    lines = ["| video driver | touches / posted | stamp error mean / p50 / p95 / p99 / max (ms) | redraws / s "
             "| polls / s | redraw time p50 / max (ms) | target |", "|---|---|---|---|---|---|---|"]
    for label, r in results:
        lines.append(f"| {label} | {r['touches']} / {r['events']} | {r['mean']:.2f} / {r['p50']:.2f} / {r['p95']:.2f} "
                     f"/ {r['p99']:.2f} / {r['max']:.2f} | {r['fps']:.1f} | {r['poll_hz']:.0f} "
                     f"| {r['draw_ms_p50']:.2f} / {r['draw_ms_max']:.2f} | << 16.7 ms |")
    lines += ["", f"Load average after: {os.getloadavg()[0]:.2f}"]
    return lines


PRESET = """schema = 1
activity = "entrainment"
title = "Delivery under a redrawing screen"
goal = "Benchmark"

[params]
tempo_bpm = 120
count_in_beats = 0
beats = {beats}

[screen]
pads = 4
feedback = false
"""


def run_delivery(seconds: float = 60.0) -> list[str]:
    from jackutil import JackServer, start_recorder
    from live_run_helpers import click_offset, rows, start_live
    from xvfbutil import Xvfb

    beats = int(seconds * 2)
    with tempfile.TemporaryDirectory() as tmp, Xvfb() as x, JackServer(sync=True) as server:
        preset = Path(tmp) / "redraw.toml"
        preset.write_text(PRESET.format(beats=beats))
        db = Path(tmp) / "live.db"
        server.env.update(x.env, SDL_MOUSE_TOUCH_EVENTS="1", PYGAME_HIDE_SUPPORT_PROMPT="1")
        server.env.pop("SDL_VIDEODRIVER", None)
        argv = ["run", str(preset), "--client", "B1", "--db", str(db), "--json"]
        proc = start_live(server, argv)
        with start_recorder(server, "live:", seconds=seconds + 15, threshold=0.01, name="rec") as rec:
            rec.wait_ready()
            clicks_sent = 0
            while proc.poll() is None:
                x.xdotool("mousemove", "256", "192", "click", "1", check=False)
                clicks_sent += 1
                time.sleep(0.5)
            out, err = proc.communicate(timeout=60)
            recorded = rec.result(timeout_s=60, close_stdin=True)
        if proc.returncode != 0:
            raise RuntimeError(err[-2000:])
        clicks = [f for (f,) in rows(db, "SELECT frame FROM events WHERE kind = 'sound' ORDER BY frame")]
        touches = rows(db, "SELECT count(*) FROM events WHERE kind = 'input' AND source = 'touch'")[0][0]
        onsets = recorded["onset_frames"]
        offset, heard = click_offset(clicks, onsets)
        expected = [f for f in clicks if f + offset >= onsets[0]]
        engine = json.loads(out)["engine"]
        xruns = len(server.xrun_messages())
    return [
        "| live run with its client screen (Xvfb, 60 fps redraw, xdotool clicks at 2 Hz) | clicks delivered / scheduled "
        "| engine missed cycles / late / dropped | touches stored / clicks sent | jackd xrun messages | target |",
        "|---|---|---|---|---|---|",
        f"| {seconds:g} s at 120 BPM, 64-frame periods (jackd -S dummy) | {heard} / {len(expected)} = "
        f"{heard / len(expected):.3f} | {engine['missed_cycles']} / {engine['late']} / {engine['dropped']} "
        f"| {touches} / {clicks_sent} | {xruns} | 1.000 |",
        "", f"Recorder gaps {recorded['gaps']}; load average after: {os.getloadavg()[0]:.2f}",
    ]


if __name__ == "__main__" and sys.argv[1:2] == ["stamp-child"]:
    print(json.dumps(_stamp_child(int(sys.argv[2]))))
