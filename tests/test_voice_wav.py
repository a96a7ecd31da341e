"""The simulated singer's voice in the demo's WAV (a sung call-and-response): mixed in at the
frames the activity heard it, so a therapist listening to the demo hears the answers. The WAV
less the engine's own output (``live export --format wav --deidentify`` renders that again,
sample for sample, leaving the stored voice out) is the voice: its notes start where the
stored answer's onsets are and sound at their stored pitches."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

from live.activities.call_response import CallResponseParams
from live.engine.onsets import detect_onsets
from live.presets import Preset
from live.run.offline import LoopTiming, simulate_session
from live.store.exports import export_session
from live.store.store import Store
from pitch_helpers import cents, fundamental_hz

SR = 48000
EXACT = {"omission_rate": 0.0, "insertion_rate": 0.0, "timing_sd_ms": 10.0, "pitch_error_rate": 0.0,
         "latency_sd_ms": 0.0, "voice": "alto", "cents_sd": 10.0}


def _pcm(path: Path) -> np.ndarray:
    with wave.open(str(path)) as w:
        assert w.getframerate() == SR and w.getnchannels() == 1
        return np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float64) / 32768.0


def test_the_demo_wav_carries_the_singers_notes_at_their_frames_and_pitches(tmp_path):
    params = CallResponseParams(calls="list", phrases=("C4 . E4 . G4 . . .", "G4 . E4 . D4 . C4 ."), trials=2,
                                tempo_bpm=72, answer_input="voice", instrument="piano", feedback=False,
                                margin_beats=2.0)
    preset = Preset(name="sung", path=Path("sung.toml"), activity="call_response", title="sung", goal="sing",
                    params=params, raw_params={})
    with Store.open(tmp_path / "s.db") as store:
        out = simulate_session(preset, store=store, seed=2, settings=EXACT, timing=LoopTiming(block_frames=2048,
                               control_period_frames=2048), wav_dir=tmp_path)
        engine_only, _ = export_session(store, out.session_id, "wav", out=tmp_path / "engine.wav", deidentified=True)
    demo, engine = _pcm(out.wav_path), _pcm(engine_only)
    assert demo.size == engine.size
    voice = demo - engine
    answers = [a for t in out.summary.trials for a in t["answer"]]
    assert [len(t["answer"]) for t in out.summary.trials] == [3, 4]
    assert np.abs(voice).max() > 0.1  # the voice is there, at a singer's level
    found = [o.frame for o in detect_onsets(voice, SR, threshold=0.02)]
    for a in answers:  # the trial's times count from the session's start, engine frame 0 offline
        at = round(a["onset_s"] * SR)
        assert min(abs(f - at) for f in found) <= 0.005 * SR, (a, found)
        steady = voice[at + round(0.12 * SR): at + round(0.3 * SR)]
        hz = 440.0 * 2 ** ((a["pitch_midi"] - 69) / 12)
        assert abs(cents(fundamental_hz(steady, SR, hz), hz)) <= 30.0, a
    # nothing of the voice outside the answers: silence (room noise) before the first call
    first_call = round(out.summary.trials[0]["call"][0]["onset_s"] * SR)
    assert np.abs(voice[:first_call]).max() < 0.01
