"""``?``: every binding of every view, generated from the bindings themselves."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

KEY_NAMES = {"ctrl+k": "ctrl+k", "escape": "esc", "question_mark": "?", "colon": ":",
             "slash": "/", "space": "space", "enter": "enter"}  # fmt: skip


def describe(bindings: list[Binding | tuple[str, ...]]) -> list[tuple[str, str]]:
    rows = []
    for binding in bindings:
        if isinstance(binding, Binding):
            keys, description = binding.key, binding.description
        else:
            keys, description = binding[0], binding[2] if len(binding) > 2 else binding[1]
        shown = ", ".join(KEY_NAMES.get(k, k) for k in keys.split(","))
        rows.append((shown, description or ""))
    return rows


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "app.pop_screen", "Close")]

    def _enabled(self, binding: Binding | tuple[str, ...]) -> bool:
        action = binding.action if isinstance(binding, Binding) else binding[1]
        return self.app.check_action(action, ()) is not False or action == "retry_delivery"

    def compose(self) -> ComposeResult:
        from overseer.tui.app import OverseerApp
        from overseer.tui.screens.approvals import ApprovalsScreen
        from overseer.tui.screens.audit import AuditScreen
        from overseer.tui.screens.fleet import FleetScreen
        from overseer.tui.screens.session import SessionScreen
        from overseer.tui.widgets.timeline import Timeline

        sections = [
            # Only the keys that work in this mode (review adds f/u; watch has ctrl+r...).
            ("Everywhere", [b for b in OverseerApp.BINDINGS if self._enabled(b)]),
            ("Fleet", FleetScreen.BINDINGS),
            ("Session", SessionScreen.BINDINGS + Timeline.BINDINGS),
            ("Approvals", ApprovalsScreen.BINDINGS),
            ("Audit", AuditScreen.BINDINGS),
        ]
        lines: list[Content] = [Content.styled("overseer — keys", "bold")]
        for title, bindings in sections:
            lines.append(Content(""))
            lines.append(Content.styled(title, "bold underline"))
            for keys, description in describe(list(bindings)):
                lines.append(Content.assemble((f"  {keys:<18}", "bold $accent"), description))
        lines.append(Content(""))
        lines.append(
            Content.styled(
                "Command bar: :fleet :approvals :audit :session ID :agent NAME :help :quit", "dim"
            )
        )
        with VerticalScroll(id="help-box"):
            yield Static(Content("\n").join(lines))
