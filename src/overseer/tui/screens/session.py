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

from overseer.tui.format import shown
from overseer.tui.messages import DetailLoaded, TimelineLoaded
from overseer.tui.rows import TimelineRow
from overseer.tui.widgets.header import StatusHeader
from overseer.tui.widgets.panels import DetailPanel, ScopePanel
from overseer.tui.widgets.timeline import Timeline, header_text

#: Seconds between two reads of the scope panel's aggregate while calls keep arriving.
SCOPE_EVERY = 2.0


class SessionScreen(Screen[None]):
    """Timeline (Line API) | scope panel, with the selected call's detail underneath."""

    BINDINGS = [
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
                yield Static(Content(header_text()), id="timeline-header")
                timeline = Timeline(id="timeline")
                # A border title given as ``str`` is parsed as markup: never for agent text.
                timeline.border_title = Content(shown(f"Session {self.session}"))
                yield timeline
                with VerticalScroll(id="detail-scroll"):
                    yield DetailPanel(id="detail")
            with VerticalScroll(id="scope-scroll"):
                yield ScopePanel(id="scope")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(Timeline).focus()
        self.query_one(Timeline).loading = True
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
        timeline.border_title = Content(shown(f"{title} · {count} calls"))

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
