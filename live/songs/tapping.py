"""Tapping along to a song once (``live songs adjust NAME --tap``): the song plays, each key the
therapist presses on the terminal is a tap at the song position heard at that moment.

Two seams: a :class:`TapPlayer` says which song position is heard at a monotonic time (the real
one plays through PortAudio and maps time with the stream's DAC times), :class:`TapKeys` gives
keys with the monotonic time they were read (the real one is the terminal in cbreak mode; a
test drives it through a pseudo-terminal). ``q``, Escape or Enter ends the tapping early.

Realtime-safe: no (the player's callback only copies samples and notes the DAC time).
"""

from __future__ import annotations

import os
import select
import threading
import time
from typing import Protocol

import numpy as np

__all__ = ["TapPlayer", "TapKeys", "collect_taps", "TerminalKeys", "PortAudioPlayer", "QUIT_KEYS"]

QUIT_KEYS = ("q", "Q", "\x1b", "\r", "\n")
"""Keys that end the tapping (every other key is a tap)."""


class TapPlayer(Protocol):
    """Plays the song; maps a monotonic time to the song position heard then."""

    def start(self) -> None: ...

    def position_s(self, host_s: float) -> float: ...

    def done(self) -> bool: ...

    def stop(self) -> None: ...


class TapKeys(Protocol):
    """Keys pressed, each with ``time.monotonic()`` when it was read."""

    def read(self, timeout_s: float) -> list[tuple[str, float]]: ...

    def close(self) -> None: ...


def collect_taps(player: TapPlayer, keys: TapKeys) -> np.ndarray:
    """Play the song and collect taps until it ends or a quit key; song positions, seconds."""
    taps: list[float] = []
    player.start()
    try:
        while not player.done():
            for key, host_s in keys.read(0.02):
                if key in QUIT_KEYS:
                    return np.asarray(taps)
                taps.append(player.position_s(host_s))
    finally:
        player.stop()
        keys.close()
    return np.asarray(taps)


class TerminalKeys:
    """Keys of a terminal (``fd``, e.g. of ``/dev/tty``) in cbreak mode, restored on close."""

    def __init__(self, fd: int):
        import termios
        import tty

        self.fd = fd
        self._saved = termios.tcgetattr(fd)
        tty.setcbreak(fd)

    def read(self, timeout_s: float) -> list[tuple[str, float]]:
        ready, _, _ = select.select([self.fd], [], [], timeout_s)
        if not ready:
            return []
        now = time.monotonic()
        data = os.read(self.fd, 64).decode("utf-8", "replace")
        return [(c, now) for c in data]

    def close(self) -> None:
        import termios

        termios.tcsetattr(self.fd, termios.TCSADRAIN, self._saved)


class PortAudioPlayer:
    """The song (mono) through a PortAudio output stream (sounddevice); the position heard at a
    time comes from the last callback's first frame and its DAC time."""

    def __init__(self, samples: np.ndarray, sample_rate: int, *, device: str | int | None = None):
        self.samples = np.asarray(samples, np.float32)
        self.sample_rate = sample_rate
        self.device = device
        self._lock = threading.Lock()
        self._next = 0
        self._dac = (0, 0.0)  # (frame, stream time it is heard at)
        self._offset_s = 0.0  # monotonic - stream time
        self._stream = None

    def _callback(self, out, frames, when, status) -> None:
        n = max(0, min(frames, self.samples.size - self._next))
        out[:n, 0] = self.samples[self._next:self._next + n]
        out[n:, 0] = 0.0
        with self._lock:
            self._dac = (self._next, when.outputBufferDacTime)
        self._next += frames

    def start(self) -> None:
        import sounddevice

        self._stream = sounddevice.OutputStream(samplerate=self.sample_rate, channels=1, dtype="float32",
                                                device=self.device, callback=self._callback)
        self._stream.start()
        self._offset_s = time.monotonic() - self._stream.time

    def position_s(self, host_s: float) -> float:
        with self._lock:
            frame, dac_s = self._dac
        return frame / self.sample_rate + (host_s - self._offset_s - dac_s)

    def done(self) -> bool:
        return self._next >= self.samples.size + self.sample_rate // 2

    def stop(self) -> None:
        if self._stream is not None:
            self._stream.stop()
            self._stream.close()
            self._stream = None
