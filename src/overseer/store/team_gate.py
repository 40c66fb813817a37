"""The lean gate protocol through the team-mode functions (:mod:`overseer.store.team`).

:func:`overseer.store.lean.connect` sets ``LeanConn.team`` to ``"hook"`` or ``"operator"``
when it is connected as a role that cannot write the tables itself but may call the team
functions; the lean functions then hand over to the ones here, which keep their contracts
(same return values, same errors). On the hook's path: stdlib and the lean store only, and a
single function call (one round trip) per operation.

What Python still computes, and why: masking secrets and fingerprinting a tool input
(:mod:`overseer.secrets`, RFC 8785 over arbitrary JSON) — see the module docstring of
:mod:`overseer.store.team`. Text is cleaned (:func:`overseer.store.clean_text`) before it is
sent, as :func:`overseer.store.lean.append_row` cleans what it hashes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from overseer.store import AlreadyDecided, StoreError, UnknownApproval, clean_text
from overseer.store.lean import LeanConn, _fingerprint, _loads, _masked, _public, db_errors

_REFUSED, _UNKNOWN, _DECIDED, _NEEDS_INPUT = "OV403", "OV404", "OV409", "OV428"


class NeedsInput(StoreError):
    """An approval created outside the team functions: its masked input must be passed."""


def _t(value: Any) -> str | None:
    return None if value is None else clean_text(str(value), True)


@contextmanager
def _errors(conn: LeanConn) -> Iterator[None]:
    """The functions' SQLSTATEs become the store's errors; the rest one-line StoreErrors."""
    with db_errors(conn.db):
        try:
            yield
        except Exception as exc:
            state = getattr(exc, "sqlstate", None)
            if state is None or not type(exc).__module__.startswith("psycopg"):
                raise
            message = getattr(getattr(exc, "diag", None), "message_primary", None) or str(exc)
            if state == _UNKNOWN:
                raise UnknownApproval(message) from None
            if state == _DECIDED:
                detail = getattr(exc.diag, "message_detail", None) or "{}"  # type: ignore[attr-defined]
                try:
                    who = json.loads(detail)
                except ValueError:
                    who = {}
                raise AlreadyDecided(
                    who.get("by"), who.get("at"), str(who.get("outcome"))
                ) from None
            if state == _NEEDS_INPUT:
                raise NeedsInput(message) from None
            if state == _REFUSED:
                raise StoreError(f"refused by the team-mode store: {message}") from None
            raise


def _call(conn: LeanConn, query: str, params: Sequence[Any]) -> Any:
    with _errors(conn):
        return conn.raw.execute(query, params)


def _input_of(conn: LeanConn, approval_id: str) -> tuple[str | None, str | None]:
    """Masked input and fingerprint of a stored approval's raw input (operator: can read)."""
    with db_errors(conn.db):
        row = conn.raw.execute("SELECT input FROM approvals WHERE id = %s", (approval_id,))
        found = row.fetchone()
    value = _loads(found[0]) if found else None
    return _t(_masked(value)), _fingerprint(value)


# ----------------------------------------------------------------------------------- hook


def create_approval(
    conn: LeanConn,
    *,
    session: str,
    call_id: str | None,
    agent: str | None,
    task: str | None,
    tool: str | None,
    tool_input: Any,
    rule: str | None,
    verdict: str | None,
    summary: str | None,
    timeout_s: float | None,
    origin: str,
) -> str:
    raw_input = None if tool_input is None else json.dumps(tool_input, ensure_ascii=False)
    cur = _call(
        conn,
        "SELECT overseer_gate_create_approval(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (
            session, _t(call_id), agent, task, tool, raw_input, _t(_masked(tool_input)),
            _fingerprint(tool_input), summary or "", rule, _t(verdict),
            None if timeout_s is None else float(timeout_s), origin,
        ),
    )  # fmt: skip
    return str(cur.fetchone()[0])


def read_approval(conn: LeanConn, approval_id: str) -> dict[str, Any] | None:
    cur = _call(conn, "SELECT * FROM overseer_gate_read_approval(%s)", (approval_id,))
    row = cur.fetchone()
    if row is None:
        return None
    return _public(dict(zip([d[0] for d in cur.description], row, strict=True)))


def finish_approval(conn: LeanConn, approval_id: str, *, outcome: str, reason: str | None) -> bool:
    query = "SELECT overseer_gate_finish_approval(%s, %s, %s, %s, %s)"
    try:
        cur = _call(conn, query, (approval_id, outcome, _t(reason), None, None))
    except NeedsInput:
        masked, fp = _input_of(conn, approval_id)
        cur = _call(conn, query, (approval_id, outcome, _t(reason), masked, fp))
    return bool(cur.fetchone()[0])


def append_decision(
    conn: LeanConn,
    *,
    outcome: str,
    action: str,
    session: str | None,
    approval_id: str | None,
    call_id: str | None,
    tool: str | None,
    tool_input: Any,
    updated_input: Any,
    rule: str | None,
    reason: str | None,
    agent: str | None,
    task: str | None,
) -> int:
    """The gate's own outcome (hook role), or a kill's signal row (operator role)."""
    if conn.team == "operator":
        if (outcome, action) != ("killed", "signal"):
            raise StoreError(
                "refused by the team-mode store: the operator role appends kill signal rows only"
            )
        cur = _call(
            conn,
            "SELECT overseer_op_signal(%s, %s, %s, %s)",
            (_t(session), _t(reason), _t(agent), _t(task)),
        )
        return int(cur.fetchone()[0])
    cur = _call(
        conn,
        "SELECT overseer_gate_record(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (
            outcome, action, _t(session), _t(approval_id), _t(call_id), _t(tool),
            _t(_masked(tool_input)), _fingerprint(tool_input), _t(_masked(updated_input)),
            _t(rule), _t(reason), _t(agent), _t(task),
        ),
    )  # fmt: skip
    return int(cur.fetchone()[0])


def session_row(conn: LeanConn, session: str) -> tuple[Any, ...] | None:
    """``(status, agent, task, cwd, pid)`` of a session this login may read, or ``None``."""
    cur = _call(conn, "SELECT * FROM overseer_gate_session(%s)", (session,))
    row = cur.fetchone()
    return None if row is None else tuple(row)


def session_grants(conn: LeanConn, session: str) -> list[str]:
    cur = _call(conn, "SELECT * FROM overseer_gate_grants(%s)", (session,))
    return [str(r[0]) for r in cur.fetchall()]


def note_start_dir(conn: LeanConn, session: str, cwd: str) -> None:
    _call(conn, "SELECT overseer_gate_note_start_dir(%s, %s)", (session, _t(cwd)))


def register_process(
    conn: LeanConn,
    session: str,
    pid: int,
    host: str | None,
    *,
    agent: str | None,
    task: str | None,
    cwd: str | None,
) -> None:
    _call(
        conn,
        "SELECT overseer_gate_register_process(%s, %s, %s, %s, %s, %s)",
        (session, int(pid), _t(host), _t(agent), _t(task), _t(cwd)),
    )


# ------------------------------------------------------------------------------- operator


def decide(
    conn: LeanConn,
    approval_id: str,
    *,
    decision: str,
    reason: str | None,
    updated_input: Any,
    grants: Sequence[str],
) -> dict[str, Any]:
    """``lean.decide`` as the operator role: the database records ``session_user``."""
    updated_raw = None if updated_input is None else json.dumps(updated_input, ensure_ascii=False)
    reason_text = (reason or "").strip() or None
    query = "SELECT * FROM overseer_op_decide(%s, %s, %s, %s, %s, %s, %s, %s)"
    params: list[Any] = [
        approval_id, decision, _t(reason_text), updated_raw, _t(_masked(updated_input)),
        [_t(g) for g in grants], None, None,
    ]  # fmt: skip
    try:
        cur = _call(conn, query, params)
    except NeedsInput:
        params[6:] = _input_of(conn, approval_id)
        cur = _call(conn, query, params)
    row = cur.fetchone()
    if row is None:
        raise StoreError(f"approval {approval_id} vanished while being decided")
    return _public(dict(zip([d[0] for d in cur.description], row, strict=True)))


def mark_session_killed(conn: LeanConn, session: str, *, reason: str | None) -> int:
    """``lean.mark_session_killed`` as the operator role (``killed_by`` is ``session_user``)."""
    query = "SELECT overseer_op_kill(%s, %s, %s::jsonb)"
    inputs: dict[str, list[str | None]] = {}
    for _attempt in range(3):
        try:
            cur = _call(conn, query, (session, _t(reason), json.dumps(inputs)))
            return int(cur.fetchone()[0])
        except NeedsInput:
            # Pending approvals the owner wrote directly: mask their stored inputs here.
            with db_errors(conn.db):
                ids = conn.raw.execute(
                    "SELECT id FROM approvals WHERE session = %s AND status = 'pending'",
                    (session,),
                ).fetchall()
            for (approval_id,) in ids:
                inputs[approval_id] = list(_input_of(conn, approval_id))
    raise StoreError(f"could not kill session {session}: its pending approvals kept changing")
