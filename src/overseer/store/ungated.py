"""Ungated calls: tool calls a transcript shows that no gate ever decided.

A removed, untrusted (Codex skips a changed hook entry until it is trusted again), disabled
or bypassed hook looks the same from the store: the agent's transcript goes on showing tool
calls, and the audit chain has no row for them. This pass finds them and flags each one
*ungated call*, a security flag stored the way every detector's flag is (on the event's
``flags`` JSON, counted on the event and its session), so the TUI, the review and the report
show it with no code of their own.

It lives in the store layer because the detectors are pure and cannot ask the store; it needs
the config's answer to one question (:meth:`overseer.config.Config.is_gated`), passed in.

**Which calls are expected to have a gate decision.** A call of a session whose agent is
marked ``gated = true`` (or ``[defaults] gated = true``): a hook removed before the session
started never records it, so the config is the only witness. And, for every agent, a call of
a session the gate has seen (a decision or approval for it, or for its parent session: Claude
Code's hook sends the main session's id for sub-agent calls) made at or after the first gate
record: a hook removed mid-session. Calls before the first record of an unmarked agent are
not flagged (the hook was installed later), so offline review of never-hooked agents stays
quiet. Codex sends only some tools to its PreToolUse hook (shell, ``apply_patch``, MCP
tools; see ``codex-rs/core/src/tools/registry.rs`` ``dispatch_any``: a handler without a
``pre_tool_use_payload`` runs no hook); its other built-ins (:data:`NOT_SENT_TO_HOOKS`) are
never expected to have one.

**Matching.** Claude Code's hook receives the transcript's ``tool_use.id`` as ``tool_use_id``
(the ``hook_progress`` records of a real transcript carry the same id), and Codex builds the
hook's ``tool_use_id`` from the invocation's ``call_id`` (``run_pre_tool_use_hooks(...,
invocation.call_id.clone(), ...)``), the rollout's ``function_call.call_id``. The hook stores
it as ``decisions.call_id`` / ``approvals.call_id``; a call is gated when a decision or an
approval of its session (or parent) names its call id. An approval counts as soon as it
exists: a call waiting for an operator has no decision row yet.

**Ordering.** The agent writes the ``tool_use`` line around the time its hook runs, so a
call can be ingested before its decision exists. A call is judged only once it is older than
``grace_s`` (by its own timestamp); younger ones are left for a later pass. Passes are
incremental (a high-water mark of event ids in ``meta``, never moved past a call still
inside the grace period) and idempotent (a call already flagged is never flagged twice,
even by two passes at once); ``full=True`` re-checks everything (the review and the report).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from overseer.store import utc_text
from overseer.store.tables import ApprovalRow, DecisionRow, EventRow, MetaRow, SessionRow
from overseer.untrusted import neutralise

if TYPE_CHECKING:
    from overseer.store.db import Store

DETECTOR = "ungated_call"
#: Tool calls made without passing the gate: tool misuse outside oversight, a rogue agent.
OWASP = ("ASI02", "ASI10")
#: Seconds a call may wait for its gate decision to appear before it is judged.
GRACE_S = 30.0
#: ``meta`` key of the incremental pass's high-water mark (an event id).
MARK_KEY = "ungated_checked_id"
#: Codex built-ins that Codex never sends to a PreToolUse hook (no ``pre_tool_use_payload``).
NOT_SENT_TO_HOOKS = frozenset({
    "write_stdin", "update_plan", "view_image", "web_search", "request_user_input",
    "list_mcp_resources", "list_mcp_resource_templates", "read_mcp_resource",
    "spawn_agent", "send_input", "wait", "close_agent", "resume_agent",
})  # fmt: skip

_EVENTS: sa.Table = EventRow.__table__  # type: ignore[attr-defined]
_SESSIONS: sa.Table = SessionRow.__table__  # type: ignore[attr-defined]
_DECISIONS: sa.Table = DecisionRow.__table__  # type: ignore[attr-defined]
_APPROVALS: sa.Table = ApprovalRow.__table__  # type: ignore[attr-defined]
_META: sa.Table = MetaRow.__table__  # type: ignore[attr-defined]
_CHUNK = 2000


@dataclass(slots=True)
class UngatedResult:
    """What one pass did: calls looked at, calls flagged now (session, call id), calls still
    inside the grace period (judged by a later pass)."""

    checked: int = 0
    flagged: list[tuple[str, str]] = field(default_factory=list)
    waiting: int = 0


def flag_message(tool: str | None, reason: str) -> str:
    """The flag's text: which tool ran with no gate decision and why it was expected."""
    name = neutralise(tool or "?", limit=60)
    return f"ungated call: {name} ran with no gate decision recorded ({reason})"


def flag_ungated(
    store: Store,
    is_gated: Callable[[str | None], bool],
    *,
    now: float | None = None,
    grace_s: float = GRACE_S,
    full: bool = False,
) -> UngatedResult:
    """Flag the tool calls that should have a gate decision and have none (module doc).

    ``is_gated(agent)`` says whether an agent is configured as gated (``Config.is_gated``).
    Returns what was done; every flag is committed with its counters, chunk by chunk."""
    moment = time.time() if now is None else now
    cutoff = utc_text(moment - max(grace_s, 0.0))
    result = UngatedResult()
    mark = 0 if full else _read_mark(store)
    cursor = mark
    blocked_at: int | None = None  # the first call still inside the grace period
    while True:
        with store._read() as conn:
            rows = conn.execute(
                sa.select(
                    _EVENTS.c.id, _EVENTS.c.session, _EVENTS.c.call_id, _EVENTS.c.tool,
                    _EVENTS.c.ts, _EVENTS.c.flags,
                )
                .where(_EVENTS.c.id > cursor, _EVENTS.c.kind == "tool_call")
                .order_by(_EVENTS.c.id)
                .limit(_CHUNK)
            ).all()  # fmt: skip
        if not rows:
            break
        cursor = int(rows[-1][0])
        young, flags = _judge(store, rows, is_gated, cutoff)
        result.checked += len(rows) - len(young)
        result.waiting += len(young)
        if young and blocked_at is None:
            blocked_at = min(young)
        if flags:
            result.flagged.extend(_write_flags(store, flags))
    if not full:
        new_mark = cursor if blocked_at is None else blocked_at - 1
        if new_mark > mark:
            _write_mark(store, new_mark)
    return result


def _judge(
    store: Store,
    rows: Sequence[Any],
    is_gated: Callable[[str | None], bool],
    cutoff: str,
) -> tuple[list[int], list[tuple[int, str, str, str]]]:
    """``(young event ids, [(event id, session, call id, flag message)])``."""
    sessions = sorted({str(r[1]) for r in rows})
    call_ids = sorted({str(r[2]) for r in rows if r[2] is not None})
    with store._read() as conn:
        info = {
            sid: (agent, parent)
            for sid, agent, parent in conn.execute(
                sa.select(_SESSIONS.c.id, _SESSIONS.c.agent, _SESSIONS.c.parent_session).where(
                    _SESSIONS.c.id.in_(sessions)
                )
            )
        }
        gate_sessions = sorted(set(sessions) | {p for _a, p in info.values() if p})
        first = _first_gate_records(conn, gate_sessions)
        decided = _decided(conn, gate_sessions, call_ids)
        first_gated = _first_gated_calls(conn, sessions, info, first)
    young: list[int] = []
    out: list[tuple[int, str, str, str]] = []
    for event_id, session, call_id, tool, ts, flags in rows:
        agent, parent = info.get(session, (None, None))
        if ts > cutoff:
            young.append(int(event_id))
            continue
        if call_id is None or (tool or "") in NOT_SENT_TO_HOOKS:
            continue
        if (session, call_id) in decided or (parent and (parent, call_id) in decided):
            continue
        if _already(flags):
            continue
        seen = [t for t in (first.get(session), first.get(parent or "")) if t is not None]
        gated_before = first_gated.get(session)
        if is_gated(agent):
            reason = f"agent {neutralise(agent or 'unknown', limit=60)} is configured gated"
        elif (gated_before is not None and event_id > gated_before) or (seen and ts >= min(seen)):
            reason = (
                "the gate decided earlier calls of this session: its hook was removed or bypassed"
            )
        else:
            continue
        out.append((int(event_id), session, call_id, flag_message(tool, reason)))
    return young, out


def _first_gate_records(conn: Any, sessions: Iterable[str]) -> dict[str, str]:
    """Per session, the time of its first decision or approval (the gate saw it then)."""
    wanted = list(sessions)
    first: dict[str, str] = {}
    if not wanted:
        return first
    d, a = _DECISIONS.c, _APPROVALS.c
    for query in (
        sa.select(d.session, sa.func.min(d.ts)).where(d.session.in_(wanted)).group_by(d.session),
        sa.select(a.session, sa.func.min(a.created_at))
        .where(a.session.in_(wanted))
        .group_by(a.session),
    ):
        for session, ts in conn.execute(query):
            if (
                session is not None
                and ts is not None
                and (session not in first or ts < first[session])
            ):
                first[session] = ts
    return first


def _first_gated_calls(
    conn: Any,
    sessions: Iterable[str],
    info: dict[str, tuple[str | None, str | None]],
    first: dict[str, str],
) -> dict[str, int]:
    """Per session, the event id of its first tool call the gate recorded: the calls after
    it (in the transcript's own order, whatever its clock says) were made with the hook
    installed. Driven from the gate's rows (indexed by session) into the events' unique
    (session, kind, call_id) index, so a long session costs one probe per gate record."""
    e = _EVENTS.c
    out: dict[str, int] = {}
    for session in sessions:
        parent = info.get(session, (None, None))[1]
        best: int | None = None
        for owner in (session, parent):
            if not owner or owner not in first:
                continue
            for table in (_DECISIONS, _APPROVALS):
                query = (
                    sa.select(sa.func.min(e.id))
                    .select_from(
                        table.join(
                            _EVENTS,
                            sa.and_(
                                e.session == session,
                                e.kind == "tool_call",
                                e.call_id == table.c.call_id,
                            ),
                        )
                    )
                    .where(table.c.session == owner)
                )
                found = conn.execute(query).scalar_one_or_none()
                if found is not None and (best is None or found < best):
                    best = int(found)
        if best is not None:
            out[session] = best
    return out


def _decided(conn: Any, sessions: Sequence[str], call_ids: Sequence[str]) -> set[tuple[str, str]]:
    """``(session, call id)`` pairs the gate recorded (a decision or an approval)."""
    found: set[tuple[str, str]] = set()
    if not sessions or not call_ids:
        return found
    d, a = _DECISIONS.c, _APPROVALS.c
    for start in range(0, len(call_ids), 500):
        part = list(call_ids[start : start + 500])
        for table_session, table_call in ((d.session, d.call_id), (a.session, a.call_id)):
            query = sa.select(table_session, table_call).where(
                table_session.in_(list(sessions)), table_call.in_(part)
            )
            found.update((str(s), str(c)) for s, c in conn.execute(query))
    return found


def _already(flags_json: str | None) -> bool:
    if not flags_json:
        return False
    try:
        flags = json.loads(flags_json)
    except ValueError:
        return False
    return isinstance(flags, list) and any(
        isinstance(f, dict) and f.get("detector") == DETECTOR for f in flags
    )


def _write_flags(store: Store, items: Sequence[tuple[int, str, str, str]]) -> list[tuple[str, str]]:
    """Add the flag to each event and count it on the event and its session, in one
    transaction. The UPDATE re-checks that the event is not flagged yet, and the session is
    counted only when it changed a row, so concurrent passes never count a call twice."""
    e, s = _EVENTS.c, _SESSIONS.c
    done: list[tuple[str, str]] = []
    with store._write() as conn:
        for event_id, session, call_id, message in items:
            current = conn.execute(sa.select(e.flags).where(e.id == event_id)).scalar_one_or_none()
            if _already(current):
                continue
            try:
                flags = json.loads(current) if current else []
            except ValueError:
                flags = []
            if not isinstance(flags, list):
                flags = []
            flags.append(
                {
                    "detector": DETECTOR,
                    "category": "security",
                    "message": message,
                    "owasp": list(OWASP),
                    "severity": "high",
                }
            )
            guard = e.flags.is_(None) if current is None else e.flags == current
            changed = conn.execute(
                sa.update(_EVENTS)
                .where(e.id == event_id, guard)
                .values(flags=json.dumps(flags), flags_security=e.flags_security + 1)
            ).rowcount
            if changed == 1:
                conn.execute(
                    sa.update(_SESSIONS)
                    .where(s.id == session)
                    .values(flags_security=s.flags_security + 1)
                )
                done.append((session, call_id))
    return done


def _read_mark(store: Store) -> int:
    with store._read() as conn:
        value = conn.execute(
            sa.select(_META.c.value).where(_META.c.key == MARK_KEY)
        ).scalar_one_or_none()
    try:
        return int(value) if value is not None else 0
    except ValueError:
        return 0


def _write_mark(store: Store, mark: int) -> None:
    """Move the mark forward only (two passes racing never move it back)."""
    with store._write() as conn:
        current = conn.execute(
            sa.select(_META.c.value).where(_META.c.key == MARK_KEY)
        ).scalar_one_or_none()
        if current is None:
            conn.execute(sa.insert(_META).values(key=MARK_KEY, value=str(mark)))
        elif int(current or 0) < mark:
            conn.execute(sa.update(_META).where(_META.c.key == MARK_KEY).values(value=str(mark)))
