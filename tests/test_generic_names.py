"""Entrainment's names stay in entrainment's rooms (issue 11).

Outside ``live/activities/``, ``live/metrics/``, ``live/sim/`` and ``live/engine/`` no file of
``live/`` names ``beat_index``, ``asynchrony_ms``, ``window_ms``, ``n_beats``, ``baseline_s`` or
``SimulatedTapper`` -- not in code, comments or docstrings: the loop, the store, the records, the
screen and the commands speak of targets, errors and the activity's declared metrics, so a second
activity touches none of them. Entrainment's own command (``live metrics sms``) and the tap-along
calibration are exempt.
"""

from __future__ import annotations

import re
from pathlib import Path

import live

LIVE = Path(live.__file__).resolve().parent

NAMES = ("beat_index", "asynchrony_ms", "window_ms", "n_beats", "baseline_s", "SimulatedTapper")

# The rooms where the names belong (paths relative to live/).
ROOMS = ("activities/", "metrics/", "sim/", "engine/")

EXEMPT = {
    "commands/metrics.py",      # `live metrics sms`: entrainment's synchronisation metrics from two CSVs
    "commands/analyze.py",      # `live analyze --beats`: the same metrics of a recording's onsets
    "commands/songs.py",        # `live songs list`: a song's own tracked beats, counted
    "calibration.py",           # the tap-along calibration: its estimate ...
    "commands/calibrate.py",    # ... its command ...
    "data/tap-along.toml",      # ... and its preset
}

_NAME = re.compile(r"(?<![A-Za-z0-9_])(" + "|".join(NAMES) + r")(?![A-Za-z0-9_])")


def live_files(root: Path = LIVE) -> list[Path]:
    """Every file of the package (sources and data), compiled caches left out."""
    return sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def misplaced_names(files: dict[str, str]) -> list[str]:
    """``path:line: name: text`` for each line outside the rooms and the exemptions naming one of
    :data:`NAMES`; ``files`` maps a path relative to live/ to its text."""
    found = []
    for rel, text in sorted(files.items()):
        if rel.startswith(ROOMS) or rel in EXEMPT:
            continue
        for n, line in enumerate(text.splitlines(), start=1):
            for m in _NAME.finditer(line):
                found.append(f"live/{rel}:{n}: {m.group(1)}: {line.strip()}")
    return found


def _read(root: Path = LIVE) -> dict[str, str]:
    out = {}
    for p in live_files(root):
        try:
            out[p.relative_to(root).as_posix()] = p.read_text(encoding="utf-8")
        except UnicodeDecodeError:  # a binary file names nothing
            continue
    return out


def test_no_file_of_live_outside_the_activity_rooms_names_entrainments_fields():
    misplaced = misplaced_names(_read())
    assert misplaced == [], "\n" + "\n".join(misplaced)


def test_the_name_rule_catches_code_docstrings_and_data_but_not_longer_names():
    files = {
        "store/synthetic.py": '"""Rows keyed by beat_index."""\nx = row["asynchrony_ms"]\n',
        "run/synthetic.py": "from live.sim.tapper import SimulatedTapper  # the client\n",
        "data/synthetic.toml": "window_ms = 80\n",
        "ui/synthetic.py": "n_beats_total = 3\nmy_window_ms_x = 1\nbaseline_sec = 2\n",
        "activities/synthetic/activity.py": "n_beats = 3\n",
        "commands/metrics.py": "window_ms = 1\n",
    }
    assert misplaced_names(files) == [
        'live/data/synthetic.toml:1: window_ms: window_ms = 80',
        'live/run/synthetic.py:1: SimulatedTapper: from live.sim.tapper import SimulatedTapper  # the client',
        'live/store/synthetic.py:1: beat_index: """Rows keyed by beat_index."""',
        'live/store/synthetic.py:2: asynchrony_ms: x = row["asynchrony_ms"]',
    ]
