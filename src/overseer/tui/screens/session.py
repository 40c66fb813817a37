"""One session: the timeline of tool choices beside the scope it was provisioned."""

from __future__ import annotations

import time
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static

from overseer.secrets import mask
from overseer.tui.format import countdown, short_flag, shown
from overseer.tui.messages import DetailLoaded, TimelineLoaded
from overseer.tui.rows import VERDICT_LABELS, ApprovalRow, TimelineRow
from overseer.tui.widgets.header import StatusHeader
from overseer.tui.widgets.panels import DetailPanel, ScopePanel
from overseer.tui.widgets.timeline import Timeline, TimelineBox

#: The decision keys: each goes through the app's action of the same name, as in the queue.
DECISIONS = ("approve", "deny", "approve_session", "edit_approve")
#: Lines of a waiting call's input shown when the call is not on the timeline.
WAITING_LINES = 8

#: Seconds between two reads of the scope panel's aggregate while calls keep arriving.
SCOPE_EVERY = 2.0


class SessionScreen(Screen[None]):
    """Timeline (Line API) | scope panel, with the selected call's detail underneath.

    Deciding here: ``a``, ``d``, ``A``, ``e`` act on the selected call when it waits for a
    decision. When it does not, they act on the session's oldest waiting call, but only once
    it is in view: a waiting call on the timeline is selected first (its whole input fills
    the detail pane; press the key again), and one the timeline does not hold (a hook-gated
    call whose transcript is not tailed) is shown whole in the waiting panel above the
    detail. The keys are in the footer only while something here waits.
    """

    BINDINGS = [
        Binding("a", "approve", "Approve", show=True),
        Binding("d", "deny", "Deny", show=True),
        Binding("A", "approve_session", "Approve+allow session", show=True),
        Binding("e", "edit_approve", "Edit+approve", show=True),
        Binding("escape", "app.pop_screen", "Back", show=True),
        Binding("v", "reveal", "Reveal secrets", show=True),
        Binding("s", "toggle_scope", "Scope", show=True),
        Binding("ctrl+k", "app.kill_session", "Kill", show=True),
        Binding("/", "filter", "Filter", show=True),
    ]

    def __init__(self, session: str, focus_call: str | None = None) -> None:
        super().__init__(id=f"session-{abs(hash(session))}")
        self.session = session
        self.focus_call = focus_call
        self.loaded = 0
        self.revealed: set[int] = set()
        self._loading = False
        self._all_rows: list[TimelineRow] = []
        self.filter_text = ""
        self._scope_at = 0.0
        self._scope: Any = None

    def compose(self) -> ComposeResult:
        yield StatusHeader()
        with Horizontal(id="session-body"):
            with Vertical(id="timeline-column"):
                box = TimelineBox(id="timeline-box")
                # A border title given as ``str`` is parsed as markup: never for agent text.
                box.border_title = Content(shown(f"Session {self.session}"))
                yield box
                yield Static("", id="session-waiting")
                with VerticalScroll(id="detail-scroll"):
                    yield DetailPanel(id="detail")
            with VerticalScroll(id="scope-scroll"):
                yield ScopePanel(id="scope")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(Timeline).focus()
        self.query_one(Timeline).loading = True
        self._waiting_ids: frozenset[str] = frozenset()
        self.watch(self.app, "snapshot", self._on_snapshot)
        self.reload()

    def on_resize(self) -> None:
        self.set_class(self.size.width < 110, "-narrow")

    def action_toggle_scope(self) -> None:
        self.toggle_class("-scope-hidden")
        self.remove_class("-narrow")

    # ------------------------------------------------------------------ loading (workers)

    def reload(self) -> None:
        """Fetch new rows, and again every row from the first still-open call on (its result
        or its operator's decision may have arrived since)."""
        if self._loading:
            return
        self._loading = True
        open_rows = (r.index for r in self._all_rows if r.outcome in ("pending", "waiting"))
        # Bounded: a call left pending long ago must not make every reload re-read
        # a 100k-call session.
        start = max(0, min(open_rows, default=self.loaded), self.loaded - 100)
        # The scope panel aggregates the whole session: read at most every 2 s, so a busy
        # session's new calls reach the timeline without waiting for it.
        now = time.monotonic()
        with_scope = self.loaded == 0 or now - self._scope_at >= SCOPE_EVERY
        if with_scope:
            self._scope_at = now
        self._fetch(start, with_scope)

    @work(thread=True, group="timeline")
    def _fetch(self, start: int, with_scope: bool) -> None:
        source = self.app.source  # type: ignore[attr-defined]
        try:
            rows = source.timeline(self.session, start)
            scope = source.scope(self.session) if with_scope else None
        except Exception as exc:  # a worker failure becomes a message, never a crash
            self.post_message(TimelineLoaded(self.session, start, [], None, error=str(exc)))
            return
        self.post_message(TimelineLoaded(self.session, start, rows, scope))

    @on(TimelineLoaded)
    def _loaded(self, message: TimelineLoaded) -> None:
        self._loading = False
        if message.error:
            self.query_one(Timeline).loading = False
            self.app.notify(
                shown(f"cannot load session: {message.error}"), severity="error", markup=False
            )
            return
        timeline = self.query_one(Timeline)
        timeline.loading = False
        if message.scope is not None:
            self._scope = message.scope
            self.query_one(ScopePanel).show(message.scope)
        if message.start == 0:
            self._all_rows = message.rows
            self.loaded = len(message.rows)
            cursor = None
            if self.focus_call:
                cursor = next((r.index for r in message.rows if r.call_id == self.focus_call), None)
            timeline.set_rows(self._filtered(self._all_rows), cursor=cursor)
        else:
            # Rows already shown may have changed (results arrived): replace them in place.
            fresh = [r for r in message.rows if r.index >= self.loaded]
            for row in message.rows:
                if row.index < self.loaded:
                    self._all_rows[row.index] = row
                    if not self.filter_text:
                        timeline.update_row(row)
            self._all_rows.extend(fresh)
            self.loaded = len(self._all_rows)
            visible = self._filtered(fresh)
            if visible:
                timeline.append_rows(visible)
        count = len(self._all_rows)
        scope = self._scope
        agent_task = f"{scope.agent}/{scope.task or '—'}" if scope else "…"
        title = f"Session {self.session} · {agent_task}"
        self.query_one(TimelineBox).border_title = Content(shown(f"{title} · {count} calls"))
        self._show_waiting()

    def _filtered(self, rows: list[TimelineRow]) -> list[TimelineRow]:
        if not self.filter_text:
            return list(rows)
        needle = self.filter_text.lower()
        return [
            r for r in rows
            if needle in f"{r.tool} {r.summary} {r.verdict} {r.outcome} {r.rule}".lower()
        ]  # fmt: skip

    # ------------------------------------------------------------------ selection

    @on(Timeline.Highlighted)
    def _highlighted(self, message: Timeline.Highlighted) -> None:
        self._show_waiting()
        if message.row is None:
            self.query_one(DetailPanel).show(None)
            return
        self._fetch_detail(message.row)

    @work(thread=True, exclusive=True, group="detail")
    def _fetch_detail(self, row: TimelineRow) -> None:
        source = self.app.source  # type: ignore[attr-defined]
        index = row.index
        try:
            detail = source.call_detail(self.session, row)
        except Exception as exc:
            self.app.call_from_thread(
                self.app.notify, shown(f"cannot load call: {exc}"), severity="error", markup=False
            )
            return
        self.post_message(DetailLoaded(self.session, index, detail))

    @on(DetailLoaded)
    def _detail_loaded(self, message: DetailLoaded) -> None:
        current = self.query_one(Timeline).current
        if current is not None and current.index == message.index:
            self._detail = message.detail
            self.query_one(DetailPanel).show(
                message.detail, revealed=message.index in self.revealed
            )

    def action_reveal(self) -> None:
        current = self.query_one(Timeline).current
        detail = getattr(self, "_detail", None)
        if current is None or detail is None:
            return
        self.revealed.add(current.index)
        self.query_one(DetailPanel).show(detail, revealed=True)
        self.app.record_reveal(self.session, current.call_id)  # type: ignore[attr-defined]

    def action_filter(self) -> None:
        from overseer.tui.widgets.modals import FilterBar

        def apply(value: str | None) -> None:
            if value is None:
                return
            self.filter_text = value
            self.query_one(Timeline).set_rows(self._filtered(self._all_rows))

        self.app.push_screen(FilterBar(self.filter_text), apply)

    @property
    def current_call(self) -> Any:
        return self.query_one(Timeline).current

    # ------------------------------------------------------------------ deciding

    def _on_snapshot(self, snapshot: Any) -> None:
        if snapshot is None:
            return
        waiting = frozenset(a.id for a in snapshot.approvals if a.session == self.session)
        if waiting != self._waiting_ids:
            # A call here started or stopped waiting: its timeline row changes outcome.
            self._waiting_ids = waiting
            self.reload()
        self._show_waiting()

    def waiting(self) -> list[ApprovalRow]:
        """This session's pending approvals, oldest first."""
        snapshot = getattr(self.app, "snapshot", None)
        if snapshot is None:
            return []
        found = [a for a in snapshot.approvals if a.session == self.session]
        return sorted(found, key=lambda a: a.requested_at)

    def _position(self, approval: ApprovalRow) -> int | None:
        """Where the approval's call is on the timeline (as shown), if it is there."""
        if approval.call_id is None:
            return None
        rows = self.query_one(Timeline).rows
        return next((i for i, r in enumerate(rows) if r.call_id == approval.call_id), None)

    def decision_target(self) -> tuple[ApprovalRow | None, bool]:
        """The approval the decision keys act on, and whether it is in view (selected, or
        shown whole in the waiting panel because the timeline does not hold its call)."""
        waiting = self.waiting()
        row = self.current_call
        if row is not None and row.call_id is not None:
            selected = next((a for a in waiting if a.call_id == row.call_id), None)
            if selected is not None:
                return selected, True
        if not waiting:
            return None, False
        oldest = waiting[0]
        return oldest, self._position(oldest) is None

    def selected_ids(self) -> list[str]:
        """What an approve or deny applies to here (the app's actions ask): only an approval
        the operator has in view."""
        target, in_view = self.decision_target()
        return [target.id] if target is not None and in_view else []

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Textual: False hides the key, None shows it disabled.
        if action in DECISIONS:
            if getattr(self.app, "read_only", False):
                return False
            target, _ = self.decision_target()
            if target is None:
                return False
            return self.app.check_action(action, parameters)
        return True

    def _decide(self, action: str) -> None:
        target, in_view = self.decision_target()
        if target is None:
            self.app.notify("Nothing waits for a decision in this session.", markup=False)
            return
        if not in_view:
            position = self._position(target)
            if position is not None:
                self.query_one(Timeline).move_to(position)
            self.app.notify(
                "Moved to the waiting call: read it, then press the key again to decide.",
                markup=False,
            )
            return
        getattr(self.app, f"action_{action}")()

    def action_approve(self) -> None:
        self._decide("approve")

    def action_deny(self) -> None:
        self._decide("deny")

    def action_approve_session(self) -> None:
        self._decide("approve_session")

    def action_edit_approve(self) -> None:
        self._decide("edit_approve")

    def _show_waiting(self) -> None:
        """The waiting panel: what the decision keys act on, or where it is."""
        panel = self.query_one("#session-waiting", Static)
        target, in_view = self.decision_target()
        self.refresh_bindings()
        if target is None:
            panel.display = False
            return
        panel.display = True
        now = self.app.now()  # type: ignore[attr-defined]
        count = len(self.waiting())
        more = f" (1 of {count})" if count > 1 else ""
        verdict = VERDICT_LABELS.get(target.verdict, target.verdict or "")
        rule = f"rule {target.rule}" if target.rule else "no rule matched"
        lines = [
            Content.assemble(
                (f"WAITING FOR A DECISION{more}", "bold $warning"),
                " · times out in ",
                (countdown(target.expires_at, now), "bold"),
                shown(f" · {verdict} · {rule}"),
            )
        ]
        if target.flags:
            flags = " ".join(short_flag(f) for f in target.flags)
            lines.append(Content.styled(f"flags: {flags} — a reason is required", "$warning"))
        position = self._position(target)
        keys = "a approve · d deny · A approve + allow for the session · e edit, then approve"
        if position is None:
            # Not on the timeline: the whole input is here (masked; the gate kept it raw).
            lines.append(Content.styled(shown(target.tool), "bold"))
            body = mask(target.input_display or target.summary).splitlines() or [""]
            if len(body) > WAITING_LINES:
                body = [*body[: WAITING_LINES - 1], f"… ({len(body) - WAITING_LINES + 1} more)"]
            lines.extend(Content(line) for line in body)
            lines.append(Content.styled(f"not on the timeline · {keys}", "dim"))
        elif in_view:
            lines[0] = lines[0] + Content.styled(" · the selected call, input below", "dim")
        else:
            lines.append(Content.assemble((shown(target.tool), "bold"), " ", target.summary))
            lines.append(Content.styled("on the timeline · a, d, A or e selects it first", "dim"))
        panel.update(Content("\n").join(lines))
