"""``live demo``: a whole simulated entrainment session, rendered offline, stored, summarized.

Needs no sound card, PortAudio, sounddevice or rtmidi.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

DEFAULT_PRESET = "steady-beat-100"


def run(args) -> int:
    from live.presets import PresetError, find_preset, load_preset

    err = sys.stderr
    try:
        preset = load_preset(find_preset(args.preset or DEFAULT_PRESET, activity="entrainment"))
    except (PresetError, FileNotFoundError) as exc:
        for line in getattr(exc, "problems", [str(exc)]):
            print(f"live demo: {line}", file=err)
        return 2
    if preset.activity != "entrainment":
        print(f"live demo: {preset.path}: activity: {preset.activity!r}: the demo runs entrainment presets only",
              file=err)
        return 2

    from live.session.runner import simulate_session
    from live.session.store import Store
    from live.sim.tapper import TapperParams

    out_dir = Path(args.out)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"live demo: --out {out_dir}: cannot create the folder: {exc.strerror}", file=err)
        return 2
    db = args.db or str(out_dir / "live-demo.db")
    tapper = TapperParams(seed=args.seed)
    print(f"live demo: rendering '{preset.name}' with a simulated client (seed {args.seed})...", file=err)
    with Store.open(db) as store:
        outcome = simulate_session(preset, store=store, tapper=tapper, wav_dir=out_dir)
    outputs = {"wav": str(outcome.wav_path), "db": db}
    simulated = {
        "mean_async_ms": tapper.mean_async_ms, "timekeeper_sd_ms": tapper.timekeeper_sd_ms,
        "motor_sd_ms": tapper.motor_sd_ms, "alpha": tapper.alpha, "seed": tapper.seed,
    }
    if args.json:
        json.dump({"session_id": outcome.session_id, "summary": outcome.summary.metrics,
                   "simulated": simulated, "outputs": outputs}, sys.stdout)
        sys.stdout.write("\n")
        return 0

    from live.commands.metrics import format_table

    print(f"Simulated session {outcome.session_id}")
    print(f"Preset:  {preset.name}: {preset.title}")
    print(f"Goal:    {preset.goal}")
    print(f"Client:  SIM-001, simulated: mean asynchrony {tapper.mean_async_ms:g} ms, timekeeper SD "
          f"{tapper.timekeeper_sd_ms:g} ms, motor SD {tapper.motor_sd_ms:g} ms, correction gain "
          f"alpha {tapper.alpha:g}, seed {tapper.seed}")
    print()
    print(format_table(outcome.summary.metrics, window_ms=preset.params.window_ms))
    print()
    print("Wrote:")
    print(f"  audio    {outputs['wav']}")
    print(f"  session  {db}")
    return 0
