"""``live calibrate``: measure an input path's latency with a tap-along and store it.

Later sessions subtract it from every response on that path and store the correction they used
with each run.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import tempfile
from pathlib import Path


def run(args) -> int:
    from live.calibration import CalibrationError, estimate_latency
    from live.commands.common import (default_db_path, display_latency, mic_device, midi_device, open_store,
                                      screen_options, store_display_latency, touch_device)
    from live.presets import load_preset

    err = sys.stderr
    preset = load_preset(Path(__file__).parent.parent / "data" / "tap-along.toml")
    preset = dataclasses.replace(preset, params=dataclasses.replace(preset.params, tempo_bpm=args.tempo,
                                                                    beats=args.taps, duration_s=None))
    screen = screen_options(args)  # numbers and sizes are checked while parsing (live.cli_args.values)
    db = args.db or str(default_db_path())
    store = open_store(args, "live calibrate")  # before any device: a --db that cannot be used is said at once
    if store is None:
        return 2
    with store:
        if args.input == "touch":  # the screen's display latency: given (and stored for it), or its stored one
            screen["display_latency_ms"], _ = display_latency(store, args.display, args.display_latency)

    from live.run.live import LiveSetup, install_signal_handlers
    from live.run.options import LiveOptions, SessionError
    from live.store.store import Store
    options = LiveOptions(client="calibration", audio_device=args.audio_device, midi_in=args.midi_in, pad_sound=None,
                          mic=args.input == "mic", touch=args.input == "touch", **screen,
                          mic_reject_bleed=False)  # the loopback's clicks are what is measured
    try:
        session = LiveSetup(options)
    except SessionError as exc:
        print(f"live calibrate: {exc}", file=err)
        return 2
    install_signal_handlers(session)
    how = {"midi": "tap WITH each click",
           "touch": f"tap the pad on screen {args.display} WITH each click",
           "mic": "play WITH each click at the microphone (or loop the output into the input to measure the round trip)",
           }[args.input]
    print(f"live calibrate: {how} ({args.taps} clicks at {args.tempo:g} BPM after a count-in of 4)", file=err)
    with tempfile.TemporaryDirectory() as tmp, Store.open(Path(tmp) / "tap-along.db") as scratch:
        try:  # the tap-along itself is not a session to keep
            outcome = session.run([preset], store=scratch)
        except SessionError as exc:
            print(f"live calibrate: {exc}", file=err)
            return 2
    offsets_ms = [r.error_ms for run_ in outcome.runs for r in run_.responses
                  if r.error_ms is not None and r.event.source == args.input]
    try:
        cal = estimate_latency(offsets_ms)
    except CalibrationError as exc:
        print(f"live calibrate: {exc}", file=err)
        return 1
    sr = outcome.sample_rate
    frames = round(cal.latency_ms * sr / 1000.0)
    device = {"midi": midi_device, "touch": touch_device, "mic": mic_device}[args.input](args)
    with Store.open(db) as store:
        if args.input == "touch" and args.display_latency is not None:
            store_display_latency(store, args.display, args.display_latency, sr)
        cal_id = store.save_calibration(input_path=args.input, device=device, latency_frames=frames,
                                        sample_rate=sr, details=dataclasses.asdict(cal))
    result = {"calibration_id": cal_id, "input": args.input, "device": device, "latency_frames": frames,
              "latency_ms": cal.latency_ms, "taps": cal.n_taps, "kept": cal.n_kept, "iqr_ms": cal.iqr_ms,
              "early_median_ms": cal.early_median_ms, "late_median_ms": cal.late_median_ms}
    if args.json:
        print(json.dumps(result))
    else:
        print(f"Latency of {args.input} input from {device}: {cal.latency_ms:.2f} ms ({frames} frames at {sr} Hz)")
        print(f"  {cal.n_kept} of {cal.n_taps} taps kept; spread (IQR) {cal.iqr_ms:.2f} ms; "
              f"{cal.n_early} early, {cal.n_late} late of the median")
        print(f"Stored in {db}; 'live run' subtracts it from every {args.input} response from now on.")
    return 0
