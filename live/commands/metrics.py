"""``live metrics sms``: synchronisation metrics of a tapping run, from two CSV files.

Exit status 0 with the result on stdout; 2 with one line on stderr for bad input.
"""

from __future__ import annotations

import argparse
import json
import sys

from live.activities.entrainment.catalogue import METRICS
from live.cli_args.values import one_line
from live.metrics.csvio import read_times_csv
from live.metrics.info import format_value, metric_info
from live.metrics.sms import sms_summary

_PROG = "live metrics sms"

# The readable table's rows, in order (labels, units and formats: entrainment's catalogue).
_KEYS = ("n_beats", "n_taps", "matched", "missed", "extra", "mean_async_ms", "sd_async_ms",
         "median_async_ms", "within_window_pct", "R", "mean_phase_deg", "rayleigh_p", "iti_mean_ms", "iti_cv")


def _fail(message: str) -> int:
    print(f"{_PROG}: {one_line(message)}", file=sys.stderr)
    return 2


def format_table(summary: dict, *, window_ms: float) -> str:
    """The summary as aligned ``label  value  unit`` lines; undefined values read ``n/a``."""
    labels = {k: metric_info(k, METRICS).label for k in _KEYS}
    labels["within_window_pct"] = f"within +/-{window_ms:g} ms"
    values = {k: format_value(k, summary[k], METRICS) for k in _KEYS}
    lw = max(map(len, labels.values()))
    vw = max(map(len, values.values()))
    return "\n".join(f"{labels[k]:<{lw}}  {values[k]:>{vw}}  {METRICS[k].unit}".rstrip() for k in _KEYS)


def run(args: argparse.Namespace) -> int:
    """Run ``live metrics sms`` (the only metric so far); return the exit status."""
    window_ms = args.window_ms  # checked while parsing (live.cli_args.values)
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
