"""The access review, computed from plain rows: provisioned versus exercised authority.

Pure (no store, no I/O): :mod:`overseer.report.gather` streams the store's rows in, tests feed
rows directly. Rows are mappings; times are aware datetimes or the store's UTC text.

Feeding order: :meth:`ReviewBuilder.add_session` for every session reviewed (oldest first),
then its calls (:meth:`~ReviewBuilder.add_call`, in time order), its other flagged events,
its approvals; decisions in chain order; then :meth:`~ReviewBuilder.build`. Memory stays
bounded for large stores: counters for everything, detail lists capped at
``ReviewSettings.detail_limit`` (the number left out is reported beside each list).

What the review holds (``build()`` returns one JSON-ready dict; these keys are stable):

* ``chain`` — the audit chain's verification result, stamped at the top of every rendering:
  a review over a tampered store must say so before anything else.
* ``agents`` — per agent: owner, declared and observed autonomy
  (:func:`overseer.policy.autonomy.assess_agent` over :func:`action_label` sequences),
  sessions reviewed, and per task the provisioned rules with their hit counts: the rule
  stored with each call's verdict (both rules of an allowed ``a && b``), plus gate rows of
  calls the store holds no event for (a hook-only session), never both.
* ``sessions`` — one summary per session reviewed.
* ``unused_entitlements`` — ``allow`` and ``ask`` rules that decided no call in the period:
  authority granted and never exercised, the removal candidates. Deny rules are guardrails,
  not entitlements; they are listed with their hits but never as unused. Tasks with no
  session in the period are listed too (``sessions_reviewed`` 0): no evidence either way.
* ``out_of_scope`` — attempts outside the provisioned scope: verdict ``unscoped`` (no rule
  provisioned it) or ``deny``, and calls a human rejected in the agent's UI or a hook blocked.
* ``acquired_tools`` — tools used that no allow rule of the task names (``kind`` ``tool``),
  and for shell tools the commands none of whose calls an allow rule covered (``command``):
  authority the agent took at run time rather than was given.
* ``decisions`` — every gate decision of the audit chain by outcome, outcomes kept distinct
  (a ``timed_out`` is never counted as ``denied``); the non-automatic ones itemised with
  operator, reason and time to decide (approval created → decided).
* ``flags`` — every risk flag, split into ``safety`` and ``security``, with their OWASP ids
  (ASI01–ASI10, NHI1–NHI10) and titles.
* ``findings`` — autonomy findings (declared deterministic but behaves autonomously; an
  autonomous agent whose scope lets destructive actions through without a gate).
* ``activity`` — tool calls per time bucket by verdict, and flags, for the HTML chart.

Strings that came from logs (tool names, session ids, cwd, summaries) are neutralised
(:func:`overseer.untrusted.neutralise`; already-neutral display columns pass unchanged) and
secrets masked (:func:`overseer.secrets.mask`) before they enter the dict, so every renderer
— and every consumer of the JSON — gets display-safe text. The raw values needed to propose
rules stay in :attr:`ReviewBuilder.evidence`, never in the review.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from overseer.config import UNKNOWN_AGENT, Config
from overseer.labels import call_label, shell_input
from overseer.labels import json_object as _json_object
from overseer.model import approval_label
from overseer.policy.autonomy import assess_agent
from overseer.policy.detectors import DETECTORS, owasp_title
from overseer.policy.rules import SHELL_TOOLS, canonical_tool
from overseer.policy.scope import Scope
from overseer.report import FORMAT
from overseer.secrets import mask
from overseer.summary import summarise
from overseer.untrusted import neutralise

#: Gate outcomes in the order reports show them (identical to ``overseer.model.Outcome``).
OUTCOMES: tuple[str, ...] = (
    "auto_allowed",
    "policy_denied",
    "approved",
    "denied",
    "timed_out",
    "killed",
    "errored",
)
#: Outcomes decided by a rule without anyone waiting: counted, not itemised.
AUTOMATIC_OUTCOMES = frozenset({"auto_allowed", "policy_denied"})
#: Outcomes where a human answered (time to decide is a human's reaction time).
HUMAN_OUTCOMES = frozenset({"approved", "denied"})
VERDICTS: tuple[str, ...] = ("allow", "ask", "deny", "unscoped")
#: Call statuses that mean the call was refused before it ran.
REFUSED_STATUSES = frozenset({"rejected", "blocked"})
#: Statuses that mean the call ran (whatever it returned).
RAN_STATUSES = frozenset({"ok", "error"})
ENTITLEMENT_LISTS = ("allow", "ask")
CATEGORIES = ("safety", "security")

_TEXT_LIMIT = 300
_NICE_BUCKETS = (
    1,
    2,
    5,
    10,
    15,
    30,
    60,
    120,
    300,
    600,
    900,
    1800,
    3600,
    7200,
    10800,
    21600,
    43200,
    86400,
    172800,
    604800,
    1209600,
    2592000,
)
_DETECTOR_TITLES = {d.id: d.info.title for d in DETECTORS}


class ReviewSettings:
    """Knobs of the review. ``detail_limit`` caps each itemised list (counts stay exact)."""

    __slots__ = ("activity_buckets", "detail_limit", "example_limit")

    def __init__(
        self, detail_limit: int = 2000, activity_buckets: int = 48, example_limit: int = 120
    ) -> None:
        self.detail_limit = detail_limit
        self.activity_buckets = activity_buckets
        self.example_limit = example_limit


class Evidence:
    """A human's answer to one gated call, with the raw call: what ``--suggest-scope`` learns
    from. ``kind`` is ``approved``, ``denied`` (an operator, through overseer) or
    ``rejected`` (a human, in the agent's own UI). Timeouts are not evidence of anything."""

    __slots__ = (
        "agent",
        "call_id",
        "cwd",
        "kind",
        "operator",
        "rule",
        "session",
        "task",
        "tool",
        "tool_input",
        "ts",
        "verdict",
    )

    def __init__(
        self,
        *,
        kind: str,
        agent: str,
        task: str | None,
        session: str,
        tool: str,
        tool_input: Mapping[str, Any] | None,
        ts: datetime | None,
        cwd: str | None,
        verdict: str | None,
        rule: str | None,
        operator: str | None = None,
        call_id: str | None = None,
    ) -> None:
        self.kind, self.agent, self.task, self.session = kind, agent, task, session
        self.tool, self.tool_input, self.ts, self.cwd = tool, tool_input, ts, cwd
        self.verdict, self.rule, self.operator, self.call_id = verdict, rule, operator, call_id

    def __repr__(self) -> str:
        return f"Evidence({self.kind!r}, {self.agent!r}/{self.task!r}, {self.tool!r})"


# ------------------------------------------------------------------------------ small helpers


def to_datetime(value: Any) -> datetime | None:
    """An aware UTC datetime from a datetime or the store's text (``None`` stays ``None``)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def iso(value: datetime | None) -> str | None:
    """RFC 3339 UTC text with microseconds (the store's format), or ``None``."""
    if value is None:
        return None
    m = value.astimezone(UTC)
    return (
        f"{m.year:04d}-{m.month:02d}-{m.day:02d}T"
        f"{m.hour:02d}:{m.minute:02d}:{m.second:02d}.{m.microsecond:06d}Z"
    )


def safe(value: Any, limit: int = _TEXT_LIMIT) -> str:
    """Display-safe text of a raw value from a log or the store: controls made visible,
    capped, secrets masked. Idempotent on text that is already safe."""
    if value is None:
        return ""
    return mask(neutralise(str(value), limit=limit))


def _opt(value: Any, limit: int = _TEXT_LIMIT) -> str | None:
    return None if value is None else safe(value, limit)


def _later(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b)


def _earlier(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


def split_rule_texts(rule: str | None, known: Iterable[str]) -> list[str]:
    """The rule texts a stored ``rule`` column names: one rule, or several joined with
    `` + `` (an allowed compound command needs one allow rule per part)."""
    if not rule:
        return []
    known_set = set(known)
    if rule in known_set or " + " not in rule:
        return [rule]
    return [part for part in rule.split(" + ") if part]


def _median(values: Sequence[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[mid]
    return (ordered[mid - 1] + ordered[mid]) / 2


def _percentile(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))
    return ordered[index]


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _grid(first: int, last: int, wanted_buckets: int) -> tuple[int, int, int]:
    """The activity chart's buckets over ``[first, last]`` epoch seconds: ``(start, size,
    count)``, a "nice" size giving at most ``wanted_buckets`` buckets."""
    span = max(last - first + 1, 1)
    wanted = max(wanted_buckets, 1)
    size = next((b for b in _NICE_BUCKETS if span / b <= wanted), None)
    if size is None:
        size = math.ceil(span / wanted)
    start = first - first % size
    return start, size, (last - start) // size + 1


_MIN_TIME = datetime.min.replace(tzinfo=UTC)


# ------------------------------------------------------------------------------ accumulators


class _RuleHits:
    __slots__ = ("count", "last_seen", "sessions")

    def __init__(self) -> None:
        self.count = 0
        self.sessions: set[str] = set()
        self.last_seen: datetime | None = None


class _TaskStats:
    """Calls of one agent under one task."""

    __slots__ = ("calls", "hits", "labels", "sessions", "tools", "unjudged_shell", "verdicts")

    def __init__(self) -> None:
        self.sessions: set[str] = set()
        self.calls = 0
        #: Shell calls whose command could not be parsed (or was redacted): no specific shell
        #: rule can match them, so a shell rule's zero hits prove nothing in this task.
        self.unjudged_shell = 0
        self.verdicts: Counter[str] = Counter()
        self.hits: dict[tuple[str, str], _RuleHits] = {}
        self.tools: dict[str, _Usage] = {}
        self.labels: dict[str, _Usage] = {}


class _Usage:
    """How one tool (or shell command label) was used under one task."""

    __slots__ = (
        "allowed",
        "calls",
        "first_seen",
        "last_call",
        "last_seen",
        "ran",
        "sessions",
        "tool",
        "verdicts",
    )

    def __init__(self, tool: str) -> None:
        self.tool = tool
        self.calls = self.ran = self.allowed = 0
        self.verdicts: Counter[str] = Counter()
        self.sessions: set[str] = set()
        self.first_seen: datetime | None = None
        self.last_seen: datetime | None = None
        self.last_call: tuple[str, str | None] | None = None  # (session, call id): to open it

    def add(
        self,
        session: str,
        ts: datetime | None,
        verdict: str,
        status: str,
        call_id: str | None = None,
    ) -> None:
        if self.last_call is None or (ts is not None and ts == _later(self.last_seen, ts)):
            self.last_call = (session, call_id)
        self.calls += 1
        self.verdicts[verdict] += 1
        if verdict == "allow":
            self.allowed += 1
        if status in RAN_STATUSES:
            self.ran += 1
        self.sessions.add(session)
        self.first_seen = _earlier(self.first_seen, ts)
        self.last_seen = _later(self.last_seen, ts)

    def add_many(
        self,
        session: str,
        first: datetime | None,
        last: datetime | None,
        verdict: str,
        status: str,
        call_id: str | None,
        count: int,
    ) -> None:
        """``count`` calls alike in all but time (a :class:`CallGroup`), as ``count`` calls to
        :meth:`add` in time order would: ``call_id`` is the group's latest call."""
        if self.last_call is None or (last is not None and last == _later(self.last_seen, last)):
            self.last_call = (session, call_id)
        self.calls += count
        self.verdicts[verdict] += count
        if verdict == "allow":
            self.allowed += count
        if status in RAN_STATUSES:
            self.ran += count
        self.sessions.add(session)
        self.first_seen = _earlier(self.first_seen, first)
        self.last_seen = _later(self.last_seen, last)


class _Group:
    """Out-of-scope attempts sharing agent, task, tool, command label, verdict and status."""

    __slots__ = ("count", "example", "first_seen", "last_call", "last_seen", "sessions")

    def __init__(self, example: str) -> None:
        self.count = 0
        self.sessions: set[str] = set()
        self.first_seen: datetime | None = None
        self.last_seen: datetime | None = None
        self.last_call: tuple[str, str | None] | None = None  # (session, call id): to open it
        self.example = example


class _Prepared:
    """One call group (:meth:`ReviewBuilder.add_call_groups`) with what it resolves to."""

    __slots__ = (
        "agent", "count", "first", "info", "label", "last", "oos", "oos_key", "order", "row",
        "status", "task", "tool", "tool_input", "verdict",
    )  # fmt: skip

    def __init__(
        self,
        row: Mapping[str, Any],
        info: _SessionInfo,
        order: int,
        agent: str,
        task: str | None,
        tool: str,
        tool_input: Any,
        label: str,
    ) -> None:
        self.row, self.info, self.order = row, info, order
        self.agent, self.task, self.tool = agent, task, tool
        self.tool_input, self.label = tool_input, label
        self.verdict = str(row.get("verdict") or "unscoped")
        self.status = str(row.get("status") or "pending")
        self.count = int(row["count"])
        self.first = to_datetime(row.get("first_ts"))
        self.last = to_datetime(row.get("last_ts"))
        self.oos = self.verdict in ("unscoped", "deny") or self.status in REFUSED_STATUSES
        self.oos_key = (agent, task, tool, label, self.verdict, self.status)

    def first_key(self) -> tuple[int, datetime, int]:
        return (self.order, self.first or _MIN_TIME, int(self.row.get("first_id") or 0))

    def last_key(self) -> tuple[int, datetime, int]:
        return (self.order, self.last or _MIN_TIME, int(self.row.get("last_id") or 0))


class _SessionInfo:
    __slots__ = (
        "agent",
        "calls",
        "cwd",
        "decisions",
        "ended_at",
        "flags",
        "id",
        "labels",
        "last_event_at",
        "out_of_scope",
        "started_at",
        "status",
        "statuses",
        "task",
        "verdicts",
    )

    def __init__(self, row: Mapping[str, Any]) -> None:
        self.id = str(row["id"])
        self.agent = str(row.get("agent") or UNKNOWN_AGENT)
        task = row.get("task")
        self.task: str | None = None if task is None else str(task)
        self.status = str(row.get("status") or "live")
        self.cwd: str | None = row.get("cwd")
        self.started_at = to_datetime(row.get("started_at"))
        self.ended_at = to_datetime(row.get("ended_at"))
        self.last_event_at = to_datetime(row.get("last_event_at"))
        self.calls = 0
        self.verdicts: Counter[str] = Counter()
        self.statuses: Counter[str] = Counter()
        self.flags: Counter[str] = Counter()
        self.out_of_scope = 0
        self.decisions = 0
        self.labels: list[str] = []


# ------------------------------------------------------------------------------ the builder


class ReviewBuilder:
    """Accumulates rows into the access review (see the module docstring)."""

    def __init__(
        self,
        config: Config,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        agent: str | None = None,
        session: str | None = None,
        settings: ReviewSettings | None = None,
    ) -> None:
        self.config = config
        self.since, self.until = since, until
        self.agent_filter, self.session_filter = agent, session
        self.settings = settings or ReviewSettings()
        self.sessions: dict[str, _SessionInfo] = {}
        self.tasks: dict[tuple[str, str | None], _TaskStats] = {}
        self.first_event: datetime | None = None
        self.last_event: datetime | None = None
        # out of scope
        self.oos_total = 0
        self.oos_verdicts: Counter[str] = Counter()
        self.oos_statuses: Counter[str] = Counter()
        self.oos_agents: Counter[str] = Counter()
        self.oos_groups: dict[tuple[str, str | None, str, str, str, str], _Group] = {}
        self.oos_items: list[dict[str, Any]] = []
        # flags
        self.flag_counts: Counter[str] = Counter()
        self.flag_detectors: Counter[tuple[str, str]] = Counter()
        self.flag_owasp: Counter[str] = Counter()
        self.flag_severity: Counter[tuple[str, str]] = Counter()
        self.flag_agents: Counter[tuple[str, str]] = Counter()
        self.flag_items: dict[str, list[dict[str, Any]]] = {c: [] for c in CATEGORIES}
        # approvals and decisions
        self.approvals: dict[str, dict[str, Any]] = {}
        self.pending = 0
        self.decision_counts: Counter[str] = Counter()
        self.decision_agents: Counter[tuple[str, str]] = Counter()
        self.decision_items: list[dict[str, Any]] = []
        self._approved_items: dict[str, dict[str, Any]] = {}  # approval id → its item
        self.decide_times: list[float] = []
        self.timeout_waits: list[float] = []
        # activity (per second, re-bucketed at build)
        self.activity: Counter[tuple[int, str]] = Counter()
        self.activity_flags: Counter[int] = Counter()
        #: calls per (bucket index, verdict) when the database counted them (set_activity)
        self._bucketed: dict[tuple[int, str], int] | None = None
        #: Raw human answers to gated calls, for --suggest-scope (never rendered).
        self._answers: list[Evidence] = []
        self._evidence_calls: set[tuple[str, str]] = set()
        self._rejected: list[Evidence] = []

    # -- input

    def add_session(self, row: Mapping[str, Any]) -> None:
        """A session under review (``id``, ``agent``, ``task``, ``status``, ``cwd``,
        ``started_at``, ``ended_at``, ``last_event_at``). Feed oldest first: autonomy is
        judged on the order sessions happened in."""
        info = _SessionInfo(row)
        self.sessions[info.id] = info
        self._task(info.agent, info.task).sessions.add(info.id)

    def _task(self, agent: str, task: str | None) -> _TaskStats:
        key = (agent, self._task_name(agent, task))
        stats = self.tasks.get(key)
        if stats is None:
            stats = self.tasks[key] = _TaskStats()
        return stats

    def _task_name(self, agent: str, task: str | None) -> str | None:
        if task:
            return task
        found = self.config.agents.get(agent)
        return found.default_task if found else None

    def _session(self, session_id: str, row: Mapping[str, Any]) -> _SessionInfo:
        info = self.sessions.get(session_id)
        if info is None:  # a call whose session was not announced: review it anyway
            info = _SessionInfo(
                {"id": session_id, "agent": row.get("agent"), "task": row.get("task")}
            )
            self.sessions[session_id] = info
        return info

    def add_call(self, row: Mapping[str, Any]) -> None:
        """One tool call: ``session``, ``ts``, ``tool``, ``agent``, ``task``, ``verdict``,
        ``rule``, ``flags`` (list of flag dicts), ``summary`` (display form), ``input`` (raw
        dict, or its JSON text: parsed only for shell calls and rejected ones), ``status``
        (the paired result's: ok, error, rejected, blocked, interrupted or pending),
        ``call_id``. The review of a store counts calls in groups instead
        (:meth:`add_call_groups`): what this counts, that must count alike —
        ``tests/test_report_aggregate.py`` compares the two over awkward stores."""
        session_id = str(row["session"])
        info = self._session(session_id, row)
        agent = str(row.get("agent") or info.agent)
        task = self._task_name(agent, row.get("task") or info.task)
        tool = str(row.get("tool") or "")
        verdict = str(row.get("verdict") or "unscoped")
        status = str(row.get("status") or "pending")
        ts = to_datetime(row.get("ts"))
        tool_input = row.get("input")
        if isinstance(tool_input, str | bytes):  # JSON text: parsed only where it is read
            needed = status == "rejected" or canonical_tool(tool) in SHELL_TOOLS
            tool_input = _json_object(tool_input) if needed else None
        label = call_label(tool, tool_input)

        self.first_event = _earlier(self.first_event, ts)
        self.last_event = _later(self.last_event, ts)
        info.calls += 1
        info.verdicts[verdict] += 1
        info.statuses[status] += 1
        info.labels.append(label)

        stats = self._task(agent, task)
        stats.sessions.add(session_id)
        stats.calls += 1
        stats.verdicts[verdict] += 1
        self._hit(stats, agent, task, verdict, row.get("rule"), session_id, ts)
        usage = stats.tools.get(tool)
        if usage is None:
            usage = stats.tools[tool] = _Usage(tool)
        usage.add(session_id, ts, verdict, status, _opt_id(row.get("call_id")))
        if canonical_tool(tool) in SHELL_TOOLS:
            if label == canonical_tool(tool) and isinstance(tool_input, Mapping) and tool_input:
                stats.unjudged_shell += 1  # it ran something, but nothing we could read
            by_label = stats.labels.get(label)
            if by_label is None:
                by_label = stats.labels[label] = _Usage(tool)
            by_label.add(session_id, ts, verdict, status, _opt_id(row.get("call_id")))

        if ts is not None:
            self.activity[(int(ts.timestamp()), verdict)] += 1

        summary = str(row.get("summary") or "")
        if verdict in ("unscoped", "deny") or status in REFUSED_STATUSES:
            self._out_of_scope(info, agent, task, tool, label, verdict, status, ts, summary, row)
        for flag in row.get("flags") or ():
            self._flag(flag, info, agent, task, "tool_call", tool, ts, summary, row.get("call_id"))
        if status == "rejected" and isinstance(tool_input, Mapping):
            self._rejected.append(
                Evidence(
                    kind="rejected",
                    agent=agent,
                    task=task,
                    session=session_id,
                    tool=tool,
                    tool_input=tool_input,
                    ts=ts,
                    cwd=info.cwd,
                    verdict=verdict,
                    rule=row.get("rule"),
                    call_id=row.get("call_id"),
                )
            )

    def _hit(
        self,
        stats: _TaskStats,
        agent: str,
        task: str | None,
        verdict: str,
        rule: str | None,
        session_id: str,
        ts: datetime | None,
        count: int = 1,
    ) -> None:
        """Count the rule(s) that decided one call (verdict allow, ask or deny), or ``count``
        alike calls whose latest is at ``ts``."""
        list_name = verdict if verdict in ("allow", "ask", "deny") else None
        if list_name is None:
            return
        scope = self.config.scope_for(agent, task) if agent != UNKNOWN_AGENT else None
        known = [r.text for r in getattr(scope, list_name, ())] if scope else []
        for text in split_rule_texts(rule, known):
            hits = stats.hits.get((list_name, text))
            if hits is None:
                hits = stats.hits[(list_name, text)] = _RuleHits()
            hits.count += count
            hits.sessions.add(session_id)
            hits.last_seen = _later(hits.last_seen, ts)

    def _gate_hit(self, row: Mapping[str, Any], verdict: str, ts: datetime | None) -> None:
        """A gated call known only from its gate row (``has_event`` False: a hook-only
        session whose transcript was never ingested): its rule still decided a call."""
        if row.get("has_event", True) or not row.get("rule"):
            return
        session_id = str(row.get("session") or "")
        info = self.sessions.get(session_id)
        agent = str(row.get("agent") or (info.agent if info else UNKNOWN_AGENT))
        task = self._task_name(agent, row.get("task") or (info.task if info else None))
        stats = self._task(agent, task)
        self._hit(stats, agent, task, verdict, row.get("rule"), session_id, ts)

    def _out_of_scope(
        self,
        info: _SessionInfo,
        agent: str,
        task: str | None,
        tool: str,
        label: str,
        verdict: str,
        status: str,
        ts: datetime | None,
        summary: str,
        row: Mapping[str, Any],
    ) -> None:
        self.oos_total += 1
        info.out_of_scope += 1
        self.oos_verdicts[verdict] += 1
        self.oos_statuses[status] += 1
        self.oos_agents[agent] += 1
        key = (agent, task, tool, label, verdict, status)
        group = self.oos_groups.get(key)
        if group is None:
            group = self.oos_groups[key] = _Group(safe(summary, self.settings.example_limit))
        group.count += 1
        group.sessions.add(info.id)
        if group.last_call is None or (ts is not None and ts == _later(group.last_seen, ts)):
            group.last_call = (info.id, _opt_id(row.get("call_id")))
        group.first_seen = _earlier(group.first_seen, ts)
        group.last_seen = _later(group.last_seen, ts)
        if len(self.oos_items) < self.settings.detail_limit:
            self.oos_items.append(
                {
                    "ts": iso(ts),
                    "session": safe(info.id),
                    "agent": safe(agent),
                    "task": _opt(task),
                    "tool": safe(tool),
                    "verdict": verdict,
                    "rule": _opt(row.get("rule")),
                    "status": status,
                    "summary": safe(summary),
                    "reasons": _oos_reasons(verdict, status),
                }
            )

    # -- input counted by the database (overseer.report.aggregate)

    def add_call_groups(self, groups: Iterable[Mapping[str, Any]]) -> None:
        """Tool calls counted by the database: each group is the calls of one session alike in
        everything the review counts them by (``session``, ``agent``, ``task``, ``tool``,
        ``verdict``, ``rule``, ``status``, and for shell tools the ``input`` JSON text), with
        ``count``, the first call (``first_ts``, ``first_id``), the latest (``last_ts``,
        ``last_id``, ``last_call_id``) and, for out-of-scope groups, the first call's
        ``summary``. Same totals as :meth:`add_call` of every call; what is per call comes
        separately: :meth:`set_sequences`, :meth:`add_call_flags`, :meth:`add_out_of_scope_item`,
        :meth:`add_rejected` and :meth:`set_activity`. Feed after every :meth:`add_session`."""
        order = {sid: i for i, sid in enumerate(self.sessions)}
        prepared: list[_Prepared] = []
        for g in groups:
            session_id = str(g["session"])
            info = self._session(session_id, g)
            agent = str(g.get("agent") or info.agent)
            tool = str(g.get("tool") or "")
            tool_input = shell_input(tool, g.get("input"))
            prepared.append(
                _Prepared(
                    g,
                    info,
                    order.get(session_id, len(order)),
                    agent,
                    self._task_name(agent, g.get("task") or info.task),
                    tool,
                    tool_input,
                    call_label(tool, tool_input),
                )
            )
        # Out-of-scope groups exist in the order of their first call: the report's sort keeps
        # that order between groups it ranks equal.
        for p in sorted((p for p in prepared if p.oos), key=_Prepared.first_key):
            if p.oos_key not in self.oos_groups:
                example = safe(p.row.get("summary") or "", self.settings.example_limit)
                self.oos_groups[p.oos_key] = _Group(example)
        # Latest-call bookkeeping (a tie goes to the call fed last) needs feed order by each
        # group's latest call.
        for p in sorted(prepared, key=_Prepared.last_key):
            self._call_group(p)

    def _call_group(self, p: _Prepared) -> None:
        info, agent, task, tool = p.info, p.agent, p.task, p.tool
        verdict, status, count, first, last = p.verdict, p.status, p.count, p.first, p.last
        call_id = _opt_id(p.row.get("last_call_id"))
        self.first_event = _earlier(self.first_event, first)
        self.last_event = _later(self.last_event, last)
        info.calls += count
        info.verdicts[verdict] += count
        info.statuses[status] += count
        stats = self._task(agent, task)
        stats.sessions.add(info.id)
        stats.calls += count
        stats.verdicts[verdict] += count
        self._hit(stats, agent, task, verdict, p.row.get("rule"), info.id, last, count)
        usage = stats.tools.get(tool)
        if usage is None:
            usage = stats.tools[tool] = _Usage(tool)
        usage.add_many(info.id, first, last, verdict, status, call_id, count)
        if canonical_tool(tool) in SHELL_TOOLS:
            label, tool_input = p.label, p.tool_input
            if label == canonical_tool(tool) and isinstance(tool_input, Mapping) and tool_input:
                stats.unjudged_shell += count
            by_label = stats.labels.get(label)
            if by_label is None:
                by_label = stats.labels[label] = _Usage(tool)
            by_label.add_many(info.id, first, last, verdict, status, call_id, count)
        if p.oos:
            self.oos_total += count
            info.out_of_scope += count
            self.oos_verdicts[verdict] += count
            self.oos_statuses[status] += count
            self.oos_agents[agent] += count
            group = self.oos_groups[p.oos_key]
            group.count += count
            group.sessions.add(info.id)
            if group.last_call is None or (
                last is not None and last == _later(group.last_seen, last)
            ):
                group.last_call = (info.id, call_id)
            group.first_seen = _earlier(group.first_seen, first)
            group.last_seen = _later(group.last_seen, last)

    def set_sequences(self, sequences: Mapping[str, Sequence[str]]) -> None:
        """Each session's call labels (:func:`call_label`) in time order: what autonomy is
        judged on. A sequence may be given with consecutive repeats folded and padded with its
        last label to the session's call count: autonomy reads no more than that."""
        for session_id, labels in sequences.items():
            info = self.sessions.get(session_id)
            if info is not None:
                info.labels = list(labels)

    def add_call_flags(self, row: Mapping[str, Any]) -> None:
        """The flags of one tool call (the row as for :meth:`add_call`; nothing else of it is
        counted here). Feed a session's flagged calls in time order, before its events."""
        flags = row.get("flags") or ()
        if not flags:
            return
        info, agent, task = self._who(row)
        tool = str(row.get("tool") or "")
        ts = to_datetime(row.get("ts"))
        summary = str(row.get("summary") or "")
        for flag in flags:
            self._flag(flag, info, agent, task, "tool_call", tool, ts, summary, row.get("call_id"))

    def add_out_of_scope_item(self, row: Mapping[str, Any]) -> bool:
        """One out-of-scope call itemised (the row as for :meth:`add_call`), in feed order;
        False once the list is full. Its counts come with its group."""
        if len(self.oos_items) >= self.settings.detail_limit:
            return False
        info, agent, task = self._who(row)
        verdict = str(row.get("verdict") or "unscoped")
        status = str(row.get("status") or "pending")
        self.oos_items.append(
            {
                "ts": iso(to_datetime(row.get("ts"))),
                "session": safe(info.id),
                "agent": safe(agent),
                "task": _opt(task),
                "tool": safe(str(row.get("tool") or "")),
                "verdict": verdict,
                "rule": _opt(row.get("rule")),
                "status": status,
                "summary": safe(str(row.get("summary") or "")),
                "reasons": _oos_reasons(verdict, status),
            }
        )
        return len(self.oos_items) < self.settings.detail_limit

    def add_rejected(self, row: Mapping[str, Any]) -> None:
        """A call a human rejected in the agent's UI (the row as for :meth:`add_call`): the
        evidence ``--suggest-scope`` learns from. Feed in feed order."""
        tool_input = row.get("input")
        if isinstance(tool_input, str | bytes):
            tool_input = _json_object(tool_input)
        if str(row.get("status") or "pending") != "rejected" or not isinstance(tool_input, Mapping):
            return
        info, agent, task = self._who(row)
        self._rejected.append(
            Evidence(
                kind="rejected",
                agent=agent,
                task=task,
                session=info.id,
                tool=str(row.get("tool") or ""),
                tool_input=tool_input,
                ts=to_datetime(row.get("ts")),
                cwd=info.cwd,
                verdict=str(row.get("verdict") or "unscoped"),
                rule=row.get("rule"),
                call_id=row.get("call_id"),
            )
        )

    def activity_grid(self, first_call: Any, last_call: Any) -> tuple[int, int, int] | None:
        """The activity chart's buckets, ``(start, size, count)`` in epoch seconds, for calls
        from ``first_call`` to ``last_call`` (times; None without calls) and the flags fed so
        far (None without either): the database counts calls per bucket on this grid
        (:meth:`set_activity`). Feed flags first."""
        seconds = list(self.activity_flags)
        seconds += [int(t.timestamp()) for t in map(to_datetime, (first_call, last_call)) if t]
        if not seconds:
            return None
        return _grid(min(seconds), max(seconds), self.settings.activity_buckets)

    def set_activity(self, counts: Mapping[tuple[int, str], int]) -> None:
        """Calls per (bucket index on :meth:`activity_grid`, verdict), counted elsewhere."""
        self._bucketed = dict(counts)

    def _who(self, row: Mapping[str, Any]) -> tuple[_SessionInfo, str, str | None]:
        info = self._session(str(row["session"]), row)
        agent = str(row.get("agent") or info.agent)
        return info, agent, self._task_name(agent, row.get("task") or info.task)

    def add_event(self, row: Mapping[str, Any]) -> None:
        """Any other event that carries flags (a tool result with injected instructions, a
        message): ``session``, ``ts``, ``kind``, ``tool``, ``agent``, ``task``, ``flags``,
        ``summary``."""
        flags = row.get("flags") or ()
        if not flags:
            return
        session_id = str(row["session"])
        info = self._session(session_id, row)
        agent = str(row.get("agent") or info.agent)
        task = self._task_name(agent, row.get("task") or info.task)
        ts = to_datetime(row.get("ts"))
        kind = str(row.get("kind") or "event")
        for flag in flags:
            self._flag(
                flag, info, agent, task, kind, row.get("tool"), ts, row.get("summary"),
                row.get("call_id"),
            )  # fmt: skip

    def _flag(
        self,
        flag: Any,
        info: _SessionInfo,
        agent: str,
        task: str | None,
        kind: str,
        tool: Any,
        ts: datetime | None,
        summary: Any,
        call_id: Any = None,
    ) -> None:
        if not isinstance(flag, Mapping):
            return
        category = str(flag.get("category") or "safety")
        if category not in CATEGORIES:
            category = "safety"
        detector = str(flag.get("detector") or "unknown")
        owasp = [str(o) for o in flag.get("owasp") or ()]
        severity = str(flag.get("severity") or "medium")
        self.flag_counts[category] += 1
        self.flag_detectors[(category, detector)] += 1
        self.flag_severity[(category, severity)] += 1
        self.flag_agents[(agent, category)] += 1
        for owasp_id in owasp:
            self.flag_owasp[owasp_id] += 1
        info.flags[category] += 1
        if ts is not None:
            self.activity_flags[int(ts.timestamp())] += 1
        items = self.flag_items[category]
        if len(items) < self.settings.detail_limit:
            items.append(
                {
                    "ts": iso(ts),
                    "session": safe(info.id),
                    "call_id": _opt(call_id),  # the review app opens the timeline at it
                    "agent": safe(agent),
                    "task": _opt(task),
                    "kind": kind,
                    "tool": _opt(tool),
                    "category": category,
                    "detector": safe(detector),
                    "title": _DETECTOR_TITLES.get(detector, ""),
                    "severity": safe(severity),
                    "owasp": [safe(o) for o in owasp],
                    # Detectors mask secrets in their messages themselves; masking again would
                    # take their own wording ("reads secrets: dotenv file") for a secret.
                    "message": neutralise(str(flag.get("message") or ""), limit=500),
                    "summary": safe(summary or ""),
                }
            )

    def add_approval(self, row: Mapping[str, Any]) -> None:
        """An approval row (``id``, ``session``, ``call_id``, ``agent``, ``task``, ``tool``,
        ``input`` raw, ``summary``, ``rule``, ``verdict``, ``status``, ``created_at``,
        ``decided_at``, ``decided_by``, ``reason``, ``timeout_s``; ``has_event`` False when
        the gated call is not stored as an event, so its rule hit is counted from here)."""
        approval_id = str(row["id"])
        self.approvals[approval_id] = dict(row)
        status = str(row.get("status") or "pending")
        self._gate_hit(row, str(row.get("verdict") or ""), to_datetime(row.get("created_at")))
        if status == "pending":
            self.pending += 1
            return
        if status not in ("approved", "denied"):
            return
        session_id = str(row.get("session") or "")
        info = self.sessions.get(session_id)
        agent = str(row.get("agent") or (info.agent if info else UNKNOWN_AGENT))
        tool_input = row.get("input")
        edited = row.get("updated_input")
        if status == "approved" and isinstance(edited, Mapping):
            tool_input = edited  # the operator approved the edit, not what the agent asked
        if not isinstance(tool_input, Mapping):
            tool_input = None
        self._answers.append(
            Evidence(
                kind=status,
                agent=agent,
                task=self._task_name(agent, row.get("task")),
                session=session_id,
                tool=str(row.get("tool") or ""),
                tool_input=tool_input,
                ts=to_datetime(row.get("decided_at") or row.get("created_at")),
                cwd=info.cwd if info else None,
                verdict=row.get("verdict"),
                rule=row.get("rule"),
                operator=row.get("decided_by"),
                call_id=row.get("call_id"),
            )
        )
        if row.get("call_id"):
            self._evidence_calls.add((session_id, str(row["call_id"])))

    def add_decision(self, row: Mapping[str, Any]) -> None:
        """One audit-chain row (``seq``, ``ts``, ``operator``, ``action``, ``outcome``,
        ``session``, ``approval_id``, ``call_id``, ``agent``, ``task``, ``tool``, ``rule``,
        ``reason``; ``has_event`` as for approvals). Feed approvals first so time to decide
        can be computed."""
        outcome = str(row.get("outcome") or "errored")
        agent = str(row.get("agent") or UNKNOWN_AGENT)
        if outcome in AUTOMATIC_OUTCOMES:  # gated ones count through their approval row
            verdict = "allow" if outcome == "auto_allowed" else "deny"
            self._gate_hit(row, verdict, to_datetime(row.get("ts")))
        if outcome == "policy_denied" and row.get("approval_id"):
            self._denied_after_approval(row)
        self.decision_counts[outcome] += 1
        self.decision_agents[(agent, outcome)] += 1
        session_id = row.get("session")
        if session_id is not None and str(session_id) in self.sessions:
            self.sessions[str(session_id)].decisions += 1
        if outcome in AUTOMATIC_OUTCOMES:
            return
        ts = to_datetime(row.get("ts"))
        approval = self.approvals.get(str(row.get("approval_id") or ""))
        created = to_datetime(approval.get("created_at")) if approval else None
        waited = (ts - created).total_seconds() if (ts and created) else None
        if waited is not None:
            waited = max(waited, 0.0)
            if outcome in HUMAN_OUTCOMES:
                self.decide_times.append(waited)
            elif outcome == "timed_out":
                self.timeout_waits.append(waited)
        if len(self.decision_items) < self.settings.detail_limit:
            self.decision_items.append(
                {
                    "seq": row.get("seq"),
                    "ts": iso(ts),
                    "outcome": outcome,
                    "action": safe(row.get("action") or ""),
                    "human": outcome in HUMAN_OUTCOMES or row.get("action") == "kill",
                    "operator": safe(row.get("operator") or ""),
                    "reason": _opt(row.get("reason"), 500),
                    "agent": safe(agent),
                    "task": _opt(row.get("task")),
                    "session": _opt(session_id),
                    "approval_id": _opt(row.get("approval_id")),
                    "tool": _opt(row.get("tool")),
                    "rule": _opt(row.get("rule")),
                    "verdict": _opt(approval.get("verdict")) if approval else None,
                    "summary": safe(approval.get("summary") or "") if approval else "",
                    "requested_at": iso(created),
                    "time_to_decide_s": _round(waited),
                    **self._edit_fields(outcome, row, approval),
                }
            )
            if outcome == "approved" and row.get("approval_id"):
                self._approved_items[str(row["approval_id"])] = self.decision_items[-1]

    def add_decision_tally(self, row: Mapping[str, Any], count: int) -> None:
        """``count`` audit rows that are not automatic, alike in ``outcome``, ``agent`` and
        ``session``, fed after the itemised ones (:meth:`add_decision` of each once
        ``detail_limit`` items are listed): the same counts. Their waits come separately
        (:meth:`add_decision_wait`)."""
        outcome = str(row.get("outcome") or "errored")
        if outcome in AUTOMATIC_OUTCOMES:
            raise ValueError("automatic rows are counted by add_decision_group")
        agent = str(row.get("agent") or UNKNOWN_AGENT)
        self.decision_counts[outcome] += count
        self.decision_agents[(agent, outcome)] += count
        session_id = row.get("session")
        if session_id is not None and str(session_id) in self.sessions:
            self.sessions[str(session_id)].decisions += count

    def add_decision_wait(self, outcome: str, ts: Any, created: Any) -> None:
        """The wait of one audit row counted by :meth:`add_decision_tally`: its time and its
        approval's ``created_at`` (as :meth:`add_decision` reads them)."""
        if outcome not in HUMAN_OUTCOMES and outcome != "timed_out":
            return
        waited: float | None = None
        if (
            type(ts) is str
            and type(created) is str
            and len(ts) == len(created) == 27
            and ts[-1] == created[-1] == "Z"
        ):  # the store's fixed-width UTC text: parsed without its offset, same difference
            try:
                waited = (
                    datetime.fromisoformat(ts[:-1]) - datetime.fromisoformat(created[:-1])
                ).total_seconds()
            except ValueError:
                waited = None
        if waited is None:
            moment, began = to_datetime(ts), to_datetime(created)
            waited = (moment - began).total_seconds() if (moment and began) else None
        if waited is None:
            return
        waited = max(waited, 0.0)
        if outcome in HUMAN_OUTCOMES:
            self.decide_times.append(waited)
        else:
            self.timeout_waits.append(waited)

    @staticmethod
    def _edit_fields(
        outcome: str, row: Mapping[str, Any], approval: Mapping[str, Any] | None
    ) -> dict[str, Any]:
        """An approval with the operator's edit: the edited call's summary (masked and
        neutralised like every summary), and the outcome in words (approved *with edit*)."""
        edited = approval.get("updated_input") if approval and outcome == "approved" else None
        if edited is None:
            return {"edited": False, "edited_summary": None, "outcome_label": outcome}
        tool = str(row.get("tool") or approval.get("tool") or "") if approval else ""
        return {
            "edited": True,
            "edited_summary": summarise(tool, edited),
            "outcome_label": approval_label(edited=True, denied=False),
        }

    def _denied_after_approval(self, row: Mapping[str, Any]) -> None:
        """The gate denied an approved call after all (the operator's edit met a deny rule):
        its approval's item says so — it is listed as approved, but nothing ran."""
        item = self._approved_items.get(str(row["approval_id"]))
        if item is None or item.get("denied_after"):
            return
        rule = _opt(row.get("rule"))
        item["denied_after"] = {"rule": rule, "reason": _opt(row.get("reason"), 500)}
        item["outcome_label"] = safe(
            approval_label(edited=bool(item.get("edited")), denied=True, rule=rule)
        )

    def add_decision_group(self, row: Mapping[str, Any], count: int) -> None:
        """``count`` automatic audit rows (``auto_allowed``, ``policy_denied``) about no
        approval, alike in ``outcome``, ``agent``, ``session``, ``task``, ``rule`` and
        ``has_event``; ``ts`` is the latest. Same counts as :meth:`add_decision` of each
        (automatic rows are not itemised)."""
        outcome = str(row.get("outcome") or "errored")
        if outcome not in AUTOMATIC_OUTCOMES or row.get("approval_id"):
            raise ValueError("only automatic rows about no approval are counted in groups")
        agent = str(row.get("agent") or UNKNOWN_AGENT)
        if not row.get("has_event", True) and row.get("rule"):
            session_id = str(row.get("session") or "")
            info = self.sessions.get(session_id)
            hit_agent = str(row.get("agent") or (info.agent if info else UNKNOWN_AGENT))
            task = self._task_name(hit_agent, row.get("task") or (info.task if info else None))
            verdict = "allow" if outcome == "auto_allowed" else "deny"
            stats = self._task(hit_agent, task)
            ts = to_datetime(row.get("ts"))
            self._hit(stats, hit_agent, task, verdict, row.get("rule"), session_id, ts, count)
        self.decision_counts[outcome] += count
        self.decision_agents[(agent, outcome)] += count
        of_session = row.get("session")
        if of_session is not None and str(of_session) in self.sessions:
            self.sessions[str(of_session)].decisions += count

    # -- output

    @property
    def evidence(self) -> list[Evidence]:
        """Raw human answers to gated calls, for ``--suggest-scope`` (never rendered):
        operators' approvals and denials, and rejections in the agent's own UI unless
        overseer saw the same call gated (then the operator's answer already counts)."""
        rejected = [
            ev
            for ev in self._rejected
            if ev.call_id is None or (ev.session, str(ev.call_id)) not in self._evidence_calls
        ]
        return [*self._answers, *rejected]

    def build(
        self, chain: Mapping[str, Any] | None = None, generated_at: datetime | None = None
    ) -> dict[str, Any]:
        """The review as one JSON-ready dict (see the module docstring)."""
        agents = self._agents()
        unused = [
            {
                **rule,
                "agent": a["agent"],
                "owner": a["owner"],
                "task": t["task"],
                "sessions_reviewed": t["sessions"],
                "calls_reviewed": t["tool_calls"],
            }
            for a in agents
            for t in a["tasks"]
            for rule in t["rules"]
            if rule["list"] in ENTITLEMENT_LISTS and rule["in_config"] and rule["hits"] == 0
        ]
        findings = [f for a in agents for f in a["findings"]]
        flags_total = sum(self.flag_counts.values())
        decisions = self._decisions()
        review: dict[str, Any] = {
            "format": FORMAT,
            "generated_at": iso(generated_at or datetime.now(UTC)),
            "filters": {
                "agent": _opt(self.agent_filter),
                "session": _opt(self.session_filter),
                "since": iso(self.since),
                "until": iso(self.until),
            },
            "period": {
                "since": iso(self.since),
                "until": iso(self.until),
                "first_event": iso(self.first_event),
                "last_event": iso(self.last_event),
            },
            "chain": _chain(chain),
            "totals": {
                "agents": len(agents),
                "sessions": len(self.sessions),
                "tool_calls": sum(s.calls for s in self.sessions.values()),
                "out_of_scope": self.oos_total,
                "unused_entitlements": len(unused),
                "acquired_tools": 0,
                "decisions": decisions["total"],
                "pending_approvals": self.pending,
                "flags": {c: self.flag_counts[c] for c in CATEGORIES},
                "findings": len(findings),
            },
            "agents": agents,
            "sessions": self._sessions(),
            "unused_entitlements": unused,
            "out_of_scope": self._out_of_scope_section(),
            "acquired_tools": self._acquired(),
            "decisions": decisions,
            "flags": {
                "total": flags_total,
                "by_category": {c: self.flag_counts[c] for c in CATEGORIES},
                "by_detector": [
                    {"category": c, "detector": d, "title": _DETECTOR_TITLES.get(d, ""), "count": n}
                    for (c, d), n in sorted(
                        self.flag_detectors.items(), key=lambda kv: (kv[0][0], -kv[1], kv[0][1])
                    )
                ],
                "by_severity": {
                    c: {s: n for (cat, s), n in sorted(self.flag_severity.items()) if cat == c}
                    for c in CATEGORIES
                },
                "by_owasp": [
                    {"id": o, "title": owasp_title(o), "count": n}
                    for o, n in sorted(self.flag_owasp.items(), key=_owasp_order)
                ],
                "by_agent": [
                    {"agent": safe(a), **{c: self.flag_agents[(a, c)] for c in CATEGORIES}}
                    for a in sorted({a for a, _ in self.flag_agents})
                ],
                "items": {c: self.flag_items[c] for c in CATEGORIES},
                "items_omitted": {
                    c: self.flag_counts[c] - len(self.flag_items[c]) for c in CATEGORIES
                },
            },
            "findings": findings,
            "activity": self._activity(),
        }
        review["totals"]["acquired_tools"] = len(review["acquired_tools"])
        return review

    def _scopes(self, agent: str) -> dict[str, Scope]:
        found = self.config.agents.get(agent)
        return {name: task.scope for name, task in found.tasks.items()} if found else {}

    def _agent_names(self) -> list[str]:
        seen = {s.agent for s in self.sessions.values()} | {a for a, _ in self.tasks}
        if self.session_filter is None:
            if self.agent_filter is not None:
                if self.agent_filter in self.config.agents:
                    seen.add(self.agent_filter)
            else:
                seen |= set(self.config.agents)
        if self.agent_filter is not None:
            seen &= {self.agent_filter}
        configured = [a for a in self.config.agents if a in seen]
        return configured + sorted(seen - set(configured))

    def _agents(self) -> list[dict[str, Any]]:
        out = []
        for name in self._agent_names():
            configured = self.config.agents.get(name)
            sessions = sorted(
                (s for s in self.sessions.values() if s.agent == name),
                key=lambda s: (s.started_at or datetime.min.replace(tzinfo=UTC), s.id),
            )
            sequences = [s.labels for s in sessions]
            declared = configured.autonomy if configured else None
            assessment = assess_agent(name, sequences, declared, self._scopes(name))
            tasks = self._tasks_of(name)
            verdicts: Counter[str] = Counter()
            for s in sessions:
                verdicts.update(s.verdicts)
            out.append(
                {
                    "agent": safe(name),
                    "configured": configured is not None,
                    "owner": configured.owner if configured else None,
                    "description": configured.description if configured else "",
                    "autonomy": {
                        "declared": declared,
                        "observed": assessment.observed,
                        "effective": assessment.effective,
                        "reasons": [neutralise(r, limit=500) for r in assessment.reasons],
                        "stats": assessment.stats.as_dict(),
                    },
                    "sessions_reviewed": len(sessions),
                    "tool_calls": sum(s.calls for s in sessions),
                    "verdicts": {v: verdicts[v] for v in VERDICTS},
                    "out_of_scope": self.oos_agents[name],
                    "unused_entitlements": sum(
                        1
                        for t in tasks
                        for r in t["rules"]
                        if r["list"] in ENTITLEMENT_LISTS and r["in_config"] and r["hits"] == 0
                    ),
                    "flags": {c: self.flag_agents[(name, c)] for c in CATEGORIES},
                    "decisions": {
                        o: self.decision_agents[(name, o)]
                        for o in OUTCOMES
                        if self.decision_agents[(name, o)]
                    },
                    "tasks": tasks,
                    "findings": [_finding(f.as_dict()) for f in assessment.findings],
                }
            )
        return out

    def _tasks_of(self, agent: str) -> list[dict[str, Any]]:
        configured = self.config.agents.get(agent)
        names: list[str | None] = list(configured.tasks) if configured else []
        names += sorted(
            (t for a, t in self.tasks if a == agent and t not in names), key=lambda t: t or ""
        )
        out = []
        for task in names:
            stats = self.tasks.get((agent, task)) or _TaskStats()
            scope = (
                configured.tasks[task].scope if configured and task in configured.tasks else None
            )
            rules: list[dict[str, Any]] = []
            listed: set[tuple[str, str]] = set()
            if scope is not None:
                for list_name in ("allow", "ask", "deny"):
                    for rule in getattr(scope, list_name):
                        key = (list_name, rule.text)
                        if key in listed:
                            continue
                        listed.add(key)
                        rules.append(_rule_entry(list_name, rule.text, stats.hits.get(key), True))
            for key, hits in sorted(stats.hits.items()):
                if key not in listed:  # decided by a rule no longer in the config (or a grant)
                    rules.append(_rule_entry(key[0], key[1], hits, False))
            out.append(
                {
                    "task": _opt(task),
                    "configured": scope is not None,
                    "default": scope.default if scope is not None else None,
                    "sessions": len(stats.sessions),
                    "tool_calls": stats.calls,
                    "verdicts": {v: stats.verdicts[v] for v in VERDICTS},
                    "unjudged_shell_calls": stats.unjudged_shell,
                    "rules": rules,
                }
            )
        return out

    def _sessions(self) -> list[dict[str, Any]]:
        ordered = sorted(
            self.sessions.values(),
            key=lambda s: (s.started_at or datetime.min.replace(tzinfo=UTC), s.id),
        )
        return [
            {
                "session": safe(s.id),
                "agent": safe(s.agent),
                "task": _opt(s.task),
                "status": safe(s.status),
                "cwd": _opt(s.cwd),
                "started_at": iso(s.started_at),
                "ended_at": iso(s.ended_at),
                "last_event_at": iso(s.last_event_at),
                "tool_calls": s.calls,
                "verdicts": {v: s.verdicts[v] for v in VERDICTS},
                "statuses": dict(sorted(s.statuses.items())),
                "out_of_scope": s.out_of_scope,
                "flags": {c: s.flags[c] for c in CATEGORIES},
                "decisions": s.decisions,
            }
            for s in ordered
        ]

    def _out_of_scope_section(self) -> dict[str, Any]:
        groups = sorted(
            self.oos_groups.items(),
            key=lambda kv: (-kv[1].count, kv[0][0], kv[0][1] or "", kv[0][3], kv[0][4]),
        )
        return {
            "total": self.oos_total,
            "by_verdict": {v: self.oos_verdicts[v] for v in ("unscoped", "deny")},
            "by_status": {s: self.oos_statuses[s] for s in ("rejected", "blocked")},
            "by_agent": {safe(a): n for a, n in sorted(self.oos_agents.items())},
            "groups": [
                {
                    "agent": safe(agent),
                    "task": _opt(task),
                    "tool": safe(tool),
                    "label": safe(label),
                    "verdict": verdict,
                    "status": status,
                    "count": g.count,
                    "sessions": len(g.sessions),
                    "first_seen": iso(g.first_seen),
                    "last_seen": iso(g.last_seen),
                    **_last_call(g.last_call),
                    "example": g.example,
                }
                for (agent, task, tool, label, verdict, status), g in groups
            ],
            "items": self.oos_items,
            "items_omitted": self.oos_total - len(self.oos_items),
        }

    def _acquired(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for (agent, task), stats in sorted(
            self.tasks.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")
        ):
            scope = self.config.scope_for(agent, task) if agent != UNKNOWN_AGENT else None
            allow = scope.allow if scope is not None else ()
            uncovered_tools = set()
            for tool, usage in sorted(stats.tools.items()):
                if any(rule.matches_tool(tool) for rule in allow):
                    continue
                uncovered_tools.add(canonical_tool(tool))
                out.append(_acquired_entry("tool", tool, agent, task, usage))
            for label, usage in sorted(stats.labels.items()):
                if usage.allowed or canonical_tool(usage.tool) in uncovered_tools:
                    continue
                out.append(_acquired_entry("command", label, agent, task, usage))
        return out

    def _decisions(self) -> dict[str, Any]:
        total = sum(self.decision_counts.values())
        automatic = sum(self.decision_counts[o] for o in AUTOMATIC_OUTCOMES)
        times = self.decide_times
        return {
            "total": total,
            "by_outcome": {o: self.decision_counts[o] for o in OUTCOMES},
            "automatic": automatic,
            "gated": total - automatic,
            "pending": self.pending,
            "time_to_decide": {
                "count": len(times),
                "median_s": _round(_median(times)),
                "p90_s": _round(_percentile(times, 0.9)),
                "max_s": _round(max(times) if times else None),
            },
            "timeouts": {
                "count": self.decision_counts["timed_out"],
                "median_wait_s": _round(_median(self.timeout_waits)),
            },
            "by_agent": [
                {"agent": safe(a), **{o: self.decision_agents[(a, o)] for o in OUTCOMES}}
                for a in sorted({a for a, _ in self.decision_agents})
            ],
            "items": self.decision_items,
            "items_omitted": total - automatic - len(self.decision_items),
        }

    def _activity_seconds(self, grouped: bool) -> list[int]:
        seconds = [s for s, _ in self.activity] + list(self.activity_flags)
        if grouped:  # calls counted per bucket: their first and last are the builder's
            seconds += [int(t.timestamp()) for t in (self.first_event, self.last_event) if t]
        return seconds

    def _activity(self) -> dict[str, Any]:
        seconds = self._activity_seconds(self._bucketed is not None)
        if not seconds:
            return {
                "bucket_seconds": None,
                "start": None,
                "end": None,
                "series": list(VERDICTS),
                "buckets": [],
            }
        start, size, count = _grid(min(seconds), max(seconds), self.settings.activity_buckets)
        buckets: list[dict[str, Any]] = []
        for i in range(count):
            moment = datetime.fromtimestamp(start + i * size, UTC)
            buckets.append({"start": iso(moment), **{v: 0 for v in VERDICTS}, "flags": 0})
        for (second, verdict), n in self.activity.items():
            bucket = buckets[(second - start) // size]
            bucket[verdict if verdict in VERDICTS else "unscoped"] += n
        for (index, verdict), n in (self._bucketed or {}).items():
            buckets[index][verdict if verdict in VERDICTS else "unscoped"] += n
        for second, n in self.activity_flags.items():
            buckets[(second - start) // size]["flags"] += n
        end = datetime.fromtimestamp(start + count * size, UTC)
        return {
            "bucket_seconds": size,
            "start": iso(datetime.fromtimestamp(start, UTC)),
            "end": iso(end),
            "series": list(VERDICTS),
            "buckets": buckets,
        }


# ------------------------------------------------------------------------------ entries


def _oos_reasons(verdict: str, status: str) -> list[str]:
    reasons = []
    if verdict == "unscoped":
        reasons.append("no rule provisioned it")
    elif verdict == "deny":
        reasons.append("denied by a rule")
    if status == "rejected":
        reasons.append("rejected by a human in the agent's UI")
    elif status == "blocked":
        reasons.append("blocked before it ran")
    return reasons


def _rule_entry(
    list_name: str, text: str, hits: _RuleHits | None, in_config: bool
) -> dict[str, Any]:
    return {
        "list": list_name,
        "rule": safe(text),
        "in_config": in_config,
        "hits": hits.count if hits else 0,
        "sessions": len(hits.sessions) if hits else 0,
        "last_seen": iso(hits.last_seen) if hits else None,
    }


def _acquired_entry(
    kind: str, name: str, agent: str, task: str | None, usage: _Usage
) -> dict[str, Any]:
    return {
        "kind": kind,
        "name": safe(name),
        "agent": safe(agent),
        "task": _opt(task),
        "calls": usage.calls,
        "ran": usage.ran,
        "sessions": len(usage.sessions),
        "verdicts": {v: usage.verdicts[v] for v in VERDICTS},
        "first_seen": iso(usage.first_seen),
        "last_seen": iso(usage.last_seen),
        **_last_call(usage.last_call),
    }


def _last_call(last: tuple[str, str | None] | None) -> dict[str, str | None]:
    """Where the latest of a group of calls is (the review app opens it on Enter)."""
    session, call_id = last if last is not None else (None, None)
    return {"last_session": _opt(session), "last_call_id": _opt(call_id)}


def _opt_id(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _finding(found: dict[str, Any]) -> dict[str, Any]:
    found = dict(found)
    found["agent"] = safe(found.get("agent"))
    found["message"] = neutralise(str(found.get("message") or ""), limit=1000)
    found["owasp_titles"] = {o: owasp_title(o) for o in found.get("owasp", ())}
    return found


def _chain(chain: Mapping[str, Any] | None) -> dict[str, Any]:
    if chain is None:
        return {"verified": False, "ok": None, "message": "audit chain not verified"}
    out = {k: chain.get(k) for k in chain}
    out["verified"] = True
    for key in ("problem", "detail", "message"):
        if out.get(key) is not None:
            out[key] = safe(out[key], 1000)
    out["warnings"] = [safe(w, 500) for w in chain.get("warnings") or ()]
    return out


def _owasp_order(item: tuple[str, int]) -> tuple[int, int, str]:
    owasp_id = item[0]
    family = 0 if owasp_id.upper().startswith("ASI") else 1
    digits = "".join(ch for ch in owasp_id.split(":", 1)[0] if ch.isdigit())
    return (family, int(digits) if digits else 99, owasp_id)


def period_text(review: Mapping[str, Any]) -> str:
    """``since → until`` as a reader sees it (open ends shown as such)."""
    period = review.get("period") or {}
    since = period.get("since") or "the beginning"
    until = period.get("until") or "now"
    return f"{since} → {until}"


__all__ = [
    "AUTOMATIC_OUTCOMES",
    "CATEGORIES",
    "HUMAN_OUTCOMES",
    "OUTCOMES",
    "VERDICTS",
    "Evidence",
    "ReviewBuilder",
    "ReviewSettings",
    "call_label",
    "iso",
    "period_text",
    "safe",
    "split_rule_texts",
    "to_datetime",
]
