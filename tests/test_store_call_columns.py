"""What a tool call row holds for the review since schema 6 (issue 16): ``result_status``, the
status its result gives it, and ``label``, a shell call's action label. Both must always say
what the join and the input would: whichever of a call and its result is stored first, in one
batch or two, seen twice (hook and transcript, a file read again), on SQLite and PostgreSQL;
and a store made by the previous version gains them when it is opened.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from overseer.labels import call_label, shell_input
from overseer.report.gather import ReviewQuery
from overseer.store import SCHEMA_VERSION, open_store
from overseer.store.db import Store, call_label_of
from tests.store_support import (  # noqa: F401  (db: fixture)
    call,
    db,
    flag,
    fresh_pg_database,
    result,
)

from .test_report_aggregate import assert_same_review

V5_DUMP = Path(__file__).parent / "data" / "store-v5.sql"

#: The status of each call as the timeline reads it (the join), beside the stored one.
_JOINED = sa.text(
    "SELECT c.call_id, c.result_status,"
    " CASE WHEN r.id IS NULL THEN NULL WHEN r.status IS NOT NULL AND r.status != ''"
    " THEN r.status WHEN r.is_error THEN 'error' ELSE 'ok' END"
    " FROM events c LEFT JOIN events r ON r.session = c.session AND r.kind = 'tool_result'"
    " AND r.call_id = c.call_id WHERE c.kind = 'tool_call' ORDER BY c.session, c.call_id"
)


@pytest.fixture
def store(db: str) -> Iterator[Store]:  # noqa: F811
    with open_store(db) as opened:
        yield opened


def stored_and_joined(store: Store) -> list[tuple[Any, Any, Any]]:
    with store.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(_JOINED)]


def batch(store: Store, events: list[Any], source: str = "log-a") -> None:
    store.record_batch(source, 1, {}, {}, events, [])


def test_result_status_whichever_arrives_first(store: Store) -> None:
    batch(store, [call("c1", 1), result("c1", 2, is_error=True)])  # both in one batch
    batch(store, [call("c2", 3)])  # the result comes in the next batch
    batch(store, [result("c2", 4, status="rejected")])
    batch(store, [result("c3", 6, status="interrupted")])  # the result before its call
    batch(store, [call("c3", 5)])
    batch(store, [result("c4", 8), call("c4", 7)])  # reversed inside one batch
    batch(store, [call("c5", 9)])  # no result yet
    rows = stored_and_joined(store)
    assert rows == [
        ("c1", "error", "error"),
        ("c2", "rejected", "rejected"),
        ("c3", "interrupted", "interrupted"),
        ("c4", "ok", "ok"),
        ("c5", None, None),
    ]


def test_result_status_when_rows_are_seen_twice(store: Store) -> None:
    """The hook's copy and the transcript's, and a file read again: the first result stored
    is the call's result, and a duplicate (ignored) never lends the call its status."""
    batch(store, [result("c1", 2, status="blocked")], source="hook")
    batch(store, [call("c1", 1), result("c1", 2, status="ok")], source="transcript")
    batch(store, [call("c2", 3)], source="hook")
    batch(store, [call("c2", 3), result("c2", 4, is_error=True)], source="transcript")
    batch(store, [call("c3", 5), result("c3", 6)], source="transcript")
    batch(store, [call("c3", 5), result("c3", 6, is_error=True), call("c4", 7)], source="again")
    batch(store, [call("c5", 9), call("c5", 9), result("c5", 10, status="interrupted")])
    rows = stored_and_joined(store)
    assert rows == [
        ("c1", "blocked", "blocked"),
        ("c2", "error", "error"),
        ("c3", "ok", "ok"),
        ("c4", None, None),
        ("c5", "interrupted", "interrupted"),
    ]
    [session] = store.list_sessions()
    assert (session.tool_calls, session.events) == (5, 9)  # counted once each


def test_label_is_the_reviews_label_of_the_stored_input(store: Store) -> None:
    inputs: list[tuple[str, Any]] = [
        ("Bash", {"command": "git push origin main"}),
        ("Bash", {"command": "cd src && pytest -q"}),
        ("exec_command", {"cmd": ["git", "status"]}),
        ("Bash", {}),  # an empty object: the tool's family, counted as judged
        ("Bash", {"description": "no command"}),  # names no command: unjudged, NULL
        ("Bash", {"command": "x" * 5000}),  # too long to parse: unjudged, NULL
        ("Bash", ["not", "an", "object"]),
        ("Read", {"file_path": "README.md"}),
    ]
    batch(store, [call(f"c{i}", i, tool=t, input=v) for i, (t, v) in enumerate(inputs)])
    with store.engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT tool, input, label FROM events WHERE kind = 'tool_call' ORDER BY id")
        ).all()
    labels = [label for _, _, label in rows]
    assert labels == [
        "Bash:git push", "Bash:pytest", "Bash:git status", "Bash", None, None, "Bash", None,
    ]  # fmt: skip
    for tool, text, label in rows:
        assert call_label_of(tool, text) == label
        if label is not None:
            assert call_label(tool, shell_input(tool, text)) == label


def _columns_filled(store: Store) -> None:
    rows = stored_and_joined(store)
    assert rows and all(stored == joined for _, stored, joined in rows)
    with store.engine.connect() as conn:
        calls = conn.execute(
            sa.text("SELECT tool, input, label FROM events WHERE kind = 'tool_call'")
        ).all()
    assert any(label for _, _, label in calls)
    assert all(call_label_of(tool, text) == label for tool, text, label in calls)


def test_a_schema_5_store_is_migrated(tmp_path: Path) -> None:
    """``tests/data/store-v5.sql``: the bundled fixtures ingested, with gate activity, by the
    previous version (schema 5), dumped as SQL. Opened now, it gains both columns, filled,
    the review's indexes, and reviews as it reads call by call."""
    path = tmp_path / "overseer.db"
    with sqlite3.connect(path) as raw:
        raw.executescript(V5_DUMP.read_text())
        assert raw.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (
            "5",
        )
        assert "result_status" not in {r[1] for r in raw.execute("PRAGMA table_info(events)")}
    raw.close()
    with open_store(str(path)) as store:
        assert store.schema_version() == SCHEMA_VERSION == 8
        _columns_filled(store)
        indexes = {i["name"] for i in sa.inspect(store.engine).get_indexes("events")}
        assert {
            "ix_events_calls", "ix_events_sequence", "ix_events_flagged", "ix_events_activity"
        } <= indexes  # fmt: skip
    assert_same_review(str(path), ReviewQuery())


@pytest.mark.postgres
def test_a_schema_5_store_is_migrated_on_postgres() -> None:
    """The same on PostgreSQL: a store brought back to schema 5 (the columns and indexes
    dropped), opened again."""
    for url in fresh_pg_database(with_schema=True):
        with open_store(url) as store:
            batch(store, [call("c1", 1, input={"command": "git push"}), result("c1", 2)])
            batch(store, [call("c2", 3, input={"command": "ls -la"})])
            batch(store, [result("c2", 4, status="rejected"), call("c3", 5, tool="Read")])
            with store.engine.begin() as conn:
                for index in (
                    "ix_events_calls", "ix_events_sequence", "ix_events_flagged",
                    "ix_events_activity",
                ):  # fmt: skip
                    conn.exec_driver_sql(f"DROP INDEX {index}")
                for column in ("result_status", "label"):
                    conn.exec_driver_sql(f"ALTER TABLE events DROP COLUMN {column}")
                conn.exec_driver_sql("UPDATE meta SET value = '5' WHERE key = 'schema_version'")
        with open_store(url) as store:
            assert store.schema_version() == SCHEMA_VERSION
            _columns_filled(store)
            assert stored_and_joined(store) == [
                ("c1", "ok", "ok"), ("c2", "rejected", "rejected"), ("c3", None, None),
            ]  # fmt: skip
        assert_same_review(url, ReviewQuery())


def _plan(store: Store, stmt: Any) -> str:
    compiled = stmt.compile(dialect=store.engine.dialect, compile_kwargs={"literal_binds": True})
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}").all()
    return " | ".join(str(row[-1]) for row in rows)


@pytest.mark.parametrize(
    "query", [ReviewQuery(), ReviewQuery(agent="claude-dev"), ReviewQuery(session="s1")]
)
def test_the_reviews_reads_are_index_only(tmp_path: Path, query: ReviewQuery) -> None:
    """On SQLite the review's call groups are read from their index in its order (no sort,
    no table row), its sequences likewise, and its flagged rows from their partial index."""
    from overseer.report.aggregate import (
        _CALL_GROUPS,
        Window,
        _Sql,
        flag_statement,
        group_statement,
        sequence_statement,
        session_filter,
        whole_sessions,
    )
    from overseer.report.gather import session_conditions

    with open_store(str(tmp_path / "overseer.db")) as store:
        events = [
            call(f"c{i}", i, session=f"s{i % 7}", input={"command": "ls"}) for i in range(300)
        ]
        events += [result(f"c{i}", i + 0.5, session=f"s{i % 7}") for i in range(300)]
        events[5] = call("c5", 5, session="s5", flags=[flag("security")])
        batch(store, events)
        with store.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")  # as a store of some size has been (the bench's)
        window = Window(query.since, query.until, session_filter(session_conditions(query)))
        with store.engine.connect() as conn:
            groups = _plan(store, group_statement(_Sql(conn), window))
            pending = _plan(
                store,
                group_statement(
                    _Sql(conn),
                    window,
                    lambda c: [
                        c.c.result_status.is_(None),
                        c.c.call_id.is_not(None),
                        c.c.session.in_(whole_sessions(window, pending=True)),
                    ],
                ),
            )
        g = _CALL_GROUPS.c
        kept = _plan(
            store, sa.select(g.session, g.calls).where(g.session.in_(whole_sessions(window)))
        )
        sequence = _plan(store, sequence_statement(window))
        flagged = _plan(store, flag_statement(window))
    assert "COVERING INDEX ix_events_calls" in groups and "TEMP B-TREE" not in groups, groups
    assert "session_calls" in pending, pending  # the sessions with calls waiting, only
    assert "call_groups" in kept and "ix_events" not in kept, kept  # no call read
    assert "COVERING INDEX ix_events_sequence" in sequence, sequence
    assert "TEMP B-TREE" not in sequence, sequence
    assert "ix_events_flagged" in flagged and "TEMP B-TREE" not in flagged, flagged
