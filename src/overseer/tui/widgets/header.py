"""The one-line status header: live counts and each source's health, on every screen."""

from __future__ import annotations

from typing import Any

from textual.content import Content
from textual.widgets import Static

HEALTH_STYLES = {"ok": "$success", "retrying": "$warning", "auth failed": "$error",
                 "unreachable": "$error"}  # fmt: skip


class StatusHeader(Static):
    """``overseer · watch │ agents 5 · live 3 · pending 2 · flags S4 X1 │ sources ok``."""

    def on_mount(self) -> None:
        self.watch(self.app, "snapshot", self._refresh_from)

    def _refresh_from(self, snapshot: Any) -> None:
        app: Any = self.app
        mode = app.mode_name
        if snapshot is None:
            self.update(Content.from_markup("[b]overseer[/b] · $mode │ loading…", mode=mode))
            return
        pending = len(snapshot.approvals)
        health = snapshot.health or {}
        worst = "ok"
        for state in health.values():
            if state != "ok":
                worst = state
                break
        parts = [
            Content.from_markup("[b]overseer[/b] · $mode │ ", mode=mode),
            Content(f"agents {snapshot.agents} · live {snapshot.live} · "),
            Content.styled(f"pending {pending}", "bold reverse $warning" if pending else ""),
            Content(" · flags "),
            Content.styled(
                f"S{snapshot.flags_safety}", "bold $warning" if snapshot.flags_safety else ""
            ),
            Content(" "),
            Content.styled(
                f"X{snapshot.flags_security}", "bold $error" if snapshot.flags_security else ""
            ),
        ]
        if snapshot.problems:
            parts.append(Content(f" · problems {snapshot.problems}"))
        if snapshot.undelivered:
            parts.append(Content.styled(f" · not delivered {snapshot.undelivered}", "$error"))
        if health:
            summary = (
                "ok"
                if worst == "ok"
                else "; ".join(
                    f"{name}: {state}" for name, state in health.items() if state != "ok"
                )
            )
            style = HEALTH_STYLES.get(worst.split(" ")[0], "$warning")
            parts.append(Content(" │ sources "))
            parts.append(Content.styled(summary, style))
        if app.read_only:
            parts.append(Content.styled("  READ-ONLY", "bold $accent"))
        self.update(Content("").join(parts))
