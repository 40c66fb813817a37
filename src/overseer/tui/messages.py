"""Messages workers post to the App. Workers never touch widgets; handlers own all state."""

from __future__ import annotations

from textual.message import Message

from overseer.tui.data import AuditView, FleetSnapshot, ScopeView
from overseer.tui.rows import CallDetail, TimelineRow


class SnapshotLoaded(Message):
    """A fresh read of fleet, approvals and counts."""

    def __init__(self, snapshot: FleetSnapshot | None, error: str = "") -> None:
        super().__init__()
        self.snapshot = snapshot
        self.error = error


class TimelineLoaded(Message):
    """Timeline rows of one session, from index ``start`` on."""

    def __init__(
        self,
        session: str,
        start: int,
        rows: list[TimelineRow],
        scope: ScopeView | None,
        error: str = "",
    ) -> None:
        super().__init__()
        self.error = error
        self.session = session
        self.start = start
        self.rows = rows
        self.scope = scope


class DetailLoaded(Message):
    def __init__(self, session: str, index: int, detail: CallDetail) -> None:
        super().__init__()
        self.session = session
        self.index = index
        self.detail = detail


class AuditLoaded(Message):
    def __init__(self, view: AuditView) -> None:
        super().__init__()
        self.view = view


class EventsIngested(Message):
    """New events reached the store (live tailing or polling); views should catch up."""

    def __init__(self, sessions: set[str], count: int) -> None:
        super().__init__()
        self.sessions = sessions
        self.count = count


class ActionDone(Message):
    """A decision, kill or grant finished (``ok`` False: it failed and says why)."""

    def __init__(self, text: str, ok: bool = True) -> None:
        super().__init__()
        self.text = text
        self.ok = ok
