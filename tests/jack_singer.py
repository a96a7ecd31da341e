"""Sing into a JACK graph: a synthesized voice (live.sim.singing) on output port ``out_1``.

Run as a subprocess with ``JackServer.env``. Once its port gets its first connection it sings
``--notes`` notes of ``--midi`` (a fractional MIDI pitch), each ``--note-s`` long, one every
``--every-s`` seconds, then ends (also after ``--seconds``, on SIGTERM, or when stdin closes).
It prints ``ready`` on stderr once active and one JSON object on stdout: ``onset_frames`` (the
JACK frame of each note's first sample), ``midi``, ``sample_rate``, ``emitted`` (samples
written).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time

import numpy as np

import jack
from live.sim.singing import VOICES, SungNoteSpec, sing


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--name", default="singer")
    p.add_argument("--midi", type=float, default=64.1)
    p.add_argument("--voice", default="child")
    p.add_argument("--notes", type=int, default=20)
    p.add_argument("--note-s", type=float, default=0.35)
    p.add_argument("--every-s", type=float, default=0.5)
    p.add_argument("--seconds", type=float, default=30.0)
    args = p.parse_args(argv)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    client = jack.Client(args.name, no_start_server=True)
    rate = client.samplerate
    specs = [SungNoteSpec(k * args.every_s, args.note_s, args.midi, "a", 0.3) for k in range(args.notes)]
    audio = sing(specs, voice=VOICES[args.voice], sample_rate=rate,
                 duration_s=args.notes * args.every_s + 0.2, seed=1)
    port = client.outports.register("out_1")

    class S:
        connected = False
        start_time = -1  # JACK frame of the audio's first sample
        pos = 0

    @client.set_process_callback
    def process(frames):
        out = port.get_array()
        out.fill(0.0)
        if not S.connected or S.pos >= audio.size:
            return
        if S.start_time < 0:
            S.start_time = client.last_frame_time
        n = min(frames, audio.size - S.pos)
        out[:n] = audio[S.pos: S.pos + n]
        S.pos += n

    @client.set_port_connect_callback
    def on_connect(a, b, connect):
        if connect and port in (a, b):
            S.connected = True

    with client:
        print("ready", file=sys.stderr, flush=True)
        if not os.isatty(0):
            def watch_stdin():
                try:
                    while os.read(0, 65536):
                        pass
                except OSError:
                    pass
                finally:
                    stop.set()
            threading.Thread(target=watch_stdin, daemon=True).start()
        deadline = time.monotonic() + args.seconds
        while not stop.is_set() and time.monotonic() < deadline and S.pos < audio.size:
            stop.wait(0.01)
    onsets = [S.start_time + round(s.onset_s * rate) for s in specs] if S.start_time >= 0 else []
    print(json.dumps({"onset_frames": onsets, "midi": args.midi, "sample_rate": rate, "emitted": S.pos}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
