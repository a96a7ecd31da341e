"""``live export --format html|pdf``: a one-page session note with plots.

Contents: the session (client code, display name unless de-identified, date, status, its
audio outages when the device went away: when, how long, the run played again, and the audio
input the runs kept, when they kept any: how many clips, how long); the plots each
activity of the session declares (``note_plots``: entrainment's asynchrony over time, histogram
and phase circle), drawn over that activity's runs; a per-phase table of each activity's runs
with the metrics it declares for it (``note_table``); each goal with this session's value; and
the therapist's notes and marked moments (time from the first run's start). What an activity
declares is looked up by :mod:`live.store.declared`. HTML is one self-contained file (plots as
inline SVG); PDF is one A4 page.
"""

from __future__ import annotations

import html
import io
from typing import Any

from live.metrics.info import format_value
from live.store.declared import Declared, session_declared
from live.store.exports import describe_kept_audio, describe_outages, origin_frame, plots

_MAX_PDF_NOTES = 12
_PDF_PLOTS_TOP, _PDF_PLOTS_HEIGHT, _PDF_PLOT_ROW = 0.86, 0.42, 0.21  # figure fractions of the A4 page


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
    kept = describe_kept_audio(session)
    if kept:
        rows.append(("Recorded", kept))
    return rows


def activity_record(session: dict[str, Any], activity: str) -> dict[str, Any]:
    """What an activity's plots draw from: the session with only that activity's runs, and
    ``origin_frame`` (the session's time 0)."""
    return {**session, "runs": [r for r in session["runs"] if r["activity"] == activity],
            "origin_frame": origin_frame(session)}


def figures(session: dict[str, Any]) -> list[tuple[str, bool, Any]]:
    """Every declared plot drawn: (name, wide, matplotlib figure), activity by activity."""
    out = []
    for activity, d in session_declared(session).items():
        record = activity_record(session, activity)
        out += [(plot.name, plot.wide, plot.draw(record)) for plot in d.note_plots]
    return out


def phase_tables(session: dict[str, Any]) -> list[tuple[str, list[str], list[list[str]]]]:
    """One per-phase table per activity of the session: (activity, column heads, rows), the
    columns its declared ``note_table`` (metric -> heading)."""
    tables = []
    for activity, d in session_declared(session).items():
        runs = [r for r in session["runs"] if r["activity"] == activity]
        columns = d.table_metrics(runs)
        heads = ["run", "preset", "phase", *columns.values()]
        rows = []
        for r in runs:
            if not r["phases"]:
                rows.append([str(r["position"]), r["preset_name"], "(no summary)"] + ["n/a"] * len(columns))
            for phase, metrics in r["phases"].items():
                rows.append([str(r["position"]), r["preset_name"], phase]
                            + [_value(m, metrics.get(m), d) for m in columns])
        tables.append((activity, heads, rows))
    return tables


def _value(metric: str, value: Any, d: Declared) -> str:
    return value if isinstance(value, str) else format_value(metric, value, d.catalogue)


def goal_rows(session: dict[str, Any]) -> list[list[str]]:
    from live.activities.registry import metric_catalogue

    catalogue = metric_catalogue()
    return [[code, g["text"], format_value(g["metric"], g["value"], catalogue),
             "n/a" if g["met"] is None else ("met" if g["met"] else "not met")]
            for code, goals in session["goals"].items() for g in goals]


def note_rows(session: dict[str, Any]) -> list[list[str]]:
    return [[_moment(session, n["frame"]) or "-", n["text"]] for n in session["notes"]]


def _footer(session: dict[str, Any]) -> str:
    return f"Times count from the first run's start. Written by live {session['app_version']}."


def _html_table(heads: list[str], rows: list[list[str]]) -> str:
    e = html.escape
    head = "".join(f"<th>{e(h)}</th>" for h in heads)
    body = "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_html(session: dict[str, Any]) -> bytes:
    e = html.escape
    tables = phase_tables(session)
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
        "</dl>",
    ]
    drawn = figures(session)
    if drawn:
        parts.append("<h2>Plots</h2><div class='plots'>")
        parts += [f"<figure class='plot' id='{e(name)}'>{plots.svg(fig)}</figure>" for name, _, fig in drawn]
        parts.append("</div>")
    parts.append("<h2>Per phase</h2>")
    for activity, heads, rows in tables:
        if len(tables) > 1:
            parts.append(f"<h3>{e(activity)}</h3>")
        parts.append(_html_table(heads, rows))
    parts += [
        "<h2>Goals</h2>", _html_table(["client", "goal", "this session", "met"], goals) if goals else "<p>No goals set.</p>",
        "<h2>Therapist notes and marked moments</h2>",
        _html_table(["moment", "note"], notes) if notes else "<p>No notes.</p>",
        f"<p style='font-size:8pt;color:#666'>{e(_footer(session))}</p>",
        "</body></html>",
    ]
    return "".join(parts).encode()


def _plot_rects(drawn: list[tuple[str, bool, Any]],
                top: float = _PDF_PLOTS_TOP) -> list[tuple[float, float, float, float]]:
    """Where each plot goes on the PDF page, from ``top`` (a figure fraction) down: a wide one
    takes a row, the others two to a row."""
    rows: list[list[int]] = []
    for i, (_, wide, _) in enumerate(drawn):
        if wide or not rows or len(rows[-1]) == 2 or drawn[rows[-1][0]][1]:
            rows.append([i])
        else:
            rows[-1].append(i)
    height = min(_PDF_PLOT_ROW, _PDF_PLOTS_HEIGHT / max(1, len(rows)))
    rects: list[tuple[float, float, float, float]] = [(0.0, 0.0, 0.0, 0.0)] * len(drawn)
    for k, row in enumerate(rows):
        bottom = top - (k + 1) * height
        if drawn[row[0]][1]:
            rects[row[0]] = (0.05, bottom, 0.9, height)
        else:
            for j, i in enumerate(row):
                rects[i] = (0.05, bottom, 0.5, height) if j == 0 else (0.58, bottom, 0.38, height)
    return rects


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
    drawn = figures(session)
    for (_, _, sub), rect in zip(drawn, _plot_rects(drawn, top=min(_PDF_PLOTS_TOP, y))):  # below the header
        ax = fig.add_axes(rect)
        ax.imshow(plots.image(sub), aspect="equal")
        ax.axis("off")
    tables = phase_tables(session)
    band = 0.12 / max(1, len(tables))
    for k, (activity, heads, rows) in enumerate(tables):
        ax = fig.add_axes((0.05, 0.42 - (k + 1) * band, 0.9, band))
        ax.axis("off")
        ax.set_title("Per phase" + (f": {activity}" if len(tables) > 1 else ""), fontsize=9, loc="left")
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
    fig.text(0.06, 0.02, _footer(session), fontsize=6.5, color="0.4")
    buf = io.BytesIO()
    with PdfPages(buf, metadata={"Title": f"Session note {session['id'][:8]}", "Creator": "live", "CreationDate": None}) as pdf:
        pdf.savefig(fig)
    plt.close(fig)
    return buf.getvalue()
