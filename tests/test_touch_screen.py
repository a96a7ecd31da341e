"""The client screen on SDL's dummy video driver: posted touches and clicks reach the engine as
inputs on the right pads with host-time stamps; layouts put pads where the preset says; the beat
cue is drawn early by the display latency."""

import queue
import threading
import time

import numpy as np
import pygame
import pytest

from live.engine.clock import HostClock
from live.presets import load_preset
from live.run.sources.touch import touch_input
from live.config.screen import ScreenLayout, grid_pads
from live.ui.colours import pad_colour
from live.ui.touch import ACCENT_COLOUR, CUE_COLOUR, FEEDBACK_COLOUR, SDL_MOUSE_TOUCHID, Touch, TouchScreen, serve

SR = 48000


@pytest.fixture
def screen(monkeypatch):
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    monkeypatch.setenv("SDL_AUDIODRIVER", "dummy")
    monkeypatch.delenv("SDL_MOUSE_TOUCH_EVENTS", raising=False)
    s = TouchScreen(size=(800, 600))
    yield s
    s.close()


def finger(x, y, *, finger_id=0, pressure=1.0, touch_id=7):
    return pygame.event.Event(pygame.FINGERDOWN, touch_id=touch_id, finger_id=finger_id, x=x, y=y, dx=0.0, dy=0.0,
                              pressure=pressure)


def click(x, y, *, touch=False):
    return pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(x, y), button=1, touch=touch)


def host_clock(t0_ns):
    """A host clock fitted to exact callback rows: 64-frame blocks at 48 kHz from host time t0."""
    clock = HostClock()
    frames = np.arange(0, 48000 * 2, 64, dtype=np.int64)
    clock.update(np.column_stack([frames, t0_ns + frames * 10**9 // SR]))
    return clock


def test_posted_touches_reach_the_engine_on_the_right_pads_with_their_host_times(screen):
    screen.set_layout(ScreenLayout("grid", grid_pads(4)))  # 2 x 2
    t0 = time.perf_counter_ns()
    clock = host_clock(t0 - 10**9)
    sent, inbox = [], queue.SimpleQueue()
    posts = []

    def post_later():
        for ev in [[finger(0.2, 0.2, pressure=0.5)], [finger(0.8, 0.8, finger_id=1), finger(0.2, 0.8, finger_id=2)],
                   [click(600, 150)]]:
            time.sleep(0.05)
            posts.append(time.perf_counter_ns())
            for e in ev:  # two fingers down in the same instant: posted together
                pygame.event.post(e)
        time.sleep(0.05)
        inbox.put({"quit": True})

    poster = threading.Thread(target=post_later)
    poster.start()
    serve(screen, fps=60, poll_hz=1000, inbox=inbox, send=sent.append)
    poster.join()
    touches = [m["touch"] for m in sent if "touch" in m]
    assert [(pad, vel) for pad, vel, _ in touches] == [(0, 64), (3, 127), (2, 127), (1, 100)]
    stamps = [ns for _, _, ns in touches]
    expected_posts = [posts[0], posts[1], posts[1], posts[2]]
    errors_ms = [(s - p) / 1e6 for s, p in zip(stamps, expected_posts)]
    assert all(0 <= e < 8 for e in errors_ms), errors_ms  # polled at 1 kHz, a redraw takes < 1 ms here
    assert stamps[1] == stamps[2]  # two fingers, two inputs, one poll
    inputs = [touch_input(pad, vel, ns, clock, latency_frames=48, client="T1") for pad, vel, ns in touches]
    assert [(ev.source, ev.note, ev.velocity) for ev in inputs] == [("touch", 0, 64), ("touch", 3, 127),
                                                                     ("touch", 2, 127), ("touch", 1, 100)]
    for ev, ns in zip(inputs, stamps):  # host time -> engine frame, minus the touch latency
        assert ev.frame == round((ns - (t0 - 10**9)) * SR / 1e9) - 48


def test_a_free_layout_puts_pads_where_the_preset_says(screen, tmp_path):
    path = tmp_path / "reach.toml"
    path.write_text('schema = 1\nactivity = "entrainment"\ntitle = "Reach"\ngoal = "Range"\n[params]\n'
                    'tempo_bpm = 60\nbeats = 8\n[screen]\nlayout = "free"\n'
                    '[[screen.pad]]\nx = 0.0\ny = 0.4\nw = 0.15\nh = 0.2\nlabel = "L"\n'
                    '[[screen.pad]]\nx = 0.85\ny = 0.0\nw = 0.15\nh = 0.25\nsymbol = "star"\n'
                    '[[screen.pad]]\nx = 0.4\ny = 0.75\nw = 0.2\nh = 0.25\n')
    layout = load_preset(path).screen
    screen.set_layout(layout)
    screen.draw(time.perf_counter_ns())
    surface = screen.surface
    # pixel rectangles: (0, 240, 120, 120), (680, 0, 120, 150), (320, 450, 160, 150) on 800 x 600
    for i, (left, top, w, h) in enumerate([(0, 240, 120, 120), (680, 0, 120, 150), (320, 450, 160, 150)]):
        assert layout.pads[i].pixels(800, 600) == (left, top, w, h)
        assert surface.get_at((left + 3, top + h // 2))[:3] == pad_colour(i)  # inside, clear of the corners
        assert surface.get_at((left + w // 2, top + h - 3))[:3] == pad_colour(i)
    for x, y in [(400, 300), (130, 300), (670, 75), (400, 440)]:  # around them: background
        assert surface.get_at((x, y))[:3] == (0, 0, 0)
    pygame.image.save(surface, str(tmp_path / "reach.png"))
    assert (tmp_path / "reach.png").stat().st_size > 1000
    now = time.perf_counter_ns()
    hits = [screen.touch_of(click(x, y), now) for x, y in [(5, 300), (790, 10), (400, 590), (400, 300)]]
    assert [h and h.pad for h in hits] == [0, 1, 2, None]


def test_the_beat_cue_is_drawn_early_by_the_display_latency(monkeypatch):
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    s = TouchScreen(size=(400, 300), display_latency_ms=40)
    try:
        s.set_layout(ScreenLayout("grid", grid_pads(1)))
        beat = time.perf_counter_ns() + 10**9
        s.add_cues([(0, beat, True), (1, beat + 500_000_000, False)])
        corner = (2, 2)
        s.draw(beat - 41_000_000)
        assert s.surface.get_at(corner)[:3] == (0, 0, 0)
        s.draw(beat - 39_000_000)  # seen 40 ms later: on the beat
        assert s.surface.get_at(corner)[:3] == ACCENT_COLOUR
        s.draw(beat + 500_000_000 - 39_000_000)
        assert s.surface.get_at(corner)[:3] == CUE_COLOUR
        # hit feedback: a touched pad turns white, unless the preset turns feedback off
        s.lit[0] = time.perf_counter_ns()
        s.draw(time.perf_counter_ns())
        assert s.surface.get_at((200, 150))[:3] == FEEDBACK_COLOUR
        s.set_layout(ScreenLayout("grid", grid_pads(1), feedback=False))
        s.lit[0] = time.perf_counter_ns()
        s.draw(time.perf_counter_ns())
        assert s.surface.get_at((200, 150))[:3] == pad_colour(0)
    finally:
        s.close()


def test_each_tap_counts_once_whether_sdl_reports_it_as_a_touch_a_click_or_both(monkeypatch, screen):
    now = time.perf_counter_ns()
    # Mouse clicks are clicks; a real finger's synthesized click and a mouse's synthesized touch are dropped.
    assert screen.touch_of(click(100, 100), now).pad == 0
    assert screen.touch_of(click(100, 100, touch=True), now) is None
    assert screen.touch_of(finger(0.5, 0.5, touch_id=SDL_MOUSE_TOUCHID), now) is None
    assert screen.touch_of(finger(0.5, 0.5), now).pad == 0
    # With SDL_MOUSE_TOUCH_EVENTS=1 each mouse click also arrives as a touch: the touch counts.
    screen.mouse_as_touch = True
    assert screen.touch_of(click(100, 100), now) is None
    assert screen.touch_of(finger(0.5, 0.5, touch_id=SDL_MOUSE_TOUCHID, pressure=0.0), now) == Touch(0, 100, now)
    assert screen.touch_of(finger(0.01, 0.01), now) is None  # the margin: no pad


def test_a_touch_found_after_the_loop_was_held_up_is_reported_with_how_long(screen):
    screen.poll()
    pygame.event.post(finger(0.25, 0.5))
    assert len(screen.poll()) == 1  # found at once (unless this machine held the test up too)
    time.sleep(0.035)  # the loop held up 35 ms (a busy machine), a touch waiting meanwhile
    pygame.event.post(finger(0.75, 0.5))
    assert len(screen.poll()) == 1
    assert len(screen.poll()) == 0  # polls without touches add nothing
    note = screen.timing_note()
    assert note.split(" (longest ")[0] in (
        f"{n} of 2 touches were found after this screen's loop was held up over 20 ms" for n in (1, 2)), note
    longest_ms = float(note.split("(longest ")[1].split(" ms")[0])
    assert 35 <= longest_ms < 1000 and note.endswith("ms): their times may be up to that late"), note


def test_the_screen_process_starts_and_refuses_a_screen_that_is_not_there(monkeypatch):
    from live.ui.link import ScreenUnavailable, TouchLink

    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    link = TouchLink(window=(640, 480))
    try:
        assert link.ready_info == {"size": [640, 480], "display": 0, "displays": 1, "display_latency_ms": 0.0}
        link.set_layout(ScreenLayout("grid", grid_pads(2)))
        link.send_cues([(0, time.perf_counter_ns(), True)])
        assert link.alive
    finally:
        link.close()
    assert link.proc.returncode == 0
    with pytest.raises(ScreenUnavailable, match=r"--display 2: no such screen; this machine has 1 \(0..0\)"):
        TouchLink(display=2)


def test_screenshots_render_every_layout_to_the_folder_given(tmp_path):
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "live.run.screenshots", str(tmp_path / "shots")], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    names = sorted(p.name for p in (tmp_path / "shots").iterdir())
    from live.ui.screenshots import shipped_screens

    assert names == sorted(f"screen-{name}.png" for name, _ in shipped_screens()[0])  # every [screen] and the default
    assert {"screen-default-one-pad.png", "screen-drum-circle-six-100.png", "screen-reach-to-the-edges-80.png",
            *(f"screen-{n}.png" for n in IMPROVISATION)} <= set(names)
    assert sorted(proc.stdout.split()) == [str(tmp_path / "shots" / n) for n in names]
    image = pygame.image.load(str(tmp_path / "shots" / "screen-reach-to-the-edges-80.png"))
    assert image.get_size() == (1024, 768)
    assert image.get_at((10, 384))[:3] == pad_colour(0) and image.get_at((512, 100))[:3] == (0, 0, 0)
    # an improvisation's pads as its run starts: a colour per scale degree (C major pentatonic:
    # C D E G A C D E), the same colour an octave up, the tonics ringed
    pop = pygame.image.load(str(tmp_path / "shots" / "screen-engagement-pop-major.png"))
    top = [pop.get_at((140 + 245 * i, 120))[:3] for i in range(4)]
    bottom = [pop.get_at((140 + 245 * i, 480))[:3] for i in range(4)]
    assert top == [pad_colour(d) for d in (0, 1, 2, 3)] and bottom == [pad_colour(d) for d in (4, 0, 1, 2)]
    ring = pop.get_at((52, 200))[:3]
    assert ring == (0, 0, 0) != pop.get_at((52 + 245 * 1, 200))[:3]  # the tonic's ring, no ring on D4


IMPROVISATION = ["emotional-expression-ballad", "engagement-pop-major", "impulse-control-drone", "relaxation-ambient",
                 "therapist-led-chords", "turn-taking", "twelve-bar-blues"]
