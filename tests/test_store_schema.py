"""Where the store lives and how it is created: file mode, WAL, schema version, append-only
chain, the query plans behind the big screens, and the lean module's import hygiene."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import platformdirs
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from overseer.cli import cli
from overseer.store import (
    SCHEMA_VERSION,
    SchemaTooNew,
    StoreError,
    default_db_path,
    is_postgres,
    lean,
    open_store,
    resolve_db,
    sqlalchemy_url,
)
from tests.store_support import bare_db, sqlite_db  # noqa: F401  (fixtures)

EXPECTED_TABLES = {
    "meta", "agents", "sessions", "events", "approvals", "decisions", "ingest_offsets",
    "problems", "checkpoints",
}  # fmt: skip


def test_creates_every_table_and_the_version(bare_db: str) -> None:  # noqa: F811
    db = bare_db
    with open_store(db) as store:
        names = set(sa.inspect(store.engine).get_table_names())
        assert names >= EXPECTED_TABLES
        assert store.schema_version() == SCHEMA_VERSION
        indexes = {i["name"] for t in names for i in sa.inspect(store.engine).get_indexes(t)}
        for name in ("ix_approvals_status", "ix_events_timeline", "ix_sessions_agent"):
            assert name in indexes
    with open_store(db) as again:  # idempotent
        assert again.schema_version() == SCHEMA_VERSION


def test_sqlite_file_is_private_and_in_wal_mode(sqlite_db: str) -> None:  # noqa: F811
    open_store(sqlite_db).close()
    assert stat.S_IMODE(os.stat(sqlite_db).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(sqlite_db)).st_mode) == 0o700
    with sqlite3.connect(sqlite_db) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        raw.execute("CREATE TABLE IF NOT EXISTS x (a)")  # force the -wal file into being
    for suffix in ("-wal", "-shm"):
        if os.path.exists(sqlite_db + suffix):
            assert stat.S_IMODE(os.stat(sqlite_db + suffix).st_mode) == 0o600


def test_lean_connect_creates_the_store_once(sqlite_db: str) -> None:  # noqa: F811
    with lean.connect(sqlite_db) as conn:
        assert lean.pending_approvals(conn) == []
    assert stat.S_IMODE(os.stat(sqlite_db).st_mode) == 0o600


def test_read_only_commands_do_not_create_a_store(sqlite_db: str) -> None:  # noqa: F811
    with pytest.raises(StoreError, match="no overseer database"):
        lean.connect(sqlite_db, create=False)
    assert not os.path.exists(sqlite_db)
    result = CliRunner().invoke(cli, ["audit", "verify", "--db", sqlite_db])
    assert result.exit_code == 2
    assert "no overseer database" in result.stderr and "Traceback" not in result.output


def test_newer_schema_is_refused_not_touched(bare_db: str) -> None:  # noqa: F811
    db = bare_db
    with open_store(db) as store, store.engine.begin() as conn:
        conn.execute(sa.text("UPDATE meta SET value = '99' WHERE key = 'schema_version'"))
    with pytest.raises(SchemaTooNew, match="version 99 is newer"):
        open_store(db)
    with pytest.raises(SchemaTooNew):
        lean.connect(db)
    result = CliRunner().invoke(cli, ["approvals", "--db", db])
    assert result.exit_code == 2
    assert "newer than this overseer" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_foreign_sqlite_database_is_left_alone(sqlite_db: str) -> None:  # noqa: F811
    os.makedirs(os.path.dirname(sqlite_db))
    with sqlite3.connect(sqlite_db) as raw:
        raw.execute("CREATE TABLE invoices (id INTEGER)")
    with pytest.raises(StoreError, match="not an overseer database"):
        open_store(sqlite_db)
    with sqlite3.connect(sqlite_db) as raw:
        names = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert names == {"invoices"}


def test_garbage_file_is_a_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("these are not the pages you are looking for\n" * 100)
    with pytest.raises(StoreError) as err:
        open_store(str(path))
    assert "\n" not in str(err.value)
    result = CliRunner().invoke(cli, ["approvals", "--db", str(path)])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_decisions_refuse_update_and_delete(bare_db: str) -> None:  # noqa: F811
    db = bare_db
    with lean.connect(db) as conn:
        lean.append_decision(conn, outcome="auto_allowed", action="gate", operator="hook")
        for statement in ("UPDATE decisions SET reason = 'x'", "DELETE FROM decisions"):
            with pytest.raises(Exception, match="append-only"):
                conn.execute(statement)
        if conn.is_pg:
            with pytest.raises(Exception, match="append-only"):
                conn.execute("TRUNCATE decisions")
        assert conn.execute("SELECT count(*) FROM decisions").fetchone()[0] == 1


def test_where_the_database_lives(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert default_db_path() == os.path.join(platformdirs.user_data_dir("overseer"), "overseer.db")
    assert resolve_db(None) == default_db_path()
    monkeypatch.setenv("OVERSEER_DB", str(tmp_path / "env.db"))
    assert resolve_db(None) == str(tmp_path / "env.db")
    assert resolve_db("given.db") == "given.db"
    assert sqlalchemy_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert sqlalchemy_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert sqlalchemy_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    assert is_postgres("postgresql+psycopg2://u@h/db") and not is_postgres("/tmp/postgresql.db")
    with pytest.raises(StoreError, match="unsupported"):
        sqlalchemy_url("mysql://u@h/db")


def test_default_database_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    with open_store() as store:
        assert store.path == str(tmp_path / "data" / "overseer" / "overseer.db")


def test_lean_module_imports_nothing_heavy() -> None:
    """The gate hook imports overseer.store.lean before every tool call of every agent."""
    code = (
        "import sys, json; import overseer.store.lean, overseer.store.audit; "
        "print(json.dumps(sorted(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    loaded = set(json.loads(out))
    for heavy in ("sqlmodel", "sqlalchemy", "pydantic", "dataclasses", "psycopg", "platformdirs",
                  "textual", "click", "overseer.model", "overseer.store.db"):  # fmt: skip
        assert heavy not in loaded, heavy


def test_timeline_queries_use_indexes(sqlite_db: str) -> None:  # noqa: F811
    """Paging a 100k-call session must never scan it (plans, not timings): the calls come in
    order from the timeline index and each result is found through the unique call index."""
    from overseer.store.db import timeline_query

    store = open_store(sqlite_db)
    with store.engine.connect() as conn:
        compiled = timeline_query("s", offset=10, limit=50).compile(dialect=conn.dialect)
        timeline_sql = str(compiled)
        timeline_params = tuple(compiled.params[k] for k in compiled.positiontup or ())
    store.close()
    raw = sqlite3.connect(sqlite_db)
    plans: dict[str, tuple[str, tuple[object, ...]]] = {
        "timeline": (timeline_sql, timeline_params),
        "pending": (
            "SELECT id FROM approvals WHERE status = 'pending' ORDER BY created_at, id",
            (),
        ),
        "sessions": ("SELECT id FROM sessions ORDER BY last_event_at DESC, id DESC LIMIT 50", ()),
        "by_agent": (
            "SELECT id FROM sessions WHERE agent = 'a' ORDER BY last_event_at DESC, id DESC",
            (),
        ),
        "count": ("SELECT count(*) FROM events WHERE session = 's' AND kind = 'tool_call'", ()),
        "grants": ("SELECT rule FROM grants WHERE session = 's' ORDER BY id", ()),
    }
    for name, (sql, params) in plans.items():
        steps = [row[3] for row in raw.execute("EXPLAIN QUERY PLAN " + sql, params)]
        full_scans = [s for s in steps if s.startswith("SCAN") and "USING" not in s]
        assert not full_scans, (name, steps)
        assert not any("TEMP B-TREE" in s for s in steps), (name, steps)
        if name == "timeline":
            assert any("ix_events_timeline (session=? AND kind=?)" in s for s in steps), steps
            assert any("ux_events_call (session=? AND kind=? AND call_id=?)" in s for s in steps), (
                steps
            )
