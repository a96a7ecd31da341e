"""JACK frame times -> engine frames, exactly (:class:`FrameMap`). Realtime-safe: no."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from live.engine.clock.rows import JACK_FRAME_MODULUS, checked_rows

__all__ = ["FrameMap"]

_HALF_MODULUS = JACK_FRAME_MODULUS // 2


def _signed_wrap_delta(new: int, old: int) -> int:
    """``new - old`` for two uint32 frame times, taken in -2**31..2**31-1 (the shorter way round)."""
    return (new - old + _HALF_MODULUS) % JACK_FRAME_MODULUS - _HALF_MODULUS


@dataclass(frozen=True, slots=True)
class _FrameMapState:
    jack_u: np.ndarray  # unwrapped JACK frame of each offset change, increasing (int64)
    offset: np.ndarray  # engine frame - unwrapped JACK frame from that row on (int64)
    last_raw: int  # latest row's JACK frame, 0..2**32-1
    last_u: int  # latest row's JACK frame, unwrapped


class FrameMap:
    """Exact map from JACK frame times to engine frames.

    On JACK, the sampler runs once per JACK cycle and records the cycle's JACK frame time
    beside its own frame count, so within a cycle ``engine frame = JACK frame + offset`` with
    ``offset = block_start_frame - jack_frame`` of that cycle's row. The offset stays constant
    while every cycle reaches the engine and changes when cycles are skipped (an xrun): an
    event is therefore mapped with the offset of the latest row whose JACK frame is at or
    before the event's. An event inside skipped cycles maps past the end of the last block
    before the gap, as if the engine had kept counting.

    Wrapping: JACK frame times are uint32 and wrap at 2**32 (every 24.8 h at 48 kHz). Each
    row's frame time is unwrapped into a running 64-bit count by adding the signed difference
    (mod 2**32, taken in -2**31..2**31) to the previous row's; a query is unwrapped the same
    way against the latest row. Both are therefore right as long as consecutive rows, and a
    query and the latest row, lie within 2**31 frames (12.4 h at 48 kHz) of each other.
    Values are taken mod 2**32 first, so ``last_frame_time + offset`` computed without
    wrapping is accepted too.

    Only rows where the offset changes are kept (the first row, then one per xrun), at most
    ``history`` of them, so an event stamped before an xrun still maps with the offset of its
    own time long after. A JACK frame time that goes backwards means a new JACK server
    (frame time restarts): the history is cleared and mapping starts anew. When the callback
    runs more than once per JACK cycle (same JACK frame time in consecutive rows), the
    cycle's first row defines the offset, and later rows of that cycle are ignored.

    Parameters
    ----------
    history : int
        Offset changes kept (default 4096).

    Notes
    -----
    Thread-safe for one writer (:meth:`update`) and any number of readers. Realtime-safe: no.
    """

    def __init__(self, history: int = 4096) -> None:
        if history < 1:
            raise ValueError(f"history: {history}: must be at least 1")
        self._history = history
        self._missed = 0
        self._state: _FrameMapState | None = None

    def update(self, rows: np.ndarray) -> None:
        """Take new callback rows.

        Parameters
        ----------
        rows : ndarray of int64, shape (n, 2)
            ``(block_start_frame, jack_frame)`` per block, in the order the blocks ran. Rows
            with ``jack_frame < 0`` (not on JACK) are ignored.
        """
        arr = checked_rows(rows, "FrameMap.update")
        arr = arr[arr[:, 1] >= 0]
        if len(arr) == 0:
            return
        state = self._state
        new_u: list[int] = []
        new_off: list[int] = []
        last_raw = None if state is None else state.last_raw
        last_u = None if state is None else state.last_u
        last_off = None if state is None or len(state.offset) == 0 else int(state.offset[-1])
        reset = False
        for block_frame, jack_frame in arr.tolist():
            raw = jack_frame % JACK_FRAME_MODULUS
            if last_raw is None:
                u = raw
            else:
                step = _signed_wrap_delta(raw, last_raw)
                if step == 0:
                    continue  # another block of the same JACK cycle: its first row holds
                if step < 0:  # frame time went back: a new JACK server; start again
                    new_u, new_off, last_off, reset = [], [], None, True
                    u = raw
                else:
                    u = last_u + step
            last_raw, last_u = raw, u
            offset = block_frame - u
            if last_off is not None and offset < last_off:
                self._missed += last_off - offset  # JACK moved on further than the engine did
            if offset != last_off:
                new_u.append(u)
                new_off.append(offset)
                last_off = offset
        if reset or state is None:
            all_u = np.array(new_u, dtype=np.int64)
            all_off = np.array(new_off, dtype=np.int64)
        else:
            all_u = np.concatenate([state.jack_u, np.array(new_u, dtype=np.int64)])
            all_off = np.concatenate([state.offset, np.array(new_off, dtype=np.int64)])
        self._state = _FrameMapState(
            jack_u=all_u[-self._history:], offset=all_off[-self._history:],
            last_raw=int(last_raw), last_u=int(last_u),
        )

    def jack_frame(self, engine_frame: int) -> int | None:
        """JACK frame time (mod 2**32) at which a coming engine frame will play, by the latest
        offset (None before any row). Exact unless a cycle is missed before then."""
        state = self._state
        if state is None or len(state.offset) == 0:
            return None
        return int((engine_frame - int(state.offset[-1])) % JACK_FRAME_MODULUS)

    @property
    def missed_frames(self) -> int:
        """JACK frames in cycles the engine's callback did not run for (0 when it ran in every
        cycle), summed over every row seen, across history trims and server restarts."""
        return self._missed

    def engine_frame(self, jack_frame: int) -> int | None:
        """Engine frame of a JACK frame time.

        Parameters
        ----------
        jack_frame : int
            JACK frame time of the event (uint32; values beyond are taken mod 2**32).

        Returns
        -------
        int or None
            The engine frame, or None when no kept row lies at or before ``jack_frame``
            (before the first row, or older than the history).
        """
        state = self._state
        if state is None:
            return None
        u = state.last_u + _signed_wrap_delta(int(jack_frame) % JACK_FRAME_MODULUS, state.last_raw)
        i = int(np.searchsorted(state.jack_u, u, side="right")) - 1
        if i < 0:
            return None
        return u + int(state.offset[i])
