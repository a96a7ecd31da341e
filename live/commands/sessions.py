"""``live sessions list/show/note``: stored sessions, their runs, summaries, notes and goals.

Sessions whose writer process is gone (killed, crashed) are marked incomplete first, so both
say so. Exit status 0 done, 2 bad input (unknown or ambiguous session id, unknown client).
"""

from __future__ import annotations

from live.commands.common import fail, open_store, table, to_json, when


def run(args) -> int:
    prog = f"live sessions {args.action}"
    store = open_store(args, prog)
    if store is None:
        return 2
    with store:
        if args.action == "list":
            sessions = store.list_sessions()
            if args.client is not None:
                sessions = [s for s in sessions if args.client in s["clients"]]
            if args.json:
                print(to_json({"sessions": sessions}))
            elif not sessions:
                print("No sessions stored" + (f" for client {args.client}." if args.client else "."))
            else:
                print(table(["session", "started", "ended", "status", "clients", "simulated"],
                            [[s["id"], s["started_at"], s["ended_at"], s["status"], ", ".join(s["clients"]),
                              "yes" if s["simulated"] else "no"] for s in sessions]))
            return 0
        from live.store.records import SessionNotFound, load_session, resolve_session_id

        try:
            session_id = resolve_session_id(store, args.session_id)
        except SessionNotFound as exc:
            return fail(prog, exc.args[0])
        if args.action == "note":
            return _add_note(store, session_id, args, prog)
        session = load_session(store, session_id, events=False)
        if args.json:
            for run in session["runs"]:
                run["responses"] = len(run["responses"])
            print(to_json(session))
            return 0
        print(describe(session))
        return 0


def describe(session: dict) -> str:
    """The session as the therapist reads it: status first, then runs, goals and notes."""
    from live.activities.registry import metric_catalogue
    from live.metrics.info import format_value, metric_info
    from live.store.exports import describe_outages

    sr = session["sample_rate"]
    lines = [f"Session {session['id']}"]
    status = session["status"]
    if status == "incomplete":
        lines.append("Status:   INCOMPLETE: the session did not end normally; everything up to "
                     f"its last stored batch ({when(session['last_write_at'] or session['ended_at'])}) is kept")
    else:
        lines.append(f"Status:   {status}")
    names = session["display_names"]
    lines.append("Clients:  " + ", ".join(c + (f" ({names[c]})" if c in names else "") for c in session["clients"])
                 + ("  [simulated]" if session["simulated"] else ""))
    lines.append(f"Started:  {when(session['started_at'])}    Ended: {when(session['ended_at'])}")
    lines.append("")
    if session["runs"]:
        rows = []
        for r in session["runs"]:
            end = r["end_frame"]
            length = "-" if end is None else f"{(end - r['start_frame']) / sr:.1f} s"
            rows.append([r["position"], r["preset_name"], r["status"], _cue_tempo(r), length, len(r["responses"])])
        lines.append(table(["run", "preset", "status", "cue BPM", "length", "responses"], rows))
        lines += describe_outages(session)
        for r in session["runs"]:
            catalogue = metric_catalogue(r["activity"])
            for phase, metrics in r["phases"].items():
                lines.append("")
                lines.append(f"Run {r['position']} ({r['preset_name']}), phase {phase}:")
                lines.append(table(["metric", "value", "unit"],
                                   [[metric_info(m, catalogue).label, format_value(m, v, catalogue),
                                     metric_info(m, catalogue).unit] for m, v in metrics.items()]))
            lines += _trials(r, catalogue)
            if not r["phases"]:
                lines.append("")
                lines.append(f"Run {r['position']} ({r['preset_name']}): no summary (the run did not end normally)")
    else:
        lines.append("No runs.")
    for code, goals in session["goals"].items():
        if goals:
            lines.append("")
            lines.append(f"Goals of {code}:")
            lines.append(table(["goal", "this session", "met"],
                               [[g["text"], format_value(g["metric"], g["value"], metric_catalogue()),
                                 None if g["met"] is None else ("yes" if g["met"] else "no")] for g in goals]))
    if session["notes"]:
        lines.append("")
        lines.append("Notes:")
        for n in session["notes"]:
            at = "" if n["frame"] is None else f"[{_moment(session, n)}] "
            lines.append(f"  - {at}{n['text']}")
    return "\n".join(lines)


def _trials(run: dict, catalogue) -> list[str]:
    """A run's per-trial summaries as one table (a row per trial), for activities with trials."""
    from live.commands.summary_tables import format_trials

    trials = run.get("trials") or []
    if not trials:
        return []
    return ["", f"Run {run['position']} ({run['preset_name']}), per trial:", format_trials(trials, catalogue)]


def _cue_tempo(run: dict) -> str | float | None:
    """The tempo the cue played at: per phase as measured from its beats (a range when the run
    stepped or ramped), else the preset's ``tempo_bpm`` (a run that ended before its summary)."""
    measured = [m["cue_tempo_bpm"] for phase, m in run["phases"].items()
                if phase != "all" and m.get("cue_tempo_bpm") is not None]
    if not measured:
        return run["params"].get("tempo_bpm")
    low, high = min(measured), max(measured)
    return f"{low:.1f}" if round(low, 1) == round(high, 1) else f"{low:.1f}-{high:.1f}"


def _moment(session: dict, note: dict) -> str:
    """A marked moment as minutes:seconds from the start of its run (or of the first run)."""
    runs = {r["id"]: r for r in session["runs"]}
    run = runs.get(note["run_id"]) or (session["runs"][0] if session["runs"] else None)
    start = run["start_frame"] if run else 0
    seconds = (note["frame"] - start) / session["sample_rate"]
    label = f"run {run['position']} " if run else ""
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    return f"{label}{sign}{int(seconds // 60)}:{seconds % 60:04.1f}"


def _add_note(store, session_id: str, args, prog: str) -> int:
    """``live sessions note``: a note, or a marked moment ``--at M:SS`` into a run."""
    session = store.get_session(session_id)
    runs = session["runs"]
    run = None
    if args.run is not None:
        run = next((r for r in runs if r["position"] == args.run), None)
        if run is None:
            return fail(prog, f"--run {args.run}: session {session_id} has runs 1..{len(runs)}")
    frame = None
    if args.at is not None:  # seconds from the run's start, checked while parsing (live.cli_args.values)
        if run is None and not runs:
            return fail(prog, f"--at: session {session_id} has no runs to mark a moment in")
        run = run or runs[0]
        frame = run["start_frame"] + round(args.at * session["sample_rate"])
    try:
        note_id = store.add_note(session_id, " ".join(args.text), run_id=None if run is None else run["id"],
                                 frame=frame)
    except ValueError as exc:
        return fail(prog, str(exc))
    if args.json:
        print(to_json({"note_id": note_id, "session_id": session_id, "run_id": None if run is None else run["id"],
                       "frame": frame}))
    else:
        where = "" if frame is None else f" at {_moment(session, {'run_id': run['id'], 'frame': frame})}"
        print(f"Note {note_id} added to session {session_id}{where}.")
    return 0
