"""Small display helpers shared by the screens: ages, sparklines, plain cells.

``cell`` wraps a string as ``rich.text.Text`` — never markup — because a ``str`` handed to a
``DataTable`` is parsed as markup, and agent text must never be.
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text

_BARS = " ▁▂▃▄▅▆▇█"


def cell(value: object, style: str = "") -> Text:
    """A DataTable cell that is always plain text."""
    return Text(str(value), style=style, no_wrap=True, overflow="ellipsis")


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
}


def short_flag(detector: str) -> str:
    return SHORT_FLAGS.get(detector, detector)
