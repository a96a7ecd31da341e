"""``live demo``: a whole simulated entrainment session, rendered offline, stored, summarized.

Needs no sound card, PortAudio, sounddevice or rtmidi.
"""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

from live.cli_args.values import one_line

DEFAULT_PRESET = "steady-beat-100"
DEMO_CLIENT = "SIM-001"  # the simulated client's code in the store

# The per-phase table's rows, in this order (labels, units and formats: the activity's catalogue),
# then the recovery curve after perturbations; other metrics are in --json.
_PHASE_KEYS = (
    "duration_s", "n_beats", "n_taps", "missed", "extra", "cue_tempo_bpm", "cadence_bpm",
    "cue_start_bpm", "mean_async_ms", "sd_async_ms", "within_window_pct", "R", "iti_mean_ms",
    "iti_cv", "tempo_following_ratio", "alpha", "last_cue_interval_ms", "period_error_ms",
    "drift_ms_per_tap", "perturbations", "recovery_half_beats",
) + tuple(f"deviation_lag{j}_ms" for j in range(65))


def format_phases(phases: dict[str, dict], catalogue) -> str:
    """Phases side by side: a row per listed metric any phase has, the recovery curve last
    (``-`` where a phase has no such metric, ``n/a`` where it is undefined), labelled from the
    activity's metric ``catalogue``. ``--json`` has all."""
    from live.metrics.info import format_value, metric_info

    names = list(phases)
    keys = [k for k in _PHASE_KEYS if any(k in m for m in phases.values())]
    rows = [["", *names, ""]] + [
        [metric_info(k, catalogue).label,
         *("-" if k not in phases[n] else format_value(k, phases[n][k], catalogue) for n in names),
         metric_info(k, catalogue).unit]
        for k in keys
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for r in rows:
        parts = [r[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(r[1:-1], widths[1:-1])] + [r[-1]]
        lines.append("  ".join(parts).rstrip())
    return "\n".join(lines)


def next_commands(session_id: str, client: str, db: str, out_dir: Path) -> list[str]:
    """Commands that show, export as PDF and report the session just stored, each with the
    ``--db`` it went to and files written beside the demo's, quoted for pasting into a shell."""
    from live.commands.common import live_invocation

    live, q = live_invocation(), shlex.quote
    return [
        f"{live} sessions show {session_id} --db {q(db)}",
        f"{live} export {session_id} --format pdf --db {q(db)} --out {q(str(out_dir / f'session-{session_id}.pdf'))}",
        f"{live} report {q(client)} --format pdf --db {q(db)} --out {q(str(out_dir / f'report-{client}.pdf'))}",
    ]


def print_next(commands: list[str], file) -> None:
    print("Next: look at this session, export its note as PDF, and the client's progress report:", file=file)
    for line in commands:
        print(f"  {line}", file=file)


def run(args) -> int:
    from live.presets import PresetError, find_preset, load_preset

    err = sys.stderr
    try:
        preset = load_preset(find_preset(args.preset or DEFAULT_PRESET, activity="entrainment"))
    except (PresetError, FileNotFoundError) as exc:
        for line in getattr(exc, "problems", [str(exc)]):
            print(f"live demo: {one_line(line)}", file=err)
        return 2
    if preset.activity != "entrainment":
        print(f"live demo: {preset.path}: activity: {preset.activity!r}: the demo runs entrainment presets only",
              file=err)
        return 2

    from live.commands.common import fail, folder_problem, open_store

    out_dir = Path(args.out)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return fail("live demo", f"--out {out_dir}: cannot create the folder: {exc.strerror or exc}")
    problem = folder_problem(out_dir)
    if problem:
        return fail("live demo", f"--out {out_dir}: {problem}")
    store = open_store(args, "live demo", default=str(out_dir / "live-demo.db"))
    if store is None:
        return 2
    db = args.db or str(out_dir / "live-demo.db")

    from live.session.runner import simulate_session  # the engine (numba): only once the input is good
    from live.sim.tapper import TapperParams

    tapper = TapperParams(seed=args.seed)
    print(f"live demo: rendering '{preset.name}' with a simulated client (seed {args.seed})...", file=err)
    with store:
        outcome = simulate_session(preset, store=store, tapper=tapper, wav_dir=out_dir, client=DEMO_CLIENT)
    outputs = {"wav": str(outcome.wav_path), "db": db}
    simulated = outcome.simulated
    commands = next_commands(outcome.session_id, DEMO_CLIENT, db, out_dir)
    if args.json:
        json.dump({"session_id": outcome.session_id, "summary": outcome.summary.metrics,
                   "phases": outcome.summary.phases, "simulated": simulated, "outputs": outputs}, sys.stdout)
        sys.stdout.write("\n")
        print_next(commands, err)  # stdout stays one JSON object
        return 0

    from live.commands.metrics import format_table

    print(f"Simulated session {outcome.session_id}")
    print(f"Preset:  {preset.name}: {preset.title}")
    print(f"Goal:    {preset.goal}")
    print(f"Client:  {DEMO_CLIENT}, simulated: mean asynchrony {tapper.mean_async_ms:g} ms, timekeeper SD "
          f"{tapper.timekeeper_sd_ms:g} ms, motor SD {tapper.motor_sd_ms:g} ms, correction gain "
          f"alpha {tapper.alpha:g}, own period {tapper.period_ms:g} ms when there is no cue, seed {tapper.seed}")
    print()
    print(format_table(outcome.summary.metrics, window_ms=preset.params.window_ms))
    print()
    print("Per phase:")
    from live.activities.registry import metric_catalogue

    print(format_phases(outcome.summary.phases, metric_catalogue(preset.activity)))
    print()
    print("Wrote:")
    print(f"  audio    {outputs['wav']}")
    print(f"  session  {db}")
    print()
    print_next(commands, sys.stdout)
    return 0
