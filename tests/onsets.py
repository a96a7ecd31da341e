"""Sample-exact onset finding for tests (no project code): the bank's sounds start at full
scale, so an onset is the first sample above a threshold after a silent gap."""

import numpy as np


def onset_frames(x: np.ndarray, *, threshold: float = 1e-4, min_gap: int = 256) -> np.ndarray:
    """Frames where |x| first exceeds ``threshold`` after at least ``min_gap`` quiet frames."""
    loud = np.flatnonzero(np.abs(np.asarray(x, dtype=np.float64)) > threshold)
    if loud.size == 0:
        return loud
    keep = np.r_[True, np.diff(loud) > min_gap]
    return loud[keep]
