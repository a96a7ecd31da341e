"""The ring of what the callback played (beside the microphone's input ring): the known output
the microphone's bleed rejection reads, frame for frame."""

import numpy as np

from live.engine.bank import Bank
from live.engine.sampler import SamplerState
from live.engine.sampler_callback import sampler_callback

CALL = sampler_callback.ctypes


def _state(in_channels=1, in_frames=64):
    ramp = np.linspace(1.0, 0.5, 101, dtype=np.float32)
    return SamplerState(Bank({"ramp": ramp}, sample_rate=48000), channels=2, n_voices=4, in_channels=in_channels,
                        in_frames=in_frames)


def test_what_was_played_is_kept_by_engine_frame_across_the_ring_s_end():
    st = _state(in_frames=64)
    s = st.bank["ramp"]
    st.push(frame=10, bank_start=s.start_frame, length_frames=s.length_frames, gain=0.5)
    played = []
    for n in (37, 64, 23):
        out = np.zeros(2 * n, np.float32)
        inp = np.zeros(n, np.float32)
        assert CALL(inp.ctypes.data, out.ctypes.data, n, None, 0, st.userdata) == 0
        played.append(out[::2].copy())
    played = np.concatenate(played)  # frames 0..123
    assert played[10] == np.float32(0.5) and played[9] == 0
    np.testing.assert_array_equal(st.played(60, 64), played[60:124])      # the last 64: still in the ring
    np.testing.assert_array_equal(st.played(100, 30)[:24], played[100:124])
    assert not st.played(100, 30)[24:].any()                               # not yet played: zeros
    assert not st.played(0, 10).any() and not st.played(-5, 3).any()       # overwritten / before the start


def test_without_a_microphone_nothing_is_kept():
    st = _state(in_channels=0)
    out = np.zeros(128, np.float32)
    assert CALL(None, out.ctypes.data, 64, None, 0, st.userdata) == 0
    assert st.played(0, 64).tolist() == [0.0] * 64
