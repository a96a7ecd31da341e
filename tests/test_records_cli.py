"""``live clients``, ``live goals`` and ``live sessions`` on a real SQLite store."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from live.cli import main
from live.store.store import Store
from records_helpers import copy_db, make_demo_db


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return make_demo_db(tmp_path_factory.mktemp("demo"), beats=24, sessions=2)


@pytest.fixture
def db(demo, tmp_path):
    return str(copy_db(demo[0], tmp_path))


def live(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_clients_add_list_show(db, capsys):
    assert live(capsys, "clients", "add", "C-014", "--name", "Ada L.", "--db", db)[0] == 0
    code, out, err = live(capsys, "clients", "add", "C-014", "--db", db)
    assert code == 2 and "client C-014 exists already" in err
    code, out, err = live(capsys, "clients", "add", "Ada Lovelace", "--db", db)
    assert code == 2 and "pseudonymous code" in err
    code, out, _ = live(capsys, "clients", "list", "--db", db)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["code", "name", "sessions", "last", "session", "goals"]
    assert lines[2].split()[:4] == ["C-014", "Ada", "L.", "0"] and lines[3].split()[:3] == ["SIM-001", "-", "2"]
    code, out, _ = live(capsys, "clients", "list", "--json", "--db", db)
    listed = json.loads(out)["clients"]
    assert [(c["code"], c["display_name"], c["sessions"]) for c in listed] == [("C-014", "Ada L.", 0), ("SIM-001", None, 2)]
    code, out, err = live(capsys, "clients", "show", "NOBODY", "--db", db)
    assert code == 2 and "no client with code 'NOBODY'" in err


def test_goals_are_checked_against_every_session(db, demo, capsys):
    code, out, _ = live(capsys, "goals", "add", "SIM-001", "sd_async_ms", "<=", "40", "at", "100", "BPM", "--db", db)
    assert code == 0 and out.strip() == "Goal 1 for SIM-001: sd_async_ms <= 40 at 100 BPM"
    assert live(capsys, "goals", "add", "SIM-001", "R >= 0.999", "--db", db)[0] == 0
    assert live(capsys, "goals", "add", "SIM-001", "sd_async_ms <= 40 at 60 BPM", "--db", db)[0] == 0
    code, _, err = live(capsys, "goals", "add", "SIM-001", "sd_async_ms < 40", "--db", db)
    assert code == 2 and "must be '<=' or '>='" in err
    code, _, err = live(capsys, "goals", "add", "SIM-001", "calmness >= 3", "--db", db)
    assert code == 2 and "'calmness' is not a metric any activity declares" in err
    code, _, err = live(capsys, "goals", "add", "NOBODY", "R >= 0.5", "--db", db)
    assert code == 2 and "live clients add NOBODY" in err

    code, out, _ = live(capsys, "goals", "list", "SIM-001", "--json", "--db", db)
    goals = json.loads(out)["goals"]
    with Store.open(db) as store:
        sds = [store.run_summary(store.get_session(s)["runs"][0]["id"])["sd_async_ms"] for s in demo[1]]
    assert [p["value"] for p in goals[0]["points"]] == pytest.approx(sds)
    assert [p["met"] for p in goals[0]["points"]] == [sd <= 40 for sd in sds]
    assert [p["met"] for p in goals[1]["points"]] == [False, False]
    assert goals[2]["points"] == []  # no run at 60 BPM
    code, out, _ = live(capsys, "goals", "list", "SIM-001", "--db", db)
    rows = out.splitlines()
    assert rows[0].split() == ["goal", "goal", "text", "sessions", "latest", "latest", "met"]
    assert rows[2].split()[-3:] == ["2", f"{sds[-1]:.1f}", "met"] and rows[4].split()[-3:] == ["0", "-", "-"]


def test_sessions_list_and_show(db, demo, capsys):
    ids = demo[1]
    code, out, _ = live(capsys, "sessions", "list", "--json", "--db", db)
    assert [s["id"] for s in json.loads(out)["sessions"]] == ids
    code, out, _ = live(capsys, "sessions", "list", "--client", "C-999", "--db", db)
    assert out.strip() == "No sessions stored for client C-999."
    code, out, _ = live(capsys, "sessions", "show", ids[0][:8], "--db", db)
    assert code == 0
    assert f"Session {ids[0]}" in out and "Status:   complete" in out
    assert "cue BPM" in out and "  100.0  " in out  # the tempo measured from the cue's beats
    assert "SD of asynchrony" in out and "Session 1: engaged, counted aloud." in out
    assert "[run 1 0:05.0] Locked in with the beat" in out
    code, out, _ = live(capsys, "sessions", "show", ids[1], "--json", "--db", db)
    shown = json.loads(out)
    assert shown["status"] == "complete" and shown["runs"][0]["responses"] == 24
    assert shown["runs"][0]["summary"]["n_beats"] == 24
    code, _, err = live(capsys, "sessions", "show", "zzzz", "--db", db)
    assert code == 2 and "no session with an id starting 'zzzz'" in err
    code, _, err = live(capsys, "sessions", "show", "ab", "--db", db)
    assert code == 2 and "at least 4 characters" in err


_KILLED = textwrap.dedent(
    """
    import os, signal, sys
    from live.engine.events import InputEvent
    from live.store.store import Store
    s = Store.open(sys.argv[1])
    sid = s.create_session(client_codes=["K-1"], simulated=False, sample_rate=48000)
    rid = s.create_run(sid, activity="entrainment", preset_name="p", preset_path=None,
                       params={"tempo_bpm": 100.0}, start_frame=0)
    s.add_batch(rid, inputs=[InputEvent(frame=10, source="midi", note=36, velocity=90, client="K-1")])
    print(sid, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
    """
)


def test_a_killed_session_is_shown_incomplete(db, capsys):
    done = subprocess.run([sys.executable, "-c", _KILLED, db], capture_output=True, text=True, timeout=60)
    assert done.returncode == -9
    sid = done.stdout.strip()
    code, out, _ = live(capsys, "sessions", "show", sid, "--db", db)
    assert code == 0 and "INCOMPLETE: the session did not end normally" in out
    assert "no summary (the run did not end normally)" in out
    code, out, _ = live(capsys, "sessions", "list", "--client", "K-1", "--db", db)
    assert out.splitlines()[2].split()[-3] == "incomplete"


def test_a_store_that_cannot_open_is_one_line(tmp_path, capsys):
    bad = tmp_path / "not-a-db.db"
    bad.write_text("hello, this is not SQLite" * 100)
    code, _, err = live(capsys, "sessions", "list", "--db", str(bad))
    assert code == 2 and err == (f"live sessions list: --db {bad}: not a SQLite database: give a live session "
                                 "database, or the name of a new file\n")


def test_sessions_note_adds_notes_and_marked_moments(db, demo, capsys):
    sid = demo[1][0]
    code, out, _ = live(capsys, "sessions", "note", sid[:6], "Asked", "for", "the", "drum", "--at", "0:12.5",
                        "--json", "--db", db)
    added = json.loads(out)
    with Store.open(db) as store:
        run = store.get_session(sid)["runs"][0]
        note = store.session_notes(sid)[-1]
    assert code == 0 and added["frame"] == run["start_frame"] + 12.5 * 48_000 == note["frame"]
    assert (note["text"], note["run_id"]) == ("Asked for the drum", run["id"])
    assert live(capsys, "sessions", "note", sid, "Written afterwards", "--db", db)[0] == 0
    code, out, _ = live(capsys, "sessions", "show", sid, "--db", db)
    assert "[run 1 0:12.5] Asked for the drum" in out and "  - Written afterwards" in out
    for bad, message in ((["--at", "1:75"], "minutes:seconds"), (["--at", "soon"], "minutes:seconds"),
                         (["--run", "2"], "has runs 1..1")):
        code, _, err = live(capsys, "sessions", "note", sid, "x", *bad, "--db", db)
        assert code == 2 and message in err


def test_the_cue_tempo_shown_is_measured_per_phase():
    from live.commands.sessions import _cue_tempo

    stepped = {"params": {"tempo_bpm": 90.0},
               "phases": {"all": {"cue_tempo_bpm": 104.0}, "cue": {"cue_tempo_bpm": 99.84},
                          "step+10%": {"cue_tempo_bpm": 109.62}, "continuation": {"cue_tempo_bpm": None}}}
    assert _cue_tempo(stepped) == "99.8-109.6"
    assert _cue_tempo({"params": {"tempo_bpm": 90.0}, "phases": {}}) == 90.0  # no summary: the preset's


def test_sessions_show_prints_text_metrics_and_a_table_per_trial(tmp_path, capsys):
    from live.activities.types import Summary

    db = str(tmp_path / "trials.db")
    with Store.open(db) as store:
        sid = store.create_session(client_codes=["C-1"], simulated=True, sample_rate=48_000)
        rid = store.create_run(sid, activity="improvisation", preset_name="jam", preset_path=None,
                               params={}, start_frame=0)
        summary = Summary(metrics={"key_estimate": "F# minor", "n_notes": 40},
                          trials=({"index": 0, "f1": 0.75, "level": 2}, {"index": 1, "f1": 0.5, "level": 3}))
        store.close_run(rid, summary=summary, final_responses=[], end_frame=48_000)
        store.close_session(sid)
    code, out, err = live(capsys, "sessions", "show", sid, "--db", db)
    assert code == 0, err
    assert "F# minor" in out and "per trial:" in out
    trial_rows = [line.split() for line in out.splitlines()[out.splitlines().index("Run 1 (jam), per trial:") + 3:][:2]]
    assert trial_rows == [["0", "0.75", "2"], ["1", "0.5", "3"]]
    code, out, _ = live(capsys, "sessions", "show", sid, "--json", "--db", db)
    (run,) = json.loads(out)["runs"]
    assert run["summary"]["key_estimate"] == "F# minor"
    assert run["trials"] == [{"index": 0, "f1": 0.75, "level": 2.0}, {"index": 1, "f1": 0.5, "level": 3.0}]
