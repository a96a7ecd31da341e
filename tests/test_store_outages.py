"""Audio outages and run segments in the store (schema version 4), on SQLite and PostgreSQL:
what a session that lost its audio device and got it back stores, and a version-3 database
migrated with every row kept."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy

from live.store.migrations import create_schema
from live.store.schema import SCHEMA_VERSION
from live.store.store import Store
from test_store import db_path, tap, url  # noqa: F401  (fixtures)

RATE = 48_000


def _run(store: Store, sid: str, start_frame: int, **kw) -> int:
    return store.create_run(sid, activity="entrainment", preset_name="beat", preset_path=None,
                            params={"tempo_bpm": 100.0}, start_frame=start_frame, **kw)


def test_an_outage_and_the_resumed_segment_are_stored_on_one_timeline(url: str) -> None:  # noqa: F811
    with Store.open(url) as s:
        sid = s.create_session(client_codes=["C01"], simulated=False, sample_rate=RATE)
        first = _run(s, sid, 24_000)
        s.add_batch(first, inputs=[tap(30_000), tap(50_000)])
        lost_at = datetime(2024, 5, 1, 10, 0, 3, tzinfo=timezone.utc)
        outage = s.begin_outage(sid, start_frame=60_000, device="audio on JACK Audio Connection Kit",
                                run_id=first, started_at=lost_at)
        s.close_run(first, summary={"n_taps": 2}, final_responses=[], end_frame=60_000)
        s.end_outage(outage, end_frame=60_000 + 5 * RATE, ended_at=lost_at + timedelta(seconds=5))
        second = _run(s, sid, 60_000 + 5 * RATE + 24_000, resumes_run_id=first, outage_id=outage)
        s.add_batch(second, inputs=[tap(400_000)])
        third = _run(s, sid, 500_000, resumes_run_id=second)  # a second outage in the same run
        s.close_session(sid)

        session = s.get_session(sid)
        runs = session["runs"]
        assert [(r["id"], r["segment"], r["resumes_run_id"], r["outage_id"]) for r in runs] == [
            (first, 1, None, None), (second, 2, first, outage), (third, 3, second, None)]
        assert [r["position"] for r in runs] == [1, 2, 3]
        [o] = session["outages"]
        assert (o["id"], o["run_id"], o["start_frame"], o["end_frame"], o["device"]) == (
            outage, first, 60_000, 300_000, "audio on JACK Audio Connection Kit")
        assert o["started_at"] == lost_at and o["ended_at"] == lost_at + timedelta(seconds=5)
        frames = [e["frame"] for r in runs for e in s.run_events(r["id"], "input")]
        assert frames == [30_000, 50_000, 400_000]


def test_an_outage_the_session_ended_in_keeps_no_end(url: str) -> None:  # noqa: F811
    with Store.open(url) as s:
        sid = s.create_session(client_codes=["C01"], simulated=False, sample_rate=RATE)
        rid = _run(s, sid, 0)
        oid = s.begin_outage(sid, start_frame=10_000, device="audio", run_id=rid)
        s.close_run(rid, summary={}, final_responses=[], end_frame=10_000)
        s.close_session(sid)
        [o] = s.session_outages(sid)
        assert (o["id"], o["end_frame"], o["ended_at"]) == (oid, None, None)
        assert s.get_session(sid)["status"] == "complete"


def test_outage_writes_are_checked(url: str) -> None:  # noqa: F811
    with Store.open(url) as s:
        sid = s.create_session(client_codes=["C01"], simulated=False, sample_rate=RATE)
        other = s.create_session(client_codes=["C01"], simulated=False, sample_rate=RATE)
        rid = _run(s, sid, 0)
        elsewhere = _run(s, other, 0)
        oid = s.begin_outage(sid, start_frame=1000, device="audio")
        with pytest.raises(ValueError, match="end_frame = 999: must be >= the outage's start frame 1000"):
            s.end_outage(oid, end_frame=999)
        s.end_outage(oid, end_frame=1000)
        with pytest.raises(ValueError, match="already ended"):
            s.end_outage(oid, end_frame=2000)
        with pytest.raises(KeyError, match="no outage with id 99"):
            s.end_outage(99, end_frame=2000)
        with pytest.raises(ValueError, match="is not a run of session"):
            s.begin_outage(sid, start_frame=5, device="audio", run_id=elsewhere)
        with pytest.raises(ValueError, match="is not a run of session"):
            _run(s, sid, 0, resumes_run_id=elsewhere)
        with pytest.raises(ValueError, match="outage_id is given with resumes_run_id"):
            _run(s, sid, 0, outage_id=oid)
        assert len(s.get_session(sid)["runs"]) == 1  # the refused runs were not stored
        s.close_session(sid)
        with pytest.raises(ValueError, match="already complete"):
            s.begin_outage(sid, start_frame=5, device="audio", run_id=rid)


def test_migration_from_version_3_keeps_every_run_as_its_own_first_segment(url: str) -> None:  # noqa: F811
    engine = sqlalchemy.create_engine(url if "://" in url else f"sqlite:///{url}")
    with engine.begin() as conn:
        create_schema(conn, 3)
        conn.execute(sqlalchemy.text(
            "INSERT INTO sessions (id, started_at, status, simulated, sample_rate, app_version) "
            "VALUES ('abc123', :t, 'complete', false, 48000, '0.3')"), {"t": datetime(2024, 1, 2, 3, 4, 5)})
        conn.execute(sqlalchemy.text(
            "INSERT INTO runs (id, session_id, position, activity, preset_name, params_json, start_frame, "
            "end_frame, started_at, status) VALUES (7, 'abc123', 1, 'entrainment', 'old', '{}', 100, 900, :t, "
            "'complete')"), {"t": datetime(2024, 1, 2, 3, 4, 6)})
        conn.execute(sqlalchemy.text(
            "INSERT INTO events (run_id, kind, frame, source, note, velocity) VALUES (7, 'input', 150, 'midi', 36, 90)"))
    engine.dispose()
    with Store.open(url) as s:
        session = s.get_session("abc123")
        [run] = session["runs"]
        assert (run["id"], run["segment"], run["resumes_run_id"], run["start_frame"], run["end_frame"]) == (
            7, 1, None, 100, 900)
        assert session["outages"] == []
        assert [e["frame"] for e in s.run_events(7)] == [150]
        sid = s.create_session(client_codes=["C01"], simulated=False, sample_rate=RATE)  # writes of the current version work
        rid = _run(s, sid, 0)
        oid = s.begin_outage(sid, start_frame=10, device="audio", run_id=rid)
        _run(s, sid, 20, resumes_run_id=rid, outage_id=oid)
    engine = sqlalchemy.create_engine(url if "://" in url else f"sqlite:///{url}")
    try:
        with engine.connect() as conn:
            version = conn.execute(sqlalchemy.text("SELECT value FROM meta WHERE key = 'schema_version'")).scalar()
            assert version == str(SCHEMA_VERSION)
            assert {"outages", "run_segments"} <= set(sqlalchemy.inspect(conn).get_table_names())
    finally:
        engine.dispose()
