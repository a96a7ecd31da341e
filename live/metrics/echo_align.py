"""The compiled core of echo scoring: the best offset, the matched pairs, and the numbers.

The rule is issue 12's ("Scoring"); :func:`live.metrics.echo.score_echo` states every
definition and is the one entry point. Alignment:

1. Candidate offsets are ``answer[j] - call[i]`` over every pair, taken with the answer onsets
   in time order and, for each, the call onsets in time order (candidate ``k = j * n_call + i``).
2. At an offset ``d`` each answer onset, in time order, takes the earliest unmatched call onset
   within the tolerance, ``|error| <= tolerance`` with ``error = (answer[j] - call[i]) - d``.
3. The offset with the most matches wins; a tie goes to the smallest mean ``|error|`` of its
   matched pairs (means closer than :data:`TIE_S` count as equal, so floating-point noise
   never decides), and a remaining tie to the candidate met first in the order of step 1.

At a given offset the time-order matching is a maximum one-to-one matching (every answer's
window has the same width, so taking windows by their right ends and giving each the earliest
free onset is the classic optimal greedy), which is why its count agrees with
``mir_eval.util.match_events`` (Hopcroft-Karp) at the same shift: tests/test_metrics_echo.py.

Compiled with numba (``cache=True``) because a trial is tiny and there are many: at most 64
offsets x 8 x 8 comparisons for 8 onsets; Python-level work per trial would cost more than the
search (docs/performance.md, "Echo scoring").

Realtime-safe: no (allocates; run it on trials, never in the audio callback).
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["N_OUT", "OUT", "SLACK_S", "TIE_S", "score_arrays"]

#: Times are compared with this slack (seconds): an error written in decimal seconds that is
#: exactly the tolerance (0.58 - 0.5 against 80 ms) counts as within, whatever its last bit.
SLACK_S = 1e-9

#: Mean ``|error|`` values closer than this (seconds) are a tie between offsets.
TIE_S = 1e-9

#: What each slot of the kernel's output holds (NaN = undefined), in this order.
OUT = ("matched", "precision", "recall", "f1", "pitch_accuracy", "ioi_ratio_error", "response_latency_ms",
       "mean_error_ms", "sd_error_ms", "mean_abs_error_ms", "tempo_ratio", "offset_ms", "lag_error_ms",
       "mean_cents_error")
N_OUT = len(OUT)

# What the kernel returns instead of the matched count when a value is not allowed.
BAD_CALL_ONSET, BAD_CALL_DURATION, BAD_ANSWER_ONSET = -1, -2, -3


@numba.njit(cache=True, nogil=True)
def _match_at(call_s, answer_s, d, tol_s, used, answer_call):  # pragma: no cover - compiled
    """Time-order matching at offset ``d``: fills ``answer_call``; returns (count, sum |error|)."""
    used[:] = False
    count = 0
    abs_sum = 0.0
    for j in range(answer_s.shape[0]):
        answer_call[j] = -1
        for i in range(call_s.shape[0]):
            e = (answer_s[j] - call_s[i]) - d
            if e < -tol_s:
                break  # this call onset is after the window, and so are the later ones
            if e <= tol_s and not used[i]:
                used[i] = True
                answer_call[j] = i
                count += 1
                abs_sum += abs(e)
                break
    return count, abs_sum


@numba.njit(cache=True, nogil=True)
def _best(call_s, answer_s, tol_s, answer_call):  # pragma: no cover - compiled
    """The winning candidate k (or -1) and, in ``answer_call``, the matching at it."""
    n_c = call_s.shape[0]
    used = np.zeros(n_c, np.bool_)
    best_count = 0
    best_mean = np.inf
    best_k = -1
    for j0 in range(answer_s.shape[0]):
        for i0 in range(n_c):
            count, abs_sum = _match_at(call_s, answer_s, answer_s[j0] - call_s[i0], tol_s, used, answer_call)
            if count == 0:
                continue
            mean = abs_sum / count
            if count > best_count or (count == best_count and mean < best_mean - TIE_S):
                best_count = count
                best_mean = mean
                best_k = j0 * n_c + i0
    if best_k < 0:
        answer_call[:] = -1
    else:
        _match_at(call_s, answer_s, answer_s[best_k // n_c] - call_s[best_k % n_c], tol_s, used, answer_call)
    return best_k


@numba.njit(cache=True, nogil=True)
def _score(call, answer, tol_s, lag_s, pitch_tol_cents, out, pairs, errors_ms):  # pragma: no cover - compiled
    nan = np.nan
    c_raw = call[:, 0].copy()
    c_dur = call[:, 1].copy()
    c_note = call[:, 2].copy()
    a_raw = answer[:, 0].copy()
    a_note = answer[:, 1].copy()
    n_c = c_raw.shape[0]
    n_a = a_raw.shape[0]
    for i in range(n_c):
        if not np.isfinite(c_raw[i]):
            return BAD_CALL_ONSET
        if not (np.isfinite(c_dur[i]) and c_dur[i] >= 0):
            return BAD_CALL_DURATION
    for j in range(n_a):
        if not np.isfinite(a_raw[j]):
            return BAD_ANSWER_ONSET
    c_order = np.argsort(c_raw, kind="mergesort")  # stable: equal onsets keep their given order
    a_order = np.argsort(a_raw, kind="mergesort")
    c_s = c_raw[c_order]
    a_s = a_raw[a_order]
    answer_call = np.empty(n_a, np.intp)
    k = _best(c_s, a_s, tol_s + SLACK_S, answer_call)
    call_answer = np.full(n_c, -1, np.intp)
    m = 0
    err_sum = 0.0
    abs_sum = 0.0
    same_note = 0
    cents_sum = 0.0
    n_cents = 0
    d = nan
    if k >= 0:
        d = a_s[k // n_c] - c_s[k % n_c]
    for j in range(n_a):
        i = answer_call[j]
        if i < 0:
            continue
        call_answer[i] = j
        e = (a_s[j] - c_s[i]) - d
        pairs[m, 0] = c_order[i]
        pairs[m, 1] = a_order[j]
        errors_ms[m] = 1000.0 * e
        err_sum += e
        abs_sum += abs(e)
        cn = c_note[c_order[i]]
        an = a_note[a_order[j]]
        if np.isnan(pitch_tol_cents):
            if cn == an:
                same_note += 1
        elif cn >= 0 and an >= 0:  # a sung answer: within the tolerance of the call's note
            cents = 100.0 * abs(an - cn)
            cents_sum += cents
            n_cents += 1
            if cents <= pitch_tol_cents + 1e-9:
                same_note += 1
        m += 1
    precision = m / n_a if n_a > 0 else 0.0
    recall = m / n_c
    out[0] = m
    out[1] = precision
    out[2] = recall
    out[3] = 2 * precision * recall / (precision + recall) if m > 0 else 0.0
    pitched = False
    for i in range(n_c):
        if c_note[i] >= 0:
            pitched = True
    out[4] = (same_note / m if m > 0 else 0.0) if pitched else nan
    log_sum = 0.0
    n_log = 0
    for i in range(n_c - 1):
        j, j2 = call_answer[i], call_answer[i + 1]
        if j >= 0 and j2 >= 0:
            ioi_c = c_s[i + 1] - c_s[i]
            ioi_a = a_s[j2] - a_s[j]
            if ioi_c > 0 and ioi_a > 0:
                log_sum += abs(np.log2(ioi_a / ioi_c))
                n_log += 1
    out[5] = log_sum / n_log if n_log > 0 else nan
    if n_a > 0:
        last_end = -np.inf
        for i in range(n_c):
            if c_raw[i] == c_s[n_c - 1]:
                last_end = max(last_end, c_raw[i] + c_dur[i])
        out[6] = 1000.0 * (a_s[0] - last_end)
    else:
        out[6] = nan
    out[7:] = nan
    span_c = c_s[n_c - 1] - c_s[0]
    if n_a > 1 and span_c > 0:
        out[10] = (a_s[n_a - 1] - a_s[0]) / span_c
    if m > 0:
        mean = err_sum / m
        out[7] = 1000.0 * mean
        if m > 1:
            ss = 0.0
            for q in range(m):
                ss += (errors_ms[q] - out[7]) ** 2
            out[8] = np.sqrt(ss / (m - 1))
        out[9] = 1000.0 * abs_sum / m
        out[11] = 1000.0 * d
        if not np.isnan(lag_s):
            out[12] = 1000.0 * (d + mean - lag_s)
    if n_cents > 0:
        out[13] = cents_sum / n_cents
    return m


def score_arrays(call: np.ndarray, answer: np.ndarray, tolerance_s: float, expected_lag_s: float,
                 pitch_tolerance_cents: float = np.nan) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Score one trial given as arrays (see :func:`live.metrics.echo.score_echo`).

    Parameters
    ----------
    call : numpy.ndarray of float64, shape (n_call, 3)
        Rows of (onset, seconds; duration, seconds; MIDI note or -1 for None), any order,
        ``n_call >= 1``; onsets and durations finite, durations >= 0.
    answer : numpy.ndarray of float64, shape (n_answer, 2)
        Rows of (onset, seconds; MIDI note or -1), any order; onsets finite. A sung answer's
        note is its fractional MIDI pitch (69.25: 25 cents above A4).
    tolerance_s : float
        Matching tolerance, seconds, >= 0 (:data:`SLACK_S` is added).
    expected_lag_s : float
        The in-time lag in seconds, NaN when the answer is free.
    pitch_tolerance_cents : float
        NaN: a matched pair's pitch is right when the notes are equal. Else (a sung answer) when
        the answer's pitch is within this many cents of the call's note, and ``mean_cents_error``
        is the mean ``|cents|`` over matched pairs where both are pitched.

    Returns
    -------
    out : numpy.ndarray of float64, shape (N_OUT,)
        The numbers named by :data:`OUT`, NaN where undefined.
    pairs : numpy.ndarray of intp, shape (matched, 2)
        Matched (call row, answer row) as given, in answer time order.
    errors_ms : numpy.ndarray of float64, shape (matched,)
        Each pair's signed error after the shift, ms.

    Raises
    ------
    ValueError
        A call or answer onset that is not finite, or a call duration not finite and >= 0; one
        line naming the side and the note (``call: note 2: onset_s nan is not allowed (finite
        seconds)``).
    """
    n_a = answer.shape[0]
    out = np.empty(N_OUT)
    pairs = np.empty((n_a, 2), np.intp)
    errors_ms = np.empty(n_a)
    m = _score(call, answer, tolerance_s, expected_lag_s, pitch_tolerance_cents, out, pairs, errors_ms)
    if m < 0:
        side, values, name, allowed = {
            BAD_CALL_ONSET: ("call", call[:, 0], "onset_s", "finite seconds"),
            BAD_CALL_DURATION: ("call", call[:, 1], "duration_s", "finite seconds >= 0"),
            BAD_ANSWER_ONSET: ("answer", answer[:, 0], "onset_s", "finite seconds"),
        }[m]
        i = int(np.flatnonzero(~(np.isfinite(values) & (values >= 0 if m == BAD_CALL_DURATION else True)))[0])
        raise ValueError(f"{side}: note {i}: {name} {float(values[i])!r} is not allowed ({allowed})")
    return out, pairs[:m], errors_ms[:m]
