"""Goals as therapists write them: parsing, describing, which runs count, met or not."""

import json
from dataclasses import dataclass

import pytest

from live.activities import registry
from live.activities.types import Summary
from live.cli import main
from live.metrics.info import Catalogue, MetricInfo
from live.store.goals import GoalError, GoalSpec, check_goal, describe_goal, is_met, parse_goal, session_value
from live.store.store import Store


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


# ---- goals on what any registered activity declares ----------------------------------------

@dataclass(frozen=True, slots=True)
class LevelParams:
    level: int = 1


class LevelledPlay:
    """Only the declarations a goal is checked against: an activity (registered by the tests
    below) whose runs have a parameter ``level`` and whose trials carry ``level`` and ``f1``."""

    name = "levelled_play"
    Params = LevelParams
    metrics = Catalogue([MetricInfo("f1", "F1 score of the played pattern", "1", "", ".2f", "higher"),
                         MetricInfo("level", "difficulty level", "1", "", ".0f")])


@pytest.fixture
def levelled(monkeypatch):
    monkeypatch.setitem(registry._REGISTRY, LevelledPlay.name, LevelledPlay)
    return LevelledPlay


def test_a_goal_on_a_metric_no_activity_declares_is_refused_with_the_declared_ones():
    with pytest.raises(GoalError, match="metric 'groove_f1' is not a metric any activity declares; metrics: .*sd_async_ms"):
        check_goal(parse_goal("groove_f1 >= 0.8 at stage 4"))
    with pytest.raises(GoalError, match="'stage' is neither a parameter nor a trial field"):
        check_goal(parse_goal("sd_async_ms <= 40 at stage 4"))
    with pytest.raises(GoalError, match="activity 'drumming' is not an activity"):
        check_goal(parse_goal("R >= 0.9 activity drumming"))


def test_a_goal_on_a_metric_and_field_a_registered_activity_declares_is_accepted(levelled):
    spec = parse_goal("f1 >= 0.8 at level 4")
    assert spec == GoalSpec("f1", ">=", 0.8, {"level": 4.0})
    check_goal(spec)
    check_goal(parse_goal("f1 >= 0.8 at level 4 activity levelled_play"))
    assert describe_goal(spec.metric, spec.direction, spec.target, spec.conditions) == "f1 >= 0.8 at level 4"


def test_a_condition_on_a_trial_field_takes_the_mean_over_the_matching_trials():
    goal = {"metric": "f1", "conditions": {"level": 4.0}}
    trials = ({"index": 0, "level": 4, "f1": 0.7}, {"index": 1, "level": 3, "f1": 0.1},
              {"index": 2, "level": 4, "f1": 0.9}, {"index": 3, "level": 4, "f1": None})
    by_trial = {"params": {}, "activity": "levelled_play", "phases": {"all": {"f1": 0.2}}, "trials": trials}
    assert session_value(goal, [by_trial]) == pytest.approx(0.8)  # trials 0 and 2, not the run's 0.2
    by_param = {"params": {"level": 4}, "activity": "levelled_play", "phases": {"all": {"f1": 0.6}}, "trials": trials}
    other_level = {**by_param, "params": {"level": 3}}
    assert session_value(goal, [by_param, other_level]) == pytest.approx(0.6)  # a parameter: the run's value
    assert session_value({"metric": "f1", "conditions": {"level": 5.0}}, [by_trial]) is None


def test_live_goals_add_takes_a_declared_metric_and_lists_it_met_from_stored_trials(levelled, tmp_path, capsys):
    db = str(tmp_path / "levels.db")
    with Store.open(db) as store:
        store.add_client("C-1")
        sid = store.create_session(client_codes=["C-1"], simulated=True, sample_rate=48_000)
        rid = store.create_run(sid, activity="levelled_play", preset_name="levels", preset_path=None,
                               params={}, start_frame=0)
        summary = Summary(metrics={"f1": 0.5}, trials=({"index": 0, "level": 4, "f1": 0.75},
                                                       {"index": 1, "level": 2, "f1": 0.1},
                                                       {"index": 2, "level": 4, "f1": 0.95}))
        store.close_run(rid, summary=summary, final_responses=[], end_frame=48_000)
        store.close_session(sid)
    assert main(["goals", "add", "C-1", "f1 >= 0.8 at level 4", "--db", db]) == 0
    assert capsys.readouterr().out.strip() == "Goal 1 for C-1: f1 >= 0.8 at level 4"
    assert main(["goals", "list", "C-1", "--json", "--db", db]) == 0
    (goal,) = json.loads(capsys.readouterr().out)["goals"]
    assert goal["conditions"] == {"level": 4.0}
    assert [(p["session_id"], p["value"], p["met"]) for p in goal["points"]] == [(sid, pytest.approx(0.85), True)]


def test_live_goals_add_refuses_a_metric_only_an_unregistered_activity_would_declare(tmp_path, capsys):
    db = str(tmp_path / "levels.db")
    with Store.open(db) as store:
        store.add_client("C-1")
    assert main(["goals", "add", "C-1", "groove_f1 >= 0.8 at stage 4", "--db", db]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "'groove_f1' is not a metric any activity declares" in err
