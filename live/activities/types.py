"""The types every layer above the activities shares: what a run is told, what it answers.

An activity is started with an :class:`ActivityContext`, scores each input into a
:class:`Response` (the input, the :class:`Target` it was scored against, an error in ms and the
extra fields the activity declares), takes the therapist's :class:`ControlEvent` s, shows the
console :class:`LiveNumber` s and ends with a :class:`Summary` (metrics overall, per phase and
per trial). :class:`RecordNames` is how an activity's responses are named in records (CSV
columns, JSON keys). Inputs reach a session through :class:`InputSource` s, each polled into a
:class:`Polled` (the client's inputs and the therapist's controls).

These live at the activities layer, below the store, the user interface and the session loop,
so every one of them imports them downward.

Realtime-safe: no (control thread and below; never the audio callback).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Protocol, runtime_checkable

from live.engine.events import InputEvent, Release

__all__ = [
    "ActivityContext", "AudioChunk", "ControlEvent", "HearsAudio", "KeepsAudio", "SingsAudio", "InputSource", "LiveNumber", "MidiTrack", "NotePlot", "Polled", "RecordNames", "Response",
    "Summary", "Target", "GENERIC_RECORD_NAMES", "FixedEnds",
]


class FixedEnds:
    """For an activity whose planned sounds' ends never move: :meth:`take_releases` (the
    :class:`~live.activities.protocol.Activity` protocol's) has nothing to give."""

    def take_releases(self) -> list[Release]:
        return []


@dataclass(frozen=True, slots=True)
class ActivityContext:
    """What a run needs to know about the engine it plays on.

    Parameters
    ----------
    sample_rate : int
        Frames per second of the engine clock.
    start_frame : int
        Engine frame of the run's first moment (its first sound, or the start of a baseline).
    sound_names : frozenset of str
        Sounds the bank holds.
    session_start_frame : int
        Engine frame of the session's start (its time 0 in records that count from it).
    realtime : bool
        Whether the clock runs in real time (``live run``): work that takes long (a sung
        answer's analysis) must then not hold up the control thread; offline (``live demo``) it
        may, and the result must not depend on how long it took.
    """

    sample_rate: int
    start_frame: int
    sound_names: frozenset[str] = frozenset()
    session_start_frame: int = 0
    realtime: bool = False


@dataclass(frozen=True, slots=True)
class Target:
    """What an input was scored against.

    Parameters
    ----------
    index : int
        Its number in the run: a beat, a call's onset, a pulse (0 = the first scored one).
    frame : int
        Engine frame of the target.
    kind : str
        What it is: ``"beat"``, ``"call_onset"``, ``"pulse"``, ...
    """

    index: int
    frame: int
    kind: str


@dataclass(frozen=True, slots=True)
class Response:
    """A client's input with its score.

    Parameters
    ----------
    event : InputEvent
        The input that was scored.
    target : Target or None
        What it was matched to; None when unmatched (an extra input).
    error_ms : float or None
        ``1000 * (event.frame - target.frame) / sample_rate`` (ms, negative = early); None when
        unmatched.
    extra : mapping
        The fields the activity declares in ``response_fields`` (a trial number, a pitch, ...).
    """

    event: InputEvent
    target: Target | None
    error_ms: float | None
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Summary:
    """A run's metrics, computed by the activity's batch metric functions when the run ends.

    Parameters
    ----------
    metrics : dict
        Metric name -> value over the whole run (stored as phase ``"all"``); None where a value
        is undefined (never NaN). Values are numbers, or strings for the metrics the activity
        declares as text.
    phases : dict
        Phase name (``"baseline"``, ``"cue"``, ``"continuation"``, ...) -> that phase's metric
        dict, in the order the phases ran.
    trials : tuple of dict
        Per trial (a call and its answer, ...): metric name -> value, plus ``"index"`` (the
        trial's number, 0-based); a field may also be a list (of numbers, or of dicts of
        numbers and None: a call's notes), stored as it is. Empty for activities without trials.
    extras : dict
        What else the activity tells about the run, JSON-ready, under keys of its own that
        ``live demo --json`` gives beside the summary (the improvisation's ``backing``: the key
        and the chords that sounded); not metrics, so not stored as such.
    """

    metrics: dict[str, Any]
    phases: dict[str, dict[str, Any]] = field(default_factory=dict)
    trials: tuple[dict[str, Any], ...] = ()
    extras: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ControlEvent:
    """A therapist's control at the frame it was given.

    Parameters
    ----------
    frame : int
        Engine frame of the control.
    action : str
        ``"tempo_set"`` (to ``value`` BPM), ``"tempo_up"``/``"tempo_down"`` (by ``value`` BPM),
        ``"next"``, ``"stop"``, ``"mark"``, and room for ``"chord"``, ``"key"``, ...; an
        activity ignores the actions it has no use for.
    value : float or None
        The action's number, where it has one.
    text : str or None
        A mark's note, a chord symbol, a key name, ...
    """

    frame: int
    action: str
    value: float | None = None
    text: str | None = None


@dataclass(frozen=True, slots=True)
class LiveNumber:
    """One number the console shows while a run plays, as the activity declares it.

    Parameters
    ----------
    label : str
        What it is, for the therapist (``"Tempo"``, ``"Hit rate"``).
    value : float, int, str or None
        The number (None: not known yet, shown as ``-``), or a text such as ``"12 / 200"``.
    unit : str
        Printed after the value (``"BPM"``, ``"ms"``); may be empty.
    fmt : str
        Format spec for a numeric value (``".1f"``, ``"+.1f"``, ``"d"``).
    """

    label: str
    value: float | int | str | None
    unit: str = ""
    fmt: str = ".1f"

    def text(self) -> str:
        """The value as printed, with its unit: ``"120.0 BPM"``; ``"-"`` alone when unknown."""
        if self.value is None:
            return "-"
        if isinstance(self.value, str):
            shown = self.value
        else:
            shown = format(self.value, self.fmt)
        return f"{shown} {self.unit}".rstrip() if self.unit else shown


@dataclass(frozen=True, slots=True)
class RecordNames:
    """How an activity's responses are named in records.

    Parameters
    ----------
    target : str
        What a target is called: ``"beat"`` gives columns ``beat_index`` and ``beat_time_s``.
    error : str
        The name of a response's error in ms: ``"asynchrony_ms"``, ``"timing_error_ms"``.
    unmatched : str
        What an input matched to no target is, in the records' column notes
        (``"an extra tap"``).
    """

    target: str
    error: str
    unmatched: str = "an extra input"

    @property
    def index(self) -> str:
        """Column of the target's number: ``<target>_index``."""
        return f"{self.target}_index"

    @property
    def frame(self) -> str:
        """Column of the target's engine frame: ``<target>_frame``."""
        return f"{self.target}_frame"

    @property
    def time_s(self) -> str:
        """Column of the target's time in seconds: ``<target>_time_s``."""
        return f"{self.target}_time_s"


GENERIC_RECORD_NAMES = RecordNames(target="target", error="error_ms")
"""Names for responses of an activity this version does not know (an old or foreign database)."""


@dataclass(frozen=True, slots=True)
class NotePlot:
    """One plot of the session note (``live export --format html|pdf``), drawn by the activity
    over its own runs of a session.

    Parameters
    ----------
    name : str
        Its id in the HTML note (letters, digits, ``-``): ``"asynchrony"``.
    draw : callable
        ``draw(record) -> matplotlib.figure.Figure``. ``record`` is the stored session as the
        records read it (:func:`live.store.records.load_session`) with only this activity's
        runs, and ``origin_frame``, the session's time 0: keys ``sample_rate``,
        ``origin_frame``, ``notes`` (each with ``frame``, None when on no moment), ``runs``
        (each with ``position``, ``params``, ``phases``, ``trials``, ``sounds``, ``inputs`` and
        ``responses``: ``frame``, ``target_index``, ``target_frame`` (None when unmatched),
        ``error_ms``, ``extra``).
    wide : bool
        The whole width of the PDF page, else half of it.
    """

    name: str
    draw: Callable[[Mapping[str, Any]], Any]
    wide: bool = False


@dataclass(frozen=True, slots=True)
class MidiTrack:
    """A track of its own an activity adds to the session's MIDI export (``live export --format
    midi``), e.g. call-and-response's calls and answers. Declared (optionally) as the class's
    ``midi_tracks``.

    Parameters
    ----------
    name : str
        The track's name (``"call"``).
    notes : callable
        ``notes(run, sample_rate) -> list of (frame, channel, note, velocity, length_frames)``
        for one stored run of the activity (as :class:`NotePlot` gets them): engine frames,
        MIDI channel 0..15, note 0..127, velocity 1..127, length in frames.
    """

    name: str
    notes: Callable[[Mapping[str, Any], int], list[tuple[int, int, int, int, int]]]


@dataclass(frozen=True, slots=True)
class Polled:
    """What one poll of an input source gave: the client's inputs and the therapist's controls,
    each in frame order; and the note-offs (``releases``: an :class:`InputEvent` of velocity 0 for
    the note it ends, never scored), which end the sustained sounds their note-ons started."""

    inputs: list[InputEvent] = field(default_factory=list)
    controls: list[ControlEvent] = field(default_factory=list)
    releases: list[InputEvent] = field(default_factory=list)
    audio: "AudioChunk | None" = None
    """The client's audio input since the last poll (a voice source's), or None."""


@dataclass(frozen=True, slots=True)
class AudioChunk:
    """Consecutive samples of a client's audio input (a voice at a microphone).

    Attributes
    ----------
    first_frame : int
        The engine frame of the first sample (the input path's calibrated latency taken off).
    samples : numpy.ndarray
        One channel, float32, full scale 1.0.
    client : str
        Whose voice it is.
    source : str
        The input path its notes are stamped with (``"mic"``; ``"sim"``: a simulated singer).
    reference : numpy.ndarray or None
        What the engine played as it reaches the microphone at the same frames (float32, the
        samples' length: the played ring one loopback latency earlier,
        :func:`live.run.sources.mic.played_at_mic`), so the engine's own sound picked up by the
        microphone (bleed) is not taken for the client's; None: nothing to leave out.
    """

    first_frame: int
    samples: Any
    client: str
    source: str = "mic"
    reference: Any = None


@runtime_checkable
class SingsAudio(Protocol):
    """A simulated client whose answers are audio (a simulated singer): its source polls it."""

    def audio_before(self, frame: int) -> AudioChunk | None:
        """Its audio before ``frame`` not given yet (None: none)."""
        ...


@runtime_checkable
class HearsAudio(Protocol):
    """An activity that listens to the client's audio input itself (a sung answer): the loop
    hands it every :class:`AudioChunk` a source polled, in frame order."""

    def on_audio(self, chunk: AudioChunk) -> None:
        """Keep what it needs of ``chunk`` (cheap: runs every control step)."""
        ...


@runtime_checkable
class KeepsAudio(Protocol):
    """An activity that keeps some of the client's audio input for the record (a sung answer's
    window): the loop takes what it kept at each control step and the session writer stores it
    (the store's ``run_audio``), so the session's WAV export carries it at its frames."""

    def take_audio_clips(self) -> list[AudioChunk]:
        """The clips kept since the last call, each whole and final, at its first engine frame."""
        ...


@runtime_checkable
class InputSource(Protocol):
    """Where inputs come from: a MIDI port, the client's screen, a microphone, a simulated client.

    Each source is built with the client it belongs to (for MIDI: each channel's client, the
    therapist's channels None), so the session loop never decides whose an input is.

    Realtime-safe: no (polled from the control thread).
    """

    name: str
    """``"midi"``, ``"touch"``, ``"mic"``, ``"sim"``, ..."""

    def poll(self, now_frame: int) -> Polled:
        """The inputs and controls that arrived since the last poll, up to ``now_frame``."""
        ...

    def status(self) -> str:
        """One line for the console: what the source is and how it is doing."""
        ...
