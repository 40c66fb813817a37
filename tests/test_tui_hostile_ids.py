"""Identifiers that arrive through the gate path (a hook's ``session_id`` and ``tool_name``)
are stored raw, as keys; they must still reach the screen inert."""

from __future__ import annotations

from pathlib import Path

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
        await settle(pilot)
        for keys in ((), ("p",), ("3",)):
            for key in keys:
                await pilot.press(key)
            await settle(pilot)
            for widget in app.screen.walk_children():
                render_line = getattr(widget, "render_line", None)
                if render_line is None or not widget.size.height:
                    continue
                for y in range(widget.size.height):
                    seen.append(render_line(y).text)
        notes = [str(n.message) for n in app._notifications]
    store.close()
    text = "\n".join(seen + notes)
    assert "Bash␛[2J␛[H" in text  # shown, as visible stand-ins
    for raw in ("\x1b", "\x07", "\u202e"):
        assert raw not in text
