"""The review's tool-call counts, computed by the database.

A million-event store used to be read call by call into :class:`ReviewBuilder` (11 s for
500,000 calls). Here the database counts: one ``GROUP BY`` gives, per session, the calls
alike in everything the review counts them by (agent, task, tool, verdict, rule, the status
its result gives it, and for shell tools the action label), with the count and the first and
latest call; the builder folds those groups exactly as it would fold each call
(:meth:`~overseer.report.review.ReviewBuilder.add_call_groups`). Since schema 6 the call row
holds all of it (``result_status``, kept by the store whichever of call and result arrives
first, and ``label``), and the partial index ``ix_events_calls`` holds those columns in the
``GROUP BY``'s order: the database groups by reading that index, with no join, no sort and no
table row. Python reads one row per call only where the review shows or keeps that call:

* out-of-scope calls itemised (at most ``detail_limit``, in feed order, sessions that have
  some only);
* flagged calls and events (each flag is itemised and counted by detector and OWASP id; the
  partial index ``ix_events_flagged`` holds only them);
* calls rejected in the agent's UI (raw evidence for ``--suggest-scope``);
* each session's tool sequence, which autonomy is judged on: two columns a call, in order,
  from the index ``ix_events_sequence`` alone.

The activity chart is counted per bucket by a second ``GROUP BY`` (bucket and verdict), on the
grid the builder picks from the first and last call and the flags. A shell group's input (the
builder labels it) is one call's, read by id per distinct label; an out-of-scope group's example
is its first call's summary, read by id. Automatic audit rows about no approval
(``auto_allowed``, ``policy_denied``) are counted in groups too; approvals and the other audit
rows are read one by one (each is itemised, and time to decide needs each).

Everything here runs inside gather's read transaction (one snapshot) and on SQLite and
PostgreSQL alike. Times are the store's fixed-width UTC text (``tables.py``), so text order
is time order and the first 19 characters are the second.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from overseer.policy.rules import SHELL_TOOLS, TOOL_ALIASES, canonical_tool
from overseer.report.review import AUTOMATIC_OUTCOMES, ReviewBuilder
from overseer.store import utc_text
from overseer.store.tables import (
    ApprovalRow,
    CallGroupRow,
    CallSequenceRow,
    DecisionRow,
    EventRow,
    SessionCallsRow,
    SessionRow,
)

_SESSIONS: sa.Table = SessionRow.__table__  # type: ignore[attr-defined]
_EVENTS: sa.Table = EventRow.__table__  # type: ignore[attr-defined]
_APPROVALS: sa.Table = ApprovalRow.__table__  # type: ignore[attr-defined]
_DECISIONS: sa.Table = DecisionRow.__table__  # type: ignore[attr-defined]
_CALL_GROUPS: sa.Table = CallGroupRow.__table__  # type: ignore[attr-defined]
_SESSION_CALLS: sa.Table = SessionCallsRow.__table__  # type: ignore[attr-defined]
_CALL_SEQUENCES: sa.Table = CallSequenceRow.__table__  # type: ignore[attr-defined]
_IN_CHUNK = 500
#: Reads one approval row into the builder's form (gather's ``_approval_dict``).
AsApproval = Callable[[Mapping[Any, Any]], dict[str, Any]]
_SEP = "\x01"  # below every character of a stored time: (ts, id) order is text order

#: Tool names judged as shell commands (``canonical_tool`` maps them into SHELL_TOOLS).
SHELL_NAMES: tuple[str, ...] = tuple(
    sorted(
        {name for name, family in TOOL_ALIASES.items() if family in SHELL_TOOLS}
        | {name for name in SHELL_TOOLS if TOOL_ALIASES.get(name, name) in SHELL_TOOLS}
    )
)


class Window:
    """Which calls the review reads: its period, and its sessions (a subquery)."""

    def __init__(self, since: Any, until: Any, sessions: sa.Select[Any] | None) -> None:
        self.since = None if since is None else utc_text(since)
        self.until = None if until is None else utc_text(until)
        self.sessions = sessions

    def where(self, e: Any) -> list[Any]:
        """The review's tool calls."""
        return [e.kind == "tool_call", *self.of_sessions(e), *self.period(e)]

    def of_sessions(self, e: Any) -> list[Any]:
        if self.sessions is not None:
            return [e.session.in_(self.sessions)]
        return []

    def period(self, e: Any) -> list[Any]:
        return self.period_of(e.ts)

    def period_of(self, column: Any) -> list[Any]:
        out: list[Any] = []
        if self.since is not None:
            out.append(column >= self.since)
        if self.until is not None:
            out.append(column < self.until)
        return out


def _loads(text: Any) -> Any:
    if text is None:
        return []
    if not isinstance(text, str):
        return text
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return []


class _Sql:
    """Dialect differences, in one place."""

    def __init__(self, conn: Connection) -> None:
        self.pg = conn.dialect.name == "postgresql"

    def text_order(self, expr: Any) -> Any:
        """Byte order for min/max over our compound keys (PostgreSQL collations skip
        punctuation)."""
        return expr.collate("C") if self.pg else expr

    def padded_id(self, column: Any) -> Any:
        if self.pg:
            return sa.func.lpad(sa.cast(column, sa.Text), 20, "0")
        return sa.func.printf("%020d", column)

    def id_list(self, expr: Any) -> Any:
        if self.pg:
            return sa.func.string_agg(sa.cast(expr, sa.Text), ",")
        return sa.func.group_concat(expr, ",")


def _status(c: Any) -> Any:
    """The timeline's reading of a call's status (gather's ``_call_status``), from the call
    row alone: the status its result gave it (``result_status``, kept by the store), else its
    own unless ``ok``, else pending."""
    return sa.case(
        (c.c.result_status.is_not(None), c.c.result_status),
        (
            sa.and_(c.c.status.is_not(None), c.c.status != "", c.c.status != "ok"),
            c.c.status,
        ),
        else_="pending",
    )


def _status_of(result_status: Any, status: Any) -> str:
    """:func:`_status` of a group's columns."""
    if result_status is not None:
        return str(result_status)
    return str(status) if status and status != "ok" else "pending"


def _oos(c: Any, status: Any) -> Any:
    """Out of scope (the builder's reading): no rule provisioned it, a rule denied it, or it
    was refused before it ran."""
    verdict = sa.func.coalesce(sa.func.nullif(c.c.verdict, ""), "unscoped")
    return sa.or_(verdict.in_(("unscoped", "deny")), status.in_(("rejected", "blocked")))


def _calls(window: Window) -> tuple[Any, list[Any]]:
    """The events table as the calls' alias, and the review's calls of it. ``kind`` is
    compared with a literal: the call indexes are partial (``WHERE kind = 'tool_call'``), and
    a database proves a query within one only from the literal text."""
    c = _EVENTS.alias("c")
    kind = c.c.kind == sa.literal_column("'tool_call'")
    return c, [kind, *window.of_sessions(c.c), *window.period(c.c)]


def call_bounds(groups: Sequence[Mapping[str, Any]]) -> tuple[str | None, str | None]:
    """The first and the last call's time, from the groups."""
    if not groups:
        return None, None
    return min(str(g["first_ts"]) for g in groups), max(str(g["last_ts"]) for g in groups)


#: What a group is: the columns of the call index ``ix_events_calls``, in its order (the
#: database groups as it reads the index, without sorting).
_GROUP_KEY = (
    "session", "agent", "task", "tool", "verdict", "rule", "result_status", "status", "label",
)  # fmt: skip


def group_statement(
    sql: _Sql, window: Window, extra: Callable[[Any], list[Any]] | None = None
) -> Any:
    """The ``GROUP BY`` of :func:`call_groups`: over the call index, in its order. Each
    group's first and latest call are ``ts + SEP + id`` text (the latest ``+ SEP + call_id``).

    On SQLite the ``GROUP BY`` takes only the first and latest time, and two index lookups
    per group then name the call at each (the lowest id at the first time, the highest at the
    latest): building a comparable text for every call cost more than the whole grouping."""
    c, where = _calls(window)
    if extra is not None:  # more conditions on the calls' alias
        where = [*where, *extra(c)]
    status = _status(c)
    keys = [c.c[name] for name in _GROUP_KEY]
    rejected = sql.id_list(sa.case((status == "rejected", c.c.id), else_=sa.null()))
    if sql.pg:
        key = sa.func.coalesce(c.c.call_id, "")
        stamp = c.c.ts + _SEP + sql.padded_id(c.c.id)
        return (
            sa.select(
                *keys,
                sa.func.count().label("count"),
                sa.func.min(sql.text_order(stamp)).label("first"),
                sa.func.max(sql.text_order(stamp + _SEP + key)).label("last"),
                rejected.label("rejected"),
            )
            .where(*where)
            .group_by(*keys)
        )
    g = (
        sa.select(
            *keys,
            sa.func.count().label("count"),
            sa.func.min(c.c.ts).label("first_ts"),
            sa.func.max(c.c.ts).label("last_ts"),
            rejected.label("rejected"),
        )
        .where(*where)
        .group_by(*keys)
        .subquery("g")
    )
    e = _EVENTS.alias("e")
    same = [
        e.c.kind == sa.literal_column("'tool_call'"),
        e.c.session == g.c.session,
        *(e.c[name].is_not_distinct_from(g.c[name]) for name in _GROUP_KEY[1:]),
    ]
    first_id = sa.select(sa.func.min(e.c.id)).where(*same, e.c.ts == g.c.first_ts).scalar_subquery()
    last = (
        sa.select(sa.cast(e.c.id, sa.Text) + _SEP + sa.func.coalesce(e.c.call_id, ""))
        .where(*same, e.c.ts == g.c.last_ts)
        .order_by(e.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return sa.select(
        *(g.c[name] for name in _GROUP_KEY),
        g.c.count,
        (g.c.first_ts + _SEP + sa.cast(first_id, sa.Text)).label("first"),
        (g.c.last_ts + _SEP + last).label("last"),
        g.c.rejected,
    )


def _whole(window: Window, sc: Any) -> list[Any]:
    """A session's calls all in the review's period (its span in ``session_calls``)."""
    out: list[Any] = []
    if window.since is not None:
        out.append(sc.first_ts >= window.since)
    if window.until is not None:
        out.append(sc.last_ts < window.until)
    return out


def whole_sessions(
    window: Window, *, sequence: bool = False, pending: bool = False
) -> sa.Select[Any]:
    """The sessions under review whose calls are all in the period (``sequence``: and whose
    folded sequence is kept; ``pending``: and that have calls waiting for their result):
    counted from the tables ``record_batch`` keeps (schema 8)."""
    sc = _SESSION_CALLS.c
    where = [*_in_window(window, sc.session), *_whole(window, sc)]
    if sequence:
        where.append(sc.stale == 0)
    if pending:
        where.append(sc.pending > 0)
    return sa.select(sc.session).where(*where)


def other_sessions(window: Window, *, sequence: bool = False) -> sa.Select[Any] | None:
    """The sessions under review not in :func:`whole_sessions` (cut by the period, or with no
    kept sequence): counted from the index. ``None`` when there are none to look for."""
    sc = _SESSION_CALLS.c
    whole = _whole(window, sc)
    cond: list[Any] = []
    if whole:
        cond.append(sa.not_(sa.and_(*whole)))
    if sequence:
        cond.append(sc.stale != 0)
    if not cond:
        return None
    return sa.select(sc.session).where(*_in_window(window, sc.session), sa.or_(*cond))


def _in_window(window: Window, column: Any) -> list[Any]:
    return [] if window.sessions is None else [column.in_(window.sessions)]


def call_groups(conn: Connection, window: Window) -> list[dict[str, Any]]:
    """The calls of the review, grouped (see :meth:`ReviewBuilder.add_call_groups`). A session
    whose calls are all in the period reads its groups from ``call_groups`` (kept by the
    store as it writes the calls, schema 8), plus those of its calls still waiting for their
    result, grouped from ``ix_events_pending``; a session the period cuts is grouped from the
    call index (one ``GROUP BY``). The groups alike in what the review counts (the derived
    status) are merged here. A shell group's ``input`` is one of its calls' input (every
    call of the group has the same label: the builder reads the same from any of them); an
    out-of-scope group's ``summary`` is its first call's."""
    merged: dict[tuple[Any, ...], dict[str, Any]] = {}
    sql = _Sql(conn)

    def merge(
        k: tuple[Any, ...],
        count: int,
        first: tuple[str, int],
        last: tuple[str, int, str],
        rejected: Any,
        summary: Any = None,
    ) -> None:
        group = merged.get(k)
        if group is None:
            session, agent, task, tool, verdict, rule, derived, label = k
            merged[k] = {
                "session": session, "agent": agent, "task": task, "tool": tool,
                "verdict": verdict, "rule": rule, "status": derived, "label": label,
                "count": count, "first": first, "last": last, "rejected": rejected,
                "summary_of": (first[1], summary),
            }  # fmt: skip
            return
        group["count"] += count
        if first < group["first"]:
            group["first"] = first
            group["summary_of"] = (first[1], summary)
        group["last"] = max(group["last"], last)
        if rejected:
            group["rejected"] = f"{group['rejected']},{rejected}" if group["rejected"] else rejected

    def grouped(extra: Callable[[Any], list[Any]]) -> None:
        for row in conn.execute(group_statement(sql, window, extra)):
            session, agent, task, tool, verdict, rule, result_status, own, label = row[:9]
            count, first, last, rejected = row[9:]
            first_ts, first_id = str(first).split(_SEP, 1)
            last_ts, last_id, last_call = str(last).split(_SEP, 2)
            k = (session, agent, task, tool, verdict, rule, _status_of(result_status, own), label)
            merge(
                k, int(count), (first_ts, int(first_id)),
                (last_ts, int(last_id), last_call), rejected,
            )  # fmt: skip

    whole = whole_sessions(window)
    g = _CALL_GROUPS.c
    stmt = sa.select(
        g.session, g.agent, g.task, g.tool, g.verdict, g.rule, g.status, g.label, g.calls,
        g.first_ts, g.first_id, g.last_ts, g.last_id, g.last_call_id, g.summary, g.rejected,
    ).where(g.session.in_(whole))  # fmt: skip
    for row in _raw_rows(conn, stmt):
        merge(
            row[:8], int(row[8]), (row[9], int(row[10])),
            (row[11], int(row[12]), row[13] or ""), row[15], row[14],
        )  # fmt: skip
    grouped(
        lambda c: [
            c.c.result_status.is_(None),
            c.c.call_id.is_not(None),
            c.c.session.in_(whole_sessions(window, pending=True)),
        ]
    )
    cut = other_sessions(window)
    if cut is not None:
        grouped(lambda c: [c.c.session.in_(cut)])
    out = []
    for group in merged.values():
        first_ts, first_id = group.pop("first")
        last_ts, last_id, last_call = group.pop("last")
        summary_id, summary = group.pop("summary_of")
        group.update(
            first_ts=first_ts,
            first_id=first_id,
            last_ts=last_ts,
            last_id=last_id,
            last_call_id=last_call or None,
            summary=summary if summary_id == first_id and summary is not None else "",
            input=None,
            summary_read=summary_id == first_id and summary is not None,
        )
        out.append(group)
    _inputs_and_examples(conn, out)
    return out


def _inputs_and_examples(conn: Connection, groups: list[dict[str, Any]]) -> None:
    """A shell group's ``input`` (one call's, per distinct tool and label) and an out-of-scope
    group's ``summary`` (its first call's), read by id."""
    by_label: dict[tuple[str, Any], int] = {}
    for g in groups:
        if g["tool"] in SHELL_NAMES:
            by_label.setdefault((g["tool"], g["label"]), g["first_id"])
    oos = [g for g in groups if _out_of_scope(g) and not g.pop("summary_read", False)]
    for g in groups:
        g.pop("summary_read", None)
    e = _EVENTS.c
    wanted = sorted(set(by_label.values()) | {int(g["first_id"]) for g in oos})
    rows = {r["id"]: r for r in _by_ids(conn, wanted, e.input, e.summary)}
    for g in groups:
        if g["tool"] in SHELL_NAMES:
            g["input"] = rows[by_label[(g["tool"], g["label"])]]["input"]
    for g in oos:
        g["summary"] = rows[int(g["first_id"])]["summary"]


#: Text prefixes of a stored time naming its day, hour, minute and second, with their length
#: in seconds, coarsest first.
_PREFIXES = ((10, 86400), (13, 3600), (16, 60), (19, 1))


def activity(
    conn: Connection, window: Window, grid: tuple[int, int, int], calls: int | None = None
) -> dict[tuple[int, str], int]:
    """Calls per (bucket of the activity chart's ``grid``, verdict).

    On SQLite, given ``calls`` (the review's number of calls; a review of every agent), each
    (verdict, bucket) is one count over a range of ``ix_events_activity`` (verdict, time;
    schema 7): a few hundred index range counts, no call read (:func:`_activity_by_ranges`).
    Those count every call of the period, a superset of the review's (which are those of the
    sessions under review): the same total means the same calls, else the chart is counted
    the other way. Otherwise (PostgreSQL, a review of an agent or a session, a total that
    differs) the database counts them per verdict and the coarsest stored-time prefix a
    bucket is made of (an hour, a minute: the buckets start on multiples of their size),
    which costs no date arithmetic a call; each prefix is then placed in its bucket here."""
    if calls is not None and conn.dialect.name == "sqlite":
        ranged = _activity_by_ranges(conn, window, grid)
        if sum(ranged.values()) == calls:
            return ranged
    c, where = _calls(window)
    start, size, _ = grid
    length = next((n for n, unit in _PREFIXES if size % unit == 0 and start % unit == 0), 19)
    prefix = sa.func.substr(c.c.ts, 1, length).label("prefix")
    stmt = (
        sa.select(prefix, c.c.verdict, sa.func.count())
        .where(*where)
        .group_by(sa.literal_column("1"), sa.literal_column("2"))
    )
    chart: dict[tuple[int, str], int] = {}
    epochs: dict[str, int] = {}
    for text, verdict, count in conn.execute(stmt):
        seconds = epochs.get(text)
        if seconds is None:
            seconds = epochs[text] = _epoch_of_prefix(str(text))
        k = ((seconds - start) // size, str(verdict or "unscoped"))
        chart[k] = chart.get(k, 0) + int(count)
    return chart


#: One (verdict, bucket) count, from the activity index alone.
_RANGE_COUNT = (
    "SELECT count(*) FROM events INDEXED BY ix_events_activity"
    " WHERE kind = 'tool_call' AND {verdict} AND ts >= ? AND ts < ?"
)
_NULL = "verdict IS NULL"
_FIRST_VERDICT = (
    "SELECT min(verdict) FROM events INDEXED BY ix_events_activity"
    " WHERE kind = 'tool_call' AND verdict IS NOT NULL"
)
_NEXT_VERDICT = (
    "SELECT min(verdict) FROM events INDEXED BY ix_events_activity"
    " WHERE kind = 'tool_call' AND verdict > ?"
)


def _activity_by_ranges(
    conn: Connection, window: Window, grid: tuple[int, int, int]
) -> dict[tuple[int, str], int]:
    """:func:`activity` on SQLite over every session: the calls' verdicts (one index seek
    each, skipping from one to the next), then one range count per verdict and bucket, the
    bucket's bounds cut to the period. Stored times are fixed-width UTC text, so a bucket's
    calls are exactly those whose text is between its bounds'."""
    start, size, count = grid
    bounds = [utc_text(start + i * size) for i in range(count + 1)]
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        verdicts: list[str | None] = [None]
        found = cursor.execute(_FIRST_VERDICT).fetchone()[0]
        while found is not None:
            verdicts.append(str(found))
            found = cursor.execute(_NEXT_VERDICT, (found,)).fetchone()[0]
        chart: dict[tuple[int, str], int] = {}
        for verdict in verdicts:
            sql = _RANGE_COUNT.format(verdict="verdict = ?" if verdict is not None else _NULL)
            head: tuple[str, ...] = () if verdict is None else (verdict,)
            name = verdict or "unscoped"
            for i in range(count):
                lo, hi = bounds[i], bounds[i + 1]
                if window.since is not None and lo < window.since:
                    lo = window.since
                if window.until is not None and hi > window.until:
                    hi = window.until
                if lo >= hi:
                    continue
                n = cursor.execute(sql, (*head, lo, hi)).fetchone()[0]
                if n:
                    chart[(i, name)] = chart.get((i, name), 0) + int(n)
        return chart
    finally:
        cursor.close()


def _epoch_of_prefix(text: str) -> int:
    """Whole epoch seconds at the start of a stored time's prefix (``2026-03-01T09``)."""
    full = text + "0000-01-01T00:00:00"[len(text) :]
    return int(datetime.fromisoformat(full).replace(tzinfo=UTC).timestamp())


def _by_ids(conn: Connection, ids: Sequence[int], *columns: Any) -> list[dict[str, Any]]:
    e = _EVENTS.c
    out: list[dict[str, Any]] = []
    for start in range(0, len(ids), _IN_CHUNK):
        stmt = sa.select(e.id, *columns).where(e.id.in_(list(ids[start : start + _IN_CHUNK])))
        out.extend(dict(row) for row in conn.execute(stmt).mappings())
    return out


def _out_of_scope(g: Mapping[str, Any]) -> bool:
    return str(g.get("verdict") or "unscoped") in ("unscoped", "deny") or g["status"] in (
        "rejected",
        "blocked",
    )


def _raw_rows(conn: Connection, stmt: Any) -> list[tuple[Any, ...]]:
    """All rows of ``stmt`` as the driver's tuples, on the transaction's own connection: half
    a million rows cost a third less than through SQLAlchemy's ``Row``."""
    compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params: Any = compiled.params
    if compiled.positiontup is not None:
        params = [params[name] for name in compiled.positiontup]
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(str(compiled), params)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _sequence_label(c: Any) -> Any:
    """A call's :func:`call_label` from its row, in SQL: a shell call's stored label (the
    tool's family when it has none: its input names no command), any other call's tool."""
    families = [(name, canonical_tool(name)) for name in SHELL_NAMES]
    return sa.case(
        (
            c.c.tool.in_(SHELL_NAMES),
            sa.func.coalesce(c.c.label, sa.case(*((c.c.tool == n, f) for n, f in families))),
        ),
        else_=sa.func.coalesce(c.c.tool, ""),
    )


def sequence_statement(window: Window, sessions: Any = None) -> Any:
    """Each call's session and label, in time order (:func:`sequences`), of ``sessions`` (a
    subquery) when given."""
    c, where = _calls(window)
    if sessions is not None:
        where = [*where, c.c.session.in_(sessions)]
    return (
        sa.select(c.c.session, _sequence_label(c))
        .where(*where)
        .order_by(c.c.session, c.c.ts, c.c.id)
    )


def sequences(
    conn: Connection, window: Window, groups: Sequence[Mapping[str, Any]]
) -> dict[str, list[str]]:
    """Each session's call labels in time order, consecutive repeats folded and padded with
    the last label to the session's call count (all autonomy reads). A session whose calls
    are all in the period reads its folded sequence as the store keeps it (``session_calls``
    and ``call_sequences``, schema 8); the others (cut by the period, or with a call stored
    out of time order) have their calls read in order from the sequence index
    (``ix_events_sequence``: session, time, tool and label), two values each."""
    counts: dict[str, int] = {}
    for g in groups:
        counts[str(g["session"])] = counts.get(str(g["session"]), 0) + int(g["count"])
    out: dict[str, list[str]] = {}
    kept = whole_sessions(window, sequence=True)
    sc, cs = _SESSION_CALLS.c, _CALL_SEQUENCES.c
    chunks: dict[str, list[str]] = {}
    stmt = sa.select(cs.session, cs.labels).where(cs.session.in_(kept))
    for session, labels in _raw_rows(conn, stmt.order_by(cs.session, cs.chunk)):
        chunks.setdefault(str(session), []).extend(orjson.loads(labels))
    for session, tail in _raw_rows(
        conn, sa.select(sc.session, sc.tail).where(sc.session.in_(kept))
    ):
        folded = chunks.pop(str(session), [])
        folded.extend(orjson.loads(tail or "[]"))
        if folded:
            out[str(session)] = folded
    current: list[str] = []
    last_session: Any = None
    previous: Any = None
    others = other_sessions(window, sequence=True)
    rows = _raw_rows(conn, sequence_statement(window, others)) if others is not None else []
    for session, label in rows:
        if session != last_session:
            current = out.setdefault(str(session), [])
            last_session, previous = session, None
        if label != previous:
            current.append(str(label))
            previous = label
    for session, folded in out.items():
        folded.extend([folded[-1]] * (counts.get(session, len(folded)) - len(folded)))
    return out


def flagged(conn: Connection, window: Window) -> list[dict[str, Any]]:
    """Flagged calls and events of the review, by session then time (flags parsed)."""
    out = []
    for row in conn.execute(flag_statement(window)).mappings():
        item = dict(row)
        item["flags"] = _loads(item["flags"])
        out.append(item)
    return out


def flag_statement(window: Window) -> Any:
    """Flagged calls (any ``flags`` text: the builder reads it) and flagged events (their
    counters say so), in order from the partial index ``ix_events_flagged`` (schema 6)."""
    e = _EVENTS.alias("e")
    where = [*window.of_sessions(e.c), *window.period(e.c)]  # every kind
    return (
        sa.select(
            e.c.id,
            e.c.session,
            e.c.ts,
            e.c.kind,
            e.c.tool,
            e.c.call_id,
            e.c.agent,
            e.c.task,
            e.c.flags,
            e.c.summary,
        )
        .where(
            e.c.flags.is_not(None),
            sa.or_(e.c.kind == "tool_call", e.c.flags_safety > 0, e.c.flags_security > 0),
            *where,
        )
        .order_by(e.c.session, e.c.ts, e.c.id)
    )


def out_of_scope_calls(
    conn: Connection, window: Window, session_id: str, limit: int
) -> list[dict[str, Any]]:
    """Up to ``limit`` out-of-scope calls of one session, in time order."""
    c = _EVENTS.alias("c")
    status = _status(c)
    stmt = (
        sa.select(
            c.c.session,
            c.c.ts,
            c.c.tool,
            c.c.agent,
            c.c.task,
            c.c.verdict,
            c.c.rule,
            c.c.summary,
            status.label("status"),
        )
        .where(
            c.c.session == session_id,
            c.c.kind == "tool_call",
            *window.period(c.c),
            _oos(c, status),
        )
        .order_by(c.c.ts, c.c.id)
        .limit(limit)
    )
    return [dict(row) for row in conn.execute(stmt).mappings()]


def rejected_calls(conn: Connection, groups: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The calls rejected in the agent's UI, by id (the groups name them)."""
    ids = sorted(
        {int(i) for g in groups if g.get("rejected") for i in str(g["rejected"]).split(",")}
    )
    e = _EVENTS.c
    rows = _by_ids(
        conn, ids, e.session, e.ts, e.tool, e.call_id, e.agent, e.task, e.verdict, e.rule, e.input
    )
    for row in rows:
        row["status"] = "rejected"
    return rows


def feed(
    conn: Connection,
    builder: ReviewBuilder,
    window: Window,
    order: Sequence[str],
    progress: Callable[[int], None] | None = None,
) -> None:
    """Everything the review reads of tool calls and flagged events, into ``builder``
    (sessions already added, in ``order``)."""
    place = {sid: i for i, sid in enumerate(order)}
    per_session: dict[str, list[dict[str, Any]]] = {}
    for item in flagged(conn, window):
        per_session.setdefault(str(item["session"]), []).append(item)
    for session_id in sorted(per_session, key=lambda s: place.get(s, len(place))):
        items = per_session[session_id]
        for item in items:
            if item["kind"] == "tool_call":
                builder.add_call_flags(item)
        for item in items:
            if item["kind"] != "tool_call":
                builder.add_event(item)
    # The chart's grid needs the first and last call (the groups know them) and every flag.
    groups = call_groups(conn, window)
    grid = builder.activity_grid(*call_bounds(groups))
    builder.add_call_groups(groups)
    if grid is not None:
        every_agent = builder.agent_filter is None and builder.session_filter is None
        total = sum(int(g["count"]) for g in groups) if every_agent else None
        builder.set_activity(activity(conn, window, grid, total))
    builder.set_sequences(sequences(conn, window, groups))
    oos_sessions = {str(g["session"]) for g in groups if _out_of_scope(g)}
    limit = builder.settings.detail_limit
    for session_id in order:
        if limit <= 0:
            break
        if session_id not in oos_sessions:
            continue
        for item in out_of_scope_calls(conn, window, session_id, limit):
            builder.add_out_of_scope_item(item)
            limit -= 1
    rejected = rejected_calls(conn, groups)
    rejected.sort(key=lambda r: (place.get(str(r["session"]), len(place)), r["ts"], r["id"]))
    for row in rejected:
        builder.add_rejected(row)
    if progress is not None:
        calls: dict[str, int] = {}
        for g in groups:
            calls[str(g["session"])] = calls.get(str(g["session"]), 0) + int(g["count"])
        for session_id in order:
            progress(calls.get(session_id, 0))


def session_filter(conditions: list[Any]) -> sa.Select[Any]:
    """The ids of the sessions under review, as a subquery."""
    return sa.select(_SESSIONS.c.id).where(*conditions)


# ------------------------------------------------------------------------------ gate rows


def _has_event(row: Any) -> Any:
    """Whether the gated call is stored as an event (gather's ``_mark_events``, in SQL)."""
    e = _EVENTS.alias("stored")
    return sa.and_(
        row.session.is_not(None),
        row.session != "",
        row.call_id.is_not(None),
        row.call_id != "",
        sa.exists().where(
            e.c.session == row.session, e.c.kind == "tool_call", e.c.call_id == row.call_id
        ),
    )


def approvals(
    conn: Connection, window: Window, order: Sequence[str], as_approval: AsApproval
) -> list[dict[str, Any]]:
    """The approvals of the sessions under review created in the period, in feed order
    (session by session, then created_at, id), read by ``as_approval`` (gather's: the raw
    JSON columns parsed), ``has_event`` set."""
    a = _APPROVALS.alias("a")
    stmt = sa.select(a, sa.case((_has_event(a.c), True), else_=False).label("has_event")).where(
        *window.of_sessions(a.c), *window.period_of(a.c.created_at)
    )
    place = {sid: i for i, sid in enumerate(order)}
    out = []
    for row in conn.execute(stmt).mappings():
        item = as_approval(row)
        item["has_event"] = bool(item["has_event"])
        out.append(item)
    out.sort(key=lambda r: (place.get(str(r["session"]), len(place)), r["created_at"], r["id"]))
    return out


def _decision_filter(d: Any, window: Window, agent: str | None, session: str | None) -> list[Any]:
    """gather's ``iter_decision_pages`` filter: the period, the session, and for an agent's
    review its rows and those of its sessions."""
    out = window.period_of(d.ts)
    if session is not None:
        out.append(d.session == session)
    if agent is not None and window.sessions is not None:
        out.append(sa.or_(d.agent == agent, d.session.in_(window.sessions)))
    return out


def _grouped(d: Any) -> Any:
    """Audit rows counted in groups: the automatic ones about no approval (a deny after an
    approval — the operator's edit met a deny rule — marks that approval's item)."""
    return sa.and_(
        d.outcome.is_not(None),
        d.outcome.in_(sorted(AUTOMATIC_OUTCOMES)),
        sa.or_(d.approval_id.is_(None), d.approval_id == ""),
    )


def automatic_decisions(
    conn: Connection, window: Window, agent: str | None, session: str | None
) -> list[dict[str, Any]]:
    """The automatic audit rows of the review, grouped (:meth:`add_decision_group`)."""
    d = _DECISIONS.alias("d")
    has_event = sa.case((_has_event(d.c), 1), else_=0)
    stmt = (
        sa.select(
            d.c.outcome,
            d.c.agent,
            d.c.session,
            d.c.task,
            d.c.rule,
            has_event.label("has_event"),
            sa.func.count().label("count"),
            sa.func.max(d.c.ts).label("ts"),
        )
        .where(_grouped(d.c), *_decision_filter(d.c, window, agent, session))
        .group_by(*(sa.literal_column(str(i)) for i in range(1, 7)))
    )
    out = []
    for row in conn.execute(stmt).mappings():
        item = dict(row)
        item["has_event"] = bool(item["has_event"])
        out.append(item)
    return out


def _automatic(d: Any) -> Any:
    """An automatic outcome (counted by the builder as such, whatever its approval)."""
    return sa.and_(d.outcome.is_not(None), d.outcome.in_(sorted(AUTOMATIC_OUTCOMES)))


def _gated(d: Any) -> Any:
    """An audit row the review itemises (while ``detail_limit`` lasts): not automatic."""
    return sa.not_(_automatic(d))


def item_cutoff(
    conn: Connection, window: Window, agent: str | None, session: str | None, limit: int
) -> int | None:
    """The chain position of the last audit row the review itemises (the ``limit``-th row
    that is not automatic) when more follow it, else ``None`` (every one is itemised)."""
    d = _DECISIONS.alias("d").c
    where = [_gated(d), *_decision_filter(d, window, agent, session)]
    if limit <= 0:
        return -(2**31)  # before every chain position (an INTEGER on PostgreSQL)
    stmt = sa.select(d.seq).where(*where).order_by(d.seq).offset(limit - 1).limit(1)
    seq = conn.execute(stmt).scalar_one_or_none()
    if seq is None:
        return None
    later = sa.select(d.seq).where(*where, d.seq > seq).limit(1)
    return int(seq) if conn.execute(later).first() is not None else None


def other_decisions(
    conn: Connection,
    window: Window,
    agent: str | None,
    session: str | None,
    cutoff: int | None = None,
) -> list[dict[str, Any]]:
    """The audit rows read one by one (every outcome but the automatic ones about no
    approval), in chain order, ``has_event`` set: all of them, or given ``cutoff`` (see
    :func:`item_cutoff`) those up to it and after it only the automatic ones (a deny after
    an approval: it marks that approval's item); the others after it are counted in groups
    (:func:`gated_tallies`, :func:`gated_waits`). ``has_event`` is looked up for automatic
    rows only (the builder reads it of no other)."""
    d = _DECISIONS.alias("d")
    c = d.c
    where = [sa.not_(_grouped(c)), *_decision_filter(c, window, agent, session)]
    if cutoff is not None:
        where.append(sa.or_(c.seq <= cutoff, _automatic(c)))
    has_event = sa.case((sa.and_(_automatic(c), _has_event(c)), True), else_=False)
    stmt = (
        sa.select(
            c.seq,
            c.ts,
            c.operator,
            c.action,
            c.outcome,
            c.session,
            c.approval_id,
            c.call_id,
            c.agent,
            c.task,
            c.tool,
            c.rule,
            c.reason,
            has_event.label("has_event"),
        )
        .where(*where)
        .order_by(c.seq)
    )
    out = []
    for row in conn.execute(stmt).mappings():
        item = dict(row)
        item["has_event"] = bool(item["has_event"])
        out.append(item)
    return out


def gated_tallies(
    conn: Connection, window: Window, agent: str | None, session: str | None, cutoff: int
) -> list[dict[str, Any]]:
    """The audit rows after ``cutoff`` that are not automatic, counted by outcome, agent and
    session (:meth:`~overseer.report.review.ReviewBuilder.add_decision_tally`)."""
    d = _DECISIONS.alias("d").c
    stmt = (
        sa.select(d.outcome, d.agent, d.session, sa.func.count().label("count"))
        .where(_gated(d), *_decision_filter(d, window, agent, session), d.seq > cutoff)
        .group_by(d.outcome, d.agent, d.session)
    )
    return [dict(row) for row in conn.execute(stmt).mappings()]


def gated_waits(
    conn: Connection, window: Window, agent: str | None, session: str | None, cutoff: int
) -> list[tuple[Any, ...]]:
    """Each decided or timed-out audit row after ``cutoff`` that has its approval: (outcome,
    time, the approval's ``created_at``), what time to decide is computed from (the builder
    finds an approval by the row's ``approval_id``, or the empty text)."""
    d_table = _DECISIONS.alias("d")
    a_table = _APPROVALS.alias("a")
    d, a = d_table.c, a_table.c
    stmt = (
        sa.select(d.outcome, d.ts, a.created_at)
        .select_from(d_table.join(a_table, a.id == sa.func.coalesce(d.approval_id, "")))
        .where(
            d.outcome.in_(("approved", "denied", "timed_out")),
            *_decision_filter(d, window, agent, session),
            d.seq > cutoff,
        )
    )
    return _raw_rows(conn, stmt)


def feed_gate(
    conn: Connection,
    builder: ReviewBuilder,
    window: Window,
    order: Sequence[str],
    agent: str | None,
    session: str | None,
    as_approval: AsApproval,
) -> None:
    """Approvals and audit rows into ``builder``: automatic decisions counted in groups, the
    others row by row while they are itemised (``detail_limit``), then counted in groups by
    outcome, agent and session, with each one's wait read beside its approval's time (time
    to decide needs each). ``as_approval`` reads an approval row (gather's, so that both
    readings agree)."""
    for approval in approvals(conn, window, order, as_approval):
        builder.add_approval(approval)
    for group in automatic_decisions(conn, window, agent, session):
        builder.add_decision_group(group, int(group["count"]))
    cutoff = item_cutoff(conn, window, agent, session, builder.settings.detail_limit)
    rows = other_decisions(conn, window, agent, session, cutoff)
    wanted = {str(d["approval_id"]) for d in rows if d["approval_id"]} - set(builder.approvals)
    for approval in _approvals_by_id(conn, sorted(wanted), as_approval):
        builder.approvals[str(approval["id"])] = approval  # for time to decide only
    for decision in rows:
        builder.add_decision(decision)
    if cutoff is None:
        return
    # Past the itemised rows: counted in groups, and each one's wait.
    for tally in gated_tallies(conn, window, agent, session, cutoff):
        builder.add_decision_tally(tally, int(tally["count"]))
    for outcome, ts, created in gated_waits(conn, window, agent, session, cutoff):
        builder.add_decision_wait(str(outcome or "errored"), ts, created)


def _approvals_by_id(
    conn: Connection, ids: Sequence[str], as_approval: AsApproval
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for start in range(0, len(ids), _IN_CHUNK):
        chunk = list(ids[start : start + _IN_CHUNK])
        stmt = sa.select(_APPROVALS).where(_APPROVALS.c.id.in_(chunk))
        out.extend(as_approval(row) for row in conn.execute(stmt).mappings())
    return out
