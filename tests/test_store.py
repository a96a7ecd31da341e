"""The session store on a real SQLite file and on a real PostgreSQL server: schema, migrations,
round trips, errors (every test taking ``store`` or ``url`` runs on both); file modes and WAL
on SQLite."""

from __future__ import annotations

import json
import math
import os
import sqlite3
import stat
import subprocess
import sys
import textwrap
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy
from schemautil import copy_rows, layout

from live.activities.types import Response, Summary, Target
from live.engine.events import InputEvent, ScheduledSound
from live.store.base import SchemaVersionError
from live.store.migrations import create_schema, tables_of
from live.store.schema import SCHEMA_VERSION, t_clients
from live.store.store import Store

RATE = 48_000




@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "nested" / "sessions.db"


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, db_path: Path) -> str:
    """A new database: a SQLite file path, or a PostgreSQL URL on the test server."""
    if request.param == "sqlite":
        db_path.parent.mkdir(mode=0o700, parents=True)
        return str(db_path)
    return request.getfixturevalue("pg_server").new_database()


@pytest.fixture
def store(url: str):
    with Store.open(url) as s:
        yield s


@pytest.fixture
def sqlite_store(db_path: Path):
    with Store.open(db_path) as s:
        yield s


def execute(url: str, sql: str, **params) -> None:
    """Run one SQL statement on the database at ``url`` (a path is a SQLite file)."""
    engine = sqlalchemy.create_engine(url if "://" in url else f"sqlite:///{url}")
    try:
        with engine.begin() as conn:
            conn.execute(sqlalchemy.text(sql), params)
    finally:
        engine.dispose()


def tap(frame: int, client: str = "C01", note: int | None = 36, velocity: int = 100) -> InputEvent:
    return InputEvent(frame=frame, source="midi", note=note, velocity=velocity, client=client)


def scored(frame: int, beat: int | None, beat_frame: int | None, client: str = "C01") -> Response:
    asyn = None if beat_frame is None else 1000 * (frame - beat_frame) / RATE
    target = None if beat is None else Target(beat, beat_frame, "beat")
    return Response(event=tap(frame, client), target=target, error_ms=asyn)


def new_run(store: Store, codes=("C01",)) -> tuple[str, int]:
    sid = store.create_session(client_codes=list(codes), simulated=True, sample_rate=RATE)
    rid = store.create_run(
        sid, activity="entrainment", preset_name="steady", preset_path=None,
        params={"tempo_bpm": 100.0}, start_frame=0,
    )
    return sid, rid


# ---- schema and files --------------------------------------------------------------------


def test_schema_created_and_version_recorded(sqlite_store: Store, db_path: Path) -> None:
    store = sqlite_store
    con = sqlite3.connect(db_path)
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"meta", "clients", "sessions", "session_clients", "runs", "events", "responses",
                "summaries"} <= tables
        assert con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (
            str(SCHEMA_VERSION),
        )
        indexes = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert {"ix_events_run_id_frame", "ix_responses_run_id_frame"} <= indexes
        assert con.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        con.close()
    with store._engine.connect() as conn:  # the store's own connections
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_new_file_and_its_wal_and_shm_are_owner_only(tmp_path: Path, umask_022) -> None:
    path = tmp_path / "new" / "s.db"
    with Store.open(path) as s:
        s.get_or_create_client("C01")  # a committed write: the -wal file has content
        wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
        assert wal.exists() and shm.exists()
        assert (_mode(path), _mode(wal), _mode(shm)) == (0o600, 0o600, 0o600)
        assert _mode(path.parent) == 0o700


def test_sqlite_url_creates_owner_only_file_too(tmp_path: Path, umask_022) -> None:
    path = tmp_path / "by-url.db"
    with Store.open(f"sqlite:///{path}") as s:
        s.get_or_create_client("C01")
    assert _mode(path) == 0o600


def test_existing_file_is_opened_not_recreated(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with Store.open(path) as s:
        sid, _ = new_run(s)
    with Store.open(str(path)) as s:
        assert [x["id"] for x in s.list_sessions()] == [sid]


# ---- round trip --------------------------------------------------------------------------


def test_clients_are_created_once(store: Store) -> None:
    a = store.get_or_create_client("C01")
    assert store.get_or_create_client("C01") == a
    assert store.get_or_create_client("C02") != a


def test_round_trip_of_a_session(store: Store) -> None:
    sid = store.create_session(client_codes=["C02", "C01"], simulated=False, sample_rate=RATE)
    assert len(sid) == 32 and int(sid, 16) >= 0
    rid = store.create_run(
        sid, activity="entrainment", preset_name="steady-100", preset_path=Path("/p/steady.toml"),
        params={"tempo_bpm": 100.0, "accents": (1, 3), "beats": None}, start_frame=np.int64(1000),
    )
    rid2 = store.create_run(
        sid, activity="entrainment", preset_name="ramp", preset_path=None, params={},
        start_frame=90_000,
    )

    beats = [1000 + 28_800 * k for k in range(3)]
    # handed over out of order and in two batches: read back by frame
    store.add_sounds(rid, [ScheduledSound(frame=beats[2], sound="click", gain=0.8, cue_index=2)])
    store.add_sounds(
        rid,
        [ScheduledSound(frame=beats[0], sound="click_accent", gain=1, cue_index=0),
         ScheduledSound(frame=np.int64(beats[1]), sound="click", gain=np.float32(0.5), cue_index=1)],
    )
    store.add_inputs(rid, [tap(beats[0] - 480, "C01"), tap(beats[1] + 96, "C02", note=None)])
    store.add_responses(rid, [scored(beats[0] - 480, 0, beats[0]), scored(beats[1] + 96, None, None, "C02")])

    sounds = store.run_events(rid, kind="sound")
    assert [(e["frame"], e["sound"], e["cue_index"]) for e in sounds] == [
        (beats[0], "click_accent", 0), (beats[1], "click", 1), (beats[2], "click", 2)
    ]
    assert sounds[1]["gain"] == pytest.approx(0.5) and sounds[0]["client"] is None
    inputs = store.run_events(rid, kind="input")
    assert [(e["frame"], e["client"], e["source"], e["note"], e["velocity"]) for e in inputs] == [
        (beats[0] - 480, "C01", "midi", 36, 100), (beats[1] + 96, "C02", "midi", None, 100)
    ]
    assert [e["kind"] for e in store.run_events(rid)] == ["input", "sound", "sound", "input", "sound"]

    provisional = store.run_responses(rid)
    assert [(r["client"], r["target_index"], r["target_kind"], r["provisional"]) for r in provisional] == [
        ("C01", 0, "beat", True), ("C02", None, None, True)
    ]
    assert provisional[0]["error_ms"] == pytest.approx(-10.0) and provisional[0]["extra"] == {}
    assert provisional[1]["error_ms"] is None and provisional[1]["target_frame"] is None

    summary = {"n_taps": 2, "mean_asynchrony_ms": -10.0, "sd_asynchrony_ms": None, "R": 0.5}
    final = [scored(beats[0] - 480, 0, beats[0]), scored(beats[1] + 96, 1, beats[1], "C02")]
    store.close_run(rid, summary=summary, final_responses=final, end_frame=beats[2] + 24_000)

    responses = store.run_responses(rid)
    assert [(r["target_index"], r["target_frame"], r["provisional"]) for r in responses] == [
        (0, beats[0], False), (1, beats[1], False)
    ]
    assert responses[1]["error_ms"] == pytest.approx(2.0)
    got = store.run_summary(rid)
    assert list(got) == list(summary)  # stored order
    assert got == {"n_taps": 2.0, "mean_asynchrony_ms": -10.0, "sd_asynchrony_ms": None, "R": 0.5}
    assert isinstance(got["n_taps"], float)
    assert store.run_summary(rid, phase="continuation") == {}

    store.close_run(rid2, summary=Summary(metrics={"z": 1}), final_responses=[], end_frame=90_000)
    store.close_session(sid)

    s = store.get_session(sid)
    assert s["clients"] == ["C01", "C02"]
    assert (s["status"], s["simulated"], s["sample_rate"]) == ("complete", False, RATE)
    assert s["started_at"].tzinfo is timezone.utc and s["ended_at"] >= s["started_at"]
    r1, r2 = s["runs"]
    assert (r1["id"], r1["position"], r2["id"], r2["position"]) == (rid, 1, rid2, 2)
    assert r1["params"] == {"tempo_bpm": 100.0, "accents": [1, 3], "beats": None}
    assert (r1["preset_path"], r2["preset_path"]) == ("/p/steady.toml", None)
    assert (r1["start_frame"], r1["end_frame"], r1["status"]) == (1000, beats[2] + 24_000, "complete")
    assert r1["ended_at"].tzinfo is timezone.utc
    assert store.run_summary(rid2) == {"z": 1.0}

    listed = store.list_sessions()
    assert [(x["id"], x["clients"], x["status"]) for x in listed] == [(sid, ["C01", "C02"], "complete")]


def test_close_session_incomplete_marks_running_runs(store: Store) -> None:
    sid, rid = new_run(store)
    store.add_sounds(rid, [ScheduledSound(frame=10, sound="click")])
    store.close_session(sid, status="incomplete")
    s = store.get_session(sid)
    assert s["status"] == "incomplete" and s["runs"][0]["status"] == "incomplete"
    assert s["runs"][0]["end_frame"] is None
    assert len(store.run_events(rid)) == 1  # kept
    with pytest.raises(ValueError, match="already incomplete"):
        store.close_session(sid)
    with pytest.raises(ValueError, match="takes no new runs"):
        store.create_run(sid, activity="entrainment", preset_name="x", preset_path=None, params={},
                         start_frame=0)
    with pytest.raises(ValueError, match="only a running run"):
        store.add_sounds(rid, [ScheduledSound(frame=20, sound="click")])


def test_close_run_is_one_transaction(store: Store) -> None:
    sid, rid = new_run(store)
    store.add_responses(rid, [scored(100, 0, 90)])
    bad_final = [scored(100, 0, 90), scored(200, 1, 190, client="NOT-IN-SESSION")]
    with pytest.raises(ValueError, match="NOT-IN-SESSION"):
        store.close_run(rid, summary={"m": 1.0}, final_responses=bad_final, end_frame=300)
    # nothing changed: the provisional responses stay, no summary, the run still runs
    assert [r["provisional"] for r in store.run_responses(rid)] == [True]
    assert store.run_summary(rid) == {}
    assert store.get_session(sid)["runs"][0]["status"] == "running"
    with pytest.raises(ValueError, match="finite"):
        store.close_run(rid, summary={"m": math.nan}, final_responses=[], end_frame=300)
    store.close_run(rid, summary={"m": 1.0}, final_responses=[], end_frame=300)
    assert store.run_responses(rid) == []
    with pytest.raises(ValueError, match="is complete"):
        store.close_run(rid, summary={}, final_responses=[], end_frame=300)


def test_close_run_failing_at_its_last_statement_changes_nothing(store: Store, monkeypatch) -> None:
    sid, rid = new_run(store)
    store.add_responses(rid, [scored(100, 0, 90)])

    def boom():  # ended_at is taken for the run's UPDATE, after the DELETE and the INSERTs
        raise RuntimeError("disk gone")

    monkeypatch.setattr("live.store.writes.now", boom)
    with pytest.raises(RuntimeError, match="disk gone"):
        store.close_run(np.int64(rid), summary={"m": 1.0}, final_responses=[scored(100, 0, 90)],
                        end_frame=300)
    monkeypatch.undo()
    assert [r["provisional"] for r in store.run_responses(rid)] == [True]
    assert store.run_summary(rid) == {}
    assert store.get_session(sid)["runs"][0]["status"] == "running"


def test_inputs_from_a_client_outside_the_session_are_refused(store: Store) -> None:
    store.get_or_create_client("OTHER")
    _, rid = new_run(store)
    with pytest.raises(ValueError, match="'OTHER', who is not in session"):
        store.add_inputs(rid, [tap(5, "C01"), tap(10, "OTHER")])
    assert store.run_events(rid) == []  # the batch is all or nothing


# ---- concurrency and persistence ---------------------------------------------------------

_READER = textwrap.dedent(
    """
    import json, sqlite3, sys
    from live.store.store import Store
    with Store.open(sys.argv[1]) as s:
        sessions = [x["id"] for x in s.list_sessions()]
    con = sqlite3.connect(sys.argv[1])
    codes = sorted(r[0] for r in con.execute("SELECT code FROM clients"))
    mode = con.execute("PRAGMA journal_mode").fetchone()[0]
    con.close()
    print(json.dumps({"sessions": sessions, "codes": codes, "journal_mode": mode}))
    """
)


def test_other_process_reads_committed_data_while_writer_is_open(sqlite_store: Store, db_path: Path) -> None:
    store = sqlite_store
    sid, rid = new_run(store, codes=["C01"])
    store.add_sounds(rid, [ScheduledSound(frame=0, sound="click")])
    # The writer holds its connection open, in the middle of an uncommitted write.
    with store._write() as conn:
        now = datetime.now(timezone.utc)
        conn.execute(t_clients.insert().values(code="UNCOMMITTED", created_at=now))
        out = subprocess.run(
            [sys.executable, "-c", _READER, str(db_path)],
            capture_output=True, text=True, timeout=60, check=True,
        )
        conn.rollback()
    seen = json.loads(out.stdout)
    assert seen == {"sessions": [sid], "codes": ["C01"], "journal_mode": "wal"}


def test_reopening_keeps_data(url: str) -> None:
    with Store.open(url) as s:
        sid, rid = new_run(s)
        s.add_inputs(rid, [tap(42)])
    with Store.open(url) as s:
        assert s.get_session(sid)["runs"][0]["id"] == rid
        assert [e["frame"] for e in s.run_events(rid)] == [42]
        assert s.get_or_create_client("C01") == s.get_or_create_client("C01")


# ---- errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [(str(SCHEMA_VERSION + 1), "newer live"), ("x", "unknown schema version"), ("0", "unknown schema version")],
)
def test_wrong_schema_version_raises(url: str, value: str, message: str) -> None:
    Store.open(url).close()
    execute(url, "UPDATE meta SET value = :v WHERE key = 'schema_version'", v=value)
    with pytest.raises(SchemaVersionError, match=message):
        Store.open(url)


def test_foreign_database_raises(url: str) -> None:
    execute(url, "CREATE TABLE notes (x INTEGER)")
    with pytest.raises(SchemaVersionError, match="not a live session database"):
        Store.open(url)


@pytest.mark.parametrize("code", ["", "a b", "x" * 65, "Émile", "C01;", None, 7])
def test_invalid_client_code_raises(store: Store, code: object) -> None:
    with pytest.raises(ValueError, match="1..64 characters of letters, digits"):
        store.get_or_create_client(code)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="client code"):
        codes = ["C01", code]
        store.create_session(client_codes=codes, simulated=True, sample_rate=RATE)  # type: ignore[arg-type]
    assert store.list_sessions() == []


def test_valid_client_codes(store: Store) -> None:
    for code in ["A", "c-01_x", "9" * 64]:
        assert store.get_or_create_client(code) > 0


def test_bad_session_arguments_raise(store: Store) -> None:
    with pytest.raises(TypeError, match="list of codes"):
        store.create_session(client_codes="C01", simulated=True, sample_rate=RATE)
    with pytest.raises(ValueError, match="at least one client"):
        store.create_session(client_codes=[], simulated=True, sample_rate=RATE)
    with pytest.raises(ValueError, match="repeats C01"):
        store.create_session(client_codes=["C01", "C01"], simulated=True, sample_rate=RATE)
    with pytest.raises(ValueError, match="sample_rate = 0"):
        store.create_session(client_codes=["C01"], simulated=True, sample_rate=0)
    sid = store.create_session(client_codes=["C01"], simulated=True, sample_rate=RATE)
    with pytest.raises(ValueError, match="cannot be stored as JSON"):
        store.create_run(sid, activity="entrainment", preset_name="x", preset_path=None,
                         params={"f": math.inf}, start_frame=0)
    with pytest.raises(ValueError, match="status = 'done'"):
        store.close_session(sid, status="done")


def test_unknown_ids_raise_key_error(store: Store) -> None:
    missing = "0" * 32
    calls = [
        lambda: store.get_session(missing),
        lambda: store.close_session(missing),
        lambda: store.create_run(missing, activity="entrainment", preset_name="x", preset_path=None,
                                 params={}, start_frame=0),
    ]
    for call in calls:
        with pytest.raises(KeyError, match=missing):
            call()
    run_calls = [
        lambda: store.add_sounds(999, [ScheduledSound(frame=1, sound="click")]),
        lambda: store.add_inputs(999, []),
        lambda: store.add_responses(999, []),
        lambda: store.close_run(999, summary={}, final_responses=[], end_frame=0),
        lambda: store.run_summary(999),
        lambda: store.run_events(999),
        lambda: store.run_responses(999),
    ]
    for call in run_calls:
        with pytest.raises(KeyError, match="no run with id 999"):
            call()


def test_closed_store_refuses_work(url: str) -> None:
    s = Store.open(url)
    s.close()
    s.close()
    with pytest.raises(RuntimeError, match="closed"):
        s.list_sessions()


def test_controls_and_calibrations_round_trip(store: Store) -> None:
    sid = store.create_session(client_codes=["C-1"], simulated=False, sample_rate=48000)
    run = store.create_run(sid, activity="entrainment", preset_name="p", preset_path=None, params={},
                           start_frame=0, calibration={"midi": {"latency_frames": 12}})
    store.add_controls(run, [(100, "tempo_set", 110.0, "tempo 100 -> 110 BPM from beat 3"),
                             (50, "start_stop", None, None)])
    assert [c["frame"] for c in store.run_controls(run)] == [50, 100]
    assert store.run_controls(run)[1]["value"] == 110.0
    assert store.get_session(sid)["runs"][0]["calibration"] == {"midi": {"latency_frames": 12}}
    assert store.latest_calibration("midi", "pad") is None
    store.save_calibration(input_path="midi", device="pad", latency_frames=10, sample_rate=48000, details={"n": 1})
    second = store.save_calibration(input_path="midi", device="pad", latency_frames=12, sample_rate=48000,
                                    details={"n": 2})
    latest = store.latest_calibration("midi", "pad")
    assert latest["id"] == second and latest["latency_frames"] == 12 and latest["details"] == {"n": 2}
    with pytest.raises(ValueError, match="input_path"):
        store.save_calibration(input_path="usb", device="x", latency_frames=0, sample_rate=48000, details={})


# ---- notes and marked moments (schema version 2) -------------------------------------------


def test_notes_and_marked_moments_round_trip(store: Store) -> None:
    sid, rid = new_run(store)
    first = store.add_note(sid, "  Calm start; counted in aloud.  ")
    moment = store.add_note(sid, "First run of 8 beats in time", run_id=rid, frame=96_000)
    store.close_session(sid)
    after = store.add_note(sid, "Written after the session")
    notes = store.session_notes(sid)
    assert [n["id"] for n in notes] == [first, moment, after]
    assert [(n["run_id"], n["frame"], n["text"]) for n in notes] == [
        (None, None, "Calm start; counted in aloud."),
        (rid, 96_000, "First run of 8 beats in time"),
        (None, None, "Written after the session"),
    ]
    assert all(n["created_at"].tzinfo is not None for n in notes)


def test_bad_notes_are_refused(store: Store) -> None:
    sid, rid = new_run(store)
    other, other_run = new_run(store)
    with pytest.raises(ValueError, match="1..10000 characters"):
        store.add_note(sid, "   ")
    with pytest.raises(ValueError, match="1..10000 characters"):
        store.add_note(sid, "x" * 10_001)
    with pytest.raises(ValueError, match="must be >= 0"):
        store.add_note(sid, "moment", frame=-1)
    with pytest.raises(ValueError, match=f"not a run of session {sid}"):
        store.add_note(sid, "moment", run_id=other_run)
    with pytest.raises(KeyError, match="no session"):
        store.add_note("f" * 32, "lost")
    with pytest.raises(KeyError, match="no run with id 999"):
        store.add_note(sid, "lost", run_id=999)
    assert store.session_notes(sid) == [] and store.session_notes(other) == []


# ---- migrations ----------------------------------------------------------------------------

V1_DUMP = Path(__file__).parent / "data" / "store_v1_demo.sql"  # `sqlite3 .dump` of a v1 `live demo` db
RENAMED_IN_5 = {("events", "beat_index"): "cue_index", ("responses", "beat_index"): "target_index",
                ("responses", "beat_frame"): "target_frame", ("responses", "asynchrony_ms"): "error_ms"}


def test_version_1_layout_is_the_one_live_0_1_wrote(tmp_path: Path) -> None:
    golden = _golden_v1(tmp_path)
    made = tmp_path / "made.db"
    engine = sqlalchemy.create_engine(f"sqlite:///{made}")
    with engine.begin() as conn:
        create_schema(conn, 1)
    engine.dispose()
    assert layout(str(made)) == layout(str(golden))


def _golden_v1(tmp_path: Path) -> Path:
    path = tmp_path / "golden-v1.db"
    con = sqlite3.connect(path)
    con.executescript(V1_DUMP.read_text())
    con.close()
    return path


def test_migration_from_version_1_keeps_every_session(url: str, tmp_path: Path) -> None:
    before = copy_rows(str(_golden_v1(tmp_path)), url, 1)
    assert len(before["responses"]) == 200 and len(before["events"]) == 404
    with Store.open(url) as s:
        (session,) = s.list_sessions()
        assert session["status"] == "complete" and session["clients"] == ["SIM-001"]
        (run,) = s.get_session(session["id"])["runs"]
        assert len(s.run_responses(run["id"])) == 200
        assert s.run_summary(run["id"])["n_taps"] == 200
        note = s.add_note(session["id"], "added after the upgrade", run_id=run["id"], frame=48_000)
        assert s.session_notes(session["id"])[0]["id"] == note
        assert s.get_or_create_client("NEW-1") > 1
    engine = sqlalchemy.create_engine(url if "://" in url else f"sqlite:///{url}")
    try:
        with engine.connect() as conn:
            version = conn.execute(sqlalchemy.text("SELECT value FROM meta WHERE key = 'schema_version'"))
            assert version.scalar() == str(SCHEMA_VERSION)
            current = {t.name: t for t in tables_of(SCHEMA_VERSION)}
            for table in tables_of(1):
                if table.name not in ("meta", "clients"):
                    now = current[table.name]
                    columns = [now.c[RENAMED_IN_5.get((table.name, c.name), c.name)] for c in table.c]
                    assert [tuple(r) for r in conn.execute(
                        sqlalchemy.select(*columns).order_by(*now.primary_key.columns))] == before[table.name]
            kinds = conn.execute(sqlalchemy.text(
                "SELECT DISTINCT target_kind FROM responses WHERE target_index IS NOT NULL")).scalars().all()
            assert kinds == ["beat"]
            assert {"notes", "goals", "client_names", "session_writers", "run_playback"} <= set(
                sqlalchemy.inspect(conn).get_table_names())
    finally:
        engine.dispose()


def test_migrated_sqlite_file_stays_owner_only(tmp_path: Path, umask_022) -> None:
    path = _golden_v1(tmp_path)
    os.chmod(path, 0o600)
    with Store.open(path) as s:
        s.add_note(s.list_sessions()[0]["id"], "after the upgrade")
        for f in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            assert _mode(f) == 0o600, f


# ---- batches, clients and goals -------------------------------------------------------------


def test_a_batch_is_one_transaction(store: Store) -> None:
    sid, rid = new_run(store)
    store.add_batch(rid, sounds=[ScheduledSound(frame=100, sound="click", cue_index=0)],
                    inputs=[tap(110)], responses=[scored(110, 0, 100)],
                    controls=[(105, "tempo_set", 110.0, "tempo 100 -> 110 BPM")])
    assert [e["kind"] for e in store.run_events(rid)] == ["sound", "input"]
    assert [r["frame"] for r in store.run_responses(rid)] == [110]
    assert [c["action"] for c in store.run_controls(rid)] == ["tempo_set"]
    with pytest.raises(ValueError, match="'OTHER', who is not in session"):
        store.add_batch(rid, sounds=[ScheduledSound(frame=200, sound="click")],
                        inputs=[tap(210, "OTHER")], responses=[scored(210, 1, 200)])
    assert len(store.run_events(rid)) == 2 and len(store.run_responses(rid)) == 1  # none of it
    store.close_session(sid, status="incomplete")
    with pytest.raises(ValueError, match="only a running run"):
        store.add_batch(rid, inputs=[tap(300)])


def test_clients_with_display_names_and_goals(store: Store) -> None:
    store.add_client("C02")
    store.add_client("C01", display_name="  Ada L.  ")
    with pytest.raises(ValueError, match="exists already"):
        store.add_client("C01")
    with pytest.raises(ValueError, match="1..200 characters"):
        store.add_client("C03", display_name="")
    g1 = store.add_goal("C01", metric="sd_async_ms", direction="<=", target=40, conditions={"tempo_bpm": 100.0})
    g2 = store.add_goal("C01", metric="R", direction=">=", target=0.9)
    with pytest.raises(KeyError, match="no client with code 'C09'"):
        store.add_goal("C09", metric="R", direction=">=", target=0.9)
    with pytest.raises(ValueError, match="direction"):
        store.add_goal("C01", metric="R", direction="<", target=0.9)
    with pytest.raises(ValueError, match="finite"):
        store.add_goal("C01", metric="R", direction=">=", target=math.inf)
    sid, _ = new_run(store, codes=["C01"])
    listed = store.list_clients()
    assert [(c["code"], c["display_name"], c["sessions"], c["goals"]) for c in listed] == [
        ("C01", "Ada L.", 1, 2), ("C02", None, 0, 0)]
    assert listed[0]["last_session_at"] == store.get_session(sid)["started_at"]
    assert listed[1]["last_session_at"] is None
    client = store.get_client("C01")
    assert client["sessions"] == [sid] and client["display_name"] == "Ada L."
    assert [(g["id"], g["metric"], g["direction"], g["target"], g["conditions"]) for g in client["goals"]] == [
        (g1, "sd_async_ms", "<=", 40.0, {"tempo_bpm": 100.0}), (g2, "R", ">=", 0.9, {})]
    assert store.display_names(["C01", "C02"]) == {"C01": "Ada L."}
    with pytest.raises(KeyError, match="no client"):
        store.get_client("nobody")


def test_run_phases(store: Store) -> None:
    _, rid = new_run(store)
    store.close_run(rid, summary={"n_taps": 3, "R": 0.5}, final_responses=[], end_frame=10)
    assert store.run_phases(rid) == {"all": {"n_taps": 3.0, "R": 0.5}}


def test_run_phases_keep_the_sessions_order(store: Store) -> None:
    from live.activities.types import Summary

    _, rid = new_run(store)
    order = ["baseline", "cue+0%", "cue+5%", "cue+10%", "continuation"]  # not alphabetical
    phases = {name: {"n_taps": float(i), "R": 0.9} for i, name in enumerate(order)}
    store.close_run(rid, summary=Summary(metrics={"n_taps": 10.0}, phases=phases), final_responses=[], end_frame=10)
    assert list(store.run_phases(rid)) == ["all", *order]
    assert store.run_phases(rid)["cue+10%"] == {"n_taps": 3.0, "R": 0.9}


def test_migration_from_version_2(url: str) -> None:
    engine = sqlalchemy.create_engine(url if "://" in url else f"sqlite:///{url}")
    with engine.begin() as conn:
        create_schema(conn, 2)
    engine.dispose()
    with Store.open(url) as s:
        sid, rid = new_run(s)
        s.add_batch(rid, inputs=[tap(5)])
        assert s.get_session(sid)["last_write_at"] is not None


def test_playback_round_trip(store: Store) -> None:
    sid = store.create_session(client_codes=["C01"], simulated=False, sample_rate=RATE)
    playback = {"channels": 2, "pad_sound": "woodblock", "pad_gain": 0.8, "pad_delay_frames": 128,
                "pad_source": "midi", "silent_notes": [20, 21]}
    rid = store.create_run(sid, activity="entrainment", preset_name="p", preset_path=None, params={},
                           start_frame=0, playback=playback)
    rid2 = store.create_run(sid, activity="entrainment", preset_name="p", preset_path=None, params={},
                            start_frame=0)
    runs = store.get_session(sid)["runs"]
    assert [(r["id"], r["playback"]) for r in runs] == [(rid, playback), (rid2, None)]


_KILLED_WRITER = textwrap.dedent(
    """
    import os, signal, sys
    from live.engine.events import InputEvent
    from live.store.store import Store
    s = Store.open(sys.argv[1])
    sid = s.create_session(client_codes=["C01"], simulated=False, sample_rate=48000)
    rid = s.create_run(sid, activity="entrainment", preset_name="p", preset_path=None, params={}, start_frame=0)
    s.add_batch(rid, inputs=[InputEvent(frame=10, source="midi", note=36, velocity=90, client="C01")])
    print(sid, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
    """
)


def test_sessions_of_a_killed_writer_are_marked_incomplete(url: str) -> None:
    with Store.open(url) as s:
        alive, alive_run = new_run(s)  # this process is alive: its session stays running
        done = subprocess.run([sys.executable, "-c", _KILLED_WRITER, url], capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == -9, done.stderr
        killed = done.stdout.strip()
        assert s.get_session(killed)["status"] == "running"
        assert s.close_abandoned() == [killed]
        session = s.get_session(killed)
        assert session["status"] == "incomplete" and session["runs"][0]["status"] == "incomplete"
        assert session["ended_at"] == session["last_write_at"]
        assert len(s.run_events(session["runs"][0]["id"])) == 1
        assert s.get_session(alive)["status"] == "running"
        assert s.close_abandoned() == []
        execute(url, "UPDATE session_writers SET host = 'elsewhere' WHERE session_id = :sid", sid=alive)
        assert s.close_abandoned(stale_after_s=3600) == []
        assert s.close_abandoned(stale_after_s=0) == [alive]
