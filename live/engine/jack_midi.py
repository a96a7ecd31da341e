"""JACK MIDI in and out, frame-exact and GIL-free: a JACK client whose process callback is
compiled by numba (:mod:`live.engine.jack_midi_callback`).

This module is the Python side: libjack through ctypes (loaded at run time: nothing here is
needed unless a JACK server runs), the server's ports, and :class:`JackMidiClient`, which owns
the callback's header and rings (:mod:`live.engine.layout`, ``J_*``), registers the callback,
takes what it received and queues what it sends.

JACK frame times are libjack's ``jack_nframes_t``, 32-bit: the absolute frames this client
reports are ``last_frame_time + offset`` without wrapping, so they jump back by 2**32 once every
24.8 hours at 48 kHz; :class:`live.engine.clock.FrameMap` unwraps them.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import time
from dataclasses import dataclass

import numpy as np

from live.engine.cabi import function_address
from live.engine.jack_midi_callback import process_callback
from live.engine.layout import (
    EVENT_FIELDS, J_CLIENT, J_CYCLES, J_EVENT_ADDR, J_FN_CLEAR_BUFFER, J_FN_EVENT_COUNT, J_FN_EVENT_GET,
    J_FN_EVENT_WRITE, J_FN_GET_BUFFER, J_FN_LAST_FRAME_TIME, J_IN_ADDR, J_IN_DROPPED, J_IN_MASK, J_IN_PORT,
    J_IN_READ, J_IN_WRITTEN, J_OUT_ADDR, J_OUT_LATE, J_OUT_MASK, J_OUT_PORT, J_OUT_READ, J_OUT_WRITTEN, J_SIZE,
    MIDI_IN_FIELDS, MIDI_OUT_FIELDS,
)
from live.engine.system_parts import libjack_missing, quiet_stderr

JackPortIsInput = 0x1
JackPortIsOutput = 0x2
JackNoStartServer = 0x01
JackUseExactName = 0x02
JACK_DEFAULT_MIDI_TYPE = b"8 bit raw midi"


class JackUnavailable(RuntimeError):
    """libjack is not installed, or no JACK server runs (we never start one)."""


def load_libjack() -> ctypes.CDLL:
    """libjack through ctypes, with the signatures this module uses."""
    name = ctypes.util.find_library("jack") or "libjack.so.0"
    try:
        lib = ctypes.CDLL(name)
    except OSError:
        raise JackUnavailable(str(libjack_missing())) from None
    vp, cp = ctypes.c_void_p, ctypes.c_char_p
    lib.jack_client_open.restype = vp
    lib.jack_client_open.argtypes = [cp, ctypes.c_int, ctypes.POINTER(ctypes.c_int)]
    lib.jack_port_register.restype = vp
    lib.jack_port_register.argtypes = [vp, cp, cp, ctypes.c_ulong, ctypes.c_ulong]
    lib.jack_set_process_callback.argtypes = [vp, vp, vp]
    lib.jack_activate.argtypes = [vp]
    lib.jack_deactivate.argtypes = [vp]
    lib.jack_client_close.argtypes = [vp]
    lib.jack_connect.argtypes = [vp, cp, cp]
    lib.jack_disconnect.argtypes = [vp, cp, cp]
    lib.jack_get_sample_rate.restype = ctypes.c_uint32
    lib.jack_get_sample_rate.argtypes = [vp]
    lib.jack_get_buffer_size.restype = ctypes.c_uint32
    lib.jack_get_buffer_size.argtypes = [vp]
    lib.jack_frame_time.restype = ctypes.c_uint32
    lib.jack_frame_time.argtypes = [vp]
    lib.jack_get_ports.restype = ctypes.POINTER(cp)
    lib.jack_get_ports.argtypes = [vp, cp, cp, ctypes.c_ulong]
    lib.jack_free.argtypes = [vp]
    lib.jack_port_name.restype = cp
    lib.jack_port_name.argtypes = [vp]
    lib.jack_port_connected.argtypes = [vp]
    return lib




_SILENT = ctypes.CFUNCTYPE(None, ctypes.c_char_p)(lambda message: None)


def silence_jack_errors() -> None:
    """From now on libjack prints no error messages (e.g. "Cannot connect to server socket"
    while a server is away): the caller says what is wrong in its own words. Process-wide."""
    try:
        load_libjack().jack_set_error_function(_SILENT)
    except JackUnavailable:
        pass


def jack_ports(*, midi: bool, outputs: bool, client_name: str = "live-devices") -> list[str] | None:
    """Port names of the running JACK server (None when no server runs or libjack is missing)."""
    try:
        lib = load_libjack()
    except JackUnavailable:
        return None
    silence_jack_errors()  # "no server" is an answer here, not an error to print
    status = ctypes.c_int(0)
    client = lib.jack_client_open(client_name.encode(), JackNoStartServer, ctypes.byref(status))
    if not client:
        return None
    try:
        return _port_names(lib, client, midi=midi, outputs=outputs)
    finally:
        lib.jack_client_close(client)


def _port_names(lib: ctypes.CDLL, client: int, *, midi: bool, outputs: bool) -> list[str]:
    kind = JACK_DEFAULT_MIDI_TYPE if midi else b"32 bit float mono audio"
    arr = lib.jack_get_ports(client, None, kind, JackPortIsOutput if outputs else JackPortIsInput)
    names = []
    if arr:
        i = 0
        while arr[i]:
            names.append(arr[i].decode())
            i += 1
        lib.jack_free(ctypes.cast(arr, ctypes.c_void_p))
    return names


@dataclass(frozen=True, slots=True)
class RawMidi:
    """A short MIDI message with the absolute JACK frame at which it arrived."""

    jack_frame: int
    status: int
    data1: int
    data2: int


class JackMidiClient:
    """A JACK client ``<name>`` with MIDI ports ``<name>:in`` and ``<name>:out``.

    Parameters
    ----------
    name : str
        JACK client name; its ports are ``NAME:in`` and ``NAME:out``. Exact: if the name is
        taken, opening fails rather than renaming.
    capacity : int
        Events each ring holds (a power of two).

    Raises
    ------
    JackUnavailable
        When libjack is missing or no server runs.
    """

    def __init__(self, name: str = "live-midi", *, capacity: int = 4096, with_output: bool = True):
        if capacity < 2 or capacity & (capacity - 1):
            raise ValueError(f"capacity must be a power of two >= 2, got {capacity}")
        self.name = name
        lib = self._lib = load_libjack()
        status = ctypes.c_int(0)
        with quiet_stderr():  # libjack's own lines when no server runs: the caller says it in one
            self._client = lib.jack_client_open(name.encode(), JackNoStartServer | JackUseExactName,
                                                ctypes.byref(status))
        if not self._client:
            raise JackUnavailable(f"cannot open JACK client {name!r} (status 0x{status.value:x}): "
                                  "is a JACK server running, and is the name free?")
        self.sample_rate = int(lib.jack_get_sample_rate(self._client))
        self.period_frames = int(lib.jack_get_buffer_size(self._client))
        in_port = lib.jack_port_register(self._client, b"in", JACK_DEFAULT_MIDI_TYPE, JackPortIsInput, 0)
        out_port = (lib.jack_port_register(self._client, b"out", JACK_DEFAULT_MIDI_TYPE, JackPortIsOutput, 0)
                    if with_output else 0)
        if not in_port or (with_output and not out_port):
            lib.jack_client_close(self._client)
            raise JackUnavailable(f"cannot register MIDI ports of JACK client {name!r}")
        self.header = np.zeros(J_SIZE, dtype=np.int64)
        self._event = np.zeros(EVENT_FIELDS, dtype=np.int64)
        self._in = np.zeros((capacity, MIDI_IN_FIELDS), dtype=np.int64)
        self._out = np.zeros((capacity, MIDI_OUT_FIELDS), dtype=np.int64)
        h = self.header
        h[J_IN_PORT], h[J_OUT_PORT], h[J_CLIENT] = in_port, out_port or 0, self._client
        for slot, fn in ((J_FN_GET_BUFFER, lib.jack_port_get_buffer), (J_FN_EVENT_COUNT, lib.jack_midi_get_event_count),
                         (J_FN_EVENT_GET, lib.jack_midi_event_get), (J_FN_LAST_FRAME_TIME, lib.jack_last_frame_time),
                         (J_FN_CLEAR_BUFFER, lib.jack_midi_clear_buffer), (J_FN_EVENT_WRITE, lib.jack_midi_event_write)):
            h[slot] = function_address(fn)
        h[J_EVENT_ADDR] = self._event.ctypes.data
        h[J_IN_ADDR], h[J_IN_MASK] = self._in.ctypes.data, capacity - 1
        h[J_OUT_ADDR], h[J_OUT_MASK] = self._out.ctypes.data, capacity - 1
        if lib.jack_set_process_callback(self._client, process_callback.address, h.ctypes.data) != 0:
            lib.jack_client_close(self._client)
            raise JackUnavailable("jack_set_process_callback failed")
        if lib.jack_activate(self._client) != 0:
            lib.jack_client_close(self._client)
            raise JackUnavailable(f"cannot activate JACK client {name!r}")
        self._taken = 0

    # --- for the sampler's JACK clock -------------------------------------------------------
    @property
    def client_address(self) -> int:
        return int(self.header[J_CLIENT])

    @property
    def last_frame_time_address(self) -> int:
        return int(self.header[J_FN_LAST_FRAME_TIME])

    def frame_time(self) -> int:
        """JACK's current (estimated) frame time, for non-realtime code."""
        return int(self._lib.jack_frame_time(self._client))

    # --- input ------------------------------------------------------------------------------
    def take(self) -> list[RawMidi]:
        """MIDI messages received since the last call, in arrival order. One reader only."""
        written = int(self.header[J_IN_WRITTEN])
        cap = self._in.shape[0]
        rows = self._in[np.arange(self._taken, written) & (cap - 1)].tolist()
        self._taken = written
        self.header[J_IN_READ] = written
        return [RawMidi(*row) for row in rows]

    # --- output -----------------------------------------------------------------------------
    def send(self, jack_frame: int, message: bytes | list[int]) -> None:
        """Queue a 1..3-byte MIDI message for the cycle holding ``jack_frame``.

        Queue in frame order: a message queued behind a later one waits for it. Never blocks.
        """
        data = bytes(message)
        if not 1 <= len(data) <= 3:
            raise ValueError(f"a short MIDI message has 1..3 bytes, got {len(data)}")
        h = self.header
        written = int(h[J_OUT_WRITTEN])
        cap = self._out.shape[0]
        if written - int(h[J_OUT_READ]) >= cap:
            raise RuntimeError(f"MIDI output ring full ({cap} messages waiting)")
        padded = data + bytes(3 - len(data))
        self._out[written & (cap - 1)] = (jack_frame, padded[0], padded[1], padded[2], len(data))
        h[J_OUT_WRITTEN] = written + 1

    # --- graph ------------------------------------------------------------------------------
    def connect(self, source: str, destination: str | None = None) -> None:
        """Connect JACK port ``source`` to our input (or to ``destination``)."""
        dest = destination or f"{self.name}:in"
        rc = self._lib.jack_connect(self._client, source.encode(), dest.encode())
        if rc not in (0, 17):  # 17: EEXIST, already connected
            raise JackUnavailable(f"cannot connect JACK port {source!r} to {dest!r} (error {rc})")

    def ports(self, *, midi: bool = True, outputs: bool = True) -> list[str]:
        """Names of the server's MIDI (or audio) output (or input) ports."""
        return _port_names(self._lib, self._client, midi=midi, outputs=outputs)

    def connections(self) -> int:
        """How many ports are connected to our input."""
        return int(self._lib.jack_port_connected(ctypes.c_void_p(int(self.header[J_IN_PORT]))))

    def wait_running(self, cycles: int = 8, timeout_s: float = 1.5) -> bool:
        """Whether the process callback runs: True once it has run ``cycles`` more times, False
        when it has not within ``timeout_s`` (the server's graph does not run)."""
        start = int(self.header[J_CYCLES])
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if int(self.header[J_CYCLES]) - start >= cycles:
                return True
            time.sleep(0.005)
        return False

    def stats(self) -> dict[str, int]:
        h = self.header
        return {"cycles": int(h[J_CYCLES]), "received": int(h[J_IN_WRITTEN]), "dropped": int(h[J_IN_DROPPED]),
                "sent": int(h[J_OUT_READ]), "late": int(h[J_OUT_LATE])}

    def close(self) -> None:
        """Deactivate and close the client (the callback does not run after this returns)."""
        if self._client:
            self._lib.jack_deactivate(self._client)
            self._lib.jack_client_close(self._client)
            self._client = None
