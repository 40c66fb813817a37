"""The session timeline: one line per tool call, built on Textual's Line API.

A ``DataTable`` needs ~16 s to load 100k rows; this widget keeps the rows as small objects,
renders only the lines on screen (``render_line``) and caches the rendered strips, so a
100,000-call session costs about what a 100-call one does (the Toolong approach).

Tail mode: while the cursor sits on the last row, new rows keep it there; scroll up and new
rows only raise a "+N new" badge until ``end`` is pressed.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.cache import LRUCache
from textual.containers import Vertical
from textual.content import Content
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Static

from overseer.tui.rows import OUTCOME_LABELS, VERDICT_LABELS, TimelineRow

#: (title, width) of the fixed columns; the summary takes the rest.
COLUMNS: tuple[tuple[str, int], ...] = (
    ("time", 8),
    ("tool", 14),
    ("verdict", 12),
    ("outcome", 13),
    ("flags", 5),
)


def header_text() -> str:
    """The column header, aligned with :meth:`Timeline.render_line`."""
    cells = [set_cell_size(title.upper(), width) for title, width in COLUMNS]
    return " " + " ".join(cells) + " INPUT"


class Timeline(ScrollView, can_focus=True):
    """Virtual list of :class:`TimelineRow` with a cursor."""

    BINDINGS = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home,g", "first", "First", show=False),
        Binding("end,G", "last", "Last / tail", show=False),
        Binding("enter", "open", "Details", show=False),
    ]

    COMPONENT_CLASSES = {
        "timeline--cursor",
        "timeline--allow",
        "timeline--ask",
        "timeline--deny",
        "timeline--unscoped",
        "timeline--flag",
        "timeline--pending",
        "timeline--dim",
    }

    cursor: reactive[int] = reactive(0, repaint=False)
    tail: reactive[bool] = reactive(True, repaint=False)

    class Highlighted(Message):
        """The cursor moved to another call."""

        def __init__(self, timeline: Timeline, row: TimelineRow | None) -> None:
            super().__init__()
            self.timeline = timeline
            self.row = row

    class Opened(Message):
        """Enter was pressed on a call."""

        def __init__(self, timeline: Timeline, row: TimelineRow) -> None:
            super().__init__()
            self.timeline = timeline
            self.row = row

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._rows: list[TimelineRow] = []
        self._cache: LRUCache[tuple[int, int, bool, int], Strip] = LRUCache(1024)
        self._unseen = 0

    # ------------------------------------------------------------------ data

    @property
    def rows(self) -> Sequence[TimelineRow]:
        return self._rows

    def set_rows(self, rows: list[TimelineRow], *, cursor: int | None = None) -> None:
        """Replace every row (a session was opened or reloaded)."""
        self._rows = rows
        self._cache.clear()
        self._unseen = 0
        self._resize()
        target = len(rows) - 1 if cursor is None else cursor
        self.tail = cursor is None
        self.cursor = max(0, min(target, len(rows) - 1))
        self._scroll_to_cursor(animate=False)
        self._announce()
        self.refresh()

    def append_rows(self, rows: Sequence[TimelineRow]) -> None:
        """Add new calls at the end; follow them when in tail mode."""
        if not rows:
            return
        self._rows.extend(rows)
        self._resize()
        if self.tail:
            self.cursor = len(self._rows) - 1
            self._scroll_to_cursor(animate=False)
            self._announce()
        else:
            self._unseen += len(rows)
        self._update_badge()
        self.refresh()

    def update_row(self, row: TimelineRow) -> None:
        """A call's outcome changed (its result arrived, an operator decided)."""
        if 0 <= row.index < len(self._rows):
            self._rows[row.index] = row
            self._cache.clear()
            self.refresh()
            if row.index == self.cursor:
                self._announce()

    @property
    def current(self) -> TimelineRow | None:
        return self._rows[self.cursor] if 0 <= self.cursor < len(self._rows) else None

    def _resize(self) -> None:
        # No horizontal scrolling: a long input is cut here and shown whole in the detail pane.
        self.virtual_size = Size(self.scrollable_content_region.width, len(self._rows))

    def on_resize(self) -> None:
        self._cache.clear()
        self._resize()

    # ------------------------------------------------------------------ moving

    def action_cursor(self, delta: int) -> None:
        self.move_to(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        self.move_to(self.cursor + direction * max(1, self.scrollable_content_region.height - 1))

    def action_first(self) -> None:
        self.move_to(0)

    def action_last(self) -> None:
        self.move_to(len(self._rows) - 1)

    def action_open(self) -> None:
        row = self.current
        if row is not None:
            self.post_message(self.Opened(self, row))

    def move_to(self, index: int) -> None:
        if not self._rows:
            return
        index = max(0, min(index, len(self._rows) - 1))
        previous = self.cursor
        self.cursor = index
        self.tail = index == len(self._rows) - 1
        if self.tail:
            self._unseen = 0
            self._update_badge()
        self._scroll_to_cursor()
        self._refresh_line(previous)
        self._refresh_line(index)
        self._announce()

    def _scroll_to_cursor(self, animate: bool = False) -> None:
        self.scroll_to_region(
            Region(0, self.cursor, 1, 1), animate=animate, force=True, immediate=True
        )

    def _refresh_line(self, index: int) -> None:
        y = index - int(self.scroll_offset.y)
        if 0 <= y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    def _announce(self) -> None:
        self.post_message(self.Highlighted(self, self.current))

    def _update_badge(self) -> None:
        badge = f"+{self._unseen} new — end to follow" if self._unseen else ""
        # Inside a TimelineBox the box draws the border (around the column header too).
        target = self.parent if isinstance(self.parent, TimelineBox) else self
        target.border_subtitle = badge

    async def _on_click(self, event: events.Click) -> None:
        index = int(self.scroll_offset.y) + event.y
        if 0 <= index < len(self._rows):
            if index == self.cursor and event.chain == 2:
                self.action_open()
            self.move_to(index)

    def watch_cursor(self, old: int, new: int) -> None:
        self._refresh_line(old)
        self._refresh_line(new)

    # ------------------------------------------------------------------ drawing

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cache.clear()

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = y + int(scroll_y)
        width = self.size.width
        if index >= len(self._rows):
            return Strip.blank(width, self.rich_style)
        selected = index == self.cursor
        key = (index, width, selected, int(scroll_x))
        cached = self._cache.get(key)
        if cached is None:
            cached = self._render_row(self._rows[index], selected)
            cached = cached.crop_extend(int(scroll_x), int(scroll_x) + width, self.rich_style)
            self._cache[key] = cached
        return cached

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"timeline--{name}", partial=True)

    def _render_row(self, row: TimelineRow, selected: bool) -> Strip:
        base = self.rich_style
        verdict_style = {
            "allow": self._style("allow"),
            "ask": self._style("ask"),
            "deny": self._style("deny"),
            "unscoped": self._style("unscoped"),
        }.get(row.verdict or "", base)
        outcome = row.outcome or ""
        outcome_style = (
            self._style("pending") if outcome in ("pending", "waiting") else
            self._style("deny") if outcome in ("denied", "policy_denied", "rejected", "blocked",
                                                "killed", "errored", "edit_denied") else
            self._style("ask") if outcome == "timed_out" else base
        )  # fmt: skip
        cells = [
            (row.ts.strftime("%H:%M:%S"), COLUMNS[0][1], self._style("dim")),
            (row.tool, COLUMNS[1][1], base),
            (VERDICT_LABELS.get(row.verdict, row.verdict or ""), COLUMNS[2][1], verdict_style),
            (OUTCOME_LABELS.get(outcome, outcome), COLUMNS[3][1], outcome_style),
            (row.flags_label, COLUMNS[4][1], self._style("flag")),
        ]
        segments = [Segment(" ", base)]
        for text, width, style in cells:
            segments.append(Segment(set_cell_size(text, width), base + style))
            segments.append(Segment(" ", base))
        segments.append(Segment(row.summary, base))
        strip = Strip(segments)
        if selected:
            strip = strip.apply_style(self._style("cursor"))
        return strip


class TimelineBox(Vertical):
    """The bordered box of a timeline: its column header, then the rows, one border around
    both (the header is part of the table, not a line above the box's title)."""

    def compose(self) -> ComposeResult:
        yield Static(Content(header_text()), id="timeline-header")
        yield Timeline(id="timeline")
