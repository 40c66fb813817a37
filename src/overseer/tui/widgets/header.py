"""The one-line status header: live counts and each source's health, on every screen."""

from __future__ import annotations

from typing import Any

from textual.content import Content
from textual.style import Style
from textual.widgets import Static

HEALTH_STYLES = {"ok": "$success", "retrying": "$warning", "auth failed": "$error",
                 "unreachable": "$error", "failing": "$error"}  # fmt: skip
#: What single-user mode promises, said where the operator looks (DESIGN.md, trust modes):
#: the full sentence when the header has room, the short one otherwise.
#: Longest first; the header shows the longest that fits (README, Threat model, says more).
SINGLE_USER_NOTES = (
    "single-user: guards against mistakes, not a hostile agent running as your user",
    "single-user: guards against mistakes, not a hostile agent",
    "single-user: not hostile-proof",
    "single-user",
)


class StatusHeader(Static):
    """``overseer · watch │ agents 5 · live 3 · pending 2 · flags S4 X1 │ sources ok │ hooks
    claude ok · codex none │ single-user: …``. The hook part comes from the snapshot (read by
    a worker); its colours are component classes styled in overseer.tcss."""

    COMPONENT_CLASSES = {
        "status-header--hooks-ok",
        "status-header--hooks-warn",
        "status-header--hooks-none",
        "status-header--trust",
    }

    def on_mount(self) -> None:
        self._last: Any = None
        self.watch(self.app, "snapshot", self._refresh_from)

    def on_resize(self) -> None:
        if getattr(self, "_last", None) is not None:
            self._refresh_from(self._last)

    def _styled(self, text: str, component: str) -> Content:
        return Content.styled(
            text, Style.from_rich_style(self.get_component_rich_style(component, partial=True))
        )

    def _refresh_from(self, snapshot: Any) -> None:
        self._last = snapshot
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
        if snapshot.hooks:
            level = snapshot.hooks_level if snapshot.hooks_level in ("ok", "none") else "warn"
            parts.append(Content(" │ hooks "))
            parts.append(self._styled(snapshot.hooks, f"status-header--hooks-{level}"))
        if app.read_only:
            parts.append(Content.styled("  READ-ONLY", "bold $accent"))
        if snapshot.trust_mode == "single-user":
            room = self.size.width - 2 - sum(len(p.plain) for p in parts) - 3
            note = next((n for n in SINGLE_USER_NOTES if len(n) <= room), SINGLE_USER_NOTES[-1])
            parts.append(Content(" │ "))
            parts.append(self._styled(note, "status-header--trust"))
        elif snapshot.trust_mode:  # "hardened": decisions go through the gate server
            parts.append(Content(" │ "))
            parts.append(self._styled(snapshot.trust_mode, "status-header--trust"))
        self.update(Content("").join(parts))
