"""The entrainment protocol end to end through the offline engine and the session runner: the
simulated client taps through the real scoring path and the metrics recover its true parameters;
beats land on exactly the planned frames (checked against closed-form schedules written here)."""

from __future__ import annotations

import math
import sqlite3
import wave
from pathlib import Path

import numpy as np
import pytest

from live.activities.entrainment import EntrainmentParams
from live.engine.events import ScheduledSound
from live.presets import Preset
from live.run.offline import LoopTiming, simulate_session
from live.store.store import Store
from live.sim.tapper import SimulatedTapper, TapperParams
from onsets import onset_frames
from sim_helpers import tapper as sim

SR = 48000
START = LoopTiming().start_frame
LOOKAHEAD = LoopTiming().lookahead_frames
# A coarser loop for the many-seed runs: the results do not depend on it (test_demo checks that).
FAST = LoopTiming(block_frames=2048, control_period_frames=2048, flush_period_frames=60 * SR)


def _preset(**params) -> Preset:
    return Preset("test", Path("test.toml"), "entrainment", "Test", "Testing", EntrainmentParams(**params), params)


def _run(store, tapper=TapperParams(), timing=LoopTiming(), **params):
    return simulate_session(_preset(**params), store=store, timing=timing, **sim(tapper))


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "s.db") as s:
        yield s


def _intervals(frames):
    return np.diff(np.asarray(frames))


def test_alpha_by_bgls_over_50_simulated_clients(tmp_path):
    """Must-show: 50 seeds x 300 beats, true alpha 0.3, timekeeper SD 20 ms, motor SD 5 ms,
    mean asynchrony -30 ms, 120 BPM: |mean error| <= 0.02 and 90 % within 0.1."""
    errors = []
    with Store.open(tmp_path / "alpha.db") as mem:
        for seed in range(50):
            out = _run(mem, TapperParams(alpha=0.3, timekeeper_sd_ms=20, motor_sd_ms=5, seed=seed), FAST,
                       tempo_bpm=120, beats=300)
            assert out.summary.metrics["matched"] == 300
            errors.append(out.summary.phases["cue"]["alpha"] - 0.3)
    errors = np.array(errors)
    assert abs(errors.mean()) <= 0.02
    assert np.mean(np.abs(errors) <= 0.1) >= 0.9


@pytest.mark.parametrize("drift", [0.5, -0.3])
def test_continuation_drift_is_recovered_within_0_2_ms_per_tap(store, drift):
    """Must-show: a client who slows (or speeds up) by a known amount per tap once the cue stops."""
    for seed in (1, 2, 3):
        out = _run(store, TapperParams(drift_ms_per_tap=drift, seed=seed), tempo_bpm=120, beats=30, fade_beats=4,
                   continuation_beats=150)
        cont = out.summary.phases["continuation"]
        assert cont["n_taps"] >= 120
        assert cont["drift_ms_per_tap"] == pytest.approx(drift, abs=0.2)
        assert cont["last_cue_interval_ms"] == pytest.approx(500.0)
        # The period error is the mean of the drifting intervals minus the cue's: ~ drift * n / 2.
        assert cont["period_error_ms"] == pytest.approx(drift * cont["n_taps"] / 2, abs=15)
    # The cue really stopped: no beat after the last cued one, and the faded beats got softer.
    beats = [s for s in _stored_sounds(store, out.run_id) if s[1] is not None]
    assert [b[1] for b in beats][-1] == 29 and len(beats) == 4 + 30
    gains = [b[2] for b in beats[-6:]]
    assert gains[:2] == [0.8, 0.8] and gains[2:] == pytest.approx([0.8 * g / 5 for g in (4, 3, 2, 1)])


def _stored_sounds(store, run_id):
    return [(e["frame"], e["cue_index"], e["gain"]) for e in store.run_events(run_id, "sound")]


def _beat_frames(store, out):
    """Frames of the run's scored beats (count-in left out), as stored."""
    return [frame for frame, k, _ in _stored_sounds(store, out.run_id) if k is not None and k >= 0]


def test_phase_shift_beats_land_on_exactly_the_planned_frames(tmp_path):
    """Must-show: shifted beats at the planned frames, in the stored schedule and in the audio."""
    with Store.open(tmp_path / "s.db") as store:
        out = simulate_session(_preset(tempo_bpm=100, beats=40, perturbation="phase", phase_shift_ms=50,
                                       perturb_beats=(10, 25)),
                               store=store, wav_dir=tmp_path)
        beats = _beat_frames(store, out)
    interval = 60 * SR / 100  # 28800 frames
    shift = 50 * SR // 1000  # 2400 frames
    expected = [START + (4 + k) * 28800 + shift * ((k >= 10) + (k >= 25)) for k in range(40)]
    assert beats == expected and interval == 28800
    with wave.open(str(out.wav_path)) as w:
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2") / 32767.0
    assert onset_frames(pcm, threshold=1e-3).tolist()[4:] == expected
    cue = out.summary.phases["cue"]
    assert cue["perturbations"] == 2 and cue["deviation_lag0_ms"] < -25  # the taps jump early ...
    assert abs(cue["deviation_lag8_ms"]) < abs(cue["deviation_lag0_ms"]) / 2  # ... and recover


def test_noise_free_client_recovers_from_a_phase_shift_by_its_alpha(store):
    out = _run(store, TapperParams(timekeeper_sd_ms=0, motor_sd_ms=0, alpha=0.4), tempo_bpm=100, beats=60,
               perturbation="phase", phase_shift_ms=50, perturb_beats=(20, 40))
    cue = out.summary.phases["cue"]
    assert [cue[f"deviation_lag{j}_ms"] for j in range(4)] == pytest.approx([-50 * 0.6 ** j for j in range(4)],
                                                                           abs=0.05)
    assert cue["recovery_half_beats"] == 2.0
    assert cue["alpha"] == pytest.approx(0.4, abs=1e-3)


def test_tempo_step_beats_land_on_exactly_the_planned_frames(store):
    """A +10 % tempo step at beat 30: beat 30 is the first to come early, every beat after it on
    the new interval counted from beat 29 (closed form), and the asynchrony recovers."""
    out = _run(store, tempo_bpm=100, beats=60, perturbation="tempo", tempo_step_pct=10, perturb_beats=(30,))
    first = START + 4 * 28800
    new_interval = 60 * SR / 110
    expected = [first + 28800 * k for k in range(30)]
    expected += [math.floor(first + 29 * 28800 + (k - 29) * new_interval + 0.5) for k in range(30, 60)]
    assert _beat_frames(store, out) == expected
    cue = out.summary.phases["cue"]
    assert cue["perturbations"] == 1 and cue["deviation_lag0_ms"] > 20  # the taps come late at first


def test_tempo_step_perturbations_and_seeded_random_beats(store):
    params = dict(tempo_bpm=100, beats=120, perturbation="tempo", tempo_step_pct=10, random_perturbations=4,
                  perturbation_seed=7, recovery_beats=8)
    a = _run(store, **params)
    b = _run(store, **params)
    assert _beat_frames(store, a) == _beat_frames(store, b)  # seeded: the same beats each time
    iv = _intervals(_beat_frames(store, a))
    changed = [j + 2 for j in np.flatnonzero(np.abs(np.diff(iv)) > 2)]  # first beat at a new interval
    assert len(changed) == 4 and min(np.diff(changed)) >= 12
    for k in changed:  # each step: the tempo before it +10 % or -10 %
        ratio = iv[k - 2] / iv[k - 1]
        assert ratio == pytest.approx(1.1, abs=1e-4) or ratio == pytest.approx(0.9, abs=1e-4)
    other = _run(store, **(params | {"perturbation_seed": 8}))
    assert _beat_frames(store, other) != _beat_frames(store, a)


def _ramp_position_s(x_beats, b0, b1, length):
    """Seconds from the ramp's start to beat x of a tempo linear in beats (closed form)."""
    if x_beats > length:
        return _ramp_position_s(length, b0, b1, length) + 60 * (x_beats - length) / b1
    k = (b1 - b0) / length
    return 60 / k * math.log(1 + k * x_beats / b0)


def test_ramp_beats_land_on_planned_frames_and_reach_the_target_on_the_planned_beat(store):
    """Must-show: steps 0 and +10 % from 100 BPM, 20 beats each, ramp over 8 beats."""
    out = _run(store, tempo_bpm=100, beats=20, tempo_steps_pct=(0, 10), ramp_beats=8, count_in_beats=4)
    first = START + 4 * 28800
    expected = [first + 28800 * k for k in range(21)]
    expected += [math.floor(first + 20 * 28800 + SR * _ramp_position_s(x, 100, 110, 8) + 0.5) for x in range(1, 20)]
    assert _beat_frames(store, out) == expected
    iv = _intervals(_beat_frames(store, out))
    target = 60 * SR / 110
    assert all(abs(i - target) <= 1 for i in iv[28:])  # from beat 28 (= 20 + 8) on: the target tempo
    assert iv[27] > target + 100  # the beat before it was still slower
    phases = out.summary.phases
    assert list(phases) == ["cue+0%", "cue+10%"]
    assert phases["cue+0%"]["cue_tempo_bpm"] == pytest.approx(100)
    assert phases["cue+10%"]["tempo_following_ratio"] == pytest.approx(1.0, abs=0.01)


def test_live_tempo_change_applies_on_the_first_beat_beyond_the_look_ahead(store):
    """Must-show: a therapist's tempo change at frame F: the beats already planned (before
    F + look-ahead: the offline clock steps to F exactly, and plans before it acts on the
    control, as the live loop does with a control that has just arrived) keep the old tempo;
    the new tempo runs from the first beat that was not."""
    control_frame = START + 10 * 28800 + 1000  # a little after beat 6 (4 count-in beats)
    out = simulate_session(_preset(tempo_bpm=100, beats=30), store=store,
                           controls=[(control_frame, "tempo_set", 120)])
    beats = _beat_frames(store, out)
    planned = [b for b in beats if b < control_frame + LOOKAHEAD]  # queued at the step at F
    k = len(planned)  # the first beat not yet planned
    iv = _intervals(beats)
    assert all(i == 28800 for i in iv[:k])  # up to beat k: the old tempo (beat k stays in place)
    assert all(i == 24000 for i in iv[k:])  # from beat k on: 120 BPM
    [ctrl] = store.run_controls(out.run_id)
    assert ctrl["action"] == "tempo_set" and f"from beat {k}" in ctrl["effect"]


def test_adaptive_gain_0_keeps_the_tempo_exact_and_gain_follows_a_drifting_client(store):
    """Must-show: a client with no phase correction whose own period drifts 5 % over the run
    (600 -> 630 ms); gain 0: beats exactly at 100 BPM and the client leaves the tempo; gain 0.5:
    the cue follows, tempo-following ratio within 0.02 of 1."""
    client = TapperParams(alpha=0.0, follows_cue_period=False, period_ms=600, drift_ms_per_tap=0.15, seed=4)
    fixed = _run(store, client, tempo_bpm=100, beats=200, adaptive_gain=0.0)
    assert _beat_frames(store, fixed) == [START + (4 + k) * 28800 for k in range(200)]
    assert fixed.summary.phases["cue"]["tempo_following_ratio"] > 1.02
    follows = _run(store, client, tempo_bpm=100, beats=200, adaptive_gain=0.5, adaptive_min_bpm=60,
                   adaptive_max_bpm=140)
    cue = follows.summary.phases["cue"]
    assert cue["tempo_following_ratio"] == pytest.approx(1.0, abs=0.02)
    assert cue["cue_tempo_bpm"] < 99  # the cue slowed with the client
    assert cue["matched"] == 200


def test_adaptive_tempo_stays_within_its_bounds(store):
    client = TapperParams(alpha=0.0, follows_cue_period=False, period_ms=750, seed=2)  # 80 BPM
    out = _run(store, client, tempo_bpm=100, beats=80, adaptive_gain=1.0, adaptive_min_bpm=90,
               adaptive_max_bpm=110)
    iv = _intervals(_beat_frames(store, out))
    assert iv.max() <= math.ceil(60 * SR / 90) + 1 and iv.min() >= math.floor(60 * SR / 110) - 1
    assert iv.max() >= 60 * SR / 90 - 1  # it did reach the floor


def test_ras_protocol_baseline_sets_the_cue_then_steps_up(tmp_path):
    """Baseline of free walking (no sound), the cue at the measured cadence, then +5 % and +10 %."""
    client = TapperParams(period_ms=560, seed=3)  # walks at ~107 steps/min
    with Store.open(tmp_path / "s.db") as store:
        out = _run(store, client, baseline_s=20, cue_from_baseline=True, tempo_bpm=90,
                   tempo_steps_pct=(0, 5, 10), beats=40, count_in_beats=4, groove="march", meter=2)
        sounds = store.run_events(out.run_id, "sound")
        db = store.url
    phases = out.summary.phases
    assert list(phases) == ["baseline", "cue+0%", "cue+5%", "cue+10%"]
    base = phases["baseline"]
    assert base["n_taps"] >= 30 and base["cadence_bpm"] == pytest.approx(60000 / 560, rel=0.02)
    assert base["cue_start_bpm"] == pytest.approx(base["cadence_bpm"], rel=0.02)
    assert min(s["frame"] for s in sounds) == START + 20 * SR  # silence during the baseline
    for name, pct in (("cue+5%", 5), ("cue+10%", 10)):
        assert phases[name]["cue_tempo_bpm"] == pytest.approx(base["cue_start_bpm"] * (1 + pct / 100), rel=1e-3)
        assert phases[name]["tempo_following_ratio"] == pytest.approx(1.0, abs=0.02)
        assert phases[name]["matched"] == 40
    path = db.split("///", 1)[1]
    con = sqlite3.connect(path)
    stored = {p for (p,) in con.execute("SELECT DISTINCT phase FROM summaries")}
    con.close()
    assert stored == {"all", "baseline", "cue+0%", "cue+5%", "cue+10%"}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_stored_missed_beats_and_extra_taps_equal_what_the_simulated_client_produced(store, seed):
    """A client who leaves beats out and bounces extra taps in, through the offline session:
    the stored counts are exactly the omissions and extra taps it made, and every tap it made
    is stored and scored."""
    out = _run(store, TapperParams(miss_rate=0.1, extra_rate=0.15, seed=seed), tempo_bpm=100, beats=200)
    made = out.produced
    assert made["omitted"] >= 5 and made["extra"] >= 10  # both really happened
    stored = store.run_summary(out.run_id)
    assert (stored["missed"], stored["extra"]) == (made["omitted"], made["extra"])
    assert stored["n_taps"] == made["inputs"] == 200 - made["omitted"] + made["extra"]
    assert len(store.run_responses(out.run_id)) == made["inputs"]
    assert out.simulated["miss_rate"] == 0.1 and out.simulated["extra_rate"] == 0.15


def test_a_client_without_errors_draws_none_and_one_with_errors_keeps_every_other_tap():
    """Rates 0 leave the client exactly as it was; misses remove taps and extras add taps
    without moving any other tap (their own random stream)."""
    preset_beats = [ScheduledSound(START + k * 28800, "click", cue_index=k) for k in range(-2, 300)]

    def taps(**rates):
        tapper = SimulatedTapper(TapperParams(seed=5, **rates), sample_rate=SR)
        for sound in preset_beats:
            tapper.hear(sound)
        end = preset_beats[-1].frame + 14400  # half an interval after the last beat: no continuation yet
        made = tapper.inputs_before(end, heard_until_frame=end)
        return [(t.frame, t.velocity) for t in made], tapper.produced()

    plain, counts = taps()
    assert counts == {"inputs": 300, "omitted": 0, "extra": 0}
    missing, counts = taps(miss_rate=0.2)
    assert set(missing) < set(plain) and len(plain) - len(missing) == counts["omitted"] > 0
    extra, counts = taps(extra_rate=0.2)
    assert set(plain) < set(extra) and len(extra) - len(plain) == counts["extra"] > 0
