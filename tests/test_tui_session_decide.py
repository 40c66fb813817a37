"""Deciding from the session view, and seeing the whole call first (issue 17, items 1-4).

Driven with Pilot through a real store file; each test asserts what reached the audit chain
(or that nothing did), so a key that only looks bound cannot pass.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, Static

from overseer.tui.screens.approvals import ApprovalsScreen
from overseer.tui.screens.session import SessionScreen
from overseer.tui.widgets.modals import ReasonModal
from overseer.tui.widgets.timeline import Timeline, TimelineBox
from tests.tui_support import (
    OPERATOR,
    approvals_by_session,
    build_store,
    chain,
    make_app,
    settle,
    waiting_call_log,
)

SIZE = (120, 40)


def operator_rows(db: str) -> list[dict]:  # type: ignore[type-arg]
    return [r for r in chain(db) if r["operator"] != "overseer"]


@pytest.fixture
def logged(tmp_path: Path):  # type: ignore[no-untyped-def]
    """The refund the gate holds is on the session's timeline (the agent's own log has it)."""
    db, config = build_store(tmp_path, extra_logs=[waiting_call_log(tmp_path)])
    return db, config, approvals_by_session(db)


@pytest.fixture
def unlogged(tmp_path: Path):  # type: ignore[no-untyped-def]
    """The refund is gated but not on the timeline (no transcript of it is tailed)."""
    db, config = build_store(tmp_path)
    return db, config, approvals_by_session(db)


def panel_text(app) -> str:  # type: ignore[no-untyped-def]
    return str(app.screen.query_one("#session-waiting", Static).render())


async def test_p_enter_a_approves_from_the_session_view(logged) -> None:  # type: ignore[no-untyped-def]
    db, config, ids = logged
    app, store = make_app(db, config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("p", "enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SessionScreen) and screen.session == "sup-7f3a"
        # The waiting call is selected, its whole input in the detail pane.
        assert screen.current_call.call_id == "c-900"
        detail = str(screen.query_one("#detail").render())
        assert '"charge": "ch_3Q8"' in detail and '"amount": 12900' in detail
        # The footer offers the decision keys (shown, enabled) while something here waits.
        offered = {
            b.binding.action
            for b in screen.active_bindings.values()
            if b.binding.show and b.enabled
        }
        assert {"approve", "deny", "approve_session", "edit_approve"} <= offered
        await pilot.press("a")
        await settle(pilot)
    store.close()
    (row,) = operator_rows(db)
    assert (row["outcome"], row["operator"], row["approval_id"]) == (
        "approved",
        OPERATOR,
        ids["sup-7f3a"],
    )


async def test_a_key_first_moves_to_a_waiting_call_that_is_not_selected(logged) -> None:  # type: ignore[no-untyped-def]
    """The cursor is on another call: `a` must not approve something the operator is not
    looking at. It selects the waiting call; the second `a` decides."""
    db, config, ids = logged
    app, store = make_app(db, config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("p", "enter")
        await settle(pilot)
        await pilot.press("home")
        await settle(pilot)
        timeline = app.screen.query_one(Timeline)
        assert timeline.current.call_id != "c-900"
        await pilot.press("a")
        await settle(pilot)
        assert operator_rows(db) == []
        assert timeline.current.call_id == "c-900"
        await pilot.press("a")
        await settle(pilot)
    store.close()
    (row,) = operator_rows(db)
    assert (row["outcome"], row["approval_id"]) == ("approved", ids["sup-7f3a"])


async def test_a_call_off_the_timeline_is_shown_whole_then_decided(unlogged) -> None:  # type: ignore[no-untyped-def]
    db, config, ids = unlogged
    app, store = make_app(db, config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("p", "enter")
        await settle(pilot)
        assert isinstance(app.screen, SessionScreen)
        text = panel_text(app)
        assert "WAITING FOR A DECISION" in text
        assert "mcp__stripe__create_refund" in text
        assert "ch_3Q8" in text and "12900" in text
        await pilot.press("d")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, ReasonModal)
        # Item 4: the dialog names the tool once, then its arguments.
        subject = str(modal.query_one(".dialog-subject", Static).render())
        assert subject.count("mcp__stripe__create_refund") == 1, subject
        assert "charge=ch_3Q8 amount=12900" in subject
        await pilot.press(*"no refunds tonight", "enter")
        await settle(pilot)
        assert isinstance(app.screen, SessionScreen)
    store.close()
    (row,) = operator_rows(db)
    assert (row["outcome"], row["reason"], row["approval_id"]) == (
        "denied",
        "no refunds tonight",
        ids["sup-7f3a"],
    )


async def test_a_session_with_nothing_waiting_has_no_decision_keys(unlogged) -> None:  # type: ignore[no-untyped-def]
    db, config, _ids = unlogged
    app, store = make_app(db, config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_session("hostile-1")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SessionScreen)
        assert not screen.query_one("#session-waiting", Static).display
        assert screen.check_action("approve", ()) is False
        await pilot.press("a", "d", "A")
        await settle(pilot)
        assert isinstance(app.screen, SessionScreen)  # no dialog opened
    store.close()
    assert operator_rows(db) == []


async def test_review_mode_session_view_decides_nothing(logged) -> None:  # type: ignore[no-untyped-def]
    db, config, _ids = logged
    app, store = make_app(db, config, read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_session("sup-7f3a")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SessionScreen)
        assert screen.check_action("approve", ()) is False
        await pilot.press("a", "d")
        await settle(pilot)
    store.close()
    assert operator_rows(db) == []


async def test_queue_shows_an_mcp_calls_arguments(unlogged) -> None:  # type: ignore[no-untyped-def]
    """Item 2: the INPUT column and the detail pane carry the charge and the amount."""
    db, config, _ids = unlogged
    app, store = make_app(db, config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ApprovalsScreen)
        table = screen.query_one(DataTable)
        cell = str(table.get_cell_at((0, len(table.columns) - 1)))
        assert cell.startswith("charge=ch_3Q8 amount=12900"), cell
        # The INPUT column is on screen: it ends within the terminal's width.
        assert sum(c.get_render_width(table) for c in table.columns.values()) <= SIZE[0]
        detail = str(screen.query_one("#approval-detail", Static).render())
        assert '"charge": "ch_3Q8"' in detail and '"amount": 12900' in detail
        assert "session sup-7f3a" in detail
    store.close()


async def test_timeline_header_is_inside_the_session_box(logged) -> None:  # type: ignore[no-untyped-def]
    """Item 3: the column header is drawn inside the bordered box, under its title."""
    db, config, _ids = logged
    app, store = make_app(db, config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_session("sup-7f3a")
        await settle(pilot)
        box = app.screen.query_one(TimelineBox)
        header = app.screen.query_one("#timeline-header", Static)
        timeline = app.screen.query_one(Timeline)
        assert box.content_region.contains_region(header.region)
        assert box.content_region.contains_region(timeline.region)
        assert header.region.y < timeline.region.y
        assert "TIME" in str(header.render()) and "INPUT" in str(header.render())
    store.close()
