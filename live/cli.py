"""The ``live`` command line. Only argparse is imported here; each command loads its module.

Exit status: 0 done, 1 failed while running, 2 bad usage or bad input (with one clear line
on stderr saying what was wrong, where, and what is allowed).
"""

from __future__ import annotations

import argparse
import importlib
import sys


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="live",
        description="A real-time instrument for music-therapy sessions.",
        epilog="Run 'live COMMAND --help' for a command's options.",
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)

    demo = sub.add_parser(
        "demo",
        help="a simulated entrainment session, rendered offline, stored and summarized",
        description="Render a whole session offline (no sound card needed): the beat of an "
        "entrainment preset, a simulated client tapping along, every tap scored, the session "
        "stored, a WAV and a summary written.",
    )
    demo.add_argument("--seed", type=int, default=1, help="seed of the simulated client (default 1)")
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

    run = sub.add_parser(
        "run",
        help="a real session on the audio device and MIDI ports",
        description="Play one or more presets with a client: audio through PortAudio (JACK when a "
        "server runs), MIDI from the client's pad or keyboard into the JACK port live-midi:in. Every "
        "input is scored and stored as it arrives; Ctrl-C or SIGTERM ends the session and saves it.",
    )
    run.add_argument("presets", nargs="+", metavar="PRESET", help="preset name or TOML file; several play in turn")
    run.add_argument("--client", required=True, metavar="CODE",
                     help="the client's pseudonymous code (a new code is created)")
    run.add_argument("--audio-device", metavar="D", help="audio device index or name part (see 'live devices')")
    run.add_argument("--midi-in", metavar="NAME", help="connect MIDI ports whose name contains NAME")
    run.add_argument("--midi-out", metavar="NAME",
                     help="also send every beat as a GM percussion note to MIDI ports whose name contains NAME")
    run.add_argument("--midi-backend", choices=["auto", "jack", "rtmidi"], default="auto",
                     help="MIDI input: JACK's port live-midi:in (exact frames), or python-rtmidi "
                     "(ALSA, CoreMIDI, WinMM); auto takes JACK when a server runs (default)")
    run.add_argument("--rtmidi-api", choices=["alsa", "jack", "coremidi", "winmm"],
                     help="python-rtmidi API (default: its own default, ALSA on Linux)")
    run.add_argument("--mic", action="store_true",
                     help="also take the client's playing at a microphone (onsets at the audio input)")
    run.add_argument("--mic-threshold", type=float, default=0.05, metavar="LEVEL",
                     help="onset threshold, 0..1 of full scale (default 0.05; raised by background noise)")
    run.add_argument("--controls", metavar="FILE", help="therapist controller mapping (TOML; default built in)")
    run.add_argument("--headless", action="store_true",
                     help="no client screen; accepted for scripts (the touchscreen comes in a later release)")
    run.add_argument("--duration", type=float, metavar="S", help="length of each run in seconds (overrides the preset)")
    run.add_argument("--db", metavar="URL_OR_PATH", help="SQLite file or database URL (default: ~/.local/share/live/live.db)")
    run.add_argument("--json", action="store_true", help="print one JSON object at the end (responses included)")
    run.set_defaults(module="run")

    dev = sub.add_parser("devices", help="audio devices, MIDI ports, and which would be used",
                         description="List PortAudio host APIs and devices, JACK MIDI ports, and what "
                         "'live run' would use. --midi also shows the therapist's controller mapping.")
    dev.add_argument("--midi", action="store_true", help="also show the therapist controls in force")
    dev.add_argument("--controls", metavar="FILE", help="a controller mapping to show instead of the built-in one")
    dev.add_argument("--audio-device", metavar="D", help="show what this --audio-device would pick")
    dev.add_argument("--json", action="store_true", help="print one JSON object")
    dev.set_defaults(module="devices")

    cal = sub.add_parser(
        "calibrate",
        help="measure an input path's latency with a tap-along",
        description="Plays clicks; tap exactly with each one on the input to calibrate. The median "
        "offset after trimming outliers is stored for that input and device and subtracted from "
        "later responses. Too uneven a tap-along is refused (exit 1) with the reason.",
    )
    cal.add_argument("--input", choices=["midi", "mic"], default="midi",
                     help="input path to calibrate: midi (default) or mic (onsets at the audio input; "
                     "with the output looped into the input it measures the round trip)")
    cal.add_argument("--midi-in", metavar="NAME", help="MIDI port(s) to take the taps from (also names the device)")
    cal.add_argument("--audio-device", metavar="D", help="audio device index or name part")
    cal.add_argument("--tempo", type=float, default=100.0, help="click tempo in BPM (default 100)")
    cal.add_argument("--taps", type=int, default=24, help="clicks to tap along with (default 24)")
    cal.add_argument("--db", metavar="URL_OR_PATH", help="where to store the result (default: the session store)")
    cal.add_argument("--json", action="store_true", help="print the result as one JSON object")
    cal.set_defaults(module="calibrate")

    metrics = sub.add_parser("metrics", help="compute metrics from CSV files")
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
    sms.add_argument("--window-ms", type=float, default=50.0,
                     help="tolerance for within_window_pct, in ms (default 50)")
    sms.add_argument("--json", action="store_true", help="print one JSON object")
    sms.set_defaults(module="metrics")

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
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``live`` console script."""
    args = _parser().parse_args(argv)
    module = importlib.import_module(f"live.commands.{args.module}")
    try:
        return int(module.run(args))
    except KeyboardInterrupt:
        print("live: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
