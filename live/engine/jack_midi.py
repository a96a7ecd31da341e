"""JACK MIDI in and out, frame-exact and GIL-free: a JACK client whose process callback is
compiled by numba.

The JACK-Client package's process callback is Python, so a Python thread holding the GIL would
make it late, and a late client is an xrun for the whole graph (DESIGN.md section 4). This
client registers a numba ``cfunc`` with libjack's ``jack_set_process_callback`` instead. Per
cycle it reads every event of its input port with ``jack_midi_event_get`` and stores it with its
absolute JACK frame (``jack_last_frame_time + offset in the cycle``), and writes the output
events due in this cycle at their exact offsets. libjack is called through addresses kept in the
callback's header (``live.engine.cabi``), loaded with ctypes at run time: nothing here is needed
unless a JACK server runs.

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
from numba import carray, cfunc, types

from live.engine.cabi import (
    acquire_fence, as_voidptr, call_i32_p_p_u32, call_i32_p_u32_p_u64, call_p_p_u32, call_u32_p, call_void_p,
    function_address, release_fence,
)
from live.engine.system_parts import libjack_missing, quiet_stderr

# header slots (int64)
J_IN_PORT = 0
J_OUT_PORT = 1
J_CLIENT = 2
J_FN_GET_BUFFER = 3
J_FN_EVENT_COUNT = 4
J_FN_EVENT_GET = 5
J_FN_LAST_FRAME_TIME = 6
J_FN_CLEAR_BUFFER = 7
J_FN_EVENT_WRITE = 8
J_EVENT_ADDR = 9        # int64[3]: a jack_midi_event_t (time u32 + pad, size_t size, data pointer)
J_IN_ADDR = 10          # int64[capacity, 4]: (absolute JACK frame, status, data1, data2)
J_IN_MASK = 11
J_IN_WRITTEN = 12
J_IN_DROPPED = 13       # events longer than 3 bytes (sysex) or lost to a full ring
J_OUT_ADDR = 14         # int64[capacity, 5]: (absolute JACK frame, status, data1, data2, size)
J_OUT_MASK = 15
J_OUT_WRITTEN = 16      # Python writes, after the payload
J_OUT_READ = 17         # callback writes
J_OUT_LATE = 18         # output events sent after their frame (at the cycle's first frame)
J_CYCLES = 19
J_IN_READ = 20          # Python writes: events taken (lets the callback see a full ring)
J_SIZE = 21

JACK_PROCESS_SIG = types.int32(types.uint32, types.voidptr)  # int (*)(jack_nframes_t, void *)

JackPortIsInput = 0x1
JackPortIsOutput = 0x2
JackNoStartServer = 0x01
JackUseExactName = 0x02
JACK_DEFAULT_MIDI_TYPE = b"8 bit raw midi"


def _process_body(nframes, arg):
    h = carray(arg, (J_SIZE,), np.int64)
    h[J_CYCLES] += 1
    n = np.int64(nframes)
    t0 = np.int64(call_u32_p(h[J_FN_LAST_FRAME_TIME], as_voidptr(h[J_CLIENT])))

    # Input: every event of this cycle, stamped with its absolute frame.
    in_buf = call_p_p_u32(h[J_FN_GET_BUFFER], as_voidptr(h[J_IN_PORT]), nframes)
    count = np.int64(call_u32_p(h[J_FN_EVENT_COUNT], in_buf))
    ev = carray(as_voidptr(h[J_EVENT_ADDR]), (3,), np.int64)
    in_mask = h[J_IN_MASK]
    ring = carray(as_voidptr(h[J_IN_ADDR]), (in_mask + 1, 4), np.int64)
    written = h[J_IN_WRITTEN]
    for i in range(count):
        if call_i32_p_p_u32(h[J_FN_EVENT_GET], as_voidptr(h[J_EVENT_ADDR]), in_buf, np.uint32(i)) != 0:
            continue
        size = ev[1]
        if size < 1 or size > 3 or written - h[J_IN_READ] > in_mask:
            h[J_IN_DROPPED] += 1
            continue
        data = carray(as_voidptr(ev[2]), (size,), np.uint8)
        slot = written & in_mask
        ring[slot, 0] = t0 + (ev[0] & 0xFFFFFFFF)
        ring[slot, 1] = data[0]
        ring[slot, 2] = data[1] if size > 1 else 0
        ring[slot, 3] = data[2] if size > 2 else 0
        written += 1
    release_fence()
    h[J_IN_WRITTEN] = written

    # Output: the events due before this cycle ends, in the order queued, at their offsets.
    if h[J_OUT_PORT] != 0:
        out_buf = call_p_p_u32(h[J_FN_GET_BUFFER], as_voidptr(h[J_OUT_PORT]), nframes)
        call_void_p(h[J_FN_CLEAR_BUFFER], out_buf)
        out_mask = h[J_OUT_MASK]
        out = carray(as_voidptr(h[J_OUT_ADDR]), (out_mask + 1, 5), np.int64)
        out_written = h[J_OUT_WRITTEN]
        acquire_fence()
        taken = h[J_OUT_READ]
        if out_written - taken > out_mask + 1:
            taken = out_written - (out_mask + 1)
        last_offset = np.int64(0)
        bytes_ = carray(as_voidptr(h[J_EVENT_ADDR]), (24,), np.uint8)  # reuse the event scratch
        while taken < out_written:
            slot = taken & out_mask
            offset = out[slot, 0] - t0
            if offset >= n:
                break  # due in a later cycle
            if offset < last_offset:
                if offset < 0:
                    h[J_OUT_LATE] += 1
                offset = last_offset  # JACK wants events in time order
            size = min(max(out[slot, 4], 1), 3)
            bytes_[0] = np.uint8(out[slot, 1] & 0xFF)
            bytes_[1] = np.uint8(out[slot, 2] & 0xFF)
            bytes_[2] = np.uint8(out[slot, 3] & 0xFF)
            call_i32_p_u32_p_u64(h[J_FN_EVENT_WRITE], out_buf, np.uint32(offset), as_voidptr(h[J_EVENT_ADDR]),
                                 np.uint64(size))
            last_offset = offset
            taken += 1
        h[J_OUT_READ] = taken
    return 0


def compile_process(*, cache: bool = True):
    """The process callback as a C function (``cache=False`` for an inspectable compilation)."""
    return cfunc(JACK_PROCESS_SIG, nopython=True, error_model="numpy", cache=cache)(_process_body)


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


process_callback = compile_process()


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
        self._event = np.zeros(3, dtype=np.int64)
        self._in = np.zeros((capacity, 4), dtype=np.int64)
        self._out = np.zeros((capacity, 5), dtype=np.int64)
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
