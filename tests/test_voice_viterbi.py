"""pYIN's fast Viterbi decoding (live.voice.viterbi) gives librosa's result to the bit: on pYIN's
own observation and transition matrices for a sung phrase, and on random matrices (dense, banded
with ties, and with predecessors at the floor that win); librosa.pyin's f0, voicing and voicing
probability are the same through either core."""

from __future__ import annotations

import librosa
import librosa.sequence
import numpy as np
import pytest

from live.sim.singing import VOICES, SungNoteSpec, sing
from live.voice import viterbi
from live.voice.notes import ANALYSIS_RATE, FMAX_HZ, FMIN_HZ, FRAME_LENGTH, HOP_LENGTH

SR = ANALYSIS_RATE


def _phrase() -> np.ndarray:
    notes = [SungNoteSpec(0.2 + 0.5 * k, 0.4, 57 + 3 * k + 0.3, "aeiou"[k], 0.3) for k in range(5)]
    return sing(notes, voice=VOICES["alto"], sample_rate=SR, duration_s=3.0, seed=4)


def _pyin(y):
    return librosa.pyin(y, fmin=FMIN_HZ, fmax=FMAX_HZ, sr=SR, frame_length=FRAME_LENGTH, hop_length=HOP_LENGTH)


viterbi.install()  # as find_sung_notes does before pYIN


def test_the_fast_core_is_installed_in_librosa():
    assert viterbi.install() is True
    assert librosa.sequence._viterbi is viterbi.viterbi_core and viterbi.librosa_core is not None


def test_another_librosa_keeps_its_own_core(monkeypatch):
    monkeypatch.setattr(librosa.sequence, "_viterbi", viterbi.librosa_core)
    monkeypatch.setattr(librosa, "__version__", "0.12.0")
    assert viterbi.install() is False
    assert librosa.sequence._viterbi is viterbi.librosa_core


def test_pyin_through_the_fast_core_is_pyin_through_librosas(monkeypatch):
    y = _phrase()
    captured = []

    def both(log_prob, log_trans, log_p_init):
        captured.append((log_prob.copy(), log_trans.copy(), log_p_init.copy()))
        return viterbi.librosa_core(log_prob, log_trans, log_p_init)

    fast = _pyin(y)
    monkeypatch.setattr(librosa.sequence, "_viterbi", both)
    slow = _pyin(y)
    for a, b in zip(fast, slow):
        np.testing.assert_array_equal(a, b)
    [(log_prob, log_trans, log_p_init)] = captured
    state, logp = viterbi.viterbi_core(log_prob, log_trans, log_p_init)
    state0, logp0 = viterbi.librosa_core(log_prob, log_trans, log_p_init)
    np.testing.assert_array_equal(state, state0)
    assert logp.tobytes() == logp0.tobytes()


def _random_case(rng, kind: str, n: int = 40, steps: int = 60):
    tiny = np.finfo(np.float64).tiny
    if kind == "dense":
        trans = rng.random((n, n))
    else:  # banded, with integer-valued probabilities (ties) and zeros outside the band
        trans = np.zeros((n, n))
        for i in range(n):
            for j in range(max(0, i - 3), min(n, i + 4)):
                trans[i, j] = rng.integers(1, 4)
    trans /= trans.sum(axis=1, keepdims=True)
    prob = rng.integers(0, 3, (steps, n)).astype(float) / 2.0
    if kind == "floor wins":  # the path must take a transition at the floor: the top state alone is likely for a
        # stretch, then only the lower half, whose states are far below the top's (the band's best loses to the floor)
        prob[5:25] = 0.0
        prob[5:25, n - 1] = 1.0
        prob[25:, n // 2:] = 0.0
        prob[25:, : n // 2] += 0.5
    prob /= np.maximum(prob.sum(axis=1, keepdims=True), tiny)
    log_prob = np.log(prob + tiny)
    log_trans = np.log(trans + tiny)
    log_p_init = np.log(np.ones(n) / n + tiny)
    return log_prob, log_trans, log_p_init


@pytest.mark.parametrize("kind", ["dense", "banded", "floor wins"])
def test_the_fast_core_is_librosas_on_random_matrices(kind):
    rng = np.random.default_rng({"dense": 1, "banded": 2, "floor wins": 3}[kind])
    for _ in range(20):
        case = _random_case(rng, kind)
        state, logp = viterbi.viterbi_core(*case)
        state0, logp0 = viterbi.librosa_core(*case)
        np.testing.assert_array_equal(state, state0)
        assert logp.tobytes() == logp0.tobytes()
