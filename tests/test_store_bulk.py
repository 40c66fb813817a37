"""The store's bulk writes (issue 16): what ``record_batch`` does to write less, kept exact.

* A result's display form is not stored a second time when it is the output itself; every
  reader gets it back, and a display that differs (cut, neutralised) is stored as it is.
* On SQLite the rows go to the driver uncleaned; a batch it cannot encode (a lone surrogate
  from hostile input) is rolled back to a savepoint, cleaned and written again, all of it.
* A new SQLite store has 16 KB pages (rows with their result's text fit a B-tree cell).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from overseer.store import open_store
from overseer.store.db import Store, output_display
from overseer.untrusted import neutralise
from tests.store_support import call, db, ev, result  # noqa: F401  (db: fixture)


@pytest.fixture
def store(db: str) -> Iterator[Store]:  # noqa: F811
    with open_store(db) as s:
        yield s


def _stored(store: Store, call_id: str) -> tuple[str | None, str]:
    with store._read() as conn:
        row = conn.execute(
            sa.text(
                "SELECT output, output_display FROM events"
                " WHERE kind = 'tool_result' AND call_id = :c"
            ),
            {"c": call_id},
        ).one()
    return row[0], row[1]


def test_a_plain_output_is_stored_once_and_read_back_as_its_display(store: Store) -> None:
    text = "line one\nline two"
    store.record_batch(
        "log", 1, {}, {}, [call("c1", 1), result("c1", 2, output=text, output_display=text)], []
    )
    assert _stored(store, "c1") == (text, "")
    [row] = store.timeline("s1")
    assert row.output_display == text
    detail = store.get_event(row.result_event_id or 0)
    assert detail is not None and detail["output_display"] == text
    assert store.timeline("s1", displays=False)[0].output_display == ""


def test_a_display_unlike_the_output_is_stored_as_it_is(store: Store) -> None:
    raw = "\x1b[31mred\x1b[0m and a bell\x07"
    shown = neutralise(raw, multiline=True)
    long = "x" * 5000
    long_shown = neutralise(long, multiline=True)
    store.record_batch(
        "log", 1, {}, {},
        [
            call("c1", 1), result("c1", 2, output=raw, output_display=shown),
            call("c2", 3), result("c2", 4, output=long, output_display=long_shown),
        ],
        [],
    )  # fmt: skip
    assert _stored(store, "c1") == (raw, shown)
    assert _stored(store, "c2") == (long, long_shown)
    assert [r.output_display for r in store.timeline("s1")] == [shown, long_shown]


def test_no_stored_display_never_shows_raw_agent_text() -> None:
    """A row with no display form (another writer's) reads as its output neutralised."""
    raw = "\x1b]0;owned\x07text"
    assert output_display("", raw) == neutralise(raw, multiline=True) != raw
    assert output_display(None, None) == ""
    assert output_display("shown", raw) == "shown"


def test_a_batch_the_driver_cannot_encode_is_cleaned_and_written_whole(store: Store) -> None:
    store.record_batch("log", 1, {}, {}, [call("c0", 0)], [])
    store.record_batch(
        "log", 2, {}, {},
        [
            call("c1", 1), result("c1", 2),
            call("c2", 3, input={"command": "echo \ud800"}, summary="s\ud800"),
            result("c2", 4, output="a\ud83db", output_display="a\ud83db"),
            ev("message", at=5, text="\ud800", agent="ag\udc00ent"),
        ],
        [],
    )  # fmt: skip
    rows = store.timeline("s1")
    assert [r.call_id for r in rows] == ["c0", "c1", "c2"]
    assert [r.status for r in rows] == ["pending", "ok", "ok"]
    assert "\ud800" not in rows[2].summary
    [session] = store.list_sessions()
    assert session.events == 6 and session.tool_calls == 3
    assert store.load_offset("log") is not None and store.load_offset("log")[0] == 2  # type: ignore[index]


def test_a_new_sqlite_store_has_16k_pages(tmp_path: object) -> None:
    path = f"{tmp_path}/s/overseer.db"
    open_store(path).close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA page_size").fetchone() == (16384,)
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_a_new_batch_is_not_read_back(tmp_path: object) -> None:
    """When the driver's count says every row went in, the inserted rows are the batch's own
    (no read-back of the table); a batch with a row seen before reads back what went in."""
    statements: list[str] = []
    with open_store(f"{tmp_path}/s/overseer.db") as store:
        store.engine.dispose()

        @sa.event.listens_for(store.engine, "connect")
        def _trace(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.set_trace_callback(statements.append)

        store.record_batch("log", 1, {}, {}, [call("c1", 1), result("c1", 2)], [])
        assert not [s for s in statements if "WHERE id > " in s]
        store.record_batch("log", 2, {}, {}, [call("c1", 1), call("c2", 3)], [])
        assert [s for s in statements if "WHERE id > " in s]
        [session] = store.list_sessions()
        assert session.events == 3 and session.tool_calls == 2
