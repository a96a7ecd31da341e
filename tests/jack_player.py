"""Play ``--count`` impulses of 1.0, exactly ``--period`` frames apart, on a JACK output port.

Run as a subprocess with ``JackServer.env`` (``jackutil.start_player`` does); the process
contract (``ready``, ending, ``--name``/``--seconds``) is jack_harness_base.py's. The client
(``--name``, port ``out_1``) counts the frames of its process callback; once its port gets its
first connection it waits ``--delay`` seconds, then writes one sample of 1.0 every ``--period``
frames (all other samples 0.0), ``--count`` times, then ends (also after ``--seconds``). It
prints one JSON object on stdout:

    impulse_frames   absolute JACK frame (``last_frame_time`` + offset in block) of each impulse
    period, count, emitted, sample_rate, blocksize, xruns, connected
    gaps             discontinuities in this client's own frame times (a missed cycle): then
                     its frame counter and the JACK frame time disagree
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from jack_harness_base import (ClientWatch, harness_parser, open_client, poll, print_result,
                               ready_and_watch_stdin, stop_on_signals, unwrap_frames)


def parse_args(argv=None) -> argparse.Namespace:
    p = harness_parser(__doc__, name="player", seconds=10.0)
    p.add_argument("--period", type=int, default=4800, help="frames between impulses")
    p.add_argument("--count", type=int, default=10, help="number of impulses")
    p.add_argument("--delay", type=float, default=0.05,
                   help="seconds from the first connection to the first impulse")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.period < 1 or args.count < 0:
        print("jack_player: --period must be >= 1 and --count >= 0", file=sys.stderr)
        return 2
    stop = stop_on_signals()
    client = open_client(args.name)
    rate = client.samplerate
    delay_frames = int(round(args.delay * rate))
    port = client.outports.register("out_1")
    watch = ClientWatch(client, port)
    impulse_frames = np.zeros(max(args.count, 1), dtype=np.int64)

    class S:
        counter = 0          # frames processed by this callback since activation
        next_at = -1         # counter value of the next impulse; -1: not armed yet
        emitted = 0
        expect_time = -1     # JACK frame time expected at the next callback
        gaps = 0

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
        if S.next_at < 0 and watch.connected:
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

    def done() -> bool:
        """The last impulse is written, and a few blocks after it for it to be heard."""
        last_at = S.next_at - period  # counter value of the last impulse written
        return S.emitted >= count and S.next_at >= 0 and S.counter >= last_at + 4 * client.blocksize

    with client:
        ready_and_watch_stdin(stop)
        poll(done, args.seconds, stop, interval_s=0.005)
        emitted = S.emitted
        xruns, gaps, blocksize = watch.xruns, S.gaps, client.blocksize
    print_result({
        "impulse_frames": unwrap_frames(impulse_frames[:emitted]).tolist(),
        "period": period,
        "count": count,
        "emitted": emitted,
        "sample_rate": rate,
        "blocksize": blocksize,
        "xruns": xruns,
        "gaps": gaps,
        "connected": watch.connected,
    })
    return 0


if __name__ == "__main__":
    sys.exit(main())
