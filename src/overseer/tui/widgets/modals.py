"""Dialogs: a reason for a decision, a kill confirmation, an edited tool input, the command bar.

Each is a ``ModalScreen[T]`` that dismisses with its value (or None when cancelled). Texts
that came from an agent are passed in already neutralised and shown as plain ``Content``.
"""

from __future__ import annotations

import json
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static, TextArea

from overseer.untrusted import neutralise


def inert(text: str) -> str:
    """Dialog text, whoever built it: titles and subjects carry tool names, session ids and
    summaries (some stored raw by the gate path), so controls are made visible here, once
    for every dialog; lines are kept."""
    return neutralise(text, limit=4000, multiline=True)


class ReasonModal(ModalScreen[str | None]):
    """Ask for the reason of a decision; ``required`` refuses an empty one."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, subject: str, *, required: bool, verb: str) -> None:
        super().__init__()
        self._title = title
        self._subject = subject
        self._required = required
        self._verb = verb

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog"):
            yield Label(Content(inert(self._title)), classes="dialog-title")
            yield Static(Content(inert(self._subject)), classes="dialog-subject")
            placeholder = "reason (required)" if self._required else "reason (optional)"
            yield Input(placeholder=placeholder, id="reason")
            yield Label("", id="reason-error", classes="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(self._verb, id="ok", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#reason", Input).focus()

    @on(Input.Submitted, "#reason")
    @on(Button.Pressed, "#ok")
    def submit(self) -> None:
        reason = self.query_one("#reason", Input).value.strip()
        if self._required and not reason:
            self.query_one("#reason-error", Label).update("A reason is required here.")
            return
        self.dismiss(reason)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmModal(ModalScreen[bool]):
    """Confirm a dangerous action. Cancel has the focus first, so Enter is always safe."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, body: str, *, verb: str) -> None:
        super().__init__()
        self._title, self._body, self._verb = title, body, verb

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog dialog-danger"):
            yield Label(Content(inert(self._title)), classes="dialog-title")
            yield Static(Content(inert(self._body)), classes="dialog-subject")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(self._verb, id="ok", variant="error")

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    @on(Button.Pressed, "#ok")
    def confirm(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)


class EditInputModal(ModalScreen[tuple[dict[str, Any], str] | None]):
    """Edit a gated call's input as JSON, then approve the edited call with a reason."""

    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "submit", "Approve")]

    def __init__(self, title: str, tool_input: dict[str, Any]) -> None:
        super().__init__()
        self._title = title
        self._original = tool_input

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog dialog-wide"):
            yield Label(Content(inert(self._title)), classes="dialog-title")
            yield TextArea(
                json.dumps(self._original, indent=2, ensure_ascii=True),
                language=None,
                id="edited",
            )
            yield Input(placeholder="reason (required)", id="reason")
            yield Label("", id="edit-error", classes="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Approve edited (ctrl+s)", id="ok", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#edited", TextArea).focus()

    @on(Button.Pressed, "#ok")
    @on(Input.Submitted, "#reason")
    def action_submit(self) -> None:
        error = self.query_one("#edit-error", Label)
        try:
            value = json.loads(self.query_one("#edited", TextArea).text)
        except json.JSONDecodeError as exc:
            error.update(Content(f"Not valid JSON: {exc.msg} (line {exc.lineno})"))
            return
        if not isinstance(value, dict):
            error.update("The input must stay a JSON object.")
            return
        reason = self.query_one("#reason", Input).value.strip()
        if not reason:
            error.update("A reason is required for an edited approval.")
            self.query_one("#reason", Input).focus()
            return
        self.dismiss((value, reason))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class CommandBar(ModalScreen[str | None]):
    """k9s-style ``:`` bar: ``:fleet``, ``:approvals``, ``:audit``, ``:session ID``,
    ``:agent A``."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, suggestions: list[str]) -> None:
        super().__init__()
        self._suggestions = suggestions

    def compose(self) -> ComposeResult:
        from textual.suggester import SuggestFromList

        with Vertical(id="command-bar"):
            yield Input(
                placeholder=":fleet  :approvals  :audit  :session ID  :agent NAME  :help  :quit",
                suggester=SuggestFromList(self._suggestions, case_sensitive=False),
                id="command",
            )

    def on_mount(self) -> None:
        self.query_one("#command", Input).focus()

    @on(Input.Submitted, "#command")
    def submit(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip().lstrip(":"))

    def action_cancel(self) -> None:
        self.dismiss(None)


class FilterBar(ModalScreen[str | None]):
    """``/`` filter: a substring matched against every visible column."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, current: str) -> None:
        super().__init__()
        self._current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="command-bar"):
            yield Input(value=self._current, placeholder="filter (empty clears)", id="filter")

    def on_mount(self) -> None:
        self.query_one("#filter", Input).focus()

    @on(Input.Submitted, "#filter")
    def submit(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)
