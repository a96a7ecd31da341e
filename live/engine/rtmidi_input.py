"""MIDI input through python-rtmidi, polled from a thread and stamped on the engine clock
(:class:`RtMidiInput`; output is :mod:`live.engine.rtmidi_output`, the library and its ports
:mod:`live.engine.rtmidi_ports`).

This is the MIDI edge when no JACK server runs (ALSA on Linux, CoreMIDI, WinMM); with JACK,
:class:`live.engine.midi.JackMidiInput` is better (frame-exact). python-rtmidi is imported only
when a port is opened or listed, so importing this module loads no MIDI library, and
``live demo`` never imports it.

How input is stamped (DESIGN.md section 4):

- **Never ``set_callback``**: rtmidi would run Python, holding the GIL, inside the MIDI driver's
  thread (JACK's real-time thread on JACK). A daemon thread polls ``get_message()`` instead,
  sleeping ~1 ms between empty polls, and records for each message ``(time.monotonic_ns()`` at
  arrival, the cumulative sum of rtmidi's delta times, the bytes``)``.
- rtmidi's delta times are measured in the driver's own thread, so the cumulative sum is a good
  clock of when messages happened, up to an unknown origin; the arrival time is late by however
  long the polling thread waited for the GIL. :meth:`RtMidiInput.take` maps each arrival onto
  an engine frame with :meth:`HostClock.frame_at` and hands ``(arrival frame, cumulative s)`` to
  a :class:`MinDelayAnchor`, whose minimum-delay filter finds the origin, so a late GIL
  hand-over does not move a timestamp.

What the delta times are, per API (``api`` argument):

- ``None``: rtmidi's default: the first compiled-in API (on Linux: **ALSA**). The ALSA
  sequencer stamps each event itself when it is queued, and rtmidi takes the delta times from
  those stamps, so they do not depend on when any thread ran. rtmidi does not fall back to
  JACK when the ALSA sequencer is missing (no ``/dev/snd/seq``: containers, CI): it fails, and
  :class:`~live.engine.rtmidi_ports.MidiPortError` says so.
- ``"jack"`` (``rtmidi.API_UNIX_JACK``; used by the tests, since the CI machine has no ALSA
  sequencer): rtmidi's JACK backend takes ``jack_get_time()`` when it processes the period,
  so an event's offset inside the period is lost: error SD ~0.4-0.65 ms at 64 frames
  (DESIGN.md 4). ``tests/test_rtmidi_input.py`` measured, at 64 frames and 48 kHz, SD
  0.41-0.44 ms with stamps ~0.5 ms early on average (each is taken at its period's
  processing; a constant for calibration to remove), and 0.39-0.66 ms from the third note
  with a busy Python thread in the process, where Python's own arrival times had SD 1.6-2.0
  ms. When JACK runs, prefer :class:`live.engine.midi.JackMidiInput` (frame-exact).
- ``"coremidi"`` (CoreMIDI packet time stamps), ``"winmm"`` (WinMM's millisecond stamps).

**Filtered messages keep their time.** Measured here on JACK (RtMidi 5.0.0 in python-rtmidi
1.5.8): with rtmidi's ``ignore_types`` filtering on (rtmidi's default), an ignored message
still restarts rtmidi's delta time, so the next message's delta is counted from the ignored
one and the cumulative sum loses time: a note 0.4 s after the previous one, with active-sense,
clock and sysex messages in between, came with a delta of 0.100 s. A keyboard sending active
sensing every 300 ms would thus wreck the anchor. So ``ignore_types`` is set to let everything
through, every delta is added to the sum, and sysex, timing (clock, MTC) and active-sense
messages are dropped here (:attr:`RtMidiInput.filtered` counts them): the same result as
ignoring them, on every API.

Thread safety: :meth:`RtMidiInput.take` is for one consumer thread (it owns the anchor);
:attr:`RtMidiInput.status` and :attr:`RtMidiInput.events` may be read from any thread. Only
the polling thread touches the rtmidi object after the constructor returns.
:meth:`live.engine.rtmidi_output.RtMidiOutput.send` may be called from any thread (it locks).

Realtime-safe: no (Python threads; nothing here runs in the audio callback).
"""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from typing import Any

from live.engine import rtmidi_ports
from live.engine.clock import ClockNotReady, HostClock, MinDelayAnchor
from live.engine.midi import MidiMessage

__all__ = ["RtMidiInput"]

# Message kinds dropped on input (rtmidi's ignore_types would lose their delta time: module doc)
_SYSEX_BYTES = (0xF0, 0xF7)
_TIMING_BYTES = (0xF1, 0xF8)  # MIDI time code quarter frame, timing clock
_ACTIVE_SENSE = 0xFE

_ALSA_ADDRESS = re.compile(r"\s+\d+:\d+$")  # ALSA appends "client:port" to port names

_monotonic_ns = time.monotonic_ns  # arrival clock (CLOCK_MONOTONIC on Linux); a seam for unit tests


def _is_filtered(data: list[int]) -> bool:
    """Sysex (and its continuations), timing and active-sense messages, and anything not
    starting with a status byte: dropped on input."""
    first = data[0]
    return first in _SYSEX_BYTES or first in _TIMING_BYTES or first == _ACTIVE_SENSE or first < 0x80


class RtMidiInput:
    """MIDI input from a python-rtmidi port, on the engine clock.

    Parameters
    ----------
    port : str or None
        The input port to open: the one named so (case-insensitive), else the first whose name
        contains it. None: :func:`~live.engine.rtmidi_ports.default_port`; when there is none, a virtual input port
        ``<client_name>:<port_name>`` that a device or another program connects to (JACK,
        ALSA, CoreMIDI; WinMM has none). No match: :class:`MidiPortError` listing the ports.
    host_clock : HostClock
        Maps host time onto engine frames; fed by the caller with the sampler's block rows
        (``R_FRAME``, ``R_HOST_NS``). Messages wait (stay queued) until it is ready.
    api : str, optional
        None (rtmidi's default: ALSA on Linux), ``"jack"``, ``"alsa"``, ``"coremidi"`` or
        ``"winmm"``: see the module doc for what each API's delta times are.
    client_name : str
        Our MIDI client's name (on JACK: the JACK client, so the port is ``live:in``).
    port_name : str
        Our port's name.
    poll_interval_s : float
        Sleep between empty polls (default 1 ms).
    check_interval_s : float
        How often the polling thread checks that the port is still listed, and, after it went
        away, whether it is back (default 1 s).
    anchor_window_s : float
        Window of the minimum-delay filter (:class:`MinDelayAnchor`).
    rate_span_s : float
        The anchor's rate (engine frames per second of delta time) is :attr:`HostClock.rate_hz`
        when the first message is stamped, and follows it from then on only while the host
        clock's fit spans at least this long (default 1 s): after a step the fit restarts on a
        short span whose rate is rough.

    Attributes
    ----------
    path : str
        ``"rtmidi"`` (``JackMidiInput.path`` is ``"jack"``).
    port_name : str
        The port opened (the device's port; for a virtual port ``client_name:port_name``).
    virtual : bool
        A virtual port was opened (``port`` None and nothing listed).
    status : str
        ``"open"``, ``"waiting"`` (the port went away) or ``"closed"``.
    events : list of str
        Human-readable lines, one per change, e.g. ``MIDI: port 'X' went away; waiting for it``
        and ``MIDI: port 'X' is back``; :meth:`take_events` returns the ones not yet taken.
    filtered : int
        Sysex, timing and active-sense messages dropped.
    overflowed : int
        Messages lost because ``max_pending`` were waiting for :meth:`take`.

    Notes
    -----
    Port loss: when polling raises, or the port is no longer listed, the port is closed, one
    line is added to :attr:`events`, and it is reopened when a port matching ``port`` (or, for
    ``port=None``, the lost port's name) is listed again; the anchor then starts afresh
    (rtmidi's delta times start again on a new port).

    Realtime-safe: no. :meth:`take` for one consumer thread.
    """

    path = "rtmidi"

    def __init__(
        self,
        port: str | None,
        host_clock: HostClock,
        *,
        api: str | None = None,
        client_name: str = "live",
        port_name: str = "in",
        poll_interval_s: float = 0.001,
        check_interval_s: float = 1.0,
        anchor_window_s: float = 5.0,
        rate_span_s: float = 1.0,
        max_pending: int = 65536,
    ) -> None:
        if not poll_interval_s > 0:
            raise ValueError(f"poll_interval_s: {poll_interval_s}: must be more than 0 s")
        if not check_interval_s > 0:
            raise ValueError(f"check_interval_s: {check_interval_s}: must be more than 0 s")
        if max_pending < 1:
            raise ValueError(f"max_pending: {max_pending}: must be at least 1")
        self.host_clock = host_clock
        self._poll_s = float(poll_interval_s)
        self._check_s = float(check_interval_s)
        self._anchor_window_s = float(anchor_window_s)
        self._rate_span_s = float(rate_span_s)
        self._max_pending = int(max_pending)
        self._rtmidi = rtmidi_ports.import_rtmidi()
        self._api = rtmidi_ports.api_id(self._rtmidi, api)
        self.api = api
        self._client_name = client_name
        self._port_label = port_name

        client = rtmidi_ports.new_client(self._rtmidi, "input", self._api, client_name)
        try:
            self.port_name, self.virtual = rtmidi_ports.open_port(client, "input", port, port_name, client_name)
            client.ignore_types(sysex=False, timing=False, active_sense=False)  # module doc
        except BaseException:
            client.delete()
            raise
        self._client: Any = client  # touched by the polling thread only from here on
        self._reopen_name = port if port is not None else _ALSA_ADDRESS.sub("", self.port_name)

        self._lock = threading.Lock()
        self._pending: deque[tuple[int, int, float, bytes]] = deque()  # (epoch, arrival_ns, cum_s, bytes)
        self._epoch = 0  # counts openings of the port (polling thread writes)
        self.status = "open"
        self.events: list[str] = []
        self._events_taken = 0
        self.filtered = 0
        self.overflowed = 0
        self.received = 0
        self._anchor: MinDelayAnchor | None = None
        self._anchor_epoch = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"rtmidi-in {self.port_name}", daemon=True)
        self._thread.start()

    # --- polling thread -------------------------------------------------------------------

    def _note(self, line: str) -> None:
        self.events.append(line)

    def _run(self) -> None:
        client = self._client
        cum_s = 0.0
        next_check = time.monotonic() + self._check_s
        try:
            while not self._stop.is_set():
                if self.status == "waiting":
                    if self._stop.wait(self._check_s):
                        break
                    client = self._reopen(client)
                    if self.status == "open":
                        cum_s = 0.0
                        next_check = time.monotonic() + self._check_s
                    continue
                try:
                    got = client.get_message()
                except Exception as exc:
                    client = self._lose(client, f"polling failed ({exc})", broken=True)
                    continue
                if got is None:
                    now = time.monotonic()
                    if not self.virtual and now >= next_check:
                        next_check = now + self._check_s
                        try:
                            listed = self.port_name in client.get_ports()
                        except Exception:
                            listed = False
                        if not listed:
                            client = self._lose(client, "")
                            continue
                    time.sleep(self._poll_s)
                    continue
                arrival_ns = _monotonic_ns()
                data, delta_s = got
                cum_s += delta_s  # every message's delta, filtered or not (module doc)
                if not data or _is_filtered(data) or len(data) > 3:
                    self.filtered += 1
                    continue
                with self._lock:
                    if len(self._pending) >= self._max_pending:
                        self._pending.popleft()
                        self.overflowed += 1
                    self._pending.append((self._epoch, arrival_ns, cum_s, bytes(data)))
                    self.received += 1
        finally:
            if client is not None:
                self._release(client)
            self._client = None

    def _release(self, client: Any) -> None:
        try:
            client.close_port()
        except Exception:
            pass
        try:
            client.delete()
        except Exception:
            pass

    def _lose(self, client: Any, why: str, *, broken: bool = False) -> Any:
        """Close the port after it went away; keep the client to list ports (unless broken)."""
        self.status = "waiting"
        self._note(f"MIDI: port {self.port_name!r} went away{'; ' + why if why else ''}; waiting for it")
        if broken:
            self._release(client)
            return None
        try:
            client.close_port()
        except Exception:
            self._release(client)
            return None
        return client

    def _reopen(self, client: Any) -> Any:
        """One attempt to find the port again and open it; returns the client to keep."""
        try:
            if client is None:
                client = rtmidi_ports.new_client(self._rtmidi, "input", self._api, self._client_name)
            ports = list(client.get_ports())
            index = rtmidi_ports.find_port(ports, self._reopen_name)
            if index is None:
                return client
            client.open_port(index, self._port_label)
            client.ignore_types(sysex=False, timing=False, active_sense=False)
        except Exception:
            if client is not None:
                self._release(client)
            return None
        self.port_name = ports[index]
        self._epoch += 1
        self.status = "open"
        self._note(f"MIDI: port {self.port_name!r} is back")
        return client

    # --- consumer -------------------------------------------------------------------------

    def take(self) -> list[MidiMessage]:
        """Messages received since the last call, on engine frames, in arrival order.

        Each message's frame is ``MinDelayAnchor.feed(host_clock.frame_at(arrival_ns),
        cumulative delta s)``, never later than its arrival; the anchor starts afresh when the
        port was reopened, so the first message after opening is stamped from its own arrival
        (its polling delay is not filtered). Before the host clock is ready, messages stay
        queued and ``[]`` is returned.
        """
        return [message for message, _ in self.take_with_arrivals()]

    def take_with_arrivals(self) -> list[tuple[MidiMessage, int]]:
        """As :meth:`take`, each message with the engine frame at which Python received it
        (``arrival - frame`` is the delay the anchor removed: polling, GIL hand-overs)."""
        clock = self.host_clock
        try:
            rate_hz = clock.rate_hz
        except ClockNotReady:
            return []
        with self._lock:
            items = list(self._pending)
            self._pending.clear()
        anchor = self._anchor
        if anchor is None:
            anchor = self._anchor = MinDelayAnchor(rate_hz, window_s=self._anchor_window_s)
        elif clock.span_s >= self._rate_span_s and abs(rate_hz - anchor.rate_hz) > 1e-7 * rate_hz:
            # Follow the clock's rate, but only from a fit over enough rows: right after a
            # step (an xrun) the host clock refits on a short span, and its rate is rough
            # then, while the true rate has not changed.
            anchor.rate_hz = rate_hz
        out = []
        for epoch, arrival_ns, cum_s, data in items:
            if epoch != self._anchor_epoch:
                anchor.reset()
                self._anchor_epoch = epoch
            arrival_frame = clock.frame_at(arrival_ns)
            frame = anchor.feed(arrival_frame, cum_s)
            message = MidiMessage(frame, data[0], data[1] if len(data) > 1 else 0, data[2] if len(data) > 2 else 0)
            out.append((message, arrival_frame))
        return out

    def use_clock(self, host_clock: HostClock) -> None:
        """Map host time with ``host_clock`` from now on (the engine's new stream after an
        audio outage); the anchor starts afresh on it. Call from the :meth:`take` thread."""
        self.host_clock = host_clock
        self._anchor = None

    def take_events(self) -> list[str]:
        """Lines of :attr:`events` added since the last call."""
        n = len(self.events)
        new = self.events[self._events_taken:n]
        self._events_taken = n
        return new

    def close(self) -> None:
        """Stop the polling thread; it closes the port and releases the MIDI client."""
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=5.0)
        self.status = "closed"

    def __enter__(self) -> "RtMidiInput":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"RtMidiInput(port={self.port_name!r}, api={self.api!r}, status={self.status!r})"
