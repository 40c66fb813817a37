"""The gate itself: judge one tool call, wait for an operator when the scope says *ask*,
and write every outcome to the audit chain. Shared by the hook (Claude Code, Codex) and the
in-house client (:mod:`overseer.control.gate`), so both speak exactly one store protocol.

Fail closed everywhere: anything but an explicit allow (by a rule or by a person) is a deny,
and the reason says which of the distinct outcomes it was — a timeout is never reported as a
human denial. This module sits on the hook's import path: stdlib, the pure policy modules
and the lean store only.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Mapping
from typing import Any

from overseer.policy.rules import CallContext, Rule
from overseer.policy.scope import Scope, evaluate_call
from overseer.store import crosscheck, lean

#: ``operator`` of the audit rows the gate writes on its own (rules, timeouts, errors).
AUTOMATIC = "overseer"
ALLOW, DENY = "allow", "deny"


class GateResult:
    """What the gate decided for one call, ready to be rendered for any agent.

    ``action`` is what the agent is told (``allow`` or ``deny``); ``outcome`` is the audit
    outcome (``auto_allowed`` … ``errored``); ``stop`` is set when the whole session must stop
    (it was killed); ``updated_input`` is an operator-edited replacement input.
    """

    __slots__ = (
        "action", "agent", "approval_id", "decided_by", "outcome", "reason", "rule", "stop",
        "task", "updated_input", "verdict",
    )  # fmt: skip

    def __init__(
        self,
        action: str,
        outcome: str,
        reason: str,
        *,
        rule: str | None = None,
        verdict: str | None = None,
        approval_id: str | None = None,
        decided_by: str | None = None,
        updated_input: dict[str, Any] | None = None,
        stop: bool = False,
        agent: str | None = None,
        task: str | None = None,
    ) -> None:
        self.action, self.outcome, self.reason = action, outcome, reason
        self.rule, self.verdict = rule, verdict
        self.approval_id, self.decided_by = approval_id, decided_by
        self.updated_input = updated_input
        self.stop = stop
        self.agent, self.task = agent, task

    @property
    def allowed(self) -> bool:
        return self.action == ALLOW

    def __repr__(self) -> str:
        return f"GateResult({self.action!r}, {self.outcome!r}, {self.reason!r})"


def describe_seconds(seconds: float) -> str:
    """``120`` → ``"120 s"``, ``0.5`` → ``"0.5 s"``: exact enough for a reason line."""
    return f"{seconds:g} s"


def judge(
    conn: Any,
    *,
    session: str,
    tool: str,
    tool_input: Mapping[str, Any],
    scope: Scope | None,
    ctx: CallContext,
    agent: str,
    task: str | None,
    gate_timeout: float,
    call_id: str | None = None,
    origin: str = "hook",
) -> GateResult:
    """Decide one call and record the outcome. Raises only when the store fails *before* an
    approval exists; once one exists, every failure finishes it as ``errored`` here."""
    who = f"agent {agent}" + (f", task {task}" if task else "")
    checked = _cross_checked(conn)
    status = lean.session_status(conn, session)
    if status == "killed" or (checked and crosscheck.chain_killed(conn, session)):
        reason = f"session {session} was killed by an operator; no further tool calls are allowed"
        if status == "killed":
            _record(
                conn, "killed", DENY, session, call_id, tool, tool_input, None, reason, agent, task
            )  # fmt: skip
        else:  # the chain says killed, the store says otherwise: the kill was undone
            _, reason = crosscheck.record_tampering(
                conn,
                f"session {session} was killed (audit chain) but the store says {status!r}; "
                "the kill stands and the call is denied",
                outcome="killed", session=session, call_id=call_id, tool=tool,
                tool_input=dict(tool_input), agent=agent, task=task, restore_kill=True,
            )  # fmt: skip
        return GateResult(DENY, "killed", reason, stop=True, agent=agent, task=task)

    grants: list[Rule] = []
    if checked:
        problem = crosscheck.owner_problem(conn, session, agent, task)
        texts: list[str] = []
        if problem is None:
            texts, problem = crosscheck.verified_grants(conn, session)
        if problem is not None:
            return _tampered(
                conn, problem, session=session, call_id=call_id, tool=tool,
                tool_input=tool_input, agent=agent, task=task,
            )  # fmt: skip
        grants = _parsed(texts)
    else:
        grants = session_grants(conn, session)
    decision = evaluate_call(scope, tool, tool_input, ctx, grants)
    if decision.effective == ALLOW:
        reason = f"allowed by overseer: {decision.reason} ({who})"
        _record(
            conn,
            "auto_allowed",
            ALLOW,
            session,
            call_id,
            tool,
            tool_input,
            decision.rule,
            reason,
            agent,
            task,
        )
        return GateResult(
            ALLOW,
            "auto_allowed",
            reason,
            rule=decision.rule,
            verdict=decision.verdict,
            agent=agent,
            task=task,
        )
    if decision.effective == DENY:
        reason = f"denied by overseer: {decision.reason} ({who})"
        _record(
            conn,
            "policy_denied",
            DENY,
            session,
            call_id,
            tool,
            tool_input,
            decision.rule,
            reason,
            agent,
            task,
        )
        return GateResult(
            DENY,
            "policy_denied",
            reason,
            rule=decision.rule,
            verdict=decision.verdict,
            agent=agent,
            task=task,
        )

    approval_id = lean.create_approval(
        conn,
        session=session,
        call_id=call_id,
        agent=agent,
        task=task,
        tool=tool,
        tool_input=dict(tool_input),
        rule=decision.rule,
        verdict=decision.verdict,
        summary=summarise(tool, tool_input),
        timeout_s=gate_timeout,
        origin=origin,
    )
    try:
        decided = lean.wait_for_decision(conn, approval_id, time.time() + gate_timeout)
        if decided is None:
            reason = (
                f"no operator decided within the gate timeout ({describe_seconds(gate_timeout)}); "
                "the call is denied (timed out — not refused by a person)"
            )
            if lean.finish_approval(
                conn, approval_id, outcome="timed_out", reason=reason, operator=AUTOMATIC
            ):
                return GateResult(
                    DENY, "timed_out", reason, rule=decision.rule, verdict=decision.verdict,
                    approval_id=approval_id, agent=agent, task=task,
                )  # fmt: skip
            decided = lean.read_approval(conn, approval_id)  # someone decided at the last moment
        result = _settle(
            conn, decided, approval_id, decision.rule, decision.verdict, agent, task,
            session=session, call_id=call_id, tool=tool, tool_input=tool_input, checked=checked,
        )  # fmt: skip
    except BaseException as exc:
        reason = f"overseer failed while waiting for a decision: {_one_line(exc)}"
        try:
            finished = lean.finish_approval(
                conn, approval_id, outcome="errored", reason=reason, operator=AUTOMATIC
            )
        except Exception:
            finished = False
        if not finished:
            try:
                decided = lean.read_approval(conn, approval_id)
            except Exception:
                decided = None
            if decided is not None and decided.get("status") not in (None, "pending"):
                return _settle(
                    conn, decided, approval_id, decision.rule, decision.verdict, agent, task,
                    session=session, call_id=call_id, tool=tool, tool_input=tool_input,
                    checked=checked,
                )  # fmt: skip
        if isinstance(exc, Exception):
            return GateResult(
                DENY,
                "errored",
                reason,
                rule=decision.rule,
                approval_id=approval_id,
                agent=agent,
                task=task,
            )
        with contextlib.suppress(Exception):  # tell the caller the outcome row is written
            exc.overseer_recorded = True  # type: ignore[attr-defined]
        raise  # KeyboardInterrupt, a watchdog, SystemExit

    if result.allowed and result.updated_input is not None:
        # The operator narrowed the call; a deny rule still wins over a person's approval.
        again = evaluate_call(scope, tool, result.updated_input, ctx)
        if again.effective == DENY:
            reason = (
                f"the operator's edited input is denied by overseer: {again.reason} ({who}); "
                "the call is denied"
            )
            _record(
                conn, "policy_denied", DENY, session, call_id, tool, tool_input, again.rule, reason,
                agent, task, approval_id=approval_id, updated_input=result.updated_input,
            )  # fmt: skip
            return GateResult(
                DENY, "policy_denied", reason, rule=again.rule, verdict=again.verdict,
                approval_id=approval_id, agent=agent, task=task,
            )  # fmt: skip
    return result


def _cross_checked(conn: Any) -> bool:
    """Whether this store's state is checked against its chain before the gate acts: always,
    except in team mode, where the hook's role cannot change approvals, grants, sessions or
    the chain at all (and reads them only through the database's functions)."""
    return isinstance(conn, lean.LeanConn) and not getattr(conn, "team", None)


def _parsed(texts: list[str]) -> list[Rule]:
    rules: list[Rule] = []
    for text in texts:
        with contextlib.suppress(ValueError):
            rules.append(Rule(text))
    return rules


def _tampered(
    conn: Any,
    problem: str,
    *,
    session: str,
    call_id: str | None,
    tool: str,
    tool_input: Mapping[str, Any],
    agent: str | None,
    task: str | None,
    approval_id: str | None = None,
    rule: str | None = None,
    verdict: str | None = None,
) -> GateResult:
    """Deny a call because the store disagrees with the audit chain (oversight tampering):
    the chain row and the session's security flag are written by
    :func:`overseer.store.crosscheck.record_tampering`."""
    _, reason = crosscheck.record_tampering(
        conn, problem + "; the call is denied", session=session, approval_id=approval_id,
        call_id=call_id, tool=tool, tool_input=dict(tool_input), agent=agent, task=task,
    )  # fmt: skip
    return GateResult(
        DENY, "policy_denied", reason, rule=rule or crosscheck.TAMPERING_FLAG, verdict=verdict,
        approval_id=approval_id, agent=agent, task=task,
    )  # fmt: skip


def _settle(
    conn: Any,
    decided: Mapping[str, Any] | None,
    approval_id: str,
    rule: str | None,
    verdict: str | None,
    agent: str | None,
    task: str | None,
    *,
    session: str,
    call_id: str | None,
    tool: str,
    tool_input: Mapping[str, Any],
    checked: bool,
) -> GateResult:
    """:func:`from_approval`, once the decision's chain row vouches for it (see
    :func:`overseer.store.crosscheck.decision_problem`): compared with the input this gate
    received itself, so an approval rewritten in the store is never acted on."""
    if checked and decided is not None:
        problem = crosscheck.decision_problem(
            conn, decided, approval_id=approval_id, session=session, tool=tool,
            tool_input=tool_input,
        )  # fmt: skip
        if problem is not None:
            return _tampered(
                conn, problem, session=session, call_id=call_id, tool=tool,
                tool_input=tool_input, agent=agent, task=task, approval_id=approval_id,
                rule=rule, verdict=verdict,
            )  # fmt: skip
    return from_approval(decided, approval_id, rule, verdict, agent, task)


def session_grants(conn: Any, session: str) -> list[Rule]:
    """Rules an operator allowed for the rest of this session ("approve for session"), when
    the store keeps them (``lean.session_grants``); they rank after deny rules, before ask.
    A grant that does not parse is ignored: it can only ever widen what is allowed."""
    read = getattr(lean, "session_grants", None)
    if read is None:
        return []
    rules: list[Rule] = []
    for item in read(conn, session) or ():
        text = item if isinstance(item, str) else (item or {}).get("rule")
        if isinstance(text, str):
            with contextlib.suppress(ValueError):
                rules.append(Rule(text))
    return rules


def from_approval(
    row: Mapping[str, Any] | None,
    approval_id: str,
    rule: str | None,
    verdict: str | None,
    agent: str | None,
    task: str | None,
) -> GateResult:
    """Turn a decided approval row into the answer for the agent (unknown states deny)."""
    if row is None:
        return GateResult(
            DENY,
            "errored",
            f"approval {approval_id} vanished from the store",
            agent=agent,
            task=task,
        )
    status = str(row.get("status") or "")
    by = row.get("decided_by") or "an operator"
    said = str(row.get("reason") or "").strip()
    common: dict[str, Any] = {
        "rule": rule, "verdict": verdict, "approval_id": approval_id,
        "decided_by": row.get("decided_by"), "agent": agent, "task": task,
    }  # fmt: skip
    if status == "approved":
        updated = row.get("updated_input")
        reason = f"approved by {by}" + (f": {said}" if said else "")
        if isinstance(updated, dict):
            reason += " (with an edited input)"
        return GateResult(
            ALLOW,
            "approved",
            reason,
            updated_input=updated if isinstance(updated, dict) else None,
            **common,
        )
    if status == "denied":
        reason = f"denied by {by}" + (f": {said}" if said else " (no reason given)")
        return GateResult(DENY, "denied", reason, **common)
    if status == "killed":
        reason = (
            f"the session was killed by {by}" + (f": {said}" if said else "") + "; stop working"
        )
        return GateResult(DENY, "killed", reason, stop=True, **common)
    if status == "timed_out":
        return GateResult(
            DENY, "timed_out", said or "no operator decided in time (timed out)", **common
        )
    return GateResult(
        DENY,
        "errored",
        said or f"approval {approval_id} ended in an unexpected state {status!r}",
        **common,
    )


def summarise(tool: str, tool_input: Mapping[str, Any]) -> str:
    """The approval's one line (:func:`overseer.summary.summarise`: the call's arguments, most
    telling first, secrets masked, neutralised here at ingest — architecture.md, 2)."""
    from overseer.summary import summarise as one_line

    return one_line(tool, tool_input)


def register_process(
    conn: Any,
    session: str,
    pid: int,
    host: str | None,
    *,
    agent: str | None = None,
    task: str | None = None,
    cwd: str | None = None,
) -> None:
    """Record the session's process (pid, host) so ``overseer kill`` can signal it.

    Never overwrites a pid already known: the first registration (a native ``session_start``
    or the hook's first call) names the session's process. ``started_at`` is the session's
    first sight, which the kill compares with the process's start time.
    """
    if getattr(conn, "team", None):  # team mode: the hook role writes through a function
        from overseer.store import team_gate

        team_gate.register_process(conn, session, pid, host, agent=agent, task=task, cwd=cwd)
        return
    from overseer.store import utc_text
    from overseer.store.lean import ENSURE_SESSION_OWNER

    now = utc_text()
    with conn.transaction():
        conn.execute(
            "INSERT INTO sessions (id, agent, task, status, cwd, pid, host, started_at,"
            " last_event_at, event_count, tool_calls, flags_safety, flags_security)"
            " VALUES (?, ?, ?, 'live', ?, ?, ?, ?, ?, 0, 0, 0, 0)"
            " ON CONFLICT (id) DO UPDATE SET pid = COALESCE(sessions.pid, excluded.pid),"
            " host = CASE WHEN sessions.pid IS NULL THEN excluded.host ELSE sessions.host END,"
            f" {ENSURE_SESSION_OWNER}, cwd = COALESCE(sessions.cwd, excluded.cwd)",
            (session, agent, task, cwd, pid, host, now, now),
        )


def record_error(
    conn: Any,
    reason: str,
    *,
    session: str | None = None,
    call_id: str | None = None,
    tool: str | None = None,
    tool_input: Mapping[str, Any] | None = None,
    agent: str | None = None,
    task: str | None = None,
) -> None:
    """Append an ``errored`` row (the caller already decided to deny)."""
    _record(conn, "errored", DENY, session, call_id, tool, tool_input, None, reason, agent, task)


def _record(
    conn: Any,
    outcome: str,
    action: str,
    session: str | None,
    call_id: str | None,
    tool: str | None,
    tool_input: Mapping[str, Any] | None,
    rule: str | None,
    reason: str,
    agent: str | None,
    task: str | None,
    *,
    approval_id: str | None = None,
    updated_input: dict[str, Any] | None = None,
) -> None:
    lean.append_decision(
        conn,
        outcome=outcome,
        action=action,
        operator=AUTOMATIC,
        session=session,
        approval_id=approval_id,
        call_id=call_id,
        tool=tool,
        tool_input=dict(tool_input) if tool_input is not None else None,
        updated_input=updated_input,
        rule=rule,
        reason=reason,
        agent=agent,
        task=task,
    )


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__
