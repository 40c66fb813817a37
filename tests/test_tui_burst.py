"""The UI never blocks: 10,000 events arriving in one burst are ingested by workers while the
app keeps answering keys, and every one of them reaches the screen."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from overseer.config import load_config
from overseer.engine import Engine
from overseer.sources.tail import Tailer
from overseer.store import open_store
from overseer.tui.app import OverseerApp
from overseer.tui.live import store_feed, tail_feed
from overseer.tui.screens.help import HelpScreen
from overseer.tui.store_source import StoreSource
from tests.conftest import CONFIG
from tests.tui_support import NOW

EVENTS = 10_000


def burst(path: Path) -> None:
    lines = [json.dumps({"kind": "session_start", "session": "flood", "ts": "2026-03-02T10:00:00Z",
                         "agent": "claude-dev", "cwd": "/workspace/app"})]  # fmt: skip
    for i in range(EVENTS - 1):
        lines.append(json.dumps({
            "kind": "tool_call", "session": "flood", "ts": f"2026-03-02T10:{i // 6000 % 60:02d}:{i // 100 % 60:02d}.{i % 100:02d}Z",
            "call_id": f"c{i}", "tool": "Read", "input": {"file_path": f"src/f{i}.py"},
        }))  # fmt: skip
    path.write_text("\n".join(lines) + "\n")


async def test_ten_thousand_events_in_a_burst_keep_the_ui_responsive(tmp_path: Path) -> None:
    config = load_config(str(CONFIG))
    store = open_store(str(tmp_path / "o.db"))
    logs = tmp_path / "logs"
    logs.mkdir()
    tailer = Tailer([str(logs)], engine=Engine(config), store=store)
    source = StoreSource(store, config, expire_overdue=False)
    app = OverseerApp(source, operator="alice", clock=lambda: NOW, refresh_interval=0.2,
                      bell=False, live=[tail_feed(tailer), store_feed(store)])  # fmt: skip
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause(0.3)
            burst(logs / "flood.jsonl")
            await pilot.pause(0.05)
            # Keys are answered while the burst is being ingested.
            await pilot.press("question_mark")
            assert isinstance(app.screen, HelpScreen)
            await pilot.press("escape")
            loop = asyncio.get_running_loop()
            end = loop.time() + 60
            events = 0
            while loop.time() < end:
                snapshot = app.snapshot
                rows = snapshot.sessions if snapshot else []
                events = next((r.events for r in rows if r.session == "flood"), 0)
                if events == EVENTS:
                    break
                await pilot.pause(0.1)
            assert events == EVENTS
    finally:
        store.close()
