"""What an activity declares about its records, looked up by the name a run stored.

Records (CSV columns, JSON keys, FHIR codes and units, the session note's tables and plots, the
progress report, goals) name nothing of any one activity: they ask the activity that made a run,
through the registry (:mod:`live.activities.registry`), for

- its :class:`~live.activities.types.RecordNames` (entrainment's target is the beat and its
  error the asynchrony: its columns are named as they were before the store was generic);
- its metric catalogue (labels, UCUM units, formats);
- the extra fields its responses carry (``response_fields``: columns after the common ones);
- the session note's per-phase table (``note_table``: metric -> column heading) and plots
  (``note_plots``);
- the tracks of its own in the MIDI export (``midi_tracks``, optional: none when it declares
  none).

A run of an activity this version does not know (an old or foreign database) gets generic
names (``target_index``, ``target_time_s``, ``error_ms``), metrics shown by name, the first
metrics of its summary in the note's table and no plots of its own.

Realtime-safe: no.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from live.activities.registry import activity_class, metric_catalogue
from live.activities.types import GENERIC_RECORD_NAMES, MidiTrack, NotePlot, RecordNames
from live.metrics.info import Catalogue

__all__ = ["Declared", "declared", "session_declared", "UNKNOWN_TABLE_METRICS"]

UNKNOWN_TABLE_METRICS = 7
"""How many of a run's metrics the note's table shows for an activity this live does not know."""


@dataclass(frozen=True)
class Declared:
    """One activity's declarations for records (see the module docstring)."""

    activity: str
    known: bool
    names: RecordNames
    catalogue: Catalogue
    response_fields: tuple[str, ...] = ()
    note_table: Mapping[str, str] = field(default_factory=dict)
    note_plots: tuple[NotePlot, ...] = ()
    midi_tracks: tuple[MidiTrack, ...] = ()

    def table_metrics(self, runs: Iterable[Mapping[str, Any]]) -> dict[str, str]:
        """Metric -> heading of the note's per-phase table for these runs of the activity: the
        declared table, or, for an unknown activity, the first metrics its runs stored."""
        if self.known:
            return dict(self.note_table)
        seen: dict[str, str] = {}
        for run in runs:
            for metrics in run.get("phases", {}).values():
                for name in metrics:
                    if len(seen) < UNKNOWN_TABLE_METRICS:
                        seen.setdefault(name, name)
        return seen


def declared(activity: str) -> Declared:
    """The declarations of ``activity`` (by name), generic ones when this live does not know it."""
    try:
        cls = activity_class(activity)
    except KeyError:
        return Declared(activity, False, GENERIC_RECORD_NAMES, Catalogue([]))
    return Declared(activity, True, cls.record_names, metric_catalogue(activity), tuple(cls.response_fields),
                    dict(cls.note_table), tuple(cls.note_plots), tuple(getattr(cls, "midi_tracks", ())))


def session_declared(session: Mapping[str, Any]) -> dict[str, Declared]:
    """Activity name -> :class:`Declared` for each activity of a loaded session's runs, in the
    order they first ran."""
    out: dict[str, Declared] = {}
    for run in session["runs"]:
        if run["activity"] not in out:
            out[run["activity"]] = declared(run["activity"])
    return out
