"""python-rtmidi input polled from a thread and stamped with the minimum-delay anchor
(live.engine.rtmidi_input; DESIGN.md section 4).

Two kinds of test:

- Unit tests of the polling thread and :meth:`RtMidiInput.take` with a fake rtmidi module and
  scripted arrival times (the ``_monotonic_ns`` seam), against a :class:`HostClock` fed with
  exact synthetic rows: stamps are checked to the frame.
- The real thing on a JACK dummy server (``jack_server_sync``): python-rtmidi's JACK backend in
  this process, the MIDI harness (a separate process) playing 40 notes (and their note-offs) at
  known JACK frames spread over the 64-frame period, each stamp compared with the true time of
  its message; once plainly and once with a busy pure-Python thread in this process. The
  figures (mean, SD, max error in ms) are printed (``pytest -s``), over all messages and over
  those in cycles that reached the clients on time (the bounds: comment above ``ATTEMPTS``).
  Needs jackd: a missing jackd fails these tests.

How the JACK tests get the truth. The engine clock handed to :class:`RtMidiInput` is an ideal
48 kHz clock on host time (what a sound card's clock is), and a GIL-free JACK client in this
process (a numba process callback registered with libjack, like the sampler's) records every
cycle's ``(jack_last_frame_time, CLOCK_MONOTONIC at entry)``. A message the harness wrote at
JACK frame F happened at the start of F's cycle (the least-delayed entry time among that cycle
and the 8 before it) plus its offset in the cycle: that host time on the ideal clock is the
true frame. Tried first and dropped, measured here:

- JACK frame time itself as the engine frame, with the HostClock fed from JACK: the dummy
  driver restarts its schedule after every late cycle (jackd2's ``JackTimedDriver``), so its
  frame clock slips against host time; with other JACK servers and tests running on this
  2-core VM it slipped up to 70 ms, and the measured SD was 1-3 ms in such runs, ~0.45 ms in
  quiet ones: it measured the dummy clock, not rtmidi.
- A JACK-Client (Python) process callback recording the rows: fine alone (SD 0.46 ms), but with
  the busy thread it waits for the GIL, and on the synchronous server every cycle waits for it:
  884 xruns in 3 s, the dummy clock held back by up to 190 ms, errors up to 190 ms.
- Rows from a thread reading ``jack_frame_time()``: JACK's filtered estimate wanders by a
  millisecond or more against the real cycle times under load.
"""

from __future__ import annotations

import ctypes
import subprocess
import sys
import threading
import time
from collections import deque

import numpy as np
import pytest
from numba import carray, cfunc

from jackutil import start_midi_harness
from live.engine import rtmidi_input, rtmidi_ports
from live.engine.cabi import (
    as_voidptr, call_i32_i32_p, call_u32_p, clock_gettime_address, function_address, release_fence,
)
from live.engine.clock import HostClock
from live.engine.jack_midi import JACK_DEFAULT_MIDI_TYPE, JackNoStartServer, JackUseExactName, load_libjack
from live.engine.jack_midi_callback import JACK_PROCESS_SIG
from live.engine.rtmidi_input import RtMidiInput
from live.engine.rtmidi_output import RtMidiOutput
from live.engine.rtmidi_ports import MidiPortError

RATE = 48000
T0_NS = 5_000_000_000_000  # host ns at frame 0 of the synthetic clock


# ================================================================ a fake python-rtmidi


class FakeWorld:
    """What the fake MIDI system holds: listed ports and scripted messages for open inputs."""

    def __init__(self, ports=("Pad A 20:0",)):
        self.ports = list(ports)
        self.script: deque = deque()  # (arrival_ns, bytes, delta_s), read by open inputs
        self.now_ns = T0_NS
        self.instances: list = []
        self.fail_next_poll = False
        self.sent: list = []
        self.lock = threading.Lock()

    def module(self):
        world = self

        class _Api:
            API_UNSPECIFIED, API_LINUX_ALSA, API_UNIX_JACK = 0, 2, 3
            _names = {2: "alsa", 3: "jack"}

            @staticmethod
            def get_compiled_api():
                return [2, 3]

            @staticmethod
            def get_api_name(api):
                return _Api._names.get(api, "unspecified")

            @staticmethod
            def get_api_display_name(api):
                return {2: "ALSA", 3: "Jack"}.get(api, "Unknown")

            @staticmethod
            def get_compiled_api_by_name(name):
                return {v: k for k, v in _Api._names.items()}.get(name, 0)

            class MidiIn:
                def __init__(self, api, name):
                    self.api, self.name = api, name
                    self.open = None
                    self.ignore = None
                    self.deleted = False
                    world.instances.append(self)

                def get_ports(self):
                    return list(world.ports)

                def open_port(self, index, name):
                    self.open = world.ports[index]

                def open_virtual_port(self, name):
                    self.open = f"virtual {name}"

                def ignore_types(self, **kw):
                    self.ignore = kw

                def get_message(self):
                    assert not self.deleted
                    with world.lock:
                        if world.fail_next_poll:
                            world.fail_next_poll = False
                            raise RuntimeError("device unplugged")
                        if self.open is None or not world.script:
                            return None
                        arrival_ns, data, delta_s = world.script.popleft()
                        world.now_ns = arrival_ns
                        return list(data), delta_s

                def close_port(self):
                    self.open = None

                def delete(self):
                    self.deleted = True

            class MidiOut(MidiIn):
                def send_message(self, data):
                    world.sent.append(list(data))

        return _Api


@pytest.fixture
def world(monkeypatch):
    w = FakeWorld()
    monkeypatch.setattr(rtmidi_ports, "import_rtmidi", w.module)
    monkeypatch.setattr(rtmidi_input, "_monotonic_ns", lambda: w.now_ns)
    return w


def exact_clock() -> HostClock:
    """A host clock whose rows are exact: host ns = T0 + frame / 48 kHz."""
    hc = HostClock()
    frames = np.arange(0, 20 * RATE, 64, dtype=np.int64)
    hc.update(np.stack([frames, T0_NS + frames * 1_000_000_000 // RATE], axis=1))
    return hc


def ns_at(frame: float) -> int:
    return T0_NS + round(frame * 1e9 / RATE)


def wait_for(cond, timeout_s=5.0):
    deadline = time.monotonic() + timeout_s
    while not cond():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.002)


def script_notes(world, true_frames, delays_frames, *, extra=None):
    """Queue note-ons at ``true_frames``, each arriving ``delays_frames`` later; ``extra`` maps an
    index to filtered messages (bytes, frame) sent before that note."""
    last = None
    for k, (f, d) in enumerate(zip(true_frames, delays_frames)):
        for data, ef in (extra or {}).get(k, []):
            world.script.append((ns_at(ef + 5), data, 0.0 if last is None else (ef - last) / RATE))
            last = ef
        world.script.append((ns_at(f + d), bytes((0x99, 38 + k % 3, 100)), 0.0 if last is None else (f - last) / RATE))
        last = f


# ================================================================ unit tests (fake rtmidi)


def test_take_stamps_by_the_least_delayed_arrival_so_far(world):
    """Stamp k = true frame + the smallest polling delay among messages 0..k: a late GIL
    hand-over (here up to 240 frames = 5 ms) never moves a stamp, and no stamp is after its
    arrival."""
    clock = exact_clock()
    true = [48000 + 2411 * k + (37 * k) % 64 for k in range(12)]
    delays = [240, 30, 200, 3, 240, 50, 0, 120, 240, 9, 180, 2]
    script_notes(world, true, delays)
    inp = RtMidiInput(None, clock, check_interval_s=0.01)
    try:
        assert inp.port_name == "Pad A 20:0" and not inp.virtual and inp.path == "rtmidi"
        assert world.instances[0].ignore == {"sysex": False, "timing": False, "active_sense": False}
        wait_for(lambda: inp.received == len(true))
        got = inp.take_with_arrivals()
    finally:
        inp.close()
    assert [m.data1 for m, _ in got] == [38 + k % 3 for k in range(12)]
    for k, (msg, arrival) in enumerate(got):
        assert msg.is_note_on and msg.status == 0x99 and msg.data2 == 100
        assert abs(msg.frame - (true[k] + min(delays[: k + 1]))) <= 1, k
        assert abs(arrival - (true[k] + delays[k])) <= 1
        assert msg.frame <= arrival
    assert world.instances[0].deleted  # close() released the client


def test_filtered_messages_keep_their_delta_time(world):
    """Active sense, clock and sysex between notes are dropped, but their delta times still
    count (rtmidi's own ignore_types would lose them on JACK: module doc)."""
    clock = exact_clock()
    true = [48000, 48000 + 19200, 48000 + 38400]
    extra = {1: [(bytes([0xFE]), 52000), (bytes([0xF8]), 56000), (bytes([0xF0, 1, 2, 0xF7]), 60000)]}
    script_notes(world, true, [0, 100, 100], extra=extra)
    inp = RtMidiInput("pad", clock)
    try:
        wait_for(lambda: inp.received == 3 and inp.filtered == 3)
        frames = [m.frame for m in inp.take()]
    finally:
        inp.close()
    assert frames == true


def test_messages_wait_for_the_host_clock(world):
    clock = HostClock()
    script_notes(world, [1000, 2000], [10, 10])
    inp = RtMidiInput(None, clock)
    try:
        wait_for(lambda: inp.received == 2)
        assert inp.take() == []  # no rows yet: kept
        frames = np.arange(0, 4 * RATE, 64, dtype=np.int64)
        clock.update(np.stack([frames, T0_NS + frames * 1_000_000_000 // RATE], axis=1))
        assert [m.frame for m in inp.take()] == [1010, 2010]
    finally:
        inp.close()


def test_port_loss_is_reported_once_and_the_port_reopened_with_a_fresh_anchor(world):
    clock = exact_clock()
    script_notes(world, [48000, 50000], [300, 0])
    inp = RtMidiInput("pad a", clock, check_interval_s=0.01)
    try:
        wait_for(lambda: inp.received == 2)
        assert [m.frame for m in inp.take()] == [48300, 50000]
        world.ports = ["Other 24:0"]  # unplugged
        wait_for(lambda: inp.status == "waiting")
        time.sleep(0.05)  # several checks while it is away: reported once
        assert inp.take_events() == ["MIDI: port 'Pad A 20:0' went away; waiting for it"]
        assert world.instances[0].open is None
        # back, at a new ALSA address; rtmidi's delta times start again
        world.ports = ["Other 24:0", "Pad A 28:0"]
        wait_for(lambda: inp.status == "open")
        assert inp.port_name == "Pad A 28:0"
        assert inp.take_events() == ["MIDI: port 'Pad A 28:0' is back"]
        script_notes(world, [96000, 98000], [50, 500])
        wait_for(lambda: inp.received == 4)
        # the old origin is forgotten: stamped by the new port's own least delay (50)
        assert [m.frame for m in inp.take()] == [96050, 98050]
    finally:
        inp.close()
    assert inp.status == "closed"


def test_port_loss_when_polling_raises_recreates_the_client(world):
    inp = RtMidiInput(None, exact_clock(), check_interval_s=0.01)
    try:
        world.fail_next_poll = True
        wait_for(lambda: len(inp.events) >= 2)  # went away, then back (still listed)
        assert inp.events[0] == ("MIDI: port 'Pad A 20:0' went away; polling failed (device unplugged); "
                                 "waiting for it")
        assert inp.events[1] == "MIDI: port 'Pad A 20:0' is back"
        assert world.instances[0].deleted and world.instances[-1].open == "Pad A 20:0"
    finally:
        inp.close()


def test_opening_errors_list_what_exists(world):
    with pytest.raises(MidiPortError, match=r"'keyboard'.*input ports here: 'Pad A 20:0'"):
        RtMidiInput("keyboard", exact_clock())
    assert world.instances[-1].deleted
    with pytest.raises(MidiPortError, match=r"MIDI API 'oss'.*alsa, jack"):
        RtMidiInput(None, exact_clock(), api="oss")
    world.ports = []  # nothing listed: a virtual port others connect to
    inp = RtMidiInput(None, exact_clock(), api="jack", client_name="live-x")
    try:
        assert inp.virtual and inp.port_name == "live-x:in"
        assert world.instances[-1].api == 3 and world.instances[-1].open == "virtual in"
    finally:
        inp.close()
    assert rtmidi_ports.list_input_ports(api="alsa") == []


def test_with_no_port_named_alsas_midi_through_is_passed_over(world):
    """ALSA lists its "Midi Through" loopback first on every Linux system: no instrument plays
    there, so the first other port is taken, and a virtual port when there is no other."""
    world.ports = ["Midi Through:Midi Through Port-0 14:0", "Drum Pad:Drum Pad MIDI 1 24:0"]
    inp = RtMidiInput(None, exact_clock())
    try:
        assert inp.port_name == "Drum Pad:Drum Pad MIDI 1 24:0" and not inp.virtual
    finally:
        inp.close()
    world.ports = ["Midi Through:Midi Through Port-0 14:0"]
    inp = RtMidiInput(None, exact_clock(), client_name="live-midi")
    try:
        assert inp.virtual and inp.port_name == "live-midi:in"
    finally:
        inp.close()


def test_output_sends_short_messages_and_refuses_others(world):
    out = RtMidiOutput("pad")
    out.send(b"\x99\x26\x64")
    out.send([0xFA])

    class MidoLike:  # what send() takes from a mido.Message: its bytes()
        def bytes(self):
            return [0x89, 38, 64]

    out.send(MidoLike())
    for bad in (b"", [0x26, 0x64], [0x90, 200, 1], [0xF0, 1, 0xF7], [0x90, 1, 2, 3]):
        with pytest.raises(ValueError):
            out.send(bad)
    out.close()
    assert world.sent == [[0x99, 0x26, 0x64], [0xFA], [0x89, 38, 64]]
    with pytest.raises(MidiPortError, match="closed"):
        out.send([0xFA])


def test_importing_the_module_loads_no_midi_library():
    code = ("import sys, live.engine.rtmidi_input\n"
            "print([m for m in ('rtmidi', 'mido', 'jack', 'sounddevice') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# ================================================================ real JACK (dummy server)

# header of the reference client's process callback (int64 slots)
C_CLIENT, C_FN_LAST_FRAME_TIME, C_FN_CLOCK, C_TIMESPEC, C_ROWS, C_ROWS_MASK, C_WRITTEN, C_SIZE = range(8)
CLOCK_MONOTONIC = 1


def _cycle_rows_process(nframes, arg):
    """Per JACK cycle: (last_frame_time, CLOCK_MONOTONIC ns at entry) into a ring. GIL-free."""
    h = carray(arg, (C_SIZE,), np.int64)
    call_i32_i32_p(h[C_FN_CLOCK], np.int32(CLOCK_MONOTONIC), as_voidptr(h[C_TIMESPEC]))
    ts = carray(as_voidptr(h[C_TIMESPEC]), (2,), np.int64)
    entry_ns = ts[0] * 1000000000 + ts[1]
    frame = np.int64(call_u32_p(h[C_FN_LAST_FRAME_TIME], as_voidptr(h[C_CLIENT])))
    mask = h[C_ROWS_MASK]
    rows = carray(as_voidptr(h[C_ROWS]), (mask + 1, 2), np.int64)
    i = h[C_WRITTEN] & mask
    rows[i, 0] = frame
    rows[i, 1] = entry_ns
    release_fence()
    h[C_WRITTEN] += 1
    return 0


_compiled = {}


class JackCycleRows:
    """A JACK client in this process that records, every cycle, ``jack_last_frame_time`` and
    ``CLOCK_MONOTONIC`` at entry (what the sampler records as ``R_JACK_FRAME``/``R_HOST_NS``).

    Its process callback is compiled by numba and registered with libjack directly, so it needs
    no GIL (a JACK-Client Python callback would wait behind the busy thread, and on the
    synchronous server the whole graph with it: module doc).
    """

    def __init__(self, client_name: str, *, capacity: int = 1 << 16):
        if "process" not in _compiled:
            _compiled["process"] = cfunc(JACK_PROCESS_SIG, nopython=True, error_model="numpy")(_cycle_rows_process)
        lib = self._lib = load_libjack()
        status = ctypes.c_int(0)
        self._client = lib.jack_client_open(client_name.encode(), JackNoStartServer | JackUseExactName,
                                            ctypes.byref(status))
        assert self._client, f"cannot open JACK client {client_name!r} (status 0x{status.value:x})"
        self._ring = np.zeros((capacity, 2), dtype=np.int64)
        self._timespec = np.zeros(2, dtype=np.int64)
        h = self.header = np.zeros(C_SIZE, dtype=np.int64)
        h[C_CLIENT] = self._client
        h[C_FN_LAST_FRAME_TIME] = function_address(lib.jack_last_frame_time)
        h[C_FN_CLOCK] = clock_gettime_address()
        h[C_TIMESPEC] = self._timespec.ctypes.data
        h[C_ROWS], h[C_ROWS_MASK] = self._ring.ctypes.data, capacity - 1
        assert lib.jack_set_process_callback(self._client, _compiled["process"].address, h.ctypes.data) == 0
        assert lib.jack_activate(self._client) == 0

    def rows(self) -> np.ndarray:
        """Every row so far (the ring holds 87 s at 64 frames), oldest first."""
        written = int(self.header[C_WRITTEN])
        cap = len(self._ring)
        return self._ring[np.arange(max(0, written - cap), written) & (cap - 1)].copy()

    def midi_inputs(self) -> list[str]:
        arr = self._lib.jack_get_ports(self._client, None, JACK_DEFAULT_MIDI_TYPE, 0x1)  # JackPortIsInput
        names = []
        if arr:
            i = 0
            while arr[i]:
                names.append(arr[i].decode())
                i += 1
            self._lib.jack_free(ctypes.cast(arr, ctypes.c_void_p))
        return names

    def close(self) -> None:
        if self._client:
            self._lib.jack_deactivate(self._client)
            self._lib.jack_client_close(self._client)
            self._client = None


def ideal_engine_clock() -> tuple[HostClock, int]:
    """A HostClock for an ideal 48 kHz engine clock (a steady sound card): engine frame 0 at
    host time ``t0_ns`` (now), rows exact. Returns (clock, t0_ns)."""
    t0_ns = time.monotonic_ns()
    frames = np.arange(0, 2 * RATE, 64, dtype=np.int64)
    clock = HostClock()
    clock.update(np.stack([frames, t0_ns + frames * 1_000_000_000 // RATE], axis=1))
    return clock, t0_ns


def true_engine_frames(sent_frames: np.ndarray, rows: np.ndarray, t0_ns: int, *, back: int = 8) -> np.ndarray:
    """Each JACK frame the harness sent at, on the ideal engine clock: the host time at which
    its JACK cycle started plus its offset in the cycle.

    A cycle's start is the least of ``entry_ns - (frame - cycle frame) / rate`` over the cycle
    and the ``back`` cycles before it (the reference client's wake-up delay is never negative,
    so the least delayed of them stands for the cycle start).
    """
    return _truth(sent_frames, rows, t0_ns, back=back)[0]


def cycle_delays_ms(sent_frames: np.ndarray, rows: np.ndarray, *, back: int = 8) -> np.ndarray:
    """How late each message's JACK cycle reached the reference client (ms): its entry time minus
    the cycle start of :func:`true_engine_frames`. A cycle late here is late for rtmidi's client
    too (the same graph, the same cycle)."""
    return _truth(sent_frames, rows, 0, back=back)[1]


def _truth(sent_frames, rows, t0_ns, *, back):
    frames, ns = rows[:, 0], rows[:, 1]
    out, delays = [], []
    for f in np.asarray(sent_frames).tolist():
        i = int(np.searchsorted(frames, f, side="right")) - 1
        assert i >= 0 and f - frames[i] < 64, f"no reference row for JACK frame {f}"
        j = max(0, i - back)
        start_ns = np.min(ns[j:i + 1] + (frames[i] - frames[j:i + 1]) * 1e9 / RATE)
        out.append((start_ns + (f - frames[i]) * 1e9 / RATE - t0_ns) * RATE / 1e9)
        delays.append((ns[i] - start_ns) / 1e6)
    return np.asarray(out), np.asarray(delays)


def busy(stop: threading.Event, counter: list) -> None:
    """Pure Python that holds the GIL as much as the interpreter lets it."""
    while not stop.is_set():
        x = 0
        for i in range(2000):
            x += i * i
        counter[0] += 1


def _stats(err_frames: np.ndarray) -> dict:
    ms = np.asarray(err_frames, dtype=float) / RATE * 1e3
    return {"mean": float(ms.mean()), "sd": float(ms.std()), "max": float(np.abs(ms).max())}


def _fmt(s: dict) -> str:
    return f"mean {s['mean']:+.3f} ms, SD {s['sd']:.3f} ms, max |err| {s['max']:.3f} ms"


# Which messages the bounds are checked on. A JACK cycle that reaches the clients late is late for
# rtmidi's client too, and rtmidi stamps a message when its cycle is processed, so the message is
# stamped late by as much: no polling or anchoring can take that out, and on this shared 2-core VM
# (other engineers' tests and realtime JACK servers running) the dummy driver's cycles were late
# often (docs/performance.md, "python-rtmidi against an ideal clock"). Over all 80 messages the SD
# was 0.39-0.61 ms in attempts without such a burst and 0.78-2.44 ms with one (76 attempts). The
# bounds are therefore checked on the messages, from the 3rd note on, whose cycle reached the
# reference client at most ON_TIME_MS late (the figures over all messages are printed beside
# them), and at least MIN_ON_TIME of the 76 must be such. An attempt out of bounds after jackd
# reported late cycles during its notes is measured again, at most ATTEMPTS in all.
ATTEMPTS = 8  # 5 until CI's run at stop 16: all 5 attempts had xruns, 26 messages on time in the last
ON_TIME_MS = 0.3  # a quiet run's cycles reached the reference client 0.007-0.24 ms after their start
MIN_ON_TIME = 30  # of 76; measured 36-76 on time while other tests ran, 69-76 in most attempts


def _play_40_notes(server, *, with_busy_thread: bool) -> dict:
    """One measurement: the harness plays 40 note-ons (+ note-offs) into rtmidi's JACK port."""
    stop, iterations = threading.Event(), [0]
    with server.activate_environ():  # libjack reads these when rtmidi opens its client
        ref = JackCycleRows("rtref")
        inp = None
        try:
            clock, t0_ns = ideal_engine_clock()
            if with_busy_thread:
                threading.Thread(target=busy, args=(stop, iterations), daemon=True).start()
            inp = RtMidiInput(None, clock, api="jack", client_name="live-rtmidi")
            ours = [p for p in ref.midi_inputs() if p.startswith("live-rtmidi:")]
            assert inp.virtual and ours == [inp.port_name] == ["live-rtmidi:in"]
            harness = start_midi_harness(server, "notes", connect_to=inp.port_name, count=40,
                                         spacing_frames=2411, offset_step=37, go_immediately=True)
            got = []
            with harness:
                harness.wait_ready()
                xruns_before = len(server.xrun_messages())
                deadline = time.monotonic() + 15
                while harness._proc.poll() is None and time.monotonic() < deadline:
                    time.sleep(0.02)
                    got += inp.take_with_arrivals()
                sent = harness.result(timeout_s=5)
            time.sleep(0.05)
            got += inp.take_with_arrivals()
            events, filtered = list(inp.events), inp.filtered
            xruns_during = len(server.xrun_messages()) - xruns_before
            rows = ref.rows()
        finally:
            stop.set()
            if inp is not None:
                inp.close()
            ref.close()
    truth = sent["sent"]  # [[JACK frame, status, data1, data2], ...]
    assert len(truth) == 80 and sent["complete"] and sent["late"] == 0, sent
    # every message arrives, in order, with its bytes
    assert [(m.status, m.data1, m.data2) for m, _ in got] == [tuple(t[1:]) for t in truth]
    assert events == [] and filtered == 0
    frames = np.array([m.frame for m, _ in got], dtype=np.int64)
    arrivals = np.array([a for _, a in got], dtype=np.int64)
    assert (frames <= arrivals).all()
    true = true_engine_frames(np.array([t[0] for t in truth], dtype=np.int64), rows, t0_ns)
    delays = cycle_delays_ms(np.array([t[0] for t in truth], dtype=np.int64), rows)
    on_time = delays <= ON_TIME_MS
    on_time[:4] = False  # and from the 3rd note on, as "settled"
    enough = on_time.sum() >= 2
    return {
        "on_time": _stats(frames[on_time] - true[on_time]) if enough else None,
        "arrival_on_time": _stats(arrivals[on_time] - true[on_time]) if enough else None,
        "n_on_time": int(on_time.sum()), "delay_p50": float(np.median(delays)), "delay_max": float(delays.max()),
        "all": _stats(frames - true),
        "settled": _stats(frames[4:] - true[4:]),  # from the third note on
        "arrival": _stats(arrivals - true),  # unanchored: when Python got each message
        "first_ms": float((frames[0] - true[0]) / RATE * 1e3),
        "busy_iterations": iterations[0], "xruns_during": xruns_during,
    }


def _measure(server, label: str, *, with_busy_thread: bool, bounds) -> dict:
    """Measure and check ``bounds(fig) -> list of what is out of bounds``; measure again (at
    most ATTEMPTS in all) only when a run out of bounds had jackd xruns during the notes.

    A late JACK cycle is late for rtmidi's JACK client too, and rtmidi stamps when it processes
    the cycle: such a run measured the machine's load (on this shared 2-core VM other JACK
    servers and tests ran alongside), not the polling and anchoring. Every out-of-bounds attempt
    measured had such xruns. Every run is printed. A run out of bounds without xruns fails at
    once.
    """
    tried = []
    for attempt in range(1, ATTEMPTS + 1):
        fig = _play_40_notes(server, with_busy_thread=with_busy_thread)
        fig["out_of_bounds"] = bounds(fig)
        tried.append(fig)
        retry = fig["out_of_bounds"] and fig["xruns_during"] and attempt < ATTEMPTS
        print(f"rtmidi on JACK{label}, attempt {attempt}: 80 messages (40 notes + offs, 64-frame "
              f"period, offsets spread); anchored: {_fmt(fig['all'])}; from the 3rd note: "
              f"{_fmt(fig['settled'])}; first message {fig['first_ms']:+.3f} ms; unanchored "
              f"arrival: {_fmt(fig['arrival'])}; busy-thread iterations {fig['busy_iterations']}; "
              f"jackd xruns during the notes {fig['xruns_during']}; server mode {server.mode}; "
              f"cycle delays median {fig['delay_p50']:.3f} max {fig['delay_max']:.3f} ms; from the 3rd note in cycles "
              f"on time ({fig['n_on_time']}): {_fmt(fig['on_time']) if fig['on_time'] else '-'}; their unanchored "
              f"arrival: {_fmt(fig['arrival_on_time']) if fig['arrival_on_time'] else '-'}"
              f"{'; out of bounds after xruns, measuring again' if retry else ''}", file=sys.stderr)
        if not retry:
            break
    assert not fig["out_of_bounds"], f"{fig['out_of_bounds']}; all attempts: {tried}"
    return fig


def _on_time_bounds(fig, *, sd_ms: float, max_ms: float, mean_ms: float) -> list[str]:
    """What is out of bounds among the messages in cycles on time (module comment above ATTEMPTS)."""
    if fig["n_on_time"] < MIN_ON_TIME:
        return [f"only {fig['n_on_time']} messages in cycles on time (< {MIN_ON_TIME})"]
    on = fig["on_time"]
    return [what for what, ok in (
        (f"SD > {sd_ms} ms", on["sd"] <= sd_ms),
        (f"max |error| > {max_ms} ms", on["max"] <= max_ms),
        (f"|mean| > {mean_ms} ms", abs(on["mean"]) <= mean_ms),
    ) if not ok]


def test_rtmidi_on_jack_stamps_every_message_sd_under_0_6_ms_max_under_1_6_ms_in_cycles_on_time(jack_server_sync):
    """Every message arrives, in order, with its bytes; from the 3rd note on, in cycles on time,
    the stamp error has SD <= 0.6 ms, |error| <= 1.6 ms and |mean| <= 0.6 ms.

    Measured 2026-11-30 (docs/performance.md): 18 attempts in 11 runs while other engineers' tests
    and JACK servers ran, SD 0.38-0.52 ms (median 0.40), max 1.14-1.41 ms, mean -0.53..-0.23 ms,
    over 36-76 messages on time. Why not less: rtmidi's JACK backend stamps a whole period when it
    processes it, so offsets spread evenly over 64 frames give 0.385 ms SD alone, and the mean is
    negative because the anchor lines the stamps up on the least-delayed message. This meets the
    DESIGN target (SD <= 0.5 ms) but for one attempt at 0.52 ms; over all messages, late cycles
    included, it does not here (median SD 0.53 ms over 76 attempts)."""
    _measure(jack_server_sync, "", with_busy_thread=False,
             bounds=lambda fig: _on_time_bounds(fig, sd_ms=0.6, max_ms=1.6, mean_ms=0.6))


def test_rtmidi_on_jack_with_a_busy_python_thread_sd_under_1_2_ms_max_under_3_5_ms_in_cycles_on_time(jack_server_sync):
    """The same with a pure-Python busy thread in this process: the polling thread gets each
    message late by GIL hand-overs (up to the 5 ms switch interval); the anchor takes most of that
    out. From the 3rd note on, in cycles on time: SD <= 1.2 ms, |error| <= 3.5 ms, |mean| <= 0.6
    ms, and the anchored SD below the SD of the same messages' unanchored arrivals. (The first
    message has no earlier one to anchor to and keeps its own delay: printed.)

    Measured 2026-11-30 (docs/performance.md): 15 attempts in 11 runs, SD 0.38-0.96 ms (median
    0.48), max 1.11-2.94 ms, mean -0.49..-0.17 ms over 48-76 messages on time; unanchored arrivals
    of the same messages SD 1.66-2.49 ms. This misses the DESIGN target (SD <= 0.5 ms): over 0.5 ms
    in 7 of the 15 attempts, and over all messages from the 3rd note, late cycles included, median
    0.55 ms in 36 attempts."""
    def bounds(fig):
        out = _on_time_bounds(fig, sd_ms=1.2, max_ms=3.5, mean_ms=0.6)
        if fig["busy_iterations"] <= 100:
            out.append("busy thread did not run")
        if not out and fig["on_time"]["sd"] >= fig["arrival_on_time"]["sd"]:
            out.append("anchored SD not below the unanchored arrival SD")
        return out

    _measure(jack_server_sync, " with a busy Python thread", with_busy_thread=True, bounds=bounds)


def test_rtmidi_port_loss_and_return_on_jack(jack_server_sync):
    """Our output's virtual port is the device: closing it is an unplug, opening it again a
    replug. The input says so once each way and takes notes again after the return."""
    server = jack_server_sync
    with server.activate_environ():
        assert "dev:out" not in rtmidi_ports.list_input_ports(api="jack")
        out = RtMidiOutput(None, api="jack", client_name="dev")
        inp = None
        try:
            assert out.virtual and out.port_name == "dev:out"
            assert "dev:out" in rtmidi_ports.list_input_ports(api="jack")
            assert "dev:out" not in rtmidi_ports.list_output_ports(api="jack")
            clock, _ = ideal_engine_clock()
            inp = RtMidiInput("DEV:", clock, api="jack", client_name="live-rtmidi", check_interval_s=0.1)
            assert inp.port_name == "dev:out" and not inp.virtual
            time.sleep(0.1)
            out.send([0x99, 38, 100])
            wait_for(lambda: inp.received == 1)
            out.close()  # unplugged
            wait_for(lambda: inp.status == "waiting")
            out = RtMidiOutput(None, api="jack", client_name="dev")  # plugged in again
            wait_for(lambda: inp.status == "open")
            time.sleep(0.1)  # rtmidi connects the port as it opens; let a few cycles pass
            out.send([0x99, 40, 90])
            wait_for(lambda: inp.received == 2)
            got = inp.take()
            assert [(m.status, m.data1, m.data2) for m in got] == [(0x99, 38, 100), (0x99, 40, 90)]
            assert inp.take_events() == ["MIDI: port 'dev:out' went away; waiting for it",
                                         "MIDI: port 'dev:out' is back"]
        finally:
            if inp is not None:
                inp.close()
            out.close()
