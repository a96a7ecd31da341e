"""Reading the notes of a Standard MIDI File (``live metrics echo``; any command given a .mid).

A note starts at a note-on with velocity > 0 and ends at the matching note-off (a note-off, or
a note-on with velocity 0, of the same channel and note; several open notes of one key end
first in, first out). A note still open at the end of the file ends there. Times are seconds
from the file's start, through the file's tempo changes (mido merges the tracks of a type 0 or
1 file and converts ticks to seconds).

Realtime-safe: no (file I/O).
"""

from __future__ import annotations

import io
import os
from collections import deque
from dataclasses import dataclass

__all__ = ["MidiNote", "read_midi_notes"]

_WANTED = "give a Standard MIDI File (.mid) of type 0 or 1"


@dataclass(frozen=True, slots=True)
class MidiNote:
    """One note of a MIDI file.

    Attributes
    ----------
    onset_s : float
        Its note-on, seconds from the file's start.
    note : int
        MIDI note number, 0..127.
    velocity : int
        Note-on velocity, 1..127.
    channel : int
        MIDI channel as the file holds it, 0..15 (a person reads 1..16).
    duration_s : float
        Note-on to its note-off (or the file's end), seconds, >= 0.
    """

    onset_s: float
    note: int
    velocity: int
    channel: int
    duration_s: float


def read_midi_notes(path: str | os.PathLike[str]) -> tuple[list[MidiNote], float]:
    """The notes of a Standard MIDI File, in onset order, and the file's length.

    Parameters
    ----------
    path : str or os.PathLike
        A Standard MIDI File of type 0 or 1.

    Returns
    -------
    notes : list of MidiNote
        Sorted by onset (ties in file order).
    length_s : float
        The file's length in seconds (mido's ``MidiFile.length``: its last event).

    Raises
    ------
    FileNotFoundError
        No such file.
    OSError
        It cannot be read (a folder, no permission).
    ValueError
        It is not a Standard MIDI File mido can read, or is of type 2 (tracks that are not one
        time line). Every message is one line starting with the file's name.
    """
    import mido  # only when a file is read: 'live --help' stays fast

    name = os.fspath(path)
    try:
        with open(name, "rb") as f:
            data = f.read()
    except (FileNotFoundError, NotADirectoryError):
        raise FileNotFoundError(f"{name}: no such file ({_WANTED})") from None
    except IsADirectoryError:
        raise IsADirectoryError(f"{name}: is a folder ({_WANTED})") from None
    except OSError as exc:
        raise OSError(f"{name}: cannot read the file: {exc.strerror or exc}") from None
    if not data.startswith(b"MThd"):
        raise ValueError(f"{name}: not a Standard MIDI File (it does not start with MThd; {_WANTED})")
    try:
        mid = mido.MidiFile(file=io.BytesIO(data))
        if mid.type == 2:
            raise ValueError(f"{name}: a type 2 MIDI file (independent tracks) has no single time line ({_WANTED})")
        events = list(mid)  # merged tracks, each message's time = seconds since the one before
    except ValueError as exc:
        if str(exc).startswith(name):
            raise
        raise ValueError(f"{name}: not a readable MIDI file: {exc} ({_WANTED})") from None
    except Exception as exc:  # a broken file: mido raises EOFError, OSError, KeyError, IndexError...
        raise ValueError(f"{name}: not a readable MIDI file: {type(exc).__name__}: {exc} ({_WANTED})") from None
    now_s = 0.0
    started: list[list] = []  # [onset_s, note, velocity, channel, end_s or None]
    open_notes: dict[tuple[int, int], deque] = {}
    for msg in events:
        now_s += msg.time
        if msg.type == "note_on" and msg.velocity > 0:
            row = [now_s, msg.note, msg.velocity, msg.channel, None]
            started.append(row)
            open_notes.setdefault((msg.channel, msg.note), deque()).append(row)
        elif msg.type in ("note_off", "note_on"):
            waiting = open_notes.get((msg.channel, msg.note))
            if waiting:
                waiting.popleft()[4] = now_s
    notes = [MidiNote(float(on), int(n), int(v), int(ch), float((now_s if end is None else end) - on))
             for on, n, v, ch, end in started]
    notes.sort(key=lambda m: m.onset_s)
    return notes, float(now_s)

