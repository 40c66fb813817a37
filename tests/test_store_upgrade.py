"""A store of an older schema: the gate hook refuses it (and says what to run) instead of
migrating it inside a call, and ``overseer upgrade`` migrates it once.

Why the hook must not migrate: on a store of a million events the migration to schema 6
takes tens of seconds, longer than the hook may run; the watchdog would deny the call, the
migration roll back with the process, and the next call start it again — every call denied
with a timeout nobody can explain. Real subprocesses, a real schema-5 store
(``tests/data/store-v5.sql``, written by the previous version).
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from overseer.store import SCHEMA_VERSION, SchemaTooOld, lean

V5_DUMP = Path(__file__).parent / "data" / "store-v5.sql"
CONFIG = """
[defaults]
gate_timeout = 1

[agents.dev]
owner = "dev@example.com"
autonomy = "autonomous"
default_task = "work"

[agents.dev.tasks.work]
allow = ["Bash(ls:*)"]
"""


def _v5_store(path: Path) -> None:
    with sqlite3.connect(path) as raw:
        raw.executescript(V5_DUMP.read_text())
    raw.close()


def _version_and_rows(path: Path) -> tuple[str, int, int]:
    with sqlite3.connect(path) as raw:
        version = raw.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        events = raw.execute("SELECT count(*) FROM events").fetchone()
        decisions = raw.execute("SELECT count(*) FROM decisions").fetchone()
    raw.close()
    return str(version[0]), int(events[0]), int(decisions[0])


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OVERSEER_")}
    return env | {"HOME": str(tmp_path)}


def _hook(tmp_path: Path, db: Path, command: str, call_id: str) -> dict[str, object]:
    config = tmp_path / "config.toml"
    config.write_text(CONFIG)
    payload = {
        "session_id": "sess-up", "cwd": str(tmp_path), "hook_event_name": "PreToolUse",
        "tool_name": "Bash", "tool_input": {"command": command}, "tool_use_id": call_id,
    }  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-m", "overseer", "hook", "claude-code", "--config", str(config),
         "--db", str(db), "--agent", "dev"],
        input=json.dumps(payload), capture_output=True, text=True, env=_env(tmp_path),
        cwd=tmp_path, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    answer: dict[str, object] = json.loads(result.stdout)["hookSpecificOutput"]
    return answer


def test_the_hook_refuses_an_older_store_and_names_the_command(tmp_path: Path) -> None:
    db = tmp_path / "overseer.db"
    _v5_store(db)
    before = _version_and_rows(db)
    assert before[0] == "5"
    answer = _hook(tmp_path, db, "ls -la", "toolu_up1")
    assert answer["permissionDecision"] == "deny"  # fail closed, even for an allowed call
    reason = str(answer["permissionDecisionReason"])
    assert "schema version 5" in reason and "overseer upgrade --db" in reason, reason
    assert _version_and_rows(db) == before  # nothing migrated, nothing written

    upgraded = subprocess.run(
        [sys.executable, "-m", "overseer", "upgrade", "--db", str(db)],
        capture_output=True, text=True, env=_env(tmp_path), timeout=120,
    )  # fmt: skip
    assert upgraded.returncode == 0, upgraded.stderr
    assert f"schema version {SCHEMA_VERSION}" in upgraded.stdout
    version, events, decisions = _version_and_rows(db)
    assert (version, events) == (str(SCHEMA_VERSION), before[1])

    answer = _hook(tmp_path, db, "ls -la", "toolu_up2")
    assert answer["permissionDecision"] == "allow", answer
    assert _version_and_rows(db)[2] == decisions + 1


def test_read_only_commands_say_the_store_is_older_rather_than_missing(tmp_path: Path) -> None:
    db = tmp_path / "overseer.db"
    _v5_store(db)
    with pytest.raises(SchemaTooOld, match="overseer upgrade"):
        lean.connect(str(db), create=False)
    verified = subprocess.run(
        [sys.executable, "-m", "overseer", "audit", "verify", "--db", str(db)],
        capture_output=True, text=True, env=_env(tmp_path), timeout=60,
    )  # fmt: skip
    assert verified.returncode != 0
    assert "older than this overseer" in verified.stderr, verified.stderr
    assert _version_and_rows(db)[0] == "5"


def test_other_writers_still_upgrade_on_open(tmp_path: Path) -> None:
    """The decide/kill library paths keep migrating (they are not bounded by a hook entry's
    timeout): an upgraded overseer keeps working for them without a step. The in-house gate
    does not (below)."""
    db = tmp_path / "overseer.db"
    _v5_store(db)
    conn = lean.connect(str(db))
    conn.close()
    assert _version_and_rows(db)[0] == str(SCHEMA_VERSION)


def test_the_in_house_gate_refuses_an_older_store_like_the_hook(tmp_path: Path) -> None:
    """``overseer.gate`` is a gate too: it judges a running agent's call within a bound, so it
    must not migrate the store under it. An older store is a closed ``errored`` decision
    naming the command to run once, and nothing is migrated or written; registering a
    session refuses the same way (it raises: an agent that cannot be killed must not start)."""
    from overseer.gate import request_approval, start_session

    db = tmp_path / "overseer.db"
    _v5_store(db)
    before = _version_and_rows(db)
    config = tmp_path / "config.toml"
    config.write_text(CONFIG)
    decision = request_approval(
        "Bash", {"command": "ls -la"}, session="sess-gate", db=str(db), config=str(config),
        agent="dev", cwd=str(tmp_path),
    )  # fmt: skip
    assert not decision.allowed and decision.outcome == "errored", decision
    assert "schema version 5" in decision.reason, decision.reason
    assert f"overseer upgrade --db {db}" in decision.reason, decision.reason
    assert _version_and_rows(db) == before  # nothing migrated, nothing written
    with pytest.raises(SchemaTooOld, match="overseer upgrade"):
        start_session("sess-gate", agent="dev", cwd=str(tmp_path), db=str(db))
    assert _version_and_rows(db) == before
