"""``overseer review``: the Flags and Unused-authority screens over a fixed store and clock.

Snapshots at 120×40 and 80×24 (update on purpose with ``--snapshot-update``), and Pilot tests
that the time filter changes what is listed and that Enter on a flag opens its call.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from textual.widgets import DataTable, Input

from overseer.tui.screens.review import FlagsScreen, TimeRangeModal, UnusedScreen
from overseer.tui.screens.session import SessionScreen
from tests.tui_support import build_store, make_app, settle

SIZES = [(120, 40), (80, 24)]
SIZE = (120, 40)


@pytest.fixture
def world(tmp_path: Path):  # type: ignore[no-untyped-def]
    db, config = build_store(tmp_path)
    stores: list[Any] = []

    def make(read_only: bool = True):  # type: ignore[no-untyped-def]
        app, store = make_app(db, config, read_only=read_only)
        stores.append(store)
        return app

    yield make
    for store in stores:
        store.close()


def _then(*keys: str):  # type: ignore[no-untyped-def]
    async def run(pilot: Any) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)

    return run


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_flags_snapshot(snap_compare, world, size) -> None:  # type: ignore[no-untyped-def]
    """Review mode opens on the flags."""
    assert snap_compare(world(), terminal_size=size, run_before=_then())


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_unused_snapshot(snap_compare, world, size) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(world(), terminal_size=size, run_before=_then("u"))


def _flag_cells(screen: FlagsScreen) -> list[tuple[str, str, str]]:
    table = screen.query_one(DataTable)
    return [
        (str(row[1]), str(row[4]), str(row[3]))
        for row in (table.get_row_at(i) for i in range(table.row_count))
    ]


async def test_review_opens_on_flags_and_time_filter_narrows(world) -> None:  # type: ignore[no-untyped-def]
    app = world()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, FlagsScreen)
        assert screen.query_one(DataTable).row_count == 6
        assert [f["category"] for f in screen.items].count("safety") == 3
        title = str(screen.query_one("#review-title").render())
        assert "6 in period" in title and "safety 3" in title and "security 3" in title

        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, TimeRangeModal)
        app.screen.query_one("#since", Input).value = "2026-03-02T10:00:00Z"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen_stack[-1] is screen
        assert app.review_period == (datetime(2026, 3, 2, 10, tzinfo=UTC), None)
        # The ETL job's two destructive SQL statements (02:05) are out of the period.
        assert screen.query_one(DataTable).row_count == 4
        assert sorted(_flag_cells(screen)) == sorted(
            [
                ("safety", "destructive", "7d1c0f7e-2b4a-4c55-9b1e-3f0a9c1d2e45"),
                ("security", "secret-read", "7d1c0f7e-2b4a-4c55-9b1e-3f0a9c1d2e45"),
                (
                    "security",
                    "injection",
                    "7d1c0f7e-2b4a-4c55-9b1e-3f0a9c1d2e45",
                ),  # a sub-agent call
                ("security", "secret-read", "hostile-1"),
            ]
        )
        title = str(screen.query_one("#review-title").render())
        assert "4 in period" in title and "safety 1" in title and "security 3" in title
        assert "2026-03-02 10:00 → now UTC" in str(screen.query_one("#review-period").render())

        # An age is read against the app's clock (12:00): the last hour has one flag.
        await pilot.press("t")
        await settle(pilot)
        app.screen.query_one("#since", Input).value = "1h"
        await pilot.press("enter")
        await settle(pilot)
        assert [f["session"] for f in screen.items] == ["hostile-1"]

        # A bad time is refused in the dialog, nothing reloaded.
        await pilot.press("t")
        await settle(pilot)
        app.screen.query_one("#since", Input).value = "yesterday-ish"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TimeRangeModal)
        assert "cannot read" in str(app.screen.query_one("#period-error").render())
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen_stack[-1] is screen


async def test_time_filter_applies_to_unused_authority(world) -> None:  # type: ignore[no-untyped-def]
    app = world()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("u")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, UnusedScreen)
        findings = [r[2] for r in screen.rows]
        assert (findings.count("acquired"), findings.count("out of scope")) == (9, 11)
        # `cat ~/.ssh/id_rsa` is denied now, so Bash(cat *) lost its one hit (unused)
        assert sum(1 for f in findings if f.startswith("unused")) == 64
        oos = {r[0]: 0 for r in screen.rows}
        for r in screen.rows:
            if r[2] == "out of scope":
                oos[r[0]] += int(r[4])
        assert {a: n for a, n in oos.items() if n} == {
            "claude-dev": 8, "support-agent": 2, "etl-nightly": 1,
        }  # fmt: skip
        dev = [r for r in screen.rows if r[:2] == ("claude-dev", "feature")]
        assert dev[0][2:6] == ("unused allow", "Glob", "0", "2")  # 0 hits over 2 sessions
        title = str(screen.query_one("#review-title").render())
        assert "64 unused rules" in title and "9 acquired" in title and "11 out-of-scope" in title

        await pilot.press("t")
        await settle(pilot)
        app.screen.query_one("#until", Input).value = "2026-03-02T03:00:00Z"
        await pilot.press("enter")
        await settle(pilot)
        # Only the ETL night is left: claude-dev's and support-agent's rules that decided
        # calls later that day become unused, and their runtime findings drop out.
        findings = [r[2] for r in screen.rows]
        assert sum(1 for f in findings if f.startswith("unused")) == 74
        others = [r[:4] for r in screen.rows if not r[2].startswith("unused")]
        assert others == [
            ("etl-nightly", "load", "acquired", "Bash:psql"),
            ("etl-nightly", "load", "out of scope", "Bash:psql (deny, blocked)"),
        ]
    assert sum(int(r[4]) for r in screen.rows if r[2] == "out of scope") == 1


async def test_enter_on_a_flag_opens_its_call(world) -> None:  # type: ignore[no-untyped-def]
    app = world()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, FlagsScreen)
        index = next(i for i, f in enumerate(screen.items) if f["session"] == "hostile-1")
        screen.query_one(DataTable).move_cursor(row=index)
        await pilot.press("enter")
        await settle(pilot)
        session = app.screen
        assert isinstance(session, SessionScreen)
        assert (session.session, session.focus_call) == ("hostile-1", "h-9")
        timeline: Any = session.query_one("Timeline")
        assert timeline.current.call_id == "h-9"  # the cursor is on the flagged call
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen_stack[-1] is screen


async def test_enter_on_unused_authority_opens_the_latest_call_or_explains_the_rule(
    world, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    app = world()
    db = str(tmp_path / "overseer.db")
    with sqlite3.connect(db) as conn:  # read back without the code under test
        latest = conn.execute(
            "select session, call_id from events where kind = 'tool_call' and tool = 'Bash'"
            " and agent = 'etl-nightly' and verdict = 'deny' order by ts desc limit 1"
        ).fetchone()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("u")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, UnusedScreen)
        table = screen.query_one(DataTable)
        unused = next(
            i for i, r in enumerate(screen.rows) if r[2] == "unused allow" and r[5] != "0"
        )
        table.move_cursor(row=unused)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen  # nothing to open: an unused rule has no call
        notes = [str(n.message) for n in app._notifications]
        assert any(screen.rows[unused][3] in n and "removal candidate" in n for n in notes)
        idle = next(i for i, r in enumerate(screen.rows) if r[2] == "unused allow" and r[5] == "0")
        table.move_cursor(row=idle)
        await pilot.press("enter")
        await settle(pilot)
        notes = [str(n.message) for n in app._notifications]
        assert any(screen.rows[idle][3] in n and "no evidence either way" in n for n in notes)

        oos = next(
            i for i, r in enumerate(screen.rows)
            if r[:4] == ("etl-nightly", "load", "out of scope", "Bash:psql (deny, blocked)")
        )  # fmt: skip
        table.move_cursor(row=oos)
        await pilot.press("enter")
        await settle(pilot)
        session = app.screen
        assert isinstance(session, SessionScreen)
        assert (session.session, session.focus_call) == latest
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen


async def test_the_review_screens_share_one_read_per_period_and_store_state(
    world, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    import overseer.report.gather as gather_module

    real = gather_module.gather
    periods: list[Any] = []

    def counting(store: Any, config: Any, query: Any, **kw: Any) -> Any:
        periods.append((query.since, query.until))
        return real(store, config, query, **kw)

    monkeypatch.setattr(gather_module, "gather", counting)
    app = world()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, FlagsScreen) and len(periods) == 1
        await pilot.press("u")
        await settle(pilot)
        assert isinstance(app.screen, UnusedScreen) and app.screen.rows
        assert len(periods) == 1  # the same review, not read again
        await pilot.press("t")
        await settle(pilot)
        app.screen.query_one("#until", Input).value = "2026-03-02T03:00:00Z"
        await pilot.press("enter")
        await settle(pilot)
        assert len(periods) == 2 and periods[1][1] == datetime(2026, 3, 2, 3, tzinfo=UTC)
        unused_review = app.screen.review
        await pilot.press("f")  # the flags of the same period: the same review
        await settle(pilot)
        assert isinstance(app.screen, FlagsScreen) and app.screen.review is unused_review
        assert len(periods) == 2


def test_review_cache_reads_once_for_concurrent_screens_and_again_after_new_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    import overseer.report.gather as gather_module
    from overseer.model import Problem
    from overseer.store import open_store
    from overseer.tui.screens.review import ReviewCache
    from overseer.tui.store_source import StoreSource

    db, config = build_store(tmp_path)
    real = gather_module.gather
    reads: list[int] = []
    release = threading.Event()

    def slow(store: Any, config: Any, query: Any, **kw: Any) -> Any:
        reads.append(1)
        release.wait(10)  # hold the first read until the second screen has asked
        return real(store, config, query, **kw)

    monkeypatch.setattr(gather_module, "gather", slow)
    store = open_store(db)
    try:
        source, cache = StoreSource(store, config, read_only=True), ReviewCache()
        results: list[Any] = []
        threads = [
            threading.Thread(target=lambda: results.append(cache.get(source, (None, None))))
            for _ in range(2)
        ]
        for t in threads:
            t.start()
        while not reads:
            threading.Event().wait(0.01)
        threading.Event().wait(0.2)
        release.set()
        for t in threads:
            t.join(10)
        assert len(reads) == 1 and results[0] is results[1]
        assert cache.get(source, (None, None)) is results[0]
        store.record_batch("elsewhere", 1, {}, {}, [], [Problem("elsewhere", 1, "bad")])
        fresh = cache.get(source, (None, None))  # new data: read again
        assert len(reads) == 2 and fresh is not results[0]

        def broken(*args: Any, **kw: Any) -> Any:
            raise RuntimeError("database is locked")

        monkeypatch.setattr(gather_module, "gather", broken)
        with pytest.raises(RuntimeError):
            cache.get(source, (datetime(2026, 3, 1, tzinfo=UTC), None))
        monkeypatch.setattr(gather_module, "gather", slow)
        assert cache.get(source, (datetime(2026, 3, 1, tzinfo=UTC), None))  # not remembered
    finally:
        store.close()


async def test_flag_keys_are_review_only(world) -> None:  # type: ignore[no-untyped-def]
    """Watch mode keeps its keys; ``:flags`` still works there."""
    app = world(read_only=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        assert not isinstance(app.screen, FlagsScreen)
        await pilot.press("colon", *"flags", "enter")
        await settle(pilot)
        assert isinstance(app.screen, FlagsScreen)
        await pilot.press("colon", *"unused", "enter")
        await settle(pilot)
        assert isinstance(app.screen, UnusedScreen)
        assert len(app.screen_stack) == 3  # fleet below: esc goes home


def test_review_cli_rejects_a_bad_period(tmp_path: Path) -> None:
    from overseer.cli.tui_cmds import review

    result = CliRunner().invoke(review, ["--db", str(tmp_path / "x.db"), "--since", "soon"])
    assert result.exit_code == 2 and "cannot read 'soon'" in result.output
    result = CliRunner().invoke(
        review, ["--db", str(tmp_path / "x.db"), "--since", "2026-03-02", "--until", "2026-03-01"]
    )
    assert result.exit_code == 2 and "earlier" in result.output
