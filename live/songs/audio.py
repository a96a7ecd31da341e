"""Reading a song's audio file: WAV, FLAC, OGG (Vorbis/Opus) and MP3 through soundfile
(libsndfile 1.1 or later reads MP3), mixed to mono; librosa resamples for the beat tracker.

Realtime-safe: no (file I/O).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["FORMATS", "SongAudio", "AudioReadError", "read_audio", "content_hash"]

FORMATS = ("wav", "flac", "ogg", "mp3")
"""The formats a song may be added in (soundfile's names, lower case)."""


class AudioReadError(ValueError):
    """A file that is not audio live can read: one line saying which file, why, and what is allowed."""


@dataclass(frozen=True, slots=True)
class SongAudio:
    """A song's audio as read.

    Attributes
    ----------
    samples : numpy.ndarray
        Mono (the mean of the channels), float32, full scale 1.0, at ``sample_rate``.
    sample_rate : int
        The file's rate, Hz.
    channels : int
        The file's channel count.
    file_format : str
        One of :data:`FORMATS`.
    """

    samples: np.ndarray
    sample_rate: int
    channels: int
    file_format: str

    @property
    def duration_s(self) -> float:
        """Length, seconds."""
        return self.samples.size / self.sample_rate


def content_hash(data: bytes) -> str:
    """SHA-256 of a file's bytes, 64 hex digits: a song's identity."""
    return hashlib.sha256(data).hexdigest()


def read_audio(path: str | os.PathLike[str]) -> SongAudio:
    """Read ``path`` (WAV, FLAC, OGG or MP3) as mono float32 at its own rate.

    Raises
    ------
    AudioReadError
        The file is missing, unreadable, empty, or not in one of :data:`FORMATS`.
    """
    import soundfile

    path = Path(path)
    allowed = "allowed: " + ", ".join(f.upper() for f in FORMATS)
    if path.is_dir():
        raise AudioReadError(f"{path}: is a folder; give an audio file ({allowed})")
    if not path.is_file():
        raise AudioReadError(f"{path}: no such file")
    try:
        info = soundfile.info(str(path))
        fmt = info.format.lower()
        if fmt not in FORMATS:
            raise AudioReadError(f"{path}: {info.format_info} audio is not a format live reads; {allowed}")
        data, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except AudioReadError:
        raise
    except (RuntimeError, OSError, TypeError) as exc:  # soundfile.LibsndfileError is a RuntimeError
        why = str(exc).split(":")[-1].strip() or type(exc).__name__
        raise AudioReadError(f"{path}: cannot read it as audio ({why}); {allowed}") from None
    if data.shape[0] == 0:
        raise AudioReadError(f"{path}: the file holds no audio frames")
    mono = data.mean(axis=1, dtype=np.float64).astype(np.float32) if data.shape[1] > 1 else data[:, 0].copy()
    if not np.isfinite(mono).all():
        raise AudioReadError(f"{path}: the audio holds samples that are not numbers")
    return SongAudio(samples=mono, sample_rate=int(rate), channels=int(data.shape[1]), file_format=fmt)
