"""``live report CLIENT``: the progress report a clinician files, checked on its rendered pages.

The PDF is rendered with poppler (``pdftoppm`` to PNG, ``pdftotext -layout`` for the text), as a
person would see it: a page per goal, the plot's frame measured on the page image, its markers
found by colour, the table's rows read back from the page text. Three sessions of one day, stored
in an order other than their times', must come out as three distinct date-time rows, oldest
first and the latest last.
"""

from __future__ import annotations

import re
import sqlite3
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from live.cli import main
from live.metrics.trend import least_squares_line, trend
from live.store.exports import plots
from live.store.report import goal_lines, render_pdf
from live.store.store import Store
from records_helpers import make_demo_db

DPI = 100
DAY = "2026-11-20"
# stored in this order (session 1, 2, 3 of make_demo_db), so time order is 2, 3, 1
TIMES = ["15:20:47", "09:05:12", "11:40:03"]
ROW = re.compile(r"^\s*(\d+)\s+(\d{4}-\d\d-\d\d \d\d:\d\d)\s+([0-9a-f]{8})\s+(\S+)\s+(met|not met)\b")
# Okabe-Ito colours of the plot (live.store.exports.plots)
MET_RGB, NOT_MET_RGB, TREND_RGB = (0, 158, 115), (230, 159, 0), (0, 114, 178)


@pytest.fixture(scope="module")
def one_day(tmp_path_factory):
    """Three simulated sessions of SIM-001 on one day (09:05, 11:40, 15:20 UTC, stored in
    another order), and two goals: one met by every session, one by none."""
    db, ids = make_demo_db(tmp_path_factory.mktemp("day"), beats=24, sessions=3)
    with sqlite3.connect(db) as con:  # the store stamps sessions with now(); give them a clinic's day
        for sid, hms in zip(ids, TIMES):
            con.execute("UPDATE sessions SET started_at = ? WHERE id = ?", (f"{DAY} {hms}.000000", sid))
    with Store.open(db) as store:
        store.add_goal("SIM-001", metric="sd_async_ms", direction="<=", target=40, conditions={"tempo_bpm": 100.0})
        store.add_goal("SIM-001", metric="R", direction=">=", target=0.999)
    return db, [ids[1], ids[2], ids[0]]  # in time order


def live(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def render_png(pdf: Path, folder: Path) -> list[np.ndarray]:
    """Every page of ``pdf`` as an RGB array at :data:`DPI` (pdftoppm)."""
    folder.mkdir(exist_ok=True)
    subprocess.run(["pdftoppm", "-r", str(DPI), "-png", str(pdf), str(folder / "page")], check=True, timeout=60)
    return [np.asarray(Image.open(p).convert("RGB")) for p in sorted(folder.glob("page-*.png"))]


def page_text(pdf: Path, page: int) -> str:
    return subprocess.run(["pdftotext", "-layout", "-f", str(page), "-l", str(page), str(pdf), "-"],
                          capture_output=True, text=True, check=True, timeout=60).stdout


def longest_runs(mask: np.ndarray) -> np.ndarray:
    """For each row of ``mask``, its longest run of True."""
    out = np.zeros(mask.shape[0], dtype=int)
    for i, row in enumerate(mask):
        edges = np.flatnonzero(np.diff(np.concatenate(([0], row.astype(np.int8), [0]))))
        if edges.size:
            out[i] = (edges[1::2] - edges[0::2]).max()
    return out


def plot_frame(page: np.ndarray) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) pixel of the page's plot frame: the black lines (axes spines)
    at least 2.5 inches long."""
    black = page.max(axis=2) < 90
    rows = np.flatnonzero(longest_runs(black) >= 2.5 * DPI)
    cols = np.flatnonzero(longest_runs(black.T) >= 2.5 * DPI)
    assert rows.size >= 2 and cols.size >= 2, "no plot frame on the page"
    return int(rows.min()), int(rows.max()), int(cols.min()), int(cols.max())


def pixels_near(region: np.ndarray, rgb: tuple[int, int, int], tol: int = 40) -> int:
    return int((np.abs(region.astype(int) - np.array(rgb)).max(axis=2) <= tol).sum())


def table(text: str) -> list[tuple[int, str, str, str, str]]:
    return [(int(m[1]), m[2], m[3], m[4], m[5]) for m in map(ROW.match, text.splitlines()) if m]


def test_report_pdf_has_a_page_per_goal_with_a_large_plot_and_one_days_sessions_apart_latest_last(
        one_day, tmp_path, capsys):
    db, ids = one_day
    pdf = tmp_path / "report.pdf"
    code, out, err = live(capsys, "report", "SIM-001", "--format", "pdf", "--out", pdf, "--db", db)
    assert code == 0, err
    pages = render_png(pdf, tmp_path / "png")
    assert len(pages) == 2  # one per goal: each fits its page
    want_labels = [f"{DAY} 09:05", f"{DAY} 11:40", f"{DAY} 15:20"]
    for number, (page, met_colour) in enumerate(zip(pages, (MET_RGB, NOT_MET_RGB)), start=1):
        height_in, width_in = page.shape[0] / DPI, page.shape[1] / DPI
        assert (round(width_in, 1), round(height_in, 1)) == (8.3, 11.7)  # A4
        top, bottom, left, right = plot_frame(page)
        # large enough to read: over three quarters of the page's width, over 3 inches tall
        assert (right - left) / DPI > 6.0 and (bottom - top) / DPI > 3.0, (top, bottom, left, right)
        inside = page[top + 2:bottom - 1, left + 2:right - 1]
        # not blank: the three sessions' markers (met green, not-met orange) and the trend line
        assert pixels_near(inside, met_colour) > 3 * 30, number
        assert pixels_near(inside, TREND_RGB) > 200, number
        text = page_text(pdf, number)
        assert f"Goal {number} of 2:" in text
        rows = table(text)
        assert [r[0] for r in rows] == [1, 2, 3]
        assert [r[1] for r in rows] == want_labels  # three distinct date-times, oldest first, latest last
        assert [r[2] for r in rows] == [sid[:8] for sid in ids]
        assert {r[4] for r in rows} == ({"met"} if number == 1 else {"not met"})
        # the plot's x-axis tells them apart too: number, date and time under each session
        assert re.search(r"#1\s+#2\s+#3", text) and re.search(r"09:05\s+11:40\s+15:20", text), text
        flat = " ".join(text.split())
        assert f"Latest: session #3, {DAY} 15:20 UTC" in flat
        assert "Trend (least-squares line over the 3 sessions)" in flat
    assert "Met in 3 of 3 sessions" in " ".join(page_text(pdf, 1).split())
    assert "Met in 0 of 3 sessions" in " ".join(page_text(pdf, 2).split())


def test_report_html_tables_one_days_sessions_apart_latest_last_with_the_trend(one_day, tmp_path, capsys):
    db, ids = one_day
    out = tmp_path / "report.html"
    assert live(capsys, "report", "SIM-001", "--format", "html", "--out", out, "--db", db)[0] == 0
    text = out.read_text()
    assert text.count("<svg") == 2 and text.count("<section class='goal'>") == 2
    for section in text.split("<section class='goal'>")[1:]:
        cells = re.findall(r"<tr><td class='num'>(\d+)</td><td>([^<]+)</td><td>([0-9a-f]{8})</td>", section)
        assert cells == [("1", f"{DAY} 09:05", ids[0][:8]), ("2", f"{DAY} 11:40", ids[1][:8]),
                         ("3", f"{DAY} 15:20", ids[2][:8])]
        assert "Trend (least-squares line over the 3 sessions)" in section
        assert f"Latest: session #3, {DAY} 15:20 UTC" in section


def synthetic_goal(values, *, direction="<=", target=40.0, metric="sd_async_ms"):
    start = datetime(2026, 9, 1, 9, 0, tzinfo=timezone.utc)
    points = [{"session_id": f"{k:08x}" + "0" * 24, "started_at": start + timedelta(days=k // 2, hours=3 * (k % 2)),
               "value": v, "met": (v <= target) if direction == "<=" else (v >= target), "status": "complete",
               "simulated": False} for k, v in enumerate(values)]
    return {"id": 1, "text": f"{metric} {direction} {target:g}", "metric": metric, "direction": direction,
            "target": target, "conditions": {}, "points": points, "trend": trend(values)}


def test_a_long_table_continues_on_the_next_page_every_session_once_in_order(tmp_path):
    values = [45 - 0.4 * k + (k % 3) for k in range(45)]
    goal = synthetic_goal(values)
    report = {"code": "C-9", "display_name": None, "goals": [goal], "deidentified": False, "since": None,
              "sessions": [{"id": p["session_id"], "started_at": p["started_at"], "status": "complete", "runs": 1}
                           for p in goal["points"]]}
    pdf = tmp_path / "long.pdf"
    pdf.write_bytes(render_pdf(report))
    pages = render_png(pdf, tmp_path / "png")
    assert len(pages) == 2
    first, second = table(page_text(pdf, 1)), table(page_text(pdf, 2))
    assert first and second and "(continued)" in page_text(pdf, 2)
    assert [r[0] for r in first + second] == list(range(1, 46))
    labels = [r[1] for r in first + second]
    assert labels == sorted(labels) and len(set(labels)) == 45
    assert "page 2 of 2" in page_text(pdf, 2)


def test_least_squares_line_matches_numpy_polyfit():
    rng = np.random.default_rng(7)
    for n in (2, 3, 5, 40):
        y = rng.normal(30, 8, n)
        slope, intercept = least_squares_line(y)
        assert (slope, intercept) == pytest.approx(tuple(np.polyfit(np.arange(n), y, 1)), abs=1e-9)
    t = trend([10.0, 12.0, 17.0])  # by hand: slope 3.5, line 9.5 .. 16.5, residuals 0.5, -1, 0.5
    assert (t.n, t.slope, t.first, t.last, t.change) == pytest.approx((3, 3.5, 9.5, 16.5, 7.0))
    assert t.residual_sd == pytest.approx(np.sqrt(1.5)) and t.clear
    assert trend([1.0, 2.0]) is None
    with pytest.raises(ValueError):
        least_squares_line([1.0])
    with pytest.raises(ValueError):
        least_squares_line([1.0, float("nan")])


def test_trend_sentence_says_toward_or_away_from_the_goal_or_no_clear_change():
    falling = goal_lines(synthetic_goal([50.0, 46.0, 41.0, 37.5]))  # SD of asynchrony <= 40: falling is better
    assert "-4.25 ms per session (-12.75 ms along the line" in falling[1] and "toward the goal" in falling[1]
    assert "Met in 1 of 4 sessions. Latest: session #4, 2026-09-02 12:00 UTC: 37.5 ms, met." == falling[0]
    rising = goal_lines(synthetic_goal([0.80, 0.85, 0.93], direction=">=", target=0.9, metric="R"))
    assert "toward the goal" in rising[1] and "+0.0650 per session" in rising[1]
    away = goal_lines(synthetic_goal([30.0, 35.0, 41.0]))
    assert "away from the goal" in away[1]
    noisy = goal_lines(synthetic_goal([30.0, 40.0, 29.0, 41.0, 31.0]))
    assert "no clear change" in noisy[1] and "toward" not in noisy[1]
    short = goal_lines(synthetic_goal([30.0, 35.0]))
    assert "needs at least 3 sessions" in short[1]


def test_session_labels_thin_out_but_keep_the_first_and_the_latest():
    assert plots.labelled_sessions(9) == list(range(1, 10))
    for n in (10, 30, 31, 100):
        shown = plots.labelled_sessions(n)
        gaps = np.diff(shown)
        assert shown[0] == 1 and shown[-1] == n and len(shown) <= plots.MAX_SESSION_LABELS + 1
        assert len(set(gaps[:-1])) == 1 and gaps[-1] >= gaps[0]  # evenly spaced; the latest never crowds its neighbour
    when = datetime(2026, 11, 20, 9, 5, tzinfo=timezone.utc)
    assert plots.session_label(3, when) == "#3\n2026-11-20\n09:05"
