"""Receive JACK MIDI and report every event's absolute JACK frame, as JSON (harness self-test).

Run as a subprocess with ``JackServer.env``::

    python tests/jack_midi_receiver.py [--name live-midi] [--port in] [--seconds 30]

It registers a client (``--name``; default ``live-midi``, so its port is ``live-midi:in``
like the engine's) with one MIDI input port, prints ``ready`` on stderr once active, and in its
process callback stamps each event with ``client.last_frame_time`` + the event's offset in the
cycle. It ends after ``--seconds``, on SIGTERM/SIGINT, or when stdin (if a pipe) closes, and
prints one JSON object on stdout:

    received    [[frame, byte0, byte1, ...], ...] in arrival order
    xruns, gaps (discontinuities in this client's frame times), lost (events JACK reported
    lost on the port), overflow (events beyond the buffer, not stored), sample_rate, period

Frames are unwrapped from the first cycle like the harness's, so both report JACK's own frame
numbers until the 32-bit counter wraps.
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

MASK = (1 << 32) - 1
MAX_EVENTS = 65536
MAX_BYTES = 4  # longer messages (SysEx) are stored truncated, with their length


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--name", default="live-midi")
    p.add_argument("--port", default="in")
    p.add_argument("--seconds", type=float, default=30.0)
    args = p.parse_args(argv)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    signal.signal(signal.SIGINT, lambda *a: stop.set())

    client = jack.Client(args.name, no_start_server=True)
    port = client.midi_inports.register(args.port)
    frames_ = np.zeros(MAX_EVENTS, dtype=np.int64)
    data = np.zeros((MAX_EVENTS, MAX_BYTES), dtype=np.uint8)
    sizes = np.zeros(MAX_EVENTS, dtype=np.int64)

    class S:
        t0_raw = -1
        expect = -1
        n = 0
        gaps = 0
        overflow = 0
        lost = 0
        xruns = 0

    @client.set_process_callback
    def process(nframes):
        """Stamp and store every incoming event. Realtime-safe: no (Python); kept minimal."""
        raw_t = client.last_frame_time
        if S.t0_raw < 0:
            S.t0_raw = raw_t
        t = S.t0_raw + ((raw_t - S.t0_raw) & MASK)
        if S.expect >= 0 and t != S.expect:
            S.gaps += 1
        S.expect = t + nframes
        n = S.n
        for offset, buf in port.incoming_midi_events():
            if n >= MAX_EVENTS:
                S.overflow += 1
                continue
            b = bytes(buf)
            frames_[n] = t + offset
            sizes[n] = len(b)
            m = min(len(b), MAX_BYTES)
            data[n, :m] = np.frombuffer(b[:m], dtype=np.uint8)
            n += 1
        S.n = n
        S.lost = port.lost_midi_events

    @client.set_xrun_callback
    def on_xrun(delayed_usecs):
        S.xruns += 1

    with client:
        print("ready", file=sys.stderr, flush=True)
        if _stdin_is_pipe():
            def watch_stdin():
                # os.read, not sys.stdin (see jack_recorder.py)
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
            stop.wait(0.01)
        n = S.n
        rate, period = client.samplerate, client.blocksize
    received = [[int(frames_[i]), *data[i, :min(int(sizes[i]), MAX_BYTES)].tolist()]
                for i in range(n)]
    print(json.dumps({
        "received": received,
        "sizes": sizes[:n].tolist(),
        "xruns": S.xruns,
        "gaps": S.gaps,
        "lost": int(S.lost),
        "overflow": S.overflow,
        "sample_rate": rate,
        "period": period,
    }), flush=True)
    return 0


def _stdin_is_pipe() -> bool:
    try:
        return stat.S_ISFIFO(os.fstat(sys.stdin.fileno()).st_mode)
    except (OSError, ValueError, AttributeError):
        return False


if __name__ == "__main__":
    sys.exit(main())
