"""Entrainment's metric catalogue: every metric its summaries hold, with its label, units,
format and which direction is better.

Definitions: DOMAIN.md, "Metrics" (Repp 2005; Repp & Su 2013; Fisher 1993 for the circular
statistics); the functions that compute them are in :mod:`live.metrics.sms`,
:mod:`live.metrics.timing` and :mod:`live.metrics.bgls`. ``better`` is None where neither
direction is an improvement by itself: a signed asynchrony or phase (anticipation is normal),
a tempo or cadence, a ratio whose best value is 1, counts that describe the run.
"""

from __future__ import annotations

from live.metrics.info import Catalogue, MetricInfo, MetricPattern

__all__ = ["METRICS"]

_H, _L = "higher", "lower"

METRICS = Catalogue(
    [
        MetricInfo("n_beats", "beats scored", "{beats}", "", "d"),
        MetricInfo("n_taps", "taps", "{taps}", "", "d"),
        MetricInfo("matched", "matched taps", "{taps}", "", "d", _H),
        MetricInfo("missed", "missed beats", "{beats}", "", "d", _L),
        MetricInfo("extra", "extra taps", "{taps}", "", "d", _L),
        MetricInfo("mean_async_ms", "mean asynchrony", "ms", "ms", ".1f"),
        MetricInfo("sd_async_ms", "SD of asynchrony", "ms", "ms", ".1f", _L),
        MetricInfo("median_async_ms", "median asynchrony", "ms", "ms", ".1f"),
        MetricInfo("within_window_pct", "taps within the window", "%", "% of beats", ".1f", _H),
        MetricInfo("R", "phase consistency R", "1", "0..1", ".3f", _H),
        MetricInfo("mean_phase_deg", "mean phase", "deg", "deg", ".1f"),
        MetricInfo("rayleigh_p", "Rayleigh p", "1", "", ".3g", _L),
        MetricInfo("iti_mean_ms", "mean inter-tap interval", "ms", "ms", ".1f"),
        MetricInfo("iti_cv", "inter-tap interval CV", "1", "", ".3f", _L),
        MetricInfo("iti_sd_ms", "SD of inter-tap intervals", "ms", "ms", ".1f", _L),
        MetricInfo("cadence_bpm", "tapping cadence", "/min", "taps/min", ".1f"),
        MetricInfo("alpha", "phase correction gain alpha", "1", "by bGLS", ".2f"),
        MetricInfo("cue_tempo_bpm", "cue tempo", "/min", "BPM", ".1f"),
        MetricInfo("cue_start_bpm", "cue tempo at the start", "/min", "BPM", ".1f"),
        MetricInfo("tempo_following_ratio", "tempo following ratio", "1", "1 = follows exactly", ".3f"),
        MetricInfo("duration_s", "duration", "s", "s", ".1f"),
        MetricInfo("last_cue_interval_ms", "last cue interval", "ms", "ms", ".1f"),
        MetricInfo("period_error_ms", "period error (ITI - last cue interval)", "ms", "ms", ".1f"),
        MetricInfo("drift_ms_per_tap", "drift", "ms/{tap}", "ms per tap", ".2f"),
        MetricInfo("perturbations", "perturbations", "{events}", "", "d"),
        MetricInfo("recovery_half_beats", "recovery half-time", "{beats}", "beats", ".1f", _L),
    ],
    # The recovery curve after perturbations: the mean deviation j beats after one, for every j.
    [MetricPattern(r"deviation_lag(\d+)_ms", "deviation at perturbation +{0} beats", "ms", "ms", ".1f")],
)
"""Entrainment's metrics, in the order tables list them."""
