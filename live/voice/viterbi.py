"""pYIN's Viterbi decoding, exact and fast: the core of ``librosa.sequence.viterbi`` computed over
the transition matrix's nonzero band, giving librosa's result to the bit.

Why: with this project's pitch range (65..1050 Hz at pYIN's 10-cent bins: 482 pitch states,
voiced and unvoiced, 964 in all) librosa's core (``librosa.sequence._viterbi``, librosa 0.11.0)
adds the whole 964 x 964 log-transition matrix to the previous frame's values for every frame,
allocating 7.4 MB a frame, and takes the maximum over all 964 predecessors of each state. It was
90 % of a sung demo's time (docs/performance.md: "Sung answers: where a demo's time goes"). pYIN's
transition matrix is banded: a pitch moves at most 4 semitones (41 bins) in a frame, to either
voicing, so each state has 82 predecessors whose transition is not the floor; the others carry
librosa's floor ``log(tiny)`` (it adds the smallest double before the log).

The decoding here takes, for each state and frame, the maximum over the predecessors above the
floor (in increasing index, first maximum kept: ``numpy.argmax``'s rule), then checks it against
the best any floor predecessor could reach (the previous frame's maximum plus the floor, rounded
the same way: addition is monotonic): when the band's maximum is strictly greater, it is the
maximum of all; otherwise that state is decoded over all predecessors, as librosa does. Every sum
is the same double addition as librosa's, so states, pointers and the path's log-probability are
librosa's exactly, for any transition matrix (tests/test_voice_viterbi.py checks pYIN's own and
random ones with ties and no band at all).

:func:`install` (called by :func:`live.voice.notes.find_sung_notes` before it runs pYIN, not at
import) makes librosa's ``viterbi`` use it (``librosa.sequence._viterbi`` replaced: the
project pins librosa 0.11.0, whose ``viterbi`` calls that core by name); ``librosa.pyin`` then
decodes through it. Realtime-safe: no (offline analysis; allocates).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["install", "librosa_core", "viterbi_core"]


@njit(cache=True)
def _band(log_trans):  # pragma: no cover - compiled
    """For each target state j, its predecessors k whose log-transition is above the matrix's
    minimum (the floor), in increasing k: ``index[start[j]:start[j + 1]]``; and the floor."""
    n = log_trans.shape[0]
    floor = log_trans.min()
    start = np.zeros(n + 1, dtype=np.int64)
    for j in range(n):
        c = 0
        for k in range(n):
            if log_trans[k, j] > floor:
                c += 1
        start[j + 1] = start[j] + c
    index = np.empty(start[n], dtype=np.int64)
    for j in range(n):
        at = start[j]
        for k in range(n):
            if log_trans[k, j] > floor:
                index[at] = k
                at += 1
    return start, index, floor


@njit(cache=True)
def viterbi_core(log_prob, log_trans, log_p_init):  # pragma: no cover - compiled
    """``librosa.sequence._viterbi``'s contract and result: ``log_prob`` (T, m), ``log_trans``
    (m, m) with ``log_trans[k, j]`` the log-probability of k -> j, ``log_p_init`` (m,); returns
    (the most likely states, uint16 (T,), and the path's log-probability, shape (1,))."""
    n_steps, n_states = log_prob.shape
    start, index, floor = _band(log_trans)
    into = np.ascontiguousarray(log_trans.T)  # into[j, k] = log_trans[k, j]: a state's predecessors side by side
    state = np.zeros(n_steps, dtype=np.uint16)
    value = np.zeros((n_steps, n_states), dtype=np.float64)
    ptr = np.zeros((n_steps, n_states), dtype=np.uint16)
    value[0] = log_prob[0] + log_p_init
    for t in range(1, n_steps):
        prev = value[t - 1]
        reach = prev.max() + floor  # the best a floor predecessor can give
        for j in range(n_states):
            arg = -1
            best = 0.0
            for q in range(start[j], start[j + 1]):
                k = index[q]
                v = prev[k] + into[j, k]
                if arg < 0 or v > best:
                    best = v
                    arg = k
            if arg < 0 or not best > reach:  # a floor predecessor may win or tie: all of them, as librosa
                arg = 0
                best = prev[0] + into[j, 0]
                for k in range(1, n_states):
                    v = prev[k] + into[j, k]
                    if v > best:
                        best = v
                        arg = k
            ptr[t, j] = arg
            value[t, j] = log_prob[t, j] + best
    state[-1] = np.argmax(value[-1])
    for t in range(n_steps - 2, -1, -1):
        state[t] = ptr[t + 1, state[t + 1]]
    logp = value[-1:, state[-1]]
    return state, logp


def install() -> bool:
    """Make librosa's Viterbi decoding (and so ``librosa.pyin``) use :func:`viterbi_core`.

    Idempotent. Returns False, leaving librosa's own (exact, ~10x slower) core in place, when
    librosa is not the version whose core this reproduces (0.11.0, as pyproject.toml pins).
    """
    global librosa_core
    import librosa
    import librosa.sequence

    if librosa.sequence._viterbi is viterbi_core:
        return True
    if librosa.__version__ != "0.11.0" or not callable(getattr(librosa.sequence, "_viterbi", None)):
        return False
    librosa_core = librosa.sequence._viterbi
    librosa.sequence._viterbi = viterbi_core
    return True


librosa_core = None
"""librosa's own core, once :func:`install` has replaced it (for the tests that compare)."""
