"""Whose session it is, once known, stays (issue 15, bug 2): ingesting a hooked session's
transcript, or tailing it before the hook's first call, must not relabel the session the
hook attributed (its installed ``--agent``) as ``unknown``, nor judge its calls unscoped.

The hook runs as a real subprocess and the transcript goes through the real ``overseer
ingest`` (the same ``record_batch`` writes ``overseer watch``'s tailer makes); the store-level
rule is also checked on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from overseer.store import open_store
from overseer.store.db import Store
from tests.store_support import call, db, ev  # noqa: F401  (db: fixture)

#: No ``match`` rule: only the hook's installed ``--agent`` attributes the session, so an
#: ingest of its transcript alone resolves it as ``unknown``.
CONFIG = """
[agents.builder]
owner = "builds@example.com"
autonomy = "autonomous"
default_task = "compile"

[agents.builder.tasks.compile]
allow = ["Bash(ls:*)"]
default = "ask"
"""
SESSION = "0c5e2f6a-8d1b-4f3e-9a7c-2b6d4e8f1a03"
CWD = "/srv/elsewhere"


class World:
    """A config, a store, the hook as Claude Code runs it, and a transcript it wrote."""

    def __init__(self, tmp: Path) -> None:
        self.config = tmp / "config.toml"
        self.config.write_text(CONFIG)
        self.db = str(tmp / "store.db")
        self.transcript = tmp / "projects" / "-srv-elsewhere" / f"{SESSION}.jsonl"
        self.transcript.parent.mkdir(parents=True)
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("OVERSEER_")}

    def hook(self, command: str, call_id: str) -> dict[str, Any]:
        payload = {
            "session_id": SESSION, "transcript_path": str(self.transcript), "cwd": CWD,
            "hook_event_name": "PreToolUse", "tool_name": "Bash",
            "tool_input": {"command": command}, "tool_use_id": call_id,
        }  # fmt: skip
        done = subprocess.run(
            [sys.executable, "-m", "overseer", "hook", "claude-code", "--config",
             str(self.config), "--db", self.db, "--agent", "builder", "--task", "compile"],
            input=json.dumps(payload), capture_output=True, text=True, env=self.env, timeout=60,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return dict(json.loads(done.stdout))

    def write(self, *records: dict[str, Any]) -> None:
        with self.transcript.open("a") as fh:
            for n, body in enumerate(records):
                record = {
                    "type": body.pop("type"), "sessionId": SESSION, "cwd": CWD,
                    "timestamp": f"2026-12-03T08:00:{len(self.lines()) + n:02d}Z", **body,
                }  # fmt: skip
                fh.write(json.dumps(record) + "\n")

    def lines(self) -> list[str]:
        return self.transcript.read_text().splitlines() if self.transcript.exists() else []

    def ingest(self) -> dict[str, Any]:
        done = subprocess.run(
            [sys.executable, "-m", "overseer", "ingest", "--db", self.db, "--config",
             str(self.config), "--json", str(self.transcript)],
            capture_output=True, text=True, env=self.env, timeout=60,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return dict(json.loads(done.stdout))

    def query(self, sql: str, *args: Any) -> list[sqlite3.Row]:
        with sqlite3.connect(self.db) as conn:
            conn.row_factory = sqlite3.Row
            return list(conn.execute(sql, args))


def _tool_use(call_id: str, command: str) -> dict[str, Any]:
    return {
        "type": "assistant",
        "message": {"role": "assistant", "content": [
            {"type": "tool_use", "id": call_id, "name": "Bash", "input": {"command": command}},
        ]},
    }  # fmt: skip


def _user(text: str) -> dict[str, Any]:
    return {"type": "user", "message": {"role": "user", "content": text}}


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path)


def test_ingest_of_a_hooked_transcript_keeps_the_hooks_owner(world: World) -> None:
    assert world.hook("ls -la", "toolu_01")["hookSpecificOutput"]["permissionDecision"] == "allow"
    world.write(_user("list it"), _tool_use("toolu_01", "ls -la"))
    stats = world.ingest()
    assert stats["problems"] == 0 and stats["tool_calls"] == 1, stats
    (session,) = world.query("SELECT agent, task FROM sessions WHERE id = ?", SESSION)
    assert (session["agent"], session["task"]) == ("builder", "compile")
    # the transcript's call is the call the gate judged: same owner, same verdict
    (row,) = world.query("SELECT agent, task, verdict, rule FROM events WHERE kind = 'tool_call'")
    assert tuple(row) == ("builder", "compile", "allow", "Bash(ls:*)")
    agents = {
        r["agent"] for r in world.query("SELECT agent FROM events WHERE session = ?", SESSION)
    }
    assert agents == {"builder"}


def test_a_transcript_tailed_before_the_hooks_first_call_takes_the_hooks_owner(
    world: World,
) -> None:
    """``overseer watch`` order: the user's prompt is in the transcript (and the store) before
    the model's first call reaches the hook."""
    world.write(_user("list it"))
    world.ingest()
    (before,) = world.query("SELECT agent FROM sessions WHERE id = ?", SESSION)
    assert before["agent"] == "unknown"  # nothing attributes it yet
    world.hook("ls -la", "toolu_01")
    (session,) = world.query("SELECT agent, task FROM sessions WHERE id = ?", SESSION)
    assert (session["agent"], session["task"]) == ("builder", "compile")
    world.write(_tool_use("toolu_01", "ls -la"))
    world.ingest()  # resumes at its offset: the next batch of the same session
    (session,) = world.query("SELECT agent, task FROM sessions WHERE id = ?", SESSION)
    assert (session["agent"], session["task"]) == ("builder", "compile")
    (row,) = world.query("SELECT agent, verdict FROM events WHERE kind = 'tool_call'")
    assert tuple(row) == ("builder", "allow")


@pytest.fixture
def store(db: str) -> Iterator[Store]:  # noqa: F811
    with open_store(db) as opened:
        yield opened


def _owner(store: Store) -> tuple[str | None, str | None]:
    (session,) = store.list_sessions()
    return session.agent, session.task


def test_a_known_owner_is_never_replaced_by_a_batch(store: Store) -> None:
    batch = store.record_batch
    batch("a", 1, {}, {}, [ev("message", at=0, agent="unknown", task=None)], [])
    assert _owner(store) == ("unknown", None)
    batch("a", 2, {}, {}, [ev("message", at=1, agent="builder", task="compile")], [])
    assert _owner(store) == ("builder", "compile")  # unknown is filled in
    batch("b", 1, {}, {}, [call("c1", 2, agent="unknown", task="other")], [])
    assert _owner(store) == ("builder", "compile")  # unknown never replaces a known label
    batch("c", 1, {}, {}, [call("c2", 3, agent="release-bot", task="release")], [])
    assert _owner(store) == ("builder", "compile")  # nor does another agent (invariant 10)
    batch("d", 1, {}, {}, [call("c3", 4, agent="builder", task="link")], [])
    assert _owner(store) == ("builder", "link")  # the same agent's task still follows the log
    assert store.session_owner("s1") == ("builder", "link")
    assert store.session_owner("nope") is None
