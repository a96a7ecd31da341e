"""Arguments of ``live songs``: the song library (add, list, show, plot, adjust). Only argparse here."""

from __future__ import annotations

import argparse

from live.cli_args.values import number

_DB_HELP = "SQLite file or database URL, e.g. postgresql+psycopg://host/clinic (default: the user's live.db)"
_NAME_HELP = "the song: its id, a unique start of its id, or its title"
MAX_OFFSET_MS = 1000.0


def _db_json(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", default=None, metavar="URL_OR_PATH", help=_DB_HELP)
    p.add_argument("--json", action="store_true", help="print exactly one JSON object on stdout")


def add_parsers(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add ``songs`` to the ``live`` command's sub-parsers."""
    songs = sub.add_parser(
        "songs", help="the song library: a client's own songs, their beats tracked for entrainment",
        description="Songs a client likes, as the cue of an entrainment preset (song = \"NAME\"). "
        "'add' reads a WAV, FLAC, OGG or MP3 file, tracks its beats (refined to their onsets), tempo, "
        "meter and downbeats, and keeps a copy of the audio in the store. NAME is a song's id, a unique "
        "start of it, or its title.")
    ssub = songs.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = ssub.add_parser("add", help="analyse a song file and add it to the library",
                          description="Read FILE (WAV, FLAC, OGG or MP3), track its beats, tempo, meter and "
                          "downbeats (progress on stderr; the analysis is cached by the file's content), and "
                          "store it with a copy of the audio.")
    add.add_argument("file", metavar="FILE", help="the audio file")
    add.add_argument("--title", default=None, help="the song's title (default: the file's name without extension)")
    _db_json(add)
    lst = ssub.add_parser("list", help="every song: id, title, tempo, meter, confidence")
    _db_json(lst)
    show = ssub.add_parser("show", help="one song: tempo, meter, beats, how sure the tracking is")
    show.add_argument("name", metavar="NAME", help=_NAME_HELP)
    _db_json(show)
    plot = ssub.add_parser("plot", help="a PNG of the waveform with its beats and downbeats",
                           description="Draw the song's waveform with its beats (thin lines) and downbeats "
                           "(thick lines) into a PNG, to check the grid by eye.")
    plot.add_argument("name", metavar="NAME", help=_NAME_HELP)
    plot.add_argument("--out", default=None, metavar="FILE",
                      help="the PNG to write (default: song-<id>.png in the current folder)")
    plot.add_argument("--start", action=number(0.0, 36000.0), default=0.0, metavar="S",
                      help="seconds from the song's start to begin the plot at (default 0)")
    plot.add_argument("--seconds", action=number(1.0, 36000.0), default=None, metavar="S",
                      help="how many seconds to draw (default: the whole song)")
    _db_json(plot)
    adjust = ssub.add_parser(
        "adjust", help="correct a song's beat grid: --offset-ms, --double, --halve or --tap",
        description="Correct the beat grid: move every beat by --offset-ms, double or halve the beat "
        "level, or --tap: the song plays and you tap along on the space bar (or any key but q) once; "
        "the grid's level and phase are refitted to your taps and each beat snapped to its onset.")
    adjust.add_argument("name", metavar="NAME", help=_NAME_HELP)
    how = adjust.add_mutually_exclusive_group(required=True)
    how.add_argument("--offset-ms", action=number(-MAX_OFFSET_MS, MAX_OFFSET_MS), default=None, metavar="MS",
                     help=f"move every beat by MS milliseconds, -{MAX_OFFSET_MS:g}..{MAX_OFFSET_MS:g} (later if positive)")
    how.add_argument("--double", action="store_true", help="twice the beats (the tracker found half the tempo)")
    how.add_argument("--halve", action="store_true", help="every other beat (the tracker found twice the tempo)")
    how.add_argument("--tap", action="store_true", help="tap along to the song once; the grid is refitted")
    adjust.add_argument("--audio-device", default=None, metavar="D",
                        help="with --tap: the output device to play the song on (default: the system's)")
    _db_json(adjust)
    songs.set_defaults(module="songs")
