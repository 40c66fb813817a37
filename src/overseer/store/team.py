"""Team mode: privilege separation inside PostgreSQL (``overseer team init``).

The database owner keeps every table. Two roles get no table privilege that writes:

* the **hook role** (what agents' hooks connect as — assume a hostile agent holds its
  credentials) may only EXECUTE the ``overseer_gate_*`` functions: create an approval, read
  the outcome of its own approvals, record an automatic outcome (never ``approved`` or
  ``denied``), read what the gate reads about its own sessions, note a session's start
  directory once, register a session's pid once;
* the **operator role** may read every table and EXECUTE the ``overseer_op_*`` functions:
  decide (approve, deny, edited input, grant rules for the session), kill a session, record
  a kill's signal. The operator recorded is ``session_user`` — the login PostgreSQL
  authenticated — never an argument.

The functions are ``SECURITY DEFINER`` (they run as the owner) with ``search_path`` pinned to
``pg_catalog, <schema>, pg_temp`` (temporary objects last, so a caller's temp table cannot
stand in for an overseer table). Every chain row they append is the row
:func:`overseer.store.lean.append_row` would write: same columns, ``prev_hash``/``hash`` =
``sha256(prev_hash ‖ RFC 8785 JSON of the row)``, under the same transaction-scoped advisory
lock (:data:`overseer.store.lean.CHAIN_LOCK`), so Python writers (the owner) and SQL writers
interleave safely. The canonical JSON is built from :data:`overseer.store.chain.FIELDS` in
their (RFC 8785) order with ``to_json(text)``, whose escaping is RFC 8785's for every string
PostgreSQL text can hold (``\\"``, ``\\\\``, ``\\b \\f \\n \\r \\t``, other controls as
lowercase ``\\u00xx``, everything else literal UTF-8 — the same rendering ``audit verify``
already relies on), and the one integer (``seq``) as plain digits.

Masking and fingerprints stay in Python (``overseer.secrets``): the hook passes the masked
input and its fingerprint with the raw input when it *creates* an approval; they are kept in
``overseer_team_approvals`` (owner-only) and every later chain row about that approval
(the operator's decision, a timeout, a kill) uses them. The hook role can lie only about
what it is creating right now — which an agent holding the hook's credentials could do with
the raw input as well — and can change nothing already stored. Approvals the owner created
directly (no such row) are closed with the masked input the operator's client computes from
the stored raw input (retried on SQLSTATE ``OV428``).

Sessions are tied to the hook *login* that first wrote for them (``overseer_team_sessions``):
another hook login can neither read nor write them, nor read or finish their approvals.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from overseer.store.chain import FIELDS, GENESIS, OUTCOMES

#: Default role names.
HOOK_ROLE = "overseer_hook"
OPERATOR_ROLE = "overseer_operator"

#: Functions the hook role may call / the operator role may call / both.
HOOK_FUNCTIONS = (
    "overseer_gate_create_approval(text, text, text, text, text, text, text, text, text, text,"
    " text, double precision, text)",
    "overseer_gate_record(text, text, text, text, text, text, text, text, text, text, text, text,"
    " text)",
    "overseer_gate_note_start_dir(text, text)",
    "overseer_gate_register_process(text, integer, text, text, text, text)",
)
OPERATOR_FUNCTIONS = (
    "overseer_op_decide(text, text, text, text, text, text[], text, text)",
    "overseer_op_kill(text, text, jsonb)",
    "overseer_op_signal(text, text, text, text)",
    "overseer_op_notify(text, text, text, text, text, double precision, boolean, integer, text)",
)
SHARED_FUNCTIONS = (
    "overseer_gate_read_approval(text)",
    "overseer_gate_finish_approval(text, text, text, text, text)",
    "overseer_gate_session(text)",
    "overseer_gate_grants(text)",
)
#: Owner-only helpers (EXECUTE revoked from everyone; the SECURITY DEFINER functions call them
#: as the owner).
INTERNAL_FUNCTIONS = (
    "overseer_team_now()",
    "overseer_team_is_operator()",
    "overseer_team_claim(text)",
    "overseer_team_may_read(text)",
    "overseer_team_ensure_session(text, text, text, text)",
    "overseer_team_append(text, text, text, text, text, text, text, text, text, text, text, text,"
    " text, text, text)",
    "overseer_team_input(text, text, text)",
    "overseer_team_close(text, text, text, text, text, text, text, text, text, text)",
)
#: The bigint advisory-lock functions: whoever may call them can hold the chain lock
#: (CHAIN_LOCK) and stall every decision. Revoked from PUBLIC when a superuser runs init.
ADVISORY_LOCKS = tuple(
    f"pg_catalog.{name}(bigint)"
    for name in (
        "pg_advisory_lock", "pg_advisory_lock_shared", "pg_advisory_xact_lock",
        "pg_advisory_xact_lock_shared", "pg_try_advisory_lock", "pg_try_advisory_lock_shared",
        "pg_try_advisory_xact_lock", "pg_try_advisory_xact_lock_shared",
    )
)  # fmt: skip

#: Custom SQLSTATEs the functions raise (the lean client maps them to store errors).
REFUSED = "OV403"  # not this login's session or approval, or an outcome the role may not set
UNKNOWN = "OV404"  # no such approval
DECIDED = "OV409"  # already decided (DETAIL: JSON by/at/outcome)
NEEDS_INPUT = "OV428"  # an approval created outside the functions: pass its masked input

#: Role attributes that would void the separation.
_DANGEROUS = ("rolsuper", "rolcreaterole", "rolcreatedb", "rolbypassrls", "rolreplication")


class TeamError(Exception):
    """``team init`` cannot be done as asked; one line that says why."""


def _json_expr(name: str) -> str:
    """The RFC 8785 rendering of one chain field's PL/pgSQL variable."""
    if name == "seq":
        return "v_seq::text"
    return f"COALESCE(to_json(v_{name})::text, 'null')"


def _canonical_plpgsql() -> str:
    """``'{"action":' || ... || '}'`` over :data:`FIELDS` (already in RFC 8785 key order)."""
    parts = [f"'\"{name}\":' || {_json_expr(name)}" for name in FIELDS]
    return "'{' || " + " || ',' || ".join(parts) + " || '}'"


def _sql_list(values: Iterable[str]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def function_ddl(schema: str, operator_role: str) -> list[str]:
    """``CREATE OR REPLACE FUNCTION`` statements, ``schema`` and ``operator_role`` already
    quoted as an identifier / literal by the caller."""
    from overseer.store.lean import (
        APPROVALS_CHANNEL,
        AUDIT_CHANNEL,
        CHAIN_LOCK,
        DECISIONS_CHANNEL,
        ENSURE_SESSION_OWNER,
    )

    s = schema
    owner = ENSURE_SESSION_OWNER
    pin = f"SET search_path = pg_catalog, {s}, pg_temp"
    definer = f"SECURITY DEFINER {pin}"
    lock = f"PERFORM pg_catalog.pg_advisory_xact_lock({CHAIN_LOCK});"
    assert tuple(sorted(FIELDS)) == FIELDS  # RFC 8785 order for ASCII keys
    columns = ", ".join(FIELDS) + ", prev_hash, hash"
    values = ", ".join(f"v_{n}" if n != "seq" else "v_seq" for n in FIELDS)
    hook_outcomes = _sql_list(("auto_allowed", "policy_denied", "killed", "errored", "timed_out"))
    return [
        f"""CREATE OR REPLACE FUNCTION {s}.overseer_team_now() RETURNS text
        LANGUAGE sql VOLATILE {pin} AS $$
            SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC',
                           'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
        $$""",
        f"""CREATE OR REPLACE FUNCTION {s}.overseer_team_is_operator() RETURNS boolean
        LANGUAGE sql STABLE {pin} AS $$
            SELECT pg_has_role(session_user, {operator_role}, 'MEMBER')
        $$""",
        # The first hook login to write for a session owns it; any other login is refused.
        f"""CREATE OR REPLACE FUNCTION {s}.overseer_team_claim(p_session text) RETURNS void
        LANGUAGE plpgsql {pin} AS $$
        DECLARE v_login text;
        BEGIN
            IF p_session IS NULL OR p_session = '' THEN
                RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'a session id is needed';
            END IF;
            INSERT INTO overseer_team_sessions (session, login, claimed_at)
                VALUES (p_session, session_user, overseer_team_now())
                ON CONFLICT (session) DO NOTHING;
            SELECT login INTO v_login FROM overseer_team_sessions WHERE session = p_session;
            IF v_login IS DISTINCT FROM session_user::text THEN
                RAISE EXCEPTION USING ERRCODE = '{REFUSED}',
                    MESSAGE = 'this session belongs to another hook login';
            END IF;
        END $$""",
        f"""CREATE OR REPLACE FUNCTION {s}.overseer_team_may_read(p_session text)
        RETURNS boolean LANGUAGE sql STABLE {pin} AS $$
            SELECT overseer_team_is_operator() OR NOT EXISTS (
                SELECT 1 FROM overseer_team_sessions
                WHERE session = p_session AND login <> session_user::text)
        $$""",
        # lean._ensure_session, statement for statement.
        f"""CREATE OR REPLACE FUNCTION {s}.overseer_team_ensure_session(
            p_session text, p_agent text, p_task text, p_ts text) RETURNS void
        LANGUAGE sql {pin} AS $$
            INSERT INTO sessions (id, agent, task, status, started_at, last_event_at,
                                  event_count, tool_calls, flags_safety, flags_security)
            VALUES (p_session, p_agent, p_task, 'live', p_ts, p_ts, 0, 0, 0, 0)
            ON CONFLICT (id) DO UPDATE SET {owner}
        $$""",
        # lean.append_row: the chain row, hashed exactly as chain.row_hash hashes it.
        f"""CREATE OR REPLACE FUNCTION {s}.overseer_team_append(
            p_outcome text, p_action text, p_operator text, p_session text,
            p_approval_id text, p_call_id text, p_tool text, p_input text,
            p_input_fingerprint text, p_updated_input text, p_rule text, p_reason text,
            p_agent text, p_task text, p_ts text) RETURNS bigint
        LANGUAGE plpgsql {pin} AS $$
        DECLARE
            v_action text := p_action; v_agent text := p_agent;
            v_approval_id text := p_approval_id; v_call_id text := p_call_id;
            v_input text := p_input; v_input_fingerprint text := p_input_fingerprint;
            v_operator text := p_operator; v_outcome text := p_outcome;
            v_reason text := p_reason; v_rule text := p_rule; v_seq bigint;
            v_session text := p_session; v_task text := p_task; v_tool text := p_tool;
            v_ts text := COALESCE(p_ts, overseer_team_now());
            v_updated_input text := p_updated_input;
            v_prev text; v_body text; v_hash text;
        BEGIN
            IF v_outcome IS NULL OR v_outcome NOT IN ({_sql_list(OUTCOMES)}) THEN
                RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'unknown gate outcome';
            END IF;
            IF v_action IS NULL OR v_operator IS NULL THEN
                RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'action and operator needed';
            END IF;
            {lock}
            SELECT seq + 1, hash INTO v_seq, v_prev FROM decisions ORDER BY seq DESC LIMIT 1;
            IF NOT FOUND THEN
                v_seq := 1;
                v_prev := '{GENESIS}';
            END IF;
            v_body := {_canonical_plpgsql()};
            v_hash := encode(sha256(convert_to(v_prev || v_body, 'UTF8')), 'hex');
            INSERT INTO decisions ({columns}) VALUES ({values}, v_prev, v_hash);
            PERFORM pg_notify('{AUDIT_CHANNEL}', v_seq::text);
            RETURN v_seq;
        END $$""",
        # The masked input and fingerprint of an approval's chain rows (see module doc).
        f"""CREATE OR REPLACE FUNCTION {s}.overseer_team_input(
            p_id text, p_masked text, p_fingerprint text,
            OUT masked text, OUT fingerprint text)
        LANGUAGE plpgsql {pin} AS $$
        DECLARE v_raw text;
        BEGIN
            SELECT a.input_masked, a.input_fingerprint INTO masked, fingerprint
                FROM overseer_team_approvals a WHERE a.approval_id = p_id;
            IF FOUND THEN
                RETURN;
            END IF;
            SELECT input INTO v_raw FROM approvals WHERE id = p_id;
            IF v_raw IS NULL THEN
                masked := NULL;
                fingerprint := NULL;
                RETURN;
            END IF;
            IF p_fingerprint IS NULL THEN
                RAISE EXCEPTION USING ERRCODE = '{NEEDS_INPUT}',
                    MESSAGE = 'the approval was not created through the team functions: '
                              'its masked input is needed';
            END IF;
            masked := p_masked;
            fingerprint := p_fingerprint;
        END $$""",
        # lean._close_approval: the chain row, then the approval row it records.
        f"""CREATE OR REPLACE FUNCTION {s}.overseer_team_close(
            p_id text, p_outcome text, p_action text, p_operator text, p_reason text,
            p_updated_input text, p_updated_masked text, p_rule text,
            p_masked text, p_fingerprint text) RETURNS bigint
        LANGUAGE plpgsql {pin} AS $$
        DECLARE r approvals; v_ts text := overseer_team_now(); v_seq bigint; v_in record;
        BEGIN
            SELECT * INTO r FROM approvals WHERE id = p_id;
            SELECT * INTO v_in FROM overseer_team_input(p_id, p_masked, p_fingerprint);
            v_seq := overseer_team_append(
                p_outcome, p_action, p_operator, r.session, r.id, r.call_id, r.tool,
                v_in.masked, v_in.fingerprint, p_updated_masked, COALESCE(p_rule, r.rule),
                p_reason, r.agent, r.task, v_ts);
            UPDATE approvals SET status = p_outcome, decided_by = p_operator,
                decided_at = v_ts, reason = p_reason, updated_input = p_updated_input,
                decision_seq = v_seq
                WHERE id = p_id AND status = 'pending';
            IF NOT FOUND THEN
                RAISE EXCEPTION 'approval changed while being decided';
            END IF;
            PERFORM pg_notify('{DECISIONS_CHANNEL}', p_id);
            RETURN v_seq;
        END $$""",
        # ------------------------------------------------------------------ hook role
        f"""CREATE OR REPLACE FUNCTION {s}.overseer_gate_create_approval(
            p_session text, p_call_id text, p_agent text, p_task text, p_tool text,
            p_input text, p_input_masked text, p_input_fingerprint text, p_summary text,
            p_rule text, p_verdict text, p_timeout_s double precision, p_origin text)
        RETURNS text LANGUAGE plpgsql {definer} AS $$
        DECLARE v_id text; v_now timestamptz := clock_timestamp(); v_created text;
        BEGIN
            PERFORM overseer_team_claim(p_session);
            IF p_input IS NOT NULL THEN
                PERFORM p_input::json;  -- stored as JSON text, like the Python writer's
            END IF;
            IF p_timeout_s IS NOT NULL AND NOT (p_timeout_s >= 0 AND p_timeout_s < 1e9) THEN
                RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'bad gate timeout';
            END IF;
            v_created := to_char(v_now AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');
            LOOP
                v_id := 'ap-' || substr(replace(gen_random_uuid()::text, '-', ''), 1, 10);
                BEGIN
                    INSERT INTO approvals (id, session, call_id, agent, task, tool, input,
                        summary, rule, verdict, origin, status, created_at, timeout_s,
                        deadline)
                    VALUES (v_id, p_session, p_call_id, p_agent, p_task, p_tool, p_input,
                        COALESCE(p_summary, ''), p_rule, p_verdict, COALESCE(p_origin, 'hook'),
                        'pending', v_created, p_timeout_s,
                        CASE WHEN p_timeout_s IS NULL THEN NULL ELSE to_char(
                            (v_now + make_interval(secs => p_timeout_s)) AT TIME ZONE 'UTC',
                            'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') END);
                    EXIT;
                EXCEPTION WHEN unique_violation THEN
                    -- 40 random bits collided: draw again
                END;
            END LOOP;
            INSERT INTO overseer_team_approvals (approval_id, login, input_masked,
                                                 input_fingerprint)
                VALUES (v_id, session_user, p_input_masked, p_input_fingerprint);
            PERFORM overseer_team_ensure_session(p_session, p_agent, p_task, v_created);
            PERFORM pg_notify('{APPROVALS_CHANNEL}', v_id);
            RETURN v_id;
        END $$""",
        f"""CREATE OR REPLACE FUNCTION {s}.overseer_gate_read_approval(p_id text)
        RETURNS SETOF {s}.approvals LANGUAGE plpgsql STABLE {definer} AS $$
        DECLARE v_login text;
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM approvals WHERE id = p_id) THEN
                RETURN;
            END IF;
            SELECT login INTO v_login FROM overseer_team_approvals WHERE approval_id = p_id;
            IF v_login IS DISTINCT FROM session_user::text AND NOT overseer_team_is_operator()
            THEN
                RAISE EXCEPTION USING ERRCODE = '{REFUSED}',
                    MESSAGE = 'this approval belongs to another hook login';
            END IF;
            RETURN QUERY SELECT * FROM approvals WHERE id = p_id;
        END $$""",
        # pending → timed_out / errored / killed. The approval's own hook login records it as
        # "overseer" (the gate's automatic outcome); an operator as session_user.
        f"""CREATE OR REPLACE FUNCTION {s}.overseer_gate_finish_approval(
            p_id text, p_outcome text, p_reason text, p_masked text, p_fingerprint text)
        RETURNS boolean LANGUAGE plpgsql {definer} AS $$
        DECLARE r approvals; v_login text; v_who text;
        BEGIN
            IF p_outcome IS NULL OR p_outcome NOT IN ('timed_out', 'errored', 'killed') THEN
                RAISE EXCEPTION USING ERRCODE = '{REFUSED}',
                    MESSAGE = 'finish sets timed_out, errored or killed only';
            END IF;
            {lock}
            SELECT * INTO r FROM approvals WHERE id = p_id;
            IF NOT FOUND THEN
                RAISE EXCEPTION USING ERRCODE = '{UNKNOWN}', MESSAGE = 'no such approval';
            END IF;
            SELECT login INTO v_login FROM overseer_team_approvals WHERE approval_id = p_id;
            IF v_login = session_user::text THEN
                v_who := 'overseer';
            ELSIF overseer_team_is_operator() THEN
                v_who := session_user;
            ELSE
                RAISE EXCEPTION USING ERRCODE = '{REFUSED}',
                    MESSAGE = 'this approval belongs to another hook login';
            END IF;
            IF r.status <> 'pending' THEN
                RETURN false;
            END IF;
            PERFORM overseer_team_close(p_id, p_outcome,
                CASE p_outcome WHEN 'timed_out' THEN 'timeout' WHEN 'errored' THEN 'error'
                    ELSE 'kill' END,
                v_who, p_reason, NULL, NULL, NULL, p_masked, p_fingerprint);
            RETURN true;
        END $$""",
        # core._record / lean.append_decision for the gate's own outcomes: never a human
        # outcome, always by "overseer", action allow only for auto_allowed.
        f"""CREATE OR REPLACE FUNCTION {s}.overseer_gate_record(
            p_outcome text, p_action text, p_session text, p_approval_id text,
            p_call_id text, p_tool text, p_input_masked text, p_input_fingerprint text,
            p_updated_masked text, p_rule text, p_reason text, p_agent text, p_task text)
        RETURNS bigint LANGUAGE plpgsql {definer} AS $$
        DECLARE v_login text; v_session text; v_action text;
        BEGIN
            IF p_outcome IS NULL OR p_outcome NOT IN ({hook_outcomes}) THEN
                RAISE EXCEPTION USING ERRCODE = '{REFUSED}',
                    MESSAGE = 'the hook records automatic outcomes only';
            END IF;
            v_action := CASE WHEN p_outcome = 'auto_allowed' THEN 'allow' ELSE 'deny' END;
            IF p_action IS DISTINCT FROM v_action THEN
                RAISE EXCEPTION USING ERRCODE = '{REFUSED}',
                    MESSAGE = 'the action must follow the outcome';
            END IF;
            {lock}
            IF p_approval_id IS NOT NULL THEN
                SELECT t.login, a.session INTO v_login, v_session
                    FROM overseer_team_approvals t JOIN approvals a ON a.id = t.approval_id
                    WHERE t.approval_id = p_approval_id;
                IF v_login IS DISTINCT FROM session_user::text
                        OR v_session IS DISTINCT FROM p_session THEN
                    RAISE EXCEPTION USING ERRCODE = '{REFUSED}',
                        MESSAGE = 'not an approval of this login and session';
                END IF;
            END IF;
            IF p_session IS NOT NULL THEN
                PERFORM overseer_team_claim(p_session);
                PERFORM overseer_team_ensure_session(p_session, p_agent, p_task,
                                                     overseer_team_now());
            END IF;
            RETURN overseer_team_append(p_outcome, p_action, 'overseer', p_session,
                p_approval_id, p_call_id, p_tool, p_input_masked, p_input_fingerprint,
                p_updated_masked, p_rule, p_reason, p_agent, p_task, NULL);
        END $$""",
        f"""CREATE OR REPLACE FUNCTION {s}.overseer_gate_session(p_session text)
        RETURNS TABLE (status text, agent text, task text, cwd text, pid integer)
        LANGUAGE plpgsql STABLE {definer} AS $$
        BEGIN
            IF NOT overseer_team_may_read(p_session) THEN
                RAISE EXCEPTION USING ERRCODE = '{REFUSED}',
                    MESSAGE = 'this session belongs to another hook login';
            END IF;
            RETURN QUERY SELECT s.status::text, s.agent::text, s.task::text, s.cwd::text,
                s.pid::integer FROM sessions s WHERE s.id = p_session;
        END $$""",
        f"""CREATE OR REPLACE FUNCTION {s}.overseer_gate_grants(p_session text)
        RETURNS SETOF text LANGUAGE plpgsql STABLE {definer} AS $$
        BEGIN
            IF NOT overseer_team_may_read(p_session) THEN
                RAISE EXCEPTION USING ERRCODE = '{REFUSED}',
                    MESSAGE = 'this session belongs to another hook login';
            END IF;
            RETURN QUERY SELECT g.rule::text FROM grants g WHERE g.session = p_session
                ORDER BY g.id;
        END $$""",
        f"""CREATE OR REPLACE FUNCTION {s}.overseer_gate_note_start_dir(
            p_session text, p_cwd text) RETURNS void
        LANGUAGE plpgsql {definer} AS $$
        BEGIN
            PERFORM overseer_team_claim(p_session);
            UPDATE sessions SET cwd = p_cwd
                WHERE id = p_session AND (cwd IS NULL OR cwd = '');
        END $$""",
        # core.register_process: never overwrites a known pid, never touches the status.
        f"""CREATE OR REPLACE FUNCTION {s}.overseer_gate_register_process(
            p_session text, p_pid integer, p_host text, p_agent text, p_task text,
            p_cwd text) RETURNS void
        LANGUAGE plpgsql {definer} AS $$
        DECLARE v_now text := overseer_team_now();
        BEGIN
            PERFORM overseer_team_claim(p_session);
            INSERT INTO sessions (id, agent, task, status, cwd, pid, host, started_at,
                last_event_at, event_count, tool_calls, flags_safety, flags_security)
            VALUES (p_session, p_agent, p_task, 'live', p_cwd, p_pid, p_host, v_now, v_now,
                0, 0, 0, 0)
            ON CONFLICT (id) DO UPDATE SET pid = COALESCE(sessions.pid, excluded.pid),
                host = CASE WHEN sessions.pid IS NULL THEN excluded.host
                       ELSE sessions.host END,
                {owner},
                cwd = COALESCE(sessions.cwd, excluded.cwd);
        END $$""",
        # -------------------------------------------------------------- operator role
        # lean.decide; the operator is session_user.
        f"""CREATE OR REPLACE FUNCTION {s}.overseer_op_decide(
            p_id text, p_decision text, p_reason text, p_updated_input text,
            p_updated_masked text, p_grants text[], p_masked text, p_fingerprint text)
        RETURNS SETOF {s}.approvals LANGUAGE plpgsql {definer} AS $$
        DECLARE
            r approvals; v_who text := session_user; v_reason text := NULLIF(p_reason, '');
            v_grants text[] := COALESCE(p_grants, '{{}}'::text[]); g text;
        BEGIN
            IF p_decision IS NULL OR p_decision NOT IN ('approve', 'deny') THEN
                RAISE EXCEPTION USING ERRCODE = '22023',
                    MESSAGE = 'decision must be approve or deny';
            END IF;
            IF p_decision = 'deny' AND v_reason IS NULL THEN
                RAISE EXCEPTION USING ERRCODE = '22023',
                    MESSAGE = 'a denial needs a reason (the agent is told why)';
            END IF;
            IF p_decision = 'deny' AND (p_updated_input IS NOT NULL
                                        OR cardinality(v_grants) > 0) THEN
                RAISE EXCEPTION USING ERRCODE = '22023',
                    MESSAGE = 'an edited input or a grant only makes sense when approving';
            END IF;
            IF p_updated_input IS NOT NULL THEN
                PERFORM p_updated_input::json;
            END IF;
            {lock}
            SELECT * INTO r FROM approvals WHERE id = p_id;
            IF NOT FOUND THEN
                RAISE EXCEPTION USING ERRCODE = '{UNKNOWN}', MESSAGE = 'no such approval';
            END IF;
            IF r.status <> 'pending' THEN
                RAISE EXCEPTION USING ERRCODE = '{DECIDED}', MESSAGE = 'already decided',
                    DETAIL = json_build_object('by', r.decided_by, 'at', r.decided_at,
                                               'outcome', r.status)::text;
            END IF;
            PERFORM overseer_team_close(p_id,
                CASE p_decision WHEN 'approve' THEN 'approved' ELSE 'denied' END,
                CASE WHEN cardinality(v_grants) > 0 THEN 'approve_for_session'
                     ELSE p_decision END,
                v_who, v_reason, p_updated_input, p_updated_masked,
                CASE WHEN cardinality(v_grants) > 0 THEN array_to_string(v_grants, ' + ')
                     END,
                p_masked, p_fingerprint);
            FOREACH g IN ARRAY v_grants LOOP
                INSERT INTO grants (session, rule, approval_id, operator, created_at, reason)
                    VALUES (r.session, g, p_id, v_who, overseer_team_now(), v_reason);
            END LOOP;
            RETURN QUERY SELECT * FROM approvals WHERE id = p_id;
        END $$""",
        # lean.mark_session_killed; p_inputs maps approval id → [masked, fingerprint] for
        # pending approvals created outside the functions.
        f"""CREATE OR REPLACE FUNCTION {s}.overseer_op_kill(
            p_session text, p_reason text, p_inputs jsonb) RETURNS bigint
        LANGUAGE plpgsql {definer} AS $$
        DECLARE
            v_who text := session_user; v_ts text; v_agent text; v_task text; v_seq bigint;
            r record;
        BEGIN
            {lock}
            v_ts := overseer_team_now();
            INSERT INTO sessions (id, status, started_at, last_event_at, event_count,
                tool_calls, flags_safety, flags_security, killed_by, killed_at)
            VALUES (p_session, 'killed', v_ts, v_ts, 0, 0, 0, 0, v_who, v_ts)
            ON CONFLICT (id) DO UPDATE SET status = 'killed',
                killed_by = excluded.killed_by, killed_at = excluded.killed_at;
            SELECT agent, task INTO v_agent, v_task FROM sessions WHERE id = p_session;
            v_seq := overseer_team_append('killed', 'kill', v_who, p_session, NULL, NULL,
                NULL, NULL, NULL, NULL, NULL, p_reason, v_agent, v_task, v_ts);
            FOR r IN SELECT id FROM approvals WHERE session = p_session
                     AND status = 'pending' ORDER BY created_at, id LOOP
                PERFORM overseer_team_close(r.id, 'killed', 'kill', v_who,
                    COALESCE(NULLIF(p_reason, ''), 'session killed'), NULL, NULL, NULL,
                    p_inputs -> r.id ->> 0, p_inputs -> r.id ->> 1);
            END LOOP;
            RETURN v_seq;
        END $$""",
        # overseer.store.notifications: claim, skip or finish one page (the notifications
        # table; it never touches an approval). The claimant is session_user/notifier.
        f"""CREATE OR REPLACE FUNCTION {s}.overseer_op_notify(
            p_op text, p_approval text, p_kind text, p_channel text, p_notifier text,
            p_lease_s double precision, p_sent boolean, p_attempts integer, p_error text)
        RETURNS boolean LANGUAGE plpgsql {definer} AS $$
        DECLARE
            v_who text := session_user || '/' || COALESCE(p_notifier, '');
            v_now text := overseer_team_now(); v_lease text; v_n integer;
        BEGIN
            IF p_kind IS NULL OR p_kind NOT IN ('created', 'expiring')
               OR p_channel IS NULL OR p_channel NOT IN ('webhook', 'command') THEN
                RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'no such page';
            END IF;
            IF NOT EXISTS (SELECT 1 FROM approvals WHERE id = p_approval) THEN
                RAISE EXCEPTION USING ERRCODE = '{UNKNOWN}', MESSAGE = 'no such approval';
            END IF;
            IF p_op = 'claim' THEN
                v_lease := to_char((clock_timestamp() + make_interval(
                               secs => LEAST(GREATEST(COALESCE(p_lease_s, 60), 1), 3600)))
                               AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');
                INSERT INTO notifications (approval_id, kind, channel, status, claimed_by,
                    lease_until, attempts, created_at, updated_at)
                VALUES (p_approval, p_kind, p_channel, 'sending', v_who, v_lease, 0, v_now,
                    v_now) ON CONFLICT DO NOTHING;
                GET DIAGNOSTICS v_n = ROW_COUNT;
                IF v_n = 0 THEN
                    UPDATE notifications SET claimed_by = v_who, lease_until = v_lease,
                        updated_at = v_now
                    WHERE approval_id = p_approval AND kind = p_kind AND channel = p_channel
                        AND status = 'sending' AND lease_until < v_now;
                    GET DIAGNOSTICS v_n = ROW_COUNT;
                END IF;
            ELSIF p_op = 'skip' THEN
                INSERT INTO notifications (approval_id, kind, channel, status, claimed_by,
                    lease_until, attempts, created_at, updated_at, error)
                VALUES (p_approval, p_kind, p_channel, 'skipped', v_who, v_now, 0, v_now,
                    v_now, left(p_error, 500)) ON CONFLICT DO NOTHING;
                GET DIAGNOSTICS v_n = ROW_COUNT;
            ELSIF p_op = 'finish' THEN
                UPDATE notifications SET
                    status = CASE WHEN p_sent THEN 'sent' ELSE 'failed' END,
                    attempts = attempts + GREATEST(COALESCE(p_attempts, 0), 0),
                    updated_at = v_now, error = left(p_error, 500)
                WHERE approval_id = p_approval AND kind = p_kind AND channel = p_channel
                    AND status = 'sending' AND claimed_by = v_who;
                GET DIAGNOSTICS v_n = ROW_COUNT;
            ELSE
                RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'claim, skip or finish';
            END IF;
            RETURN v_n = 1;
        END $$""",
        # kill.kill_session's second row: what happened to the process.
        f"""CREATE OR REPLACE FUNCTION {s}.overseer_op_signal(
            p_session text, p_reason text, p_agent text, p_task text) RETURNS bigint
        LANGUAGE plpgsql {definer} AS $$
        BEGIN
            {lock}
            PERFORM overseer_team_ensure_session(p_session, p_agent, p_task,
                                                 overseer_team_now());
            RETURN overseer_team_append('killed', 'signal', session_user, p_session, NULL,
                NULL, NULL, NULL, NULL, NULL, NULL, p_reason, p_agent, p_task, NULL);
        END $$""",
    ]


_SIDE_TABLES = (
    """CREATE TABLE IF NOT EXISTS {s}.overseer_team_sessions (
        session text PRIMARY KEY, login text NOT NULL, claimed_at text NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS {s}.overseer_team_approvals (
        approval_id text PRIMARY KEY, login text NOT NULL, input_masked text,
        input_fingerprint text)""",
)


class InitReport:
    """What ``team init`` did, for the command to print."""

    __slots__ = ("created_roles", "granted", "hook_role", "locks_revoked", "notes",
                 "operator_role", "schema")  # fmt: skip

    def __init__(self, hook_role: str, operator_role: str, schema: str) -> None:
        self.hook_role, self.operator_role, self.schema = hook_role, operator_role, schema
        self.created_roles: list[str] = []
        self.granted: list[tuple[str, str]] = []
        self.locks_revoked = False
        self.notes: list[str] = []


def init(
    db: str,
    *,
    hook_role: str = HOOK_ROLE,
    operator_role: str = OPERATOR_ROLE,
    login: bool = False,
    hook_logins: Sequence[str] = (),
    operator_logins: Sequence[str] = (),
) -> InitReport:
    """Set up team mode on ``db`` (a PostgreSQL URL of the database *owner*). Idempotent:
    run it again after an upgrade to re-apply the revokes to new tables and functions."""
    import psycopg
    from psycopg import sql

    from overseer.store import is_postgres, libpq_url
    from overseer.store.db import open_store

    if not is_postgres(db):
        raise TeamError("team mode needs a postgresql:// database URL")
    if hook_role == operator_role:
        raise TeamError("the hook role and the operator role must differ")
    open_store(db).close()  # the schema, created or migrated by the owner
    with psycopg.connect(libpq_url(db), autocommit=True, connect_timeout=10) as conn:
        me, schema, encoding, superuser = conn.execute(
            "SELECT current_user, current_schema(),"
            " pg_encoding_to_char(encoding), (SELECT rolsuper FROM pg_roles"
            "  WHERE rolname = current_user)"
            " FROM pg_database WHERE datname = current_database()"
        ).fetchone()  # type: ignore[misc]
        if encoding != "UTF8":
            raise TeamError(
                f"the database encoding is {encoding}, not UTF8: the audit chain hashes UTF-8"
            )
        owner = conn.execute(
            "SELECT tableowner FROM pg_tables WHERE schemaname = %s AND tablename = 'decisions'",
            (schema,),
        ).fetchone()
        if owner is None or (owner[0] != me and not superuser):
            raise TeamError(
                f"run team init as the owner of the overseer tables ({owner[0] if owner else '?'}),"
                f" not {me}"
            )
        report = InitReport(hook_role, operator_role, schema)
        s = sql.Identifier(schema)
        hook, op = sql.Identifier(hook_role), sql.Identifier(operator_role)
        with conn.transaction():
            for name in (hook_role, operator_role):
                if _ensure_role(conn, name, login):
                    report.created_roles.append(name)
            for role, members in ((hook_role, hook_logins), (operator_role, operator_logins)):
                for member in members:
                    _check_login(conn, member, role)
                    conn.execute(
                        sql.SQL("GRANT {} TO {}").format(
                            sql.Identifier(role), sql.Identifier(member)
                        )
                    )
                    report.granted.append((role, member))
            _refuse_overlap(conn, hook_role, operator_role, owner[0])
            for statement in _SIDE_TABLES:
                conn.execute(statement.format(s=s.as_string(conn)))
            ddl = function_ddl(s.as_string(conn), sql.Literal(operator_role).as_string(conn))
            for statement in ddl:
                conn.execute(statement)
            everyone = sql.SQL("PUBLIC, {}, {}").format(hook, op)
            for what in ("TABLES", "SEQUENCES", "FUNCTIONS"):
                conn.execute(
                    sql.SQL("REVOKE ALL ON ALL {} IN SCHEMA {} FROM {}").format(
                        sql.SQL(what), s, everyone
                    )
                )
            conn.execute(sql.SQL("REVOKE CREATE ON SCHEMA {} FROM PUBLIC").format(s))
            # Global for this owner (a per-schema default cannot take away PUBLIC's EXECUTE):
            # a function the owner adds later is nobody's until granted.
            conn.execute("ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC")
            conn.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}, {}").format(s, hook, op))
            conn.execute(
                sql.SQL("GRANT CONNECT ON DATABASE {} TO {}, {}").format(
                    sql.Identifier(conn.info.dbname), hook, op
                )
            )
            conn.execute(sql.SQL("GRANT SELECT ON {}.meta TO {}").format(s, hook))
            conn.execute(sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}").format(s, op))
            for names, roles in (
                (HOOK_FUNCTIONS, [hook]),
                (OPERATOR_FUNCTIONS, [op]),
                (SHARED_FUNCTIONS, [hook, op]),
            ):
                for signature in names:
                    conn.execute(
                        sql.SQL("GRANT EXECUTE ON FUNCTION {}.{} TO {}").format(
                            s, sql.SQL(signature), sql.SQL(", ").join(roles)
                        )
                    )
            if superuser:
                for signature in ADVISORY_LOCKS:
                    conn.execute(
                        sql.SQL("REVOKE EXECUTE ON FUNCTION {} FROM PUBLIC").format(
                            sql.SQL(signature)
                        )
                    )
                    conn.execute(
                        sql.SQL("GRANT EXECUTE ON FUNCTION {} TO {}").format(
                            sql.SQL(signature), sql.Identifier(owner[0])
                        )
                    )
                report.locks_revoked = True
            else:
                report.notes.append(
                    "not a superuser: the advisory-lock functions stay callable by every role, "
                    "so a hook login can hold the chain lock and stall decisions (the gate "
                    "then denies by timeout); re-run as a superuser to revoke them"
                )
            conn.execute(
                sql.SQL(
                    "INSERT INTO {}.meta (key, value) VALUES ('team_hook_role', %s),"
                    " ('team_operator_role', %s)"
                    " ON CONFLICT (key) DO UPDATE SET value = excluded.value"
                ).format(s),
                (hook_role, operator_role),
            )
    return report


def _ensure_role(conn: Any, name: str, login: bool) -> bool:
    """Create ``name`` (NOLOGIN unless ``login``) if it does not exist; refuse a role whose
    attributes would void the separation. Returns whether it was created."""
    from psycopg import sql

    row = conn.execute(
        f"SELECT {', '.join(_DANGEROUS)}, rolcanlogin FROM pg_roles WHERE rolname = %s", (name,)
    ).fetchone()
    if row is None:
        conn.execute(
            sql.SQL("CREATE ROLE {} " + ("LOGIN" if login else "NOLOGIN")).format(
                sql.Identifier(name)
            )
        )
        return True
    bad = [attr[3:] for attr, on in zip(_DANGEROUS, row, strict=False) if on]
    if bad:
        raise TeamError(f"role {name} has {', '.join(bad)}: it must not (it could undo team mode)")
    if login and not row[-1]:
        conn.execute(sql.SQL("ALTER ROLE {} LOGIN").format(sql.Identifier(name)))
    return False


def _check_login(conn: Any, member: str, role: str) -> None:
    row = conn.execute(
        f"SELECT {', '.join(_DANGEROUS)} FROM pg_roles WHERE rolname = %s", (member,)
    ).fetchone()
    if row is None:
        raise TeamError(f"no role {member} to grant {role} to (create the login first)")
    bad = [attr[3:] for attr, on in zip(_DANGEROUS, row, strict=False) if on]
    if bad:
        raise TeamError(f"login {member} has {', '.join(bad)}: granting it {role} means nothing")


def _refuse_overlap(conn: Any, hook_role: str, operator_role: str, owner: str) -> None:
    """The hook role must not be (a member of) the operator role or the owner."""
    for other in (operator_role, owner):
        if conn.execute("SELECT pg_has_role(%s, %s, 'MEMBER')", (hook_role, other)).fetchone()[0]:
            raise TeamError(f"role {hook_role} is a member of {other}: the separation is void")
    if conn.execute("SELECT pg_has_role(%s, %s, 'MEMBER')", (operator_role, owner)).fetchone()[0]:
        raise TeamError(f"role {operator_role} is a member of the owner {owner}")
    # A login (or group) in both roles is an agent's hook that can approve its own calls.
    # Superusers and the owner are members of everything: team mode does not defend them.
    both = conn.execute(
        "SELECT rolname FROM pg_roles WHERE NOT rolsuper AND rolname <> %s"
        " AND pg_has_role(oid, %s, 'MEMBER') AND pg_has_role(oid, %s, 'MEMBER')"
        " ORDER BY rolname LIMIT 1",
        (owner, hook_role, operator_role),
    ).fetchone()
    if both is not None:
        raise TeamError(
            f"role {both[0]} is a member of both {hook_role} and {operator_role}: "
            "the separation is void"
        )
