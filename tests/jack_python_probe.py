"""Peer of ``jack_engine_probe.py`` for the soak benchmark: a plain Python sounddevice callback
engine (what ``live`` does *not* do), under the same busy pure-Python thread.

``sd.OutputStream`` with a Python callback on PortAudio's JACK host API. The callback counts
frames itself and writes the same click samples (``default_bank()``'s ``click``) at the same
planned frames as the engine probe: the first click 24000 frames after *go*, then one every
``--spacing-frames``. The plan is a numpy array written once before the clicks start, so the
callback needs no queue; it only mixes the clicks that overlap its block. Everything it does
needs the GIL, which the busy thread (the engine probe's own ``busy``) holds as long as the
interpreter lets it (switch interval: Python's default, as in the engine probe).

Protocol as the engine probe's: run with the JACK server's environment; prints ``ready`` on
stderr once the stream runs, waits for a line (or end of file) on stdin, plays, and prints one
JSON object on stdout: ``planned`` (frames counted by the callback), ``stats`` (``blocks``,
``frames``, ``underflows``: callbacks PortAudio flagged output underflow, ``status_flags``:
callbacks with any flag), ``busy_iterations``, ``wall_s`` (go to last click + 0.2 s played).
"""

import argparse
import ctypes
import json
import sys
import threading
import time

import numpy as np

from jack_engine_probe import busy  # the very same busy thread
from live.engine.bank import default_bank

_client_name = None  # PaJack_SetClientName keeps the pointer: keep the buffer alive


def load_sounddevice(client_name: str):
    """Import sounddevice with our JACK client named ``client_name`` (as LiveDriver does)."""
    global _client_name
    import sounddevice as sd

    pa = ctypes.CDLL(sd._libname)
    if hasattr(pa, "PaJack_SetClientName"):
        _client_name = ctypes.create_string_buffer(client_name.encode())
        pa.PaJack_SetClientName.argtypes = [ctypes.c_char_p]
        sd._terminate()
        pa.PaJack_SetClientName(_client_name)
        sd._initialize()
    return sd


def jack_output_device(sd) -> int:
    for api in sd.query_hostapis():
        if api["name"].startswith("JACK") and api["default_output_device"] >= 0:
            return api["default_output_device"]
    raise SystemExit(f"no JACK host API in PortAudio: {[a['name'] for a in sd.query_hostapis()]}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--name", default="pypeer")
    ap.add_argument("--clicks", type=int, default=100)
    ap.add_argument("--spacing-frames", type=int, default=4801)
    ap.add_argument("--busy", action="store_true")
    args = ap.parse_args()

    sr = 48000
    click = default_bank(sr).samples("click").astype(np.float32)
    n_click = click.size
    planned = np.full(max(args.clicks, 1), np.iinfo(np.int64).max // 2, dtype=np.int64)  # none yet
    st = {"frame": 0, "next": 0, "blocks": 0, "underflows": 0, "flagged": 0}

    def callback(outdata, frames, time_info, status):
        start = st["frame"]
        end = start + frames
        outdata.fill(0.0)
        if status:
            st["flagged"] += 1
            if status.output_underflow:
                st["underflows"] += 1
        # Clicks whose sound overlaps [start, end): from the oldest still sounding on.
        k = st["next"]
        while k < planned.size and planned[k] + n_click <= start:
            k += 1
        st["next"] = k
        while k < planned.size and planned[k] < end:
            p = int(planned[k])
            lo, hi = max(start, p), min(end, p + n_click)
            outdata[lo - start:hi - start, :] += click[lo - p:hi - p, None]
            k += 1
        st["frame"] = end
        st["blocks"] += 1

    sd = load_sounddevice(args.name)
    stream = sd.OutputStream(samplerate=sr, blocksize=0, device=jack_output_device(sd), channels=2,
                             dtype="float32", latency="low", callback=callback)
    stream.start()
    print("ready", file=sys.stderr, flush=True)
    sys.stdin.readline()

    stop, counter = threading.Event(), [0]
    worker = threading.Thread(target=busy, args=(stop, counter), daemon=True)
    if args.busy:
        worker.start()
    t0 = time.monotonic()
    first = st["frame"] + 24000
    plan = first + args.spacing_frames * np.arange(args.clicks, dtype=np.int64)
    planned[:args.clicks] = plan  # the callback sees the plan from its next block on
    while st["frame"] < int(plan[-1]) + 9600:
        time.sleep(0.01)
    wall_s = time.monotonic() - t0
    stop.set()
    stream.stop()
    stream.close()
    stats = {"frames": st["frame"], "blocks": st["blocks"], "underflows": st["underflows"],
             "status_flags": st["flagged"]}
    sd._terminate()
    print(json.dumps({"planned": plan.tolist(), "stats": stats, "busy_iterations": counter[0],
                      "wall_s": wall_s}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
