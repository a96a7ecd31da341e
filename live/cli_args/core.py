"""Arguments of the offline commands: demo, devices, metrics, presets. Only argparse here: ``live --help`` stays fast."""

from __future__ import annotations

import argparse

from live.cli_args.live_run import MAX_BPM, MIN_BPM
from live.cli_args.values import channels, number, whole
from live.music.scales import MODES  # a constant of a small pure module: 'live --help' stays fast

MAX_SEED = 2**32 - 1
"""Largest seed of a simulated client (numpy takes seeds as unsigned 32-bit words)."""


def add_parsers(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add demo, devices, metrics and presets to the ``live`` command's sub-parsers."""
    demo = sub.add_parser(
        "demo",
        help="a simulated entrainment session, rendered offline, stored and summarized",
        description="Render a whole session offline (no sound card needed): the beat of an "
        "entrainment preset, a simulated client tapping along, every tap scored, the session "
        "stored, a WAV and a summary written, for the whole run and for each of its phases (baseline, "
        "each tempo step, continuation).",
    )
    demo.add_argument("--seed", action=whole(0, MAX_SEED), default=1,
                      help=f"seed of the simulated client, 0..{MAX_SEED} (default 1)")
    demo.add_argument(
        "--preset", default=None, metavar="NAME_OR_PATH",
        help="entrainment preset name (see 'live presets list') or TOML file "
        "(default: the embedded steady-beat preset)",
    )
    demo.add_argument("--out", default="live-demo-output", metavar="DIR",
                      help="folder for the WAV (default ./live-demo-output)")
    demo.add_argument("--db", default=None, metavar="URL_OR_PATH",
                      help="SQLite file or database URL (default DIR/live-demo.db, kept apart "
                      "from real sessions)")
    demo.add_argument("--json", action="store_true",
                      help="print exactly one JSON object on stdout, everything else on stderr")
    demo.set_defaults(module="demo")

    dev = sub.add_parser("devices", help="audio devices, MIDI ports, and which would be used",
                         description="List PortAudio host APIs and devices, JACK MIDI ports, and what "
                         "'live run' would use, and each screen's stored display latency. --midi also shows the therapist's "
                         "controller mapping.")
    dev.add_argument("--midi", action="store_true", help="also show the therapist controls in force")
    dev.add_argument("--controls", metavar="FILE", help="a controller mapping to check and show instead of the built-in one (implies --midi)")
    dev.add_argument("--audio-device", metavar="D", help="show what this --audio-device would pick")
    dev.add_argument("--db", metavar="URL_OR_PATH",
                     help="session store whose screens' display latencies to show (default: the user's, if it exists)")
    dev.add_argument("--json", action="store_true", help="print one JSON object")
    dev.set_defaults(module="devices")

    metrics = sub.add_parser("metrics", help="compute metrics from CSV or MIDI files")
    msub = metrics.add_subparsers(dest="metric", metavar="METRIC", required=True)
    sms = msub.add_parser(
        "sms",
        help="sensorimotor synchronisation metrics from beat and tap times",
        description="Match taps to beats and report asynchrony, circular statistics and "
        "inter-tap intervals (definitions: docs/metrics.md). Both files are CSV with a "
        "column time_s (seconds, finite, non-decreasing).",
    )
    sms.add_argument("--beats", required=True, metavar="BEATS.csv", help="CSV of beat times")
    sms.add_argument("--taps", required=True, metavar="TAPS.csv", help="CSV of tap times")
    sms.add_argument("--window-ms", action=number(0, 1000, "ms", lo_open=True), default=50.0,
                     help="tolerance for within_window_pct, in ms, more than 0 and at most 1000 (default 50)")
    sms.add_argument("--json", action="store_true", help="print one JSON object")
    sms.set_defaults(module="metrics")
    echo = msub.add_parser(
        "echo",
        help="call-and-response scores of an answer against its call, from two MIDI files",
        description="Align the answer's note onsets to the call's (the shift that matches the most "
        "onsets within the tolerance) and report precision, recall, F-measure, pitch accuracy, "
        "IOI ratio error, response latency and timing errors (definitions: docs/metrics.md). Both "
        "files are Standard MIDI Files on one time line: time 0 is the call's start.",
    )
    echo.add_argument("--call", required=True, metavar="CALL.mid", help="MIDI file of the call")
    echo.add_argument("--answer", required=True, metavar="ANSWER.mid", help="MIDI file of the answer")
    echo.add_argument("--tolerance-ms", action=number(0, 1000, "ms", lo_open=True), default=80.0, metavar="MS",
                      help="matching tolerance in ms, more than 0 and at most 1000 (default 80)")
    echo.add_argument("--json", action="store_true", help="print one JSON object")
    echo.set_defaults(module="metrics")
    _add_improv(msub)

    presets = sub.add_parser("presets", help="list and validate activity presets")
    psub = presets.add_subparsers(dest="action", metavar="ACTION", required=True)
    plist = psub.add_parser("list", help="the presets that ship with live")
    plist.set_defaults(module="presets")
    pval = psub.add_parser(
        "validate",
        help="check preset files",
        description="Print 'ok: FILE' for each valid file; otherwise one line per error "
        "('FILE: key.path: value: what is allowed') and exit 2.",
    )
    pval.add_argument("files", nargs="+", metavar="FILE")
    pval.set_defaults(module="presets")


#: Tonics --key takes, as a therapist writes them (sharps and flats).
KEY_NAMES = ("C", "C#", "Db", "D", "D#", "Eb", "E", "F", "F#", "Gb", "G", "G#", "Ab", "A", "A#", "Bb", "B")


def _add_improv(msub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """``live metrics improv`` (issue 13's improvisation metrics of a MIDI file)."""
    improv = msub.add_parser(
        "improv",
        help="improvisation metrics of the client's notes in a MIDI file",
        description="Describe what the client played: note density, velocity, register, pitch "
        "classes, notes in the scale (--key), time active, longest silence, rhythm (IOI CV, nPVI), "
        "locking to a pulse (--bpm), the estimated key, and turn-taking with the therapist "
        "(--therapist-channels). Definitions: docs/metrics.md. Undefined values read n/a (null in JSON).",
    )
    improv.add_argument("--midi", required=True, metavar="FILE.mid", help="Standard MIDI File of the improvisation")
    improv.add_argument("--client-channels", action=channels(), default=(1,), metavar="CH[,CH...]",
                        help="the client's MIDI channels, 1..16 (default 1)")
    improv.add_argument("--therapist-channels", action=channels(), default=None, metavar="CH[,CH...]",
                        help="the therapist's MIDI channels, 1..16 (default none: no turn-taking metrics)")
    improv.add_argument("--key", choices=KEY_NAMES, default=None, help="the tonic, for notes in the scale")
    improv.add_argument("--mode", choices=tuple(MODES), default=None,
                        help="the mode of --key (default major)")
    improv.add_argument("--bpm", action=number(MIN_BPM, MAX_BPM, "BPM"), default=None, metavar="B",
                        help=f"the pulse's tempo, {MIN_BPM}..{MAX_BPM} BPM, for pulse locking")
    improv.add_argument("--beat-offset-s", action=number(-3600, 3600, "s"), default=0.0, metavar="S",
                        help="when a beat falls, seconds from the file's start, -3600..3600 (default 0)")
    improv.add_argument("--window-s", action=number(0, 3600, "s", lo_open=True), default=6.0, metavar="S",
                        help="window of time active and turn-taking, more than 0 and at most 3600 s (default 6)")
    improv.add_argument("--json", action="store_true", help="print one JSON object")
    improv.set_defaults(module="metrics")
