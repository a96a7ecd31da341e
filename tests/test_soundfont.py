"""Pitched notes from a General MIDI SoundFont by FluidSynth (Debian's libfluidsynth3 and
timgm6mb-soundfont, which ``make test`` installs): in tune, starting on their frame, ending at
zero, cached on disk (a warm session start renders nothing), and, when the library or a
SoundFont is missing, one line naming the Debian package while the built-in voices play."""

from __future__ import annotations

import os
import shutil
import sys
import time

import numpy as np
import pytest

from live.engine.drivers import OfflineDriver
from live.engine.engine import Engine
from live.engine.events import ScheduledSound
from live.engine.instruments import PITCHED, PitchedNote
from live.engine.note_bank import note_sounds_of, session_bank, synth_note_sound
from live.engine.sampler import SamplerState
from live.engine.soundfont import DEBIAN_SOUNDFONTS, SOUNDFONT_SETTING, find_soundfont, fluid_renderer
from live.engine.synth_voices import note_hz
from live.engine.system_parts import MissingPart
from live.run.sounds import build_session_bank
from pitch_helpers import cents, fundamental_hz

SR = 48000
TUNED = ("piano", "epiano", "bass", "marimba", "guitar")  # pads and strings are detuned layers by design


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.delenv(SOUNDFONT_SETTING, raising=False)
    return tmp_path / "xdg-cache" / "live" / "notes"


def _bank(notes, **kw):
    return session_bank(notes, sample_rate=SR, renderer=fluid_renderer(**kw))


def test_the_debian_soundfont_is_found_and_the_notes_are_cached_under_xdg_cache_home(cache):
    assert str(find_soundfont()) in [p for p, _ in DEBIAN_SOUNDFONTS]
    bank = _bank([PitchedNote("piano", 60, 100)])
    assert "piano:60:v2" in bank
    assert len(list(cache.rglob("*.npy"))) == 1


def test_fluidsynth_notes_are_in_tune_within_5_cents(cache):
    notes = [PitchedNote(i, n, 104) for i in TUNED for n in (45, 57, 64, 72)]
    bank = _bank(notes)
    for n in notes:
        x = bank.samples(n.name)
        assert not np.array_equal(x, synth_note_sound(n.sound, sample_rate=SR))  # FluidSynth's, not the fallback
        f = fundamental_hz(x, SR, note_hz(n.note))
        assert abs(cents(f, note_hz(n.note))) < 5.0, (n, f)


def test_fluidsynth_notes_start_on_their_scheduled_frame_and_end_at_zero(cache):
    notes = [PitchedNote(i, 57, 127) for i in PITCHED if PITCHED[i].gm_program is not None]
    bank = _bank(notes)
    driver = OfflineDriver(SamplerState(bank, channels=1, n_voices=32), sample_rate=SR)
    engine = Engine(driver, bank)
    at = {n.name: 1000 + 11 * SR * k + 13 * k for k, n in enumerate(notes)}  # apart: pads hold 8 s + tail
    for name, frame in at.items():
        engine.schedule(ScheduledSound(frame=frame, sound=name))
    out = driver.render(64, (11 * SR * len(notes)) // 64)[:, 0]
    for n in notes:
        x, frame = bank.samples(n.name), at[n.name]
        assert np.all(out[frame - 200 : frame] == 0) and abs(out[frame]) >= 1e-3 * np.abs(x).max(), n
        assert np.array_equal(out[frame : frame + x.size], x)
        assert x[-1] == 0.0
        if n.instrument in TUNED:  # a struck or plucked note: a tenth of its peak within 20 ms
            assert np.abs(x[: SR // 50]).max() >= 0.1 * np.abs(x).max(), n


def test_a_warm_cache_renders_nothing_and_loads_a_band_presets_notes_in_under_3_s(cache, capsys):
    notes = ([PitchedNote("bass", n, v) for n in range(28, 53) for v in (80, 104)]
             + [PitchedNote("pad", n, v) for n in range(48, 80) for v in (48, 80)]
             + [PitchedNote("piano", n, v) for n in range(55, 80) for v in (48, 80, 104, 127)])
    lines = []
    t0 = time.perf_counter()
    bank_cold = build_session_bank(notes, sample_rate=SR, log=lines.append)
    cold_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    bank_warm = build_session_bank(notes, sample_rate=SR, log=lines.append)
    warm_s = time.perf_counter() - t0
    with capsys.disabled():
        print(f"\n{len(notes)} notes: cold {cold_s:.2f} s, warm {warm_s:.2f} s")
    assert lines[0].startswith(f"rendering {len(notes)} notes from ")
    assert lines[-2].startswith(f"{len(notes)} notes from ") and f": 0 from the cache, {len(notes)} rendered" in lines[-2]
    assert f": {len(notes)} from the cache, 0 rendered" in lines[-1]
    assert warm_s < 3.0
    assert np.array_equal(bank_cold.data, bank_warm.data)


def test_an_edited_soundfont_renders_afresh_and_a_named_one_is_used(cache, tmp_path):
    font = tmp_path / "mine.sf2"
    shutil.copy(find_soundfont(), font)
    note = [PitchedNote("guitar", 52, 90)]
    r = fluid_renderer(font)
    session_bank(note, sample_rate=SR, renderer=r)
    assert r.soundfont == font.resolve() and r.last["rendered"] == 1
    r = fluid_renderer(font)
    session_bank(note, sample_rate=SR, renderer=r)
    assert r.last["rendered"] == 0
    os.utime(font, ns=(time.time_ns(), time.time_ns() + 10**9))
    r = fluid_renderer(font)
    session_bank(note, sample_rate=SR, renderer=r)
    assert r.last["rendered"] == 1


def test_a_named_soundfont_that_is_not_there_or_not_a_soundfont_is_said_in_one_line(cache, tmp_path, monkeypatch):
    with pytest.raises(MissingPart, match=r"^SoundFont /nowhere/x.sf2: no such readable file; name an existing"):
        find_soundfont("/nowhere/x.sf2")
    (tmp_path / "notes.txt").write_text("x")
    monkeypatch.setenv(SOUNDFONT_SETTING, str(tmp_path / "notes.txt"))
    with pytest.raises(MissingPart, match=r"notes.txt: not a .sf2 or .sf3 file"):
        find_soundfont()


def test_without_a_soundfont_one_line_names_the_debian_package_and_the_built_in_voices_play(cache, monkeypatch):
    import live.engine.soundfont as sf

    monkeypatch.setattr(sf, "DEBIAN_SOUNDFONTS", (("/nowhere/TimGM6mb.sf2", "timgm6mb-soundfont"),))
    lines = []
    notes = [PitchedNote("piano", 60, 100)]
    bank = build_session_bank(notes, sample_rate=SR, log=lines.append)
    assert lines == ["General MIDI SoundFont: none is installed; install one: sudo apt-get install "
                     "timgm6mb-soundfont; playing the built-in synthesized instruments"]
    assert np.array_equal(bank.samples("piano:60:v2"), synth_note_sound(note_sounds_of(notes)[0], sample_rate=SR))


def test_without_libfluidsynth_one_line_names_the_debian_package_and_the_built_in_voices_play(cache, monkeypatch):
    import ctypes.util

    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)  # as on a machine without libfluidsynth3
    monkeypatch.delitem(sys.modules, "fluidsynth", raising=False)
    monkeypatch.delenv("HOMEBREW_PREFIX", raising=False)
    lines = []
    bank = build_session_bank([PitchedNote("bass", 40, 127)], sample_rate=SR, log=lines.append)
    assert lines == ["FluidSynth: the library is not installed; install it: sudo apt-get install libfluidsynth3; "
                     "playing the built-in synthesized instruments"]
    assert "bass:40:v3" in bank
    assert "fluidsynth" not in sys.modules


def test_synth_instruments_and_no_notes_never_load_fluidsynth(cache, monkeypatch):
    monkeypatch.delitem(sys.modules, "fluidsynth", raising=False)
    lines = []
    build_session_bank([PitchedNote("synth_pad", 60, 100)], sample_rate=SR, log=lines.append)
    build_session_bank([], sample_rate=SR, log=lines.append)
    assert lines == [] and "fluidsynth" not in sys.modules
