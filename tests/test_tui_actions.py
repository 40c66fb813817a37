"""The operator's actions, driven end to end with Pilot through a real store file.

Each test asserts what reached the audit chain (or that nothing did)."""

from __future__ import annotations

from pathlib import Path

import pytest

from overseer.store import open_store
from overseer.tui.screens.approvals import ApprovalsScreen
from overseer.tui.screens.fleet import FleetScreen
from overseer.tui.screens.session import SessionScreen
from overseer.tui.widgets.modals import ConfirmModal, EditInputModal, ReasonModal
from tests.tui_support import OPERATOR, approvals_by_session, build_store, chain, make_app, settle

SIZE = (120, 40)


@pytest.fixture
def world(tmp_path: Path):  # type: ignore[no-untyped-def]
    db, config = build_store(tmp_path)
    return db, config, approvals_by_session(db)


def new_rows(db: str) -> list[dict]:  # type: ignore[type-arg]
    return [r for r in chain(db) if r["operator"] != "overseer"]


async def test_jump_to_oldest_pending_then_approve(world) -> None:  # type: ignore[no-untyped-def]
    db, config, ids = world
    app, store = make_app(db, config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, ApprovalsScreen)
        assert app.screen.current is not None and app.screen.current.id == ids["sup-7f3a"]
        await pilot.press("a")  # not flagged: no reason needed
        await settle(pilot)
    store.close()
    (row,) = new_rows(db)
    assert (row["outcome"], row["operator"], row["approval_id"]) == (
        "approved",
        OPERATOR,
        ids["sup-7f3a"],
    )


async def test_deny_needs_a_reason_and_records_it(world) -> None:  # type: ignore[no-untyped-def]
    db, config, ids = world
    app, store = make_app(db, config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("p", "d")
        await settle(pilot)
        assert isinstance(app.screen, ReasonModal)
        await pilot.press("enter")  # empty reason: refused, the dialog stays
        await settle(pilot)
        assert isinstance(app.screen, ReasonModal)
        assert new_rows(db) == []
        await pilot.press(*"refunds need a second pair of eyes", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ApprovalsScreen)
    store.close()
    (row,) = new_rows(db)
    assert row["outcome"] == "denied"
    assert row["reason"] == "refunds need a second pair of eyes"
    assert row["approval_id"] == ids["sup-7f3a"]


async def test_approving_a_flagged_call_requires_a_reason(world) -> None:  # type: ignore[no-untyped-def]
    db, config, ids = world
    app, store = make_app(db, config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("p", "down")  # the second is `rm -rf /var/lib/...`: destructive
        await settle(pilot)
        assert app.screen.current.id == ids["etl-2026-03-02"]
        assert "destructive_command" in app.screen.current.flags
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, ReasonModal)
        await pilot.press(*"staging is rebuilt nightly", "enter")
        await settle(pilot)
    store.close()
    (row,) = new_rows(db)
    assert (row["outcome"], row["reason"]) == ("approved", "staging is rebuilt nightly")


async def test_approve_for_session_grants_the_call_for_this_session_only(world) -> None:  # type: ignore[no-untyped-def]
    db, config, ids = world
    app, store = make_app(db, config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("p", "A")
        await settle(pilot)
        assert isinstance(app.screen, ReasonModal)
        await pilot.press(*"customer verified", "enter")
        await settle(pilot)
    (row,) = new_rows(db)
    assert (row["outcome"], row["approval_id"]) == ("approved", ids["sup-7f3a"])
    assert store.session_grants("sup-7f3a") == ["mcp__stripe__create_refund"]
    assert store.session_grants("etl-2026-03-02") == []
    store.close()


async def test_edit_then_approve_records_both_inputs(world) -> None:  # type: ignore[no-untyped-def]
    db, config, _ids = world
    app, store = make_app(db, config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("p", "down", "e")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, EditInputModal)
        from textual.widgets import Input, TextArea

        modal.query_one(TextArea).text = '{"command": "rm -rf /var/lib/warehouse/staging/tmp"}'
        modal.query_one("#reason", Input).value = "narrowed to tmp"
        await pilot.press("ctrl+s")
        await settle(pilot)
    store.close()
    (row,) = new_rows(db)
    assert row["outcome"] == "approved" and row["reason"] == "narrowed to tmp"
    assert "staging/tmp" in row["updated_input"]
    assert "staging/tmp" not in row["input"] and "staging" in row["input"]


async def test_kill_confirms_with_cancel_focused_first(world) -> None:  # type: ignore[no-untyped-def]
    db, config, _ids = world
    app, store = make_app(db, config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        await pilot.press("ctrl+k")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        assert app.focused is not None and app.focused.id == "cancel"
        await pilot.press("enter")  # Enter on the focused Cancel: nothing happens
        await settle(pilot)
        assert [r for r in new_rows(db) if r["outcome"] == "killed"] == []
        await pilot.press("ctrl+k")
        await settle(pilot)
        await pilot.click("#ok")
        await settle(pilot)
    killed = [r for r in chain(db) if r["outcome"] == "killed"]
    assert killed and all(r["session"] == "sup-7f3a" for r in killed)
    assert store.get_session("sup-7f3a").status == "killed"
    store.close()


async def test_filter_and_open_a_session(world) -> None:  # type: ignore[no-untyped-def]
    db, config, _ = world
    app, store = make_app(db, config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        fleet = app.screen
        assert isinstance(fleet, FleetScreen)
        await pilot.press("slash", *"etl", "enter")
        await settle(pilot)
        assert fleet._order == ["etl-2026-03-02"]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SessionScreen) and app.screen.session == "etl-2026-03-02"
        await pilot.press("p")  # from any screen: the oldest pending approval
        await settle(pilot)
        assert isinstance(app.screen, ApprovalsScreen)
    store.close()


async def test_command_bar_jumps_between_views(world) -> None:  # type: ignore[no-untyped-def]
    db, config, _ = world
    app, store = make_app(db, config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("colon", *"session sup-7f", "enter")
        await settle(pilot)
        assert isinstance(app.screen, SessionScreen) and app.screen.session == "sup-7f3a"
        await pilot.press("colon", *"approvals", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ApprovalsScreen)
        await pilot.press("colon", *"fleet", "enter")
        await settle(pilot)
        assert isinstance(app.screen, FleetScreen)
    store.close()


async def test_review_mode_refuses_every_decision(world) -> None:  # type: ignore[no-untyped-def]
    db, config, _ = world
    app, store = make_app(db, config, read_only=True)
    before = chain(db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        for key in ("a", "d", "A", "e", "ctrl+k"):
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, ApprovalsScreen)
    store.close()
    assert chain(db) == before
    assert open_store(db).pending_approvals()  # still waiting for a live console


async def test_revealing_a_secret_is_recorded(tmp_path: Path) -> None:
    log = tmp_path / "logs" / "secret.jsonl"
    log.parent.mkdir()
    log.write_text(
        '{"kind":"session_start","session":"sec-1","ts":"2026-03-02T10:00:00Z","agent":"claude-dev","cwd":"/workspace/app"}\n'
        '{"kind":"tool_call","session":"sec-1","ts":"2026-03-02T10:00:01Z","call_id":"s-1","tool":"Bash","input":{"command":"export STRIPE_KEY=sk_live_51HxSECRETsecretSECRET00"}}\n'
    )
    db, config = build_store(tmp_path, extra_logs=[log.parent])
    app, store = make_app(db, config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_session("sec-1")
        await settle(pilot)
        detail = app.screen.query_one("#detail")
        shown = str(detail.render())
        assert "sk_live_51HxSECRET" not in shown and "‹stripe_key›" in shown
        await pilot.press("v")
        await settle(pilot)
        assert "sk_live_51HxSECRETsecretSECRET00" in str(detail.render())
    import sqlite3

    with sqlite3.connect(db) as raw:
        reveals = raw.execute("SELECT operator, session, call_id FROM reveals").fetchall()
    assert reveals == [(OPERATOR, "sec-1", "s-1")]
    store.close()


async def test_a_call_tampering_with_the_store_is_flagged_in_the_queue(world) -> None:  # type: ignore[no-untyped-def]
    """The gate asks about `sqlite3 <this store> "UPDATE approvals…"`; the queue must show
    why: the oversight_tampering flag, and a reason is required to approve it."""
    from overseer.store import lean

    db, config, _ids = world
    conn = lean.connect(db)
    command = f"sqlite3 {db} \"UPDATE approvals SET status='approved'\""
    tampering = lean.create_approval(
        conn, session="etl-2026-03-02", call_id="c-902", agent="etl-nightly", task="load",
        tool="Bash", tool_input={"command": command}, rule=None, verdict="ask",
        summary=command, timeout_s=120,
    )  # fmt: skip
    conn.close()
    app, store = make_app(db, config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, ApprovalsScreen)
        app.screen.select(tampering)
        await settle(pilot)
        assert app.screen.current is not None and app.screen.current.id == tampering
        assert "oversight_tampering" in app.screen.current.flags
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, ReasonModal)  # a flagged call needs a reason
    store.close()
