"""The demo, headless: simulated agents act, the operator approves one gated call and
denies another through the app, and the agents' next moves and the audit chain show it."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from overseer.demo.run import Demo
from overseer.store import open_store
from overseer.tui.app import OverseerApp
from overseer.tui.live import store_feed, tail_feed
from overseer.tui.screens.approvals import ApprovalsScreen
from overseer.tui.store_source import StoreSource
from tests.tui_support import settle


async def wait_for(pilot: Any, predicate: Any, timeout: float = 20.0) -> Any:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while loop.time() < end:
        value = predicate()
        if value:
            return value
        await pilot.pause(0.1)
    raise AssertionError(f"timed out waiting for the demo: {predicate}")


def approval_for(app: OverseerApp, agent: str, needle: str) -> Any:
    snapshot = app.snapshot
    if snapshot is None:
        return None
    return next((a for a in snapshot.approvals if a.agent == agent and needle in a.summary), None)


def outcomes(demo: Demo, agent: str) -> list[tuple[str, str]]:
    sim = next(a for a in demo.agents if a.script.agent == agent)
    return [(d.outcome, str(d.input.get("command", tool))) for _, tool, d in sim.decisions]


async def test_demo_operator_changes_what_agents_do(tmp_path: Path) -> None:
    demo = Demo(tmp_path, speed=20.0, gate_timeout=60.0, round_pause=10_000)
    source = StoreSource(demo.store, demo.config)
    app = OverseerApp(
        source, mode_name="demo", operator="alice", refresh_interval=0.2, bell=False,
        live=[tail_feed(demo.tailer()), store_feed(demo.store)],
    )  # fmt: skip
    demo.start()
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            # Deny the release bot's `gh release create`: it falls back to pushing the tag.
            gh = await wait_for(pilot, lambda: approval_for(app, "release-bot", "gh release"))
            await pilot.press("p")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, ApprovalsScreen)
            screen.select(gh.id)
            await pilot.press("d", *"release notes not reviewed", "enter")
            await wait_for(pilot, lambda: ("auto_allowed", "git push origin v1.4.0")
                           in outcomes(demo, "release-bot"))  # fmt: skip
            # Approve Claude's push: it goes on to its next steps.
            push = await wait_for(pilot, lambda: approval_for(app, "claude-dev", "git push"))
            await pilot.press("p")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, ApprovalsScreen)
            screen.select(push.id)
            await pilot.press("a")
            await wait_for(pilot, lambda: any(
                tool == "Glob" for tool in (c for _, c in outcomes(demo, "claude-dev"))))  # fmt: skip
            release = outcomes(demo, "release-bot")
            assert ("denied", release[4][1]) == release[4]  # the 5th step, refused by a person
            assert release[5] == ("auto_allowed", "git push origin v1.4.0")  # the fallback
            claude = outcomes(demo, "claude-dev")
            assert ("policy_denied", "Read") in claude  # .env: denied by rule, never asked
            assert ("approved", "git push origin feature/rounding") in claude
            assert "git push --force origin HEAD:main" not in [c for _, c in claude]
            # The tailed logs reached the app: sessions of all four agents are on the fleet.
            await wait_for(pilot, lambda: app.snapshot and len(
                {r.agent for r in app.snapshot.sessions}) >= 4)  # fmt: skip
    finally:
        demo.stop()
    store = open_store(demo.db)
    try:
        chain = store.decisions(limit=10_000)
        human = {
            (d["outcome"], d["operator"], d["reason"]) for d in chain if d["operator"] == "alice"
        }
        assert ("denied", "alice", "release notes not reviewed") in human
        assert any(o == "approved" for o, _, _ in human)
        assert store.verify().ok
    finally:
        store.close()
