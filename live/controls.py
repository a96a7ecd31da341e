"""The therapist's MIDI controller: a TOML mapping from notes and CCs to session controls.

Validated like presets: every problem is reported, one line each, as
``FILE: bindings[2].number: 200: must be 0..127``; unknown keys and a message bound twice are
errors. ``presets/controls/default.toml`` is the built-in mapping.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ACTIONS = ("tempo_up", "tempo_down", "tempo_set", "start_stop", "next_activity")
_KEYS = {"action", "message", "channel", "number", "step_bpm", "min_bpm", "max_bpm"}


@dataclass(frozen=True, slots=True)
class ControlEvent:
    """A therapist's control: ``value`` is BPM for tempo_set, the step for tempo_up/down, else None."""

    action: str
    value: float | None


@dataclass(frozen=True, slots=True)
class Binding:
    action: str
    message: str          # "note" or "cc"
    channel: int | None   # 1..16, None = any
    number: int           # note or controller 0..127
    step_bpm: float = 2.0
    min_bpm: float = 40.0
    max_bpm: float = 160.0

    def describe(self) -> str:
        what = {"tempo_up": f"tempo up {self.step_bpm:g} BPM", "tempo_down": f"tempo down {self.step_bpm:g} BPM",
                "tempo_set": f"tempo knob, {self.min_bpm:g}..{self.max_bpm:g} BPM",
                "start_stop": "stop the activity", "next_activity": "next activity"}[self.action]
        chan = "any channel" if self.channel is None else f"channel {self.channel}"
        return f"{'CC' if self.message == 'cc' else 'note'} {self.number} ({chan}): {what}"


class ControlError(Exception):
    """A mapping that cannot be used; ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def _default_path() -> Path:
    from live.presets import presets_dir

    return presets_dir() / "controls" / "default.toml"


class ControlMap:
    """Bindings in force; :meth:`match` turns a MIDI message into a :class:`ControlEvent`."""

    def __init__(self, bindings: list[Binding], source: str = "built-in"):
        self.bindings = tuple(bindings)
        self.source = source

    @classmethod
    def default(cls) -> ControlMap:
        return cls.load(_default_path())

    @classmethod
    def load(cls, path: str | Path) -> ControlMap:
        """Read and validate a mapping file (raises :class:`ControlError` with every problem)."""
        path = Path(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ControlError([f"{path}: cannot read the file: {exc.strerror}"]) from None
        except tomllib.TOMLDecodeError as exc:
            raise ControlError([f"{path}: {exc}"]) from None
        problems: list[str] = []
        for key in data:
            if key not in ("schema", "bindings"):
                problems.append(f"{path}: {key}: unknown key; allowed: schema, bindings")
        if data.get("schema") != 1:
            problems.append(f"{path}: schema: {data.get('schema', '(missing)')!r}: must be 1")
        bindings, seen = [], {}
        for i, raw in enumerate(data.get("bindings", [])):
            where = f"{path}: bindings[{i}]"
            if not isinstance(raw, dict):
                problems.append(f"{where}: must be a table ([[bindings]])")
                continue
            problems += [f"{where}.{k}: unknown key; allowed: {', '.join(sorted(_KEYS))}" for k in raw if k not in _KEYS]
            b, errs = _binding(raw)
            problems += [f"{where}.{e}" for e in errs]
            if b is not None:
                # Two bindings clash on the same message and number when their channels can meet.
                clash = next((j for (m, c, n), j in seen.items() if m == b.message and n == b.number
                              and (c is None or b.channel is None or c == b.channel)), None)
                if clash is not None:
                    problems.append(f"{where}: {b.message} {b.number}: already bound in bindings[{clash}]")
                else:
                    seen[(b.message, b.channel, b.number)] = i
                    bindings.append(b)
        if problems:
            raise ControlError(problems)
        return cls(bindings, str(path))

    def match(self, status: int, data1: int, data2: int) -> ControlEvent | None:
        """The control a MIDI message triggers, or None. Notes act on note-on (velocity > 0);
        CC buttons act on values >= 64; the tempo knob on any value."""
        kind, channel = status & 0xF0, (status & 0x0F) + 1
        for b in self.bindings:
            if b.number != data1 or (b.channel is not None and b.channel != channel):
                continue
            if b.message == "note" and kind == 0x90 and data2 > 0:
                pressed = True
            elif b.message == "cc" and kind == 0xB0:
                if b.action == "tempo_set":
                    return ControlEvent("tempo_set", b.min_bpm + (b.max_bpm - b.min_bpm) * data2 / 127.0)
                pressed = data2 >= 64
            else:
                continue
            if not pressed:
                return None
            value = b.step_bpm if b.action in ("tempo_up", "tempo_down") else None
            return ControlEvent(b.action, value)
        return None

    def bound_notes(self) -> set[int]:
        """Notes the controls use (they do not play pad sounds)."""
        return {b.number for b in self.bindings if b.message == "note"}

    def describe(self) -> list[str]:
        """One readable line per binding (for ``live devices --midi``)."""
        return [b.describe() for b in self.bindings]


def _binding(raw: dict[str, Any]) -> tuple[Binding | None, list[str]]:
    errs = []

    def num(key, lo, hi, default=None, integer=False):
        v = raw.get(key, default)
        if v is None:
            errs.append(f"{key}: (missing): must be {lo}..{hi}")
            return None
        if isinstance(v, bool) or not isinstance(v, (int, float)) or (integer and not isinstance(v, int)) or not lo <= v <= hi:
            errs.append(f"{key}: {v!r}: must be {'a whole number, ' if integer else ''}{lo}..{hi}")
            return None
        return v

    action = raw.get("action")
    if action not in ACTIONS:
        errs.append(f"action: {action!r}: must be one of: {', '.join(ACTIONS)}")
    message = raw.get("message")
    if message not in ("note", "cc"):
        errs.append(f"message: {message!r}: must be one of: note, cc")
    channel = num("channel", 1, 16, integer=True) if "channel" in raw else None
    number = num("number", 0, 127, integer=True)
    step = num("step_bpm", 0.5, 20, default=2.0)
    lo = num("min_bpm", 20, 240, default=40.0)
    hi = num("max_bpm", 20, 240, default=160.0)
    if lo is not None and hi is not None and lo >= hi:
        errs.append(f"max_bpm: {hi!r}: must be more than min_bpm ({lo!r})")
    if action == "tempo_set" and message == "note":
        errs.append("message: 'note': tempo_set needs a knob (message = \"cc\")")
    if errs:
        return None, errs
    return Binding(action, message, channel, number, float(step), float(lo), float(hi)), []
