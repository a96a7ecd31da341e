"""MIDI as an input source: the client's notes (and the therapist's controller) through JACK
(``live-midi:in``, on the GIL-free client of :mod:`live.engine.jack_midi`) or python-rtmidi.

A note-on is an input of the source's client, except on the therapist's channels (the
therapist's playing: client None, stored, never scored); a note-off is a release of that note
(:attr:`Polled.releases`); a bound control is a
:class:`~live.activities.types.ControlEvent` at its frame. Inputs are moved back by the MIDI
path's calibrated latency. Under JACK the pads sound from the audio callback; with rtmidi there
is no GIL-free path, so a pad is started from here at a fixed delay after the hit.

Realtime-safe: no (control thread).
"""

from __future__ import annotations

import time
from typing import Any, Callable

from live.activities.types import ControlEvent, Polled
from live.controls import ControlMap
from live.engine.events import InputEvent, ScheduledSound
from live.engine.midi import MidiMessage
from live.run.options import SessionError

__all__ = ["JackMidiPort", "MidiSource", "RtMidiPort"]


class JackMidiPort:
    """``live-midi:in`` on the current stream's JACK MIDI client (a new one after an outage),
    connected to every source whose name contains ``midi_in``; ``live-midi:out`` to every input
    whose name contains ``midi_out``. Says when the source goes away and comes back."""

    path = "jack"

    def __init__(self, audio: Any, *, midi_in: str | None, midi_out: str | None, log: Callable[[str], None]):
        self.audio = audio
        self.midi_in, self.midi_out = midi_in, midi_out
        self.log = log
        self._connected = self._seen = False
        self._checked_s = 0.0
        audio.on_new_stream(lambda stream: self._reconnect())

    def connect(self) -> tuple[list[str], list[str]]:
        """Connect the ports asked for: (sources connected to our input, inputs our output feeds).

        Raises
        ------
        SessionError
            When a port asked for is not there (the message lists those that are).
        """
        return self._connect(self.midi_in, sources=True), self._connect(self.midi_out, sources=False)

    def _connect(self, want: str | None, *, sources: bool) -> list[str]:
        if want is None:
            return []
        client = self.audio.stream.midi_client
        ports = [p for p in client.ports(midi=True, outputs=sources) if not p.startswith("live-midi:")]
        chosen = [p for p in ports if want.lower() in p.lower()]
        if not chosen:
            option, kind = ("--midi-in", "source") if sources else ("--midi-out", "input")
            raise SessionError(f"{option} {want}: no MIDI {kind} port's name contains it; MIDI {kind}s here: "
                               f"{', '.join(ports) or 'none'}")
        for port in chosen:
            if sources:
                client.connect(port)
            else:
                client.connect("live-midi:out", port)
        return chosen

    def _reconnect(self) -> None:
        from live.engine.jack_midi import JackUnavailable

        self._connected = False
        for want, sources, what in ((self.midi_in, True, "MIDI input from"), (self.midi_out, False, "cues sent as MIDI to")):
            try:
                chosen = self._connect(want, sources=sources)
            except (SessionError, JackUnavailable) as exc:
                self.log(f"not yet: {exc}")
            else:
                if chosen:
                    self.log(f"{what} {', '.join(chosen)} again")

    def take(self) -> list[MidiMessage]:
        if not self.audio.playing():
            return []  # the lost stream's client is gone
        self._watch()
        return self.audio.stream.midi_in.take()

    def _watch(self) -> None:
        """Once a second: say when the source goes away or comes back; reconnect a named port."""
        from live.engine.jack_midi import JackUnavailable

        now_s = time.monotonic()
        if now_s - self._checked_s < 1.0:
            return
        self._checked_s = now_s
        connected = self.audio.stream.midi_client.connections() > 0
        if connected and not self._connected:
            self.log("MIDI: a source is connected to live-midi:in" + (" again" if self._seen else ""))
        elif self._connected and not connected:
            self.log("MIDI: nothing is connected to live-midi:in any more; the session goes on and "
                     "takes MIDI again when it returns")
        self._seen |= connected
        self._connected = connected
        if not connected and self.midi_in:
            try:
                self._connect(self.midi_in, sources=True)
            except (SessionError, JackUnavailable):
                pass

    def status(self) -> str:
        return f"MIDI: jack ({'a source is connected' if self._connected else 'nothing connected'})"

    def stats(self) -> dict[str, Any]:
        return self.audio.midi_client_stats()

    def close(self) -> None:
        pass  # the client closes with its stream (LiveAudio.close)


class RtMidiPort:
    """A port opened through python-rtmidi (its times mapped through the current stream's clock)."""

    path = "rtmidi"

    def __init__(self, audio: Any, *, midi_in: str | None, api: str | None, log: Callable[[str], None]):
        from live.engine.rtmidi_input import RtMidiInput
        from live.engine.rtmidi_ports import MidiPortError

        try:
            self.midi = RtMidiInput(midi_in, audio.stream.host_clock, api=api, client_name="live-midi")
        except (MidiPortError, RuntimeError, OSError) as exc:
            raise SessionError(str(exc)) from None
        self.log = log
        audio.on_new_stream(lambda stream: self.midi.use_clock(stream.host_clock))

    def connect(self) -> tuple[list[str], list[str]]:
        return [self.midi.port_name], []  # opened by name already

    def take(self) -> list[MidiMessage]:
        for line in self.midi.take_events():
            self.log(line)
        return self.midi.take()

    def status(self) -> str:
        return "MIDI: rtmidi"

    def stats(self) -> dict[str, Any]:
        return {"path": "rtmidi", "filtered": self.midi.filtered}

    def close(self) -> None:
        self.midi.close()


class MidiSource:
    """A MIDI port as an input source of ``client``.

    Parameters
    ----------
    port : JackMidiPort or RtMidiPort
    controls : ControlMap
        The therapist's bindings and channels.
    client : str
        Whose inputs its notes are (the therapist's channels aside).
    latency_frames : int
        The MIDI path's calibrated latency, subtracted from every input's frame.
    pad : callable
        Called with each note-on that is not bound to a control (rtmidi: starts its pad).
    """

    name = "midi"

    def __init__(self, port: Any, *, controls: ControlMap, client: str, latency_frames: int = 0,
                 pad: Callable[[MidiMessage], None] = lambda msg: None):
        self.port = port
        self.controls = controls
        self.client = client
        self.latency_frames = latency_frames
        self.pad = pad

    def poll(self, now_frame: int) -> Polled:
        inputs, controls, releases = [], [], []
        for msg in self.port.take():
            control = self.controls.match(msg.status, msg.data1, msg.data2)
            if control is not None:
                controls.append(ControlEvent(msg.frame, control.action, control.value))
            elif msg.is_note_on or msg.is_note_off:
                therapist = self.controls.is_therapist(msg.status)
                ev = InputEvent(frame=msg.frame - self.latency_frames, source="midi", note=msg.data1,
                                velocity=msg.data2 if msg.is_note_on else 0, client=None if therapist else self.client)
                if msg.is_note_off:
                    releases.append(ev)
                    continue
                inputs.append(ev)
                self.pad(msg)
        return Polled(inputs=inputs, controls=controls, releases=releases)

    def status(self) -> str:
        return self.port.status()


def rtmidi_pad(feedback: Any, *, sound: str, delay_frames: int, silent_notes: set[int],
               therapist_channels: frozenset[int] = frozenset()) -> Callable[[MidiMessage], None]:
    """rtmidi's pads: each note-on not bound to a control plays ``sound`` ``delay_frames`` after it
    (while the run's activity gives the client's inputs their sounds, only the therapist's, on
    ``therapist_channels`` 1..16)."""
    def play(msg: MidiMessage) -> None:
        therapist = (msg.status & 0x0F) + 1 in therapist_channels
        if msg.data1 not in silent_notes and (therapist or not feedback.by_activity):
            feedback.play(ScheduledSound(msg.frame + delay_frames, sound, gain=0.8 * msg.data2 / 127), stored=False)
    return play
