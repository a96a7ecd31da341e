"""Arguments of the records commands: clients, goals, sessions, export, report. Only argparse here."""

from __future__ import annotations

import argparse

from live.cli_args.values import day, moment, whole

MAX_MOMENT_MINUTES = 1440  # a marked moment lies within a day of the run's start

EXPORT_FORMATS = ("csv", "json", "fhir", "midi", "wav", "html", "pdf")
REPORT_FORMATS = ("html", "pdf")

_DB_HELP = "SQLite file or database URL, e.g. postgresql+psycopg://host/clinic (default: the user's live.db)"


def _db(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", default=None, metavar="URL_OR_PATH", help=_DB_HELP)


def _json(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print exactly one JSON object on stdout")


def add_parsers(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add clients, goals, sessions, export and report to the ``live`` command's sub-parsers."""
    clients = sub.add_parser("clients", help="clients: pseudonymous codes, optional display names",
                             description="Register and look up clients. A client is a pseudonymous code "
                             "(letters, digits, '-', '_'); a display name is optional and never exported "
                             "de-identified.")
    csub = clients.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = csub.add_parser("add", help="register a client", description="Register a new client.")
    add.add_argument("code", help="pseudonymous code, e.g. C-014")
    add.add_argument("--name", default=None, help="display name shown to the therapist (optional)")
    _db(add)
    _json(add)
    lst = csub.add_parser("list", help="every client with sessions and goals")
    _db(lst)
    _json(lst)
    show = csub.add_parser("show", help="one client: goals and sessions")
    show.add_argument("code")
    _db(show)
    _json(show)
    clients.set_defaults(module="clients")

    goals = sub.add_parser("goals", help="a client's goals, e.g. 'sd_async_ms <= 40 at 100 BPM'",
                           description="Goals are checked against every session of the client: "
                           "METRIC <= or >= TARGET [at N BPM] [preset NAME] [activity NAME] [phase NAME].")
    gsub = goals.add_subparsers(dest="action", metavar="ACTION", required=True)
    gadd = gsub.add_parser("add", help="give a client a goal")
    gadd.add_argument("client", help="client code")
    gadd.add_argument("goal", nargs="+", help="the goal, e.g. sd_async_ms '<=' 40 at 100 BPM (quote <= and >=)")
    _db(gadd)
    _json(gadd)
    glist = gsub.add_parser("list", help="a client's goals with their latest session value")
    glist.add_argument("client", help="client code")
    _db(glist)
    _json(glist)
    goals.set_defaults(module="goals")

    sessions = sub.add_parser("sessions", help="stored sessions: list, show, add notes",
                              description="Stored sessions. Sessions whose writer was killed are marked "
                              "incomplete when listed or shown.")
    ssub = sessions.add_subparsers(dest="action", metavar="ACTION", required=True)
    slist = ssub.add_parser("list", help="every session, newest last")
    slist.add_argument("--client", default=None, help="only this client's sessions")
    _db(slist)
    _json(slist)
    sshow = ssub.add_parser("show", help="one session: runs, summaries, notes, goals")
    sshow.add_argument("session_id", help="session id, or a unique start of it (at least 4 characters)")
    _db(sshow)
    _json(sshow)
    snote = ssub.add_parser("note", help="add a therapist note or a marked moment to a session",
                            description="Add a note to a session (while it runs or after). With --at it "
                            "marks a moment: minutes:seconds from the run's start (the first run's unless "
                            "--run is given), as 'live sessions show' and the exports print them.")
    snote.add_argument("session_id", help="session id, or a unique start of it (at least 4 characters)")
    snote.add_argument("text", nargs="+", help="the note")
    snote.add_argument("--at", action=moment(MAX_MOMENT_MINUTES), default=None, metavar="M:SS",
                       help="the moment, e.g. 2:15.5")
    snote.add_argument("--run", action=whole(1), default=None, metavar="N", help="run number in the session (1, 2, ...)")
    _db(snote)
    _json(snote)
    sessions.set_defaults(module="sessions")
    export = sub.add_parser("export", help="one session as a file for the clinic's record",
                            description="Export a session: csv (zip of tables), json, fhir (HL7 FHIR R4 "
                            "Bundle), midi (what was played), wav (the session audio), html or pdf (a "
                            "one-page session note). Files are written readable by their owner only. See "
                            "docs/records.md.")
    export.add_argument("session_id", help="session id, or a unique start of it (at least 4 characters)")
    export.add_argument("--format", required=True, choices=EXPORT_FORMATS)
    export.add_argument("--out", default=None, metavar="FILE",
                        help="file to write (default: a generated name in the current folder)")
    export.add_argument("--deidentify", action="store_true",
                        help="no display names; every date shifted by one random offset")
    _db(export)
    export.set_defaults(module="export")

    report = sub.add_parser("report", help="a client's progress across sessions, per goal",
                            description="Progress of one client: each goal's value per session with a "
                            "trend plot and the target line.")
    report.add_argument("client", help="client code")
    report.add_argument("--since", action=day(), default=None, metavar="YYYY-MM-DD", help="only sessions from this day on")
    report.add_argument("--format", required=True, choices=REPORT_FORMATS)
    report.add_argument("--out", default=None, metavar="FILE",
                        help="file to write (default: a generated name in the current folder)")
    report.add_argument("--deidentify", action="store_true",
                        help="no display names; every date shifted by one random offset")
    _db(report)
    report.set_defaults(module="report")
