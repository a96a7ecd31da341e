"""The client screen's layout: where the pads are, what they carry, and what the screen shows.

A preset may carry a ``[screen]`` table (checked here, called from preset validation)::

    [screen]
    layout = "grid"        # "grid" (1-12 pads in rows) or "free" (positions and sizes)
    pads = 4               # grid: how many pads (1..12)
    columns = 2            # grid: pads per row (default: as square as it fits)
    labels = ["1", "2", "3", "4"]           # optional, one per pad ("" for none)
    symbols = ["circle", "square", "", ""]  # optional, one per pad: SYMBOLS or ""
    feedback = true        # a touched pad lights up and sounds (false: no feedback at all)
    cue = true             # the visual beat cue (the background flashes on each beat)
    prompt = false         # keep a band at the top for the activity's prompts ("listen", "your turn")

    # layout = "free": one [[screen.pad]] per pad, in fractions of the screen (0..1 from the
    # top-left corner), e.g. two pads at the far edges for reaching:
    [[screen.pad]]
    x = 0.0
    y = 0.35
    w = 0.2
    h = 0.3
    label = "L"            # optional
    symbol = "triangle"    # optional

Pads are numbered from 0 in the order given (grid: row by row); a touch on pad ``i`` is an
input with ``note = i``. With ``prompt = true`` the top :data:`PROMPT_BAND` of the screen is kept
for the prompt an activity shows (grid pads are laid out below it; free pads must start below
it); without it a prompt is drawn over the top of the pads. How pads are coloured and drawn is the screen's business
(:mod:`live.ui.colours`, :mod:`live.ui.touch`).

Pure Python (no pygame): preset validation, the session and the screen process use it.
Realtime-safe: no.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from live.config.problems import ParamProblem, unknown_keys

__all__ = ["PadRect", "ScreenLayout", "SYMBOLS", "MAX_PADS", "PROMPT_BAND", "parse_screen", "default_layout", "grid_pads"]

MAX_PADS = 12
SYMBOLS = ("circle", "square", "triangle", "diamond", "star", "cross")
MAX_LABEL_CHARS = 12
GRID_MARGIN = 0.04   # fraction of the screen's smaller side around and between grid pads
PROMPT_BAND = 0.16   # fraction of the screen's height kept at the top for prompts (prompt = true)


@dataclass(frozen=True, slots=True)
class PadRect:
    """One pad, in fractions of the screen (0..1 from the top-left corner).

    Parameters
    ----------
    x, y, w, h : float
        Left, top, width, height as fractions of the screen's width (x, w) and height (y, h).
    label : str
        Text drawn on the pad ("" for none).
    symbol : str
        One of :data:`SYMBOLS`, or "" for none.
    """

    x: float
    y: float
    w: float
    h: float
    label: str = ""
    symbol: str = ""

    def contains(self, fx: float, fy: float) -> bool:
        """True when the point (fractions of the screen) is on this pad (edges included)."""
        return self.x <= fx <= self.x + self.w and self.y <= fy <= self.y + self.h

    def pixels(self, width: int, height: int) -> tuple[int, int, int, int]:
        """``(left, top, width, height)`` in pixels on a ``width`` x ``height`` screen."""
        left, top = round(self.x * width), round(self.y * height)
        return left, top, round((self.x + self.w) * width) - left, round((self.y + self.h) * height) - top


@dataclass(frozen=True, slots=True)
class ScreenLayout:
    """What the client screen shows for one preset.

    Parameters
    ----------
    kind : {"grid", "free"}
        How the pads were given.
    pads : tuple of PadRect
        The pads; index = pad number = the input's ``note``.
    feedback : bool
        A touched pad lights up (and sounds); False for goals that want no feedback.
    cue : bool
        Draw the visual beat cue.
    prompt : bool
        Keep the top :data:`PROMPT_BAND` of the screen for the activity's prompts.
    """

    kind: str
    pads: tuple[PadRect, ...]
    feedback: bool = True
    cue: bool = True
    prompt: bool = False

    def pad_at(self, fx: float, fy: float) -> int | None:
        """Index of the pad under the point (fractions of the screen), None when none is."""
        for i, pad in enumerate(self.pads):
            if pad.contains(fx, fy):
                return i
        return None

    def to_json(self) -> dict[str, Any]:
        """A JSON-able dict (the message that tells the screen process its layout)."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ScreenLayout:
        """The layout :meth:`to_json` gave."""
        return cls(kind=data["kind"], pads=tuple(PadRect(**p) for p in data["pads"]),
                   feedback=bool(data["feedback"]), cue=bool(data["cue"]), prompt=bool(data.get("prompt", False)))


def grid_pads(n: int, columns: int | None = None, *, top: float = 0.0) -> tuple[PadRect, ...]:
    """``n`` equal pads in rows of ``columns`` (default ``ceil(sqrt(n))``), filling the screen
    below ``top`` (a fraction of its height) with a margin of :data:`GRID_MARGIN` around and
    between them; a short last row is centred."""
    cols = columns or math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    m = GRID_MARGIN
    w, h = (1 - m * (cols + 1)) / cols, (1 - top - m * (rows + 1)) / rows
    pads = []
    for i in range(n):
        r, c = divmod(i, cols)
        in_row = min(cols, n - r * cols)
        shift = (cols - in_row) * (w + m) / 2
        pads.append(PadRect(x=m + c * (w + m) + shift, y=top + m + r * (h + m), w=w, h=h))
    return tuple(pads)


def default_layout() -> ScreenLayout:
    """One big pad, beat cue and feedback on: the screen of a preset without ``[screen]``."""
    return ScreenLayout(kind="grid", pads=grid_pads(1))


_SCREEN_KEYS = ("layout", "pads", "columns", "labels", "symbols", "feedback", "cue", "prompt", "pad")
_PAD_KEYS = ("x", "y", "w", "h", "label", "symbol")


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _check_label(path: str, v: Any, problems: list[ParamProblem]) -> str:
    if not isinstance(v, str) or len(v) > MAX_LABEL_CHARS:
        problems.append(ParamProblem(path, v, f"must be a string of at most {MAX_LABEL_CHARS} characters"))
        return ""
    return v


def _check_symbol(path: str, v: Any, problems: list[ParamProblem]) -> str:
    if v != "" and v not in SYMBOLS:
        problems.append(ParamProblem(path, v, f'must be one of: {", ".join(SYMBOLS)}, or "" for none'))
        return ""
    return v


def parse_screen(table: Any) -> tuple[ScreenLayout | None, list[ParamProblem]]:
    """Check a preset's ``[screen]`` table: (the layout or None, problems with paths under ``screen``).

    Every problem is collected (unknown keys, types, ranges, pads off the screen or overlapping),
    each with what is allowed.
    """
    if not isinstance(table, dict):
        return None, [ParamProblem("screen", table, "must be a table ([screen]) describing the client screen")]
    problems = unknown_keys(table, _SCREEN_KEYS, prefix="screen.")
    kind = table.get("layout", "grid")
    flags = {}
    for key, default in (("feedback", True), ("cue", True), ("prompt", False)):
        v = table.get(key, default)
        if not isinstance(v, bool):
            problems.append(ParamProblem(f"screen.{key}", v, "must be true or false"))
        flags[key] = v is True
    pads: list[PadRect] = []
    if kind == "grid":
        for key in ("pad",):
            if key in table:
                problems.append(ParamProblem(f"screen.{key}", table[key], 'only for layout = "free"'))
        n = table.get("pads", 1)
        if type(n) is not int or not 1 <= n <= MAX_PADS:
            problems.append(ParamProblem("screen.pads", n, f"must be a whole number 1..{MAX_PADS}"))
            n = None
        cols = table.get("columns")
        if cols is not None and (type(cols) is not int or not 1 <= cols <= MAX_PADS):
            problems.append(ParamProblem("screen.columns", cols, f"must be a whole number 1..{MAX_PADS}"))
            cols = None
        if n is not None:
            labels = _per_pad(table, "labels", n, _check_label, problems)
            symbols = _per_pad(table, "symbols", n, _check_symbol, problems)
            pads = [PadRect(p.x, p.y, p.w, p.h, label=lab, symbol=sym)
                    for p, lab, sym in zip(grid_pads(n, min(cols, n) if cols else None,
                                                     top=PROMPT_BAND if flags["prompt"] else 0.0), labels, symbols)]
    elif kind == "free":
        for key in ("pads", "columns", "labels", "symbols"):
            if key in table:
                problems.append(ParamProblem(f"screen.{key}", table[key],
                                             'only for layout = "grid" (free pads carry their own label and symbol)'))
        raw = table.get("pad")
        if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_PADS:
            problems.append(ParamProblem("screen.pad", raw,
                                         f"must be 1..{MAX_PADS} [[screen.pad]] tables with x, y, w, h"))
        else:
            for i, p in enumerate(raw):
                pad = _free_pad(f"screen.pad[{i}]", p, problems)
                if pad is not None and flags["prompt"] and pad.y < PROMPT_BAND:
                    problems.append(ParamProblem(f"screen.pad[{i}].y", p["y"], f"must be at least {PROMPT_BAND:g} "
                                                 "with prompt = true (the top of the screen is the prompt's)"))
                if pad is not None:
                    for j, other in enumerate(pads):
                        if other is not None and _overlap(pad, other):
                            problems.append(ParamProblem(f"screen.pad[{i}]", p, f"overlaps screen.pad[{j}]: "
                                                         "pads must not overlap"))
                pads.append(pad)
    else:
        problems.append(ParamProblem("screen.layout", kind, 'must be "grid" or "free"'))
    if problems:
        return None, problems
    return ScreenLayout(kind=kind, pads=tuple(pads), feedback=flags["feedback"], cue=flags["cue"],
                        prompt=flags["prompt"]), []


def _per_pad(table: dict, key: str, n: int, check, problems: list[ParamProblem]) -> list[str]:
    values = table.get(key)
    if values is None:
        return [""] * n
    if not isinstance(values, list) or len(values) != n:
        problems.append(ParamProblem(f"screen.{key}", values, f"must be a list of {n} (one per pad)"))
        return [""] * n
    return [check(f"screen.{key}[{i}]", v, problems) for i, v in enumerate(values)]


def _free_pad(path: str, p: Any, problems: list[ParamProblem]) -> PadRect | None:
    if not isinstance(p, dict):
        problems.append(ParamProblem(path, p, "must be a table with x, y, w, h"))
        return None
    start = len(problems)
    problems += unknown_keys(p, _PAD_KEYS, prefix=f"{path}.")
    for key in ("x", "y", "w", "h"):
        v = p.get(key)
        lo, hi, what = (0.0, 1.0, "0..1") if key in "xy" else (0.05, 1.0, "0.05..1 (at least 5 % of the screen)")
        if not _is_num(v) or not lo <= v <= hi:
            problems.append(ParamProblem(f"{path}.{key}", v, f"must be a number {what}, a fraction of the screen"))
    if len(problems) == start:
        for pos, size in (("x", "w"), ("y", "h")):
            if p[pos] + p[size] > 1 + 1e-9:
                problems.append(ParamProblem(f"{path}.{size}", p[size],
                                             f"{pos} + {size} = {p[pos] + p[size]:g}: the pad must end on the screen (<= 1)"))
    label = _check_label(f"{path}.label", p.get("label", ""), problems)
    symbol = _check_symbol(f"{path}.symbol", p.get("symbol", ""), problems)
    if len(problems) > start:
        return None
    return PadRect(float(p["x"]), float(p["y"]), float(p["w"]), float(p["h"]), label=label, symbol=symbol)


def _overlap(a: PadRect, b: PadRect) -> bool:
    return a.x < b.x + b.w and b.x < a.x + a.w and a.y < b.y + b.h and b.y < a.y + a.h
