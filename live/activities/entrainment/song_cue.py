"""A song as the entrainment cue: where its beats must sound, planned before the session.

With ``song = "NAME"`` the cue is the client's own song, warped per RAS step so that its tracked
beats land on the run's planned beat frames (:mod:`~live.activities.entrainment.song_render`
renders it before the session). The plan is what the render and the running activity share:
the frames of every beat of the cue (count-in beats included, and the frame the beat after
the last would have) relative to the cue's origin, laid out by the run's own
:class:`~live.activities.entrainment.timeline.Timeline` (steps, ramps, phase and tempo
perturbations), and the bank name of each beat's slice of the song: beat ``k``'s slice runs from
half-way after the beat before to half-way to the next (crossfaded there, away from the
beats' attacks), so the slices played one after the other are the warped song, and a stopped
run stops after a beat. Beat frames are whole frames from the cue's origin (itself
a whole frame), so they are the ones the activity plans, to the frame.

Realtime-safe: no (before the session and on the control thread).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from live.activities.entrainment.params import EntrainmentParams
from live.activities.entrainment.timeline import Timeline

__all__ = ["CROSSFADE_S", "SOUND_PREFIX", "SongPlan", "SongStep", "plan_song"]

SOUND_PREFIX = "song:"
CROSSFADE_S = 0.010
"""Each slice runs this much into the next, crossfaded with it (s)."""


@dataclass(frozen=True, slots=True)
class SongStep:
    """One RAS step of the cue, rendered as one warp: beats ``first_beat .. end_beat - 1`` (the
    count-in in the first step), at ``bpm`` after its ramp."""

    index: int
    first_beat: int
    end_beat: int
    bpm: float


@dataclass(frozen=True, slots=True)
class SongPlan:
    """Where a run's song cue sounds.

    Attributes
    ----------
    song : str
        The name the preset gives.
    key : str
        16 hex digits of the plan (the song's name, the frames, the rate, the fade): bank names
        of different plans in one session never meet.
    first_beat : int
        The first beat of the cue (minus the count-in).
    n_beats : int
        Scored beats.
    frames : tuple of int
        Frame of beats ``first_beat .. n_beats`` (one past the last scored beat) from the cue's
        origin (the first count-in beat's frame, 0 when there is no count-in).
    steps : tuple of SongStep
    fade_beats : int
        The last this many scored beats fade out (the render bakes the fade in).
    sample_rate : int
    """

    song: str
    key: str
    first_beat: int
    n_beats: int
    frames: tuple[int, ...]
    steps: tuple[SongStep, ...]
    fade_beats: int
    sample_rate: int

    def frame(self, beat: int) -> int:
        """Frame of ``beat`` (``first_beat .. n_beats``) from the cue's origin."""
        return self.frames[beat - self.first_beat]

    def slice_start(self, beat: int) -> int:
        """Frame (from the cue's origin) where beat ``beat``'s slice starts: half-way from the beat
        before (the cue's first beat: on it), so slices meet between beats, never on one."""
        if beat == self.first_beat:
            return self.frame(beat)
        return (self.frame(beat - 1) + self.frame(beat)) // 2

    def slice_end(self, beat: int) -> int:
        """Frame (from the cue's origin) where beat ``beat``'s slice ends: :data:`CROSSFADE_S` into
        the next beat's (the last beat's: on the beat after it)."""
        if beat + 1 >= self.n_beats:
            return self.frame(beat + 1)
        return self.slice_start(beat + 1) + int(round(CROSSFADE_S * self.sample_rate))

    def sound_name(self, beat: int) -> str:
        """The bank name of beat ``beat``'s slice of the song."""
        return f"{SOUND_PREFIX}{self.key}:{beat}"

    def gain(self, beat: float) -> float:
        """The fade's gain at ``beat`` (1 before the fade; ``(n - k) / (fade_beats + 1)`` at beat
        ``k`` of it, as the clicks fade; 0 from beat ``n_beats`` on)."""
        n, fade = self.n_beats, self.fade_beats
        if beat >= n:
            return 0.0
        if not fade or beat < n - fade:
            return 1.0
        return (n - beat) / (fade + 1)

    def sound_names(self) -> list[str]:
        return [self.sound_name(k) for k in range(self.first_beat, self.n_beats)]


def plan_song(params: EntrainmentParams, sample_rate: int) -> SongPlan:
    """The song cue of a run with ``params`` (``params.song`` named; a fixed plan: no adaptive
    tempo and no cue from the baseline, which the params' check refuses with a song).

    Raises
    ------
    ValueError
        For params without a song, or whose plan is not fixed before the session.
    """
    if not params.song:
        raise ValueError("the params name no song")
    if params.adaptive_gain > 0 or params.cue_from_baseline:
        raise ValueError("a song cue needs a plan fixed before the session (no adaptive tempo, no cue from the baseline)")
    tl = Timeline(params, sample_rate=sample_rate, cue_origin_frame=0)
    tl.begin(params.tempo_bpm)
    frames = []
    while tl.next_beat < tl.n_beats:
        frame, offset, _ = tl.next_frame(None)
        frames.append(frame)
        tl.commit(frame, offset)
    frames.append(tl.beat_frame(tl.n_beats))
    first = -params.count_in_beats
    steps = tuple(SongStep(i, first if i == 0 else ph.first_beat, ph.end_beat, ph.bpm)
                  for i, ph in enumerate(tl.phases))
    doc = {"song": params.song, "frames": frames, "first": first, "rate": sample_rate, "fade": params.fade_beats,
           "steps": [[s.first_beat, s.end_beat] for s in steps]}
    key = hashlib.sha256(json.dumps(doc).encode()).hexdigest()[:16]
    return SongPlan(params.song, key, first, tl.n_beats, tuple(frames), steps, params.fade_beats, sample_rate)
