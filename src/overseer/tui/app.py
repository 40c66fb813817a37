"""The overseer App: one app for ``watch`` (live), ``poll`` (gateway) and ``review`` (read-only).

The App owns state: the latest :class:`FleetSnapshot` (a reactive every screen watches) and
every state change. Reads and writes go through a :class:`DataSource` in thread workers,
which post messages back; no worker touches a widget.
"""

from __future__ import annotations

import getpass
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.command import Hit, Hits, Provider
from textual.content import Content
from textual.reactive import reactive
from textual.screen import Screen

from overseer.tui.data import DataSource, FleetSnapshot
from overseer.tui.format import shown
from overseer.tui.messages import ActionDone, EventsIngested, SnapshotLoaded
from overseer.tui.rows import ApprovalRow
from overseer.tui.screens.approvals import ApprovalsScreen
from overseer.tui.screens.audit import AuditScreen
from overseer.tui.screens.fleet import FleetScreen
from overseer.tui.screens.help import HelpScreen
from overseer.tui.screens.review import FlagsScreen, ReviewCache, ReviewScreen, UnusedScreen
from overseer.tui.screens.session import SessionScreen
from overseer.tui.widgets.modals import CommandBar, ConfirmModal, EditInputModal, ReasonModal

#: Actions that change state: disabled in read-only review and on observe-only sessions.
MUTATING_ACTIONS = {"approve", "deny", "approve_session", "edit_approve", "kill_session"}

#: A live feed (tailing, polling, store changes) runs as an async worker and calls back
#: after each batch it committed.
LiveFeed = Callable[[Callable[[set[str], int], None]], Awaitable[None]]


class OverseerCommands(Provider):
    """Command palette: jump to an agent or session, approve/deny/kill, switch views."""

    async def search(self, query: str) -> Hits:
        app: Any = self.app
        matcher = self.matcher(query)
        snapshot: FleetSnapshot | None = app.snapshot
        commands: list[tuple[str, Callable[[], Any], str]] = [
            ("Fleet: all sessions", app.action_show_fleet, "home view"),
            ("Approvals: pending queue", app.action_show_approvals, "oldest first"),
            ("Jump to oldest pending approval", app.action_jump_pending, "p"),
            ("Audit: decisions and chain state", app.action_show_audit, ""),
            ("Approve selected", app.action_approve, "a"),
            ("Deny selected", app.action_deny, "d"),
            ("Kill session", app.action_kill_session, "ctrl+k"),
            ("Filter", app.action_filter, "/"),
        ]
        if snapshot is not None:
            for agent in sorted({r.agent for r in snapshot.sessions}):
                commands.append((f"Agent: {agent}", partial(app.show_agent, agent), "filter fleet"))
            for row in snapshot.sessions[:500]:
                title = f"Session: {row.session} ({row.agent})"
                commands.append((title, partial(app.open_session, row.session), row.status))
        for title, callback, help_text in commands:
            title = shown(title)  # session ids and agent names are agent-written
            score, offsets = matcher.fuzzy_search.match(matcher.query, title)
            if score > 0:
                # Not matcher.highlight(): it parses its argument as markup.
                display = Content(title)
                for offset in offsets:
                    display = display.stylize(matcher.match_style, offset, offset + 1)
                yield Hit(score, display, callback, text=title, help=help_text)


class OverseerApp(App[None]):
    """Keyboard first, mouse works too; every action is in the footer, ``?`` and the palette."""

    CSS_PATH = Path(__file__).parent / "overseer.tcss"
    TITLE = "overseer"
    COMMANDS = App.COMMANDS | {OverseerCommands}
    ENABLE_COMMAND_PALETTE = True

    BINDINGS = [
        Binding("question_mark", "help", "Help", show=True),
        Binding("colon", "command_bar", "Command", show=True),
        Binding("p", "jump_pending", "Oldest pending", show=True),
        Binding("1", "show_fleet", "Fleet", show=False),
        Binding("2", "show_approvals", "Approvals", show=False),
        Binding("3", "show_audit", "Audit", show=False),
        Binding("f", "show_flags", "Flags", show=True),  # review mode only (check_action)
        Binding("u", "show_unused", "Unused authority", show=True),
        Binding("ctrl+r", "retry_delivery", "Retry delivery", show=True),
        Binding("q", "quit", "Quit", show=True),
    ]

    snapshot: reactive[FleetSnapshot | None] = reactive(None, always_update=True)
    #: The review screens' ``(since, until)``, UTC, None for open-ended (``overseer review
    #: --since/--until``; ``t`` on a review screen changes it).
    review_period: tuple[datetime | None, datetime | None] = (None, None)

    def __init__(
        self,
        source: DataSource,
        *,
        mode_name: str = "watch",
        operator: str | None = None,
        clock: Callable[[], datetime] | None = None,
        refresh_interval: float | None = 0.5,
        bell: bool = True,
        live: Sequence[LiveFeed] | None = None,
    ) -> None:
        super().__init__()
        self.source = source
        self.mode_name = mode_name
        self.operator = operator or _os_user()
        self._clock = clock or (lambda: datetime.now(UTC))
        self.refresh_interval = refresh_interval
        self.bell_enabled = bell
        self.live = list(live or [])
        self._seen_approvals: set[str] | None = None
        # At most one snapshot read in flight; requests meanwhile coalesce into one more.
        self._snapshot_busy = False
        self._snapshot_dirty = False
        self.read_only = bool(getattr(source, "read_only", False))
        self.review_cache = ReviewCache()  # the review screens share one read per period

    def now(self) -> datetime:
        return self._clock()

    # ------------------------------------------------------------------ lifecycle

    def on_mount(self) -> None:
        self.push_screen(FleetScreen())
        if self.read_only:  # review opens on the flags (why: screens/review.py)
            self.push_screen(FlagsScreen())
        self.request_refresh()
        if self.refresh_interval:
            self.set_interval(self.refresh_interval, self.request_refresh)
        for feed in self.live:
            self.run_worker(self._follow(feed), group="live", name="live feed")

    def on_unmount(self) -> None:
        # Feeds own threads (tailing, store watching): none may outlive the app.
        for feed in self.live:
            stop = getattr(feed, "stop", None)
            if callable(stop):
                stop()

    async def _follow(self, feed: LiveFeed) -> None:
        def ingested(sessions: set[str], count: int) -> None:
            self.post_message(EventsIngested(sessions, count))

        try:
            await feed(ingested)
        except Exception as exc:  # a feed failing is shown, never a crash
            self.notify(shown(f"live feed stopped: {exc}"), severity="error", markup=False)

    def request_refresh(self) -> None:
        """Read a fresh snapshot in a worker (never on the UI thread).

        Bursts of requests (a flood of ingested events, many decisions) coalesce: while one
        read is in flight, further requests only mark it stale, and one more read follows.
        """
        if self._snapshot_busy:
            self._snapshot_dirty = True
            return
        self._snapshot_busy = True
        self._snapshot_dirty = False
        self._load_snapshot()

    @work(thread=True, group="snapshot")
    def _load_snapshot(self) -> None:
        try:
            snapshot = self.source.snapshot()
        except Exception as exc:
            self.post_message(SnapshotLoaded(None, error=str(exc)))
            return
        self.post_message(SnapshotLoaded(snapshot))

    @on(SnapshotLoaded)
    def _snapshot_loaded(self, message: SnapshotLoaded) -> None:
        self._snapshot_busy = False
        if self._snapshot_dirty:
            self.request_refresh()
        if message.snapshot is None:
            self.notify(
                shown(f"store unreachable: {message.error}"), severity="error", markup=False
            )
            return
        snapshot = message.snapshot
        ids = {a.id for a in snapshot.approvals}
        if self._seen_approvals is not None:
            fresh = [a for a in snapshot.approvals if a.id not in self._seen_approvals]
            for approval in fresh:
                self.notify(
                    shown(f"{approval.agent}: {approval.tool} — {approval.summary[:80]}"),
                    title="Approval needed",
                    severity="warning",
                    timeout=8,
                    markup=False,
                )
            if fresh and self.bell_enabled:
                self.bell()
        self._seen_approvals = ids
        self.snapshot = snapshot

    @on(EventsIngested)
    def _events_ingested(self, message: EventsIngested) -> None:
        self.request_refresh()
        for screen in self.screen_stack:
            # No session named: another process changed the store (a decision, a new
            # approval); every open timeline may show it.
            if isinstance(screen, SessionScreen) and (
                not message.sessions or screen.session in message.sessions
            ):
                screen.reload()

    # ------------------------------------------------------------------ navigation

    def open_session(self, session: str, focus_call: str | None = None) -> None:
        self.push_screen(SessionScreen(session, focus_call=focus_call))

    def _base(self) -> None:
        while len(self.screen_stack) > 2:
            self.pop_screen()

    def action_show_fleet(self) -> None:
        self._base()

    def action_show_approvals(self) -> ApprovalsScreen:
        if isinstance(self.screen, ApprovalsScreen):
            return self.screen
        screen = ApprovalsScreen()
        self.push_screen(screen)
        return screen

    def action_show_audit(self) -> None:
        if not isinstance(self.screen, AuditScreen):
            self.push_screen(AuditScreen())

    def action_show_flags(self) -> None:
        self._show_review(FlagsScreen)

    def action_show_unused(self) -> None:
        self._show_review(UnusedScreen)

    def _show_review(self, kind: type[ReviewScreen]) -> None:
        if not isinstance(self.screen, kind):
            self._base()
            self.push_screen(kind())

    def action_jump_pending(self) -> None:
        """From anywhere: the approvals queue, cursor on the oldest pending approval."""
        snapshot = self.snapshot
        if snapshot is None or not snapshot.approvals:
            self.notify("No approval is waiting.", markup=False)
            return
        oldest = min(snapshot.approvals, key=lambda a: a.requested_at)
        screen = self.action_show_approvals()
        self.call_after_refresh(screen.select, oldest.id)

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_filter(self) -> None:
        action = getattr(self.screen, "action_filter", None)
        if action is not None:
            action()

    def show_agent(self, agent: str) -> None:
        self._base()
        fleet = self.screen
        if isinstance(fleet, FleetScreen):
            fleet.select_agent(agent)

    def action_command_bar(self) -> None:
        suggestions = ["fleet", "approvals", "audit", "flags", "unused", "help", "quit"]
        if self.snapshot is not None:
            sessions, agents = (
                self.snapshot.sessions[:200],
                {r.agent for r in self.snapshot.sessions},
            )
            suggestions += [f"session {shown(r.session)}" for r in sessions]
            suggestions += [f"agent {shown(a)}" for a in sorted(agents)]
        self.push_screen(CommandBar(suggestions), self.run_command)

    def run_command(self, command: str | None) -> None:
        """``:fleet``, ``:approvals``, ``:audit``, ``:flags``, ``:unused``, ``:session ID``,
        ``:agent A``, ``:help``, ``:quit``."""
        if not command:
            return
        verb, _, arg = command.partition(" ")
        verb, arg = verb.lower(), arg.strip()
        if verb in ("fleet", "sessions", "home", "f"):
            self.action_show_fleet()
        elif verb in ("approvals", "pending", "a"):
            self.action_show_approvals()
        elif verb in ("audit", "decisions"):
            self.action_show_audit()
        elif verb in ("flags", "flag"):
            self.action_show_flags()
        elif verb in ("unused", "authority"):
            self.action_show_unused()
        elif verb in ("help", "h", "?"):
            self.action_help()
        elif verb in ("quit", "q"):
            self.exit()
        elif verb in ("session", "s") and arg:
            # Compared in their shown form: the bar suggests (and shows) only that one.
            sessions = [r.session for r in (self.snapshot.sessions if self.snapshot else [])]
            match = next((s for s in sessions if shown(s) == arg), None) or next(
                (s for s in sessions if shown(s).startswith(arg)), None
            )
            if match:
                self.open_session(match)
            else:
                self.notify(shown(f"no session {arg}"), severity="warning", markup=False)
        elif verb in ("agent",) and arg:
            agents = {r.agent for r in (self.snapshot.sessions if self.snapshot else [])}
            self.show_agent(next((a for a in agents if shown(a) == arg), arg))
        else:
            self.notify(shown(f"unknown command: {command}"), severity="warning", markup=False)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)

    # ------------------------------------------------------------------ decisions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Textual: False hides the key, None shows it disabled.
        if action == "retry_delivery":
            # Only shown while a decision made here has not reached its gateway.
            return bool(self.snapshot and self.snapshot.undelivered)
        if action in ("show_flags", "show_unused"):
            return self.read_only  # :flags and :unused work in every mode
        if action in MUTATING_ACTIONS:
            if self.read_only:
                return False
            targets = self._targets()
            if targets and all(self._observe_only(t.session) for t in targets):
                return None
        return True

    def _observe_only(self, session: str) -> bool:
        if self.snapshot is None:
            return False
        return any(r.session == session and r.observe_only for r in self.snapshot.sessions)

    def _targets(self) -> list[ApprovalRow]:
        """The approvals an approve/deny applies to on the current screen."""
        snapshot = self.snapshot
        if snapshot is None:
            return []
        by_id = {a.id: a for a in snapshot.approvals}
        screen = self.screen
        if isinstance(screen, ApprovalsScreen | SessionScreen):
            return [by_id[i] for i in screen.selected_ids() if i in by_id]
        return []

    def _decidable(self, limit: int | None = None) -> list[ApprovalRow]:
        """The approvals a decision applies to here; empty (and says why) when there are none
        or decisions are disabled."""
        if self.read_only:
            self.notify(
                "Read-only review: decisions are disabled.", severity="warning", markup=False
            )
            return []
        targets = self._targets()[:limit]
        if not targets:
            self.notify("Select a pending approval first (p jumps to the oldest).", markup=False)
        return targets

    def action_approve(self) -> None:
        targets = self._decidable()
        if not targets:
            return
        needs_reason = any(t.flags or t.destructive for t in targets)
        if not needs_reason:
            self._decide(targets, "approve", "")
            return
        subject = "\n".join(f"{t.agent}: {t.tool} {t.summary}" for t in targets)
        self.push_screen(
            ReasonModal("Approve a flagged call — why?", subject, required=True, verb="Approve"),
            self._then_decide(targets, "approve"),
        )

    def _then_decide(
        self, targets: list[ApprovalRow], decision: str
    ) -> Callable[[str | None], None]:
        """The callback of a reason dialog: decide with the reason, or nothing if cancelled."""

        def done(reason: str | None) -> None:
            if reason is not None:
                self._decide(targets, decision, reason)

        return done

    def action_deny(self) -> None:
        targets = self._decidable()
        if not targets:
            return
        subject = "\n".join(f"{t.agent}: {t.tool} {t.summary}" for t in targets)
        self.push_screen(
            ReasonModal(f"Deny {len(targets)} call(s) — why?", subject, required=True, verb="Deny"),
            self._then_decide(targets, "deny"),
        )

    def action_approve_session(self) -> None:
        targets = self._decidable(limit=1)
        if not targets:
            return
        target = targets[0]
        subject = (
            f"{target.agent}: {target.tool} {target.summary}\n"
            f"allow for the rest of session {target.session}: {target.rule or target.tool}"
        )
        self.push_screen(
            ReasonModal("Approve and allow for this session — why?", subject,
                        required=bool(target.flags or target.destructive), verb="Allow"),
            self._then_grant(target),
        )  # fmt: skip

    def _then_grant(self, target: ApprovalRow) -> Callable[[str | None], None]:
        def done(reason: str | None) -> None:
            if reason is not None:
                self._grant(target, reason)

        return done

    def action_edit_approve(self) -> None:
        targets = self._decidable(limit=1)
        if not targets:
            return
        self._open_editor(targets[0])

    @work(thread=True, group="decide")
    def _open_editor(self, target: ApprovalRow) -> None:
        try:
            original = self.source.approval_input(target.id)
        except Exception as exc:
            self.post_message(ActionDone(f"cannot read the call's input: {exc}", ok=False))
            return

        def done(result: tuple[dict[str, Any], str] | None) -> None:
            if result is not None:
                edited, reason = result
                self._decide([target], "approve", reason, edited)

        self.call_from_thread(
            self.push_screen,
            EditInputModal(f"Edit {target.tool} input, then approve", original),
            done,
        )

    def action_kill_session(self) -> None:
        if self.read_only:
            self.notify("Read-only review: kill is disabled.", severity="warning", markup=False)
            return
        session = self._current_session()
        if session is None:
            self.notify("Select a session or an approval first.", markup=False)
            return
        if self._observe_only(session):
            self.notify(
                "Observe-only session: overseer cannot kill it.", severity="warning", markup=False
            )
            return

        def confirmed(ok: bool | None) -> None:
            if ok:
                self._kill(session)

        self.push_screen(
            ConfirmModal(
                "Kill session?",
                f"Session {session} will be stopped: its next gated call is refused, and its "
                "process is signalled (TERM, then KILL) if overseer knows it.",
                verb="Kill",
            ),
            confirmed,
        )

    def _current_session(self) -> str | None:
        screen = self.screen
        if isinstance(screen, SessionScreen):
            return screen.session
        if isinstance(screen, ApprovalsScreen):
            return screen.current.session if screen.current else None
        if isinstance(screen, FleetScreen):
            table = screen.query_one("#fleet-table")
            index = getattr(table, "cursor_row", -1)
            order = screen._order
            return order[index] if 0 <= index < len(order) else None
        return None

    @work(thread=True, group="decide")
    def _decide(
        self, targets: list[ApprovalRow], decision: str, reason: str,
        updated_input: dict[str, Any] | None = None,
    ) -> None:  # fmt: skip
        for target in targets:
            try:
                text = self.source.decide(target.id, decision, reason, self.operator, updated_input)
                self.post_message(ActionDone(text))
            except Exception as exc:
                self.post_message(ActionDone(f"{target.id}: {exc}", ok=False))

    @work(thread=True, group="decide")
    def _grant(self, target: ApprovalRow, reason: str) -> None:
        try:
            self.post_message(
                ActionDone(self.source.grant_for_session(target.id, reason, self.operator))
            )
        except Exception as exc:
            self.post_message(ActionDone(f"{target.id}: {exc}", ok=False))

    @work(thread=True, group="decide")
    def _kill(self, session: str) -> None:
        try:
            self.post_message(
                ActionDone(self.source.kill(session, "killed from the console", self.operator))
            )
        except Exception as exc:
            self.post_message(ActionDone(f"kill {session}: {exc}", ok=False))

    def action_retry_delivery(self) -> None:
        retry = getattr(self.source, "retry_undelivered", None)
        if retry is not None:
            self._retry(retry)

    @work(thread=True, group="decide")
    def _retry(self, retry: Callable[[], str]) -> None:
        try:
            self.post_message(ActionDone(retry()))
        except Exception as exc:
            self.post_message(ActionDone(f"retry failed: {exc}", ok=False))

    def record_reveal(self, session: str, call_id: str | None) -> None:
        self._record_reveal(session, call_id)

    @work(thread=True, group="decide")
    def _record_reveal(self, session: str, call_id: str | None) -> None:
        try:
            self.source.record_reveal(session, call_id, self.operator)
        except Exception as exc:
            self.post_message(ActionDone(f"reveal not recorded: {exc}", ok=False))

    @on(ActionDone)
    def _action_done(self, message: ActionDone) -> None:
        if message.ok:
            self.notify(shown(message.text), markup=False)
        else:
            self.notify(shown(message.text), severity="error", markup=False)
        self.request_refresh()


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"
