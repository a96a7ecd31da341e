"""The improvisation's metric catalogue: the improvisation metrics of :mod:`live.metrics.improv`
(their definitions and units are there) and the run's own counts of its backing.

Realtime-safe: no.
"""

from __future__ import annotations

from live.metrics.info import Catalogue, MetricInfo

from live.metrics.improv import IMPROV_METRICS as IMPROV

__all__ = ["METRICS"]

METRICS = IMPROV.merged(Catalogue([
    MetricInfo("chords_played", "chord segments of the backing", "{chords}", "", "d"),
    MetricInfo("therapist_chords", "chords the therapist played", "{chords}", "", "d"),
    MetricInfo("filtered_notes", "keyboard notes left silent (off the scale)", "{notes}", "", "d", "lower"),
    # per chord segment (trials)
    MetricInfo("start_s", "segment start", "s", "s from the session's start", ".2f"),
    MetricInfo("end_s", "segment end", "s", "s from the session's start", ".2f"),
    MetricInfo("root_pc", "chord root (pitch class, C = 0)", "1", "0..11", "d"),
    MetricInfo("n_notes", "client notes", "{notes}", "", "d"),
    MetricInfo("chord_tone_pct", "client notes on a chord tone", "%", "% of notes", ".1f"),
]))
"""Every metric an improvisation summary holds (text ones: ``key_estimate``, and per segment
``symbol``, ``pitch_classes``, ``key``)."""
