"""Polling robustness and delivery, against the real reference gateway on loopback.

Each fault the issue names is injected by the server while a poller runs; the poller must keep
running, show the right health, and once the server recovers hold every event exactly once.
Decisions go through the audit chain first and stay "not delivered" until the gateway takes
them. Tests never assert a wall-clock time: they wait for states.
"""

# ruff: noqa: F811  (pytest fixtures imported from tests.gateway_support are parameters)

from __future__ import annotations

import asyncio
import logging
import random
from typing import Any

import httpx
import pytest

from overseer.config import Config
from overseer.gateway import ReferenceGateway
from overseer.sources.poll import (
    LIVE_RETRY_CAP,
    MAX_RETRY_AFTER,
    Backoff,
    FetchError,
    GatewayPoller,
    Health,
    parse_retry_after,
    retry_delay,
)
from overseer.store.db import Store
from overseer.tui.data import DecisionError
from overseer.tui.gateway_source import GatewaySource
from tests.gateway_support import (  # noqa: F401  (fixtures)
    TOKEN,
    approval,
    calls,
    config,
    db,
    gateway,
    lite_store,
    make_poller,
    served,
    start,
    stop,
    store,
    stored,
    wait_for,
)

AUTH = {"Authorization": f"Bearer {TOKEN}"}


async def _source(
    gateway: ReferenceGateway, store: Store, config: Config, **kw: Any
) -> GatewaySource:
    poller = make_poller(gateway, store, config, **kw)
    result = await poller.poll_once()
    assert result.ok, poller.health.text()
    return GatewaySource(store, config, gateway=poller)


# ------------------------------------------------------------------ decisions and kills


async def test_approve_and_deny_reach_the_gateway(store: Store, config: Config,
                                                  gateway: ReferenceGateway) -> None:  # fmt: skip
    gateway.add_events(
        [start("s1"), *approval("s1", "apr-1", "c-1"), *approval("s1", "apr-2", "c-2")]
    )
    source = await _source(gateway, store, config)
    text = await asyncio.to_thread(source.decide, "gw-apr-1", "approve", "", "alice")
    assert "delivered" in text
    text = await asyncio.to_thread(source.decide, "gw-apr-2", "deny", "not today", "alice",
                                   None)  # fmt: skip
    assert "delivered" in text
    assert [(d["id"], d["decision"], d["operator"], d["reason"]) for d in gateway.decisions] == [
        ("apr-1", "approve", "alice", None), ("apr-2", "deny", "alice", "not today"),
    ]  # fmt: skip
    assert gateway.approvals["apr-1"]["status"] == "approved"
    assert [(r["action"], r["outcome"]) for r in reversed(store.decisions())] == [
        ("approve", "approved"), ("deny", "denied"),
    ]  # fmt: skip
    assert source.snapshot().undelivered == 0
    assert store.verify().ok


async def test_edited_input_is_delivered(
    store: Store, config: Config, gateway: ReferenceGateway
) -> None:
    gateway.add_events([start("s1"), *approval("s1", "apr-1", "c-1")])
    source = await _source(gateway, store, config)
    edited = {"customer": "cus_Q8x1", "amount": 2000, "currency": "eur"}
    text = await asyncio.to_thread(source.decide, "gw-apr-1", "approve", "capped", "alice", edited)
    assert "edited input" in text
    assert gateway.decisions[0]["updated_input"] == edited


async def test_kill_reaches_the_gateway(
    store: Store, config: Config, gateway: ReferenceGateway
) -> None:
    gateway.add_events([start("s1", pid=1), *calls("s1", 1, 1), *approval("s1", "apr-1", "c-9")])
    source = await _source(gateway, store, config)
    text = await asyncio.to_thread(source.kill, "s1", "runaway", "alice")
    assert "delivered" in text
    assert gateway.kills == [{"session": "s1", "reason": "runaway", "operator": "alice"}]
    summary = store.get_session("s1")
    assert summary is not None and summary.status == "killed" and summary.killed_by == "alice"
    assert store.read_approval("gw-apr-1")["status"] == "killed"  # type: ignore[index]
    assert source.snapshot().undelivered == 0
    # The gateway ends the session; polling it afterwards keeps it killed here.
    assert source.gateway is not None
    await source.gateway.poll_once()
    assert stored(store, "s1")[-1] == ("session_end", None)
    assert store.get_session("s1").status == "killed"  # type: ignore[union-attr]


async def test_409_is_shown_and_recorded_as_decided_elsewhere(store: Store, config: Config,
                                                              gateway: ReferenceGateway) -> None:  # fmt: skip
    gateway.add_events([start("s1"), *approval("s1", "apr-1", "c-1")])
    source = await _source(gateway, store, config)
    with httpx.Client(base_url=gateway.url, headers=AUTH, trust_env=False) as http:
        http.post("/v1/approvals/apr-1/decision",
                  json={"decision": "deny", "reason": "no", "operator": "bob"})  # fmt: skip
    with pytest.raises(DecisionError) as refused:
        await asyncio.to_thread(source.decide, "gw-apr-1", "approve", "", "alice")
    message = str(refused.value)
    assert "decided elsewhere" in message and "denied by bob" in message and "409" in message
    approval_row = store.read_approval("gw-apr-1")
    assert approval_row is not None and approval_row["status"] == "denied"
    assert approval_row["decided_by"].startswith("bob (via gateway")
    rows = list(reversed(store.decisions()))
    assert [(r["action"], r["outcome"], r["operator"]) for r in rows] == [
        ("approve", "approved", "alice"),
        ("decided_elsewhere", "denied", approval_row["decided_by"]),
    ]
    assert source.snapshot().undelivered == 0
    assert [call.approval_status for call in store.timeline("s1")] == ["denied"]
    assert store.verify().ok


async def test_failed_post_stays_not_delivered_and_a_retry_delivers_it(store: Store, config: Config,
                                                                       gateway: ReferenceGateway) -> None:  # fmt: skip
    gateway.add_events([start("s1"), *approval("s1", "apr-1", "c-1")])
    source = await _source(gateway, store, config)
    gateway.inject("status", status=503, method="POST", times=None)
    with pytest.raises(DecisionError) as failed:
        await asyncio.to_thread(source.decide, "gw-apr-1", "approve", "", "alice")
    assert "NOT delivered" in str(failed.value) and "HTTP 503" in str(failed.value)
    # Recorded here (the audit chain says approved) and visibly not delivered.
    assert store.read_approval("gw-apr-1")["status"] == "approved"  # type: ignore[index]
    snapshot = await asyncio.to_thread(source.snapshot)
    assert snapshot.undelivered == 1
    with pytest.raises(DecisionError):
        await asyncio.to_thread(source.retry_undelivered)
    assert gateway.decisions == []
    gateway.clear_faults()
    assert await asyncio.to_thread(source.retry_undelivered) == "1 delivered"
    assert [d["id"] for d in gateway.decisions] == ["apr-1"]
    assert (await asyncio.to_thread(source.snapshot)).undelivered == 0


async def test_undelivered_decisions_survive_a_restart(store: Store, config: Config,
                                                       gateway: ReferenceGateway) -> None:  # fmt: skip
    """Decided while the gateway is down; overseer restarts; the decision is delivered once
    the gateway is back — by the poller, with no one pressing anything."""
    gateway.add_events([start("s1"), *approval("s1", "apr-1", "c-9"), *calls("s1", 1, 1)])
    source = await _source(gateway, store, config)
    gateway.stop()
    with pytest.raises(DecisionError, match="cannot connect"):
        await asyncio.to_thread(source.decide, "gw-apr-1", "deny", "unsafe", "alice")
    with pytest.raises(DecisionError, match="cannot connect"):
        await asyncio.to_thread(source.kill, "s1", "stop it", "alice")
    assert source.gateway is not None and source.gateway.deliverer.count() == 2
    source.gateway.deliverer.close()
    gateway.start()  # same port, state kept
    restarted = make_poller(gateway, store, config)
    assert restarted.deliverer.count() == 2
    task = asyncio.create_task(restarted.run())
    await wait_for(lambda: len(gateway.kills) == 1 and len(gateway.decisions) == 1,
                   what="redelivery")  # fmt: skip
    await wait_for(lambda: restarted.deliverer.count() == 0, what="acknowledged")
    await stop(task, restarted)
    assert gateway.decisions[0]["decision"] == "deny"


async def test_an_answer_lost_after_the_gateway_acted_is_not_a_conflict(store: Store, config: Config,
                                                                        gateway: ReferenceGateway) -> None:  # fmt: skip
    gateway.add_events([start("s1"), *approval("s1", "apr-1", "c-1")])
    source = await _source(gateway, store, config)
    gateway.inject("drop_answer", method="POST")
    with pytest.raises(DecisionError, match="connection dropped"):
        await asyncio.to_thread(source.decide, "gw-apr-1", "approve", "", "alice")
    assert gateway.approvals["apr-1"]["status"] == "approved"  # it did take effect
    assert await asyncio.to_thread(source.retry_undelivered) == "1 delivered"
    assert len(gateway.decisions) == 1
    assert [r["action"] for r in store.decisions()] == ["approve"]  # no "decided elsewhere"


async def test_a_decision_by_another_surface_is_delivered(store: Store, config: Config,
                                                          gateway: ReferenceGateway) -> None:  # fmt: skip
    """``overseer decide`` (or another console on the same store) decides a gateway
    approval: the audit chain is the outbox, so the poller delivers it."""
    gateway.add_events([start("s1"), *approval("s1", "apr-1", "c-1")])
    poller = make_poller(gateway, store, config)
    await poller.poll_once()
    store.decide("gw-apr-1", decision="approve", reason=None, operator="carol")
    assert poller.deliverer.count() == 1
    await poller.poll_once()
    assert [(d["id"], d["operator"]) for d in gateway.decisions] == [("apr-1", "carol")]
    assert poller.deliverer.count() == 0


async def test_rejected_delivery_waits_for_the_operator(store: Store, config: Config,
                                                        gateway: ReferenceGateway) -> None:  # fmt: skip
    gateway.add_events([start("s1"), *approval("s1", "apr-1", "c-1")])
    source = await _source(gateway, store, config)
    gateway.inject("status", status=404, method="POST")
    with pytest.raises(DecisionError, match=r"HTTP 404.*ctrl\+r retries"):
        await asyncio.to_thread(source.decide, "gw-apr-1", "approve", "", "alice")
    assert source.gateway is not None
    await source.gateway.poll_once()  # a 4xx is not retried on its own
    assert gateway.decisions == [] and source.gateway.deliverer.count() == 1
    assert await asyncio.to_thread(source.retry_undelivered) == "1 delivered"


async def test_non_gateway_approvals_and_sessions_behave_as_in_watch(store: Store, config: Config,
                                                                     gateway: ReferenceGateway) -> None:  # fmt: skip
    source = await _source(gateway, store, config)
    from overseer.store import lean

    with store.lean() as conn:
        hook_id = lean.create_approval(
            conn, session="hooked", call_id="h1", agent=None, task=None, tool="Bash",
            tool_input={"command": "ls"}, rule=None, verdict="ask", summary="ls", timeout_s=60,
        )  # fmt: skip
    text = await asyncio.to_thread(source.decide, hook_id, "approve", "", "alice")
    assert "delivered" not in text and gateway.decisions == []
    assert source.gateway is not None and source.gateway.deliverer.count() == 0


# ------------------------------------------------------------------ faults while running

#: (fault arguments, expected health state while it lasts)
FAULTS: dict[str, tuple[dict[str, Any], str]] = {
    "429 with Retry-After": (
        {"kind": "status", "status": 429, "retry_after": "1"},
        Health.RETRYING,
    ),
    "500": ({"kind": "status", "status": 500}, Health.RETRYING),
    "503": ({"kind": "status", "status": 503}, Health.RETRYING),
    "malformed JSON": ({"kind": "malformed"}, Health.RETRYING),
    "JSON of the wrong shape": ({"kind": "bad_shape"}, Health.RETRYING),
    "dropped mid-response": ({"kind": "drop"}, Health.RETRYING),
    "auth failure": ({"kind": "auth"}, Health.AUTH),
    "read timeout": ({"kind": "slow", "delay": 0.6}, Health.RETRYING),
}


@pytest.mark.parametrize("fault", list(FAULTS), ids=list(FAULTS))
async def test_each_fault_leaves_the_poller_running(fault: str, lite_store: Store, config: Config,
                                                    gateway: ReferenceGateway) -> None:  # fmt: skip
    arguments, expected = FAULTS[fault]
    gateway.add_events([start("s1"), *calls("s1", 1, 3), start("s2"), *calls("s2", 1, 2)])
    poller = make_poller(gateway, lite_store, config, page_limit=2,
                         timeout=httpx.Timeout(0.3, connect=1.0))  # fmt: skip
    task = asyncio.create_task(poller.run())
    await wait_for(lambda: stored(lite_store, "s2") == served(gateway, "s2"), what="first sync")
    gateway.inject(**arguments, path="/v1/", times=None)
    await wait_for(lambda: poller.health.state == expected, what=f"health {expected}")
    assert poller.health.text().startswith(
        expected if expected != Health.RETRYING else "retrying in"
    )
    # Events keep arriving while the gateway misbehaves...
    gateway.add_events([*calls("s1", 4, 3), *approval("s2", "apr-1", "c-7")])
    failing = poller.cycles
    await wait_for(lambda: poller.cycles > failing + 2, what="retries")
    assert not task.done()
    # ...and once it recovers, each is stored exactly once.
    gateway.clear_faults()
    await wait_for(lambda: poller.health.state == Health.OK, what="recovery")
    await wait_for(lambda: stored(lite_store, "s1") == served(gateway, "s1"), what="s1 caught up")
    await wait_for(lambda: stored(lite_store, "s2") == served(gateway, "s2"), what="s2 caught up")
    await wait_for(lambda: len(lite_store.pending_approvals()) == 1, what="approval")
    await stop(task, poller)


async def test_unreachable_then_back(
    lite_store: Store, config: Config, gateway: ReferenceGateway
) -> None:
    gateway.add_events([start("s1"), *calls("s1", 1, 2)])
    poller = make_poller(gateway, lite_store, config)
    task = asyncio.create_task(poller.run())
    await wait_for(lambda: stored(lite_store, "s1") == served(gateway, "s1"), what="first sync")
    gateway.stop()
    await wait_for(lambda: poller.health.state == Health.UNREACHABLE, what="unreachable")
    assert poller.health.text().startswith("unreachable · cannot connect · retrying in")
    gateway.add_events(calls("s1", 3, 2))
    gateway.start()
    await wait_for(lambda: poller.health.state == Health.OK, what="back")
    await wait_for(lambda: stored(lite_store, "s1") == served(gateway, "s1"), what="caught up")
    await stop(task, poller)


async def test_a_stuck_cursor_is_detected_reported_and_survived(lite_store: Store, config: Config,
                                                                gateway: ReferenceGateway) -> None:  # fmt: skip
    gateway.add_events([start("s1"), *calls("s1", 1, 1), start("s2")])
    poller = make_poller(gateway, lite_store, config)
    await poller.poll_once()
    gateway.inject("stuck_cursor", path="/v1/sessions/s1/events", times=None)
    gateway.add_events([*calls("s1", 2, 2), *calls("s2", 1, 2)])
    for _ in range(3):
        result = await poller.poll_once()
        assert result.ok  # the other sessions are polled normally
    assert stored(lite_store, "s2") == served(gateway, "s2")
    assert len(stored(lite_store, "s1")) == 3  # the looping page was never stored
    assert poller.health.state == Health.RETRYING
    assert "same cursor returned with new events (1 session)" in poller.health.text()
    reported = [p for p in lite_store.problems() if p.source.endswith(":s1")]
    assert len(reported) == 1 and "does not advance" in reported[0].reason
    gateway.clear_faults()
    task = asyncio.create_task(poller.run())
    await wait_for(lambda: stored(lite_store, "s1") == served(gateway, "s1"), what="s1 recovered")
    await wait_for(lambda: poller.health.state == Health.OK, what="ok")
    await stop(task, poller)


async def test_retry_after_is_honoured(
    lite_store: Store, config: Config, gateway: ReferenceGateway
) -> None:
    poller = make_poller(gateway, lite_store, config, max_retry_after=MAX_RETRY_AFTER)
    gateway.inject("status", status=429, retry_after="7")
    result = await poller.poll_once()
    assert (result.ok, result.error, result.delay) == (False, FetchError.RETRY, 7.0)
    assert poller.health.text() == "retrying in 7 s · HTTP 429 (rate limited)"
    gateway.inject("status", status=503, retry_after="Wed, 21 Oct 2015 07:28:00 GMT")
    result = await poller.poll_once()
    # A date in the past (or ``Retry-After: 0``): retry at the next poll, not in a busy loop.
    assert result.delay == poller.interval
    gateway.inject("status", status=429, retry_after="0")
    assert (await poller.poll_once()).delay == poller.interval
    assert (await poller.poll_once()).ok


async def test_a_long_retry_after_is_cut_to_the_bound_and_says_so(
    lite_store: Store, config: Config, gateway: ReferenceGateway
) -> None:
    poller = make_poller(gateway, lite_store, config, max_retry_after=MAX_RETRY_AFTER)
    gateway.inject("status", status=503, retry_after="600")
    result = await poller.poll_once()
    assert result.delay == MAX_RETRY_AFTER == 30.0
    assert poller.health.text() == (
        "retrying in 30 s · HTTP 503; Retry-After 10 min, capped at 30 s"
    )


def test_the_live_defaults() -> None:
    """A live console retries within LIVE_RETRY_CAP (about 5 s) whatever failed, except
    401/403; the outbox too."""
    backoff = Backoff(base=1.0, cap=LIVE_RETRY_CAP)
    long = Backoff(base=30.0, cap=300.0)
    for kind in (FetchError.RETRY, FetchError.UNREACHABLE, FetchError.MALFORMED, FetchError.STUCK):
        waits = [retry_delay(FetchError(kind, "x"), n, backoff=backoff, auth_backoff=long)[0]
                 for n in range(1, 30)]  # fmt: skip
        assert max(waits) <= LIVE_RETRY_CAP == 5.0
    auth = retry_delay(FetchError(FetchError.AUTH, "HTTP 401"), 1, backoff=backoff,
                       auth_backoff=long)  # fmt: skip
    assert auth[0] >= 15.0
    asked = FetchError(FetchError.RETRY, "HTTP 429", retry_after=12.0)
    assert retry_delay(asked, 1, backoff=backoff, auth_backoff=long) == (12.0, "HTTP 429")
    asked = FetchError(FetchError.RETRY, "HTTP 429", retry_after=86400.0 * 30)
    assert retry_delay(asked, 1, backoff=backoff, auth_backoff=long) == (
        30.0, "HTTP 429; Retry-After 30 d, capped at 30 s",
    )  # fmt: skip


async def test_delivery_backoff_is_short_for_outages_and_long_for_auth(
    lite_store: Store, config: Config, gateway: ReferenceGateway
) -> None:
    """The outbox's own retry waits: a 5xx at most LIVE_RETRY_CAP, a Retry-After as asked
    (bounded), a 401/403 long; and once the gateway answers again after failing, every failed
    delivery is tried at once whatever its wait."""
    gateway.add_events([start("s1"), *approval("s1", "apr-1", "c-1"),
                        *approval("s1", "apr-2", "c-2")])  # fmt: skip
    poller = GatewayPoller(
        gateway.url, store=lite_store, config=config, token=TOKEN, trust_env=False
    )  # fmt: skip (production backoffs)
    assert (await poller.poll_once()).ok
    deliverer = poller.deliverer

    def wait_after(fault: dict[str, Any]) -> float:
        gateway.inject(**fault, method="POST")
        seq = lite_store.read_approval("gw-apr-1")["decision_seq"]  # type: ignore[index]
        result = deliverer.deliver(seq)
        assert result.state == "failed", result.message
        due = deliverer.next_due()
        assert due is not None
        return due

    lite_store.decide("gw-apr-1", decision="approve", reason=None, operator="alice")
    for _ in range(6):
        assert wait_after({"kind": "status", "status": 503}) <= LIVE_RETRY_CAP
    assert 11.0 < wait_after({"kind": "status", "status": 429, "retry_after": "12"}) <= 12.0
    assert 29.0 < wait_after({"kind": "status", "status": 429, "retry_after": "900"}) <= 30.0
    assert wait_after({"kind": "status", "status": 403}) >= 15.0
    assert deliverer.deliver_due() == []  # its wait has not passed
    # The gateway fails, then answers again: the 403'd decision is retried at once.
    gateway.inject("status", status=503, times=1)
    assert not (await poller.poll_once()).ok
    assert (await poller.poll_once()).ok
    assert [d["id"] for d in gateway.decisions] == ["apr-1"]
    # A decision from another surface fails once while polls are healthy: the poll loop
    # wakes for its retry before the next interval.
    poller.interval = 60.0
    lite_store.decide("gw-apr-2", decision="deny", reason="not now", operator="alice")
    gateway.inject("status", status=503, method="POST")
    result = await poller.poll_once()
    assert result.ok and result.delay <= LIVE_RETRY_CAP
    await asyncio.sleep(result.delay)
    await poller.poll_once()
    assert [d["id"] for d in gateway.decisions] == ["apr-1", "apr-2"]
    deliverer.close()


def test_retry_after_forms() -> None:
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:20 GMT", now=1445412480.0) == 20.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_backoff_is_exponential_capped_and_jittered() -> None:
    backoff = Backoff(base=1.0, cap=30.0, jitter=0.5, rng=random.Random(1))
    delays = [backoff.delay(n) for n in range(1, 9)]
    for n, delay in enumerate(delays, start=1):
        ceiling = min(30.0, 2.0 ** (n - 1))
        assert ceiling / 2 <= delay <= ceiling
    assert len({round(d, 6) for d in delays[-3:]}) == 3  # capped, yet not in lockstep


async def test_the_token_never_leaks(store: Store, config: Config, gateway: ReferenceGateway,
                                     caplog: pytest.LogCaptureFixture) -> None:  # fmt: skip
    """Not in logs (httpx's included, at DEBUG), health texts, stored problems, decision
    messages, or anywhere in the database."""
    caplog.set_level(logging.DEBUG)
    gateway.add_events([start("s1"), *approval("s1", "apr-1", "c-1")])
    source = await _source(gateway, store, config)
    assert source.gateway is not None
    texts: list[str] = []
    for arguments in ({"kind": "auth"}, {"kind": "malformed"}, {"kind": "status", "status": 500},
                      {"kind": "drop"}):  # fmt: skip
        gateway.inject(**arguments)
        await source.gateway.poll_once()
        texts.append(source.gateway.health.text())
    gateway.inject("auth", method="POST")
    with pytest.raises(DecisionError) as failed:
        await asyncio.to_thread(source.decide, "gw-apr-1", "approve", "", "alice")
    texts.append(str(failed.value))
    assert "auth failed (HTTP 401)" in str(failed.value)
    texts.append(await asyncio.to_thread(source.retry_undelivered))
    snapshot = await asyncio.to_thread(source.snapshot)
    texts += list(snapshot.health.values()) + list(snapshot.health)
    texts += [f"{p.source} {p.reason} {p.excerpt}" for p in store.problems()]
    texts.append(caplog.text)
    texts.append(repr(source.gateway) + repr(source.gateway.deliverer))
    assert caplog.records, "expected some logging to check"
    for text in texts:
        assert TOKEN not in text
    if store.path is not None:
        with open(store.path, "rb") as handle:
            assert TOKEN.encode() not in handle.read()


async def test_wrong_token_is_auth_failed(
    store: Store, config: Config, gateway: ReferenceGateway
) -> None:
    poller = make_poller(gateway, store, config, token="wrong")
    result = await poller.poll_once()
    assert result.error == FetchError.AUTH
    assert poller.health.text().startswith("auth failed · HTTP 401 · retrying in")
    gateway.token = "wrong"  # the gateway's token rotated to what we hold
    assert (await poller.poll_once()).ok


async def test_pages_too_large_to_read_are_asked_smaller(lite_store: Store, config: Config,
                                                         gateway: ReferenceGateway) -> None:  # fmt: skip
    """A cap on answer size bounds memory; a session whose pages exceed it is read in smaller
    pages rather than given up on (only a single event over the cap is a Problem)."""
    gateway.add_events([start("s1"), *calls("s1", 1, 20)])
    poller = make_poller(gateway, lite_store, config, max_bytes=2_000)
    result = await poller.poll_once()
    assert result.ok and poller.health.text() == "ok"
    assert stored(lite_store, "s1") == served(gateway, "s1")
    gateway.add_event({"kind": "message", "session": "s1", "ts": "2026-03-02T10:00:00Z",
                       "role": "assistant", "text": "x" * 5_000})  # fmt: skip
    await poller.poll_once()
    assert poller.health.state == Health.RETRYING and "answer too large" in poller.health.text()
    [problem] = [p for p in lite_store.problems() if p.source.endswith(":s1")]
    assert "larger than the answer size limit" in problem.reason
