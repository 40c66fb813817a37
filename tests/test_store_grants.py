"""Schema 2 additions the app relies on: "approve for this session" grants (narrow, audited,
read by gates), the reveal log, activity sparklines, per-rule call counts, and the migration
that brings a schema-1 database up to date."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from overseer.store import SCHEMA_VERSION, AlreadyDecided, StoreError, lean, open_store
from overseer.store.audit import verify
from overseer.store.db import Store
from overseer.store.grants import NoGrant, session_rules
from tests.store_support import T0, call, db, ev, sqlite_db  # noqa: F401  (fixtures)


@pytest.fixture
def store(db: str) -> Iterator[Store]:  # noqa: F811
    with open_store(db) as opened:
        yield opened


def gated(store: Store, tool: str, tool_input: dict[str, Any], session: str = "s1") -> str:
    with lean.connect(store.db) as conn:
        return lean.create_approval(
            conn, session=session, call_id="c1", agent="bot", task=None, tool=tool,
            tool_input=tool_input, rule="Bash", verdict="ask", summary="x", timeout_s=60,
        )  # fmt: skip


def test_grant_for_session_approves_and_records_the_exact_rule(store: Store) -> None:
    store.record_batch("log", 1, {}, {}, [ev("session_start", at=0, cwd="/srv/app")], [])
    approval_id = gated(store, "Bash", {"command": "psql -c 'select 1' && git status"})
    granted = store.grant_for_session(approval_id, reason="maintenance window", operator="alice")
    psql = 'Bash(exact:{"argv": ["psql", "-c", "select 1"], "cwd": "/srv/app"})'
    status = 'Bash(exact:{"argv": ["git", "status"], "cwd": "/srv/app"})'
    assert granted == f"{psql} + {status}"
    assert store.session_grants("s1") == [psql, status]
    assert store.session_grants("other") == []
    with lean.connect(store.db) as conn:
        assert lean.session_grants(conn, "s1") == store.session_grants("s1")
        decided = lean.read_approval(conn, approval_id)
        assert decided is not None and decided["status"] == "approved"
        row = conn.execute("SELECT action, rule, outcome FROM decisions").fetchone()
        assert tuple(row) == ("approve_for_session", granted, "approved")
        assert verify(conn).ok
    with pytest.raises(AlreadyDecided):
        store.grant_for_session(approval_id, reason=None, operator="bob")


def test_the_grant_never_widens_past_the_call(store: Store) -> None:
    for command in ("rm -f *.log", "echo 'unbalanced"):
        approval_id = gated(store, "Bash", {"command": command})
        with pytest.raises(StoreError, match="cannot approve for the session"):
            store.grant_for_session(approval_id, reason=None, operator="alice")
        with lean.connect(store.db) as conn:  # nothing decided, nothing granted
            assert lean.read_approval(conn, approval_id)["status"] == "pending"  # type: ignore[index]
    assert store.session_grants("s1") == []


def test_session_rules_per_tool_family() -> None:
    assert session_rules("Read", {"file_path": "src/app.py"}, "/srv") == ["Read(//srv/src/app.py)"]
    assert session_rules("WebFetch", {"url": "https://docs.example.com/a"}, None) == [
        "WebFetch(https://docs.example.com/a)"  # the exact URL, not the whole domain
    ]
    assert session_rules("mcp__github__create_issue", {"title": "x", "body": "y"}, None) == [
        "mcp__github__create_issue"
    ]
    assert session_rules("exec_command", {"cmd": ["bash", "-lc", "make test"]}, "/srv") == [
        'exec_command(exact:{"argv": ["make", "test"], "cwd": "/srv"})'
    ]
    for tool, tool_input, cwd in (
        ("Read", {"file_path": "relative.txt"}, None),
        ("Read", {"file_path": "/etc/*.conf"}, None),
        ("WebFetch", {"url": "not a url"}, None),
        ("WebFetch", {"url": "https://docs.example.com/a?b"}, None),  # '?' is a glob character
        ("WebFetch", {"url": "https://evil.net\\@docs.example.com/"}, None),  # ambiguous
        ("Grep", {"pattern": "a*b"}, None),
        ("Bash", {}, None),
    ):
        with pytest.raises(NoGrant):
            session_rules(tool, tool_input, cwd)


def test_reveals_are_logged_and_append_only(store: Store) -> None:
    store.record_reveal("s1", "c1", operator="alice")
    with lean.connect(store.db) as conn:
        rows = conn.execute("SELECT operator, session, call_id FROM reveals").fetchall()
        assert [tuple(r) for r in rows] == [("alice", "s1", "c1")]
        with pytest.raises(Exception, match="append-only"):
            conn.execute("DELETE FROM reveals")


def test_activity_buckets(store: Store) -> None:
    events = [call(f"c{i}", at) for i, at in enumerate([0, 5, 61, 62, 63, 179, 180, 500])]
    store.record_batch("log", 1, {}, {}, events, [])
    until = T0 + timedelta(seconds=180)
    assert store.activity("s1", until=until, buckets=3, bucket_s=60) == [1, 3, 2]
    assert store.activity("s1", until=until, buckets=0) == []
    assert store.activity("nobody", until=until, buckets=2, bucket_s=60) == [0, 0]


def test_call_counts(store: Store) -> None:
    events = [
        call("c1", 1, verdict="allow", rule="Read"),
        call("c2", 2, verdict="allow", rule="Read"),
        call("c3", 3, tool="Read", verdict="allow", rule="Read"),
        call("c4", 4, verdict="ask", rule=None),
    ]
    store.record_batch("log", 1, {}, {}, events, [])
    assert store.call_counts("s1") == [
        ("Bash", "allow", "Read", 2),
        ("Bash", "ask", None, 1),
        ("Read", "allow", "Read", 1),
    ]


def test_schema_1_database_is_migrated(sqlite_db: str) -> None:  # noqa: F811
    open_store(sqlite_db).close()
    with sqlite3.connect(sqlite_db) as raw:  # make it look like a schema-1 database
        for table in ("grants", "reveals"):
            raw.execute(f"DROP TABLE {table}")
        raw.execute("DROP INDEX ux_events_call")
        raw.execute(
            "CREATE UNIQUE INDEX ux_events_call ON events (session, kind, call_id)"
            " WHERE call_id IS NOT NULL AND kind IN ('tool_call', 'tool_result')"
        )
        raw.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    with lean.connect(sqlite_db) as conn:  # the hook path migrates too (through the store)
        assert lean.session_grants(conn, "s1") == []
    with open_store(sqlite_db) as store:
        assert store.schema_version() == SCHEMA_VERSION
        store.record_reveal("s1", None, operator="a")
    with sqlite3.connect(sqlite_db) as raw:
        (index_sql,) = raw.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'ux_events_call'"
        ).fetchone()
    assert "WHERE" not in index_sql  # 2 → 3: no longer partial


def test_a_shell_grant_covers_the_exact_command_prefixes_and_directory() -> None:
    """Approving ``git push origin main`` for the session must not also approve it with an
    environment prefix that changes what runs, nor in another directory."""
    from overseer.policy.rules import CallContext, Rule
    from overseer.policy.scope import Scope, evaluate

    scope = Scope.parse(ask=["Bash(git push:*)"])
    grants = [Rule(r) for r in session_rules("Bash", {"command": "git push origin main"}, "/srv")]
    here, there = CallContext("/srv", "/home/op"), CallContext("/tmp", "/home/op")

    def verdict(command: str, ctx: CallContext) -> str:
        return evaluate(scope, "Bash", {"command": command}, ctx, grants).effective

    assert verdict("git push origin main", here) == "allow"
    assert verdict("GIT_SSH_COMMAND='sh -c id' git push origin main", here) == "ask"
    assert verdict("git push origin main", there) == "ask"
    assert verdict("git push origin main --force", here) == "ask"
    with pytest.raises(NoGrant):  # a prefix that changes what runs is never granted blind
        session_rules("Bash", {"command": "git push origin main > /etc/x"}, "/srv")


def test_shell_grants_compare_argv_word_by_word() -> None:
    """A grant names argv, prefixes and directory; no two commands share them, whatever the
    text their words join to (issue 13)."""
    from overseer.policy.rules import CallContext, Rule
    from overseer.policy.scope import Scope, evaluate

    scope = Scope.parse(allow=[], deny=[], ask=["Bash(git push:*)"])
    here = CallContext(cwd="/srv/app")

    def judged(grants: list[str], command: str, ctx: CallContext = here) -> str:
        rules = [Rule(g) for g in grants]
        return evaluate(scope, "Bash", {"command": command}, ctx, session_grants=rules).effective

    exact = session_rules("Bash", {"command": "A='x y' git push origin main"}, "/srv/app")
    assert exact == [
        'Bash(exact:{"argv": ["git", "push", "origin", "main"], "cwd": "/srv/app", '
        '"env": [["A", "x y"]]})'
    ]
    assert judged(exact, "A=x\\ y git push origin main") == "allow"
    for other in ("A=x git push origin main", "'A=x y' git push origin main", "A=$x git push"):
        assert judged(exact, other) == "ask", other
    assert judged(exact, "A='x y' git push origin main", CallContext(cwd="/srv")) == "ask"
    # the first form (words joined by spaces) matches nothing; a plain grant only one argv
    legacy = 'Bash(exact:{"command": "git push origin main", "cwd": "/srv/app"})'
    assert judged([legacy], "git push origin main") == "ask"
    plain = "Bash(git push origin main --force)"
    assert judged([plain], "git push origin main --force") == "allow"
    for other in ("git push origin 'main --force'", "git push origin main --force ''"):
        assert judged([plain], other) == "ask", other
    with pytest.raises(NoGrant, match="directory is unknown"):
        session_rules("Bash", {"command": "git push origin main"}, None)
