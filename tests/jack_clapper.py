"""Play a sound (``--wave``, a .npy of float samples) on a JACK output port at given times.

Run as a subprocess with ``JackServer.env`` (``jackutil.start_clapper`` does); the process
contract (``ready``, ending, ``--name``/``--seconds``) is jack_harness_base.py's. The client
(``--name``, port ``out_1``) plays the sound from each of ``--at`` (seconds after its port's
first connection, comma separated, increasing), overlapping sounds summed, then ends (also after
``--seconds``). The sound is anything: a clap played 25 times (tests/test_live_mic.py), a whole
sung phrase played once at 0 (tests/test_voice_live.py). It prints one JSON object on stdout:

    onset_frames   absolute JACK frame (``last_frame_time`` + offset in block) of each sound's
                   first sample, for those started
    sample_rate, blocksize, xruns, gaps (discontinuities in its own frame times)
"""

from __future__ import annotations

import sys

import numpy as np

from jack_harness_base import (ClientWatch, harness_parser, open_client, poll, print_result,
                               ready_and_watch_stdin, stop_on_signals, unwrap_frames)


def main(argv=None) -> int:
    p = harness_parser(__doc__, name="clapper", seconds=20.0)
    p.add_argument("--wave", required=True, help=".npy file of the sound's samples (float, full scale 1.0)")
    p.add_argument("--at", required=True, help="seconds after the first connection, comma separated, increasing")
    args = p.parse_args(argv)
    wave = np.load(args.wave).astype(np.float32).reshape(-1)
    at_s = [float(t) for t in args.at.split(",")]
    stop = stop_on_signals()
    client = open_client(args.name)
    rate = client.samplerate
    offsets = [int(round(t * rate)) for t in at_s]
    port = client.outports.register("out_1")
    watch = ClientWatch(client, port)
    onset_frames = np.zeros(len(offsets), dtype=np.int64)

    class S:
        counter = 0          # frames processed since activation
        start = -1           # counter value at which offsets count from; -1: not connected yet
        started = 0          # sounds whose first sample has been written
        expect_time = -1
        gaps = 0

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
        if S.start < 0 and watch.connected:
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

    def done() -> bool:
        """The last sound is written, and a few blocks after it."""
        return S.start >= 0 and S.counter >= S.start + offsets[-1] + wave.size + 4 * client.blocksize

    with client:
        ready_and_watch_stdin(stop)
        poll(done, args.seconds, stop, interval_s=0.005)
        started, xruns, gaps, blocksize = S.started, watch.xruns, S.gaps, client.blocksize
    print_result({"onset_frames": unwrap_frames(onset_frames[:started]).tolist(), "sample_rate": rate,
                  "blocksize": blocksize, "xruns": xruns, "gaps": gaps})
    return 0


if __name__ == "__main__":
    sys.exit(main())
