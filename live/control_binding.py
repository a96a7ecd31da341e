"""One binding of the therapist's controller mapping: the MIDI control, the action, its check.

:mod:`live.controls` reads a mapping file and matches MIDI messages; this module holds what a
single ``[[bindings]]`` table may say (:data:`ACTIONS`, :data:`MESSAGES`, the tempo limits),
the :class:`Binding` it becomes, and the checks: :func:`check_binding` for one table (every
problem, in key order) and :func:`clash` for a control bound twice (a binding on any channel
overlaps one on a given channel). Realtime-safe: no.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from live.config.problems import ParamProblem, in_file_order, plain_number, unknown_keys
from live.engine.gm import GM_DRUM_CHANNEL, GM_DRUMS, note_name

__all__ = ["ACTIONS", "BUTTON_THRESHOLD", "Binding", "DEFAULT_MAX_BPM", "DEFAULT_MIN_BPM", "DEFAULT_STEP_BPM",
           "MESSAGES", "check_binding", "clash", "whole"]

ACTIONS = ("tempo_up", "tempo_down", "tempo_set", "start_stop", "next_activity", "end_turn",
           # the improvisation's band (other activities ignore them)
           "next_chord", "key_up", "key_down", "drone", "intensity_up", "intensity_down", "fill", "stop")
"""What a binding can do."""

MESSAGES = ("note", "cc")

BUTTON_THRESHOLD = 64
"""A CC button binding fires on values at or above this (MIDI's on/off switch convention)."""

DEFAULT_STEP_BPM = 2.0
DEFAULT_MIN_BPM = 40.0
DEFAULT_MAX_BPM = 160.0

_STEP_ACTIONS = ("tempo_up", "tempo_down")
_KEYS = ("action", "message", "channel", "number", "step_bpm", "min_bpm", "max_bpm")
_LIMITS_BPM = {"step_bpm": (0.5, 20.0), "min_bpm": (20.0, 240.0), "max_bpm": (20.0, 240.0)}
_OWNERS = {"step_bpm": _STEP_ACTIONS, "min_bpm": ("tempo_set",), "max_bpm": ("tempo_set",)}


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
            "tempo_up": f"tempo up by {plain_number(self.step_bpm)} BPM",
            "tempo_down": f"tempo down by {plain_number(self.step_bpm)} BPM",
            "tempo_set": f"tempo knob, {plain_number(self.min_bpm)}..{plain_number(self.max_bpm)} BPM",
            "start_stop": "start/stop",
            "next_activity": "next activity",
            "end_turn": "end of turn",
            "next_chord": "the band's next chord",
            "key_up": "key up a semitone",
            "key_down": "key down a semitone",
            "drone": "drone on/off",
            "intensity_up": "band intensity up",
            "intensity_down": "band intensity down",
            "fill": "a drum fill",
            "stop": "the band stops after the bar",
        }[self.action]
        return f"{control}: {what}{press}"


def check_binding(where: str, table: Any) -> tuple[Binding | None, list[ParamProblem]]:
    """Check one ``[[bindings]]`` table: (the binding if it is valid, problems in key order).

    Parameters
    ----------
    where : str
        The table's path, ``bindings[2]``, put before each key in the problems.
    table : object
        The table as read (anything: a person may have written ``bindings = [3]``).
    """
    if not isinstance(table, dict):
        return None, [ParamProblem(where, table, "must be a table ([[bindings]]) with action, message and number")]
    found = {p.path: p for p in unknown_keys(table, _KEYS)}

    def problem(key: str, allowed: str) -> None:
        found[key] = ParamProblem(key, table.get(key), allowed)

    action, message = table.get("action"), table.get("message")
    if action not in ACTIONS:
        problem("action", f"must be one of: {', '.join(ACTIONS)}")
    if message not in MESSAGES:
        problem("message", "must be one of: note, cc")
    elif action == "tempo_set" and message != "cc":
        problem("message", 'must be "cc" for tempo_set (a knob or fader)')
    if "channel" in table and not whole(table["channel"], 1, 16):
        problem("channel", "must be a whole number, 1..16 (leave out for any channel)")
    if not whole(table.get("number"), 0, 127):
        problem("number", "must be a whole number, 0..127")
    for key, (lo, hi) in _LIMITS_BPM.items():
        if key not in table:
            continue
        if action in ACTIONS and action not in _OWNERS[key]:
            problem(key, f"only for {', '.join(_OWNERS[key])}; remove it")
        elif not _number(table[key], lo, hi):
            problem(key, f"must be a number, {plain_number(lo)}..{plain_number(hi)} BPM")
    if action == "tempo_set" and not {"min_bpm", "max_bpm"} & found.keys():
        lo = float(table.get("min_bpm", DEFAULT_MIN_BPM))
        hi = float(table.get("max_bpm", DEFAULT_MAX_BPM))
        if not lo < hi:
            problem("max_bpm" if "max_bpm" in table else "min_bpm",
                    f"must make min_bpm ({plain_number(lo)}) less than max_bpm ({plain_number(hi)})")

    if found:
        return None, [p._replace(path=f"{where}.{p.path}") for p in in_file_order(list(found.values()), table)]
    step = float(table.get("step_bpm", DEFAULT_STEP_BPM)) if action in _STEP_ACTIONS else None
    is_set = action == "tempo_set"
    return Binding(
        action=action,
        message=message,
        channel=table.get("channel"),
        number=table["number"],
        step_bpm=step,
        min_bpm=float(table.get("min_bpm", DEFAULT_MIN_BPM)) if is_set else None,
        max_bpm=float(table.get("max_bpm", DEFAULT_MAX_BPM)) if is_set else None,
    ), []


def clash(binding: Binding, seen: dict[tuple[str, int | None, int], int], valid: dict[int, Binding]) -> str | None:
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


def whole(value: Any, lo: int, hi: int) -> bool:
    """True for a whole number (not a bool) in ``lo..hi``."""
    return type(value) is int and lo <= value <= hi


def _number(value: Any, lo: float, hi: float) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and lo <= value <= hi  # NaN fails
