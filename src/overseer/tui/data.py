"""What the app needs from the world, as one interface the screens and workers call.

:class:`DataSource` is called from worker threads only (it does I/O); its results are plain
row objects (:mod:`overseer.tui.rows`) posted back to the App as messages. The store-backed
implementation is :class:`overseer.tui.store_source.StoreSource`; a gateway-backed one
delivers decisions over HTTP instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from overseer.tui.rows import (
    ApprovalRow,
    AuditRow,
    CallDetail,
    FleetRow,
    ScopeRuleRow,
    TimelineRow,
)


@dataclass(slots=True)
class FleetSnapshot:
    """Everything the header, fleet and approvals views show, read in one go."""

    sessions: list[FleetRow]
    approvals: list[ApprovalRow]
    agents: int
    live: int
    flags_safety: int
    flags_security: int
    health: dict[str, str] = field(default_factory=dict)  # source → ok / retrying in 4 s / ...
    problems: int = 0
    undelivered: int = 0
    #: The gate hooks of the watched project and the user, compact (``claude ok · codex
    #: none``), and ``ok`` / ``warn`` / ``none``; empty until the first (rare) check.
    hooks: str = ""
    hooks_level: str = ""
    #: Who the store trusts: ``single-user`` (the embedded default), ``hardened``, ``team``.
    trust_mode: str = ""


@dataclass(slots=True)
class ScopeView:
    """The provisioned scope of one session's task, measured against what it did."""

    agent: str
    task: str | None
    owner: str
    autonomy: str
    rules: list[ScopeRuleRow]
    acquired: list[tuple[str, int]]  # tools used that no allow rule covers, with counts
    default: str
    known: bool = True


@dataclass(slots=True)
class AuditView:
    rows: list[AuditRow]
    verified: bool
    verify_message: str
    size: int


class DecisionError(Exception):
    """A decision could not be applied (already decided elsewhere, store unreachable...)."""


class DataSource(Protocol):
    """The app's only way to read or change anything."""

    read_only: bool

    def snapshot(self) -> FleetSnapshot: ...

    def timeline(self, session: str, start: int = 0) -> list[TimelineRow]: ...

    def scope(self, session: str) -> ScopeView: ...

    def call_detail(self, session: str, row: TimelineRow) -> CallDetail: ...

    def audit(self, limit: int = 1000) -> AuditView: ...

    def decide(
        self,
        approval_id: str,
        decision: str,
        reason: str,
        operator: str,
        updated_input: dict[str, Any] | None = None,
    ) -> str: ...

    def grant_for_session(self, approval_id: str, reason: str, operator: str) -> str: ...

    def kill(self, session: str, reason: str, operator: str) -> str: ...

    def approval_input(self, approval_id: str) -> dict[str, Any]: ...

    def record_reveal(self, session: str, call_id: str | None, operator: str) -> None: ...
