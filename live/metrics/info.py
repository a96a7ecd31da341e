"""What each summary metric means: a label, its UCUM unit, how to print it.

The one catalogue of metric labels: used by ``live metrics``, ``live demo`` and ``live run``'s
tables, the records commands and every export (CSV column notes, FHIR ``valueQuantity`` units,
the session note). Metrics not listed here (an activity may add some) are shown by name with
the dimensionless UCUM unit ``1``.

Units are UCUM (Unified Code for Units of Measure, https://ucum.org): ``ms`` milliseconds,
``%`` percent, ``deg`` degrees of arc, ``1`` a dimensionless number, ``{beats}``/``{taps}``
counts (an annotation on unity). Metric definitions: DOMAIN.md, "Timing metrics"
(Repp 2005; Repp & Su 2013; Fisher 1993 for the circular statistics).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["MetricInfo", "METRICS", "metric_info", "format_value", "format_change", "quantity_unit"]


@dataclass(frozen=True, slots=True)
class MetricInfo:
    """One metric: ``label`` for people, ``ucum`` unit code, ``unit`` as printed, ``fmt`` for values."""

    name: str
    label: str
    ucum: str
    unit: str
    fmt: str


def _m(name: str, label: str, ucum: str, unit: str, fmt: str) -> MetricInfo:
    return MetricInfo(name, label, ucum, unit, fmt)


METRICS: dict[str, MetricInfo] = {m.name: m for m in (
    _m("n_beats", "beats scored", "{beats}", "", "d"),
    _m("n_taps", "taps", "{taps}", "", "d"),
    _m("matched", "matched taps", "{taps}", "", "d"),
    _m("missed", "missed beats", "{beats}", "", "d"),
    _m("extra", "extra taps", "{taps}", "", "d"),
    _m("mean_async_ms", "mean asynchrony", "ms", "ms", ".1f"),
    _m("sd_async_ms", "SD of asynchrony", "ms", "ms", ".1f"),
    _m("median_async_ms", "median asynchrony", "ms", "ms", ".1f"),
    _m("within_window_pct", "taps within the window", "%", "% of beats", ".1f"),
    _m("R", "phase consistency R", "1", "0..1", ".3f"),
    _m("mean_phase_deg", "mean phase", "deg", "deg", ".1f"),
    _m("rayleigh_p", "Rayleigh p", "1", "", ".3g"),
    _m("iti_mean_ms", "mean inter-tap interval", "ms", "ms", ".1f"),
    _m("iti_cv", "inter-tap interval CV", "1", "", ".3f"),
    _m("iti_sd_ms", "SD of inter-tap intervals", "ms", "ms", ".1f"),
    _m("cadence_bpm", "tapping cadence", "/min", "taps/min", ".1f"),
    _m("alpha", "phase correction gain alpha", "1", "by bGLS", ".2f"),
    _m("cue_tempo_bpm", "cue tempo", "/min", "BPM", ".1f"),
    _m("cue_start_bpm", "cue tempo at the start", "/min", "BPM", ".1f"),
    _m("tempo_following_ratio", "tempo following ratio", "1", "1 = follows exactly", ".3f"),
    _m("duration_s", "duration", "s", "s", ".1f"),
    _m("last_cue_interval_ms", "last cue interval", "ms", "ms", ".1f"),
    _m("period_error_ms", "period error (ITI - last cue interval)", "ms", "ms", ".1f"),
    _m("drift_ms_per_tap", "drift", "ms/{tap}", "ms per tap", ".2f"),
    _m("perturbations", "perturbations", "{events}", "", "d"),
    _m("recovery_half_beats", "recovery half-time", "{beats}", "beats", ".1f"),
)}


_LAG = re.compile(r"deviation_lag(\d+)_ms")


def metric_info(name: str) -> MetricInfo:
    """The catalogue entry of ``name``; an unknown metric gets its name as label and unit ``1``.

    ``deviation_lag{j}_ms`` (the recovery curve after perturbations) is known for every ``j``.
    """
    if name in METRICS:
        return METRICS[name]
    lag = _LAG.fullmatch(name)
    if lag:
        return MetricInfo(name, f"deviation at perturbation +{lag[1]} beats", "ms", "ms", ".1f")
    return MetricInfo(name, name.replace("_", " "), "1", "", ".4g")


def format_value(name: str, value: float | None) -> str:
    """``value`` printed as the metric's format (counts as integers); ``n/a`` for None."""
    if value is None:
        return "n/a"
    fmt = metric_info(name).fmt
    return format(round(value), "d") if fmt == "d" else format(value, fmt)


def quantity_unit(name: str) -> str:
    """The unit to print after a value or a change of ``name`` in running text: ``ms``, ``%``,
    ``taps/min``, ``beats``...; empty for dimensionless metrics (whose printed ``unit`` is a
    range or a remark such as ``0..1`` or ``by bGLS``)."""
    info = metric_info(name)
    if info.ucum == "1":
        return ""
    if info.ucum == "%":
        return "%"
    if info.ucum.startswith("{"):
        return info.ucum.strip("{}")
    return info.unit


def format_change(name: str, change: float) -> str:
    """A signed change of ``name`` (``+2.4``, ``-0.013``), one digit more than its values
    (counts get one decimal)."""
    fmt = metric_info(name).fmt
    if fmt == "d":
        return format(change, "+.1f")
    if fmt.endswith("f"):
        return format(change, f"+.{int(fmt[1:-1]) + 1}f")
    return format(change, "+" + fmt)
