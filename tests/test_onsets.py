"""Microphone onset detection on synthetic signals (seeded)."""

import numpy as np
import pytest

from live.engine.onsets import OnsetDetector

SR = 48000


def _taps(frames, n, *, noise=0.002, seed=3, amp=0.5):
    rng = np.random.default_rng(seed)
    x = rng.normal(0, noise, n)
    t = np.arange(int(0.03 * SR)) / SR
    tap = amp * np.sin(2 * np.pi * 900 * t + np.pi / 2) * np.exp(-t / 0.006)  # sharp attack
    for f in frames:
        x[f: f + tap.size] += tap[: n - f]
    return x


def _run(x, chunks, **kw):
    det = OnsetDetector(SR, **kw)
    out, at = [], 0
    for size in chunks:
        out += det.process(at, x[at: at + size])
        at += size
    return out


@pytest.mark.parametrize("chunk", [64, 256, 1000, 4801])
def test_taps_are_found_at_their_first_sample_whatever_the_chunks(chunk):
    frames = [1000, 25000, 49001, 60000, 90007]
    x = _taps(frames, 100000)
    onsets = _run(x, [chunk] * (100000 // chunk + 1))
    assert [o.frame for o in onsets] == frames
    assert all(45 <= o.velocity <= 70 for o in onsets)  # peak 0.5 -> about 64


def test_ringing_within_the_refractory_window_is_one_tap_and_noise_is_none():
    x = _taps([1000, 1000 + 2400], 20000)  # 50 ms apart: inside the 100 ms window
    assert [o.frame for o in _run(x, [512] * 40)] == [1000]
    quiet = np.random.default_rng(1).normal(0, 0.004, 48000)
    assert _run(quiet, [256] * 188) == []


def test_the_threshold_follows_a_louder_noise_floor():
    loud = np.random.default_rng(2).normal(0, 0.01, 96000)  # RMS 0.01 -> level 2.2 x 0.01 (noise_factor)
    det = OnsetDetector(SR, threshold=0.005)
    for at in range(0, 96000, 1000):
        det.process(at, loud[at: at + 1000])
    assert 0.020 < det.level < 0.0225


def test_bad_threshold_is_refused():
    with pytest.raises(ValueError, match="threshold must be between 0 and 1"):
        OnsetDetector(SR, threshold=2)


def test_detect_onsets_over_a_whole_array_finds_what_the_stream_finds():
    from live.engine.onsets import detect_onsets

    frames = [1000, 25000, 49001, 60000, 90007]
    x = _taps(frames, 100000)
    onsets = detect_onsets(x, SR)
    assert [o.frame for o in onsets] == frames == [o.frame for o in _run(x, [64] * 1563)]
    assert [o.frame for o in detect_onsets(_taps([1500, 99990], 100000), SR)] == [1500, 99990]  # one at the very end
    with pytest.raises(ValueError, match="one channel"):
        detect_onsets(np.zeros((10, 2)), SR)


def test_a_slow_attack_is_found_where_it_leaves_the_noise_floor_not_at_the_threshold_crossing():
    rng = np.random.default_rng(5)
    x = rng.normal(0, 0.001, 48000)
    t = np.arange(int(0.1 * SR)) / SR
    attack = np.minimum(t / 0.010, 1.0) * np.exp(-np.maximum(t - 0.010, 0) / 0.03)  # 10 ms linear rise
    x[20000: 20000 + t.size] += 0.5 * np.sin(2 * np.pi * 700 * t) * attack
    (onset,) = detect_onsets_(x)
    # the 0.1% of full scale noise is left where the rise reaches ~2x its RMS: ~0.1 ms in
    assert 20000 <= onset.frame <= 20000 + 0.0005 * SR
    crossing = 20000 + np.flatnonzero(np.abs(x[20000:]) > 0.05)[0]  # a fixed threshold's crossing
    assert crossing - onset.frame > 0.0008 * SR


def detect_onsets_(x, *, sample_rate=SR, **kw):
    from live.engine.onsets import detect_onsets
    return detect_onsets(x, sample_rate, **kw)


def test_mains_hum_and_its_harmonics_alone_give_no_onsets():
    import mic_signals

    rng = np.random.default_rng(7)
    for mains in (50, 60):
        x = mic_signals.hum(5 * SR, mains, 0.3, rng) + rng.normal(0, 0.001, 5 * SR)
        assert detect_onsets_(x) == []


def _scored(scenes):
    import mic_signals

    return [mic_signals.match(sc.onsets, [o.frame for o in detect_onsets_(sc.x, reference=sc.reference)])
            for sc in scenes]


def test_the_synthetic_set_meets_the_issue_s_accuracy():
    """Taps, claps and drum hits (the drums with click bleed, gated with the played clicks), mains
    hum, room reverb, noise at 30/20/10 dB SNR: median |error| <= 1 ms, p95 <= 2 ms and F1 >= 0.99
    within 50 ms over the set (the issue's target)."""
    import mic_signals

    median_ms, p95_ms, f1, n_true, _ = mic_signals.summary(_scored(mic_signals.scenes()))
    assert n_true == 351
    assert median_ms <= 1.0 and p95_ms <= 2.0 and f1 >= 0.99, (median_ms, p95_ms, f1)


@pytest.mark.parametrize("kind", ["taps", "claps", "drums"])
@pytest.mark.parametrize("snr_db", [30, 20, 10])
def test_each_kind_at_each_snr_meets_the_issue_s_median_p95_and_f1(kind, snr_db):
    """Per kind and SNR (two scenes each): no extra onset, median |error| <= 1 ms, p95 <= 2 ms and
    F1 >= 0.99 within 50 ms (the issue's target for every condition). The drums at 10 dB SNR met it
    once the low band came in (a kick's first cycle, 160 Hz, is delayed 2.7 ms by the 120 Hz
    high-pass and buried in the broadband noise; before: 27 of 30 found, p95 4.7 ms)."""
    import mic_signals

    results = _scored(mic_signals.scenes(kinds=(kind,), snrs_db=(snr_db,)))
    median_ms, p95_ms, f1, n_true, n_found = mic_signals.summary(results)
    assert n_found <= n_true
    assert median_ms <= 1.0 and p95_ms <= 2.0 and f1 >= 0.99, (median_ms, p95_ms, f1)


def test_a_gap_in_the_frames_over_hum_and_noise_gives_no_onset():
    """Frames lost between chunks: the filters and the hum comb run on as if the chunks touched."""
    import mic_signals

    rng = np.random.default_rng(4)
    x = mic_signals.hum(3 * SR, 50, 0.05, rng) + rng.normal(0, 0.002, 3 * SR)
    det, out = OnsetDetector(SR), []
    for i, at in enumerate(range(0, x.size, 64)):
        out += det.process(at + (5000 if i >= 700 else 0), x[at: at + 64])
    assert out + det.flush() == []


@pytest.mark.parametrize("snr_db", [30, 10])
def test_click_bleed_alone_gives_no_onsets_with_the_played_clicks_as_reference(snr_db):
    import mic_signals

    sc = mic_signals.scene("drums", snr_db, seed=5, events=False)
    assert sc.reference is not None and np.abs(sc.x).max() > 0.02
    assert detect_onsets_(sc.x, reference=sc.reference) == []
    if snr_db == 30:  # the clicks are loud enough to be onsets when nothing says they are bleed
        assert len(detect_onsets_(sc.x)) >= 10


def test_a_clap_on_a_click_is_found_within_a_millisecond_and_the_click_is_not():
    import mic_signals

    rng = np.random.default_rng(11)
    n = 3 * SR
    c = mic_signals.click()
    ref = np.zeros(n)
    clicks = [SR // 2, SR, 3 * SR // 2, 2 * SR]
    for f in clicks:
        ref[f: f + c.size] = c
    x = 0.3 * ref + rng.normal(0, 0.001, n)  # the bleed: the click at 0.3 (peak), exactly aligned
    claps = [SR + 240, 2 * SR + 480]  # 5 and 10 ms after a click
    for f in claps:
        s = mic_signals.clap(rng)
        x[f: f + s.size] += 0.9 * s  # peak 10 dB over the bleed's
    found = [o.frame for o in detect_onsets_(x, reference=ref)]
    assert len(found) == 2 and all(abs(f - t) <= SR // 1000 for f, t in zip(found, claps)), found


def test_onsets_with_a_reference_do_not_depend_on_the_chunks():
    import mic_signals

    sc = mic_signals.scene("drums", 20, seed=3, seconds=4.0)
    whole = [o.frame for o in detect_onsets_(sc.x, reference=sc.reference)]
    det, out, at = OnsetDetector(SR), [], 0
    for size in [1, 7, 300, 4801, 64] * 100:
        out += det.process(at, sc.x[at: at + size], sc.reference[at: at + size])
        at += size
    out += det.process(at, sc.x[at:], sc.reference[at:]) + det.flush()
    assert [o.frame for o in out] == whole and len(whole) >= 5


def test_under_a_song_its_bleed_gives_no_onsets_and_claps_over_it_are_found():
    """A reference that never pauses (its gain measured from its envelope). Measured over these
    three songs: 47 of 60 claps found and nothing else (the others land on the song's loud
    moments, where a clap of this level is under twice the bleed's estimate), p95 |error| 0.7 ms;
    the bleed alone gives none (without the reference it gives onsets on the song's own)."""
    import mic_signals

    results = []
    for seed in (1, 2, 3):
        alone = mic_signals.song_scene(seed, claps_too=False)
        assert detect_onsets_(alone.x, reference=alone.reference) == []
        sc = mic_signals.song_scene(seed)
        results.append(mic_signals.match(sc.onsets, [o.frame for o in detect_onsets_(sc.x, reference=sc.reference)]))
    _, p95_ms, _, n_true, _ = mic_signals.summary(results)
    found, extra = sum(r[1] for r in results), sum(r[2] for r in results)
    assert n_true == 60 and found >= 47 and extra == 0 and p95_ms <= 1.0, (found, extra, p95_ms)


@pytest.mark.parametrize("kind", ["taps", "claps", "drums"])
@pytest.mark.parametrize("refractory_s", [0.005, 0.01])
def test_a_short_refractory_gives_ordered_onsets_a_refractory_apart_that_find_every_hit(kind, refractory_s):
    """A refractory shorter than the walk-back (30 ms) once let one attack give an onset per
    sample (IndexError, or memory overwritten, in the detector's output arrays)."""
    import mic_signals

    sc = mic_signals.scene(kind, 10, seed=3, seconds=4.0)
    for n in (sc.x.size, sc.x.size - 17):  # 17: no block size divides it
        frames = [o.frame for o in detect_onsets_(sc.x[:n], reference=None if sc.reference is None else sc.reference[:n],
                                                  refractory_s=refractory_s)]
        assert frames == sorted(frames) and 0 <= frames[0] and frames[-1] < n
        assert min(np.diff(frames)) >= round(refractory_s * SR)
        truth = sc.onsets[sc.onsets < n - SR // 100]
        _, tp, _, fn = mic_signals.match(truth, frames)
        assert fn == 0 and tp == truth.size >= 5


@pytest.mark.parametrize("n", [0, 1, 63, 64, 65, 1000])
def test_short_and_all_zero_inputs_give_no_onsets_whatever_the_refractory(n):
    for refractory_s in (0.005, 0.01, 0.1):
        assert detect_onsets_(np.zeros(n), refractory_s=refractory_s) == []
        assert detect_onsets_(np.zeros(n), reference=np.zeros(n), refractory_s=refractory_s) == []


def test_a_tap_in_the_last_partial_block_is_found_at_its_first_sample():
    x = _taps([1090], 1100)  # 17 blocks of 64 and 12 frames; the tap in the 12, after the 20 ms warm-up
    assert [o.frame for o in detect_onsets_(x)] == [1090]


@pytest.mark.parametrize("sample_rate", [8000, 44100, 96000, 192000])
def test_taps_are_found_at_their_first_sample_at_any_sample_rate(sample_rate):
    """The history (walk-back, hum comb) is sized per rate: at 192 kHz the defaults were once
    refused (max_attack_s over a fixed 4096-frame history)."""
    rng = np.random.default_rng(2)
    x = rng.normal(0, 0.002, 2 * sample_rate)
    t = np.arange(int(0.03 * sample_rate)) / sample_rate
    tap = 0.5 * np.sin(2 * np.pi * 900 * t + np.pi / 2) * np.exp(-t / 0.006)
    frames = [sample_rate // 2, int(1.2 * sample_rate)]
    for f in frames:
        x[f: f + tap.size] += tap
    assert [o.frame for o in detect_onsets_(x, sample_rate=sample_rate)] == frames


def test_a_walk_back_longer_than_half_a_second_is_refused():
    with pytest.raises(ValueError, match=r"max_attack_s must be 0\.\.0\.5 s, got 1"):
        OnsetDetector(SR, max_attack_s=1)


def test_without_the_low_band_taps_are_found_at_their_first_sample_and_a_quiet_low_attack_is_not_found():
    frames = [1000, 25000, 49001, 60000, 90007]
    x = _taps(frames, 100000)
    assert [o.frame for o in detect_onsets_(x, low_band=False)] == frames == [o.frame for o in detect_onsets_(x)]
    rng = np.random.default_rng(4)  # an 80 Hz attack at 0.2 over noise of RMS 0.02: the high-pass takes most of it
    low = rng.normal(0, 0.02, 48000)
    t = np.arange(int(0.1 * SR)) / SR
    low[20000: 20000 + t.size] += 0.2 * np.sin(2 * np.pi * 80 * t) * np.exp(-t / 0.05)
    (both,) = detect_onsets_(low)
    assert 20000 <= both.frame <= 20000 + 0.001 * SR
    assert detect_onsets_(low, low_band=False) == []
