"""The review screens: **Flags** and **Unused authority**, over a time range.

``overseer review`` opens on the Flags screen (pushed above the fleet, so ``esc`` goes back to
it). The first question after the fact is "what went wrong, and where": every safety and
security flag of the period, newest last, one key (Enter) from the call that raised it. The
second — "what authority can we take away" — is one key away (``u``), and both keys stay in
the footer of every screen in review mode. Opening on the fleet instead would hide both
behind a key nobody knows yet; opening on Unused authority would put the slow decision
(removing rules) before the urgent one (an incident).

Both screens read the access review the report builds (:func:`overseer.report.gather.gather`
feeding :class:`~overseer.report.review.ReviewBuilder`): no second aggregation, so the app
and ``overseer report`` always agree. The review is read in a thread worker that posts
:class:`ReviewScreen.Loaded`; the handler owns the table. ``t`` asks for a new period (the
report's ``--since``/``--until`` forms: a date, an RFC 3339 time or an age like ``7d``),
stored on the app (``app.review_period``) so every review screen shows the same range.

Every cell is a ``rich.text.Text`` (never markup); texts from agents were neutralised when
the review was built.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from datetime import datetime
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, DataTable, Footer, Input, Label, Static

from overseer.report.period import parse_when
from overseer.tui.format import cell, short_flag, shown
from overseer.tui.widgets.header import StatusHeader

Period = tuple[datetime | None, datetime | None]

CATEGORY_STYLES = {"safety": "bold yellow", "security": "bold red"}
FINDING_STYLES = {
    "unused allow": "cyan", "unused ask": "cyan", "acquired": "magenta",
    "out of scope": "bold red",
}  # fmt: skip


def _short_time(iso: str | None) -> str:
    """``2026-03-02T10:00:24.120000Z`` → ``03-02 10:00:24`` (always UTC, like the store)."""
    if not iso:
        return "—"
    return f"{iso[5:10]} {iso[11:19]}"


def period_label(period: Period) -> str:
    since, until = period
    if since is None and until is None:
        return "all time"
    left = since.strftime("%Y-%m-%d %H:%M") if since else "…"
    right = until.strftime("%Y-%m-%d %H:%M") if until else "now"
    return f"{left} → {right} UTC"


def load_review(source: Any, period: Period) -> dict[str, Any]:
    """The access review of ``period`` from the source's store (runs in a worker thread)."""
    from overseer.report.gather import ReviewQuery, gather

    store = getattr(source, "store", None)
    config = getattr(source, "config", None)
    if store is None or config is None:
        raise RuntimeError("the review needs the store (overseer review --db …)")
    builder, chain = gather(store, config, ReviewQuery(since=period[0], until=period[1]))
    return builder.build(chain)


class ReviewCache:
    """One review per period and store state, shared by the review screens.

    A review of a large store takes seconds (490,000 calls: ~4.5 s here, ~8 s call by call
    as it was read before the database counted them); the Flags and
    Unused screens show the same review, and a period change reloads both at once. Each
    (period, :meth:`Store.data_marker`) is read once: a screen asking while another reads
    it waits for that read. New data (a new event, audit row, problem or approval) changes
    the marker, so nothing stale is shown past it."""

    KEEP = 4

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[tuple[Any, ...], Future[dict[str, Any]]] = {}

    def get(self, source: Any, period: Period) -> dict[str, Any]:
        store = getattr(source, "store", None)
        marker = store.data_marker() if store is not None else None
        key = (period, marker)
        with self._lock:
            entry = self._entries.get(key)
            owner = entry is None
            if entry is None:
                entry = self._entries[key] = Future()
                while len(self._entries) > self.KEEP:
                    self._entries.pop(next(iter(self._entries)))
        if not owner:
            return entry.result()
        try:
            entry.set_result(load_review(source, period))
        except BaseException as exc:
            entry.set_exception(exc)
            with self._lock:  # a failed read is not remembered: the next asks again
                if self._entries.get(key) is entry:
                    del self._entries[key]
        return entry.result()


class TimeRangeModal(ModalScreen[Period | None]):
    """Ask for ``since`` and ``until`` (empty: open-ended); dismisses with the parsed pair."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, current: Period, now: datetime) -> None:
        super().__init__()
        self._current = current
        self._now = now

    def compose(self) -> ComposeResult:
        since, until = self._current
        with Vertical(id="dialog", classes="dialog"):
            yield Label(Content("Review period (UTC)"), classes="dialog-title")
            yield Static(
                Content("A date (2026-03-01), an RFC 3339 time or an age (7d, 12h). Empty: open."),
                classes="dialog-subject",
            )
            yield Input(
                value=since.isoformat().replace("+00:00", "Z") if since else "",
                placeholder="since (empty: from the start)",
                id="since",
            )
            yield Input(
                value=until.isoformat().replace("+00:00", "Z") if until else "",
                placeholder="until, exclusive (empty: up to now)",
                id="until",
            )
            yield Label("", id="period-error", classes="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Apply", id="ok", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#since", Input).focus()

    def _parse(self, name: str) -> datetime | None:
        text = self.query_one(f"#{name}", Input).value.strip()
        return parse_when(text, now=self._now) if text else None

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def submit(self) -> None:
        error = self.query_one("#period-error", Label)
        try:
            since, until = self._parse("since"), self._parse("until")
        except ValueError as exc:
            error.update(Content(str(exc)))
            return
        if since is not None and until is not None and since >= until:
            error.update(Content("since must be earlier than until"))
            return
        self.dismiss((since, until))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class ReviewScreen(Screen[None]):
    """What both review screens share: a title line, a table, the period, the loader."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", show=True),
        Binding("t", "period", "Period", show=True),
    ]

    #: ``(key, title, width)`` of the table's columns, fixed widths.
    COLUMNS: list[tuple[str, str, int]] = []
    NAME = "Review"

    class Loaded(Message):
        """The review of ``period`` (or the error that prevented it)."""

        def __init__(self, generation: int, review: dict[str, Any] | None, error: str = "") -> None:
            super().__init__()
            self.generation = generation
            self.review = review
            self.error = error

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id)
        self._generation = 0
        self.review: dict[str, Any] | None = None

    def compose(self) -> ComposeResult:
        yield StatusHeader()
        yield Static(Content(f"{self.NAME} · loading…"), classes="panel-title", id="review-title")
        yield Static(Content(""), id="review-period")
        table: DataTable[Any] = DataTable(cursor_type="row", zebra_stripes=True)
        for key, title, width in self.COLUMNS:
            table.add_column(title, key=key, width=width)
        yield table
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self.reload()

    @property
    def period(self) -> Period:
        return getattr(self.app, "review_period", (None, None))

    def reload(self) -> None:
        self._generation += 1
        self.query_one("#review-period", Static).update(
            Content(f"period: {period_label(self.period)} · t: change")
        )
        self._load(self._generation, self.period)

    @work(thread=True, group="review")
    def _load(self, generation: int, period: Period) -> None:
        try:
            review = self.app.review_cache.get(self.app.source, period)  # type: ignore[attr-defined]
        except Exception as exc:  # shown, never a crash
            self.post_message(self.Loaded(generation, None, str(exc)))
            return
        self.post_message(self.Loaded(generation, review))

    @on(Loaded)
    def _loaded(self, message: ReviewScreen.Loaded) -> None:
        if message.generation != self._generation:
            return  # a newer period was asked for meanwhile
        if message.review is None:
            self.query_one("#review-title", Static).update(
                Content(f"{self.NAME} · cannot read the review: {message.error}")
            )
            return
        self.review = message.review
        table = self.query_one(DataTable)
        table.clear()
        self.show(message.review, table)

    def show(self, review: dict[str, Any], table: DataTable[Any]) -> None:
        raise NotImplementedError

    def action_period(self) -> None:
        now: datetime = self.app.now()  # type: ignore[attr-defined]
        self.app.push_screen(TimeRangeModal(self.period, now), self._period_chosen)

    def _period_chosen(self, period: Period | None) -> None:
        if period is None:
            return
        self.app.review_period = period  # type: ignore[attr-defined]
        for screen in self.app.screen_stack:
            if isinstance(screen, ReviewScreen):
                screen.reload()


class FlagsScreen(ReviewScreen):
    """Every flag in the period, oldest first; Enter opens the session at the flagged call."""

    BINDINGS = [Binding("enter", "open", "Open call", show=True)]
    NAME = "Flags"
    COLUMNS = [
        ("time", "TIME (UTC)", 14), ("category", "CATEGORY", 8), ("agent", "AGENT", 14),
        ("session", "SESSION", 12), ("detector", "DETECTOR", 12), ("owasp", "OWASP", 11),
        ("message", "MESSAGE", 70),
    ]  # fmt: skip

    def __init__(self) -> None:
        super().__init__(id="review-flags")
        self.items: list[dict[str, Any]] = []

    def show(self, review: dict[str, Any], table: DataTable[Any]) -> None:
        flags = review["flags"]
        items = [f for category in ("safety", "security") for f in flags["items"][category]]
        items.sort(key=lambda f: (f.get("ts") or "", f.get("session") or ""))
        self.items = items
        counts = flags["by_category"]
        omitted = sum(flags["items_omitted"].values())
        title = [
            Content.from_markup("[b]Flags[/b] · $n in period · ", n=str(flags["total"])),
            Content.styled(
                f"safety {counts['safety']}", "bold $warning" if counts["safety"] else ""
            ),
            Content(" · "),
            Content.styled(
                f"security {counts['security']}", "bold $error" if counts["security"] else ""
            ),
            Content(f" · {omitted} not listed" if omitted else ""),
            Content(" · u: unused authority"),
        ]
        self.query_one("#review-title", Static).update(Content("").join(title))
        for index, flag in enumerate(items):
            category = flag["category"]
            table.add_row(
                cell(_short_time(flag.get("ts"))),
                cell(category, CATEGORY_STYLES.get(category, "")),
                cell(flag["agent"]),
                cell(flag["session"]),
                cell(short_flag(flag["detector"])),
                cell(" ".join(flag["owasp"])),
                cell(flag["message"]),
                key=str(index),
            )

    @property
    def current(self) -> dict[str, Any] | None:
        table = self.query_one(DataTable)
        index = table.cursor_row
        return self.items[index] if 0 <= index < len(self.items) else None

    def action_open(self) -> None:
        flag = self.current
        if flag is not None:
            self.app.open_session(flag["session"], focus_call=flag.get("call_id"))  # type: ignore[attr-defined]

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()


class UnusedScreen(ReviewScreen):
    """Per agent and task: provisioned rules never exercised in the period (removal
    candidates), tools acquired at runtime (no allow rule covers them) and out-of-scope
    attempts. A task with no session in the period is dimmed: no evidence either way."""

    BINDINGS = [Binding("enter", "open", "Open last call", show=True)]
    NAME = "Unused authority"
    COLUMNS = [
        ("agent", "AGENT", 14), ("task", "TASK", 10), ("finding", "FINDING", 12),
        ("item", "RULE / TOOL", 34), ("calls", "CALLS", 5), ("sessions", "SESS", 4),
        ("last", "LAST SEEN", 14),
    ]  # fmt: skip

    def __init__(self) -> None:
        super().__init__(id="review-unused")
        self.rows: list[tuple[str, ...]] = []
        #: per row: the latest call behind it, ``(session, call id)``; None for an unused rule
        self.targets: list[tuple[str, str | None] | None] = []

    def show(self, review: dict[str, Any], table: DataTable[Any]) -> None:
        by_task: dict[tuple[str, str | None], list[tuple[Any, ...]]] = {}
        evidence: dict[tuple[str, str | None], int] = {}
        for agent in review["agents"]:
            for task in agent["tasks"]:
                key = (agent["agent"], task["task"])
                evidence[key] = task["sessions"]
                rows = by_task.setdefault(key, [])
                for rule in task["rules"]:
                    if rule["in_config"] and rule["list"] in ("allow", "ask") and not rule["hits"]:
                        rows.append(
                            (
                                f"unused {rule['list']}",
                                rule["rule"],
                                "0",
                                str(task["sessions"]),
                                "—",
                                None,
                            )
                        )
        for acquired in review["acquired_tools"]:
            key = (acquired["agent"], acquired["task"])
            by_task.setdefault(key, []).append(
                ("acquired", acquired["name"], str(acquired["calls"]),
                 str(acquired["sessions"]), _short_time(acquired["last_seen"]),
                 _target(acquired))
            )  # fmt: skip
        oos_total: dict[tuple[str, str | None], int] = {}
        for group in review["out_of_scope"]["groups"]:
            key = (group["agent"], group["task"])
            oos_total[key] = oos_total.get(key, 0) + group["count"]
            by_task.setdefault(key, []).append(
                ("out of scope", f"{group['label']} ({group['verdict']}, {group['status']})",
                 str(group["count"]), str(group["sessions"]), _short_time(group["last_seen"]),
                 _target(group))
            )  # fmt: skip
        totals = review["totals"]
        title = Content.from_markup(
            "[b]Unused authority[/b] · $unused unused rules (removal candidates) · "
            "$acquired acquired at runtime · $oos out-of-scope attempts · f: flags",
            unused=str(sum(1 for rows in by_task.values() for r in rows if r[0].startswith("u"))),
            acquired=str(totals["acquired_tools"]),
            oos=str(review["out_of_scope"]["total"]),
        )
        self.query_one("#review-title", Static).update(title)
        self.rows, self.targets = [], []
        for (agent, task), rows in by_task.items():
            dim = (
                "dim"
                if not evidence.get((agent, task)) and not oos_total.get((agent, task))
                else ""
            )
            for finding, item, calls, sessions, last, target in rows:
                self.rows.append((agent, task or "—", finding, item, calls, sessions, last))
                self.targets.append(target)
                table.add_row(
                    cell(agent, dim), cell(task or "—", dim),
                    cell(finding, dim or FINDING_STYLES.get(finding, "")),
                    cell(item, dim), cell(calls, dim), cell(sessions, dim), cell(last, dim),
                )  # fmt: skip

    def action_open(self) -> None:
        """Open the session at the latest call behind the row; an unused rule has none, so
        say what the finding means and where the removal is proposed."""
        index = self.query_one(DataTable).cursor_row
        if not 0 <= index < len(self.rows):
            return
        target = self.targets[index]
        if target is not None:
            self.app.open_session(target[0], focus_call=target[1])  # type: ignore[attr-defined]
            return
        agent, task, finding, rule, _calls, sessions, _last = self.rows[index]
        what = f"{rule} ({finding.removeprefix('unused ')} rule of {agent}/{task})"
        if sessions == "0":
            text = (
                f"{what}: no session of {agent}/{task} in this period, so no evidence either "
                "way (dimmed). Widen the period with t."
            )
        else:
            text = (
                f"{what} matched no call in {sessions} session(s) of this period: a removal "
                "candidate. overseer report --suggest-scope writes the config change."
            )
        self.notify(shown(text), title="Unused rule", markup=False)

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()


def _target(entry: dict[str, Any]) -> tuple[str, str | None] | None:
    session = entry.get("last_session")
    return (session, entry.get("last_call_id")) if session else None
