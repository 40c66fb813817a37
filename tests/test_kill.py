"""``overseer kill``: real child processes as agents, killed through overseer; a reused pid is
never signalled.

The agents here are real processes: a native agent that announces itself with
``overseer.gate.start_session`` (or only in its log, then ingested), one that ignores SIGTERM,
and a stand-in for Claude Code that runs the real gate hook through a shell the way Claude
Code does. Every kill is checked in the audit chain.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from overseer.control import core, kill
from overseer.store import lean

AGENT = """
import signal, sys, time
from overseer.gate import start_session
session, log, db, mode = sys.argv[1:5]
if mode == "stubborn":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
start_session(session, agent="etl", log=log, db=db, register=(mode != "log-only"))
print("ready", flush=True)
while True:
    time.sleep(0.05)
"""


class Agent:
    def __init__(self, tmp_path: Path, session: str, mode: str = "register") -> None:
        self.db = str(tmp_path / "o.db")
        self.log = str(tmp_path / f"{session}.jsonl")
        self.session = session
        self.proc = subprocess.Popen(
            [sys.executable, "-c", AGENT, session, self.log, self.db, mode],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        assert self.proc.stdout.readline().strip() == "ready"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=30)


@pytest.fixture
def agents() -> Any:
    started: list[Agent] = []
    yield started
    for agent in started:
        agent.stop()


def overseer(*args: str, db: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "overseer", *args, "--db", db],
        capture_output=True,
        text=True,
        timeout=60,
    )


def chain(db: str) -> list[dict[str, Any]]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute("SELECT * FROM decisions ORDER BY seq")]
    finally:
        conn.close()


def test_kill_stops_a_native_agent(tmp_path: Path, agents: list[Agent]) -> None:
    agent = Agent(tmp_path, "etl-kill-1")
    agents.append(agent)
    done = overseer(
        "kill", agent.session, "--reason", "loading the wrong table", "--json", db=agent.db
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert (result["process"], result["pid"], result["signalled"]) == (
        "terminated",
        agent.proc.pid,
        True,
    )
    assert agent.proc.wait(timeout=30) == -signal.SIGTERM
    rows = chain(agent.db)
    assert [(r["outcome"], r["action"]) for r in rows] == [("killed", "kill"), ("killed", "signal")]
    assert rows[0]["reason"] == "loading the wrong table"
    assert rows[1]["reason"] == f"terminated: pid {agent.proc.pid} exited after SIGTERM"
    with lean.connect(agent.db) as conn:
        assert lean.session_status(conn, agent.session) == "killed"


def test_kill_finds_the_pid_in_the_ingested_native_log(tmp_path: Path, agents: list[Agent]) -> None:
    agent = Agent(tmp_path, "etl-kill-2", mode="log-only")
    agents.append(agent)
    ingested = overseer("ingest", agent.log, db=agent.db)
    assert ingested.returncode == 0, ingested.stderr
    with lean.connect(agent.db) as conn:
        info = kill.process_info(conn, agent.session)
    assert info["pid"] == agent.proc.pid and "pid_started" in info  # the exact start time
    done = overseer("kill", agent.session, db=agent.db)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        f"session {agent.session} marked killed; process: pid {agent.proc.pid} exited after SIGTERM"
    )
    assert agent.proc.wait(timeout=30) == -signal.SIGTERM


def test_an_agent_ignoring_sigterm_gets_sigkill(tmp_path: Path, agents: list[Agent]) -> None:
    agent = Agent(tmp_path, "etl-kill-3", mode="stubborn")
    agents.append(agent)
    done = overseer("kill", agent.session, "--grace", "0.3", "--json", db=agent.db)
    assert json.loads(done.stdout)["process"] == "killed"
    assert agent.proc.wait(timeout=30) == -signal.SIGKILL
    assert chain(agent.db)[-1]["reason"].startswith("killed: ")


def native_log(path: Path, session: str, pid: int, started: float, *, exact: bool) -> None:
    record: dict[str, Any] = {
        "kind": "session_start",
        "session": session,
        "ts": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started + 1)),
        "agent": "etl",
        "pid": pid,
        "host": os.uname().nodename,
    }
    if exact:
        record["pid_started"] = started
    path.write_text(json.dumps(record) + "\n")


@pytest.mark.parametrize("exact", [True, False], ids=["recorded-start-time", "session-start-only"])
def test_a_reused_pid_is_left_alone(tmp_path: Path, exact: bool) -> None:
    # The session's agent ran an hour ago and exited; its pid now belongs to this process.
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        db = str(tmp_path / "o.db")
        log = tmp_path / "old.jsonl"
        native_log(log, "etl-old", bystander.pid, time.time() - 3600, exact=exact)
        assert overseer("ingest", str(log), db=db).returncode == 0
        done = overseer("kill", "etl-old", "--json", db=db)
        assert done.returncode == 0, done.stderr
        result = json.loads(done.stdout)
        assert (result["process"], result["signalled"]) == ("pid_reused", False)
        assert "left alone" in result["detail"]
        time.sleep(0.2)
        assert bystander.poll() is None  # still running, never signalled
        assert chain(db)[-1]["reason"].startswith("pid_reused: ")
        with lean.connect(db) as conn:
            assert lean.session_status(conn, "etl-old") == "killed"  # the session is still stopped
    finally:
        bystander.kill()
        bystander.wait(timeout=30)


def test_a_pid_that_cannot_be_verified_is_not_signalled() -> None:
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        status, detail = kill.stop_process({"pid": bystander.pid, "host": None})
        assert status == kill.UNVERIFIABLE and "no start time" in detail
        assert bystander.poll() is None
    finally:
        bystander.kill()
        bystander.wait(timeout=30)


def test_kill_session_api_for_the_tui(tmp_path: Path) -> None:
    db = str(tmp_path / "o.db")
    with lean.connect(db) as conn:
        core.register_process(conn, "remote-1", 4242, "another-host.example")
        remote = kill.kill_session(conn, "remote-1", "erin", "stop it")
        unknown = kill.kill_session(conn, "never-seen", "erin", None)
    assert (remote.process, remote.signalled) == ("other_host", False)
    assert "another-host.example" in remote.detail
    assert unknown.process == "no_process"
    assert [r["operator"] for r in chain(db)] == ["erin"] * 4


def test_a_process_that_already_exited(tmp_path: Path) -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait(timeout=30)
    db = str(tmp_path / "o.db")
    with lean.connect(db) as conn:
        core.register_process(conn, "gone-1", gone.pid, os.uname().nodename)
        result = kill.kill_session(conn, "gone-1", "erin", None)
    assert result.process in ("already_gone", "pid_reused")  # never a signal either way
    assert not result.signalled


FAKE_CLAUDE = """#!/bin/sh
# A stand-in for Claude Code: runs the gate hook through a shell, as Claude Code does.
sh -c "$OVERSEER_TEST_HOOK" < "$1" > "$2"
while :; do sleep 0.05; done
"""


def test_kill_stops_an_agent_the_hook_recognised(tmp_path: Path) -> None:
    """The hook records the agent process above its shell (Linux), so kill reaches Claude
    Code itself, not just its next tool call."""
    if not os.path.isdir("/proc/self"):
        pytest.skip("agent process discovery reads /proc (Linux)")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    claude = bindir / "claude"
    claude.write_text(FAKE_CLAUDE)
    claude.chmod(0o755)
    db = str(tmp_path / "o.db")
    stdin, answer = tmp_path / "call.json", tmp_path / "answer.json"
    stdin.write_text(
        json.dumps(
            {
                "session_id": "cc-kill-1",
                "cwd": str(tmp_path),
                "hook_event_name": "PreToolUse",
                "tool_name": "Bash",
                "tool_input": {"command": "ls"},
                "tool_use_id": "toolu_1",
            }
        )
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("OVERSEER_")}
    env |= {
        "OVERSEER_DB": db,
        "OVERSEER_GATE_TIMEOUT": "0",
        "OVERSEER_TEST_HOOK": f"'{sys.executable}' -m overseer hook claude-code || exit 2",
    }
    fake = subprocess.Popen([str(claude), str(stdin), str(answer)], env=env)
    try:
        deadline = time.monotonic() + 30
        while (
            not (answer.exists() and answer.read_text().endswith("\n"))
            and time.monotonic() < deadline
        ):
            time.sleep(0.02)
        assert json.loads(answer.read_text())["hookSpecificOutput"]["permissionDecision"] == "deny"
        with lean.connect(db) as conn:
            assert kill.process_info(conn, "cc-kill-1")["pid"] == fake.pid
        done = overseer("kill", "cc-kill-1", "--json", db=db)
        assert json.loads(done.stdout)["process"] == "terminated"
        assert fake.wait(timeout=30) == -signal.SIGTERM
    finally:
        if fake.poll() is None:
            fake.kill()
            fake.wait(timeout=30)


def test_the_hook_does_not_take_an_unrelated_parent_for_the_agent() -> None:
    # pytest is this process's parent chain: not Claude Code, so nothing is registered.
    from overseer.control.hook import agent_process

    assert agent_process("claude-code", start=os.getpid()) is None
