"""The session note's plots (matplotlib, Agg backend: no display needed).

- asynchrony over time: each matched input's asynchrony (ms; negative = early) against its
  time in the session, per run, marked moments as dashed lines;
- histogram of asynchronies (5 ms bins);
- phase circle: each matched input's relative phase 360 x asynchrony / beat period (degrees;
  0 at the top = on the beat, clockwise = late) with the mean resultant vector, whose length is
  R (Fisher 1993; DOMAIN.md, "Timing metrics");
- progress: a goal's value per session with the target line (``live report``).
"""

from __future__ import annotations

import math
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from live.session.exports import origin_frame  # noqa: E402


def matched(session: dict[str, Any]) -> list[dict[str, Any]]:
    """Matched responses: time_s, asynchrony_ms, phase_rad, run position."""
    sr, t0 = session["sample_rate"], origin_frame(session)
    out = []
    for run in session["runs"]:
        tempo = run["params"].get("tempo_bpm")
        period_ms = 60_000.0 / tempo if isinstance(tempo, (int, float)) and tempo > 0 else None
        for r in run["responses"]:
            if r["beat_frame"] is None:
                continue
            asyn = 1000.0 * (r["frame"] - r["beat_frame"]) / sr
            out.append({"time_s": (r["frame"] - t0) / sr, "asynchrony_ms": asyn, "run": run["position"],
                        "phase_rad": None if period_ms is None else 2 * math.pi * asyn / period_ms})
    return out


def asynchrony_plot(session: dict[str, Any], size=(7.0, 2.6)) -> Figure:
    fig, ax = plt.subplots(figsize=size, layout="constrained")
    points = matched(session)
    for pos in sorted({p["run"] for p in points}):
        pts = [p for p in points if p["run"] == pos]
        ax.plot([p["time_s"] for p in pts], [p["asynchrony_ms"] for p in pts], ".", ms=4, label=f"run {pos}")
    ax.axhline(0, color="0.4", lw=0.8)
    sr, t0 = session["sample_rate"], origin_frame(session)
    for n in session["notes"]:
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


def histogram_plot(session: dict[str, Any], size=(3.4, 2.6)) -> Figure:
    fig, ax = plt.subplots(figsize=size, layout="constrained")
    values = [p["asynchrony_ms"] for p in matched(session)]
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


def phase_plot(session: dict[str, Any], size=(3.0, 2.9)) -> Figure:
    fig = plt.figure(figsize=size, layout="constrained")
    ax = fig.add_subplot(projection="polar")
    ax.set_theta_zero_location("N")
    ax.set_theta_direction(-1)
    phases = [p["phase_rad"] for p in matched(session) if p["phase_rad"] is not None]
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


def progress_plot(goal: dict[str, Any], size=(7.0, 2.6)) -> Figure:
    """A goal's value per session (in order, labelled with their dates; green met, orange not)
    with the target line."""
    from live.metrics.info import metric_info

    fig, ax = plt.subplots(figsize=size, layout="constrained")
    pts = goal["points"]
    xs = list(range(1, len(pts) + 1))  # sessions in order, labelled with their dates
    ax.plot(xs, [p["value"] for p in pts], "-", color="tab:blue", label="session value")
    for x, p in zip(xs, pts):
        ax.plot([x], [p["value"]], "o", color="tab:green" if p["met"] else "tab:orange")
    ax.set_xticks(xs, [f"{p['started_at']:%Y-%m-%d}" for p in pts], fontsize=7)
    ax.set_xlim(0.5, max(len(pts), 1) + 0.5)
    ax.axhline(goal["target"], color="tab:red", ls="--", label=f"target {goal['direction']} {goal['target']:g}")
    info = metric_info(goal["metric"])
    ax.set_ylabel(f"{info.label}" + (f" ({info.unit})" if info.unit else ""))
    ax.set_title(goal["text"], fontsize=9)
    ax.legend(fontsize=7)
    if not pts:
        ax.text(0.5, 0.5, "no session with a value yet", ha="center", va="center", transform=ax.transAxes)
    fig.autofmt_xdate()
    return fig


def svg(fig: Figure) -> str:
    """The figure as an inline ``<svg>`` element (the figure is closed)."""
    import io

    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})  # no creation date: it would undo de-identification
    plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg"):]
