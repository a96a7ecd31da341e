"""One trial of call-and-response: its call on the engine's clock, its answer window, the
client's answer, its score and the record of it.

A :class:`Trial` is filled in as the run goes: the call's notes (planned by the engine, or the
therapist's as they come), the window's opening and closing frames, then the answer (every
client input inside the window) and its :class:`~live.metrics.echo.EchoScore`, computed by
:func:`~live.metrics.echo.score_echo` (the same code as ``live metrics echo``).

Realtime-safe: no.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from live.activities.types import Response, Target
from live.engine.events import InputEvent
from live.metrics.echo import SCORE_KEYS, EchoNote, EchoScore, score_echo

__all__ = ["Trial", "TARGET_KIND"]

TARGET_KIND = "call_onset"
"""What an answer note is scored against."""


@dataclass(slots=True)
class Trial:
    """A trial as it is being played (frames on the engine's clock).

    Attributes
    ----------
    index : int
        0 = the run's first.
    level : int
        The level it was played at.
    tolerance_ms : float
        Its matching tolerance.
    call_frames, call_notes, call_lengths_frames : list
        The call's onsets, MIDI notes (None: unpitched) and durations.
    first_onset_index : int
        The run-wide index of its first call note (targets are numbered across the run).
    open_frame, close_frame : int or None
        The answer window, inclusive; None until known.
    expected_lag_frames : int or None
        Answering in time: where the answer belongs, after the call's first note.
    """

    index: int
    level: int
    tolerance_ms: float
    first_onset_index: int
    call_frames: list[int] = field(default_factory=list)
    call_notes: list[int | None] = field(default_factory=list)
    call_lengths_frames: list[int] = field(default_factory=list)
    open_frame: int | None = None
    close_frame: int | None = None
    expected_lag_frames: int | None = None
    answer: list[InputEvent] = field(default_factory=list)
    answer_notes: list[int | None] = field(default_factory=list)
    answer_pitches: list[float] | None = None
    score: EchoScore | None = None
    success: bool | None = None

    def in_window(self, frame: int) -> bool:
        """Whether an input at ``frame`` belongs to this trial's answer."""
        return self.open_frame is not None and self.close_frame is not None and \
            self.open_frame <= frame <= self.close_frame

    def pitched(self) -> bool:
        return any(n is not None for n in self.call_notes)

    def scored(self, inputs: list[InputEvent], *, sample_rate: int,
               note_of: Callable[[InputEvent], int | None] = lambda ev: ev.note) -> EchoScore:
        """Score the inputs in its window as its answer (kept in :attr:`answer` and :attr:`score`;
        ``note_of`` gives an input's MIDI note, e.g. a touched pad's)."""
        sr = sample_rate
        self.answer = sorted((ev for ev in inputs if self.in_window(ev.frame)), key=lambda ev: ev.frame)
        pitched = self.pitched()
        self.answer_notes = [note_of(ev) if pitched else None for ev in self.answer]
        answer = [EchoNote(ev.frame / sr, n) for ev, n in zip(self.answer, self.answer_notes)]
        lag_s = None if self.expected_lag_frames is None else self.expected_lag_frames / sr
        self.score = score_echo(self._call(sr), answer, tolerance_ms=self.tolerance_ms, expected_lag_s=lag_s)
        return self.score

    def scored_sung(self, sung: list[tuple[InputEvent, float]], *, sample_rate: int,
                    tolerance_cents: float) -> EchoScore:
        """Score a sung answer: ``sung`` the notes found in the window's audio, each an input at
        its onset and its pitch (fractional MIDI); pitch right within ``tolerance_cents``."""
        sr = sample_rate
        kept = sorted((s for s in sung if self.in_window(s[0].frame)), key=lambda s: s[0].frame)
        self.answer = [ev for ev, _ in kept]
        pitched = self.pitched()
        self.answer_pitches = [p for _, p in kept]
        self.answer_notes = [ev.note if pitched else None for ev in self.answer]
        answer = [EchoNote(ev.frame / sr, n, 0.0, p if pitched else None)
                  for ev, n, p in zip(self.answer, self.answer_notes, self.answer_pitches)]
        lag_s = None if self.expected_lag_frames is None else self.expected_lag_frames / sr
        self.score = score_echo(self._call(sr), answer, tolerance_ms=self.tolerance_ms, expected_lag_s=lag_s,
                                pitch_tolerance_cents=tolerance_cents)
        return self.score

    def _call(self, sr: int) -> list[EchoNote]:
        return [EchoNote(f / sr, n, d / sr) for f, n, d in zip(self.call_frames, self.call_notes,
                                                                self.call_lengths_frames)]

    def responses(self, *, sample_rate: int) -> list[Response]:
        """Each answer input with the call note it matched (``error_ms``: answer - call onset, the
        lag; ``timing_error_ms`` in ``extra``: after the best shift), unmatched ones with none."""
        assert self.score is not None
        matched = {a: (c, e) for (c, a), e in zip(self.score.pairs, self.score.errors_ms)}
        out = []
        for k, ev in enumerate(self.answer):
            extra = {"trial": self.index, "level": self.level, "pitch": self.answer_notes[k],
                     "timing_error_ms": None}
            if k in matched:
                c, err = matched[k]
                frame = self.call_frames[c]
                target = Target(self.first_onset_index + c, frame, TARGET_KIND)
                extra["timing_error_ms"] = err
                out.append(Response(ev, target, 1000.0 * (ev.frame - frame) / sample_rate, extra))
            else:
                out.append(Response(ev, None, None, extra))
        return out

    def record(self, *, sample_rate: int, origin_frame: int) -> dict[str, Any]:
        """The trial as ``live demo --json`` and the store give it: ``index``, ``level``,
        ``tolerance_ms``, ``call`` (``{onset_s, duration_s, note}``), ``answer`` (``{onset_s,
        note}``: the onsets scored; a sung answer's also ``pitch_midi``), times in seconds from ``origin_frame`` (the session's
        start), every key of ``live metrics echo --json``, ``success`` (1 or 0) and ``call_frame``
        (the engine frame of the call's first note: the call on the session's other records)."""
        assert self.score is not None
        sr = sample_rate

        def t(frame: int) -> float:
            return round((frame - origin_frame) / sr, 6)

        call = [{"onset_s": t(f), "duration_s": round(d / sr, 6), "note": n}
                for f, n, d in zip(self.call_frames, self.call_notes, self.call_lengths_frames)]
        answer = [{"onset_s": t(ev.frame), "note": n} for ev, n in zip(self.answer, self.answer_notes)]
        if self.answer_pitches is not None:  # sung: each note's pitch (fractional MIDI, in the call's octave)
            for a, p in zip(answer, self.answer_pitches):
                a["pitch_midi"] = round(p, 3)
        metrics = self.score.as_dict()
        return {"index": self.index, "level": self.level, "tolerance_ms": self.tolerance_ms, "call": call,
                "answer": answer, **{k: metrics[k] for k in SCORE_KEYS}, "success": int(bool(self.success)),
                "call_frame": self.call_frames[0] if self.call_frames else None}
