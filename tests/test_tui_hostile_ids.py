"""Identifiers that arrive through the gate path (a hook's ``session_id`` and ``tool_name``)
are stored raw, as keys; they must still reach the screen inert."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable

from overseer.store import lean
from tests.tui_support import build_store, make_app, settle

SESSION = "s-\x1b]0;pwned\x07-\u202eevil"
TOOL = "Bash\x1b[2J\x1b[H"


async def test_hostile_hook_identifiers_are_inert_everywhere(tmp_path: Path) -> None:
    db, config = build_store(tmp_path)
    conn = lean.connect(db)
    try:
        lean.create_approval(
            conn, session=SESSION, call_id="x-1", agent="claude-dev\x1b[31m", task="feature",
            tool=TOOL, tool_input={"command": "ls"}, rule=None, verdict="unscoped",
            summary="Bash: ls", timeout_s=600,
        )  # fmt: skip
        lean.append_decision(conn, outcome="policy_denied", action="gate", operator="hook",
                             session=SESSION, tool=TOOL, reason="deny rule")  # fmt: skip
    finally:
        conn.close()
    app, store = make_app(db, config)
    seen: list[str] = []

    async with app.run_test(size=(160, 40)) as pilot:

        def collect() -> None:
            for widget in app.screen.walk_children():
                render_line = getattr(widget, "render_line", None)
                if render_line is None or not widget.size.height:
                    continue
                for y in range(widget.size.height):
                    seen.append(render_line(y).text)

        await settle(pilot)
        collect()
        await pilot.press("2")  # the approvals queue, the hostile approval selected
        await settle(pilot)
        table = app.screen.query_one(DataTable)
        row = next(i for i in range(table.row_count) if "Bash␛" in str(table.get_row_at(i)))
        table.move_cursor(row=row)
        await settle(pilot)
        collect()
        # the deny dialog, the "allow for this session" dialog, the kill confirmation
        for key in ("d", "A", "ctrl+k"):
            await pilot.press(key)
            await settle(pilot)
            assert app.screen.is_modal, key
            collect()
            await pilot.press("escape")
            await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        collect()
        notes = [str(n.message) for n in app._notifications]
    store.close()
    text = "\n".join(seen + notes)
    assert "Bash␛[2J␛[H" in text  # shown, as visible stand-ins
    assert "claude-dev␛[31m: Bash␛[2J␛[H" in text  # the dialogs' subject lines were read
    for raw in ("\x1b", "\x07", "\u202e"):
        assert raw not in text


MARKUP_SESSION = "s-[@click=app.quit]ZZ[/]-[b]bold"


async def test_palette_bar_and_filter_keep_identifiers_inert(tmp_path: Path) -> None:
    from textual.command import CommandPalette

    from overseer.tui.app import OverseerCommands

    db, config = build_store(tmp_path)
    conn = lean.connect(db)
    try:
        for session, agent in ((SESSION, "claude\x1b[31m[b]BOLD[/b]"), (MARKUP_SESSION, "evil[/]")):
            lean.create_approval(
                conn, session=session, call_id=f"x-{len(session)}", agent=agent, task="feature",
                tool="Bash", tool_input={"command": "ls"}, rule=None, verdict="unscoped",
                summary="Bash: ls", timeout_s=600,
            )  # fmt: skip
    finally:
        conn.close()
    app, store = make_app(db, config)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        provider = OverseerCommands(app.screen)
        hits = [hit async for hit in provider.search("Session")]
        displays = [hit.match_display for hit in hits]
        assert any("[@click=app.quit]" in d.plain for d in displays)  # shown as text...
        for display in displays:
            assert "\x1b" not in display.plain
            for span in display.spans:  # ...never as an action or a style from the text
                assert "@click" not in str(span.style)
        assert isinstance(CommandPalette, type)
        app.show_agent("claude\x1b[31m[b]BOLD[/b]")
        await settle(pilot)
        title = app.screen.query_one("#fleet-title").render()
        assert "\x1b" not in str(title) and "[b]BOLD[/b]" in str(title)
        await pilot.press("colon")
        await settle(pilot)
        suggester = app.screen.query_one("#command").suggester
        suggestions = " ".join(suggester._suggestions)
        assert "\x1b" not in suggestions and "\u202e" not in suggestions
        await pilot.press(*f"session {MARKUP_SESSION[:10]}", "enter")
        await settle(pilot)
        assert getattr(app.screen, "session", None) == MARKUP_SESSION
    store.close()
