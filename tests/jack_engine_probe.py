"""Engine process for the JACK tests: the sampler callback on PortAudio's JACK host API,
clicks queued by a look-ahead loop, optionally with a busy pure-Python thread in the process.

Run with the JACK server's environment. Prints ``ready`` on stderr once the stream runs, waits
for a line on stdin (the recorder is connected), plays, and prints one JSON object on stdout.
"""

import argparse
import json
import sys
import threading
import time

from live.engine.bank import default_bank
from live.engine.engine import Engine
from live.engine.events import ScheduledSound
from live.engine.live_driver import LiveDriver
from live.engine.sampler import SamplerState


def busy(stop: threading.Event, counter: list) -> None:
    """Pure Python that holds the GIL as much as the interpreter lets it."""
    while not stop.is_set():
        x = 0
        for i in range(2000):
            x += i * i
        counter[0] += 1


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--name", default="live")
    ap.add_argument("--clicks", type=int, default=100)
    ap.add_argument("--spacing-frames", type=int, default=4801)
    ap.add_argument("--lookahead-frames", type=int, default=4800)
    ap.add_argument("--busy", action="store_true")
    args = ap.parse_args()

    bank = default_bank(48000)
    state = SamplerState(bank, channels=2)
    driver = LiveDriver(state, sample_rate=48000, jack_client_name=args.name)
    engine = Engine(driver, bank)
    driver.start()
    print("ready", file=sys.stderr, flush=True)
    sys.stdin.readline()

    stop, counter = threading.Event(), [0]
    worker = threading.Thread(target=busy, args=(stop, counter), daemon=True)
    if args.busy:
        worker.start()
    first = engine.frame + 24000
    planned = [first + k * args.spacing_frames for k in range(args.clicks)]
    queue = list(planned)
    while queue:  # the look-ahead scheduler: wake every 10 ms, queue what is due within 100 ms
        now = engine.frame
        while queue and queue[0] < now + args.lookahead_frames:
            engine.schedule(ScheduledSound(queue.pop(0), "click"))
        time.sleep(0.01)
    while engine.frame < planned[-1] + 9600:
        time.sleep(0.01)
    stop.set()
    stats = engine.stats()
    driver.close()
    print(json.dumps({"planned": planned, "stats": stats, "busy_iterations": counter[0]}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
