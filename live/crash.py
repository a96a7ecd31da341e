"""Crash reports: what an unexpected internal error leaves for the person who reports it.

``live`` never shows a Python traceback: when a command fails in a way nobody foresaw, the
full traceback goes to a file readable by its owner only (0600), and the command prints one
line saying what failed and where the report is. Realtime-safe: no.
"""

from __future__ import annotations

import os
import platform
import sys
import tempfile
import traceback
from datetime import datetime
from pathlib import Path
from typing import Sequence

__all__ = ["crash_dir", "write_crash_report"]


def crash_dir() -> Path:
    """Where crash reports go: the user's state folder, ``$XDG_STATE_HOME/live`` (default
    ``~/.local/state/live``)."""
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(base) / "live"


def write_crash_report(argv: Sequence[str], exc: BaseException) -> Path:
    """Write ``exc``'s traceback, the command line and the versions to a new file and return its path.

    The file is ``crash-YYYYmmdd-HHMMSS.txt`` (``-2``, ``-3``, ... when that name is taken) in
    :func:`crash_dir`, made 0600 in a 0700 folder; when that folder cannot be written, in the
    system's temporary folder instead.
    """
    from live import __version__

    text = "".join([
        f"live {__version__} crashed at {datetime.now().astimezone().isoformat(timespec='seconds')}\n",
        f"command: live {' '.join(argv)}\n",
        f"python:  {sys.version.split()[0]} ({sys.executable})\n",
        f"system:  {platform.platform()}\n\n",
        *traceback.format_exception(exc),
    ])
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    for folder in (crash_dir(), Path(tempfile.gettempdir())):
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            return _write_new(folder, f"crash-{stamp}", text)
        except OSError:
            continue
    raise OSError("no folder to write a crash report in")


def _write_new(folder: Path, stem: str, text: str) -> Path:
    """``text`` in a new file ``folder/stem[-N].txt`` created 0600 (never over another report)."""
    for n in range(1, 1000):
        path = folder / (f"{stem}.txt" if n == 1 else f"{stem}-{n}.txt")
        from live.engine.files import open_private

        try:
            f = open_private(path, exclusive=True)
        except FileExistsError:
            continue
        with f:
            f.write(text.encode("utf-8", errors="backslashreplace"))
        return path
    raise FileExistsError(f"{folder / stem}: too many crash reports this second")
