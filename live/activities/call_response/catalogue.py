"""What call-and-response's records hold: its metric catalogue, the run's metrics from its
trials, and the session note's table.

Per trial the metrics are those of ``live metrics echo`` (:data:`~live.metrics.echo.SCORE_METRICS`,
the same keys) plus the level, the tolerance and whether it succeeded; per run (and per level,
as the run's phases) their means over the trials, the success rate, the highest and the last
level, and with the staircase its reversals and threshold (Levitt 1971: the mean level over the
last reversals).

Realtime-safe: no.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from live.activities.call_response.plots import NOTE_PLOTS
from live.metrics.echo import SCORE_METRICS
from live.metrics.info import Catalogue, MetricInfo

__all__ = ["METRICS", "NOTE_PLOTS", "NOTE_TABLE", "MEANS", "run_metrics"]

_H, _L = "higher", "lower"

#: Trial metrics averaged over a run's trials: trial key -> run key.
MEANS: dict[str, str] = {
    "f1": "mean_f1", "precision": "mean_precision", "recall": "mean_recall",
    "pitch_accuracy": "mean_pitch_accuracy", "ioi_ratio_error": "mean_ioi_ratio_error",
    "response_latency_ms": "mean_response_latency_ms", "mean_abs_error_ms": "mean_abs_timing_error_ms",
    "tempo_ratio": "mean_tempo_ratio", "lag_error_ms": "mean_lag_error_ms",
    "mean_cents_error": "mean_sung_cents_error",
}

METRICS = SCORE_METRICS.merged(Catalogue([
    MetricInfo("level", "level", "{level}", "", "d", _H),
    MetricInfo("tolerance_ms", "tolerance", "ms", "ms", ".1f"),
    MetricInfo("success", "succeeded", "1", "", "d", _H),
    MetricInfo("trials", "trials", "{trials}", "", "d"),
    MetricInfo("success_rate", "trials succeeded", "1", "", ".2f", _H),
    MetricInfo("mean_f1", "mean F-measure", "1", "", ".3f", _H),
    MetricInfo("mean_precision", "mean precision", "1", "", ".3f", _H),
    MetricInfo("mean_recall", "mean recall", "1", "", ".3f", _H),
    MetricInfo("mean_pitch_accuracy", "mean pitch accuracy", "1", "", ".3f", _H),
    MetricInfo("mean_ioi_ratio_error", "mean IOI ratio error", "1", "", ".3f", _L),
    MetricInfo("mean_response_latency_ms", "mean response latency", "ms", "ms", ".0f"),
    MetricInfo("mean_abs_timing_error_ms", "mean |timing error|", "ms", "ms", ".1f", _L),
    MetricInfo("mean_tempo_ratio", "mean tempo ratio", "1", "", ".3f"),
    MetricInfo("mean_lag_error_ms", "mean lag error (in time)", "ms", "ms", ".1f"),
    MetricInfo("mean_sung_cents_error", "mean cents error (sung)", "cents", "cents", ".1f", _L),
    MetricInfo("max_level", "highest level", "{level}", "", "d", _H),
    MetricInfo("final_level", "last level", "{level}", "", "d", _H),
    MetricInfo("reversals", "staircase reversals", "{reversals}", "", "d"),
    MetricInfo("threshold_level", "threshold level", "{level}", "", ".2f", _H),
]))

NOTE_TABLE: dict[str, str] = {
    "trials": "trials", "mean_f1": "F", "mean_recall": "recall", "mean_pitch_accuracy": "pitch",
    "mean_abs_timing_error_ms": "|err| (ms)", "mean_sung_cents_error": "sung (cents)", "success_rate": "succeeded",
    "max_level": "top level", "threshold_level": "threshold",
}


def _mean(values: Sequence[Any]) -> float | None:
    kept = [float(v) for v in values if v is not None]
    return sum(kept) / len(kept) if kept else None


def run_metrics(trials: Sequence[Mapping[str, Any]], *, threshold: float | None = None,
                reversals: int | None = None) -> dict[str, Any]:
    """A run's (or one level's) metrics from its trial records: counts, means (None where no
    trial defines the metric), the levels and, with the staircase, its reversals and threshold."""
    out: dict[str, Any] = {"trials": len(trials),
                           "success_rate": _mean([t["success"] for t in trials])}
    for key, name in MEANS.items():
        out[name] = _mean([t.get(key) for t in trials])
    out["max_level"] = max((t["level"] for t in trials), default=None)
    out["final_level"] = trials[-1]["level"] if trials else None
    if reversals is not None:
        out["reversals"] = reversals
        out["threshold_level"] = threshold
    return out
