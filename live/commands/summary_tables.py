"""A run's summary as ``live demo`` and ``live run`` print it: its metrics overall, and its
phases side by side, labelled, formatted and united from the catalogue of the activity that
produced them (:mod:`live.metrics.info`). ``--json`` prints the same numbers unformatted."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from live.metrics.info import MetricInfo, format_value, metric_info

__all__ = ["format_summary", "format_phases", "format_trials"]


def _shown(value: Any) -> bool:
    return value is None or isinstance(value, (int, float, str))


def _ordered(names: list[str], catalogue: Mapping[str, MetricInfo]) -> list[str]:
    """``names`` in the catalogue's order, then those it lists under a pattern or not at all, as given."""
    given, named = dict.fromkeys(names), list(catalogue)  # iterating a catalogue gives its named entries
    return [k for k in named if k in given] + [k for k in given if k not in set(named)]


def format_summary(metrics: Mapping[str, Any], catalogue: Mapping[str, MetricInfo]) -> str:
    """The run's metrics as aligned ``label  value  unit`` lines, in the catalogue's order;
    undefined values read ``n/a``."""
    keys = _ordered([k for k, v in metrics.items() if _shown(v)], catalogue)
    labels = {k: metric_info(k, catalogue).label for k in keys}
    values = {k: _value(k, metrics[k], catalogue) for k in keys}
    lw = max(map(len, labels.values()), default=0)
    vw = max(map(len, values.values()), default=0)
    return "\n".join(f"{labels[k]:<{lw}}  {values[k]:>{vw}}  {metric_info(k, catalogue).unit}".rstrip()
                     for k in keys)


def format_phases(phases: Mapping[str, Mapping[str, Any]], catalogue: Mapping[str, MetricInfo]) -> str:
    """Phases side by side: a row per metric any phase has (in the catalogue's order), ``-``
    where a phase has no such metric, ``n/a`` where it is undefined."""
    names = list(phases)
    keys = _ordered([k for m in phases.values() for k, v in m.items() if _shown(v)], catalogue)
    rows = [["", *names, ""]] + [
        [metric_info(k, catalogue).label,
         *("-" if k not in phases[n] else _value(k, phases[n][k], catalogue) for n in names),
         metric_info(k, catalogue).unit]
        for k in keys
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for r in rows:
        parts = [r[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(r[1:-1], widths[1:-1])] + [r[-1]]
        lines.append("  ".join(parts).rstrip())
    return "\n".join(lines)


def _value(name: str, value: Any, catalogue: Mapping[str, MetricInfo]) -> str:
    return value if isinstance(value, str) else format_value(name, value, catalogue)


def format_trials(trials: Sequence[Mapping[str, Any]], catalogue: Mapping[str, MetricInfo]) -> str:
    """A run's trials as one table, a row per trial (its ``index``) and a column per field
    some trial has a value of, labelled from the catalogue; left out: list fields (a call's
    notes) and engine frames (``*_frame``: the records carry them, a person reads the times)."""
    from live.commands.common import table

    names = list(dict.fromkeys(m for t in trials for m, v in t.items()
                               if m != "index" and v is not None and not isinstance(v, list) and not m.endswith("_frame")))
    return table(["trial", *(metric_info(m, catalogue).label for m in names)],
                 [[t["index"], *(_value(m, t.get(m), catalogue) for m in names)] for t in trials])
