"""The app's store-backed data source: what it reads and what it sweeps."""

from __future__ import annotations

from pathlib import Path

from overseer.store import open_store
from overseer.tui.store_source import StoreSource
from tests.tui_support import build_store, chain


def test_abandoned_approvals_are_swept_as_timed_out(tmp_path: Path) -> None:
    """A hook killed while it waited leaves its approval behind; the console records it as
    timed out once its deadline has long passed (the fixtures' deadlines are in the past)."""
    db, config = build_store(tmp_path)
    store = open_store(db)
    try:
        live = StoreSource(store, config)
        snapshot = live.snapshot()
        assert snapshot.approvals == []
        outcomes = [r["outcome"] for r in chain(db) if r["action"] != "gate"]
        assert outcomes.count("timed_out") == 2
        assert all(r["outcome"] != "denied" for r in chain(db))  # a timeout is never a denial
    finally:
        store.close()


def test_review_never_writes(tmp_path: Path) -> None:
    db, config = build_store(tmp_path)
    before = chain(db)
    store = open_store(db)
    try:
        snapshot = StoreSource(store, config, read_only=True).snapshot()
        assert len(snapshot.approvals) == 2
    finally:
        store.close()
    assert chain(db) == before


def test_scope_view_counts_hits_and_acquired_tools(tmp_path: Path) -> None:
    db, config = build_store(tmp_path)
    store = open_store(db)
    try:
        view = StoreSource(store, config, read_only=True).scope("sup-7f3a")
    finally:
        store.close()
    assert (view.agent, view.task, view.owner) == (
        "support-agent",
        "triage",
        "support-eng@example.com",
    )
    hits = {(r.list_name, r.rule): r.hits for r in view.rules}
    assert hits[("allow", "mcp__zendesk__get_ticket")] == 1
    assert hits[("allow", "mcp__stripe__get_customer")] == 1
    assert hits[("deny", "mcp__admin__*")] == 1
    assert hits[("allow", "mcp__zendesk__search")] == 0  # provisioned, never used
    assert dict(view.acquired)["mcp__admin__impersonate_user"] == 1


def test_observed_autonomy_shows_beside_the_declared_one(tmp_path: Path) -> None:
    """A 'deterministic' agent whose sessions all differ is observed as autonomous."""
    import json

    logs = tmp_path / "logs"
    logs.mkdir()
    tools = [["Read", "Grep", "Edit"], ["Bash", "WebFetch"], ["Glob", "Write", "Bash", "Read"],
             ["TodoWrite", "Edit", "Grep"]]  # fmt: skip
    with open(logs / "bot.jsonl", "w") as fh:
        for n, sequence in enumerate(tools):
            session = f"rb-{n}"
            fh.write(json.dumps({"kind": "session_start", "session": session, "agent": "release-bot",
                                 "ts": f"2026-03-0{n + 1}T01:00:00Z", "cwd": "/srv/release/shop"}) + "\n")  # fmt: skip
            for i, tool in enumerate(sequence):
                fh.write(json.dumps({"kind": "tool_call", "session": session, "call_id": f"c{i}",
                                     "ts": f"2026-03-0{n + 1}T01:00:0{i + 1}Z", "tool": tool,
                                     "input": {"command": f"make {i}"} if tool == "Bash" else {}}) + "\n")  # fmt: skip
    db, config = build_store(tmp_path, extra_logs=[logs])
    store = open_store(db)
    try:
        source = StoreSource(store, config, read_only=True)
        source._observed_at = -1e9  # observe now rather than a few seconds after start
        rows = [r for r in source.snapshot().sessions if r.agent == "release-bot"]
    finally:
        store.close()
    assert rows and all((r.autonomy, r.observed) == ("deterministic", "autonomous") for r in rows)
