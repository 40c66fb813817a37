"""Ingestion batches (one transaction, exactly-once tool calls) and the queries the sessions
screen, the timeline and the problems view run. Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from overseer.model import Problem
from overseer.store import StoreError, lean, open_store
from overseer.store.db import OUTPUT_CAP, Store
from tests.store_support import T0, call, db, ev, flag, result  # noqa: F401  (db: fixture)


@pytest.fixture
def store(db: str) -> Iterator[Store]:  # noqa: F811
    with open_store(db) as opened:
        yield opened


def batch(store: Store, events: list[Any], *, source: str = "log-a", offset: int = 1) -> None:
    store.record_batch(source, offset, {"open": {}}, {"inode": 7}, events, [])


def test_batch_stores_events_offset_and_problems(store: Store) -> None:
    assert store.load_offset("log-a") is None
    events = [
        ev("session_start", at=0, agent="release-bot", task="release", cwd="/srv", pid=42,
           host="build-1", source="log-a", line=1),
        call("c1", 1, input={"command": "git tag v1"}, verdict="allow", rule="Bash(git tag:*)",
             input_display="git tag v1", summary="Bash git tag v1", source="log-a", line=2),
        result("c1", 2, status="ok", source="log-a", line=3),
        ev("message", at=3, role="assistant", text="done", summary="done"),
    ]  # fmt: skip
    store.record_batch(
        "log-a", 4096, {"pending": {"c9": 1}}, {"inode": 7, "dev": 1}, events,
        [Problem("log-a", 9, "not JSON", excerpt="{oops")],
    )  # fmt: skip
    assert store.load_offset("log-a") == (4096, {"pending": {"c9": 1}}, {"inode": 7, "dev": 1})
    rows = store.session_events("s1")
    assert [r["kind"] for r in rows] == ["session_start", "tool_call", "tool_result", "message"]
    stored_call = rows[1]
    assert stored_call["input"] == {"command": "git tag v1"}
    assert (stored_call["verdict"], stored_call["rule"]) == ("allow", "Bash(git tag:*)")
    assert (stored_call["source"], stored_call["line"]) == ("log-a", 2)
    assert stored_call["ts"] == T0.replace(second=1)
    assert rows[3]["text"] == "done" and rows[3]["role"] == "assistant"
    [problem] = store.problems()
    assert (problem.source, problem.line, problem.reason, problem.excerpt) == (
        "log-a", 9, "not JSON", "{oops",
    )  # fmt: skip
    assert store.count_problems() == 1
    [session] = store.list_sessions()
    assert (session.agent, session.task, session.cwd, session.pid, session.host) == (
        "release-bot", "release", "/srv", 42, "build-1",
    )  # fmt: skip
    assert session.status == "live" and session.started_at == T0


def test_offsets_found_by_file_and_moved_to_new_names(store: Store) -> None:
    ident = {"dev": 3, "ino": 12, "head_len": 10, "head_hash": "ab"}
    older = {**ident, "ino": 11}
    store.record_batch("/logs/a.jsonl", 100, {"line": 4}, ident, [], [])
    store.record_batch("/logs/a.jsonl.1", 70, {"line": 2}, older, [], [])
    store.record_batch("/logs/b.jsonl", 50, {}, {**ident, "ino": 123}, [], [])
    store.record_batch("/logs/c.jsonl", 50, {}, {**ident, "dev": 4}, [], [])
    assert store.offsets_of_file(3, 12) == [("/logs/a.jsonl", ident)]  # not ino 123, not dev 4
    assert store.offsets_of_file(3, 99) == []
    # a rotation: a.jsonl.1 → a.jsonl.2 and a.jsonl → a.jsonl.1, in one go
    moves = {"/logs/a.jsonl.2": "/logs/a.jsonl.1", "/logs/a.jsonl.1": "/logs/a.jsonl"}
    assert store.reassign_offsets(moves) == 2
    assert store.load_offset("/logs/a.jsonl") is None
    assert store.load_offset("/logs/a.jsonl.1") == (100, {"line": 4}, ident)
    assert store.load_offset("/logs/a.jsonl.2") == (70, {"line": 2}, older)
    assert store.reassign_offsets({"/logs/z.jsonl": "/logs/gone.jsonl"}) == 0
    assert store.load_offset("/logs/b.jsonl") == (50, {}, {**ident, "ino": 123})


def test_the_data_marker_moves_with_events_problems_and_decisions(store: Store) -> None:
    empty = store.data_marker()
    assert empty == (0, 0, 0, 0)
    store.record_batch("log-a", 10, {}, {}, [ev("session_start", at=0)], [])
    after_event = store.data_marker()
    assert after_event == (1, 0, 0, 0)
    store.record_batch("log-a", 20, {}, {}, [call("c1", 1)], [Problem("log-a", 3, "not JSON")])
    assert store.data_marker()[::2] == (2, 1)
    store.record_batch("log-b", 20, {}, {}, [call("c1", 1)], [])  # a duplicate: nothing new
    assert store.data_marker()[0] == 2
    store.record_batch("log-a", 30, {}, {}, [], [])  # an offset alone changes nothing shown
    before = store.data_marker()
    assert before == store.data_marker()
    with store.lean() as conn:
        lean.append_decision(
            conn, outcome="auto_allowed", action="gate", operator="t", session="s1"
        )
    assert store.data_marker()[1] == before[1] + 1


def test_same_call_from_hook_and_transcript_is_stored_once(store: Store) -> None:
    hook_copy = [call("c1", 1, source="hook"), result("c1", 2, source="hook")]
    transcript = [
        ev("session_start", at=0, source="transcript"),
        call("c1", 1, source="transcript"),
        call("c2", 3, source="transcript"),
        result("c1", 2, source="transcript"),
    ]
    batch(store, hook_copy, source="hook")
    batch(store, transcript, source="transcript")
    kinds = [(r["kind"], r["call_id"], r["source"]) for r in store.session_events("s1")]
    assert kinds == [
        ("session_start", None, "transcript"),
        ("tool_call", "c1", "hook"),
        ("tool_result", "c1", "hook"),
        ("tool_call", "c2", "transcript"),
    ]
    [session] = store.list_sessions()
    assert session.tool_calls == 2 == store.count_calls("s1")
    assert session.events == 4


def test_duplicates_inside_one_batch(store: Store) -> None:
    batch(store, [call("c1", 1), call("c1", 1), result("c1", 2), result("c1", 2)])
    assert store.count_calls("s1") == 1
    [session] = store.list_sessions()
    assert (session.events, session.tool_calls) == (2, 1)


def test_session_counters_flags_and_last_tool(store: Store) -> None:
    batch(store, [
        ev("session_start", at=0, agent="a"),
        call("c1", 1, tool="Read", flags=[flag("security", "secret_read")]),
        call("c2", 5, tool="Bash", flags=[flag("safety", "destructive"), flag("safety", "burst")]),
        result("c1", 2),
    ])  # fmt: skip
    batch(store, [call("c3", 3, tool="Write")], source="log-b")  # older than c2
    [session] = store.list_sessions()
    assert session.events == 5 and session.tool_calls == 3
    assert session.flags == {"safety": 2, "security": 1}
    assert session.last_tool == "Bash" and session.last_tool_at == T0.replace(second=5)
    assert session.last_event_at == T0.replace(second=5)


def test_session_end_and_kill_status(store: Store) -> None:
    batch(store, [ev("session_start", at=0), ev("session_end", at=9, reason="done")])
    [ended] = store.list_sessions()
    assert ended.status == "ended" and ended.end_reason == "done"
    assert ended.ended_at == T0.replace(second=9)
    batch(store, [ev("session_start", "s2", at=0)], source="b")
    store.kill_session("s2", operator="oncall", reason="runaway")
    batch(store, [ev("session_start", "s2", at=20), call("c1", 21, session="s2")], source="b")
    killed = store.get_session("s2")
    assert killed is not None and killed.status == "killed" and killed.killed_by == "oncall"
    assert store.get_session("missing") is None


def test_list_sessions_filters_and_order(store: Store) -> None:
    for i, agent in enumerate(["a", "b", "a"]):
        batch(store, [ev("session_start", f"s{i}", at=i, agent=agent)], source=f"src{i}")
    assert [s.id for s in store.list_sessions()] == ["s2", "s1", "s0"]
    assert [s.id for s in store.list_sessions(agent="a")] == ["s2", "s0"]
    assert [s.id for s in store.list_sessions(limit=1, offset=1)] == ["s1"]
    # T0 is long ago: every live session is idle for a 60 s threshold.
    assert {s.status for s in store.list_sessions(idle_after=60)} == {"idle"}
    assert len(store.list_sessions(status="idle", idle_after=60)) == 3
    assert store.list_sessions(status="live", idle_after=60) == []
    assert store.count_sessions() == 3


def test_pending_approvals_counted_per_session(store: Store) -> None:
    batch(store, [ev("session_start", at=0), call("c1", 1)])
    with lean.connect(store.db) as conn:
        for call_id in ("c1", "c2"):
            lean.create_approval(
                conn, session="s1", call_id=call_id, agent=None, task=None, tool="Bash",
                tool_input={"command": "x"}, rule=None, verdict="ask", summary="x", timeout_s=60,
            )  # fmt: skip
    [session] = store.list_sessions()
    assert session.pending_approvals == 2
    assert store.get_session("s1").pending_approvals == 2  # type: ignore[union-attr]


def test_timeline_pairs_results_and_pages(store: Store) -> None:
    events: list[Any] = [ev("session_start", at=0)]
    for i in range(250):
        events.append(call(f"c{i:03d}", 1 + i))
        if i % 2 == 0:
            events.append(result(f"c{i:03d}", 1.5 + i, is_error=i % 4 == 0,
                                 status="error" if i % 4 == 0 else "ok"))  # fmt: skip
    batch(store, events)
    assert store.count_calls("s1") == 250
    page = store.timeline("s1", offset=0, limit=100)
    assert [c.call_id for c in page] == [f"c{i:03d}" for i in range(100)]
    assert [c.status for c in page[:4]] == ["error", "pending", "ok", "pending"]
    assert page[2].output_display == "out c002" and page[2].result_event_id is not None
    assert page[1].result_event_id is None and page[1].output_display == ""
    last = store.timeline("s1", offset=200, limit=100)
    assert len(last) == 50 and last[-1].call_id == "c249"
    assert store.timeline("s1", offset=250) == []
    seen, cursor = [], None
    while page := store.timeline("s1", limit=64, after=cursor):  # keyset paging
        seen += [c.call_id for c in page]
        cursor = (page[-1].ts, page[-1].event_id)  # type: ignore[assignment]
    assert seen == [f"c{i:03d}" for i in range(250)]
    lean_page = store.timeline("s1", offset=0, limit=100, displays=False)
    assert [(c.output_display, c.input_display) for c in lean_page] == [("", "")] * 100
    full = store.timeline("s1", offset=0, limit=100)
    assert [replace(c, output_display="", input_display="") for c in full] == lean_page


def test_timeline_orders_by_time_not_arrival(store: Store) -> None:
    batch(store, [call("late", 10)], source="x")
    batch(store, [call("early", 1)], source="y")
    assert [c.call_id for c in store.timeline("s1")] == ["early", "late"]


def test_timeline_shows_the_calls_approval(store: Store) -> None:
    batch(store, [call("c1", 1)])
    with lean.connect(store.db) as conn:
        approval = lean.create_approval(
            conn, session="s1", call_id="c1", agent=None, task=None, tool="Bash",
            tool_input={"command": "x"}, rule=None, verdict="ask", summary="x", timeout_s=60,
        )  # fmt: skip
        [entry] = store.timeline("s1")
        assert (entry.approval_id, entry.approval_status) == (approval, "pending")
        lean.decide(conn, approval, decision="deny", reason="no", operator="op")
    [entry] = store.timeline("s1")
    assert entry.approval_status == "denied"


def test_large_output_is_capped_and_noted(store: Store) -> None:
    big = "x" * (OUTPUT_CAP + 10)
    batch(store, [call("c1", 1), result("c1", 2, output=big)])
    stored = store.session_events("s1", kinds=["tool_result"])[0]
    assert len(stored["output"]) == OUTPUT_CAP
    assert stored["output_truncated"] is True and stored["output_chars"] == OUTPUT_CAP + 10
    assert store.timeline("s1")[0].output_truncated


def test_hostile_text_never_fails_a_batch(store: Store) -> None:
    """A lone surrogate (from a ``\\ud800`` escape) or a NUL must not stall ingestion."""
    batch(store, [
        call("c\ud800", 1, input={"command": "echo \ud800\x00"}, summary="s\ud800"),
        result("c\ud800", 2, output="a\x00b\ud83d"),
        ev("message", at=3, text="\x00\ud800"),
    ])  # fmt: skip
    assert store.count_calls("s1") == 1
    assert store.timeline("s1")[0].status == "ok"


def test_a_failed_batch_leaves_nothing_behind(store: Store) -> None:
    batch(store, [call("c1", 1)], offset=100)
    bad = call("c2", 2)
    bad.session = None  # type: ignore[assignment]
    with pytest.raises(StoreError):
        store.record_batch("log-a", 200, {}, {}, [call("c3", 3), bad], [Problem("log-a", 1, "x")])
    assert store.load_offset("log-a") == (100, {"open": {}}, {"inode": 7})
    assert store.count_calls("s1") == 1 and store.count_problems() == 0


def test_empty_batch_moves_the_offset(store: Store) -> None:
    store.record_batch("log-a", 10, {}, {}, [], [])
    store.record_batch("log-a", 20, {"a": 1}, {}, [], [])
    assert store.load_offset("log-a") == (20, {"a": 1}, {})


def test_agents_are_recorded(store: Store) -> None:
    batch(store, [ev("session_start", at=0, agent="release-bot")])
    store.upsert_agent("release-bot", owner="team@example.com", autonomy="deterministic")
    with store.engine.connect() as conn:
        import sqlalchemy as sa

        rows = conn.execute(sa.text("SELECT name, owner, autonomy FROM agents")).all()
    assert [tuple(r) for r in rows] == [("release-bot", "team@example.com", "deterministic")]


def test_watcher_wakes_on_another_writer(store: Store) -> None:
    with store.watch() as watcher:
        assert watcher.wait(0.05) is False
        with lean.connect(store.db) as conn:
            lean.append_decision(conn, outcome="auto_allowed", action="gate", operator="hook")
        assert watcher.wait(5.0) is True
        assert watcher.wait(0.05) is False
