"""The app over :class:`GatewaySource`, driven with Textual's Pilot: what an operator does.

The gateway is the real reference server on loopback and the poller runs as the app's live
feed, exactly as ``overseer poll`` wires them.
"""

# ruff: noqa: F811  (pytest fixtures imported from tests.gateway_support are parameters)

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from textual.pilot import Pilot
from textual.widgets import Input

from overseer.config import Config
from overseer.gateway import ReferenceGateway
from overseer.store.db import Store
from overseer.tui.app import OverseerApp
from overseer.tui.gateway_source import GatewaySource
from overseer.tui.screens.approvals import ApprovalsScreen
from overseer.tui.widgets.modals import ReasonModal
from tests.gateway_support import (  # noqa: F401  (fixtures)
    approval,
    calls,
    config,
    gateway,
    lite_store,
    make_poller,
    served,
    start,
    stored,
)
from tests.test_langfuse import LangfuseServer, langfuse, make  # noqa: F401  (fixture)


async def until(
    pilot: Pilot[Any], condition: Callable[[], Any], what: str, timeout: float = 20.0
) -> None:
    """Let the app run until ``condition`` holds (the timeout only bounds a failing test)."""
    waited = 0.0
    while not condition():
        if waited > timeout:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.05)
        waited += 0.05


def notes(app: OverseerApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


def app_for(source: GatewaySource, refresh: float = 1.0) -> OverseerApp:
    # Slow refresh by default: Pilot waits for an idle app before each key, and a refresh is
    # activity. Tests that press no keys may refresh fast.
    return OverseerApp(
        source, mode_name="poll", operator="alice", refresh_interval=refresh, bell=False,
        live=[p.run for p in source.pollers()],
    )  # fmt: skip


async def _decide_in_queue(pilot: Pilot[Any], app: OverseerApp, key: str, reason: str) -> None:
    """``p`` jumps to the oldest pending approval, then ``key``; a reason if one is asked."""
    await pilot.press("p")
    await until(pilot, lambda: isinstance(app.screen, ApprovalsScreen) and app.screen.current,
                "the approvals queue")  # fmt: skip
    await pilot.press(key)
    await pilot.pause(0.1)
    if isinstance(app.screen, ReasonModal):
        # Filled in directly: each simulated key waits for an idle app, and a polling app is
        # rarely idle; the reason's own typing is the modal's business, not this test's.
        app.screen.query_one("#reason", Input).value = reason
        await pilot.press("enter")


async def test_gateway_approval_is_approved_from_the_queue(lite_store: Store, config: Config,
                                                           gateway: ReferenceGateway) -> None:  # fmt: skip
    gateway.add_events([start("s1"), *calls("s1", 1, 2)])
    poller = make_poller(gateway, lite_store, config)
    app = app_for(GatewaySource(lite_store, config, gateway=poller))
    async with app.run_test(size=(180, 50)) as pilot:
        await until(pilot, lambda: app.snapshot and app.snapshot.health.get(poller.name) == "ok",
                    "the gateway's health")  # fmt: skip
        gateway.add_events([*approval("s1", "apr-7", "c-9"), *approval("s1", "apr-8", "c-10")])
        await until(pilot, lambda: app.snapshot and len(app.snapshot.approvals) == 2,
                    "the approvals in the app")  # fmt: skip
        assert any("Approval needed" in (n.title or "") for n in app._notifications)
        await _decide_in_queue(pilot, app, "a", "refund is fine")
        await until(pilot, lambda: len(gateway.decisions) == 1, "the approval at the gateway")
        await _decide_in_queue(pilot, app, "d", "too big")
        await until(pilot, lambda: len(gateway.decisions) == 2, "the denial at the gateway")
        await until(pilot, lambda: app.snapshot and not app.snapshot.approvals, "an empty queue")
        assert any("delivered to" in text for text in notes(app))
    assert [(d["id"], d["decision"], d["operator"]) for d in gateway.decisions] == [
        ("apr-7", "approve", "alice"), ("apr-8", "deny", "alice"),
    ]  # fmt: skip
    assert gateway.decisions[1]["reason"] == "too big"


async def test_not_delivered_shows_and_ctrl_r_delivers(lite_store: Store, config: Config,
                                                       gateway: ReferenceGateway) -> None:  # fmt: skip
    gateway.add_events([start("s1"), *approval("s1", "apr-1", "c-9")])
    # No automatic redelivery here: the operator's retry key is what is tested.
    poller = make_poller(gateway, lite_store, config, redeliver=False)
    app = app_for(GatewaySource(lite_store, config, gateway=poller))
    async with app.run_test(size=(180, 50)) as pilot:
        await until(pilot, lambda: app.snapshot and app.snapshot.approvals, "the approval")
        gateway.inject("status", status=503, method="POST", times=None)
        await _decide_in_queue(pilot, app, "a", "fine")
        await until(
            pilot, lambda: app.snapshot and app.snapshot.undelivered == 1, "not delivered 1"
        )
        assert any("NOT delivered" in text for text in notes(app))
        assert app.check_action("retry_delivery", ()) is True
        gateway.clear_faults()
        await pilot.press("ctrl+r")
        await until(pilot, lambda: len(gateway.decisions) == 1, "the retried delivery")
        await until(pilot, lambda: app.snapshot and app.snapshot.undelivered == 0, "delivered")


async def test_langfuse_session_refuses_kill_and_approve_with_the_reason(
    lite_store: Store, config: Config, langfuse: LangfuseServer
) -> None:
    langfuse.add("o1", "2026-03-02T09:00:01.000Z")
    poller = make(langfuse, lite_store, config)
    app = app_for(GatewaySource(lite_store, config, langfuse=poller))
    async with app.run_test(size=(180, 50)) as pilot:
        await until(pilot, lambda: app.snapshot and app.snapshot.sessions, "the Langfuse session")
        [row] = app.snapshot.sessions  # type: ignore[union-attr]
        assert row.session == "lf:sess-a" and row.observe_only
        app.open_session("lf:sess-a")
        await pilot.pause(0.2)
        await pilot.press("ctrl+k")
        await until(pilot, lambda: any("Observe-only" in t for t in notes(app)), "the refusal")
        # An approval in such a session (however it got there) cannot be answered either.
        from overseer.store import lean

        with lite_store.lean() as conn:
            lean.create_approval(
                conn, session="lf:sess-a", call_id="o1", agent=None, task=None, tool="get_weather",
                tool_input={}, rule=None, verdict="ask", summary="", timeout_s=60,
            )  # fmt: skip
        await until(pilot, lambda: app.snapshot and app.snapshot.approvals, "the approval")
        await pilot.press("p")
        await until(pilot, lambda: isinstance(app.screen, ApprovalsScreen) and app.screen.current,
                    "the approvals queue")  # fmt: skip
        assert not app.check_action("approve", ())  # disabled (shown or hidden)
        assert not app.check_action("kill_session", ())
        app.action_approve()  # the command palette's way in: refused by the source, with why
        await until(pilot, lambda: any("observe only: traced by Langfuse" in t for t in notes(app)),
                    "the source's refusal")  # fmt: skip
    assert lite_store.get_session("lf:sess-a").status != "killed"  # type: ignore[union-attr]
    assert lite_store.pending_approvals()[0]["status"] == "pending"


async def test_faults_show_in_the_header_and_the_app_keeps_running(lite_store: Store, config: Config,
                                                                   gateway: ReferenceGateway) -> None:  # fmt: skip
    from overseer.tui.widgets.header import StatusHeader

    gateway.add_events([start("s1"), *calls("s1", 1, 2)])
    poller = make_poller(gateway, lite_store, config, timeout=httpx.Timeout(0.3, connect=1.0))
    app = app_for(GatewaySource(lite_store, config, gateway=poller), refresh=0.05)
    faults: list[tuple[dict[str, Any], str]] = [
        ({"kind": "status", "status": 429, "retry_after": "1"}, "retrying in"),
        ({"kind": "status", "status": 503}, "retrying in"),
        ({"kind": "malformed"}, "retrying in"),
        ({"kind": "stuck_cursor", "path": "/v1/sessions/s1/events"}, "retrying in"),
        ({"kind": "drop"}, "retrying in"),
        ({"kind": "slow", "delay": 0.6}, "retrying in"),
        ({"kind": "auth"}, "auth failed"),
    ]  # fmt: skip

    def header() -> str:
        return str(app.screen.query_one(StatusHeader).render())

    async with app.run_test(size=(200, 50)) as pilot:
        await until(
            pilot, lambda: app.snapshot and app.snapshot.health.get(poller.name) == "ok", "ok"
        )
        for n, (arguments, shown) in enumerate(faults):
            gateway.inject(**{"path": "/v1/", **arguments, "times": None})
            gateway.add_events(calls("s1", 10 * (n + 1), 1))
            expected = f"{poller.name}: {shown}"
            await until(pilot, lambda e=expected: e in header(), expected)  # type: ignore[misc]
            gateway.clear_faults()
            await until(pilot, lambda: app.snapshot and app.snapshot.health.get(poller.name) == "ok",
                        "recovery")  # fmt: skip
        gateway.stop()
        await until(pilot, lambda: f"{poller.name}: unreachable" in header(), "header: unreachable")
        gateway.start()
        await until(pilot, lambda: "sources ok" in header(), "header: sources ok")
        assert app.is_running
    assert stored(lite_store, "s1") == served(gateway, "s1")
