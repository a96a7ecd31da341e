"""One set-up, every command: what ``make demo`` installs (``pip install -e .``, no extras) is all
that ``live run``, ``live calibrate`` and ``live devices`` need from pip.

A whole new venv per test run would take minutes here, so this is checked in two parts: the
installed package's declared dependencies (``importlib.metadata``) provide every module that
any file of ``live/`` imports, the live edge's included; and, in this venv, ``live devices``,
``live calibrate --help`` and a 10-second headless ``live run`` through the console script work
against a JACK dummy server. (A fresh clone set up with ``make demo`` only and the same three
commands: docs/performance.md, "A fresh clone".)
"""

from __future__ import annotations

import ast
import importlib.metadata as md
import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import live

PACKAGE = Path(live.__file__).resolve().parent
LIVE_EDGE = {"sounddevice", "rtmidi"}  # imported by live/engine/live_driver.py and rtmidi_ports.py


def _imported_top_level_modules() -> dict[str, list[str]]:
    """Top-level modules imported anywhere in live/ (at module level or inside functions),
    outside the standard library and live itself, each with the files importing it."""
    found: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top != "live" and top not in sys.stdlib_module_names:
                    found.setdefault(top, []).append(str(path.relative_to(PACKAGE.parent)))
    return found


def _declared_distributions() -> set[str]:
    """Normalised names of the installed ``live``'s dependencies without extras (what
    ``pip install -e .`` brings)."""
    names = set()
    for req in md.requires("live") or []:
        if "extra ==" in req:
            continue
        names.add(re.sub(r"[-_.]+", "-", re.match(r"[A-Za-z0-9._-]+", req).group()).lower())
    return names


def _normalise(distribution: str) -> str:
    return re.sub(r"[-_.]+", "-", distribution).lower()


def test_every_module_live_imports_comes_with_its_declared_dependencies():
    """The installed metadata (reinstall after editing pyproject.toml: pip install -e '.[test]')
    names a distribution for each third-party module live imports, the live edge's included."""
    imported = _imported_top_level_modules()
    assert LIVE_EDGE <= set(imported), sorted(imported)
    declared = _declared_distributions()
    providers = md.packages_distributions()
    uncovered = {module: files for module, files in imported.items()
                 if not {_normalise(d) for d in providers.get(module, [])} & declared}
    assert uncovered == {}, f"imported by live but not installed by `pip install -e .`: {uncovered}"
    # Not imported by name: SQLAlchemy loads psycopg for postgresql+psycopg:// URLs; JACK-Client
    # is what the JACK clients of the test harness are written with.
    assert {"psycopg", "jack-client", "sounddevice", "python-rtmidi"} <= declared


def test_requires_python_allows_only_versions_python_rtmidi_has_wheels_for():
    """python-rtmidi 1.5.8 ships wheels for CPython 3.11 and 3.12 only (none for 3.13): the
    install must not be offered where it would need a compiler and ALSA headers."""
    assert md.metadata("live")["Requires-Python"] == "<3.13,>=3.11"
    assert (3, 11) <= sys.version_info[:2] <= (3, 12)


def test_after_the_demo_install_devices_calibrate_help_and_a_10_s_headless_run_work(jack_server, tmp_path):
    """The console script as `make demo` leaves it, a JACK dummy server running, nothing else:
    `live devices` finds the server and nothing missing, `live calibrate --help` explains, and
    `live run steady-beat-100 --client C-1 --headless --duration 10` plays, scores and stores."""
    live_script = Path(sys.executable).parent / "live"
    env = {**jack_server.env, "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data")}

    devices = subprocess.run([str(live_script), "devices"], capture_output=True, text=True, env=env, timeout=60)
    assert devices.returncode == 0 and devices.stderr == "", devices.stderr
    assert "MIDI: JACK server running" in devices.stdout and "Missing: nothing" in devices.stdout
    assert "(JACK Audio Connection Kit)" in devices.stdout.split("Would play on: ")[1].splitlines()[0]

    help_ = subprocess.run([str(live_script), "calibrate", "--help"], capture_output=True, text=True, env=env,
                           timeout=60)
    assert help_.returncode == 0 and help_.stdout.startswith("usage: live calibrate")

    run = subprocess.run([str(live_script), "run", "steady-beat-100", "--client", "C-1", "--headless",
                          "--duration", "10", "--json"], capture_output=True, text=True, env=env, timeout=120,
                         stdin=subprocess.DEVNULL)
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    result = json.loads(run.stdout)
    # Played on: at least the 10 s asked for went through the callback. (Underflows are not
    # asserted: an asynchronous JACK server on this shared 2-core machine reports some.)
    assert result["engine"]["frames"] >= 10 * 48000, result["engine"]
    # 10 s at 100 BPM after a 4-beat count-in: 17 beats (the count-in is 2.4 s of it).
    assert result["summary"]["n_beats"] == 17
    db = tmp_path / "data" / "live" / "live.db"
    con = sqlite3.connect(db)
    try:
        [(status, client)] = con.execute(
            "SELECT s.status, c.code FROM sessions s JOIN session_clients sc ON sc.session_id = s.id "
            "JOIN clients c ON c.id = sc.client_id WHERE s.id = ?", (result["session_id"],)).fetchall()
    finally:
        con.close()
    assert (status, client) == ("complete", "C-1")
