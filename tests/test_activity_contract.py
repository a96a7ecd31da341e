"""The contract every activity keeps: the registry, the Activity and SimulatedClient protocols,
the shared types and the per-activity metric catalogue."""

import subprocess
import sys

import pytest

from live.activities.entrainment import Entrainment, EntrainmentParams
from live.activities.protocol import Activity
from live.activities.registry import activity_class, activity_names, metric_catalogue, register
from live.activities.types import LiveNumber, RecordNames
from live.metrics.info import Catalogue, MetricInfo, MetricPattern, format_value, metric_info
from live.sim.base import SimulatedClient


def test_the_registry_imports_a_built_in_activity_only_when_it_is_asked_for():
    code = ("import sys; from live.activities import registry as r; "
            "assert 'live.activities.entrainment' not in sys.modules; "
            "assert r.activity_names() == ['call_response', 'entrainment', 'improvisation']; "
            "assert 'live.activities.entrainment' not in sys.modules; "
            "assert r.activity_class('entrainment').__name__ == 'Entrainment'; print('ok')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_unknown_activity_names_the_known_ones_and_a_second_class_cannot_take_a_name():
    with pytest.raises(KeyError, match="unknown activity 'drumming'; known: call_response, entrainment, improvisation"):
        activity_class("drumming")

    class Impostor:
        name = "entrainment"

    with pytest.raises(ValueError, match="already registered"):
        register(Impostor)
    assert activity_class("entrainment") is Entrainment
    assert register(Entrainment) is Entrainment  # the same class again is fine


def test_entrainment_keeps_the_activity_protocol_and_declares_its_records():
    assert isinstance(Entrainment(EntrainmentParams(beats=4)), Activity)
    assert Entrainment.target_kind == "beat" and Entrainment.response_fields == ()
    names = Entrainment.record_names
    assert names == RecordNames("beat", "asynchrony_ms", unmatched="an extra tap")
    assert (names.index, names.frame, names.time_s) == ("beat_index", "beat_frame", "beat_time_s")
    assert "entrainment" in activity_names() and metric_catalogue("entrainment") is Entrainment.metrics


def test_entrainment_builds_its_simulated_client_and_refuses_unknown_settings():
    with_baseline = EntrainmentParams(beats=4, baseline_s=5)
    client = Entrainment.simulated_client(with_baseline, seed=3, sample_rate=48000, client="C9", alpha=0.2)
    assert isinstance(client, SimulatedClient) and client.client == "C9"
    assert client.describe() == {"mean_async_ms": -30.0, "timekeeper_sd_ms": 15.0, "motor_sd_ms": 8.0,
                                 "alpha": 0.2, "seed": 3, "period_ms": 600.0}
    client.start(1000)  # a baseline: free tapping from the run's start, every 600 ms
    first = client.inputs_before(100_000, heard_until_frame=200_000)[0]
    assert abs(first.frame - (1000 + 28800)) < 48 * 100 and first.client == "C9"
    plain = Entrainment.simulated_client(EntrainmentParams(beats=4), seed=3, sample_rate=48000, client="C9")
    plain.start(1000)  # no baseline: silent until it hears a beat
    assert plain.inputs_before(100_000, heard_until_frame=200_000) == []
    with pytest.raises(TypeError, match="no wobble"):
        Entrainment.simulated_client(with_baseline, seed=1, sample_rate=48000, client="C9", wobble=1)


def test_phase_length_replaces_beats_by_seconds_and_keeps_the_rest():
    params = EntrainmentParams(tempo_bpm=90, beats=200, baseline_s=20, continuation_beats=8)
    longer = Entrainment.with_phase_length(params, 30.0)
    assert (longer.beats, longer.duration_s) == (None, 30.0)
    assert (longer.tempo_bpm, longer.baseline_s, longer.continuation_beats) == (90, 20, 8)


def test_catalogue_knows_named_metrics_and_patterns_with_the_better_direction():
    cat = Entrainment.metrics
    assert cat["sd_async_ms"].better == "lower" and cat["R"].better == "higher"
    assert cat["mean_async_ms"].better is None  # anticipation is normal: neither way is better
    lag = metric_info("deviation_lag12_ms", cat)
    assert (lag.label, lag.ucum, lag.fmt) == ("deviation at perturbation +12 beats", "ms", ".1f")
    assert "deviation_lag3_ms" in cat and "deviation_lag3_ms" not in list(cat)  # a pattern, not an entry
    assert all(m.better in ("higher", "lower", None) for m in cat.values())
    # An unknown metric, or no catalogue: its name, unit 1, no better direction.
    assert metric_info("sd_async_ms") == MetricInfo("sd_async_ms", "sd async ms", "1", "", ".4g", None)
    assert format_value("matched", 12.0, cat) == "12" and format_value("matched", 12.0) == "12"
    with pytest.raises(ValueError, match="better"):
        MetricInfo("x", "x", "1", "", ".1f", "up")
    mine = Catalogue([MetricInfo("f_score", "F", "1", "", ".2f", "higher")],
                     [MetricPattern(r"ioi_ratio_(\d+)", "IOI ratio {0}", "1", "", ".2f")])
    both = cat.merged(mine)
    assert both["f_score"].label == "F" and both["ioi_ratio_2"].label == "IOI ratio 2"
    assert both["deviation_lag1_ms"].unit == "ms" and list(both)[: len(cat)] == list(cat)
    assert "sd_async_ms" in metric_catalogue()  # every activity's, for goals
    assert len(metric_catalogue("no-such-activity")) == 0  # an old or foreign database's: by name


def test_live_number_prints_its_value_with_its_unit():
    assert LiveNumber("Tempo", 96.04, "BPM").text() == "96.0 BPM"
    assert LiveNumber("Beats", "3 / 40").text() == "3 / 40"
    assert LiveNumber("Hits", 7, fmt="d").text() == "7"
    assert LiveNumber("SD", None, "ms").text() == "-"


def test_call_response_keeps_the_activity_protocol_and_declares_its_records():
    from live.activities.call_response import CallResponse, CallResponseParams
    from live.metrics.echo import SCORE_KEYS

    assert activity_class("call_response") is CallResponse
    assert isinstance(CallResponse(CallResponseParams()), Activity)
    assert CallResponse.target_kind == "call_onset"
    names = CallResponse.record_names
    assert (names.index, names.time_s, names.error) == ("call_onset_index", "call_onset_time_s", "lag_ms")
    assert set(SCORE_KEYS) | {"level", "tolerance_ms", "threshold_level", "mean_f1"} <= set(CallResponse.metrics)
    assert metric_catalogue("call_response") is CallResponse.metrics
