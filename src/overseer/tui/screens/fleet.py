"""Fleet (home): every session grouped by agent, with the numbers an operator scans first."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from overseer.tui.format import age, cell, shown, sparkline
from overseer.tui.rows import FleetRow
from overseer.tui.widgets.header import StatusHeader

#: (key, title, width, sort key) — every column can be sorted. Fixed widths keep the layout
#: stable as rows change; the most urgent columns come first so 80 columns still show them.
FLEET_COLUMNS: list[tuple[str, str, int, Callable[[FleetRow], Any]]] = [
    ("agent", "AGENT", 16, lambda r: (r.agent, r.session)),
    ("session", "SESSION", 12, lambda r: r.session),
    ("status", "STATUS", 7, lambda r: r.status),
    ("pending", "PEND", 4, lambda r: r.pending),
    ("safety", "SAFE", 4, lambda r: r.safety),
    ("security", "SECU", 4, lambda r: r.security),
    ("last", "LAST TOOL", 14, lambda r: r.last_tool),
    ("when", "WHEN", 4, lambda r: r.last_ts or datetime.min.replace(tzinfo=None)),
    ("events", "EVENTS", 6, lambda r: r.events),
    ("task", "TASK", 10, lambda r: r.task),
    ("autonomy", "AUTONOMY", 13, lambda r: r.autonomy),
    ("activity", "ACTIVITY", 12, lambda r: sum(r.activity)),
    ("owner", "OWNER", 24, lambda r: r.owner),
]

STATUS_STYLES = {
    "live": "bold green", "idle": "yellow", "ended": "dim", "stopped": "red", "killed": "bold red",
}  # fmt: skip


class FleetScreen(Screen[None]):
    """The home view. Enter opens a session; ``s``/``S`` cycle the sort column."""

    BINDINGS = [
        Binding("enter", "open", "Open", show=True),
        Binding("s", "sort(1)", "Sort", show=True),
        Binding("S", "sort(-1)", "Sort back", show=False),
        Binding("r", "reverse", "Reverse", show=False),
        Binding("/", "filter", "Filter", show=True),
        Binding("escape", "clear_filter", "Clear filter", show=False),
    ]

    def __init__(self) -> None:
        super().__init__(id="fleet")
        self.sort_index = 0
        self.sort_reverse = False
        self.filter_text = ""
        self._rows: list[FleetRow] = []
        self._order: list[str] = []
        self._drawn_at = 0.0

    def compose(self) -> ComposeResult:
        yield StatusHeader()
        yield Static("", id="fleet-title", classes="panel-title")
        table: DataTable[Any] = DataTable(id="fleet-table", cursor_type="row", zebra_stripes=True)
        for key, title, width, _ in FLEET_COLUMNS:
            table.add_column(title, key=key, width=width)
        yield table
        yield Footer()

    def on_mount(self) -> None:
        self.watch(self.app, "snapshot", self._on_snapshot)
        self.query_one(DataTable).focus()

    def _on_snapshot(self, snapshot: Any) -> None:
        if snapshot is None:
            return
        # Unchanged rows are redrawn at most once a second (their ages still tick).
        now = time.monotonic()
        if snapshot.sessions != self._rows or now - self._drawn_at >= 1.0:
            self._rows = snapshot.sessions
            self._drawn_at = now
            self._render_rows()

    def _visible(self) -> list[FleetRow]:
        rows = self._rows
        needle = self.filter_text.lower()
        if needle:
            rows = [
                r for r in rows
                if needle in " ".join((r.agent, r.owner, r.task, r.session, r.status,
                                       r.last_tool, r.autonomy)).lower()
            ]  # fmt: skip
        key = FLEET_COLUMNS[self.sort_index][3]
        return sorted(rows, key=key, reverse=self.sort_reverse)

    def _render_rows(self) -> None:
        table = self.query_one(DataTable)
        now = self.app.now()  # type: ignore[attr-defined]
        rows = self._visible()
        order = [r.session for r in rows]
        current = table.cursor_row
        selected = self._order[current] if 0 <= current < len(self._order) else None
        if order != self._order:
            table.clear()
            for row in rows:
                table.add_row(*self._cells(row, now), key=row.session)
            self._order = order
        else:
            for row in rows:
                for (key, _, _, _), value in zip(FLEET_COLUMNS, self._cells(row, now), strict=True):
                    table.update_cell(row.session, key, value)
        if selected in order:
            table.move_cursor(row=order.index(selected), animate=False)
        title = f"Sessions[{len(rows)}]"
        if self.filter_text:
            title += f"  filter: {shown(self.filter_text)}"
        sort_title = FLEET_COLUMNS[self.sort_index][1].lower()
        title += f"  sorted by {sort_title}{' ↓' if self.sort_reverse else ''}"
        self.query_one("#fleet-title", Static).update(Content(title))

    def _cells(self, row: FleetRow, now: datetime) -> list[Any]:
        autonomy = row.autonomy
        if row.observed and row.observed != row.autonomy:
            autonomy = f"{row.autonomy}→{row.observed}"
        return [
            cell(row.agent, "bold"),
            cell(row.session),
            cell(row.status + ("·obs" if row.observe_only else ""),
                 STATUS_STYLES.get(row.status, "")),
            cell(row.pending or "", "bold reverse yellow" if row.pending else ""),
            cell(row.safety or "", "bold magenta" if row.safety else ""),
            cell(row.security or "", "bold red" if row.security else ""),
            cell(row.last_tool),
            cell(age(row.last_ts, now)),
            cell(row.events),
            cell(row.task),
            cell(autonomy, "yellow" if "→" in autonomy else ""),
            cell(sparkline(row.activity), "cyan"),
            cell(row.owner, "dim"),
        ]  # fmt: skip

    # ------------------------------------------------------------------ actions

    def action_open(self) -> None:
        table = self.query_one(DataTable)
        if 0 <= table.cursor_row < len(self._order):
            self.app.open_session(self._order[table.cursor_row])  # type: ignore[attr-defined]

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    @on(DataTable.HeaderSelected)
    def _header_selected(self, event: DataTable.HeaderSelected) -> None:
        keys = [k for k, _, _, _ in FLEET_COLUMNS]
        index = keys.index(str(event.column_key.value))
        if index == self.sort_index:
            self.sort_reverse = not self.sort_reverse
        else:
            self.sort_index, self.sort_reverse = index, False
        self._render_rows()

    def action_sort(self, step: int) -> None:
        self.sort_index = (self.sort_index + step) % len(FLEET_COLUMNS)
        self._render_rows()

    def action_reverse(self) -> None:
        self.sort_reverse = not self.sort_reverse
        self._render_rows()

    def action_filter(self) -> None:
        from overseer.tui.widgets.modals import FilterBar

        def apply(value: str | None) -> None:
            if value is not None:
                self.filter_text = value
                self._render_rows()

        self.app.push_screen(FilterBar(self.filter_text), apply)

    def action_clear_filter(self) -> None:
        if self.filter_text:
            self.filter_text = ""
            self._render_rows()

    def select_agent(self, agent: str) -> None:
        """``:agent NAME``: filter to one agent."""
        self.filter_text = agent
        self._render_rows()
