"""What each summary metric means: a label, its UCUM unit, how to print it, which way is better.

Each activity declares its own catalogue of the metrics it produces (a :class:`Catalogue`,
e.g. entrainment's in :mod:`live.activities.entrainment.catalogue`); ``live metrics``,
``live demo`` and ``live run``'s tables, the records commands and every export (CSV column
notes, FHIR ``valueQuantity`` units, the session note) look a metric up in the catalogue of the
activity that produced it. A metric no catalogue knows is shown by name with the dimensionless
UCUM unit ``1``.

Units are UCUM (Unified Code for Units of Measure, https://ucum.org): ``ms`` milliseconds,
``%`` percent, ``deg`` degrees of arc, ``1`` a dimensionless number, ``{beats}``/``{taps}``
counts (an annotation on unity).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Iterator, Mapping

__all__ = ["MetricInfo", "MetricPattern", "Catalogue", "metric_info", "format_value", "format_change",
           "quantity_unit", "BETTER"]

BETTER = ("higher", "lower", None)
"""Values of :attr:`MetricInfo.better`: which direction of change is an improvement (None:
neither, e.g. a signed asynchrony, a tempo, a count that only describes the run)."""


@dataclass(frozen=True, slots=True)
class MetricInfo:
    """One metric: ``label`` for people, ``ucum`` unit code, ``unit`` as printed, ``fmt`` for
    values, ``better`` the direction of improvement (``"higher"``, ``"lower"`` or None)."""

    name: str
    label: str
    ucum: str
    unit: str
    fmt: str
    better: str | None = None

    def __post_init__(self) -> None:
        if self.better not in BETTER:
            raise ValueError(f"{self.name}: better = {self.better!r}: must be 'higher', 'lower' or None")


@dataclass(frozen=True, slots=True)
class MetricPattern:
    """A family of metrics named by a pattern, e.g. ``deviation_lag(\\d+)_ms``: ``label`` is
    formatted with the pattern's groups (``"deviation at perturbation +{0} beats"``)."""

    pattern: str
    label: str
    ucum: str
    unit: str
    fmt: str
    better: str | None = None

    def info(self, name: str) -> MetricInfo | None:
        """The entry of ``name`` when it fits the pattern, else None."""
        found = re.fullmatch(self.pattern, name)
        if found is None:
            return None
        return MetricInfo(name, self.label.format(*found.groups()), self.ucum, self.unit, self.fmt, self.better)


class Catalogue(Mapping[str, MetricInfo]):
    """An activity's metrics: named entries, in the order an activity lists them, and families
    of names given by patterns (``name in catalogue`` and ``catalogue[name]`` know both;
    iterating gives the named entries)."""

    __slots__ = ("_named", "_patterns")

    def __init__(self, metrics: Iterable[MetricInfo], patterns: Iterable[MetricPattern] = ()) -> None:
        self._named = {m.name: m for m in metrics}
        self._patterns = tuple(patterns)

    def __getitem__(self, name: str) -> MetricInfo:
        if name in self._named:
            return self._named[name]
        for pattern in self._patterns:
            info = pattern.info(name)
            if info is not None:
                return info
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._named)

    def __len__(self) -> int:
        return len(self._named)

    @property
    def patterns(self) -> tuple[MetricPattern, ...]:
        """The families of names it knows beside the named entries."""
        return self._patterns

    def merged(self, other: "Catalogue") -> "Catalogue":
        """This catalogue with ``other``'s entries and patterns added (this one's win)."""
        return Catalogue([*self.values(), *(m for k, m in other.items() if k not in self)],
                         self._patterns + other.patterns)


def metric_info(name: str, catalogue: Mapping[str, MetricInfo] | None = None) -> MetricInfo:
    """The entry of ``name`` in ``catalogue`` (the catalogue of the activity that produced it);
    a metric it does not know gets its name as label, unit ``1`` and no better direction."""
    if catalogue is not None:
        try:
            return catalogue[name]
        except KeyError:
            pass
    return MetricInfo(name, name.replace("_", " "), "1", "", ".4g")


def format_value(name: str, value: float | str | None, catalogue: Mapping[str, MetricInfo] | None = None) -> str:
    """``value`` printed as the metric's format in ``catalogue`` (counts as integers); ``n/a``
    for None; a text metric's value (e.g. a key estimate, ``"F# minor"``) as it is."""
    if value is None:
        return "n/a"
    if isinstance(value, str):
        return value
    fmt = metric_info(name, catalogue).fmt
    return format(round(value), "d") if fmt == "d" else format(value, fmt)


def quantity_unit(name: str, catalogue: Mapping[str, MetricInfo] | None = None) -> str:
    """The unit to print after a value or a change of ``name`` in running text: ``ms``, ``%``,
    ``taps/min``, ``beats``...; empty for dimensionless metrics (whose printed ``unit`` is a
    range or a remark such as ``0..1`` or ``by bGLS``)."""
    info = metric_info(name, catalogue)
    if info.ucum == "1":
        return ""
    if info.ucum == "%":
        return "%"
    if info.ucum.startswith("{"):
        return info.ucum.strip("{}")
    return info.unit


def format_change(name: str, change: float, catalogue: Mapping[str, MetricInfo] | None = None) -> str:
    """A signed change of ``name`` (``+2.4``, ``-0.013``), one digit more than its values
    (counts get one decimal)."""
    fmt = metric_info(name, catalogue).fmt
    if fmt == "d":
        return format(change, "+.1f")
    if fmt.endswith("f"):
        return format(change, f"+.{int(fmt[1:-1]) + 1}f")
    return format(change, "+" + fmt)
