"""The therapist's MIDI controller: which button, pad or knob does what, from a TOML file.

A mapping is a list of bindings, each tying one MIDI control to one action::

    schema = 1

    [[bindings]]
    action = "tempo_set"     # tempo_up, tempo_down, tempo_set, start_stop, next_activity, end_turn, next_chord, ...
    message = "cc"           # "note" (a key or pad) or "cc" (a button, knob or fader)
    channel = 1              # 1..16; leave out to answer on every channel
    number = 22              # note or controller number, 0..127
    min_bpm = 40             # tempo_set: the knob's range, 20..240 BPM
    max_bpm = 160

- ``tempo_up`` / ``tempo_down`` change the tempo by ``step_bpm`` (default 2, 0.5..20 BPM).
- ``tempo_set`` is a knob or fader (``message = "cc"`` only): its value 0..127 maps linearly
  onto ``min_bpm..max_bpm`` (defaults 40..160).
- ``start_stop`` stops the current activity (the session loop decides what a second press
  does); ``next_activity`` ends it and moves to the next; ``end_turn`` ends the current turn
  (call-and-response: the therapist's call ends, or the client's answer window closes; a
  sustain pedal, CC 64, is a natural one).
- The improvisation's band: ``next_chord`` (the progression's next chord), ``key_up`` /
  ``key_down`` (a semitone), ``drone`` (on/off), ``intensity_up`` / ``intensity_down`` (by 0.1),
  ``fill`` (a drum fill at the bar's end), ``stop`` (the band ends after the bar); each from
  the next beat or bar (the preset's ``chord_change``). Other activities ignore them.

The therapist can also play along on a keyboard or pad of their own, on MIDI channels the
client's instrument does not use::

    [therapist]
    channels = [2]           # 1..16; notes on these channels are the therapist's

Those notes (note-ons not bound to a control) are kept apart from the client's: stored as the
therapist's inputs, never scored, sounding like the client's pads. Default: no channel, so
every note is the client's.

When a binding fires: a note binding on note-on with velocity above 0 (a note-off, or a
note-on with velocity 0, does nothing); a CC binding other than ``tempo_set`` when the value
is 64 or more, so a momentary button (127 on press, 0 on release) fires once per press. A
button that latches (127 on one press, 0 on the next) fires on every other press: set it to
momentary on the controller. ``tempo_set`` answers every value.

The built-in default (``live/data/controls-default.toml``) uses CCs 20..24, which the MIDI 1.0
specification leaves undefined, so no controller sends them unless set up to; notes are
avoided because a client's drum pad sends General MIDI drum notes (35..81, channel 10) on the
same input, and a pad hit must never change the tempo.

Loading checks every binding (:mod:`live.control_binding`) and reports every problem, one line
each, as presets do (``FILE: bindings[2].number: 200: must be a whole number, 0..127``): unknown
keys, missing or out-of-range values, keys that do not belong to the action, and the same control
bound twice (a binding on any channel overlaps one on a given channel).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from live.config.problems import ParamProblem, problem_lines, toml_key, unknown_keys
from live.config.toml_file import read_toml
from live.control_binding import BUTTON_THRESHOLD, Binding, check_binding, clash, whole

__all__ = ["ControlAction", "ControlError", "ControlMap", "SCHEMA", "default_path"]

SCHEMA = 1
"""The only control-mapping schema this version reads."""

_NOTE_ON, _CONTROL_CHANGE = 0x90, 0xB0
_TOP_KEYS = ("schema", "bindings", "therapist")


@dataclass(frozen=True, slots=True)
class ControlAction:
    """What a therapist's control asks for, as :meth:`ControlMap.match` found it (no time yet:
    the session stamps it with the frame it arrived at).

    Parameters
    ----------
    action : str
        One of :data:`live.control_binding.ACTIONS`.
    value : float or None
        For ``tempo_set`` the tempo asked for (BPM); for ``tempo_up`` / ``tempo_down`` the
        step (BPM, positive for both); None for the others.
    """

    action: str
    value: float | None


class ControlError(Exception):
    """A mapping that cannot be used; ``problems`` holds one formatted line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def default_path() -> Path:
    """The built-in mapping, shipped inside the package (``live/data/controls-default.toml``)."""
    return Path(__file__).with_name("data") / "controls-default.toml"


class ControlMap:
    """A validated set of bindings, matched against incoming MIDI messages.

    Make one with :meth:`load` or :meth:`default`. Immutable once made; :meth:`match` is
    thread-safe. Realtime-safe: no (Python; the MIDI input thread).

    Parameters
    ----------
    bindings : tuple of Binding
        Already validated (no two on the same control).
    path : Path or None
        File the bindings came from.
    therapist_channels : iterable of int
        MIDI channels (1..16) whose notes are the therapist's, not the client's; empty: none.
    """

    __slots__ = ("bindings", "path", "therapist_channels", "_index")

    def __init__(self, bindings: tuple[Binding, ...], path: Path | None = None,
                 therapist_channels: Iterable[int] = ()) -> None:
        self.bindings = tuple(bindings)
        self.path = path
        self.therapist_channels = frozenset(therapist_channels)
        self._index = {(b.message, b.channel, b.number): b for b in self.bindings}

    @classmethod
    def load(cls, path: str | Path) -> ControlMap:
        """Read and check a mapping file.

        Raises
        ------
        ControlError
            With every problem found, one ``FILE: key.path: value: what is allowed`` line each.
        """
        path = Path(path)
        bindings, therapist, problems = _read(path)
        if problems:
            raise ControlError(problems)
        return cls(bindings, path, therapist)

    @classmethod
    def default(cls) -> ControlMap:
        """The shipped default mapping (CC 20..24 on any channel; see the module docstring)."""
        return cls.load(default_path())

    def match(self, status: int, data1: int, data2: int) -> ControlAction | None:
        """The control action a MIDI message triggers, if any.

        Parameters
        ----------
        status : int
            Status byte (``0x90 | channel - 1`` for note-on, ``0xB0 | channel - 1`` for CC).
        data1, data2 : int
            Note and velocity, or controller number and value (0..127).

        Returns
        -------
        ControlAction or None
            None for messages no binding fires on: other kinds (note-off, clock, ...),
            velocity 0, a button value below 64, or bytes out of range.
        """
        if not (0x80 <= status <= 0xEF and 0 <= data1 <= 127 and 0 <= data2 <= 127):
            return None
        kind, channel = status & 0xF0, (status & 0x0F) + 1
        if kind == _NOTE_ON:
            message = "note"
            if data2 == 0:  # a note-on with velocity 0 is a note-off
                return None
        elif kind == _CONTROL_CHANGE:
            message = "cc"
        else:
            return None
        binding = self._index.get((message, channel, data1)) or self._index.get((message, None, data1))
        if binding is None:
            return None
        if binding.action == "tempo_set":
            span = binding.max_bpm - binding.min_bpm
            return ControlAction("tempo_set", binding.min_bpm + span * data2 / 127)
        if message == "cc" and data2 < BUTTON_THRESHOLD:
            return None
        return ControlAction(binding.action, binding.step_bpm)

    def bound_notes(self) -> set[int]:
        """Notes a binding uses (on any channel): they steer the session and play no pad sound."""
        return {b.number for b in self.bindings if b.message == "note"}

    def is_therapist(self, status: int) -> bool:
        """True when a channel message (``status`` byte) is on one of the therapist's channels."""
        return 0x80 <= status <= 0xEF and (status & 0x0F) + 1 in self.therapist_channels

    def describe(self) -> list[str]:
        """One readable line per binding, in file order (for ``live devices --midi``)."""
        return [b.describe() for b in self.bindings]

    def describe_therapist(self) -> str:
        """Whose notes are whose, in one line (for ``live devices --midi``)."""
        chans = sorted(self.therapist_channels)
        if not chans:
            return "therapist's notes: none (every note is the client's; [therapist] channels = [..] sets some)"
        return (f"therapist's notes: channel{'s' if len(chans) > 1 else ''} {', '.join(map(str, chans))} "
                "(stored apart from the client's, not scored, sounding like pads)")

    def __repr__(self) -> str:
        return f"ControlMap({len(self.bindings)} bindings from {self.path})"


# ---------------------------------------------------------------- reading and checking


def _read(path: Path) -> tuple[tuple[Binding, ...], tuple[int, ...], list[str]]:
    """Parse and check ``path``: (bindings, therapist's channels, problem lines)."""
    needs = "a controller mapping needs schema = 1 and [[bindings]] tables"
    doc, problem = read_toml(path, needs=needs)
    if doc is None:
        return (), (), [problem]
    if not any(key in doc for key in _TOP_KEYS):  # another kind of file: one line
        return (), (), [f"{path}: not a controller mapping (keys: {', '.join(map(toml_key, doc))}): {needs}"]

    problems = unknown_keys(doc, _TOP_KEYS)
    schema = doc.get("schema")
    if not (type(schema) is int and schema == SCHEMA):
        problems.append(ParamProblem("schema", schema, f"must be {SCHEMA}"))
    tables = doc.get("bindings")
    bindings: list[Binding] = []
    if not isinstance(tables, list):
        problems.append(ParamProblem("bindings", tables, "must be a list of [[bindings]] tables"))
    else:
        seen: dict[tuple[str, int | None, int], int] = {}  # control -> index of its binding
        valid: dict[int, Binding] = {}
        for i, table in enumerate(tables):
            binding, found = check_binding(f"bindings[{i}]", table)
            problems += found
            if binding is None:
                continue
            overlap = clash(binding, seen, valid)
            if overlap is not None:
                problems.append(ParamProblem(f"bindings[{i}].number", binding.number, overlap))
                continue
            seen[(binding.message, binding.channel, binding.number)] = i
            valid[i] = binding
            bindings.append(binding)
    therapist = _therapist_channels(doc.get("therapist", {}), problems)
    return tuple(bindings), therapist, problem_lines(path, problems, doc)


def _therapist_channels(table: Any, problems: list[ParamProblem]) -> tuple[int, ...]:
    """The ``[therapist]`` table's ``channels`` (problems appended to ``problems``)."""
    if not isinstance(table, dict):
        problems.append(ParamProblem("therapist", table, "must be a table: [therapist] with channels = [..]"))
        return ()
    problems += unknown_keys(table, ("channels",), prefix="therapist.")
    channels = table.get("channels", [])
    if not (isinstance(channels, list) and all(whole(c, 1, 16) for c in channels)
            and len(set(channels)) == len(channels)):
        problems.append(ParamProblem("therapist.channels", channels, "must be a list of different MIDI channels, 1..16"))
        return ()
    return tuple(channels)
