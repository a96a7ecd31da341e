"""The Activity protocol: everything a session needs from an activity, and nothing more.

A session (offline or live) builds the activity from a preset's params, starts it on the
engine, and then, every control step: asks it to :meth:`~Activity.plan` the sounds inside the
look-ahead, hands it each input (:meth:`~Activity.on_input`) and each therapist's control
(:meth:`~Activity.on_control`), shows its :meth:`~Activity.live_numbers` on the console and
sends its :meth:`~Activity.take_cues` to the client's screen. The therapist's own notes go to
:meth:`~Activity.on_therapist_input`. At the end it stores its
:meth:`~Activity.summary` and :meth:`~Activity.final_responses`. The class itself declares
what records need: its metric catalogue, how its responses are named, the extra fields they
carry, the simulated client that plays it in ``live demo`` and the tests, and the pitched notes
a run will play (rendered into the bank before the session).

Realtime-safe: no (control thread; never the audio callback).
"""

from __future__ import annotations

from typing import Any, ClassVar, Iterable, Mapping, Protocol, runtime_checkable

from live.activities.types import (
    ActivityContext,
    ControlEvent,
    LiveNumber,
    NotePlot,
    RecordNames,
    Response,
    Summary,
)
from live.engine.events import InputEvent, Release, ScheduledSound, ScreenCue
from live.engine.instruments import PitchedNote
from live.metrics.info import MetricInfo
from live.sim.base import SimulatedClient

__all__ = ["Activity"]


@runtime_checkable
class Activity(Protocol):
    """What every activity provides. Instance methods run on the control thread.

    Class attributes
    ----------------
    name : str
        The name presets give in ``activity = "..."`` (and the folder ``presets/<name>/``).
    Params : type
        Its frozen params dataclass (fields made with :func:`live.config.params.param`).
    metrics : mapping of str to MetricInfo
        Its metric catalogue: every metric its summaries hold (label, unit, UCUM code, format,
        which direction is better).
    target_kind : str
        What its responses are scored against (``"beat"``).
    record_names : RecordNames
        How its responses are named in records (``beat_index``, ``asynchrony_ms``).
    response_fields : tuple of str
        The keys of each response's ``extra`` (CSV columns after the common ones).
    note_table : mapping of str to str
        The session note's per-phase table: metric -> column heading, in order.
    note_plots : tuple of NotePlot
        The session note's plots of this activity's runs.
    plays_inputs : bool
        The client's inputs sound as :meth:`input_sounds` says (a pad plays the scale note it
        stands for); False: they sound as the session's pad sound, the same for every input.

    Realtime-safe: no.
    """

    name: ClassVar[str]
    Params: ClassVar[type]
    metrics: ClassVar[Mapping[str, MetricInfo]]
    target_kind: ClassVar[str]
    record_names: ClassVar[RecordNames]
    response_fields: ClassVar[tuple[str, ...]]
    note_table: ClassVar[Mapping[str, str]]
    note_plots: ClassVar[tuple[NotePlot, ...]]
    plays_inputs: ClassVar[bool]

    def __init__(self, params: Any) -> None: ...

    @classmethod
    def with_phase_length(cls, params: Any, seconds: float) -> Any:
        """``params`` with each phase ``seconds`` long (``live run --duration``); the rest kept."""
        ...

    @classmethod
    def simulated_client(cls, params: Any, *, seed: int, sample_rate: int, client: str,
                         **rates: float) -> SimulatedClient:
        """The simulated client who plays a run with ``params``: seeded by ``seed``, stamping
        ``client``; ``rates`` (e.g. ``miss_rate``, ``extra_rate``) set how often it errs."""
        ...

    @classmethod
    def simulated_therapist(cls, params: Any, *, seed: int, sample_rate: int) -> SimulatedClient | None:
        """The simulated therapist who plays along in ``live demo`` on the therapist's channel
        (inputs with ``client`` None, through the same input path as a therapist's keyboard),
        seeded by ``seed``; None when a run with ``params`` has no part for the therapist."""
        ...

    @classmethod
    def pitched_notes(cls, params: Any) -> Iterable[PitchedNote]:
        """Every pitched note (instrument, MIDI note, velocity) a run with ``params`` may play,
        its own and its simulated players': the session renders them into the bank before its
        first run (the audio callback plays only what the bank holds). Empty when it plays no
        pitched instrument."""
        ...

    @classmethod
    def soundfont(cls, params: Any) -> str | None:
        """The SoundFont file (.sf2/.sf3) a run with ``params`` names for its pitched notes;
        None: the setting's (``LIVE_SOUNDFONT``) or Debian's General MIDI one."""
        ...

    def start(self, ctx: ActivityContext) -> None:
        """Begin the run on an engine whose clock and bank ``ctx`` describes."""
        ...

    def plan(self, until_frame: int) -> Iterable[ScheduledSound]:
        """Sounds starting before ``until_frame`` not returned by an earlier call, in frame order."""
        ...

    def take_releases(self) -> list[Release]:
        """Sounds returned by :meth:`plan` whose release moved earlier since the last call (a
        held chord the harmony changed under: its note-off at the change), each from its
        :class:`~live.engine.events.Release` frame; empty for an activity whose planned ends
        never move."""
        ...

    def take_cues(self) -> list[ScreenCue]:
        """What the client's screen is to show, planned since the last call, each at its frame
        (drawn early by the screen's display latency): beat cues (:class:`Cue`), a prompt
        (:class:`ScreenPrompt`: ``"listen"``, ``"your turn"``, ``""`` to clear it), pads lit for
        a while (:class:`PadLight`: a call's notes as they sound), and the pads' labels,
        palette colours and marked pads from a frame on (:class:`PadLook`: the call's note
        names; scale degrees, a colour per degree, the tonic marked). Classes from
        :mod:`live.engine.events`."""
        ...

    def on_input(self, ev: InputEvent) -> Iterable[Response]:
        """Score one client input as it arrives (provisionally: the summary rescores the run)."""
        ...

    def on_therapist_input(self, ev: InputEvent) -> Iterable[ControlEvent]:
        """Take one note the therapist played (``ev.client`` None: stored, never scored as the
        client's), e.g. a call's note or a chord. Returns the controls it amounts to (a chord
        recognised: ``ControlEvent(frame, "chord", text=...)``; none for most notes): the loop
        hands each to :meth:`on_control` and stores it like a controller's."""
        ...

    def input_sounds(self, ev: InputEvent, at_frame: int) -> Iterable[ScheduledSound]:
        """With ``plays_inputs``: the sounds the client's input ``ev`` makes, starting at
        ``at_frame`` (its frame + the input path's fixed feedback delay); empty for none."""
        ...

    def note_sounds(self, now_frame: int) -> Mapping[int, tuple[str, float]] | None:
        """With ``plays_inputs``: what each MIDI note of the client's keyboard plays as of
        ``now_frame`` (note -> (bank sound, gain), velocity / 127 applied on top; a note left
        out is silent), for the audio callback to play them itself at the note's frame + the
        pad delay (under JACK); the same object until it changes. None: no table, every input
        sounds as :meth:`input_sounds` says."""
        ...

    def on_control(self, ev: ControlEvent) -> str | None:
        """Apply a therapist's control; return what it did, for the record (None: ignored)."""
        ...

    def live_numbers(self, now_frame: int) -> tuple[LiveNumber, ...]:
        """What the console shows for this run as of ``now_frame``."""
        ...

    def stop(self, until_frame: int | None = None, *, at_frame: int | None = None) -> None:
        """End the run early: only what was already planned counts (with ``until_frame``: only
        what was planned before that frame, e.g. the last frame heard before the audio device
        went away). ``at_frame``: the frame the run was ended at (the therapist's stop, next or
        quit, a signal, the audio lost); what it cuts short there (a song's slices queued to
        play on) comes next from :meth:`take_releases`, which the run loop calls right after
        (an outage's run was told ``until_frame`` as the audio went away, then this)."""
        ...

    def is_finished(self, now_frame: int) -> bool:
        """True once everything has played and the time for answers after it has passed."""
        ...

    def summary(self) -> Summary:
        """The run's metrics, overall, per phase and per trial."""
        ...

    def final_responses(self) -> list[Response]:
        """Every scored input as the summary matched it (what is stored)."""
        ...
