"""The plain types every layer shares: events, problems, flags, verdicts and gate outcomes.

No I/O and nothing heavy: sources produce these, the engine annotates them, the store keeps
them, the TUI shows them. Strings an agent wrote arrive here raw *and* neutralised (see
:mod:`overseer.untrusted`); display code uses only the ``*_display`` fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class EventKind(StrEnum):
    """Record kinds of the native format (``docs/event-schema.md``); other formats map onto them."""

    SESSION_START = "session_start"
    TOOL_CALL = "tool_call"
    TOOL_RESULT = "tool_result"
    APPROVAL_REQUEST = "approval_request"
    MESSAGE = "message"
    SESSION_END = "session_end"


class Verdict(StrEnum):
    """What the scope says about a call."""

    ALLOW = "allow"
    ASK = "ask"
    DENY = "deny"
    UNSCOPED = "unscoped"


class CallStatus(StrEnum):
    """What happened to a tool call *inside the agent*, as its log tells it."""

    PENDING = "pending"  # no result yet (or the session ended mid-call)
    OK = "ok"
    ERROR = "error"  # the tool ran and failed
    REJECTED = "rejected"  # a human refused it in the agent's own UI
    BLOCKED = "blocked"  # a rule or hook refused it before it ran
    INTERRUPTED = "interrupted"


class Outcome(StrEnum):
    """Gate outcomes, distinct everywhere (store, UI, reports): a timeout is never a denial."""

    AUTO_ALLOWED = "auto_allowed"
    POLICY_DENIED = "policy_denied"
    APPROVED = "approved"
    DENIED = "denied"
    TIMED_OUT = "timed_out"
    KILLED = "killed"
    ERRORED = "errored"


def approval_label(*, edited: bool, denied: bool, rule: str | None = None) -> str:
    """An approved call's outcome in words, the same in the session view and the report:
    ``approved``, ``approved with edit`` (the operator's edited input ran), or — when the gate
    then denied it (an edit that met a deny rule) — ``approved with edit — edit denied by rule
    X; nothing ran``: an approval is not a call that ran."""
    head = "approved with edit" if edited else "approved"
    if not denied:
        return head
    by = f"rule {rule}" if rule else "overseer"
    if edited:
        return f"{head} — edit denied by {by}; nothing ran"
    return f"{head} — then denied by {by}; nothing ran"


class SessionStatus(StrEnum):
    LIVE = "live"
    IDLE = "idle"
    ENDED = "ended"
    STOPPED = "stopped"  # ended by a hook's ``continue: false`` (overseer's kill), per its log
    KILLED = "killed"


class FlagCategory(StrEnum):
    """Safety: the agent may do harm on its own. Security: someone may be abusing the agent."""

    SAFETY = "safety"
    SECURITY = "security"


@dataclass(slots=True, frozen=True)
class Flag:
    """A risk raised by a detector on one event."""

    detector: str
    category: FlagCategory
    message: str
    owasp: tuple[str, ...] = ()  # ASI01..ASI10, NHI1..NHI10
    severity: str = "medium"  # low | medium | high


@dataclass(slots=True)
class Problem:
    """Bad input that was skipped (never raised): where it was and why."""

    source: str
    line: int | None
    reason: str
    excerpt: str = ""  # neutralised, capped


@dataclass(slots=True)
class Event:
    """One normalised record from any source.

    ``input``/``output`` are the raw values the agent wrote (for the audit record and hashes);
    ``summary``, ``input_display`` and ``output_display`` are their neutralised forms, made once
    at ingest. ``source``/``line`` point back to where the record came from.
    """

    kind: EventKind
    session: str
    ts: datetime
    agent: str | None = None
    task: str | None = None
    seq: int | None = None
    tool: str | None = None
    call_id: str | None = None
    input: dict[str, Any] | None = None
    output: str | None = None
    is_error: bool = False
    status: CallStatus | None = None
    approval_id: str | None = None
    role: str | None = None
    text: str | None = None
    cwd: str | None = None
    pid: int | None = None
    host: str | None = None
    reason: str | None = None
    parent_session: str | None = None  # sub-agent / sidechain transcripts
    source: str | None = None
    line: int | None = None
    # Set by the engine: what the scope said and what the detectors raised.
    verdict: Verdict | None = None
    rule: str | None = None
    flags: list[Flag] = field(default_factory=list)
    summary: str = ""
    input_display: str = ""
    output_display: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
