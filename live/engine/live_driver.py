"""The live driver: the sampler callback on a real PortAudio stream, never a Python callback.

The compiled callback's address goes to PortAudio through ``sounddevice._StreamBase`` as a C
function pointer, with the sampler's header address as ``userData`` (the way python-rtmixer
hands over its C callback). PortAudio's audio thread then runs machine code that needs no GIL,
so no Python thread, however busy, can make the audio late.

sounddevice (and so PortAudio) is imported here only, when a live session opens a stream:
``live demo`` and the offline tests never load it.
"""

from __future__ import annotations

import ctypes
import time
from typing import Any, Callable

from live.engine import portaudio_instance
from live.engine.sampler import SamplerState
from live.engine.sampler_callback import sampler_callback
from live.engine.system_parts import no_audio_output, portaudio_missing, quiet_stderr

_jack_client_name: Any = None  # PaJack_SetClientName keeps the pointer: keep the buffer alive


def load_sounddevice(jack_client_name: str = "live") -> Any:
    """Import sounddevice, naming our JACK client ``jack_client_name`` where PortAudio has JACK.

    PortAudio reads the name at initialisation and sounddevice initialises it at import, so it
    is terminated, named and initialised again. After :meth:`LiveDriver.abandon` this gives a
    fresh PortAudio (:mod:`live.engine.portaudio_instance`), already named and initialised.
    What PortAudio's host APIs print to stderr while
    they look for devices (libjack's "Cannot connect to server socket" when no server runs) is
    kept off the terminal. A JACK server too busy to answer in time (seen here: a server
    without realtime scheduling on a loaded machine timed out activating PortAudio's client)
    makes PortAudio's initialisation fail: it is tried once more after half a second.

    Raises
    ------
    MissingPart
        PortAudio's library is not installed (the message says how to install it).
    DeviceError
        PortAudio is installed but could not start, twice; or a fresh PortAudio is needed and
        cannot be loaded.
    """
    global _jack_client_name
    with quiet_stderr():
        sd = _portaudio_started(_import_sounddevice)
        try:
            if _portaudio_started(lambda: portaudio_instance.renew_if_abandoned(sd, jack_client_name)):
                return sd
        except portaudio_instance.PortAudioUnavailable as exc:
            raise DeviceError(f"audio: {exc}") from None
        pa = ctypes.CDLL(sd._libname)
        if hasattr(pa, "PaJack_SetClientName") and _jack_client_name is None:
            _jack_client_name = ctypes.create_string_buffer(jack_client_name.encode())
            pa.PaJack_SetClientName.argtypes = [ctypes.c_char_p]
            sd._terminate()
            pa.PaJack_SetClientName(_jack_client_name)
            _portaudio_started(sd._initialize)
        elif not sd._initialized:  # a LiveDriver closed earlier in this process released PortAudio
            _portaudio_started(sd._initialize)
    return sd


def _import_sounddevice() -> Any:
    try:
        import sounddevice as sd
    except OSError:  # sounddevice raises OSError when it cannot find or load libportaudio
        raise portaudio_missing() from None
    return sd


def _portaudio_started(start: Callable[[], Any], *, tries: int = 2, pause_s: float = 0.5) -> Any:
    """``start()`` (an import of sounddevice or its ``_initialize``), again after ``pause_s``
    when PortAudio's initialisation fails; DeviceError after ``tries`` failures."""
    for attempt in range(1, tries + 1):
        try:
            return start()
        except Exception as exc:  # noqa: BLE001  sounddevice.PortAudioError (its module may be half-imported)
            if type(exc).__name__ != "PortAudioError":
                raise
            if attempt == tries:
                raise DeviceError(f"audio: PortAudio could not start ({exc}; tried {tries} times): when a JACK "
                                  "server runs, it did not answer in time; check it (jack_lsp lists its ports) "
                                  "and try again") from None
            time.sleep(pause_s)
    raise AssertionError("unreachable")


def release_portaudio(*, terminate: bool) -> None:
    """After a LiveDriver could not be made (no such device): let the next one list the devices
    afresh (PortAudio lists them when it is initialised). ``terminate``: PortAudio is terminated
    (safe when no stream is open and no JACK server it holds a client of has gone); else it is
    abandoned (:mod:`live.engine.portaudio_instance`) and the next LiveDriver gets a fresh one."""
    import sounddevice as sd

    if not terminate:
        portaudio_instance.abandon(sd)
    elif sd._initialized:
        sd._terminate()


class DeviceError(RuntimeError):
    """No such audio device, or it cannot play what was asked."""


def pick_device(sd: Any, device: int | str | None, kind: str, channels: int) -> int:
    """The PortAudio device to use for ``kind`` ("input" or "output"): given by index or by a
    part of its name that matches one device, else the JACK host API's default when PortAudio
    has JACK, else PortAudio's default.

    Raises
    ------
    DeviceError
        Listing the devices there are, with their host APIs.
    """
    devices = sd.query_devices()
    usable = [i for i, d in enumerate(devices) if d[f"max_{kind}_channels"] >= channels]
    if isinstance(device, str) and device.isdigit():
        device = int(device)
    if device is None:
        for api in sd.query_hostapis():
            if api["name"].startswith("JACK") and api[f"default_{kind}_device"] in usable:
                return api[f"default_{kind}_device"]
        default = sd.default.device[0 if kind == "input" else 1]
        if default in usable:
            return default
    elif isinstance(device, int) and device in usable:
        return device
    elif isinstance(device, str):
        hits = [i for i in usable if device.lower() in devices[i]["name"].lower()]
        if len(hits) == 1:
            return hits[0]
    apis = sd.query_hostapis()
    listing = "; ".join(f"{i}: {devices[i]['name']} ({apis[devices[i]['hostapi']]['name']})" for i in usable)
    if device is None and kind == "output" and not usable and not any(a["name"].startswith("JACK") for a in apis):
        raise DeviceError(str(no_audio_output([a["name"] for a in apis])))
    what = f"no {kind} device" if device is None else f"no single {kind} device matching {device!r}"
    raise DeviceError(f"{what} with {channels} channel(s); {kind}s here: {listing or 'none'}")


class LiveDriver:
    """Plays the sampler through a PortAudio output stream.

    Parameters
    ----------
    state : SamplerState
        The callback's memory; its channel count is the stream's.
    sample_rate : int
        Frames per second asked of the device.
    device : int or str, optional
        PortAudio device index or a substring of its name; default: the JACK host API's
        default output when PortAudio has JACK, else PortAudio's default output.
    blocksize : int
        Frames per callback; 0 lets the host choose (under JACK: the JACK period).
    jack_client_name : str
        Name of our JACK client (its ports are ``NAME:out_0``, ...).

    Notes
    -----
    With ``state.in_channels > 0`` the stream is duplex and the callback copies the microphone
    into the state's input ring. The callback records CLOCK_MONOTONIC with every block.
    """

    def __init__(self, state: SamplerState, *, sample_rate: int = 48000, device: int | str | None = None,
                 blocksize: int = 0, jack_client_name: str = "live"):
        self.state = state
        self.sample_rate = int(sample_rate)
        self._sd = load_sounddevice(jack_client_name)
        self.device = pick_device(self._sd, device, "output", state.channels)
        self.input_device = pick_device(self._sd, device, "input", state.in_channels) if state.in_channels else None
        self.blocksize = blocksize
        self._stream = None
        self._abandoned: tuple = ()
        sd = self._sd
        self.host_api: str = sd.query_hostapis(sd.query_devices(self.device)["hostapi"])["name"]
        """Name of the PortAudio host API of the output device (e.g. ``"JACK Audio Connection Kit"``)."""
        state.use_host_clock()


    def open(self) -> None:
        """Open the stream (the callback does not run until :meth:`start`).

        Raises
        ------
        DeviceError
            When PortAudio cannot open it (the message says why).
        """
        if self._stream is not None:
            return
        sd = self._sd
        duplex = self.input_device is not None
        try:
            self._stream = sd._StreamBase(
                "duplex" if duplex else "output", samplerate=self.sample_rate, blocksize=self.blocksize,
                device=(self.input_device, self.device) if duplex else self.device,
                channels=(self.state.in_channels, self.state.channels) if duplex else self.state.channels,
                dtype="float32", latency="low",
                callback=sd._ffi.cast("PaStreamCallback*", sampler_callback.address),
                userdata=sd._ffi.cast("void*", self.state.userdata),
            )
        except sd.PortAudioError as exc:
            raise DeviceError(f"cannot open the audio stream ({exc})") from None

    def start(self) -> None:
        """Open the stream if it is not open, and start it; the callback runs from now on in
        PortAudio's thread.

        Raises
        ------
        DeviceError
            When PortAudio cannot open or start it.
        """
        self.open()
        try:
            self._stream.start()
        except self._sd.PortAudioError as exc:
            raise DeviceError(f"cannot start the audio stream ({exc})") from None

    @property
    def output_latency_s(self) -> float:
        """PortAudio's stated output latency of the open stream, seconds."""
        if self._stream is None:
            return 0.0
        latency = self._stream.latency
        return float(latency[1] if isinstance(latency, tuple) else latency)

    @property
    def active(self) -> bool:
        """The stream is open and PortAudio says it runs."""
        return self._stream is not None and bool(self._stream.active)

    def stop(self) -> None:
        """Stop and close the stream (the callback no longer runs after this returns)."""
        if self._stream is not None:
            self._stream.stop()
            self._stream.close()
            self._stream = None

    def close(self) -> None:
        """Stop, and release PortAudio (call before the audio server goes away; after it has
        gone, :meth:`abandon`). Nothing to do after :meth:`abandon`."""
        if self._abandoned:
            return
        self.stop()
        self._sd._terminate()

    def abandon(self) -> None:
        """Leave a stream whose audio server or device has gone, without calling PortAudio:
        its stop, close and terminate block for minutes or abort the process then
        (:mod:`live.engine.portaudio_instance`). The stream and the PortAudio it runs on are
        kept, never used again; the next LiveDriver in this process gets a fresh PortAudio.
        Call :meth:`abandon` only once the callback no longer runs (the stream stalled)."""
        if not self._abandoned:
            portaudio_instance.abandon(self._sd)
            self._abandoned = (self._stream,)  # kept, never touched again
            self._stream = None
