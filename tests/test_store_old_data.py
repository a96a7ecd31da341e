"""Old data kept: a store made by live before issue 11 (schema version 4, tests/data/pre_i11,
made by its make_store.py with the code of tag pre-i11) opens with this live, migrates, and
exports CSV, JSON and FHIR with the same contents as that live exported then, on SQLite and on
PostgreSQL (the same rows loaded through the version-4 layout into a server the test starts)."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest
import sqlalchemy
from schemautil import copy_rows, layout

from live.store.exports import export_session
from live.store.migrations import tables_of
from live.store.schema import SCHEMA_VERSION
from live.store.store import Store

DATA = Path(__file__).parent / "data" / "pre_i11"
SESSIONS = json.loads((DATA / "sessions.json").read_text())["sessions"]
ENDINGS = {"csv": ".csv.zip", "json": ".json", "fhir": ".fhir.json"}


def _old_copy(tmp_path: Path) -> Path:
    path = tmp_path / "old.db"
    shutil.copyfile(DATA / "store.db", path)
    path.chmod(0o600)
    return path


def test_the_version_4_layout_kept_here_is_the_one_live_wrote_before_issue_11(tmp_path: Path) -> None:
    made = tmp_path / "v4.db"
    engine = sqlalchemy.create_engine(f"sqlite:///{made}")
    with engine.begin() as conn:
        from live.store.migrations import create_schema

        create_schema(conn, 4)
    engine.dispose()
    assert layout(str(made)) == layout(str(DATA / "store.db"))


@pytest.fixture(params=["sqlite", "postgresql"])
def old_store_url(request, tmp_path: Path) -> str:
    """The store made before issue 11: a copy of the SQLite file, or its rows in PostgreSQL."""
    path = _old_copy(tmp_path)
    if request.param == "sqlite":
        return str(path)
    url = request.getfixturevalue("pg_server").new_database()
    copy_rows(str(path), url, 4)
    return url


def _schema_version(url: str) -> str:
    engine = sqlalchemy.create_engine(url if "://" in url else f"sqlite:///{url}")
    try:
        with engine.connect() as conn:
            return conn.execute(sqlalchemy.text("SELECT value FROM meta WHERE key = 'schema_version'")).scalar()
    finally:
        engine.dispose()


def _same_csv_zip(made: Path, old: Path) -> None:
    with zipfile.ZipFile(made) as a, zipfile.ZipFile(old) as b:
        assert a.namelist() == b.namelist()
        for name in b.namelist():
            if name == "README.txt":
                # what each column means, as written today: it grows as activities add fields
                # (call-and-response's per-trial rows); every data file must be byte for byte the same
                assert a.read(name).startswith(b.read(name)[:200]), name
                continue
            assert a.read(name) == b.read(name), name


def test_a_store_made_before_issue_11_migrates_and_exports_as_it_did(old_store_url: str, tmp_path: Path) -> None:
    assert _schema_version(old_store_url) == "4"
    with Store.open(old_store_url) as store:
        assert [s["id"] for s in store.list_sessions()] == sorted(
            SESSIONS, key=lambda sid: store.get_session(sid)["started_at"])
        for sid in SESSIONS:
            for fmt, ending in ENDINGS.items():
                made, _ = export_session(store, sid, fmt, out=tmp_path / f"{sid[:8]}{ending}")
                old = DATA / "exports" / f"{sid[:8]}{ending}"
                if fmt == "csv":
                    _same_csv_zip(made, old)
                else:
                    assert json.loads(made.read_bytes()) == json.loads(old.read_bytes()), (sid, fmt)
    assert _schema_version(old_store_url) == str(SCHEMA_VERSION)


def test_the_migrated_store_reads_its_responses_as_generic_ones(old_store_url: str) -> None:
    with Store.open(old_store_url) as store:
        live_like = store.get_session(SESSIONS[2])
        first, second = live_like["runs"]
        responses = store.run_responses(first["id"])
        matched = [r for r in responses if r["target_index"] is not None]
        assert len(responses) == 8 and len(matched) == 7
        assert {r["target_kind"] for r in matched} == {"beat"}
        assert all(r["error_ms"] == 1000.0 * (r["frame"] - r["target_frame"]) / 48_000 for r in matched)
        unmatched = [r for r in responses if r["target_index"] is None]
        assert [(r["target_kind"], r["target_frame"], r["error_ms"], r["extra"]) for r in unmatched] == [
            (None, None, None, {})]
        assert [s["cue_index"] for s in store.run_events(second["id"], kind="sound")] == [0, 1, 2]
        assert store.run_trials(first["id"]) == []
        assert store.run_summary(first["id"])["matched"] == 7.0
        # it goes on taking sessions of the new layout
        sid = store.create_session(client_codes=["C-014"], simulated=True, sample_rate=48_000)
        run = store.create_run(sid, activity="entrainment", preset_name="p", preset_path=None, params={},
                               start_frame=0)
        store.close_run(run, summary={"key": "F# minor", "n": 3}, final_responses=[], end_frame=10)
        assert store.run_summary(run) == {"key": "F# minor", "n": 3.0}
