"""The call-and-response staircase (issue 12, "Adaptive difficulty"): 2-down/1-up between bounds,
reversals counted, threshold = mean level over the last N reversals (Levitt 1971); and a simulated
client with a known ceiling, its answers scored by score_echo, brought within one level of it in 40
trials."""

from __future__ import annotations

import numpy as np
import pytest

from live.activities.call_response.staircase import Staircase
from live.metrics.echo import EchoNote, score_echo


def run(state: Staircase, outcomes: str) -> tuple[Staircase, list]:
    steps = []
    for ch in outcomes:
        step = state.after(ch == "S")
        steps.append(step)
        state = step.state
    return state, steps


def test_two_successes_go_up_one_failure_goes_down_and_turns_are_reversals():
    s = Staircase.start(3, min_level=1, max_level=6)
    end, steps = run(s, "SS" "SF" "F" "SS" "SS" "F")
    assert [st.level for st in steps] == [3, 3, 4, 4, 3, 2, 2, 3, 3, 4]
    assert [st.move for st in steps] == [0, 1, 0, -1, -1, 0, 1, 0, 1, -1]
    # Turns: down after up at 4, up after down at 2, down after up at 4.
    assert [st.reversal for st in steps] == [False] * 3 + [True] + [False] * 2 + [True] + [False] * 2 + [True]
    assert end.reversal_levels == (4, 2, 4) and end.reversals == 3
    assert end.level == 3 and end.trials == 10
    assert end.threshold(2) == pytest.approx(3.0) and end.threshold(10) == pytest.approx(10 / 3)
    assert Staircase.start(3, min_level=1, max_level=6).threshold(4) is None


def test_a_failure_between_two_successes_starts_the_count_again():
    end, steps = run(Staircase.start(4, min_level=1, max_level=8), "SFSS")
    assert [st.level for st in steps] == [4, 4, 3, 3] and end.level == 4


def test_the_bounds_hold_and_a_move_that_cannot_happen_is_no_reversal():
    top, steps = run(Staircase.start(5, min_level=1, max_level=5), "SSSS" "F" "SS")
    assert [st.move for st in steps] == [0, 0, 0, 0, -1, 0, 1]
    assert top.level == 5 and top.reversal_levels == (4,)  # down from the top: no up move came before it
    bottom, steps = run(Staircase.start(1, min_level=1, max_level=5), "FFF" "SS" "F")
    assert [st.level for st in steps] == [1, 1, 1, 1, 1, 2]
    assert bottom.level == 1 and bottom.reversal_levels == (2,)


def test_a_start_outside_the_bounds_is_refused():
    with pytest.raises(ValueError, match="^level 9: must be 1..8$"):
        Staircase.start(9, min_level=1, max_level=8)
    with pytest.raises(ValueError, match="min_level 5 is above max_level 2"):
        Staircase.start(3, min_level=5, max_level=2)
    with pytest.raises(ValueError, match="last_n 0: must be at least 1"):
        Staircase.start(1, min_level=1, max_level=2).threshold(0)


# ---------------------------------------------------------------- a client with a ceiling

GRID_S = 0.3  # eighth notes at 100 BPM


def call_of(level: int, rng) -> list[EchoNote]:
    """Level L: L + 1 onsets on the eighth-note grid of two bars, the first on the downbeat."""
    slots = np.sort(rng.choice(np.arange(1, 16), size=level, replace=False))
    return [EchoNote(float(t) * GRID_S, None, 0.1) for t in np.concatenate([[0], slots])]


def answer_of(call: list[EchoNote], span: int, rng) -> list[EchoNote]:
    """The client keeps the first ``span`` onsets (its memory span) and drops the tail; a phrase
    beyond its span also throws its timing (SD 100 ms instead of 15)."""
    sd_s = 0.015 if len(call) <= span else 0.100
    start = call[-1].onset_s + call[-1].duration_s + 0.6
    return [EchoNote(start + n.onset_s + float(rng.normal(0, sd_s))) for n in call[:span]]


def success(score) -> bool:
    """Issue 12's example criterion: f1 >= 0.9 and mean |error| <= 60 ms."""
    return score.f1 >= 0.9 and score.mean_abs_error_ms is not None and score.mean_abs_error_ms <= 60


@pytest.mark.parametrize("ceiling", [2, 3, 4, 5, 6])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_client_with_a_known_ceiling_is_found_within_one_level_in_40_trials(ceiling, seed):
    """Levels 1..7 (2..8 onsets); the client's memory span is ceiling + 1 onsets, so it answers
    level ``ceiling`` whole and fails above. From level 1, after 40 trials scored by score_echo
    the threshold over the last 6 reversals and the level are within one level of the ceiling."""
    rng = np.random.default_rng(seed)
    state = Staircase.start(1, min_level=1, max_level=7)
    for _ in range(40):
        call = call_of(state.level, rng)
        state = state.after(success(score_echo(call, answer_of(call, ceiling + 1, rng)))).state
    assert state.trials == 40 and state.reversals >= 6
    assert abs(state.threshold(6) - ceiling) <= 1.0
    assert abs(state.level - ceiling) <= 1
