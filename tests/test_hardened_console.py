"""The operator's console in hardened mode: a mirror of the server's store, actions through
the server (``overseer watch --server``, :mod:`overseer.control.mirror`).

The server is the one of ``tests/test_hardened.py`` (root is among its operators, so the
console runs in this process, under Pilot); the agent is uid 54321 as there. What is shown:
the mirror holds exactly what the server recorded, its chain verifies on the operator's side,
a decision made with a console key reaches the waiting hook and is recorded as the kernel's
user, and the agent's uid can neither pull the mirror nor record a reveal.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from overseer.config import load_config
from overseer.control.mirror import MirrorFeed
from overseer.store import open_store
from overseer.tui.app import OverseerApp
from overseer.tui.live import store_feed
from overseer.tui.server_source import ServerSource
from tests.test_hardened import (
    AGENT_UID,
    SESSION,
    Hardened,
    _hardened,
    _raw,
    decision,
    finish,
    pytestmark,  # noqa: F401 - the same root-on-Linux skip
    world_python,  # noqa: F401 - the fixture
)
from tests.tui_support import settle

SIZE = (120, 40)


@pytest.fixture(scope="module")
def hardened(world_python: str) -> Iterator[Hardened]:  # noqa: F811 - the imported fixture
    with _hardened(world_python) as setup:
        yield setup


def _rows(db: str, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def test_the_mirror_holds_what_the_server_recorded_and_its_chain_verifies(
    hardened: Hardened, tmp_path: Path
) -> None:
    decision(hardened.hook("ls", n=1))
    decision(hardened.hook("rm -rf build", n=2))
    mirror = str(tmp_path / "mirror.db")
    open_store(mirror).close()
    feed = MirrorFeed(mirror, hardened.socket, {})
    feed.pull()
    for sql in (
        "SELECT seq, outcome, operator, hash FROM decisions ORDER BY seq",
        "SELECT id, agent, status FROM sessions ORDER BY id",
    ):
        assert _rows(mirror, sql) == hardened.rows(sql)
    store = open_store(mirror)
    try:
        assert store.verify().ok
    finally:
        store.close()
    feed.pull()  # a second pull changes nothing
    assert _rows(mirror, "SELECT count(*) FROM decisions") == hardened.rows(
        "SELECT count(*) FROM decisions"
    )


def test_the_agents_uid_cannot_pull_the_mirror_or_record_a_reveal(hardened: Hardened) -> None:
    for request in ({"op": "mirror", "after": {}}, {"op": "reveal", "session": SESSION}):
        answer = _raw(hardened, AGENT_UID, request)
        assert answer["ok"] is False and "not an operator" in answer["error"], request


async def test_a_console_key_decides_through_the_server(hardened: Hardened, tmp_path: Path) -> None:
    proc = hardened.hook_background("git push origin main", n=10)
    approval = await asyncio.to_thread(hardened.wait_pending, "toolu_0010")
    mirror = str(tmp_path / "mirror.db")
    store = open_store(mirror)
    source = ServerSource(store, load_config(str(hardened.config)), hardened.socket)
    source.feed.pull()
    app = OverseerApp(
        source, mode_name="watch", operator="alice", bell=False,
        live=[store_feed(store), source.feed],
    )  # fmt: skip
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("p")
            await settle(pilot)
            await pilot.press("a")
            await settle(pilot)
            out, err = await asyncio.to_thread(finish, proc)
            assert json.loads(out)["hookSpecificOutput"]["permissionDecision"] == "allow", err
            for _ in range(100):  # the mirror catches up on its own
                if _rows(mirror, f"SELECT status FROM approvals WHERE id = '{approval}'") == [
                    ("approved",)
                ]:
                    break
                await asyncio.sleep(0.05)
    finally:
        store.close()
    decided = hardened.rows(f"SELECT decided_by FROM approvals WHERE id = '{approval}'")
    assert decided == [("root",)]  # the kernel's user, not the console's "alice"
    assert _rows(mirror, f"SELECT status, decided_by FROM approvals WHERE id = '{approval}'") == [
        ("approved", "root")
    ]
