"""The review's data, read from the store and streamed into a :class:`ReviewBuilder`.

The only report module that touches the database, with :mod:`.aggregate`: SQLAlchemy Core
over the store's tables (:mod:`overseer.store.tables`). By default the database counts the
tool calls and the automatic audit rows (:mod:`.aggregate`: ``GROUP BY``, one row per group)
and Python reads one row a call only where the review keeps it. ``by_rows=True`` reads every
call instead, in pages with keyset pagination on the indexes the store already has —
``(session, kind, ts, id)`` for calls, ``(session, seq)`` / ``ts`` for decisions — without
``OFFSET`` rescans or holding the events in memory: the reference the grouped review is
tested against. Everything is read inside one read transaction: a snapshot, so a report
taken while agents keep running is consistent with itself.

The audit chain is verified through :meth:`Store.verify` (its own implementation, shared with
``overseer audit verify``), and stamped on the review.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from overseer.config import Config
from overseer.report import aggregate
from overseer.report.aggregate import Window, session_filter
from overseer.report.review import ReviewBuilder, ReviewSettings
from overseer.store import utc_text
from overseer.store.db import Store
from overseer.store.tables import ApprovalRow, DecisionRow, EventRow, SessionRow

_SESSIONS: sa.Table = SessionRow.__table__  # type: ignore[attr-defined]
_EVENTS: sa.Table = EventRow.__table__  # type: ignore[attr-defined]
_APPROVALS: sa.Table = ApprovalRow.__table__  # type: ignore[attr-defined]
_DECISIONS: sa.Table = DecisionRow.__table__  # type: ignore[attr-defined]

#: Rows per page: large enough to amortise a round trip, small enough to bound memory.
PAGE = 2000
_IN_CHUNK = 500

Progress = Callable[[int], None]


class ReviewQuery:
    """What to review: an agent or a session, over ``[since, until)`` (UTC)."""

    __slots__ = ("agent", "session", "since", "until")

    def __init__(
        self,
        *,
        agent: str | None = None,
        session: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> None:
        if agent is not None and session is not None:
            raise ValueError("review an agent or a session, not both")
        self.agent, self.session, self.since, self.until = agent, session, since, until


def _loads(text: Any, default: Any = None) -> Any:
    if text is None:
        return default
    if not isinstance(text, str):
        return text
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return default


@contextmanager
def _snapshot(store: Store) -> Iterator[Connection]:
    """One read transaction for the whole review (a consistent snapshot)."""
    with store.engine.connect() as conn:
        if store.is_postgres:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            if store.is_postgres:  # JIT-compiling the review's few queries costs more than it saves
                conn.exec_driver_sql("SET LOCAL jit = off")
            yield conn


def session_conditions(query: ReviewQuery) -> list[Any]:
    """Which sessions are under review: those with activity in the period (and the filter)."""
    s = _SESSIONS.c
    conditions: list[Any] = []
    if query.session is not None:
        conditions.append(s.id == query.session)
    if query.agent is not None:
        conditions.append(s.agent == query.agent)
    if query.since is not None:
        conditions.append(
            sa.or_(s.last_event_at.is_(None), s.last_event_at >= utc_text(query.since))
        )
    if query.until is not None:
        conditions.append(sa.or_(s.started_at.is_(None), s.started_at < utc_text(query.until)))
    return conditions


def select_sessions(conn: Connection, query: ReviewQuery) -> list[dict[str, Any]]:
    """The sessions under review, oldest first: those with activity in the period."""
    s = _SESSIONS.c
    stmt = sa.select(
        s.id,
        s.agent,
        s.task,
        s.status,
        s.cwd,
        s.started_at,
        s.ended_at,
        s.last_event_at,
        s.tool_calls,
    ).where(*session_conditions(query))
    stmt = stmt.order_by(s.started_at, s.id)
    return [dict(row) for row in conn.execute(stmt).mappings()]


def _window(column: Any, query: ReviewQuery) -> list[Any]:
    conditions = []
    if query.since is not None:
        conditions.append(column >= utc_text(query.since))
    if query.until is not None:
        conditions.append(column < utc_text(query.until))
    return conditions


def _call_status(row: Mapping[Any, Any]) -> str:
    """Same reading as the timeline: the result's status, else the call's own, else pending."""
    if row["r_id"] is not None:
        if row["r_status"]:
            return str(row["r_status"])
        return "error" if row["r_is_error"] else "ok"
    status = row["status"]
    return str(status) if status and status != "ok" else "pending"


#: Keyset start: every stored (ts, id) is after it.
_BEFORE_ALL = ("", -1)


class _Statements:
    """The per-session queries, built once per review: with thousands of sessions, building
    SQLAlchemy constructs per session cost more than running them."""

    def __init__(self, query: ReviewQuery, page: int) -> None:
        c = _EVENTS.alias("c")
        r = _EVENTS.alias("r")
        join = sa.and_(
            r.c.session == c.c.session, r.c.kind == "tool_result", r.c.call_id == c.c.call_id
        )
        self.calls = (
            sa.select(
                c.c.id,
                c.c.ts,
                c.c.tool,
                c.c.call_id,
                c.c.agent,
                c.c.task,
                c.c.verdict,
                c.c.rule,
                c.c.flags,
                c.c.summary,
                c.c.input,
                c.c.status,
                c.c.approval_id,
                r.c.id.label("r_id"),
                r.c.status.label("r_status"),
                r.c.is_error.label("r_is_error"),
            )
            .select_from(c.outerjoin(r, join))
            .where(
                c.c.session == sa.bindparam("session"),
                c.c.kind == "tool_call",
                *_window(c.c.ts, query),
                sa.tuple_(c.c.ts, c.c.id) > sa.tuple_(sa.bindparam("ts"), sa.bindparam("id")),
            )
            .order_by(c.c.ts, c.c.id)
            .limit(page)
        )
        e = _EVENTS.c
        self.flagged = (
            sa.select(e.id, e.ts, e.kind, e.tool, e.call_id, e.agent, e.task, e.flags, e.summary)
            .where(
                e.session == sa.bindparam("session"),
                e.kind != "tool_call",
                sa.or_(e.flags_safety > 0, e.flags_security > 0),
                *_window(e.ts, query),
                sa.tuple_(e.ts, e.id) > sa.tuple_(sa.bindparam("ts"), sa.bindparam("id")),
            )
            .order_by(e.ts, e.id)
            .limit(page)
        )
        a = _APPROVALS.c
        self.approvals = (
            sa.select(_APPROVALS)
            .where(a.session == sa.bindparam("session"), *_window(a.created_at, query))
            .order_by(a.created_at, a.id)
        )
        self.page = page


def _pages(conn: Connection, stmt: Any, session_id: str, page: int) -> Iterator[Mapping[Any, Any]]:
    last = _BEFORE_ALL
    while True:
        rows = conn.execute(stmt, {"session": session_id, "ts": last[0], "id": last[1]})
        batch = rows.mappings().all()
        yield from batch
        if len(batch) < page:
            return
        last = (batch[-1]["ts"], batch[-1]["id"])


def iter_calls(
    conn: Connection, session_id: str, query: ReviewQuery, statements: _Statements | None = None
) -> Iterator[dict[str, Any]]:
    """A session's tool calls in the period, in order, each with its result's status."""
    st = statements or _Statements(query, PAGE)
    for row in _pages(conn, st.calls, session_id, st.page):
        yield {
            "session": session_id,
            "id": row["id"],
            "ts": row["ts"],
            "tool": row["tool"],
            "call_id": row["call_id"],
            "agent": row["agent"],
            "task": row["task"],
            "verdict": row["verdict"],
            "rule": row["rule"],
            "flags": _loads(row["flags"], []),
            "summary": row["summary"],
            "input": row["input"],  # JSON text: the builder parses what it reads
            "status": _call_status(row),
            "approval_id": row["approval_id"],
        }


def iter_flagged_events(
    conn: Connection, session_id: str, query: ReviewQuery, statements: _Statements | None = None
) -> Iterator[dict[str, Any]]:
    """A session's events other than tool calls that carry flags (results, messages)."""
    st = statements or _Statements(query, PAGE)
    for row in _pages(conn, st.flagged, session_id, st.page):
        yield {**dict(row), "session": session_id, "flags": _loads(row["flags"], [])}


def _approval_dict(row: Mapping[Any, Any]) -> dict[str, Any]:
    out = dict(row)
    out["input"] = _loads(out.get("input"))
    if out.get("updated_input") is not None:  # the operator's edit: what was approved
        out["updated_input"] = _loads(out["updated_input"], {"input": out["updated_input"]})
    return out


def session_approvals(
    conn: Connection, session_id: str, query: ReviewQuery, statements: _Statements | None = None
) -> list[dict[str, Any]]:
    st = statements or _Statements(query, PAGE)
    rows = conn.execute(st.approvals, {"session": session_id}).mappings()
    return [_approval_dict(row) for row in rows]


def calls_present(conn: Connection, pairs: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which ``(session, call_id)`` pairs have a stored tool call (the unique call index)."""
    by_session: dict[str, list[str]] = {}
    for session_id, call_id in pairs:
        by_session.setdefault(session_id, []).append(call_id)
    e = _EVENTS.c
    found: set[tuple[str, str]] = set()
    for session_id, ids in by_session.items():
        for start in range(0, len(ids), _IN_CHUNK):
            stmt = sa.select(e.call_id).where(
                e.session == session_id,
                e.kind == "tool_call",
                e.call_id.in_(ids[start : start + _IN_CHUNK]),
            )
            found.update((session_id, str(c)) for (c,) in conn.execute(stmt))
    return found


def _mark_events(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Set ``has_event`` on approvals/decisions: False when the gated call never reached the
    store as an event (a hook-only session), so the review counts its rule hit from the gate
    row instead — and never twice when it did."""
    pairs = {
        (str(r["session"]), str(r["call_id"]))
        for r in rows
        if r.get("session") and r.get("call_id")
    }
    present = calls_present(conn, pairs) if pairs else set()
    for r in rows:
        key = (str(r.get("session")), str(r.get("call_id")))
        r["has_event"] = bool(r.get("session") and r.get("call_id")) and key in present


def approvals_by_id(conn: Connection, ids: Sequence[str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for start in range(0, len(ids), _IN_CHUNK):
        chunk = list(ids[start : start + _IN_CHUNK])
        stmt = sa.select(_APPROVALS).where(_APPROVALS.c.id.in_(chunk))
        out.extend(_approval_dict(row) for row in conn.execute(stmt).mappings())
    return out


def iter_decision_pages(
    conn: Connection, query: ReviewQuery, sessions: set[str]
) -> Iterator[list[dict[str, Any]]]:
    """Audit-chain rows of the period in chain order, restricted to the review's filter, a
    page at a time (a page's approvals are then fetched in one query)."""
    d = _DECISIONS.c
    columns = [
        d.seq,
        d.ts,
        d.operator,
        d.action,
        d.outcome,
        d.session,
        d.approval_id,
        d.call_id,
        d.agent,
        d.task,
        d.tool,
        d.rule,
        d.reason,
    ]
    base = sa.select(*columns).where(*_window(d.ts, query))
    if query.session is not None:
        base = base.where(d.session == query.session)
    base = base.order_by(d.seq).limit(PAGE)
    last: int | None = None
    while True:
        stmt = base if last is None else base.where(d.seq > last)
        rows = conn.execute(stmt).mappings().all()
        page = [
            dict(row)
            for row in rows
            if query.agent is None
            or row["agent"] == query.agent
            or (row["session"] is not None and row["session"] in sessions)
        ]
        if page:
            yield page
        if len(rows) < PAGE:
            return
        last = int(rows[-1]["seq"])


def gather(
    store: Store,
    config: Config,
    query: ReviewQuery,
    *,
    settings: ReviewSettings | None = None,
    checkpoint: Mapping[str, Any] | None = None,
    on_sessions: Callable[[int], None] | None = None,
    progress: Progress | None = None,
    by_rows: bool = False,
) -> tuple[ReviewBuilder, dict[str, Any]]:
    """Read everything the review needs; returns the fed builder and the chain's result.

    ``on_sessions(total_calls)`` is called once the sessions are known (to size a progress
    bar), ``progress(n)`` per session with the number of its calls read. The database counts
    the tool calls (:mod:`overseer.report.aggregate`); ``by_rows`` reads them one by one into
    the builder instead — the reference the aggregated review is tested against.
    """
    result = store.verify(checkpoint)
    chain = {**result.as_dict(), "message": result.message()}
    builder = ReviewBuilder(
        config,
        since=query.since,
        until=query.until,
        agent=query.agent,
        session=query.session,
        settings=settings,
    )
    with _snapshot(store) as conn:
        sessions = select_sessions(conn, query)
        if on_sessions is not None:
            on_sessions(sum(int(s.get("tool_calls") or 0) for s in sessions))
        for session in sessions:
            builder.add_session(session)
        statements = _Statements(query, PAGE)
        if not by_rows:
            window = Window(query.since, query.until, session_filter(session_conditions(query)))
            order = [str(s["id"]) for s in sessions]
            aggregate.feed(conn, builder, window, order, progress)
            aggregate.feed_gate(
                conn, builder, window, order, query.agent, query.session, _approval_dict
            )
            return builder, chain
        for session in sessions:
            session_id = str(session["id"])
            calls = 0
            for call in iter_calls(conn, session_id, query, statements):
                builder.add_call(call)
                calls += 1
            for event in iter_flagged_events(conn, session_id, query, statements):
                builder.add_event(event)
            if progress is not None:
                progress(calls)
            approvals = session_approvals(conn, session_id, query, statements)
            _mark_events(conn, approvals)
            for approval in approvals:
                builder.add_approval(approval)
        ids = {str(s["id"]) for s in sessions}
        for page in iter_decision_pages(conn, query, ids):
            _mark_events(conn, page)
            wanted = {str(d["approval_id"]) for d in page if d["approval_id"]}
            for approval in approvals_by_id(conn, sorted(wanted - set(builder.approvals))):
                builder.approvals[str(approval["id"])] = approval  # for time to decide only
            for decision in page:
                builder.add_decision(decision)
    return builder, chain
