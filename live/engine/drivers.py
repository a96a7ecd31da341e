"""Drivers run the sampler callback: :class:`OfflineDriver` over a numpy buffer, the live one
through PortAudio (``live.engine.live_driver``, imported only when a live session runs).

Both drive the same compiled callback with the same :class:`SamplerState`, so what the offline
driver renders is what the live one would play, frame for frame. Importing this module needs
neither PortAudio, sounddevice nor rtmidi.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, Protocol

import numpy as np
from numba import njit

from live.engine.cabi import as_voidptr, call_pa_callback
from live.engine.files import write_wav
from live.engine.sampler import SamplerState
from live.engine.sampler_callback import sampler_callback


class Driver(Protocol):
    """What the engine needs from a driver."""

    sample_rate: int
    state: SamplerState

    def start(self) -> None: ...

    def stop(self) -> None: ...


@njit(cache=True, error_model="numpy")
def _render_blocks(callback_address: int, sizes: np.ndarray, out_address: int, frame_bytes: int,
                   userdata: int) -> None:
    """Call the sampler callback at ``callback_address`` once per block of ``sizes`` frames,
    writing consecutive blocks from ``out_address`` (``frame_bytes`` per frame), as PortAudio
    would: no input, no time info, no flags."""
    at = 0
    for i in range(sizes.size):
        call_pa_callback(callback_address, as_voidptr(0), as_voidptr(out_address + at * frame_bytes),
                         np.uint64(sizes[i]), as_voidptr(0), np.uint64(0), as_voidptr(userdata))
        at += sizes[i]


class OfflineDriver:
    """Calls the sampler callback over numpy buffers, as fast as the CPU allows.

    Parameters
    ----------
    state : SamplerState
        The callback's memory.
    sample_rate : int
        Frames per second the rendered audio stands for.
    record : bool
        Keep everything rendered, for :meth:`write_wav` and for tests.

    Notes
    -----
    The callback is called at its address (``cfunc.address``), the same machine code PortAudio
    calls, from a compiled loop over the blocks (:func:`_render_blocks`): calling it from Python
    once per block cost ~20 us of ctypes and numpy overhead per block, a third of a 64-frame
    block's budget at 200x real time. Realtime-safe: no (this *is* the offline stand-in for real
    time).
    """

    def __init__(self, state: SamplerState, *, sample_rate: int, record: bool = False):
        self.state = state
        self.sample_rate = int(sample_rate)
        self.record = record
        self._address = sampler_callback.address
        self._userdata = state.userdata  # the state's header never moves: its address, once
        self._blocks: list[np.ndarray] = []
        self._scratch = np.zeros((0, state.channels), dtype=np.float32)

    def start(self) -> None:
        """Nothing to open: the offline clock moves only when :meth:`render` is called."""

    def stop(self) -> None:
        """Nothing to close."""

    def render(self, block_frames: int | Iterable[int], n_blocks: int | None = None) -> np.ndarray:
        """Run the callback over consecutive blocks and return what it wrote.

        Parameters
        ----------
        block_frames : int or iterable of int
            One block size, repeated ``n_blocks`` times, or a sequence of block sizes (any,
            including 0 and odd sizes).
        n_blocks : int, optional
            Number of blocks when ``block_frames`` is an int (default 1).

        Returns
        -------
        ndarray, shape (frames, channels), float32
        """
        # plain Python on the few sizes of a control step: numpy's min and sum on a short array
        # cost more than the compiled render of a 64-frame block
        sizes = [int(block_frames)] * (1 if n_blocks is None else n_blocks) if isinstance(block_frames, (int, np.integer)) else [int(b) for b in block_frames]
        if sizes and min(sizes) < 0:
            raise ValueError(f"block sizes must be >= 0 frames, got {min(sizes)}")
        out = np.empty((sum(sizes), self.state.channels), dtype=np.float32)
        if sizes:
            _render_blocks(self._address, np.array(sizes, dtype=np.int64), out.ctypes.data, 4 * self.state.channels,
                           self._userdata)
        if self.record:
            self._blocks.append(out)
        return out

    def recording(self) -> np.ndarray:
        """Everything rendered since the driver was made (``record=True``), shape (frames, channels)."""
        if not self.record:
            raise RuntimeError("this OfflineDriver was made with record=False")
        if not self._blocks:
            return np.zeros((0, self.state.channels), dtype=np.float32)
        if len(self._blocks) > 1:
            self._blocks = [np.concatenate(self._blocks)]
        return self._blocks[0]

    def write_wav(self, path: str | os.PathLike) -> Path:
        """Write the recording as 16-bit PCM WAV (:func:`live.engine.files.write_wav`: clipped to
        full scale, file mode 0600 even when the file existed)."""
        return write_wav(path, self.recording(), sample_rate=self.sample_rate)
