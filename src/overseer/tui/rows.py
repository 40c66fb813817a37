"""Display rows: what each view shows, as plain strings already safe to put on screen.

These are built by :mod:`overseer.tui.data` from the store (in a worker thread) and handed
to widgets by message handlers. Every agent-written field here comes from a ``*_display`` or
``summary`` column neutralised at ingest; labels are overseer's own words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

#: How each scope verdict is labelled on screen (operators read words, not codes).
VERDICT_LABELS = {
    "allow": "in scope",
    "ask": "gated",
    "deny": "denied",
    "unscoped": "out of scope",
    None: "",
}
#: Gate outcomes and in-agent call statuses, one vocabulary for the timeline.
OUTCOME_LABELS = {
    "auto_allowed": "auto-allowed",
    "policy_denied": "policy denied",
    "approved": "approved",
    "approved_edited": "approved ✎",  # with the operator's edited input
    "edit_denied": "edit denied",  # approved with an edit a deny rule refused: nothing ran
    "denied": "denied",
    "timed_out": "timed out",
    "killed": "killed",
    "errored": "errored",
    "pending": "pending",
    "ok": "ok",
    "error": "error",
    "rejected": "rejected",
    "blocked": "blocked",
    "interrupted": "interrupted",
    "waiting": "waiting",
    None: "",
}


@dataclass(slots=True)
class TimelineRow:
    """One tool call on a session's timeline."""

    index: int
    ts: datetime
    tool: str
    summary: str
    verdict: str | None
    outcome: str | None
    rule: str | None = None
    call_id: str | None = None
    safety: int = 0
    security: int = 0
    flag_names: tuple[str, ...] = ()
    event_id: int | None = None
    result_event_id: int | None = None
    approval_id: str | None = None

    @property
    def flags_label(self) -> str:
        parts = []
        if self.safety:
            parts.append(f"S{self.safety}")
        if self.security:
            parts.append(f"X{self.security}")
        return " ".join(parts)


@dataclass(slots=True)
class FleetRow:
    """One session in the fleet view."""

    session: str
    agent: str
    owner: str
    autonomy: str
    observed: str
    task: str
    status: str
    events: int
    tool_calls: int
    last_tool: str
    last_ts: datetime | None
    pending: int
    safety: int
    security: int
    activity: list[int] = field(default_factory=list)
    observe_only: bool = False


@dataclass(slots=True)
class ApprovalRow:
    """One pending approval in the queue."""

    id: str
    session: str
    agent: str
    task: str
    tool: str
    summary: str
    rule: str | None
    verdict: str | None
    requested_at: datetime
    expires_at: datetime | None
    call_id: str | None = None
    flags: tuple[str, ...] = ()
    destructive: bool = False
    input_display: str = ""


@dataclass(slots=True)
class AuditRow:
    seq: int
    ts: datetime
    operator: str
    action: str
    outcome: str
    tool: str
    session: str
    reason: str
    rule: str
    edited: bool = False  # the row carries the operator's edited input (``updated_input``)


@dataclass(slots=True)
class ScopeRuleRow:
    """A provisioned rule and how often it decided a call in this session."""

    list_name: str  # allow | ask | deny | session
    rule: str
    hits: int


@dataclass(slots=True)
class CallDetail:
    """Everything the detail pane shows for one call (masked unless revealed)."""

    tool: str
    input_display: str
    output_display: str
    status: str | None
    verdict: str | None
    rule: str | None
    flags: list[str]
    has_secret: bool = False
    input_revealed: str | None = None
    output_revealed: str | None = None
    #: The operator's edit of an approved call (display form), and what became of it.
    edited_input_display: str | None = None
    edit_note: str | None = None
