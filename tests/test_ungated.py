"""Ungated calls: tool calls a real transcript shows that no gate decided.

Real parts only: real Claude Code and Codex transcripts from the corpus (copied under the
agent's log directory), the real ``overseer hook`` subprocess deciding some of their calls
with the ids the agents send (Claude Code's ``tool_use.id``, Codex's ``call_id``), real
ingestion into a real store (SQLite and PostgreSQL), then the store-side pass.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from overseer.config import parse_config
from overseer.engine import Engine
from overseer.sources.ingest import ingest_paths
from overseer.store import open_store
from overseer.store.db import Store
from overseer.store.ungated import DETECTOR, GRACE_S, flag_ungated
from tests.conftest import CORPUS
from tests.store_support import db  # noqa: F401  (fixture)

CLAUDE = CORPUS / "claude-code" / "fasthooks-sample_main_transcript.jsonl"
CODEX = CORPUS / "codex" / "rollout-2026-02-23T12-41-04-019c8a4d-8f45-7010-8b5d-7fad920aa6f9.jsonl"

pytestmark = pytest.mark.skipif(
    not (CLAUDE.exists() and CODEX.exists()), reason=f"corpus not found under {CORPUS}"
)


def config_text(root: Path, gated: bool | None) -> str:
    line = "" if gated is None else f"gated = {'true' if gated else 'false'}\n"
    # A call the guard asks about (the transcript's script, /workspace/number_generator.py,
    # is not there when the hook reads it) is answered by the timeout: still a decision.
    return f"""
[defaults]
gate_timeout = "2s"

[agents.dev]
owner = "dev@example.com"
autonomy = "autonomous"
default_task = "work"
match = {{ source = ["{root}/**"] }}
{line}
[agents.dev.tasks.work]
allow = []
default = "allow"
"""


class World:
    """A log directory holding one real transcript, a config, a store, the real hook."""

    def __init__(self, tmp: Path, db_url: str, original: Path, gated: bool | None) -> None:
        self.root = tmp / "logs"
        self.root.mkdir()
        self.transcript = self.root / original.name
        shutil.copyfile(original, self.transcript)
        self.config_path = tmp / "config.toml"
        self.config_path.write_text(config_text(self.root, gated))
        self.config = parse_config(self.config_path.read_text(), str(self.config_path))
        self.db = db_url
        self.store: Store = open_store(db_url)

    def hook(self, flavour: str, payload: dict[str, Any]) -> dict[str, Any] | None:
        """One real PreToolUse call through ``overseer hook`` (config and store baked)."""
        done = subprocess.run(
            [sys.executable, "-m", "overseer", "hook", flavour,
             "--config", str(self.config_path), "--db", self.db, "--agent", "dev"],
            input=json.dumps(payload), capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout) if done.stdout.strip() else None

    def ingest(self) -> None:
        ingest_paths([str(self.root)], engine=Engine(self.config), store=self.store)

    def sweep(self, **kw: Any) -> Any:
        kw.setdefault("now", datetime(2027, 1, 1).timestamp())
        return flag_ungated(self.store, self.config.is_gated, **kw)

    def flagged(self) -> list[str]:
        """Call ids whose event carries the ungated-call flag, in transcript order."""
        out = []
        for s in self.store.list_sessions():
            for e in self.store.session_events(s.id, kinds=["tool_call"], limit=10_000):
                if any(f.get("detector") == DETECTOR for f in e.get("flags") or []):
                    out.append(e["call_id"])
        return out

    def security_counts(self) -> dict[str, int]:
        return {s.id: s.flags["security"] for s in self.store.list_sessions()}


@pytest.fixture
def world_factory(tmp_path: Path, db: str) -> Iterator[Any]:  # noqa: F811
    made: list[World] = []

    def make(original: Path, gated: bool | None = None) -> World:
        world = World(tmp_path, db, original, gated)
        made.append(world)
        return world

    yield make
    for world in made:
        world.store.close()


def claude_calls(path: Path) -> list[tuple[str, str, dict[str, Any], str, str]]:
    """(session id, tool, input, tool_use id, cwd) of every tool_use, in order."""
    out = []
    for line in path.read_text().splitlines():
        record = json.loads(line)
        content = (record.get("message") or {}).get("content")
        if record.get("type") != "assistant" or not isinstance(content, list):
            continue
        for block in content:
            if block.get("type") == "tool_use":
                out.append(
                    (record["sessionId"], block["name"], block["input"], block["id"], record["cwd"])
                )
    return out


def codex_calls(path: Path) -> tuple[str, list[tuple[str, str, str]]]:
    """The rollout's session id and (name, arguments, call_id) of its function calls."""
    session = ""
    out = []
    for line in path.read_text().splitlines():
        record = json.loads(line)
        payload = record.get("payload") or {}
        if record.get("type") == "session_meta":
            session = payload["id"]
        if record.get("type") == "response_item" and payload.get("type") == "function_call":
            out.append((payload["name"], payload.get("arguments", ""), payload["call_id"]))
    return session, out


def claude_payload(world: World, call: tuple[str, str, dict[str, Any], str, str]) -> dict:
    session, tool, tool_input, tool_use_id, cwd = call
    return {
        "session_id": session,
        "transcript_path": str(world.transcript),
        "cwd": cwd,
        "permission_mode": "default",
        "hook_event_name": "PreToolUse",
        "tool_name": tool,
        "tool_input": tool_input,
        "tool_use_id": tool_use_id,
    }


# ----------------------------------------------------------------------------- Claude Code


def test_a_hook_removed_mid_session_flags_exactly_the_later_calls(world_factory: Any) -> None:
    world = world_factory(CLAUDE)
    calls = claude_calls(CLAUDE)
    assert len(calls) == 10
    for call in calls[:4]:  # the hook is installed and answers the first four calls
        answer = world.hook("claude-code", claude_payload(world, call))
        assert answer is not None
        assert answer["hookSpecificOutput"]["permissionDecision"] == "allow"
    # ... then the agent removes it: the transcript goes on, the gate hears nothing.
    world.ingest()
    result = world.sweep()
    later = [c[3] for c in calls[4:]]
    assert world.flagged() == later
    assert sorted(c for _s, c in result.flagged) == sorted(later)
    assert world.security_counts() == {calls[0][0]: 6}
    # A second pass, incremental or full, adds nothing (and counts nothing twice).
    assert world.sweep().flagged == []
    assert world.sweep(full=True).flagged == []
    assert world.security_counts() == {calls[0][0]: 6}


def test_every_call_the_hook_decided_is_left_alone(world_factory: Any) -> None:
    world = world_factory(CLAUDE, gated=True)
    calls = claude_calls(CLAUDE)
    for call in calls:
        world.hook("claude-code", claude_payload(world, call))
    world.ingest()
    assert world.sweep(full=True).checked == len(calls)
    assert world.flagged() == []
    assert world.security_counts() == {calls[0][0]: 0}


def test_a_forged_call_id_does_not_cover_another_call(world_factory: Any) -> None:
    """The gate decided a call, but under an id no transcript call has: the real call is
    still ungated (matching is by the id the agent's runtime gave its hook, not by tool)."""
    world = world_factory(CLAUDE, gated=True)
    calls = claude_calls(CLAUDE)
    for call in calls:
        session, tool, tool_input, _id, cwd = call
        world.hook("claude-code", claude_payload(world, (session, tool, tool_input, "x", cwd)))
    world.ingest()
    world.sweep()
    assert world.flagged() == [c[3] for c in calls]


def test_a_gated_agent_never_hooked_is_flagged_and_an_unmarked_one_is_not(
    world_factory: Any, tmp_path: Path
) -> None:
    marked = world_factory(CLAUDE, gated=True)
    marked.ingest()
    marked.sweep()
    assert marked.flagged() == [c[3] for c in claude_calls(CLAUDE)]


def test_an_unmarked_agent_the_hook_never_saw_stays_quiet(world_factory: Any) -> None:
    world = world_factory(CLAUDE)  # offline review of logs from an agent never hooked
    world.ingest()
    result = world.sweep(full=True)
    assert result.checked == 10
    assert world.flagged() == []


def test_defaults_gated_covers_every_agent_and_an_agent_may_opt_out(tmp_path: Path) -> None:
    text = config_text(tmp_path, gated=False).replace(
        "[defaults]\n", "[defaults]\ngated = true\n", 1
    )
    config = parse_config(text)
    assert config.is_gated("unknown") and config.is_gated("someone-else")
    assert not config.is_gated("dev")
    with pytest.raises(Exception, match="gated: must be true or false"):
        parse_config(text.replace("gated = false", 'gated = "yes"'))


def test_calls_inside_the_grace_period_wait_for_their_decision(world_factory: Any) -> None:
    """The agent writes its tool_use line as its hook runs: a call ingested before its
    decision must not be flagged until the grace period has passed, and then only if the
    decision still has not come."""
    world = world_factory(CLAUDE, gated=True)
    calls = claude_calls(CLAUDE)
    world.ingest()  # the transcript first: no decision exists yet
    last = datetime.fromisoformat("2026-01-02T19:20:34.733+00:00").timestamp()
    early = world.sweep(now=last + 1)  # the last call is one second old
    assert early.waiting >= 1
    flagged_early = world.flagged()
    assert calls[-1][3] not in flagged_early
    world.hook("claude-code", claude_payload(world, calls[-1]))  # its decision arrives
    world.sweep(now=last + GRACE_S + 60)
    assert calls[-1][3] not in world.flagged()
    assert world.flagged() == [c[3] for c in calls[:-1]]


# ----------------------------------------------------------------------------- Codex


def test_codex_calls_are_matched_by_the_call_id_codex_sends_its_hook(world_factory: Any) -> None:
    world = world_factory(CODEX)
    session, calls = codex_calls(CODEX)
    execs = [c for c in calls if c[0] == "exec_command"]
    stdin_writes = [c for c in calls if c[0] == "write_stdin"]
    assert len(execs) > 10 and stdin_writes
    # Codex's hook payload for exec_command: tool_name "Bash", tool_use_id = the call_id.
    for _name, _args, call_id in execs[:10]:
        world.hook(
            "codex",
            {
                "session_id": session,
                "turn_id": "t1",
                "transcript_path": str(world.transcript),
                "cwd": "/tmp",
                "hook_event_name": "PreToolUse",
                "model": "gpt-5",
                "permission_mode": "default",
                "tool_name": "Bash",
                "tool_input": {"command": "echo redacted"},
                "tool_use_id": call_id,
            },
        )
    world.ingest()
    world.sweep()
    flagged = world.flagged()
    # exactly the exec_commands after the hook went quiet; write_stdin never reaches hooks
    assert flagged == [c[2] for c in execs[10:]]


def test_a_codex_agent_marked_gated_but_never_hooked_is_flagged(world_factory: Any) -> None:
    world = world_factory(CODEX, gated=True)
    _session, calls = codex_calls(CODEX)
    world.ingest()
    world.sweep()
    assert world.flagged() == [c[2] for c in calls if c[0] == "exec_command"]


def test_the_flag_is_shown_as_a_security_flag_with_owasp_ids(world_factory: Any) -> None:
    world = world_factory(CLAUDE, gated=True)
    world.ingest()
    world.sweep()
    session = world.store.list_sessions()[0]
    timeline = world.store.session_events(session.id, kinds=["tool_call"], limit=1)
    flag = next(f for f in timeline[0]["flags"] if f["detector"] == DETECTOR)
    assert flag["category"] == "security"
    assert flag["severity"] == "high"
    assert flag["owasp"] == ["ASI02", "ASI10"]
    assert flag["message"].startswith("ungated call: Bash ran with no gate decision")
