"""MIDI output to an external sound module through python-rtmidi (:class:`RtMidiOutput`):
short messages sent now, from any thread. Realtime-safe: no."""

from __future__ import annotations

import threading
from typing import Any

from live.engine import rtmidi_ports
from live.engine.rtmidi_ports import MidiPortError

__all__ = ["RtMidiOutput"]


def _check_short(message: Any) -> list[int]:
    """The message's bytes as a list, or ValueError saying what is wrong with it."""
    if hasattr(message, "bytes") and callable(message.bytes):  # a mido.Message
        message = message.bytes()
    data = list(bytes(message)) if isinstance(message, (bytes, bytearray, memoryview)) else list(message)
    if not 1 <= len(data) <= 3:
        raise ValueError(f"MIDI message {data}: a short message has 1..3 bytes (sysex is not sent here)")
    if not all(isinstance(b, int) and 0 <= b <= 255 for b in data):
        raise ValueError(f"MIDI message {data}: bytes must be integers 0..255")
    if data[0] < 0x80 or data[0] == 0xF0:
        raise ValueError(f"MIDI message {data}: the first byte must be a status byte 0x80..0xFF other than 0xF0")
    if any(b >= 0x80 for b in data[1:]):
        raise ValueError(f"MIDI message {data}: data bytes must be 0..127")
    return data


class RtMidiOutput:
    """MIDI output to an external sound module through python-rtmidi: messages go out now.

    Parameters
    ----------
    port : str or None
        The output port: named so (case-insensitive), else the first whose name contains it.
        None: :func:`~live.engine.rtmidi_ports.default_port`; when there is none, a virtual output port
        ``<client_name>:<port_name>`` (JACK, ALSA, CoreMIDI). No match: :class:`MidiPortError`
        listing the ports.
    api : str, optional
        As for :class:`RtMidiInput`.
    client_name, port_name : str
        Our MIDI client's and port's names.

    Notes
    -----
    :meth:`send` may be called from any thread. Realtime-safe: no.
    """

    def __init__(self, port: str | None, *, api: str | None = None, client_name: str = "live",
                 port_name: str = "out") -> None:
        rtmidi = rtmidi_ports.import_rtmidi()
        self.api = api
        client = rtmidi_ports.new_client(rtmidi, "output", rtmidi_ports.api_id(rtmidi, api), client_name)
        try:
            self.port_name, self.virtual = rtmidi_ports.open_port(client, "output", port, port_name, client_name)
        except BaseException:
            client.delete()
            raise
        self._client: Any = client
        self._lock = threading.Lock()
        self.sent = 0

    def send(self, message: bytes | list[int] | Any) -> None:
        """Send one short message (1..3 bytes: bytes, a list of ints, or a ``mido.Message``) now.

        Raises
        ------
        ValueError
            Not a short MIDI message.
        MidiPortError
            The output is closed.
        """
        data = _check_short(message)
        with self._lock:
            if self._client is None:
                raise MidiPortError(f"MIDI output {self.port_name!r}: closed")
            self._client.send_message(data)
            self.sent += 1

    def close(self) -> None:
        """Close the port and release the MIDI client."""
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            try:
                client.close_port()
            finally:
                client.delete()

    def __enter__(self) -> "RtMidiOutput":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"RtMidiOutput(port={self.port_name!r}, api={self.api!r})"
