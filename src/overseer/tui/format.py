"""Small display helpers shared by the screens: ages, sparklines, plain cells.

``cell`` wraps a string as ``rich.text.Text`` — never markup — because a ``str`` handed to a
``DataTable`` is parsed as markup, and agent text must never be.

``shown`` is the one exception to "neutralised once, at ingest": identifiers that reach the
store through the gate path (a hook's ``session_id`` and ``tool_name``, an agent name from the
environment) are kept raw there, because they are keys. Every cell and every panel heading
passes through it; on text that was already neutralised it changes nothing.
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text

from overseer.untrusted import neutralise

_BARS = " ▁▂▃▄▅▆▇█"


def shown(value: object, limit: int = 300) -> str:
    """A one-line, inert form of an identifier or label (controls and bidi made visible)."""
    return neutralise(str(value), limit=limit)


def cell(value: object, style: str = "") -> Text:
    """A DataTable cell that is always plain, inert text."""
    return Text(shown(value), style=style, no_wrap=True, overflow="ellipsis")


def age(then: datetime | None, now: datetime) -> str:
    """Compact age: ``12s``, ``4m``, ``3h``, ``2d``."""
    if then is None:
        return "—"
    seconds = max(0, int((now - then).total_seconds()))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"


def countdown(deadline: datetime | None, now: datetime) -> str:
    """Time left before a gated call times out."""
    if deadline is None:
        return "—"
    seconds = int((deadline - now).total_seconds())
    if seconds <= 0:
        return "due"
    return f"{seconds // 60}:{seconds % 60:02d}"


def sparkline(values: list[int], width: int = 12) -> str:
    """Activity as block characters, scaled to the busiest bucket."""
    if not values:
        return " " * width
    values = values[-width:]
    peak = max(values) or 1
    return "".join(_BARS[min(8, round(v / peak * 8))] if v else " " for v in values).rjust(width)


#: Detector ids are precise but long; queues and tables show these.
SHORT_FLAGS = {
    "destructive_command": "destructive",
    "write_outside_cwd": "outside-cwd",
    "retry_after_denial": "retry",
    "secret_read": "secret-read",
    "secret_in_input": "secret",
    "egress_unallowed": "egress",
    "download_exec": "curl|sh",
    "privilege_change": "privilege",
    "injected_instructions": "injection",
    "credential_acquired": "cred-acquired",
    "oversight_tampering": "TAMPERING",
    "ungated_call": "ungated",
}


def short_flag(detector: str) -> str:
    return SHORT_FLAGS.get(detector, detector)
