"""The microphone source on the real callback, offline: what the engine plays comes back into its
input one loopback latency later (bleed), claps are added at known frames; the source's inputs
are the claps (moved back by the latency), none is the beat."""

import types

import numpy as np
import pytest

import mic_signals
from live.engine.bank import default_bank
from live.engine.sampler import SamplerState
from live.engine.sampler_callback import sampler_callback
from live.run.sources.mic import MicSource

SR = 48000
CALL = sampler_callback.ctypes


class _Audio:
    """What MicSource reads of LiveAudio: the sample rate and the running stream's state."""

    def __init__(self, state):
        self.sample_rate = SR
        self.stream = types.SimpleNamespace(state=state)

    def on_new_stream(self, callback):
        self.new_stream = callback


def _session(beat_sound, clap_frames, *, latency, bleed_gain, seconds=6.0, clap_gain=0.8, seed=2,
             reject_bleed=True):
    """Run the callback block by block with the loopback; return (the source's input frames,
    the beat's frames)."""
    state = SamplerState(default_bank(SR), channels=2, in_channels=1, in_frames=1 << 16)
    s = state.bank[beat_sound]
    beats = list(range(SR // 2, int(seconds * SR) - SR // 2, SR // 2))  # 120 BPM
    for f in beats:
        state.push(frame=f, bank_start=s.start_frame, length_frames=s.length_frames, gain=0.9)
    n = int(seconds * SR)
    rng = np.random.default_rng(seed)
    claps = np.zeros(n + SR)
    for f in clap_frames:
        c = mic_signals.clap(rng)
        claps[f: f + c.size] += clap_gain * c
    source = MicSource(_Audio(state), client="c", threshold=0.01, latency_frames=latency,
                       reject_bleed=reject_bleed)
    played = np.zeros(n + latency + SR, np.float32)
    got = []
    for at in range(0, n, 64):
        mic = (bleed_gain * played[at - latency: at - latency + 64] if at >= latency else np.zeros(64, np.float32))
        mic = (mic + claps[at: at + 64] + rng.normal(0, 0.0005, 64)).astype(np.float32)
        out = np.zeros(128, np.float32)
        assert CALL(mic.ctypes.data, out.ctypes.data, 64, None, 0, state.userdata) == 0
        played[at: at + 64] = out[::2]
        if at % 512 == 0:
            got += [ev.frame for ev in source.poll(at).inputs]
    got += [ev.frame for ev in source.poll(n).inputs]
    return got, beats


@pytest.mark.parametrize("beat_sound", ["click_accent", "kick_accent", "woodblock_accent"])
def test_claps_on_and_near_the_beat_are_inputs_within_a_millisecond_and_the_beat_is_none(beat_sound):
    latency = 64
    claps = [SR // 2 + 30 * SR // 1000,        # 30 ms after a beat
             SR + 5 * SR // 1000,              # 5 ms after one: its bleed still sounding
             int(1.25 * SR),                   # between beats
             2 * SR - 20 * SR // 1000,         # 20 ms before one
             int(2.5 * SR) + 2 * SR // 1000,   # 2 ms after one
             int(3.7 * SR), int(4.5 * SR) + 10 * SR // 1000]
    got, beats = _session(beat_sound, claps, latency=latency, bleed_gain=0.3)
    expected = [f - latency for f in claps]  # the source moves every onset back by the latency
    assert len(got) == len(claps), (got, expected)
    assert all(abs(g - e) <= SR // 1000 for g, e in zip(got, expected)), (got, expected)


def test_the_beat_s_bleed_alone_is_no_input_but_without_the_played_ring_it_would_be():
    got, beats = _session("click_accent", [], latency=64, bleed_gain=0.5)
    assert got == []
    from live.engine.onsets import detect_onsets  # the same bleed, no reference: the clicks are onsets

    state = SamplerState(default_bank(SR), channels=2)
    s = state.bank["click_accent"]
    x = np.zeros(3 * SR)
    for f in (SR // 2, SR, 3 * SR // 2):
        x[f: f + s.length_frames] += 0.5 * 0.9 * state.bank.samples("click_accent")[: 3 * SR - f]
    assert len(detect_onsets(x, SR)) == 3


def test_without_bleed_rejection_the_loopback_s_clicks_are_inputs_at_their_played_frames():
    """What ``live calibrate --input mic`` relies on: its loopback's clicks are heard, each at the
    frame it was played (the latency taken back off)."""
    got, beats = _session("click_accent", [], latency=64, bleed_gain=0.5, reject_bleed=False)
    assert got == beats
