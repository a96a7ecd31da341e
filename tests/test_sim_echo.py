"""The simulated echo player (issue 12): seeded and pure, and its parameters come back through
score_echo: with omission rate p over 200 trials the pooled recall is within the binomial 95 %
band; a known tempo scaling comes back within 1 %; its latency, lag, memory span and pitch errors
are what it was given."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binom

from live.metrics.echo import EchoNote, score_echo
from live.sim.echo import EchoPlayer, EchoPlayerParams, echo_answer

GRID_S = 0.25  # eighth notes at 120 BPM

EXACT = dict(timing_sd_ms=0.0, latency_sd_ms=0.0, omission_rate=0.0, insertion_rate=0.0, pitch_error_rate=0.0,
             memory_span=8)


def phrase(rng, n: int, *, start_s: float = 10.0, pitched: bool = True) -> list[EchoNote]:
    """``n`` onsets on the eighth-note grid of two bars, the first on the downbeat."""
    slots = np.concatenate([[0], np.sort(rng.choice(np.arange(1, 16), size=n - 1, replace=False))])
    notes = rng.choice([60, 62, 64, 67, 69], size=n) if pitched else [None] * n
    return [EchoNote(start_s + float(s) * GRID_S, None if p is None else int(p), 0.1) for s, p in zip(slots, notes)]


def test_the_same_seed_and_trial_give_the_same_answer_and_another_trial_another():
    call = phrase(np.random.default_rng(0), 6)
    player = EchoPlayer(EchoPlayerParams(), seed=7)
    assert player.answer(call, 3) == player.answer(call, 3) == echo_answer(call, player.params, seed=(7, 3))
    assert player.answer(call, 3) != player.answer(call, 4)
    assert EchoPlayer(EchoPlayerParams(), seed=8).answer(call, 3) != player.answer(call, 3)


def test_an_exact_player_answers_the_call_after_its_latency_or_at_the_lag():
    call = phrase(np.random.default_rng(1), 5)
    free = echo_answer(call, EchoPlayerParams(latency_ms=350.0, **EXACT), seed=1)
    s = score_echo(call, free.notes)
    assert (s.matched, s.f1, s.pitch_accuracy, s.tempo_ratio) == (5, 1.0, 1.0, pytest.approx(1.0))
    assert s.response_latency_ms == pytest.approx(350.0)
    in_time = echo_answer(call, EchoPlayerParams(**EXACT), seed=1, lag_s=4.0)
    s = score_echo(call, in_time.notes, expected_lag_s=4.0)
    assert s.lag_error_ms == pytest.approx(0.0, abs=1e-6) and s.offset_ms == pytest.approx(4000.0)
    assert [n.onset_s - c.onset_s for n, c in zip(in_time.notes, call)] == pytest.approx([4.0] * 5)


def test_the_tail_beyond_the_memory_span_is_dropped():
    call = phrase(np.random.default_rng(2), 8)
    out = echo_answer(call, EchoPlayerParams(**{**EXACT, "memory_span": 3}), seed=2)
    assert out.dropped == 5 and len(out.notes) == 3
    s = score_echo(call, out.notes)
    assert s.pairs == ((0, 0), (1, 1), (2, 2)) and s.recall == pytest.approx(3 / 8)


def test_pitch_errors_are_one_or_two_semitones_and_counted():
    rng = np.random.default_rng(3)
    call = phrase(rng, 8)
    out = echo_answer(call, EchoPlayerParams(**{**EXACT, "pitch_error_rate": 1.0}), seed=3)
    assert out.pitch_errors == 8
    assert all(1 <= abs(a.note - c.note) <= 2 for a, c in zip(out.notes, call))
    assert score_echo(call, out.notes).pitch_accuracy == 0.0
    rhythm = phrase(rng, 4, pitched=False)
    out = echo_answer(rhythm, EchoPlayerParams(**{**EXACT, "pitch_error_rate": 1.0}), seed=3)
    assert out.pitch_errors == 0 and all(n.note is None for n in out.notes)


def test_insertions_add_onsets_between_the_played_ones():
    rng = np.random.default_rng(4)
    made = 0
    for trial in range(50):
        call = phrase(rng, 6)
        out = echo_answer(call, EchoPlayerParams(**{**EXACT, "insertion_rate": 0.3}), seed=trial)
        assert len(out.notes) == 6 + out.inserted
        assert [n.onset_s for n in out.notes] == sorted(n.onset_s for n in out.notes)
        made += out.inserted
    assert binom.interval(0.999, 300, 0.3)[0] <= made <= binom.interval(0.999, 300, 0.3)[1]


@pytest.mark.parametrize("p", [0.1, 0.3])
def test_with_omission_rate_p_the_recall_over_200_trials_is_within_the_binomial_95_band(p):
    """Phrases of 3..8 notes, a memory span of 8, 10 ms timing noise (matching never fails on
    time), no insertions: the pooled recall, matched / call notes over 200 trials, estimates 1 - p."""
    rng = np.random.default_rng(5)
    player = EchoPlayer(EchoPlayerParams(timing_sd_ms=10.0, omission_rate=p, insertion_rate=0.0, memory_span=8), seed=5)
    matched = total = 0
    for trial in range(200):
        call = phrase(rng, int(rng.integers(3, 9)))
        s = score_echo(call, player.answer(call, trial).notes)
        matched += s.matched
        total += s.n_call
    lo, hi = binom.interval(0.95, total, 1 - p)
    assert lo <= matched <= hi, (matched / total, lo / total, hi / total)


@pytest.mark.parametrize("scale", [0.9, 1.06])
def test_a_known_tempo_scaling_comes_back_within_one_percent(scale):
    """200 phrases of 4..8 notes answered at ``scale`` with 20 ms of timing noise (nothing left
    out or added, which would change the span): the mean tempo_ratio is within 1 % of it."""
    rng = np.random.default_rng(6)
    player = EchoPlayer(EchoPlayerParams(timing_sd_ms=20.0, tempo_scale=scale, omission_rate=0.0,
                                         insertion_rate=0.0, memory_span=8), seed=6)
    ratios = []
    for trial in range(200):
        call = phrase(rng, int(rng.integers(4, 9)))
        ratio = score_echo(call, player.answer(call, trial).notes).tempo_ratio
        if ratio is not None:
            ratios.append(ratio)
    assert len(ratios) == 200
    assert abs(np.mean(ratios) / scale - 1) <= 0.01, np.mean(ratios)


def test_describe_gives_the_true_parameters():
    params = EchoPlayerParams(timing_sd_ms=12.5, tempo_scale=1.1, memory_span=4)
    got = EchoPlayer(params, seed=9).describe()
    assert got["model"] == "echo player" and got["seed"] == 9
    assert got["timing_sd_ms"] == 12.5 and got["tempo_scale"] == 1.1 and got["memory_span"] == 4
    assert set(got) == {"model", "seed", "timing_sd_ms", "tempo_scale", "latency_ms", "latency_sd_ms", "omission_rate",
                        "insertion_rate", "pitch_error_rate", "memory_span"}


@pytest.mark.parametrize(("field", "value", "message"), [
    ("omission_rate", 1.5, "omission_rate 1.5: must be 0..1"),
    ("tempo_scale", 0.0, "tempo_scale 0.0: must be a finite number > 0"),
    ("timing_sd_ms", float("nan"), "timing_sd_ms nan: must be a finite number >= 0"),
    ("memory_span", 0, "memory_span 0: must be a whole number >= 1"),
])
def test_impossible_traits_are_refused(field, value, message):
    with pytest.raises(ValueError, match=f"^{message}$"):
        EchoPlayerParams(**{field: value})
