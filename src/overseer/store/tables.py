"""The tables (SQLModel), their indexes, and the DDL SQLModel cannot express (append-only
triggers on the audit chain).

Conventions every writer follows — the SQLModel side and the stdlib gate-hook side
(:mod:`overseer.store.lean`) share these tables column for column:

* Times are UTC text, ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (fixed width, so text order is time
  order on both SQLite and PostgreSQL, and the audit chain hashes exactly what is stored).
* JSON values (tool inputs, flags, parser state) are stored as JSON *text*.
* Agent-written strings are kept raw for the audit record (``input``, ``output``, ``text``)
  beside their display forms, neutralised once at ingest (``summary``, ``*_display``).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

#: Event ids are 64-bit on PostgreSQL; on SQLite the column must be exactly INTEGER to be the
#: rowid alias (autoincrementing), hence the variant.
_BIGINT_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_ZERO = {"server_default": "0"}
#: A tool call still waiting for its result (``ix_events_pending``; not yet in ``call_groups``).
_PENDING = "kind = 'tool_call' AND result_status IS NULL AND call_id IS NOT NULL"
#: Events with a ``call_id`` dedupe on (session, kind, call_id): the same call seen by a hook
#: and by a tailed transcript is stored once (insert-or-ignore, see Store.record_batch). A plain
#: unique index, not a partial one: NULL call_ids never collide (NULLs are distinct in unique
#: indexes on SQLite and PostgreSQL), and SQLite will not use a partial index for the right side
#: of the timeline's LEFT JOIN — pairing each call with its result would scan the session.


class MetaRow(SQLModel, table=True):
    """Key/value facts about the database itself; ``schema_version`` above all."""

    __tablename__ = "meta"
    key: str = Field(primary_key=True)
    value: str


class AgentRow(SQLModel, table=True):
    """An agent seen in a log or configured; owner/autonomy come from the config."""

    __tablename__ = "agents"
    name: str = Field(primary_key=True)
    owner: str | None = None
    autonomy: str | None = None
    default_task: str | None = None
    first_seen: str | None = None
    last_seen: str | None = None


class SessionRow(SQLModel, table=True):
    """One agent session. Counters are maintained by ``record_batch`` so the sessions screen
    reads one row per session instead of aggregating a million events."""

    __tablename__ = "sessions"
    __table_args__ = (
        # Most recently active first: ORDER BY last_event_at DESC, id DESC, read backwards.
        sa.Index("ix_sessions_agent", "agent", "last_event_at", "id"),
        sa.Index("ix_sessions_last_event", "last_event_at", "id"),
        sa.Index("ix_sessions_status", "status", "last_event_at", "id"),
    )
    id: str = Field(primary_key=True)
    agent: str | None = None
    task: str | None = None
    status: str = Field(default="live", sa_column_kwargs={"server_default": "live"})
    cwd: str | None = None
    pid: int | None = None
    host: str | None = None
    parent_session: str | None = None
    source: str | None = None
    started_at: str | None = None
    ended_at: str | None = None
    end_reason: str | None = None
    last_event_at: str | None = None
    event_count: int = Field(default=0, sa_column_kwargs=_ZERO)
    tool_calls: int = Field(default=0, sa_column_kwargs=_ZERO)
    last_tool: str | None = None
    last_tool_at: str | None = None
    flags_safety: int = Field(default=0, sa_column_kwargs=_ZERO)
    flags_security: int = Field(default=0, sa_column_kwargs=_ZERO)
    killed_by: str | None = None
    killed_at: str | None = None


class EventRow(SQLModel, table=True):
    """One normalised event (see :class:`overseer.model.Event`)."""

    __tablename__ = "events"
    __table_args__ = (
        # A session's tool-call timeline in order (and every kind, filtered).
        sa.Index("ix_events_timeline", "session", "kind", "ts", "id"),
        # A session's whole event stream in order.
        sa.Index("ix_events_session", "session", "ts", "id"),
        sa.Index("ux_events_call", "session", "kind", "call_id", unique=True),
        # The review's counts (schema 6, ``overseer.report.aggregate``): a session's tool calls
        # in the order of its GROUP BY, holding every column it counts, so that the database
        # groups half a million calls from this index alone, without sorting or a join.
        sa.Index(
            "ix_events_calls",
            "session",
            "agent",
            "task",
            "tool",
            "verdict",
            "rule",
            "result_status",
            "status",
            "label",
            "ts",
            "call_id",
            "kind",  # SQLite reads the partial index's own condition from the table otherwise
            sqlite_where=sa.text("kind = 'tool_call'"),
            postgresql_where=sa.text("kind = 'tool_call'"),
        ),
        # Each session's calls in time order with what autonomy labels them by (schema 6).
        sa.Index(
            "ix_events_sequence",
            "session",
            "ts",
            "id",
            "tool",
            "label",
            "verdict",
            "kind",
            sqlite_where=sa.text("kind = 'tool_call'"),
            postgresql_where=sa.text("kind = 'tool_call'"),
        ),
        # The review's activity chart (schema 7): calls of one verdict in a time range are
        # counted from this index alone, a range a bucket, without sorting every call.
        sa.Index(
            "ix_events_activity",
            "verdict",
            "ts",
            "kind",
            sqlite_where=sa.text("kind = 'tool_call'"),
            postgresql_where=sa.text("kind = 'tool_call'"),
        ),
        # Flagged events, few of a million (schema 6): the review itemises each.
        sa.Index(
            "ix_events_flagged",
            "session",
            "ts",
            "id",
            sqlite_where=sa.text("flags IS NOT NULL"),
            postgresql_where=sa.text("flags IS NOT NULL"),
        ),
        # Calls whose result is not stored yet (schema 8): the review groups these from here,
        # the others are counted in ``call_groups`` as they are written.
        sa.Index(
            "ix_events_pending",
            "session",
            "agent",
            "task",
            "tool",
            "verdict",
            "rule",
            "result_status",
            "status",
            "label",
            "ts",
            "call_id",
            "kind",
            sqlite_where=sa.text(_PENDING),
            postgresql_where=sa.text(_PENDING),
        ),
    )
    id: int | None = Field(default=None, primary_key=True, sa_type=_BIGINT_ID)
    session: str
    kind: str
    ts: str
    seq: int | None = None
    agent: str | None = None
    task: str | None = None
    tool: str | None = None
    call_id: str | None = None
    approval_id: str | None = None
    role: str | None = None
    text: str | None = Field(default=None, sa_type=sa.Text)
    input: str | None = Field(default=None, sa_type=sa.Text)  # raw, JSON text
    output: str | None = Field(default=None, sa_type=sa.Text)  # raw, capped
    output_chars: int | None = None  # original length when ``output`` was capped
    output_truncated: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    is_error: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    status: str | None = None
    verdict: str | None = None
    rule: str | None = None
    flags: str | None = Field(default=None, sa_type=sa.Text)  # JSON list of flag objects
    flags_safety: int = Field(default=0, sa_column_kwargs=_ZERO)
    flags_security: int = Field(default=0, sa_column_kwargs=_ZERO)
    summary: str = Field(default="", sa_type=sa.Text)
    input_display: str = Field(default="", sa_type=sa.Text)
    output_display: str = Field(default="", sa_type=sa.Text)
    reason: str | None = None
    parent_session: str | None = None
    source: str | None = None
    line: int | None = None
    extra: str | None = Field(default=None, sa_type=sa.Text)  # JSON object
    #: On a tool call: the status its result gives it (the result's ``status``, else
    #: ``error`` or ``ok``), ``NULL`` while no result is stored. Kept by ``record_batch``
    #: whichever of the two arrives first (schema 6): the review counts by it without a join.
    result_status: str | None = None
    #: On a shell call: its action label (``Bash:git push``, ``report.review.call_label`` of
    #: the stored input), ``NULL`` for other tools and for a shell call whose input names no
    #: command the label could read (the review counts those as unjudged). Schema 6.
    label: str | None = None


class CallGroupRow(SQLModel, table=True):
    """A session's tool calls alike in everything the review counts them by (schema 8, issue
    16): ``agent``, ``task``, ``tool``, ``verdict``, ``rule``, the status the timeline reads
    (``status``: the result's, else the call's own unless ``ok``, else ``pending``) and the
    shell ``label``, with their number, the first and the latest call, the first call's
    summary (out-of-scope groups only) and the ids of those rejected in the agent's UI.

    Derived data, kept by ``record_batch`` (:mod:`overseer.store.callsum`) as it writes the
    calls, so that a review of whole sessions reads a row a group instead of grouping the
    calls. It holds only the calls whose status is final: a call with a call id and no stored
    result yet (``result_status IS NULL``) is counted here once its result is stored; until
    then the review groups it from ``ix_events_pending``. Never trusted over the events: the
    audit chain is verified from ``decisions`` alone, and ``gather(by_rows=True)`` reads the
    events themselves (the reference this table is tested against). ``gkey`` is the group's
    key columns as JSON text (a NULL and an empty text are different groups)."""

    __tablename__ = "call_groups"
    session: str = Field(primary_key=True)
    gkey: str = Field(primary_key=True, sa_type=sa.Text)
    agent: str | None = None
    task: str | None = None
    tool: str | None = None
    verdict: str | None = None
    rule: str | None = None
    status: str
    label: str | None = None
    calls: int = Field(default=0, sa_column_kwargs=_ZERO)
    first_ts: str
    first_id: int = Field(sa_type=sa.BigInteger)
    last_ts: str
    last_id: int = Field(sa_type=sa.BigInteger)
    last_call_id: str | None = None
    summary: str | None = Field(default=None, sa_type=sa.Text)
    rejected: str | None = Field(default=None, sa_type=sa.Text)


class SessionCallsRow(SQLModel, table=True):
    """Each session's tool calls in time order (schema 8, issue 16): how many, the first and
    the latest (``last_ts``, ``last_id``), and the labels autonomy is judged on with
    consecutive repeats folded: full chunks in ``call_sequences``, the rest in ``tail`` (JSON
    list), ``last_label`` the latest. ``stale`` once a call was stored before the latest one
    in time order: the folded sequence is then no longer kept and the review reads that
    session's sequence from ``ix_events_sequence``. Derived data like :class:`CallGroupRow`
    (kept by ``record_batch``, never trusted over the events)."""

    __tablename__ = "session_calls"
    session: str = Field(primary_key=True)
    calls: int = Field(default=0, sa_column_kwargs=_ZERO)
    first_ts: str
    last_ts: str
    last_id: int = Field(sa_type=sa.BigInteger)
    last_label: str | None = None
    chunks: int = Field(default=0, sa_column_kwargs=_ZERO)
    tail: str | None = Field(default=None, sa_type=sa.Text)
    stale: int = Field(default=0, sa_column_kwargs=_ZERO)
    #: Its calls still waiting for their result (in ``ix_events_pending``, in no group yet):
    #: the review groups those of the sessions that have some.
    pending: int = Field(default=0, sa_column_kwargs=_ZERO)


class CallSequenceRow(SQLModel, table=True):
    """A full chunk of a session's folded label sequence (JSON list; :class:`SessionCallsRow`),
    written once. Derived data (schema 8)."""

    __tablename__ = "call_sequences"
    session: str = Field(primary_key=True)
    chunk: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    labels: str = Field(sa_type=sa.Text)


class ApprovalRow(SQLModel, table=True):
    """A gated tool call waiting for (or given) an operator's answer.

    ``status`` is ``pending`` until exactly one writer moves it to an outcome (``approved``,
    ``denied``, ``timed_out``, ``errored``, ``killed``) together with its audit row.
    """

    __tablename__ = "approvals"
    __table_args__ = (
        sa.Index("ix_approvals_status", "status", "created_at", "id"),
        sa.Index("ix_approvals_call", "session", "call_id"),
    )
    id: str = Field(primary_key=True)
    session: str
    call_id: str | None = None
    agent: str | None = None
    task: str | None = None
    tool: str | None = None
    input: str | None = Field(default=None, sa_type=sa.Text)  # raw, JSON text
    summary: str = Field(default="", sa_type=sa.Text)  # neutralised at ingest
    rule: str | None = None
    verdict: str | None = None
    origin: str = "hook"
    status: str = "pending"
    created_at: str
    timeout_s: float | None = None
    deadline: str | None = None
    decided_by: str | None = None
    decided_at: str | None = None
    reason: str | None = Field(default=None, sa_type=sa.Text)
    updated_input: str | None = Field(default=None, sa_type=sa.Text)  # raw, JSON text
    decision_seq: int | None = None


class DecisionRow(SQLModel, table=True):
    """The audit chain: one append-only row per gate decision (see :mod:`.chain`)."""

    __tablename__ = "decisions"
    __table_args__ = (
        sa.Index("ix_decisions_session", "session", "seq"),
        sa.Index("ix_decisions_approval", "approval_id"),
        sa.Index("ix_decisions_ts", "ts"),
        # "Was this session killed?" from the chain itself, on every gated call (schema 4).
        sa.Index(
            "ix_decisions_killed",
            "session",
            sqlite_where=sa.text("outcome = 'killed'"),
            postgresql_where=sa.text("outcome = 'killed'"),
        ),
    )
    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    ts: str
    operator: str
    action: str
    outcome: str
    session: str | None = None
    approval_id: str | None = None
    call_id: str | None = None
    agent: str | None = None
    task: str | None = None
    tool: str | None = None
    input: str | None = Field(default=None, sa_type=sa.Text)  # secrets masked, JSON text
    input_fingerprint: str | None = None  # sha256 of the raw canonical input
    updated_input: str | None = Field(default=None, sa_type=sa.Text)  # masked, JSON text
    rule: str | None = None
    reason: str | None = Field(default=None, sa_type=sa.Text)
    prev_hash: str
    hash: str


class OffsetRow(SQLModel, table=True):
    """How far each source has been ingested, committed with the events it produced."""

    __tablename__ = "ingest_offsets"
    source: str = Field(primary_key=True)
    byte_offset: int = Field(default=0, sa_type=sa.BigInteger)
    state: str = Field(default="{}", sa_type=sa.Text)  # parser state, JSON object
    identity: str = Field(default="{}", sa_type=sa.Text)  # file identity, JSON object
    updated_at: str | None = None


class ProblemRow(SQLModel, table=True):
    """Bad input that was skipped: where and why (never an exception)."""

    __tablename__ = "problems"
    __table_args__ = (sa.Index("ix_problems_source", "source", "id"),)
    id: int | None = Field(default=None, primary_key=True, sa_type=_BIGINT_ID)
    source: str
    line: int | None = None
    reason: str = Field(sa_type=sa.Text)
    excerpt: str = Field(default="", sa_type=sa.Text)
    recorded_at: str


class CheckpointRow(SQLModel, table=True):
    """Checkpoints handed out by ``overseer audit checkpoint`` (a copy; the real one is kept
    elsewhere — a checkpoint stored only here proves nothing against whoever edits the file)."""

    __tablename__ = "checkpoints"
    id: int | None = Field(default=None, primary_key=True)
    size: int
    head: str
    ts: str
    operator: str | None = None


class GrantRow(SQLModel, table=True):
    """ "Approve for this session": a rule allowed for the rest of one session (schema 2).

    Written with its approval's decision (and audit row) in one transaction; gates read them
    on every call of the session (``lean.session_grants``)."""

    __tablename__ = "grants"
    __table_args__ = (sa.Index("ix_grants_session", "session", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    session: str
    rule: str
    approval_id: str | None = None
    operator: str
    created_at: str
    reason: str | None = Field(default=None, sa_type=sa.Text)


class RevealRow(SQLModel, table=True):
    """An operator unmasked a secret on screen (schema 2). Append-only like the chain, but not
    hash-chained: the chain holds gate decisions only, with their seven outcomes."""

    __tablename__ = "reveals"
    __table_args__ = (sa.Index("ix_reveals_session", "session", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    ts: str
    operator: str
    session: str
    call_id: str | None = None


class NotificationRow(SQLModel, table=True):
    """One page to an operator (schema 5, :mod:`overseer.control.notify`): an approval's
    event (``created``, ``expiring``) sent through one channel (``webhook``, ``command``).

    The primary key is the claim: whichever notifier inserts the row sends it, so several
    consoles and ``overseer notify`` on one store send each page once. ``status`` is
    ``sending`` (claimed until ``lease_until``; a notifier that died is taken over after
    it), ``sent``, ``failed`` (every attempt failed: ``error`` says why) or ``skipped``."""

    __tablename__ = "notifications"
    __table_args__ = (sa.Index("ix_notifications_status", "status", "updated_at"),)
    approval_id: str = Field(primary_key=True)
    kind: str = Field(primary_key=True)
    channel: str = Field(primary_key=True)
    status: str
    claimed_by: str
    lease_until: str
    attempts: int = Field(default=0, sa_column_kwargs=_ZERO)
    created_at: str
    updated_at: str
    error: str | None = Field(default=None, sa_type=sa.Text)


APPEND_ONLY_SQLITE = (
    """CREATE TRIGGER IF NOT EXISTS decisions_no_update BEFORE UPDATE ON decisions
    BEGIN SELECT RAISE(ABORT, 'the audit chain is append-only: UPDATE refused'); END""",
    """CREATE TRIGGER IF NOT EXISTS decisions_no_delete BEFORE DELETE ON decisions
    BEGIN SELECT RAISE(ABORT, 'the audit chain is append-only: DELETE refused'); END""",
)

REVEALS_APPEND_ONLY_SQLITE = (
    """CREATE TRIGGER IF NOT EXISTS reveals_no_update BEFORE UPDATE ON reveals
    BEGIN SELECT RAISE(ABORT, 'the reveal log is append-only: UPDATE refused'); END""",
    """CREATE TRIGGER IF NOT EXISTS reveals_no_delete BEFORE DELETE ON reveals
    BEGIN SELECT RAISE(ABORT, 'the reveal log is append-only: DELETE refused'); END""",
)

REVEALS_APPEND_ONLY_POSTGRES = (
    """CREATE OR REPLACE FUNCTION overseer_reveals_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION USING MESSAGE = 'the reveal log is append-only: ' || TG_OP || ' refused';
    END
    $$""",
    """CREATE TRIGGER reveals_no_update_delete BEFORE UPDATE OR DELETE ON reveals
    FOR EACH ROW EXECUTE FUNCTION overseer_reveals_append_only()""",
)

APPEND_ONLY_POSTGRES = (
    """CREATE OR REPLACE FUNCTION overseer_decisions_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION USING MESSAGE = 'the audit chain is append-only: ' || TG_OP || ' refused';
    END
    $$""",
    """CREATE TRIGGER decisions_no_update_delete BEFORE UPDATE OR DELETE ON decisions
    FOR EACH ROW EXECUTE FUNCTION overseer_decisions_append_only()""",
    """CREATE TRIGGER decisions_no_truncate BEFORE TRUNCATE ON decisions
    FOR EACH STATEMENT EXECUTE FUNCTION overseer_decisions_append_only()""",
)
