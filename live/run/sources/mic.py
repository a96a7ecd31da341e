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

__all__ = ["MicSource", "played_at_mic"]


def played_at_mic(state: Any, first_frame: int, n_frames: int, *, latency_frames: int, sample_rate: int) -> Any:
    """What the engine played as it reaches the microphone at engine frames ``first_frame ..
    first_frame + n_frames - 1`` (as :meth:`SamplerState.take_input` numbers them): the played
    ring one loopback latency (``latency_frames``) earlier, 0.5 ms early so that a gate opens
    before the bleed arrives. float32, zeros where nothing was played."""
    return state.played(first_frame - latency_frames + sample_rate // 2000, n_frames)


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
        self.onsets = OnsetDetector(audio.sample_rate, threshold=threshold)
        audio.on_new_stream(lambda stream: setattr(self, "onsets", OnsetDetector(audio.sample_rate, threshold=threshold)))

    def poll(self, now_frame: int) -> Polled:
        state = self.audio.stream.state
        first, samples = state.take_input()
        played = (played_at_mic(state, first, samples.shape[0], latency_frames=self.latency_frames,
                                sample_rate=self.audio.sample_rate) if self.reject_bleed else None)
        return Polled(inputs=[
            InputEvent(frame=onset.frame - self.latency_frames, source="mic", note=None, velocity=onset.velocity,
                       client=self.client)
            for onset in self.onsets.process(first, samples[:, 0], played)])

    def status(self) -> str:
        return "microphone: listening for onsets (the beat's own sound left out)"
