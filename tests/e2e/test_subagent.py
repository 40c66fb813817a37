"""A Claude Code sub-agent (the `Agent` tool): its own tool calls go through the same hook."""

from __future__ import annotations

import json

import pytest

from .modelserver import Turn, _flatten, text, tool
from .rig import Rig
from .test_gate import install, shell
from .test_ingest import ingest

pytestmark = pytest.mark.e2e

MARK = "E2E-SUBAGENT-TASK"


def _script(rig: Rig):  # type: ignore[no-untyped-def]
    def play(turn: Turn) -> object:
        messages = turn.body.get("messages") or []
        first = _flatten(messages[0].get("content")) if messages else ""
        if MARK in first:  # the sub-agent's own conversation
            if turn.turn == 0:
                return shell(rig, "touch allowed-by-subagent.txt")
            if turn.turn == 1:
                return shell(rig, "mkdir denied-by-subagent")
            return text("sub-agent done")
        if turn.turn == 0:
            return tool(
                "Agent",
                {"description": "e2e sub-agent", "prompt": f"{MARK}: touch a file",
                 "subagent_type": "general-purpose"},
            )  # fmt: skip
        return text("finished")

    return play


def _run(rig: Rig) -> str:
    install(rig)
    run = rig.run(_script(rig))
    assert run.returncode == 0, run.describe()
    assert (rig.project / "allowed-by-subagent.txt").exists(), run.describe()
    assert not (rig.project / "denied-by-subagent").exists(), run.describe()
    assert "denied by overseer: deny rule Bash(mkdir:*)" in run.result_text(), run.describe()
    rows = rig.query("SELECT session, tool, outcome FROM decisions ORDER BY seq")
    assert [(r["tool"], r["outcome"]) for r in rows] == [
        ("Agent", "auto_allowed"),
        ("Bash", "auto_allowed"),
        ("Bash", "policy_denied"),
    ], [dict(r) for r in rows]
    # Claude Code sends the sub-agent's calls with the parent's session_id
    assert len({r["session"] for r in rows}) == 1
    return str(rows[0]["session"])


def test_subagent_calls_are_gated(claude_rig: Rig) -> None:
    _run(claude_rig)
    stats = ingest(claude_rig)
    assert stats["problems"] == 0, stats


def test_subagent_call_is_one_call_in_one_session(claude_rig: Rig) -> None:
    rig = claude_rig
    _run(rig)
    ingest(rig)
    for row in rig.query("SELECT call_id FROM decisions WHERE tool = 'Bash'"):
        sessions = {
            r["session"]
            for r in rig.query(
                "SELECT session FROM events WHERE call_id = ? AND kind = 'tool_call'"
                " UNION SELECT session FROM decisions WHERE call_id = ?",
                row["call_id"], row["call_id"],
            )
        }  # fmt: skip
        calls = rig.query(
            "SELECT id FROM events WHERE call_id = ? AND kind = 'tool_call'", row["call_id"]
        )
        assert len(sessions) == 1 and len(calls) == 1, (
            sessions,
            json.dumps([dict(c) for c in calls]),
        )
