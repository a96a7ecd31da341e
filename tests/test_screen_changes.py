"""What an activity has the client's screen show besides the beat (the screen seam of issues 12
and 13): a prompt, pads lit, the pads' labels, colours and a marked pad, each from its frame on,
drawn early by the display latency. The timeline on its own; the pixels of frames rendered on
SDL's dummy video driver; the messages through the screen's own loop; and the screen edge of
``live run``, which maps frames to host times and keeps changes until the host clock is known."""

from __future__ import annotations

import queue
import time

import pygame
import pytest

from live.config.screen import PROMPT_BAND, ScreenLayout, grid_pads, parse_screen
from live.engine.events import Cue, PadLight, PadLook, ScreenPrompt
from live.run.sources.touch import TouchScreen as TouchEdge
from live.ui.colours import OKABE_ITO, pad_colour, text_colour
from live.ui.screen_state import ScreenState, ScreenTimeline, encode
from live.ui.touch import BACKGROUND, FEEDBACK_COLOUR, PROMPT_COLOUR, TouchScreen, serve

MS = 1_000_000  # ns


# ---------------------------------------------------------------- the events and the timeline


def test_the_events_refuse_what_a_screen_cannot_show():
    with pytest.raises(ValueError, match="must be at most 40 printable characters"):
        ScreenPrompt(0, "x" * 41)
    with pytest.raises(ValueError, match="must be at most 40 printable characters"):
        ScreenPrompt(0, "two\nlines")
    with pytest.raises(ValueError, match="end_frame 10: must be after frame 10"):
        PadLight(10, 10, (0,))
    with pytest.raises(ValueError, match=r"colour 7: must be a palette index 0..6 or None"):
        PadLook(0, colours=(7,))
    with pytest.raises(ValueError, match="label 'thirteen char': must be at most 12"):
        PadLook(0, labels=("thirteen char",))
    with pytest.raises(ValueError, match="must be pad indices >= 0"):
        PadLook(0, marked=(-1,))


def test_encode_maps_frames_to_host_times():
    at = {48000: 5_000 * MS, 52800: 5_100 * MS}.__getitem__
    assert encode(ScreenPrompt(48000, "listen"), at) == {"at_ns": 5_000 * MS, "prompt": "listen"}
    assert encode(PadLight(48000, 52800, (1, 3)), at) == {"at_ns": 5_000 * MS, "until_ns": 5_100 * MS, "lit": [1, 3]}
    assert encode(PadLook(52800, labels=("C4", None), colours=(0, 2), marked=(0,)), at) == {
        "at_ns": 5_100 * MS, "look": {"labels": ["C4", None], "colours": [0, 2], "marked": [0]}}
    with pytest.raises(TypeError):
        encode(Cue(0, 48000, True), at)


def test_the_timeline_shows_each_change_from_its_time_and_the_latest_wins():
    t = ScreenTimeline()
    t.add([{"at_ns": 300, "prompt": "your turn"}, {"at_ns": 100, "prompt": "listen"},
           {"at_ns": 150, "until_ns": 250, "lit": [2]}, {"at_ns": 200, "until_ns": 260, "lit": [0, 2]},
           {"at_ns": 120, "look": {"labels": ["C", "D"], "colours": [0, None], "marked": [0]}},
           {"at_ns": 400, "look": {"labels": [None, "E"], "colours": [], "marked": []}}])
    assert t.at(99) == ScreenState()
    assert t.at(100) == ScreenState(prompt="listen")
    s = t.at(150)
    assert s.lit == {2} and s.label(0, "own") == "C" and s.label(5, "own") == "own" and s.colour(0) == 0
    assert s.colour(1) is None and s.marked == {0}
    assert t.at(200).lit == {0, 2} and t.at(250).lit == {0, 2} and t.at(260).lit == set()
    assert t.at(300).prompt == "your turn"
    s = t.at(400)
    assert s.label(0, "own") == "own" and s.label(1, "own") == "E" and s.marked == set()
    # Two prompts for the same moment: the one sent later wins; "" clears it.
    t.add([{"at_ns": 500, "prompt": "wait"}, {"at_ns": 500, "prompt": "now"}, {"at_ns": 600, "prompt": ""}])
    assert t.at(550).prompt == "now" and t.at(600).prompt == ""
    t.clear()
    assert t.at(10**12) == ScreenState()


# ---------------------------------------------------------------- the screen's pixels


@pytest.fixture
def screen(monkeypatch):
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    monkeypatch.setenv("SDL_AUDIODRIVER", "dummy")
    s = TouchScreen(size=(800, 600), display_latency_ms=40)
    yield s
    s.close()


def prompt_pixels(surface, band_px: int) -> int:
    """Pixels in the top band drawn in the prompt's colour."""
    w = surface.get_width()
    return sum(surface.get_at((x, y))[:3] == PROMPT_COLOUR for x in range(0, w, 2) for y in range(0, band_px, 2))


def test_a_prompt_is_drawn_in_its_band_from_its_moment_the_display_latency_early(screen):
    layout, problems = parse_screen({"pads": 4, "prompt": True})
    assert problems == [] and layout.prompt and all(p.y >= PROMPT_BAND for p in layout.pads)
    screen.set_layout(layout)
    t = time.perf_counter_ns() + 10**9
    screen.add_changes([{"at_ns": t, "prompt": "listen"}, {"at_ns": t + 500 * MS, "prompt": "your turn"},
                        {"at_ns": t + 900 * MS, "prompt": ""}])
    band = round(PROMPT_BAND * 600)
    screen.draw(t - 41 * MS)  # seen 40 ms later: 1 ms before the prompt
    assert prompt_pixels(screen.surface, band) == 0
    screen.draw(t - 39 * MS)
    listen = prompt_pixels(screen.surface, band)
    assert listen > 50
    screen.draw(t + 500 * MS - 39 * MS)
    your_turn = prompt_pixels(screen.surface, band)
    assert your_turn > listen  # a longer text
    # The pads stay where the layout put them, below the band, in their own colours.
    left, top, w, h = layout.pads[0].pixels(800, 600)
    assert top >= band and screen.surface.get_at((left + 5, top + h // 2))[:3] == pad_colour(0)
    screen.draw(t + 900 * MS - 39 * MS)
    assert prompt_pixels(screen.surface, band) == 0


def test_a_prompt_without_a_band_is_drawn_over_the_top_of_the_pads(screen):
    screen.set_layout(ScreenLayout("grid", grid_pads(1)))
    t = time.perf_counter_ns()
    screen.add_changes([{"at_ns": t, "prompt": "listen"}])
    screen.draw(t)
    assert prompt_pixels(screen.surface, round(PROMPT_BAND * 600)) > 50
    assert screen.surface.get_at((400, 400))[:3] == pad_colour(0)


def test_pads_lit_by_the_activity_light_from_their_frame_until_their_end(screen):
    layout = ScreenLayout("grid", grid_pads(4))
    screen.set_layout(layout)
    t = time.perf_counter_ns() + 10**9
    screen.add_changes([{"at_ns": t, "until_ns": t + 200 * MS, "lit": [1]},
                        {"at_ns": t + 100 * MS, "until_ns": t + 300 * MS, "lit": [2, 9]}])  # pad 9: not on this screen

    def colours(now):
        screen.draw(now)
        return [screen.surface.get_at((p.pixels(800, 600)[0] + 8, p.pixels(800, 600)[1] + 40))[:3]
                for p in layout.pads]

    own = [pad_colour(i) for i in range(4)]
    assert colours(t - 41 * MS) == own
    assert colours(t - 39 * MS) == [own[0], FEEDBACK_COLOUR, own[2], own[3]]
    assert colours(t + 100 * MS - 39 * MS) == [own[0], FEEDBACK_COLOUR, FEEDBACK_COLOUR, own[3]]
    assert colours(t + 200 * MS - 39 * MS) == [own[0], own[1], FEEDBACK_COLOUR, own[3]]
    assert colours(t + 300 * MS - 39 * MS) == own


def ink_pixels(surface, rect, colour) -> int:
    left, top, w, h = rect
    return sum(surface.get_at((x, y))[:3] == colour for x in range(left + w // 4, left + 3 * w // 4, 2)
               for y in range(top + h // 4, top + 3 * h // 4, 2))


def test_labels_colours_and_the_marked_pad_change_at_their_moment(screen):
    layout, _ = parse_screen({"pads": 3, "labels": ["a", "", ""]})
    screen.set_layout(layout)
    rects = [p.pixels(800, 600) for p in layout.pads]
    t = time.perf_counter_ns() + 10**9
    screen.add_changes([{"at_ns": t, "look": {"labels": [None, "G4"], "colours": [5, None, 2], "marked": [2]}}])
    screen.draw(t - 41 * MS)
    before = [ink_pixels(screen.surface, r, text_colour(pad_colour(i))) for i, r in enumerate(rects)]
    assert before[0] > 0 and before[1] == 0  # the layout's label "a" on pad 0, none on pad 1
    screen.draw(t - 39 * MS)
    s = screen.surface
    new = [OKABE_ITO[5][1], pad_colour(1), OKABE_ITO[2][1]]
    for (left, top, w, h), colour in zip(rects, new):
        assert s.get_at((left + 4 + w // 8, top + h // 2))[:3] == colour
    assert ink_pixels(s, rects[0], text_colour(new[0])) > 0  # its own label kept (None)
    assert ink_pixels(s, rects[1], text_colour(new[1])) > 0  # "G4" drawn
    # The marked pad has a ring of the text colour just inside its edge; the others do not.
    for i, (left, top, w, h) in enumerate(rects):
        ring = s.get_at((left + max(3, min(w, h) // 16), top + h // 2))[:3]
        assert (ring == text_colour(new[i])) == (i == 2), (i, ring)
    # A new run's layout forgets the last run's changes.
    screen.set_layout(layout)
    screen.draw(t + 10**9)
    assert s.get_at((rects[0][0] + 4 + rects[0][2] // 8, rects[0][1] + rects[0][3] // 2))[:3] == pad_colour(0)


def test_changes_sent_as_messages_reach_the_screen_through_its_loop(screen):
    inbox = queue.SimpleQueue()
    layout = ScreenLayout("grid", grid_pads(2), prompt=False)
    t = time.perf_counter_ns()
    inbox.put({"layout": layout.to_json()})
    inbox.put({"screen": [{"at_ns": t, "prompt": "your turn"}, {"at_ns": t, "until_ns": t + 10**10, "lit": [0]},
                          {"at_ns": t, "look": {"labels": [], "colours": [None, 3], "marked": []}}]})
    inbox.put({"quit": True})
    serve(screen, fps=60, poll_hz=1000, inbox=inbox, send=lambda msg: None)
    screen.draw(time.perf_counter_ns())
    left0, top0, w0, h0 = layout.pads[0].pixels(800, 600)
    left1, top1, w1, h1 = layout.pads[1].pixels(800, 600)
    assert screen.surface.get_at((left0 + 8, top0 + h0 - 20))[:3] == FEEDBACK_COLOUR
    assert screen.surface.get_at((left1 + 8, top1 + h1 - 20))[:3] == OKABE_ITO[3][1]
    assert prompt_pixels(screen.surface, round(PROMPT_BAND * 600)) > 50


# ---------------------------------------------------------------- the screen edge of live run


class FakeLink:
    def __init__(self):
        self.cues, self.changes, self.layouts, self.alive = [], [], [], True

    def send_cues(self, cues):
        self.cues += list(cues)

    def send_changes(self, changes):
        self.changes += list(changes)

    def set_layout(self, layout):
        self.layouts.append(layout)


class FakeClock:
    ready = False


class FakeAudio:
    """48 kHz, frame 0 at host time 1 s."""

    def __init__(self):
        self.stream = type("S", (), {"host_clock": FakeClock()})()

    def host_ns_at(self, frame):
        return 10**9 + frame * 10**9 // 48000


def test_the_edge_sends_changes_with_host_times_and_keeps_them_until_the_clock_is_known():
    link, audio = FakeLink(), FakeAudio()
    edge = TouchEdge(link, audio, None, client="C1", latency_frames=0, pad_sound=None, pad_delay_frames=0,
                     display=0, log=print)
    edge.set_layout(ScreenLayout("grid", grid_pads(2)))
    edge.show_cues([Cue(0, 4800, True), ScreenPrompt(0, "listen"), PadLook(0, labels=("C4", "E4"))])
    assert link.cues == [] and link.changes == []  # no host clock yet: the beat is dropped, the rest waits
    audio.stream.host_clock.ready = True
    edge.show_cues([Cue(1, 9600, False), PadLight(9600, 14400, (1,))])
    assert link.cues == [(1, 10**9 + 200 * MS, False)]
    assert link.changes == [{"at_ns": 10**9, "prompt": "listen"},
                            {"at_ns": 10**9, "look": {"labels": ["C4", "E4"], "colours": [], "marked": []}},
                            {"at_ns": 10**9 + 200 * MS, "until_ns": 10**9 + 300 * MS, "lit": [1]}]
    # Changes still waiting when the next run's layout comes are not shown on its pads.
    audio.stream.host_clock.ready = False
    edge.show_cues([ScreenPrompt(20000, "your turn")])
    edge.set_layout(ScreenLayout("grid", grid_pads(2)))
    audio.stream.host_clock.ready = True
    edge.show_cues([])
    assert len(link.changes) == 3
