"""Shared pieces of the gateway, poll and Langfuse tests: a real reference gateway on
127.0.0.1 (a free port), a store on SQLite and PostgreSQL, fast pollers, native records.

Imported by ``tests/test_gateway*.py``, ``tests/test_poll*.py``, ``tests/test_langfuse*.py``.
Nothing here mocks the server: the pollers speak HTTP to a listening socket.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import secrets
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from overseer.config import Config, load_config
from overseer.gateway import ReferenceGateway
from overseer.sources.poll import Backoff, GatewayPoller
from overseer.store import open_store
from overseer.store.db import Store
from tests.store_support import db as db  # the fixture, re-exported

ROOT = Path(__file__).resolve().parent.parent
NATIVE = sorted((ROOT / "fixtures" / "native").glob("*.jsonl"))
#: Random per run, so a test that finds it anywhere found a real leak.
TOKEN = "gw-tok-" + secrets.token_hex(16)
T0 = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)
_clock = itertools.count()


def fast(**overrides: Any) -> dict[str, Any]:
    """Poller settings for tests: millisecond backoffs and polls, short timeouts, no proxies
    from the environment (the server is on loopback)."""
    settings: dict[str, Any] = {
        "interval": 0.02,
        "backoff": Backoff(base=0.01, cap=0.05, rng=random.Random(7)),
        "auth_backoff": Backoff(base=0.01, cap=0.05, rng=random.Random(8)),
        "timeout": httpx.Timeout(3.0, connect=1.0),
        "max_retry_after": 0.05,
        "trust_env": False,
    }
    settings.update(overrides)
    return settings


@pytest.fixture
def config() -> Config:
    return load_config(str(ROOT / "config.toml"))


@pytest.fixture
def store(db: str) -> Iterator[Store]:
    handle = open_store(db)
    yield handle
    handle.close()


@pytest.fixture
def lite_store(tmp_path: Path) -> Iterator[Store]:
    """SQLite only: for tests about HTTP behaviour, where a second database adds time and
    no coverage (the store paths are exercised on both by the ``store`` tests)."""
    handle = open_store(str(tmp_path / "store" / "overseer.db"))
    yield handle
    handle.close()


@pytest.fixture
def gateway() -> Iterator[ReferenceGateway]:
    with ReferenceGateway(token=TOKEN) as server:
        yield server


def make_poller(server: ReferenceGateway, store: Store, config: Config, **kw: Any) -> GatewayPoller:
    settings = fast(redeliver_backoff=Backoff(base=0.01, cap=0.05, rng=random.Random(9)))
    settings.update(kw)
    token = settings.pop("token", TOKEN)
    return GatewayPoller(server.url, store=store, config=config, token=token, **settings)


def ts(seconds: float | None = None) -> str:
    """RFC 3339 times that increase from record to record."""
    moment = T0 + timedelta(seconds=next(_clock) if seconds is None else seconds)
    return moment.isoformat().replace("+00:00", "Z")


def rec(kind: str, session: str, **fields: Any) -> dict[str, Any]:
    return {"kind": kind, "session": session, "ts": ts(), **fields}


def start(session: str, agent: str = "support-agent", **fields: Any) -> dict[str, Any]:
    return rec("session_start", session, agent=agent, task="triage", cwd="/srv/support", **fields)


def calls(
    session: str, first: int, count: int, tool: str = "mcp__kb__search"
) -> list[dict[str, Any]]:
    """``count`` calls with their results, call ids ``c-<first>``…"""
    out = []
    for n in range(first, first + count):
        out.append(rec("tool_call", session, call_id=f"c-{n}", tool=tool, input={"query": f"q{n}"}))
        out.append(rec("tool_result", session, call_id=f"c-{n}", output=f"answer {n}"))
    return out


def approval(
    session: str, approval_id: str, call_id: str, tool: str = "mcp__stripe__create_refund"
) -> list[dict[str, Any]]:
    """A gated call: the call, then the agent's gate asking for a human."""
    args = {"customer": "cus_Q8x1", "amount": 4200, "currency": "eur"}
    return [
        rec("tool_call", session, call_id=call_id, tool=tool, input=args),
        rec("approval_request", session, approval_id=approval_id, call_id=call_id, tool=tool,
            input=args, reason="refunds above 20 EUR need a human"),
    ]  # fmt: skip


def stored(store: Store, session: str) -> list[tuple[str, str | None]]:
    """A session's events in the store as (kind, call_id), in order."""
    return [(e["kind"], e["call_id"]) for e in store.session_events(session, limit=100_000)]


def served(server: ReferenceGateway, session: str) -> list[tuple[str, str | None]]:
    """What the gateway holds for a session, as (kind, call_id)."""
    return [(r["kind"], r.get("call_id")) for r in server.events[session]]


async def wait_for(predicate: Callable[[], Any], *, timeout: float = 15.0, what: str = "") -> Any:
    """Poll ``predicate`` until truthy. ``timeout`` only bounds a failing test (it is never
    what a test measures)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while True:
        value = await asyncio.to_thread(predicate)
        if value:
            return value
        if loop.time() > end:
            raise AssertionError(f"timed out waiting for {what or predicate}")
        await asyncio.sleep(0.02)


async def stop(task: asyncio.Task[Any], poller: GatewayPoller | Any) -> None:
    """Stop a running poller and surface anything it raised."""
    assert not task.done(), "the poller stopped by itself"
    poller.stop()
    await asyncio.wait_for(task, timeout=10)
