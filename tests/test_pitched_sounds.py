"""Pitched notes in the bank: their names, velocity layers, the built-in synthesized voices
(each on its own: pitch by FFT, onset on its first frame, end at zero, level) and the session
bank built from the notes activities declare."""

from __future__ import annotations

import numpy as np
import pytest

from live.engine.bank import DEFAULT_RELEASE_FRAMES
from live.engine.drivers import OfflineDriver
from live.engine.engine import Engine
from live.engine.events import ScheduledSound
from live.engine.instruments import (
    LAYER_VELOCITIES, PITCHED, NoteSound, PitchedNote, note_gain, note_sound, parse_note_sound, velocity_layer,
)
from live.engine.note_bank import session_bank
from live.engine.sampler import SamplerState
from live.engine.synth_voices import VOICES, note_hz, synth_note
from pitch_helpers import cents, fundamental_hz, strongest_below

SR = 48000


def test_a_note_is_named_by_instrument_note_and_velocity_layer_and_read_back():
    assert note_sound("piano", 60, 100) == "piano:60:v2"
    assert note_sound("bass", 36, 1) == "bass:36:v0"
    assert note_sound("pad", 127, 127) == "pad:127:v3"
    assert parse_note_sound("piano:60:v2") == NoteSound("piano", 60, 2)
    for name in ("click", "kick_accent", "piano:60", "piano:128:v0", "piano:60:v4", "organ:60:v1", "piano:x:v1"):
        assert parse_note_sound(name) is None
    for bad, said in ((("organ", 60, 100), "instrument 'organ': must be one of piano"),
                      (("piano", 128, 100), "MIDI note 128: must be a whole number 0..127"),
                      (("piano", 60, 0), "velocity 0: must be a whole number 1..127")):
        with pytest.raises(ValueError, match=said):
            note_sound(*bad)


def test_velocity_layers_cover_1_to_127_and_gain_scales_the_layer_to_the_velocity():
    layers = [velocity_layer(v) for v in range(1, 128)]
    assert layers == sorted(layers) and set(layers) == set(range(len(LAYER_VELOCITIES)))
    for v in range(1, 128):
        assert note_gain(v) == pytest.approx(v / LAYER_VELOCITIES[velocity_layer(v)])
        assert 0 < note_gain(v) <= 1
    assert [note_gain(top) for top in LAYER_VELOCITIES] == [1.0] * len(LAYER_VELOCITIES)
    n = PitchedNote("epiano", 64, 90)
    assert (n.name, n.sound, n.gain) == ("epiano:64:v2", NoteSound("epiano", 64, 2), pytest.approx(90 / 104))


def test_the_instruments_include_the_band_and_the_built_in_fallbacks():
    for name in ("piano", "epiano", "bass", "pad", "marimba", "guitar", "strings",
                 "synth_piano", "synth_bass", "synth_pad"):
        inst = PITCHED[name]
        assert inst.voice in VOICES
        assert (inst.gm_program is None) == name.startswith("synth_")
        assert inst.gm_program is None or 0 <= inst.gm_program <= 127
        assert inst.hold_s > 0 and inst.release_s > 0


@pytest.mark.parametrize("voice", sorted(VOICES))
def test_each_built_in_voice_is_in_tune_within_one_cent_with_nothing_below_its_fundamental(voice):
    for note in (33, 45, 57, 60, 69, 76, 88):
        x = synth_note(voice, note, 104, length_s=2.0, sample_rate=SR)
        f = fundamental_hz(x, SR, note_hz(note))
        assert abs(cents(f, note_hz(note))) < 1.0, (voice, note, f)
        assert strongest_below(x, SR, 0.8 * note_hz(note)) < 0.05, (voice, note)  # no DC, no subharmonic


@pytest.mark.parametrize("voice", sorted(VOICES))
def test_each_built_in_voice_starts_on_the_frame_it_is_scheduled_and_ends_at_zero(voice):
    sounds = {f"n{v}": synth_note(voice, 57, v, length_s=0.5, sample_rate=SR) for v in (48, 127)}
    from live.engine.bank import Bank

    bank = Bank(sounds, sample_rate=SR)
    driver = OfflineDriver(SamplerState(bank, channels=1), sample_rate=SR)
    engine = Engine(driver, bank)
    engine.schedule(ScheduledSound(frame=1001, sound="n127"))
    out = driver.render(64, 16 + SR // 128)[:, 0]
    x = sounds["n127"]
    assert np.all(out[:1001] == 0)
    assert out[1001] == x[0] and abs(x[0]) >= 0.25 * np.abs(x).max()  # the first frame is its onset
    assert np.array_equal(out[1001 : 1001 + x.size], x)
    assert x[-1] == 0.0 and np.all(out[1001 + x.size :] == 0)


@pytest.mark.parametrize("voice", sorted(VOICES))
def test_each_built_in_voice_peaks_at_half_scale_times_velocity_and_a_harder_layer_is_louder(voice):
    soft, hard = (synth_note(voice, 60, v, length_s=1.0, sample_rate=SR) for v in (48, 127))
    assert np.abs(hard).max() == pytest.approx(0.5, rel=1e-5)
    assert np.abs(soft).max() == pytest.approx(0.5 * 48 / 127, rel=1e-5)
    # RMS over the first second: brighter too, so its peak/RMS differs (pluck: 1.23 x, bass 1.57 x, the rest 1.9 x or more)
    assert np.sqrt(np.mean(hard ** 2)) > 1.2 * np.sqrt(np.mean(soft ** 2))


def test_unknown_voice_note_or_velocity_say_what_is_allowed():
    with pytest.raises(ValueError, match="voice 'organ': must be one of fm_piano"):
        synth_note("organ", 60, 100, length_s=1.0, sample_rate=SR)
    with pytest.raises(ValueError, match="must be 0..127"):
        synth_note("bass", 200, 100, length_s=1.0, sample_rate=SR)


def test_a_session_bank_holds_the_default_sounds_and_each_declared_note_once_with_its_release():
    notes = [PitchedNote("synth_bass", 36, 100), PitchedNote("synth_bass", 36, 90), PitchedNote("synth_pad", 60, 30),
             PitchedNote("piano", 64, 127)]
    bank = session_bank(notes, sample_rate=SR)
    assert {"click", "kick_accent", "synth_bass:36:v2", "synth_pad:60:v0", "piano:64:v3"} <= set(bank.slices)
    assert sum(1 for n in bank.slices if ":" in n) == 3
    assert bank["synth_bass:36:v2"].length_frames == round(PITCHED["synth_bass"].hold_s * SR)
    assert bank["synth_pad:60:v0"].release_frames == round(PITCHED["synth_pad"].release_s * SR)
    assert bank["click"].release_frames == DEFAULT_RELEASE_FRAMES
    # Without a renderer a GM instrument sounds with its built-in voice.
    assert np.array_equal(bank.samples("piano:64:v3"),
                          synth_note("fm_piano", 64, 127, length_s=PITCHED["piano"].hold_s, sample_rate=SR))


def test_a_session_declares_no_notes_for_entrainment():
    from live.presets import find_preset, load_preset
    from live.run.sounds import declared_notes

    assert declared_notes([load_preset(find_preset("steady-beat-100"))]) == ()


def test_the_wav_export_renders_stored_pitched_notes_into_its_bank_and_releases_them_at_their_stored_end(
        tmp_path, monkeypatch):
    import io
    import wave

    from live.store.exports import wav

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    stored = [{"frame": 100, "sound": "synth_pad:60:v2", "gain": 0.5, "end_frame": 20000},
              {"frame": 5000, "sound": "synth_bass:40:v3", "gain": 0.25, "end_frame": None},
              {"frame": 9000, "sound": "click", "gain": None, "end_frame": None}]
    session = {"sample_rate": SR, "runs": [{"sounds": stored, "inputs": [], "end_frame": SR, "playback": None}]}
    f = io.BytesIO()
    wav.write(session, f)
    f.seek(0)
    with wave.open(f) as w:
        got = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64) / 32767
    bank = session_bank([s["sound"] for s in stored], sample_rate=SR)
    expected = np.zeros(SR)
    for s in stored:
        x = bank.samples(s["sound"]).astype(np.float64) * (s["gain"] or 1.0)
        if s["end_frame"] is not None:  # a linear release over the pad's 0.6 s from there
            r, rel = bank[s["sound"]].release_frames, s["end_frame"] - s["frame"]
            x = (x * np.where(np.arange(x.size) >= rel, (rel + r - np.arange(x.size)) / r, 1.0))[: rel + r]
        expected[s["frame"] : s["frame"] + x.size] += x[: SR - s["frame"]]
    np.testing.assert_allclose(got, expected, atol=1.5 / 32767)
