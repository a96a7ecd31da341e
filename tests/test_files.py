"""live/engine/files.py: files created 0600 (also when they existed with another mode), and the
one 16-bit WAV writer the demo's WAV and the WAV export share."""

from __future__ import annotations

import io
import os
import stat
import wave
from pathlib import Path

import numpy as np
import pytest

from live.engine.bank import default_bank
from live.engine.drivers import OfflineDriver
from live.engine.files import WavWriter, create_private, open_private, pcm16, write_private, write_wav
from live.engine.sampler import SamplerState


pytestmark = pytest.mark.usefixtures("umask_022")  # files made as under a usual umask


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _readable_by_all(path: Path) -> Path:
    path.write_bytes(b"old contents")
    os.chmod(path, 0o644)
    return path


def test_write_private_makes_an_existing_readable_file_owner_only(tmp_path: Path) -> None:
    path = _readable_by_all(tmp_path / "note.html")
    write_private(path, b"new")
    assert _mode(path) == 0o600 and path.read_bytes() == b"new"


def test_demo_wav_over_an_existing_readable_file_is_owner_only(tmp_path: Path) -> None:
    path = _readable_by_all(tmp_path / "session.wav")
    bank = default_bank(48_000)
    state = SamplerState(bank, channels=1)
    state.push(frame=10, bank_start=bank["click"].start_frame, length_frames=bank["click"].length_frames, gain=1.0)
    driver = OfflineDriver(state, sample_rate=48_000, record=True)
    driver.render([256] * 4)
    driver.write_wav(path)
    assert _mode(path) == 0o600
    with wave.open(str(path)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()) == (1, 2, 48_000, 1024)


def test_exclusive_open_refuses_an_existing_file_and_keeps_it(tmp_path: Path) -> None:
    path = _readable_by_all(tmp_path / "crash.txt")
    with pytest.raises(FileExistsError):
        open_private(path, exclusive=True)
    assert path.read_bytes() == b"old contents"
    with open_private(tmp_path / "new.txt", exclusive=True) as f:
        f.write(b"x")
    assert _mode(tmp_path / "new.txt") == 0o600


def test_create_private_makes_folders_0700_and_leaves_an_existing_file_alone(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "live.db"
    assert create_private(path) is True
    assert _mode(path) == 0o600 and path.stat().st_size == 0
    assert _mode(tmp_path / "a") == 0o700 and _mode(tmp_path / "a" / "b") == 0o700
    other = _readable_by_all(tmp_path / "other.db")
    assert create_private(other) is False
    assert _mode(other) == 0o644 and other.read_bytes() == b"old contents"


def test_pcm16_clips_to_full_scale_and_rounds() -> None:
    samples = np.array([-2.0, -1.0, -0.5, 0.0, 0.5 / 32767, 1.5 / 32767, 1.0, 3.0])
    got = np.frombuffer(pcm16(samples), dtype="<i2")
    assert got.tolist() == [-32767, -32767, -16384, 0, 0, 2, 32767, 32767]


def test_wav_written_in_blocks_equals_the_wav_written_whole(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    audio = rng.uniform(-1.2, 1.2, size=(1000, 2)).astype(np.float32)
    whole = write_wav(tmp_path / "whole.wav", audio, sample_rate=44_100)
    buf = io.BytesIO()
    with WavWriter(buf, channels=2, sample_rate=44_100) as w:
        for start in range(0, 1000, 128):
            w.write(audio[start:start + 128])
    assert buf.getvalue() == whole.read_bytes()
    with wave.open(str(whole)) as r:
        assert (r.getnchannels(), r.getframerate(), r.getnframes()) == (2, 44_100, 1000)
        assert np.frombuffer(r.readframes(1000), dtype="<i2").tolist() == np.frombuffer(pcm16(audio), "<i2").tolist()
