"""Play a sound (``--wave``, a .npy of float samples) on a JACK output port at given times.

Run as a subprocess with ``JackServer.env`` (through ``jackutil.JackClientProcess``). The client
(``--name``, port ``out_1``) prints ``ready`` on stderr once active. Once its port gets its first
connection it plays the sound from each of ``--at`` (seconds after that connection, comma
separated, increasing), overlapping sounds summed, then ends (also after ``--seconds``, on
SIGTERM/SIGINT). It prints one JSON object on stdout:

    onset_frames   absolute JACK frame (``last_frame_time`` + offset in block) of each sound's
                   first sample, for those started
    sample_rate, blocksize, xruns, gaps (discontinuities in its own frame times)
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time

import numpy as np

import jack


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--name", default="clapper")
    p.add_argument("--wave", required=True, help=".npy file of the sound's samples (float, full scale 1.0)")
    p.add_argument("--at", required=True, help="seconds after the first connection, comma separated, increasing")
    p.add_argument("--seconds", type=float, default=20.0, help="end after this long at most")
    args = p.parse_args(argv)
    wave = np.load(args.wave).astype(np.float32).reshape(-1)
    at_s = [float(t) for t in args.at.split(",")]
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    signal.signal(signal.SIGINT, lambda *a: stop.set())
    client = jack.Client(args.name, no_start_server=True)
    rate = client.samplerate
    offsets = [int(round(t * rate)) for t in at_s]
    port = client.outports.register("out_1")
    onset_frames = np.zeros(len(offsets), dtype=np.int64)

    class S:
        counter = 0          # frames processed since activation
        connected = False
        start = -1           # counter value at which offsets count from; -1: not connected yet
        started = 0          # sounds whose first sample has been written
        expect_time = -1
        gaps = 0
        xruns = 0

    @client.set_process_callback
    def process(frames):
        """Write the sounds' samples that fall in this block (Python in JACK's thread; minimal)."""
        out = port.get_array()
        out.fill(0.0)
        t = client.last_frame_time
        if S.expect_time >= 0 and t != S.expect_time:
            S.gaps += 1
        S.expect_time = (t + frames) & 0xFFFFFFFF
        c = S.counter
        if S.start < 0 and S.connected:
            S.start = c
        if S.start >= 0:
            for k, off in enumerate(offsets):
                first = S.start + off  # counter value of the sound's first sample
                lo, hi = max(first, c), min(first + wave.size, c + frames)
                if hi > lo:
                    out[lo - c: hi - c] += wave[lo - first: hi - first]
                    if lo == first:
                        onset_frames[k] = t + (first - c)
                        S.started = k + 1
        S.counter = c + frames

    @client.set_port_connect_callback
    def on_connect(a, b, connect):
        if connect and port in (a, b):
            S.connected = True

    @client.set_xrun_callback
    def on_xrun(delayed_usecs):
        S.xruns += 1

    with client:
        print("ready", file=sys.stderr, flush=True)
        deadline = time.monotonic() + args.seconds
        while not stop.is_set() and time.monotonic() < deadline:
            if S.start >= 0 and S.counter >= S.start + offsets[-1] + wave.size + 4 * client.blocksize:
                break
            stop.wait(0.005)
        started, xruns, gaps, blocksize = S.started, S.xruns, S.gaps, client.blocksize
    frames = onset_frames[:started]
    first = int(frames[0]) if started else 0
    frames = first + ((frames - first) % (1 << 32))  # unwrap the 32-bit JACK frame time
    print(json.dumps({"onset_frames": frames.tolist(), "sample_rate": rate, "blocksize": blocksize,
                      "xruns": xruns, "gaps": gaps}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
