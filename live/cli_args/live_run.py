"""Arguments of the live commands: run, calibrate. Only argparse here: ``live --help`` stays fast."""

from __future__ import annotations

import argparse

from live.cli_args.values import number, size, whole

# The tempo range of entrainment presets (live.activities.entrainment.params MIN_BPM, MAX_BPM;
# a test checks they agree): not imported, so that 'live --help' stays fast.
MIN_BPM, MAX_BPM = 20, 240
MIN_TAPS, MAX_TAPS = 8, 500  # live.calibration.estimate_latency needs at least 8 taps kept
MAX_DISPLAY = 63


def add_parsers(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add run and calibrate to the ``live`` command's sub-parsers."""
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
    run.add_argument("--mic-threshold", action=number(0, 1, lo_open=True, hi_open=True, note="of full scale"),
                     default=0.05, metavar="LEVEL",
                     help="onset threshold, 0..1 of full scale (default 0.05; raised by background noise)")
    run.add_argument("--voice", action="store_true",
                     help="take the client's voice at a microphone: sung answers (call-and-response presets with "
                     'answer_input = "voice"); not with --mic (both read the one audio input)')
    run.add_argument("--controls", metavar="FILE", help="therapist controller mapping (TOML; default built in)")
    run.add_argument("--headless", action="store_true", help="no client touchscreen (MIDI and microphone only)")
    add_screen_args(run)
    run.add_argument("--no-console", action="store_true",
                     help="no therapist console on the terminal (it only opens when stdin is a terminal)")
    run.add_argument("--duration", action=number(1, 7200, "s"), metavar="S",
                     help="length in seconds of each cued phase of each preset (replaces its beats or "
                     "duration_s); a one-phase preset runs about S seconds plus its count-in, a "
                     "multi-phase one (e.g. ras-protocol: baseline, cue, +5 %%, +10 %%) S per cued "
                     "phase, its baseline and continuation as in the preset; a run ends at its "
                     "last phase's planned end")
    run.add_argument("--db", metavar="URL_OR_PATH", help="SQLite file or database URL (default: ~/.local/share/live/live.db)")
    run.add_argument("--json", action="store_true", help="print one JSON object at the end (responses included)")
    run.set_defaults(module="run")

    cal = sub.add_parser(
        "calibrate",
        help="measure an input path's latency with a tap-along",
        description="Plays clicks; tap exactly with each one on the input to calibrate. The median "
        "offset after trimming outliers is stored for that input and device and subtracted from "
        "later responses. Too uneven a tap-along is refused (exit 1) with the reason.",
    )
    cal.add_argument("--input", choices=["midi", "touch", "mic"], default="midi",
                     help="input path to calibrate: midi (default), touch (tap the pad on the client "
                     "screen) or mic (onsets at the audio input; with the output looped into the input "
                     "it measures the round trip)")
    cal.add_argument("--midi-in", metavar="NAME", help="MIDI port(s) to take the taps from (also names the device)")
    cal.add_argument("--audio-device", metavar="D", help="audio device index or name part")
    add_screen_args(cal)
    cal.add_argument("--tempo", action=number(MIN_BPM, MAX_BPM, "BPM"), default=100.0,
                     help=f"click tempo in BPM, {MIN_BPM}..{MAX_BPM} (default 100)")
    cal.add_argument("--taps", action=whole(MIN_TAPS, MAX_TAPS), default=24,
                     help=f"clicks to tap along with, {MIN_TAPS}..{MAX_TAPS} (default 24)")
    cal.add_argument("--db", metavar="URL_OR_PATH", help="where to store the result (default: the session store)")
    cal.add_argument("--json", action="store_true", help="print the result as one JSON object")
    cal.set_defaults(module="calibrate")



def add_screen_args(parser: argparse.ArgumentParser) -> None:
    """The client screen's options (run, and calibrate --input touch)."""
    parser.add_argument("--display", action=whole(0, MAX_DISPLAY), default=0, metavar="N",
                        help="screen the client's touchscreen opens on, full screen (default 0: the first)")
    parser.add_argument("--window", action=size(100, 10000), metavar="WxH",
                        help="open the client screen as a window of WxH pixels (each 100..10000) instead of full screen")
    parser.add_argument("--display-latency", action=number(0, 80, "ms", note="beat cues are planned 100 ms ahead"),
                        default=None, metavar="MS",
                        help="this screen's display latency: the visual beat cue is drawn this much "
                        "early (0..80 ms); stored for the screen (--display) and used by later runs "
                        "on it by default (default: the screen's stored one, else 0; see 'live devices')")
