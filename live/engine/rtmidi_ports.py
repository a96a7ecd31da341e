"""python-rtmidi's side of the MIDI edge without JACK: the library (imported on first use), its
APIs, and the ports: listing them, finding one by name, opening it (a virtual port when none is
named and none is there). :class:`~live.engine.rtmidi_input.RtMidiInput` and
:class:`~live.engine.rtmidi_output.RtMidiOutput` open their ports here; ``live devices`` lists
them. Importing this module loads no MIDI library. Realtime-safe: no.
"""

from __future__ import annotations

from typing import Any

from live.engine.system_parts import (
    alsa_library_missing, alsa_sequencer_missing, alsa_sequencer_present, jack_server_missing, quiet_stderr,
)

__all__ = ["MidiPortError", "api_id", "default_port", "find_port", "import_rtmidi", "list_input_ports",
           "list_output_ports", "new_client", "open_port"]

# api argument -> python-rtmidi's API name (rtmidi.get_compiled_api_by_name)
_API_ALIASES = {
    "alsa": "alsa", "jack": "jack", "coremidi": "core", "core": "core",
    "winmm": "winmm", "windows": "winmm",
}


class MidiPortError(RuntimeError):
    """No such MIDI port, or the MIDI system could not be opened. The message lists what exists."""


def import_rtmidi() -> Any:
    """python-rtmidi, imported on first use (a seam for the unit tests' fake: they replace this function).

    Raises
    ------
    MissingPart
        Its wheel's ALSA library (libasound.so.2) is not installed.
    """
    try:
        import rtmidi
    except ImportError as exc:
        if "libasound" in str(exc):
            raise alsa_library_missing() from None
        raise
    return rtmidi


def api_id(rtmidi: Any, api: str | None) -> int:
    """rtmidi's API constant for ``api`` (None: rtmidi's default), or MidiPortError."""
    if api is None:
        return rtmidi.API_UNSPECIFIED
    compiled = [rtmidi.get_api_name(a) for a in rtmidi.get_compiled_api()]
    name = _API_ALIASES.get(str(api).lower())
    api_id = rtmidi.get_compiled_api_by_name(name) if name else rtmidi.API_UNSPECIFIED
    if api_id == rtmidi.API_UNSPECIFIED:
        raise MidiPortError(
            f"MIDI API {api!r}: not available in this python-rtmidi; allowed: None (rtmidi's "
            f"default) or one of {', '.join(compiled) or 'none'} (compiled in here)"
        )
    return api_id


def _api_label(rtmidi: Any, api_id: int) -> str:
    if api_id == rtmidi.API_UNSPECIFIED:
        return "rtmidi's default MIDI API"
    return f"the {rtmidi.get_api_display_name(api_id)} MIDI API"


def new_client(rtmidi: Any, kind: str, api_id: int, client_name: str) -> Any:
    """A new ``rtmidi.MidiIn`` / ``MidiOut`` (``kind`` "input" / "output"), or MidiPortError."""
    cls = rtmidi.MidiIn if kind == "input" else rtmidi.MidiOut
    alsa = api_id == getattr(rtmidi, "API_LINUX_ALSA", None) or (
        api_id == rtmidi.API_UNSPECIFIED and rtmidi.get_compiled_api()[:1] == [getattr(rtmidi, "API_LINUX_ALSA", None)])
    try:
        with quiet_stderr():  # ALSA's and libjack's own lines on failure: said below in one
            return cls(api_id, client_name)
    except Exception as exc:  # rtmidi.SystemError and friends: the MIDI system is not there
        if alsa and not alsa_sequencer_present():
            raise alsa_sequencer_missing() from exc
        if api_id == getattr(rtmidi, "API_UNIX_JACK", None) and "not running" in str(exc):
            raise jack_server_missing("python-rtmidi's JACK MIDI API needs one") from exc
        hint = ""
        if api_id == rtmidi.API_UNSPECIFIED:
            compiled = [rtmidi.get_api_name(a) for a in rtmidi.get_compiled_api()]
            hint = f"; try api= one of {', '.join(compiled)} (e.g. 'jack' when a JACK server runs)"
        raise MidiPortError(
            f"MIDI {kind}: cannot open {_api_label(rtmidi, api_id)}: {str(exc).rstrip('.')}{hint}"
        ) from exc


def _list_ports(kind: str, api: str | None) -> list[str]:
    rtmidi = import_rtmidi()
    client = new_client(rtmidi, kind, api_id(rtmidi, api), "live-list")
    try:
        return list(client.get_ports())
    finally:
        client.delete()


def list_input_ports(api: str | None = None) -> list[str]:
    """Names of the MIDI input ports (sources we can read from) on ``api``.

    Raises
    ------
    MidiPortError
        The API is unknown here or its MIDI system cannot be opened.
    """
    return _list_ports("input", api)


def list_output_ports(api: str | None = None) -> list[str]:
    """Names of the MIDI output ports (destinations we can send to) on ``api``.

    Raises
    ------
    MidiPortError
        The API is unknown here or its MIDI system cannot be opened.
    """
    return _list_ports("output", api)


def find_port(ports: list[str], wanted: str) -> int | None:
    """Index of the port named ``wanted`` (case-insensitive), else of the first whose name
    contains it; None when none does."""
    low = wanted.lower()
    for i, name in enumerate(ports):
        if name.lower() == low:
            return i
    for i, name in enumerate(ports):
        if low in name.lower():
            return i
    return None


def _no_port(kind: str, wanted: str, ports: list[str]) -> MidiPortError:
    listing = "; ".join(repr(p) for p in ports) or "none"
    return MidiPortError(f"MIDI {kind} port {wanted!r}: no port name contains it; {kind} ports here: {listing}")


def default_port(ports: list[str]) -> int | None:
    """The port taken when none is named: the first listed that is not ALSA's "Midi Through"
    (a loopback every Linux system lists first, where no instrument plays); None if no other."""
    for i, name in enumerate(ports):
        if not name.lower().startswith("midi through"):
            return i
    return None


def open_port(client: Any, kind: str, wanted: str | None, port_name: str, client_name: str) -> tuple[str, bool]:
    """Open ``client``'s port: the port matching ``wanted``; when ``wanted`` is None, the
    :func:`default_port`, or a virtual port for others to connect to when there is none.

    Returns (name of the port opened, or ``client_name:port_name`` for a virtual one; virtual?).
    """
    ports = list(client.get_ports())
    if wanted is None:
        index = default_port(ports)
        if index is not None:
            client.open_port(index, port_name)
            return ports[index], False
        try:
            client.open_virtual_port(port_name)
        except Exception as exc:  # WinMM has no virtual ports
            raise MidiPortError(
                f"MIDI {kind}: no {kind} ports here, and this MIDI API cannot open a virtual "
                f"port for others to connect to ({exc}); connect a device or name a port"
            ) from exc
        return f"{client_name}:{port_name}", True
    index = find_port(ports, wanted)
    if index is None:
        raise _no_port(kind, wanted, ports)
    client.open_port(index, port_name)
    return ports[index], False
