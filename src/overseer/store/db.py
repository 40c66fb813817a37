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
from datetime import datetime
from typing import Any, TextIO

import orjson
import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.dialects import postgresql as pg_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

from overseer.config import UNKNOWN_AGENT
from overseer.model import Event, Problem
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
    CheckpointRow,
    DecisionRow,
    EventRow,
    GrantRow,
    MetaRow,
    NotificationRow,
    OffsetRow,
    ProblemRow,
    RevealRow,
    SessionRow,
)

#: Raw tool outputs and message texts above this many characters are cut (noted on the row).
OUTPUT_CAP = 256 * 1024
_SQLITE_BUSY_MS = 30_000
_SCHEMA_LOCK = 0x6F76657273636D61  # advisory lock while creating the schema on PostgreSQL
_EVENTS_CHANNEL = "overseer_events"

TABLES: tuple[type[SQLModel], ...] = (
    MetaRow, AgentRow, SessionRow, EventRow, ApprovalRow, DecisionRow, OffsetRow, ProblemRow,
    CheckpointRow, GrantRow, RevealRow, NotificationRow,
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
    except (sa.exc.SQLAlchemyError, sqlite3.Error) as exc:
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
        cur.execute("PRAGMA journal_mode=WAL")
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


#: version → the step that brings the previous version to it (run in order, one transaction).
_MIGRATIONS = {2: _migrate_2, 3: _migrate_3, 4: _migrate_4, 5: _migrate_5}


# ------------------------------------------------------------------------------ conversions


def _json(value: Any) -> str:
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode("utf-8")
    except (TypeError, orjson.JSONEncodeError):
        # Lone surrogates, >64-bit ints, odd types: escaped ASCII JSON always encodes.
        return json.dumps(value, ensure_ascii=True, default=str)


def _cap(text: str | None) -> tuple[str | None, int | None, bool]:
    if text is None or len(text) <= OUTPUT_CAP:
        return text, None, False
    return text[:OUTPUT_CAP], len(text), True


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


def _event_values(ev: Event, pg: bool) -> dict[str, Any]:
    flags = [_flag_dict(f) for f in ev.flags]
    output, output_chars, truncated = _cap(ev.output)
    text, text_chars, text_truncated = _cap(ev.text)
    extra = dict(ev.extra) if ev.extra else {}
    if text_truncated:
        extra["text_chars"] = text_chars
    ts = ev.ts if isinstance(ev.ts, datetime) else None
    values: dict[str, Any] = {
        "session": ev.session,
        "kind": _value(ev.kind),
        "ts": utc_text(ts) if ts is not None else utc_text(),
        "seq": ev.seq,
        "agent": ev.agent,
        "task": ev.task,
        "tool": ev.tool,
        "call_id": None if ev.call_id is None else str(ev.call_id),
        "approval_id": ev.approval_id,
        "role": ev.role,
        "text": text,
        "input": None if ev.input is None else _json(ev.input),
        "output": output,
        "output_chars": output_chars,
        "output_truncated": truncated,
        "is_error": bool(ev.is_error),
        "status": _value(ev.status),
        "verdict": _value(ev.verdict),
        "rule": ev.rule,
        "flags": _json(flags) if flags else None,
        "flags_safety": sum(1 for f in flags if f["category"] == "safety"),
        "flags_security": sum(1 for f in flags if f["category"] == "security"),
        "summary": ev.summary or "",
        "input_display": ev.input_display or "",
        "output_display": ev.output_display or "",
        "reason": ev.reason,
        "parent_session": ev.parent_session,
        "source": ev.source,
        "line": ev.line,
        "extra": _json(extra) if extra else None,
    }
    for key, item in values.items():
        if type(item) is str:
            values[key] = clean_text(item, pg)
    return values


def _loads(text: str | None, default: Any = None) -> Any:
    if text is None:
        return default
    try:
        return json.loads(text)
    except ValueError:
        return default


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
        """
        pg = self.is_postgres
        rows = [_event_values(ev, pg) for ev in events]
        now = utc_text()
        with self._write() as conn:
            inserted: list[Any] = []
            if rows:
                stmt = (
                    self._insert(_EVENTS)
                    .on_conflict_do_nothing()
                    .returning(
                        _EVENTS.c.session,
                        _EVENTS.c.kind,
                        _EVENTS.c.tool,
                        _EVENTS.c.ts,
                        _EVENTS.c.flags_safety,
                        _EVENTS.c.flags_security,
                    )
                )
                inserted = list(conn.execute(stmt, rows))
            deltas = self._deltas(events, rows, inserted, source)
            for session_id, delta in deltas.items():
                self._apply_delta(conn, session_id, delta, now)
            agents = {r["agent"] for r in rows if r["agent"]}
            for name in sorted(agents):
                conn.execute(
                    self._insert(_AGENTS)
                    .values(name=name, first_seen=now, last_seen=now)
                    .on_conflict_do_nothing()
                )
                conn.execute(sa.update(_AGENTS).where(_AGENTS.c.name == name).values(last_seen=now))
            if problems:
                conn.execute(
                    sa.insert(_PROBLEMS),
                    [
                        {
                            "source": clean_text(p.source or source, pg),
                            "line": p.line,
                            "reason": clean_text(p.reason, pg),
                            "excerpt": clean_text(p.excerpt or "", pg),
                            "recorded_at": now,
                        }
                        for p in problems
                    ],
                )
            offset_values = {
                "byte_offset": int(offset),
                "state": _json(dict(state)),
                "identity": _json(dict(identity)),
                "updated_at": now,
            }
            conn.execute(
                self._insert(_OFFSETS)
                .values(source=source, **offset_values)
                .on_conflict_do_update(index_elements=["source"], set_=offset_values)
            )
            if pg and (inserted or problems):
                conn.execute(sa.select(sa.func.pg_notify(_EVENTS_CHANNEL, source)))

    @staticmethod
    def _deltas(
        events: Sequence[Event],
        rows: Sequence[dict[str, Any]],
        inserted: Sequence[Any],
        source: str,
    ) -> dict[str, _SessionDelta]:
        deltas: dict[str, _SessionDelta] = {}
        # Metadata: from every event, duplicates included, in batch order.
        for ev, r in zip(events, rows, strict=True):
            d = deltas.setdefault(r["session"], _SessionDelta())
            if d.first_ts is None or r["ts"] < d.first_ts:
                d.first_ts = r["ts"]
            d.source = d.source or r["source"] or source
            for key in ("agent", "task", "parent_session"):
                if r[key] is not None:
                    d.meta[key] = r[key]
            kind = r["kind"]
            for key, value in (("cwd", ev.cwd), ("pid", ev.pid), ("host", ev.host)):
                if value is not None:
                    d.meta[key] = value
            if kind == "session_start":
                d.started_at, d.status = r["ts"], "live"
            elif kind == "session_end":
                # A hook's ``continue: false`` ended it (overseer's kill, as the log says):
                # ``stopped``, never shown as a session that finished on its own.
                status = "stopped" if ev.extra and ev.extra.get("stopped_by") else "ended"
                d.ended_at, d.end_reason, d.status = r["ts"], r["reason"], status
        for session_id, kind, tool, ts, safety, security in inserted:  # counters: new rows only
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

    def _apply_delta(self, conn: Connection, session_id: str, d: _SessionDelta, now: str) -> None:
        s = _SESSIONS.c
        conn.execute(
            self._insert(_SESSIONS)
            .values(
                id=session_id,
                status="live",
                source=d.source,
                started_at=d.started_at or d.first_ts,
                last_event_at=d.first_ts,
            )
            .on_conflict_do_nothing()
        )
        values: dict[str, Any] = {
            k: clean_text(v, self.is_postgres) if isinstance(v, str) else v
            for k, v in d.meta.items()
        }
        if "pid" in values and type(values["pid"]) is not int:
            values.pop("pid")
        if "agent" in values:
            self._keep_known_owner(values)
        if d.started_at is not None:
            values["started_at"] = d.started_at
        if d.status is not None:
            values["status"] = sa.case((s.status == "killed", s.status), else_=sa.literal(d.status))
            if d.status in ("ended", "stopped"):
                values["ended_at"], values["end_reason"] = d.ended_at, d.end_reason
        if d.events:
            values["event_count"] = s.event_count + d.events
            values["flags_safety"] = s.flags_safety + d.safety
            values["flags_security"] = s.flags_security + d.security
            values["last_event_at"] = sa.case(
                (sa.or_(s.last_event_at.is_(None), s.last_event_at < d.last_ts), d.last_ts),
                else_=s.last_event_at,
            )
        if d.calls:
            newer = sa.or_(s.last_tool_at.is_(None), s.last_tool_at <= d.last_tool_at)
            values["tool_calls"] = s.tool_calls + d.calls
            values["last_tool"] = sa.case((newer, d.last_tool), else_=s.last_tool)
            values["last_tool_at"] = sa.case((newer, d.last_tool_at), else_=s.last_tool_at)
        if values:
            conn.execute(sa.update(_SESSIONS).where(s.id == session_id).values(**values))

    @staticmethod
    def _keep_known_owner(values: dict[str, Any]) -> None:
        """Whose session it is, once known, stays (invariant 10): an ingest that could not
        attribute the session (``unknown``: no ``match`` rule names its log or directory)
        must not relabel one the hook attributed from its installed ``--agent``, nor may a
        later log's answer move it into another agent's scope. Only an empty or ``unknown``
        label is filled in; the task follows the agent that is kept."""
        s = _SESSIONS.c
        agent = values["agent"]
        known = sa.and_(s.agent.is_not(None), s.agent != UNKNOWN_AGENT)
        values["agent"] = sa.case((known, s.agent), else_=sa.literal(agent))
        if "task" in values:
            kept = sa.and_(known, s.agent != sa.literal(agent))
            values["task"] = sa.case((kept, s.task), else_=sa.literal(values["task"]))

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
                    output_display=row["r_output"] or "",
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
            (r.c.output_display if displays else sa.literal("")).label("r_output"),
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
    out["input"] = _loads(out["input"])
    out["flags"] = _loads(out["flags"], [])
    out["extra"] = _loads(out["extra"], {})
    out["ts"] = parse_utc_text(out["ts"])
    out["is_error"] = bool(out["is_error"])
    out["output_truncated"] = bool(out["output_truncated"])
    return out
