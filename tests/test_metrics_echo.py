"""Echo scoring (issue 12, "Scoring"): hand-computed cases, mir_eval's onset F-measure at the same
shift, and a brute-force matcher over every candidate offset and every one-to-one matching."""

from __future__ import annotations

import dataclasses
import itertools
import math
import random

import mir_eval
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from live.metrics.echo import SCORE_KEYS, SCORE_METRICS, EchoNote, EchoScore, score_echo
from live.metrics.echo_align import OUT, SLACK_S

N = EchoNote


def notes(onsets_s, pitches=None, durations_s=None) -> list[EchoNote]:
    pitches = pitches or [None] * len(onsets_s)
    durations_s = durations_s or [0.0] * len(onsets_s)
    return [N(t, p, d) for t, p, d in zip(onsets_s, pitches, durations_s)]


# ---------------------------------------------------------------- hand-computed cases


def test_a_worked_melody_gives_every_metric_by_hand():
    """Call C D E at 0, .5, 1.0 s (the last 0.4 s long); answer at 2.01, 2.52, 3.00 s playing C D F.
    Offsets: 2.01 (pair 0,0) matches all three with errors 0, +10, -10 ms (mean |e| 6.67 ms);
    2.02 and 2.00 also match three but with mean |e| 10 ms: 2.01 wins."""
    call = notes([0.0, 0.5, 1.0], [60, 62, 64], [0.2, 0.2, 0.4])
    answer = notes([2.01, 2.52, 3.0], [60, 62, 65])
    s = score_echo(call, answer, expected_lag_s=2.0)
    assert (s.n_call, s.n_answer, s.matched) == (3, 3, 3)
    assert (s.precision, s.recall, s.f1) == (1.0, 1.0, 1.0)
    assert s.pitch_accuracy == pytest.approx(2 / 3)
    assert s.ioi_ratio_error == pytest.approx((abs(math.log2(0.51 / 0.5)) + abs(math.log2(0.48 / 0.5))) / 2)
    assert s.response_latency_ms == pytest.approx(2010 - 1400)
    assert s.offset_ms == pytest.approx(2010)
    assert s.errors_ms == pytest.approx((0, 10, -10), abs=1e-9)
    assert s.mean_error_ms == pytest.approx(0, abs=1e-9)
    assert s.mean_abs_error_ms == pytest.approx(20 / 3)
    assert s.sd_error_ms == pytest.approx(10.0)
    assert s.tempo_ratio == pytest.approx(0.99 / 1.0)
    assert s.lag_error_ms == pytest.approx(10.0)  # offset 2010 + mean error 0 - expected lag 2000
    assert s.pairs == ((0, 0), (1, 1), (2, 2))


def test_equal_counts_go_to_the_smallest_mean_absolute_error():
    """Call 0, .5, 1.0; answer .06, .5, 1.0: offset 60 ms, met first (answer 0 - call 0), matches
    three (|e| 0, 60, 60: mean 40 ms); offset 0 matches three (|e| 60, 0, 0: mean 20 ms) and wins."""
    s = score_echo(notes([0.0, 0.5, 1.0]), notes([0.06, 0.5, 1.0]))
    assert s.matched == 3
    assert s.offset_ms == pytest.approx(0.0)
    assert s.mean_error_ms == pytest.approx(20.0)
    assert s.mean_abs_error_ms == pytest.approx(20.0)


def test_a_full_tie_goes_to_the_offset_met_first_in_time_order():
    """Call 0, 1; answer 10.00, 11.04. Offsets 10.00 (answer 0 - call 0, met first) and 10.04
    (answer 1 - call 1) both match two with mean |e| 20 ms (errors 0, +40 and -40, 0): the first
    one met, answer onset 0 with call onset 0, wins."""
    s = score_echo(notes([0.0, 1.0]), notes([10.0, 11.04]))
    assert s.matched == 2
    assert s.offset_ms == pytest.approx(10000.0)
    assert s.errors_ms == pytest.approx((0.0, 40.0), abs=1e-6)
    assert s.mean_error_ms == pytest.approx(20.0)
    # The same answer given in the other order is the same answer: the tie still goes by time.
    r = score_echo(notes([0.0, 1.0]), notes([11.04, 10.0]))
    assert r.offset_ms == pytest.approx(10000.0) and r.pairs == ((0, 1), (1, 0))


def test_the_offset_with_the_most_matches_wins_over_a_smaller_error():
    """Call 0, .25, .5, 1.0; answer 3.0, 3.25, 3.5 and a stray 3.7. Offset 3.0 matches three
    exactly; offset 2.7 (stray - 1.0) matches one: three wins, the stray is unmatched."""
    s = score_echo(notes([0.0, 0.25, 0.5, 1.0]), notes([3.0, 3.25, 3.5, 3.7]))
    assert (s.matched, s.precision, s.recall) == (3, 0.75, 0.75)
    assert s.f1 == pytest.approx(0.75)
    assert s.offset_ms == pytest.approx(3000.0)
    assert s.pairs == ((0, 0), (1, 1), (2, 2))


def test_within_the_tolerance_includes_its_edge():
    """An error of exactly the tolerance (80 ms written in decimal seconds) counts as within."""
    s = score_echo(notes([0.0, 0.5]), notes([1.0, 1.58]))
    assert s.matched == 2 and s.mean_abs_error_ms == pytest.approx(40.0)
    s = score_echo(notes([0.0, 0.5]), notes([1.0, 1.58]), tolerance_ms=79.9)
    assert s.matched == 1 and s.recall == 0.5 and s.ioi_ratio_error is None


def test_each_answer_onset_takes_the_earliest_free_call_onset_in_its_window():
    """Call 0, .05, .10 and answer 1.05 alone with a tolerance of 60 ms: every offset matches one;
    offset 1.05 (answer - call 0) is met first with error 0: pair (call 0, answer 0). Then two
    answer onsets 10 ms apart at the same place: the first takes call 0, the second the next free
    one (call 1), not call 0 again."""
    s = score_echo(notes([0.0, 0.05, 0.10]), notes([1.05]), tolerance_ms=60)
    assert s.pairs == ((0, 0),) and s.offset_ms == pytest.approx(1050)
    s = score_echo(notes([0.0, 0.05]), notes([1.0, 1.01]), tolerance_ms=60)
    assert s.pairs == ((0, 0), (1, 1)) and s.matched == 2


def test_pitch_accuracy_counts_equal_notes_of_matched_pairs_and_is_none_for_a_rhythm():
    call = notes([0.0, 0.5, 1.0, 1.5], [60, 62, 64, 65])
    # Four answered, the second a semitone off, the last one far too late (unmatched).
    answer = notes([2.0, 2.5, 3.0, 4.0], [60, 61, 64, 65])
    s = score_echo(call, answer)
    assert s.matched == 3 and s.pitch_accuracy == pytest.approx(2 / 3)
    assert score_echo(notes([0.0, 0.5]), notes([1.0, 1.5], [60, 62])).pitch_accuracy is None
    assert score_echo(call, []).pitch_accuracy == 0.0  # pitched, nothing matched
    # A pitched call answered on unpitched pads: no pitch is right.
    assert score_echo(call, notes([2.0, 2.5])).pitch_accuracy == 0.0


def test_the_ioi_ratio_error_uses_consecutive_call_onsets_that_are_both_matched():
    """Call 0, .4, .8, 1.2; answer 5.0, 5.44, 5.8 (the last call onset unanswered): IOIs .44/.4
    and .36/.4. A gap in the matches (call 1 unanswered) leaves no consecutive pair."""
    s = score_echo(notes([0.0, 0.4, 0.8, 1.2]), notes([5.0, 5.44, 5.8]))
    assert s.matched == 3
    assert s.ioi_ratio_error == pytest.approx((abs(math.log2(1.1)) + abs(math.log2(0.9))) / 2)
    gap = score_echo(notes([0.0, 0.4, 0.8]), notes([5.0, 5.8]))
    assert gap.matched == 2 and gap.ioi_ratio_error is None


def test_response_latency_runs_from_the_end_of_the_last_call_note():
    """The latest onset is 0.5 s, held by two notes of 0.3 and 0.45 s: the call ends at 0.95 s,
    though the first note (0.0 s, 2 s long) rings on; the first answer onset is at 1.5 s."""
    call = notes([0.0, 0.5, 0.5], [60, 64, 67], [2.0, 0.3, 0.45])
    s = score_echo(call, notes([1.5, 2.0, 2.0], [60, 64, 67]))
    assert s.response_latency_ms == pytest.approx(550.0)
    early = score_echo(call, notes([0.9]))  # an answer before the call has ended: negative
    assert early.response_latency_ms == pytest.approx(-50.0)
    assert score_echo(call, []).response_latency_ms is None


def test_the_tempo_ratio_is_the_answer_span_over_the_call_span_matched_or_not():
    call = notes([0.0, 0.5, 1.0, 1.5])
    s = score_echo(call, notes([3.0 + 1.02 * t for t in (0.0, 0.5, 1.0, 1.5)]))
    assert s.matched == 4 and s.tempo_ratio == pytest.approx(1.02)
    # 20 % slower: the last two onsets drift out of the 80 ms tolerance, the span is still 1.8 s.
    s = score_echo(call, notes([3.0 + 1.2 * t for t in (0.0, 0.5, 1.0, 1.5)]))
    assert s.matched < 4 and s.tempo_ratio == pytest.approx(1.2)
    # An extra onset after the phrase counts: span 3.0 .. 5.2 s.
    s = score_echo(call, notes([3.0, 3.5, 4.0, 4.5, 5.2]))
    assert s.tempo_ratio == pytest.approx(2.2 / 1.5)
    assert score_echo(call, notes([3.0])).tempo_ratio is None
    assert score_echo(notes([0.0, 0.0]), notes([3.0, 3.1])).tempo_ratio is None


def test_the_signed_lag_error_of_an_in_time_answer():
    """Expected one 2-s phrase later; the answer sits 30 ms late on average: +30 ms."""
    call = notes([0.0, 0.5, 1.0])
    s = score_echo(call, notes([2.02, 2.53, 3.04]), expected_lag_s=2.0)
    assert s.lag_error_ms == pytest.approx(30.0)
    assert s.offset_ms + s.mean_error_ms - 2000.0 == pytest.approx(s.lag_error_ms)
    assert score_echo(call, notes([2.02, 2.53, 3.04])).lag_error_ms is None


def test_nothing_answered_is_zero_for_the_scores_and_none_for_the_rest():
    s = score_echo(notes([0.0, 0.5]), [])
    assert (s.n_answer, s.matched, s.precision, s.recall, s.f1) == (0, 0, 0.0, 0.0, 0.0)
    assert s.as_dict() == {"n_call": 2, "n_answer": 0, "matched": 0, "precision": 0.0, "recall": 0.0,
                          "f1": 0.0} | {k: None for k in SCORE_KEYS[6:]}


def test_the_order_notes_are_given_in_does_not_matter():
    rng = random.Random(3)
    call = notes([0.0, 0.3, 0.6, 0.75, 1.2], [60, 62, 64, 65, 67], [0.1] * 5)
    answer = notes([1.9, 2.22, 2.58, 2.8, 3.1, 3.2], [60, 62, 64, 64, 67, 69])
    s = score_echo(call, answer)
    ci, ai = list(range(5)), list(range(6))
    rng.shuffle(ci)
    rng.shuffle(ai)
    r = score_echo([call[i] for i in ci], [answer[i] for i in ai])
    assert r.as_dict() == s.as_dict()
    assert [(ci[c], ai[a]) for c, a in r.pairs] == list(s.pairs)


def test_bad_values_are_refused_in_one_line_naming_the_note():
    with pytest.raises(ValueError, match=r"^call: no notes"):
        score_echo([], notes([1.0]))
    with pytest.raises(ValueError, match=r"^call: note 1: onset_s nan is not allowed \(finite seconds\)$"):
        score_echo(notes([0.0, math.nan]), notes([1.0]))
    with pytest.raises(ValueError, match=r"^answer: note 0: onset_s inf is not allowed"):
        score_echo(notes([0.0]), notes([math.inf]))
    with pytest.raises(ValueError, match=r"^call: note 0: duration_s -0.1 is not allowed \(finite seconds >= 0\)$"):
        score_echo([N(0.0, None, -0.1)], notes([1.0]))
    with pytest.raises(ValueError, match=r"tolerance_ms -1: must be"):
        score_echo(notes([0.0]), notes([1.0]), tolerance_ms=-1)


def test_the_keys_the_catalogue_and_the_result_agree():
    fields = [f.name for f in dataclasses.fields(EchoScore)]
    assert tuple(SCORE_METRICS) == SCORE_KEYS
    assert fields[:len(SCORE_KEYS)] == list(SCORE_KEYS)
    assert OUT == SCORE_KEYS[2:]  # the compiled kernel fills the numbers in this order
    assert list(score_echo(notes([0.0]), notes([1.0])).as_dict()) == list(SCORE_KEYS)


# ---------------------------------------------------------------- independent implementations

TOL_MS = (40.0, 62.5, 80.0, 120.0)


@st.composite
def phrases(draw):
    """A call of 1..8 onsets and an answer of 0..8, on a 1-ms grid (so that errors of exactly the
    tolerance occur) or anywhere, with the answer near a copy of the call or unrelated."""
    n_call = draw(st.integers(1, 8))
    grid = draw(st.booleans())
    t = st.integers(0, 3000).map(lambda ms: ms / 1000) if grid else st.floats(0, 3, allow_nan=False)
    call = sorted(draw(st.lists(t, min_size=n_call, max_size=n_call)))
    if draw(st.booleans()):
        lag = draw(t) + 2.0
        jitter = st.integers(-150, 150).map(lambda ms: ms / 1000) if grid else st.floats(-0.15, 0.15)
        answer = [c + lag + draw(jitter) for c in call if draw(st.integers(0, 4))]
        answer += [draw(t) + 2.0 for _ in range(draw(st.integers(0, 2)))]
    else:
        answer = draw(st.lists(t.map(lambda x: x + 1.0), max_size=8))
    return call, answer, draw(st.sampled_from(TOL_MS))


def max_matching(call, answer, d, tol_s) -> int:
    """The largest one-to-one matching at offset d, by trying every assignment."""
    best = 0

    def go(j, free, count):
        nonlocal best
        if count + (len(answer) - j) <= best:
            return
        if j == len(answer):
            best = max(best, count)
            return
        for i in list(free):
            if abs((answer[j] - call[i]) - d) <= tol_s:
                go(j + 1, free - {i}, count + 1)
        go(j + 1, free, count)

    go(0, frozenset(range(len(call))), 0)
    return best


def reference(call, answer, tol_s):
    """Issue 12's rule in plain Python, word for word: (matched, offset, pairs) with indices into
    the sorted onsets."""
    c, a = sorted(call), sorted(answer)
    best = None
    for j0, i0 in itertools.product(range(len(a)), range(len(c))):
        d = a[j0] - c[i0]
        used, pairs, errs = set(), [], []
        for j in range(len(a)):
            for i in range(len(c)):
                e = (a[j] - c[i]) - d
                if i not in used and abs(e) <= tol_s:
                    used.add(i)
                    pairs.append((i, j))
                    errs.append(abs(e))
                    break
        key = (len(pairs), sum(errs) / len(errs))
        if best is None or key[0] > best[0][0] or (key[0] == best[0][0] and key[1] < best[0][1] - 1e-9):
            best = (key, d, pairs)
    if best is None:
        return 0, None, []
    return best[0][0], best[1], best[2]


@settings(max_examples=300, deadline=None)
@given(phrases())
def test_the_matched_count_is_the_brute_force_maximum_over_offsets_and_matchings(case):
    call, answer, tol_ms = case
    tol_s = tol_ms / 1000 + SLACK_S
    s = score_echo(notes(call), notes(answer), tolerance_ms=tol_ms)
    brute = max((max_matching(call, answer, a - c, tol_s) for a in answer for c in call), default=0)
    assert s.matched == brute


@settings(max_examples=300, deadline=None)
@given(phrases())
def test_the_offset_and_pairs_are_the_rule_in_plain_python(case):
    call, answer, tol_ms = case
    s = score_echo(notes(call), notes(answer), tolerance_ms=tol_ms)
    matched, d, pairs = reference(call, answer, tol_ms / 1000 + SLACK_S)
    assert s.matched == matched
    if d is None:
        assert s.offset_ms is None
    else:
        assert s.offset_ms == pytest.approx(1000 * d)
        # Indices as given are indices into the sorted onsets here (the inputs are sorted),
        # except among equal onsets, which are interchangeable.
        assert [(call[i], answer[j]) for i, j in s.pairs] == [(sorted(call)[i], sorted(answer)[j]) for i, j in pairs]


@settings(max_examples=300, deadline=None)
@given(phrases())
def test_precision_recall_and_f1_agree_with_mir_eval_at_the_same_shift(case):
    """mir_eval.onset.f_measure (maximum bipartite matching within the window) on the call and
    the answer shifted by the chosen offset, with the same window (tolerance plus the 1-ns slack)."""
    call, answer, tol_ms = case
    s = score_echo(notes(call), notes(answer), tolerance_ms=tol_ms)
    d_s = 0.0 if s.offset_ms is None else s.offset_ms / 1000
    ref = np.array(sorted(call)) + 10.0  # mir_eval wants times >= 0: both moved by 10 s
    est = np.sort(np.array(answer, dtype=float) - d_s) + 10.0
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Estimated onsets are empty."
            f, p, r = mir_eval.onset.f_measure(ref, est, window=tol_ms / 1000 + SLACK_S)
    assert (s.f1, s.precision, s.recall) == pytest.approx((f, p, r), abs=1e-12)
