"""Arguments of ``live analyze`` (offline analysis of a recording). Only argparse here.

The beats come from one of a mutually exclusive group of options (``--beats B.csv``); another
source of beats is one more option in that group (``_add_beats_sources``), read by
``live.commands.analyze.beats_of``."""

from __future__ import annotations

import argparse

from live.cli_args.values import number


def add_parsers(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add ``analyze`` to the ``live`` command's sub-parsers."""
    p = sub.add_parser(
        "analyze",
        help="onsets of a recording (a phone recording of a session), and their synchronisation with beats",
        description="Find the onsets in a recording (WAV, FLAC, OGG or MP3; several channels are mixed to "
        "one) with live's microphone onset detector, at sample resolution, in seconds from the file's "
        "start. With --beats or --song, also the synchronisation metrics of the onsets against those beats, as "
        "'live metrics sms' gives them for taps (definitions: docs/metrics.md).",
    )
    p.add_argument("recording", metavar="RECORDING", help="the audio file (WAV, FLAC, OGG or MP3)")
    _add_beats_sources(p.add_mutually_exclusive_group())
    p.add_argument("--window-ms", action=number(0, 1000, "ms", lo_open=True), default=50.0,
                   help="with beats: the tolerance of within_window_pct, in ms, more than 0 and at most 1000 "
                   "(default 50)")
    p.add_argument("--threshold", action=number(0, 1, lo_open=True, hi_open=True, note="of full scale"),
                   default=0.01, help="the onset detector's absolute floor: RMS over 1 ms of the filtered "
                   "signal, full scale 1.0, between 0 and 1 (default 0.01)")
    p.add_argument("--db", default=None, metavar="URL_OR_PATH",
                   help="SQLite file or database URL (default: live's usual store); the library of --song; checked when given")
    p.add_argument("--json", action="store_true",
                   help="print exactly one JSON object on stdout (onsets_s; with beats, sync), progress on stderr")
    p.set_defaults(module="analyze")


def _add_beats_sources(group: "argparse._MutuallyExclusiveGroup") -> None:
    """The options that give the beats to score the onsets against (at most one of them)."""
    group.add_argument("--beats", metavar="B.csv", default=None,
                       help="CSV of beat times (a column time_s, seconds from the recording's start)")
    group.add_argument("--song", metavar="NAME", default=None,
                       help="a song of the library (its id, a unique start of it, or its title): its corrected "
                       "beats, for a recording of the song as it was added (live songs list)")
