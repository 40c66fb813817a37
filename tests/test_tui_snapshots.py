"""Every screen at 120×40 and 80×24, from a fixed store and a fixed clock.

Update on purpose with ``pytest tests/test_tui_snapshots.py --snapshot-update`` and review the
SVGs in ``tests/__snapshots__`` (the report: ``snapshot_report.html``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.tui_support import build_store, make_app, settle, waiting_call_log

SIZES = [(120, 40), (80, 24)]


@pytest.fixture
def app_factory(tmp_path: Path):  # type: ignore[no-untyped-def]
    yield from _factory(tmp_path)


@pytest.fixture
def logged_factory(tmp_path: Path):  # type: ignore[no-untyped-def]
    """The same store, plus the support agent's own log line of the call the gate holds."""
    yield from _factory(tmp_path, [waiting_call_log(tmp_path)])


def _factory(tmp_path: Path, extra: list[Path] | None = None):  # type: ignore[no-untyped-def]
    db, config = build_store(tmp_path, extra_logs=extra)
    stores: list[Any] = []

    def make(read_only: bool = False):  # type: ignore[no-untyped-def]
        app, store = make_app(db, config, read_only=read_only)
        stores.append(store)
        return app

    yield make
    for store in stores:
        store.close()


async def _settled(pilot: Any) -> None:
    await settle(pilot)


def _then(*keys: str):  # type: ignore[no-untyped-def]
    async def run(pilot: Any) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)

    return run


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_fleet(snap_compare, app_factory, size) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(app_factory(), terminal_size=size, run_before=_settled)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_session(snap_compare, app_factory, size) -> None:  # type: ignore[no-untyped-def]
    app = app_factory()

    async def open_session(pilot: Any) -> None:
        await settle(pilot)
        app.open_session("sup-7f3a")
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=open_session)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_approvals(snap_compare, app_factory, size) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(app_factory(), terminal_size=size, run_before=_then("p"))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_audit(snap_compare, app_factory, size) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(app_factory(), terminal_size=size, run_before=_then("3"))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_help(snap_compare, app_factory, size) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(app_factory(), terminal_size=size, run_before=_then("question_mark"))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_review_mode(snap_compare, app_factory, size) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(app_factory(read_only=True), terminal_size=size, run_before=_then("p"))


def test_hostile_session(snap_compare, app_factory) -> None:  # type: ignore[no-untyped-def]
    """Escapes, bidi overrides and markup from an agent, shown inert."""
    app = app_factory()

    async def open_session(pilot: Any) -> None:
        await settle(pilot)
        app.open_session("hostile-1")
        await settle(pilot)
        await pilot.press("home")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(120, 40), run_before=open_session)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_session_deciding(snap_compare, logged_factory, size) -> None:  # type: ignore[no-untyped-def]
    """p, Enter: the session around the waiting refund, the call selected with its whole
    input in the detail pane, the decision keys in the footer (issue 17, item 1)."""
    assert snap_compare(logged_factory(), terminal_size=size, run_before=_then("p", "enter"))


def test_session_waiting_off_timeline(snap_compare, app_factory) -> None:  # type: ignore[no-untyped-def]
    """A gated call the timeline does not hold (no transcript tailed): the waiting panel
    shows its whole input, and the keys act on it."""
    assert snap_compare(app_factory(), terminal_size=(120, 40), run_before=_then("p", "enter"))


def test_session_deny_dialog(snap_compare, logged_factory) -> None:  # type: ignore[no-untyped-def]
    """d from the session view: the reason dialog names the tool once (issue 17, item 4)."""
    app = logged_factory()
    assert snap_compare(app, terminal_size=(120, 40), run_before=_then("p", "enter", "d"))
