"""Sung answers of call-and-response (``answer_input = "voice"``): each answer window's audio
kept, a live pitch estimate while the client sings, and the sung notes found after the window.

The audio of a trial is kept from :data:`PRE_S` before its window opens to :data:`POST_S` after it
closes (a chunk's samples land at their frames; what never came stays silent). Once the window
has closed the notes are found in it (:func:`live.voice.notes.find_sung_notes`: pYIN, onsets
from the onset detector) and each becomes an answer note at its frame with its pitch. The
answer as a whole is moved by whole octaves to the call's register (a man echoing a call played
at C4 sings C3: the octave is not what is scored, the notes are), then scored with the echo
metrics, pitch right within :data:`SUNG_TOLERANCE_CENTS` (issue 14).

Bleed: a chunk that carries what the engine played at the microphone (``AudioChunk.reference``:
a voice source's) has it kept beside the voice, and the notes are found with it
(:func:`~live.voice.notes.find_sung_notes`' ``reference``): the call ringing into the window is
no sung note. The gain from what was played to the microphone is measured all through the run
by the microphone path's onset detector (:class:`live.engine.onsets.OnsetDetector`, at each call
note, pulse or cue that starts after a quiet), not just in a window where the call may only
ring out; the live estimate is left out while the input is no louder than that bleed.

Each window's audio, as kept, is handed on for the record when its notes are being found
(:meth:`SungAnswers.take_clips`: the store keeps it, so ``live export --format wav`` has the voice).

Live (``ActivityContext.realtime``) the analysis runs on a worker thread (pYIN costs about a tenth
of a second per second of audio: docs/performance.md) so the control thread never waits for it;
offline it runs at once, so a demo's result never depends on the machine's speed.

Realtime-safe: no (control thread; the analysis on its own thread).
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from typing import Sequence

import numpy as np

from live.activities.types import AudioChunk
from live.engine.events import InputEvent
from live.engine.onsets import OnsetDetector
from live.voice.live_pitch import LivePitch, PitchEstimate
from live.voice.notes import BLEED_MARGIN, SungNote, find_sung_notes

__all__ = ["PRE_S", "POST_S", "SUNG_TOLERANCE_CENTS", "SungAnswers", "octave_shift"]

PRE_S = 0.1
"""Audio kept before a window opens, seconds (an attack that starts right at the opening)."""
POST_S = 0.05
"""Audio kept after a window closes, seconds (the last note's end; less than the feedback delay
minus the look-ahead, so it has all been polled when the trial is scored)."""
SUNG_TOLERANCE_CENTS = 50.0
"""A sung note's pitch is right within this many cents of its call note."""


def octave_shift(sung_midi: Sequence[float], call_notes: Sequence[int | None]) -> int:
    """Semitones (a multiple of 12) that move the sung pitches nearest the call's register: the
    median call note minus the median sung pitch, rounded to whole octaves (0 when either side
    has no pitch)."""
    calls = [n for n in call_notes if n is not None]
    if not calls or not sung_midi:
        return 0
    return 12 * int(round((float(np.median(calls)) - float(np.median(sung_midi))) / 12.0))


def _moved(old: np.ndarray | None, start: int, first: int, end: int) -> np.ndarray:
    """A buffer of frames [first, end) holding what ``old`` (frames from ``start``) has of them."""
    buf = np.zeros(end - first, dtype=np.float32)
    if old is not None:
        a, b = max(start, first), min(start + old.size, end)
        if b > a:
            buf[a - first: b - first] = old[a - start: b - start]
    return buf


class SungAnswers:
    """Each trial's window audio, the live estimate, and the notes found after the window.

    Parameters
    ----------
    sample_rate : int
        Engine frames per second.
    realtime : bool
        Analyse on a worker thread (live) or at once (offline).
    """

    def __init__(self, sample_rate: int, *, realtime: bool):
        self.sr = sample_rate
        self.realtime = realtime
        self._pre = round(PRE_S * sample_rate)
        self._post = round(POST_S * sample_rate)
        self._audio: dict[int, tuple[int, np.ndarray]] = {}  # trial index -> (first frame, samples)
        self._reference: dict[int, np.ndarray] = {}  # trial index -> what was played at the mic, beside _audio's
        self._bleed: OnsetDetector | None = None  # measures the bleed's gain (made with the first reference)
        self._results: dict[int, Future | list[SungNote]] = {}
        self._pool: ThreadPoolExecutor | None = None
        self.live = LivePitch(sample_rate)
        self.estimate: PitchEstimate | None = None
        self.client: str | None = None
        self.source = "mic"
        self._clips: list[AudioChunk] = []  # windows' audio, for the record (take_clips)

    def span(self, open_frame: int, close_frame: int) -> tuple[int, int]:
        """The frames kept for a window, [first, end)."""
        return open_frame - self._pre, close_frame + self._post + 1

    def keep(self, chunk: AudioChunk, windows: Sequence[tuple[int, int, int]]) -> bool:
        """Keep the parts of ``chunk`` inside the ``(trial index, open frame, close frame)``
        windows not analysed yet; update the live estimate while one is open. Returns whether
        the chunk fell in an open window."""
        self.client, self.source = chunk.client, chunk.source
        x = np.asarray(chunk.samples, dtype=np.float32).reshape(-1)
        lo_c, hi_c = chunk.first_frame, chunk.first_frame + x.size
        ref = None if chunk.reference is None else np.asarray(chunk.reference, dtype=np.float32).reshape(-1)
        if ref is not None:
            if self._bleed is None:
                self._bleed = OnsetDetector(self.sr)
            self._bleed.process(lo_c, x, ref)  # its onsets are not needed: the notes' come from the window's audio
        inside = False
        for index, open_frame, close_frame in windows:
            if index in self._results:
                continue
            first, end = self.span(open_frame, close_frame)
            lo, hi = max(lo_c, first), min(hi_c, end)
            if hi <= lo:
                continue
            start, buf = self._audio.get(index, (first, None))
            if buf is None or start != first or buf.size != end - first:  # new, or the window moved
                buf = _moved(buf, start, first, end)
                self._audio[index] = (first, buf)
                if index in self._reference:
                    self._reference[index] = _moved(self._reference[index], start, first, end)
            buf[lo - first: hi - first] = x[lo - lo_c: hi - lo_c]
            if ref is not None:
                if index not in self._reference:
                    self._reference[index] = np.zeros(buf.size, dtype=np.float32)
                self._reference[index][lo - first: hi - first] = ref[lo - lo_c: hi - lo_c]
            inside = inside or (open_frame <= hi_c and lo_c <= close_frame)
        if inside:
            self.estimate = self.live.feed(x)
            if self.estimate is not None and ref is not None and not self._louder_than_bleed(x, ref):
                self.estimate = None
        else:
            self.estimate = None
            self.live.reset()
        return inside

    @property
    def bleed_gain(self) -> float:
        """The amplitude gain from what was played to the microphone, as measured so far (the
        onset detector's default, 1.0, before any reference)."""
        return 1.0 if self._bleed is None else self._bleed.bleed_gain

    def _louder_than_bleed(self, x: np.ndarray, ref: np.ndarray) -> bool:
        """Whether the latest live window of ``x`` is louder than the bleed expected in it."""
        n = self.live.window
        level = float(np.sqrt(np.mean(np.square(x[-n:], dtype=np.float64))))
        bleed = self.bleed_gain * float(np.sqrt(np.mean(np.square(ref[-n:], dtype=np.float64))))
        return level > BLEED_MARGIN * bleed

    def analyse(self, index: int) -> None:
        """Start finding the notes of trial ``index``'s kept audio (no audio: no notes)."""
        if index in self._results:
            return
        first, buf = self._audio.pop(index, (0, np.zeros(0, dtype=np.float32)))
        ref = self._reference.pop(index, None)
        if buf.size:  # what the microphone gave in the window, kept for the record as heard
            self._clips.append(AudioChunk(first, buf, self.client, self.source))
        gain = self.bleed_gain
        if self.realtime:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sung-notes")
            self._results[index] = self._pool.submit(self._notes, first, buf, ref, gain)
        else:
            self._results[index] = self._notes(first, buf, ref, gain)

    def _notes(self, first: int, buf: np.ndarray, ref: np.ndarray | None, gain: float) -> list[tuple[int, SungNote]]:
        return [(first + round(n.onset_s * self.sr), n)
                for n in find_sung_notes(buf, self.sr, reference=ref, bleed_gain=gain)]

    def take_clips(self) -> list[AudioChunk]:
        """Each window's audio as kept, once its notes are being found (never changed after:
        the analysis only reads it), since the last call: the answers for the record."""
        out, self._clips = self._clips, []
        return out

    def ready(self, index: int) -> bool:
        """Whether trial ``index``'s notes have been found."""
        result = self._results.get(index)
        return result is not None and (not isinstance(result, Future) or result.done())

    def answer(self, index: int, call_notes: Sequence[int | None]) -> list[tuple[InputEvent, float]]:
        """Trial ``index``'s sung notes (waiting for them if need be; analysing now if never
        started), each as an input at its onset frame and its pitch moved to the call's octave."""
        self.analyse(index)
        result = self._results[index]
        found = result.result() if isinstance(result, Future) else result
        shift = octave_shift([n.pitch_midi for _, n in found], call_notes)
        out = []
        for frame, n in found:
            pitch = n.pitch_midi + shift
            velocity = int(min(127, max(1, round(127 * n.voiced_prob))))
            out.append((InputEvent(frame=frame, source=self.source, note=int(min(127, max(0, round(pitch)))),
                                   velocity=velocity, client=self.client), pitch))
        return out

    def close(self) -> None:
        """Let the worker thread go (the analyses under way finish)."""
        if self._pool is not None:
            self._pool.shutdown(wait=False)
