"""The client's touchscreen: big pads, a visual beat cue, an activity's prompts and pad changes,
touches stamped on the host clock.

Runs in its own process (``python -m live.ui.touch``, started by :mod:`live.ui.link`; never
forked from the engine process, which holds JACK and LLVM threads: DESIGN.md section 8), so
drawing never delays the engine. It talks JSON lines: the engine writes on its stdin, it
writes on its stdout (nothing else goes there: pygame's banner is hidden).

engine -> screen
    ``{"layout": {...}}`` (a :class:`~live.config.screen.ScreenLayout`, at each run),
    ``{"cues": [[cue_index, host_ns, accent], ...]}`` (cues to show: host time the cue sounds),
    ``{"screen": [change, ...]}`` (an activity's prompts, pads lit, pads' labels, colours and
    marks, each from a host time on: :func:`live.ui.screen_state.encode`),
    ``{"quit": true}`` (or end of input).
screen -> engine
    ``{"ready": {"size": [w, h], "display": n, "displays": k, "display_latency_ms": ms}}`` once
    the window is up (``ms``: how early it draws the beat cue),
    ``{"touch": [pad, velocity, host_ns]}`` per touch on a pad,
    ``{"error": "..."}`` before exiting 2 when the screen cannot be opened.

Timing: while it runs, the loop polls SDL's events at ``--poll-hz`` (default 1000 Hz; at
least 500) and stamps each touch with ``time.perf_counter_ns()`` (``CLOCK_MONOTONIC`` on
Linux: the clock the engine's callback rows are stamped on), and redraws at ``--fps``
(software surface, no vsync wait, so a redraw takes the poll loop away for only the time it
takes to draw). The beat cue, and everything an activity changes on the screen, is drawn
``--display-latency-ms`` early, so light and sound reach the client together. Touches: FINGERDOWN (multi-touch: each finger is its own input; velocity
from pressure, 1..127) and left mouse clicks (velocity 100). With ``SDL_MOUSE_TOUCH_EVENTS=1``
SDL also reports each mouse click as a touch; the touch is taken and the click ignored, and a
real finger's synthesized mouse click is always ignored, so nothing counts twice.

Realtime-safe: no (a UI process; nothing here runs on the audio path).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import queue
import signal
import sys
import threading
import time
from dataclasses import dataclass

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pygame  # noqa: E402  (after the banner is hidden)

from live.config.screen import PROMPT_BAND, ScreenLayout, default_layout  # noqa: E402
from live.ui.colours import OKABE_ITO, pad_colour, text_colour  # noqa: E402
from live.ui.screen_state import ScreenTimeline  # noqa: E402

MOUSE_VELOCITY = 100
CUE_FLASH_NS = 100_000_000          # the background stays lit this long after a beat
FEEDBACK_NS = 150_000_000           # a touched pad stays white this long
BACKGROUND = (0, 0, 0)
CUE_COLOUR = (70, 70, 70)
ACCENT_COLOUR = (130, 130, 130)
FEEDBACK_COLOUR = (255, 255, 255)  # a touched pad, and a pad the activity lights
PROMPT_COLOUR = (255, 255, 255)
SDL_MOUSE_TOUCHID = -1              # SDL's touch id of touches synthesized from the mouse
HELD_UP_NS = 20_000_000             # a touch found this long after the poll before: reported at exit


class ScreenError(RuntimeError):
    """The screen cannot be opened as asked (the message says what exists)."""


@dataclass(frozen=True, slots=True)
class Touch:
    """A touch on a pad.

    Parameters
    ----------
    pad : int
        Pad index (the input's ``note``).
    velocity : int
        1..127 (from the finger's pressure; mouse clicks 100).
    host_ns : int
        ``time.perf_counter_ns()`` when the poll that found it ran.
    """

    pad: int
    velocity: int
    host_ns: int


def velocity_from_pressure(pressure: float) -> int:
    """MIDI-like velocity 1..127 from SDL's normalised finger pressure (0..1)."""
    return max(1, min(127, round(127 * float(pressure))))


class TouchScreen:
    """The pygame window with its pads and beat cue.

    Parameters
    ----------
    display : int
        Index of the screen to open on (0 = the first).
    size : (int, int), optional
        A window of this size instead of full screen (testing, a therapist's laptop).
    display_latency_ms : float
        How long the screen takes to show a frame: beat cues are drawn this much early.
    """

    def __init__(self, *, display: int = 0, size: tuple[int, int] | None = None,
                 display_latency_ms: float = 0.0) -> None:
        pygame.display.init()
        pygame.font.init()
        n = pygame.display.get_num_displays()
        if not 0 <= display < n:
            pygame.display.quit()
            raise ScreenError(f"--display {display}: no such screen; this machine has {n} "
                              f"(0..{n - 1})" if n else f"--display {display}: no screen found")
        flags = 0 if size else pygame.FULLSCREEN
        self.surface = pygame.display.set_mode(size or (0, 0), flags, display=display)
        pygame.display.set_caption("live: client screen")
        pygame.mouse.set_visible(bool(size))
        self.display = display
        self.displays = n
        self.size = self.surface.get_size()
        self.display_latency_ns = round(display_latency_ms * 1e6)
        self.mouse_as_touch = os.environ.get("SDL_MOUSE_TOUCH_EVENTS", "") in ("1", "true")
        self.layout = default_layout()
        self.cues: list[tuple[int, int, bool]] = []   # (cue_index, host_ns, accent), by time
        self.lit: dict[int, int] = {}                  # pad -> host_ns of its last touch
        self.timeline = ScreenTimeline()               # the activity's prompts and pad changes
        self._prompt_font: tuple[int, pygame.font.Font] | None = None  # (band height, font)
        self._fonts: dict[int, pygame.font.Font] = {}
        pygame.event.set_allowed(None)
        pygame.event.set_allowed([pygame.FINGERDOWN, pygame.MOUSEBUTTONDOWN, pygame.QUIT])
        self._polled_ns = time.perf_counter_ns()
        self.n_touches = 0
        self.held_up_ns: list[int] = []  # per touch found over HELD_UP_NS after the poll before

    # --- input --------------------------------------------------------------------------------
    def poll(self) -> list[Touch]:
        """Take SDL's pending events; every touch on a pad, stamped now. A touch happened
        between the poll before and now: its stamp is late by at most that interval, which
        :meth:`timing_note` reports when it was over ``HELD_UP_NS`` (the loop held up)."""
        events = pygame.event.get()
        now_ns = time.perf_counter_ns()
        since_ns, self._polled_ns = now_ns - self._polled_ns, now_ns
        touches = []
        for ev in events:
            touch = self.touch_of(ev, now_ns)
            if touch is not None:
                touches.append(touch)
                self.lit[touch.pad] = now_ns
                self.n_touches += 1
                if since_ns > HELD_UP_NS:
                    self.held_up_ns.append(since_ns)
        return touches

    def timing_note(self) -> str | None:
        """One line when touches were found after the loop was held up (a busy machine), else None."""
        if not self.held_up_ns:
            return None
        return (f"{len(self.held_up_ns)} of {self.n_touches} touches were found after this screen's loop was "
                f"held up over {HELD_UP_NS // 1_000_000} ms (longest {max(self.held_up_ns) / 1e6:.0f} ms): "
                "their times may be up to that late")

    def touch_of(self, ev: pygame.event.Event, host_ns: int) -> Touch | None:
        """The pad touch an SDL event is, or None (not a touch, off the pads, or a duplicate)."""
        w, h = self.size
        if ev.type == pygame.FINGERDOWN:
            if ev.touch_id == SDL_MOUSE_TOUCHID and not self.mouse_as_touch:
                return None
            pad = self.layout.pad_at(ev.x, ev.y)
            # a mouse click as a touch (pressure 0): the click's velocity
            velocity = MOUSE_VELOCITY if ev.touch_id == SDL_MOUSE_TOUCHID else velocity_from_pressure(ev.pressure)
        elif ev.type == pygame.MOUSEBUTTONDOWN:
            if ev.button != 1 or getattr(ev, "touch", False) or self.mouse_as_touch:
                return None
            pad = self.layout.pad_at((ev.pos[0] + 0.5) / w, (ev.pos[1] + 0.5) / h)
            velocity = MOUSE_VELOCITY
        else:
            return None
        return None if pad is None else Touch(pad, velocity, host_ns)

    # --- what the engine sends ----------------------------------------------------------------
    def set_layout(self, layout: ScreenLayout) -> None:
        self.layout = layout
        self.lit.clear()
        self.timeline.clear()

    def add_changes(self, changes: list[dict]) -> None:
        """An activity's prompts and pad changes (:func:`live.ui.screen_state.encode`)."""
        self.timeline.add(changes)

    def add_cues(self, cues: list[tuple[int, int, bool]]) -> None:
        self.cues = sorted(self.cues + [(int(b), int(t), bool(a)) for b, t, a in cues], key=lambda c: c[1])

    # --- drawing ------------------------------------------------------------------------------
    def draw(self, now_ns: int) -> None:
        """Draw the frame that will be seen ``display_latency`` from now, and show it."""
        seen_ns = now_ns + self.display_latency_ns
        while len(self.cues) > 1 and self.cues[1][1] <= seen_ns:  # keep only the latest beat shown
            self.cues.pop(0)
        background = BACKGROUND
        if self.cues and self.layout.cue and 0 <= seen_ns - self.cues[0][1] < CUE_FLASH_NS:
            background = ACCENT_COLOUR if self.cues[0][2] else CUE_COLOUR
        self.surface.fill(background)
        w, h = self.size
        state = self.timeline.at(seen_ns)
        for i, pad in enumerate(self.layout.pads):
            rect = pygame.Rect(pad.pixels(w, h))
            touched = self.layout.feedback and now_ns - self.lit.get(i, -FEEDBACK_NS) < FEEDBACK_NS
            own = state.colour(i)
            colour = FEEDBACK_COLOUR if touched or i in state.lit else (
                pad_colour(i) if own is None else OKABE_ITO[own][1])
            radius = min(rect.w, rect.h) // 12
            pygame.draw.rect(self.surface, colour, rect, border_radius=radius)
            ink = text_colour(colour)
            if i in state.marked:  # a ring inside the pad's edge (the tonic)
                ring = max(3, min(rect.w, rect.h) // 16)
                pygame.draw.rect(self.surface, ink, rect.inflate(-ring, -ring), width=ring, border_radius=radius)
            self._draw_marks(rect, state.label(i, pad.label), pad.symbol, ink)
        if state.prompt:
            self._draw_prompt(state.prompt)
        pygame.display.flip()

    def _draw_prompt(self, text: str) -> None:
        """The prompt, centred in the band at the top (the layout's own band with ``prompt``;
        otherwise on a black box over the top of the pads)."""
        w, h = self.size
        band = max(12, round(PROMPT_BAND * h))
        font = self._prompt_font if self._prompt_font and self._prompt_font[0] == band else None
        if font is None:
            font = self._prompt_font = (band, pygame.font.Font(None, band * 7 // 10))
        font = font[1]
        ink = font.render(text, True, PROMPT_COLOUR)
        box = ink.get_rect(center=(w // 2, band // 2))
        if not self.layout.prompt:
            pygame.draw.rect(self.surface, BACKGROUND, box.inflate(band // 3, band // 6))
        self.surface.blit(ink, box)

    def _draw_marks(self, rect: pygame.Rect, label: str, symbol: str, ink: tuple[int, int, int]) -> None:
        side = min(rect.w, rect.h)
        if symbol:
            centre = (rect.centerx, rect.centery - (side // 6 if label else 0))
            _draw_symbol(self.surface, symbol, centre, side // 5, ink)
        if label:
            size = max(12, side // (4 if not symbol else 6))
            font = self._fonts.get(size) or self._fonts.setdefault(size, pygame.font.Font(None, size * 2))
            text = font.render(label, True, ink)
            y = rect.centery + (side // 4 if symbol else 0)
            self.surface.blit(text, text.get_rect(center=(rect.centerx, y)))

    def close(self) -> None:
        pygame.display.quit()


def _draw_symbol(surface: pygame.Surface, name: str, centre: tuple[int, int], r: int,
                 ink: tuple[int, int, int]) -> None:
    x, y = centre
    if name == "circle":
        pygame.draw.circle(surface, ink, centre, r)
    elif name == "square":
        pygame.draw.rect(surface, ink, (x - r, y - r, 2 * r, 2 * r))
    elif name == "triangle":
        pygame.draw.polygon(surface, ink, [(x, y - r), (x + r, y + r), (x - r, y + r)])
    elif name == "diamond":
        pygame.draw.polygon(surface, ink, [(x, y - r), (x + r, y), (x, y + r), (x - r, y)])
    elif name == "star":
        points = [(x + (r if k % 2 == 0 else r * 0.45) * math.sin(k * math.pi / 5),
                   y - (r if k % 2 == 0 else r * 0.45) * math.cos(k * math.pi / 5)) for k in range(10)]
        pygame.draw.polygon(surface, ink, points)
    elif name == "cross":
        t = max(2, r // 3)
        pygame.draw.rect(surface, ink, (x - r, y - t, 2 * r, 2 * t))
        pygame.draw.rect(surface, ink, (x - t, y - r, 2 * t, 2 * r))


# ---------------------------------------------------------------- the process


def _reader(stream, inbox: queue.SimpleQueue) -> None:
    for line in stream:
        line = line.strip()
        if line:
            try:
                inbox.put(json.loads(line))
            except json.JSONDecodeError:
                print(f"live touch: ignored a message that is not JSON: {line[:60]!r}", file=sys.stderr)
    inbox.put({"quit": True})


def serve(screen: TouchScreen, *, fps: float, poll_hz: float, inbox: queue.SimpleQueue, send) -> None:
    """The screen's loop: messages in, touches out at ``poll_hz``, a redraw every ``1/fps`` s."""
    poll_ns, frame_ns = round(1e9 / poll_hz), round(1e9 / fps)
    next_draw = time.perf_counter_ns()
    while True:
        while True:
            try:
                msg = inbox.get_nowait()
            except queue.Empty:
                break
            if msg.get("quit"):
                return
            if "layout" in msg:
                screen.set_layout(ScreenLayout.from_json(msg["layout"]))
            if "cues" in msg:
                screen.add_cues(msg["cues"])
            if "screen" in msg:
                screen.add_changes(msg["screen"])
        for touch in screen.poll():
            send({"touch": [touch.pad, touch.velocity, touch.host_ns]})
        now = time.perf_counter_ns()
        if now >= next_draw:
            screen.draw(now)
            next_draw = max(next_draw + frame_ns, now)
        time.sleep(max(0.0, (poll_ns - (time.perf_counter_ns() - now)) / 1e9))


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: must be WIDTHxHEIGHT in pixels, e.g. 800x600") from None
    if not (100 <= w <= 10000 and 100 <= h <= 10000):
        raise argparse.ArgumentTypeError(f"{text!r}: width and height must be 100..10000 pixels")
    return w, h


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m live.ui.touch", description="The client's touchscreen "
                                 "(started by 'live run'; talks JSON lines on stdin/stdout).")
    ap.add_argument("--display", type=int, default=0, help="screen index (default 0)")
    ap.add_argument("--window", type=_size, metavar="WxH", help="a window of this size instead of full screen")
    ap.add_argument("--display-latency-ms", type=float, default=0.0, help="draw beat cues this much early")
    ap.add_argument("--fps", type=float, default=60.0, help="redraws per second (default 60)")
    ap.add_argument("--poll-hz", type=float, default=1000.0, help="event polls per second (default 1000, >= 500)")
    args = ap.parse_args(argv)
    # Ctrl-C at the therapist's terminal reaches this process too: the engine ends the screen
    # (quit message or end of input) when it has saved the session.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    out = sys.stdout
    lock = threading.Lock()

    def send(msg: dict) -> None:
        with lock:
            out.write(json.dumps(msg) + "\n")
            out.flush()

    if args.poll_hz < 500 or not 1 <= args.fps <= 240:
        send({"error": "--poll-hz must be at least 500 and --fps 1..240"})
        return 2
    try:
        screen = TouchScreen(display=args.display, size=args.window, display_latency_ms=args.display_latency_ms)
    except (ScreenError, pygame.error) as exc:
        send({"error": f"client screen: {exc}"})
        return 2
    inbox: queue.SimpleQueue = queue.SimpleQueue()
    threading.Thread(target=_reader, args=(sys.stdin, inbox), name="touch-inbox", daemon=True).start()
    send({"ready": {"size": list(screen.size), "display": screen.display, "displays": screen.displays,
                    "display_latency_ms": screen.display_latency_ns / 1e6}})
    try:
        serve(screen, fps=args.fps, poll_hz=args.poll_hz, inbox=inbox, send=send)
    except BrokenPipeError:  # the engine went away
        pass
    finally:
        screen.close()
        note = screen.timing_note()
        if note:
            print(f"live touch: {note}", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
