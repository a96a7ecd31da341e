"""Sustained notes in the sampler: a scheduled end or a note-off starts a linear release at its
exact frame, the same samples whatever the block sizes, and pads' note-offs release their notes
in the callback itself."""

from __future__ import annotations

import numpy as np
import pytest

from live.engine import layout as L
from live.engine.bank import Bank
from live.engine.drivers import OfflineDriver
from live.engine.engine import Engine
from live.engine.events import ScheduledSound
from live.engine.instruments import PitchedNote
from live.engine.note_bank import session_bank
from live.engine.sampler import SamplerState
from live.engine.sampler_callback import sampler_callback

SR = 48000
CALL = sampler_callback.ctypes


def _engine(bank, *, n_voices=64, ring=256):
    driver = OfflineDriver(SamplerState(bank, channels=1, n_voices=n_voices, ring_capacity=ring), sample_rate=SR)
    return Engine(driver, bank), driver


def _dc_bank(release=100):
    return Bank({"held": np.ones(1000, np.float32), "short": np.full(50, 0.5, np.float32)}, sample_rate=SR,
                release_frames={"held": release})


def test_a_scheduled_end_starts_a_linear_release_on_its_frame_and_frees_the_voice():
    bank = _dc_bank()
    engine, driver = _engine(bank)
    engine.schedule(ScheduledSound(frame=10, sound="held", gain=0.5, end_frame=210))
    out = driver.render(64, 20)[:, 0]
    np.testing.assert_array_equal(out[:10], 0)
    np.testing.assert_array_equal(out[10:210], 0.5)
    np.testing.assert_allclose(out[210:310], 0.5 * (100 - np.arange(100)) / 100, rtol=1e-6)
    np.testing.assert_array_equal(out[310:], 0)
    assert not driver.state.voices[:, L.V_ACTIVE].any()


def test_an_end_before_the_start_plays_nothing_and_an_end_past_the_sample_changes_nothing():
    """Released before it began (a stopped song's next slice, queued and waiting), a sound
    never sounds: neither scheduled so (as an export renders a stored one) nor released so."""
    bank = _dc_bank(release=40)
    engine, driver = _engine(bank)
    engine.schedule(ScheduledSound(frame=100, sound="held", end_frame=50))
    engine.schedule(ScheduledSound(frame=2000, sound="held", end_frame=5000))
    engine.schedule(ScheduledSound(frame=1200, sound="held"), key=9)
    engine.release(9, 1100)
    out = driver.render(128, 30)[:, 0]
    np.testing.assert_array_equal(out[:2000], 0)
    np.testing.assert_array_equal(out[2000:3000], 1.0)
    np.testing.assert_array_equal(out[3000:], 0)
    assert engine.stats()["late"] == 0


def test_a_release_ends_only_the_voices_of_its_key_and_never_later_than_an_earlier_release():
    bank = _dc_bank(release=10)
    engine, driver = _engine(bank)
    engine.schedule(ScheduledSound(frame=0, sound="held", gain=0.25), key=5)
    engine.schedule(ScheduledSound(frame=0, sound="held", gain=0.5), key=6)
    engine.release(5, 300)
    engine.release(5, 600)  # already releasing from 300: no change
    engine.release(7, 100)  # no voice has this key
    out = driver.render(100, 12)[:, 0]
    np.testing.assert_array_equal(out[:300], 0.75)
    np.testing.assert_allclose(out[300:310], 0.5 + 0.25 * (10 - np.arange(10)) / 10, rtol=1e-6)
    np.testing.assert_array_equal(out[310:1000], 0.5)
    np.testing.assert_array_equal(out[1000:], 0)
    assert engine.stats()["late"] == 0


def test_a_release_whose_frame_has_passed_starts_at_once_and_is_counted_late():
    bank = _dc_bank(release=10)
    engine, driver = _engine(bank)
    engine.schedule(ScheduledSound(frame=0, sound="held"), key=1)
    driver.render(64, 2)
    engine.release(1, 100)  # frame 100 was in the last block
    out = driver.render(64, 1)[:, 0]
    np.testing.assert_allclose(out[:10], (10 - np.arange(10)) / 10, rtol=1e-6)
    np.testing.assert_array_equal(out[10:], 0)
    assert engine.stats()["late"] == 1 and engine.stats()["late_max_frames"] == 28


def _reference(bank, plays, releases, total):
    """Independent numpy mix: each (frame, name, gain, end or None, key) with releases by key."""
    out = np.zeros(total, np.float64)
    for frame, name, gain, end, key in plays:
        ends = [e for e in ([end] if end is not None else []) + [f for k, f in releases if k == key and key >= 0]]
        x = bank.samples(name).astype(np.float64)
        r = bank[name].release_frames
        p = np.arange(x.size)
        factor = np.ones(x.size)
        stop = x.size
        if ends:
            rel = max(min(ends), frame) - frame
            factor = np.where(p >= rel, (rel + r - p) / r, 1.0)
            stop = min(x.size, rel + r)
        seg = (x * np.float32(gain) * factor)[:stop]
        hi = min(total, frame + seg.size)
        out[frame:hi] += seg[: hi - frame]
    return out


@pytest.fixture(scope="module")
def note_bank():
    notes = [PitchedNote(i, n, v) for i in ("synth_pad", "synth_bass", "synth_piano") for n in (40, 52, 64, 71)
             for v in (60, 120)]
    return session_bank(notes, sample_rate=SR)


def _plan(bank, seed, total):
    rng = np.random.default_rng(seed)
    names = [n for n in bank.slices if ":" in n]
    plays, releases = [], []
    for i in range(160):
        name = names[rng.integers(len(names))]
        frame = int(rng.integers(0, total - SR))
        end = frame + int(rng.integers(-100, 3 * SR)) if rng.random() < 0.5 else None
        key = i if end is None and rng.random() < 0.6 else -1
        plays.append((frame, name, float(rng.uniform(0.05, 0.3)), end, key))
        if key >= 0:
            releases.append((key, frame + int(rng.integers(0, 2 * SR))))
    return plays, releases


@pytest.mark.parametrize("blocks", [64, 128, 256, "irregular"])
def test_sustained_notes_and_releases_render_identically_at_any_block_size_and_match_a_reference(note_bank, blocks):
    total = 6 * SR
    plays, releases = _plan(note_bank, 11, total)
    engine, driver = _engine(note_bank, n_voices=256, ring=1024)
    for frame, name, gain, end, key in plays:
        engine.schedule(ScheduledSound(frame=frame, sound=name, gain=gain, end_frame=end), key=key)
    for key, frame in sorted(releases, key=lambda r: r[1]):
        engine.release(key, frame)
    if blocks == "irregular":
        rng = np.random.default_rng(3)
        sizes = []
        while sum(sizes) < total:
            sizes.append(int(min(rng.integers(0, 2500), total - sum(sizes))))  # some > SCRATCH_FRAMES
    else:
        sizes = [blocks] * (total // blocks)
    out = driver.render(sizes)[:, 0]
    assert engine.stats()["dropped"] == 0 and engine.stats()["late"] == 0
    np.testing.assert_allclose(out, _reference(note_bank, plays, releases, total), atol=3e-6)
    reference_64 = _engine_render(note_bank, plays, releases, total)
    np.testing.assert_array_equal(out, reference_64)  # bit for bit: no gain depends on where a block starts


def _engine_render(bank, plays, releases, total):
    engine, driver = _engine(bank, n_voices=256, ring=1024)
    for frame, name, gain, end, key in plays:
        engine.schedule(ScheduledSound(frame=frame, sound=name, gain=gain, end_frame=end), key=key)
    for key, frame in sorted(releases, key=lambda r: r[1]):
        engine.release(key, frame)
    return driver.render(64, total // 64)[:, 0]


def test_a_pads_pitched_note_sustains_until_its_note_off_plus_the_delay_and_a_drum_pad_ignores_it():
    from numba import carray, cfunc, types

    @cfunc(types.uint32(types.voidptr), nopython=True, error_model="numpy", cache=False)
    def fake_last_frame_time(client):
        return carray(client, (1,), np.uint32)[0]

    bank = Bank({"synth_pad:60:v3": np.ones(400, np.float32), "kick": np.full(300, 0.5, np.float32)},
                sample_rate=SR, release_frames={"synth_pad:60:v3": 20})
    st = SamplerState(bank, channels=1, n_voices=8, ring_capacity=8)
    clock = np.array([1000], dtype=np.uint32)
    st.use_jack_clock(fake_last_frame_time.address, clock.ctypes.data)
    out = np.zeros(64, np.float32)
    CALL(None, out.ctypes.data, 64, None, 0, st.userdata)  # engine block 0..63 at JACK frame 1000
    ring = np.zeros((8, 4), np.int64)
    hdr = np.zeros(32, np.int64)
    hdr[L.J_IN_ADDR], hdr[L.J_IN_MASK] = ring.ctypes.data, 7
    events = [(1010, 0x90, 60, 127), (1012, 0x91, 60, 127),  # the same key on channels 1 and 2
              (1020, 0x90, 36, 127), (1100, 0x80, 60, 0),    # channel 1's note-off
              (1110, 0x80, 36, 0), (1150, 0x91, 60, 0)]      # the drum's off: nothing; channel 2's off (velocity 0)
    st.play_midi_notes(hdr, delay_frames=128, sounds={60: ("synth_pad:60:v3", 0.5), 36: ("kick", 1.0)})
    ring[: len(events)] = events
    hdr[L.J_IN_WRITTEN] = len(events)
    clock[0] = 1064
    got = []
    for _ in range(10):
        CALL(None, out.ctypes.data, 64, None, 0, st.userdata)
        got.append(out.copy())
        clock[0] += 64
    y = np.concatenate(got)  # engine frames 64..703; an event at JACK frame j sounds at j - 1000 + 128
    expected = np.zeros(640)
    rel = (20 - np.arange(20)) / 20
    for on, off in ((1010, 1100), (1012, 1150)):
        a, b = on - 1000 + 128 - 64, off - 1000 + 128 - 64
        expected[a:b] += 0.5
        expected[b : b + 20] += 0.5 * rel
    expected[1020 - 1000 + 128 - 64 :][:300] += 0.5
    np.testing.assert_allclose(y, expected, atol=1e-6)
    assert st.stats()["pad_sounds"] == 3


def test_a_pads_pitched_note_plays_the_velocitys_layer_or_the_nearest_the_bank_has():
    from numba import carray, cfunc, types

    @cfunc(types.uint32(types.voidptr), nopython=True, error_model="numpy", cache=False)
    def fake_last_frame_time(client):
        return carray(client, (1,), np.uint32)[0]

    bank = Bank({"piano:60:v0": np.full(100, 1.0, np.float32), "piano:60:v3": np.full(100, 2.0, np.float32)},
                sample_rate=SR, release_frames={"piano:60:v0": 10, "piano:60:v3": 10})
    st = SamplerState(bank, channels=1, n_voices=8, ring_capacity=8)
    clock = np.array([0], dtype=np.uint32)
    st.use_jack_clock(fake_last_frame_time.address, clock.ctypes.data)
    ring = np.zeros((8, 4), np.int64)
    hdr = np.zeros(32, np.int64)
    hdr[L.J_IN_ADDR], hdr[L.J_IN_MASK] = ring.ctypes.data, 7
    st.play_midi_notes(hdr, delay_frames=64, sounds={60: ("piano:60:v3", 0.5)})
    ring[:2] = [(0, 0x90, 60, 30), (200, 0x90, 60, 100)]  # layer 0; layer 2 (not in the bank: v3 is nearest)
    hdr[L.J_IN_WRITTEN] = 2
    out = np.zeros(512, np.float32)
    CALL(None, out.ctypes.data, 512, None, 0, st.userdata)
    np.testing.assert_allclose(out[64:164], 0.5 * 30 / 48 * 1.0, rtol=1e-6)
    np.testing.assert_allclose(out[264:364], 0.5 * 100 / 104 * 2.0, rtol=1e-6)
    assert not out[164:264].any() and not out[364:].any()


def test_the_notes_of_the_named_channels_play_their_own_table_and_the_others_the_first():
    from numba import carray, cfunc, types

    @cfunc(types.uint32(types.voidptr), nopython=True, error_model="numpy", cache=False)
    def fake_last_frame_time(client):
        return carray(client, (1,), np.uint32)[0]

    bank = Bank({"marimba:60:v3": np.full(100, 1.0, np.float32), "woodblock": np.full(50, 2.0, np.float32)},
                sample_rate=SR, release_frames={"marimba:60:v3": 10})
    st = SamplerState(bank, channels=1, n_voices=8, ring_capacity=8)
    clock = np.array([0], dtype=np.uint32)
    st.use_jack_clock(fake_last_frame_time.address, clock.ctypes.data)
    ring = np.zeros((8, 4), np.int64)
    hdr = np.zeros(32, np.int64)
    hdr[L.J_IN_ADDR], hdr[L.J_IN_MASK] = ring.ctypes.data, 7
    # the client's keys (channel 1) play the marimba, the therapist's (channels 2 and 16) the woodblock pad
    st.play_midi_notes(hdr, delay_frames=64, sounds={61: ("marimba:60:v3", 0.5)},
                       channel_sounds={61: ("woodblock", 0.25)}, channels=[2, 16])
    ring[:4] = [(0, 0x90, 61, 127), (200, 0x91, 61, 127), (400, 0x9F, 61, 127), (600, 0x92, 61, 127)]
    hdr[L.J_IN_WRITTEN] = 4
    out = np.zeros(1024, np.float32)
    CALL(None, out.ctypes.data, 1024, None, 0, st.userdata)
    np.testing.assert_allclose(out[64:164], 0.5 * 127 / 127 * 1.0, rtol=1e-6)   # channel 1: marimba, sustained
    np.testing.assert_allclose(out[264:314], 0.25 * 2.0, rtol=1e-6)             # channel 2: woodblock
    np.testing.assert_allclose(out[464:514], 0.25 * 2.0, rtol=1e-6)             # channel 16: woodblock
    np.testing.assert_allclose(out[664:764], 0.5 * 1.0, rtol=1e-6)              # channel 3: the client's table
    assert not out[314:464].any() and not out[514:664].any()
    # a table set again without channels: every channel plays the first table
    st.set_note_sounds({61: ("woodblock", 1.0)})
    ring[4] = (2000, 0x91, 61, 127)
    hdr[L.J_IN_WRITTEN] = 5
    clock[0] = 1024
    CALL(None, out.ctypes.data, 1024, None, 0, st.userdata)
    np.testing.assert_allclose(out[2000 - 1024 + 64:][:50], 2.0, rtol=1e-6)


def test_a_channel_outside_1_to_16_is_refused():
    st = SamplerState(Bank({"woodblock": np.ones(10, np.float32)}, sample_rate=SR), channels=1)
    with pytest.raises(ValueError, match="channel must be 1..16, got 17"):
        st.set_note_sounds({60: ("woodblock", 1.0)}, channels=[17])
