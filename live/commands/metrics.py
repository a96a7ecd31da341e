"""``live metrics sms`` and ``live metrics echo``: metrics from files.

``sms``: synchronisation metrics of a tapping run, from two CSV files. ``echo``: the
call-and-response scores of an answer against its call, from two MIDI files.
Exit status 0 with the result on stdout; 2 with one line on stderr for bad input.
"""

from __future__ import annotations

import argparse
import json
import sys

from live.activities.entrainment.catalogue import METRICS
from live.cli_args.values import one_line
from live.metrics.csvio import read_times_csv
from live.metrics.echo import SCORE_METRICS, EchoNote, score_echo
from live.metrics.info import format_value, metric_info
from live.metrics.midi_notes import read_midi_notes
from live.metrics.sms import sms_summary

_PROG = "live metrics sms"
_ECHO_PROG = "live metrics echo"

# The readable table's rows, in order (labels, units and formats: entrainment's catalogue).
_KEYS = ("n_beats", "n_taps", "matched", "missed", "extra", "mean_async_ms", "sd_async_ms",
         "median_async_ms", "within_window_pct", "R", "mean_phase_deg", "rayleigh_p", "iti_mean_ms", "iti_cv")


def _fail(message: str, prog: str = _PROG) -> int:
    print(f"{prog}: {one_line(message)}", file=sys.stderr)
    return 2


def _table(values: dict, catalogue, labels: dict | None = None) -> str:
    """``label  value  unit`` lines for ``values``' keys, aligned; undefined values read ``n/a``."""
    labels = {k: metric_info(k, catalogue).label for k in values} | (labels or {})
    shown = {k: format_value(k, v, catalogue) for k, v in values.items()}
    lw = max(map(len, labels.values()))
    vw = max(map(len, shown.values()))
    return "\n".join(f"{labels[k]:<{lw}}  {shown[k]:>{vw}}  {metric_info(k, catalogue).unit}".rstrip()
                     for k in values)


def format_table(summary: dict, *, window_ms: float) -> str:
    """The summary as aligned ``label  value  unit`` lines; undefined values read ``n/a``."""
    return _table({k: summary[k] for k in _KEYS}, METRICS, {"within_window_pct": f"within +/-{window_ms:g} ms"})


def run(args: argparse.Namespace) -> int:
    """Run ``live metrics sms`` or ``live metrics echo``; return the exit status."""
    if args.metric == "echo":
        return _run_echo(args)
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


def _echo_notes(path: str) -> list[EchoNote]:
    """The notes of a MIDI file as the scorer takes them; ValueError when it holds none."""
    notes, _ = read_midi_notes(path)
    if not notes:
        raise ValueError(f"{path}: no notes (a note-on with velocity > 0); give a MIDI file of the phrase")
    return [EchoNote(n.onset_s, n.note, n.duration_s) for n in notes]


def _run_echo(args: argparse.Namespace) -> int:
    """``live metrics echo --call CALL.mid --answer ANSWER.mid [--tolerance-ms MS] [--json]``."""
    try:
        call = _echo_notes(args.call)
        answer = _echo_notes(args.answer)
    except (OSError, ValueError) as exc:
        return _fail(str(exc), _ECHO_PROG)
    score = score_echo(call, answer, tolerance_ms=args.tolerance_ms)
    if args.json:
        print(json.dumps(score.as_dict(), allow_nan=False))
    else:
        print(f"call:   {args.call}\nanswer: {args.answer}\ntolerance: {args.tolerance_ms:g} ms\n")
        print(_table({k: v for k, v in score.as_dict().items() if k != "lag_error_ms"}, SCORE_METRICS))
    return 0
