"""The full store: opening/creating the database, ingestion batches, and the app's queries.

SQLAlchemy Core over the SQLModel tables (:mod:`.tables`) rather than ORM sessions: a batch of
events is one multi-row ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` instead of thousands of
identity-mapped objects, and the same statements run on SQLite and PostgreSQL.

Decisions and approvals are written through :mod:`.lean` (one implementation of the gate
protocol and the chain, shared with the hook); :class:`Store` only forwards to it.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TextIO

import orjson
import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.dialects import postgresql as pg_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

from overseer.config import UNKNOWN_AGENT
from overseer.model import CallStatus, Event, EventKind, Problem, Verdict
from overseer.store import (
    SCHEMA_VERSION,
    AlreadyDecided,
    StoreError,
    UnknownApproval,
    check_version,
    clean_text,
    is_postgres,
    parse_utc_text,
    resolve_db,
    sqlalchemy_url,
    sqlite_path,
    utc_text,
)
from overseer.store import audit as _audit
from overseer.store import callsum as _callsum
from overseer.store import edits as _edits
from overseer.store import lean as _lean
from overseer.store.chain import COLUMNS, VerifyResult
from overseer.store.tables import (
    APPEND_ONLY_POSTGRES,
    APPEND_ONLY_SQLITE,
    REVEALS_APPEND_ONLY_POSTGRES,
    REVEALS_APPEND_ONLY_SQLITE,
    AgentRow,
    ApprovalRow,
    CallGroupRow,
    CallSequenceRow,
    CheckpointRow,
    DecisionRow,
    EventRow,
    GrantRow,
    MetaRow,
    NotificationRow,
    OffsetRow,
    ProblemRow,
    RevealRow,
    SessionCallsRow,
    SessionRow,
)
from overseer.untrusted import neutralise

#: Raw tool outputs and message texts above this many characters are cut (noted on the row).
OUTPUT_CAP = 256 * 1024
_SQLITE_BUSY_MS = 30_000
_SQLITE_PAGE_SIZE = 16384
_SQLITE_CACHE_KB = 32 * 1024
_SCHEMA_LOCK = 0x6F76657273636D61  # advisory lock while creating the schema on PostgreSQL
_EVENTS_CHANNEL = "overseer_events"

TABLES: tuple[type[SQLModel], ...] = (
    MetaRow, AgentRow, SessionRow, EventRow, ApprovalRow, DecisionRow, OffsetRow, ProblemRow,
    CheckpointRow, GrantRow, RevealRow, NotificationRow, CallGroupRow, SessionCallsRow,
    CallSequenceRow,
)  # fmt: skip
_META: sa.Table = MetaRow.__table__  # type: ignore[attr-defined]
_AGENTS: sa.Table = AgentRow.__table__  # type: ignore[attr-defined]
_SESSIONS: sa.Table = SessionRow.__table__  # type: ignore[attr-defined]
_EVENTS: sa.Table = EventRow.__table__  # type: ignore[attr-defined]
_APPROVALS: sa.Table = ApprovalRow.__table__  # type: ignore[attr-defined]
_DECISIONS: sa.Table = DecisionRow.__table__  # type: ignore[attr-defined]
_OFFSETS: sa.Table = OffsetRow.__table__  # type: ignore[attr-defined]
_PROBLEMS: sa.Table = ProblemRow.__table__  # type: ignore[attr-defined]
_REVEALS: sa.Table = RevealRow.__table__  # type: ignore[attr-defined]


# ------------------------------------------------------------------------------ result types


@dataclass(slots=True, frozen=True)
class SessionSummary:
    """One row of the sessions screen. ``status`` is ``idle`` for a live session quiet for
    longer than the ``idle_after`` the query was given."""

    id: str
    agent: str | None
    task: str | None
    status: str
    cwd: str | None
    pid: int | None
    host: str | None
    parent_session: str | None
    started_at: datetime | None
    ended_at: datetime | None
    end_reason: str | None
    last_event_at: datetime | None
    events: int
    tool_calls: int
    pending_approvals: int
    flags: dict[str, int]  # {"safety": n, "security": n}
    last_tool: str | None
    last_tool_at: datetime | None
    killed_by: str | None


@dataclass(slots=True, frozen=True)
class TimelineCall:
    """A tool call with its result paired by ``call_id``; no result yet → ``status`` pending.

    Display fields were neutralised at ingest; ``flags`` are dicts (detector, category,
    message, owasp, severity).
    """

    event_id: int
    ts: datetime | None
    seq: int | None
    tool: str | None
    call_id: str | None
    agent: str | None
    task: str | None
    verdict: str | None
    rule: str | None
    flags: list[dict[str, Any]]
    summary: str
    input_display: str
    status: str  # CallStatus value: pending, ok, error, rejected, blocked, interrupted
    result_event_id: int | None
    result_ts: datetime | None
    output_display: str
    is_error: bool
    output_truncated: bool
    approval_id: str | None
    approval_status: str | None
    source: str | None
    line: int | None
    #: ``edited`` (approved with the operator's edit), ``edit_denied`` (that edit met a deny
    #: rule: nothing ran), ``denied_after`` (approved, then denied by the gate), else ``None``.
    approval_edit: str | None = None


@dataclass(slots=True, frozen=True)
class StoredProblem:
    """A stored :class:`overseer.model.Problem` with its id and when it was recorded."""

    id: int
    source: str
    line: int | None
    reason: str
    excerpt: str
    recorded_at: datetime | None


@dataclass(slots=True)
class _SessionDelta:
    """What one batch changes on one session row."""

    meta: dict[str, Any] = field(default_factory=dict)  # latest non-null agent/task/cwd/...
    started_at: str | None = None
    ended_at: str | None = None
    end_reason: str | None = None
    status: str | None = None
    first_ts: str | None = None
    source: str | None = None
    events: int = 0
    calls: int = 0
    safety: int = 0
    security: int = 0
    last_ts: str | None = None
    last_tool: str | None = None
    last_tool_at: str | None = None


# ------------------------------------------------------------------------------------- open


def open_store(db: str | None = None) -> Store:
    """Open (creating if needed) the store; see :func:`overseer.store.open_store`."""
    target = resolve_db(db)
    url = sqlalchemy_url(target)
    where = _lean._redact(target)
    if not is_postgres(target):
        _prepare_sqlite_file(sqlite_path(target))
    engine = _make_engine(url)
    try:
        with _errors(where):
            _init_schema(engine, where)
    except BaseException:
        engine.dispose()
        raise
    return Store(target, engine)


@contextmanager
def _errors(where: str) -> Iterator[None]:
    """Driver and SQLAlchemy errors become one-line :class:`StoreError` s."""
    try:
        yield
    except StoreError:
        raise
    except Exception as exc:
        # SQLAlchemy's, or the driver's own (the batch writes go through the raw connection)
        if not isinstance(exc, sa.exc.SQLAlchemyError | sqlite3.Error) and not type(
            exc
        ).__module__.startswith("psycopg"):
            raise
        orig = getattr(exc, "orig", None) or exc
        text = str(orig).strip().splitlines()
        raise StoreError(f"{where}: {text[0] if text else type(orig).__name__}") from exc


def _prepare_sqlite_file(path: str) -> None:
    """Create the database file with mode 0600 before SQLite opens it (SQLite gives the
    ``-wal``/``-shm`` files the same mode), in a 0700 directory when we create that too."""
    directory = os.path.dirname(path)
    try:
        if directory and not os.path.isdir(directory):
            os.makedirs(directory, mode=0o700, exist_ok=True)
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    except OSError as exc:
        raise StoreError(f"{path}: cannot create the database: {exc.strerror}") from None
    os.close(fd)


def _make_engine(url: str) -> Engine:
    if url.startswith("postgresql"):
        return sa.create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 10})
    engine = sa.create_engine(
        url, connect_args={"timeout": _SQLITE_BUSY_MS / 1000, "check_same_thread": False}
    )

    @sa_event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (see _on_begin)
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_MS}")
        # A new store's pages (a no-op on an existing one): an event row with its result's
        # text is ~1-2 KB, over the ~1 KB a 4 KB page keeps in its B-tree cell, so at 4 KB
        # most rows also took an overflow page of their own (82 MB for 50,000 events, 70 MB
        # at 16 KB, and a quarter less time writing them). Set before WAL: it is fixed then.
        cur.execute(f"PRAGMA page_size={_SQLITE_PAGE_SIZE}")
        cur.execute("PRAGMA journal_mode=WAL")
        # The page cache of this connection, grown as needed: a 4 MB batch touches the
        # table's and six indexes' pages; at the default 2 MB they were spilled and re-read.
        cur.execute(f"PRAGMA cache_size=-{_SQLITE_CACHE_KB}")
        cur.execute("PRAGMA synchronous=NORMAL")  # WAL: safe against corruption, fast
        cur.close()

    @sa_event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Read-then-write transactions must take the write lock up front: a deferred
        # transaction that upgrades later fails with "database is locked" under contention.
        immediate = conn.get_execution_options().get("immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _read_version(conn: Connection) -> int | None:
    if not sa.inspect(conn).has_table("meta"):
        return None
    value = conn.execute(
        sa.select(_META.c.value).where(_META.c.key == "schema_version")
    ).scalar_one_or_none()
    return None if value is None else int(value)


def _init_schema(engine: Engine, where: str) -> None:
    """Create the schema once, or bring an older one up to date; refuse a newer one; leave a
    foreign database alone. Serialised (BEGIN IMMEDIATE / advisory lock) so that two
    processes starting together neither race nor half-create."""
    with engine.connect() as conn:
        version = _read_version(conn)
    if version is not None:
        check_version(version, where)
        if version == SCHEMA_VERSION:
            return
    pg = engine.dialect.name == "postgresql"
    with engine.connect() as conn:
        conn.execution_options(immediate=True)
        with conn.begin():
            if pg:
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _SCHEMA_LOCK})
            version = _read_version(conn)  # someone may have done it while we waited
            if version is None:
                _create(conn, where, pg)
                return
            check_version(version, where)
            for target in range(version + 1, SCHEMA_VERSION + 1):
                _MIGRATIONS[target](conn, pg)
            conn.execute(
                sa.update(_META)
                .where(_META.c.key == "schema_version")
                .values(value=str(SCHEMA_VERSION))
            )


def _create(conn: Connection, where: str, pg: bool) -> None:
    foreign = [t for t in sa.inspect(conn).get_table_names() if t != "meta"]
    if foreign:
        listed = ", ".join(sorted(foreign)[:5])
        raise StoreError(f"{where}: not an overseer database (it has tables {listed})")
    tables = [t.__table__ for t in TABLES]  # type: ignore[attr-defined]
    SQLModel.metadata.create_all(conn, tables=tables)
    if pg:
        ddl = [*APPEND_ONLY_POSTGRES, *REVEALS_APPEND_ONLY_POSTGRES]
    else:
        ddl = [*APPEND_ONLY_SQLITE, *REVEALS_APPEND_ONLY_SQLITE]
    for statement in ddl:
        conn.exec_driver_sql(statement)
    conn.execute(
        sa.insert(_META),
        [
            {"key": "schema_version", "value": str(SCHEMA_VERSION)},
            {"key": "created_at", "value": utc_text()},
        ],
    )


def _migrate_2(conn: Connection, pg: bool) -> None:
    """1 → 2: session grants and the reveal log."""
    tables = [GrantRow.__table__, RevealRow.__table__]  # type: ignore[attr-defined]
    SQLModel.metadata.create_all(conn, tables=tables)
    for statement in REVEALS_APPEND_ONLY_POSTGRES if pg else REVEALS_APPEND_ONLY_SQLITE:
        conn.exec_driver_sql(statement)


def _migrate_3(conn: Connection, pg: bool) -> None:
    """2 → 3: the call dedupe index becomes a plain unique index (the partial one was not used
    to pair results with calls, so paging a big timeline scanned the session per row)."""
    conn.exec_driver_sql("DROP INDEX IF EXISTS ux_events_call")
    conn.exec_driver_sql("CREATE UNIQUE INDEX ux_events_call ON events (session, kind, call_id)")


def _migrate_4(conn: Connection, pg: bool) -> None:
    """3 → 4: a partial index of the chain's ``killed`` rows: the gate asks the chain, not the
    sessions table an agent could edit, whether a session was killed (one lookup per call)."""
    conn.exec_driver_sql(
        "CREATE INDEX IF NOT EXISTS ix_decisions_killed ON decisions (session)"
        " WHERE outcome = 'killed'"
    )


def _migrate_5(conn: Connection, pg: bool) -> None:
    """4 → 5: the notifications table (who paged whom about which approval, once)."""
    SQLModel.metadata.create_all(conn, tables=[NotificationRow.__table__])  # type: ignore[attr-defined]


def _migrate_6(conn: Connection, pg: bool) -> None:
    """5 → 6: each tool call holds its result's status and its action label, and the review's
    indexes (issue 16); both columns filled for the calls already stored."""
    have = {c["name"] for c in sa.inspect(conn).get_columns("events")}
    for column in ("result_status", "label"):
        if column not in have:
            conn.exec_driver_sql(f"ALTER TABLE events ADD COLUMN {column} VARCHAR")
    fill_call_columns(conn)
    for index in _EVENTS.indexes:
        if index.name in _INDEXES_6:
            index.create(conn, checkfirst=True)


def fill_call_columns(conn: Connection) -> None:
    """Set every stored call's ``result_status`` from its result (one correlated UPDATE) and
    each shell call's ``label`` from its stored input: the reading ``record_batch`` makes of
    a new call, for rows written another way (a migrated store, rows inserted as stored)."""
    conn.exec_driver_sql(
        "UPDATE events SET result_status = (SELECT " + _RESULT_STATUS_SQL + " FROM events r"
        " WHERE r.session = events.session AND r.kind = 'tool_result'"
        " AND r.call_id = events.call_id)"
        " WHERE kind = 'tool_call'"
    )
    e = _EVENTS.c
    shells = sorted(shell_tool_names())
    query = sa.select(e.id, e.tool, e.input).where(e.kind == "tool_call", e.tool.in_(shells))
    labelled = [
        {"row_id": row_id, "value": call_label_of(tool, text)}
        for row_id, tool, text in conn.execute(query).all()
    ]
    if labelled:
        conn.execute(
            sa.update(_EVENTS)
            .where(e.id == sa.bindparam("row_id"))
            .values(label=sa.bindparam("value")),
            labelled,
        )


_INDEXES_6 = ("ix_events_calls", "ix_events_sequence", "ix_events_flagged")


def _migrate_7(conn: Connection, pg: bool) -> None:
    """6 → 7: the index the review's activity chart counts from (verdict, time)."""
    for index in _EVENTS.indexes:
        if index.name == "ix_events_activity":
            index.create(conn, checkfirst=True)


def _migrate_8(conn: Connection, pg: bool) -> None:
    """7 → 8: the review's call counts kept as calls are written (``call_groups``,
    ``session_calls``, ``call_sequences``: derived data, :mod:`overseer.store.callsum`) and
    the index of calls still waiting for their result, all filled from the stored calls."""
    tables = [CallGroupRow.__table__, SessionCallsRow.__table__, CallSequenceRow.__table__]  # type: ignore[attr-defined]
    SQLModel.metadata.create_all(conn, tables=tables)
    for index in _EVENTS.indexes:
        if index.name == "ix_events_pending":
            index.create(conn, checkfirst=True)
    fill_review_counts(conn)


def fill_review_counts(conn: Connection) -> None:
    """Rebuild the review's call counts (``call_groups``, ``session_calls``,
    ``call_sequences``) from the stored calls, in ``conn``'s transaction, with the fold
    ``record_batch`` uses (:func:`overseer.store.callsum.fill_call_summaries`): for rows
    written another way (a migrated store, rows inserted as stored, after
    :func:`fill_call_columns`)."""
    _callsum.fill_call_summaries(
        conn.connection.driver_connection, conn.dialect.name == "postgresql"
    )


#: version → the step that brings the previous version to it (run in order, one transaction).
_MIGRATIONS = {
    2: _migrate_2, 3: _migrate_3, 4: _migrate_4, 5: _migrate_5, 6: _migrate_6, 7: _migrate_7,
    8: _migrate_8,
}  # fmt: skip


# ------------------------------------------------------------------------------ conversions


def _json(value: Any) -> str:
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode("utf-8")
    except (TypeError, orjson.JSONEncodeError):
        # Lone surrogates, >64-bit ints, odd types: escaped ASCII JSON always encodes.
        return json.dumps(value, ensure_ascii=True, default=str)


def _value(item: Any) -> str | None:
    if item is None:
        return None
    return str(getattr(item, "value", item))


def _flag_dict(flag: Any) -> dict[str, Any]:
    return {
        "detector": str(flag.detector),
        "category": _value(flag.category),
        "message": str(flag.message),
        "owasp": [str(o) for o in flag.owasp],
        "severity": str(flag.severity),
    }


#: The events table's columns as ``record_batch`` writes them (every one but ``id``), in the
#: order of :func:`_event_row`'s list: one fixed-shape INSERT for every batch.
EVENT_COLUMNS = (
    "session", "kind", "ts", "seq", "agent", "task", "tool", "call_id", "approval_id", "role",
    "text", "input", "output", "output_chars", "output_truncated", "is_error", "status",
    "verdict", "rule", "flags", "flags_safety", "flags_security", "summary", "input_display",
    "output_display", "reason", "parent_session", "source", "line", "extra", "result_status",
    "label",
)  # fmt: skip
_SESSION, _KIND, _TS, _AGENT, _TASK, _TOOL, _CALL_ID = 0, 1, 2, 4, 5, 6, 7
_INPUT, _IS_ERROR, _STATUS, _VERDICT, _RULE, _SAFETY, _SECURITY = 11, 15, 16, 17, 18, 20, 21
_SUMMARY = 22
_REASON, _PARENT, _SOURCE, _RESULT_STATUS, _LABEL = 25, 26, 27, 30, 31

#: The status a stored result gives its call, in SQL over the result row ``r`` (the
#: timeline's reading, ``_call_status``: the result's own status, else error or ok).
_RESULT_STATUS_SQL = (
    "CASE WHEN r.status IS NOT NULL AND r.status != '' THEN r.status"
    " WHEN r.is_error THEN 'error' ELSE 'ok' END"
)


def _result_status(status: str | None, is_error: bool) -> str:
    """:data:`_RESULT_STATUS_SQL` of a result row about to be written."""
    return status if status else "error" if is_error else "ok"


def shell_tool_names() -> frozenset[str]:
    """:func:`overseer.labels.shell_tool_names` (imported when first needed)."""
    from overseer.labels import shell_tool_names as names

    return names()


_STORED_LABEL: Any = None


def call_label_of(tool: str | None, text: str | None) -> str | None:
    """The ``label`` column of a tool call: :func:`overseer.labels.stored_label` (imported
    when first needed: the policy's shell reading is not part of opening a store)."""
    global _STORED_LABEL
    if _STORED_LABEL is None:
        from overseer.labels import stored_label

        _STORED_LABEL = stored_label
    return _STORED_LABEL(tool, text)  # type: ignore[no-any-return]


def _clean_sqlite(text: Any) -> Any:
    if type(text) is not str or text.isascii():
        return text
    return clean_text(text, False)


def _clean_pg(text: Any) -> Any:
    return clean_text(text, True) if type(text) is str else text


def _ts_text(ts: Any) -> str:
    """:func:`utc_text` of an event's time, the common case (an aware UTC datetime after the
    year 999) without its general path."""
    if isinstance(ts, datetime):
        if ts.tzinfo is UTC and ts.year >= 1000:
            return ts.isoformat(timespec="microseconds")[:-6] + "Z"
        return utc_text(ts)
    return utc_text()


#: Plain text of the enum members an event carries (kind, status, verdict): a dict lookup
#: instead of ``getattr(..., "value")`` per column and event.
_ENUM_TEXT: dict[Any, str] = {
    member: member.value for enum in (EventKind, CallStatus, Verdict) for member in enum
}


def _enum_text(item: Any) -> str | None:
    if item is None:
        return None
    text = _ENUM_TEXT.get(item)
    return text if text is not None else _value(item)


def _event_row(ev: Event, pg: bool) -> list[Any]:
    """One event as the values of :data:`EVENT_COLUMNS`. On PostgreSQL every text is made one
    the backend accepts (:func:`overseer.store.clean_text`); on SQLite the rows go to the
    driver as they are and only a batch the driver cannot encode is cleaned
    (:func:`_clean_rows`: a lone surrogate from hostile input, never in the usual case)."""
    flags = ev.flags
    if flags:
        dicts = [_flag_dict(f) for f in flags]
        safety = sum(1 for f in dicts if f["category"] == "safety")
        security = sum(1 for f in dicts if f["category"] == "security")
        flags_text: str | None = _json(dicts)
    else:
        safety = security = 0
        flags_text = None
    output = ev.output
    output_chars: int | None = None
    truncated = False
    if output is not None and len(output) > OUTPUT_CAP:
        output, output_chars, truncated = output[:OUTPUT_CAP], len(output), True
    text = ev.text
    extra = ev.extra
    if text is not None and len(text) > OUTPUT_CAP:
        extra = {**(extra or {}), "text_chars": len(text)}
        text = text[:OUTPUT_CAP]
    kind = _ENUM_TEXT.get(ev.kind) or _value(ev.kind)
    tool = ev.tool
    if pg and type(tool) is str:
        tool = clean_text(tool, True)
    tool_input = None if ev.input is None else _json(ev.input)
    label = call_label_of(tool, tool_input) if tool and kind == "tool_call" else None
    call_id = ev.call_id
    ts = ev.ts
    if type(ts) is datetime and ts.tzinfo is UTC and ts.year >= 1000:
        ts_text = ts.isoformat(timespec="microseconds")[:-6] + "Z"
    else:
        ts_text = _ts_text(ts)
    row = [
        ev.session, kind, ts_text, ev.seq, ev.agent, ev.task, tool,
        call_id if call_id is None or type(call_id) is str else str(call_id), ev.approval_id,
        ev.role, text, tool_input, output, output_chars, truncated, bool(ev.is_error),
        _enum_text(ev.status), _enum_text(ev.verdict), ev.rule, flags_text, safety, security,
        ev.summary or "", ev.input_display or "", _stored_display(ev.output_display, output),
        ev.reason,
        ev.parent_session, ev.source, ev.line, _json(dict(extra)) if extra else None, None,
        label,
    ]  # fmt: skip
    if pg:
        return [clean_text(v, True) if type(v) is str else v for v in row]
    return row


def _stored_display(display: str | None, output: str | None) -> str:
    """A result's ``output_display`` as stored: empty when it is the stored output itself
    (plain text under the display limit, the usual case: the row does not hold its output
    twice); read back by :func:`output_display`."""
    if not display:
        return ""
    return "" if display == output else display


def output_display(display: str | None, output: str | None) -> str:
    """A stored row's display form of its output: the stored one, or, when none is stored
    (:func:`_stored_display`), the output neutralised, which is the output itself when it
    was left out for being its own display form (and never raw agent text otherwise)."""
    if display:
        return display
    return neutralise(output, multiline=True) if output else ""


def _clean_rows(rows: list[list[Any]]) -> None:
    """Make every text of ``rows`` one SQLite accepts, in place (the rare batch the driver
    could not encode: see :func:`_event_row`)."""
    for row in rows:
        for i, v in enumerate(row):
            if type(v) is str and not v.isascii():
                row[i] = clean_text(v, False)


def _loads(text: str | None, default: Any = None) -> Any:
    if text is None:
        return default
    try:
        return json.loads(text)
    except ValueError:
        return default


# ---------------------------------------------------------------------- batch statements

_EVENT_INSERT = (
    f"INSERT INTO events ({', '.join(EVENT_COLUMNS)})"
    f" VALUES ({', '.join('?' * len(EVENT_COLUMNS))}) ON CONFLICT DO NOTHING"
)
_EVENT_INSERT_SQLITE = _EVENT_INSERT
_EVENT_INSERT_PG = (
    _EVENT_INSERT.replace("?", "%s")
    + " RETURNING session, kind, tool, ts, flags_safety, flags_security, call_id, id"
)
_INSERTED_SQLITE = (
    "SELECT session, kind, tool, ts, flags_safety, flags_security, call_id, id FROM events"
    " WHERE id > ? ORDER BY id"
)
#: Stored results' statuses for some calls of one session (``{marks}``: the call ids).
_STORED_RESULTS = (
    "SELECT r.session, r.call_id, " + _RESULT_STATUS_SQL + " FROM events r"
    " WHERE r.session = ? AND r.kind = 'tool_result' AND r.call_id IN ({marks})"
)
#: A session's write lock for the rest of the transaction (PostgreSQL).
_SESSION_LOCK_PG = "SELECT pg_advisory_xact_lock(hashtextextended(%s, 8))"
#: On PostgreSQL: a stored call still waiting for its result given its status, read back.
_PENDING_CALLS_SET_PG = (
    "UPDATE events SET result_status = %s WHERE session = %s AND kind = 'tool_call'"
    " AND call_id = %s AND result_status IS NULL RETURNING " + ", ".join(_callsum.CALL_COLUMNS)
)
#: The calls of a (session, call id) whose result another writer stored while they were
#: being written (PostgreSQL): given its status, read back.
_PENDING_RECOMPUTE_PG = (
    "UPDATE events SET result_status = (SELECT " + _RESULT_STATUS_SQL + " FROM events r"
    " WHERE r.session = events.session AND r.kind = 'tool_result'"
    " AND r.call_id = events.call_id)"
    " WHERE session = %s AND kind = 'tool_call' AND call_id = %s AND result_status IS NULL"
    " AND EXISTS (SELECT 1 FROM events r WHERE r.session = events.session"
    " AND r.kind = 'tool_result' AND r.call_id = events.call_id) RETURNING "
    + ", ".join(_callsum.CALL_COLUMNS)
)
#: Stored calls still waiting for their result, of one session (``{marks}``: the call ids).
_PENDING_CALLS = (
    _callsum.CALL_SELECT + " WHERE session = ? AND kind = 'tool_call'"
    " AND result_status IS NULL AND call_id IN ({marks})"
)
_RESULT_STATUS_SET = (
    "UPDATE events SET result_status = ? WHERE session = ? AND kind = 'tool_call' AND call_id = ?"
)
_RESULT_STATUS_RECOMPUTE = (
    "UPDATE events SET result_status = (SELECT " + _RESULT_STATUS_SQL + " FROM events r"
    " WHERE r.session = events.session AND r.kind = 'tool_result'"
    " AND r.call_id = events.call_id)"
    " WHERE session = ? AND kind = 'tool_call' AND call_id = ?"
)
_AGENT_UPSERT = (
    "INSERT INTO agents (name, first_seen, last_seen) VALUES (?, ?, ?)"
    " ON CONFLICT (name) DO UPDATE SET last_seen = excluded.last_seen"
)
_PROBLEM_INSERT = (
    "INSERT INTO problems (source, line, reason, excerpt, recorded_at) VALUES (?, ?, ?, ?, ?)"
)
_OFFSET_UPSERT = (
    "INSERT INTO ingest_offsets (source, byte_offset, state, identity, updated_at)"
    " VALUES (?, ?, ?, ?, ?)"
    " ON CONFLICT (source) DO UPDATE SET byte_offset = excluded.byte_offset,"
    " state = excluded.state, identity = excluded.identity, updated_at = excluded.updated_at"
)
_SESSION_INSERT = (
    "INSERT INTO sessions (id, status, source, started_at, last_event_at)"
    " VALUES (?, 'live', ?, ?, ?) ON CONFLICT (id) DO NOTHING"
)
#: One session's changes from one batch, every part always present (a NULL parameter leaves
#: its column as it is). Whose session it is, once known, stays (invariant 10): an ingest
#: that could not attribute the session (``unknown``) must not relabel one the hook
#: attributed, nor may a later log move it into another agent's scope; only an empty or
#: ``unknown`` label is filled in, and the task follows the agent that is kept. A killed
#: session stays killed. Every SET reads the row as it was before the statement.
_KNOWN = "(agent IS NOT NULL AND agent != '" + UNKNOWN_AGENT.replace("'", "''") + "')"
_SESSION_UPDATE = (
    "UPDATE sessions SET"
    f" agent = CASE WHEN CAST(? AS TEXT) IS NULL OR {_KNOWN} THEN agent ELSE ? END,"
    " task = CASE WHEN CAST(? AS TEXT) IS NULL THEN task"
    f" WHEN CAST(? AS TEXT) IS NOT NULL AND {_KNOWN} AND agent != ? THEN task ELSE ? END,"
    " parent_session = COALESCE(CAST(? AS TEXT), parent_session),"
    " cwd = COALESCE(CAST(? AS TEXT), cwd),"
    " pid = COALESCE(CAST(? AS BIGINT), pid),"
    " host = COALESCE(CAST(? AS TEXT), host),"
    " started_at = COALESCE(CAST(? AS TEXT), started_at),"
    " status = CASE WHEN CAST(? AS TEXT) IS NULL OR status = 'killed' THEN status ELSE ? END,"
    " ended_at = CASE WHEN ? THEN CAST(? AS TEXT) ELSE ended_at END,"
    " end_reason = CASE WHEN ? THEN CAST(? AS TEXT) ELSE end_reason END,"
    " event_count = event_count + ?,"
    " flags_safety = flags_safety + ?,"
    " flags_security = flags_security + ?,"
    " last_event_at = CASE WHEN CAST(? AS TEXT) IS NOT NULL"
    " AND (last_event_at IS NULL OR last_event_at < ?) THEN ? ELSE last_event_at END,"
    " tool_calls = tool_calls + ?,"
    " last_tool = CASE WHEN CAST(? AS TEXT) IS NOT NULL"
    " AND (last_tool_at IS NULL OR last_tool_at <= ?) THEN ? ELSE last_tool END,"
    " last_tool_at = CASE WHEN CAST(? AS TEXT) IS NOT NULL"
    " AND (last_tool_at IS NULL OR last_tool_at <= ?) THEN ? ELSE last_tool_at END"
    " WHERE id = ?"
)


# ------------------------------------------------------------------------------------ store


class Store:
    """A handle on one database. Thread-safe for reads and batches (pooled connections);
    gate-protocol writes open a short-lived lean connection per call."""

    def __init__(self, db: str, engine: Engine) -> None:
        self.db = db
        self.engine = engine
        self.is_postgres = engine.dialect.name == "postgresql"
        self.path: str | None = None if self.is_postgres else sqlite_path(db)
        self._where = _lean._redact(db)
        self._insert: Any = pg_dialect.insert if self.is_postgres else sqlite_dialect.insert

    # -- lifecycle

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self._where!r})"

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with _errors(self._where), self.engine.connect() as conn:
            yield conn

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with _errors(self._where), self.engine.connect() as conn:
            conn.execution_options(immediate=True)
            with conn.begin():
                yield conn

    @contextmanager
    def lean(self) -> Iterator[_lean.LeanConn]:
        """A short-lived gate-protocol connection (one per call: sqlite3 connections and
        transactions must not be shared between the app's worker threads)."""
        conn = _lean.connect(self.db)
        try:
            yield conn
        finally:
            conn.close()

    def schema_version(self) -> int:
        with self._read() as conn:
            version = _read_version(conn)
        return version or 0

    # -- ingestion

    def load_offset(self, source: str) -> tuple[int, dict[str, Any], dict[str, Any]] | None:
        """``(byte offset, parser state, file identity)`` last committed for ``source``."""
        with self._read() as conn:
            row = conn.execute(
                sa.select(_OFFSETS.c.byte_offset, _OFFSETS.c.state, _OFFSETS.c.identity).where(
                    _OFFSETS.c.source == source
                )
            ).first()
        if row is None:
            return None
        return int(row[0]), _loads(row[1], {}), _loads(row[2], {})

    def offsets_of_file(self, dev: int, ino: int) -> list[tuple[str, dict[str, Any]]]:
        """``(source, file identity)`` of every committed offset whose file was this device
        and inode: where a log renamed while overseer was stopped was last read. A text
        filter narrows the scan (identities are JSON); the caller checks every field."""
        needle = f'%"ino":{int(ino)}%'
        with self._read() as conn:
            rows = conn.execute(
                sa.select(_OFFSETS.c.source, _OFFSETS.c.identity).where(
                    _OFFSETS.c.identity.like(needle)
                )
            ).all()
        out: list[tuple[str, dict[str, Any]]] = []
        for source, text in rows:
            identity = _loads(text, {})
            if isinstance(identity, dict) and (identity.get("dev"), identity.get("ino")) == (
                dev,
                ino,
            ):
                out.append((str(source), identity))
        return out

    def reassign_offsets(self, moves: Mapping[str, str]) -> int:
        """Re-key committed offsets: ``{new source: old source}``, files renamed while
        overseer was stopped (a rotation moves several at once: a.1 → a.2 and a → a.1).

        One transaction: every old row is read, the rows of all names involved are removed
        and each old row is written back under its new name, so no offset is ever in two
        places or lost halfway. Returns how many offsets moved."""
        if not moves:
            return 0
        olds = sorted(set(moves.values()))
        names = sorted(set(moves) | set(olds))
        now = utc_text()
        with self._write() as conn:
            rows = {
                r.source: r
                for r in conn.execute(
                    sa.select(
                        _OFFSETS.c.source, _OFFSETS.c.byte_offset, _OFFSETS.c.state,
                        _OFFSETS.c.identity,
                    ).where(_OFFSETS.c.source.in_(olds))
                )
            }  # fmt: skip
            conn.execute(sa.delete(_OFFSETS).where(_OFFSETS.c.source.in_(names)))
            moved = 0
            for new, old in sorted(moves.items()):
                row = rows.get(old)
                if row is None:
                    continue
                values = {
                    "byte_offset": row.byte_offset,
                    "state": row.state,
                    "identity": row.identity,
                    "updated_at": now,
                }
                conn.execute(
                    self._insert(_OFFSETS)
                    .values(source=new, **values)
                    .on_conflict_do_update(index_elements=["source"], set_=values)
                )
                moved += 1
        return moved

    def record_batch(
        self,
        source: str,
        offset: int,
        state: Mapping[str, Any],
        identity: Mapping[str, Any],
        events: Sequence[Event],
        problems: Sequence[Problem],
    ) -> None:
        """Store a parsed batch and the offset that produced it, in ONE transaction.

        Tool calls/results with a ``call_id`` are insert-or-ignore on (session, kind, call_id):
        the same call seen by a hook and a tailed transcript is stored once and counted once
        (session counters are updated from the rows actually inserted).

        The hot path is the driver's own: one fixed-shape ``INSERT ... ON CONFLICT DO
        NOTHING`` through ``executemany`` on the raw connection, the session counters folded
        in Python and written once per session (two fixed-shape statements, ``executemany``
        over the batch's sessions). Which rows went in: on SQLite every row when the driver's
        count says so (else those past the largest id before the batch: the write lock is
        held); on PostgreSQL what ``RETURNING`` returns. A call's ``result_status`` is set
        from its result in the same batch, or by key when the other half is already stored.
        """
        pg = self.is_postgres
        rows = [_event_row(ev, pg) for ev in events]
        # One pass: each result's status by (session, call id), the first one's; the calls.
        results: dict[tuple[str, str], str] = {}
        calls: list[list[Any]] = []
        for r in rows:
            if r[_CALL_ID] is None:
                continue
            kind = r[_KIND]
            if kind == "tool_call":
                calls.append(r)
            elif kind == "tool_result":
                key = (r[_SESSION], r[_CALL_ID])
                if key not in results:
                    results[key] = _result_status(r[_STATUS], r[_IS_ERROR])
        if results:
            for r in calls:
                r[_RESULT_STATUS] = results.get((r[_SESSION], r[_CALL_ID]))
        now = utc_text()
        with self._write() as conn:
            cur = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
            try:
                if pg and rows:
                    # One batch at a time per session: a call and its result written at once
                    # by two ingests (the hook's copy, a transcript) would each miss the other
                    # (read committed), leaving the call's status unset; and the kept
                    # sequences are read, then written. Sorted: no two batches wait on each
                    # other.
                    sessions = sorted({r[_SESSION] for r in rows if r[_SESSION] is not None})
                    cur.executemany(_SESSION_LOCK_PG, [(s,) for s in sessions])
                early = [r for r in calls if r[_RESULT_STATUS] is None]
                if early:  # a call whose result was stored first takes its status
                    self._stored_results(cur, early)
                inserted, cleaned = self._insert_events(cur, rows) if rows else ([], False)
                if cleaned:  # the texts changed: the keys too
                    results = {
                        (r[_SESSION], r[_CALL_ID]): _result_status(r[_STATUS], r[_IS_ERROR])
                        for r in reversed(rows)
                        if r[_KIND] == "tool_result" and r[_CALL_ID] is not None
                    }
                whole = not cleaned and len(inserted) == len(rows)
                if rows:
                    call_keys = {(r[_SESSION], r[_CALL_ID]) for r in calls}
                    late_keys = self._late_keys(inserted, results, call_keys, whole)
                    late = self._late_calls(cur, late_keys, results)
                    recomputed: list[list[Any]] = []
                    self._pair_results(cur, results, call_keys, late_keys, whole, recomputed)
                    if recomputed:  # not this batch's new calls: they are read as stored
                        new_ids = {ins[7] for ins in inserted}
                        late = [*late, *(c for c in recomputed if c[1] not in new_ids)]
                    self._count_calls(cur, rows, inserted, late, whole)
                deltas = self._deltas(events, rows, inserted, source)
                self._write_sessions(cur, deltas)
                agents = sorted({r[_AGENT] for r in rows if r[_AGENT]})
                if agents:
                    cur.executemany(self._sql(_AGENT_UPSERT), [(a, now, now) for a in agents])
                if problems:
                    cur.executemany(
                        self._sql(_PROBLEM_INSERT),
                        [
                            (
                                clean_text(p.source or source, pg),
                                p.line,
                                clean_text(p.reason, pg),
                                clean_text(p.excerpt or "", pg),
                                now,
                            )
                            for p in problems
                        ],
                    )
                cur.execute(
                    self._sql(_OFFSET_UPSERT),
                    (source, int(offset), _json(dict(state)), _json(dict(identity)), now),
                )
                if pg and (inserted or problems):
                    cur.execute("SELECT pg_notify(%s, %s)", (_EVENTS_CHANNEL, source))
            finally:
                cur.close()

    def _sql(self, text: str) -> str:
        """A statement written with ``?`` placeholders, in the driver's style."""
        return text.replace("?", "%s") if self.is_postgres else text

    def _insert_events(self, cur: Any, rows: list[list[Any]]) -> tuple[list[Any], bool]:
        """Insert-or-ignore ``rows``; the rows actually inserted, as ``(session, kind, tool,
        ts, flags_safety, flags_security, call_id, id)`` in the order of ``rows``, and
        whether ``rows`` had to be cleaned for the driver first (:func:`_clean_rows`, in
        place)."""
        if self.is_postgres:
            cur.executemany(_EVENT_INSERT_PG, rows, returning=True)
            out: list[Any] = []
            while True:
                out.extend(cur.fetchall())  # in the order of ``rows`` (an ignored row: none)
                if not cur.nextset():
                    return out, False
        before = cur.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0]
        cleaned = False
        cur.execute("SAVEPOINT overseer_rows")
        try:
            cur.executemany(_EVENT_INSERT_SQLITE, rows)
        except UnicodeEncodeError:  # a text the driver cannot encode: clean the batch, again
            cur.execute("ROLLBACK TO overseer_rows")
            _clean_rows(rows)
            cleaned = True
            cur.executemany(_EVENT_INSERT_SQLITE, rows)
        count = cur.rowcount  # before RELEASE, which sets it to -1
        cur.execute("RELEASE overseer_rows")
        if count == len(rows):  # the usual case: nothing was there already
            # The rowid after the largest: the batch's ids are ``before + 1`` on, in order.
            inserted = [
                (r[_SESSION], r[_KIND], r[_TOOL], r[_TS], r[_SAFETY], r[_SECURITY], r[_CALL_ID], i)
                for i, r in enumerate(rows, before + 1)
            ]
        else:
            inserted = list(cur.execute(_INSERTED_SQLITE, (before,)).fetchall())
        return inserted, cleaned

    def _pair_results(
        self,
        cur: Any,
        results: Mapping[tuple[str, str], str],
        call_keys: set[tuple[str, str]],
        late_keys: Sequence[tuple[str, str]],
        whole: bool,
        recomputed: list[list[Any]],
    ) -> None:
        """Keep each call's ``result_status`` right when its call and result are not both new
        in this batch: a new result whose call was stored before gives it its status (a new
        call whose result was stored first took it before the insert: ``_stored_results``).
        When a row was ignored (seen before: a re-read, the hook's copy) or the batch had to
        be cleaned, the batch's calls are all read again from the stored results: a duplicate
        result must not lend its status to a new call. ``results``: the batch's results'
        statuses by (session, call id); ``call_keys``: its calls' (session, call id);
        ``late_keys``: its new results' whose calls were stored before (``_late_keys``).
        ``recomputed`` gets, on PostgreSQL, the calls that were still waiting for a result
        another writer stored meanwhile (to be counted)."""
        if not results and not call_keys:
            return
        if not whole:
            keys = sorted(call_keys | set(results))
            if self.is_postgres:  # calls another writer's result completed meanwhile
                cur.executemany(_PENDING_RECOMPUTE_PG, keys, returning=True)
                while True:
                    recomputed.extend(list(row) for row in cur.fetchall())
                    if not cur.nextset():
                        break
            cur.executemany(self._sql(_RESULT_STATUS_RECOMPUTE), keys)
            return
        if self.is_postgres:
            return  # set by ``_late_calls``
        # Every row is new, so no (session, call id) of a kind is in the batch twice.
        if late_keys:
            cur.executemany(_RESULT_STATUS_SET, [(results[k], *k) for k in late_keys])

    def _by_call_ids(
        self, cur: Any, statement: str, keys: Sequence[tuple[str, str]]
    ) -> list[tuple[Any, ...]]:
        """``statement`` (``{marks}`` for the call ids) over ``keys``, a session at a time."""
        by_session: dict[str, list[str]] = {}
        for session_id, call_id in keys:
            by_session.setdefault(session_id, []).append(call_id)
        mark = "%s" if self.is_postgres else "?"
        out: list[tuple[Any, ...]] = []
        for session_id, ids in by_session.items():
            for start in range(0, len(ids), 500):
                part = ids[start : start + 500]
                sql = self._sql(statement.format(marks=", ".join(mark for _ in part)))
                cur.execute(sql, [session_id, *part])
                out.extend(cur.fetchall())
        return out

    def _stored_results(self, cur: Any, early: Sequence[list[Any]]) -> None:
        """Set ``result_status`` on the batch's calls whose result is already stored (before
        they are inserted). A key the driver cannot encode is left: the batch is then cleaned
        and every call read again (``_pair_results``)."""
        wanted: dict[tuple[str, str], list[list[Any]]] = {}
        for r in early:
            wanted.setdefault((r[_SESSION], r[_CALL_ID]), []).append(r)
        try:
            found = self._by_call_ids(cur, _STORED_RESULTS, list(wanted))
        except UnicodeEncodeError:
            return
        for session_id, call_id, status in found:
            for r in wanted.get((session_id, call_id), ()):
                r[_RESULT_STATUS] = status

    @staticmethod
    def _late_keys(
        inserted: Sequence[Any],
        results: Mapping[tuple[str, str], str],
        call_keys: set[tuple[str, str]],
        whole: bool,
    ) -> list[tuple[str, str]]:
        """The (session, call id) of the batch's new results whose calls were stored before."""
        if not results:
            return []
        if whole:
            return [k for k in results if k not in call_keys]
        new_results = set()
        new_calls = set()
        for session_id, kind, _tool, _ts, _a, _b, call_id, _id in inserted:
            if call_id is None:
                continue
            if kind == "tool_result":
                new_results.add((session_id, call_id))
            elif kind == "tool_call":
                new_calls.add((session_id, call_id))
        return sorted(new_results - new_calls)

    def _late_calls(
        self,
        cur: Any,
        keys: Sequence[tuple[str, str]],
        results: Mapping[tuple[str, str], str],
    ) -> list[list[Any]]:
        """The stored calls the batch's new results (``keys``) complete (read before their
        status is set: still waiting), as :data:`callsum.CALL_COLUMNS` with that status."""
        if not keys:
            return []
        out: list[list[Any]] = []
        if self.is_postgres:  # set and read in one statement: a call committed meanwhile by
            # another writer is either both set and counted here, or neither
            params = [(results[k], *k) for k in keys if k in results]
            cur.executemany(_PENDING_CALLS_SET_PG, params, returning=True)
            while True:
                out.extend(list(row) for row in cur.fetchall())
                if not cur.nextset():
                    return out
        for row in self._by_call_ids(cur, _PENDING_CALLS, keys):
            status = results.get((row[0], row[11]))
            if status is not None:
                call = list(row)
                call[9] = status
                out.append(call)
        return out

    def _count_calls(
        self,
        cur: Any,
        rows: Sequence[list[Any]],
        inserted: Sequence[Any],
        late: Sequence[Sequence[Any]],
        whole: bool,
    ) -> None:
        """The review's call counts (:mod:`overseer.store.callsum`): the batch's new calls
        folded into their groups (those whose status is final) and their sessions' sequences,
        and the stored calls a new result completed into their groups."""
        fold = _callsum.Fold()
        if whole:  # every row is new: the fold reads them as written, ids increasing
            groups, seqs, pending, families = fold.groups, fold.seqs, fold.pending, fold.families
            for r, ins in zip(rows, inserted, strict=True):
                if r[_KIND] != "tool_call":
                    continue
                session, ts, row_id = r[_SESSION], r[_TS], ins[7]
                result, call_id, tool, label = r[_RESULT_STATUS], r[_CALL_ID], r[_TOOL], r[_LABEL]
                if result is not None or call_id is None:
                    if result is None:
                        own = r[_STATUS]
                        result = own if own and own != "ok" else "pending"
                    key = (session, r[_AGENT], r[_TASK], tool, r[_VERDICT], r[_RULE], result,
                           label)  # fmt: skip
                    g = groups.get(key)
                    if g is None:
                        fold.new_group(key, ts, row_id, call_id, r[_SUMMARY])
                    else:  # a later id: the latest unless earlier in time
                        g[0] += 1
                        if ts < g[1]:
                            g[1], g[2] = ts, row_id
                            if g[8]:
                                g[6] = r[_SUMMARY]
                        if ts >= g[3]:
                            g[3], g[4], g[5] = ts, row_id, call_id
                        if g[7] is not None:
                            g[7].append(row_id)
                else:  # waits for its result
                    pending[session] = pending.get(session, 0) + 1
                family = None if tool is None else families.get(tool)
                text = (tool or "") if family is None else family if label is None else label
                st = seqs.get(session)
                if st is None:
                    seqs[session] = [ts, row_id, ts, row_id, 1, [text], True]
                    continue
                st[4] += 1
                if ts < st[2]:  # out of order (a later id, an earlier time)
                    st[6] = False
                    if ts < st[0]:
                        st[0], st[1] = ts, row_id
                    continue
                st[2], st[3] = ts, row_id
                if text != st[5][-1]:
                    st[5].append(text)
        else:  # as stored, after the statuses were read again
            ids = [ins[7] for ins in inserted if ins[1] == "tool_call"]
            mark = "%s" if self.is_postgres else "?"
            for start in range(0, len(ids), 500):
                part = ids[start : start + 500]
                cur.execute(
                    _callsum.CALL_SELECT
                    + f" WHERE id IN ({', '.join(mark for _ in part)}) ORDER BY id",
                    part,
                )
                for c in cur.fetchall():
                    fold.add_call(c)  # in id order
        for c in late:
            fold.add_call(c, new=False)
        fold.write(cur, self.is_postgres)

    @staticmethod
    def _deltas(
        events: Sequence[Event],
        rows: Sequence[list[Any]],
        inserted: Sequence[Any],
        source: str,
    ) -> dict[str, _SessionDelta]:
        deltas: dict[str, _SessionDelta] = {}
        # Metadata: from every event, duplicates included, in batch order.
        for ev, r in zip(events, rows, strict=True):
            d = deltas.get(r[_SESSION])
            if d is None:
                d = deltas[r[_SESSION]] = _SessionDelta()
            ts = r[_TS]
            if d.first_ts is None or ts < d.first_ts:
                d.first_ts = ts
            d.source = d.source or r[_SOURCE] or source
            meta = d.meta
            if r[_AGENT] is not None:
                meta["agent"] = r[_AGENT]
            if r[_TASK] is not None:
                meta["task"] = r[_TASK]
            if r[_PARENT] is not None:
                meta["parent_session"] = r[_PARENT]
            if ev.cwd is not None:
                meta["cwd"] = ev.cwd
            if ev.pid is not None:
                meta["pid"] = ev.pid
            if ev.host is not None:
                meta["host"] = ev.host
            kind = r[_KIND]
            if kind == "session_start":
                d.started_at, d.status = ts, "live"
            elif kind == "session_end":
                # A hook's ``continue: false`` ended it (overseer's kill, as the log says):
                # ``stopped``, never shown as a session that finished on its own.
                status = "stopped" if ev.extra and ev.extra.get("stopped_by") else "ended"
                d.ended_at, d.end_reason, d.status = ts, r[_REASON], status
        for session_id, kind, tool, ts, safety, security, _call, _id in inserted:  # new rows
            d = deltas[session_id]
            d.events += 1
            d.safety += safety or 0
            d.security += security or 0
            if d.last_ts is None or ts > d.last_ts:
                d.last_ts = ts
            if kind == "tool_call":
                d.calls += 1
                if d.last_tool_at is None or ts >= d.last_tool_at:
                    d.last_tool, d.last_tool_at = tool, ts
        return deltas

    def _write_sessions(self, cur: Any, deltas: Mapping[str, _SessionDelta]) -> None:
        """Each session of the batch: created if new, then its folded changes in one
        fixed-shape UPDATE (:data:`_SESSION_UPDATE`), both through ``executemany``."""
        if not deltas:
            return
        clean = _clean_pg if self.is_postgres else _clean_sqlite
        new = [
            (session_id, d.source, d.started_at or d.first_ts, d.first_ts)
            for session_id, d in deltas.items()
        ]
        cur.executemany(self._sql(_SESSION_INSERT), new)
        updates = []
        for session_id, d in deltas.items():
            meta = d.meta
            agent, task = clean(meta.get("agent")), clean(meta.get("task"))
            pid = meta.get("pid")
            ending = d.status in ("ended", "stopped")
            updates.append(
                (
                    agent, agent,  # agent
                    task, agent, agent, task,  # task
                    clean(meta.get("parent_session")), clean(meta.get("cwd")),
                    pid if type(pid) is int else None, clean(meta.get("host")),
                    d.started_at,
                    d.status, d.status,  # status
                    ending, d.ended_at, ending, d.end_reason,
                    d.events, d.safety, d.security,
                    d.last_ts, d.last_ts, d.last_ts,  # last_event_at
                    d.calls,
                    d.last_tool_at, d.last_tool_at, d.last_tool,  # last_tool
                    d.last_tool_at, d.last_tool_at, d.last_tool_at,  # last_tool_at
                    session_id,
                )
            )  # fmt: skip
        cur.executemany(self._sql(_SESSION_UPDATE), updates)

    def upsert_agent(
        self,
        name: str,
        *,
        owner: str | None = None,
        autonomy: str | None = None,
        default_task: str | None = None,
    ) -> None:
        """Record an agent from the config (owner, autonomy class, default task)."""
        values = {"owner": owner, "autonomy": autonomy, "default_task": default_task}
        now = utc_text()
        with self._write() as conn:
            conn.execute(
                self._insert(_AGENTS)
                .values(name=name, first_seen=now, last_seen=now, **values)
                .on_conflict_do_update(index_elements=["name"], set_=values)
            )

    # -- queries

    def list_sessions(
        self,
        *,
        agent: str | None = None,
        status: str | None = None,
        limit: int | None = None,
        offset: int = 0,
        idle_after: float | None = None,
    ) -> list[SessionSummary]:
        """Sessions, most recently active first, with their counts (one indexed read: the
        counters live on the session row; pending approvals come from their index).

        ``status='idle'`` selects live sessions quiet for ``idle_after`` seconds (required).
        """
        s = _SESSIONS.c
        pending = (
            sa.select(_APPROVALS.c.session, sa.func.count().label("n"))
            .where(_APPROVALS.c.status == "pending")
            .group_by(_APPROVALS.c.session)
            .subquery()
        )
        query = sa.select(_SESSIONS, sa.func.coalesce(pending.c.n, 0).label("pending")).select_from(
            _SESSIONS.outerjoin(pending, pending.c.session == s.id)
        )
        cutoff = utc_text(time.time() - idle_after) if idle_after is not None else None
        if agent is not None:
            query = query.where(s.agent == agent)
        if status == "idle":
            if cutoff is None:
                raise ValueError("status='idle' needs idle_after")
            query = query.where(s.status == "live", s.last_event_at < cutoff)
        elif status == "live" and cutoff is not None:
            query = query.where(s.status == "live", s.last_event_at >= cutoff)
        elif status is not None:
            query = query.where(s.status == status)
        query = query.order_by(s.last_event_at.desc(), s.id.desc()).offset(offset)
        if limit is not None:
            query = query.limit(limit)
        with self._read() as conn:
            rows = conn.execute(query).mappings().all()
        return [_summary(row, cutoff) for row in rows]

    def get_session(
        self, session_id: str, *, idle_after: float | None = None
    ) -> SessionSummary | None:
        s = _SESSIONS.c
        pending = (
            sa.select(sa.func.count())
            .where(_APPROVALS.c.session == session_id, _APPROVALS.c.status == "pending")
            .scalar_subquery()
        )
        with self._read() as conn:
            row = (
                conn.execute(
                    sa.select(_SESSIONS, pending.label("pending")).where(s.id == session_id)
                )
                .mappings()
                .first()
            )
        cutoff = utc_text(time.time() - idle_after) if idle_after is not None else None
        return None if row is None else _summary(row, cutoff)

    def session_owner(self, session_id: str) -> tuple[str, str | None] | None:
        """``(agent, task)`` recorded for the session, ``None`` if unseen or ``unknown``
        (ingest adopts it: :meth:`overseer.sources.ingest.SourceIngestor._adopt_owners`)."""
        s = _SESSIONS.c
        with self._read() as conn:
            row = conn.execute(sa.select(s.agent, s.task).where(s.id == session_id)).first()
        if row is None or not row[0] or row[0] == UNKNOWN_AGENT:
            return None
        return str(row[0]), None if row[1] is None else str(row[1])

    def count_sessions(self) -> int:
        with self._read() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(_SESSIONS)).scalar_one())

    def count_calls(self, session_id: str) -> int:
        """Tool calls in a session (index-only count)."""
        e = _EVENTS.c
        with self._read() as conn:
            return int(
                conn.execute(
                    sa.select(sa.func.count()).where(e.session == session_id, e.kind == "tool_call")
                ).scalar_one()
            )

    def timeline(
        self,
        session_id: str,
        *,
        offset: int = 0,
        limit: int = 200,
        after: tuple[datetime, int] | None = None,
        displays: bool = True,
    ) -> list[TimelineCall]:
        """One page of a session's tool calls in order (ts, then arrival), each paired with
        its result by ``call_id`` and with its latest approval, if any.

        ``after=(last.ts, last.event_id)`` continues after a row already shown (keyset
        paging: constant cost however deep; ``offset`` costs grow with the offset).
        ``displays=False`` leaves out the input and output display forms (empty strings):
        a timeline list shows summaries and reads one call's detail when it is selected,
        and those columns are most of a long session's bytes.
        """
        query = timeline_query(
            session_id, offset=offset, limit=limit, after=after, displays=displays
        )
        with self._read() as conn:
            rows = conn.execute(query).mappings().all()
            call_ids = sorted({row["call_id"] for row in rows if row["call_id"] is not None})
            approvals: dict[str, tuple[str, str]] = {}
            if call_ids:
                a = _APPROVALS.c
                for call_id, approval_id, status in conn.execute(
                    sa.select(a.call_id, a.id, a.status)
                    .where(a.session == session_id, a.call_id.in_(call_ids))
                    .order_by(a.created_at, a.id)
                ):
                    approvals[call_id] = (approval_id, status)  # latest wins
            approved = [i for i, status in approvals.values() if status == "approved"]
            outcomes = _edits.approval_outcomes(conn, approved) if approved else {}
        out = []
        for row in rows:
            approval = approvals.get(row["call_id"]) if row["call_id"] is not None else None
            out.append(
                TimelineCall(
                    event_id=row["id"],
                    ts=parse_utc_text(row["ts"]),
                    seq=row["seq"],
                    tool=row["tool"],
                    call_id=row["call_id"],
                    agent=row["agent"],
                    task=row["task"],
                    verdict=row["verdict"],
                    rule=row["rule"],
                    flags=_loads(row["flags"], []),
                    summary=row["summary"] or "",
                    input_display=row["input_display"] or "",
                    status=_call_status(row),
                    result_event_id=row["r_id"],
                    result_ts=parse_utc_text(row["r_ts"]),
                    output_display=(
                        output_display("", row["r_output"])
                        if row["r_elided"]
                        else row["r_output"] or ""
                    ),
                    is_error=bool(row["r_is_error"]),
                    output_truncated=bool(row["r_truncated"]),
                    approval_id=approval[0] if approval else row["approval_id"],
                    approval_status=approval[1] if approval else None,
                    source=row["source"],
                    line=row["line"],
                    approval_edit=_edit_state(outcomes.get(approval[0]) if approval else None),
                )
            )
        return out

    def approval_outcome(self, approval_id: str) -> _edits.ApprovalOutcome | None:
        """The operator's edit of an approved call and whether the gate denied it after all
        (:mod:`.edits`); ``None`` for a call approved as asked, or not approved."""
        with self._read() as conn:
            return _edits.approval_outcomes(conn, [approval_id]).get(approval_id)

    def session_events(
        self,
        session_id: str,
        *,
        offset: int = 0,
        limit: int = 200,
        kinds: Sequence[str] | None = None,
    ) -> list[dict[str, Any]]:
        """One page of a session's events of any kind, in order, as column dicts (JSON
        columns parsed). For the detail pane and reports; the timeline uses :meth:`timeline`."""
        e = _EVENTS.c
        query = sa.select(_EVENTS).where(e.session == session_id)
        if kinds:
            query = query.where(e.kind.in_(list(kinds)))
        query = query.order_by(e.ts, e.id).offset(offset).limit(limit)
        with self._read() as conn:
            return [_event_dict(row) for row in conn.execute(query).mappings()]

    def get_event(self, event_id: int) -> dict[str, Any] | None:
        """One event with every column (raw input/output included, for the detail pane)."""
        with self._read() as conn:
            row = (
                conn.execute(sa.select(_EVENTS).where(_EVENTS.c.id == event_id)).mappings().first()
            )
        return None if row is None else _event_dict(row)

    def problems(
        self, *, source: str | None = None, offset: int = 0, limit: int = 200
    ) -> list[StoredProblem]:
        """Stored problems (bad input that was skipped), newest first."""
        p = _PROBLEMS.c
        query = sa.select(_PROBLEMS)
        if source is not None:
            query = query.where(p.source == source)
        query = query.order_by(p.id.desc()).offset(offset).limit(limit)
        with self._read() as conn:
            rows = conn.execute(query).mappings().all()
        return [
            StoredProblem(
                id=row["id"],
                source=row["source"],
                line=row["line"],
                reason=row["reason"],
                excerpt=row["excerpt"] or "",
                recorded_at=parse_utc_text(row["recorded_at"]),
            )
            for row in rows
        ]

    def activity(
        self, session_id: str, *, until: datetime, buckets: int = 12, bucket_s: float = 60.0
    ) -> list[int]:
        """Events per bucket over the ``buckets * bucket_s`` seconds ending at ``until``, oldest
        bucket first (the fleet's sparklines). Reads only that window, by index."""
        if buckets <= 0 or bucket_s <= 0:
            return []
        end = until.timestamp()
        start = end - buckets * bucket_s
        e = _EVENTS.c
        query = sa.select(e.ts).where(
            e.session == session_id, e.ts > utc_text(start), e.ts <= utc_text(end)
        )
        counts = [0] * buckets
        with self._read() as conn:
            for (ts,) in conn.execute(query):
                moment = parse_utc_text(ts)
                if moment is None:
                    continue
                index = min(buckets - 1, max(0, int((moment.timestamp() - start) // bucket_s)))
                counts[index] += 1
        return counts

    def call_counts(self, session_id: str) -> list[tuple[str | None, str | None, str | None, int]]:
        """``(tool, verdict, rule, n)`` over a session's tool calls: what the scope view
        needs to show which rules were exercised and which tools were used unscoped."""
        e = _EVENTS.c
        query = (
            sa.select(e.tool, e.verdict, e.rule, sa.func.count())
            .where(e.session == session_id, e.kind == "tool_call")
            .group_by(e.tool, e.verdict, e.rule)
            .order_by(sa.func.count().desc(), e.tool)
        )
        with self._read() as conn:
            return [(tool, verdict, rule, int(n)) for tool, verdict, rule, n in conn.execute(query)]

    def data_marker(self) -> tuple[int, int, int, int]:
        """Changes whenever anything a review reads changes, so screens can ask before
        deciding to re-read everything: how many events the sessions hold, the newest audit
        row (the chain lock orders them; every decision, kill and grant is one), and how
        many problems and approvals there are. Counts, not the newest id: with two writers
        on PostgreSQL a lower id can commit after a higher one."""
        with self._read() as conn:
            row = conn.execute(
                sa.select(
                    sa.select(
                        sa.func.coalesce(sa.func.sum(_SESSIONS.c.event_count), 0)
                    ).scalar_subquery(),
                    sa.select(sa.func.coalesce(sa.func.max(_DECISIONS.c.seq), 0)).scalar_subquery(),
                    sa.select(sa.func.count()).select_from(_PROBLEMS).scalar_subquery(),
                    sa.select(sa.func.count()).select_from(_APPROVALS).scalar_subquery(),
                )
            ).one()
        return (int(row[0]), int(row[1]), int(row[2]), int(row[3]))

    def count_problems(self) -> int:
        with self._read() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(_PROBLEMS)).scalar_one())

    def decisions(
        self, *, offset: int = 0, limit: int = 200, session: str | None = None
    ) -> list[dict[str, Any]]:
        """A page of the audit chain, newest first (the audit screen)."""
        d = _DECISIONS.c
        query = sa.select(_DECISIONS)
        if session is not None:
            query = query.where(d.session == session)
        query = query.order_by(d.seq.desc()).offset(offset).limit(limit)
        with self._read() as conn:
            return [{k: row[k] for k in COLUMNS} for row in conn.execute(query).mappings()]

    # -- gate protocol (one implementation: overseer.store.lean)

    def pending_approvals(self) -> list[dict[str, Any]]:
        with self.lean() as conn:
            return _lean.pending_approvals(conn)

    def read_approval(self, approval_id: str) -> dict[str, Any] | None:
        with self.lean() as conn:
            return _lean.read_approval(conn, approval_id)

    def decide(
        self,
        approval_id: str,
        *,
        decision: str,
        reason: str | None,
        operator: str | None,
        updated_input: Any = None,
    ) -> dict[str, Any]:
        """See :func:`overseer.store.lean.decide` (raises ``AlreadyDecided`` to a loser)."""
        with self.lean() as conn:
            return _lean.decide(
                conn, approval_id, decision=decision, reason=reason, operator=operator,
                updated_input=updated_input,
            )  # fmt: skip

    def session_grants(self, session_id: str) -> list[str]:
        """Rules allowed for the rest of this session by "approve for this session"."""
        with self.lean() as conn:
            return _lean.session_grants(conn, session_id)

    def grant_for_session(
        self, approval_id: str, *, reason: str | None, operator: str | None
    ) -> str:
        """Approve a pending approval *and* allow the same call for the rest of its session.

        The grant is the narrowest rule naming this call (see :mod:`overseer.store.grants`);
        returns it (``" + "``-joined for a compound command). ``StoreError`` when no exact
        rule exists (approve once instead); ``AlreadyDecided`` to a late operator.
        """
        from overseer.store.grants import NoGrant, session_rules

        with self.lean() as conn:
            approval = _lean.read_approval(conn, approval_id)
            if approval is None:
                raise UnknownApproval(f"no approval {approval_id}")
            if approval["status"] != "pending":
                raise AlreadyDecided(
                    approval["decided_by"], approval["decided_at"], approval["status"]
                )
            tool_input = approval["input"] if isinstance(approval["input"], dict) else {}
            session = self.get_session(approval["session"])
            try:
                rules = session_rules(
                    approval["tool"] or "", tool_input, session.cwd if session else None
                )
            except NoGrant as exc:
                raise StoreError(f"cannot approve for the session: {exc}") from None
            _lean.decide(
                conn, approval_id, decision="approve", reason=reason, operator=operator,
                grant_rules=rules,
            )  # fmt: skip
        return " + ".join(rules)

    def record_reveal(self, session_id: str, call_id: str | None, *, operator: str | None) -> None:
        """An operator unmasked a secret on screen: who, when, which call (append-only)."""
        row = {
            "ts": utc_text(),
            "operator": operator or _lean.default_operator(),
            "session": session_id,
            "call_id": call_id,
        }
        with self._write() as conn:
            conn.execute(sa.insert(_REVEALS).values(**row))

    def kill_session(self, session_id: str, *, operator: str | None, reason: str | None) -> int:
        """Mark the session killed (see :func:`overseer.store.lean.mark_session_killed`)."""
        with self.lean() as conn:
            return _lean.mark_session_killed(conn, session_id, operator=operator, reason=reason)

    def expire_overdue(self, *, operator: str | None = None, grace_s: float = 5.0) -> list[str]:
        with self.lean() as conn:
            return _lean.expire_overdue(conn, operator=operator, grace_s=grace_s)

    # -- audit

    def verify(self, checkpoint: Mapping[str, Any] | None = None) -> VerifyResult:
        with self.lean() as conn:
            return _audit.verify(conn, checkpoint)

    def checkpoint(
        self, *, operator: str | None = None
    ) -> tuple[VerifyResult, dict[str, Any] | None]:
        with self.lean() as conn:
            return _audit.take_checkpoint(conn, operator=operator)

    def export(self, out: TextIO, fmt: str, *, since: str | None = None) -> int:
        with self.lean() as conn:
            return _audit.export(conn, out, fmt, since=since)

    # -- change notification

    def watch(self) -> ChangeWatcher:
        """A watcher whose :meth:`ChangeWatcher.wait` returns when another process committed
        (new events, approvals, decisions): LISTEN/NOTIFY on PostgreSQL, ``PRAGMA
        data_version`` polling (one cheap read, no table scan) on SQLite."""
        return ChangeWatcher(self)


class ChangeWatcher:
    """Wakes the app when the store changed, without re-running its queries in a loop."""

    POLL_S = 0.05

    def __init__(self, store: Store) -> None:
        self._pg = store.is_postgres
        self._conn: Any
        if self._pg:
            import psycopg

            from overseer.store import libpq_url

            with _lean.db_errors(store.db):
                self._conn = psycopg.connect(libpq_url(store.db), autocommit=True)
                for channel in (
                    _EVENTS_CHANNEL,
                    _lean.APPROVALS_CHANNEL,
                    _lean.DECISIONS_CHANNEL,
                    _lean.AUDIT_CHANNEL,
                ):
                    self._conn.execute(f"LISTEN {channel}")
            self._version = 0
        else:
            assert store.path is not None
            self._conn = sqlite3.connect(store.path, isolation_level=None, check_same_thread=False)
            self._version = self._data_version()

    def _data_version(self) -> int:
        return int(self._conn.execute("PRAGMA data_version").fetchone()[0])

    def wait(self, timeout: float) -> bool:
        """True as soon as something changed (within ``timeout`` seconds), else False."""
        end = time.monotonic() + timeout
        if self._pg:
            changed = False
            for _note in self._conn.notifies(timeout=max(timeout, 0.0), stop_after=1):
                changed = True
            # Drain what else arrived: one wake-up per burst.
            for _note in self._conn.notifies(timeout=0.0):
                pass
            return changed
        while True:
            version = self._data_version()
            if version != self._version:
                self._version = version
                return True
            remaining = end - time.monotonic()
            if remaining <= 0:
                return False
            time.sleep(min(self.POLL_S, remaining))

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> ChangeWatcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# ---------------------------------------------------------------------------------- helpers


def timeline_query(
    session_id: str,
    *,
    offset: int,
    limit: int,
    after: tuple[datetime, int] | None = None,
    displays: bool = True,
) -> sa.Select[Any]:
    """A page of tool calls, each LEFT JOINed to its result through the unique
    (session, kind, call_id) index; ordered by the (session, kind, ts, id) index."""
    c = _EVENTS.alias("c")
    r = _EVENTS.alias("r")
    join = sa.and_(
        r.c.session == c.c.session, r.c.kind == "tool_result", r.c.call_id == c.c.call_id
    )
    query = (
        sa.select(
            c.c.id,
            c.c.ts,
            c.c.seq,
            c.c.tool,
            c.c.call_id,
            c.c.agent,
            c.c.task,
            c.c.verdict,
            c.c.rule,
            c.c.flags,
            c.c.summary,
            c.c.input_display if displays else sa.literal("").label("input_display"),
            c.c.status,
            c.c.source,
            c.c.line,
            c.c.approval_id,
            r.c.id.label("r_id"),
            r.c.ts.label("r_ts"),
            r.c.status.label("r_status"),
            r.c.is_error.label("r_is_error"),
            (
                sa.case((r.c.output_display == "", r.c.output), else_=r.c.output_display)
                if displays
                else sa.literal("")
            ).label("r_output"),
            (r.c.output_display == "" if displays else sa.false()).label("r_elided"),
            r.c.output_truncated.label("r_truncated"),
        )
        .select_from(c.outerjoin(r, join))
        .where(c.c.session == session_id, c.c.kind == "tool_call")
        .order_by(c.c.ts, c.c.id)
        .offset(offset)
        .limit(limit)
    )
    if after is not None:
        query = query.where(sa.tuple_(c.c.ts, c.c.id) > sa.tuple_(utc_text(after[0]), after[1]))
    return query


def _edit_state(outcome: _edits.ApprovalOutcome | None) -> str | None:
    if outcome is None:
        return None
    if outcome.denied:
        return "edit_denied" if outcome.edited else "denied_after"
    return "edited"


def _summary(row: Mapping[Any, Any], idle_cutoff: str | None) -> SessionSummary:
    status = row["status"]
    last = row["last_event_at"]
    if status == "live" and idle_cutoff is not None and last is not None and last < idle_cutoff:
        status = "idle"
    return SessionSummary(
        id=row["id"],
        agent=row["agent"],
        task=row["task"],
        status=status,
        cwd=row["cwd"],
        pid=row["pid"],
        host=row["host"],
        parent_session=row["parent_session"],
        started_at=parse_utc_text(row["started_at"]),
        ended_at=parse_utc_text(row["ended_at"]),
        end_reason=row["end_reason"],
        last_event_at=parse_utc_text(last),
        events=row["event_count"] or 0,
        tool_calls=row["tool_calls"] or 0,
        pending_approvals=int(row["pending"] or 0),
        flags={"safety": row["flags_safety"] or 0, "security": row["flags_security"] or 0},
        last_tool=row["last_tool"],
        last_tool_at=parse_utc_text(row["last_tool_at"]),
        killed_by=row["killed_by"],
    )


def _call_status(row: Mapping[Any, Any]) -> str:
    if row["r_id"] is not None:
        if row["r_status"]:
            return str(row["r_status"])
        return "error" if row["r_is_error"] else "ok"
    status = row["status"]
    return str(status) if status and status != "ok" else "pending"


def _event_dict(row: Mapping[Any, Any]) -> dict[str, Any]:
    out = dict(row)
    out["output_display"] = output_display(out.get("output_display"), out.get("output"))
    out["input"] = _loads(out["input"])
    out["flags"] = _loads(out["flags"], [])
    out["extra"] = _loads(out["extra"], {})
    out["ts"] = parse_utc_text(out["ts"])
    out["is_error"] = bool(out["is_error"])
    out["output_truncated"] = bool(out["output_truncated"])
    return out
