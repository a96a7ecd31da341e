"""``live report CLIENT``: a client's progress across sessions, per goal (HTML or PDF).

For each goal, on a page of its own (PDF) or a section (HTML):

- the goal as set, and what "met" means (``at most`` / ``at least`` the target, in its unit);
- a plot of the goal's value in each session (x = session number, labelled with its date and
  UTC time, so sessions of one day stay apart; filled green circles met, orange squares not
  met), the target line with the region where the goal is met shaded, and the least-squares
  trend line (:mod:`live.metrics.trend`);
- how often the goal was met, the latest session's value, and what the trend shows: the change
  per session and over the span, toward or away from the goal, and whether that change is
  larger than the scatter of the sessions about the line (:attr:`Trend.clear`);
- a table of the sessions, oldest first and the latest last: number, date and time (UTC),
  session id, value, met or not, and whether the session was simulated or is incomplete
  (did not end normally). A long table continues on the next page.

Sessions are the client's, from ``since`` on. De-identified reports drop the display name and
shift every date by one random offset, as exports do (times of day are kept). Written with mode
0600. Realtime-safe: no.
"""

from __future__ import annotations

import html
import io
import textwrap
from datetime import date, datetime, timezone
from typing import Any

from live import __version__
from live.activities.registry import metric_catalogue
from live.metrics.info import format_change, format_value, metric_info, quantity_unit
from live.metrics.trend import MIN_TREND_POINTS, trend
from live.store.exports import plots
from live.store.records import client_progress, deidentify, random_date_shift
from live.store.store import Store

__all__ = ["build_report", "render", "render_html", "render_pdf", "table_rows", "goal_lines", "TABLE_HEADS"]

TABLE_HEADS = ("#", "date and time (UTC)", "session", "value", "goal met?", "note")


def build_report(store: Store, code: str, *, since: date | None = None, deidentified: bool = False) -> dict[str, Any]:
    """The report's data: :func:`live.store.records.client_progress` (de-identified on request),
    each goal with its ``trend`` (:func:`live.metrics.trend.trend` of its session values, oldest
    first; None for fewer than 3 sessions)."""
    progress = client_progress(store, code, since=since)
    if deidentified:
        progress = deidentify(progress, random_date_shift())
    for goal in progress["goals"]:
        goal["trend"] = trend([p["value"] for p in goal["points"]])
    progress["deidentified"] = deidentified
    progress["since"] = since
    return progress


def _when(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M}"


def table_rows(goal: dict[str, Any]) -> list[list[str]]:
    """One row per session with a value, oldest first: :data:`TABLE_HEADS`."""
    rows = []
    for k, p in enumerate(goal["points"], start=1):
        note = [w for w, on in (("simulated", p.get("simulated")),
                                ("incomplete", p.get("status", "complete") != "complete")) if on]
        rows.append([str(k), _when(p["started_at"]), p["session_id"][:8], format_value(goal["metric"], p["value"], metric_catalogue()),
                     "met" if p["met"] else "not met", ", ".join(note)])
    return rows


def _value_head(goal: dict[str, Any]) -> str:
    unit = quantity_unit(goal["metric"], metric_catalogue())
    return f"value ({unit})" if unit else "value"


def _met_when(goal: dict[str, Any]) -> str:
    info = metric_info(goal["metric"], metric_catalogue())
    unit = quantity_unit(goal["metric"], metric_catalogue())
    bound = "at most" if goal["direction"] == "<=" else "at least"
    return f"{info.label}: met when {bound} {goal['target']:g}{' ' + unit if unit else ''}"


def _trend_line(goal: dict[str, Any]) -> str:
    t = goal["trend"]
    n = len(goal["points"])
    if t is None:
        return (f"Trend: not drawn with {n} session{'s' if n != 1 else ''}; "
                f"a trend needs at least {MIN_TREND_POINTS} sessions with a value.")
    m = goal["metric"]
    unit = quantity_unit(m, metric_catalogue())
    u = f" {unit}" if unit else ""
    head = f"Trend (least-squares line over the {n} sessions): "
    span = f"{format_change(m, t.change, metric_catalogue())}{u} along the line from the first session to the latest"
    scatter = f"the scatter of the sessions about the line (SD {format_value(m, t.residual_sd, metric_catalogue())}{u})"
    if not t.clear:
        return head + f"no clear change: {span}, no more than {scatter}."
    toward = (t.slope < 0) == (goal["direction"] == "<=")
    return (head + f"{format_change(m, t.slope, metric_catalogue())}{u} per session ({span}), "
            f"{'toward' if toward else 'away from'} the goal; that change is larger than {scatter}.")


def goal_lines(goal: dict[str, Any]) -> list[str]:
    """What the numbers say: how often met, the latest session, the trend."""
    pts = goal["points"]
    if not pts:
        return ["No session with a value for this goal yet."]
    met = sum(1 for p in pts if p["met"])
    unit = quantity_unit(goal["metric"], metric_catalogue())
    last = pts[-1]
    return [
        f"Met in {met} of {len(pts)} session{'s' if len(pts) != 1 else ''}. Latest: session #{len(pts)}, "
        f"{_when(last['started_at'])} UTC: {format_value(goal['metric'], last['value'], metric_catalogue())}{' ' + unit if unit else ''}, "
        f"{'met' if last['met'] else 'not met'}.",
        _trend_line(goal),
    ]


def _title(report: dict[str, Any]) -> str:
    name = f" ({report['display_name']})" if report.get("display_name") else ""
    return f"Progress report: client {report['code']}{name}"


def _subtitle(report: dict[str, Any]) -> str:
    n = len(report["sessions"])
    span = ""
    if report["sessions"]:
        span = f", {_when(report['sessions'][0]['started_at'])} to {_when(report['sessions'][-1]['started_at'])} UTC"
    since = "" if report["since"] is None or report["deidentified"] else f" (since {report['since']:%Y-%m-%d})"
    shifted = " (dates shifted: de-identified)" if report["deidentified"] else ""
    goals = len(report["goals"])
    return f"{n} session{'s' if n != 1 else ''}{span}{since}{shifted}; {goals} goal{'s' if goals != 1 else ''}"


def _footer(report: dict[str, Any]) -> str:
    made = "" if report["deidentified"] else f", {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC"
    return f"Written by live {__version__}{made}. Values are each session's summary over the runs the goal names."


# ---------------------------------------------------------------------------------------- HTML

_CSS = (
    "body{font-family:sans-serif;max-width:58em;margin:1em auto;font-size:11pt;color:#111}"
    "h1{font-size:17pt;margin-bottom:.2em}h2{font-size:13pt;margin:1.6em 0 .2em}.sub,.met-when{color:#444}"
    "table{border-collapse:collapse;margin:.6em 0}td,th{border:1px solid #aaa;padding:3px 8px;font-size:10pt}"
    "th{background:#e8e8e8;text-align:left}td.num{text-align:right}tbody tr:nth-child(even){background:#f6f6f6}"
    "figure{margin:.4em 0}figure svg{max-width:100%;height:auto}footer{font-size:8pt;color:#666;margin-top:2em}"
    "@media print{section.goal{break-before:page}body{max-width:none}}"
)


def render_html(report: dict[str, Any]) -> bytes:
    """One self-contained HTML file: a section per goal (plot as inline SVG); each goal starts a
    new page when printed."""
    e = html.escape
    parts = ["<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
             f"<title>{e(_title(report))}</title><style>{_CSS}</style></head><body>",
             f"<h1>{e(_title(report))}</h1><p class='sub'>{e(_subtitle(report))}</p>"]
    if not report["goals"]:
        parts.append("<p>No goals set: add one with <code>live goals add</code>.</p>")
    total = len(report["goals"])
    for i, goal in enumerate(report["goals"], start=1):
        parts.append(f"<section class='goal'><h2>Goal {i} of {total}: {e(goal['text'])}</h2>"
                     f"<p class='met-when'>{e(_met_when(goal))}</p>")
        parts.append(f"<figure class='plot'>{plots.svg(plots.progress_plot(goal, goal['trend']))}</figure>")
        parts.extend(f"<p>{e(line)}</p>" for line in goal_lines(goal))
        rows = table_rows(goal)
        if rows:
            heads = list(TABLE_HEADS)
            heads[3] = _value_head(goal)
            parts.append("<table><thead><tr>" + "".join(f"<th>{e(h)}</th>" for h in heads) + "</tr></thead><tbody>"
                         + "".join("<tr>" + "".join(f"<td class='num'>{e(c)}</td>" if j in (0, 3) else f"<td>{e(c)}</td>"
                                                    for j, c in enumerate(r)) + "</tr>" for r in rows)
                         + "</tbody></table>")
        parts.append("</section>")
    parts.append(f"<footer>{e(_footer(report))}</footer></body></html>")
    return "".join(parts).encode()


# ----------------------------------------------------------------------------------------- PDF

PAGE_IN = (8.27, 11.69)  # A4 portrait, inches
_LEFT_IN, _RIGHT_IN, _TOP_IN, _BOTTOM_IN = 0.8, 0.7, 0.65, 0.75
_ROW_IN = 0.21
# table columns: where each is anchored (inches from the page's left edge) and how aligned there
_COLUMNS = ((1.05, "right"), (1.3, "left"), (2.75, "left"), (4.75, "right"), (5.0, "left"), (5.75, "left"))


class _Pages:
    """A4 pages drawn in inches from the top-left corner, each with the report's header."""

    def __init__(self, report: dict[str, Any]):
        self.report, self.figures, self.fig, self.y = report, [], None, 0.0

    def new(self) -> None:
        import matplotlib.pyplot as plt

        self.fig = plt.figure(figsize=PAGE_IN)
        self.figures.append(self.fig)
        self.y = _TOP_IN
        self.text(_LEFT_IN, _title(self.report), size=15, weight="bold")
        self.y += 0.27
        self.text(_LEFT_IN, _subtitle(self.report), size=9, color="0.25")
        self.y += 0.12
        self.rule()
        self.y += 0.3

    def room(self, inches: float) -> bool:
        return self.y + inches <= PAGE_IN[1] - _BOTTOM_IN

    def text(self, x_in: float, s: str, *, size: float = 9.5, **kw) -> None:
        kw.setdefault("va", "baseline")
        self.fig.text(x_in / PAGE_IN[0], 1 - self.y / PAGE_IN[1], s, fontsize=size, **kw)

    def rule(self, lw: float = 0.8, color: str = "0.3") -> None:
        from matplotlib.lines import Line2D

        y = 1 - self.y / PAGE_IN[1]
        self.fig.add_artist(Line2D([_LEFT_IN / PAGE_IN[0], 1 - _RIGHT_IN / PAGE_IN[0]], [y, y], lw=lw, color=color))

    def band(self, height_in: float, color: str) -> None:
        from matplotlib.patches import Rectangle

        x0, x1 = _LEFT_IN / PAGE_IN[0], 1 - _RIGHT_IN / PAGE_IN[0]
        y0 = 1 - (self.y + height_in) / PAGE_IN[1]
        self.fig.add_artist(Rectangle((x0, y0), x1 - x0, height_in / PAGE_IN[1], color=color, lw=0, zorder=-1))

    def axes(self, left_in: float, height_in: float, bottom_gap_in: float):
        """Axes spanning to the right margin, ``height_in`` tall, from the current line down."""
        w, h = PAGE_IN
        ax = self.fig.add_axes((left_in / w, 1 - (self.y + height_in) / h, (w - _RIGHT_IN - left_in) / w, height_in / h))
        self.y += height_in + bottom_gap_in
        return ax

    def finish(self) -> None:
        total = len(self.figures)
        for k, fig in enumerate(self.figures, start=1):
            fig.text(_LEFT_IN / PAGE_IN[0], 0.4 / PAGE_IN[1], _footer(self.report), fontsize=7, color="0.4")
            fig.text(1 - _RIGHT_IN / PAGE_IN[0], 0.4 / PAGE_IN[1], f"page {k} of {total}", fontsize=7.5,
                     color="0.25", ha="right")


def _wrap(line: str, size: float) -> list[str]:
    width_in = PAGE_IN[0] - _LEFT_IN - _RIGHT_IN
    chars = int(width_in * 72 / (0.52 * size))  # average sans-serif glyph ~0.52 em
    return textwrap.wrap(line, chars) or [""]


def _table_head(pages: _Pages, goal: dict[str, Any]) -> None:
    heads = list(TABLE_HEADS)
    heads[3] = _value_head(goal)
    for (x, align), h in zip(_COLUMNS, heads):
        pages.text(x, h, size=8.5, weight="bold", ha=align)
    pages.y += 0.07
    pages.rule(lw=0.6)
    pages.y += 0.03


def _goal_pages(pages: _Pages, goal: dict[str, Any], number: int, total: int) -> None:
    pages.new()
    heading = f"Goal {number} of {total}: {goal['text']}"
    pages.text(_LEFT_IN, heading, size=12.5, weight="bold")
    pages.y += 0.22
    pages.text(_LEFT_IN, _met_when(goal), size=9.5, color="0.25")
    pages.y += 0.2
    ax = pages.axes(_LEFT_IN + 0.45, 3.6, 0.95)  # room below for three-line session labels
    plots.draw_progress(ax, goal, goal["trend"], fontsize=8.5)
    for line in goal_lines(goal):
        for part in _wrap(line, 9.5):
            pages.text(_LEFT_IN, part, size=9.5)
            pages.y += 0.18
        pages.y += 0.05
    rows = table_rows(goal)
    if not rows:
        return
    pages.y += 0.15
    _table_head(pages, goal)
    for i, row in enumerate(rows):
        if not pages.room(_ROW_IN):
            pages.new()
            pages.text(_LEFT_IN, heading + " (continued)", size=11, weight="bold")
            pages.y += 0.35
            _table_head(pages, goal)
        if i % 2:
            pages.band(_ROW_IN, "0.95")
        pages.y += _ROW_IN * 0.72
        for (x, align), cell in zip(_COLUMNS, row):
            colour = {"met": "#00664a", "not met": "#8a4b00"}.get(cell, "black")
            pages.text(x, cell, size=9, ha=align, color=colour)
        pages.y += _ROW_IN * 0.28
    pages.y += 0.04
    pages.rule(lw=0.6)


def render_pdf(report: dict[str, Any]) -> bytes:
    """A4 pages: each goal starts a page (plot, what it shows, the table of sessions; a long
    table continues on the next pages); page numbers at the foot."""
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    pages = _Pages(report)
    if not report["goals"]:
        pages.new()
        pages.text(_LEFT_IN, "No goals set: add one with 'live goals add'.", size=11)
    total = len(report["goals"])
    for i, goal in enumerate(report["goals"], start=1):
        _goal_pages(pages, goal, i, total)
    pages.finish()
    buf = io.BytesIO()
    with PdfPages(buf, metadata={"Title": _title(report), "Creator": "live", "CreationDate": None}) as pdf:
        for fig in pages.figures:
            pdf.savefig(fig)
            plt.close(fig)
    return buf.getvalue()


def render(report: dict[str, Any], fmt: str) -> bytes:
    if fmt not in ("html", "pdf"):
        raise ValueError(f"format {fmt!r}: must be html or pdf")
    return render_html(report) if fmt == "html" else render_pdf(report)
