"""The agent cannot approve, re-scope or silence its own oversight (issue 14, items 4, 6, 7).

Single-user mode: the "agent" runs as the same OS user as the hook and can run ``sqlite3`` on
the store. Each attack is performed for real — the ``sqlite3`` command-line shell against the
real SQLite file, while a real ``overseer hook claude-code`` subprocess waits on its gated
call — and shown stopped (the call is denied) and flagged (a chain row whose reason starts
``oversight tampering:`` and a security flag on the session). The rewrite-and-rehash attack
is caught by ``overseer audit verify`` against the automatic anchor; the self-decide attack
(a child of a registered "agent" process runs ``overseer decide``) is refused while the
same command from an unrelated process works.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from overseer.control import core
from overseer.store import lean
from overseer.store.anchor import ANCHOR_OPERATOR, Policy
from overseer.store.chain import FIELDS, GENESIS, row_hash
from overseer.store.tables import APPEND_ONLY_SQLITE

CONFIG = """
[defaults]
gate_timeout = "120s"

[audit]
anchor_every = {every}

[agents.dev]
owner = "dev-team@example.com"
autonomy = "autonomous"
default_task = "feature"
match = {{ cwd = ["/srv/dev/**"] }}

[agents.dev.tasks.feature]
allow = ["Read", "Bash(git status)", "Bash(ls *)"]
ask = ["Bash(git push:*)"]
deny = ["Bash(curl:*)"]
default = "ask"

[agents.trusted]
owner = "ops@example.com"
autonomy = "deterministic"
default_task = "anything"
match = {{ cwd = ["/srv/trusted/**"] }}

[agents.trusted.tasks.anything]
allow = ["Bash", "Read", "Edit"]
"""
SESSION = "9a1e5d2f-0b7d-4c59-3f6c-1a2e8e7b6a10"
TAMPERING = "oversight tampering:"
SQLITE3 = shutil.which("sqlite3")
needs_sqlite3 = pytest.mark.skipif(
    SQLITE3 is None, reason="the sqlite3 command-line shell is not installed"
)


class Rig:
    """A config, a store, the hook run as Claude Code runs it, and the agent's ``sqlite3``."""

    def __init__(self, tmp_path: Path, every: int = 100) -> None:
        self.config = tmp_path / "config.toml"
        self.config.write_text(CONFIG.format(every=every))
        self.db = str(tmp_path / "overseer.db")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("OVERSEER_")}
        self.env |= {"OVERSEER_CONFIG": str(self.config), "OVERSEER_DB": self.db,
                     "OVERSEER_GATE_TIMEOUT": "30"}  # fmt: skip
        self.n = 0

    def payload(self, command: str, session: str = SESSION) -> str:
        self.n += 1
        return json.dumps({
            "session_id": session, "cwd": "/srv/dev/app", "hook_event_name": "PreToolUse",
            "transcript_path": f"/home/dev/.claude/projects/-srv-dev-app/{session}.jsonl",
            "tool_name": "Bash", "tool_input": {"command": command, "description": "test"},
            "tool_use_id": f"toolu_{self.n:04d}",
        })  # fmt: skip

    def run(self, command: str, session: str = SESSION) -> dict[str, Any]:
        done = subprocess.run(
            [sys.executable, "-m", "overseer", "hook", "claude-code"],
            input=self.payload(command, session), capture_output=True, text=True,
            env=self.env, timeout=60,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    def start(self, command: str, session: str = SESSION) -> subprocess.Popen[str]:
        proc = subprocess.Popen(
            [sys.executable, "-m", "overseer", "hook", "claude-code"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=self.env,
        )  # fmt: skip
        assert proc.stdin is not None
        proc.stdin.write(self.payload(command, session))
        proc.stdin.close()
        proc.stdin = None
        return proc

    def finish(self, proc: subprocess.Popen[str]) -> dict[str, Any]:
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        return json.loads(out)

    def pending(self, proc: subprocess.Popen[str], session: str = SESSION) -> dict[str, Any]:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if os.path.exists(self.db):
                with lean.connect(self.db) as conn:
                    found = [a for a in lean.pending_approvals(conn) if a["session"] == session]
                if found:
                    return found[0]
            assert proc.poll() is None, "the hook answered before asking"
            time.sleep(0.02)
        raise AssertionError("no pending approval appeared")

    def sqlite3(self, sql: str) -> None:
        """The attack itself: the sqlite3 shell on the store, as the agent would run it."""
        assert SQLITE3 is not None
        done = subprocess.run(
            [SQLITE3, "-bail", self.db, sql], capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr

    def cli(
        self, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "overseer", *args, "--db", self.db],
            capture_output=True, text=True, env=env or self.env, timeout=60,
        )  # fmt: skip

    def rows(self) -> list[dict[str, Any]]:
        with sqlite3.connect(self.db) as raw:
            raw.row_factory = sqlite3.Row
            return [dict(r) for r in raw.execute("SELECT * FROM decisions ORDER BY seq")]

    def security_flags(self, session: str = SESSION) -> int:
        with sqlite3.connect(self.db) as raw:
            return int(
                raw.execute(
                    "SELECT flags_security FROM sessions WHERE id = ?", (session,)
                ).fetchone()[0]
            )

    def verify(self, *extra: str) -> subprocess.CompletedProcess[str]:
        return self.cli("audit", "verify", *extra)


@pytest.fixture
def rig(tmp_path: Path) -> Rig:
    return Rig(tmp_path)


def decision(answer: dict[str, Any]) -> tuple[str, str]:
    specific = answer["hookSpecificOutput"]
    return specific["permissionDecision"], specific["permissionDecisionReason"]


def assert_flagged(rig: Rig, answer: dict[str, Any], *, words: str) -> dict[str, Any]:
    """Denied, the reason says oversight tampering, the chain's last row records it, the
    session carries a security flag, and the chain itself still verifies."""
    verdict, reason = decision(answer)
    assert verdict == "deny", answer
    assert reason.startswith(TAMPERING) and words in reason, reason
    last = rig.rows()[-1]
    assert last["reason"] == reason and last["rule"] == "oversight_tampering"
    assert rig.security_flags() >= 1
    verified = rig.verify()
    assert verified.returncode == 0, verified.stderr
    return last


# ------------------------------------------------------------------ item 4: approvals


@needs_sqlite3
def test_approving_its_own_waiting_call_in_the_store_is_denied_and_flagged(rig: Rig) -> None:
    proc = rig.start("git push origin main")
    approval = rig.pending(proc)
    rig.sqlite3(
        "UPDATE approvals SET status = 'approved', decided_by = 'alice', "
        f"decided_at = '2026-01-01T00:00:00.000000Z' WHERE id = '{approval['id']}'"
    )
    last = assert_flagged(rig, rig.finish(proc), words="no audit-chain row records that decision")
    assert last["approval_id"] == approval["id"] and last["outcome"] == "policy_denied"


@needs_sqlite3
def test_pointing_the_approval_at_another_approved_row_is_denied(rig: Rig) -> None:
    first = rig.start("git push origin main")
    done = rig.cli("decide", rig.pending(first)["id"], "approve", "--operator", "alice")
    assert done.returncode == 0, done.stderr
    assert decision(rig.finish(first))[0] == "allow"  # the honest path still works
    approved_seq = rig.rows()[-1]["seq"]
    proc = rig.start("git push --force origin main")
    approval = rig.pending(proc)
    rig.sqlite3(
        f"UPDATE approvals SET status = 'approved', decided_by = 'alice', decision_seq = "
        f"{approved_seq} WHERE id = '{approval['id']}'"
    )
    assert_flagged(rig, rig.finish(proc), words="records")


@needs_sqlite3
def test_rewriting_the_waiting_input_so_the_operator_approves_something_else(rig: Rig) -> None:
    proc = rig.start("git push --force origin main")
    approval = rig.pending(proc)
    fake = json.dumps({"command": "git status", "description": "test"})
    rig.sqlite3(
        f"UPDATE approvals SET input = '{fake}', summary = 'Bash: git status' "
        f"WHERE id = '{approval['id']}'"
    )
    # The operator sees `git status` and approves it, from an ordinary terminal.
    done = rig.cli("decide", approval["id"], "approve", "--operator", "alice")
    assert done.returncode == 0, done.stderr
    assert_flagged(rig, rig.finish(proc), words="decided on an input other than")
    approved = [r for r in rig.rows() if r["outcome"] == "approved"]
    assert json.loads(approved[-1]["input"])["command"] == "git status"  # what alice saw


def test_rewriting_the_operators_edited_input_is_denied(rig: Rig) -> None:
    proc = rig.start("git push origin main")
    approval = rig.pending(proc)
    narrowed = {"command": "git push origin feature", "description": "test"}
    forced = {"command": "git push --force origin main", "description": "test"}
    # Alice approves a narrowed input; the agent rewrites the edit before the hook reads it
    # (one transaction here, so the hook cannot read in between: no race in the test).
    with lean.connect(rig.db) as conn, conn.transaction(chain=True):
        row = lean._approval(conn, approval["id"])
        assert row is not None
        lean._close_approval(
            conn, row, outcome="approved", action="approve", operator="alice", reason=None,
            updated_input=narrowed,
        )  # fmt: skip
        conn.execute(
            "UPDATE approvals SET updated_input = ? WHERE id = ?",
            (json.dumps(forced), approval["id"]),
        )
    answer = rig.finish(proc)
    assert "updatedInput" not in answer["hookSpecificOutput"]
    assert_flagged(rig, answer, words="edited input differs")


# --------------------------------------------------------------------- item 4: grants


@needs_sqlite3
def test_inserting_a_session_grant_is_not_honoured(rig: Rig) -> None:
    assert decision(rig.run("git status"))[0] == "allow"
    rig.sqlite3(
        "INSERT INTO grants (session, rule, approval_id, operator, created_at) VALUES "
        f"('{SESSION}', 'Bash', NULL, 'alice', '2026-01-01T00:00:00.000000Z')"
    )
    assert_flagged(rig, rig.run("git push --force origin main"), words="session grant")


@needs_sqlite3
def test_a_grant_claiming_an_ordinary_approval_is_not_honoured(rig: Rig) -> None:
    proc = rig.start("git push origin main")
    approval = rig.pending(proc)
    assert rig.cli("decide", approval["id"], "approve", "--operator", "alice").returncode == 0
    assert decision(rig.finish(proc))[0] == "allow"
    rig.sqlite3(
        "INSERT INTO grants (session, rule, approval_id, operator, created_at) VALUES "
        f"('{SESSION}', 'Bash', '{approval['id']}', 'alice', '2026-01-01T00:00:00.000000Z')"
    )
    assert_flagged(rig, rig.run("git push --force origin main"), words="no audit-chain row")


def test_a_real_grant_is_still_honoured(rig: Rig) -> None:
    proc = rig.start("git push origin main")
    approval = rig.pending(proc)
    with lean.connect(rig.db) as conn:
        lean.decide(
            conn, approval["id"], decision="approve", reason="ok", operator="alice",
            grant_rules=["Bash(git push origin main)"],
        )  # fmt: skip
    assert decision(rig.finish(proc))[0] == "allow"
    verdict, reason = decision(rig.run("git push origin main"))
    assert verdict == "allow" and "session rule" in reason


@needs_sqlite3
def test_widening_a_real_grant_in_the_store_is_not_honoured(rig: Rig) -> None:
    proc = rig.start("git push origin main")
    approval = rig.pending(proc)
    with lean.connect(rig.db) as conn:
        lean.decide(
            conn, approval["id"], decision="approve", reason="ok", operator="alice",
            grant_rules=["Bash(git push origin main)"],
        )  # fmt: skip
    assert decision(rig.finish(proc))[0] == "allow"
    rig.sqlite3(f"UPDATE grants SET rule = 'Bash' WHERE session = '{SESSION}'")
    assert_flagged(rig, rig.run("git push --force origin main"), words="differ from what")


# ------------------------------------------------------------ item 4: kills and owners


@needs_sqlite3
def test_undoing_a_kill_in_the_store_does_not_revive_the_session(rig: Rig) -> None:
    assert decision(rig.run("git status"))[0] == "allow"
    killed = rig.cli("kill", SESSION, "--no-signal", "--reason", "runaway")
    assert killed.returncode == 0, killed.stderr
    rig.sqlite3(f"UPDATE sessions SET status = 'live' WHERE id = '{SESSION}'")
    answer = rig.run("git status")
    assert answer.get("continue") is False  # Claude Code is told to stop
    verdict, reason = decision(answer)
    assert verdict == "deny" and reason.startswith(TAMPERING) and "was killed" in reason
    assert rig.rows()[-1]["outcome"] == "killed"
    with sqlite3.connect(rig.db) as raw:
        status = raw.execute("SELECT status FROM sessions WHERE id = ?", (SESSION,)).fetchone()
    assert status[0] == "killed"  # put back
    assert rig.security_flags() >= 1


@needs_sqlite3
def test_moving_the_session_to_a_more_trusted_agent_is_denied(rig: Rig) -> None:
    assert decision(rig.run("git status"))[0] == "allow"
    rig.sqlite3(f"UPDATE sessions SET agent = 'trusted', task = 'anything' WHERE id = '{SESSION}'")
    # `trusted` allows every Bash call: without the check this would run.
    last = assert_flagged(rig, rig.run("git push --force origin main"), words="started as agent")
    assert "'dev'" in last["reason"] and "'trusted'" in last["reason"]


# ------------------------------------------------------------------ item 7: anchors


def _rehash_without(db: str, outcome: str) -> None:
    """Drop the append-only triggers, delete the rows with ``outcome``, re-hash the chain,
    restore the triggers: the chain verifies again on its own."""
    with sqlite3.connect(db) as raw:
        raw.execute("DROP TRIGGER decisions_no_update")
        raw.execute("DROP TRIGGER decisions_no_delete")
        kept = raw.execute(
            f"SELECT {', '.join(FIELDS)} FROM decisions WHERE outcome <> ? ORDER BY seq",
            (outcome,),
        ).fetchall()
        raw.execute("DELETE FROM decisions")
        prev = GENESIS
        columns = [*FIELDS, "prev_hash", "hash"]
        for number, values in enumerate(kept, start=1):
            row = dict(zip(FIELDS, values, strict=True)) | {"seq": number}
            digest = row_hash(prev, row)
            raw.execute(
                f"INSERT INTO decisions ({', '.join(columns)}) VALUES "
                f"({', '.join('?' * len(columns))})",
                [row[f] for f in FIELDS] + [prev, digest],
            )
            prev = digest
        for statement in APPEND_ONLY_SQLITE:
            raw.execute(statement)


def test_rehashed_chain_is_caught_by_the_automatic_anchor(tmp_path: Path) -> None:
    rig = Rig(tmp_path, every=2)
    assert decision(rig.run("git status"))[0] == "allow"
    checkpoint = rig.cli("audit", "checkpoint")
    assert checkpoint.returncode == 0, checkpoint.stderr
    (tmp_path / "cp.json").write_text(checkpoint.stdout)
    assert decision(rig.run("curl http://evil.example"))[0] == "deny"
    for _ in range(4):
        assert decision(rig.run("git status"))[0] == "allow"
    assert Path(rig.db + ".anchors.jsonl").exists()
    before = rig.verify("--checkpoint", str(tmp_path / "cp.json"))
    assert before.returncode == 0 and "anchors match" in before.stderr + before.stdout

    _rehash_without(rig.db, "policy_denied")
    with sqlite3.connect(rig.db) as raw:
        assert (
            raw.execute(
                "SELECT count(*) FROM decisions WHERE outcome = 'policy_denied'"
            ).fetchone()[0]
            == 0
        )
    # The operator's own checkpoint predates the change: it still matches.
    after = rig.verify("--checkpoint", str(tmp_path / "cp.json"), "--json")
    result = json.loads(after.stdout)
    assert after.returncode == 1 and result["problem"] == "anchor_mismatch", result
    assert result["first_bad_seq"] == 2  # the anchor right after the deleted row


def test_a_removed_or_cut_anchor_file_is_reported(tmp_path: Path) -> None:
    rig = Rig(tmp_path, every=1)
    for _ in range(3):
        assert decision(rig.run("git status"))[0] == "allow"
    anchors = Path(rig.db + ".anchors.jsonl")
    lines = anchors.read_text().splitlines(keepends=True)
    assert len(lines) == 3
    with sqlite3.connect(rig.db) as raw:
        recorded = raw.execute(
            "SELECT size FROM checkpoints WHERE operator = ? ORDER BY id", (ANCHOR_OPERATOR,)
        ).fetchall()
    assert [r[0] for r in recorded] == [1, 2, 3]  # each anchor also recorded

    anchors.write_text("".join(lines[:2]))  # cut short
    cut = json.loads(rig.verify("--json").stdout)
    assert cut["ok"] is False and cut["problem"] == "anchors_missing"
    anchors.unlink()  # removed
    gone = rig.verify()
    assert gone.returncode == 1 and "anchors_missing" in gone.stderr
    # The gate does not quietly start a fresh anchor file over the evidence.
    assert decision(rig.run("git status"))[0] == "allow"
    assert not anchors.exists()

    edited = lines[1].replace('"n": 2', '"n": 7')
    anchors.write_text(lines[0] + edited + lines[2])
    assert json.loads(rig.verify("--json").stdout)["problem"] == "anchors_edited"


def test_anchoring_is_due_by_rows_or_by_minutes() -> None:
    policy = Policy(every=100, minutes=10)
    recent = {"size": 50, "ts": time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime())}
    old = {"size": 50, "ts": "2020-01-01T00:00:00.000000Z"}
    assert not policy.due(60, recent, None)
    assert policy.due(150, recent, None)
    assert policy.due(51, old, None)
    assert not policy.due(50, old, None)  # nothing new to anchor
    assert policy.due(1, None, time.time() - 601) and not policy.due(1, None, time.time())


def test_audit_verify_anchors_a_big_store_the_gate_left_alone(rig: Rig) -> None:
    with lean.connect(rig.db) as conn:
        conn.after_chain = None  # as if the rows predate automatic anchoring
        for n in range(5):
            lean.append_decision(conn, outcome="auto_allowed", action="allow", operator="x",
                                 session="s", tool="Bash", tool_input={"command": f"ls {n}"})  # fmt: skip
    assert not Path(rig.db + ".anchors.jsonl").exists()
    assert rig.verify().returncode == 0
    (line,) = Path(rig.db + ".anchors.jsonl").read_text().splitlines()
    assert json.loads(line)["size"] == 5


# --------------------------------------------------------- item 6: deciding from inside

AGENT = r"""
import json, subprocess, sys
# The "agent": it reads commands on stdin and runs each as its own child, as a script the
# agent wrote would run.
for line in sys.stdin:
    done = subprocess.run(line.split("\0"), capture_output=True, text=True)
    print(json.dumps([done.returncode, done.stdout, done.stderr]), flush=True)
"""


class FakeAgent:
    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", AGENT], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            text=True,
        )  # fmt: skip

    def run(self, *argv: str) -> tuple[int, str, str]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write("\0".join(argv) + "\n")
        self.proc.stdin.flush()
        code, out, err = json.loads(self.proc.stdout.readline())
        return code, out, err

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait(timeout=10)


@pytest.fixture
def agent() -> Any:
    fake = FakeAgent()
    yield fake
    fake.close()


def register(rig: Rig, agent: FakeAgent, session: str = SESSION) -> None:
    with lean.connect(rig.db) as conn:
        core.register_process(conn, session, agent.proc.pid, os.uname().nodename, agent="dev",
                              task="feature", cwd="/srv/dev/app")  # fmt: skip


def test_a_script_of_the_agent_cannot_approve_its_own_call(rig: Rig, agent: FakeAgent) -> None:
    assert decision(rig.run("git status"))[0] == "allow"
    register(rig, agent)
    proc = rig.start("git push --force origin main")
    approval = rig.pending(proc)
    base = [sys.executable, "-m", "overseer"]
    code, _out, err = agent.run(
        *base, "decide", approval["id"], "approve", "--operator", "alice", "--db", rig.db
    )
    assert code == 2 and "refused" in err and TAMPERING in err, err
    assert f"agent process {agent.proc.pid}" in err
    code, _out, err = agent.run(*base, "kill", SESSION, "--no-signal", "--db", rig.db)
    assert code == 1 and TAMPERING in err, err
    assert (
        lean.connect(rig.db)
        .execute("SELECT status FROM approvals WHERE id = ?", (approval["id"],))
        .fetchone()[0]
        == "pending"
    )  # still the operator's to decide
    refusals = [r for r in rig.rows() if r["action"] == "refuse"]
    assert len(refusals) == 2 and all(r["reason"].startswith(TAMPERING) for r in refusals)
    assert rig.security_flags() == 2

    # The very same command from an unrelated process (the operator's terminal) works.
    done = rig.cli("decide", approval["id"], "approve", "--operator", "alice")
    assert done.returncode == 0, done.stderr
    assert decision(rig.finish(proc))[0] == "allow"
    assert rig.verify().returncode == 0


def test_the_agent_process_itself_and_in_process_decisions_are_refused(
    rig: Rig, agent: FakeAgent
) -> None:
    from overseer.control.ancestry import InsideSession, agent_ancestor

    register(rig, agent)
    with lean.connect(rig.db) as conn:
        found = agent_ancestor(conn, agent.proc.pid)
        assert found is not None and found.session == SESSION and found.hops == 0
        assert agent_ancestor(conn) is None  # this test process is not inside it
        approval = lean.create_approval(
            conn, session=SESSION, call_id="c", agent="dev", task="feature", tool="Bash",
            tool_input={"command": "git push"}, rule=None, verdict="ask", summary="Bash: git push",
            timeout_s=60,
        )  # fmt: skip
        # A server acting for a client passes the client's pid.
        with pytest.raises(InsideSession):
            lean.decide(conn, approval, decision="approve", reason=None, operator="alice",
                        caller_pid=agent.proc.pid)  # fmt: skip
        with pytest.raises(InsideSession):
            lean.mark_session_killed(conn, SESSION, operator="alice", reason=None,
                                     caller_pid=agent.proc.pid)  # fmt: skip
        assert lean.read_approval(conn, approval)["status"] == "pending"  # type: ignore[index]


def test_a_reused_pid_is_not_an_agent(rig: Rig, agent: FakeAgent) -> None:
    register(rig, agent)
    # The session was first seen long before this process started: the registered pid now
    # belongs to another process, which must not be refused.
    with sqlite3.connect(rig.db) as raw:
        raw.execute("UPDATE sessions SET started_at = '2020-01-01T00:00:00.000000Z'")
    from overseer.control.ancestry import agent_ancestor

    with lean.connect(rig.db) as conn:
        assert agent_ancestor(conn, agent.proc.pid) is None
