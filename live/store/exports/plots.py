"""The session note's plots (matplotlib, Agg backend: no display needed).

- asynchrony over time: each matched input's asynchrony (ms; negative = early) against its
  time in the session, per run, marked moments as dashed lines;
- histogram of asynchronies (5 ms bins);
- phase circle: each matched input's relative phase 360 x asynchrony / beat period (degrees;
  0 at the top = on the beat, clockwise = late) with the mean resultant vector, whose length is
  R (Fisher 1993; DOMAIN.md, "Timing metrics");
- progress: a goal's value per session with the target line, the region where the goal is met
  and the least-squares trend (``live report``).
"""

from __future__ import annotations

import math
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from live.store.exports import origin_frame  # noqa: E402


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


# Okabe-Ito colours (distinct with the common colour-vision deficiencies); met and not met
# also differ in marker shape, so a grey print still tells them apart.
MET_COLOUR, NOT_MET_COLOUR, TARGET_COLOUR, TREND_COLOUR = "#009E73", "#E69F00", "#D55E00", "#0072B2"
MAX_SESSION_LABELS = 9  # more sessions than this: every k-th labelled (the latest always); a
# three-line label is ~0.65 in wide at 8 pt, so 9 fit across the report's plot without touching


def session_label(number: int, started_at) -> str:
    """A session's x-axis label: its number, date and UTC time on three lines."""
    return f"#{number}\n{started_at:%Y-%m-%d}\n{started_at:%H:%M}"


def labelled_sessions(n: int, most: int = MAX_SESSION_LABELS) -> list[int]:
    """Which of sessions 1..n get a label: all up to ``most``, else every k-th from the first,
    always the latest, and never one crowding it."""
    if n <= most:
        return list(range(1, n + 1))
    step = math.ceil(n / most)
    picked = list(range(1, n + 1, step))
    if n - picked[-1] < step:
        picked.pop()
    return picked + [n]


def draw_progress(ax, goal: dict[str, Any], trend: Any = None, *, fontsize: float = 8.0) -> None:
    """Draw a goal's progress into ``ax``: its value per session (x = session number, labelled
    with number, date and time; filled circles met, squares not met), the target line with the
    region where the goal is met shaded, and the least-squares ``trend`` line when given
    (:class:`live.metrics.trend.Trend`, step 0 = session 1)."""
    from live.activities.registry import metric_catalogue
    from live.metrics.info import format_change, metric_info, quantity_unit

    catalogue = metric_catalogue()
    info = metric_info(goal["metric"], catalogue)
    pts = goal["points"]
    xs = list(range(1, len(pts) + 1))
    values = [p["value"] for p in pts]
    target = goal["target"]
    lo, hi = min(values + [target]), max(values + [target])
    pad = 0.12 * (hi - lo) if hi > lo else max(abs(hi) * 0.1, 1.0)
    ylim = (lo - pad, hi + pad)
    if goal["direction"] == "<=":
        ax.axhspan(ylim[0], target, color=MET_COLOUR, alpha=0.08, lw=0)
    else:
        ax.axhspan(target, ylim[1], color=MET_COLOUR, alpha=0.08, lw=0)
    unit = f" {quantity_unit(goal['metric'], catalogue)}".rstrip()
    ax.axhline(target, color=TARGET_COLOUR, ls="--", lw=1.5,
               label=f"target: {'at most' if goal['direction'] == '<=' else 'at least'} {target:g}{unit} (shaded: met)")
    if pts:
        ax.plot(xs, values, "-", color="0.65", lw=0.9, zorder=2)
        met = [(x, v) for x, v, p in zip(xs, values, pts) if p["met"]]
        not_met = [(x, v) for x, v, p in zip(xs, values, pts) if not p["met"]]
        if met:
            ax.plot(*zip(*met), "o", ms=6.5, color=MET_COLOUR, mec="black", mew=0.5, ls="none", zorder=3, label="met")
        if not_met:
            ax.plot(*zip(*not_met), "s", ms=6.5, color=NOT_MET_COLOUR, mec="black", mew=0.5, ls="none", zorder=3,
                    label="not met")
    if trend is not None:
        ax.plot([1, len(pts)], [trend.first, trend.last], "-", color=TREND_COLOUR, lw=1.6, zorder=2.5,
                label=f"trend (least squares): {format_change(goal['metric'], trend.slope, catalogue)}{unit} per session")
    ax.set_ylim(*ylim)
    ax.set_xlim(0.5, max(len(pts), 1) + 0.5)
    shown = labelled_sessions(len(pts))
    ax.set_xticks(shown, [session_label(k, pts[k - 1]["started_at"]) for k in shown], fontsize=fontsize - 0.5)
    ax.set_xticks(xs, minor=True)
    ax.set_xlabel("session: number, date, time (UTC); oldest left, latest right", fontsize=fontsize)
    ax.set_ylabel(info.label + (f" ({info.unit})" if info.unit else ""), fontsize=fontsize)
    ax.tick_params(axis="y", labelsize=fontsize - 0.5)
    ax.grid(axis="y", color="0.88", lw=0.6)
    ax.set_axisbelow(True)
    if pts:
        ax.legend(fontsize=fontsize - 1, loc="best", framealpha=0.9)
    else:
        ax.text(0.5, 0.5, "no session with a value yet", ha="center", va="center", transform=ax.transAxes,
                fontsize=fontsize + 1)


def progress_plot(goal: dict[str, Any], trend: Any = None, size=(9.0, 4.2)) -> Figure:
    """A goal's value per session with the target line and the trend (:func:`draw_progress`),
    as a figure of its own (``live report --format html``)."""
    fig, ax = plt.subplots(figsize=size, layout="constrained")
    draw_progress(ax, goal, trend, fontsize=9.0)
    return fig


def svg(fig: Figure) -> str:
    """The figure as an inline ``<svg>`` element (the figure is closed)."""
    import io

    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})  # no creation date: it would undo de-identification
    plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg"):]
