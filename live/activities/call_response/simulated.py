"""The simulated players of call-and-response: the client who echoes each call (the echo
player's model, :mod:`live.sim.echo`, wrapped as a SimulatedClient) and the therapist who plays
live calls on their keyboard (``calls = "live"``). Both go through the real input path in
``live demo`` and the tests.

How the simulated client knows a call has ended, as a listener would: by silence. A call never
rests longer than two beats inside (the ladder's rhythms and every written phrase), so once it
has heard two beats past a call note with no other, the call is complete. A therapist's call ends
after ``phrase_gap_beats`` without a note (the activity's own rule), heard as it happens. The
answer is then the model's: free, after its response latency from the call's end (a live call's
end: the silence that ended it); in time, one
phrase (the call's span rounded up to whole bars, at the call's tempo) after the call's start.
Answers decided after the moment they start are stamped with their own frames, as a real input
edge stamps a late-delivered input.

Realtime-safe: no (control thread).
"""

from __future__ import annotations

import dataclasses
import heapq
import random
from typing import Any

from live.activities.call_response.phrases import GENERATED_STEPS_PER_BEAT, LADDER, generate_call
from live.activities.call_response.pitches import note_number, note_of_sound
from live.engine.events import InputEvent, ScheduledSound
from live.metrics.echo import EchoNote
from live.sim.echo import EchoPlayer, EchoPlayerParams

__all__ = ["EchoClient", "SimulatedTherapist", "MAX_REST_BEATS", "UNPITCHED_NOTE"]

MAX_REST_BEATS = 2.0
"""The longest silence inside a call (beats): a written phrase may not rest longer."""
UNPITCHED_NOTE = 60
"""The note an answer to an unpitched call is played on (a pad's)."""


def _call_tempo_bpm(frames: list[int], base_bpm: float, sample_rate: int, ladder: Any = LADDER) -> float:
    """The tempo of a call's grid: the preset's, or a faster level's (the first of the ladder's
    tempos on whose eighth-note grid every onset falls, to the frame)."""
    for factor in sorted({lv.tempo_factor for lv in ladder}):
        step = 60.0 * sample_rate / (base_bpm * factor * GENERATED_STEPS_PER_BEAT)
        if all(abs((f - frames[0]) / step - round((f - frames[0]) / step)) * step <= 1.0 for f in frames):
            return base_bpm * factor
    return base_bpm


class EchoClient:
    """The simulated client of call-and-response (a SimulatedClient).

    Parameters
    ----------
    params : CallResponseParams
    seed : int
    sample_rate : int
    client : str
    **settings
        Fields of :class:`~live.sim.echo.EchoPlayerParams` (``timing_sd_ms``, ``memory_span``, ...).

    Raises
    ------
    TypeError
        For a setting the echo player does not have.
    """

    def __init__(self, params: Any, *, seed: int, sample_rate: int, client: str, **settings: Any):
        known = {f.name for f in dataclasses.fields(EchoPlayerParams)}
        unknown = sorted(set(settings) - known)
        if unknown:
            raise TypeError(f"the simulated echo player has no {', '.join(unknown)}; it has: {', '.join(sorted(known))}")
        self.params = params
        self.client = client
        self.sr = sample_rate
        self.player = EchoPlayer(EchoPlayerParams(**settings), seed=seed)
        self._call: list[tuple[int, int | None, int]] = []   # (frame, note, length frames)
        self._pending: list[tuple[int, int]] = []           # (frame, note)
        self._trial = 0
        self._done = {"inputs": 0, "omitted": 0, "extra": 0}
        beat = 60.0 * sample_rate / params.tempo_bpm
        self._rest_frames = round(MAX_REST_BEATS * beat) + 1
        self._gap_frames = round(params.phrase_gap_beats * beat)

    def start(self, start_frame: int) -> None:
        pass

    def hear(self, sound: ScheduledSound) -> None:
        """A planned sound: a call note when it marks a cue (``cue_index`` >= 0)."""
        if sound.cue_index is None or sound.cue_index < 0:
            return
        self._call.append((sound.frame, note_of_sound(sound.sound), 0))

    def hear_therapist(self, ev: InputEvent) -> None:
        """A note of the therapist's live call."""
        if self.params.calls == "live":
            self._call.append((ev.frame, ev.note if self.params.pitches else None, 0))

    def _answer_when_heard(self, frame: int, heard_until_frame: int) -> None:
        """Answer the call heard so far once it is complete (see the module docstring)."""
        if self._call:
            last = self._call[-1][0]
            complete = frame > last + self._gap_frames if self.params.calls == "live" \
                else heard_until_frame > last + self._rest_frames
            if complete:
                self._answer()

    def inputs_before(self, frame: int, *, heard_until_frame: int) -> list[InputEvent]:
        self._answer_when_heard(frame, heard_until_frame)
        out = []
        while self._pending and self._pending[0][0] < frame:
            f, note = heapq.heappop(self._pending)
            out.append(InputEvent(frame=f, source="sim", note=note, velocity=90, client=self.client))
        self._done["inputs"] += len(out)
        return out

    def _answer(self) -> None:
        sr, p = self.sr, self.params
        frames = [f for f, _, _ in self._call]
        if p.calls == "live":  # the turn is the client's once the silence has ended the call
            last_s = self._gap_frames / sr
        else:  # the call's last note lasts one step of its grid (the activity's rule)
            bpm = _call_tempo_bpm(frames, p.tempo_bpm, sr, p.ladder) if p.calls == "generated" else p.tempo_bpm
            per_beat = GENERATED_STEPS_PER_BEAT if p.calls == "generated" else p.steps_per_beat
            last_s = 60.0 / (bpm * per_beat)
        call = [EchoNote(f / sr, n, last_s if k == len(frames) - 1 else 0.0) for k, (f, n, _) in enumerate(self._call)]
        lag_s = None
        if p.answer == "in_time":
            bar_s = 60.0 * p.meter / bpm
            span_s = (frames[-1] - frames[0]) / sr
            lag_s = bar_s * (int(span_s / bar_s + 1e-9) + 1)
        answer = self.player.answer(call, self._trial, lag_s=lag_s)
        self._trial += 1
        self._call = []
        self._done["omitted"] += answer.omitted + answer.dropped
        self._done["extra"] += answer.inserted
        for n in answer.notes:
            heapq.heappush(self._pending, (round(n.onset_s * sr), UNPITCHED_NOTE if n.note is None else n.note))

    def describe(self) -> dict[str, Any]:
        return self.player.describe()

    def produced(self) -> dict[str, int]:
        return dict(self._done)


class SimulatedTherapist:
    """A therapist playing live calls on their keyboard (a SimulatedClient with ``client``
    None): seeded rhythms of the preset's ``level`` (its ``pitches`` when given, else one key),
    none resting as long as ``phrase_gap_beats`` inside, each onset off the grid by Gaussian
    noise of ``timing_sd_ms``; the first call one beat after the run starts, each next one
    ``lead_beats`` after the trial before it is over (its window closed, the feedback and the
    rest), reckoned by the activity's own rule for a live call's window.
    """

    client = None

    def __init__(self, params: Any, *, seed: int, sample_rate: int, timing_sd_ms: float = 10.0,
                 lead_beats: float = 0.5, key_note: int = 48):
        self.params = params
        self.sr = sample_rate
        self.seed = seed
        self.timing_sd_ms = timing_sd_ms
        self.lead_beats = lead_beats
        self.key_note = key_note
        self._rng = random.Random(f"therapist:{seed}")
        self._beat = 60.0 * sample_rate / params.tempo_bpm
        self._pending: list[tuple[int, int]] = []
        self._calls = 0
        self._made = 0

    def start(self, start_frame: int) -> None:
        self._plan_call(start_frame + round(self._beat))

    def _phrase(self) -> list[tuple[float, int]]:
        """The next call as (beats from its start, MIDI note)."""
        p = self.params
        pitches = [note_number(n) for n in p.pitches]
        longest_steps = max(1, int((p.phrase_gap_beats - 0.5) * GENERATED_STEPS_PER_BEAT))
        for attempt in range(1000):
            notes = generate_call(p.start_level, seed=self.seed, trial=self._calls * 1000 + attempt, pitches=pitches, ladder=p.ladder)
            steps = [n.step for n in notes]
            if all(b - a <= longest_steps for a, b in zip(steps, steps[1:])):
                break
        return [(n.step / GENERATED_STEPS_PER_BEAT, self.key_note if n.note is None else n.note) for n in notes]

    def _plan_call(self, at_frame: int) -> None:
        p = self.params
        phrase = self._phrase()
        frames = [at_frame + round(b * self._beat + self._rng.gauss(0.0, self.timing_sd_ms) * self.sr / 1000)
                  for b, _ in phrase]
        frames = [max(f, frames[0]) for f in frames]
        for f, (_, note) in zip(frames, phrase):
            self._pending.append((f, note))
        self._pending.sort()
        self._calls += 1
        if self._calls >= p.trials:
            return
        first, last = frames[0], frames[-1]
        opened = last + round(p.phrase_gap_beats * self._beat)
        closed = opened + (last - first) + round(self._beat) + round(p.margin_beats * self._beat)
        from live.activities.call_response.activity import FEEDBACK_DELAY_S

        next_start = closed + round(FEEDBACK_DELAY_S * self.sr) + round((p.rest_beats + self.lead_beats) * self._beat)
        self._next_call = next_start

    def hear(self, sound: ScheduledSound) -> None:
        pass

    def hear_therapist(self, ev: InputEvent) -> None:
        pass

    def inputs_before(self, frame: int, *, heard_until_frame: int) -> list[InputEvent]:
        out = []
        while self._pending and self._pending[0][0] < frame:
            f, note = self._pending.pop(0)
            out.append(InputEvent(frame=f, source="sim", note=note, velocity=100, client=None))
            if not self._pending and self._calls < self.params.trials:
                self._plan_call(self._next_call)
        self._made += len(out)
        return out

    def describe(self) -> dict[str, Any]:
        return {"model": "therapist", "seed": self.seed, "level": self.params.start_level,
                "timing_sd_ms": self.timing_sd_ms, "calls": self.params.trials}

    def produced(self) -> dict[str, int]:
        return {"inputs": self._made, "omitted": 0, "extra": 0}
