"""The therapist's MIDI controller: which button, pad or knob does what, from a TOML file.

A mapping is a list of bindings, each tying one MIDI control to one action::

    schema = 1

    [[bindings]]
    action = "tempo_set"     # tempo_up, tempo_down, tempo_set, start_stop, next_activity
    message = "cc"           # "note" (a key or pad) or "cc" (a button, knob or fader)
    channel = 1              # 1..16; leave out to answer on every channel
    number = 22              # note or controller number, 0..127
    min_bpm = 40             # tempo_set: the knob's range, 20..240 BPM
    max_bpm = 160

- ``tempo_up`` / ``tempo_down`` change the tempo by ``step_bpm`` (default 2, 0.5..20 BPM).
- ``tempo_set`` is a knob or fader (``message = "cc"`` only): its value 0..127 maps linearly
  onto ``min_bpm..max_bpm`` (defaults 40..160).
- ``start_stop`` stops the current activity (the session loop decides what a second press
  does); ``next_activity`` ends it and moves to the next.

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

Loading checks every binding and reports every problem, one line each, as presets do
(``FILE: bindings[2].number: 200: must be a whole number, 0..127``): unknown keys, missing or
out-of-range values, keys that do not belong to the action, and the same control bound twice
(a binding on any channel overlaps one on a given channel).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from live.engine.gm import GM_DRUM_CHANNEL, GM_DRUMS, note_name
from live.config.toml_file import read_toml
from live.presets import _toml_key, _toml_repr

__all__ = ["ACTIONS", "Binding", "ControlError", "ControlEvent", "ControlMap", "SCHEMA", "default_path"]

SCHEMA = 1
"""The only control-mapping schema this version reads."""

ACTIONS = ("tempo_up", "tempo_down", "tempo_set", "start_stop", "next_activity")
"""What a binding can do."""

MESSAGES = ("note", "cc")

BUTTON_THRESHOLD = 64
"""A CC button binding fires on values at or above this (MIDI's on/off switch convention)."""

DEFAULT_STEP_BPM = 2.0
DEFAULT_MIN_BPM = 40.0
DEFAULT_MAX_BPM = 160.0

_NOTE_ON, _CONTROL_CHANGE = 0x90, 0xB0
_STEP_ACTIONS = ("tempo_up", "tempo_down")
_KEYS = ("action", "message", "channel", "number", "step_bpm", "min_bpm", "max_bpm")


@dataclass(frozen=True, slots=True)
class ControlEvent:
    """A therapist's control action, as :meth:`ControlMap.match` found it.

    Parameters
    ----------
    action : str
        One of :data:`ACTIONS`.
    value : float or None
        For ``tempo_set`` the tempo asked for (BPM); for ``tempo_up`` / ``tempo_down`` the
        step (BPM, positive for both); None for the others.
    """

    action: str
    value: float | None


@dataclass(frozen=True, slots=True)
class Binding:
    """One validated binding.

    Parameters
    ----------
    action : str
        One of :data:`ACTIONS`.
    message : {"note", "cc"}
        Kind of MIDI message.
    channel : int or None
        MIDI channel 1..16, None for any channel.
    number : int
        Note or controller number, 0..127.
    step_bpm : float or None
        Tempo step of ``tempo_up`` / ``tempo_down`` (BPM); None for other actions.
    min_bpm, max_bpm : float or None
        Range of a ``tempo_set`` knob (BPM); None for other actions.
    """

    action: str
    message: str
    channel: int | None
    number: int
    step_bpm: float | None = None
    min_bpm: float | None = None
    max_bpm: float | None = None

    def describe(self) -> str:
        """One line for a therapist: ``CC 22 (any channel): tempo knob, 40..160 BPM``."""
        channel = "any channel" if self.channel is None else f"channel {self.channel}"
        if self.message == "cc":
            control = f"CC {self.number} ({channel})"
        else:
            drum = ""
            if self.number in GM_DRUMS and self.channel in (None, GM_DRUM_CHANNEL):
                drum = f"; a drum pad's {GM_DRUMS[self.number]}"
            control = f"note {self.number} {note_name(self.number)} ({channel}{drum})"
        press = " (on press: value 64..127)" if self.message == "cc" and self.action != "tempo_set" else ""
        what = {
            "tempo_up": f"tempo up by {_num(self.step_bpm)} BPM",
            "tempo_down": f"tempo down by {_num(self.step_bpm)} BPM",
            "tempo_set": f"tempo knob, {_num(self.min_bpm)}..{_num(self.max_bpm)} BPM",
            "start_stop": "start/stop",
            "next_activity": "next activity",
        }[self.action]
        return f"{control}: {what}{press}"


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

    def match(self, status: int, data1: int, data2: int) -> ControlEvent | None:
        """The control action a MIDI message triggers, if any.

        Parameters
        ----------
        status : int
            Status byte (``0x90 | channel - 1`` for note-on, ``0xB0 | channel - 1`` for CC).
        data1, data2 : int
            Note and velocity, or controller number and value (0..127).

        Returns
        -------
        ControlEvent or None
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
            return ControlEvent("tempo_set", binding.min_bpm + span * data2 / 127)
        if message == "cc" and data2 < BUTTON_THRESHOLD:
            return None
        return ControlEvent(binding.action, binding.step_bpm)

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
    if not any(key in doc for key in ("schema", "bindings", "therapist")):  # another kind of file: one line
        return (), (), [f"{path}: not a controller mapping (keys: {', '.join(map(_toml_key, doc))}): {needs}"]

    problems: list[tuple[str, Any, str]] = []
    for key, value in doc.items():
        if key not in ("schema", "bindings", "therapist"):
            problems.append((key, value, "unknown key; allowed: schema, bindings, therapist"))
    schema = doc.get("schema")
    if not (type(schema) is int and schema == SCHEMA):
        problems.append(("schema", schema, f"must be {SCHEMA}"))
    tables = doc.get("bindings")
    bindings: list[Binding] = []
    if not isinstance(tables, list):
        problems.append(("bindings", tables, "must be a list of [[bindings]] tables"))
    else:
        seen: dict[tuple[str, int | None, int], int] = {}  # control -> index of its binding
        valid: dict[int, Binding] = {}
        for i, table in enumerate(tables):
            binding, found = _check_binding(f"bindings[{i}]", table)
            problems += found
            if binding is None:
                continue
            clash = _clash(binding, seen, valid)
            if clash is not None:
                problems.append((f"bindings[{i}].number", binding.number, clash))
                continue
            seen[(binding.message, binding.channel, binding.number)] = i
            valid[i] = binding
            bindings.append(binding)
    therapist = _therapist_channels(doc.get("therapist", {}), problems)
    order = {key: n for n, key in enumerate(doc)}  # problems in file order; missing keys last
    problems.sort(key=lambda p: order.get(p[0].split("[")[0].split(".")[0], len(order)))
    return tuple(bindings), therapist, [f"{path}: {p}: {_toml_repr(v)}: {a}" for p, v, a in problems]


def _therapist_channels(table: Any, problems: list[tuple[str, Any, str]]) -> tuple[int, ...]:
    """The ``[therapist]`` table's ``channels`` (problems appended to ``problems``)."""
    if not isinstance(table, dict):
        problems.append(("therapist", table, "must be a table: [therapist] with channels = [..]"))
        return ()
    for key, value in table.items():
        if key != "channels":
            problems.append((f"therapist.{key}", value, "unknown key; allowed: channels"))
    channels = table.get("channels", [])
    if not (isinstance(channels, list) and all(_whole(c, 1, 16) for c in channels)
            and len(set(channels)) == len(channels)):
        problems.append(("therapist.channels", channels, "must be a list of different MIDI channels, 1..16"))
        return ()
    return tuple(channels)


def _check_binding(where: str, table: Any) -> tuple[Binding | None, list[tuple[str, Any, str]]]:
    """Check one ``[[bindings]]`` table: (the binding if it is valid, problems in key order)."""
    if not isinstance(table, dict):
        return None, [(where, table, "must be a table ([[bindings]]) with action, message and number")]
    found: dict[str, tuple[Any, str]] = {}
    for key, value in table.items():
        if key not in _KEYS:
            found[key] = (value, f"unknown key; allowed: {', '.join(_KEYS)}")

    action, message = table.get("action"), table.get("message")
    if action not in ACTIONS:
        found["action"] = (action, f"must be one of: {', '.join(ACTIONS)}")
    if message not in MESSAGES:
        found["message"] = (message, "must be one of: note, cc")
    elif action == "tempo_set" and message != "cc":
        found["message"] = (message, 'must be "cc" for tempo_set (a knob or fader)')
    channel = table.get("channel")
    if "channel" in table and not _whole(channel, 1, 16):
        found["channel"] = (channel, "must be a whole number, 1..16 (leave out for any channel)")
    number = table.get("number")
    if not _whole(number, 0, 127):
        found["number"] = (number, "must be a whole number, 0..127")

    limits = {"step_bpm": (0.5, 20.0), "min_bpm": (20.0, 240.0), "max_bpm": (20.0, 240.0)}
    owners = {"step_bpm": _STEP_ACTIONS, "min_bpm": ("tempo_set",), "max_bpm": ("tempo_set",)}
    for key, (lo, hi) in limits.items():
        if key not in table:
            continue
        if action in ACTIONS and action not in owners[key]:
            found[key] = (table[key], f"only for {', '.join(owners[key])}; remove it")
        elif not _number(table[key], lo, hi):
            found[key] = (table[key], f"must be a number, {_num(lo)}..{_num(hi)} BPM")
    if action == "tempo_set" and not {"min_bpm", "max_bpm"} & found.keys():
        lo = float(table.get("min_bpm", DEFAULT_MIN_BPM))
        hi = float(table.get("max_bpm", DEFAULT_MAX_BPM))
        if not lo < hi:
            key = "max_bpm" if "max_bpm" in table else "min_bpm"
            found[key] = (table[key], f"must make min_bpm ({_num(lo)}) less than max_bpm ({_num(hi)})")

    order = {key: n for n, key in enumerate(table)}
    problems = [
        (f"{where}.{key}", value, allowed)
        for key, (value, allowed) in sorted(found.items(), key=lambda kv: order.get(kv[0], len(order)))
    ]
    if problems:
        return None, problems
    step = float(table.get("step_bpm", DEFAULT_STEP_BPM)) if action in _STEP_ACTIONS else None
    is_set = action == "tempo_set"
    return Binding(
        action=action,
        message=message,
        channel=channel,
        number=number,
        step_bpm=step,
        min_bpm=float(table.get("min_bpm", DEFAULT_MIN_BPM)) if is_set else None,
        max_bpm=float(table.get("max_bpm", DEFAULT_MAX_BPM)) if is_set else None,
    ), []


def _clash(
    binding: Binding, seen: dict[tuple[str, int | None, int], int], valid: dict[int, Binding]
) -> str | None:
    """Why ``binding`` overlaps an earlier one (same control; any channel overlaps each), or None.

    ``seen`` maps each control bound so far to the index of its ``[[bindings]]`` table,
    ``valid`` those indices to their bindings.
    """
    m, c, n = binding.message, binding.channel, binding.number
    if c is None:
        earlier = [i for (m2, _c2, n2), i in seen.items() if m2 == m and n2 == n]
    else:
        earlier = [seen[k] for k in ((m, c, n), (m, None, n)) if k in seen]
    if not earlier:
        return None
    first = min(earlier)
    other = valid[first]
    what = "CC" if m == "cc" else "note"
    on = "any channel" if other.channel is None else f"channel {other.channel}"
    return (
        f"{what} {n} on {on} is already bound by bindings[{first}] ({other.action}); "
        f"a control may do one thing"
    )


def _whole(value: Any, lo: int, hi: int) -> bool:
    return type(value) is int and lo <= value <= hi


def _number(value: Any, lo: float, hi: float) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and lo <= value <= hi  # NaN fails


def _num(x: float | None) -> str:
    return str(int(x)) if x is not None and float(x).is_integer() else str(x)
