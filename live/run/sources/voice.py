"""A voice at a microphone as an input source: the audio input itself, handed to an activity
that finds sung notes in it (call-and-response with ``answer_input = "voice"``), moved back by
the path's calibrated latency. Beside :mod:`live.run.sources.mic` (which finds onsets in the same
input): a session takes one or the other, as both read the one input ring.

Realtime-safe: no (control thread); it copies what the sampler's input ring gathered since the
last poll.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from live.activities.types import AudioChunk, Polled

__all__ = ["VoiceSource"]


class VoiceSource:
    """The current stream's audio input, one chunk per poll.

    Parameters
    ----------
    audio : live.run.live_audio.LiveAudio
    client : str
    latency_frames : int
        The microphone path's calibrated latency (``live calibrate --input mic``).
    """

    name = "voice"

    def __init__(self, audio: Any, *, client: str, latency_frames: int = 0):
        self.audio = audio
        self.client = client
        self.latency_frames = latency_frames
        self._frames = 0

    def poll(self, now_frame: int) -> Polled:
        first, samples = self.audio.stream.state.take_input()
        if samples.shape[0] == 0:
            return Polled()
        self._frames += samples.shape[0]
        mono = np.ascontiguousarray(samples[:, 0], dtype=np.float32)
        return Polled(audio=AudioChunk(first - self.latency_frames, mono, self.client, "mic"))

    def status(self) -> str:
        return f"voice: {self._frames / self.audio.sample_rate:.0f} s of audio heard"
