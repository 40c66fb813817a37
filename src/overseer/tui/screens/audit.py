"""The audit chain: every decision, with the chain's verification state at the top."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from overseer.tui.format import cell, shown
from overseer.tui.messages import AuditLoaded
from overseer.tui.widgets.header import StatusHeader

OUTCOME_STYLES = {
    "approved": "green", "auto_allowed": "dim green", "denied": "bold red",
    "policy_denied": "red", "timed_out": "yellow", "killed": "bold red", "errored": "magenta",
}  # fmt: skip


#: Chain rows recording a store that disagreed with the chain, or a decision attempted from
#: inside a session (:mod:`overseer.store.crosscheck`), stand out in the list.
TAMPERING_PREFIX = "oversight tampering:"


#: Before the reason of a row that carries the operator's edited input: the input that was
#: approved (or denied by a rule) is not the one the agent asked for.
EDITED_MARK = "✎ input edited by the operator · "


def reason_style(reason: str) -> str:
    """A security flag is never just another reason line."""
    return "bold reverse red" if reason.startswith(TAMPERING_PREFIX) else ""


def reason_cell(reason: str, edited: bool) -> Text:
    """The reason, marked when the row's input was the operator's edit."""
    style = reason_style(reason)
    if not edited:
        return cell(reason, style)
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(EDITED_MARK, "bold yellow")
    text.append_text(cell(reason, style))
    return text


class AuditScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", show=True),
        Binding("R", "reload", "Re-verify", show=True),
    ]

    def __init__(self) -> None:
        super().__init__(id="audit")

    def compose(self) -> ComposeResult:
        yield StatusHeader()
        yield Static("verifying the chain…", id="chain-state")
        table: DataTable[Any] = DataTable(id="audit-table", cursor_type="row", zebra_stripes=True)
        for key, title, width in [
            ("seq", "SEQ", 6), ("time", "TIME", 19), ("operator", "OPERATOR", 12),
            ("action", "ACTION", 10), ("outcome", "OUTCOME", 13), ("tool", "TOOL", 16),
            ("session", "SESSION", 12), ("reason", "REASON", 60),
        ]:  # fmt: skip
            table.add_column(title, key=key, width=width)
        yield table
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self.action_reload()

    def action_reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="audit")
    def _load(self) -> None:
        try:
            view = self.app.source.audit()  # type: ignore[attr-defined]
        except Exception as exc:
            self.app.call_from_thread(
                self.app.notify, shown(f"cannot read audit: {exc}"), severity="error", markup=False
            )
            return
        self.post_message(AuditLoaded(view))

    @on(AuditLoaded)
    def _loaded(self, message: AuditLoaded) -> None:
        view = message.view
        state = self.query_one("#chain-state", Static)
        if view.verified:
            state.update(Content.styled(f"✔ {view.verify_message}", "bold $success"))
        else:
            state.update(Content.styled(f"✘ {view.verify_message}", "bold reverse $error"))
        table = self.query_one(DataTable)
        table.clear()
        for row in reversed(view.rows):
            table.add_row(
                cell(row.seq), cell(row.ts.strftime("%Y-%m-%d %H:%M:%S")), cell(row.operator),
                cell(row.action), cell(row.outcome, OUTCOME_STYLES.get(row.outcome, "")),
                cell(row.tool), cell(row.session[:12]), reason_cell(row.reason, row.edited),
            )  # fmt: skip
