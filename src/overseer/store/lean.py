"""The gate protocol over the store, for processes that must start fast (the gate hook).

The Claude Code gate hook runs before *every* tool call of every agent, so this module imports
only the standard library, :mod:`rfc8785` (through :mod:`.chain`) and the light
:mod:`overseer.store` / :mod:`overseer.secrets` modules — never SQLModel, SQLAlchemy, pydantic
or dataclasses. PostgreSQL URLs load ``psycopg`` lazily. A missing SQLite file or schema is
created once through the full store (a one-time cost).

Everything that changes approval or session state writes its audit-chain row in the same
transaction. Chain writers are serialised: ``BEGIN IMMEDIATE`` on SQLite (a deferred
transaction that later upgrades its read lock fails with "database is locked" under
contention), a transaction-scoped advisory lock on PostgreSQL, taken *first* so that no two
writers can deadlock on approval rows and the chain head.

Times are the store's UTC text (:func:`overseer.store.utc_text`); dicts returned here carry
them as text. Deadlines passed in are ``time.time()`` epoch seconds.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import rfc8785

from overseer.secrets import fingerprint, mask_value
from overseer.store import (
    SCHEMA_VERSION,
    AlreadyDecided,
    SchemaTooOld,
    StoreError,
    UnknownApproval,
    check_version,
    clean_text,
    is_postgres,
    libpq_url,
    resolve_db,
    sqlite_path,
    utc_text,
)
from overseer.store.chain import COLUMNS, GENESIS, OUTCOMES, row_hash

__all__ = [
    "APPROVALS_CHANNEL",
    "AUDIT_CHANNEL",
    "DECISIONS_CHANNEL",
    "FINISH_OUTCOMES",
    "LeanConn",
    "append_decision",
    "connect",
    "create_approval",
    "decide",
    "default_operator",
    "expire_overdue",
    "finish_approval",
    "mark_session_killed",
    "note_start_dir",
    "pending_approvals",
    "read_approval",
    "session_grants",
    "session_start_dir",
    "session_status",
    "wait_for_decision",
]

#: How long a SQLite writer waits for the lock before giving up (the hook then fails closed).
SQLITE_BUSY_MS = 10_000
#: SQLite poll period of :func:`wait_for_decision`: one primary-key lookup per tick.
POLL_S = 0.025
#: PostgreSQL advisory lock serialising chain writers ("overseer" in ASCII, fits a bigint).
CHAIN_LOCK = 0x6F76657273656572
#: PostgreSQL NOTIFY channels; the payload is the approval id.
APPROVALS_CHANNEL = "overseer_approvals"
DECISIONS_CHANNEL = "overseer_decisions"
#: Every chain append (payload: seq), for the audit screen; gates do not listen to it.
AUDIT_CHANNEL = "overseer_audit"
#: Outcomes :func:`finish_approval` may set (the non-human ends of a pending approval).
FINISH_OUTCOMES = ("timed_out", "errored", "killed")

_APPROVAL_COLUMNS = (
    "id", "session", "call_id", "agent", "task", "tool", "input", "summary", "rule", "verdict",
    "origin", "status", "created_at", "timeout_s", "deadline", "decided_by", "decided_at",
    "reason", "updated_input", "decision_seq",
)  # fmt: skip
_SELECT_APPROVAL = f"SELECT {', '.join(_APPROVAL_COLUMNS)} FROM approvals"
_INSERT_DECISION = (
    f"INSERT INTO decisions ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
)


class LeanConn:
    """One connection to the store: ``sqlite3`` for files, ``psycopg`` (autocommit) by URL.

    SQL is written once with ``?`` placeholders and translated for psycopg.
    """

    __slots__ = (
        "_sql", "after_chain", "anchor_file", "anchor_policy", "db", "is_pg", "raw", "team",
    )  # fmt: skip

    def __init__(self, db: str, raw: Any, is_pg: bool) -> None:
        self.db, self.raw, self.is_pg = db, raw, is_pg
        self._sql: dict[str, str] = {}
        #: Run after each committed chain transaction: automatic anchoring (:mod:`.anchor`,
        #: which also reads ``anchor_file`` and ``anchor_policy``; ``None`` = defaults).
        self.after_chain: Any = None
        self.anchor_file: Any = None
        self.anchor_policy: Any = None
        #: ``"hook"`` / ``"operator"``: connected as a team-mode role (:mod:`.team`), which
        #: writes only through the database's functions (:mod:`.team_gate`); ``None``: direct.
        self.team: str | None = None

    def sql(self, query: str) -> str:
        if not self.is_pg:
            return query
        converted = self._sql.get(query)
        if converted is None:
            converted = self._sql[query] = query.replace("?", "%s")
        return converted

    def execute(self, query: str, params: Sequence[Any] = ()) -> Any:
        return self.raw.execute(self.sql(query), params)

    @contextmanager
    def transaction(self, *, chain: bool = False) -> Iterator[LeanConn]:
        """A write transaction; ``chain=True`` also serialises against other chain writers."""
        if self.is_pg:
            with self.raw.transaction():
                if chain:
                    self.raw.execute("SELECT pg_advisory_xact_lock(%s)", (CHAIN_LOCK,))
                yield self
        else:
            self.raw.execute("BEGIN IMMEDIATE")
            try:
                yield self
            except BaseException:
                self.raw.execute("ROLLBACK")
                raise
            self.raw.execute("COMMIT")
        if chain and self.after_chain is not None:
            self.after_chain(self)  # committed: anchoring never undoes what was recorded

    def notify(self, channel: str, payload: str) -> None:
        """Tell listeners (PostgreSQL only; SQLite readers poll). Delivered at commit."""
        if self.is_pg:
            self.raw.execute("SELECT pg_notify(%s, %s)", (channel, payload))

    def close(self) -> None:
        self.raw.close()

    def __enter__(self) -> LeanConn:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextmanager
def db_errors(db: str) -> Iterator[None]:
    """Database driver errors become one-line :class:`StoreError` s naming the database
    (wrap every lean transaction in it: callers catch StoreError, never driver errors)."""
    try:
        yield
    except StoreError:
        raise
    except Exception as exc:
        if isinstance(exc, sqlite3.Error) or type(exc).__module__.startswith("psycopg"):
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise StoreError(f"{_redact(db)}: {first}") from exc
        raise


def _redact(db: str) -> str:
    """A database name fit for messages: no password from a URL."""
    if "://" in db and "@" in db.split("://", 1)[1].split("/", 1)[0]:
        scheme, rest = db.split("://", 1)
        creds, host = rest.split("@", 1)
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user}@{host}"
    return db


def default_operator() -> str:
    """The OS user, which is who ran the command unless ``--operator`` says otherwise."""
    import getpass  # here, not at the top: the hook's auto decisions never ask

    try:
        return getpass.getuser()
    except Exception:  # no passwd entry (containers): getuser raises instead of guessing
        return os.environ.get("USER") or f"uid:{os.getuid()}"


# ----------------------------------------------------------------------------------- connect


def connect(db: str | None = None, *, create: bool = True, upgrade: bool = True) -> LeanConn:
    """Connect to ``db`` (path or URL; ``None`` → ``$OVERSEER_DB`` → the default file).

    With ``create=False`` (read-only commands: ``audit verify``, ``approvals``...) a missing
    database is an error instead of a new empty one — a typo in ``--db`` must not verify an
    empty chain as intact. ``upgrade=False`` (the gate hook) refuses a store of an older
    schema instead of migrating it: a migration of a large store takes longer than the hook
    may run, so every call would be denied by the watchdog, the migration rolled back, and
    the next call would start it again; the refusal says what to run once instead. Raises
    :class:`StoreError` (:class:`~overseer.store.SchemaTooNew`,
    :class:`~overseer.store.SchemaTooOld`) with a one-line reason.
    """
    target = resolve_db(db)
    if is_postgres(target):
        conn = _connect_pg(target, create, upgrade)
    else:
        conn = _connect_sqlite(target, create, upgrade)
    from overseer.store.anchor import after_chain_commit

    conn.after_chain = after_chain_commit  # the chain is anchored automatically
    return conn


def _no_store(where: str) -> StoreError:
    return StoreError(f"{where}: no overseer database here (nothing has been recorded yet?)")


def _outdated(version: int, where: str) -> StoreError:
    return SchemaTooOld(
        f"{where}: the store's schema version {version} is older than this overseer's "
        f"({SCHEMA_VERSION}); run `overseer upgrade --db {where}` once (the gate hook does not "
        "upgrade a store: it could outlast its timeout)"
    )


def _connect_sqlite(target: str, create: bool, upgrade: bool) -> LeanConn:
    path = sqlite_path(target)
    if not os.path.exists(path):
        if not create:
            raise _no_store(path)
        _bootstrap(target)
    for attempt in range(2):
        with db_errors(path):
            raw = sqlite3.connect(
                path, timeout=SQLITE_BUSY_MS / 1000, isolation_level=None, check_same_thread=False
            )
            try:
                raw.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
                raw.execute("PRAGMA synchronous=FULL")  # decisions are few and must survive
                version = _sqlite_version(raw)
            except BaseException:
                raw.close()
                raise
        if version is not None:
            check_version(version, path)
            if version == SCHEMA_VERSION or attempt == 1:
                return LeanConn(path, raw, is_pg=False)
            raw.close()
            if not (upgrade and create):
                raise _outdated(version, path)
            _bootstrap(target)  # older: let the full store migrate it (once), then reconnect
            continue
        raw.close()
        if not create:
            raise _no_store(path)
        if attempt == 0:
            _bootstrap(target)
    raise StoreError(f"{path}: no overseer schema after creating it")


def _sqlite_version(raw: sqlite3.Connection) -> int | None:
    try:
        row = raw.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return None
        raise
    return int(row[0]) if row else None


def _connect_pg(target: str, create: bool, upgrade: bool) -> LeanConn:
    import psycopg

    for attempt in range(2):
        with db_errors(target):
            raw = psycopg.connect(libpq_url(target), autocommit=True, connect_timeout=10)
            try:
                try:
                    row = raw.execute(_PG_HELLO).fetchone()
                    version: int | None = int(row[0]) if row else None
                    team = row[1] if row else None
                except psycopg.errors.UndefinedTable:
                    version, team = None, None
            except BaseException:
                raw.close()
                raise
        if version is not None:
            check_version(version, _redact(target))
            if version == SCHEMA_VERSION or attempt == 1:
                conn = LeanConn(target, raw, is_pg=True)
                conn.team = team
                return conn
            raw.close()
            if not (upgrade and create):
                raise _outdated(version, _redact(target))
            _bootstrap(target)  # older: let the full store migrate it (once), then reconnect
            continue
        raw.close()
        if not create:
            raise _no_store(_redact(target))
        if attempt == 0:
            _bootstrap(target)
    raise StoreError(f"{_redact(target)}: no overseer schema after creating it")


#: The schema version, and whether this login is a team-mode role (:mod:`.team`): one round
#: trip. A role that may UPDATE approvals (the owner) writes directly; one that may not, but
#: may call the operator's or the hook's functions, goes through them.
_PG_HELLO = (
    "SELECT value, CASE WHEN to_regproc('overseer_op_decide') IS NULL THEN NULL"
    " WHEN has_table_privilege('approvals', 'UPDATE') THEN NULL"
    " WHEN has_function_privilege(to_regproc('overseer_op_decide')::oid, 'EXECUTE')"
    " THEN 'operator'"
    " WHEN has_function_privilege(to_regproc('overseer_gate_create_approval')::oid, 'EXECUTE')"
    " THEN 'hook' END"
    " FROM meta WHERE key = 'schema_version'"
)


def _team() -> Any:
    from overseer.store import team_gate

    return team_gate


def _bootstrap(target: str) -> None:
    """Create the database and schema through the full store (once per database)."""
    from overseer.store.db import open_store

    open_store(target).close()


# ------------------------------------------------------------------------------------ helpers


def _canonical(value: Any) -> str:
    """RFC 8785 text of a JSON value; values it cannot take (NaN, huge ints) fall back to
    sorted-key JSON so that a hostile input can never make the audit write fail."""
    try:
        return rfc8785.dumps(value).decode("utf-8")
    except Exception:
        # ASCII escapes: a lone surrogate stays representable.
        return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


#: Longest tool input a chain row keeps whole (canonical JSON characters). A longer one — a
#: Write of a large file — keeps its first :data:`CHAIN_INPUT_HEAD` characters; the row's
#: ``input_fingerprint`` still commits to the whole input, and the capped form carries the
#: SHA-256 of the whole masked text (an edited input has no fingerprint column of its own: the
#: cross-check compares these texts). Without a cap every call records
#: up to the request bound (8 MiB) and an agent can fill the store's disk with denied calls.
MAX_CHAIN_INPUT = 256 * 1024
CHAIN_INPUT_HEAD = 16 * 1024


def _masked(value: Any) -> str | None:
    if value is None:
        return None
    text = _canonical(mask_value(value))
    if len(text) <= MAX_CHAIN_INPUT:
        return text
    return _canonical(
        {"capped": True, "chars": len(text), "sha256": fingerprint(text),
         "head": text[:CHAIN_INPUT_HEAD]}
    )  # fmt: skip


def _fingerprint(value: Any) -> str | None:
    return None if value is None else fingerprint(_canonical(value))


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _cleaned(conn: LeanConn, values: dict[str, Any]) -> dict[str, Any]:
    return {k: clean_text(v, conn.is_pg) if type(v) is str else v for k, v in values.items()}


def _loads(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return text


def _dict(cursor: Any, row: Sequence[Any] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return dict(zip([d[0] for d in cursor.description], row, strict=True))


def _approval(conn: LeanConn, approval_id: str) -> dict[str, Any] | None:
    cur = conn.execute(f"{_SELECT_APPROVAL} WHERE id = ?", (approval_id,))
    return _dict(cur, cur.fetchone())


def _public(approval: dict[str, Any]) -> dict[str, Any]:
    """An approval row with its JSON fields parsed."""
    return {
        **approval,
        "input": _loads(approval["input"]),
        "updated_input": _loads(approval["updated_input"]),
    }


def _to_epoch(deadline: float) -> float:
    # Contract: time.time() seconds. A time.monotonic() value (seconds since boot, far below
    # 1e9) would otherwise expire at once, so it is translated rather than trusted.
    if deadline < 1e9:
        return time.time() + (deadline - time.monotonic())
    return deadline


def append_row(
    conn: LeanConn,
    *,
    outcome: str,
    action: str,
    operator: str | None,
    session: str | None = None,
    approval_id: str | None = None,
    call_id: str | None = None,
    tool: str | None = None,
    tool_input: Any = None,
    updated_input: Any = None,
    rule: str | None = None,
    reason: str | None = None,
    agent: str | None = None,
    task: str | None = None,
    ts: str | None = None,
) -> int:
    """Append one chain row and return its seq. Must run inside
    ``conn.transaction(chain=True)`` (which serialises appenders), so a caller can write the
    row together with what it records (an approval's outcome, a delivery ack) atomically."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown gate outcome {outcome!r} (one of: {', '.join(OUTCOMES)})")
    head = conn.execute("SELECT seq, hash FROM decisions ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev = (int(head[0]) + 1, head[1]) if head else (1, GENESIS)
    row: dict[str, Any] = {
        "action": str(action),
        "agent": _text(agent),
        "approval_id": _text(approval_id),
        "call_id": _text(call_id),
        "input": _masked(tool_input),
        "input_fingerprint": _fingerprint(tool_input),
        "operator": str(operator or default_operator()),
        "outcome": outcome,
        "reason": _text(reason),
        "rule": _text(rule),
        "seq": seq,
        "session": _text(session),
        "task": _text(task),
        "tool": _text(tool),
        "ts": ts or utc_text(),
        "updated_input": _masked(updated_input),
    }
    row = _cleaned(conn, row)  # what is hashed is exactly what is stored
    digest = row_hash(prev, row)
    row["prev_hash"], row["hash"] = prev, digest
    conn.execute(_INSERT_DECISION, tuple(row[c] for c in COLUMNS))
    conn.notify(AUDIT_CHANNEL, str(seq))
    return seq


#: Whose session it is, once known, stays; an empty or ``unknown`` label (a tailed transcript
#: seen before the hook's first call, that no ``match`` rule attributes) takes the hook's.
#: ``overseer_team_ensure_session`` (:mod:`.team`) runs the same clause.
ENSURE_SESSION_OWNER = (
    "agent = CASE WHEN sessions.agent IS NULL OR sessions.agent = 'unknown'"
    " THEN COALESCE(excluded.agent, sessions.agent) ELSE sessions.agent END,"
    " task = CASE WHEN sessions.agent IS NULL OR sessions.agent = 'unknown'"
    " THEN COALESCE(excluded.task, sessions.task) ELSE COALESCE(sessions.task, excluded.task) END"
)


def _ensure_session(
    conn: LeanConn, session: str, agent: str | None, task: str | None, ts: str
) -> None:
    """Make a hook-only session visible (the transcript may not be tailed, or not yet)."""
    conn.execute(
        "INSERT INTO sessions (id, agent, task, status, started_at, last_event_at, event_count,"
        " tool_calls, flags_safety, flags_security) VALUES (?, ?, ?, 'live', ?, ?, 0, 0, 0, 0)"
        f" ON CONFLICT (id) DO UPDATE SET {ENSURE_SESSION_OWNER}",
        (session, agent, task, ts, ts),
    )


# ----------------------------------------------------------------------------- gate protocol


def append_decision(
    conn: LeanConn,
    *,
    outcome: str,
    action: str,
    operator: str | None,
    session: str | None = None,
    approval_id: str | None = None,
    call_id: str | None = None,
    tool: str | None = None,
    tool_input: Any = None,
    updated_input: Any = None,
    rule: str | None = None,
    reason: str | None = None,
    agent: str | None = None,
    task: str | None = None,
) -> int:
    """Record one gate decision (e.g. ``auto_allowed`` by a rule) and return its chain seq.

    Secrets in ``tool_input``/``updated_input`` are masked in the row; ``input_fingerprint``
    is the sha256 of the raw canonical input, so the original can still be matched.
    """
    if conn.team:
        return _team().append_decision(  # type: ignore[no-any-return]
            conn, outcome=outcome, action=action, session=session, approval_id=approval_id,
            call_id=call_id, tool=tool, tool_input=tool_input, updated_input=updated_input,
            rule=rule, reason=reason, agent=agent, task=task,
        )  # fmt: skip
    with db_errors(conn.db), conn.transaction(chain=True):
        if session is not None:
            _ensure_session(conn, session, agent, task, utc_text())
        return append_row(
            conn, outcome=outcome, action=action, operator=operator, session=session,
            approval_id=approval_id, call_id=call_id, tool=tool, tool_input=tool_input,
            updated_input=updated_input, rule=rule, reason=reason, agent=agent, task=task,
        )  # fmt: skip


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
    origin: str = "hook",
) -> str:
    """Write a pending approval and return its id (``ap-`` + 10 hex: short enough to type).

    ``summary`` must already be neutralised (it is shown as is). The raw ``tool_input`` is
    kept so an approval can hand back an edited input; audit rows get a masked copy.
    """
    if conn.team:
        return _team().create_approval(  # type: ignore[no-any-return]
            conn, session=session, call_id=call_id, agent=agent, task=task, tool=tool,
            tool_input=tool_input, rule=rule, verdict=verdict, summary=summary,
            timeout_s=timeout_s, origin=origin,
        )  # fmt: skip
    approval_id = "ap-" + os.urandom(5).hex()
    now = time.time()
    created = utc_text(now)
    deadline = utc_text(now + timeout_s) if timeout_s is not None else None
    raw_input = None if tool_input is None else json.dumps(tool_input, ensure_ascii=False)
    with db_errors(conn.db), conn.transaction():
        conn.execute(
            "INSERT INTO approvals (id, session, call_id, agent, task, tool, input, summary, rule,"
            " verdict, origin, status, created_at, timeout_s, deadline)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)",
            (
                approval_id, session, _text(call_id), agent, task, tool, raw_input,
                summary or "", rule, _text(verdict), origin, created, timeout_s, deadline,
            ),
        )  # fmt: skip
        _ensure_session(conn, session, agent, task, created)
        conn.notify(APPROVALS_CHANNEL, approval_id)
    return approval_id


def read_approval(conn: LeanConn, approval_id: str) -> dict[str, Any] | None:
    """The approval as a dict (``status``, ``decided_by``, ``decided_at``, ``reason``,
    ``updated_input`` parsed, ...), or ``None`` if there is no such id."""
    if conn.team:
        return _team().read_approval(conn, approval_id)  # type: ignore[no-any-return]
    with db_errors(conn.db):
        row = _approval(conn, approval_id)
    return None if row is None else _public(row)


def pending_approvals(conn: LeanConn) -> list[dict[str, Any]]:
    """Every pending approval, oldest first (indexed on status)."""
    with db_errors(conn.db):
        cur = conn.execute(f"{_SELECT_APPROVAL} WHERE status = 'pending' ORDER BY created_at, id")
        names = [d[0] for d in cur.description]
        return [_public(dict(zip(names, row, strict=True))) for row in cur.fetchall()]


def _close_approval(
    conn: LeanConn,
    row: dict[str, Any],
    *,
    outcome: str,
    action: str,
    operator: str,
    reason: str | None,
    updated_input: Any = None,
    rule: str | None = None,
) -> int:
    """Move a pending approval to ``outcome`` with its chain row (inside a chain transaction).
    The row's rule is the approval's (the rule that gated the call) unless ``rule`` is given."""
    ts = utc_text()
    seq = append_row(
        conn, outcome=outcome, action=action, operator=operator, session=row["session"],
        approval_id=row["id"], call_id=row["call_id"], tool=row["tool"],
        tool_input=_loads(row["input"]), updated_input=updated_input,
        rule=rule if rule is not None else row["rule"],
        reason=reason, agent=row["agent"], task=row["task"], ts=ts,
    )  # fmt: skip
    cur = conn.execute(
        "UPDATE approvals SET status = ?, decided_by = ?, decided_at = ?, reason = ?,"
        " updated_input = ?, decision_seq = ? WHERE id = ? AND status = 'pending'",
        (
            outcome, operator, ts, reason,
            None if updated_input is None else json.dumps(updated_input, ensure_ascii=False),
            seq, row["id"],
        ),
    )  # fmt: skip
    if cur.rowcount != 1:  # cannot happen while the chain lock is held; never half-write
        raise StoreError(f"approval {row['id']} changed while being decided")
    conn.notify(DECISIONS_CHANNEL, row["id"])
    return seq


def finish_approval(
    conn: LeanConn, approval_id: str, *, outcome: str, reason: str | None, operator: str | None
) -> bool:
    """``pending → outcome`` (``timed_out``, ``errored`` or ``killed``) with its chain row.

    Returns ``False`` when someone decided first: the caller then uses that decision
    (:func:`read_approval`). Raises :class:`UnknownApproval` for an unknown id.
    """
    if outcome not in FINISH_OUTCOMES:
        raise ValueError(
            f"finish_approval sets one of {', '.join(FINISH_OUTCOMES)}, not {outcome!r}"
        )
    action = {"timed_out": "timeout", "errored": "error", "killed": "kill"}[outcome]
    if conn.team:  # the approval's own hook login records "overseer", an operator itself
        return _team().finish_approval(  # type: ignore[no-any-return]
            conn, approval_id, outcome=outcome, reason=reason
        )
    with db_errors(conn.db), conn.transaction(chain=True):
        row = _approval(conn, approval_id)
        if row is None:
            raise UnknownApproval(f"no approval {approval_id}")
        if row["status"] != "pending":
            return False
        _close_approval(
            conn, row, outcome=outcome, action=action,
            operator=operator or default_operator(), reason=reason,
        )  # fmt: skip
    return True


def decide(
    conn: LeanConn,
    approval_id: str,
    *,
    decision: str,
    reason: str | None,
    operator: str | None,
    updated_input: Any = None,
    grant_rules: Sequence[str] | None = None,
    caller_pid: int | None = None,
) -> dict[str, Any]:
    """An operator's answer: ``approve`` or ``deny`` (a denial needs a reason).

    Refused (:class:`~overseer.control.ancestry.InsideSession`, the attempt recorded as
    oversight tampering) when the deciding process — ``caller_pid``, default this one; a
    server passes its client's — descends from an agent process the store knows.

    Exactly one writer wins a race; the others get :class:`AlreadyDecided` naming the winner.
    With ``updated_input`` (approve only) the audit row keeps the original and the edit.
    With ``grant_rules`` (approve only: "approve for this session") those rules are allowed
    for the rest of the session, in the same transaction; the audit row's action is
    ``approve_for_session`` and its rule names what was granted.
    Returns the decided approval (see :func:`read_approval`).
    """
    outcomes = {"approve": "approved", "deny": "denied"}
    if decision not in outcomes:
        raise ValueError(f"decision must be 'approve' or 'deny', not {decision!r}")
    if decision == "deny" and not (reason or "").strip():
        raise ValueError("a denial needs a reason (the agent is told why)")
    if decision == "deny" and updated_input is not None:
        raise ValueError("an edited input only makes sense when approving")
    grants = [str(r) for r in grant_rules or ()]
    if grants and decision != "approve":
        raise ValueError("a session grant only makes sense when approving")
    what = f"{decision} {approval_id}" + (f" granting {' + '.join(grants)}" if grants else "")
    refuse_inside_session(conn, what, caller_pid)
    if conn.team:  # the database records session_user, whatever ``operator`` says
        return _team().decide(  # type: ignore[no-any-return]
            conn,
            approval_id,
            decision=decision,
            reason=reason,
            updated_input=updated_input,
            grants=grants,
        )
    who = operator or default_operator()
    with db_errors(conn.db), conn.transaction(chain=True):
        row = _approval(conn, approval_id)
        if row is None:
            raise UnknownApproval(f"no approval {approval_id}")
        if row["status"] != "pending":
            raise AlreadyDecided(row["decided_by"], row["decided_at"], row["status"])
        reason_text = (reason or "").strip() or None
        _close_approval(
            conn, row, outcome=outcomes[decision],
            action="approve_for_session" if grants else decision, operator=who,
            reason=reason_text, updated_input=updated_input,
            rule=" + ".join(grants) if grants else None,
        )  # fmt: skip
        for rule in grants:
            conn.execute(
                "INSERT INTO grants (session, rule, approval_id, operator, created_at, reason)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (row["session"], clean_text(rule, conn.is_pg), approval_id, who, utc_text(),
                 reason_text),
            )  # fmt: skip
        decided = _approval(conn, approval_id)
    assert decided is not None
    return _public(decided)


def refuse_inside_session(conn: LeanConn, what: str, caller_pid: int | None = None) -> None:
    """No decide, grant or kill from a process that descends from a registered agent
    process (:mod:`overseer.control.ancestry`). In team mode the database already decides
    who may decide; a role that cannot read ``sessions`` is not refused for that alone."""
    from overseer.control.ancestry import InsideSession
    from overseer.control.ancestry import refuse_inside_session as refuse

    try:
        with db_errors(conn.db):
            refuse(conn, what, caller_pid=caller_pid)
    except InsideSession:
        raise
    except StoreError:
        if not getattr(conn, "team", None):
            raise


def wait_for_decision(conn: LeanConn, approval_id: str, deadline: float) -> dict[str, Any] | None:
    """Block until the approval leaves ``pending`` (→ the approval dict) or ``deadline``
    (``time.time()`` seconds) passes (→ ``None``; the caller then calls
    :func:`finish_approval` with ``timed_out`` and, if that returns False, reads the decision).

    SQLite: a primary-key lookup every :data:`POLL_S`. PostgreSQL: LISTEN/NOTIFY.
    """
    end = _to_epoch(deadline)
    with db_errors(conn.db):
        if conn.is_pg:
            return _wait_pg(conn, approval_id, end)
        while True:
            row = conn.execute(
                "SELECT status FROM approvals WHERE id = ?", (approval_id,)
            ).fetchone()
            if row is None:
                raise UnknownApproval(f"no approval {approval_id}")
            if row[0] != "pending":
                return read_approval(conn, approval_id)
            remaining = end - time.time()
            if remaining <= 0:
                return None
            time.sleep(min(POLL_S, remaining))


def _wait_pg(conn: LeanConn, approval_id: str, end: float) -> dict[str, Any] | None:
    conn.raw.execute(f"LISTEN {DECISIONS_CHANNEL}")
    try:
        while True:  # check after LISTEN, so a decision made just before is not missed
            found = read_approval(conn, approval_id)
            if found is None:
                raise UnknownApproval(f"no approval {approval_id}")
            if found["status"] != "pending":
                return found
            remaining = end - time.time()
            if remaining <= 0:
                return None
            # Re-check at least every second even if a notification were lost.
            for _note in conn.raw.notifies(timeout=min(remaining, 1.0), stop_after=1):
                pass
    finally:
        conn.raw.execute(f"UNLISTEN {DECISIONS_CHANNEL}")


def session_grants(conn: LeanConn, session: str) -> list[str]:
    """Rules an operator allowed for the rest of ``session`` ("approve for this session"),
    oldest first. Gates read this on every call: one indexed lookup."""
    if conn.team:
        return _team().session_grants(conn, session)  # type: ignore[no-any-return]
    with db_errors(conn.db):
        rows = conn.execute(
            "SELECT rule FROM grants WHERE session = ? ORDER BY id", (session,)
        ).fetchall()
    return [str(r[0]) for r in rows]


def session_start_dir(conn: LeanConn, session: str) -> str | None:
    """The directory the session was first seen in (``./`` path rules are anchored there)."""
    if conn.team:
        info = _team().session_row(conn, session)
        return None if info is None or not info[3] else str(info[3])
    with db_errors(conn.db):
        row = conn.execute("SELECT cwd FROM sessions WHERE id = ?", (session,)).fetchone()
    return None if row is None or not row[0] else str(row[0])


def note_start_dir(conn: LeanConn, session: str, cwd: str) -> None:
    """Keep the directory a hook first saw the session in (never overwritten: a later ``cd``
    must not move the session's ``./`` rules)."""
    if conn.team:
        _team().note_start_dir(conn, session, cwd)
        return
    with db_errors(conn.db), conn.transaction():
        conn.execute(
            "UPDATE sessions SET cwd = ? WHERE id = ? AND (cwd IS NULL OR cwd = '')",
            (cwd, session),
        )


def session_status(conn: LeanConn, session: str) -> str | None:
    """The session's stored status (``live``, ``ended``, ``killed``...) or ``None`` if unseen.

    ``killed`` means every later hook call of the session must stop the agent.
    """
    if conn.team:
        info = _team().session_row(conn, session)
        return None if info is None else str(info[0])
    with db_errors(conn.db):
        row = conn.execute("SELECT status FROM sessions WHERE id = ?", (session,)).fetchone()
    return None if row is None else str(row[0])


def session_owner(conn: LeanConn, session: str) -> tuple[str, str | None] | None:
    """``(agent, task)`` recorded for the session (first resolved, from where it started),
    or ``None`` if unseen or unresolved: a later call's cwd must not move a session into
    another agent's scope."""
    if conn.team:
        info = _team().session_row(conn, session)
        row = None if info is None else info[1:3]
    else:
        with db_errors(conn.db):
            row = conn.execute(
                "SELECT agent, task FROM sessions WHERE id = ?", (session,)
            ).fetchone()
    if row is None or not row[0]:
        return None
    return str(row[0]), None if row[1] is None else str(row[1])


def session_pid(conn: LeanConn, session: str) -> tuple[bool, int | None]:
    """``(seen, pid)``: whether the store knows the session, and its registered pid."""
    if conn.team:
        info = _team().session_row(conn, session)
        return (False, None) if info is None else (True, info[4])
    with db_errors(conn.db):
        row = conn.execute("SELECT pid FROM sessions WHERE id = ?", (session,)).fetchone()
    return (False, None) if row is None else (True, None if row[0] is None else int(row[0]))


def mark_session_killed(
    conn: LeanConn,
    session: str,
    *,
    operator: str | None,
    reason: str | None,
    caller_pid: int | None = None,
) -> int:
    """Mark ``session`` killed (chain row, outcome ``killed``) and finish its pending
    approvals as ``killed``, all in one transaction. Returns the session row's chain seq.
    Refused like :func:`decide` from inside an agent's session (``caller_pid``)."""
    refuse_inside_session(conn, f"kill of session {session}", caller_pid)
    if conn.team:  # killed_by and the chain's operator are session_user
        return _team().mark_session_killed(  # type: ignore[no-any-return]
            conn, session, reason=reason
        )
    who = operator or default_operator()
    with db_errors(conn.db), conn.transaction(chain=True):
        ts = utc_text()
        conn.execute(
            "INSERT INTO sessions (id, status, started_at, last_event_at, event_count, tool_calls,"
            " flags_safety, flags_security, killed_by, killed_at)"
            " VALUES (?, 'killed', ?, ?, 0, 0, 0, 0, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET status = 'killed', killed_by = excluded.killed_by,"
            " killed_at = excluded.killed_at",
            (session, ts, ts, who, ts),
        )
        info = conn.execute("SELECT agent, task FROM sessions WHERE id = ?", (session,)).fetchone()
        seq = append_row(
            conn, outcome="killed", action="kill", operator=who, session=session, reason=reason,
            agent=info[0] if info else None, task=info[1] if info else None, ts=ts,
        )  # fmt: skip
        cur = conn.execute(
            f"{_SELECT_APPROVAL} WHERE session = ? AND status = 'pending' ORDER BY created_at, id",
            (session,),
        )
        names = [d[0] for d in cur.description]
        for values in cur.fetchall():
            row = dict(zip(names, values, strict=True))
            _close_approval(
                conn, row, outcome="killed", action="kill", operator=who,
                reason=reason or "session killed",
            )  # fmt: skip
    return seq


def expire_overdue(
    conn: LeanConn, *, operator: str | None = None, grace_s: float = 5.0
) -> list[str]:
    """Finish as ``timed_out`` the pending approvals whose deadline passed ``grace_s`` ago.

    A live gate finishes its own approval at its deadline; what is left over belongs to a
    gate process that died, and would otherwise sit in the operator's queue forever.
    """
    cutoff = utc_text(time.time() - grace_s)
    with db_errors(conn.db):
        rows = conn.execute(
            "SELECT id FROM approvals WHERE status = 'pending' AND deadline IS NOT NULL"
            " AND deadline < ? ORDER BY created_at",
            (cutoff,),
        ).fetchall()
    done = []
    for (approval_id,) in rows:
        reason = "no answer before the deadline and the gate is no longer waiting"
        if finish_approval(
            conn, approval_id, outcome="timed_out", reason=reason, operator=operator
        ):
            done.append(approval_id)
    return done


def record_checkpoint(conn: LeanConn, checkpoint: Mapping[str, Any], operator: str | None) -> None:
    """Keep a copy of a handed-out checkpoint (history for the audit screen)."""
    if conn.team:  # team mode: only the database owner writes checkpoints (they anchor)
        return
    with db_errors(conn.db), conn.transaction():
        conn.execute(
            "INSERT INTO checkpoints (size, head, ts, operator) VALUES (?, ?, ?, ?)",
            (
                checkpoint["size"],
                checkpoint["head"],
                checkpoint["ts"],
                operator or default_operator(),
            ),
        )
