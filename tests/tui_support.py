"""A real store, filled through the real ingest path, with fixed times, for the app's tests.

Everything the snapshots show must be deterministic: event times come from the fixture
files, pending approvals get fixed request times and deadlines, chain rows get fixed times,
and the app's clock is :data:`NOW`.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from overseer.config import Config, load_config
from overseer.control import hookstatus
from overseer.engine import Engine
from overseer.sources.ingest import ingest_paths
from overseer.store import lean, open_store
from overseer.store.db import Store
from overseer.summary import summarise
from overseer.tui.app import OverseerApp
from overseer.tui.store_source import StoreSource
from tests.conftest import CONFIG, FIXTURES

NOW = datetime(2026, 3, 2, 12, 0, 0, tzinfo=UTC)
OPERATOR = "alice"


def build_store(tmp_path: Path, *, extra_logs: list[Path] | None = None) -> tuple[str, Config]:
    """Ingest the fixtures into a fresh SQLite file and add two pending approvals and a few
    decisions, all at fixed times. Returns the database path and the config."""
    config = load_config(str(CONFIG))
    db = str(tmp_path / "overseer.db")
    store = open_store(db)
    try:
        paths = [str(FIXTURES / "native"), str(FIXTURES / "claude-code")]
        paths += [str(p) for p in extra_logs or []]
        ingest_paths(paths, engine=Engine(config), store=store)
    finally:
        store.close()
    conn = lean.connect(db)
    try:
        first = lean.create_approval(
            conn, session="sup-7f3a", call_id="c-900", agent="support-agent", task="triage",
            tool="mcp__stripe__create_refund", tool_input={"charge": "ch_3Q8", "amount": 12900},
            rule="mcp__stripe__create_refund", verdict="ask",
            summary=summarise("mcp__stripe__create_refund", {"charge": "ch_3Q8", "amount": 12900}),
            timeout_s=120,
        )  # fmt: skip
        second = lean.create_approval(
            conn, session="etl-2026-03-02", call_id="c-901", agent="etl-nightly", task="load",
            tool="Bash", tool_input={"command": "rm -rf /var/lib/warehouse/staging"},
            rule=None, verdict="unscoped",
            summary=summarise("Bash", {"command": "rm -rf /var/lib/warehouse/staging"}),
            timeout_s=120,
        )  # fmt: skip
    finally:
        conn.close()
    conn = lean.connect(db)
    try:  # two chain rows at fixed times, so the audit screen is deterministic
        with conn.transaction(chain=True):
            lean.append_row(
                conn, outcome="auto_allowed", action="gate", operator="overseer",
                session="etl-2026-03-02", call_id="c-1", tool="Bash",
                tool_input={"command": "python -m etl.extract --source orders"},
                rule="Bash(python -m etl.extract:*)", reason="allow rule",
                ts="2026-03-02T02:00:01.000000Z",
            )  # fmt: skip
            lean.append_row(
                conn, outcome="policy_denied", action="gate", operator="overseer",
                session="hostile-1", call_id="h-9", tool="Read",
                tool_input={"file_path": ".env"}, rule="Read(./.env)", reason="deny rule",
                ts="2026-03-02T11:00:30.000000Z",
            )  # fmt: skip
    finally:
        conn.close()
    with sqlite3.connect(db) as raw:
        raw.execute(
            "UPDATE approvals SET created_at = ?, deadline = ? WHERE id = ?",
            ("2026-03-02T11:58:30.000000Z", "2026-03-02T12:00:30.000000Z", first),
        )
        raw.execute(
            "UPDATE approvals SET created_at = ?, deadline = ? WHERE id = ?",
            ("2026-03-02T11:59:15.000000Z", "2026-03-02T12:01:15.000000Z", second),
        )
    return db, config


def waiting_call_log(tmp_path: Path) -> Path:
    """The support agent's own log of the refund the gate holds (``c-900``), as an agent
    that logs its calls writes it: with it, the waiting call is on the session's timeline."""
    log = tmp_path / "logs" / "support-refund.jsonl"
    log.parent.mkdir(exist_ok=True)
    log.write_text(
        json.dumps({
            "kind": "tool_call", "session": "sup-7f3a", "ts": "2026-03-02T11:58:29.900Z",
            "seq": 40, "call_id": "c-900", "tool": "mcp__stripe__create_refund",
            "input": {"charge": "ch_3Q8", "amount": 12900},
        }) + "\n"
    )  # fmt: skip
    return log


def approvals_by_session(db: str) -> dict[str, str]:
    with sqlite3.connect(db) as raw:
        return {s: i for i, s in raw.execute("SELECT id, session FROM approvals")}


def chain(db: str) -> list[dict[str, Any]]:
    with sqlite3.connect(db) as raw:
        raw.row_factory = sqlite3.Row
        return [dict(r) for r in raw.execute("SELECT * FROM decisions ORDER BY seq")]


def make_app(db: str, config: Config, *, read_only: bool = False) -> tuple[OverseerApp, Store]:
    store = open_store(db)
    # Fixed, past deadlines: the sweep of abandoned approvals would otherwise expire them.
    # The header's hook health, checked for real against an empty project and home of its
    # own (so the machine's own ~/.claude cannot change a snapshot).
    place = Path(db).parent / "hook-status"
    place.mkdir(exist_ok=True)

    def hooks() -> tuple[str, str]:
        found = hookstatus.hook_status(str(place), home=place)
        return hookstatus.summary(found), hookstatus.summary_level(found)

    source = StoreSource(
        store, config, read_only=read_only, expire_overdue=False, hook_check=hooks,
        check_ungated=False,  # the fixture mixes hook and transcript calls: see test_ungated
    )  # fmt: skip
    app = OverseerApp(
        source, mode_name="review" if read_only else "watch", operator=OPERATOR,
        clock=lambda: NOW, refresh_interval=None, bell=False,
    )  # fmt: skip
    return app, store


async def settle(pilot: Any) -> None:
    """Let workers finish and their messages land (live feeds run until the app stops, so
    they are not waited for)."""
    from textual.widgets import Input

    for _ in range(3):
        # A focused input's cursor blinks on a timer: a snapshot taken on a loaded machine
        # would catch either phase. Held steady, the picture is the same every run.
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False
        pending = [w for w in pilot.app.workers if w.group != "live"]
        # A superseded worker (exclusive groups) ends cancelled: that is settled too.
        await asyncio.gather(*(w.wait() for w in pending), return_exceptions=True)
        await pilot.pause()


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True)
