"""Team mode for real: two PostgreSQL roles, the hook's and the operator's (``team init``).

A database of its own and roles of its own (random suffixes), dropped afterwards. The hook
role is what a hostile agent holds the credentials of: each test connects as it and tries to
change what the oversight rests on — approvals, grants, sessions, the chain, its triggers,
the anchors, the operator's functions, the chain lock — and shows it refused. Then the real
hook runs as a subprocess against the hook role (allowed, denied, gated), the operator
approves as the operator role while claiming to be someone else, and ``audit verify`` passes
over the rows the functions wrote.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.store_support import PG_ADMIN_URL, pg_unreachable

pytestmark = pytest.mark.postgres

CONFIG = """
[defaults]
gate_timeout = "30s"

[agents.dev]
owner = "dev@example.com"
autonomy = "autonomous"
default_task = "work"
match = { cwd = ["/srv/team/**", "/srv/team"] }

[agents.dev.tasks.work]
allow = ["Bash(ls *)", "Read"]
ask = ["Bash(git push:*)"]
deny = ["Bash(rm:*)"]
default = "ask"
"""


class Team:
    """One database in team mode, its owner (the admin), and the two role URLs."""

    def __init__(self, name: str, suffix: str) -> None:
        self.name = name
        self.hook_role, self.op_role = f"tm_hook_{suffix}", f"tm_op_{suffix}"
        self.owner = self.url("postgres")
        self.hook = self.url(self.hook_role)
        self.operator = self.url(self.op_role)

    def url(self, user: str) -> str:
        from sqlalchemy.engine import make_url

        base = make_url(PG_ADMIN_URL)
        return f"postgresql://{user}@{base.host or '127.0.0.1'}:{base.port or 5432}/{self.name}"

    def connect(self, url: str) -> Any:
        import psycopg

        return psycopg.connect(url, autocommit=True, connect_timeout=5)


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("OVERSEER_", "PG"))}


def overseer(*args: str, stdin: bytes = b"", timeout: float = 60) -> subprocess.CompletedProcess[bytes]:  # fmt: skip
    return subprocess.run(
        [sys.executable, "-m", "overseer", *args], input=stdin, capture_output=True,
        env=_env(), timeout=timeout,
    )  # fmt: skip


@pytest.fixture(scope="module")
def team() -> Iterator[Team]:
    reason = pg_unreachable()
    if reason:
        pytest.skip(reason)
    import psycopg

    suffix = uuid.uuid4().hex[:10]
    name = f"overseer_team_{suffix}"
    setup = Team(name, suffix)
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        done = overseer(
            "team", "init", "--db", setup.owner, "--hook-role", setup.hook_role,
            "--operator-role", setup.op_role, "--login",
        )  # fmt: skip
        assert done.returncode == 0, done.stderr.decode()
        yield setup
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            for role in (setup.hook_role, setup.op_role):
                admin.execute(f'DROP ROLE IF EXISTS "{role}"')


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("team") / "config.toml"
    path.write_text(CONFIG)
    return path


def call(command: str, *, session: str, n: int) -> bytes:
    return json.dumps(
        {
            "session_id": session,
            "transcript_path": f"/home/dev/.claude/projects/-srv-team/{session}.jsonl",
            "cwd": "/srv/team",
            "permission_mode": "default",
            "hook_event_name": "PreToolUse",
            "tool_name": "Bash",
            "tool_input": {"command": command, "description": "test"},
            "tool_use_id": f"toolu_{n:04d}",
        }
    ).encode()


def hook_argv(team: Team, config: Path) -> list[str]:
    return [sys.executable, "-m", "overseer", "hook", "claude-code", "--db", team.hook,
            "--config", str(config)]  # fmt: skip


def run_hook(team: Team, config: Path, command: str, *, session: str, n: int) -> dict[str, Any]:
    done = subprocess.run(
        hook_argv(team, config), input=call(command, session=session, n=n), capture_output=True,
        env=_env(), timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr.decode()
    return dict(json.loads(done.stdout)["hookSpecificOutput"])


def owner_rows(team: Team, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with team.connect(team.owner) as conn:
        return list(conn.execute(sql, params).fetchall())


def wait_pending(team: Team, call_id: str) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = owner_rows(
            team, "SELECT id FROM approvals WHERE call_id = %s AND status = 'pending'", (call_id,)
        )
        if found:
            return str(found[0][0])
        time.sleep(0.05)
    raise AssertionError(f"no pending approval for {call_id}")


# ------------------------------------------------------------------------ the real flow


def test_the_hook_gates_through_its_role_and_the_operator_is_session_user(
    team: Team, config: Path
) -> None:
    session = "team-session-flow"
    allowed = run_hook(team, config, "ls -la", session=session, n=1)
    assert allowed["permissionDecision"] == "allow", allowed
    denied = run_hook(team, config, "rm -rf build", session=session, n=2)
    assert denied["permissionDecision"] == "deny", denied

    proc = subprocess.Popen(
        hook_argv(team, config), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, env=_env(),
    )  # fmt: skip
    out, err = b"", b""
    try:
        assert proc.stdin is not None
        proc.stdin.write(call("git push origin main", session=session, n=3))
        proc.stdin.close()
        proc.stdin = None
        approval = wait_pending(team, "toolu_0003")
        # the hook role cannot approve it, by the CLI or by hand
        refused = overseer("decide", approval, "approve", "--db", team.hook, "--operator", "alice")
        assert refused.returncode != 0, refused.stdout
        assert owner_rows(team, "SELECT status FROM approvals WHERE id = %s", (approval,)) == [
            ("pending",)
        ]
        approved = overseer(
            "decide", approval, "approve", "--db", team.operator, "--operator", "alice"
        )
        assert approved.returncode == 0, approved.stderr.decode()
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    answer = json.loads(out)["hookSpecificOutput"]
    assert answer["permissionDecision"] == "allow", err
    decided = owner_rows(team, "SELECT decided_by FROM approvals WHERE id = %s", (approval,))
    assert decided == [(team.op_role,)]  # session_user, not the "alice" it claimed
    chain = owner_rows(
        team, "SELECT operator FROM decisions WHERE approval_id = %s AND outcome = 'approved'",
        (approval,),
    )  # fmt: skip
    assert chain == [(team.op_role,)]
    outcomes = owner_rows(
        team, "SELECT outcome FROM decisions WHERE session = %s ORDER BY seq", (session,)
    )
    assert [o for (o,) in outcomes] == ["auto_allowed", "policy_denied", "approved"]
    verified = overseer("audit", "verify", "--db", team.owner)
    assert verified.returncode == 0, (verified.stdout, verified.stderr)


# ------------------------------------------------------------------------ the hook role's attacks


ATTACKS = [
    "UPDATE approvals SET status = 'approved'",
    'UPDATE approvals SET input = \'{"command": "git status"}\'',
    "DELETE FROM approvals",
    "INSERT INTO approvals (id, session, tool, status, created_at)"
    " VALUES ('ap-forged', 'team-session-flow', 'Bash', 'approved', '2026-01-01T00:00:00Z')",
    "INSERT INTO grants (session, rule, approval_id, operator, created_at)"
    " VALUES ('team-session-flow', 'Bash', NULL, 'alice', '2026-01-01T00:00:00Z')",
    "UPDATE grants SET rule = 'Bash'",
    "DELETE FROM grants",
    "UPDATE sessions SET status = 'live'",
    "UPDATE sessions SET agent = 'release-bot'",
    "DELETE FROM sessions",
    "INSERT INTO sessions (id, agent, status) VALUES ('forged', 'trusted', 'live')",
    "INSERT INTO decisions (seq, ts, outcome, action, operator, prev_hash, hash)"
    " VALUES (999999, '2026-01-01T00:00:00Z', 'approved', 'allow', 'alice', 'x', 'y')",
    "UPDATE decisions SET outcome = 'approved'",
    "DELETE FROM decisions",
    "TRUNCATE decisions",
    "DELETE FROM checkpoints",
    "INSERT INTO checkpoints (size, head, ts, operator) VALUES (1, 'x', '2026-01-01', 'alice')",
    "UPDATE overseer_team_sessions SET login = current_user",
    "DELETE FROM overseer_team_approvals",
    "ALTER TABLE decisions DISABLE TRIGGER ALL",
    "DROP TRIGGER decisions_no_update_delete ON decisions",
    "DROP TABLE decisions",
    "ALTER TABLE decisions RENAME TO decisions_old",
    "CREATE TABLE decisions_shadow (seq bigint)",
    "SELECT overseer_op_decide('ap-x', 'approve', NULL, NULL, NULL, NULL::text[], NULL, NULL)",
    "SELECT overseer_op_kill('team-session-flow', NULL, NULL::jsonb)",
    "SELECT overseer_op_signal('team-session-flow', 'x', 'y', 'z')",
    "SELECT overseer_team_append('approved', 'allow', 'alice', NULL, NULL, NULL, NULL, NULL,"
    " NULL, NULL, NULL, NULL, NULL, NULL, NULL)",
    "SELECT overseer_team_close('ap-x', 'approved', 'allow', 'alice', NULL, NULL, NULL, NULL,"
    " NULL, NULL)",
    "SELECT overseer_team_claim('team-session-flow')",
    "SELECT pg_advisory_xact_lock(8031170263436883314)",
    "SET ROLE postgres",
    "CREATE OR REPLACE FUNCTION overseer_gate_grants(p_session text) RETURNS SETOF text"
    " LANGUAGE sql AS $$ SELECT 'Bash'::text $$",
    "ALTER FUNCTION overseer_gate_grants(text) SECURITY INVOKER",
]
_COUNTS = (
    "SELECT (SELECT count(*) FROM approvals), (SELECT count(*) FROM grants),"
    " (SELECT count(*) FROM sessions), (SELECT count(*) FROM decisions),"
    " (SELECT count(*) FROM checkpoints), (SELECT string_agg(status, ',' ORDER BY id)"
    " FROM approvals), (SELECT max(hash) FROM decisions)"
)


@pytest.mark.parametrize("statement", ATTACKS)
def test_the_hook_role_cannot_change_what_the_oversight_rests_on(
    team: Team, statement: str
) -> None:
    """Each statement is valid for the owner (run there in a rolled-back transaction, so the
    test cannot pass on a typo), and refused for the hook role for want of privilege."""
    import psycopg

    with team.connect(team.owner) as owner:
        try:
            with owner.transaction():
                owner.execute(statement)
                raise _Rollback
        except _Rollback:
            pass
        except psycopg.Error as exc:  # a trigger or a function refusing: still valid SQL
            assert exc.sqlstate not in _INVALID, (statement, exc.sqlstate, str(exc))
    before = owner_rows(team, _COUNTS)
    with team.connect(team.hook) as conn, pytest.raises(psycopg.Error) as caught:
        conn.execute(statement)
    assert caught.value.sqlstate == "42501", (statement, caught.value.sqlstate, str(caught.value))
    assert owner_rows(team, _COUNTS) == before


class _Rollback(Exception):
    pass


#: SQLSTATEs meaning the statement itself is wrong (syntax, unknown column, table, function).
_INVALID = {"42601", "42703", "42P01", "42883", "42804", "42P18", "42725"}


def test_a_temporary_table_cannot_stand_in_for_an_overseer_table(team: Team, config: Path) -> None:
    """The hook role may create temporary tables (PUBLIC's TEMP privilege); the functions
    look in ``pg_temp`` last, so a temporary ``grants`` saying "Bash" grants nothing."""
    session = "team-session-temp"
    assert run_hook(team, config, "ls", session=session, n=30)["permissionDecision"] == "allow"
    with team.connect(team.hook) as conn:
        conn.execute("CREATE TEMP TABLE grants (id int, session text, rule text)")
        conn.execute("INSERT INTO pg_temp.grants VALUES (1, %s, 'Bash')", (session,))
        rules = conn.execute("SELECT * FROM overseer_gate_grants(%s)", (session,)).fetchall()
    assert rules == []


def test_the_hook_role_cannot_set_an_operators_outcome_through_its_own_functions(
    team: Team, config: Path
) -> None:
    """``finish_approval`` is the hook's (timeouts, errors): never ``approved``/``denied``."""
    import psycopg

    session = "team-session-finish"
    proc = subprocess.Popen(
        hook_argv(team, config), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, env=_env(),
    )  # fmt: skip
    try:
        assert proc.stdin is not None
        proc.stdin.write(call("git push origin feature", session=session, n=10))
        proc.stdin.close()
        proc.stdin = None
        approval = wait_pending(team, "toolu_0010")
        with team.connect(team.hook) as conn:
            for outcome in ("approved", "denied"):
                with pytest.raises(psycopg.Error):
                    conn.execute(
                        "SELECT overseer_gate_finish_approval(%s, %s, 'allow', 'alice', NULL)",
                        (approval, outcome),
                    )
        assert owner_rows(team, "SELECT status FROM approvals WHERE id = %s", (approval,)) == [
            ("pending",)
        ]
        denied = overseer("decide", approval, "deny", "--reason", "not now", "--db", team.operator)
        assert denied.returncode == 0, denied.stderr.decode()
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    assert json.loads(out)["hookSpecificOutput"]["permissionDecision"] == "deny"


def test_the_operator_role_cannot_rewrite_the_chain_either(team: Team) -> None:
    """The operator decides through functions too: it may read, not write tables."""
    import psycopg

    with team.connect(team.operator) as conn:
        assert conn.execute("SELECT count(*) FROM decisions").fetchone() is not None
        for statement in (
            "UPDATE decisions SET operator = 'someone else'",
            "DELETE FROM approvals",
            "UPDATE sessions SET status = 'live'",
            "ALTER TABLE decisions DISABLE TRIGGER ALL",
        ):
            with pytest.raises(psycopg.Error):
                conn.execute(statement)


def test_a_second_hook_login_cannot_read_or_finish_anothers_approvals(
    team: Team, config: Path
) -> None:
    """Sessions are tied to the hook login that first wrote for them."""
    import psycopg

    other = f"tm_hook2_{uuid.uuid4().hex[:8]}"
    with team.connect(team.owner) as admin:
        admin.execute(f'CREATE ROLE "{other}" LOGIN')
        admin.execute(f'GRANT "{team.hook_role}" TO "{other}"')
    try:
        run_hook(team, config, "ls", session="team-session-owned", n=20)
        with team.connect(team.url(other)) as conn:
            for statement in (
                "SELECT * FROM overseer_gate_session(%s)",
                "SELECT * FROM overseer_gate_grants(%s)",
            ):
                with pytest.raises(psycopg.Error) as caught:
                    conn.execute(statement, ("team-session-owned",))
                assert caught.value.sqlstate == "OV403", statement
    finally:
        with team.connect(team.owner) as inside:
            inside.execute(f'DROP OWNED BY "{other}"')
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP ROLE IF EXISTS "{other}"')


def test_the_operator_kills_as_session_user_and_the_hook_role_cannot_undo_it(
    team: Team, config: Path
) -> None:
    import psycopg

    session = "team-session-kill"
    assert run_hook(team, config, "ls", session=session, n=40)["permissionDecision"] == "allow"
    refused = overseer("kill", session, "--no-signal", "--db", team.hook)
    assert refused.returncode != 0
    killed = overseer("kill", session, "--no-signal", "--db", team.operator, "--operator", "bob")
    assert killed.returncode == 0, killed.stderr.decode()
    rows = owner_rows(
        team, "SELECT operator FROM decisions WHERE session = %s AND action = 'kill'", (session,)
    )
    assert rows == [(team.op_role,)]
    with team.connect(team.hook) as conn, pytest.raises(psycopg.Error) as caught:
        conn.execute("UPDATE sessions SET status = 'live' WHERE id = %s", (session,))
    assert caught.value.sqlstate == "42501"
    answer = run_hook(team, config, "ls", session=session, n=41)
    assert answer["permissionDecision"] == "deny" and "killed" in answer["permissionDecisionReason"]
    verified = overseer("audit", "verify", "--db", team.owner)
    assert verified.returncode == 0, (verified.stdout, verified.stderr)
