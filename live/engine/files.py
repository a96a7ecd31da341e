"""Files readable by their owner only, and 16-bit PCM WAV: the one place live makes either.

Client data is health data (DOMAIN.md, "Records"; DESIGN.md section 7): every file live writes
about a session (the store, exports, reports, the demo's WAV, crash reports) is created with
mode 0600, and an existing file that is written again gets 0600 too (``open`` with ``O_CREAT``
keeps the mode a file already has, so it is set again on the open descriptor). Folders made on
the way are 0700.

WAV: 16-bit little-endian PCM, samples clipped to full scale (-1..1) and scaled by 32767,
rounded half to even; the one conversion the demo's WAV and ``live export --format wav`` share.

Realtime-safe: no (file I/O; never in the audio callback).
"""

from __future__ import annotations

import os
import wave
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:
    import numpy as np

__all__ = ["FILE_MODE", "DIR_MODE", "create_private", "open_private", "write_private", "pcm16", "WavWriter",
           "write_wav"]

FILE_MODE = 0o600
"""Mode of every file live writes: read and write by its owner only."""
DIR_MODE = 0o700
"""Mode of the folders live makes for them."""

_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def _make_parent(path: Path) -> None:
    """Make ``path``'s missing folders, each 0700 (``mkdir(parents=True)`` gives the ones on the
    way the umask's mode)."""
    missing = []
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=DIR_MODE)
        except FileExistsError:  # made meanwhile by another process
            pass


def create_private(path: str | os.PathLike[str]) -> bool:
    """Create ``path`` empty with mode 0600 unless it exists (missing folders made 0700).

    Returns
    -------
    bool
        True when the file was created, False when it existed (it is left as it is: SQLite
        treats an empty file as a new database and gives its ``-wal``/``-shm`` files the
        database file's mode).
    """
    path = Path(path)
    _make_parent(path)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _CLOEXEC, FILE_MODE)
    except FileExistsError:
        return False
    try:
        os.fchmod(fd, FILE_MODE)  # a umask stricter than 0o077 must not leave it unwritable
    finally:
        os.close(fd)
    return True


def open_private(path: str | os.PathLike[str], *, exclusive: bool = False) -> BinaryIO:
    """Open ``path`` for writing as a binary file with mode 0600, replacing what it held.

    Parameters
    ----------
    path : path-like
    exclusive : bool
        Refuse to open a file that exists (``FileExistsError``): for files that must never
        overwrite another (crash reports).
    """
    flags = os.O_WRONLY | os.O_CREAT | _CLOEXEC | (os.O_EXCL if exclusive else os.O_TRUNC)
    fd = os.open(path, flags, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)  # an existing file keeps its mode through O_CREAT: set it
    except BaseException:
        os.close(fd)
        raise
    return os.fdopen(fd, "wb")


def write_private(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` (replacing it) readable and writable by its owner only."""
    path = Path(path)
    with open_private(path) as f:
        f.write(data)
    return path


def pcm16(audio: np.ndarray) -> bytes:
    """Float samples (frames x channels, or frames) as 16-bit little-endian PCM bytes: clipped
    to -1..1, times 32767, rounded."""
    import numpy as np  # here: a crash report imports this module, and must not wait for numpy

    return (np.clip(audio, -1.0, 1.0) * 32767.0).round().astype("<i2").tobytes()


class WavWriter:
    """A 16-bit PCM WAV written block by block into an open binary file.

    ``with WavWriter(f, channels=2, sample_rate=48000) as w: w.write(block)`` with float blocks
    (frames x channels); the header's length is set when it closes. The file is the caller's
    (open it with :func:`open_private`).
    """

    def __init__(self, f: BinaryIO, *, channels: int, sample_rate: int) -> None:
        self._wav = wave.open(f, "wb")
        self._wav.setnchannels(channels)
        self._wav.setsampwidth(2)
        self._wav.setframerate(sample_rate)

    def write(self, audio: np.ndarray) -> None:
        """Append float samples (frames x channels), converted by :func:`pcm16`."""
        self._wav.writeframes(pcm16(audio))

    def close(self) -> None:
        self._wav.close()

    def __enter__(self) -> WavWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def write_wav(path: str | os.PathLike[str], audio: np.ndarray, *, sample_rate: int) -> Path:
    """Write float ``audio`` (frames x channels) as a 16-bit PCM WAV file with mode 0600."""
    path = Path(path)
    channels = 1 if audio.ndim == 1 else audio.shape[1]
    with open_private(path) as f, WavWriter(f, channels=channels, sample_rate=sample_rate) as w:
        w.write(audio)
    return path
