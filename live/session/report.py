"""``live report CLIENT``: a client's progress across sessions, per goal (HTML or PDF).

For each active goal: a trend plot of the goal's value in each session (green met, orange not
met) with the target line, and a table of the values. Sessions are the client's, oldest first,
from ``since`` on. De-identified reports drop the display name and shift every date by one
random offset, as exports do. Written with mode 0600. Realtime-safe: no.
"""

from __future__ import annotations

import html
import io
from datetime import date
from typing import Any

from live.session.exports import plots
from live.metrics.info import format_value
from live.session.records import client_progress, deidentify, random_date_shift
from live.session.store import Store

__all__ = ["build_report", "render"]


def build_report(store: Store, code: str, *, since: date | None = None, deidentified: bool = False) -> dict[str, Any]:
    """The report's data: :func:`live.session.records.client_progress`, de-identified on request."""
    progress = client_progress(store, code, since=since)
    if deidentified:
        progress = deidentify(progress, random_date_shift())
    progress["deidentified"] = deidentified
    progress["since"] = since
    return progress


def _rows(goal: dict[str, Any]) -> list[list[str]]:
    return [[f"{p['started_at']:%Y-%m-%d}", p["session_id"][:8], format_value(goal["metric"], p["value"]),
             "met" if p["met"] else "not met"] for p in goal["points"]]


def _title(report: dict[str, Any]) -> str:
    name = f" ({report['display_name']})" if report.get("display_name") else ""
    return f"Progress report: client {report['code']}{name}"


def _subtitle(report: dict[str, Any]) -> str:
    n = len(report["sessions"])
    span = ""
    if report["sessions"]:
        span = f", {report['sessions'][0]['started_at']:%Y-%m-%d} to {report['sessions'][-1]['started_at']:%Y-%m-%d}"
    since = "" if report["since"] is None or report["deidentified"] else f" (since {report['since']:%Y-%m-%d})"
    shifted = " (dates shifted: de-identified)" if report["deidentified"] else ""
    return f"{n} session{'s' if n != 1 else ''}{span}{since}{shifted}"


def render_html(report: dict[str, Any]) -> bytes:
    e = html.escape
    parts = ["<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
             f"<title>{e(_title(report))}</title><style>body{{font-family:sans-serif;max-width:60em;margin:1em auto}}"
             "table{border-collapse:collapse}td,th{border:1px solid #999;padding:2px 6px;font-size:9pt}"
             "th{background:#eee}</style></head><body>",
             f"<h1>{e(_title(report))}</h1><p>{e(_subtitle(report))}</p>"]
    if not report["goals"]:
        parts.append("<p>No goals set: add one with <code>live goals add</code>.</p>")
    for goal in report["goals"]:
        parts.append(f"<h2>{e(goal['text'])}</h2>")
        parts.append(f"<figure class='plot'>{plots.svg(plots.progress_plot(goal))}</figure>")
        rows = _rows(goal)
        if rows:
            parts.append("<table><thead><tr><th>date</th><th>session</th><th>value</th><th>goal</th></tr></thead><tbody>"
                         + "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>" for r in rows)
                         + "</tbody></table>")
        else:
            parts.append("<p>No session with a value for this goal yet.</p>")
    parts.append("</body></html>")
    return "".join(parts).encode()


def render_pdf(report: dict[str, Any]) -> bytes:
    """One A4 page per three goals: title, then each goal's trend plot and its latest values."""
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    from live.session.exports.note import _draw

    goals = report["goals"] or [None]
    buf = io.BytesIO()
    with PdfPages(buf, metadata={"Title": _title(report), "Creator": "live", "CreationDate": None}) as pdf:
        for start in range(0, len(goals), 3):
            fig = plt.figure(figsize=(8.27, 11.69))
            fig.text(0.06, 0.96, _title(report), fontsize=14, weight="bold")
            fig.text(0.06, 0.94, _subtitle(report), fontsize=9)
            for i, goal in enumerate(goals[start:start + 3]):
                top = 0.90 - i * 0.30
                if goal is None:
                    fig.text(0.06, top, "No goals set: add one with 'live goals add'.", fontsize=10)
                    continue
                _draw(fig, lambda g: plots.progress_plot(g), goal, (0.05, top - 0.22, 0.9, 0.22))
                last = _rows(goal)[-4:]
                text = "   ".join(f"{d}: {v} ({m})" for d, _, v, m in last) or "no session with a value yet"
                fig.text(0.07, top - 0.24, "latest: " + text, fontsize=7.5)
            pdf.savefig(fig)
            plt.close(fig)
    return buf.getvalue()


def render(report: dict[str, Any], fmt: str) -> bytes:
    if fmt not in ("html", "pdf"):
        raise ValueError(f"format {fmt!r}: must be html or pdf")
    return render_html(report) if fmt == "html" else render_pdf(report)
