"""Engine process for the JACK tests and benchmarks: the sampler callback on PortAudio's JACK
host API, clicks queued by a look-ahead loop, optionally with a busy pure-Python thread in the
process.

Run with the JACK server's environment. Prints ``ready`` on stderr once the stream runs, waits
for a line (or end of file) on stdin, plays, and prints one JSON object on stdout.

Clicks (default; the smoke test and the soak benchmark): ``--clicks`` clicks ``--spacing-frames``
apart, the first 24000 frames after *go*, queued ``--lookahead-frames`` ahead by a loop that
wakes every 10 ms. JSON: ``planned`` (engine frames), ``stats`` (the callback's counters),
``busy_iterations``, ``wall_s`` (go to the last click + 9600 frames played), ``callback``
(from the callback's own block rows, drained every 10 ms: ``blocks``, ``rows_lost``,
``duration_us_p999`` and ``duration_us_max`` (time inside the callback),
``start_interval_us_max`` and ``start_intervals_over_2_periods`` (CLOCK_MONOTONIC between
callback entries: how late the cycle reached the engine)).

Load (``--voices N``; the callback-load benchmark): no clicks; N voices of a long quiet tone,
each from its own place in the bank, start together 4800 frames after *go* and sound for the
whole ``--seconds`` (they are longer than that). The main thread drains
``SamplerState.take_rows()`` (one row per callback, ``R_*`` columns of live.engine.sampler,
``R_DURATION_NS`` = time inside the callback on CLOCK_MONOTONIC) every 10 ms and, with
``--rows-out FILE.npy``, saves them all (int64, one row per block) at the end. JSON: ``voices``,
``first_frame`` (rows from this frame on had every voice sounding), ``voices_sounding_at_end``,
``rows``, ``stats``, ``busy_iterations``, ``wall_s``.
"""

import argparse
import json
import sys
import threading
import time

import numpy as np

from live.engine.bank import Bank, default_bank
from live.engine.engine import Engine
from live.engine.events import ScheduledSound
from live.engine.live_driver import LiveDriver
from live.engine.layout import R_DURATION_NS, R_FRAME, R_HOST_NS, V_ACTIVE
from live.engine.sampler import SamplerState

SR = 48000


def busy(stop: threading.Event, counter: list) -> None:
    """Pure Python that holds the GIL as much as the interpreter lets it."""
    while not stop.is_set():
        x = 0
        for i in range(2000):
            x += i * i
        counter[0] += 1


def load_bank(voices: int, seconds: float) -> tuple[Bank, int, int]:
    """The default sounds plus ``drone``: a 220 Hz tone long enough for ``voices`` voices, each
    starting ``stagger`` frames further into it, to sound ``seconds`` + 3 s. Returns (bank,
    voice length, stagger)."""
    length = int((seconds + 3.0) * SR)
    stagger = 997  # frames: every voice reads its own part of the bank
    t = np.arange(length + voices * stagger) / SR
    sounds = {name: default_bank(SR).samples(name) for name in default_bank(SR).slices}
    sounds["drone"] = (0.01 * np.cos(2 * np.pi * 220.0 * t)).astype(np.float32)
    return Bank(sounds, sample_rate=SR), length, stagger


def run_load(args, driver: LiveDriver, state: SamplerState, bank: Bank, length: int, stagger: int,
             stop: threading.Event, counter: list) -> dict:
    drone = bank["drone"]
    first = state.frame + 4800
    for v in range(args.voices):
        # --releasing: each voice's release (a note-off's fade) spans its whole length, so every
        # sample goes through the mixer's fade-and-release path: the sustained notes' worst case.
        release = {"end_frame": first, "release_frames": length, "key": v} if args.releasing else {}
        state.push(frame=first, bank_start=drone.start_frame + v * stagger, length_frames=length, gain=0.5,
                   **release)
    end = first + int(round(args.seconds * SR))
    rows = []
    t0 = time.monotonic()
    while state.frame < end:
        time.sleep(0.01)
        rows.append(state.take_rows())
    sounding = int(state.voices[:, V_ACTIVE].sum())
    wall_s = time.monotonic() - t0
    stop.set()
    driver.stop()
    rows.append(state.take_rows())
    rows = np.concatenate(rows)
    if args.rows_out:
        np.save(args.rows_out, rows)
    return {"voices": args.voices, "first_frame": first, "voices_sounding_at_end": sounding,
            "rows": int(rows.shape[0]), "wall_s": wall_s}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--name", default="live")
    ap.add_argument("--clicks", type=int, default=100)
    ap.add_argument("--spacing-frames", type=int, default=4801)
    ap.add_argument("--lookahead-frames", type=int, default=4800)
    ap.add_argument("--busy", action="store_true")
    ap.add_argument("--voices", type=int, default=0,
                    help="load mode: this many voices sounding for --seconds, no clicks")
    ap.add_argument("--seconds", type=float, default=20.0, help="load mode: seconds to measure")
    ap.add_argument("--rows-out", metavar="FILE.npy", help="load mode: save the callback's block rows")
    ap.add_argument("--releasing", action="store_true",
                    help="load mode: every voice releasing (a linear fade) for the whole measure")
    args = ap.parse_args()

    if args.voices:
        bank, length, stagger = load_bank(args.voices, args.seconds)
        state = SamplerState(bank, channels=2, n_voices=max(256, args.voices))
    else:
        bank = default_bank(SR)
        state = SamplerState(bank, channels=2)
    driver = LiveDriver(state, sample_rate=SR, jack_client_name=args.name)
    engine = Engine(driver, bank)
    driver.start()
    print("ready", file=sys.stderr, flush=True)
    sys.stdin.readline()

    stop, counter = threading.Event(), [0]
    worker = threading.Thread(target=busy, args=(stop, counter), daemon=True)
    if args.busy:
        worker.start()
    if args.voices:
        out = run_load(args, driver, state, bank, length, stagger, stop, counter)
        out.update(stats=engine.stats(), busy_iterations=counter[0])
        driver.close()
        print(json.dumps(out), flush=True)
        return 0

    t0 = time.monotonic()
    state.take_rows()  # the callback's rows from here on are this run's
    rows = []
    first = engine.frame + 24000
    planned = [first + k * args.spacing_frames for k in range(args.clicks)]
    queue = list(planned)
    while queue:  # the look-ahead scheduler: wake every 10 ms, queue what is due within 100 ms
        now = engine.frame
        while queue and queue[0] < now + args.lookahead_frames:
            engine.schedule(ScheduledSound(queue.pop(0), "click"))
        rows.append(state.take_rows())
        time.sleep(0.01)
    while engine.frame < planned[-1] + 9600:
        rows.append(state.take_rows())
        time.sleep(0.01)
    wall_s = time.monotonic() - t0
    stop.set()
    stats = engine.stats()
    driver.close()
    rows.append(state.take_rows())
    print(json.dumps({"planned": planned, "stats": stats, "busy_iterations": counter[0], "wall_s": wall_s,
                      "callback": row_summary(np.concatenate(rows))}), flush=True)
    return 0


def row_summary(rows: np.ndarray) -> dict:
    """What the callback's own rows say: how long it ran, how regularly it was called."""
    if rows.shape[0] < 2:
        return {"blocks": int(rows.shape[0])}
    steps = np.diff(rows[:, R_FRAME])
    block = int(np.median(steps))
    dur_us = rows[:, R_DURATION_NS] / 1000
    start_us = np.diff(rows[:, R_HOST_NS]) / 1000
    return {"blocks": int(rows.shape[0]), "rows_lost": int((steps != block).sum()),
            "duration_us_p999": float(np.quantile(dur_us, 0.999)), "duration_us_max": float(dur_us.max()),
            "start_interval_us_max": float(start_us.max()),
            "start_intervals_over_2_periods": int((start_us > 2e6 * block / SR).sum())}


if __name__ == "__main__":
    raise SystemExit(main())
