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

from overseer.store.lean import CHAIN_LOCK
from overseer.store.team import ADVISORY_LOCKS, HOOK_FUNCTIONS, OPERATOR_FUNCTIONS, SHARED_FUNCTIONS
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


def run_hook(
    team: Team, config: Path, command: str, *, session: str, n: int, **env: str
) -> dict[str, Any]:
    done = subprocess.run(
        hook_argv(team, config), input=call(command, session=session, n=n), capture_output=True,
        env={**_env(), **env}, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr.decode()
    return dict(json.loads(done.stdout)["hookSpecificOutput"])


def owner_rows(team: Team, sql: str, params: Any = ()) -> list[tuple[Any, ...]]:
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
    verified(team)


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
    f"SELECT pg_advisory_xact_lock({CHAIN_LOCK})",
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


OPERATOR_ATTACKS = [a for a in ATTACKS if not a.startswith("SELECT overseer_op_")]


@pytest.mark.parametrize("statement", OPERATOR_ATTACKS)
def test_the_operator_role_cannot_rewrite_the_chain_either(team: Team, statement: str) -> None:
    """The operator decides through functions too: it may read the tables, not write them,
    nor touch the triggers, the chain lock or the internal functions."""
    import psycopg

    before = owner_rows(team, _COUNTS)
    with team.connect(team.operator) as conn, pytest.raises(psycopg.Error) as caught:
        conn.execute(statement)
    assert caught.value.sqlstate == "42501", (statement, caught.value.sqlstate, str(caught.value))
    assert owner_rows(team, _COUNTS) == before


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
    verified(team)


# ------------------------------------------------------------------------ what each role holds


def _relations(team: Team) -> list[tuple[str, str]]:
    return [
        (str(name), str(kind))
        for name, kind in owner_rows(
            team,
            "SELECT c.relname, c.relkind FROM pg_class c"
            " WHERE c.relnamespace = current_schema()::regnamespace"
            " AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') ORDER BY 1",
        )
    ]


def _signatures(names: tuple[str, ...]) -> set[str]:
    return {name.replace(", ", ",") for name in names}


@pytest.mark.parametrize("who", ["hook", "operator"])
def test_each_role_holds_exactly_the_privileges_the_design_gives_it(team: Team, who: str) -> None:
    """An inventory from the catalog, so a table or function added later cannot slip in: the
    hook role may SELECT ``meta`` and nothing else and EXECUTE only the gate functions; the
    operator may SELECT every table and EXECUTE only its own and the shared functions. Every
    function either may call is SECURITY DEFINER with its search_path pinned."""
    role = team.hook_role if who == "hook" else team.op_role
    relations = _relations(team)
    assert {"approvals", "grants", "sessions", "decisions", "checkpoints", "meta"} <= {
        name for name, _ in relations
    }
    held = set(
        owner_rows(
            team,
            "SELECT c.relname, p.priv FROM pg_class c, unnest(ARRAY['SELECT', 'INSERT',"
            " 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) AS p(priv)"
            " WHERE c.relnamespace = current_schema()::regnamespace"
            " AND c.relkind IN ('r', 'p', 'v', 'm', 'f')"
            " AND (has_table_privilege(%(r)s, c.oid, p.priv) OR (p.priv IN ('SELECT', 'INSERT',"
            " 'UPDATE', 'REFERENCES') AND has_any_column_privilege(%(r)s, c.oid, p.priv)))"
            " UNION SELECT c.relname, p.priv FROM pg_class c,"
            " unnest(ARRAY['USAGE', 'SELECT', 'UPDATE']) AS p(priv)"
            " WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'S'"
            " AND has_sequence_privilege(%(r)s, c.oid, p.priv)",
            {"r": role},
        )
    )
    tables = {name for name, kind in relations if kind != "S"}
    if who == "hook":
        assert held == {("meta", "SELECT")}
    else:
        assert held == {(name, "SELECT") for name in tables}

    functions = owner_rows(
        team,
        "SELECT p.oid::regprocedure::text, p.prosecdef, p.proconfig FROM pg_proc p"
        " WHERE p.pronamespace = current_schema()::regnamespace"
        " AND has_function_privilege(%s, p.oid, 'EXECUTE')",
        (role,),
    )
    mine = HOOK_FUNCTIONS if who == "hook" else OPERATOR_FUNCTIONS
    assert {f for f, _, _ in functions} == _signatures(mine + SHARED_FUNCTIONS)
    schema = owner_rows(team, "SELECT current_schema()")[0][0]
    for name, definer, config in functions:
        assert definer, name
        assert f"search_path=pg_catalog, {schema}, pg_temp" in (config or []), (name, config)
    for lock in ADVISORY_LOCKS:
        assert not owner_rows(
            team, "SELECT has_function_privilege(%s, %s, 'EXECUTE')", (role, lock)
        )[0][0], lock
    assert owner_rows(
        team,
        "SELECT has_schema_privilege(%s, current_schema(), 'CREATE'),"
        " has_database_privilege(%s, current_database(), 'CREATE'),"
        " rolsuper OR rolcreaterole OR rolcreatedb OR rolbypassrls OR rolreplication"
        " FROM pg_roles WHERE rolname = %s",
        (role, role, role),
    ) == [(False, False, False)]


def test_the_hook_role_reads_no_table_but_meta(team: Team, config: Path) -> None:
    """With a real connection: SELECT on every overseer table is refused, ``meta`` is not."""
    import psycopg

    run_hook(team, config, "ls", session="team-session-read", n=50)  # rows exist to be read
    tables = [name for name, kind in _relations(team) if kind != "S" and name != "meta"]
    with team.connect(team.hook) as conn:
        assert conn.execute("SELECT count(*) FROM meta").fetchone() is not None
        for name in tables:
            with pytest.raises(psycopg.Error) as caught:
                conn.execute(f'SELECT * FROM "{name}" LIMIT 1')
            assert caught.value.sqlstate == "42501", (name, caught.value.sqlstate)


# ------------------------------------------------------------------------ more of the real flow


def gated(
    team: Team, config: Path, command: str, *, session: str, n: int, decide: list[str]
) -> tuple[str, dict[str, Any]]:
    """A gated call through the real hook, decided with ``overseer decide ID *decide``."""
    proc = subprocess.Popen(
        hook_argv(team, config), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, env=_env(),
    )  # fmt: skip
    try:
        assert proc.stdin is not None
        proc.stdin.write(call(command, session=session, n=n))
        proc.stdin.close()
        proc.stdin = None
        approval = wait_pending(team, f"toolu_{n:04d}")
        done = overseer("decide", approval, *decide)
        assert done.returncode == 0, done.stderr.decode()
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    assert proc.returncode == 0, err.decode()
    return approval, dict(json.loads(out)["hookSpecificOutput"])


def verified(team: Team) -> dict[str, Any]:
    """``overseer audit verify --json`` as the owner: intact, and over every row there is."""
    done = overseer("audit", "verify", "--json", "--db", team.owner)
    assert done.returncode == 0, (done.stdout, done.stderr)
    result = dict(json.loads(done.stdout))
    assert result["ok"] is True, result
    assert result["rows"] == owner_rows(team, "SELECT count(*) FROM decisions")[0][0]
    return result


def test_a_session_grant_is_recorded_as_session_user_and_lets_the_next_call_through(
    team: Team, config: Path
) -> None:
    session = "team-session-grant"
    approval, answer = gated(
        team, config, "git push origin one", session=session, n=60,
        decide=["approve", "--grant", "Bash(git push:*)", "--db", team.operator,
                "--operator", "mallory"],
    )  # fmt: skip
    assert answer["permissionDecision"] == "allow", answer
    assert owner_rows(
        team, "SELECT rule, operator, approval_id FROM grants WHERE session = %s", (session,)
    ) == [("Bash(git push:*)", team.op_role, approval)]
    assert owner_rows(
        team, "SELECT action, operator, rule FROM decisions WHERE approval_id = %s", (approval,)
    ) == [("approve_for_session", team.op_role, "Bash(git push:*)")]
    again = run_hook(team, config, "git push origin two", session=session, n=61)
    assert again["permissionDecision"] == "allow", again
    assert owner_rows(team, "SELECT count(*) FROM approvals WHERE call_id = 'toolu_0061'") == [
        (0,)
    ]  # allowed by the grant, no approval asked for
    assert owner_rows(
        team, "SELECT outcome, operator FROM decisions WHERE call_id = 'toolu_0061'"
    ) == [("auto_allowed", "overseer")]


def test_a_gate_timeout_is_recorded_by_the_hook_role_as_timed_out(team: Team, config: Path) -> None:
    """The hook finishes its own approval (``overseer_gate_finish_approval``): timed_out by
    "overseer", never denied."""
    answer = run_hook(
        team, config, "git push origin late", session="team-session-timeout", n=70,
        OVERSEER_GATE_TIMEOUT="0.3",
    )  # fmt: skip
    assert answer["permissionDecision"] == "deny" and "timed out" in str(answer), answer
    rows = owner_rows(
        team,
        "SELECT d.outcome, d.action, d.operator, a.status, a.decision_seq = d.seq"
        " FROM decisions d JOIN approvals a ON a.id = d.approval_id"
        " WHERE a.call_id = 'toolu_0070'",
    )
    assert rows == [("timed_out", "timeout", "overseer", "timed_out", True)]


TRICKY = 'é\t\n\r\b\f\x01\x1f\x7f\u2028\u2029\ufeff\U0001f600 "q" \\ \\u0041 </x> e\u0301'


def test_rows_the_functions_write_with_hostile_text_still_verify(team: Team, config: Path) -> None:
    """The PL/pgSQL canonical JSON must match RFC 8785 for whatever text an agent sends:
    controls, quotes, backslashes, line separators, astral and combining characters."""
    session = "team-session-tricky"
    denied = run_hook(team, config, f"rm -rf '{TRICKY}'", session=session, n=80)
    assert denied["permissionDecision"] == "deny", denied
    _, answer = gated(
        team, config, f"git push origin '{TRICKY}'", session=session, n=81,
        decide=["approve", "--db", team.operator,
                "--input", json.dumps({"command": f"git push origin '{TRICKY}2'"})],
    )  # fmt: skip
    assert answer["permissionDecision"] == "allow", answer
    with team.connect(team.hook) as conn:
        conn.execute(
            "SELECT overseer_gate_record('auto_allowed', 'allow', %s, NULL, %s, %s, %s, %s,"
            " %s, %s, %s, %s, %s)",
            (session, TRICKY, TRICKY, json.dumps({"x": TRICKY}, ensure_ascii=False), TRICKY,
             TRICKY, TRICKY, TRICKY, TRICKY, TRICKY),
        )  # fmt: skip
    stored = owner_rows(
        team, "SELECT input, updated_input FROM decisions WHERE session = %s ORDER BY seq",
        (session,),
    )  # fmt: skip
    assert len(stored) == 3 and "\u2028\u2029\ufeff\U0001f600" in str(stored[1][1]), stored
    assert json.loads(stored[1][1])["command"].endswith("2'"), stored  # the operator's edit
    verified(team)


# ------------------------------------------------------------------------ team init's refusals


def test_team_init_refuses_a_login_in_both_roles(team: Team) -> None:
    """A hook login that is also an operator could approve its own agent's calls."""
    import psycopg

    both = f"tm_both_{uuid.uuid4().hex[:8]}"
    with team.connect(team.owner) as admin:
        admin.execute(f'CREATE ROLE "{both}" LOGIN')
        admin.execute(f'GRANT "{team.hook_role}" TO "{both}"')
    try:
        done = overseer(
            "team", "init", "--db", team.owner, "--hook-role", team.hook_role,
            "--operator-role", team.op_role, "--grant-operator-to", both,
        )  # fmt: skip
        assert done.returncode == 2, (done.stdout, done.stderr)
        assert b"member of both" in done.stderr, done.stderr
        assert owner_rows(team, "SELECT pg_has_role(%s, %s, 'MEMBER')", (both, team.op_role)) == [
            (False,)
        ]  # refused as a whole: the grant was rolled back
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP ROLE IF EXISTS "{both}"')


# ------------------------------------------------------------------------ known holes


@pytest.mark.xfail(
    strict=True,
    reason="hole: a hook login keeps the chain lock by leaving the transaction of one of its "
    "own function calls open (idle_in_transaction_session_timeout is the caller's to set), "
    "so every decision waits; revoking the advisory-lock functions does not stop it",
)
def test_the_hook_role_cannot_hold_the_chain_lock(team: Team) -> None:
    import psycopg

    hook = psycopg.connect(team.hook, connect_timeout=5)  # not autocommit: a transaction stays open
    try:
        hook.execute(
            "SELECT overseer_gate_record('auto_allowed', 'allow', 'team-session-stall', NULL,"
            " NULL, 'Bash', NULL, NULL, NULL, NULL, NULL, NULL, NULL)"
        )
        with team.connect(team.operator) as op:
            op.execute("SET lock_timeout = '300ms'")
            with pytest.raises(psycopg.Error) as caught:
                op.execute(
                    "SELECT * FROM overseer_op_decide('ap-none', 'approve', NULL, NULL, NULL,"
                    " NULL, NULL, NULL)"
                )
        assert caught.value.sqlstate == "OV404", caught.value.sqlstate  # not 55P03
    finally:
        hook.rollback()
        hook.close()


def test_the_operators_kill_does_not_signal_a_process_the_hook_role_named(team: Team) -> None:
    import socket

    session = "team-session-pid"
    victim = subprocess.Popen(["sleep", "60"])  # the operator's own process, started earlier
    try:
        time.sleep(0.05)
        with team.connect(team.hook) as conn:
            conn.execute(
                "SELECT overseer_gate_register_process(%s, %s, %s, 'dev', 'work', '/srv/team')",
                (session, victim.pid, socket.gethostname()),
            )
        done = overseer("kill", session, "--db", team.operator)
        assert done.returncode in (0, 1), done.stderr.decode()
        assert victim.poll() is None, "the operator's kill signalled the pid the hook named"
    finally:
        victim.kill()
        victim.wait(10)
