"""The therapist's console: a curses view of the running session on the terminal, and its keys.

It draws on the terminal (``/dev/tty``), never on stdout: with ``live run --json > file`` the
JSON still goes to the file alone. It runs on its own thread; the control loop publishes a
:class:`ConsoleStatus` snapshot (one attribute store) and takes the keys pressed as
:class:`ConsoleCommand` items from a queue, so neither ever waits for the other.

Keys: space start/stop (stop ends the current run, scored on the beats played; start begins
the next activity, or the same one again), Up/Down tempo, n next activity, m mark a moment
(the moment is the key press; type a note, Enter keeps it, Esc drops it), q end the session
and save it. Ctrl-C still ends the session saved (the terminal stays in cbreak mode, so the
signal is delivered).

:func:`console_wanted` says whether there is a terminal to draw on: never for scripts and tests
whose stdin is not a terminal, or whose stdout and stderr both go elsewhere.

Realtime-safe: no.
"""

from __future__ import annotations

import collections
import os
import queue
import sys
import threading
import time
from dataclasses import dataclass, field

from live.activities.types import LiveNumber

try:
    import curses
except ImportError:  # a Python without curses (Windows): no console, the session runs without it
    curses = None


@dataclass(frozen=True, slots=True)
class ConsoleStatus:
    """What the console shows, as of one control step.

    Parameters
    ----------
    session_id, client : str
        The session and the client's code.
    activity : str
        Title of the activity playing (or last played).
    run_number : int
        This run's position in the session (1-based).
    presets_left : int
        Presets still to play after this run (space after a stop starts the next, or this one again).
    state : {"starting", "playing", "stopped", "saving"}
        Whether a run is playing.
    elapsed_s : float
        Time since the session started (s).
    numbers : tuple of LiveNumber
        What the playing activity shows of its run (its ``live_numbers``), one line each.
    devices : tuple of str
        One line per device: audio, MIDI, client screen, microphone.
    """

    session_id: str = ""
    client: str = ""
    activity: str = ""
    run_number: int = 0
    presets_left: int = 0
    state: str = "starting"
    elapsed_s: float = 0.0
    numbers: tuple[LiveNumber, ...] = field(default=())
    devices: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class ConsoleCommand:
    """A key the therapist pressed.

    Parameters
    ----------
    action : {"start_stop", "tempo_up", "tempo_down", "next_activity", "end_turn", "mark", "quit"}
    host_ns : int
        ``time.perf_counter_ns()`` at the key press (for a mark: when ``m`` was pressed).
    text : str
        The note of a mark ("" otherwise).
    """

    action: str
    host_ns: int
    text: str = ""


KEYS_HELP = ("space start/stop   Up/Down tempo   n next activity   t end of turn   m mark a moment   "
             "q end and save   band: c next chord  ]/[ key up/down  d drone  +/- intensity  f fill  s stop")
_KEY_ACTIONS = {" ": "start_stop", "KEY_UP": "tempo_up", "KEY_DOWN": "tempo_down", "n": "next_activity",
                "t": "end_turn", "q": "quit",
                # the improvisation's band (other activities ignore them)
                "c": "next_chord", "]": "key_up", "[": "key_down", "d": "drone", "+": "intensity_up",
                "-": "intensity_down", "f": "fill", "s": "stop"}


def console_wanted() -> bool:
    """True when a person is at a terminal: stdin is one, and stdout or stderr is one too."""
    if curses is None:
        return False
    try:
        return os.isatty(0) and (os.isatty(1) or os.isatty(2)) and os.path.exists("/dev/tty")
    except OSError:
        return False


class Console:
    """The curses view on ``/dev/tty``, on its own thread. Use :meth:`start` and :meth:`close`."""

    def __init__(self, *, refresh_s: float = 0.1, tty: str = "/dev/tty") -> None:
        self.status = ConsoleStatus()
        self.commands: queue.SimpleQueue[ConsoleCommand] = queue.SimpleQueue()
        self.messages: collections.deque[str] = collections.deque(maxlen=200)
        self._refresh_s = refresh_s
        self._tty = tty
        self._stop = threading.Event()
        self._started = threading.Event()
        self._thread: threading.Thread | None = None
        self._saved_fds: tuple[int, int] | None = None
        self.error: BaseException | None = None

    # --- the control loop's side --------------------------------------------------------------
    def publish(self, status: ConsoleStatus) -> None:
        self.status = status

    def log(self, line: str) -> None:
        self.messages.append(f"{time.strftime('%H:%M:%S')} {line}")

    def take(self) -> list[ConsoleCommand]:
        out = []
        while True:
            try:
                out.append(self.commands.get_nowait())
            except queue.Empty:
                return out

    def start(self) -> None:
        """Point stdout's descriptor at the terminal while curses runs (curses writes to fd 1),
        and start drawing."""
        tty = os.open(self._tty, os.O_RDWR)
        self._saved_fds = (os.dup(1), os.dup(0))
        sys.stdout.flush()
        os.dup2(tty, 1)
        os.dup2(tty, 0)
        os.close(tty)
        self._thread = threading.Thread(target=self._run, name="live-console", daemon=True)
        self._thread.start()
        self._started.wait(5)

    def close(self) -> None:
        """Stop drawing, give the terminal back and restore stdout."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._saved_fds is not None:
            out, inp = self._saved_fds
            os.dup2(out, 1)
            os.dup2(inp, 0)
            os.close(out)
            os.close(inp)
            self._saved_fds = None

    # --- the console thread -------------------------------------------------------------------
    def _run(self) -> None:
        try:
            curses.wrapper(self._loop)
        except BaseException as exc:  # reported by the session, which goes on without a console
            self.error = exc
            self._started.set()

    def _loop(self, scr: "curses.window") -> None:
        curses.curs_set(0)
        scr.keypad(True)
        scr.timeout(round(self._refresh_s * 1000))
        self._started.set()
        note: list[str] | None = None  # the note being typed after m
        note_ns = 0
        while not self._stop.is_set():
            self._draw(scr, note)
            try:
                key = scr.get_wch()  # a str for a character, an int for a special key
            except curses.error:      # nothing pressed within the refresh time
                continue
            now = time.perf_counter_ns()
            if note is not None:
                if key in ("\n", "\r", curses.KEY_ENTER):
                    text = "".join(note).strip()
                    self.commands.put(ConsoleCommand("mark", note_ns, text or "(marked moment)"))
                    note = None
                elif key == "\x1b":
                    note = None
                elif key in (curses.KEY_BACKSPACE, "\x7f", "\b"):
                    note = note[:-1]
                elif isinstance(key, str) and key.isprintable():
                    note.append(key)
            elif key == "m":
                note, note_ns = [], now
            else:
                name = curses.keyname(key).decode() if isinstance(key, int) else key
                if name in _KEY_ACTIONS:
                    self.commands.put(ConsoleCommand(_KEY_ACTIONS[name], now))

    def _draw(self, scr: "curses.window", note: list[str] | None) -> None:
        s = self.status
        scr.erase()
        h, w = scr.getmaxyx()
        lines = [
            (f"live  session {s.session_id or '-'}  client {s.client or '-'}  elapsed {_clock(s.elapsed_s)}", curses.A_BOLD),
            (f"Activity  {s.activity or '-'}  (run {s.run_number}; {s.presets_left} more planned)  [{s.state}]", 0),
            *((number_line(n), 0) for n in s.numbers),
            ("Devices", curses.A_BOLD),
            *((f"  {d}", 0) for d in s.devices),
            (f"Keys  {KEYS_HELP}", curses.A_REVERSE),
            ("", 0),
        ]
        y = 0
        for text, attr in lines:
            if y >= h - 1:
                break
            scr.addnstr(y, 0, text, w - 1, attr)
            y += 1
        for line in list(self.messages)[-(h - y - 2):] if h - y - 2 > 0 else []:
            scr.addnstr(y, 0, line, w - 1)
            y += 1
        if note is not None:
            scr.addnstr(h - 1, 0, f"Note for the marked moment (Enter keeps, Esc drops): {''.join(note)}", w - 1,
                        curses.A_BOLD)
        scr.refresh()


def number_line(number: LiveNumber) -> str:
    """One of the activity's live numbers as the console shows it: ``Tempo  120.0 BPM``."""
    return f"{number.label}  {number.text()}"


def _clock(seconds: float) -> str:
    m, s = divmod(int(seconds), 60)
    return f"{m:02d}:{s:02d}"
