"""Goals as therapists write them: parsing, describing, which runs count, met or not."""

import pytest

from live.store.goals import GoalError, GoalSpec, describe_goal, is_met, parse_goal, session_value


@pytest.mark.parametrize(("text", "spec"), [
    ("sd_async_ms <= 40 at 100 BPM", GoalSpec("sd_async_ms", "<=", 40.0, {"tempo_bpm": 100.0})),
    ("R>=0.9", GoalSpec("R", ">=", 0.9, {})),
    ("within_window_pct >= 80 at 92.5 bpm preset steady-beat-90 phase all activity entrainment",
     GoalSpec("within_window_pct", ">=", 80.0, {"tempo_bpm": 92.5, "preset": "steady-beat-90",
                                                  "phase": "all", "activity": "entrainment"})),
])
def test_goals_are_read_as_written(text, spec):
    assert parse_goal(text) == spec
    again = parse_goal(describe_goal(spec.metric, spec.direction, spec.target, spec.conditions))
    assert again == spec


@pytest.mark.parametrize(("text", "message"), [
    ("sd_async_ms", "write METRIC <= or >= TARGET"),
    ("sd_async_ms < 40", "must be '<=' or '>='"),
    ("sd_async_ms <= forty", "target 'forty' must be a number"),
    ("sd_async_ms <= nan", "finite"),
    ("sd_async_ms <= 40 at 0 BPM", "must be > 0"),
    ("sd_async_ms <= 40 at 100", "cannot read 'at 100'"),
    ("sd_async_ms <= 40 when calm", "conditions are 'at N BPM'"),
    ("9x <= 40", "metric '9x'"),
])
def test_unreadable_goals_say_where(text, message):
    with pytest.raises(GoalError, match=message):
        parse_goal(text)


def run(tempo, sd, preset="steady", phases=None):
    return {"params": {"tempo_bpm": tempo}, "preset_name": preset, "activity": "entrainment",
            "phases": phases or {"all": {"sd_async_ms": sd}}}


def test_session_value_is_the_mean_over_matching_runs():
    goal = {"metric": "sd_async_ms", "conditions": {"tempo_bpm": 100.0}}
    runs = [run(100.2, 30.0), run(120, 10.0), run(99.8, 50.0), run(100, None)]
    assert session_value(goal, runs) == pytest.approx(40.0)
    assert session_value({"metric": "sd_async_ms", "conditions": {"tempo_bpm": 80}}, runs) is None
    assert session_value({"metric": "sd_async_ms", "conditions": {"preset": "steady"}}, runs) == pytest.approx(30.0)
    phased = [run(100, 0, phases={"all": {"R": 0.5}, "continuation": {"R": 0.7}})]
    assert session_value({"metric": "R", "conditions": {"phase": "continuation"}}, phased) == 0.7
    assert is_met("<=", 40, 40.0) is True and is_met(">=", 0.9, 0.5) is False and is_met("<=", 1, None) is None
