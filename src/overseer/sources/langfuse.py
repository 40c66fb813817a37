"""Langfuse as a read-only source: tool observations become tool calls on the timelines.

``GET /api/public/v2/observations?type=TOOL&fields=core,basic,io`` with HTTP basic auth
(public key as user, secret key as password) and cursor paging (``meta.cursor``; keep
requesting until it is absent — a page may be short or empty while a cursor is present).
See ``docs/gateway-api.md`` for the sources this relies on.

Why it is shaped this way:

* **Read-only, observe only.** Langfuse sees traces after the fact; it cannot stop a call.
  Its sessions are recorded in ``poll_sessions`` as ``kind = "langfuse"`` and the app
  disables approve/kill on them with that reason (:func:`overseer.sources.poll.
  observe_only_sessions`).
* **Incremental without an "updated since" filter.** Each pass is a full cursor traversal of
  the observations that *started* after a watermark. The watermark is the earliest start of
  an observation still open (no ``endTime`` yet: its result is still to come) or the latest
  start seen minus ``lookback`` (Langfuse may index late), whichever is earlier; observations
  open for longer than ``open_horizon`` are given up on. The traversal position (cursor,
  watermark, open set) is committed with each page, in the same transaction as its events.
* **Seen twice, stored once.** Re-reading the overlap is harmless: calls and results already
  in the store are dropped *before* the engine sees them (so a burst detector never counts a
  call twice), and the store dedupes on (session, kind, call_id) anyway.
* **One parser.** Each observation is rewritten as native ``tool_call``/``tool_result``
  records and fed to the native parser, which neutralises every display field.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
import sqlalchemy as sa

from overseer.config import Config
from overseer.model import Event, Problem
from overseer.sources.formats import BaseParser, make_parser
from overseer.sources.formats._common import BadRecord, excerpt, ident, parse_ts
from overseer.sources.poll import (
    _EVENTS,
    MAX_CURSOR,
    POLL_SESSIONS,
    CycleResult,
    FetchError,
    PollerBase,
    _insert,
)
from overseer.store import utc_text
from overseer.store.db import Store

OBSERVATIONS_PATH = "/api/public/v2/observations"
#: Session ids on the timelines: a Langfuse session (or trace) ``X`` is ``lf:X``, so it can
#: never merge with a hooked or tailed session of the same id (which overseer does control).
SESSION_PREFIX = "lf:"


def keys_from_env(
    config: Config, environ: Mapping[str, str]
) -> tuple[str, str, str | None, str | None]:
    """``(public var, secret var, public key, secret key)``: the variables named in
    ``[langfuse]`` (``public_key_env``/``secret_key_env``), by default ``LANGFUSE_PUBLIC_KEY``
    and ``LANGFUSE_SECRET_KEY``. Keys never come from the config file itself."""
    public_var = str(config.langfuse.get("public_key_env") or "LANGFUSE_PUBLIC_KEY")
    secret_var = str(config.langfuse.get("secret_key_env") or "LANGFUSE_SECRET_KEY")
    return public_var, secret_var, environ.get(public_var) or None, environ.get(secret_var) or None


class LangfusePoller(PollerBase):
    """Polls one Langfuse project's tool observations (module docstring)."""

    kind = "langfuse"

    def __init__(
        self,
        url: str,
        *,
        store: Store,
        config: Config,
        public_key: str,
        secret_key: str,
        page_limit: int = 100,
        max_pages: int = 50,
        lookback: float = 120.0,
        open_horizon: float = 3600.0,
        since: float = 24 * 3600.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(url, store=store, config=config, **kwargs)
        self._basic = httpx.BasicAuth(public_key, secret_key)
        self.page_limit = page_limit
        self.max_pages = max_pages
        self.lookback = lookback
        self.open_horizon = open_horizon
        self.since = since
        self.source = f"langfuse:{self.endpoint}"
        self._parser: BaseParser = make_parser("native", self.source)
        self._state: dict[str, Any] | None = None
        self._offset = 0
        self._known_sessions: set[str] = set()

    def _auth(self) -> httpx.Auth | None:
        return self._basic

    # -- state

    async def _load(self) -> dict[str, Any]:
        if self._state is None:
            saved = await asyncio.to_thread(self.store.load_offset, self.source)
            state: dict[str, Any] = {}
            if saved is not None:
                self._offset, raw, _identity = saved
                state = raw if isinstance(raw, dict) else {}
            if not isinstance(state.get("from"), str) and state.get("from") is not None:
                state["from"] = None
            if "from" not in state:
                start = datetime.now(UTC) - timedelta(seconds=self.since)
                state["from"] = _iso(start)
            state.setdefault("cursor", None)
            state.setdefault("max_start", None)
            if not isinstance(state.get("open"), dict):
                state["open"] = {}
            self._state = state
        return self._state

    # -- one cycle

    async def _cycle(self, client: httpx.AsyncClient) -> CycleResult:
        state = await self._load()
        result = CycleResult(ok=True)
        seen: set[str | None] = {state["cursor"]}
        for _page in range(self.max_pages):
            current = self._state  # each committed page replaces it
            assert current is not None
            state = current
            params: dict[str, Any] = {
                "type": "TOOL", "fields": "core,basic,io", "limit": self.page_limit,
            }  # fmt: skip
            if state["from"]:
                params["fromStartTime"] = state["from"]
            if state["cursor"]:
                params["cursor"] = state["cursor"]
            try:
                data = await self._get(client, OBSERVATIONS_PATH, params)
            except FetchError as exc:
                if exc.kind == FetchError.REJECTED and state["cursor"]:
                    state["cursor"] = None  # an expired cursor: start this traversal again
                elif exc.kind == FetchError.MALFORMED:
                    await self._problem(f"Langfuse sent {exc.detail}", exc.body)
                raise
            rows = data.get("data") if isinstance(data, dict) else None
            meta = data.get("meta") if isinstance(data, dict) else None
            cursor = meta.get("cursor") if isinstance(meta, dict) else None
            if not isinstance(rows, list) or (
                cursor is not None and (not isinstance(cursor, str) or len(cursor) > MAX_CURSOR)
            ):
                raw = orjson.dumps(data, default=str)[:400]
                await self._problem("Langfuse sent an observations page of the wrong shape", raw)
                raise FetchError(FetchError.MALFORMED, "observations page of the wrong shape")
            cursor = cursor or None
            if cursor is not None and cursor in seen:
                raise FetchError(FetchError.STUCK, "cursor does not advance")
            seen.add(cursor)
            self._clear(self.source)
            stored, sessions = await asyncio.to_thread(self._page, rows, cursor)
            result.events += stored
            if stored or sessions:
                self.notify(sessions, stored)
            if cursor is None:
                return result
        result.more = True
        return result

    async def _problem(self, reason: str, raw: bytes) -> None:
        problem = self._report(self.source, reason, raw)
        if problem is not None:
            await self._store_problems(self.source, [problem])

    def _page(self, rows: Sequence[Any], cursor: str | None) -> tuple[int, set[str]]:
        """One page → events (new ones only) → engine → ONE transaction with the new state."""
        assert self._state is not None
        state = {**self._state, "open": dict(self._state["open"])}
        records: list[tuple[int, bytes]] = []
        problems: list[Problem] = []
        remote_sessions: dict[str, str] = {}
        for index, obs in enumerate(rows):
            line = self._offset + index + 1
            try:
                made = self._records(obs, state)
            except BadRecord as exc:
                raw = orjson.dumps(obs, default=str)[:400]
                problems.append(Problem(self.source, line, str(exc), excerpt(raw)))
                continue
            records.extend((line, _dumps(record)) for record in made)
            if made:
                remote_sessions[made[0]["session"]] = made[0]["langfuse_session"]
        events: list[Event] = []
        for line, raw in records:
            for item in self._parser.feed(raw, line):
                (events if isinstance(item, Event) else problems).append(item)  # type: ignore[arg-type]
        events = self._new_only(events)
        state["cursor"] = cursor
        if cursor is None:
            state["from"] = self._watermark(state)
        self.engine.process(events, self.source)
        self._remember_sessions(events, remote_sessions)
        self.store.record_batch(
            self.source, self._offset + len(rows), state, {"langfuse": self.endpoint},
            events, problems,
        )  # fmt: skip
        self._offset += len(rows)
        self._state = state
        return len(events), {e.session for e in events}

    def _records(self, obs: Any, state: dict[str, Any]) -> list[dict[str, Any]]:
        """A TOOL observation → native ``tool_call`` (and ``tool_result`` once it ended)."""
        if not isinstance(obs, dict):
            raise BadRecord("observation is not a JSON object")
        oid = obs.get("id")
        trace = obs.get("traceId")
        if not isinstance(oid, str) or not oid:
            raise BadRecord("observation without an id")
        if obs.get("type") not in (None, "TOOL"):
            return []  # asked for TOOL only; a server ignoring the filter is not an error
        remote_session = obs.get("sessionId") or trace
        if not isinstance(remote_session, str) or not remote_session:
            raise BadRecord("observation without a sessionId or traceId")
        start = obs.get("startTime")
        started = parse_ts(start, "startTime")
        ended = obs.get("endTime")
        session = SESSION_PREFIX + remote_session
        extra = {
            "langfuse_session": remote_session, "trace_id": trace,
            "parent_observation_id": obs.get("parentObservationId"),
            "environment": obs.get("environment"), "user_id": obs.get("userId"),
        }  # fmt: skip
        call: dict[str, Any] = {
            "kind": "tool_call", "session": session, "ts": start, "call_id": oid,
            "tool": obs.get("name") or "tool", "input": _as_object(obs.get("input")), **extra,
        }  # fmt: skip
        out = [call]
        opened = state["open"]
        if ended is None:
            opened[oid] = _iso(started)
            state["max_start"] = max(filter(None, (state.get("max_start"), _iso(started))))
            return out
        opened.pop(oid, None)
        state["max_start"] = max(filter(None, (state.get("max_start"), _iso(started))))
        error = obs.get("level") == "ERROR"
        output = obs.get("output")
        message = obs.get("statusMessage")
        if error and isinstance(message, str) and message:
            output = message if output is None else f"{_text(output)}\n{message}"
        out.append({
            "kind": "tool_result", "session": session, "ts": ended, "call_id": oid,
            "output": _text(output), "is_error": error, **extra,
        })  # fmt: skip
        return out

    def _new_only(self, events: list[Event]) -> list[Event]:
        """Drop calls and results already stored (re-read overlap, or seen twice in a page)."""
        keys = {(e.session, str(e.kind), e.call_id) for e in events if e.call_id}
        if not keys:
            return events
        by_session: dict[str, set[str]] = {}
        for session, _kind, call_id in keys:
            by_session.setdefault(session, set()).add(str(call_id))
        e = _EVENTS.c
        stored: set[tuple[str, str, str]] = set()
        with self.store.engine.connect() as conn:
            for session, call_ids in by_session.items():  # (session, kind, call_id): indexed
                ids = sorted(call_ids)
                for start in range(0, len(ids), 500):
                    for kind, call_id in conn.execute(
                        sa.select(e.kind, e.call_id).where(
                            e.session == session,
                            e.kind.in_(("tool_call", "tool_result")),
                            e.call_id.in_(ids[start : start + 500]),
                        )
                    ):
                        stored.add((session, kind, call_id))
        out: list[Event] = []
        for event in events:
            key = (event.session, str(event.kind), event.call_id)
            if event.call_id and key in stored:
                continue
            if event.call_id:
                stored.add(key)  # type: ignore[arg-type]
            out.append(event)
        return out

    def _remember_sessions(self, events: list[Event], remote: Mapping[str, str]) -> None:
        """Record new sessions as Langfuse's (observe only) before their events land."""
        fresh = {e.session for e in events} - self._known_sessions
        if not fresh:
            return
        rows = []
        for session in fresh:
            remote_id = remote.get(session)
            if remote_id is None:  # the parser neutralised the id: find its raw form
                remote_id = next((r for s, r in remote.items() if _same(s, session)), session)
            rows.append({"endpoint": self.endpoint, "remote_id": remote_id, "session": session,
                         "kind": "langfuse", "first_seen": utc_text()})  # fmt: skip
        with self.store.engine.begin() as conn:
            conn.execute(_insert(self.store, POLL_SESSIONS).on_conflict_do_nothing(), rows)
        self._known_sessions |= fresh

    def _watermark(self, state: dict[str, Any]) -> str | None:
        """Where the next traversal starts (module docstring)."""
        now = datetime.now(UTC)
        horizon = _iso(now - timedelta(seconds=self.open_horizon))
        opened = {k: v for k, v in state["open"].items() if isinstance(v, str) and v >= horizon}
        state["open"] = opened
        candidates = list(opened.values())
        if isinstance(state.get("max_start"), str):
            latest = parse_ts(state["max_start"])
            candidates.append(_iso(latest - timedelta(seconds=self.lookback)))
        if not candidates:
            return state.get("from")
        return min(candidates)


def _same(parsed: str, raw_session: str) -> bool:
    try:
        return ident(raw_session, "session") == parsed
    except BadRecord:
        return False


def _iso(moment: datetime) -> str:
    """RFC 3339 with milliseconds, UTC (fixed width: text order is time order)."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _as_object(value: Any) -> dict[str, Any]:
    """A tool call's input must be a JSON object: Langfuse ``input`` may be anything (a JSON
    object, its text, a string, a list)."""
    if value is None:
        return {}
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and value.lstrip().startswith("{"):
        try:
            parsed = json.loads(value)
        except (ValueError, RecursionError):
            parsed = None
        if isinstance(parsed, dict):
            return parsed
    return {"input": value}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return str(value)


def _dumps(record: dict[str, Any]) -> bytes:
    try:
        return orjson.dumps(record)
    except TypeError:
        return json.dumps(record, default=str).encode()
