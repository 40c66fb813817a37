"""One approvals queue across every session, oldest first, with how long each has waited."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from overseer.secrets import mask
from overseer.tui.format import age, cell, countdown, short_flag, shown
from overseer.tui.rows import VERDICT_LABELS, ApprovalRow
from overseer.tui.widgets.header import StatusHeader

#: (key, title, width): fixed widths keep the queue steady while rows come and go. The session
#: is in the detail pane (Enter opens it): its column pushed INPUT off a 120-column screen.
COLUMNS = [
    ("mark", " ", 1), ("waited", "WAITED", 6), ("left", "LEFT", 5), ("agent", "AGENT", 14),
    ("tool", "TOOL", 18), ("verdict", "VERDICT", 12), ("flags", "FLAGS", 12),
    ("input", "INPUT", 60),
]  # fmt: skip
#: The INPUT column takes what the others leave (the arguments are what a decision is about),
#: never less than this.
MIN_INPUT = 30


class ApprovalsScreen(Screen[None]):
    """``a`` approve, ``d`` deny, ``A`` approve + allow for this session, ``e`` edit then
    approve, ``ctrl+k`` kill, ``space`` mark several, Enter opens the session at the call."""

    BINDINGS = [
        Binding("a", "app.approve", "Approve", show=True),
        Binding("d", "app.deny", "Deny", show=True),
        Binding("A", "app.approve_session", "Approve+allow session", show=True),
        Binding("e", "app.edit_approve", "Edit+approve", show=True),
        Binding("ctrl+k", "app.kill_session", "Kill", show=True),
        Binding("space", "mark", "Mark", show=True),
        Binding("enter", "open", "Open", show=True),
        Binding("j", "cursor(1)", "Down", show=False),
        Binding("k", "cursor(-1)", "Up", show=False),
        Binding("escape", "app.pop_screen", "Back", show=True),
    ]

    def __init__(self) -> None:
        super().__init__(id="approvals")
        self.rows: list[ApprovalRow] = []
        self.marked: set[str] = set()
        self._input_width = next(w for key, _, w in COLUMNS if key == "input")

    def compose(self) -> ComposeResult:
        yield StatusHeader()
        yield Static("", id="approvals-title", classes="panel-title")
        table: DataTable[Any] = DataTable(id="approvals-table", cursor_type="row")
        for key, title, width in COLUMNS:
            table.add_column(title, key=key, width=width)
        yield table
        with VerticalScroll(id="approval-detail-scroll"):
            yield Static("", id="approval-detail")
        yield Footer()

    def on_mount(self) -> None:
        self.watch(self.app, "snapshot", self._on_snapshot)
        self.query_one(DataTable).focus()

    def on_resize(self) -> None:
        """Give INPUT the width the fixed columns leave, so a call's arguments are on screen
        (at 120 columns a 60-wide INPUT began off the right edge)."""
        table = self.query_one(DataTable)
        padding = 2 * table.cell_padding
        fixed = sum(width + padding for key, _, width in COLUMNS if key != "input")
        width = max(MIN_INPUT, self.size.width - fixed - padding - 2)  # 2: the scrollbar
        if width != self._input_width:
            self._input_width = width
            keep = self.current.id if self.current else None
            table.clear(columns=True)
            for key, title, fixed_width in COLUMNS:
                table.add_column(title, key=key, width=width if key == "input" else fixed_width)
            self._render_rows()
            if keep is not None:
                self.select(keep)

    def _on_snapshot(self, snapshot: Any) -> None:
        if snapshot is None:
            return
        self.rows = sorted(snapshot.approvals, key=lambda r: r.requested_at)
        self.marked &= {r.id for r in self.rows}
        self._render_rows()

    def _render_rows(self) -> None:
        table = self.query_one(DataTable)
        now = self.app.now()  # type: ignore[attr-defined]
        selected = self.current.id if self.current else None
        table.clear()
        for row in self.rows:
            table.add_row(
                cell("●" if row.id in self.marked else " ", "bold $accent"),
                cell(age(row.requested_at, now)),
                cell(countdown(row.expires_at, now), "bold red" if row.expires_at and
                     (row.expires_at - now).total_seconds() < 30 else ""),
                cell(row.agent, "bold"),
                cell(row.tool),
                cell(VERDICT_LABELS.get(row.verdict, row.verdict or "")),
                cell(
                    " ".join(short_flag(f) for f in row.flags),
                    "bold magenta" if row.flags else "",
                ),
                cell(row.summary),
                key=row.id,
            )  # fmt: skip
        ids = [r.id for r in self.rows]
        if selected in ids:
            table.move_cursor(row=ids.index(selected), animate=False)
        marked = f" · {len(self.marked)} marked" if self.marked else ""
        self.query_one("#approvals-title", Static).update(
            Content(f"Approvals(pending)[{len(self.rows)}]{marked} · oldest first")
        )
        self._show_detail()

    @property
    def current(self) -> ApprovalRow | None:
        table = self.query_one(DataTable)
        index = table.cursor_row
        return self.rows[index] if 0 <= index < len(self.rows) else None

    def selected_ids(self) -> list[str]:
        """The marked approvals, or the one under the cursor."""
        if self.marked:
            return [r.id for r in self.rows if r.id in self.marked]
        return [self.current.id] if self.current else []

    def select(self, approval_id: str) -> None:
        ids = [r.id for r in self.rows]
        if approval_id in ids:
            self.query_one(DataTable).move_cursor(row=ids.index(approval_id), animate=False)

    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        row = self.current
        detail = self.query_one("#approval-detail", Static)
        if row is None:
            detail.update(Content.styled("Nothing waiting.", "dim"))
            return
        rule = f"rule {row.rule}" if row.rule else "no rule matched"
        # The whole input (neutralised pretty JSON, made from the raw input the gate kept),
        # secrets masked: what the operator approves is all here, not only its one line.
        lines = [
            Content.assemble(
                (shown(row.tool), "bold"),
                shown(f"  {row.agent}/{row.task} · session {row.session} · {rule}"),
            ),
            Content(mask(row.input_display or row.summary)),
        ]
        if row.flags:
            lines.append(
                Content.styled(
                    "flags: " + ", ".join(row.flags) + " — a reason is required to approve",
                    "$warning",
                )
            )
        detail.update(Content("\n").join(lines))

    def action_mark(self) -> None:
        row = self.current
        if row is None:
            return
        self.marked ^= {row.id}
        self._render_rows()
        self.query_one(DataTable).action_cursor_down()

    def action_cursor(self, delta: int) -> None:
        table = self.query_one(DataTable)
        table.action_cursor_down() if delta > 0 else table.action_cursor_up()

    def action_open(self) -> None:
        row = self.current
        if row is not None:
            self.app.open_session(row.session, focus_call=row.call_id)  # type: ignore[attr-defined]

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()
