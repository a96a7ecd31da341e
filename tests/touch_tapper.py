"""A machine that taps a touchscreen along with ``live``'s clicks, a known time late.

Run as a subprocess with ``JackServer.env`` plus an X ``DISPLAY`` (Xvfb)::

    python tests/touch_tapper.py --connect-from live:out_0 --beat-s 0.5 --late-ms 40 --x 512 --y 384 --taps 14

It listens to ``live``'s output through a JACK input port; when a click's onset is heard (first
sample above ``--threshold`` after 1000 quiet samples), it takes that sample's JACK frame to host
time (libjack's ``jack_frames_to_time``, moved onto ``time.perf_counter_ns``'s clock by their
offset measured back to back at the start) and taps the screen at ``--x``, ``--y`` exactly ``--beat-s`` +
``--late-ms`` after it: with the *next* click, ``--late-ms`` late. The tap is a mouse press and
release through the X server's XTest extension (what xdotool uses), sent from this process at
the planned host time (no process start in the way). It prints ``ready`` on stderr once
connected, and after ``--taps`` taps (or ``--seconds``) one JSON object on stdout:
``planned_ns`` and ``sent_ns`` of every tap, ``heard_ns`` (the host time of every click onset
it heard, on the same clock) and ``clock_offset_us`` (JACK's time minus
``time.perf_counter_ns()``, us). A tap's true lateness is its ``sent_ns`` minus the last click
heard before it: the dummy driver's frames drift against host time (a few ms over one beat), so
the click the tap aims at can come a little earlier or later than ``--beat-s`` after the one
that set it off.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import queue
import sys
import time

import numpy as np

import jack


class XTest:
    """Mouse clicks through libXtst on the display in ``$DISPLAY``."""

    def __init__(self) -> None:
        self.x11 = ctypes.CDLL("libX11.so.6")
        self.xtst = ctypes.CDLL("libXtst.so.6")
        self.x11.XOpenDisplay.restype = ctypes.c_void_p
        self.x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
        for f in (self.xtst.XTestFakeMotionEvent, self.xtst.XTestFakeButtonEvent, self.x11.XFlush):
            f.argtypes = None
        self.dpy = self.x11.XOpenDisplay(None)
        if not self.dpy:
            raise SystemExit("touch_tapper: cannot open the X display in $DISPLAY")
        self.dpy_p = ctypes.c_void_p(self.dpy)

    def move(self, x: int, y: int) -> None:
        self.xtst.XTestFakeMotionEvent(self.dpy_p, -1, x, y, ctypes.c_ulong(0))
        self.x11.XFlush(self.dpy_p)

    def click(self) -> None:
        self.xtst.XTestFakeButtonEvent(self.dpy_p, 1, 1, ctypes.c_ulong(0))
        self.xtst.XTestFakeButtonEvent(self.dpy_p, 1, 0, ctypes.c_ulong(0))
        self.x11.XFlush(self.dpy_p)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--connect-from", default="live:out_0")
    ap.add_argument("--beat-s", type=float, required=True)
    ap.add_argument("--late-ms", type=float, required=True)
    ap.add_argument("--x", type=int, required=True)
    ap.add_argument("--y", type=int, required=True)
    ap.add_argument("--taps", type=int, default=14)
    ap.add_argument("--threshold", type=float, default=0.01)
    ap.add_argument("--seconds", type=float, default=60.0)
    args = ap.parse_args()

    xt = XTest()
    xt.move(args.x, args.y)
    onsets: queue.SimpleQueue = queue.SimpleQueue()
    client = jack.Client("tapper", no_start_server=True)
    port = client.inports.register("in")
    quiet = [1000]

    @client.set_process_callback
    def process(frames: int) -> None:
        x = np.abs(port.get_array())
        loud = np.flatnonzero(x > args.threshold)
        start = client.last_frame_time
        if loud.size == 0:
            quiet[0] += frames
            return
        gaps = np.diff(np.concatenate([[-quiet[0] - 1], loud])) - 1
        for i in np.flatnonzero(gaps >= 1000):
            onsets.put(start + int(loud[i]))
        quiet[0] = frames - 1 - int(loud[-1])

    client.activate()
    client.connect(args.connect_from, port)
    # jack_frames_to_time / jack_get_time from libjack itself (the JACK-Client package wraps neither)
    libjack = ctypes.CDLL("libjack.so.0")
    libjack.jack_frames_to_time.restype = ctypes.c_uint64
    libjack.jack_frames_to_time.argtypes = [ctypes.c_void_p, ctypes.c_uint32]
    libjack.jack_get_time.restype = ctypes.c_uint64
    client_ptr = int(jack._ffi.cast("uintptr_t", client._ptr))

    def frames_to_us(frame: int) -> int:
        return libjack.jack_frames_to_time(client_ptr, frame % (1 << 32))

    # JACK's clock here is not the same as perf_counter's (jack2 may read CLOCK_MONOTONIC_RAW,
    # which NTP does not slew): measure the offset, back to back, and take JACK times across.
    offset_us = float(np.median([libjack.jack_get_time() - time.perf_counter_ns() / 1000 for _ in range(21)]))
    print("ready", file=sys.stderr, flush=True)
    planned, sent, heard = [], [], []
    deadline = time.monotonic() + args.seconds
    while len(sent) < args.taps and time.monotonic() < deadline:
        try:
            frame = onsets.get(timeout=0.1)
        except queue.Empty:
            continue
        onset_ns = round((frames_to_us(frame) - offset_us) * 1000)
        heard.append(onset_ns)
        target = onset_ns + round((args.beat_s + args.late_ms / 1000) * 1e9)
        while (left := target - time.perf_counter_ns()) > 2_000_000:
            time.sleep((left - 1_000_000) / 1e9)
        while time.perf_counter_ns() < target:
            pass
        xt.click()
        planned.append(target)
        sent.append(time.perf_counter_ns())
    time.sleep(0.1)  # the click after the last tap (heard ~40 ms before it) is in the queue by now
    while not onsets.empty():
        heard.append(round((frames_to_us(onsets.get()) - offset_us) * 1000))
    client.deactivate()
    client.close()
    print(json.dumps({"planned_ns": planned, "sent_ns": sent, "heard_ns": heard, "clock_offset_us": offset_us}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
