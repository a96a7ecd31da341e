"""A song's run as it plays: the slices it queues and, when the run is ended early (the
therapist's stop, next or quit, a signal: :meth:`Entrainment.stop` with the frame), their
release, so nothing of the song sounds after the stop's fade.

Each beat's slice starts half-way from the beat before (:meth:`SongPlan.slice_start`), so it is
queued (with the look-ahead) before its own beat is planned: a stop can find the next beat's
slice waiting or already sounding, and without a release it would play on through that beat's
attack, a beat the run no longer has. At a stop every queued slice still to sound is released
:data:`STOP_AFTER_S` after the stop's frame: one sounding then fades over its bank sound's
release (5 ms), one that has not begun by then never sounds (the sampler drops a sound released
before its start). The slices are scheduled with their end frame (:meth:`SongPlan.slice_end`),
which gives them an engine key for the release and changes nothing else.

Realtime-safe: no (the control thread).
"""

from __future__ import annotations

from live.activities.entrainment.song_cue import SOUND_PREFIX, SongPlan
from live.engine.events import Release, ScheduledSound

__all__ = ["STOP_AFTER_S", "SongSlices"]

STOP_AFTER_S = 0.010
"""The release starts this long after the stop's frame: one control step, so the release
reaches the callback before its frame (a stop is not counted late)."""


class SongSlices:
    """The slices of ``plan`` a run queues, at ``volume`` (linear gain)."""

    def __init__(self, plan: SongPlan, volume: float) -> None:
        self.plan = plan
        self.volume = volume
        self._queued: list[ScheduledSound] = []
        self._releases: list[Release] = []

    def for_beat(self, beat: int, origin_frame: int) -> list[ScheduledSound]:
        """The slices to queue when ``beat`` is planned (the cue's origin at ``origin_frame``):
        the next beat's (it starts half-way there), and the first beat's own with the first."""
        song = self.plan
        beats = (beat, beat + 1) if beat == song.first_beat else (beat + 1,)
        return [ScheduledSound(frame=origin_frame + song.slice_start(j), sound=song.sound_name(j), gain=self.volume,
                               end_frame=origin_frame + song.slice_end(j))
                for j in beats if j < song.n_beats]

    def queued(self, sound: ScheduledSound) -> None:
        """``sound`` was handed to the engine (a slice, or any other sound of the run: ignored)."""
        if sound.sound.startswith(f"{SOUND_PREFIX}{self.plan.key}:") and sound.end_frame is not None:
            self._queued = [s for s in self._queued if s.end_frame > sound.frame] + [sound]

    def stop_at(self, frame: int, sample_rate: int) -> None:
        """The run stops at ``frame``: release every queued slice still to sound then."""
        at = frame + int(round(STOP_AFTER_S * sample_rate))
        self._releases += [Release(at, s) for s in self._queued if s.end_frame > at]
        self._queued = []

    def take_releases(self) -> list[Release]:
        out, self._releases = self._releases, []
        return out
