"""Shared pieces of the store tests: a database fixture over SQLite *and* PostgreSQL, and
small builders. Imported by ``tests/test_store_*.py`` (not a conftest: the store owns it).

PostgreSQL: ``$OVERSEER_TEST_PG_URL`` (``.ci/run`` exports it) or the local default; every
test gets its own fresh database, dropped afterwards. When no server answers, the postgres
half of each test is skipped with the reason.
"""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from overseer.model import Event, EventKind, Flag, FlagCategory

PG_ADMIN_URL = os.environ.get(
    "OVERSEER_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
T0 = datetime(2025, 1, 31, 14, 0, 0, tzinfo=UTC)


@functools.cache
def pg_unreachable() -> str | None:
    """Why PostgreSQL cannot be used (None when it can)."""
    try:
        import psycopg

        psycopg.connect(PG_ADMIN_URL, connect_timeout=3, autocommit=True).close()
    except Exception as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return f"PostgreSQL not reachable at {_redacted(PG_ADMIN_URL)} ({first}); set OVERSEER_TEST_PG_URL"
    return None


def _redacted(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _pg_url(name: str) -> str:
    from sqlalchemy.engine import make_url

    url = make_url(PG_ADMIN_URL).set(drivername="postgresql+psycopg", database=name)
    return url.render_as_string(hide_password=False)


@functools.cache
def _pg_template() -> str:
    """A database holding a freshly created overseer schema, made once per test process and
    copied for each test (CREATE DATABASE ... TEMPLATE): creating the schema costs more than
    the copy, and each test still gets a database of its own."""
    import atexit

    import psycopg

    from overseer.store import open_store

    name = f"overseer_tmpl_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    open_store(_pg_url(name)).close()

    def drop() -> None:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    atexit.register(drop)
    return name


def fresh_pg_database(*, with_schema: bool) -> Iterator[str]:
    """Create a uniquely named database, yield its URL, drop it (even if still in use)."""
    import psycopg

    reason = pg_unreachable()
    if reason:
        pytest.skip(reason)
    name = f"overseer_test_{uuid.uuid4().hex[:12]}"
    template = f' TEMPLATE "{_pg_template()}"' if with_schema else ""
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"{template}')
    try:
        yield _pg_url(name)
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A store of its own: a SQLite path not created yet, or a fresh PostgreSQL database that
    already holds the schema."""
    if request.param == "sqlite":
        yield str(tmp_path / "store" / "overseer.db")
        return
    yield from fresh_pg_database(with_schema=True)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def bare_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Like ``db`` but empty on PostgreSQL too, for tests of schema creation itself."""
    if request.param == "sqlite":
        yield str(tmp_path / "store" / "overseer.db")
        return
    yield from fresh_pg_database(with_schema=False)


@pytest.fixture
def sqlite_db(tmp_path: Path) -> str:
    """For tests about the SQLite file itself (mode, raw tampering)."""
    return str(tmp_path / "store" / "overseer.db")


def ev(kind: str, session: str = "s1", at: float = 0.0, **fields: Any) -> Event:
    """An event ``at`` seconds after :data:`T0`."""
    return Event(kind=EventKind(kind), session=session, ts=T0 + timedelta(seconds=at), **fields)


def call(call_id: str, at: float, tool: str = "Bash", session: str = "s1", **fields: Any) -> Event:
    fields.setdefault("input", {"command": f"echo {call_id}"})
    fields.setdefault("summary", f"{tool} {call_id}")
    return ev("tool_call", session, at, tool=tool, call_id=call_id, **fields)


def result(call_id: str, at: float, session: str = "s1", **fields: Any) -> Event:
    fields.setdefault("output", f"out {call_id}")
    fields.setdefault("output_display", f"out {call_id}")
    return ev("tool_result", session, at, call_id=call_id, **fields)


def flag(category: str, detector: str = "test") -> Flag:
    return Flag(detector, FlagCategory(category), f"{detector} fired", ("ASI01",), "high")
