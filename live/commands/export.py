"""``live export SESSION_ID --format ...``: one stored session as a file for the clinic's record.

Exit status 0 written (the path on stdout), 1 the export failed while writing, 2 bad input
(unknown or ambiguous session, a folder that does not exist).
"""

from __future__ import annotations

import sys

from live.commands.common import fail, open_store, out_problem


def run(args) -> int:
    prog = "live export"
    problem = out_problem(args.out)
    if problem:
        return fail(prog, problem)
    store = open_store(args, prog)
    if store is None:
        return 2
    from live.store.exports import export_session
    from live.store.records import SessionNotFound, resolve_session_id

    with store:
        try:
            session_id = resolve_session_id(store, args.session_id)
        except SessionNotFound as exc:
            return fail(prog, exc.args[0])
        from live.songs.library import SongNotFound

        try:
            path, info = export_session(store, session_id, args.format, out=args.out, deidentified=args.deidentify)
        except SongNotFound as exc:  # a run on a song whose song has left the library: its audio cannot be rendered
            return fail(prog, f"session {session_id}: {exc.args[0]}", 1)
        except OSError as exc:
            return fail(prog, f"cannot write {exc.filename or args.out}: {exc.strerror}", 1)
    print(path)
    what = "de-identified " if args.deidentify else ""
    left_out, mixed = info.get("audio_clips_left_out", 0), info.get("audio_clips", 0)
    voice = (f"; the client's recorded voice ({left_out} clips) left out: a voice identifies its speaker" if left_out
             else f"; the client's recorded voice mixed in ({mixed} clips)" if mixed else "")
    print(f"{prog}: session {session_id} written as {what}{args.format} ({info['bytes']} bytes{voice})", file=sys.stderr)
    return 0
