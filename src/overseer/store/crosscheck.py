"""What the gate acts on, checked against the audit chain before it acts.

The gate reads state an agent running as the same OS user can rewrite with ``sqlite3``: an
approval's ``status``, the session grants, a session's ``status`` and owner. Every one of
those changes is written together with an audit-chain row (one transaction), and the chain's
rows are hash-linked, so the chain is the record to believe. Before acting, the gate checks:

* **a decided approval** (:func:`decision_problem`): the row its ``decision_seq`` points at
  exists, links to its predecessor, hashes to what it says, names this approval, this session
  and this tool; its outcome is the status, its operator is ``decided_by``; its
  ``input_fingerprint`` is the fingerprint of the input *the gate itself received* (so an
  approval whose input was rewritten while it waited — the operator shown ``git status``
  while ``git push --force`` runs — is refused), and an edited input matches the row's;
* **grants** (:func:`verified_grants`): each is honoured only when an ``approve_for_session``
  row of the same session and approval lists exactly the grants stored for it;
* **a kill** (:func:`chain_killed`): any ``killed`` row of the session means killed, whatever
  ``sessions.status`` says;
* **the owner** (:func:`chain_owner`): the agent and task of the session's first chain row
  (the gate records them on every row) — a session moved to another agent is refused.

A disagreement is *oversight tampering*: the gate denies the call and records why
(:func:`record_tampering`: a chain row whose reason starts with :data:`TAMPERING`, and a
security flag on the session). Every read is an indexed lookup.

What this does not stop: in single-user mode an agent that can write the store can also
*append* correctly hashed chain rows (the hash is no secret). Only the separated modes
(``overseer serve``, team mode), where the agent cannot write the store at all, stop that.

On the gate hook's import path: standard library, :mod:`.chain` and :mod:`.lean` only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from overseer.secrets import fingerprint
from overseer.store import clean_text
from overseer.store.chain import COLUMNS, FIELDS, GENESIS, row_hash
from overseer.store.lean import LeanConn, _canonical, _masked, append_row, db_errors

#: Every reason recorded for a disagreement starts with this (the TUI and reports match it).
TAMPERING = "oversight tampering: "
#: The security flag's detector id (shared with :mod:`overseer.policy.detectors`).
TAMPERING_FLAG = "oversight_tampering"
_SELECT = f"SELECT {', '.join(COLUMNS)} FROM decisions"
_NFIELDS = len(FIELDS)


def _row(conn: LeanConn, where: str, params: tuple[Any, ...]) -> dict[str, Any] | None:
    found = conn.execute(f"{_SELECT} {where}", params).fetchone()
    return None if found is None else dict(zip(COLUMNS, found, strict=True))


def row_problem(conn: LeanConn, row: Mapping[str, Any]) -> str | None:
    """Whether a chain row is sound where it stands: it links to its predecessor and its
    content hashes to its stored hash (two primary-key reads)."""
    seq = row["seq"]
    if type(seq) is not int or seq < 1:
        return f"chain row {seq!r} has no valid sequence number"
    if seq == 1:
        prev = GENESIS
    else:
        before = conn.execute("SELECT hash FROM decisions WHERE seq = ?", (seq - 1,)).fetchone()
        if before is None:
            return f"chain row {seq} has no predecessor (row {seq - 1} was removed)"
        prev = str(before[0])
    if row["prev_hash"] != prev:
        return f"chain row {seq} does not link to row {seq - 1}"
    try:
        digest = row_hash(prev, {k: row[k] for k in FIELDS})
    except Exception:
        digest = ""
    if digest != row["hash"]:
        return f"chain row {seq} does not match its hash (edited after it was written)"
    return None


def input_fingerprint(tool_input: Any) -> str | None:
    """The chain's ``input_fingerprint`` of ``tool_input`` (as :func:`lean.append_row`)."""
    return None if tool_input is None else fingerprint(_canonical(tool_input))


def decision_problem(
    conn: LeanConn,
    approval: Mapping[str, Any],
    *,
    approval_id: str,
    session: str,
    tool: str | None,
    tool_input: Mapping[str, Any],
) -> str | None:
    """Why the decided ``approval`` (a :func:`lean.read_approval` dict) must not be acted on,
    or ``None`` when its chain row vouches for it. ``tool_input`` is the input the gate
    received itself, never the approval's stored copy."""
    status = str(approval.get("status") or "")
    seq = approval.get("decision_seq")
    if type(seq) is not int:
        return (
            f"approval {approval_id} says {status!r} but no audit-chain row records that "
            "decision (the approval was changed in the store)"
        )
    with db_errors(conn.db):
        row = _row(conn, "WHERE seq = ?", (seq,))
        if row is None:
            return f"approval {approval_id} points at chain row {seq}, which does not exist"
        broken = row_problem(conn, row)
    if broken is not None:
        return f"approval {approval_id}: {broken}"
    pg = conn.is_pg
    checks = (
        ("approval", row["approval_id"], approval_id),
        ("session", row["session"], clean_text(session, pg)),
        ("tool", row["tool"], None if tool is None else clean_text(tool, pg)),
        ("outcome", row["outcome"], status),
        ("operator", row["operator"], _clean(approval.get("decided_by"), pg)),
    )
    for what, recorded, stated in checks:
        if recorded != stated:
            return (
                f"approval {approval_id} says {what} {stated!r} but its chain row {seq} "
                f"records {recorded!r}"
            )
    if row["input_fingerprint"] != input_fingerprint(dict(tool_input)):
        return (
            f"approval {approval_id} was decided on an input other than the one this call "
            f"carries (chain row {seq}: the waiting approval's input was rewritten)"
        )
    updated = approval.get("updated_input")
    masked = _masked(updated)
    if (clean_text(masked, pg) if masked is not None else None) != row["updated_input"]:
        return (
            f"approval {approval_id}'s edited input differs from the one its chain row {seq} "
            "records"
        )
    return None


def verified_grants(conn: LeanConn, session: str) -> tuple[list[str], str | None]:
    """The session's grant rules (oldest first) and, when a grant has no chain row that
    approves it, why not (then no grant may be honoured: the store was changed).

    A grant is vouched for by an ``approve_for_session`` row of the same approval and
    session, outcome ``approved``, sound where it stands, whose rule is exactly that
    approval's grants joined with ``" + "`` (as :func:`lean.decide` writes them)."""
    with db_errors(conn.db):
        rows = conn.execute(
            "SELECT rule, approval_id FROM grants WHERE session = ? ORDER BY id", (session,)
        ).fetchall()
        if not rows:
            return [], None
        by_approval: dict[Any, list[str]] = {}
        for rule, approval_id in rows:
            by_approval.setdefault(approval_id, []).append(str(rule))
        for approval_id, rules in by_approval.items():
            problem = _grant_problem(conn, session, approval_id, rules)
            if problem is not None:
                return [], problem
    return [str(r[0]) for r in rows], None


def _grant_problem(conn: LeanConn, session: str, approval_id: Any, rules: list[str]) -> str | None:
    named = ", ".join(repr(r) for r in rules)
    if not isinstance(approval_id, str):
        return f"session grant {named} names no approval: no operator's decision vouches for it"
    row = _row(
        conn,
        "WHERE approval_id = ? AND action = 'approve_for_session' ORDER BY seq LIMIT 1",
        (approval_id,),
    )
    if row is None:
        return (
            f"session grant {named} claims approval {approval_id}, but no audit-chain row "
            "approved it for the session (the grant was added in the store)"
        )
    if row["session"] != clean_text(session, conn.is_pg) or row["outcome"] != "approved":
        return f"session grant {named}: chain row {row['seq']} approved another session's call"
    if row["rule"] != clean_text(" + ".join(rules), conn.is_pg):
        return (
            f"session grants {named} differ from what chain row {row['seq']} granted "
            f"({row['rule']!r})"
        )
    return row_problem(conn, row)


def chain_killed(conn: LeanConn, session: str) -> bool:
    """Whether any chain row says the session was killed (a partial index of ``killed``
    rows makes this one lookup)."""
    with db_errors(conn.db):
        found = conn.execute(
            "SELECT 1 FROM decisions WHERE session = ? AND outcome = 'killed' LIMIT 1",
            (session,),
        ).fetchone()
    return found is not None


def chain_owner(conn: LeanConn, session: str) -> tuple[str, str | None] | None:
    """``(agent, task)`` of the session's first chain row that names an agent (the gate
    records the agent and task it judged under on every row), ``None`` before the first."""
    with db_errors(conn.db):
        found = conn.execute(
            "SELECT agent, task FROM decisions WHERE session = ? AND agent IS NOT NULL"
            " ORDER BY seq LIMIT 1",
            (session,),
        ).fetchone()
    if found is None:
        return None
    return str(found[0]), None if found[1] is None else str(found[1])


def owner_problem(conn: LeanConn, session: str, agent: str | None, task: str | None) -> str | None:
    """Why judging this call as ``agent``/``task`` would move the session out of the scope
    it started in, or ``None``."""
    first = chain_owner(conn, session)
    if first is None or agent is None:
        return None
    pg = conn.is_pg
    now = (clean_text(agent, pg), _clean(task, pg))
    if now == first:
        return None
    return (
        f"session {session} started as agent {first[0]!r} (task {first[1]!r}) by its first "
        f"audit-chain row, but this call would be judged as agent {now[0]!r} (task {now[1]!r})"
        ": the session's owner was changed in the store"
    )


def record_tampering(
    conn: LeanConn,
    detail: str,
    *,
    outcome: str = "policy_denied",
    action: str = "deny",
    operator: str = "overseer",
    session: str | None = None,
    approval_id: str | None = None,
    call_id: str | None = None,
    tool: str | None = None,
    tool_input: Any = None,
    agent: str | None = None,
    task: str | None = None,
    restore_kill: bool = False,
) -> tuple[int, str]:
    """Record an *oversight tampering* finding: one chain row (reason
    ``"oversight tampering: " + detail``) and a security flag on the session (its
    ``flags_security`` counter, shown in the fleet), in one transaction. ``restore_kill``
    also puts a killed session's status back. Returns ``(seq, reason)``."""
    reason = detail if detail.startswith(TAMPERING) else TAMPERING + detail
    with db_errors(conn.db), conn.transaction(chain=True):
        seq = append_row(
            conn, outcome=outcome, action=action, operator=operator, session=session,
            approval_id=approval_id, call_id=call_id, tool=tool, tool_input=tool_input,
            rule=TAMPERING_FLAG, reason=reason, agent=agent, task=task,
        )  # fmt: skip
        if session is not None:
            conn.execute(
                "UPDATE sessions SET flags_security = COALESCE(flags_security, 0) + 1"
                + (", status = 'killed'" if restore_kill else "")
                + " WHERE id = ?",
                (session,),
            )
    return seq, reason


def _clean(value: Any, pg: bool) -> str | None:
    return None if value is None else clean_text(str(value), pg)
