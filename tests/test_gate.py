"""``overseer.gate``: the in-house agent's client speaks the hook's store protocol.

Real SQLite files; operator decisions come from ``overseer decide`` in another process.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from overseer.gate import Decision, request_approval, session_start_record, start_session
from overseer.store import lean

CONFIG = """
[defaults]
gate_timeout = "120s"

[agents.etl]
owner = "data-team@example.com"
autonomy = "deterministic"
default_task = "load"

[agents.etl.tasks.load]
allow = ["Bash(python -m etl.load:*)"]
ask = ["Bash(psql:*)"]
deny = ["Bash(rm:*)"]
default = "deny"
"""


@pytest.fixture
def setup(tmp_path: Path) -> dict[str, str]:
    config = tmp_path / "config.toml"
    config.write_text(CONFIG)
    return {"config": str(config), "db": str(tmp_path / "o.db")}


def rows(db: str) -> list[dict[str, Any]]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute("SELECT * FROM decisions ORDER BY seq")]
    finally:
        conn.close()


def ask(setup: dict[str, str], command: str, **kw: Any) -> Decision:
    kw.setdefault("session", "etl-1")
    kw.setdefault("agent", "etl")
    return request_approval(
        "Bash", {"command": command}, db=setup["db"], config=setup["config"], **kw
    )


def test_allowed_by_rule(setup: dict[str, str]) -> None:
    decision = ask(setup, "python -m etl.load --table orders", call_id="c-1")
    assert decision.allowed and bool(decision)
    assert decision.outcome == "auto_allowed" and decision.rule == "Bash(python -m etl.load:*)"
    assert decision.input == {"command": "python -m etl.load --table orders"}
    (row,) = rows(setup["db"])
    assert (row["outcome"], row["session"], row["call_id"], row["agent"]) == (
        "auto_allowed",
        "etl-1",
        "c-1",
        "etl",
    )


def test_denied_by_rule_and_by_default(setup: dict[str, str]) -> None:
    assert ask(setup, "rm -rf /tmp/x").outcome == "policy_denied"
    default = ask(setup, "ls")
    assert not default.allowed and default.outcome == "policy_denied"
    assert "task default is deny" in default.reason


def test_gated_call_waits_for_overseer_decide_with_an_edited_input(setup: dict[str, str]) -> None:
    result: dict[str, Decision] = {}
    waiter = threading.Thread(
        target=lambda: result.setdefault(
            "d", ask(setup, "psql -c 'drop table staging'", timeout=30)
        )
    )
    waiter.start()
    approval = None
    deadline = time.monotonic() + 30
    while approval is None and time.monotonic() < deadline:
        if os.path.exists(setup["db"]):
            with lean.connect(setup["db"]) as conn:
                approval = next(iter(lean.pending_approvals(conn)), None)
        time.sleep(0.02)
    assert approval is not None and approval["origin"] == "native"
    narrowed = {"command": "psql -c 'truncate staging'"}
    decided = subprocess.run(
        [sys.executable, "-m", "overseer", "decide", approval["id"], "approve", "--db", setup["db"],
         "--operator", "alice", "--reason", "truncate only", "--input", json.dumps(narrowed)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert decided.returncode == 0, decided.stderr
    waiter.join(timeout=30)
    decision = result["d"]
    assert decision.allowed and decision.outcome == "approved" and decision.decided_by == "alice"
    assert decision.input == narrowed and decision.updated_input == narrowed
    assert decision.reason == "approved by alice: truncate only (with an edited input)"


def test_timed_out_is_not_a_denial(setup: dict[str, str]) -> None:
    decision = ask(setup, "psql -c 'select 1'", timeout=0.2)
    assert not decision.allowed and decision.outcome == "timed_out"
    assert [r["outcome"] for r in rows(setup["db"])] == ["timed_out"]


def test_unknown_agent_is_gated(setup: dict[str, str]) -> None:
    decision = ask(setup, "python -m etl.load", agent=None, timeout=0)
    assert decision.outcome == "timed_out"
    assert rows(setup["db"])[0]["agent"] == "unknown"


def test_killed_session_is_refused_and_says_stop(setup: dict[str, str]) -> None:
    with lean.connect(setup["db"]) as conn:
        lean.mark_session_killed(conn, "etl-1", operator="dave", reason="bad data")
    decision = ask(setup, "python -m etl.load")
    assert not decision.allowed and decision.outcome == "killed" and decision.stop


def test_store_failure_is_a_denial_not_an_exception(setup: dict[str, str], tmp_path: Path) -> None:
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"garbage" * 100)
    decision = request_approval(
        "Bash", {"command": "ls"}, session="s", db=str(broken), config=setup["config"]
    )
    assert not decision.allowed and decision.outcome == "errored"
    assert decision.reason.startswith("overseer could not decide this call (StoreError: ")


def test_bad_config_is_a_denial_recorded_as_errored(setup: dict[str, str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[agents.x]\nowner = 1\n")
    decision = request_approval(
        "Bash", {"command": "ls"}, session="s", db=setup["db"], config=str(bad)
    )
    assert decision.outcome == "errored" and "invalid overseer config" in decision.reason


def test_session_start_record_carries_pid_and_its_start_time() -> None:
    import psutil

    record = session_start_record("s-1", agent="etl", task="load", cwd="/srv/etl")
    assert record["kind"] == "session_start" and record["pid"] == os.getpid()
    assert record["pid_started"] == psutil.Process().create_time()
    assert record["ts"].endswith("Z") and record["host"]


def test_start_session_logs_and_registers_the_process(
    setup: dict[str, str], tmp_path: Path
) -> None:
    log = tmp_path / "agent.jsonl"
    record = start_session("etl-9", agent="etl", log=str(log), db=setup["db"])
    assert json.loads(log.read_text()) == record
    with lean.connect(setup["db"]) as conn:
        row = conn.execute("SELECT pid, host, agent FROM sessions WHERE id = 'etl-9'").fetchone()
    assert tuple(row) == (os.getpid(), record["host"], "etl")


def test_session_grants_from_the_store_are_honoured(setup: dict[str, str]) -> None:
    # "Approve for this session" grants an operator made (lean.decide with grant_rules): a
    # rule that does not parse is ignored, the rest allow the session's later calls.
    with lean.connect(setup["db"]) as conn:
        approval = lean.create_approval(
            conn, session="etl-1", call_id="c-0", agent="etl", task="load", tool="Bash",
            tool_input={"command": "psql -c 'select 0'"}, rule="Bash(psql:*)", verdict="ask",
            summary="Bash: psql", timeout_s=60,
        )  # fmt: skip
        lean.decide(
            conn, approval, decision="approve", reason="reads only", operator="alice",
            grant_rules=["Bash(psql:*)", "not a (valid rule"],
        )  # fmt: skip
    granted = ask(setup, "psql -c 'select 1'", timeout=0)
    assert granted.allowed and granted.outcome == "auto_allowed"
    assert "session rule" in granted.reason
    assert ask(setup, "rm -rf /tmp/x", timeout=0).outcome == "policy_denied"  # deny still wins
    assert ask(setup, "psql -c 'select 1'", session="etl-2", timeout=0).outcome == "timed_out"
