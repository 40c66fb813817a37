"""The reference gateway (the API contract as a server) and polling it into the store.

Real HTTP on 127.0.0.1 with a free port; the store on SQLite and PostgreSQL.
"""

# ruff: noqa: F811  (pytest fixtures imported from tests.gateway_support are parameters)

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from overseer.config import Config
from overseer.gateway import ReferenceGateway
from overseer.gateway.server import decode_cursor
from overseer.store.db import Store
from overseer.untrusted import is_clean
from tests.gateway_support import (  # noqa: F401  (fixtures)
    NATIVE,
    TOKEN,
    approval,
    calls,
    config,
    db,
    gateway,
    make_poller,
    rec,
    served,
    start,
    store,
    stored,
)

AUTH = {"Authorization": f"Bearer {TOKEN}"}


# ------------------------------------------------------------------ the reference server


def test_reference_gateway_speaks_the_contract(gateway: ReferenceGateway) -> None:
    gateway.add_events([start("s1", pid=4242, host="worker-1"), *calls("s1", 1, 3),
                        *approval("s1", "apr-1", "c-9")])  # fmt: skip
    with httpx.Client(base_url=gateway.url, headers=AUTH, trust_env=False) as http:
        sessions = http.get("/v1/sessions").json()["sessions"]
        assert [s["id"] for s in sessions] == ["s1"]
        assert {k: sessions[0][k] for k in ("agent", "task", "status", "cwd", "pid", "host")} == {
            "agent": "support-agent", "task": "triage", "status": "live", "cwd": "/srv/support",
            "pid": 4242, "host": "worker-1",
        }  # fmt: skip
        assert sessions[0]["started_at"]
        # Cursor paging: 9 events, pages of 4; the same cursor back means nothing new.
        seen, after = [], None
        for _ in range(5):
            params = {"limit": 4} | ({"after": after} if after else {})
            page = http.get("/v1/sessions/s1/events", params=params).json()
            seen += page["events"]
            if page["next_cursor"] == after:
                break
            after = page["next_cursor"]
        assert [e["kind"] for e in seen] == [e[0] for e in served(gateway, "s1")]
        assert after is not None and decode_cursor(after) == 9
        assert http.get("/v1/sessions/s1/events", params={"after": "???"}).status_code == 400
        assert http.get("/v1/sessions/nope/events").status_code == 404

        pending = http.get("/v1/approvals", params={"status": "pending"}).json()["approvals"]
        assert [(a["id"], a["session"], a["call_id"], a["status"]) for a in pending] == [
            ("apr-1", "s1", "c-9", "pending")
        ]
        body = {"decision": "deny", "reason": "too much", "operator": "alice"}
        first = http.post("/v1/approvals/apr-1/decision", json=body)
        assert (first.status_code, first.json()) == (200, {"id": "apr-1", "status": "denied"})
        again = http.post("/v1/approvals/apr-1/decision", json={**body, "operator": "bob"})
        assert again.status_code == 409
        assert again.json() == {
            "error": "already decided",
            "status": "denied",
            "decided_by": "alice",
        }
        assert http.get("/v1/approvals/apr-1").json()["status"] == "denied"
        assert (
            http.post("/v1/approvals/apr-1/decision", json={"decision": "maybe"}).status_code == 400
        )

        # An Idempotency-Key seen before replays the first answer, not a 409.
        gateway.add_events(approval("s1", "apr-2", "c-10"))
        key = {"Idempotency-Key": "k-1"}
        one = http.post("/v1/approvals/apr-2/decision", json=body, headers=key)
        two = http.post("/v1/approvals/apr-2/decision", json=body, headers=key)
        assert one.status_code == two.status_code == 200
        assert len(gateway.decisions) == 2

        killed = http.post("/v1/sessions/s1/kill", json={"reason": "runaway"})
        assert killed.json() == {"id": "s1", "status": "killed"}
        assert served(gateway, "s1")[-1] == ("session_end", None)
        assert gateway.sessions["s1"]["status"] == "killed"
        assert http.post("/v1/sessions/nope/kill", json={}).status_code == 404
    # No token, a wrong token: 401.
    with httpx.Client(base_url=gateway.url, trust_env=False) as anonymous:
        assert anonymous.get("/v1/sessions").status_code == 401
        wrong = anonymous.get("/v1/sessions", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401


def test_reference_gateway_serves_logs_live(tmp_path: Path) -> None:
    log = tmp_path / "agent.jsonl"
    log.write_text(json.dumps(start("live-1")) + "\n")
    with (
        ReferenceGateway([log]) as server,
        httpx.Client(base_url=server.url, trust_env=False) as http,
    ):
        assert [s["id"] for s in http.get("/v1/sessions").json()["sessions"]] == ["live-1"]
        with log.open("a") as handle:
            handle.write(json.dumps(calls("live-1", 1, 1)[0]) + "\n")
            handle.write('{"kind": "tool_result", "sess')  # not finished yet: not served
        events = http.get("/v1/sessions/live-1/events").json()["events"]
        assert [e["kind"] for e in events] == ["session_start", "tool_call"]


def test_log_settles_replayed_approvals(tmp_path: Path) -> None:
    """A replayed log whose approval was answered (a result follows) leaves nothing pending."""
    with (
        ReferenceGateway(NATIVE) as server,
        httpx.Client(base_url=server.url, trust_env=False) as http,
    ):
        assert http.get("/v1/approvals", params={"status": "pending"}).json()["approvals"] == []
        assert http.get("/v1/approvals/apr-19").json()["status"] == "denied"


# ------------------------------------------------------------------ polling into the store


async def test_sessions_and_events_appear_in_the_store(store: Store, config: Config) -> None:
    with ReferenceGateway(NATIVE, token=TOKEN) as server:
        poller = make_poller(server, store, config, page_limit=4)
        first = await poller.poll_once()
        assert first.ok and poller.health.text() == "ok"
        for sid in ("sup-7f3a", "etl-2026-03-02"):
            assert stored(store, sid) == served(server, sid), sid
        summary = store.get_session("sup-7f3a")
        assert summary is not None
        assert (summary.agent, summary.task, summary.status, summary.cwd) == (
            "support-agent", "triage", "ended", "/srv/support",
        )  # fmt: skip
        # The hostile log's bad records are Problems, not events, and never crash anything.
        hostile = [p for p in store.problems() if p.source.endswith(":hostile-1")]
        assert hostile and all(p.line for p in hostile)
        for event in store.session_events("hostile-1"):
            for key in ("summary", "input_display", "output_display"):
                assert is_clean(event[key]), (key, event[key])
        count = sum(s.events for s in store.list_sessions())
        again = await poller.poll_once()
        assert again.ok and again.events == 0
        assert sum(s.events for s in store.list_sessions()) == count


async def test_a_restarted_poller_resumes_at_the_committed_cursor(store: Store, config: Config,
                                                                   gateway: ReferenceGateway) -> None:  # fmt: skip
    gateway.add_events([start("s1"), *calls("s1", 1, 5)])
    await make_poller(gateway, store, config, page_limit=3).poll_once()
    gateway.add_events(calls("s1", 6, 2))
    fetched_before = gateway.count("GET", "/v1/sessions/s1/events")
    restarted = make_poller(gateway, store, config, page_limit=3)
    result = await restarted.poll_once()
    assert result.events == 4
    assert stored(store, "s1") == served(gateway, "s1")
    # It asked from the committed cursor: 4 new events in pages of 3, then "nothing new".
    assert gateway.count("GET", "/v1/sessions/s1/events") - fetched_before == 3
    saved = store.load_offset(f"gateway:{restarted.endpoint}:s1")
    assert saved is not None and saved[0] == 15 and decode_cursor(saved[1]["cursor"]) == 15


async def test_remote_pid_is_never_a_local_pid(store: Store, config: Config,
                                               gateway: ReferenceGateway) -> None:  # fmt: skip
    """The gateway's pid belongs to a process on its side: `overseer kill` must never signal
    whatever local process has that number."""
    gateway.add_events([start("s1", pid=1, host="localhost")])
    await make_poller(gateway, store, config).poll_once()
    summary = store.get_session("s1")
    assert summary is not None and summary.pid is None
    assert store.session_events("s1")[0]["extra"]["gateway_pid"] == 1


async def test_untrusted_streams(store: Store, config: Config, gateway: ReferenceGateway) -> None:
    """Events that name another session, are not objects or carry escapes: Problems or
    neutralised, never raw on screen, never stored under someone else's session."""
    gateway.add_events([start("s1"), start("victim")])
    hostile: list[Any] = [
        {"kind": "tool_call", "session": "victim", "ts": "2026-03-02T10:00:00Z", "call_id": "x",
         "tool": "Bash", "input": {"command": "rm -rf /"}},
        ["not", "an", "object"],
        {"kind": "tool_call", "ts": "2026-03-02T10:00:01Z", "call_id": "esc", "tool": "Bash",
         "input": {"command": "echo \x1b]52;c;ZXZpbA==\x07 \u202eevil"}},
    ]  # fmt: skip
    gateway.events["s1"].extend(hostile)
    result = await make_poller(gateway, store, config).poll_once()
    assert result.ok
    assert stored(store, "victim") == [("session_start", None)]
    assert stored(store, "s1") == [("session_start", None), ("tool_call", "esc")]
    call = store.session_events("s1", kinds=["tool_call"])[0]
    assert is_clean(call["summary"]) and "\x1b" not in call["summary"]
    reasons = {p.reason for p in store.problems()}
    assert "event names another session than the stream it came in" in reasons
    assert "event is not a JSON object" in reasons


async def test_hostile_session_ids(store: Store, config: Config, gateway: ReferenceGateway) -> None:
    weird = "s/../approvals?x=1\x1b[31m"
    gateway.add_events([start(weird), *calls(weird, 1, 1)])
    gateway.sessions["x" * 600] = {"id": "x" * 600}
    gateway._order.append("x" * 600)
    gateway.events["x" * 600] = []
    result = await make_poller(gateway, store, config).poll_once()
    assert result.ok
    [session] = [s for s in store.list_sessions()]
    assert "\x1b" not in session.id and is_clean(session.id)
    assert [k for k, _ in stored(store, session.id)] == [
        "session_start",
        "tool_call",
        "tool_result",
    ]


async def test_pending_approvals_are_mirrored(store: Store, config: Config,
                                              gateway: ReferenceGateway) -> None:  # fmt: skip
    gateway.add_events([start("s1"), *approval("s1", "apr-1", "c-1")])
    poller = make_poller(gateway, store, config)
    await poller.poll_once()
    [pending] = store.pending_approvals()
    assert (pending["id"], pending["session"], pending["call_id"], pending["origin"]) == (
        "gw-apr-1", "s1", "c-1", "gateway",
    )  # fmt: skip
    assert pending["verdict"] == "ask" and pending["rule"] == "mcp__stripe__create_refund"
    assert pending["agent"] == "support-agent"
    assert pending["input"] == {"customer": "cus_Q8x1", "amount": 4200, "currency": "eur"}
    await poller.poll_once()  # seen again: not duplicated
    assert len(store.pending_approvals()) == 1
    # The timeline shows the call waiting.
    [call] = store.timeline("s1")
    assert call.approval_status == "pending"


async def test_approvals_settled_on_the_gateway_are_recorded(store: Store, config: Config,
                                                             gateway: ReferenceGateway) -> None:  # fmt: skip
    gateway.add_events([start("s1"), *approval("s1", "apr-1", "c-1"), *approval("s1", "apr-2", "c-2"),
                        *approval("s1", "apr-3", "c-3")])  # fmt: skip
    poller = make_poller(gateway, store, config)
    await poller.poll_once()
    assert len(store.pending_approvals()) == 3
    # Decided on another console (bob), and expired, on the gateway itself.
    with httpx.Client(base_url=gateway.url, headers=AUTH, trust_env=False) as http:
        http.post("/v1/approvals/apr-1/decision", json={"decision": "approve", "operator": "bob"})
    gateway.approvals["apr-2"].update(status="expired", decided_by="gateway timeout")
    del gateway.approvals["apr-3"]  # forgotten: the gateway will not say
    await poller.poll_once()
    assert store.pending_approvals() == []
    one, two, three = (store.read_approval(f"gw-apr-{n}") for n in (1, 2, 3))
    assert one and two and three
    assert (one["status"], one["decided_by"]) == ("approved", f"bob (via {poller.name})")
    assert two["status"] == "timed_out"
    assert three["status"] == "errored"
    rows = store.decisions()
    assert [r["action"] for r in rows] == ["decided_elsewhere"] * 3
    assert store.verify().ok
    # Nothing of this is ours to deliver.
    assert poller.deliverer.undelivered() == []


@pytest.mark.parametrize("remote_id", ["apr 1/../x", "a" * 300])
async def test_unusual_approval_ids_get_a_safe_local_id(store: Store, config: Config,
                                                        gateway: ReferenceGateway, remote_id: str) -> None:  # fmt: skip
    gateway.add_events([start("s1"), *approval("s1", remote_id, "c-1")])
    poller = make_poller(gateway, store, config)
    await poller.poll_once()
    [pending] = store.pending_approvals()
    assert pending["id"].startswith("gw-") and len(pending["id"]) == 19
    assert poller.owns_approval(pending["id"]) == remote_id
