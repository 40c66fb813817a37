"""A session that overseer stopped (``continue: false``, after ``overseer kill``) reads as
stopped from its Claude Code transcript alone (issue 15, bug 7): Claude Code exits 0 and writes
no end record, only a ``hook_stopped_continuation`` attachment, which is what these records
reproduce (shapes as Claude Code 2.1.328 wrote them, tests/e2e/test_ingest.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from overseer.engine import Engine
from overseer.model import Event, EventKind
from overseer.sources.formats import make_parser
from overseer.sources.ingest import ingest_paths
from overseer.store import open_store
from overseer.store.db import Store
from tests.store_support import db  # noqa: F401  (db: fixture)

SESSION = "d90902ba-72a4-43fb-bb18-1d7088b49aa5"
STOP = "the session was killed by alice: runaway; stop working"


def _record(kind: str, second: int, **fields: Any) -> dict[str, Any]:
    return {
        "type": kind, "sessionId": SESSION, "isSidechain": False, "cwd": "/srv/app",
        "timestamp": f"2026-12-03T07:37:{second:02d}.000Z", "version": "2.1.328", **fields,
    }  # fmt: skip


def _stopped(message: str, hook: str = "PreToolUse:Bash") -> dict[str, Any]:
    return _record(
        "attachment", 4,
        attachment={"type": "hook_stopped_continuation", "message": message, "hookName": hook,
                    "toolUseID": "toolu_02", "hookEvent": "PreToolUse"},
        rendered=[{"content": f"<system-reminder>\n{hook} hook stopped continuation: {message}"
                              "\n</system-reminder>"}],
        renderedRole="system",
    )  # fmt: skip


def transcript(stop_message: str | None) -> list[dict[str, Any]]:
    denied = f"PreToolUse:Bash hook error: {STOP}"
    records = [
        _record("user", 1, message={"role": "user", "content": "run the script"}),
        _record("attachment", 1, attachment={"type": "hook_success", "hookName": "PreToolUse"}),
        _record("assistant", 2, message={"role": "assistant", "content": [
            {"type": "tool_use", "id": "toolu_02", "name": "Bash",
             "input": {"command": "echo gated > gated.txt"}}]}),
        _record("user", 3, toolUseResult=f"Error: {denied}", message={"role": "user", "content": [
            {"type": "tool_result", "content": denied, "is_error": True,
             "tool_use_id": "toolu_02"}]}),
    ]  # fmt: skip
    if stop_message is not None:
        records.append(_stopped(stop_message))
    return records


def parse(records: list[dict[str, Any]]) -> list[Event]:
    parser = make_parser("claude_code", f"/p/{SESSION}.jsonl")
    out = [i for n, r in enumerate(records, 1) for i in parser.feed(json.dumps(r).encode(), n)]
    return [e for e in out + parser.flush() if isinstance(e, Event)]


def test_overseers_stop_ends_the_session_as_stopped_by_overseer() -> None:
    (end,) = [e for e in parse(transcript(f"overseer: {STOP}")) if e.kind is EventKind.SESSION_END]
    assert end.session == SESSION and end.reason == f"stopped by overseer: {STOP}"
    assert end.extra == {"stopped_by": "overseer", "hook": "PreToolUse:Bash", "call_id": "toolu_02"}
    assert end.summary.startswith("stopped by overseer")


def test_another_hooks_stop_is_that_hooks() -> None:
    (end,) = [e for e in parse(transcript("policy bot says no")) if e.kind is EventKind.SESSION_END]
    assert end.reason == "stopped by hook PreToolUse:Bash: policy bot says no"
    assert end.extra["stopped_by"] == "hook"


def test_no_stop_no_end() -> None:
    assert not [e for e in parse(transcript(None)) if e.kind is EventKind.SESSION_END]


@pytest.fixture
def store(db: str) -> Iterator[Store]:  # noqa: F811
    with open_store(db) as opened:
        yield opened


def _ingest(store: Store, tmp_path: Path, records: list[dict[str, Any]]) -> None:
    path = tmp_path / f"{SESSION}.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    stats = ingest_paths([str(path)], engine=Engine(), store=store)
    assert stats.problems == 0


def test_the_transcript_alone_shows_the_session_stopped_not_ended(
    store: Store, tmp_path: Path
) -> None:
    _ingest(store, tmp_path, transcript(f"overseer: {STOP}"))
    session = store.get_session(SESSION)
    assert session is not None
    assert session.status == "stopped"
    assert session.end_reason == f"stopped by overseer: {STOP}"
    assert session.ended_at is not None


def test_a_session_the_store_knows_was_killed_stays_killed(store: Store, tmp_path: Path) -> None:
    """The kill is the audit chain's; what the transcript says cannot soften it."""
    store.kill_session(SESSION, operator="alice", reason="runaway")
    _ingest(store, tmp_path, transcript(f"overseer: {STOP}"))
    session = store.get_session(SESSION)
    assert session is not None and session.status == "killed"
