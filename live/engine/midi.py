"""MIDI at the edge: messages stamped on the engine clock, from whichever input path runs.

Paths, best first (DESIGN.md section 4):

- JACK (a server runs): :class:`JackMidiInput` over :class:`live.engine.jack_midi.JackMidiClient`,
  whose GIL-free process callback stamps each event with its exact JACK frame; the sampler's
  block rows map JACK frames onto engine frames exactly (:class:`live.engine.clock.FrameMap`).
- python-rtmidi (ALSA, CoreMIDI, WinMM): polled from a thread, never ``set_callback``
  (``live.engine.rtmidi_input``).

mido parses messages for people (names in messages and listings); timestamps never come from it.
"""

from __future__ import annotations

from dataclasses import dataclass

from live.engine.clock import FrameMap
from live.engine.jack_midi import JackMidiClient

NOTE_OFF, NOTE_ON, CONTROL_CHANGE = 0x80, 0x90, 0xB0


@dataclass(frozen=True, slots=True)
class MidiMessage:
    """A short MIDI message at an engine frame.

    Parameters
    ----------
    frame : int
        Engine frame at which it arrived at our port (before any latency correction).
    status, data1, data2 : int
        The message bytes (``data*`` 0 when absent).
    """

    frame: int
    status: int
    data1: int
    data2: int

    @property
    def channel(self) -> int:
        """MIDI channel 1..16."""
        return (self.status & 0x0F) + 1

    @property
    def is_note_on(self) -> bool:
        """A note-on with velocity > 0 (velocity 0 is a note-off by convention)."""
        return self.status & 0xF0 == NOTE_ON and self.data2 > 0

    @property
    def is_note_off(self) -> bool:
        """A note-off, or a note-on with velocity 0 (a note-off by convention)."""
        kind = self.status & 0xF0
        return kind == NOTE_OFF or (kind == NOTE_ON and self.data2 == 0)

    @property
    def is_control_change(self) -> bool:
        return self.status & 0xF0 == CONTROL_CHANGE


class JackMidiInput:
    """MIDI from ``<client>:in``, on the engine clock.

    Parameters
    ----------
    client : JackMidiClient
        The GIL-free JACK MIDI client.
    frame_map : FrameMap
        Fed with the sampler's block rows by the caller (``update``) before each :meth:`take`.
    """

    path = "jack"

    def __init__(self, client: JackMidiClient, frame_map: FrameMap):
        self.client = client
        self.frame_map = frame_map
        self._waiting: list = []

    def take(self) -> list[MidiMessage]:
        """Messages received so far that the frame map can place, in arrival order.

        A message from a cycle whose block row has not been read yet waits for the next call.
        """
        out, waiting = [], []
        for raw in self._waiting + self.client.take():
            frame = self.frame_map.engine_frame(raw.jack_frame)
            if frame is None:
                waiting.append(raw)
            else:
                out.append(MidiMessage(frame, raw.status, raw.data1, raw.data2))
        self._waiting = waiting
        return out
