"""Tests of ``live metrics sms``: JSON and table output, and one-line errors with exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from live.cli import main
from live.metrics.sms import sms_summary

LIVE = str(Path(sys.executable).with_name("live"))  # the venv's console script

# beats 0, .5, 1, 1.5, 2; taps 0, .5, 1, 1.75 (worked example of test_metrics_sms.py):
# 4 matched, 1 missed, 0 extra; a = 0, 0, 0, 250 ms -> mean 62.5, SD 125, median 0;
# within 50 ms: 3 of 5 beats = 60 %; R = 0.5; mean phase 0; ITI mean 583.3 ms.
BEATS = "time_s\n0\n0.5\n1.0\n1.5\n2.0\n"
TAPS = "tap,time_s,velocity\n1,0,90\n2,0.5,80\n3,1.0,70\n4,1.75,60\n"
KEYS = [
    "n_beats", "n_taps", "matched", "missed", "extra",
    "mean_async_ms", "sd_async_ms", "median_async_ms", "within_window_pct",
    "R", "mean_phase_deg", "rayleigh_p", "iti_mean_ms", "iti_cv",
]


@pytest.fixture
def files(tmp_path):
    b = tmp_path / "beats.csv"
    t = tmp_path / "taps.csv"
    b.write_text(BEATS)
    t.write_text(TAPS)
    return b, t


def run_live(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([LIVE, *args], capture_output=True, text=True, timeout=60)


def test_json_subprocess(files):
    b, t = files
    r = run_live("metrics", "sms", "--beats", str(b), "--taps", str(t), "--json")
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    assert r.stdout.count("\n") == 1  # exactly one JSON object on one line
    out = json.loads(r.stdout)
    assert list(out) == KEYS
    assert [out[k] for k in KEYS[:5]] == [5, 4, 4, 1, 0]
    assert out["mean_async_ms"] == pytest.approx(62.5)
    assert out["sd_async_ms"] == pytest.approx(125.0)
    assert out["median_async_ms"] == pytest.approx(0.0)
    assert out["within_window_pct"] == pytest.approx(60.0)
    assert out["R"] == pytest.approx(0.5)
    assert out["iti_mean_ms"] == pytest.approx(1750 / 3)
    assert out == pytest.approx(sms_summary([0, 0.5, 1, 1.5, 2], [0, 0.5, 1, 1.75]))


def test_json_none_is_null_and_window_is_used(files, capsys, tmp_path):
    b, _ = files
    one = tmp_path / "one.csv"
    one.write_text("time_s\n1.02\n")  # one tap 20 ms late: no SD, no ITIs
    assert main(["metrics", "sms", "--beats", str(b), "--taps", str(one), "--json",
                 "--window-ms", "10"]) == 0
    cap = capsys.readouterr()
    assert cap.err == ""
    assert '"sd_async_ms": null' in cap.out and '"iti_cv": null' in cap.out
    out = json.loads(cap.out)
    assert out["sd_async_ms"] is None and out["iti_mean_ms"] is None
    assert out["matched"] == 1
    assert out["within_window_pct"] == 0.0  # 20 ms > 10 ms window
    assert main(["metrics", "sms", "--beats", str(b), "--taps", str(one), "--json",
                 "--window-ms", "20.5"]) == 0
    assert json.loads(capsys.readouterr().out)["within_window_pct"] == pytest.approx(20.0)


def test_table_subprocess(files):
    b, t = files
    r = run_live("metrics", "sms", "--beats", str(b), "--taps", str(t))
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    lines = r.stdout.splitlines()
    rows = {
        "beats": "5", "taps": "4", "matched taps": "4", "missed beats": "1", "extra taps": "0",
        "mean asynchrony": "62.5  ms", "SD of asynchrony": "125.0  ms",
        "median asynchrony": "0.0  ms", "within +/-50 ms": "60.0  % of beats",
        "phase consistency R": "0.500", "mean phase": "0.0  deg", "Rayleigh p": "0.392",
        "mean inter-tap interval": "583.3  ms", "inter-tap interval CV": "0.247",
    }
    table = [ln for ln in lines if ln and not ln.startswith(("beats:", "taps:"))]
    assert len(table) == len(rows)
    # aligned: every value ends in the same column
    ends = set()
    for ln, (label, value) in zip(table, rows.items()):
        assert ln.startswith(label + " "), ln
        assert value in ln, (value, ln)
        number = value.split()[0]
        ends.add(ln.index(number, len(label)) + len(number))
    assert len(ends) == 1


def test_table_shows_na_for_undefined(files, capsys, tmp_path):
    b, _ = files
    empty = tmp_path / "empty.csv"
    empty.write_text("time_s\n")
    assert main(["metrics", "sms", "--beats", str(b), "--taps", str(empty)]) == 0
    out = capsys.readouterr().out
    assert "mean asynchrony" in out and "n/a" in out
    assert out.count("n/a") == 8  # all but the 5 counts and within_window_pct (0 %)
    assert "0.0  % of beats" in out


def assert_one_line_error(code: int, err: str, out: str, *needles: str) -> None:
    assert code == 2
    assert out == ""
    assert err.startswith("live metrics sms: ")
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in err, (needle, err)


@pytest.mark.parametrize(
    ("which", "text", "needles"),
    [
        ("taps", None, ["taps.csv", "no such file"]),
        ("beats", "onset,vel\n0.1,3\n",
         ["beats.csv", "line 1", "no column 'time_s'", "'onset', 'vel'"]),
        ("taps", "time_s\n0.1\nabc\n", ["taps.csv", "line 3", "'abc'", "not a number"]),
        ("taps", "time_s\nNaN\n", ["taps.csv", "line 2", "not finite"]),
        ("beats", "time_s\n0\ninf\n", ["beats.csv", "line 3", "not finite"]),
        ("beats", "time_s\n0\n1\n0.5\n", ["beats.csv", "line 4", "0.5", "non-decreasing"]),
        ("beats", "", ["beats.csv", "empty file"]),
    ],
)
def test_bad_files_exit_2_with_one_line(files, capsys, which, text, needles):
    b, t = files
    target = b if which == "beats" else t
    if text is None:
        target.unlink()
    else:
        target.write_text(text)
    code = main(["metrics", "sms", "--beats", str(b), "--taps", str(t)])
    cap = capsys.readouterr()
    assert_one_line_error(code, cap.err, cap.out, *needles)


@pytest.mark.parametrize("window", ["0", "-5", "nan", "inf"])
def test_bad_window_exits_2_with_one_line(files, capsys, window):
    b, t = files
    argv = ["metrics", "sms", "--beats", str(b), "--taps", str(t), "--window-ms", window, "--json"]
    code = main(argv)
    cap = capsys.readouterr()
    assert_one_line_error(code, cap.err, cap.out, f"--window-ms {window}: must be more than 0 and at most 1000 ms")


def test_bad_file_subprocess(files, tmp_path):
    b, _ = files
    missing = tmp_path / "missing.csv"
    r = run_live("metrics", "sms", "--beats", str(b), "--taps", str(missing), "--json")
    assert_one_line_error(r.returncode, r.stderr, r.stdout, "missing.csv", "no such file")
