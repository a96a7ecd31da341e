"""The offline driver: sounds start on exactly their scheduled frames, whatever the blocks."""

import math
import os
import wave

import numpy as np
import pytest

from live.engine.bank import default_bank
from live.engine.drivers import OfflineDriver
from live.engine.engine import Engine
from live.engine.events import ScheduledSound
from live.engine.sampler import SamplerState
from live.engine.timebase import TempoMap
from onsets import onset_frames

SR = 48000


def _engine(channels=1):
    bank = default_bank(SR)
    driver = OfflineDriver(SamplerState(bank, channels=channels), sample_rate=SR, record=True)
    return Engine(driver, bank), driver


def _irregular(total, seed=3):
    rng = np.random.default_rng(seed)
    sizes = []
    while sum(sizes) < total:
        sizes.append(int(rng.choice([0, 1, 17, 64, 100, 255, 333, 1024, 4097])))
    return sizes


@pytest.mark.parametrize("blocks", [64, 128, 256, "irregular"])
def test_clicks_land_on_their_scheduled_frames(blocks):
    engine, driver = _engine()
    tm = TempoMap(97, sample_rate=SR, origin_frame=1001)  # a non-integer number of frames a beat
    planned = [tm.frame_at_beat(k) for k in range(40)]
    total = planned[-1] + SR // 2
    lookahead = 4800
    at = 0
    sizes = _irregular(total) if blocks == "irregular" else [blocks] * math.ceil(total / blocks)
    queue = list(planned)
    for size in sizes:  # a look-ahead scheduler: each sound is queued < 100 ms before it plays
        while queue and queue[0] < engine.frame + lookahead:
            engine.schedule(ScheduledSound(queue.pop(0), "click_accent" if len(queue) % 4 == 3 else "click"))
        driver.render([size])
        at += size
    found = onset_frames(driver.recording()[:, 0])
    assert found.tolist() == planned
    assert engine.stats()["late"] == 0 and engine.stats()["dropped"] == 0


def test_a_ramp_places_beats_where_the_closed_form_says():
    """60 -> 120 BPM over 16 beats (tempo linear in beats): beat k's time is
    60/k' ln(1 + k' x / 60) s, k' = 60/16 BPM per beat; computed here without TempoMap."""
    engine, driver = _engine()
    origin = 2400
    tm = TempoMap(60, sample_rate=SR, origin_frame=origin).with_ramp(4, to_bpm=120, over_beats=16)
    slope = 60 / 16

    def expected_frame(beat):
        if beat <= 4:
            t = beat
        elif beat <= 20:
            t = 4 + 60 / slope * math.log(1 + slope * (beat - 4) / 60)
        else:
            t = 4 + 60 / slope * math.log(2) + (beat - 20) * 0.5
        return math.floor(origin + t * SR + 0.5)

    beats = range(28)
    for k in beats:
        engine.schedule(ScheduledSound(tm.frame_at_beat(k), "woodblock"))
    driver.render(256, math.ceil((expected_frame(27) + SR) / 256))
    found = onset_frames(driver.recording()[:, 0])
    assert found.tolist() == [expected_frame(k) for k in beats]
    assert found[-1] - found[-2] == 24000  # at 120 BPM once the ramp is over


def test_wav_is_the_rendered_audio_and_private(tmp_path):
    engine, driver = _engine(channels=2)
    engine.schedule(ScheduledSound(300, "click_accent", gain=0.5))
    driver.render([100, 0, 411, 1000])
    path = driver.write_wav(tmp_path / "out.wav")
    assert os.stat(path).st_mode & 0o777 == 0o600
    with wave.open(str(path)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()) == (2, 2, SR, 1511)
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, 2)
    np.testing.assert_allclose(pcm / 32767.0, driver.recording(), atol=1 / 32767)
    assert onset_frames(pcm[:, 0] / 32767.0, threshold=1e-3).tolist() == [300]


def test_unknown_sound_names_the_ones_there_are():
    engine, _ = _engine()
    with pytest.raises(KeyError, match="no sound 'gong' in the bank; it has: click_accent, click"):
        engine.schedule(ScheduledSound(0, "gong"))


def test_offline_driver_needs_no_portaudio():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import live.engine.drivers, live.engine.engine, live.run.offline\n"
        "bad = [m for m in ('sounddevice', 'rtmidi', 'jack') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
