"""Reading a TOML file a person wrote, with one line for whatever makes it unreadable.

:func:`read_toml` is the one way presets and controller mappings are read: a file that cannot
be read (missing, a folder, no permission), is not UTF-8 text (a binary file, e.g. a MIDI or
WAV file given by mistake), is not valid TOML, or holds nothing, gives one line
``FILE: what is wrong: what is wanted`` and no document. Realtime-safe: no (file I/O).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

__all__ = ["read_toml", "syntax_error"]


def read_toml(path: Path, *, needs: str) -> tuple[dict[str, Any] | None, str | None]:
    """Parse ``path``: (the document, None), or (None, one problem line).

    Parameters
    ----------
    path : Path
        The file (UTF-8; a byte-order mark is accepted, as some editors write one).
    needs : str
        What the file must hold, said when it is empty, e.g. ``"a preset needs schema,
        activity, title, goal and [params]"``.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        return None, f"{path}: cannot read the file: {exc.strerror or exc}"
    except UnicodeDecodeError as exc:
        return None, f"{path}: not UTF-8 text (byte {exc.start}): save the file as UTF-8"
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return None, f"{path}: {syntax_error(exc, text)}"
    if not doc:
        return None, f"{path}: {'empty file' if not text.strip() else 'no keys, only comments'}: {needs}"
    return doc, None


_POSITION = re.compile(r"^(.*) \(at (?:line (\d+), column (\d+)|end of document)\)$", re.S)


def syntax_error(exc: tomllib.TOMLDecodeError, text: str) -> str:
    """``line L, column C: message`` from tomllib's error (Python 3.11 gives it only in text)."""
    m = _POSITION.match(str(exc))
    if not m:
        return f"not valid TOML: {exc}"
    message, line, column = m.groups()
    if line is None:  # "at end of document": the position just after the last character
        line = text.count("\n") + 1
        column = len(text) - text.rfind("\n")
    return f"line {line}, column {column}: {message}"
