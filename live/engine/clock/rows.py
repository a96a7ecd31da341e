"""What the clock mappings share: the callback's rows, checked, and the error of a mapping asked
too early. Realtime-safe: no."""

from __future__ import annotations

import numpy as np

__all__ = ["ClockNotReady", "JACK_FRAME_MODULUS", "checked_rows"]

JACK_FRAME_MODULUS = 2**32
"""JACK frame times are ``jack_nframes_t`` (uint32): they wrap every 2**32 frames (24.8 h at 48 kHz)."""


class ClockNotReady(RuntimeError):
    """A clock mapping was asked for before enough callback rows had been seen."""


def checked_rows(rows: np.ndarray, name: str) -> np.ndarray:
    """``rows`` as an int64 array of shape (n, 2), or ValueError saying what was given."""
    arr = np.asarray(rows)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(f"{name}: rows must have shape (n, 2), got {arr.shape}")
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"{name}: rows must be integers (frames, ns), got dtype {arr.dtype}")
    return arr.astype(np.int64, copy=False)
