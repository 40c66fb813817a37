"""``overseer decide`` and ``overseer approvals``: what an operator types and reads, and the
exit statuses scripts rely on (0 done, 2 cannot, 3 someone else decided first)."""

from __future__ import annotations

import json
from typing import Any

from click.testing import CliRunner, Result

from overseer.cli import cli
from overseer.store import lean
from tests.store_support import db, sqlite_db  # noqa: F401  (fixtures)


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def pending(db: str, **kw: Any) -> str:  # noqa: F811
    fields: dict[str, Any] = {
        "session": "sess-1", "call_id": "toolu_1", "agent": "release-bot", "task": "release",
        "tool": "Bash", "tool_input": {"command": "gh release create v1 --token ghp_" + "a" * 36},
        "rule": "Bash(gh release create:*)", "verdict": "ask",
        "summary": "Bash gh release create v1 --token ghp_" + "a" * 36, "timeout_s": 120,
    }  # fmt: skip
    fields.update(kw)
    with lean.connect(db) as conn:
        return lean.create_approval(conn, **fields)


def test_approve(db: str) -> None:  # noqa: F811
    approval_id = pending(db)
    result = run("decide", approval_id, "approve", "--reason", "release day", "--db", db,
                 "--operator", "alice")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{approval_id} approved by alice (audit seq 1)\n"
    with lean.connect(db) as conn:
        found = lean.read_approval(conn, approval_id)
    assert found is not None and (found["status"], found["reason"]) == ("approved", "release day")


def test_deny_without_reason_is_refused(db: str) -> None:  # noqa: F811
    approval_id = pending(db)
    result = run("decide", approval_id, "deny", "--db", db)
    assert result.exit_code == 2 and "needs a reason" in result.stderr
    with lean.connect(db) as conn:
        assert lean.read_approval(conn, approval_id)["status"] == "pending"  # type: ignore[index]


def test_the_loser_exits_3_naming_the_winner(db: str) -> None:  # noqa: F811
    approval_id = pending(db)
    assert (
        run(
            "decide", approval_id, "deny", "--reason", "no", "--operator", "bob", "--db", db
        ).exit_code
        == 0
    )
    late = run("decide", approval_id, "approve", "--operator", "carol", "--db", db)
    assert late.exit_code == 3
    assert late.stderr.startswith("already decided by bob at ") and late.stderr.endswith(
        ": denied\n"
    )


def test_operator_defaults_to_the_os_user(sqlite_db: str, monkeypatch: Any) -> None:  # noqa: F811
    monkeypatch.setattr("getpass.getuser", lambda: "os-user")
    approval_id = pending(sqlite_db)
    result = run("decide", approval_id, "approve", "--db", sqlite_db)
    assert result.exit_code == 0 and "by os-user" in result.stdout


def test_edited_input(sqlite_db: str) -> None:  # noqa: F811
    approval_id = pending(sqlite_db)
    edited = '{"command": "gh release create v1 --draft"}'
    result = run("decide", approval_id, "approve", "--input", edited, "--db", sqlite_db)
    assert result.exit_code == 0, result.output
    with lean.connect(sqlite_db) as conn:
        found = lean.read_approval(conn, approval_id)
    assert found is not None and found["updated_input"] == json.loads(edited)


def test_bad_arguments_are_one_line_errors(sqlite_db: str) -> None:  # noqa: F811
    approval_id = pending(sqlite_db)
    cases = [
        (["decide", approval_id, "approve", "--input", "{nope"], "--input is not JSON"),
        (["decide", approval_id, "approve", "--input", "[1]"], "JSON object"),
        (["decide", approval_id, "deny", "--reason", "x", "--input", "{}"], "only makes sense"),
        (["decide", "ap-0000000000", "approve"], "no approval ap-0000000000"),
    ]
    for args, message in cases:
        result = run(*args, "--db", sqlite_db)
        assert result.exit_code == 2, (args, result.output)
        assert message in result.stderr and result.stderr.count("\n") == 1, result.stderr
    missing = run("decide", approval_id, "approve", "--db", sqlite_db + ".typo")
    assert missing.exit_code == 2 and "no overseer database" in missing.stderr


def test_approvals_lists_pending_oldest_first(db: str) -> None:  # noqa: F811
    first = pending(db)
    second = pending(db, session="sess-\x1b[2J-2", tool="Write", summary="Write notes.md")
    done = pending(db, call_id="toolu_3")
    with lean.connect(db) as conn:
        lean.decide(conn, done, decision="approve", reason=None, operator="alice")
    result = run("approvals", "--db", db)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith(first) and "release-bot" in lines[0] and "waiting" in lines[0]
    assert "ghp_" not in result.stdout and "‹github_token›" in result.stdout  # masked
    assert "\x1b" not in result.stdout  # a hostile session id is shown, not executed
    assert lines[2].startswith(second) and "Write notes.md" in lines[3]
    assert done not in result.stdout
    listed = json.loads(run("approvals", "--db", db, "--json").stdout)
    assert [a["id"] for a in listed] == [first, second]
    assert listed[0]["tool"] == "Bash" and listed[0]["waiting_s"] >= 0
    assert "ghp_" not in json.dumps(listed)


def test_approvals_on_an_empty_store(sqlite_db: str) -> None:  # noqa: F811
    lean.connect(sqlite_db).close()
    assert run("approvals", "--db", sqlite_db).stdout == "no pending approvals\n"
    assert json.loads(run("approvals", "--db", sqlite_db, "--json").stdout) == []


def test_db_from_the_environment(sqlite_db: str, monkeypatch: Any) -> None:  # noqa: F811
    approval_id = pending(sqlite_db)
    monkeypatch.setenv("OVERSEER_DB", sqlite_db)
    assert approval_id in run("approvals").stdout
