"""A 100,000-call session opens and scrolls to its end within the test's normal run time.

The timeline is a Line API widget: it renders only the lines on screen, so the row count
does not change how it draws (no wall-clock assertion here; bench/ measures speed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from overseer.config import load_config
from overseer.model import Event, EventKind, Verdict
from overseer.store import open_store
from overseer.tui.screens.session import SessionScreen
from tests.conftest import CONFIG
from tests.tui_support import make_app, settle

CALLS = 100_000


def fill(db: str) -> None:
    store = open_store(db)
    start = datetime(2026, 3, 1, tzinfo=UTC)
    batch: list[Event] = [
        Event(
            EventKind.SESSION_START,
            "big",
            start,
            agent="claude-dev",
            task="feature",
            cwd="/workspace/app",
        )
    ]
    for i in range(CALLS):
        batch.append(
            Event(
                EventKind.TOOL_CALL,
                "big",
                start + timedelta(milliseconds=10 * i),
                agent="claude-dev",
                tool="Bash",
                call_id=f"c{i}",
                input={"command": f"echo {i}"},
                summary=f"echo {i}",
                input_display=f'{{"command": "echo {i}"}}',
                verdict=Verdict.UNSCOPED,
            )
        )
        if len(batch) >= 20_000:
            store.record_batch("big.jsonl", i, {}, {}, batch, [])
            batch = []
    store.record_batch("big.jsonl", CALLS, {}, {}, batch, [])
    store.close()


async def test_hundred_thousand_calls_scroll_to_the_end(tmp_path: Path) -> None:
    db = str(tmp_path / "big.db")
    fill(db)
    app, store = make_app(db, load_config(str(CONFIG)))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_session("big")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SessionScreen)
        timeline = screen.query_one("#timeline")
        assert len(timeline.rows) == CALLS
        await pilot.press("home")
        await settle(pilot)
        assert timeline.cursor == 0
        for _ in range(5):
            await pilot.press("pagedown")
        await settle(pilot)
        assert timeline.cursor > 100
        await pilot.press("end")
        await settle(pilot)
        assert timeline.cursor == CALLS - 1
        bottom = [timeline.render_line(y).text for y in range(timeline.size.height)]
        assert any(f"echo {CALLS - 1}" in line for line in bottom)
    store.close()
