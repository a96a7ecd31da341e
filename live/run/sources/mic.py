"""A microphone as an input source: onsets in the audio input (an instrument played at it),
each an input of the source's client at its frame, moved back by the path's calibrated latency.

Realtime-safe: no (control thread).
"""

from __future__ import annotations

from typing import Any

from live.activities.types import Polled
from live.engine.events import InputEvent
from live.engine.onsets import OnsetDetector

__all__ = ["MicSource"]


class MicSource:
    """Onsets of the current stream's input (a new detector with each stream after an outage).

    Parameters
    ----------
    audio : live.run.live_audio.LiveAudio
    client : str
    threshold : float
        The onset threshold's floor, full scale 1.0.
    latency_frames : int
        The microphone path's calibrated latency.
    """

    name = "mic"

    def __init__(self, audio: Any, *, client: str, threshold: float, latency_frames: int = 0):
        self.audio = audio
        self.client = client
        self.latency_frames = latency_frames
        self.threshold = threshold
        self.onsets = OnsetDetector(audio.sample_rate, threshold=threshold)
        audio.on_new_stream(lambda stream: setattr(self, "onsets", OnsetDetector(audio.sample_rate, threshold=threshold)))

    def poll(self, now_frame: int) -> Polled:
        first, samples = self.audio.stream.state.take_input()
        return Polled(inputs=[
            InputEvent(frame=onset.frame - self.latency_frames, source="mic", note=None, velocity=onset.velocity,
                       client=self.client)
            for onset in self.onsets.process(first, samples[:, 0])])

    def status(self) -> str:
        return "microphone: listening for onsets"
