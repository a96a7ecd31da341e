"""Plots of records that belong to no one activity (matplotlib, Agg backend: no display needed).

- progress: a goal's value per session with the target line, the region where the goal is met
  and the least-squares trend (``live report``);
- :func:`svg` and :func:`image` put any figure into the session note and the report, the
  activities' own plots of a session (their ``note_plots``) among them.
"""

from __future__ import annotations

import math
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

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


def image(fig: Figure, dpi: float = 150) -> Any:
    """The figure drawn as an RGBA image array (rows x columns x 4) at ``dpi``; the figure is
    closed. For figures made with or without pyplot."""
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig.set_dpi(dpi)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    out = np.asarray(canvas.buffer_rgba()).copy()
    plt.close(fig)
    return out
