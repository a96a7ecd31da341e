"""The sampler callback: GIL-free by construction (IR checks) and safe on adversarial state."""

import re

import numpy as np
import pytest
from numba import cfunc

from live.engine import layout as L
from live.engine.bank import Bank, default_bank
from live.engine.sampler import RingFull, SamplerState
from live.engine.sampler_callback import (PA_CALLBACK_SIG, PA_INPUT_OVERFLOW, PA_OUTPUT_UNDERFLOW, compile_callback,
                                          sampler_callback)

CALL = sampler_callback.ctypes
GUARD = 1024


def _functions(ir: str) -> dict[str, str]:
    """LLVM function name -> body, for every function defined in ``ir``."""
    out = {}
    for chunk in re.split(r"\ndefine ", ir)[1:]:
        name = re.search(r'@"?([^"(\s]+)"?\(', chunk).group(1)
        out[name] = chunk
    return out


def _body_and_wrapper(ir: str) -> tuple[str, str]:
    fns = _functions(ir)
    wrapper = [b for n, b in fns.items() if n.startswith("cfunc.")]
    body = [b for n, b in fns.items() if not n.startswith("cfunc.") and "NRT_" not in n]
    assert len(wrapper) == 1 and len(body) == 1, list(fns)
    return body[0], wrapper[0]


def _status_codes(body: str) -> set[str]:
    return set(re.findall(r"ret i32 (\S+)", body))


@pytest.fixture(scope="module")
def sampler_ir():
    return compile_callback(cache=False).inspect_llvm()


def test_callback_ir_has_no_allocation(sampler_ir):
    assert "NRT_MemInfo_alloc" not in sampler_ir


def test_callback_body_cannot_raise(sampler_ir):
    """numba's body returns a status (0 = ok, else an exception); ours returns only 0, so the
    wrapper's GIL-taking error path (numba_gil_ensure) is unreachable."""
    body, wrapper = _body_and_wrapper(sampler_ir)
    assert _status_codes(body) == {"0"}
    assert "numba_gil_ensure" not in body and "PyErr" not in body
    assert "numba_gil_ensure" in wrapper  # it exists only on the (unreachable) error path


@pytest.fixture(scope="module")
def jack_midi_ir():
    from live.engine.jack_midi_callback import compile_process

    return compile_process(cache=False).inspect_llvm()


def test_jack_midi_callback_ir_has_no_allocation(jack_midi_ir):
    """The JACK MIDI client's process callback shares the layout and the rules: no allocation."""
    assert "NRT_MemInfo_alloc" not in jack_midi_ir


def test_jack_midi_callback_body_cannot_raise(jack_midi_ir):
    body, wrapper = _body_and_wrapper(jack_midi_ir)
    assert _status_codes(body) == {"0"}
    assert "numba_gil_ensure" not in body and "PyErr" not in body


def _compile(fn):
    return cfunc(PA_CALLBACK_SIG, nopython=True, error_model="numpy", cache=False)(fn).inspect_llvm()


def test_ir_checks_catch_allocation_and_raise_paths():
    """The checks above can fail: a body that allocates, a ``range`` whose step may be 0
    (numba raises ValueError then) and an explicit ``raise`` are each caught. (Integer ``//``
    and ``%`` by zero do not raise under error_model='numpy' in numba 0.68; the sampler avoids
    them anyway, as that is version-dependent.)"""

    def allocates(i, o, n, t, f, u):
        a = np.zeros(np.int64(n), np.float32)
        return np.int32(a.size)

    def variable_step(i, o, n, t, f, u):
        x = 0
        for k in range(0, 10, np.int64(n)):
            x += k
        return np.int32(x)

    def raises(i, o, n, t, f, u):
        if n > 5:
            raise ValueError("too long")
        return 0

    assert "NRT_MemInfo_alloc" in _compile(allocates)
    for fn in (variable_step, raises):
        body, _ = _body_and_wrapper(_compile(fn))
        assert _status_codes(body) != {"0"}, fn.__name__


# --- adversarial state ----------------------------------------------------------------------

def _bank():
    ramp = np.linspace(1.0, 0.5, 101, dtype=np.float32)
    last = np.arange(1, 38, dtype=np.float32) / 37  # the bank's last sound
    return Bank({"ramp": ramp, "last": last}, sample_rate=48000)


def _call(state, n_frames, *, channels=None):
    """Run one block into the middle of a NaN-guarded buffer; return (status, block, guards ok)."""
    ch = state.channels if channels is None else channels
    buf = np.full(2 * GUARD + n_frames * ch, np.nan, dtype=np.float32)
    status = CALL(None, buf[GUARD:].ctypes.data, n_frames, None, 0, state.userdata)
    guards_ok = np.isnan(buf[:GUARD]).all() and np.isnan(buf[GUARD + n_frames * ch:]).all()
    return status, buf[GUARD:GUARD + n_frames * ch].reshape(n_frames, ch), guards_ok


def _push(state, name, frame, gain=1.0, fade=0):
    s = state.bank[name]
    state.push(frame=frame, bank_start=s.start_frame, length_frames=s.length_frames, gain=gain, fade_frames=fade)


@pytest.mark.parametrize("n", [0, 1, 3, 7, 64, 127])
@pytest.mark.parametrize("channels", [1, 2, 3])
def test_empty_ring_any_block_size(n, channels):
    st = SamplerState(_bank(), channels=channels, n_voices=4, ring_capacity=8)
    status, block, ok = _call(st, n)
    assert status == 0 and ok and not block.any()
    assert st.frame == n and st.stats()["blocks"] == 1


def test_zero_length_block_takes_commands_but_writes_nothing():
    st = SamplerState(_bank(), channels=2, n_voices=4, ring_capacity=8)
    _push(st, "ramp", 0)
    status, block, ok = _call(st, 0)
    assert status == 0 and ok and block.size == 0 and st.frame == 0
    status, block, ok = _call(st, 5)
    np.testing.assert_array_equal(block[:, 0], st.bank.samples("ramp")[:5])


def test_full_ring_raises_instead_of_blocking_and_drains_with_drops_counted():
    st = SamplerState(_bank(), channels=1, n_voices=3, ring_capacity=8)
    for k in range(8):
        _push(st, "ramp", 1000 + k)
    with pytest.raises(RingFull, match="ring full"):
        _push(st, "ramp", 2000)
    status, _, ok = _call(st, 64)
    assert status == 0 and ok
    stats = st.stats()
    assert stats["dropped"] == 5 and stats["active_max"] == 3  # 3 voices, 8 commands
    _push(st, "ramp", 3000)  # room again


def test_voice_ending_at_the_banks_last_sample():
    st = SamplerState(_bank(), channels=2, n_voices=4, ring_capacity=8)
    last = st.bank["last"]
    assert last.start_frame + last.length_frames == st.bank.data.size
    _push(st, "last", 10)
    out = np.concatenate([_call(st, n)[1] for n in (7, 13, 1, 29, 64)])
    np.testing.assert_array_equal(out[10:10 + last.length_frames, 1], st.bank.samples("last"))
    assert not out[10 + last.length_frames:].any() and not out[:10].any()
    assert st.voices[:, L.V_ACTIVE].sum() == 0


def test_bad_commands_are_dropped_or_clamped_never_read_out_of_bounds():
    bank = _bank()
    st = SamplerState(bank, channels=1, n_voices=8, ring_capacity=8)
    size = bank.data.size
    st.push(frame=0, bank_start=-1, length_frames=10, gain=1.0)              # before the bank
    st.push(frame=0, bank_start=size, length_frames=10, gain=1.0)            # after it
    st.push(frame=0, bank_start=0, length_frames=0, gain=1.0)                # empty
    st.push(frame=0, bank_start=size - 5, length_frames=10**9, gain=1.0)     # too long: clamped
    st.push(frame=0, bank_start=0, length_frames=4, gain=1.0, fade_frames=-3)  # negative fade
    status, block, ok = _call(st, 16)
    assert status == 0 and ok and st.stats()["dropped"] == 3
    np.testing.assert_array_equal(block[:5, 0], bank.data[size - 5:] + np.r_[bank.data[:4], 0])


def test_corrupt_write_count_never_reads_a_slot_twice():
    st = SamplerState(_bank(), channels=1, n_voices=4, ring_capacity=4)
    st.header[L.H_CMD_WRITTEN] = 10**6  # a producer bug: far more than the ring holds
    status, _, ok = _call(st, 32)
    assert status == 0 and ok
    assert st.header[L.H_CMD_READ] == 10**6 and st.stats()["dropped"] >= 10**6 - 4


@pytest.mark.parametrize("channels", [0, -1, 33, 10**6])
def test_corrupt_channel_count_writes_nothing(channels):
    st = SamplerState(_bank(), channels=1)
    st.header[L.H_CHANNELS] = channels
    buf = np.full(256, np.nan, dtype=np.float32)
    assert CALL(None, buf.ctypes.data, 64, None, 0, st.userdata) == 0
    assert np.isnan(buf).all()


def test_late_command_starts_at_once_and_is_counted():
    st = SamplerState(_bank(), channels=1, n_voices=4, ring_capacity=8)
    _call(st, 100)
    _push(st, "ramp", 40)  # 60 frames in the past
    _, block, _ = _call(st, 16)
    np.testing.assert_array_equal(block[:, 0], st.bank.samples("ramp")[:16])
    assert st.stats()["late"] == 1 and st.stats()["late_max_frames"] == 60


def test_fade_out_is_linear_to_the_last_frame():
    bank = Bank({"dc": np.ones(20, np.float32)}, sample_rate=48000)
    st = SamplerState(bank, channels=1, n_voices=2, ring_capacity=2)
    st.push(frame=0, bank_start=0, length_frames=20, gain=0.5, fade_frames=4)
    _, block, _ = _call(st, 24)
    np.testing.assert_allclose(block[:20, 0], 0.5 * np.r_[np.ones(16), [4 / 4, 3 / 4, 2 / 4, 1 / 4]])


def test_mix_matches_an_independent_reference_over_irregular_blocks():
    rng = np.random.default_rng(7)
    bank = default_bank()
    st = SamplerState(bank, channels=2, n_voices=128, ring_capacity=256)  # all queued at once
    names = list(bank.slices)
    total = 48000
    expected = np.zeros(total, np.float64)
    for _ in range(120):
        name = names[rng.integers(len(names))]
        frame = int(rng.integers(0, total - 1))
        gain = float(rng.uniform(0.1, 1.0))
        _push(st, name, frame, gain)
        x = bank.samples(name).astype(np.float64) * np.float32(gain)
        end = min(total, frame + x.size)
        expected[frame:end] += x[: end - frame]
    sizes = []
    while sum(sizes) < total:
        sizes.append(int(min(rng.integers(0, 2500), total - sum(sizes))))  # some > SCRATCH_FRAMES
    out = np.concatenate([_call(st, n)[1] for n in sizes])
    assert st.stats()["dropped"] == 0 and st.stats()["late"] == 0
    np.testing.assert_allclose(out[:, 0], expected, atol=2e-6)
    np.testing.assert_array_equal(out[:, 0], out[:, 1])


def test_state_rejects_bad_sizes():
    with pytest.raises(ValueError, match="power of two"):
        SamplerState(_bank(), ring_capacity=100)
    with pytest.raises(ValueError, match="channels must be 1..32"):
        SamplerState(_bank(), channels=0)


# --- block rows, clocks, input ring, status flags -----------------------------------------

def test_rows_record_each_block_with_the_monotonic_clock():
    import time

    st = SamplerState(_bank(), channels=1, host_clock=True, rows=8)
    before = time.monotonic_ns()
    sizes = [64, 0, 17, 64]
    for n in sizes:
        _call(st, n)
    after = time.monotonic_ns()
    rows = st.take_rows()
    assert rows[:, L.R_FRAME].tolist() == [0, 64, 64, 81]
    assert (before <= rows[:, L.R_HOST_NS]).all() and (rows[:, L.R_HOST_NS] <= after).all()
    assert (np.diff(rows[:, L.R_HOST_NS]) >= 0).all()
    assert (rows[:, L.R_DURATION_NS] >= 0).all() and (rows[:, L.R_JACK_FRAME] == -1).all()
    assert st.take_rows().shape == (0, L.ROW_FIELDS)


def test_rows_ring_keeps_the_newest_when_not_read_in_time():
    st = SamplerState(_bank(), channels=1, rows=4)
    for _ in range(10):
        _call(st, 10)
    rows = st.take_rows()
    assert rows[:, L.R_FRAME].tolist() == [60, 70, 80, 90]
    assert (rows[:, L.R_HOST_NS] == -1).all()  # no host clock offline


def test_jack_frame_time_is_read_through_the_function_given():
    from numba import carray, cfunc, types

    @cfunc(types.uint32(types.voidptr), nopython=True, error_model="numpy", cache=False)
    def fake_last_frame_time(client):  # stands in for jack_last_frame_time(client)
        return carray(client, (1,), np.uint32)[0]

    clock = np.array([4294967000], dtype=np.uint32)  # near the uint32 wrap, as JACK's can be
    st = SamplerState(_bank(), channels=1)
    st.use_jack_clock(fake_last_frame_time.address, clock.ctypes.data)
    _call(st, 64)
    clock[0] = 4294967000 + 64
    _call(st, 64)
    assert st.take_rows()[:, L.R_JACK_FRAME].tolist() == [4294967000, 4294967064]


def test_input_is_copied_into_the_ring_across_its_end():
    st = SamplerState(_bank(), channels=1, in_channels=2, in_frames=8)
    out = np.zeros(16, np.float32)
    got = []
    for n in (5, 6):
        block = np.arange(2 * n, dtype=np.float32).reshape(n, 2) + 100 * n
        assert CALL(block.ctypes.data, out.ctypes.data, n, None, 0, st.userdata) == 0
        first, frames = st.take_input()
        got.append((first, frames))
    assert got[0][0] == 0 and got[1][0] == 5
    np.testing.assert_array_equal(got[1][1], np.arange(12, dtype=np.float32).reshape(6, 2) + 600)


def test_null_input_pointer_is_ignored_and_flags_are_counted():
    st = SamplerState(_bank(), channels=1, in_channels=1, in_frames=8)
    out = np.zeros(8, np.float32)
    assert CALL(None, out.ctypes.data, 8, None, PA_OUTPUT_UNDERFLOW | PA_INPUT_OVERFLOW, st.userdata) == 0
    assert CALL(None, out.ctypes.data, 8, None, PA_OUTPUT_UNDERFLOW, st.userdata) == 0
    assert st.take_input()[1].shape == (0, 1)
    assert st.stats()["underflows"] == 2 and st.stats()["overflows"] == 1


def _fake_midi_header(events):
    """A JACK MIDI client's header and input ring as live.engine.jack_midi lays them out."""
    ring = np.zeros((8, 4), np.int64)
    hdr = np.zeros(32, np.int64)
    hdr[L.J_IN_ADDR], hdr[L.J_IN_MASK] = ring.ctypes.data, 7
    for i, ev in enumerate(events):
        ring[i] = ev
    hdr[L.J_IN_WRITTEN] = len(events)
    return hdr, ring


def test_pads_sound_at_their_input_frame_plus_the_fixed_delay():
    from numba import carray, cfunc, types

    @cfunc(types.uint32(types.voidptr), nopython=True, error_model="numpy", cache=False)
    def fake_last_frame_time(client):
        return carray(client, (1,), np.uint32)[0]

    bank = Bank({"pad": np.ones(5, np.float32), "other": np.full(3, 0.5, np.float32)}, sample_rate=48000)
    st = SamplerState(bank, channels=1, n_voices=8, ring_capacity=8)
    t0 = 2**32 - 40  # the JACK clock wraps inside this test
    clock = np.array([t0], dtype=np.uint32)
    st.use_jack_clock(fake_last_frame_time.address, clock.ctypes.data)
    _call(st, 64)  # engine block 0..63 at JACK frame t0
    events = [
        (t0 + 10, 0x90, 36, 127),              # note-on 36, full velocity, previous cycle
        ((t0 + 70) % 2**32, 0x99, 36, 64),     # channel 10, half velocity, after the wrap
        ((t0 + 80) % 2**32, 0x80, 36, 64),     # note-off: silent
        ((t0 + 90) % 2**32, 0x90, 60, 100),    # a note with no sound: silent
        ((t0 + 95) % 2**32, 0x90, 36, 0),      # velocity 0 = note-off: silent
    ]
    hdr, _ = _fake_midi_header([])
    st.play_midi_notes(hdr, delay_frames=128, sounds={36: ("pad", 0.5)})
    ring = np.zeros((8, 4), np.int64)
    ring[: len(events)] = events
    hdr[L.J_IN_ADDR] = ring.ctypes.data
    hdr[L.J_IN_WRITTEN] = len(events)
    clock[0] = (t0 + 64) % 2**32  # engine block 64..127 at JACK frame t0 + 64
    out = np.concatenate([_call(st, 64)[1] for _ in range(4)])[:, 0]  # frames 64..319
    expected = np.zeros(256, np.float32)
    expected[10 + 128 - 64: 10 + 128 - 64 + 5] += 0.5 * 127 / 127
    expected[70 + 128 - 64: 70 + 128 - 64 + 5] += 0.5 * 64 / 127
    np.testing.assert_allclose(out, expected, rtol=1e-6)
    assert st.stats()["pad_sounds"] == 2 and st.stats()["late"] == 0


def test_pads_are_silent_without_a_jack_clock():
    st = SamplerState(_bank(), channels=1)
    hdr, ring = _fake_midi_header([])
    st.play_midi_notes(hdr, delay_frames=64, sounds={36: ("ramp", 1.0)})
    ring[0] = (5, 0x90, 36, 100)
    hdr[L.J_IN_WRITTEN] = 1  # a note arrives after play_midi_notes, but no JACK clock is set
    _, block, _ = _call(st, 256)
    assert not block.any() and st.stats()["pad_sounds"] == 0 and st.header[L.H_MIDI_READ] == 0
