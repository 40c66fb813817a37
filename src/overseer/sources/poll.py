"""Polling an agent gateway over HTTP (httpx): sessions, events and approvals into the store;
decisions and kills back to the gateway. The contract is ``docs/gateway-api.md``.

Why it is shaped this way:

* **Exactly once.** Each gateway session is a source of its own (``gateway:<url>:<session>``)
  whose cursor is committed by ``Store.record_batch`` in the same transaction as the events
  it produced, exactly like a tailed file's byte offset. A crash between two pages loses
  nothing and repeats nothing; a restart resumes at the committed cursor.
* **One parser.** Gateway events are native records: each is fed, as one JSON line, to the
  native parser (``make_parser("native", source)``), so the display fields are neutralised
  in the one place the project does it, and the engine annotates them as for a log file.
* **The audit chain is the outbox.** A decision on a gateway approval (from the TUI, from
  ``overseer decide``, from another console on the same store) is an ``approve``/``deny`` row
  of the audit chain first; delivering it is a separate, retried step. What has not been
  acknowledged by the gateway is found by a query over the chain (:class:`Deliverer`), so
  it cannot be lost by a crash between "decided" and "POSTed": it stays "not delivered"
  until the gateway accepts it, refuses it for good, or says someone else decided first.
* **Never crash, always say why.** Every HTTP failure (timeouts, refused connections,
  ``429``/``Retry-After``, ``5xx``, malformed JSON, a cursor that does not advance, a
  connection dropped mid-answer, ``401``) becomes a :class:`Health` state and a backoff, and
  bad input becomes a stored Problem. The bearer token is sent in a header and appears in
  no message, log, health text or Problem.

Nothing here imports the TUI; :mod:`overseer.tui.gateway_source` composes it into the app.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import hashlib
import json
import logging
import math
import random
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import httpx
import orjson
import sqlalchemy as sa

from overseer.config import Config
from overseer.engine import Engine
from overseer.model import Event, Problem
from overseer.sources.formats import BaseParser, make_parser
from overseer.sources.formats._common import BadRecord, excerpt, ident
from overseer.store import StoreError, lean
from overseer.store import utc_text as _utc_text
from overseer.store.db import Store
from overseer.store.tables import ApprovalRow, DecisionRow, EventRow, SessionRow
from overseer.untrusted import neutralise

log = logging.getLogger(__name__)

Notify = Callable[[set[str], int], None]

#: Chain action of an outcome the gateway reported (a ``409``, or an approval that left the
#: gateway's pending list): distinct from ``approve``/``deny``, so it is never redelivered.
ACTION_ELSEWHERE = "decided_elsewhere"
#: Delivery states that still count as "not delivered".
UNDELIVERED_STATES = ("failed", "rejected")
#: Gateway approval statuses → the store's gate outcomes (anything else is ``errored``).
REMOTE_OUTCOMES = {
    "approved": "approved", "denied": "denied", "expired": "timed_out",
    "timed_out": "timed_out", "timeout": "timed_out", "killed": "killed",
    "cancelled": "killed", "canceled": "killed", "errored": "errored", "error": "errored",
}  # fmt: skip
_DECISION_OUTCOME = {"approve": "approved", "deny": "denied"}
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
#: Longest cursor accepted from a server (a cursor is handed back in every request URL).
MAX_CURSOR = 4096
USER_AGENT = "overseer-poll/1"
#: A live console's longest wait before it tries a failing gateway again (the jitter only
#: shortens it): a gateway that recovers is seen within a few seconds, whatever it did before
#: (5xx, 429, timeouts, dropped connections, bad JSON, refused connections, a stuck cursor).
#: Only 401/403 back off longer (``auth_backoff``): retrying a wrong token fast helps nobody.
#: Undelivered decisions and kills are retried under the same cap.
LIVE_RETRY_CAP = 5.0
#: The longest a gateway's ``Retry-After`` is obeyed. Shorter ones are honoured exactly;
#: longer ones (or an HTTP-date far ahead) are cut to this, and the header says so: a broken
#: or hostile gateway must not blind a live console for minutes with one header.
MAX_RETRY_AFTER = 30.0

_APPROVALS: sa.Table = ApprovalRow.__table__  # type: ignore[attr-defined]
_DECISIONS: sa.Table = DecisionRow.__table__  # type: ignore[attr-defined]
_EVENTS: sa.Table = EventRow.__table__  # type: ignore[attr-defined]
_SESSIONS: sa.Table = SessionRow.__table__  # type: ignore[attr-defined]


# ==================================================================================== HTTP


def redact_url(url: str) -> str:
    """``scheme://host[:port]/path`` without user, password, query or fragment: fit for
    messages, source keys and logs (a URL can carry credentials)."""
    parts = urlsplit(url.strip())
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = f"{host}:{port}" if port else host
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


def short_name(url: str) -> str:
    """``host:port`` of a URL: the name a source goes by in the header."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    host = parts.hostname or "?"
    return f"{host}:{port}" if port else host


@dataclass
class Backoff:
    """Exponential backoff with jitter: attempt ``n`` waits ``min(cap, base·factor^(n-1))``,
    shortened by a random fraction up to ``jitter`` so that many consoles polling one gateway
    do not retry in lockstep after an outage."""

    base: float = 1.0
    cap: float = 60.0
    factor: float = 2.0
    jitter: float = 0.5
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, failures: int) -> float:
        raw = min(self.cap, self.base * self.factor ** max(0, failures - 1))
        return raw * (1.0 - self.jitter * self.rng.random())


class FetchError(Exception):
    """One failed request, classified. ``kind`` decides the health shown and whether the
    failure is the whole gateway's or one session's; ``detail`` is overseer's own short text
    (never a server-supplied string, never a header)."""

    RETRY = "retry"  # 429, 5xx, timeouts, dropped connections
    UNREACHABLE = "unreachable"  # cannot connect
    AUTH = "auth"  # 401/403
    MALFORMED = "malformed"  # not JSON, or JSON of the wrong shape
    STUCK = "stuck"  # a cursor that does not advance
    NOT_FOUND = "not_found"  # 404
    REJECTED = "rejected"  # another 4xx
    TOO_LARGE = "too_large"  # an answer over the size cap

    def __init__(
        self, kind: str, detail: str, *, retry_after: float | None = None, body: bytes = b""
    ) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
        self.retry_after = retry_after
        self.body = body


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """``Retry-After``: delay-seconds or an HTTP-date (RFC 9110 §10.2.3) → seconds from now."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(int(value[:9]))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def classify_status(status: int, headers: Mapping[str, str]) -> FetchError | None:
    """An error for a status that is not a usable answer (2xx and 409 are answers)."""
    if 200 <= status < 300 or status == 409:
        return None
    if status in (401, 403):
        return FetchError(FetchError.AUTH, f"HTTP {status}")
    if status == 429:
        after = parse_retry_after(headers.get("retry-after"))
        return FetchError(FetchError.RETRY, "HTTP 429 (rate limited)", retry_after=after)
    if status >= 500:
        after = parse_retry_after(headers.get("retry-after"))
        return FetchError(FetchError.RETRY, f"HTTP {status}", retry_after=after)
    if status == 404:
        return FetchError(FetchError.NOT_FOUND, "HTTP 404")
    return FetchError(FetchError.REJECTED, f"HTTP {status}")


def transport_error(exc: httpx.HTTPError) -> FetchError:
    """httpx's exception hierarchy → our classes (the exception text is not reused: it can
    name the URL, and the URL may carry credentials)."""
    if isinstance(exc, httpx.ConnectTimeout):
        return FetchError(FetchError.UNREACHABLE, "connect timed out")
    if isinstance(exc, httpx.ConnectError):
        return FetchError(FetchError.UNREACHABLE, "cannot connect")
    if isinstance(exc, httpx.TimeoutException):
        return FetchError(FetchError.RETRY, "timed out")
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        return FetchError(FetchError.RETRY, "connection dropped mid-response")
    return FetchError(FetchError.RETRY, f"HTTP failure ({type(exc).__name__})")


def decode_json(body: bytes) -> Any:
    """JSON, or :class:`FetchError` ``malformed`` (with an excerpt kept for the Problem)."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        pass
    try:  # what orjson refuses but JSON allows (NaN, deep-but-legal nesting)
        return json.loads(body)
    except (ValueError, RecursionError):
        raise FetchError(FetchError.MALFORMED, "malformed JSON", body=body[:400]) from None


def _span(seconds: float) -> str:
    """A wait as the header says it: ``7 s``, ``10 min``, ``3 h``, ``12 d``."""
    if seconds < 1:
        return f"{seconds:.2g} s"
    if seconds >= 2 * 86400:
        return f"{seconds / 86400:.0f} d"
    if seconds >= 7200:
        return f"{seconds / 3600:.0f} h"
    if seconds >= 120:
        return f"{seconds / 60:.0f} min"
    return f"{seconds:.0f} s"


def retry_delay(
    exc: FetchError,
    failures: int,
    *,
    backoff: Backoff,
    auth_backoff: Backoff,
    max_retry_after: float = MAX_RETRY_AFTER,
    floor: float = 0.0,
) -> tuple[float, str]:
    """``(seconds to wait, detail to show)`` after the ``failures``-th failure in a row:
    401/403 take ``auth_backoff`` (long); a ``Retry-After`` is obeyed, at least ``floor``
    (a ``Retry-After: 0`` must not become a busy loop) and at most ``max_retry_after`` (the
    detail then says it was cut); everything else takes ``backoff`` (capped short)."""
    if exc.kind == FetchError.AUTH:
        return auth_backoff.delay(failures), exc.detail
    if exc.retry_after is not None:
        asked = exc.retry_after
        if asked > max_retry_after:
            shown = f"{exc.detail}; Retry-After {_span(asked)}, capped at {_span(max_retry_after)}"
            return max_retry_after, shown
        return max(floor, asked), exc.detail
    return backoff.delay(failures), exc.detail


def default_timeout() -> httpx.Timeout:
    """Connect fast or call the gateway unreachable; allow a slow page but not a hung one."""
    return httpx.Timeout(10.0, connect=3.0, read=15.0, pool=5.0)


# ================================================================================== health


class Health:
    """One source's health, as the header shows it: ``ok``, ``retrying in N s``,
    ``auth failed``, ``unreachable`` (with when the next attempt is due)."""

    STARTING = "connecting"
    OK = "ok"
    RETRYING = "retrying"
    AUTH = "auth failed"
    UNREACHABLE = "unreachable"

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.state = self.STARTING
        self.detail = ""
        self.delay = 0.0
        self.retry_at: float | None = None
        self.failures = 0

    def ok(self) -> None:
        self.state, self.detail, self.delay, self.retry_at, self.failures = (
            self.OK, "", 0.0, None, 0,
        )  # fmt: skip

    def failing(self, state: str, detail: str, delay: float) -> None:
        self.state, self.detail, self.delay = state, detail, delay
        self.retry_at = self._clock() + delay

    def text(self) -> str:
        if self.state in (self.OK, self.STARTING):
            return self.state
        left = max(0, math.ceil((self.retry_at or 0.0) - self._clock()))
        when = f"retrying in {left} s"
        if self.state == self.RETRYING:
            return f"{when} · {self.detail}" if self.detail else when
        return f"{self.state} · {self.detail} · {when}" if self.detail else f"{self.state} · {when}"

    def __repr__(self) -> str:
        return f"Health({self.text()!r})"


_HEALTH_OF = {
    FetchError.AUTH: Health.AUTH,
    FetchError.UNREACHABLE: Health.UNREACHABLE,
}


# =================================================================================== tables

#: overseer's own bookkeeping beside the store's tables (SQLAlchemy Core, created on first
#: use on SQLite and PostgreSQL alike). The store's tables stay the truth; these only say
#: which rows came from which gateway and what the gateway acknowledged.
_META = sa.MetaData()

POLL_SESSIONS = sa.Table(
    "poll_sessions",
    _META,
    sa.Column("endpoint", sa.String, primary_key=True),  # redacted gateway/Langfuse URL
    sa.Column("remote_id", sa.Text, primary_key=True),  # the id in the remote API's URLs
    sa.Column("session", sa.Text, nullable=False),  # the id in the store
    sa.Column("kind", sa.String, nullable=False),  # "gateway" | "langfuse"
    sa.Column("first_seen", sa.String, nullable=False),
    sa.Index("ix_poll_sessions_session", "session"),
    sa.Index("ix_poll_sessions_kind", "kind", "session"),
)

POLL_APPROVALS = sa.Table(
    "poll_approvals",
    _META,
    sa.Column("local_id", sa.String, primary_key=True),  # approvals.id
    sa.Column("endpoint", sa.String, nullable=False),
    sa.Column("remote_id", sa.Text, nullable=False),
    sa.Column("session", sa.Text, nullable=False),
    sa.Column("settled", sa.Boolean, nullable=False, default=False),
    sa.Column("first_seen", sa.String, nullable=False),
    sa.UniqueConstraint("endpoint", "remote_id", name="ux_poll_approvals_remote"),
    sa.Index("ix_poll_approvals_open", "endpoint", "settled"),
)

#: One row per audit-chain row a gateway was asked to act on (``seq``): its delivery state.
#: ``delivered`` and ``conflict`` are final; ``failed`` (retried) and ``rejected`` (a 4xx:
#: retried only by hand) still count as "not delivered"; no row yet means never attempted.
POLL_DELIVERIES = sa.Table(
    "poll_deliveries",
    _META,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("endpoint", sa.String, nullable=False),
    sa.Column("kind", sa.String, nullable=False),  # "decision" | "kill"
    sa.Column("target", sa.Text, nullable=False),  # approval id or session id (local)
    sa.Column("state", sa.String, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("detail", sa.Text),
    sa.Column("updated_at", sa.String, nullable=False),
)

_tables_ready: set[tuple[str, int]] = set()
_tables_lock = threading.Lock()


def ensure_tables(store: Store) -> None:
    """Create the ``poll_*`` tables once per database (idempotent, race-tolerant)."""
    key = (store.db, id(store.engine))
    if key in _tables_ready:
        return
    with _tables_lock:
        if key in _tables_ready:
            return
        for attempt in range(2):
            try:
                _META.create_all(store.engine, checkfirst=True)
                break
            except sa.exc.SQLAlchemyError:
                if attempt:  # another process created them at the same moment: re-check
                    raise
                time.sleep(0.05)
        _tables_ready.add(key)


def _insert(store: Store, table: sa.Table) -> Any:
    """Dialect INSERT (for ON CONFLICT) matching the store's database."""
    from sqlalchemy.dialects import postgresql, sqlite

    return (postgresql.insert if store.is_postgres else sqlite.insert)(table)


def observe_only_sessions(store: Store) -> dict[str, str]:
    """Sessions overseer watches but cannot control (Langfuse traces), with the reason."""
    ensure_tables(store)
    p = POLL_SESSIONS.c
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(p.session, p.endpoint).where(p.kind == "langfuse")).all()
    return {
        row.session: f"observe only: traced by Langfuse ({short_name(row.endpoint)}); "
        "overseer can watch this session but not approve, deny or kill in it"
        for row in rows
    }


def _json_text(value: Any) -> str | None:
    if value is None:
        return None
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return json.dumps(value, ensure_ascii=True, default=str)


def _loads(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return None


def _ack(conn: lean.LeanConn, seq: int, endpoint: str, kind: str, target: str, state: str,
         detail: str | None) -> None:  # fmt: skip
    """Record a delivery attempt's result for chain row ``seq`` (inside a transaction)."""
    conn.execute(
        "INSERT INTO poll_deliveries (seq, endpoint, kind, target, state, attempts, detail,"
        " updated_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?) ON CONFLICT (seq) DO UPDATE SET"
        " state = excluded.state, attempts = poll_deliveries.attempts + 1,"
        " detail = excluded.detail, updated_at = excluded.updated_at",
        (seq, endpoint, kind, target, state, detail, _utc_text()),
    )


def record_remote_outcome(
    store: Store,
    *,
    endpoint: str,
    local_id: str,
    outcome: str,
    operator: str,
    reason: str,
    expect_pending: bool,
    ack: tuple[int, str, str | None] | None = None,
) -> int | None:
    """Record what the gateway says happened to an approval: one audit-chain row (action
    ``decided_elsewhere``) and the approval's new state, in ONE transaction (invariant 6).

    Used for a ``409`` (someone decided on the gateway first: the approval row then shows
    the gateway's outcome, not ours) and for an approval that left the gateway's pending
    list. ``expect_pending``: only if the approval is still pending here (otherwise an
    operator here decided meanwhile, and that decision's delivery will meet the ``409``).
    ``ack``: ``(seq, state, detail)`` of our own decision's delivery, written in the same
    transaction. Returns the new chain seq, or None when nothing was recorded.

    The chain row goes through :func:`lean.append_row` inside this function's own
    transaction: the row and the approval's new outcome land together or not at all.
    """
    if outcome not in (*lean.FINISH_OUTCOMES, "approved", "denied"):
        outcome = "errored"
    with store.lean() as conn, lean.db_errors(conn.db), conn.transaction(chain=True):
        row = conn.execute(
            "SELECT session, call_id, tool, input, rule, agent, task, status FROM approvals"
            " WHERE id = ?",
            (local_id,),
        ).fetchone()
        if row is None or (expect_pending and row[7] != "pending"):
            return None
        seq = lean.append_row(
            conn, outcome=outcome, action=ACTION_ELSEWHERE, operator=operator, session=row[0],
            approval_id=local_id, call_id=row[1], tool=row[2], tool_input=_loads(row[3]),
            rule=row[4], reason=reason, agent=row[5], task=row[6],
        )  # fmt: skip
        conn.execute(
            "UPDATE approvals SET status = ?, decided_by = ?, decided_at = ?, reason = ?,"
            " decision_seq = ? WHERE id = ?",
            (outcome, operator, _utc_text(), reason, seq, local_id),
        )
        if ack is not None:
            _ack(conn, ack[0], endpoint, "decision", local_id, ack[1], ack[2])
        conn.execute("UPDATE poll_approvals SET settled = ? WHERE local_id = ?", (True, local_id))
        conn.notify(lean.DECISIONS_CHANNEL, local_id)
    return seq


# =============================================================================== delivery


@dataclass(frozen=True, slots=True)
class Undelivered:
    """A chain row a gateway has not acknowledged yet."""

    seq: int
    kind: str  # "decision" | "kill"
    target: str  # the local approval or session id
    remote: str  # the id in the gateway's URLs
    decision: str | None  # approve | deny (decisions)
    operator: str
    reason: str | None
    updated_input: Any
    idempotency_key: str
    state: str | None  # None: never attempted
    attempts: int
    detail: str | None


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    """What one delivery attempt did; ``message`` is display-safe."""

    seq: int
    kind: str
    target: str
    state: str  # delivered | conflict | failed | rejected | skipped
    message: str

    @property
    def delivered(self) -> bool:
        return self.state == "delivered"


class Deliverer:
    """Delivers decisions and kills recorded in the audit chain to one gateway (synchronous:
    called from the app's worker threads and, through ``asyncio.to_thread``, the poller).

    Exactly one POST per chain row at a time in this process (a per-row lock); across
    processes (two consoles on one store) the ``Idempotency-Key`` (the chain row's hash) and
    the ``409`` answer naming the same operator make a duplicate harmless.
    """

    def __init__(
        self,
        store: Store,
        *,
        endpoint: str,
        base_url: str,
        name: str,
        token: str | None = None,
        timeout: httpx.Timeout | None = None,
        backoff: Backoff | None = None,
        auth_backoff: Backoff | None = None,
        max_retry_after: float = MAX_RETRY_AFTER,
        verify: bool = True,
        trust_env: bool = True,
    ) -> None:
        self.store = store
        self.endpoint = endpoint
        self.base_url = base_url.rstrip("/")
        self.name = name
        self._token = token
        self._timeout = timeout or default_timeout()
        self.backoff = backoff or Backoff(base=1.0, cap=LIVE_RETRY_CAP)
        self.auth_backoff = auth_backoff or Backoff(base=30.0, cap=300.0)
        self.max_retry_after = max_retry_after
        self._verify = verify
        self._trust_env = trust_env
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()
        self._row_locks: dict[int, threading.Lock] = {}
        self._next_try: dict[int, float] = {}

    def __repr__(self) -> str:
        return f"Deliverer({self.name!r})"

    def _http(self) -> httpx.Client:
        with self._lock:
            if self._client is None:
                headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
                if self._token:
                    headers["Authorization"] = f"Bearer {self._token}"
                self._client = httpx.Client(
                    timeout=self._timeout, headers=headers, verify=self._verify,
                    trust_env=self._trust_env, follow_redirects=False,
                )  # fmt: skip
            return self._client

    def close(self) -> None:
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()

    # -- what is outstanding

    def undelivered(self, seq: int | None = None) -> list[Undelivered]:
        """Decisions and kills recorded here for this gateway and not acknowledged by it."""
        ensure_tables(self.store)
        a, d, k = _APPROVALS.c, _DECISIONS.c, POLL_DELIVERIES.c
        m, g, s = POLL_APPROVALS.c, POLL_SESSIONS.c, _SESSIONS.c
        open_state = sa.or_(k.state.is_(None), k.state.in_(UNDELIVERED_STATES))
        decisions = (
            sa.select(
                d.seq, d.hash, d.action, d.operator, a.id, a.reason, a.updated_input,
                m.remote_id, k.state, k.attempts, k.detail,
            )
            .select_from(
                POLL_APPROVALS.join(_APPROVALS, a.id == m.local_id)
                .join(_DECISIONS, d.seq == a.decision_seq)
                .outerjoin(POLL_DELIVERIES, k.seq == d.seq)
            )
            .where(m.endpoint == self.endpoint, m.settled == sa.false(),
                   d.action.in_(tuple(_DECISION_OUTCOME)), open_state)
        )  # fmt: skip
        kills = (
            sa.select(d.seq, d.hash, d.operator, d.reason, g.remote_id, s.id, k.state,
                      k.attempts, k.detail)
            .select_from(
                _SESSIONS.join(POLL_SESSIONS, g.session == s.id)
                .join(_DECISIONS, sa.and_(d.session == s.id, d.action == "kill",
                                          d.approval_id.is_(None)))
                .outerjoin(POLL_DELIVERIES, k.seq == d.seq)
            )
            .where(s.status == "killed", g.endpoint == self.endpoint, g.kind == "gateway",
                   open_state)
        )  # fmt: skip
        if seq is not None:
            decisions = decisions.where(d.seq == seq)
            kills = kills.where(d.seq == seq)
        out: list[Undelivered] = []
        with self.store.engine.connect() as conn:
            for r in conn.execute(decisions):
                out.append(Undelivered(
                    r.seq, "decision", r.id, r.remote_id, r.action, r.operator, r.reason,
                    _loads(r.updated_input), r.hash[:32], r.state, r.attempts or 0, r.detail,
                ))  # fmt: skip
            for k_row in conn.execute(kills):
                out.append(Undelivered(
                    k_row.seq, "kill", k_row.id, k_row.remote_id, None, k_row.operator,
                    k_row.reason, None, k_row.hash[:32], k_row.state, k_row.attempts or 0,
                    k_row.detail,
                ))  # fmt: skip
        out.sort(key=lambda u: u.seq)
        return out

    def count(self) -> int:
        return len(self.undelivered())

    # -- delivering

    def _row_lock(self, seq: int) -> threading.Lock:
        with self._lock:
            return self._row_locks.setdefault(seq, threading.Lock())

    def deliver(self, seq: int) -> DeliveryResult:
        """POST the decision or kill recorded as chain row ``seq`` (now, whatever its backoff)."""
        with self._row_lock(seq):
            found = self.undelivered(seq)
            if not found:
                return self._settled(seq)
            item = found[0]
            result, error = self._post(item)
            if result.state in ("failed", "rejected"):
                if error is None:
                    delay = self.backoff.delay(item.attempts + 1)
                else:
                    delay, _ = retry_delay(
                        error, item.attempts + 1, backoff=self.backoff,
                        auth_backoff=self.auth_backoff, max_retry_after=self.max_retry_after,
                    )  # fmt: skip
                self._next_try[seq] = time.monotonic() + delay
            else:
                self._next_try.pop(seq, None)
            return result

    def _settled(self, seq: int) -> DeliveryResult:
        """Chain row ``seq`` needs no delivery: say what became of it (another thread may
        have just delivered it, or the gateway answered 409 to it)."""
        k = POLL_DELIVERIES.c
        with self.store.engine.connect() as conn:
            row = conn.execute(
                sa.select(k.kind, k.target, k.state, k.detail).where(k.seq == seq)
            ).first()
        if row is None:
            return DeliveryResult(seq, "?", "?", "skipped", f"#{seq}: nothing to deliver")
        what = f"kill of session {row.target}" if row.kind == "kill" else row.target
        if row.state == "delivered":
            message = f"{what}: delivered to {self.name}"
        else:
            message = f"{what}: {self.name} answered {row.detail or row.state}"
        return DeliveryResult(seq, row.kind, row.target, row.state, message)

    def deliver_due(self, *, recovered: bool = False) -> list[DeliveryResult]:
        """What the poller calls each healthy cycle: never-attempted and failed deliveries
        whose backoff has passed (a ``rejected`` one waits for the operator's retry).
        ``recovered``: the gateway has just answered again after failing, so every failed
        delivery is tried now, whatever its backoff (the outage was why it failed)."""
        now = time.monotonic()
        results = []
        outstanding = self.undelivered()
        for seq in set(self._next_try) - {item.seq for item in outstanding}:
            self._next_try.pop(seq, None)  # settled elsewhere (another console, a 409)
        for item in outstanding:
            if item.state == "rejected":
                continue
            if not recovered and self._next_try.get(item.seq, 0.0) > now:
                continue
            results.append(self.deliver(item.seq))
        return results

    def next_due(self) -> float | None:
        """Seconds until the soonest failed delivery is due again (None: none waits)."""
        now = time.monotonic()
        waits = [at - now for at in list(self._next_try.values()) if at > now]
        return min(waits) if waits else None

    def deliver_all(self) -> list[DeliveryResult]:
        """The operator's retry (``ctrl+r``): every undelivered row, now."""
        return [self.deliver(item.seq) for item in self.undelivered()]

    def _post(self, item: Undelivered) -> tuple[DeliveryResult, FetchError | None]:
        """One POST: its result, and the failure (for the retry's delay) when it failed."""
        path = quote(item.remote, safe="")
        if item.kind == "decision":
            url = f"{self.base_url}/v1/approvals/{path}/decision"
            body: dict[str, Any] = {"decision": item.decision, "reason": item.reason,
                                    "operator": item.operator}  # fmt: skip
            if item.updated_input is not None:
                body["updated_input"] = item.updated_input
        else:
            url = f"{self.base_url}/v1/sessions/{path}/kill"
            body = {"reason": item.reason, "operator": item.operator}
        what = _what(item)
        try:
            with self._http().stream(
                "POST", url, json=body, headers={"Idempotency-Key": item.idempotency_key}
            ) as response:
                status, headers = response.status_code, response.headers
                content = b""
                for chunk in response.iter_bytes():
                    content += chunk
                    if len(content) > 1 << 20:  # a decision's answer is small; stop reading
                        break
        except httpx.HTTPError as exc:
            failure = transport_error(exc)
            return self._failed(item, "failed", f"{failure.detail}"), failure
        if 200 <= status < 300:
            self._record(item, "delivered", f"HTTP {status}")
            return DeliveryResult(item.seq, item.kind, item.target, "delivered",
                                  f"{what}: delivered to {self.name}"), None  # fmt: skip
        if status == 409:
            return self._conflict(item, content), None
        error = classify_status(status, headers)
        assert error is not None
        state = (
            "rejected" if error.kind in (FetchError.NOT_FOUND, FetchError.REJECTED) else "failed"
        )
        detail = f"auth failed (HTTP {status})" if error.kind == FetchError.AUTH else error.detail
        return self._failed(item, state, detail), error

    def _failed(self, item: Undelivered, state: str, detail: str) -> DeliveryResult:
        self._record(item, state, detail)
        retry = "retried automatically" if state == "failed" else "ctrl+r retries"
        return DeliveryResult(
            item.seq, item.kind, item.target, state,
            f"{_what(item)}: recorded here but NOT delivered to {self.name} ({detail}); {retry}",
        )  # fmt: skip

    def _record(self, item: Undelivered, state: str, detail: str | None) -> None:
        with self.store.lean() as conn, lean.db_errors(conn.db), conn.transaction():
            _ack(conn, item.seq, self.endpoint, item.kind, item.target, state, detail)
            if item.kind == "decision" and state in ("delivered", "conflict"):
                conn.execute(
                    "UPDATE poll_approvals SET settled = ? WHERE local_id = ?", (True, item.target)
                )

    def _conflict(self, item: Undelivered, content: bytes) -> DeliveryResult:
        """``409``: the gateway had already settled it (someone decided on another console or
        on the gateway itself, or our own earlier attempt had landed but its answer was lost)."""
        try:
            data = decode_json(content)
        except FetchError:
            data = {}
        data = data if isinstance(data, dict) else {}
        remote_status = data.get("status") if isinstance(data.get("status"), str) else None
        by_raw = data.get("decided_by") if isinstance(data.get("decided_by"), str) else None
        by = neutralise(by_raw, limit=120) if by_raw else "someone"
        shown = neutralise(remote_status, limit=40) if remote_status else "decided"
        what = _what(item)
        if item.kind == "kill":
            self._record(item, "conflict", f"HTTP 409: {shown}")
            message = f"{what}: {self.name} says the session is already {shown}"
            return DeliveryResult(item.seq, item.kind, item.target, "conflict", message)
        ours = _DECISION_OUTCOME.get(item.decision or "")
        if remote_status == ours and by_raw == item.operator:
            self._record(item, "delivered", "HTTP 409 (already applied)")
            return DeliveryResult(item.seq, item.kind, item.target, "delivered",
                                  f"{what}: delivered to {self.name}")  # fmt: skip
        outcome = REMOTE_OUTCOMES.get(remote_status or "", "errored")
        reason = (
            f"decided elsewhere: {self.name} answered 409, already {shown} by {by}; "
            f"{neutralise(item.operator, limit=120)}'s {item.decision} was not applied"
        )
        record_remote_outcome(
            self.store, endpoint=self.endpoint, local_id=item.target, outcome=outcome,
            operator=f"{by} (via {self.name})", reason=reason, expect_pending=False,
            ack=(item.seq, "conflict", f"HTTP 409: {shown} by {by}"),
        )  # fmt: skip
        return DeliveryResult(item.seq, item.kind, item.target, "conflict",
                              f"{item.target}: decided elsewhere — {shown} by {by} "
                              f"({self.name} answered 409); recorded")  # fmt: skip


def _what(item: Undelivered) -> str:
    if item.kind == "kill":
        return f"kill of session {item.target}"
    return f"{item.target}: {_DECISION_OUTCOME.get(item.decision or '', item.decision)}"


# ================================================================================== poller


@dataclass(slots=True)
class CycleResult:
    """What one poll cycle did (tests and the run loop read it)."""

    ok: bool
    events: int = 0
    problems: int = 0
    delay: float = 0.0
    error: str | None = None  # FetchError kind when not ok
    more: bool = False  # a page budget ran out: poll again at once


class PollerBase:
    """The run loop, health, backoff and Problem reporting shared by the gateway and Langfuse
    pollers. A subclass implements :meth:`_cycle`."""

    kind = "poll"

    def __init__(
        self,
        url: str,
        *,
        store: Store,
        config: Config,
        engine: Engine | None = None,
        interval: float = 1.0,
        timeout: httpx.Timeout | None = None,
        backoff: Backoff | None = None,
        auth_backoff: Backoff | None = None,
        max_retry_after: float = MAX_RETRY_AFTER,
        max_bytes: int = 64 << 20,
        verify: bool = True,
        trust_env: bool = True,
    ) -> None:
        self.base_url = url.strip().rstrip("/")
        self.endpoint = redact_url(self.base_url)
        self.name = f"{self.kind} {short_name(self.base_url)}"
        self.store = store
        self.config = config
        self.engine = engine or Engine(config)
        self.interval = interval
        self.timeout = timeout or default_timeout()
        self.backoff = backoff or Backoff(base=1.0, cap=LIVE_RETRY_CAP)
        self.auth_backoff = auth_backoff or Backoff(base=30.0, cap=300.0)
        self.max_retry_after = max_retry_after
        self.max_bytes = max_bytes
        self.verify = verify
        self.trust_env = trust_env
        self.health = Health()
        self._failures = 0
        self._notify: Notify | None = None
        self._reported: dict[str, str] = {}  # source → problem already stored this episode
        self._stop: asyncio.Event | None = None
        self.cycles = 0

    # -- lifecycle

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            timeout=self.timeout, headers=self._headers(), auth=self._auth(),
            verify=self.verify, trust_env=self.trust_env, follow_redirects=False,
        )  # fmt: skip

    def _headers(self) -> dict[str, str]:
        return {"User-Agent": USER_AGENT, "Accept": "application/json"}

    def _auth(self) -> httpx.Auth | None:
        return None

    async def run(self, notify: Notify | None = None) -> None:
        """Poll until :meth:`stop` (or cancellation); the app's live feed. Never raises for
        anything the server or the network does."""
        self._notify = notify
        self._stop = asyncio.Event()
        try:
            async with self._client() as client:
                while not self._stop.is_set():
                    result = await self.poll_once(client)
                    if result.more and result.ok:
                        continue
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._stop.wait(), timeout=result.delay)
        finally:
            self._closed()

    def _closed(self) -> None:
        """Release what the poller holds (a subclass closes its other clients)."""

    def stop(self) -> None:
        """Stop :meth:`run` (call from the loop it runs on)."""
        if self._stop is not None:
            self._stop.set()

    async def poll_once(self, client: httpx.AsyncClient | None = None) -> CycleResult:
        """One cycle; updates :attr:`health`. Never raises (bar cancellation)."""
        if client is None:
            async with self._client() as own:
                return await self.poll_once(own)
        self.cycles += 1
        try:
            await asyncio.to_thread(ensure_tables, self.store)  # a store down now is retried too
            result = await self._cycle(client)
        except FetchError as exc:
            result = self._failed(exc)
        except Exception as exc:  # a store hiccup or a bug: keep polling, keep it visible
            log.warning("%s: poll cycle failed: %s", self.name, type(exc).__name__, exc_info=True)
            what = "store error" if isinstance(exc, StoreError) else "internal error"
            result = self._failed(FetchError(FetchError.RETRY, f"{what} ({type(exc).__name__})"))
        else:
            self._failures = 0
            self._after_ok(result)
        return result

    def _after_ok(self, result: CycleResult) -> None:
        self.health.ok()
        result.delay = self.interval

    def _retry_delay(self, exc: FetchError, failures: int) -> tuple[float, str]:
        return retry_delay(
            exc, failures, backoff=self.backoff, auth_backoff=self.auth_backoff,
            max_retry_after=self.max_retry_after, floor=self.interval,
        )  # fmt: skip

    def _failed(self, exc: FetchError) -> CycleResult:
        self._failures += 1
        delay, detail = self._retry_delay(exc, self._failures)
        state = _HEALTH_OF.get(exc.kind, Health.RETRYING)
        self.health.failing(state, detail, delay)
        log.info("%s: %s; retrying in %.1f s", self.name, detail, delay)
        return CycleResult(ok=False, delay=delay, error=exc.kind)

    # -- helpers for subclasses

    async def _get(self, client: httpx.AsyncClient, path_or_url: str,
                   params: Mapping[str, Any] | None = None) -> Any:  # fmt: skip
        """GET JSON with every failure classified (:class:`FetchError`) and the body capped."""
        url = path_or_url if "://" in path_or_url else f"{self.base_url}{path_or_url}"
        try:
            async with client.stream("GET", url, params=params) as response:
                error = classify_status(response.status_code, response.headers)
                if error is not None:
                    raise error
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise FetchError(FetchError.TOO_LARGE, "answer too large")
                    chunks.append(chunk)
        except httpx.HTTPError as exc:
            raise transport_error(exc) from None
        return decode_json(b"".join(chunks))

    def notify(self, sessions: set[str], count: int) -> None:
        if self._notify is not None:
            try:
                self._notify(sessions, count)
            except Exception:  # the app closing under us must not stop polling
                log.debug("%s: notify failed", self.name, exc_info=True)

    def _report(self, source: str, reason: str, raw: bytes | str = b"") -> Problem | None:
        """A Problem for ``source``, once per episode (until :meth:`_clear` after a success):
        a gateway that stays broken must not fill the problems table on every retry."""
        if self._reported.get(source) == reason:
            return None
        self._reported[source] = reason
        return Problem(source=source, line=None, reason=reason, excerpt=excerpt(raw) if raw else "")

    def _clear(self, source: str) -> None:
        self._reported.pop(source, None)

    async def _store_problems(self, source: str, problems: list[Problem]) -> None:
        """Store Problems without moving ``source``'s committed position."""
        if not problems:
            return

        def write() -> None:
            saved = self.store.load_offset(source)
            offset, state, identity = saved if saved is not None else (0, {}, {})
            self.store.record_batch(source, offset, state, identity, [], problems)

        await asyncio.to_thread(write)
        self.notify(set(), 0)

    async def _cycle(self, client: httpx.AsyncClient) -> CycleResult:
        raise NotImplementedError


# ========================================================================== gateway poller


@dataclass(slots=True)
class _Cursor:
    """Where one gateway session stands (the committed cursor lives in the store)."""

    remote: str
    local: str
    source: str
    cursor: str | None = None
    count: int = 0
    failures: int = 0
    retry_at: float = 0.0
    detail: str = ""
    finished: bool = False
    limit: int = 0  # page size asked (halved while pages are too large to read)


#: Failures that concern one session's stream, not the whole gateway.
_SESSION_SCOPED = (
    FetchError.MALFORMED,
    FetchError.STUCK,
    FetchError.NOT_FOUND,
    FetchError.REJECTED,
    FetchError.TOO_LARGE,
)


def local_session_id(remote: Any) -> str:
    """The id a gateway session has in the store: the native parser's rule for ``session``
    (so events and approvals of one session agree); raises :class:`BadRecord`."""
    return ident(remote, "session")


def local_approval_id(endpoint: str, remote: str) -> str:
    """A readable local id (``gw-apr-19``) when the gateway's id is short and plain, else a
    hash: approval ids are shown on screen, typed in commands and must not collide with a
    hook's (``ap-…``) or another gateway's."""
    if _SAFE_ID.match(remote):
        return f"gw-{remote}"
    return "gw-" + hashlib.sha256(f"{endpoint}\0{remote}".encode()).hexdigest()[:16]


class GatewayPoller(PollerBase):
    """Polls one gateway (module docstring). ``run(notify)`` is the app's live feed;
    :attr:`deliverer` sends decisions and kills back."""

    kind = "gateway"

    def __init__(
        self,
        url: str,
        *,
        store: Store,
        config: Config,
        token: str | None = None,
        page_limit: int = 500,
        max_pages: int = 20,
        redeliver: bool = True,
        redeliver_backoff: Backoff | None = None,
        concurrency: int = 8,
        **kwargs: Any,
    ) -> None:
        super().__init__(url, store=store, config=config, **kwargs)
        self._token = token
        self.concurrency = max(1, concurrency)
        self._ingesting = threading.Lock()  # one page at a time through the engine
        self.page_limit = page_limit
        self.max_pages = max_pages
        self.redeliver = redeliver
        self.deliverer = Deliverer(
            store, endpoint=self.endpoint, base_url=self.base_url, name=self.name, token=token,
            timeout=self.timeout, backoff=redeliver_backoff, auth_backoff=self.auth_backoff,
            max_retry_after=self.max_retry_after, verify=self.verify, trust_env=self.trust_env,
        )  # fmt: skip
        self._cursors: dict[str, _Cursor] = {}
        self._parsers: dict[str, BaseParser] = {}
        self.sessions_source = f"gateway:{self.endpoint}"
        self.approvals_source = f"gateway:{self.endpoint}:approvals"

    def _headers(self) -> dict[str, str]:
        headers = super()._headers()
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        return headers

    def _closed(self) -> None:
        self.deliverer.close()

    def source_for(self, local: str) -> str:
        return f"gateway:{self.endpoint}:{local}"

    # -- one cycle

    async def _cycle(self, client: httpx.AsyncClient) -> CycleResult:
        result = CycleResult(ok=True)
        recovered = self._failures > 0  # the previous cycle failed (reset once this one is ok)
        listing = await self._get_scoped(client, "/v1/sessions", None, self.sessions_source)
        sessions = listing.get("sessions") if isinstance(listing, dict) else None
        if not isinstance(sessions, list):
            raise await self._malformed(self.sessions_source, "sessions answer of the wrong shape")
        self._clear(self.sessions_source)
        metas, bad = self._listing(sessions)
        if bad:
            await self._store_problems(self.sessions_source, bad)
        now = time.monotonic()
        gate = asyncio.Semaphore(self.concurrency)
        failures: list[FetchError] = []

        async def one(meta: dict[str, Any]) -> None:
            async with gate:
                if failures:  # the gateway is failing: do not pile on
                    return
                cur = await self._cursor_for(meta)
                if cur is None or cur.retry_at > now:
                    return
                if cur.finished and meta.get("status") in ("ended", "killed"):
                    return
                try:
                    stored, more = await self._drain(client, cur, meta)
                except FetchError as exc:
                    if exc.kind in _SESSION_SCOPED:
                        await self._session_failed(cur, exc)
                    else:
                        failures.append(exc)
                    return
                result.events += stored
                result.more = result.more or more
                cur.failures, cur.detail = 0, ""
                self._clear(cur.source)
                cur.finished = meta.get("status") in ("ended", "killed") and not more

        # Sessions are fetched a few at a time: over a real network, one at a time would make
        # a cycle over a thousand sessions take a thousand round trips.
        outcomes = await asyncio.gather(*(one(meta) for meta in metas), return_exceptions=True)
        for outcome in outcomes:  # every task has finished: nothing runs on into the next cycle
            if isinstance(outcome, BaseException):
                raise outcome
        if failures:
            raise failures[0]
        await self._sync_approvals(client)
        if self.redeliver:
            await asyncio.to_thread(self.deliverer.deliver_due, recovered=recovered)
        return result

    def _after_ok(self, result: CycleResult) -> None:
        waiting = [c for c in self._cursors.values() if c.failures]
        if not waiting:
            super()._after_ok(result)
        else:
            soonest = min(c.retry_at for c in waiting) - time.monotonic()
            count = len(waiting)
            detail = f"{waiting[0].detail} ({count} session{'s' if count > 1 else ''})"
            self.health.failing(Health.RETRYING, detail, max(0.0, soonest))
            result.delay = self.interval
        due = self.deliverer.next_due() if self.redeliver else None
        if due is not None:  # a failed delivery's retry is due before the next poll
            result.delay = min(result.delay, due)

    async def _session_failed(self, cur: _Cursor, exc: FetchError) -> None:
        """One session's stream is broken (a stuck cursor, a malformed page): back off on
        that session only, report it once, keep polling the others."""
        cur.failures += 1
        delay, cur.detail = self._retry_delay(exc, cur.failures)
        cur.retry_at = time.monotonic() + delay
        reason = {
            FetchError.STUCK: f"gateway cursor does not advance ({exc.detail}); "
            "the page was not stored, retrying with backoff",
            FetchError.NOT_FOUND: "gateway lists the session but has no events for it (HTTP 404)",
            FetchError.TOO_LARGE: "a single event is larger than the answer size limit "
            f"({self.max_bytes} bytes); it cannot be read",
        }.get(exc.kind, f"gateway answered badly for this session: {exc.detail}")
        problem = self._report(cur.source, reason, exc.body)
        if problem is not None:
            await self._store_problems(cur.source, [problem])

    async def _get_scoped(self, client: httpx.AsyncClient, path: str,
                          params: Mapping[str, Any] | None, source: str) -> Any:  # fmt: skip
        try:
            return await self._get(client, path, params)
        except FetchError as exc:
            if exc.kind == FetchError.MALFORMED:
                problem = self._report(source, f"gateway sent {exc.detail}", exc.body)
                if problem is not None:
                    await self._store_problems(source, [problem])
            raise

    async def _malformed(self, source: str, detail: str, raw: bytes | str = b"") -> FetchError:
        problem = self._report(source, f"gateway sent a {detail}", raw)
        if problem is not None:
            await self._store_problems(source, [problem])
        return FetchError(FetchError.MALFORMED, detail)

    def _listing(self, sessions: list[Any]) -> tuple[list[dict[str, Any]], list[Problem]]:
        """Validated session entries (unique ids), and Problems for the entries skipped."""
        out: list[dict[str, Any]] = []
        seen: set[str] = set()
        problems: list[Problem] = []
        for entry in sessions:
            sid = entry.get("id") if isinstance(entry, dict) else None
            if isinstance(sid, int) and not isinstance(sid, bool):
                sid = str(sid)
            if not isinstance(sid, str) or not sid or len(sid) > 512:
                raw = orjson.dumps(entry, default=str)[:400] if entry is not None else b"null"
                problem = self._report(
                    f"{self.sessions_source}:listing", "session entry without a usable id", raw
                )
                if problem is not None:
                    problems.append(problem)
                continue
            if sid in seen:
                continue
            seen.add(sid)
            out.append({**entry, "id": sid})
        return out, problems

    async def _cursor_for(self, meta: Mapping[str, Any]) -> _Cursor | None:
        remote = meta["id"]
        cur = self._cursors.get(remote)
        if cur is not None:
            return cur
        try:
            local = local_session_id(remote)
        except BadRecord:
            return None
        cur = _Cursor(remote, local, self.source_for(local))
        saved = await asyncio.to_thread(self._load, cur)
        if saved is not None:
            cur.count, state = saved
            cursor = state.get("cursor")
            cur.cursor = cursor if isinstance(cursor, str) else None
        self._cursors[remote] = cur
        return cur

    def _load(self, cur: _Cursor) -> tuple[int, dict[str, Any]] | None:
        """The committed cursor, and the session's row in ``poll_sessions`` (for kills)."""
        with self.store.engine.begin() as conn:
            conn.execute(
                _insert(self.store, POLL_SESSIONS)
                .values(endpoint=self.endpoint, remote_id=cur.remote, session=cur.local,
                        kind="gateway", first_seen=_utc_text())
                .on_conflict_do_nothing()
            )  # fmt: skip
        saved = self.store.load_offset(cur.source)
        if saved is None:
            return None
        offset, state, _identity = saved
        return offset, state if isinstance(state, dict) else {}

    async def _drain(self, client: httpx.AsyncClient, cur: _Cursor,
                     meta: Mapping[str, Any]) -> tuple[int, bool]:  # fmt: skip
        """Fetch and commit pages until caught up (or the page budget is spent: then
        ``more``). A page whose cursor does not advance is never stored."""
        stored = 0
        seen = {cur.cursor}
        path = f"/v1/sessions/{quote(cur.remote, safe='')}/events"
        for _page in range(self.max_pages):
            params: dict[str, Any] = {"limit": cur.limit or self.page_limit}
            if cur.cursor is not None:
                params["after"] = cur.cursor
            try:
                data = await self._get_scoped(client, path, params, cur.source)
            except FetchError as exc:
                if exc.kind == FetchError.TOO_LARGE and params["limit"] > 1:
                    cur.limit = params["limit"] // 2  # fewer events per page, at once
                    continue
                raise
            records = data.get("events") if isinstance(data, dict) else None
            next_cursor = data.get("next_cursor") if isinstance(data, dict) else None
            if not isinstance(records, list) or (
                next_cursor is not None
                and (not isinstance(next_cursor, str) or len(next_cursor) > MAX_CURSOR)
            ):
                raise FetchError(FetchError.MALFORMED, "events page of the wrong shape",
                                 body=orjson.dumps(data, default=str)[:400])  # fmt: skip
            if not records and next_cursor in (None, cur.cursor):
                return stored, False  # caught up
            if records and next_cursor in (None, cur.cursor):
                raise FetchError(FetchError.STUCK, "same cursor returned with new events")
            if next_cursor in seen:
                raise FetchError(FetchError.STUCK, "cursor went back to an earlier position")
            seen.add(next_cursor)
            # Parsing, the engine and the commit run off the event loop (the app's loop).
            count, noted = await asyncio.to_thread(self._ingest, cur, records, meta, next_cursor)
            cur.cursor = next_cursor
            cur.count += len(records)
            stored += count
            if count or noted:
                self.notify({cur.local}, count)
        return stored, True

    def _parse(self, cur: _Cursor, records: Sequence[Any],
               meta: Mapping[str, Any]) -> tuple[list[Event], list[Problem]]:  # fmt: skip
        """Native records → events, through the native parser (one JSON line each)."""
        parser = self._parsers.get(cur.source)
        if parser is None:
            parser = self._parsers[cur.source] = make_parser("native", cur.source)
        events: list[Event] = []
        problems: list[Problem] = []
        for index, record in enumerate(records):
            line = cur.count + index + 1
            if not isinstance(record, dict):
                raw = orjson.dumps(record, default=str)[:400]
                problems.append(
                    Problem(cur.source, line, "event is not a JSON object", excerpt(raw))
                )
                continue
            record = dict(record)
            named = record.get("session")
            if named is None:
                record["session"] = cur.remote
            elif named != cur.remote:
                problems.append(Problem(
                    cur.source, line, "event names another session than the stream it came in",
                    excerpt(neutralise(str(named), limit=120)),
                ))  # fmt: skip
                continue
            if "pid" in record:
                # The pid is of a process on the gateway's side: never let `overseer kill`
                # signal a local process that happens to have that number.
                record["gateway_pid"] = record.pop("pid")
            for key in ("agent", "task"):
                if record.get(key) is None and isinstance(meta.get(key), str):
                    record[key] = meta[key]
            start = record.get("kind") == "session_start"
            if start and record.get("cwd") is None and isinstance(meta.get("cwd"), str):
                record["cwd"] = meta["cwd"]
            try:
                raw = orjson.dumps(record)
            except TypeError:
                raw = json.dumps(record, default=str).encode()
            for item in parser.feed(raw, line):
                (events if isinstance(item, Event) else problems).append(item)  # type: ignore[arg-type]
        return events, problems

    def _ingest(self, cur: _Cursor, records: Sequence[Any], meta: Mapping[str, Any],
                next_cursor: str | None) -> tuple[int, int]:  # fmt: skip
        """Parse, annotate and commit one page; ``(events, problems)`` stored. Serialised:
        the engine keeps per-session state and is not thread-safe."""
        with self._ingesting:
            events, problems = self._parse(cur, records, meta)
            self._commit(cur, next_cursor, len(records), events, problems)
        return len(events), len(problems)

    def _commit(self, cur: _Cursor, next_cursor: str | None, consumed: int,
                events: list[Event], problems: list[Problem]) -> None:  # fmt: skip
        """Engine, then ONE transaction: the events, the problems and the new cursor."""
        self.engine.process(events, cur.source)
        state = {"v": 1, "cursor": next_cursor}
        identity = {"gateway": self.endpoint, "session": cur.remote}
        self.store.record_batch(cur.source, cur.count + consumed, state, identity, events, problems)

    # -- approvals

    async def _sync_approvals(self, client: httpx.AsyncClient) -> None:
        data = await self._get_scoped(client, "/v1/approvals", {"status": "pending"},
                                      self.approvals_source)  # fmt: skip
        items = data.get("approvals") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise await self._malformed(
                self.approvals_source, "approvals answer of the wrong shape"
            )
        self._clear(self.approvals_source)
        pending: dict[str, dict[str, Any]] = {}
        for item in items:
            aid = item.get("id") if isinstance(item, dict) else None
            if isinstance(aid, int) and not isinstance(aid, bool):
                aid = str(aid)
            if not isinstance(aid, str) or not aid or len(aid) > 512:
                continue
            if item.get("status", "pending") != "pending":
                continue
            pending[aid] = item
        created, vanished, problems = await asyncio.to_thread(self._mirror, pending)
        if problems:
            await self._store_problems(self.approvals_source, problems)
        changed = created
        for local_id, remote_id, deadline in vanished:
            try:
                answer = await self._get(client, f"/v1/approvals/{quote(remote_id, safe='')}")
            except FetchError as exc:
                if exc.kind not in (FetchError.NOT_FOUND, FetchError.REJECTED,
                                    FetchError.MALFORMED):  # fmt: skip
                    raise
                answer = None
            status = answer.get("status") if isinstance(answer, dict) else None
            if status == "pending":
                continue  # between two lists: it comes back next cycle
            by = answer.get("decided_by") if isinstance(answer, dict) else None
            if await asyncio.to_thread(self._settle_vanished, local_id, status, by, deadline):
                changed += 1
        if changed:
            self.notify(set(), 0)

    def _mirror(
        self, pending: Mapping[str, dict[str, Any]]
    ) -> tuple[int, list[tuple[str, str, str | None]], list[Problem]]:
        """Create local approvals for new gateway approvals; list the ones that left the
        gateway's pending list while still pending here; settle the rest."""
        m, a = POLL_APPROVALS.c, _APPROVALS.c
        with self.store.engine.connect() as conn:
            known: dict[str, str] = {}
            remote_ids = list(pending)
            for start in range(0, len(remote_ids), 500):
                chunk = remote_ids[start : start + 500]
                for remote_id, local_id in conn.execute(
                    sa.select(m.remote_id, m.local_id).where(
                        m.endpoint == self.endpoint, m.remote_id.in_(chunk)
                    )
                ):
                    known[remote_id] = local_id
            open_rows = conn.execute(
                sa.select(m.local_id, m.remote_id, a.status, a.deadline, a.decision_seq)
                .select_from(POLL_APPROVALS.join(_APPROVALS, a.id == m.local_id))
                .where(m.endpoint == self.endpoint, m.settled == sa.false())
            ).all()
        created = 0
        problems: list[Problem] = []
        for remote_id, item in pending.items():
            if remote_id in known:
                continue
            made = self._create_approval(remote_id, item)
            if isinstance(made, Problem):
                problems.append(made)
            elif made:
                created += 1
        vanished: list[tuple[str, str, str | None]] = []
        settle: list[str] = []
        for local_id, remote_id, status, deadline, _seq in open_rows:
            if status == "pending":
                if remote_id not in pending:
                    vanished.append((local_id, remote_id, deadline))
            elif not self._awaits_delivery(local_id):
                settle.append(local_id)
        if settle:
            with self.store.engine.begin() as conn:
                conn.execute(
                    sa.update(POLL_APPROVALS).where(m.local_id.in_(settle)).values(settled=True)
                )
        return created, vanished, problems

    def _awaits_delivery(self, local_id: str) -> bool:
        a, d = _APPROVALS.c, _DECISIONS.c
        with self.store.engine.connect() as conn:
            action = conn.execute(
                sa.select(d.action)
                .select_from(_APPROVALS.join(_DECISIONS, d.seq == a.decision_seq))
                .where(a.id == local_id)
            ).scalar_one_or_none()
        return action in _DECISION_OUTCOME

    def _create_approval(self, remote_id: str, item: Mapping[str, Any]) -> bool | Problem:
        """One gateway approval → a pending approval here (id, session row, mapping: one
        transaction). The record goes through the native parser like any event, so its
        summary and ids are display-safe."""
        record: dict[str, Any] = {
            "kind": "approval_request", "session": item.get("session"),
            "ts": item.get("requested_at") or _utc_text(), "approval_id": remote_id,
            "call_id": item.get("call_id"), "tool": item.get("tool"),
            "input": item.get("input") if item.get("input") is not None else {},
        }  # fmt: skip
        parser = self._parsers.get(self.approvals_source)
        if parser is None:
            parser = self._parsers[self.approvals_source] = make_parser(
                "native", self.approvals_source
            )
        try:
            raw = orjson.dumps(record)
        except TypeError:
            raw = json.dumps(record, default=str).encode()
        items = parser.feed(raw, 0)
        event = next((i for i in items if isinstance(i, Event)), None)
        if event is None:
            found = next((i for i in items if isinstance(i, Problem)), None)
            if found is None:
                return False
            where = f"{self.approvals_source}:{neutralise(remote_id, limit=80)}"
            return self._report(where, f"unusable approval: {found.reason}", raw[:400]) or False
        local_id = local_approval_id(self.endpoint, remote_id)
        now = datetime.now(UTC)
        created_ts = event.ts if isinstance(event.ts, datetime) and event.ts <= now else now
        deadline: datetime | None = None
        expires = item.get("expires_at")
        if expires is not None:
            try:
                deadline = _parse_time(expires)
            except BadRecord:
                deadline = None
        timeout_s = (deadline - created_ts).total_seconds() if deadline is not None else None
        e, s = _EVENTS.c, _SESSIONS.c
        with self.store.engine.connect() as conn:
            judged = conn.execute(
                sa.select(e.verdict, e.rule).where(
                    e.session == event.session, e.kind == "tool_call", e.call_id == event.call_id
                )
            ).first() if event.call_id else None  # fmt: skip
            owner = conn.execute(sa.select(s.agent, s.task).where(s.id == event.session)).first()
        agent = owner.agent if owner is not None else None
        task = owner.task if owner is not None else None
        created = _utc_text(created_ts)
        with self.store.lean() as lconn, lean.db_errors(lconn.db), lconn.transaction():
            cur = lconn.execute(
                "INSERT INTO approvals (id, session, call_id, agent, task, tool, input, summary,"
                " rule, verdict, origin, status, created_at, timeout_s, deadline)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'gateway', 'pending', ?, ?, ?)"
                " ON CONFLICT (id) DO NOTHING",
                (
                    local_id, event.session, event.call_id, agent, task, event.tool,
                    _json_text(event.input), event.summary, judged.rule if judged else None,
                    judged.verdict if judged else None, created, timeout_s,
                    _utc_text(deadline) if deadline is not None else None,
                ),
            )  # fmt: skip
            if cur.rowcount != 1:
                return False  # the id is taken (another gateway's approval): next cycle
            lconn.execute(
                "INSERT INTO poll_approvals (local_id, endpoint, remote_id, session, settled,"
                " first_seen) VALUES (?, ?, ?, ?, ?, ?)",
                (local_id, self.endpoint, remote_id, event.session, False, created),
            )
            lconn.execute(
                "INSERT INTO sessions (id, agent, task, status, source, started_at, last_event_at,"
                " event_count, tool_calls, flags_safety, flags_security)"
                " VALUES (?, ?, ?, 'live', ?, ?, ?, 0, 0, 0, 0) ON CONFLICT (id) DO NOTHING",
                (event.session, agent, task, self.source_for(event.session), created, created),
            )
            lconn.notify(lean.APPROVALS_CHANNEL, local_id)
        return True

    def _settle_vanished(self, local_id: str, status: Any, by: Any, deadline: str | None) -> bool:
        """An approval left the gateway's pending list: record what the gateway says became
        of it (or that it will not say) — unless an operator here decided it meanwhile."""
        shown = neutralise(status, limit=40) if isinstance(status, str) else None
        who = neutralise(by, limit=120) if isinstance(by, str) and by else None
        if shown is not None:
            outcome = REMOTE_OUTCOMES.get(status, "errored")
            reason = f"settled on {self.name}: {shown}" + (f" by {who}" if who else "")
        elif deadline is not None and deadline <= _utc_text():
            outcome, reason = "timed_out", f"expired on {self.name}"
        else:
            outcome = "errored"
            reason = f"no longer pending on {self.name}, which does not say what became of it"
        operator = f"{who} (via {self.name})" if who else self.name
        seq = record_remote_outcome(
            self.store, endpoint=self.endpoint, local_id=local_id, outcome=outcome,
            operator=operator, reason=reason, expect_pending=True,
        )  # fmt: skip
        return seq is not None

    # -- what the app asks

    def owns_session(self, session: str) -> str | None:
        """The gateway's id for a store session, if that session came from this gateway."""
        ensure_tables(self.store)
        p = POLL_SESSIONS.c
        with self.store.engine.connect() as conn:
            row = conn.execute(
                sa.select(p.remote_id).where(
                    p.endpoint == self.endpoint, p.kind == "gateway", p.session == session
                )
            ).first()
        return None if row is None else str(row[0])

    def owns_approval(self, local_id: str) -> str | None:
        """The gateway's id for a local approval, if it came from this gateway."""
        ensure_tables(self.store)
        m = POLL_APPROVALS.c
        with self.store.engine.connect() as conn:
            row = conn.execute(
                sa.select(m.remote_id).where(m.endpoint == self.endpoint, m.local_id == local_id)
            ).first()
        return None if row is None else str(row[0])


def _parse_time(value: Any) -> datetime:
    from overseer.sources.formats._common import parse_ts

    return parse_ts(value, "expires_at")


def token_from_env(config: Config, environ: Mapping[str, str]) -> tuple[str, str | None]:
    """``(variable name, token or None)``: the variable named by ``[gateway] token_env``
    (default ``OVERSEER_GATEWAY_TOKEN``). Never from the config file itself."""
    name = config.gateway.get("token_env") or "OVERSEER_GATEWAY_TOKEN"
    name = str(name)
    token = environ.get(name) or None
    return name, token
