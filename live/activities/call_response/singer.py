"""The simulated singer of call-and-response (``answer_input = "voice"``): the echo player's
answer (:mod:`live.sim.echo`: its timing, omissions, additions and wrong notes), sung as audio
(:func:`live.sim.singing.sing`) into the same analysis as a client's voice at a microphone.

Each answer note is sung from its onset to 85 % of the way to the next (0.11..0.6 s; the last
0.45 s; one voice sings one note at a time, so a note less than 0.13 s after the one before is
left out), on a vowel of "la la", in the voice's register (the whole answer moved by whole octaves
so its median note lies in the voice's range: a bass sings a call around E4 an octave down), each off its note by Gaussian noise of
SD ``cents_sd`` (an echo player's wrong note is a semitone or two off on top). The audio is
rendered when the answer is decided, seeded by the seed and the trial, and handed out in the
poll that reaches it.

Realtime-safe: no (control thread).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from live.activities.call_response.simulated import UNPITCHED_NOTE, EchoClient
from live.activities.types import AudioChunk
from live.engine.events import InputEvent
from live.sim.singing import VOICES, SungNoteSpec, sing

__all__ = ["EchoSinger"]

_LAST_NOTE_S = 0.45
_TAIL_S = 0.3  # room noise rendered after the last note
_MIN_GAP_S = 0.13  # the shortest onset-to-onset a singer separates (a note of 0.11 s and a breath)


def octaves_into(notes: list[int], low: int, high: int) -> int:
    """Semitones (whole octaves) that move a phrase's median note nearest the middle of
    ``low..high`` (0 when the phrase's median is in the range already)."""
    median = float(np.median(notes))
    if low <= median <= high:
        return 0
    return 12 * int(round(((low + high) / 2.0 - median) / 12.0))


class EchoSinger(EchoClient):
    """The echo player singing its answers (a SimulatedClient that gives audio, no inputs).

    Parameters
    ----------
    params : CallResponseParams
    seed, sample_rate, client
        As :class:`~live.activities.call_response.simulated.EchoClient`'s.
    voice : str
        A voice of :data:`live.sim.singing.VOICES` (default ``"alto"``).
    cents_sd : float
        SD of each sung note's pitch around its note, cents (default 12).
    **settings
        Fields of :class:`~live.sim.echo.EchoPlayerParams`.
    """

    def __init__(self, params: Any, *, seed: int, sample_rate: int, client: str, voice: str = "alto",
                 cents_sd: float = 12.0, **settings: Any):
        if voice not in VOICES:
            raise TypeError(f"voice {voice!r}: the simulated singer has the voices {', '.join(VOICES)}")
        super().__init__(params, seed=seed, sample_rate=sample_rate, client=client, **settings)
        self.voice = VOICES[voice]
        self.cents_sd = float(cents_sd)
        self.seed = seed
        self._segments: list[tuple[int, np.ndarray, int]] = []  # (first frame, samples, given up to frame)
        self._sung = 0

    def inputs_before(self, frame: int, *, heard_until_frame: int) -> list[InputEvent]:
        """No inputs: an answer decided is rendered as audio (see :meth:`audio_before`)."""
        self._answer_when_heard(frame, heard_until_frame)
        if self._pending:
            self._render(sorted(self._pending))
            self._pending.clear()
        return []

    def _render(self, notes: list[tuple[int, int]]) -> None:
        sr = self.sr
        rng = np.random.default_rng((self.seed, self._trial, 7))
        kept = [notes[0]]
        for frame, note in notes[1:]:  # one voice: a note too soon after the last is not sung
            if frame - kept[-1][0] >= _MIN_GAP_S * sr:
                kept.append((frame, note))
        notes = kept
        first = notes[0][0]
        specs = []
        pitches = [UNPITCHED_NOTE if note is None else note for _, note in notes]
        shift = octaves_into(pitches, self.voice.low_note, self.voice.high_note)
        for k, ((frame, _), pitch) in enumerate(zip(notes, pitches)):
            nxt = notes[k + 1][0] if k + 1 < len(notes) else None
            dur_s = _LAST_NOTE_S if nxt is None else min(0.6, max(0.11, 0.85 * (nxt - frame) / sr))
            specs.append(SungNoteSpec((frame - first) / sr, dur_s, pitch + shift + rng.normal(0.0, self.cents_sd) / 100.0,
                                      "a", float(rng.uniform(0.2, 0.35))))
        end_s = max(s.onset_s + s.duration_s for s in specs) + _TAIL_S
        audio = sing(specs, voice=self.voice, sample_rate=sr, duration_s=end_s, seed=(self.seed, self._trial))
        self._segments.append((first, audio, first))
        self._sung += len(notes)
        self._done["inputs"] = self._sung

    def audio_before(self, frame: int) -> AudioChunk | None:
        """The rendered answers' audio before ``frame`` not handed out yet, from its earliest
        such sample (an answer rendered after its start comes out whole), or None."""
        starts = [max(f, given) for f, x, given in self._segments if max(f, given) < min(frame, f + x.size)]
        if not starts:
            return None
        lo = min(starts)
        out = np.zeros(frame - lo, dtype=np.float32)
        kept = []
        for f, x, given in self._segments:
            a, b = max(f, given, lo), min(f + x.size, frame)
            if b > a:
                out[a - lo: b - lo] += x[a - f: b - f]
            if f + x.size > frame:
                kept.append((f, x, max(given, frame)))
        self._segments = kept
        return AudioChunk(lo, out, self.client, "sim")

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "model": "echo singer", "voice": self.voice.name, "cents_sd": self.cents_sd}
