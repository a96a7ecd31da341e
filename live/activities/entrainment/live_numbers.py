"""The numbers the therapist's console shows while an entrainment run plays.

From the cue stream and the provisional responses: the tempo of the latest beat interval
played, scored beats played of the run's total, the asynchrony (tap time minus the matched
beat's time, ms, negative = early) mean and SD (ddof 1) over the run's matched responses so
far, and the hits: beats played with a response matched to them within +/- ``window_ms`` (the
share of taps within a tolerance window, DOMAIN.md), and hits over beats played. These are
provisional: the stored summary comes from the batch metric functions when the run ends.

Realtime-safe: no (control thread).
"""

from __future__ import annotations

from typing import Iterable

from live.activities.types import LiveNumber, Response
from live.engine.events import Cue

__all__ = ["RunTally"]


class RunTally:
    """Running sums over one run's cues and provisional responses.

    Parameters
    ----------
    sample_rate : int
        Engine frames per second.
    window_ms : float
        The preset's tolerance window (ms).
    """

    def __init__(self, sample_rate: int, window_ms: float) -> None:
        self.sample_rate = sample_rate
        self.window_ms = window_ms
        self.cue_frames: list[tuple[int, int]] = []  # (beat index, frame), in frame order
        self.n = 0
        self.sum_ms = 0.0
        self.sumsq_ms = 0.0
        self.hit_beats: set[int] = set()

    def add_cues(self, cues: Iterable[Cue]) -> None:
        self.cue_frames.extend((c.index, c.frame) for c in cues)

    def add_responses(self, responses: Iterable[Response]) -> None:
        for r in responses:
            if r.error_ms is None or r.target is None:
                continue
            self.n += 1
            self.sum_ms += r.error_ms
            self.sumsq_ms += r.error_ms ** 2
            if abs(r.error_ms) <= self.window_ms:
                self.hit_beats.add(r.target.index)

    def numbers(self, now_frame: int, *, beats_total: int) -> tuple[LiveNumber, ...]:
        """As of ``now_frame``: Tempo (BPM), Beats (played / ``beats_total``), Mean asynchrony
        and SD of asynchrony (ms), Hits (beats within the window, of beats played) and Hit rate."""
        played = [(k, f) for k, f in self.cue_frames if f <= now_frame]
        scored = [k for k, _ in played if k >= 0]
        tempo = None
        if len(played) >= 2:
            tempo = 60.0 * self.sample_rate / (played[-1][1] - played[-2][1])
        mean = self.sum_ms / self.n if self.n else None
        sd = None
        if self.n >= 2:
            sd = max(0.0, (self.sumsq_ms - self.n * mean * mean) / (self.n - 1)) ** 0.5
        hits = len(self.hit_beats.intersection(scored))
        return (
            LiveNumber("Tempo", tempo, "BPM", ".1f"),
            LiveNumber("Beats", f"{len(scored)} / {beats_total}"),
            LiveNumber("Mean asynchrony", mean, "ms", "+.1f"),
            LiveNumber("SD of asynchrony", sd, "ms", ".1f"),
            LiveNumber("Hits", f"{hits} of {len(scored)} beats within +/-{self.window_ms:g} ms"),
            LiveNumber("Hit rate", hits / len(scored) if scored else None, "", ".2f"),
        )
