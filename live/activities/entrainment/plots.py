"""Entrainment's plots of a session, declared for the session note (``note_plots``).

- asynchrony over time: each matched tap's asynchrony (ms; negative = early) against its time
  in the session, per run, marked moments as dashed lines;
- histogram of asynchronies (5 ms bins);
- phase circle: each matched tap's relative phase 360 x asynchrony / beat period (degrees; 0 at
  the top = on the beat, clockwise = late) with the mean resultant vector, whose length is R
  (Fisher 1993; DOMAIN.md, "Metrics").

Each takes the session record the note hands every activity's plots
(:class:`~live.activities.types.NotePlot`): ``sample_rate``, ``origin_frame`` (time 0 of
the session), ``notes`` (each with ``frame``, None when on no moment) and ``runs`` (this
activity's runs, each with ``position``, ``params`` and ``responses``: ``frame``,
``target_frame`` (None when unmatched) and ``error_ms``), and returns a matplotlib
``Figure`` made without pyplot (no backend or display chosen here; matplotlib is imported
only when a plot is drawn).

Realtime-safe: no.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Mapping

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["matched", "asynchrony_plot", "histogram_plot", "phase_plot"]


def matched(record: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Matched taps of the record's runs: time_s, asynchrony_ms, phase_rad (None without a
    tempo), run position."""
    sr, t0 = record["sample_rate"], record["origin_frame"]
    out = []
    for run in record["runs"]:
        tempo = run["params"].get("tempo_bpm")
        period_ms = 60_000.0 / tempo if isinstance(tempo, (int, float)) and tempo > 0 else None
        for r in run["responses"]:
            if r["target_frame"] is None or r["error_ms"] is None:
                continue
            asyn = r["error_ms"]
            out.append({"time_s": (r["frame"] - t0) / sr, "asynchrony_ms": asyn, "run": run["position"],
                        "phase_rad": None if period_ms is None else 2 * math.pi * asyn / period_ms})
    return out


def _figure(size: tuple[float, float]) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=size, layout="constrained")


def asynchrony_plot(record: Mapping[str, Any], size: tuple[float, float] = (7.0, 2.6)) -> Figure:
    """Asynchrony over time, a colour per run, marked moments dashed."""
    fig = _figure(size)
    ax = fig.add_subplot()
    points = matched(record)
    for pos in sorted({p["run"] for p in points}):
        pts = [p for p in points if p["run"] == pos]
        ax.plot([p["time_s"] for p in pts], [p["asynchrony_ms"] for p in pts], ".", ms=4, label=f"run {pos}")
    ax.axhline(0, color="0.4", lw=0.8)
    sr, t0 = record["sample_rate"], record["origin_frame"]
    for n in record["notes"]:
        if n["frame"] is not None:
            ax.axvline((n["frame"] - t0) / sr, color="tab:red", ls="--", lw=0.8)
    ax.set_xlabel("time in session (s)")
    ax.set_ylabel("asynchrony (ms)")
    ax.set_title("Asynchrony over time (negative = early; dashed: marked moments)", fontsize=9)
    if len({p["run"] for p in points}) > 1:
        ax.legend(fontsize=7)
    if not points:
        ax.text(0.5, 0.5, "no matched inputs", ha="center", va="center", transform=ax.transAxes)
    return fig


def histogram_plot(record: Mapping[str, Any], size: tuple[float, float] = (3.4, 2.6)) -> Figure:
    """Histogram of asynchronies in 5 ms bins."""
    fig = _figure(size)
    ax = fig.add_subplot()
    values = [p["asynchrony_ms"] for p in matched(record)]
    if values:
        lo, hi = math.floor(min(values) / 5) * 5, math.ceil(max(values) / 5) * 5 + 5
        ax.hist(values, bins=range(int(lo), int(hi) + 1, 5), color="tab:blue", edgecolor="white")
    else:
        ax.text(0.5, 0.5, "no matched inputs", ha="center", va="center", transform=ax.transAxes)
    ax.axvline(0, color="0.4", lw=0.8)
    ax.set_xlabel("asynchrony (ms)")
    ax.set_ylabel("inputs")
    ax.set_title("Histogram (5 ms bins)", fontsize=9)
    return fig


def phase_plot(record: Mapping[str, Any], size: tuple[float, float] = (3.0, 2.9)) -> Figure:
    """Phase circle of the matched taps with their mean resultant vector (length R)."""
    fig = _figure(size)
    ax = fig.add_subplot(projection="polar")
    ax.set_theta_zero_location("N")
    ax.set_theta_direction(-1)
    phases = [p["phase_rad"] for p in matched(record) if p["phase_rad"] is not None]
    ax.plot(phases, [1.0] * len(phases), "o", ms=3, alpha=0.5)
    if phases:
        c = sum(math.cos(a) for a in phases) / len(phases)
        s = sum(math.sin(a) for a in phases) / len(phases)
        ax.annotate("", xy=(math.atan2(s, c), math.hypot(c, s)), xytext=(0, 0),
                    arrowprops={"arrowstyle": "->", "color": "tab:red", "lw": 1.5})
        ax.set_title(f"Phase circle (R = {math.hypot(c, s):.2f})", fontsize=9)
    else:
        ax.set_title("Phase circle (no matched inputs)", fontsize=9)
    ax.set_ylim(0, 1.1)
    ax.set_yticks([])
    return fig
