"""Receive JACK MIDI and report every event's absolute JACK frame, as JSON (harness self-test).

Run as a subprocess with ``JackServer.env`` (``jackutil.start_midi_receiver`` does); the process
contract (``ready``, ending, ``--name``/``--seconds``) is jack_harness_base.py's::

    python tests/jack_midi_receiver.py [--name live-midi] [--port in] [--seconds 30]

It registers a client (``--name``; default ``live-midi``, so its port is ``live-midi:in``
like the engine's) with one MIDI input port, prints ``ready`` on stderr once active, and in its
process callback stamps each event with ``client.last_frame_time`` + the event's offset in the
cycle. When it ends (after ``--seconds`` at most) it prints one JSON object on stdout:

    received    [[frame, byte0, byte1, ...], ...] in arrival order
    xruns, gaps (discontinuities in this client's frame times), lost (events JACK reported
    lost on the port), overflow (events beyond the buffer, not stored), sample_rate, period

Frames are unwrapped from the first cycle like the harness's, so both report JACK's own frame
numbers until the 32-bit counter wraps.
"""

from __future__ import annotations

import sys

import numpy as np

from jack_harness_base import (ClientWatch, harness_parser, open_client, poll, print_result,
                               ready_and_watch_stdin, stop_on_signals)

MASK = (1 << 32) - 1
MAX_EVENTS = 65536
MAX_BYTES = 4  # longer messages (SysEx) are stored truncated, with their length


def main(argv=None) -> int:
    p = harness_parser(__doc__, name="live-midi", seconds=30.0)
    p.add_argument("--port", default="in")
    args = p.parse_args(argv)
    stop = stop_on_signals()
    client = open_client(args.name)
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

    watch = ClientWatch(client)

    with client:
        ready_and_watch_stdin(stop)
        poll(stop.is_set, args.seconds, stop)  # until stopped, at most --seconds
        n = S.n
        rate, period = client.samplerate, client.blocksize
    received = [[int(frames_[i]), *data[i, :min(int(sizes[i]), MAX_BYTES)].tolist()]
                for i in range(n)]
    print_result({
        "received": received,
        "sizes": sizes[:n].tolist(),
        "xruns": watch.xruns,
        "gaps": S.gaps,
        "lost": int(S.lost),
        "overflow": S.overflow,
        "sample_rate": rate,
        "period": period,
    })
    return 0


if __name__ == "__main__":
    sys.exit(main())
