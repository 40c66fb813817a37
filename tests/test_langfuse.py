"""Langfuse as a read-only source, against a loopback server answering Langfuse-shaped pages.

The server below speaks the Observations API v2 as documented (``GET
/api/public/v2/observations``: basic auth with the project's public/secret keys, ``type``,
``fields`` groups, ``fromStartTime``, ``limit``, and ``meta.cursor`` present until the last
page). It is real HTTP on 127.0.0.1 and a free port; nothing is mocked in the poller.
"""

# ruff: noqa: F811  (pytest fixtures imported from tests.gateway_support are parameters)

from __future__ import annotations

import asyncio
import base64
import json
import logging
import secrets
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from overseer.config import Config, parse_config
from overseer.sources.langfuse import LangfusePoller, keys_from_env
from overseer.sources.poll import FetchError, Health, observe_only_sessions
from overseer.store import lean
from overseer.store.db import Store
from overseer.tui.data import DecisionError
from overseer.tui.gateway_source import GatewaySource
from overseer.untrusted import is_clean
from tests.gateway_support import config, db, fast, stop, store, stored, wait_for  # noqa: F401

PUBLIC = "pk-lf-" + secrets.token_hex(8)
SECRET = "sk-lf-" + secrets.token_hex(16)
GROUPS: dict[str, tuple[str, ...]] = {
    "core": ("id", "traceId", "startTime", "endTime", "projectId", "parentObservationId", "type"),
    "basic": (
        "name",
        "level",
        "statusMessage",
        "version",
        "environment",
        "bookmarked",
        "public",
        "userId",
        "sessionId",
    ),
    "io": ("input", "output"),
}


class LangfuseServer:
    """Langfuse-shaped pages over real HTTP (module docstring). ``faults`` holds the next
    misbehaviours: ``"stuck"`` (the cursor asked for comes back), ``"500"``, ``"malformed"``."""

    def __init__(self) -> None:
        self.observations: list[dict[str, Any]] = []
        self.queries: list[dict[str, list[str]]] = []
        self.faults: list[str] = []
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                status, body = outer.answer(self.path, self.headers.get("Authorization"))
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def answer(self, path: str, authorization: str | None) -> tuple[int, Any]:
        url = urlsplit(path)
        expected = "Basic " + base64.b64encode(f"{PUBLIC}:{SECRET}".encode()).decode()
        if authorization != expected:
            return 401, {"message": "Invalid credentials"}
        if url.path != "/api/public/v2/observations":
            return 404, {"message": "not found"}
        query = parse_qs(url.query)
        with self.lock:
            self.queries.append(query)
            fault = self.faults.pop(0) if self.faults else None
            if fault == "500":
                return 500, {"message": "internal"}
            if fault == "malformed":
                return 200, b'{"data": [{"id": '
            wanted = query.get("type", [None])[0]
            since = query.get("fromStartTime", [None])[0]
            rows = sorted(
                (o for o in self.observations
                 if (wanted is None or o["type"] == wanted)
                 and (since is None or o["startTime"] >= since)),
                key=lambda o: (o["startTime"], o["id"]),
            )  # fmt: skip
        cursor = query.get("cursor", [None])[0]
        offset = int(base64.b64decode(cursor).decode().split(":")[1]) if cursor else 0
        limit = int(query.get("limit", ["50"])[0])
        fields = query.get("fields", ["core,basic"])[0].split(",")
        keep = {key for group in fields for key in GROUPS.get(group, ())} | set(GROUPS["core"])
        page = [{k: v for k, v in o.items() if k in keep} for o in rows[offset : offset + limit]]
        meta: dict[str, Any] = {}
        if offset + limit < len(rows):
            meta["cursor"] = base64.b64encode(f"o:{offset + limit}".encode()).decode()
        if fault == "stuck" and cursor:
            meta["cursor"] = cursor
        return 200, {"data": page, "meta": meta}

    def add(self, oid: str, start: str, *, end: str | None = "auto", session: str | None = "sess-a",
            trace: str = "trace-1", kind: str = "TOOL", **fields: Any) -> dict[str, Any]:  # fmt: skip
        observation = {
            "id": oid, "traceId": trace, "type": kind, "startTime": start,
            "endTime": start.replace("Z", "").rstrip("0") + "5Z" if end == "auto" else end,
            "projectId": "p1", "parentObservationId": None, "name": "get_weather",
            "level": "DEFAULT", "statusMessage": None, "sessionId": session, "userId": "u1",
            "environment": "default", "input": {"city": "Oslo"}, "output": {"temp": 4},
        }  # fmt: skip
        observation.update(fields)
        with self.lock:
            self.observations = [o for o in self.observations if o["id"] != oid]
            self.observations.append(observation)
        return observation


@pytest.fixture
def langfuse() -> Iterator[LangfuseServer]:
    server = LangfuseServer()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


def make(server: LangfuseServer, store: Store, config: Config, **kw: Any) -> LangfusePoller:
    settings = fast(page_limit=2)
    settings.update(kw)
    keys: dict[str, Any] = {"public_key": PUBLIC, "secret_key": SECRET}
    keys.update({k: settings.pop(k) for k in ("public_key", "secret_key") if k in settings})
    return LangfusePoller(server.url, store=store, config=config, since=10 * 365 * 86400.0,
                          **keys, **settings)  # fmt: skip


def _seed(server: LangfuseServer) -> None:
    server.add("o1", "2026-03-02T09:00:01.000Z")
    server.add("o2", "2026-03-02T09:00:02.000Z", input='{"city": "Bergen"}')
    server.add("o3", "2026-03-02T09:00:03.000Z", level="ERROR", output=None,
               statusMessage="weather API down", name="get_forecast")  # fmt: skip
    server.add("o4", "2026-03-02T09:00:04.000Z", session="sess-b", name="send_email",
               input="hello \x1b[31mred\x1b[0m")  # fmt: skip
    server.add("o5", "2026-03-02T09:00:05.000Z", session=None, trace="trace-9")
    server.add("g1", "2026-03-02T09:00:06.000Z", kind="GENERATION", name="gpt")


async def test_tool_observations_become_tool_calls(store: Store, config: Config,
                                                   langfuse: LangfuseServer) -> None:  # fmt: skip
    _seed(langfuse)
    poller = make(langfuse, store, config)
    result = await poller.poll_once()
    assert result.ok and poller.health.text() == "ok"
    pairs = [("tool_call", "o1"), ("tool_result", "o1"), ("tool_call", "o2"), ("tool_result", "o2"),
             ("tool_call", "o3"), ("tool_result", "o3")]  # fmt: skip
    assert stored(store, "lf:sess-a") == pairs
    assert stored(store, "lf:sess-b") == [("tool_call", "o4"), ("tool_result", "o4")]
    assert stored(store, "lf:trace-9") == [("tool_call", "o5"), ("tool_result", "o5")]
    assert stored(store, "lf:trace-1") == []  # the GENERATION is not a tool call
    # Every request: type=TOOL, with the io group, paged by cursor (3 pages of 2).
    assert all(
        q["type"] == ["TOOL"] and "io" in q["fields"][0].split(",") for q in langfuse.queries
    )
    assert [("cursor" in q) for q in langfuse.queries] == [False, True, True]
    calls = {e["call_id"]: e for e in store.session_events("lf:sess-a", kinds=["tool_call"])}
    assert calls["o2"]["input"] == {"city": "Bergen"}  # JSON text input parsed
    assert calls["o1"]["tool"] == "get_weather" and calls["o1"]["extra"]["trace_id"] == "trace-1"
    failed = store.timeline("lf:sess-a")[2]
    assert failed.status == "error" and "weather API down" in failed.output_display
    email = store.session_events("lf:sess-b", kinds=["tool_call"])[0]
    assert "\x1b" not in email["summary"] and is_clean(email["input_display"])
    # Langfuse sessions are observe only, with the reason.
    reasons = observe_only_sessions(store)
    assert set(reasons) == {"lf:sess-a", "lf:sess-b", "lf:trace-9"}
    assert reasons["lf:sess-a"].startswith("observe only: traced by Langfuse")


async def test_incremental_polls_store_each_observation_once(store: Store, config: Config,
                                                             langfuse: LangfuseServer) -> None:  # fmt: skip
    langfuse.add("o1", "2026-03-02T09:00:01.000Z")
    langfuse.add("o2", "2026-03-02T09:00:02.000Z", end=None, output=None)  # still running
    poller = make(langfuse, store, config, lookback=0.0)
    await poller.poll_once()
    assert stored(store, "lf:sess-a") == [
        ("tool_call", "o1"),
        ("tool_result", "o1"),
        ("tool_call", "o2"),
    ]
    [running] = [c for c in store.timeline("lf:sess-a") if c.call_id == "o2"]
    assert running.status == "pending"
    # The next traversal starts at the open observation, so its end is not missed.
    await poller.poll_once()
    assert langfuse.queries[-1]["fromStartTime"] == ["2026-03-02T09:00:02.000Z"]
    langfuse.add("o2", "2026-03-02T09:00:02.000Z", end="2026-03-02T09:00:09.000Z")
    langfuse.add("o3", "2026-03-02T09:00:03.000Z")
    for _ in range(3):
        await poller.poll_once()
    assert stored(store, "lf:sess-a") == [
        ("tool_call", "o1"), ("tool_result", "o1"), ("tool_call", "o2"), ("tool_call", "o3"),
        ("tool_result", "o3"), ("tool_result", "o2"),
    ]  # fmt: skip
    # Nothing open any more: the watermark moves on (lookback 0 → the latest start).
    assert langfuse.queries[-1]["fromStartTime"] == ["2026-03-02T09:00:03.000Z"]
    # A restarted poller resumes from the committed state and stores nothing twice.
    again = make(langfuse, store, config, lookback=0.0)
    assert (await again.poll_once()).events == 0
    assert len(stored(store, "lf:sess-a")) == 6


async def test_runs_and_survives_faults(
    store: Store, config: Config, langfuse: LangfuseServer
) -> None:
    _seed(langfuse)
    poller = make(langfuse, store, config)
    task = asyncio.create_task(poller.run())
    await wait_for(lambda: len(stored(store, "lf:sess-a")) == 6, what="first traversal")
    for fault, shown in (("500", "HTTP 500"), ("malformed", "malformed JSON")):
        langfuse.faults.extend([fault] * 3)
        await wait_for(lambda s=shown: s in poller.health.text(), what=shown)  # type: ignore[misc]
        await wait_for(lambda: poller.health.state == Health.OK, what="recovered")
    problems = [p for p in store.problems() if p.source.startswith("langfuse:")]
    assert len(problems) == 1 and "malformed JSON" in problems[0].reason
    langfuse.add("o9", "2026-03-02T09:00:09.000Z", session="sess-c")
    await wait_for(lambda: stored(store, "lf:sess-c") == [("tool_call", "o9"), ("tool_result", "o9")],
                   what="new observation")  # fmt: skip
    await stop(task, poller)
    assert len(stored(store, "lf:sess-a")) == 6


async def test_a_stuck_cursor_is_caught(
    store: Store, config: Config, langfuse: LangfuseServer
) -> None:
    _seed(langfuse)
    poller = make(langfuse, store, config)
    langfuse.faults.extend([None, "stuck"])  # type: ignore[list-item]
    result = await poller.poll_once()
    assert (result.ok, result.error) == (False, FetchError.STUCK)
    assert (
        poller.health.text().startswith("retrying in")
        and "cursor does not advance" in poller.health.text()
    )
    assert (await poller.poll_once()).ok
    assert len(stored(store, "lf:sess-a")) == 6


async def test_wrong_keys_are_auth_failed_and_keys_never_leak(store: Store, config: Config,
                                                              langfuse: LangfuseServer,
                                                              caplog: pytest.LogCaptureFixture) -> None:  # fmt: skip
    caplog.set_level(logging.DEBUG)
    _seed(langfuse)
    wrong = make(langfuse, store, config, secret_key="sk-lf-wrong")
    result = await wrong.poll_once()
    assert result.error == FetchError.AUTH
    assert wrong.health.state == Health.AUTH
    right = make(langfuse, store, config)
    assert (await right.poll_once()).ok
    texts = [wrong.health.text(), right.health.text(), caplog.text, repr(right)]
    texts += [f"{p.source} {p.reason} {p.excerpt}" for p in store.problems()]
    for text in texts:
        assert SECRET not in text and PUBLIC not in text
    assert caplog.records
    if store.path is not None:
        with open(store.path, "rb") as handle:
            data = handle.read()
        assert SECRET.encode() not in data and PUBLIC.encode() not in data


async def test_langfuse_sessions_cannot_be_decided_or_killed(store: Store, config: Config,
                                                            langfuse: LangfuseServer) -> None:  # fmt: skip
    _seed(langfuse)
    poller = make(langfuse, store, config)
    await poller.poll_once()
    source = GatewaySource(store, config, langfuse=poller)
    snapshot = await asyncio.to_thread(source.snapshot)
    flags = {row.session: row.observe_only for row in snapshot.sessions}
    assert flags == {"lf:sess-a": True, "lf:sess-b": True, "lf:trace-9": True}
    assert snapshot.health == {poller.name: "ok"}
    with pytest.raises(DecisionError, match="observe only: traced by Langfuse"):
        await asyncio.to_thread(source.kill, "lf:sess-a", "stop", "alice")
    with store.lean() as conn:  # however an approval got there, it cannot be answered here
        approval_id = lean.create_approval(
            conn, session="lf:sess-a", call_id="o1", agent=None, task=None, tool="get_weather",
            tool_input={}, rule=None, verdict="ask", summary="", timeout_s=60,
        )  # fmt: skip
    with pytest.raises(DecisionError, match="observe only"):
        await asyncio.to_thread(source.decide, approval_id, "approve", "", "alice")
    with pytest.raises(DecisionError, match="observe only"):
        await asyncio.to_thread(source.grant_for_session, approval_id, "", "alice")
    assert store.read_approval(approval_id)["status"] == "pending"  # type: ignore[index]
    assert store.get_session("lf:sess-a").status != "killed"  # type: ignore[union-attr]


def test_keys_come_from_the_environment_only() -> None:
    default = parse_config("")
    env = {"LANGFUSE_PUBLIC_KEY": "pk", "LANGFUSE_SECRET_KEY": "sk", "TEAM_PK": "pk2"}
    assert keys_from_env(default, env) == ("LANGFUSE_PUBLIC_KEY", "LANGFUSE_SECRET_KEY", "pk", "sk")
    named = parse_config('[langfuse]\npublic_key_env = "TEAM_PK"\nsecret_key_env = "TEAM_SK"\n')
    assert keys_from_env(named, env) == ("TEAM_PK", "TEAM_SK", "pk2", None)


async def test_match_source_gives_langfuse_sessions_an_agent(store: Store,
                                                             langfuse: LangfuseServer) -> None:  # fmt: skip
    """Traces name no overseer agent; a ``match.source`` rule on ``langfuse:*`` claims them."""
    claimed = parse_config(
        '[agents.weather-bot]\nowner = "ops@example.com"\nautonomy = "autonomous"\n'
        'default_task = "forecast"\nmatch = { source = ["langfuse:*"] }\n'
        '[agents.weather-bot.tasks.forecast]\nallow = ["get_weather"]\n'
    )
    _seed(langfuse)
    await make(langfuse, store, claimed).poll_once()
    calls = {c.call_id: c for c in store.timeline("lf:sess-a")}
    assert (calls["o1"].agent, calls["o1"].verdict) == ("weather-bot", "allow")
    assert calls["o3"].verdict != "allow"  # get_forecast is not in its scope
