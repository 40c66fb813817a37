"""The gate protocol (overseer.store.lean): approvals, decisions, timeouts, kills, and the
audit row each writes. Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import getpass
import hashlib
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import rfc8785

from overseer.store import AlreadyDecided, UnknownApproval, lean
from overseer.store.audit import verify
from tests.store_support import db  # noqa: F401  (fixture)

SECRET = "AKIAABCDEFGHIJKLMNOP"


@pytest.fixture
def conn(db: str) -> Iterator[lean.LeanConn]:  # noqa: F811
    with lean.connect(db) as opened:
        yield opened


def ask(conn: lean.LeanConn, session: str = "s1", timeout_s: float = 60, **kw: Any) -> str:
    fields: dict[str, Any] = {
        "call_id": "toolu_1", "agent": "release-bot", "task": "release", "tool": "Bash",
        "tool_input": {"command": f"aws s3 ls --key {SECRET}"}, "rule": "Bash(aws:*)",
        "verdict": "ask", "summary": "Bash aws s3 ls", "timeout_s": timeout_s,
    }  # fmt: skip
    fields.update(kw)
    return lean.create_approval(conn, session=session, **fields)


def chain_rows(conn: lean.LeanConn) -> list[dict[str, Any]]:
    cur = conn.execute("SELECT * FROM decisions ORDER BY seq")
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def test_create_and_read_an_approval(conn: lean.LeanConn) -> None:
    approval_id = ask(conn)
    assert approval_id.startswith("ap-") and len(approval_id) == 13
    found = lean.read_approval(conn, approval_id)
    assert found is not None
    assert found["status"] == "pending" and found["input"] == {
        "command": f"aws s3 ls --key {SECRET}"
    }
    assert (found["session"], found["tool"], found["rule"]) == ("s1", "Bash", "Bash(aws:*)")
    assert found["deadline"] > found["created_at"]
    assert [a["id"] for a in lean.pending_approvals(conn)] == [approval_id]
    assert lean.read_approval(conn, "ap-0000000000") is None
    assert lean.session_status(conn, "s1") == "live"  # a hook-only session becomes visible


def test_approve_writes_one_masked_audit_row(conn: lean.LeanConn) -> None:
    approval_id = ask(conn)
    decided = lean.decide(conn, approval_id, decision="approve", reason="ok", operator="alice")
    assert (decided["status"], decided["decided_by"], decided["reason"]) == (
        "approved",
        "alice",
        "ok",
    )
    [row] = chain_rows(conn)
    assert (row["seq"], row["outcome"], row["action"], row["operator"]) == (
        1,
        "approved",
        "approve",
        "alice",
    )
    assert (row["approval_id"], row["session"], row["call_id"]) == (approval_id, "s1", "toolu_1")
    assert (row["agent"], row["task"], row["rule"]) == ("release-bot", "release", "Bash(aws:*)")
    assert SECRET not in row["input"] and "‹aws_access_key›" in row["input"]
    raw = rfc8785.dumps({"command": f"aws s3 ls --key {SECRET}"}).decode()
    assert row["input_fingerprint"] == hashlib.sha256(raw.encode()).hexdigest()
    assert decided["decision_seq"] == 1
    assert lean.pending_approvals(conn) == []


def test_deny_needs_a_reason(conn: lean.LeanConn) -> None:
    approval_id = ask(conn)
    for reason in (None, "", "   "):
        with pytest.raises(ValueError, match="reason"):
            lean.decide(conn, approval_id, decision="deny", reason=reason, operator="bob")
    with pytest.raises(ValueError):
        lean.decide(conn, approval_id, decision="maybe", reason="x", operator="bob")
    denied = lean.decide(conn, approval_id, decision="deny", reason="not in prod", operator="bob")
    assert denied["status"] == "denied" and denied["reason"] == "not in prod"


def test_second_decision_loses_with_the_winner_named(conn: lean.LeanConn) -> None:
    approval_id = ask(conn)
    won = lean.decide(conn, approval_id, decision="approve", reason=None, operator="alice")
    with pytest.raises(AlreadyDecided) as lost:
        lean.decide(conn, approval_id, decision="deny", reason="no", operator="bob")
    assert (lost.value.by, lost.value.at, lost.value.outcome) == (
        "alice",
        won["decided_at"],
        "approved",
    )
    assert str(lost.value) == f"already decided by alice at {won['decided_at']}: approved"
    assert len(chain_rows(conn)) == 1
    with pytest.raises(UnknownApproval):
        lean.decide(conn, "ap-nope", decision="approve", reason=None, operator="x")


def test_edited_input_keeps_original_and_edit(conn: lean.LeanConn) -> None:
    approval_id = ask(conn)
    edited = {"command": "aws s3 ls --dry-run", "token": "password=hunter2hunter2"}
    decided = lean.decide(
        conn,
        approval_id,
        decision="approve",
        reason="safer",
        operator="alice",
        updated_input=edited,
    )
    assert decided["updated_input"] == edited  # the hook hands this back to the agent as is
    [row] = chain_rows(conn)
    assert json.loads(row["input"])["command"].startswith("aws s3 ls --key ‹")
    assert json.loads(row["updated_input"])["command"] == "aws s3 ls --dry-run"
    assert "hunter2" not in row["updated_input"]
    with pytest.raises(ValueError):
        lean.decide(conn, ask(conn), decision="deny", reason="x", operator="a", updated_input={})


def test_finish_approval_is_race_safe(conn: lean.LeanConn) -> None:
    timed_out = ask(conn)
    assert lean.finish_approval(
        conn, timed_out, outcome="timed_out", reason="120s", operator="hook"
    )
    with pytest.raises(AlreadyDecided) as late:
        lean.decide(conn, timed_out, decision="approve", reason=None, operator="alice")
    assert late.value.outcome == "timed_out"  # a timeout is never shown as a denial
    decided = ask(conn)
    lean.decide(conn, decided, decision="approve", reason=None, operator="alice")
    assert not lean.finish_approval(conn, decided, outcome="timed_out", reason="x", operator="hook")
    assert lean.read_approval(conn, decided)["status"] == "approved"  # type: ignore[index]
    with pytest.raises(ValueError):
        lean.finish_approval(conn, decided, outcome="approved", reason="x", operator="hook")
    with pytest.raises(UnknownApproval):
        lean.finish_approval(conn, "ap-nope", outcome="errored", reason="x", operator="hook")
    assert [r["outcome"] for r in chain_rows(conn)] == ["timed_out", "approved"]


def test_wait_for_decision_times_out(conn: lean.LeanConn) -> None:
    approval_id = ask(conn, timeout_s=0.1)
    assert lean.wait_for_decision(conn, approval_id, time.time() + 0.1) is None
    assert lean.wait_for_decision(conn, approval_id, time.monotonic() + 0.05) is None
    with pytest.raises(UnknownApproval):
        lean.wait_for_decision(conn, "ap-nope", time.time() + 1)


def test_wait_for_decision_sees_an_operator_in_another_connection(
    conn: lean.LeanConn,
    db: str,  # noqa: F811
) -> None:
    approval_id = ask(conn)

    def operator() -> None:
        time.sleep(0.2)
        with lean.connect(db) as other:
            lean.decide(other, approval_id, decision="deny", reason="no", operator="carol")

    thread = threading.Thread(target=operator)
    thread.start()
    found = lean.wait_for_decision(conn, approval_id, time.time() + 30)
    thread.join()
    assert found is not None and (found["status"], found["decided_by"]) == ("denied", "carol")


def test_kill_finishes_pending_approvals(conn: lean.LeanConn) -> None:
    first, second = ask(conn), ask(conn, call_id="toolu_2")
    other_session = ask(conn, session="s2")
    seq = lean.mark_session_killed(conn, "s1", operator="oncall", reason="runaway loop")
    assert lean.session_status(conn, "s1") == "killed"
    for approval_id in (first, second):
        found = lean.read_approval(conn, approval_id)
        assert found is not None and found["status"] == "killed" and found["decided_by"] == "oncall"
    assert lean.read_approval(conn, other_session)["status"] == "pending"  # type: ignore[index]
    assert lean.wait_for_decision(conn, first, time.time() + 1)["status"] == "killed"  # type: ignore[index]
    rows = chain_rows(conn)
    assert rows[seq - 1]["outcome"] == "killed" and rows[seq - 1]["approval_id"] is None
    assert sorted(r["approval_id"] for r in rows[seq:]) == sorted([first, second])
    assert lean.mark_session_killed(conn, "never-seen", operator="oncall", reason="x") > seq
    assert lean.session_status(conn, "never-seen") == "killed"
    assert lean.session_status(conn, "nobody") is None


def test_append_decision_for_automatic_outcomes(conn: lean.LeanConn) -> None:
    seq = lean.append_decision(
        conn, outcome="auto_allowed", action="gate", operator=None, session="s9",
        call_id="toolu_9", tool="Bash", tool_input={"command": "git tag v1"},
        rule="Bash(git tag:*)", agent="release-bot", task="release",
    )  # fmt: skip
    assert seq == 1
    seq2 = lean.append_decision(conn, outcome="policy_denied", action="gate", operator="hook")
    assert seq2 == 2
    rows = chain_rows(conn)
    assert rows[0]["operator"] == getpass.getuser()
    assert rows[0]["input"] == '{"command":"git tag v1"}'
    assert rows[1]["prev_hash"] == rows[0]["hash"]
    with pytest.raises(ValueError, match="unknown gate outcome"):
        lean.append_decision(conn, outcome="allowed", action="gate", operator="hook")
    assert verify(conn).ok


def test_hostile_inputs_still_get_an_audit_row(conn: lean.LeanConn) -> None:
    odd: dict[str, Any] = {"n": float("nan"), "big": 2**70, "s": "\x1b]52;c;AAAA\x07"}
    lean.append_decision(conn, outcome="policy_denied", action="gate", operator="hook",
                         tool_input=odd)  # fmt: skip
    assert verify(conn).ok


def test_expire_overdue(conn: lean.LeanConn) -> None:
    stale = ask(conn, timeout_s=0.01)
    fresh = ask(conn, timeout_s=600)
    time.sleep(0.05)
    assert lean.expire_overdue(conn, operator="tui", grace_s=0.0) == [stale]
    assert lean.read_approval(conn, stale)["status"] == "timed_out"  # type: ignore[index]
    assert lean.read_approval(conn, fresh)["status"] == "pending"  # type: ignore[index]


def test_every_protocol_write_keeps_the_chain_valid(conn: lean.LeanConn) -> None:
    for i in range(5):
        approval_id = ask(conn, call_id=f"c{i}")
        if i % 2:
            lean.decide(conn, approval_id, decision="approve", reason=None, operator="a")
        else:
            lean.finish_approval(conn, approval_id, outcome="errored", reason="x", operator="h")
    lean.mark_session_killed(conn, "s1", operator="oncall", reason="x")
    result = verify(conn)
    assert result.ok and result.rows == 6 and result.warnings == []
