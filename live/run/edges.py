"""The edges of the session loop: what it drives and what it is fed through, each a Protocol.

The loop (:mod:`live.run.loop`) knows these and nothing behind them:

- :class:`AudioEdge`, the driver: the engine's clock, where sounds are scheduled, one control
  step at a time (offline: :class:`live.run.offline.OfflineAudio`, the clock moved by hand;
  live: :class:`live.run.live_audio.LiveAudio`, PortAudio and the JACK MIDI client, which also
  notices the audio going away and coming back: :class:`AudioLost`, :class:`AudioBack`);
- input sources (:class:`live.activities.types.InputSource`): JACK MIDI, python-rtmidi, the
  client's touches, a microphone, the therapist's console keys, a simulated client, scripted
  controls. Each is built with the client its inputs belong to; an edge that is not there is
  simply not in the list;
- :class:`Listener`: what hears every planned sound (a simulated client, the MIDI output to a
  sound module);
- :class:`BatchWriter`: hands batches to the store (offline: written at once; live: on the
  session writer's thread);
- :class:`ConsoleEdge`: the therapist's view (the console, or nothing but log lines);
- :class:`ScreenEdge`: the client's screen (the pads of each run, its visual cues, the
  activity's prompts and pad changes).

Realtime-safe: no (control thread).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Protocol, Sequence

from live.activities.types import AudioChunk, Response
from live.engine.events import InputEvent, Release, ScheduledSound, ScreenCue

__all__ = [
    "AudioBack", "AudioEdge", "AudioLost", "BatchWriter", "ConsoleEdge", "ConsoleView", "Listener", "ScreenEdge",
    "Control",
]

Control = tuple[int, str, "float | None", "str | None"]
"""A stored control: (frame, action, value, what it did)."""


@dataclass(frozen=True, slots=True)
class AudioLost:
    """The audio stream stopped at ``frame`` (the last frame heard).

    Parameters
    ----------
    frame : int
        The last engine frame played.
    stopped_ns : int
        ``CLOCK_MONOTONIC`` ns at which that frame played.
    started_at : datetime.datetime
        The same moment on the wall clock (aware, UTC).
    device : str
        What was lost (``"audio on JACK Audio Connection Kit"``).
    reason : str
        How it was noticed (``"no audio for 1 s"``).
    """

    frame: int
    stopped_ns: int
    started_at: Any
    device: str
    reason: str


@dataclass(frozen=True, slots=True)
class AudioBack:
    """The audio plays again; its first frame continues the session's timeline.

    Parameters
    ----------
    frame : int
        The new stream's first frame (the outage's end on the session's timeline).
    ended_at : datetime.datetime
        When it was back, on the wall clock (aware, UTC).
    reopen_s : float
        How long opening it took once the device was there.
    timeline_error_frames : float
        Its first block's frame minus where the monotonic clock puts it (positive: ahead).
    host_api : str
        What plays it now.
    """

    frame: int
    ended_at: Any
    reopen_s: float
    timeline_error_frames: float
    host_api: str


class AudioEdge(Protocol):
    """The driver: the engine's clock and where sounds go, stepped by the loop.

    Realtime-safe: no (the control thread; the audio callback runs behind it).
    """

    sample_rate: int
    sound_names: frozenset[str]

    def now_frame(self) -> int:
        """The session's frame now: the engine's clock (during an outage, where the session's
        timeline is: the frame a stream opened now would start at)."""
        ...

    def step(self) -> AudioLost | AudioBack | None:
        """Let one control step pass (offline: render it; live: sleep it and read the clock),
        and say whether the audio went away or came back during it."""
        ...

    def playing(self) -> bool:
        """True while sounds scheduled now will be heard (False during an outage)."""
        ...

    def schedule(self, sound: ScheduledSound, *, key: int = -1) -> None:
        """Queue ``sound`` at its frame (only while :meth:`playing`); ``key`` (0 .. 2**20 - 1)
        names it for a later :meth:`release`."""
        ...

    def release(self, key: int, frame: int) -> None:
        """Start the release of the sounds queued with ``key`` at ``frame`` (a note-off)."""
        ...

    def release_sound(self, release: Release) -> None:
        """Move the release of a sound :meth:`schedule` queued to ``release.frame`` (only while
        :meth:`playing`; nothing when it is not earlier than the sound's planned end)."""
        ...

    def host_ns_at(self, frame: int) -> int | None:
        """``CLOCK_MONOTONIC`` ns at which ``frame`` is heard (None while the clock is not known)."""
        ...

    def frame_at_host_ns(self, host_ns: int) -> int:
        """The engine frame of a moment on the monotonic clock (now's frame when not known)."""
        ...

    def status(self) -> str:
        """One console line: what plays and how it is doing."""
        ...

    def stats(self) -> dict[str, Any]:
        """The callback's counters, over every stream the session played on."""
        ...


class Listener(Protocol):
    """Hears every sound the activity plans (a simulated client, the MIDI output)."""

    def run_started(self, activity: type, params: Any, start_frame: int) -> None:
        """A run of ``activity`` (its class) with ``params`` starts at ``start_frame``."""
        ...

    def planned(self, sounds: Sequence[ScheduledSound], until_frame: int) -> None:
        """``sounds`` were just planned (frame order); every sound before ``until_frame`` is known."""
        ...


class BatchWriter(Protocol):
    """Hands what a run played and scored to the store, a batch at a time (<= 0.5 s apart)."""

    def start_run(self) -> None:
        """A run starts: its batches are timed from now."""
        ...

    def due(self, now_frame: int) -> bool:
        """True when the next batch should go now (the batch period counts from here)."""
        ...

    def batch(self, run_id: int, *, sounds: list[ScheduledSound], inputs: list[InputEvent],
              responses: list[Response], controls: list[Control], releases: Sequence[Release] = (),
              audio: Sequence[AudioChunk] = ()) -> None:
        """Store one batch (in one transaction); ``audio``: clips of audio input the activity kept
        (:class:`~live.activities.types.KeepsAudio`), encoded on the writer's side."""
        ...

    def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """Another store write, in order with the batches (a marked moment)."""
        ...

    def flush(self) -> None:
        """Return once everything handed over is written (raises a write's failure)."""
        ...

    def close(self) -> None:
        """Flush and stop; raises a write's failure."""
        ...

    def stats(self) -> dict[str, Any]:
        """How the writes went (``live run --json``'s ``writer``); empty when not measured."""
        ...


@dataclass(frozen=True, slots=True)
class ConsoleView:
    """What the session shows the therapist at each step: who, which run, its state
    (``"playing"``, ``"stopped"``, ``"AUDIO LOST"``, ``"saving"``), the activity's live numbers
    (:class:`live.activities.types.LiveNumber`) and one line per device."""

    session_id: str
    client: str
    activity: str
    run_number: int
    presets_left: int
    state: str
    elapsed_s: float
    numbers: tuple = ()
    devices: tuple[str, ...] = ()


class ConsoleEdge(Protocol):
    """The therapist's view of the session (the curses console, or only log lines)."""

    waits_for_start: bool
    """After the therapist stops a run, the session waits for them to start the next one
    (True with a console to press a key at; without one, a stop ends the session)."""

    def log(self, line: str) -> None:
        """One line for the therapist."""
        ...

    def show(self, view: Callable[[], ConsoleView]) -> None:
        """The session's state now: ``view()`` makes it (a console that shows nothing never
        calls it, so nothing is computed for it)."""
        ...

    def close(self) -> None:
        """Show the last view as ``"saving"`` and stop showing (the terminal is the shell's
        again; later lines go to stderr)."""
        ...


class ScreenEdge(Protocol):
    """The client's screen: each run's pads and the visual cues of its sounds."""

    def set_layout(self, layout: Any) -> None:
        """Show a run's pads (its preset's ``[screen]``) at its start."""
        ...

    def show_cues(self, cues: Iterable[ScreenCue]) -> None:
        """Cues just planned (beats, prompts, pads lit, pads' looks), each to be drawn when its
        frame sounds."""
        ...

    def status(self) -> str:
        """One console line."""
        ...

    def close(self) -> None:
        ...
