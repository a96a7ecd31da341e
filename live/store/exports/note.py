"""``live export --format html|pdf``: a one-page session note with plots.

Contents: the session (client code, display name unless de-identified, date, status, and its
audio outages when the device went away: when, how long, the run played again), the
plots of :mod:`live.store.exports.plots` (asynchrony over time, histogram, phase circle), a
per-phase table of each run's main metrics, each goal with this session's value, and the
therapist's notes and marked moments (time from the first run's start). HTML is one
self-contained file (plots as inline SVG); PDF is one A4 page.
"""

from __future__ import annotations

import html
import io
from typing import Any

from live.activities.registry import metric_catalogue
from live.store.exports import describe_outages, origin_frame, plots
from live.metrics.info import format_value

# metric -> column heading of the per-phase table
TABLE_METRICS = {"n_beats": "beats", "matched": "matched", "mean_async_ms": "mean async (ms)",
                 "sd_async_ms": "SD async (ms)", "within_window_pct": "in window (%)", "R": "R",
                 "iti_cv": "ITI CV"}
_MAX_PDF_NOTES = 12


def _moment(session: dict[str, Any], frame: int | None) -> str:
    if frame is None:
        return ""
    s = (frame - origin_frame(session)) / session["sample_rate"]
    sign, s = ("-" if s < 0 else ""), abs(s)
    return f"{sign}{int(s // 60)}:{s % 60:04.1f}"


def header(session: dict[str, Any]) -> list[tuple[str, str]]:
    names = session["display_names"]
    clients = ", ".join(c + (f" ({names[c]})" if c in names else "") for c in session["clients"])
    status = session["status"] + ("" if session["status"] == "complete"
                                  else ": did not end normally; data up to the last stored batch")
    rows = [
        ("Client", clients + (" (simulated)" if session["simulated"] else "")),
        ("Date", f"{session['started_at']:%Y-%m-%d %H:%M} UTC" + (" (shifted: de-identified)" if session["deidentified"] else "")),
        ("Session", session["id"]),
        ("Status", status),
    ]
    if session.get("outages"):
        rows.append(("Audio", " ".join(line.strip() for line in describe_outages(session))))
    return rows


def phase_rows(session: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    heads = ["run", "preset", "phase", *TABLE_METRICS.values()]
    rows = []
    for r in session["runs"]:
        if not r["phases"]:
            rows.append([str(r["position"]), r["preset_name"], "(no summary)"] + ["n/a"] * len(TABLE_METRICS))
        catalogue = metric_catalogue(r["activity"])
        for phase, metrics in r["phases"].items():
            rows.append([str(r["position"]), r["preset_name"], phase]
                        + [format_value(m, metrics.get(m), catalogue) for m in TABLE_METRICS])
    return heads, rows


def goal_rows(session: dict[str, Any]) -> list[list[str]]:
    catalogue = metric_catalogue()
    return [[code, g["text"], format_value(g["metric"], g["value"], catalogue),
             "n/a" if g["met"] is None else ("met" if g["met"] else "not met")]
            for code, goals in session["goals"].items() for g in goals]


def note_rows(session: dict[str, Any]) -> list[list[str]]:
    return [[_moment(session, n["frame"]) or "-", n["text"]] for n in session["notes"]]


def _html_table(heads: list[str], rows: list[list[str]]) -> str:
    e = html.escape
    head = "".join(f"<th>{e(h)}</th>" for h in heads)
    body = "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_html(session: dict[str, Any]) -> bytes:
    e = html.escape
    heads, rows = phase_rows(session)
    goals = goal_rows(session)
    notes = note_rows(session)
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Session note {e(session['id'][:8])}</title>",
        "<style>body{font-family:sans-serif;max-width:60em;margin:1em auto;font-size:11pt}"
        "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #999;padding:2px 6px;font-size:9pt}"
        "th{background:#eee}.plots{display:flex;flex-wrap:wrap;gap:4px}dt{font-weight:bold;float:left;width:6em}"
        "dd{margin-left:6em}figure{margin:0}</style></head><body>",
        "<h1>Music therapy session note</h1><dl>",
        "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in header(session)),
        "</dl><h2>Timing</h2><div class='plots'>",
        f"<figure class='plot' id='asynchrony'>{plots.svg(plots.asynchrony_plot(session))}</figure>",
        f"<figure class='plot' id='histogram'>{plots.svg(plots.histogram_plot(session))}</figure>",
        f"<figure class='plot' id='phase-circle'>{plots.svg(plots.phase_plot(session))}</figure>",
        "</div><h2>Per phase</h2>", _html_table(heads, rows),
        "<h2>Goals</h2>", _html_table(["client", "goal", "this session", "met"], goals) if goals else "<p>No goals set.</p>",
        "<h2>Therapist notes and marked moments</h2>",
        _html_table(["moment", "note"], notes) if notes else "<p>No notes.</p>",
        "<p style='font-size:8pt;color:#666'>Times count from the first run's start. Asynchrony: input time "
        "minus beat time (negative = early). Written by live " + e(session["app_version"]) + ".</p>",
        "</body></html>",
    ]
    return "".join(parts).encode()


def render_pdf(session: dict[str, Any]) -> bytes:
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    fig = plt.figure(figsize=(8.27, 11.69))  # A4 portrait, inches
    fig.text(0.06, 0.965, "Music therapy session note", fontsize=15, weight="bold")
    y = 0.94
    for k, v in header(session):
        fig.text(0.06, y, f"{k}:", fontsize=8.5, weight="bold")
        fig.text(0.16, y, v if len(v) <= 125 else v[:122] + "...", fontsize=8.5)
        y -= 0.016
    _draw(fig, plots.asynchrony_plot, session, (0.05, 0.66, 0.9, 0.2))
    _draw(fig, plots.histogram_plot, session, (0.05, 0.44, 0.5, 0.21))
    _draw(fig, plots.phase_plot, session, (0.58, 0.44, 0.38, 0.21))
    heads, rows = phase_rows(session)
    ax = fig.add_axes((0.05, 0.30, 0.9, 0.12))
    ax.axis("off")
    ax.set_title("Per phase", fontsize=9, loc="left")
    if rows:
        t = ax.table(cellText=rows[:8], colLabels=[h.replace(" (", "\n(") for h in heads], loc="upper center",
                     cellLoc="center")
        t.auto_set_font_size(False)
        t.set_fontsize(6.5)
        t.scale(1, 1.4)
    y = 0.27
    fig.text(0.06, y, "Goals", fontsize=9, weight="bold")
    y -= 0.017
    for client, text, value, met in goal_rows(session) or [["", "No goals set.", "", ""]]:
        fig.text(0.07, y, f"{client}  {text}:  {value}  {met}".strip(), fontsize=8)
        y -= 0.015
    y -= 0.006
    fig.text(0.06, y, "Therapist notes and marked moments", fontsize=9, weight="bold")
    y -= 0.017
    notes = note_rows(session)
    for moment, text in notes[:_MAX_PDF_NOTES]:
        fig.text(0.07, y, f"{moment:>8}  {text[:120]}", fontsize=8, family="monospace")
        y -= 0.014
    if len(notes) > _MAX_PDF_NOTES:
        fig.text(0.07, y, f"... {len(notes) - _MAX_PDF_NOTES} more notes in the HTML or JSON export", fontsize=8)
    if not notes:
        fig.text(0.07, y, "No notes.", fontsize=8)
    fig.text(0.06, 0.02, "Times count from the first run's start. Asynchrony: input time minus beat time "
             f"(negative = early). live {session['app_version']}.", fontsize=6.5, color="0.4")
    buf = io.BytesIO()
    with PdfPages(buf, metadata={"Title": f"Session note {session['id'][:8]}", "Creator": "live", "CreationDate": None}) as pdf:
        pdf.savefig(fig)
    plt.close(fig)
    return buf.getvalue()


def _draw(fig, make, session: dict[str, Any], rect: tuple[float, float, float, float]) -> None:
    """Render a plot into a rectangle of the page (as an image: one page, no overlap)."""
    import matplotlib.pyplot as plt
    import numpy as np

    sub = make(session)
    sub.set_dpi(150)
    sub.canvas.draw()
    image = np.asarray(sub.canvas.buffer_rgba())
    plt.close(sub)
    ax = fig.add_axes(rect)
    ax.imshow(image, aspect="equal")
    ax.axis("off")
