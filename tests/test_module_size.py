"""Rooms of one job: no module of ``live/`` is over 400 lines (issue 11).

A module that grows past that is doing more than one job; split it (docs/architecture.md says
where each room is) rather than raise the limit.
"""

from __future__ import annotations

from pathlib import Path

import live

LIVE = Path(live.__file__).resolve().parent
MAX_LINES = 400


def over_limit(files: dict[str, str], limit: int = MAX_LINES) -> list[str]:
    """``path: N lines`` for each module (path relative to live/ -> source) longer than ``limit``."""
    counts = {rel: len(source.splitlines()) for rel, source in files.items()}
    return [f"live/{rel}: {n} lines" for rel, n in sorted(counts.items()) if n > limit]


def test_no_module_of_live_is_over_400_lines():
    files = {p.relative_to(LIVE).as_posix(): p.read_text(encoding="utf-8") for p in LIVE.rglob("*.py")}
    assert over_limit(files) == []


def test_the_size_rule_counts_lines_and_allows_exactly_the_limit():
    files = {"a.py": "x = 1\n" * 400, "b.py": "x = 1\n" * 401, "c.py": "x = 1\n" * 400 + "y = 2"}
    assert over_limit(files) == ["live/b.py: 401 lines", "live/c.py: 401 lines"]
