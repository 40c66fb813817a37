"""Side panels of the session view: the provisioned scope and the selected call's details."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from overseer.secrets import mask
from overseer.tui.data import ScopeView
from overseer.tui.format import shown
from overseer.tui.rows import OUTCOME_LABELS, VERDICT_LABELS, CallDetail

LIST_TITLES = {
    "deny": "DENY",
    "ask": "ASK (gated)",
    "allow": "ALLOW",
    "session": "ALLOWED FOR THIS SESSION",
}


class ScopePanel(Static):
    """Every rule of the session's task with its hits; unused authority dimmed."""

    def show(self, view: ScopeView) -> None:
        lines: list[Content] = []
        owner = f" · {view.owner}" if view.owner else ""
        lines.append(Content.styled(shown(f"{view.agent} / {view.task or '—'}"), "bold"))
        lines.append(Content.styled(shown(f"{view.autonomy}{owner}"), "dim"))
        if not view.known:
            lines.append(Content.styled("not in config: every call is unscoped", "$warning"))
        for list_name in ("deny", "ask", "allow", "session"):
            rules = [r for r in view.rules if r.list_name == list_name]
            if not rules:
                continue
            lines.append(Content(""))
            lines.append(Content.styled(LIST_TITLES[list_name], "bold underline"))
            for rule in rules:
                hits = f"{rule.hits:>5} " if rule.hits else "    · "
                style = "" if rule.hits else "dim"
                lines.append(Content.styled(hits + shown(rule.rule), style))
        lines.append(Content(""))
        lines.append(Content.styled(f"default: {view.default}", "dim"))
        if view.acquired:
            lines.append(Content(""))
            lines.append(Content.styled("ACQUIRED AT RUNTIME", "bold $warning"))
            for tool, count in view.acquired:
                lines.append(Content.styled(f"{count:>5} {shown(tool)}", "$warning"))
        unused = sum(1 for r in view.rules if r.list_name == "allow" and not r.hits)
        if unused:
            lines.append(Content(""))
            lines.append(Content.styled(f"{unused} allow rule(s) never exercised", "dim italic"))
        self.update(Content("\n").join(lines))


class DetailPanel(Static):
    """Full input and result excerpt of the selected call; secrets masked until revealed."""

    def show(self, detail: CallDetail | None, *, revealed: bool = False) -> None:
        if detail is None:
            self.update(Content.styled("no call selected", "dim"))
            return
        verdict = VERDICT_LABELS.get(detail.verdict, detail.verdict or "")
        status = OUTCOME_LABELS.get(detail.status, detail.status or "")
        head: list[tuple[str, str] | str] = [(shown(detail.tool), "bold"), f"  {verdict}"]
        if detail.rule:
            head.append((f"  ({shown(detail.rule)})", "dim"))
        if status:
            head.append(f"  · {status}")
        lines = [Content.assemble(*head)]
        for flag in detail.flags:
            lines.append(Content.styled(f"⚑ {shown(flag)}", "$warning"))
        shown_input = detail.input_display if revealed else mask(detail.input_display)
        shown_output = detail.output_display if revealed else mask(detail.output_display)
        if detail.edit_note:
            lines.append(Content.styled(shown(detail.edit_note), "bold $warning"))
        if detail.edited_input_display is not None:
            # Both, labelled: what the agent asked for, and what the operator approved instead.
            edited = detail.edited_input_display
            lines.append(Content.styled("input — original, as the agent asked", "bold dim"))
            lines.append(Content(shown_input or "—"))
            lines.append(Content.styled("input — edited by the operator (approved)", "bold dim"))
            lines.append(Content(edited if revealed else mask(edited)))
        else:
            lines.append(Content.styled("input", "bold dim"))
            lines.append(Content(shown_input or "—"))
        lines.append(Content.styled("result", "bold dim"))
        lines.append(Content(shown_output or "— (no result yet)"))
        if detail.has_secret and not revealed:
            lines.append(
                Content.styled("secrets masked · v reveals (recorded in the audit)", "dim italic")
            )
        elif revealed:
            lines.append(Content.styled("secrets revealed · this was recorded", "$error italic"))
        self.update(Content("\n").join(lines))
