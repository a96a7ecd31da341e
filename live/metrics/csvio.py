"""Reading event times from CSV files (a header row with a ``time_s`` column).

Realtime-safe: no (file I/O).
"""

from __future__ import annotations

import csv
import math
import os

import numpy as np

__all__ = ["TIME_COLUMN", "read_times_csv"]

#: The column that holds the event times, in seconds.
TIME_COLUMN = "time_s"

_ALLOWED = "allowed: finite seconds, non-decreasing"
_WANTED = f"give a CSV file with a column {TIME_COLUMN}"


def read_times_csv(path: str | os.PathLike[str]) -> np.ndarray:
    """Read the ``time_s`` column of a CSV file as seconds.

    The first row is the header; column names are compared after stripping spaces, other
    columns are ignored, blank lines are skipped. A file with only a header holds zero
    times.

    Parameters
    ----------
    path : str or os.PathLike
        The CSV file (UTF-8, an optional byte-order mark is accepted).

    Returns
    -------
    numpy.ndarray
        The times in seconds, float64, shape ``(n,)``, finite and non-decreasing.

    Raises
    ------
    FileNotFoundError
        If the file does not exist (or a folder on its path is a file).
    OSError
        If it cannot be read (a folder, no permission, a name too long).
    ValueError
        If it is not UTF-8 text, has no header with a ``time_s`` column (the message lists the
        columns found), or a row's ``time_s`` is missing, not a number, NaN or infinite, or
        less than the previous row's. Every message is one line naming the file and the line
        number, e.g. ``taps.csv: line 5: time_s 1.2 is less than 1.5 on line 4 (allowed:
        finite seconds, non-decreasing)``.
    """
    name = os.fspath(path)
    try:
        with open(name, newline="", encoding="utf-8-sig") as f:
            return _parse(name, f)
    except (FileNotFoundError, NotADirectoryError):
        raise FileNotFoundError(f"{name}: no such file ({_WANTED})") from None
    except IsADirectoryError:
        raise IsADirectoryError(f"{name}: is a folder ({_WANTED})") from None
    except PermissionError:
        raise PermissionError(f"{name}: permission denied (the file must be readable)") from None
    except OSError as exc:  # a name too long, a loop of links, a read error
        raise OSError(f"{name}: cannot read the file: {exc.strerror or exc} ({_WANTED})") from None
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"{name}: byte {exc.start} is not UTF-8 text (allowed: a UTF-8 CSV file)"
        ) from None
    except csv.Error as exc:
        raise ValueError(f"{name}: not a readable CSV file ({exc})") from None


def _parse(name: str, f) -> np.ndarray:
    reader = csv.reader(f)
    header = next(reader, None)
    while header is not None and not any(c.strip() for c in header):
        header = next(reader, None)  # leading blank lines
    if header is None:
        raise ValueError(
            f"{name}: empty file (allowed: a header row with a column {TIME_COLUMN}, "
            "then one row per time)"
        )
    columns = [c.strip() for c in header]
    if TIME_COLUMN not in columns:
        found = ", ".join(repr(c) for c in columns)
        raise ValueError(
            f"{name}: line {reader.line_num}: no column {TIME_COLUMN!r} in the header "
            f"(found: {found}; allowed: a header with a column {TIME_COLUMN})"
        )
    col = columns.index(TIME_COLUMN)
    times: list[float] = []
    prev_line = 0
    for row in reader:
        line = reader.line_num
        if not any(c.strip() for c in row):
            continue
        if col >= len(row):
            raise ValueError(
                f"{name}: line {line}: no {TIME_COLUMN} value, the row has {len(row)} "
                f"columns ({_ALLOWED})"
            )
        text = row[col].strip()
        try:
            value = float(text)
        except ValueError:
            raise ValueError(
                f"{name}: line {line}: {TIME_COLUMN} {text!r} is not a number ({_ALLOWED})"
            ) from None
        if not math.isfinite(value):
            raise ValueError(
                f"{name}: line {line}: {TIME_COLUMN} {text!r} is not finite ({_ALLOWED})"
            )
        if times and value < times[-1]:
            raise ValueError(
                f"{name}: line {line}: {TIME_COLUMN} {text} is less than {times[-1]!r} on line "
                f"{prev_line} ({_ALLOWED})"
            )
        times.append(value)
        prev_line = line
    return np.array(times, dtype=np.float64)
