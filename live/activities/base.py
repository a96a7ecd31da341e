"""The Activity protocol, its context, scored responses and the registry of activities."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Iterable, Protocol, runtime_checkable

from live.engine.events import Cue, InputEvent, ScheduledSound


@dataclass(frozen=True, slots=True)
class ActivityContext:
    """What a run needs to know about the engine it plays on.

    Parameters
    ----------
    sample_rate : int
        Frames per second of the engine clock.
    start_frame : int
        Engine frame of the run's first sound (the first count-in beat, if any).
    sound_names : frozenset of str
        Sounds the bank holds.
    """

    sample_rate: int
    start_frame: int
    sound_names: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Response:
    """A client input with its provisional score, made the moment the input arrives.

    The run's stored summary comes from the batch metric functions over all beats and taps,
    not from these provisional values (a later tap can take a beat from an earlier one).

    Parameters
    ----------
    event : InputEvent
        The input that was scored.
    beat_index : int or None
        Scored beat it was provisionally matched to, None when unmatched.
    beat_frame : int or None
        Frame of that beat.
    asynchrony_ms : float or None
        ``1000 * (event.frame - beat_frame) / sample_rate`` (negative = early), None if unmatched.
    """

    event: InputEvent
    beat_index: int | None
    beat_frame: int | None
    asynchrony_ms: float | None


@dataclass(frozen=True, slots=True)
class Summary:
    """A run's metrics, overall and per phase, computed by the batch metric functions when the run ends.

    Parameters
    ----------
    metrics : dict
        Metric name -> value; None where a value is undefined (never NaN).
    beat_frames : tuple of int
        Frames of the scored beats, in order.
    tap_frames : tuple of int
        Frames of the client's inputs, in order.
    phases : dict
        Phase name (``"baseline"``, ``"cue"``, ``"cue+5%"``, ``"continuation"``, ...) -> that
        phase's metric dict, in the order the phases ran; stored beside ``metrics`` (phase
        ``"all"``) in the ``summaries`` table's ``phase`` column.
    """

    metrics: dict[str, Any]
    beat_frames: tuple[int, ...] = field(default=())
    tap_frames: tuple[int, ...] = field(default=())
    phases: dict[str, dict[str, Any]] = field(default_factory=dict)


@runtime_checkable
class Activity(Protocol):
    """What every activity provides. All methods run on the control thread.

    Realtime-safe: no (never called from the audio callback).
    """

    name: ClassVar[str]
    Params: ClassVar[type]

    def start(self, ctx: ActivityContext) -> None:
        """Begin the run on an engine whose clock and bank ``ctx`` describes."""

    def plan(self, until_frame: int) -> Iterable[ScheduledSound]:
        """Sounds starting before ``until_frame`` not returned by an earlier call, in frame order."""

    def take_cues(self) -> list[Cue]:
        """The visual beat cues planned since the last call (the cue stream a screen draws)."""

    def on_input(self, ev: InputEvent) -> Iterable[Response]:
        """Score one input as it arrives."""

    def on_control(self, action: str, value: float | None) -> str | None:
        """Apply a therapist's control (tempo, ...); return what it did, None if ignored."""

    def stop(self, until_frame: int | None = None) -> None:
        """End the run early: only what was already planned counts (with ``until_frame``:
        only what was planned before that frame, e.g. the last frame heard before the audio
        device went away)."""

    def is_finished(self, now_frame: int) -> bool:
        """True once every sound has played and the response window after the last has closed."""

    def summary(self) -> Summary:
        """The run's metrics by the batch metric functions."""


_REGISTRY: dict[str, type] = {}


def register(cls: type) -> type:
    """Class decorator: make an activity known by its ``name`` (presets refer to it so)."""
    _REGISTRY[cls.name] = cls
    return cls


def activity_class(name: str) -> type:
    """The activity class registered as ``name``.

    Raises
    ------
    KeyError
        With the names that exist, when ``name`` is unknown.
    """
    _load_builtin()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown activity {name!r}; known: {', '.join(sorted(_REGISTRY))}") from None


def activity_names() -> list[str]:
    """Names of every registered activity, sorted."""
    _load_builtin()
    return sorted(_REGISTRY)


def _load_builtin() -> None:
    # Importing the modules registers their classes.
    from live.activities import entrainment  # noqa: F401
