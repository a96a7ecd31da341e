"""What the JACK harness processes of tests/ share: command line, client, ``ready`` line, ending.

A harness (``jack_player.py``, ``jack_clapper.py``, ``jack_recorder.py``,
``jack_midi_receiver.py``, ``jack_midi_harness.py``; ``jack_mic_probe.py`` for its command line
and ready line) is a script that ``jackutil.JackClientProcess`` runs with a server's environment
(``JackServer.env``). Every one keeps this contract with its parent:

- command line: ``--name`` (its JACK client name; never the server's, ``JackClientProcess``
  refuses that) and ``--seconds`` (an upper bound on its run), from :func:`harness_parser`;
- it opens its client with :func:`open_client`, which never starts a jackd of its own;
- it prints the line ``ready`` on stderr (:func:`announce_ready`) once its ports are in place;
  ``JackClientProcess.wait_ready`` waits for that line;
- it ends early on SIGTERM or SIGINT (:func:`stop_on_signals`) and when its stdin, if a pipe,
  reaches end of file (:func:`watch_stdin`): the parent closes stdin to end it. A stdin that is
  no pipe (``/dev/null``, a file) is not watched, so it does not end the harness at once;
- it prints one JSON object on stdout when it ends (:func:`print_result`).

Frames: ``client.last_frame_time`` is JACK's 32-bit frame counter (it wraps after ~24.8 h at
48 kHz); :func:`unwrap_frames` unwraps a harness's frame stamps from the first one.

Realtime-safe: nothing here runs in JACK's process callback. :class:`ClientWatch`'s callbacks
run on JACK's notification thread; the harnesses' process callbacks read its plain attributes.
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
from typing import Callable, TypeVar

import numpy as np

WRAP = 1 << 32  # JACK's frame counter is 32 bits
T = TypeVar("T")


def harness_parser(doc: str, *, name: str, seconds: float, seconds_help: str = "",
                   full_doc: bool = False) -> argparse.ArgumentParser:
    """An argument parser with the options every harness takes: ``--name`` and ``--seconds``.

    Parameters
    ----------
    doc : str
        The harness's module docstring; its first paragraph is the description.
    name : str
        Default JACK client name.
    seconds : float
        Default of ``--seconds``, the longest the harness runs (seconds).
    seconds_help : str
        Help text of ``--seconds`` (default: "end after this long at most").
    full_doc : bool
        Also show the rest of ``doc`` after the options, as written.
    """
    extra = dict(epilog=doc.split("\n\n", 1)[1], formatter_class=argparse.RawDescriptionHelpFormatter) \
        if full_doc else {}
    p = argparse.ArgumentParser(description=doc.split("\n\n")[0], **extra)
    p.add_argument("--name", default=name, help=f"JACK client name (default {name}; never the server's)")
    p.add_argument("--seconds", type=float, default=seconds,
                   help=seconds_help or f"end after this long at most (default {seconds:g})")
    return p


def stop_on_signals() -> threading.Event:
    """An event that SIGTERM and SIGINT set (call from the main thread)."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    signal.signal(signal.SIGINT, lambda *a: stop.set())
    return stop


def open_client(name: str):
    """A ``jack.Client`` called ``name`` on the server ``JACK_DEFAULT_SERVER`` names; never starts one."""
    import jack  # here, so a harness that opens no client of its own does not load libjack

    return jack.Client(name, no_start_server=True)


def announce_ready() -> None:
    """Print the line ``ready`` on stderr: the parent's ``wait_ready`` returns."""
    print("ready", file=sys.stderr, flush=True)


def print_result(result: dict) -> None:
    """Print the harness's one JSON object on stdout."""
    print(json.dumps(result), flush=True)


def stdin_is_pipe() -> bool:
    """True when file descriptor 0 is a pipe (as ``JackClientProcess`` gives it)."""
    try:
        return stat.S_ISFIFO(os.fstat(0).st_mode)
    except OSError:
        return False


def stdin_is_terminal() -> bool:
    """True when file descriptor 0 is a terminal."""
    try:
        return os.isatty(0)
    except OSError:
        return False


def watch_stdin(stop: threading.Event, on_line: Callable[[], None] | None = None) -> None:
    """Set ``stop`` when stdin reaches end of file (or fails); call ``on_line`` for each read
    that holds a newline. Reads on a daemon thread; the caller checks :func:`stdin_is_pipe`
    (or a terminal) first.

    ``os.read``, not ``sys.stdin``: a daemon thread blocked in a buffered read aborts the
    interpreter at exit ("could not acquire lock ... <stdin>").
    """
    def watch() -> None:
        try:
            while True:
                data = os.read(0, 65536)
                if not data:
                    break
                if on_line is not None and b"\n" in data:
                    on_line()
        except OSError:
            pass
        finally:
            stop.set()

    threading.Thread(target=watch, daemon=True).start()


def ready_and_watch_stdin(stop: threading.Event) -> None:
    """:func:`announce_ready`, then :func:`watch_stdin` when stdin is a pipe."""
    announce_ready()
    if stdin_is_pipe():
        watch_stdin(stop)


def poll(check: Callable[[], T], timeout_s: float, stop: threading.Event | None = None,
         interval_s: float = 0.01) -> T | None:
    """Call ``check`` every ``interval_s`` seconds until it returns something true, ``timeout_s``
    seconds pass or ``stop`` is set; return its last result (None when ``stop`` was set first)."""
    deadline = time.monotonic() + timeout_s
    result = None
    while stop is None or not stop.is_set():
        result = check()
        if result or time.monotonic() > deadline:
            break
        if stop is None:
            time.sleep(interval_s)
        else:
            stop.wait(interval_s)
    return result


def missing_ports(prog: str, what: str, pattern: str, wait_s: float, client) -> int:
    """Say on stderr that no port matched (``what``: e.g. "audio output ports match") ``pattern``
    in ``wait_s`` seconds, and which ports there are; return 2 (the harness's exit code)."""
    print(f"{prog}: no {what} {pattern!r} after {wait_s} s; "
          f"ports: {[p.name for p in client.get_ports()]}", file=sys.stderr, flush=True)
    return 2


class ClientWatch:
    """What JACK's notification thread tells a harness: xruns, and whether ``port`` got a
    connection. Register before activating the client.

    Attributes
    ----------
    xruns : int
        xrun callbacks received so far.
    connected : bool
        ``port`` has had a connection (stays True once set); False without a port.
    """

    def __init__(self, client, port=None) -> None:
        self.xruns = 0
        self.connected = False
        self._port = port
        client.set_xrun_callback(self._on_xrun)
        if port is not None:
            client.set_port_connect_callback(self._on_connect)

    def _on_xrun(self, delayed_usecs: float) -> None:
        self.xruns += 1

    def _on_connect(self, a, b, connect: bool) -> None:
        if connect and self._port in (a, b):
            self.connected = True


def unwrap_frames(frames: np.ndarray) -> np.ndarray:
    """Unwrap 32-bit JACK frame times relative to the first one (int64 frames)."""
    frames = np.asarray(frames, dtype=np.int64)
    if frames.size == 0:
        return frames
    return frames[0] + ((frames - frames[0]) % WRAP)
