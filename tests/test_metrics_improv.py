"""live.metrics.improv: issue 13's improvisation metrics, each checked against a value worked
out by hand, the key estimate against scipy's Pearson correlation, and the edge rules (windows,
undefined values, simultaneous onsets)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import pearsonr

from live.metrics.improv import (IMPROV_KEYS, IMPROV_METRICS, KK_MAJOR, KK_MINOR, improv_from_channels,
                                 improv_metrics, key_correlations, window_counts)
from live.music.scales import MODES, pc_name, pitch_class, scale_pitch_classes

# The worked example: five client notes (onset s, MIDI note, velocity) over 15 s, windows of 6 s.
ONSETS = [0.0, 0.5, 1.0, 2.0, 7.0]
NOTES = [60, 64, 67, 72, 62]
VELOCITIES = [80, 100, 90, 60, 70]
THERAPIST = [0.25, 8.0, 13.0]


def worked(**options):
    return improv_metrics(ONSETS, NOTES, VELOCITIES, duration_s=15.0, **options)


def test_every_metric_of_the_worked_example_by_hand():
    m = worked(key_pc=pitch_class("D"), mode="major", bpm=60.0, therapist_onset_s=THERAPIST)
    assert list(m) == list(IMPROV_KEYS) and set(IMPROV_KEYS) == set(IMPROV_METRICS)
    hand = {
        "n_notes": 5, "duration_s": 15.0, "density_per_s": 5 / 15,
        "velocity_mean": 400 / 5,                       # 80
        "velocity_sd": math.sqrt(1000 / 4),             # deviations 0, 20, 10, -20, -10
        "velocity_min": 60, "velocity_max": 100,
        "pitch_mean": 325 / 5, "pitch_min": 60, "pitch_max": 72, "pitch_range": 12,
        "pitch_classes_used": 4,                        # C E G D
        "in_scale_pct": 100 * 3 / 5,                    # D major holds E G D, not C (twice)
        "active_pct": 100 * 2 / 3,                      # [0,6) [6,12) hold onsets, [12,15) (3 s: half) none
        "longest_silence_s": 5.0,                       # 2.0 -> 7.0
        "ioi_cv": math.sqrt(14.25 / 3) / 1.75,          # IOIs 0.5 0.5 1 5: mean 1.75, squares 14.25
        "npvi": 100 / 3 * (0 + 0.5 / 0.75 + 4 / 3),     # pairs (0.5,0.5) (0.5,1) (1,5)
        "pulse_R": 3 / 5,                               # phases 0 0.5 0 0 0 cycles: (4 - 1) / 5
        "pulse_phase_deg": 0.0,
        "both_active_pct": 100 * 2 / 3, "client_only_pct": 0.0, "therapist_only_pct": 100 / 3,
        "turn_switches_per_min": 3 / (15 / 60),         # C T C C C C T T
    }
    for key, value in hand.items():
        assert m[key] == pytest.approx(value, abs=1e-12), key
        assert type(m[key]) is type(value) or isinstance(value, float), key
    # C:2 D:1 E:1 G:1 correlates best with C major (checked against scipy below)
    assert m["key_estimate"] == "C major"
    assert m["key_clarity"] == pytest.approx(pearsonr([2, 0, 1, 0, 1, 0, 0, 1, 0, 0, 0, 0], KK_MAJOR)[0])


def test_a_histogram_shaped_like_a_profile_finds_that_key_with_clarity_one_in_every_key():
    for tonic in range(12):
        for mode, profile in (("major", KK_MAJOR), ("minor", KK_MINOR)):
            notes = [60 + (tonic + i) % 12 for i, weight in enumerate(profile) for _ in range(round(weight * 100))]
            m = improv_metrics(np.zeros(len(notes)), notes, np.full(len(notes), 64), duration_s=10.0)
            assert m["key_estimate"] == f"{pc_name(tonic)} {mode}"
            assert m["key_clarity"] == pytest.approx(1.0, abs=1e-12)


def test_key_correlations_agree_with_scipy_pearsonr_on_random_histograms():
    rng = np.random.default_rng(13)
    for _ in range(50):
        counts = rng.integers(0, 9, size=12)
        if np.all(counts == counts[0]):
            continue
        # scipy's profiles rotated by np.roll: the tonic's weight lands on the tonic's pitch class
        scores = {(t, m): pearsonr(counts, np.roll(p, t))[0] for t in range(12) for m, p in enumerate((KK_MAJOR, KK_MINOR))}
        mine = key_correlations(counts)
        assert all(mine[t, m] == pytest.approx(r, abs=1e-12) for (t, m), r in scores.items())
        notes = np.repeat(np.arange(60, 72), counts)
        result = improv_metrics(np.arange(notes.size) * 0.1, notes, np.full(notes.size, 70), duration_s=60.0)
        best = max(scores.values())
        assert result["key_clarity"] == pytest.approx(best, abs=1e-12)
        t, m = next(k for k, r in scores.items() if r == pytest.approx(best, abs=1e-12))
        assert result["key_estimate"] == f"{pc_name(t)} {('major', 'minor')[m]}"


@pytest.mark.parametrize("mode", list(MODES))
def test_in_scale_pct_in_every_key_and_mode(mode):
    for tonic in range(12):
        scale = scale_pitch_classes(tonic, mode)
        outside = [pc for pc in range(12) if pc not in scale]
        notes = [48 + pc for pc in scale] + [72 + pc for pc in outside[:2]]
        m = improv_metrics(np.arange(len(notes), dtype=float), notes, [64] * len(notes), duration_s=20.0,
                           key_pc=tonic, mode=mode)
        assert m["in_scale_pct"] == pytest.approx(100 * len(scale) / len(notes))


def test_no_notes_one_note_and_two_notes_leave_undefined_values_null():
    none = improv_metrics([], [], [], duration_s=12.0, key_pc=0, mode="major", bpm=100.0, therapist_onset_s=[1.0])
    assert none["n_notes"] == 0 and none["density_per_s"] == 0.0 and none["pitch_classes_used"] == 0
    assert none["active_pct"] == 0.0 and none["therapist_only_pct"] == 50.0 and none["turn_switches_per_min"] == 0.0
    assert all(none[k] is None for k in ("velocity_mean", "velocity_sd", "velocity_min", "velocity_max", "pitch_mean",
                                         "pitch_min", "pitch_max", "pitch_range", "in_scale_pct", "longest_silence_s",
                                         "ioi_cv", "npvi", "pulse_R", "pulse_phase_deg", "key_estimate", "key_clarity"))
    one = improv_metrics([1.0], [60], [90], duration_s=12.0)
    assert one["velocity_sd"] is None and one["longest_silence_s"] is None and one["ioi_cv"] is None
    assert one["pitch_range"] == 0 and one["key_estimate"] is not None
    assert all(one[k] is None for k in ("in_scale_pct", "pulse_R", "pulse_phase_deg", "both_active_pct",
                                        "client_only_pct", "therapist_only_pct", "turn_switches_per_min"))
    two = improv_metrics([1.0, 2.0], [60, 62], [90, 80], duration_s=12.0)
    assert two["ioi_cv"] is None and two["npvi"] is None and two["longest_silence_s"] == 1.0
    assert two["velocity_sd"] == pytest.approx(math.sqrt(50))
    flat = improv_metrics(np.arange(12.0), 60 + np.arange(12), [64] * 12, duration_s=12.0)
    assert flat["key_estimate"] is None and flat["key_clarity"] is None   # every pitch class once
    empty = improv_metrics([], [], [], duration_s=0.0)
    assert empty["density_per_s"] is None and empty["active_pct"] is None


def test_windows_are_half_open_from_zero_and_a_last_partial_window_counts_from_half():
    assert list(window_counts(np.array([0.0, 5.999, 6.0, 11.9, 12.0]), 12.0, 6.0)) == [2, 2]  # 12.0: no window
    assert list(window_counts(np.array([0.0, 9.0]), 9.0, 6.0)) == [1, 1]      # [6, 9) is half: counts
    assert list(window_counts(np.array([0.0, 8.0]), 8.99, 6.0)) == [1]        # under half: not counted
    assert list(window_counts(np.array([0.3]), 0.1 + 0.2, 0.1)) == [0, 0, 0]  # 0.30000000000000004 s is 3 windows
    assert window_counts(np.array([0.1]), 2.9, 6.0).size == 0
    assert improv_metrics([0.1], [60], [64], duration_s=2.9)["active_pct"] is None
    m = improv_metrics([0.0, 7.0], [60, 62], [64, 64], duration_s=24.0, window_s=6.0)
    assert m["active_pct"] == 50.0
    assert improv_metrics([0.0, 7.0], [60, 62], [64, 64], duration_s=24.0, window_s=12.0)["active_pct"] == 50.0


def test_npvi_and_ioi_cv_of_even_and_chordal_playing():
    even = improv_metrics([0.0, 0.5, 1.0, 1.5], [60] * 4, [64] * 4, duration_s=2.0)
    assert even["npvi"] == 0.0 and even["ioi_cv"] == 0.0
    # a three-note chord then a note: IOIs 0, 0, 1 -> pairs (0,0) adds 0, (0,1): |0-1| / 0.5 = 2
    chord = improv_metrics([0.0, 0.0, 0.0, 1.0], [60, 64, 67, 72], [64] * 4, duration_s=2.0)
    assert chord["npvi"] == pytest.approx(100 / 2 * (0 + 2)) and chord["longest_silence_s"] == 1.0
    assert improv_metrics([0.0, 0.0, 0.0], [60, 64, 67], [64] * 3, duration_s=2.0)["ioi_cv"] is None


def test_pulse_phase_is_in_minus_180_to_180_and_null_without_a_mean_direction():
    late = improv_metrics([0.1, 1.1, 2.1], [60] * 3, [64] * 3, duration_s=3.0, bpm=60.0)
    assert late["pulse_R"] == pytest.approx(1.0) and late["pulse_phase_deg"] == pytest.approx(36.0)
    early = improv_metrics([0.9, 1.9], [60] * 2, [64] * 2, duration_s=3.0, bpm=60.0)
    assert early["pulse_phase_deg"] == pytest.approx(-36.0)
    half = improv_metrics([0.5, 1.5], [60] * 2, [64] * 2, duration_s=3.0, bpm=60.0)
    assert half["pulse_phase_deg"] == 180.0
    offset = improv_metrics([0.35, 0.85, 1.35], [60] * 3, [64] * 3, duration_s=3.0, bpm=120.0, beat_offset_s=0.35)
    assert offset["pulse_R"] == pytest.approx(1.0) and offset["pulse_phase_deg"] == pytest.approx(0.0, abs=1e-9)
    opposed = improv_metrics([0.0, 0.5], [60] * 2, [64] * 2, duration_s=3.0, bpm=60.0)
    assert opposed["pulse_R"] == pytest.approx(0.0, abs=1e-12) and opposed["pulse_phase_deg"] is None


def test_turn_switches_put_the_client_first_at_the_same_moment():
    m = improv_metrics([0.0, 1.0], [60, 62], [64, 64], duration_s=60.0, therapist_onset_s=[1.0, 2.0])
    assert m["turn_switches_per_min"] == 1.0          # C C | T T, not C T C T
    alternating = improv_metrics([0.0, 2.0, 4.0], [60] * 3, [64] * 3, duration_s=30.0, therapist_onset_s=[1.0, 3.0])
    assert alternating["turn_switches_per_min"] == 4 / 0.5


def test_channels_pick_client_and_therapist_notes_as_the_file_holds_them():
    onsets, notes, vels, chans = [0.0, 0.5, 1.0, 1.5], [60, 48, 64, 50], [90, 50, 80, 40], [0, 1, 0, 9]
    m = improv_from_channels(onsets, notes, vels, chans, duration_s=6.0, client_channels=[0],
                             therapist_channels=[1])
    assert m == improv_metrics([0.0, 1.0], [60, 64], [90, 80], duration_s=6.0, therapist_onset_s=[0.5])
    both = improv_from_channels(onsets, notes, vels, chans, duration_s=6.0, client_channels=[0, 9])
    assert both["n_notes"] == 3 and both["both_active_pct"] is None


@pytest.mark.parametrize("call, message", [
    (lambda: improv_metrics([0.0], [60, 61], [64], duration_s=1.0), "one entry per note (1, 2, 1)"),
    (lambda: improv_metrics([math.nan], [60], [64], duration_s=1.0), "onset_s: every value must be finite"),
    (lambda: improv_metrics([0.0], [60], [64], duration_s=-1.0), "duration_s -1.0: must be finite and >= 0"),
    (lambda: improv_metrics([0.0], [60], [64], duration_s=1.0, window_s=0.0), "window_s 0.0: must be more than 0 s"),
    (lambda: improv_metrics([0.0], [60], [64], duration_s=1.0, key_pc=0), "key_pc and mode: give both or neither"),
    (lambda: improv_metrics([0.0], [60], [64], duration_s=1.0, key_pc=0, mode="ionian"), "mode 'ionian': must be one of"),
    (lambda: improv_metrics([0.0], [60], [64], duration_s=1.0, bpm=0.0), "bpm 0.0: must be more than 0"),
])
def test_bad_arguments_raise_one_line(call, message):
    with pytest.raises(ValueError) as caught:
        call()
    assert message in str(caught.value) and "\n" not in str(caught.value)
