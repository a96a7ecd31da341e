"""Play ``--count`` impulses of 1.0, exactly ``--period`` frames apart, on a JACK output port.

Run as a subprocess with ``JackServer.env`` (``jackutil.start_player`` does). The client
(``--name``, port ``out_1``) prints ``ready`` on stderr once active. It counts the frames of its
process callback; once its port gets its first connection it waits ``--delay`` seconds, then
writes one sample of 1.0 every ``--period`` frames (all other samples 0.0), ``--count`` times,
then ends. It also ends after ``--seconds``, on SIGTERM/SIGINT, or when stdin (if a pipe) closes.
It prints one JSON object on stdout:

    impulse_frames   absolute JACK frame (``last_frame_time`` + offset in block) of each impulse
    period, count, emitted, sample_rate, blocksize, xruns
    gaps             discontinuities in this client's own frame times (a missed cycle): then
                     its frame counter and the JACK frame time disagree
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import stat
import sys
import threading
import time

import numpy as np

import jack


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--name", default="player")
    p.add_argument("--period", type=int, default=4800, help="frames between impulses")
    p.add_argument("--count", type=int, default=10, help="number of impulses")
    p.add_argument("--delay", type=float, default=0.05,
                   help="seconds from the first connection to the first impulse")
    p.add_argument("--seconds", type=float, default=10.0, help="end after this long at most")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.period < 1 or args.count < 0:
        print("jack_player: --period must be >= 1 and --count >= 0", file=sys.stderr)
        return 2
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    signal.signal(signal.SIGINT, lambda *a: stop.set())

    client = jack.Client(args.name, no_start_server=True)
    rate = client.samplerate
    delay_frames = int(round(args.delay * rate))
    port = client.outports.register("out_1")
    impulse_frames = np.zeros(max(args.count, 1), dtype=np.int64)

    class S:
        counter = 0          # frames processed by this callback since activation
        connected = False    # set from the notification thread
        next_at = -1         # counter value of the next impulse; -1: not armed yet
        emitted = 0
        expect_time = -1     # JACK frame time expected at the next callback
        gaps = 0
        xruns = 0

    count, period = args.count, args.period

    @client.set_process_callback
    def process(frames):
        """Zero the block; write the impulses that fall in it; count frames.

        Realtime-safe: no (Python in JACK's realtime thread, takes the GIL); kept minimal.
        """
        out = port.get_array()
        out.fill(0.0)
        t = client.last_frame_time
        if S.expect_time >= 0 and t != S.expect_time:
            S.gaps += 1
        S.expect_time = (t + frames) & 0xFFFFFFFF
        c = S.counter
        if S.next_at < 0 and S.connected:
            S.next_at = c + delay_frames
        nxt = S.next_at
        if nxt >= 0:
            end = c + frames
            while nxt < end and S.emitted < count:
                out[nxt - c] = 1.0
                impulse_frames[S.emitted] = t + (nxt - c)
                S.emitted += 1
                nxt += period
            S.next_at = nxt
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
        if _stdin_is_pipe():
            def watch_stdin():
                # os.read, not sys.stdin: a daemon thread blocked in a buffered read aborts
                # the interpreter at exit ("could not acquire lock ... <stdin>").
                try:
                    while os.read(0, 65536):
                        pass
                except OSError:
                    pass
                finally:
                    stop.set()
            threading.Thread(target=watch_stdin, daemon=True).start()
        deadline = time.monotonic() + args.seconds
        while not stop.is_set() and time.monotonic() < deadline:
            last_at = S.next_at - period  # counter value of the last impulse written
            done = S.emitted >= count and S.next_at >= 0
            if done and S.counter >= last_at + 4 * client.blocksize:
                break  # last impulse written, and a few blocks after it for it to be heard
            stop.wait(0.005)
        emitted = S.emitted
        xruns, gaps, blocksize = S.xruns, S.gaps, client.blocksize
    frames = impulse_frames[:emitted]
    first = int(frames[0]) if emitted else 0
    frames = first + ((frames - first) % (1 << 32))  # unwrap the 32-bit JACK frame time
    print(json.dumps({
        "impulse_frames": frames.tolist(),
        "period": period,
        "count": count,
        "emitted": emitted,
        "sample_rate": rate,
        "blocksize": blocksize,
        "xruns": xruns,
        "gaps": gaps,
        "connected": S.connected,
    }), flush=True)
    return 0


def _stdin_is_pipe() -> bool:
    try:
        return stat.S_ISFIFO(os.fstat(sys.stdin.fileno()).st_mode)
    except (OSError, ValueError, AttributeError):
        return False


if __name__ == "__main__":
    sys.exit(main())
