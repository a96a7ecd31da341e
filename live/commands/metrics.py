"""``live metrics sms``: synchronisation metrics of a tapping run, from two CSV files.

Exit status 0 with the result on stdout; 2 with one line on stderr for bad input.
"""

from __future__ import annotations

import argparse
import json
import math
import sys

from live.metrics.csvio import read_times_csv
from live.metrics.sms import sms_summary

_PROG = "live metrics sms"

# key -> (label, unit, format) for the readable table.
_ROWS: dict[str, tuple[str, str, str]] = {
    "n_beats": ("beats", "", "d"),
    "n_taps": ("taps", "", "d"),
    "matched": ("matched taps", "", "d"),
    "missed": ("missed beats", "", "d"),
    "extra": ("extra taps", "", "d"),
    "mean_async_ms": ("mean asynchrony", "ms", ".1f"),
    "sd_async_ms": ("SD of asynchrony", "ms", ".1f"),
    "median_async_ms": ("median asynchrony", "ms", ".1f"),
    "within_window_pct": ("within +/-{w} ms", "% of beats", ".1f"),
    "R": ("phase consistency R", "0..1", ".3f"),
    "mean_phase_deg": ("mean phase", "deg", ".1f"),
    "rayleigh_p": ("Rayleigh p", "", ".3g"),
    "iti_mean_ms": ("mean inter-tap interval", "ms", ".1f"),
    "iti_cv": ("inter-tap interval CV", "", ".3f"),
}


def _fail(message: str) -> int:
    print(f"{_PROG}: {message}", file=sys.stderr)
    return 2


def format_table(summary: dict, *, window_ms: float) -> str:
    """The summary as aligned ``label  value  unit`` lines; undefined values read ``n/a``."""
    labels = {k: label.format(w=f"{window_ms:g}") for k, (label, _, _) in _ROWS.items()}
    values = {
        k: "n/a" if summary[k] is None else format(summary[k], fmt)
        for k, (_, _, fmt) in _ROWS.items()
    }
    lw = max(map(len, labels.values()))
    vw = max(map(len, values.values()))
    lines = [
        f"{labels[k]:<{lw}}  {values[k]:>{vw}}  {unit}".rstrip()
        for k, (_, unit, _) in _ROWS.items()
    ]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Run ``live metrics sms`` (the only metric so far); return the exit status."""
    window_ms = args.window_ms
    if not (math.isfinite(window_ms) and window_ms > 0):
        return _fail(f"--window-ms {window_ms:g}: must be a finite number of milliseconds > 0")
    try:
        beats_s = read_times_csv(args.beats)
        taps_s = read_times_csv(args.taps)
    except (OSError, ValueError) as exc:
        return _fail(str(exc))
    summary = sms_summary(beats_s, taps_s, window_ms=window_ms)
    if args.json:
        print(json.dumps(summary, allow_nan=False))
    else:
        print(f"beats: {args.beats}\ntaps:  {args.taps}\n")
        print(format_table(summary, window_ms=window_ms))
    return 0
