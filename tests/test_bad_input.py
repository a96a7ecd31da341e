"""No command ends in a traceback, whatever it is given (issue 10).

Every sub-command the ``live`` parser defines is found from the parser itself (a command or an
argument added later is covered, or the first test fails naming it) and run with bad values
for each of its arguments: numbers out of range and text that is no number (drawn by
hypothesis from the range each checked option declares), database URLs live cannot use (a
database it does not support, a driver that is not installed, a server that does not answer,
a URL that cannot be read), paths that cannot be read or written, and empty, binary (random
bytes) and MIDI files where CSV, TOML or a SQLite database is expected. Each must exit 2 with
exactly one line on stderr that names the value and says what is allowed, and no traceback.
A few run as the real ``live`` console script; the bulk runs in-process (``live.cli.main``),
which is much faster.

An unexpected internal error (a function monkeypatched to raise) leaves a crash report (0600)
and one line, exit 1; the session being recorded stays stored, marked incomplete, with every
batch written before the failure (offline in ``live demo``, and in ``live run`` on a JACK
dummy server).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sqlite3
import stat
import subprocess
import sys
import uuid
from pathlib import Path

import mido
import numpy as np
import soundfile
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from failing_live import fail_batches_from
from live.cli import _parser, main
from live.cli_args.values import CheckedValue, one_line
from live.store.connection import pip_install
from live_run_helpers import write_preset
from midi_helpers import write_midi
from records_helpers import copy_db, make_demo_db

LIVE = str(Path(sys.executable).with_name("live"))  # the venv's console script
FAILING_LIVE = str(Path(__file__).with_name("failing_live.py"))
HYPOTHESIS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


# ---------------------------------------------------------------- every command, from the parser


def leaf_commands() -> dict[str, argparse.ArgumentParser]:
    """``"metrics sms"`` -> its parser, for every command the ``live`` parser defines."""
    found: dict[str, argparse.ArgumentParser] = {}

    def walk(parser: argparse.ArgumentParser, path: tuple[str, ...]) -> None:
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not subs:
            found[" ".join(path)] = parser
            return
        for name, child in subs[0].choices.items():
            walk(child, (*path, name))

    walk(_parser(), ())
    return found


COMMANDS = leaf_commands()


def values_of(command: str) -> list[argparse.Action]:
    """The arguments of ``command`` that take a value (not --help, not a flag)."""
    return [a for a in COMMANDS[command]._actions
            if not isinstance(a, (argparse._HelpAction, argparse._StoreTrueAction))]


# What each free-form value is, so the tests below know what bad input looks like for it.
# Options with choices, checked values (live.cli_args.values) and --db are known by themselves.
KINDS = {
    ("demo", "preset"): "preset", ("demo", "out"): "out_dir",
    ("devices", "controls"): "controls", ("devices", "audio_device"): "device",
    ("metrics sms", "beats"): "csv", ("metrics sms", "taps"): "csv",
    ("metrics echo", "call"): "midi", ("metrics echo", "answer"): "midi", ("metrics improv", "midi"): "midi",
    ("presets validate", "files"): "preset",
    ("run", "presets"): "preset", ("run", "client"): "new_client_code", ("run", "controls"): "controls",
    ("run", "audio_device"): "device", ("run", "midi_in"): "device", ("run", "midi_out"): "device",
    ("calibrate", "audio_device"): "device", ("calibrate", "midi_in"): "device",
    ("clients add", "code"): "new_client_code", ("clients add", "name"): "display_name",
    ("clients show", "code"): "client", ("goals add", "client"): "client", ("goals add", "goal"): "goal",
    ("goals list", "client"): "client", ("sessions list", "client"): "filter",
    ("sessions show", "session_id"): "session", ("sessions note", "session_id"): "session",
    ("sessions note", "text"): "note",
    ("export", "session_id"): "session", ("export", "out"): "out_file",
    ("report", "client"): "client", ("report", "out"): "out_file",
    ("songs add", "file"): "audio", ("songs add", "title"): "title", ("songs show", "name"): "song",
    ("songs plot", "name"): "song", ("songs plot", "out"): "out_file", ("songs adjust", "name"): "song",
    ("songs adjust", "audio_device"): "device",
    ("analyze", "recording"): "audio", ("analyze", "beats"): "csv", ("analyze", "song"): "song",
}
# Device and port names are checked against what is there when the devices open (a name that
# matches nothing is exit 2 listing what was found: tests/test_devices.py, tests/test_live_run.py);
# nothing about them is bad input before that, so they are not fed bad values here.
NOT_FED = {"device"}

# Each command with its required arguments, valid; the tests put one bad value in at a time.
# {sid} is a stored session, {preset} a valid preset file, {beats}/{taps} valid CSV files,
# {tmp} a scratch folder; --db {db} is added to every command that has --db.
BASE: dict[str, tuple[dict[str, list[str]], dict[str, str | None]]] = {
    "demo": ({}, {"--out": "{tmp}/demo-out"}),
    "devices": ({}, {}),
    "metrics sms": ({}, {"--beats": "{beats}", "--taps": "{taps}"}),
    "metrics echo": ({}, {"--call": "{call_mid}", "--answer": "{answer_mid}"}),
    "metrics improv": ({}, {"--midi": "{call_mid}"}),
    "presets list": ({}, {}),
    "presets validate": ({"files": ["{preset}"]}, {}),
    "run": ({"presets": ["{preset}"]}, {"--client": "C-1", "--headless": None, "--no-console": None}),
    "calibrate": ({}, {}),
    "clients add": ({"code": ["C-9"]}, {}),
    "clients list": ({}, {}),
    "clients show": ({"code": ["SIM-001"]}, {}),
    "goals add": ({"client": ["SIM-001"], "goal": ["sd_async_ms", "<=", "40"]}, {}),
    "goals list": ({"client": ["SIM-001"]}, {}),
    "sessions list": ({}, {}),
    "sessions show": ({"session_id": ["{sid}"]}, {}),
    "sessions note": ({"session_id": ["{sid}"], "text": ["a", "note"]}, {}),
    "export": ({"session_id": ["{sid}"]}, {"--format": "json", "--out": "{tmp}/export.json"}),
    "report": ({"client": ["SIM-001"]}, {"--format": "html", "--out": "{tmp}/report.html"}),
    "songs add": ({"file": ["{tmp}/song.wav"]}, {}),
    "songs list": ({}, {}),
    "songs show": ({"name": ["x"]}, {}),
    "songs plot": ({"name": ["x"]}, {"--out": "{tmp}/song.png"}),
    "songs adjust": ({"name": ["x"]}, {"--offset-ms": "0"}),
    "analyze": ({"recording": ["{wav}"]}, {}),
}


def kind_of(command: str, action: argparse.Action) -> str:
    if isinstance(action, CheckedValue):
        return "checked"
    if action.choices is not None:
        return "choice"
    if action.dest == "db":
        return "db"
    return KINDS.get((command, action.dest), "UNKNOWN")


def option_name(action: argparse.Action) -> str:
    return action.option_strings[-1] if action.option_strings else action.dest


def test_every_command_has_a_valid_base_and_every_value_a_kind():
    """The guard that keeps this module complete: a new command, or a new argument that takes a
    value, fails here by name until its bad values are described above."""
    assert len(COMMANDS) >= 17 and {"demo", "run", "metrics sms", "sessions note"} <= set(COMMANDS)
    missing = sorted(set(COMMANDS) - set(BASE))
    unknown = [f"live {c} {option_name(a)}" for c in COMMANDS for a in values_of(c) if kind_of(c, a) == "UNKNOWN"]
    stale = [f"{c} {d}" for c, d in KINDS if c not in COMMANDS or d not in {a.dest for a in values_of(c)}]
    assert not missing, f"commands without a BASE entry: {missing}"
    assert not unknown, f"values without a kind in KINDS: {unknown}"
    assert not stale, f"KINDS entries for arguments that no longer exist: {stale}"


# ---------------------------------------------------------------- running commands


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    """A store with one simulated session of client SIM-001 (copied for each test)."""
    return make_demo_db(tmp_path_factory.mktemp("stored"), beats=16, sessions=1)


@pytest.fixture
def where(stored, tmp_path, monkeypatch):
    """Values for BASE's placeholders; the user's folders point into tmp_path, as does the cwd."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.chdir(tmp_path)
    db = copy_db(stored[0], tmp_path / "db")
    preset = write_preset(tmp_path / "beat.toml", tempo=120, beats=8)
    (tmp_path / "beats.csv").write_text("time_s\n0\n0.5\n1\n")
    (tmp_path / "taps.csv").write_text("time_s\n0.01\n0.52\n")
    call_mid = write_midi(tmp_path / "call.mid", [(0, 60, 100), (500, 62, 100)])
    answer_mid = write_midi(tmp_path / "answer.mid", [(1500, 60, 100), (2010, 62, 100)])
    clap = np.zeros(48000, dtype=np.float32)
    clap[24000:24480] = 0.5  # one onset at 0.5 s
    soundfile.write(tmp_path / "clap.wav", clap, 48000)
    return {"db": str(db), "sid": stored[1][0], "preset": str(preset), "beats": str(tmp_path / "beats.csv"),
            "taps": str(tmp_path / "taps.csv"), "call_mid": str(call_mid), "answer_mid": str(answer_mid),
            "wav": str(tmp_path / "clap.wav"), "tmp": str(tmp_path)}


def argv_for(command: str, where: dict, *, dest: str | None = None, value: str | list[str] | None = None) -> list[str]:
    """``command`` with its BASE arguments, ``--db``, and ``value`` for the argument ``dest``
    (options as ``--opt=value``, so a value may start with '-')."""
    positionals, options = BASE[command]
    positionals = {k: [v.format(**where) for v in vs] for k, vs in positionals.items()}
    options = {k: (None if v is None else v.format(**where)) for k, v in options.items()}
    parser_actions = {a.dest: a for a in values_of(command)}
    if "db" in parser_actions:
        options["--db"] = where["db"]
    if dest is not None:
        action = parser_actions[dest]
        if action.option_strings:
            options[option_name(action)] = value
        else:
            positionals[dest] = value if isinstance(value, list) else [value]
    argv = command.split()
    for opt, v in options.items():
        argv.append(opt if v is None else f"{opt}={v}")
    for action in COMMANDS[command]._actions:
        if not action.option_strings and action.dest in positionals:
            argv += positionals[action.dest]
    return argv


def call(capsys, argv: list[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line(code: int, err: str, *needles: str, status: int = 2) -> None:
    """Exit ``status``, exactly one line on stderr containing each needle, no traceback, and
    no internal error (bad input must be recognised as such)."""
    assert "Traceback" not in err and "internal error" not in err, err
    assert code == status, (code, err)
    assert err.endswith("\n") and err.count("\n") == 1, err
    for needle in needles:
        assert needle in err, (needle, err)


def prog(command: str) -> str:
    return f"live {command}"


# ---------------------------------------------------------------- usage errors


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_an_unknown_option_or_a_missing_argument_is_one_line(command, where, capsys):
    code, out, err = call(capsys, [*argv_for(command, where), "--no-such-option"])
    assert_one_line(code, err, "unrecognized arguments: --no-such-option", "--help")
    assert out == ""
    required = [a for a in values_of(command) if a.required or (not a.option_strings and a.nargs != "?")]
    if required:
        code, out, err = call(capsys, command.split())
        assert_one_line(code, err, f"{prog(command)}: the following arguments are required: ",
                        f"(see '{prog(command)} --help')")


CHOICES = [(c, a) for c in sorted(COMMANDS) for a in values_of(c) if kind_of(c, a) == "choice"]


@pytest.mark.parametrize(("command", "action"), CHOICES, ids=[f"{c}-{a.dest}" for c, a in CHOICES])
def test_a_choice_not_offered_is_one_line_listing_the_choices(command, action, where, capsys):
    code, _, err = call(capsys, argv_for(command, where, dest=action.dest, value="nonesuch"))
    assert_one_line(code, err, f"{prog(command)}: argument {option_name(action)}: invalid choice: 'nonesuch'",
                    *action.choices)


# ---------------------------------------------------------------- numbers, sizes, dates


def bad_text(action: type[CheckedValue] | CheckedValue) -> st.SearchStrategy[str]:
    """Text a checked option must refuse: out of its range, not a number, not finite, ..."""
    words = st.text(st.characters(whitelist_categories=("Ll", "Lu")), min_size=1, max_size=8)
    if action.kind == "whole":
        lo, hi = int(action.lo), action.hi
        bad = [st.integers(max_value=lo - 1), words,
               st.floats(allow_nan=False, allow_infinity=False).filter(lambda x: not x.is_integer())]
        if hi is not None:
            bad.append(st.integers(min_value=int(hi) + 1))
        return st.one_of(*bad).map(str)
    if action.kind == "number":
        lo, hi = action.lo, action.hi
        out = []
        if lo is not None:
            out.append(st.floats(max_value=lo, exclude_max=not action.lo_open, allow_nan=False,
                                 allow_infinity=False))
        if hi is not None:
            out.append(st.floats(min_value=hi, exclude_min=not action.hi_open, allow_nan=False,
                                 allow_infinity=False))
        return st.one_of(*[s.map(repr) for s in out], st.sampled_from(["nan", "inf", "-inf", "1e999", ""]), words)
    if action.kind == "size":
        lo, hi = int(action.lo), int(action.hi)
        good = st.integers(lo, hi)
        bad = st.one_of(st.integers(max_value=lo - 1), st.integers(min_value=hi + 1))
        return st.one_of(st.tuples(bad, good), st.tuples(good, bad), st.tuples(bad, bad)).map(
            lambda wh: f"{wh[0]}x{wh[1]}") | words.filter(lambda w: "x" not in w.lower())
    if action.kind == "date":
        impossible = st.tuples(st.integers(1000, 9999), st.integers(13, 99), st.integers(1, 28)).map(
            lambda ymd: f"{ymd[0]}-{ymd[1]:02d}-{ymd[2]:02d}")
        return st.one_of(impossible, st.dates().map(lambda d: d.strftime("%d/%m/%Y")), words,
                         st.sampled_from(["2024-02-30", "2023-02-29", "yesterday", "2024-1-5"]))
    if action.kind == "moment":
        max_minutes = int(action.hi) // 60
        return st.one_of(
            st.tuples(st.integers(0, max_minutes), st.integers(60, 99)).map(lambda ms: f"{ms[0]}:{ms[1]}"),
            st.integers(max_minutes + 1, 10**6).map(lambda m: f"{m}:00"),
            st.floats(allow_nan=True, allow_infinity=True).map(lambda x: f"{x!r}:05"), words,
            st.sampled_from(["nan:5", "1e400:5", "inf", ":5", "1:2:3", "-0:5", "2:15.", "2.5:00", "1:5.1234567"]))
    if action.kind == "channels":
        lo, hi = int(action.lo), int(action.hi)
        outside = st.one_of(st.integers(max_value=lo - 1), st.integers(min_value=hi + 1)).map(str)
        good = st.integers(lo, hi).map(str)
        return st.one_of(
            outside, words, st.floats(allow_nan=False, allow_infinity=False).filter(lambda x: not x.is_integer()).map(repr),
            st.tuples(good, outside).map(",".join), good.map(lambda c: f"{c},{c}"),
            st.sampled_from(["", ",", "1,", ",2", "1,,2", "1;2", "1 2", "one"]))
    raise AssertionError(f"no strategy for checked values of kind {action.kind!r}")


CHECKED = [(c, a) for c in sorted(COMMANDS) for a in values_of(c) if kind_of(c, a) == "checked"]


@pytest.mark.parametrize(("command", "action"), CHECKED, ids=[f"{c}-{a.dest}" for c, a in CHECKED])
@HYPOTHESIS
@given(data=st.data())
def test_a_number_out_of_range_is_one_line_saying_what_is_allowed(command, action, where, capsys, data):
    text = data.draw(bad_text(action), label=option_name(action))
    code, out, err = call(capsys, argv_for(command, where, dest=action.dest, value=text))
    assert_one_line(code, err)
    assert err == f"{prog(command)}: {option_name(action)} {one_line(text)}: {action.allowed}\n"
    assert out == ""


def test_the_checked_ranges_are_the_ones_the_program_uses():
    """The CLI's tempo range is the presets' (not imported there, to keep 'live --help' fast),
    and calibrate's fewest taps are what the latency estimate needs."""
    from live.activities.entrainment.params import MAX_BPM, MIN_BPM
    from live.calibration import estimate_latency
    from live.cli_args import live_run
    import inspect

    assert (live_run.MIN_BPM, live_run.MAX_BPM) == (MIN_BPM, MAX_BPM)
    assert live_run.MIN_TAPS == inspect.signature(estimate_latency).parameters["min_taps"].default


# ---------------------------------------------------------------- database URLs and files


def midi_file(path: Path) -> Path:
    """A small Standard MIDI File (what 'live export --format midi' writes)."""
    mid = mido.MidiFile(type=0)
    track = mido.MidiTrack([mido.Message("note_on", note=60, velocity=90, time=0),
                            mido.Message("note_off", note=60, velocity=0, time=480)])
    mid.tracks.append(track)
    mid.save(path)
    return path


def db_cases(tmp: Path) -> list[tuple[str, list[str]]]:
    """(--db value, what its one line must say) for every way a store cannot be used without a
    server of our own (each SQLite value in a folder of its own)."""
    tmp.mkdir(parents=True, exist_ok=True)
    text = tmp / "notes.txt"
    text.write_text("not a database\n" * 50)
    foreign = tmp / "other-app.db"
    con = sqlite3.connect(foreign)
    con.execute("CREATE TABLE patients (x INTEGER)")
    con.close()
    a_file = tmp / "a-file"
    a_file.write_text("x")
    give = "give a SQLite file (a path, or sqlite:///PATH) or a PostgreSQL URL (postgresql+psycopg://USER@HOST/DATABASE)"
    return [
        ("mysql://x/y", [f"MySQL is not supported: {give}"]),
        ("sqlite+aiosqlite:///x.db", ["driver 'aiosqlite' is not supported for SQLite: use sqlite+pysqlite://"]),
        ("oracle://scott@h/x", [f"Oracle is not supported: {give}"]),
        ("foo://x", [f"'foo' is not supported: {give}"]),
        ("postgresql+asyncpg://u@h/x", ["driver 'asyncpg' is not supported for PostgreSQL: use postgresql+psycopg://"]),
        ("postgresql://h:abc/x", [f"not a database URL: {give}"]),
        ("postgresql://u:secret@h:99999/x", ["port 99999: must be 1..65535"]),
        ("postgresql+psycopg://nobody@127.0.0.1:1/x",
         ["cannot use the PostgreSQL database: ", "Connection refused", "check the URL's host, port, user and database"]),
        (str(tmp), [f"is a folder: give a file's name, e.g. {tmp / 'live.db'}"]),
        (str(a_file / "x.db"), [f"cannot create the database file: {a_file} is not a folder"]),
        ("/proc/live-test/x.db", ["cannot create the database file: "]),
        (str(text), ["not a SQLite database: give a live session database, or the name of a new file"]),
        (str(midi_file(tmp / "song.mid")), ["not a SQLite database"]),
        (str(foreign), ["the database holds tables (patients) but no 'meta' table: not a live session database"]),
    ]


DB_COMMANDS = sorted(c for c in COMMANDS if "db" in {a.dest for a in values_of(c)})


@pytest.mark.parametrize("command", DB_COMMANDS)
def test_a_database_live_cannot_use_is_one_line_saying_why(command, where, tmp_path, capsys):
    for value, needles in db_cases(tmp_path / "cases"):
        if command == "devices" and "://" not in value and not os.path.exists(value):
            continue  # 'live devices' never creates a store: one that is not there has nothing to show
        shown = value.replace(":secret@", ":***@")
        code, out, err = call(capsys, argv_for(command, where, dest="db", value=value))
        assert_one_line(code, err, f"{prog(command)}: --db {shown}: ", *needles)
        assert out == ""


@pytest.mark.parametrize(("driver", "module", "requirement"),
                         [("psycopg", "psycopg", "psycopg[binary]"), ("pg8000", "pg8000", "pg8000"),
                          ("psycopg2", "psycopg2", "psycopg2-binary")])
@pytest.mark.parametrize("command", ["demo", "run", "sessions list", "devices"])
def test_a_database_driver_that_is_not_installed_is_named_with_its_pip_command(command, driver, module, requirement,
                                                                                where, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, module, None)  # as if not installed: import raises ModuleNotFoundError
    value = f"postgresql+{driver}://nobody@127.0.0.1:1/x"
    code, _, err = call(capsys, argv_for(command, where, dest="db", value=value))
    assert_one_line(code, err, f"{prog(command)}: --db {value}: the PostgreSQL driver {driver} is not installed: "
                    f"install it with: {pip_install(requirement)}")
    if driver == "psycopg":  # the driver of a plain postgresql:// URL
        code, _, err = call(capsys, argv_for(command, where, dest="db", value="postgresql://nobody@h/x"))
        assert_one_line(code, err, "the PostgreSQL driver psycopg is not installed", pip_install("psycopg[binary]"))


def test_a_postgresql_server_that_refuses_is_one_line(pg_server, where, capsys):
    base = pg_server.base_url
    for value, needle in [(f"{base}/no_such_db", 'database "no_such_db" does not exist'),
                          (base.replace("postgres@", "nobody@") + "/postgres", 'role "nobody" does not exist')]:
        for command in ("demo", "run", "clients list", "export"):
            code, _, err = call(capsys, argv_for(command, where, dest="db", value=value))
            assert_one_line(code, err, f"{prog(command)}: --db {value}: cannot use the PostgreSQL database: ", needle)


@pytest.mark.parametrize("command", ["sessions list", "demo"])
@HYPOTHESIS
@given(data=st.binary(min_size=1, max_size=2000))
def test_random_bytes_as_a_database_file_are_one_line(command, data, where, capsys, tmp_path):
    path = tmp_path / "random.db"
    path.write_bytes(data)
    code, _, err = call(capsys, argv_for(command, where, dest="db", value=str(path)))
    assert_one_line(code, err, f"{prog(command)}: --db {path}: not a SQLite database")
    assert path.read_bytes() == data  # never written over


def file_cases(tmp: Path) -> list[tuple[str, str]]:
    """(file, what its one line must say) for files no command can read as CSV or TOML."""
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "empty").write_text("")
    (tmp / "blank").write_text("\n\n  \n")
    (tmp / "binary").write_bytes(bytes(range(256)) * 4)
    (tmp / "a-file").write_text("x")
    (tmp / "folder").mkdir(exist_ok=True)
    return [(str(tmp / "missing.txt"), ""), (str(tmp / "folder"), ""), (str(tmp / "empty"), ""),
            (str(tmp / "blank"), ""), (str(tmp / "binary"), ""), (str(midi_file(tmp / "song.mid")), ""),
            (str(tmp / "a-file" / "x"), "")]


TOML_CASES = {  # extra TOML texts (a preset's and a controller mapping's readers say the same)
    "comments only": ("# nothing here yet\n", "no keys, only comments"),
    "syntax": ("schema = 1\nactivity = \n", "line 2, column 12: "),
    "another kind of file": ('[tool.black]\nline-length = 100\n', "(keys: tool)"),
    "bad BOM-less latin-1": ("title = 'caf\xe9'\n".encode("latin-1"), "not UTF-8 text (byte 12): save the file as UTF-8"),
}
PRESET_CASES = {  # a preset's own problems (a controller mapping is no preset: not these)
    "pads not the screen's": ('schema = 1\nactivity = "improvisation"\ntitle = "t"\ngoal = "g"\n'
                              '[params]\nbars = 4\npads = 5\n[screen]\npads = 6\n',
                              "params.pads: 5: must equal the number of the [screen]'s pads: 6"),
}


def toml_cases(kind: str) -> dict:
    return {**TOML_CASES, **PRESET_CASES} if kind == "preset" else TOML_CASES


FILE_VALUES = [(c, a) for c in sorted(COMMANDS) for a in values_of(c)
               if kind_of(c, a) in ("csv", "preset", "controls", "midi", "audio")]


def expected_prefix(command: str, action: argparse.Action, path: str) -> str:
    # presets validate prints 'FILE: problem' lines (its documented output); the others 'PROG: FILE: ...'
    return f"{path}: " if command == "presets validate" else f"{prog(command)}: {path}: "


@pytest.mark.parametrize(("command", "action"), FILE_VALUES, ids=[f"{c}-{a.dest}" for c, a in FILE_VALUES])
def test_an_unreadable_empty_binary_or_midi_file_is_one_line_naming_it(command, action, where, tmp_path, capsys):
    kind = kind_of(command, action)
    cases = file_cases(tmp_path / "files")
    if kind == "midi":  # a MIDI file is what it reads: one without notes instead, and one cut short
        song = next(p for p, _ in cases if p.endswith("song.mid"))
        cases = [c for c in cases if c[0] != song]
        cases.append((str(write_midi(tmp_path / "files" / "silent.mid", [])), ""))
        (tmp_path / "files" / "cut.mid").write_bytes(Path(song).read_bytes()[:-6])
        cases.append((str(tmp_path / "files" / "cut.mid"), ""))
    if kind in ("preset", "controls"):
        for name, (text, _) in toml_cases(kind).items():
            path = tmp_path / "files" / f"{name}.toml"
            path.write_bytes(text if isinstance(text, bytes) else text.encode())
            cases.append((str(path), ""))
    for path, _ in cases:
        code, out, err = call(capsys, argv_for(command, where, dest=action.dest, value=path))
        assert_one_line(code, err, expected_prefix(command, action, path))
        if command != "presets validate":
            assert out == ""
    for name, (_, needle) in (toml_cases(kind).items() if kind in ("preset", "controls") else []):
        path = str(tmp_path / "files" / f"{name}.toml")
        code, _, err = call(capsys, argv_for(command, where, dest=action.dest, value=path))
        assert needle in err, (name, err)


@pytest.mark.parametrize(("command", "action"), FILE_VALUES, ids=[f"{c}-{a.dest}" for c, a in FILE_VALUES])
@HYPOTHESIS
@given(data=st.binary(max_size=3000))
def test_random_bytes_as_a_csv_or_toml_file_are_one_line(command, action, data, where, tmp_path, capsys):
    path = tmp_path / "random.bin"
    path.write_bytes(data)
    code, _, err = call(capsys, argv_for(command, where, dest=action.dest, value=str(path)))
    assert_one_line(code, err, expected_prefix(command, action, str(path)))


def test_the_messages_for_bad_files_say_what_is_wanted(where, tmp_path, capsys):
    cases = {path.rsplit("/", 1)[-1]: path for path, _ in file_cases(tmp_path)}
    expect = {
        ("demo", "preset", "missing.txt"): "missing.txt: no such file or shipped preset; shipped: ",
        ("demo", "preset", "empty"): "empty: empty file: a preset needs schema, activity, title, goal and [params]",
        ("run", "controls", "blank"): "blank: empty file: a controller mapping needs schema = 1 and [[bindings]] tables",
        ("run", "controls", "folder"): "folder: cannot read the file: Is a directory",
        ("devices", "controls", "song.mid"): "song.mid: not UTF-8 text (byte 13): save the file as UTF-8",
        ("metrics sms", "beats", "empty"): "empty: empty file (allowed: a header row with a column time_s",
        ("metrics sms", "taps", "binary"): "binary: byte 128 is not UTF-8 text (allowed: a UTF-8 CSV file)",
        ("metrics sms", "taps", "folder"): "folder: is a folder (give a CSV file with a column time_s)",
        ("metrics echo", "call", "empty"): "empty: not a Standard MIDI File (it does not start with MThd; give a "
                                           "Standard MIDI File (.mid) of type 0 or 1)",
        ("metrics echo", "answer", "missing.txt"): "missing.txt: no such file (give a Standard MIDI File",
        ("metrics echo", "answer", "folder"): "folder: is a folder (give a Standard MIDI File",
    }
    for (command, dest, name), needle in expect.items():
        code, _, err = call(capsys, argv_for(command, where, dest=dest, value=cases[name]))
        assert_one_line(code, err, needle)
    for command, dest in [("metrics sms", "taps"), ("metrics echo", "call"), ("demo", "preset"), ("run", "controls"),
                          ("presets validate", "files")]:
        name = tmp_path / "two\nlines.csv"  # a name with a line break is said in one line, escaped
        code, _, err = call(capsys, argv_for(command, where, dest=dest, value=str(name)))
        assert_one_line(code, err, f"{tmp_path}/two\\nlines.csv: ")
    code, _, err = call(capsys, argv_for("run", where, dest="presets", value=["no-such-preset"]))
    assert_one_line(code, err, "live run: no-such-preset: no such file or shipped preset; shipped: ", "steady-beat-100")
    path = tmp_path / "fast.toml"
    path.write_text(Path(where["preset"]).read_text().replace("tempo_bpm = 120", "tempo_bpm = 300"))
    code, _, err = call(capsys, argv_for("demo", where, dest="preset", value=str(path)))
    assert_one_line(code, err, f"live demo: {path}: params.tempo_bpm: 300: must be 20..240 BPM")


def test_a_preset_file_name_that_is_not_utf8_is_one_line(where, tmp_path, capsys):
    """A name the session store could not hold (Linux gives such bytes to Python as surrogates)."""
    path = Path(os.fsdecode(bytes(tmp_path) + b"/caf\xe9.toml"))
    path.write_text(Path(where["preset"]).read_text())
    shown = f"{tmp_path}/caf\\udce9.toml"
    code, _, err = call(capsys, ["presets", "validate", str(path)])
    assert_one_line(code, err, f"{shown}: the file name is not UTF-8 text: rename the file")
    code, _, err = call(capsys, argv_for("demo", where, dest="preset", value=str(path)))
    assert_one_line(code, err, f"live demo: {shown}: the file name is not UTF-8 text: rename the file")


# ---------------------------------------------------------------- paths to write


def test_a_folder_that_cannot_be_written_is_one_line(where, tmp_path, capsys):
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    for value, needle in [(str(a_file / "out"), "cannot create the folder: "),
                          ("/proc/live-test-out", "cannot create the folder: "),
                          ("/sys", "cannot write in the folder /sys: ")]:
        code, out, err = call(capsys, argv_for("demo", where, dest="out", value=value))
        assert_one_line(code, err, f"live demo: --out {value}: {needle}")
        assert out == ""
    for command in ("export", "report"):
        for value, needle in [(str(tmp_path), "is a folder: give a file name"),
                              (str(tmp_path / "no" / "x.html"), f"the folder {tmp_path / 'no'} does not exist"),
                              (str(a_file / "x.html"), f"{a_file} is not a folder"),
                              ("/proc/x.html", "cannot write in the folder /proc: "),
                              ("/sys/x.html", "cannot write in the folder /sys: "),
                              ("x" * 300 + ".html", "File name too long")]:
            code, out, err = call(capsys, argv_for(command, where, dest="out", value=value))
            assert_one_line(code, err, f"live {command}: --out {value}", needle)
            assert out == ""


# ---------------------------------------------------------------- names, ids and other text

# Text as a command line can hold it: no NUL; not starting with '-' (an option then).
ARG_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1,
                   max_size=80).filter(lambda t: not t.startswith("-"))
TEXT_VALUES = [(c, a) for c in sorted(COMMANDS) for a in values_of(c)
               if kind_of(c, a) in ("new_client_code", "client", "session", "goal", "filter", "note", "display_name",
                                    "song")]


@pytest.mark.parametrize(("command", "action"), TEXT_VALUES, ids=[f"{c}-{a.dest}" for c, a in TEXT_VALUES])
@HYPOTHESIS
@given(text=ARG_TEXT)
def test_any_text_as_a_name_id_or_note_is_taken_or_refused_in_one_line(command, action, text, where, capsys):
    """Client codes outside [A-Za-z0-9_-]{1,64}, unknown clients and sessions, goals and moments
    that cannot be read: exit 2 in one line. Filters, notes and display names take any text."""
    from live.store.values import _CODE_RE

    kind = kind_of(command, action)
    if command == "run":  # a valid code would start a session on the audio device: not here
        assume(not _CODE_RE.fullmatch(text))
    value = (text.split() or ["x"]) if action.nargs == "+" else text
    argv = argv_for(command, where, dest=action.dest, value=value)
    if command == "clients add" and kind != "new_client_code":
        argv[argv.index("C-9")] = f"C-{uuid.uuid4().hex[:12]}"  # a new client each time
    code, out, err = call(capsys, argv)
    assert "Traceback" not in err and "internal error" not in err, err
    if kind == "new_client_code" and not _CODE_RE.fullmatch(text):
        assert_one_line(code, err, f"client code {text!r} is not allowed: must be 1..64 characters of letters, "
                        "digits, '-' and '_'")
    elif kind in ("client", "session", "song") and text not in ("SIM-001", where["sid"]):  # the store has no songs
        assert_one_line(code, err)
    elif kind in ("filter", "note") or (kind == "display_name" and text.strip()):
        assert code == 0 and err == "", (code, err)
    else:  # a valid code (maybe taken already), an empty name, a goal: taken, or one line
        assert code == 0 or (code == 2 and err.count("\n") == 1), (code, err)
    if code == 2:
        assert out == ""


# ---------------------------------------------------------------- the real console script


@pytest.mark.parametrize(("argv", "needle"), [
    (["demo", "--seed", "-1"], "live demo: --seed -1: must be 0..4294967295"),
    (["demo", "--db", "mysql://x/y"], "live demo: --db mysql://x/y: MySQL is not supported: give a SQLite file"),
    (["demo", "--db", "postgresql+pg8000://nobody@127.0.0.1:1/x"],  # pg8000: not a dependency of live
     "live demo: --db postgresql+pg8000://nobody@127.0.0.1:1/x: the PostgreSQL driver pg8000 is not installed: "
     f"install it with: {Path(sys.executable).parent}/python"),
    (["run", "steady-beat-100", "--client", "C-1", "--headless", "--db", "postgresql://nobody@127.0.0.1:1/x"],
     "live run: --db postgresql://nobody@127.0.0.1:1/x: cannot use the PostgreSQL database: "),
    (["calibrate", "--taps", "3"], "live calibrate: --taps 3: must be 8..500"),
    (["metrics", "sms", "--beats", "/bin/sh", "--taps", "/bin/sh"], "live metrics sms: /bin/sh: byte "),
    (["no-such-command"], "live: argument COMMAND: invalid choice: 'no-such-command'"),
])
def test_the_console_script_says_bad_input_in_one_line(argv, needle, tmp_path):
    """The real ``live`` script (not main() in-process): the same one line, no traceback."""
    env = dict(os.environ, XDG_DATA_HOME=str(tmp_path / "data"), XDG_STATE_HOME=str(tmp_path / "state"))
    proc = subprocess.run([LIVE, *argv], capture_output=True, text=True, timeout=60, cwd=tmp_path, env=env)
    assert_one_line(proc.returncode, proc.stderr, needle)
    if "pg8000" in needle:
        assert proc.stderr.endswith(" -m pip install 'pg8000'\n")
    assert proc.stdout == ""


# ---------------------------------------------------------------- internal errors

REPORT_LINE = re.compile(r"^(live [a-z ]+): internal error: (.*); full report written to (\S+)$")


def crash_report(err_line: str, prog_: str, what: str) -> Path:
    """The report a one-line internal error names, checked: 0600, the traceback and the command."""
    m = REPORT_LINE.match(err_line)
    assert m is not None, err_line
    assert m.group(1) == prog_ and m.group(2) == what
    path = Path(m.group(3))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert "Traceback (most recent call last)" in text and what in text and "command: live " in text
    return path


def test_an_internal_error_writes_a_crash_report_and_says_one_line(where, tmp_path, monkeypatch, capsys):
    from live.store.store import Store

    def broken(self):
        raise RuntimeError("injected failure")

    monkeypatch.setattr(Store, "list_clients", broken)
    code, out, err = call(capsys, ["clients", "list", "--db", where["db"]])
    assert code == 1 and out == "" and err.count("\n") == 1
    path = crash_report(err.rstrip("\n"), "live clients list", "RuntimeError: injected failure")
    assert path.parent == tmp_path / "state" / "live" and re.fullmatch(r"crash-\d{8}-\d{6}\.txt", path.name)
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert "in broken" in path.read_text()
    # A second crash in the same second gets a file of its own.
    code, _, err2 = call(capsys, ["clients", "list", "--db", where["db"]])
    assert code == 1 and crash_report(err2.rstrip("\n"), "live clients list", "RuntimeError: injected failure") != path


def test_a_crash_report_goes_to_the_temporary_folder_when_the_state_folder_cannot_be_written(
        where, tmp_path, monkeypatch, capsys):
    import tempfile

    from live.store.store import Store

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.setenv("XDG_STATE_HOME", str(blocker))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(Store, "list_sessions", lambda self: 1 / 0)
    code, _, err = call(capsys, ["sessions", "list", "--db", where["db"]])
    assert code == 1
    path = crash_report(err.rstrip("\n"), "live sessions list", "ZeroDivisionError: division by zero")
    assert path.parent == tmp_path / "tmp"


def stored_counts(db: str) -> dict:
    con = sqlite3.connect(db)
    try:
        (session_status,), = con.execute("SELECT status FROM sessions").fetchall()
        runs = [r for (r,) in con.execute("SELECT status FROM runs")]
        (events,), = con.execute("SELECT count(*) FROM events").fetchall()
        (responses,), = con.execute("SELECT count(*) FROM responses").fetchall()
    finally:
        con.close()
    return {"session": session_status, "runs": runs, "events": events, "responses": responses}


def test_an_internal_error_mid_demo_keeps_the_session_incomplete_with_every_batch_written(
        tmp_path, monkeypatch, capsys):
    """``live demo`` whose store fails at the 12th batch (5.5 s into the session, taps scored
    since 2.9 s): exit 1, one line naming the crash report, and the eleven batches before it
    stored, the session incomplete."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    written = fail_batches_from(12, tmp_path / "counts.json", patch=monkeypatch.setattr)
    db = tmp_path / "demo.db"
    code, out, err = call(capsys, ["demo", "--json", "--out", str(tmp_path / "out"), "--db", str(db)])
    assert code == 1 and out == ""
    lines = err.splitlines()
    assert lines[0].startswith("live demo: rendering") and len(lines) == 2
    crash_report(lines[1], "live demo", "RuntimeError: injected failure in batch 12")
    assert written["calls"] == 12 and written["events"] > 0 and written["responses"] > 0
    assert stored_counts(str(db)) == {"session": "incomplete", "runs": ["incomplete"], "events": written["events"],
                                      "responses": written["responses"]}


def test_an_internal_error_mid_live_run_keeps_the_session_incomplete_with_every_batch_written(jack_server, tmp_path):
    """``live run`` on a JACK dummy server whose store fails at its 4th batch (~1.5 s in): the
    session loop closes the session as incomplete, every batch before is stored, exit 1 with
    one line naming the crash report."""
    preset = write_preset(tmp_path / "beat.toml", tempo=120, beats=40)
    db = tmp_path / "live.db"
    env = dict(jack_server.env, XDG_STATE_HOME=str(tmp_path / "state"), XDG_DATA_HOME=str(tmp_path / "data"))
    counts = tmp_path / "counts.json"
    proc = subprocess.run([sys.executable, FAILING_LIVE, str(counts), "4", "run", str(preset), "--client", "T1",
                           "--db", str(db), "--headless", "--no-console"],
                          capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 1, proc.stderr
    crash_report(proc.stderr.splitlines()[-1], "live run", "RuntimeError: injected failure in batch 4")
    written = json.loads(counts.read_text())
    assert written["calls"] == 4 and written["events"] > 0  # the beats of the first 1.5 s
    assert stored_counts(str(db)) == {"session": "incomplete", "runs": ["incomplete"], "events": written["events"],
                                      "responses": written["responses"]}
