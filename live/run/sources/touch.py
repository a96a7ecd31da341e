"""The client's touch screen: the screen edge (each run's pads, its cues drawn when they sound,
its prompts and pad changes from the moment they are due) and an input source (touches, mapped from host time onto engine frames and moved back by the
touch path's calibrated latency). The screen is its own process (:mod:`live.ui.link`).

Realtime-safe: no (control thread).
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

from live.activities.types import Polled
from live.engine.clock import HostClock
from live.engine.events import Cue, InputEvent, ScheduledSound, ScreenCue
from live.ui.screen_state import encode

__all__ = ["TouchScreen", "touch_input"]


def touch_input(pad: int, velocity: int, host_ns: int, clock: HostClock, *, latency_frames: int,
                client: str) -> InputEvent:
    """A touch from the client screen as an input: its host time (``time.perf_counter_ns``,
    ``CLOCK_MONOTONIC``) mapped onto the engine's frames, minus the touch path's calibrated
    latency; ``note`` is the pad index."""
    return InputEvent(frame=clock.frame_at(host_ns) - latency_frames, source="touch", note=pad, velocity=velocity,
                      client=client)


class TouchScreen:
    """The client screen of ``client`` (a :class:`~live.run.edges.ScreenEdge` and an input source).

    Parameters
    ----------
    link : live.ui.link.TouchLink
        The screen process, started.
    audio : live.run.live_audio.LiveAudio
        Its clock maps host time and frames.
    feedback : live.run.loop.Feedback
        Where a touched pad's sound goes (stored with the run's sounds).
    client : str
    latency_frames : int
        The touch path's calibrated latency.
    pad_sound : str or None
        What a pad plays when the run's screen has feedback (None: nothing).
    pad_delay_frames : int
        A touched pad sounds this long after the touch.
    display : int
        The screen's index (for its status line).
    log : callable
    """

    name = "touch"

    def __init__(self, link: Any, audio: Any, feedback: Any, *, client: str, latency_frames: int,
                 pad_sound: str | None, pad_delay_frames: int, display: int, log: Callable[[str], None]):
        self.link, self.audio, self.feedback = link, audio, feedback
        self.client = client
        self.latency_frames = latency_frames
        self.pad_sound = pad_sound
        self.pad_delay_frames = pad_delay_frames
        self.display = display
        self.log = log
        self._sound: str | None = None
        self._gone = False
        self._changes: list[ScreenCue] = []  # prompts and pad changes waiting for the host clock

    def set_layout(self, layout: Any) -> None:
        self._sound = self.pad_sound if layout.feedback else None
        self._changes = []  # a new run: the last run's changes are not shown on its pads
        self.link.set_layout(layout)

    def show_cues(self, cues: Iterable[ScreenCue]) -> None:
        """Beats are sent with the host time they sound (dropped before the host clock is known:
        a beat shown late is worse than none); prompts and pad changes wait for the clock (a
        label or a prompt must not be lost) and are shown at once if their moment has passed."""
        if not self.link.alive and not self._gone:
            self._gone = True
            self.log("the client screen has closed; the session goes on (MIDI and microphone still count)")
        beats = []
        for c in cues:
            (beats if isinstance(c, Cue) else self._changes).append(c)
        clock = self.audio.stream.host_clock
        if clock.ready:
            self.link.send_cues((c.index, self.audio.host_ns_at(c.frame), c.accent) for c in beats)
            self.link.send_changes(encode(c, self.audio.host_ns_at) for c in self._changes)
            self._changes = []

    def poll(self, now_frame: int) -> Polled:
        clock = self.audio.stream.host_clock
        if not clock.ready:
            return Polled()
        inputs = []
        for pad, velocity, host_ns in self.link.take():
            ev = touch_input(pad, velocity, host_ns, clock, latency_frames=self.latency_frames, client=self.client)
            inputs.append(ev)
            if self._sound is not None and not self.feedback.by_activity:
                at = max(ev.frame + self.latency_frames + self.pad_delay_frames, self.audio.now_frame() + 64)
                self.feedback.play(ScheduledSound(at, self._sound, gain=0.8 * velocity / 127), stored=True)
        return Polled(inputs=inputs)

    def status(self) -> str:
        w, h = self.link.ready_info["size"]
        state = "running" if self.link.alive else "CLOSED"
        return f"client screen: display {self.display} ({w}x{h}), {state}, {self.link.received} touches"

    def close(self) -> None:
        self.link.close()
