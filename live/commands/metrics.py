"""``live metrics sms``, ``live metrics echo`` and ``live metrics improv``: metrics from files.

``sms``: synchronisation metrics of a tapping run, from two CSV files. ``echo``: the
call-and-response scores of an answer against its call, from two MIDI files. ``improv``: the
improvisation metrics of the client's notes in a MIDI file (and turn-taking with the therapist's).
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
from live.metrics.improv import IMPROV_METRICS, improv_from_channels
from live.metrics.info import format_value, metric_info
from live.metrics.midi_notes import read_midi_notes
from live.metrics.sms import sms_summary

_PROG = "live metrics sms"
_ECHO_PROG = "live metrics echo"
_IMPROV_PROG = "live metrics improv"

# The readable table's rows, in order (labels, units and formats: entrainment's catalogue).
_KEYS = ("n_beats", "n_taps", "matched", "missed", "extra", "mean_async_ms", "sd_async_ms",
         "median_async_ms", "within_window_pct", "R", "mean_phase_deg", "rayleigh_p", "iti_mean_ms", "iti_cv")


# Keys a MIDI file's answer never has: the in-time lag and a sung answer's cents (the JSON keeps them, null).
_NOT_OF_MIDI_FILES = {"lag_error_ms", "mean_cents_error"}

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
    if args.metric == "improv":
        return _run_improv(args)
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
        print(_table({k: v for k, v in score.as_dict().items() if k not in _NOT_OF_MIDI_FILES}, SCORE_METRICS))
    return 0


def _channel_list(numbers) -> str:
    return ", ".join(str(c) for c in numbers)


def _run_improv(args: argparse.Namespace) -> int:
    """``live metrics improv --midi FILE [--client-channels 1] [--therapist-channels 2] [--key C
    --mode major] [--bpm B] [--beat-offset-s S] [--window-s 6] [--json]`` (channels 1..16)."""
    from live.music.scales import pitch_class

    client = tuple(args.client_channels)
    therapist = None if args.therapist_channels is None else tuple(args.therapist_channels)
    if therapist is not None and set(client) & set(therapist):
        return _fail(f"--therapist-channels {_channel_list(therapist)}: channel "
                     f"{_channel_list(sorted(set(client) & set(therapist)))} is also the client's "
                     f"(--client-channels {_channel_list(client)}): a channel is either's, not both's", _IMPROV_PROG)
    if args.mode is not None and args.key is None:
        return _fail(f"--mode {args.mode}: needs --key (the scale's tonic, e.g. --key C --mode {args.mode})",
                     _IMPROV_PROG)
    try:
        notes, length_s = read_midi_notes(args.midi)
    except (OSError, ValueError) as exc:
        return _fail(str(exc), _IMPROV_PROG)
    if not notes:
        return _fail(f"{args.midi}: no notes (a note-on with velocity > 0); give a MIDI file of the improvisation",
                     _IMPROV_PROG)
    channels = sorted({n.channel + 1 for n in notes})
    if not set(client) & set(channels):
        return _fail(f"{args.midi}: no notes on the client's channel {_channel_list(client)}; the file has notes on "
                     f"channel {_channel_list(channels)} (give them with --client-channels)", _IMPROV_PROG)
    key = {} if args.key is None else {"key_pc": pitch_class(args.key), "mode": args.mode or "major"}
    result = improv_from_channels(
        [n.onset_s for n in notes], [n.note for n in notes], [n.velocity for n in notes], [n.channel for n in notes],
        duration_s=length_s, client_channels=[c - 1 for c in client],
        therapist_channels=None if therapist is None else [c - 1 for c in therapist],
        bpm=args.bpm, beat_offset_s=args.beat_offset_s, window_s=args.window_s, **key)
    if args.json:
        print(json.dumps(result, allow_nan=False))
        return 0
    print(f"midi:   {args.midi}\nclient: channel {_channel_list(client)}"
          + ("" if therapist is None else f"; therapist: channel {_channel_list(therapist)}")
          + ("" if not key else f"\nkey:    {args.key} {key['mode']}")
          + ("" if args.bpm is None else f"\npulse:  {args.bpm:g} BPM from {args.beat_offset_s:g} s")
          + f"\nwindow: {args.window_s:g} s\n")
    print(_table(result, IMPROV_METRICS))
    return 0
