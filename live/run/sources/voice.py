"""A voice at a microphone as an input source: the audio input itself, handed to an activity
that finds sung notes in it (call-and-response with ``answer_input = "voice"``), moved back by
the path's calibrated latency. Beside :mod:`live.run.sources.mic` (which finds onsets in the same
input): a session takes one or the other, as both read the one input ring.

Bleed: each chunk carries, as its ``reference``, what the engine played as it reaches the
microphone at the same frames (:func:`live.run.sources.mic.played_at_mic`, the mic path's: the
played ring one loopback latency earlier), so the call's own sound picked up by the microphone
is not found as sung notes (:func:`live.voice.notes.find_sung_notes`).

Realtime-safe: no (control thread); it copies what the sampler's input ring gathered since the
last poll.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from live.activities.types import AudioChunk, Polled
from live.run.sources.mic import played_at_mic

__all__ = ["VoiceSource"]


class VoiceSource:
    """The current stream's audio input, one chunk per poll.

    Parameters
    ----------
    audio : live.run.live_audio.LiveAudio
    client : str
    latency_frames : int
        The microphone path's calibrated latency (``live calibrate --input mic``): taken off the
        chunk's frame, and the delay from what was played to its bleed at the microphone.
    reject_bleed : bool
        Whether each chunk carries what was played (its bleed is then no sung note).
    """

    name = "voice"

    def __init__(self, audio: Any, *, client: str, latency_frames: int = 0, reject_bleed: bool = True):
        self.audio = audio
        self.client = client
        self.latency_frames = latency_frames
        self.reject_bleed = reject_bleed
        self._frames = 0

    def poll(self, now_frame: int) -> Polled:
        state = self.audio.stream.state
        first, samples = state.take_input()
        if samples.shape[0] == 0:
            return Polled()
        self._frames += samples.shape[0]
        mono = np.ascontiguousarray(samples[:, 0], dtype=np.float32)
        played = (played_at_mic(state, first, mono.size, latency_frames=self.latency_frames,
                                sample_rate=self.audio.sample_rate) if self.reject_bleed else None)
        return Polled(audio=AudioChunk(first - self.latency_frames, mono, self.client, "mic", played))

    def status(self) -> str:
        left_out = " (the engine's own sound left out)" if self.reject_bleed else ""
        return f"voice: {self._frames / self.audio.sample_rate:.0f} s of audio heard{left_out}"
