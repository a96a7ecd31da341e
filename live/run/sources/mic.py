"""A microphone as an input source: onsets in the audio input (an instrument played, a drum or
claps at it), each an input of the source's client at its frame, moved back by the path's
calibrated latency; the beat's own sound picked up by the microphone (bleed) is no onset.

Bleed: the callback keeps what it played beside what it heard (``SamplerState.played``). The
detector is given, with every chunk of the input, what was played one loopback latency earlier
(the mic calibration's, which ``live calibrate --input mic`` measures by looping the output into
the input), 0.5 ms early so that the gate opens before the bleed arrives
(:mod:`live.engine.onsets`: the bleed is gated by its known envelope, its gain measured per click).

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
        The microphone path's calibrated latency (the loopback round trip with ``live calibrate
        --input mic``): subtracted from every onset, and the delay from what was played to its
        bleed at the microphone.
    reject_bleed : bool
        Whether the beat's own sound at the microphone is left out (False for ``live calibrate
        --input mic``, whose loopback measures exactly that sound).
    """

    name = "mic"

    def __init__(self, audio: Any, *, client: str, threshold: float, latency_frames: int = 0,
                 reject_bleed: bool = True):
        self.audio = audio
        self.reject_bleed = reject_bleed
        self.client = client
        self.latency_frames = latency_frames
        self.threshold = threshold
        self.lead_frames = audio.sample_rate // 2000  # 0.5 ms
        self.onsets = OnsetDetector(audio.sample_rate, threshold=threshold)
        audio.on_new_stream(lambda stream: setattr(self, "onsets", OnsetDetector(audio.sample_rate, threshold=threshold)))

    def poll(self, now_frame: int) -> Polled:
        state = self.audio.stream.state
        first, samples = state.take_input()
        played = (state.played(first - self.latency_frames + self.lead_frames, samples.shape[0])
                  if self.reject_bleed else None)
        return Polled(inputs=[
            InputEvent(frame=onset.frame - self.latency_frames, source="mic", note=None, velocity=onset.velocity,
                       client=self.client)
            for onset in self.onsets.process(first, samples[:, 0], played)])

    def status(self) -> str:
        return "microphone: listening for onsets (the beat's own sound left out)"
