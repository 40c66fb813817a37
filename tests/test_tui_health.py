"""The header's health: the gate hooks' state (read by the source in a worker) and what
single-user mode promises, on a real app over a real store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from overseer.control import install
from overseer.store import open_store
from overseer.tui.app import OverseerApp
from overseer.tui.store_source import StoreSource, default_hook_check
from overseer.tui.widgets.header import SINGLE_USER_NOTES, StatusHeader
from tests.tui_support import build_store, settle


def header_text(app: Any) -> str:
    return str(app.screen.query_one(StatusHeader).render())


async def run(tmp_path: Path, source_kw: dict[str, Any], width: int) -> str:
    db, config = build_store(tmp_path)
    store = open_store(db)
    try:
        source = StoreSource(store, config, expire_overdue=False, check_ungated=False, **source_kw)
        app = OverseerApp(source, mode_name="watch", refresh_interval=None, bell=False)
        async with app.run_test(size=(width, 10)) as pilot:
            await settle(pilot)
            return header_text(app)
    finally:
        store.close()


@pytest.mark.asyncio
async def test_a_disabled_hook_and_the_single_user_promise_are_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home, project = tmp_path / "home", tmp_path / "project"
    home.mkdir()
    project.mkdir()
    monkeypatch.setenv("HOME", str(home))
    config = tmp_path / "c.toml"
    config.write_text("")
    settings = project / ".claude" / "settings.json"
    command = install.hook_command("claude-code", config=str(config))
    install.apply_plan(install.plan_install("claude-code", settings, command, 150))
    (project / ".claude" / "settings.local.json").write_text(json.dumps({"disableAllHooks": True}))
    text = await run(tmp_path, {"hook_check": default_hook_check(str(project))}, 240)
    assert "hooks claude disabled · codex none" in text
    assert SINGLE_USER_NOTES[0] in text  # the whole sentence when there is room


@pytest.mark.asyncio
async def test_other_trust_modes_make_no_single_user_claim(tmp_path: Path) -> None:
    text = await run(tmp_path, {"trust_mode": "hardened"}, 240)
    assert "single-user" not in text
