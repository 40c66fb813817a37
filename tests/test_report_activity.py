"""The review's activity chart by index range counts (schema 7, issue 16): on SQLite, for a
review of every agent, each (verdict, bucket) is one count over ``ix_events_activity``; the
chart is the one the ``GROUP BY`` gives, and a count that cannot be the review's (a call of a
session the review does not read) falls back to it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from overseer.config import load_config
from overseer.report import aggregate
from overseer.report.aggregate import Window, call_bounds, call_groups, session_filter
from overseer.report.gather import ReviewQuery, session_conditions
from overseer.report.review import ReviewBuilder
from overseer.store import open_store
from overseer.store.db import Store
from tests.conftest import CONFIG
from tests.store_support import T0, call, result

from .test_report_aggregate import assert_same_review


def _store(path: Path) -> Store:
    store = open_store(str(path))
    events: list[Any] = []
    for i in range(400):
        verdict = ("allow", "ask", "deny", "unscoped", None, "")[i % 6]
        session = f"s{i % 9}"
        events.append(call(f"c{i}", i * 97.0, session=session, agent="claude-dev", verdict=verdict))
        events.append(result(f"c{i}", i * 97.0 + 1, session=session))
    store.record_batch("log", 1, {}, {}, events, [])
    return store


def _charts(store: Store, query: ReviewQuery) -> tuple[Any, Any, Any]:
    config = load_config(str(CONFIG))
    window = Window(query.since, query.until, session_filter(session_conditions(query)))
    with store.engine.connect() as conn:
        groups = call_groups(conn, window)
        builder = ReviewBuilder(config, since=query.since, until=query.until)
        grid = builder.activity_grid(*call_bounds(groups))
        assert grid is not None
        total = sum(int(g["count"]) for g in groups)
        ranged = aggregate._activity_by_ranges(conn, window, grid)
        grouped = aggregate.activity(conn, window, grid)
        chosen = aggregate.activity(conn, window, grid, total)
    return ranged, grouped, chosen


@pytest.mark.parametrize(
    "query",
    [
        ReviewQuery(),
        ReviewQuery(since=T0 + timedelta(hours=2)),
        ReviewQuery(since=T0 + timedelta(hours=1, minutes=7), until=T0 + timedelta(hours=9)),
    ],
)
def test_range_counts_are_the_group_by_chart(tmp_path: Path, query: ReviewQuery) -> None:
    with _store(tmp_path / "overseer.db") as store:
        ranged, grouped, chosen = _charts(store, query)
    assert ranged == grouped == chosen
    assert sum(grouped.values()) > 0
    assert {verdict for _, verdict in grouped} == {"allow", "ask", "deny", "unscoped"}
    assert_same_review(str(tmp_path / "overseer.db"), query)


def test_a_call_the_review_does_not_read_falls_back(tmp_path: Path) -> None:
    """A call whose session has no session row is counted by the ranges, not by the review:
    the totals differ and the chart is the GROUP BY's."""
    with _store(tmp_path / "overseer.db") as store:
        with store.engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM sessions WHERE id = 's3'"))
        ranged, grouped, chosen = _charts(store, ReviewQuery())
    assert sum(ranged.values()) > sum(grouped.values())
    assert chosen == grouped


def test_the_range_counts_read_the_activity_index(tmp_path: Path) -> None:
    with _store(tmp_path / "overseer.db") as store, store.engine.connect() as conn:
        sql = aggregate._RANGE_COUNT.format(verdict="verdict = ?")
        plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", ("ask", "", "~")).all()
    assert "COVERING INDEX ix_events_activity" in str(plan), plan
