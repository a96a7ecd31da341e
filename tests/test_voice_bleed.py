"""Sung answers with the call bleeding into the microphone, offline on the real callback: the
engine plays a call-and-response trial (a piano call, a soft pulse through the answer window);
what it plays comes back into its input one loopback latency later (the speakers heard by the
microphone), and a synthesized voice (live.sim.singing) sings the answer into the same input. The
voice source hands the activity the input with what was played (the microphone path's
reference), so the answer's notes are the voice's alone, at their frames and pitch; without the
reference the engine's own sounds in the window (the pulse's pitched accents) are taken for sung
notes."""

from __future__ import annotations

import types

import numpy as np
import pytest

from live.activities.call_response import CallResponse, CallResponseParams
from live.activities.call_response.pitches import sounds_needed
from live.activities.types import ActivityContext
from live.engine.engine import Engine
from live.engine.note_bank import build_session_bank
from live.engine.sampler import SamplerState
from live.engine.sampler_callback import sampler_callback
from live.run.sources.voice import VoiceSource
from live.sim.singing import VOICES, SungNoteSpec, sing

SR = 48000
CALL = sampler_callback.ctypes
BLOCK = 64
STEP = 512  # the control step: one poll per 8 blocks
SUNG_MIDI = 69.2  # A4, 20 cents sharp: not a call note
SUNG_AT_S = (0.35, 0.95)  # after the window opens


class _Audio:
    """What VoiceSource reads of LiveAudio: the sample rate and the running stream's state."""

    def __init__(self, state):
        self.sample_rate = SR
        self.stream = types.SimpleNamespace(state=state)


def _params() -> CallResponseParams:
    return CallResponseParams(calls="list", phrases=("C4 . E4 . G4 . . .",), trials=1, tempo_bpm=72,
                              answer_input="voice", instrument="piano", feedback=False, margin_beats=2.0, pulse=True)


def _trial(*, latency: int, bleed_gain: float, reject_bleed: bool, voice_level: float = 0.3):
    """One trial on the callback with the loopback; returns (the scored trial's dict, the sung
    notes' true onset frames, the frames of every sound the engine played)."""
    params = _params()
    bank = build_session_bank(sounds_needed(params), sample_rate=SR)
    state = SamplerState(bank, channels=1, in_channels=1, in_frames=1 << 16)
    engine = Engine(types.SimpleNamespace(state=state, sample_rate=SR), bank)
    act = CallResponse(params)
    act.start(ActivityContext(SR, SR, frozenset(bank.slices), realtime=False))
    sounds = act.plan(SR)
    for sound in sounds:
        engine.schedule(sound)
    [trial] = act._trials
    open_frame = trial.open_frame
    truth = [open_frame + round(t * SR) for t in SUNG_AT_S]
    voice = sing([SungNoteSpec(t, 0.45, SUNG_MIDI, "a", voice_level) for t in SUNG_AT_S], voice=VOICES["alto"],
                 sample_rate=SR, duration_s=1.6, seed=3)
    source = VoiceSource(_Audio(state), client="C1", latency_frames=latency, reject_bleed=reject_bleed)
    rng = np.random.default_rng(5)
    n = trial.close_frame + SR
    played = np.zeros(n + BLOCK, np.float32)
    mic_extra = np.zeros(n + latency + BLOCK, np.float32)  # the voice at the microphone: stored frame + latency
    mic_extra[open_frame + latency: open_frame + latency + voice.size] = voice
    for at in range(SR, n, BLOCK):  # the session's first sound is at SR (its start frame)
        mic = bleed_gain * played[at - latency: at - latency + BLOCK] + mic_extra[at: at + BLOCK]
        mic = (mic + rng.normal(0, 0.0005, BLOCK)).astype(np.float32)
        out = np.zeros(BLOCK, np.float32)
        if at == SR:  # the callback's clock starts at frame 0: run it silently up to the session's start
            for skip in range(0, SR, BLOCK):
                assert CALL(np.zeros(BLOCK, np.float32).ctypes.data, out.ctypes.data, BLOCK, None, 0,
                            state.userdata) == 0
            state.take_input()
        assert CALL(mic.ctypes.data, out.ctypes.data, BLOCK, None, 0, state.userdata) == 0
        played[at: at + BLOCK] = out
        if (at + BLOCK) % STEP == 0:
            polled = source.poll(at + BLOCK)
            if polled.audio is not None:
                act.on_audio(polled.audio)
            for sound in act.plan(at + BLOCK + 4800):
                engine.schedule(sound)
                sounds.append(sound)
    [scored] = act.summary().trials
    return scored, truth, [s.frame for s in sounds]


@pytest.mark.parametrize("bleed_gain", [1.0, 0.3])
def test_the_calls_bleed_is_no_sung_note_and_the_voice_is_found_at_its_frames_and_pitch(bleed_gain):
    scored, truth, _ = _trial(latency=300, bleed_gain=bleed_gain, reject_bleed=True)
    answer = scored["answer"]
    assert [a["note"] for a in answer] == [69, 69], answer
    assert all(abs(a["pitch_midi"] - SUNG_MIDI) <= 0.3 for a in answer), answer
    onsets = [round(a["onset_s"] * SR) for a in answer]  # seconds from the session's start, frame 0
    assert all(abs(o - t) <= 0.01 * SR for o, t in zip(onsets, truth)), (onsets, truth)


def test_without_the_reference_the_engines_own_sounds_in_the_window_are_taken_for_sung_notes():
    scored, truth, played = _trial(latency=300, bleed_gain=1.0, reject_bleed=False)
    onsets = [round(a["onset_s"] * SR) for a in scored["answer"]]
    extra = [o for o in onsets if min(abs(o - t) for t in truth) > 0.01 * SR]
    assert len(onsets) - len(extra) == 2 and extra, scored["answer"]
    assert all(min(abs(o - f) for f in played) <= 0.02 * SR for o in extra), (extra, played)


def test_the_call_and_pulse_alone_at_the_microphone_make_no_sung_note():
    scored, _, _ = _trial(latency=300, bleed_gain=1.0, reject_bleed=True, voice_level=0.0)
    assert scored["answer"] == [], scored["answer"]
