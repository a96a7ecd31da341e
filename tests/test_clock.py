"""Clock mappings: JACK frames -> engine frames (exact), host ns <-> frames, rtmidi anchoring.

Synthetic callback rows with known truth: a card 50 ppm fast against the host clock, one-sided
wake-up delays (exponential, mean 0.3 ms, plus a few 5 ms outliers), seeded.
"""

from __future__ import annotations

import numpy as np
import pytest

from live.engine.clock import JACK_FRAME_MODULUS, ClockNotReady, FrameMap, HostClock, MinDelayAnchor

BLOCK = 64
RATE_HZ = 48000 * (1 + 50e-6)  # engine frames per second of host time (card 50 ppm fast)
T0_NS = 512_345_678_901_234  # host clock at engine frame 0: ~6 days of uptime


def rows(*pairs) -> np.ndarray:
    return np.array(pairs, dtype=np.int64).reshape(-1, 2)


# ================================================================ FrameMap


def test_frame_map_is_exact_within_and_beyond_the_latest_block():
    fm = FrameMap()
    assert fm.engine_frame(1000) is None  # no rows yet
    jack0 = 7_000_000
    fm.update(rows(*[(i * BLOCK, jack0 + i * BLOCK) for i in range(10)]))
    for jack in (jack0, jack0 + 1, jack0 + 5 * BLOCK + 17, jack0 + 10 * BLOCK + 300):
        assert fm.engine_frame(jack) == jack - jack0
    assert fm.engine_frame(jack0 - 1) is None  # before the first row


def test_frame_map_keeps_the_offset_of_an_events_own_time_across_xruns():
    fm = FrameMap()
    # blocks 0..9 at jack 1000.., then JACK skipped 3 cycles (the engine did not count them)
    before = [(i * BLOCK, 1000 + i * BLOCK) for i in range(10)]
    after = [((10 + i) * BLOCK, 1000 + (13 + i) * BLOCK) for i in range(5000)]
    fm.update(rows(*before))
    fm.update(rows(*after))
    assert fm.engine_frame(1000 + 5 * BLOCK + 3) == 5 * BLOCK + 3  # old event, old offset
    # an event in the skipped cycles maps past the last block before the gap
    assert fm.engine_frame(1000 + 11 * BLOCK) == 11 * BLOCK
    assert fm.engine_frame(1000 + 13 * BLOCK + 5) == 10 * BLOCK + 5  # new offset from the xrun on
    assert fm.engine_frame(1000 + 5012 * BLOCK) == 5009 * BLOCK


def test_frame_map_unwraps_jack_frame_times_at_2_32():
    fm = FrameMap()
    start = JACK_FRAME_MODULUS - 5 * BLOCK
    pairs = [(i * BLOCK, (start + i * BLOCK) % JACK_FRAME_MODULUS) for i in range(12)]
    assert pairs[4][1] > pairs[5][1]  # the raw times wrap inside the rows
    fm.update(rows(*pairs[:3]))
    fm.update(rows(*pairs[3:]))
    assert fm.engine_frame(start + 2 * BLOCK + 7) == 2 * BLOCK + 7  # before the wrap
    assert fm.engine_frame(3) == 5 * BLOCK + 3  # just after it (raw 3)
    assert fm.engine_frame(JACK_FRAME_MODULUS + 3) == 5 * BLOCK + 3  # last_frame_time + offset, unwrapped
    assert fm.engine_frame(11 * BLOCK) == 16 * BLOCK


def test_frame_map_ignores_rows_off_jack_and_repeated_cycles():
    fm = FrameMap()
    fm.update(rows((0, -1), (64, -1)))
    assert fm.engine_frame(0) is None
    # the callback ran twice in one JACK cycle of 128 frames: the cycle's first row holds
    fm.update(rows((0, 500), (64, 500), (128, 628), (192, 628)))
    assert fm.engine_frame(500 + 100) == 100
    assert fm.engine_frame(628 + 100) == 228
    fm.update(np.empty((0, 2), dtype=np.int64))  # nothing new: no change
    assert fm.engine_frame(628 + 100) == 228


def test_frame_map_history_is_bounded_and_a_new_server_starts_again():
    fm = FrameMap(history=3)
    pairs, jack = [], 10_000
    for i in range(6):  # an xrun (one skipped cycle) after every block
        pairs.append((i * BLOCK, jack))
        jack += 2 * BLOCK
    fm.update(rows(*pairs))
    assert fm.engine_frame(10_000 + 1) is None  # older than the 3 offsets kept
    assert fm.engine_frame(10_000 + 5 * 2 * BLOCK + 1) == 5 * BLOCK + 1
    assert fm.engine_frame(10_000 + 3 * 2 * BLOCK + 1) == 3 * BLOCK + 1
    fm.update(rows((6 * BLOCK, 200)))  # frame time went back: a restarted JACK server
    assert fm.engine_frame(200 + 9) == 6 * BLOCK + 9
    assert fm.engine_frame(199) is None


def test_frame_map_rejects_rows_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        FrameMap().update(np.zeros((3, 4), dtype=np.int64))
    with pytest.raises(ValueError, match="integers"):
        FrameMap().update(np.zeros((3, 2)))


# ================================================================ HostClock


def synthetic_rows(seconds: float, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(frames, host_ns with delays, true host ns) for 64-frame blocks."""
    rng = np.random.default_rng(seed)
    n = int(seconds * 48000 / BLOCK)
    frames = np.arange(n, dtype=np.int64) * BLOCK
    true_ns = T0_NS + frames * 1e9 / RATE_HZ
    delay_ns = rng.exponential(0.3e6, n)
    delay_ns[rng.random(n) < 0.005] += 5e6  # a few 5 ms outliers
    return frames, np.round(true_ns + delay_ns).astype(np.int64), true_ns


def true_frame(host_ns) -> np.ndarray:
    return (np.asarray(host_ns, dtype=np.float64) - T0_NS) * RATE_HZ / 1e9


def test_host_clock_needs_two_distinct_frames():
    hc = HostClock()
    for clock_call in (lambda: hc.frame_at(T0_NS), lambda: hc.host_ns_at(0), lambda: hc.rate_hz):
        with pytest.raises(ClockNotReady, match="at least 2 different frames"):
            clock_call()
    hc.update(rows((0, T0_NS), (0, T0_NS)))  # one frame twice: no line yet
    assert not hc.ready
    hc.update(rows((48000, T0_NS + 1_000_000_000)))
    assert hc.ready
    assert hc.frame_at(T0_NS + 500_000_000) == 24000  # two exact rows: an exact line
    assert hc.host_ns_at(12000) == T0_NS + 250_000_000
    assert hc.rate_hz == pytest.approx(48000.0, rel=1e-12)


def test_host_clock_maps_host_time_to_frames_within_a_frame():
    # Measured over 60 seeds of this setup (20 s each, an update every 100 rows, queries
    # -50..+20 ms around the latest row once the 10 s window is full): |error| median
    # 0.25-0.41 frame (rounding to whole frames alone gives 0.25), p99 0.72-1.06, max 1.16;
    # the line sits ~0.3 frame early of the truth (the 2nd percentile of 0.3 ms exponential
    # delays is 6 us late). Rate error at most 1.47 ppm (median of the per-seed maxima 0.62).
    # Tolerances: a margin above those.
    frames, host, _ = synthetic_rows(20, seed=11)
    rng = np.random.default_rng(12)
    hc = HostClock()
    errors, rate_errors_ppm = [], []
    for i in range(0, len(frames), 100):
        hc.update(np.stack([frames[i : i + 100], host[i : i + 100]], axis=1))
        if host[i] - T0_NS < 10e9:  # wait for a full window
            continue
        latest = int(host[min(i + 100, len(host)) - 1])
        queries = latest + rng.uniform(-50e6, 20e6, 20).astype(np.int64)
        errors += [hc.frame_at(int(q)) - f for q, f in zip(queries, true_frame(queries))]
        rate_errors_ppm.append((hc.rate_hz / RATE_HZ - 1) * 1e6)
    err = np.abs(errors)
    assert len(err) > 1000
    assert np.median(err) <= 0.5
    assert np.percentile(err, 99) <= 1.5
    assert np.max(np.abs(rate_errors_ppm)) <= 2.0
    assert 9.9 <= hc.span_s <= 10.0  # the window


def test_host_clock_round_trips():
    frames, host, _ = synthetic_rows(12, seed=5)
    hc = HostClock()
    hc.update(np.stack([frames, host], axis=1))
    ns_per_frame = 1e9 / hc.rate_hz
    for frame in (-5000, 0, 123_457, int(frames[-1]), int(frames[-1]) + 48000 * 60):
        assert hc.frame_at(hc.host_ns_at(frame)) == frame
    for t in np.linspace(host[0], host[-1] + 60e9, 50).astype(np.int64):
        assert abs(hc.host_ns_at(hc.frame_at(int(t))) - t) <= ns_per_frame / 2 + 1


def test_host_clock_follows_a_step_after_it_is_confirmed():
    # An underrun: 20 ms of output the engine never counted, so host time jumps against frames.
    frames, host, true_ns = synthetic_rows(7, seed=8)
    gap_ns, at = 20_000_000, int(5 * 48000 / BLOCK)
    host[at:] += gap_ns
    true_ns[at:] += gap_ns
    hc = HostClock()  # step_ms=2, step_confirm_s=0.2
    soon_after, later = [], []
    for i in range(0, len(frames), 8):  # ~10 ms of rows per update, like the control thread
        hc.update(np.stack([frames[i : i + 8], host[i : i + 8]], axis=1))
        j = min(i + 8, len(frames)) - 1
        error = abs(hc.frame_at(int(true_ns[j])) - frames[j])  # an event at the latest block
        since_step_s = (true_ns[j] - true_ns[at]) / 1e9
        if since_step_s > 1.0:
            later.append(error)
        elif since_step_s > 0.25:  # confirmed (0.2 s) plus a margin
            soon_after.append(error)
        elif j < at and frames[j] > 48000:  # the first fits (first second) are rougher
            assert error <= 1
    assert hc.steps == 1
    # Over 30 seeds: at most 2 frames while the fit rests on 0.25..1 s of rows, then 1.
    assert max(soon_after) <= 2
    assert max(later) <= 1


def test_host_clock_holds_through_a_burst_of_late_callbacks():
    frames, host, _ = synthetic_rows(4, seed=9)
    at = int(3 * 48000 / BLOCK)
    host[at : at + 60] += 4_000_000  # 80 ms of callbacks 4 ms late (shorter than 0.2 s): no step
    hc = HostClock()
    hc.update(np.stack([frames[:at], host[:at]], axis=1))
    before = hc.frame_at(int(host[at]))
    for i in range(at, at + 60, 8):
        hc.update(np.stack([frames[i : i + 8], host[i : i + 8]], axis=1))
        assert abs(hc.frame_at(int(host[at])) - before) <= 1
    hc.update(np.stack([frames[at + 60 :], host[at + 60 :]], axis=1))
    assert hc.steps == 0


def test_host_clock_ignores_a_prefill_burst_at_stream_start():
    # PortAudio may run the first callbacks back to back to fill the device buffer: rows
    # earlier than the line, which the one-sided model does not expect.
    frames, host, _ = synthetic_rows(3, seed=10)
    host[:4] = host[0] + np.arange(4) * 5_000  # 4 blocks within 15 us
    hc = HostClock()
    for i in range(0, len(frames), 8):
        hc.update(np.stack([frames[i : i + 8], host[i : i + 8]], axis=1))
    queries = np.linspace(host[-1] - 1e9, host[-1], 200).astype(np.int64)
    err = [hc.frame_at(int(q)) - f for q, f in zip(queries, true_frame(queries))]
    assert max(map(abs, err)) <= 1.5


def test_host_clock_checks_its_arguments():
    with pytest.raises(ValueError, match="envelope_pct"):
        HostClock(envelope_pct=60)
    with pytest.raises(ValueError, match="step_confirm_s"):
        HostClock(window_s=1.0, step_confirm_s=2.0)
    with pytest.raises(ValueError, match="shape"):
        HostClock().update(np.zeros(4, dtype=np.int64))


# ================================================================ MinDelayAnchor


def rtmidi_messages(seconds: float, seed: int):
    """(cumulative delta s, true frame, arrival frame, delay frames) of synthetic rtmidi input.

    The driver's clock says when each message happened; Python sees it after a delay that is
    usually under a poll interval (1 ms) and, during busy-GIL bursts, 5-20 ms.
    """
    rng = np.random.default_rng(seed)
    n = int(seconds * 6)  # ~6 messages per second
    cum_s = np.cumsum(rng.exponential(1 / 6, n))
    origin = 1_234_567.25
    true = origin + cum_s * RATE_HZ
    delay = rng.uniform(0, 1e-3, n) * RATE_HZ  # polling: up to 1 ms
    delay[rng.random(n) < 0.15] = rng.uniform(0, 0.5, 1)  # some seen at once (< 0.5 frame)
    busy = (cum_s % 3.0) < 0.8  # 0.8 s of every 3 s a busy thread holds the GIL
    delay[busy] = rng.uniform(5e-3, 20e-3, busy.sum()) * RATE_HZ
    arrival = np.ceil(true + delay).astype(np.int64)
    return cum_s, true, arrival, arrival - true


def test_min_delay_anchor_recovers_true_frames_despite_gil_bursts():
    cum_s, true, arrival, delay = rtmidi_messages(120, seed=21)
    anchor = MinDelayAnchor(RATE_HZ)  # window 5 s
    window = 5 * RATE_HZ
    checked = 0
    for k in range(len(cum_s)):
        stamp = anchor.feed(int(arrival[k]), float(cum_s[k]))
        assert stamp <= arrival[k]
        # never early: the offset is the origin plus the smallest delay in the window
        in_window = (arrival[: k + 1] >= arrival[k] - window)
        min_delay = delay[: k + 1][in_window].min()
        assert -1 <= stamp - true[k] <= min_delay + 1
        if min_delay < 1:  # the window has seen a message that arrived within a frame
            assert abs(stamp - round(true[k])) <= 1
            checked += 1
    assert checked > 0.5 * len(cum_s)  # 0.74..0.93 over 30 seeds: the rest follow long bursts
    assert (arrival - true).max() > 0.015 * RATE_HZ  # arrivals alone were up to ~20 ms late


def test_min_delay_anchor_rate_change_and_reset():
    cum_s, _, arrival, _ = rtmidi_messages(10, seed=22)
    a = MinDelayAnchor(48000.0)
    for c, f in zip(cum_s[:30], arrival[:30]):
        a.feed(int(f), float(c))
    a.rate_hz = RATE_HZ  # rebuilt from the messages in the window
    b = MinDelayAnchor(RATE_HZ)
    for c, f in zip(cum_s[:30], arrival[:30]):
        b.feed(int(f), float(c))
    assert a.offset_frame == pytest.approx(b.offset_frame, abs=1e-6)
    assert a.feed(int(arrival[30]), float(cum_s[30])) == b.feed(int(arrival[30]), float(cum_s[30]))
    a.reset()  # port reopened: delta times start again
    assert a.offset_frame is None
    assert a.feed(5000, 0.0) == 5000


def test_min_delay_anchor_forgets_outside_its_window():
    a = MinDelayAnchor(1000.0, window_s=5.0)
    assert a.feed(10_000, 0.0) == 10_000  # an early, prompt message: offset 10000
    assert a.feed(13_050, 3.0) == 13_000  # 50 frames late: filtered by the first
    assert a.feed(20_030, 10.0) == 20_030  # 10 s on: the others are out of the window
    with pytest.raises(ValueError, match="rate_hz"):
        MinDelayAnchor(0.0)
