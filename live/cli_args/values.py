"""Checks of command-line values, one per kind of value, run while the arguments are parsed.

Each is an ``argparse`` action made by a small factory (:func:`whole`, :func:`number`,
:func:`size`, :func:`moment`, :func:`day`, :func:`channels`) that converts the text and checks it against what is allowed; a bad value ends the
command at once, before any file, database or device is touched, with one line on stderr in the
project's style (``live demo: --seed -1: must be 0..4294967295``) and exit status 2.

The factories keep what they allow on the action class (``kind``, ``lo``, ``hi``, ``allowed``),
so tests can find every checked option from the parser itself. Only argparse here: ``live
--help`` stays fast.
"""

from __future__ import annotations

import argparse
import datetime
import math
import re
from typing import Any, Callable

__all__ = ["CheckedValue", "OneLineParser", "channels", "day", "moment", "number", "one_line", "size", "whole"]


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, ``PROG: what (see 'PROG --help')``, then
    exit status 2 (argparse's own prints the usage first): a missing argument, an unknown option,
    a choice not offered (argparse lists the choices)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: {one_line(message)} (see '{self.prog} --help')\n")


def one_line(text: str) -> str:
    """``text`` with line breaks and other control characters escaped (``\\n``), so a message
    quoting a value stays one line whatever the value holds."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class CheckedValue(argparse.Action):
    """An option whose text is converted and checked by ``parse`` (set by the factories).

    ``kind`` names the kind of value (``"whole"``, ``"number"``, ``"date"``); ``allowed`` says
    in words what is allowed; ``lo`` and ``hi`` (None: no bound) and ``lo_open``/``hi_open``
    give a number's range.
    """

    kind: str = ""
    allowed: str = ""
    lo: float | None = None
    hi: float | None = None
    lo_open = hi_open = False

    @staticmethod
    def parse(text: str) -> Any:  # replaced by each factory
        raise NotImplementedError

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        where = option_string or self.metavar or self.dest
        try:
            value = type(self).parse(values)
        except ValueError:
            parser.exit(2, f"{parser.prog}: {where} {one_line(values)}: {self.allowed}\n")
        setattr(namespace, self.dest, value)


def _bound(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _span(lo: float | None, hi: float | None, unit: str, lo_open: bool, hi_open: bool) -> str:
    """``0..80 ms``, ``more than 0, at most 1000 ms``, ``1 or more``, ... (inclusive unless open)."""
    u = f" {unit}" if unit else ""
    if lo is not None and hi is not None and not lo_open and not hi_open:
        return f"{_bound(lo)}..{_bound(hi)}{u}"
    parts = []
    if lo is not None:
        parts.append(f"more than {_bound(lo)}" if lo_open else f"at least {_bound(lo)}")
    if hi is not None:
        parts.append(f"less than {_bound(hi)}" if hi_open else f"at most {_bound(hi)}")
    if hi is None and lo is not None and not lo_open:
        return f"{_bound(lo)} or more{u}"
    return " and ".join(parts) + u


def _make(kind: str, allowed: str, parse: Callable[[str], Any], **attrs: Any) -> type[CheckedValue]:
    return type(f"Checked_{kind}", (CheckedValue,),
                {"kind": kind, "allowed": allowed, "parse": staticmethod(parse), **attrs})


def whole(lo: int, hi: int | None = None, unit: str = "") -> type[CheckedValue]:
    """A whole number in ``lo..hi`` (``hi`` None: no upper bound); e.g. ``action=whole(0, 2**32 - 1)``."""
    span = _span(lo, hi, unit, False, False)

    def parse(text: str) -> int:
        value = int(text.strip(), 10)  # ValueError for "1.5", "abc", ""
        if value < lo or (hi is not None and value > hi):
            raise ValueError(text)
        return value

    return _make("whole", f"must be {span}" if hi is not None else f"must be a whole number, {span}",
                 parse, lo=lo, hi=hi)


def number(lo: float | None, hi: float | None, unit: str = "", *, lo_open: bool = False,
           hi_open: bool = False, note: str = "") -> type[CheckedValue]:
    """A finite number in the range (bounds inclusive unless ``lo_open``/``hi_open``); ``note``
    is added in brackets to the message (``must be 0..80 ms (beat cues are planned 100 ms ahead)``)."""
    allowed = f"must be {_span(lo, hi, unit, lo_open, hi_open)}" + (f" ({note})" if note else "")

    def parse(text: str) -> float:
        value = float(text)  # ValueError for "abc", ""
        if not math.isfinite(value):
            raise ValueError(text)
        if lo is not None and (value <= lo if lo_open else value < lo):
            raise ValueError(text)
        if hi is not None and (value >= hi if hi_open else value > hi):
            raise ValueError(text)
        return value

    return _make("number", allowed, parse, lo=lo, hi=hi, lo_open=lo_open, hi_open=hi_open)


def size(lo: int, hi: int, unit: str = "pixels") -> type[CheckedValue]:
    """Two whole numbers written ``WxH`` (a tuple), each in ``lo..hi``, e.g. ``800x600``."""

    def parse(text: str) -> tuple[int, int]:
        parts = text.lower().split("x")
        if len(parts) != 2:
            raise ValueError(text)
        w, h = (int(v.strip(), 10) for v in parts)
        if not (lo <= w <= hi and lo <= h <= hi):
            raise ValueError(text)
        return w, h

    return _make("size", f"must be WIDTHxHEIGHT, each {lo}..{hi} {unit}", parse, lo=lo, hi=hi)


def moment(max_minutes: int) -> type[CheckedValue]:
    """A moment written ``M:SS`` or ``M:SS.s`` (or seconds alone), as seconds (a float): whole
    minutes 0..``max_minutes``, seconds under 60."""
    pattern = re.compile(r"(?:(\d{1,6}):)?(\d{1,2}(?:\.\d{1,6})?)", re.ASCII)

    def parse(text: str) -> float:
        m = pattern.fullmatch(text.strip())
        if m is None:
            raise ValueError(text)
        minutes, seconds = int(m.group(1) or 0), float(m.group(2))
        if seconds >= 60 or minutes * 60 + seconds > max_minutes * 60:
            raise ValueError(text)
        return minutes * 60 + seconds

    return _make("moment", f"must be minutes:seconds from the run's start, e.g. 2:15.5 (seconds under 60, "
                 f"at most {max_minutes}:00)", parse, lo=0, hi=max_minutes * 60)


def day() -> type[CheckedValue]:
    """A calendar date written ``YYYY-MM-DD`` (a :class:`datetime.date`)."""

    def parse(text: str) -> datetime.date:
        if len(text) != 10:  # fromisoformat also takes 20240105 and 2024-W01-1 on newer Pythons
            raise ValueError(text)
        return datetime.date.fromisoformat(text)

    return _make("date", "must be a date written YYYY-MM-DD, e.g. 2024-03-18", parse)


def channels() -> type[CheckedValue]:
    """MIDI channels as a therapist reads them, 1..16, comma-separated (``1`` or ``1,10``): a
    tuple of distinct channel numbers 1..16, in the order given."""

    def parse(text: str) -> tuple[int, ...]:
        numbers = tuple(int(part.strip(), 10) for part in text.split(","))  # ValueError for "", "a", "1.5"
        if not all(1 <= n <= 16 for n in numbers) or len(set(numbers)) != len(numbers):
            raise ValueError(text)
        return numbers

    return _make("channels", "must be MIDI channels 1..16, comma-separated, each once (e.g. 1 or 1,10)", parse,
                 lo=1, hi=16)
