"""``live demo``: a whole simulated session, rendered offline, stored, summarized.

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


def demo_song(preset, store, out_dir: Path, *, log) -> None:
    """A preset naming a song the library lacks plays the demo song: rendered from MIDI through
    live's sounds into ``out_dir`` and added to the demo's store under the name the preset gives
    (:func:`live.songs.demo_song.add_demo_song`), so ``live demo`` needs no song added."""
    name = getattr(preset.params, "song", "")
    if not name:
        return
    from live.songs.library import match_rows

    if not match_rows(store.list_songs(), name):
        from live.songs.demo_song import add_demo_song

        song_id = add_demo_song(store, name, out_dir, log=log)
        log(f"no song {name!r} in this store's library: playing the demo song (rendered from "
            f"{out_dir / 'demo-song.mid'}), added as {song_id}")


def run(args) -> int:
    from live.presets import PresetError, find_preset, load_preset

    err = sys.stderr
    try:
        preset = load_preset(find_preset(args.preset or DEFAULT_PRESET))
    except (PresetError, FileNotFoundError) as exc:
        for line in getattr(exc, "problems", [str(exc)]):
            print(f"live demo: {one_line(line)}", file=err)
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

    from live.run.offline import simulate_session  # the engine (numba): only once the input is good

    print(f"live demo: rendering '{preset.name}' with a simulated client (seed {args.seed})...", file=err)
    with store:
        demo_song(preset, store, out_dir, log=lambda line: print(f"live demo: {line}", file=err))
        outcome = simulate_session(preset, store=store, seed=args.seed, wav_dir=out_dir, client=DEMO_CLIENT,
                                   log=lambda line: print(f"live demo: {line}", file=err))
    outputs = {"wav": str(outcome.wav_path), "db": db}
    simulated = outcome.simulated
    commands = next_commands(outcome.session_id, DEMO_CLIENT, db, out_dir)
    if args.json:
        doc = {"session_id": outcome.session_id, "summary": outcome.summary.metrics,
               "phases": outcome.summary.phases, "simulated": simulated, "outputs": outputs}
        if outcome.summary.trials:  # activities with trials: one object per trial, as the activity gives it
            doc["trials"] = list(outcome.summary.trials)
        if outcome.therapist:
            doc["therapist"] = outcome.therapist
        doc.update({k: v for k, v in outcome.summary.extras.items() if k not in doc})  # e.g. backing
        json.dump(doc, sys.stdout)
        sys.stdout.write("\n")
        print_next(commands, err)  # stdout stays one JSON object
        return 0

    from live.activities.registry import metric_catalogue
    from live.commands.summary_tables import format_phases, format_summary, format_trials

    catalogue = metric_catalogue(preset.activity)
    print(f"Simulated session {outcome.session_id}")
    print(f"Preset:  {preset.name}: {preset.title}")
    print(f"Goal:    {preset.goal}")
    print(f"Client:  {DEMO_CLIENT}, simulated: {', '.join(f'{k} {v:g}' if isinstance(v, float) else f'{k} {v}' for k, v in simulated.items())}")
    print()
    print(format_summary(outcome.summary.metrics, catalogue))
    if outcome.summary.phases:
        print()
        print("Per phase:")
        print(format_phases(outcome.summary.phases, catalogue))
    if outcome.summary.trials:
        print()
        print("Per trial:")
        print(format_trials(outcome.summary.trials, catalogue))
    print()
    print("Wrote:")
    print(f"  audio    {outputs['wav']}")
    print(f"  session  {db}")
    print()
    print_next(commands, sys.stdout)
    return 0
