"""The app's :class:`~overseer.tui.data.DataSource` over the store (SQLite or PostgreSQL).

Runs in worker threads only. Every string it hands to the screens was neutralised at ingest
(``summary``, ``*_display`` columns) or is overseer's own; it never re-neutralises and never
passes a raw column to a widget.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from overseer.config import Config
from overseer.model import Event, EventKind
from overseer.policy.autonomy import action_label, assess_agent
from overseer.policy.detectors import DetectorSettings, SessionHistory, run_detectors
from overseer.policy.rules import Rule
from overseer.secrets import has_secret
from overseer.sources.formats._common import display_json
from overseer.store import AlreadyDecided, StoreError
from overseer.store.db import Store, TimelineCall
from overseer.summary import summarise
from overseer.tui.data import AuditView, DecisionError, FleetSnapshot, ScopeView
from overseer.tui.rows import (
    ApprovalRow,
    AuditRow,
    CallDetail,
    FleetRow,
    ScopeRuleRow,
    TimelineRow,
)

PAGE = 5000
#: Observed autonomy: how often it is recomputed, after how long first, over how many sessions.
OBSERVE_EVERY = 60.0
OBSERVE_FIRST = 3.0
OBSERVE_SESSIONS = 10
#: Sparklines computed per snapshot read (one indexed query each); the rest wait a read.
ACTIVITY_BUDGET = 25
SPARK_BUCKETS = 12
SPARK_BUCKET_S = 60.0
#: Approval outcomes shown on the timeline in place of the call's own status.
DECIDED = {"approved", "denied", "timed_out", "killed", "errored"}
#: ``TimelineCall.approval_edit`` → the timeline's outcome (:mod:`overseer.store.edits`).
_EDIT_OUTCOMES = {
    "edited": "approved_edited", "edit_denied": "edit_denied", "denied_after": "policy_denied",
}  # fmt: skip
#: Seconds between looks at the hook settings files (they rarely change; reading is I/O).
HOOKS_EVERY = 60.0
#: Seconds between passes that flag tool calls with no gate decision (ungated calls).
UNGATED_EVERY = 15.0


def default_hook_check(project: str | None = None) -> Callable[[], tuple[str, str]]:
    """The hook status of ``project`` (default: where overseer was started) and the user,
    as ``(compact text, level)``, for the header's health."""

    def check() -> tuple[str, str]:
        from overseer.control import hookstatus

        found = hookstatus.hook_status(project) + hookstatus.hook_status(project, user=True)
        best: dict[str, Any] = {}
        for status in found:  # per agent, the place where the hook is best off
            rank = hookstatus.SEVERITY.index(status.state)
            if status.state == hookstatus.NOT_INSTALLED:
                rank = -1  # "none" only if no place has one
            kept = best.get(status.agent)
            if kept is None or rank > kept[0]:
                best[status.agent] = (rank, status)
        chosen = [status for _rank, status in best.values()]
        return hookstatus.summary(chosen), hookstatus.summary_level(chosen)

    return check


def _parse(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class StoreSource:
    """Reads and decisions against one store, with the config for owners and scopes."""

    def __init__(
        self,
        store: Store,
        config: Config,
        *,
        read_only: bool = False,
        health: Mapping[str, str] | None = None,
        expire_overdue: bool = True,
        hook_check: Callable[[], tuple[str, str]] | None = None,
        trust_mode: str = "single-user",
        check_ungated: bool = True,
    ) -> None:
        self.store = store
        self.config = config
        self.read_only = read_only
        self.health: dict[str, str] = dict(health or {})
        from overseer.control.protected import protected_files

        # the gated call's own risks, including tampering with this store and config
        db = getattr(store, "db", None)
        self.settings = DetectorSettings.from_defaults(
            config.defaults,
            protected=protected_files(config.path, db if isinstance(db, str) else None),
        )
        self._spark_cache: dict[str, tuple[str | None, list[int]]] = {}
        self._approval_flags: dict[str, tuple[tuple[str, ...], bool]] = {}
        self._approval_shown: dict[str, tuple[str, str]] = {}
        self._observed: dict[str, str] = {}
        self._lock = threading.Lock()
        self._expired_at = 0.0
        self._activity_budget = ACTIVITY_BUDGET
        # The first observation waits a few seconds after start (see _observe_autonomy).
        self._observed_at = time.monotonic() - OBSERVE_EVERY + OBSERVE_FIRST
        self.expire_overdue = expire_overdue and not read_only
        # Read in snapshot(), i.e. in the app's worker thread, never in a widget.
        self.hook_check = hook_check
        self.trust_mode = trust_mode
        self._hooks: tuple[str, str] = ("", "")
        self._hooks_at = -HOOKS_EVERY
        self.check_ungated = check_ungated and not read_only
        self._ungated_at = -UNGATED_EVERY

    # ------------------------------------------------------------------ reads

    def snapshot(self) -> FleetSnapshot:
        if self.expire_overdue:
            self._expire_overdue()
        if self.check_ungated:
            self._flag_ungated()
        self._read_hooks()
        sessions = self.store.list_sessions(idle_after=self.config.defaults.idle_after)
        self._observe_autonomy(sessions)
        rows: list[FleetRow] = []
        self._activity_budget = ACTIVITY_BUDGET
        agents: set[str] = set()
        safety = security = live = 0
        for s in sessions:
            agent_name = s.agent or "unknown"
            agents.add(agent_name)
            agent = self.config.agents.get(agent_name)
            safety += s.flags.get("safety", 0)
            security += s.flags.get("security", 0)
            live += s.status == "live"
            rows.append(
                FleetRow(
                    session=s.id,
                    agent=agent_name,
                    owner=agent.owner if agent else "",
                    autonomy=agent.autonomy if agent else "undeclared",
                    observed=self._observed.get(agent_name, ""),
                    task=s.task or (agent.default_task if agent else "") or "",
                    status=s.status,
                    events=s.events,
                    tool_calls=s.tool_calls,
                    last_tool=s.last_tool or "",
                    last_ts=s.last_event_at,
                    pending=s.pending_approvals,
                    safety=s.flags.get("safety", 0),
                    security=s.flags.get("security", 0),
                    activity=self._activity(s.id, s.last_event_at, s.status),
                    observe_only=s.id in self.observe_only_sessions(),
                )
            )
        approvals = [self._approval_row(a) for a in self.store.pending_approvals()]
        return FleetSnapshot(
            sessions=rows,
            approvals=approvals,
            agents=len(agents),
            live=live,
            flags_safety=safety,
            flags_security=security,
            health=dict(self.health),
            problems=self.store.count_problems(),
            hooks=self._hooks[0],
            hooks_level=self._hooks[1],
            trust_mode=self.trust_mode,
        )

    def _read_hooks(self) -> None:
        """The hook settings files, at most once a minute (a failure reads as unknown)."""
        if self.hook_check is None:
            return
        now = time.monotonic()
        if now - self._hooks_at < HOOKS_EVERY:
            return
        self._hooks_at = now
        try:
            self._hooks = self.hook_check()
        except Exception as exc:  # a settings file we cannot read must not stop the screen
            self._hooks = (f"unknown ({type(exc).__name__})", "warn")

    def _flag_ungated(self) -> None:
        """Flag calls the transcripts show with no gate decision, every few seconds."""
        now = time.monotonic()
        if now - self._ungated_at < UNGATED_EVERY:
            return
        self._ungated_at = now
        from overseer.store.ungated import flag_ungated

        with contextlib.suppress(StoreError):  # the snapshot read right after says so
            flag_ungated(self.store, self.config.is_gated)

    def _observe_autonomy(self, sessions: list[Any]) -> None:
        """Observed autonomy per agent, from its recent sessions' tool sequences.

        Recomputed at most once a minute, and not on the very first read (the first screen
        must be fast); an agent needs a few sessions before it is classified at all.
        """
        now = time.monotonic()
        if now - self._observed_at < OBSERVE_EVERY:
            return
        self._observed_at = now
        by_agent: dict[str, list[str]] = {}
        for summary in sessions:  # most recent first
            if summary.agent and summary.tool_calls:
                by_agent.setdefault(summary.agent, []).append(summary.id)
        observed: dict[str, str] = {}
        for agent, ids in by_agent.items():
            sequences = []
            for session_id in reversed(ids[:OBSERVE_SESSIONS]):  # oldest first
                calls = self.store.session_events(session_id, kinds=["tool_call"], limit=200)
                sequences.append(
                    [action_label(c.get("tool") or "?", c.get("input")) for c in calls]
                )
            declared = self.config.agents[agent].autonomy if agent in self.config.agents else None
            result = assess_agent(agent, sequences, declared)
            if result.observed in ("deterministic", "autonomous"):
                observed[agent] = result.observed
        self._observed = observed

    def _expire_overdue(self) -> None:
        """A hook killed while it waited leaves its approval pending forever: past its
        deadline (and a grace period), record it as timed out, at most every few seconds."""
        now = time.monotonic()
        if now - self._expired_at < 5.0:
            return
        self._expired_at = now
        # If the store is unreachable, the snapshot read right after says so.
        with contextlib.suppress(StoreError):
            self.store.expire_overdue(grace_s=15.0)

    def observe_only_sessions(self) -> set[str]:
        """Sessions overseer can watch but not control (e.g. from Langfuse)."""
        return set()

    def _activity(self, session: str, last: datetime | None, status: str) -> list[int]:
        """Events per minute over the session's last 12 minutes, cached until it changes."""
        key = last.isoformat() if last else None
        cached = self._spark_cache.get(session)
        if cached is not None and cached[0] == key:
            return cached[1]
        if self._activity_budget <= 0:
            # Sessions come most recent first: the rest fill in over the next reads, so a
            # thousand sessions do not hold up the first screen.
            return cached[1] if cached is not None else []
        self._activity_budget -= 1
        if last is None:
            values: list[int] = []
        else:
            values = self.store.activity(
                session, until=last, buckets=SPARK_BUCKETS, bucket_s=SPARK_BUCKET_S
            )
        self._spark_cache[session] = (key, values)
        return values

    def _approval_row(self, a: Mapping[str, Any]) -> ApprovalRow:
        flags, destructive = self._approval_risk(a)
        summary, input_display = self._approval_display(a)
        created = _parse(a.get("created_at")) or datetime.now(UTC)
        return ApprovalRow(
            id=a["id"],
            session=a["session"],
            agent=a.get("agent") or "unknown",
            task=a.get("task") or "",
            tool=a.get("tool") or "",
            summary=summary,
            rule=a.get("rule"),
            verdict=a.get("verdict"),
            requested_at=created,
            expires_at=_parse(a.get("deadline")),
            call_id=a.get("call_id"),
            flags=flags,
            destructive=destructive,
            input_display=input_display,
        )

    def _approval_display(self, a: Mapping[str, Any]) -> tuple[str, str]:
        """The approval's one line and its whole input, made from the raw input the store
        keeps (the one summary function, then neutralised pretty JSON; masked on screen), so
        an approval stored with an older summary reads like a new one. Once per approval."""
        cached = self._approval_shown.get(a["id"])
        if cached is not None:
            return cached
        tool_input = a.get("input")
        if isinstance(tool_input, dict):
            shown = (summarise(a.get("tool"), tool_input), display_json(tool_input))
        else:
            shown = (a.get("summary") or "", a.get("summary") or "")
        self._approval_shown[a["id"]] = shown
        return shown

    def _approval_risk(self, a: Mapping[str, Any]) -> tuple[tuple[str, ...], bool]:
        """Run the detectors on the gated call itself, so the operator sees its risks."""
        cached = self._approval_flags.get(a["id"])
        if cached is not None:
            return cached
        tool_input = a.get("input") if isinstance(a.get("input"), dict) else {}
        session = self.store.get_session(a["session"])
        cwd = session.cwd if session else None
        event = Event(
            kind=EventKind.TOOL_CALL,
            session=a["session"],
            ts=_parse(a.get("created_at")) or datetime.now(UTC),
            tool=a.get("tool"),
            call_id=a.get("call_id"),
            input=tool_input,
            summary=a.get("summary") or "",
            verdict=a.get("verdict"),
            rule=a.get("rule"),
        )
        scope = self.config.scope_for(a.get("agent"), a.get("task"))
        history = SessionHistory(session=a["session"], cwd=cwd, home=None, scope=scope)
        flags = run_detectors(event, history, self.settings)
        names = tuple(sorted({f.detector for f in flags}))
        destructive = any(f.detector == "destructive_command" for f in flags)
        self._approval_flags[a["id"]] = (names, destructive)
        return names, destructive

    def timeline(self, session: str, start: int = 0) -> list[TimelineRow]:
        rows: list[TimelineRow] = []
        # The first page by offset, the rest by keyset (constant cost however deep).
        # Summaries only: the detail pane reads the selected call's display forms.
        page = self.store.timeline(session, offset=start, limit=PAGE, displays=False)
        index = start
        while True:
            rows.extend(self._timeline_row(index + i, call) for i, call in enumerate(page))
            index += len(page)
            if len(page) < PAGE or page[-1].ts is None:
                return rows
            last = page[-1]
            assert last.ts is not None
            page = self.store.timeline(
                session, limit=PAGE, after=(last.ts, last.event_id), displays=False
            )

    @staticmethod
    def _timeline_row(index: int, call: TimelineCall) -> TimelineRow:
        outcome: str | None = call.status
        if call.approval_status == "pending":
            outcome = "waiting"
        elif call.approval_status in DECIDED:
            outcome = call.approval_status
        # An approval is not a call that ran: the edit, or the gate's denial after it, shows.
        outcome = _EDIT_OUTCOMES.get(call.approval_edit or "", outcome)
        safety = sum(1 for f in call.flags if f.get("category") == "safety")
        security = sum(1 for f in call.flags if f.get("category") == "security")
        return TimelineRow(
            index=index,
            ts=call.ts or datetime.fromtimestamp(0, UTC),
            tool=call.tool or "?",
            summary=call.summary,
            verdict=call.verdict,
            outcome=outcome,
            rule=call.rule,
            call_id=call.call_id,
            safety=safety,
            security=security,
            flag_names=tuple(str(f.get("detector", "")) for f in call.flags),
            event_id=call.event_id,
            result_event_id=call.result_event_id,
            approval_id=call.approval_id,
        )

    def scope(self, session: str) -> ScopeView:
        summary = self.store.get_session(session)
        agent_name = (summary.agent if summary else None) or "unknown"
        agent = self.config.agents.get(agent_name)
        task = (summary.task if summary else None) or (agent.default_task if agent else None)
        counts = self.store.call_counts(session)  # (tool, verdict, rule, n)
        hits: dict[tuple[str, str], int] = {}
        tools: dict[str, int] = {}
        for tool, verdict, rule, n in counts:
            tools[tool or "?"] = tools.get(tool or "?", 0) + n
            if rule:
                decided_by = {"allow": "allow", "ask": "ask", "deny": "deny"}.get(verdict or "")
                for part in rule.split(" + "):
                    for name in (decided_by, "session"):
                        if name:
                            hits[(name, part)] = hits.get((name, part), 0) + n
        grants = self.store.session_grants(session)
        scope = self.config.scope_for(agent_name, task)
        rules: list[ScopeRuleRow] = []
        if scope is not None:
            for list_name, scope_rule in scope.rules():
                hit = hits.get((list_name, scope_rule.text), 0)
                rules.append(ScopeRuleRow(list_name, scope_rule.text, hit))
        for grant in grants:
            rules.append(ScopeRuleRow("session", grant, hits.get(("session", grant), 0)))
        allowing = [r for name, r in (scope.rules() if scope else []) if name == "allow"]
        allowing += [Rule(g) for g in grants]
        acquired = sorted(
            ((tool, n) for tool, n in tools.items()
             if not any(r.matches_tool(tool) for r in allowing)),
            key=lambda item: -item[1],
        )  # fmt: skip
        return ScopeView(
            agent=agent_name,
            task=task,
            owner=agent.owner if agent else "",
            autonomy=agent.autonomy if agent else "undeclared",
            rules=rules,
            acquired=acquired,
            default=scope.default if scope else "ask (unscoped)",
            known=agent is not None,
        )

    def call_detail(self, session: str, row: TimelineRow) -> CallDetail:
        call = self.store.get_event(row.event_id) if row.event_id is not None else None
        if call is None:
            return CallDetail(row.tool, row.summary, "", row.outcome, row.verdict, row.rule, [])
        result = (
            self.store.get_event(row.result_event_id) if row.result_event_id is not None else None
        )
        flags = [str(f.get("message") or f.get("detector")) for f in call.get("flags") or []]
        input_display = call.get("input_display") or ""
        output_display = (result or {}).get("output_display") or ""
        edit = self.store.approval_outcome(row.approval_id) if row.approval_id else None
        edited = display_json(edit.updated_input) if edit is not None and edit.edited else None
        return CallDetail(
            tool=row.tool,
            input_display=input_display,
            output_display=output_display,
            status=row.outcome,
            verdict=row.verdict,
            rule=row.rule,
            flags=flags,
            has_secret=has_secret(input_display)
            or has_secret(output_display)
            or (edited is not None and has_secret(edited)),
            edited_input_display=edited,
            edit_note=edit.label if edit is not None else None,
        )

    def audit(self, limit: int = 1000) -> AuditView:
        result = self.store.verify()
        rows = [
            AuditRow(
                seq=d["seq"],
                ts=_parse(d["ts"]) or datetime.fromtimestamp(0, UTC),
                operator=d.get("operator") or "",
                action=d.get("action") or "",
                outcome=d.get("outcome") or "",
                tool=d.get("tool") or "",
                session=d.get("session") or "",
                reason=_display(d.get("reason")),
                rule=d.get("rule") or "",
                edited=d.get("updated_input") is not None,
            )
            for d in reversed(self.store.decisions(limit=limit))
        ]
        return AuditView(rows, result.ok, result.message(), result.size)

    def approval_input(self, approval_id: str) -> dict[str, Any]:
        approval = self.store.read_approval(approval_id)
        if approval is None:
            raise DecisionError(f"no approval {approval_id}")
        value = approval.get("input")
        return value if isinstance(value, dict) else {}

    # ------------------------------------------------------------------ writes

    def decide(
        self,
        approval_id: str,
        decision: str,
        reason: str,
        operator: str,
        updated_input: dict[str, Any] | None = None,
    ) -> str:
        try:
            result = self.store.decide(
                approval_id, decision=decision, reason=reason or None, operator=operator,
                updated_input=updated_input,
            )  # fmt: skip
        except AlreadyDecided as exc:
            raise DecisionError(f"{approval_id}: {exc}") from None
        except StoreError as exc:
            raise DecisionError(f"{approval_id}: {exc}") from None
        edited = " (edited input)" if updated_input is not None else ""
        return f"{approval_id}: {result.get('status', decision)}{edited}"

    def grant_for_session(self, approval_id: str, reason: str, operator: str) -> str:
        try:
            rule = self.store.grant_for_session(
                approval_id, reason=reason or None, operator=operator
            )
        except (AlreadyDecided, StoreError) as exc:
            raise DecisionError(f"{approval_id}: {exc}") from None
        return f"{approval_id}: approved; {rule} allowed for the rest of this session"

    def kill(self, session: str, reason: str, operator: str) -> str:
        from overseer.control.kill import kill_session

        result = kill_session(self.store, session, operator, reason)
        return result.summary()

    def record_reveal(self, session: str, call_id: str | None, operator: str) -> None:
        self.store.record_reveal(session, call_id, operator=operator)


def _display(text: Any) -> str:
    """Operator-written reasons are shown too: neutralise them like agent text."""
    from overseer.untrusted import neutralise

    return neutralise(str(text), limit=300) if text else ""
