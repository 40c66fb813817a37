"""``--since`` / ``--until`` values → aware UTC datetimes.

A reviewer types what they think in: a date (``2026-03-01``), an RFC 3339 time
(``2026-03-01T09:00:00Z``, ``+02:00`` offsets honoured) or an age (``7d``, ``12h``, ``30m``,
``2w``: that long before *now*). Naive times are UTC, like everything in the store, so a
report does not change with the reviewer's time zone.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_AGO = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)\s*$")
_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}


def parse_when(text: str, now: datetime | None = None) -> datetime:
    """Parse one ``--since``/``--until`` value; ``ValueError`` says what is accepted."""
    raw = text.strip()
    ago = _AGO.match(raw)
    if ago:
        base = now or datetime.now(UTC)
        return base - timedelta(seconds=float(ago.group(1)) * _UNITS[ago.group(2)])
    candidate = raw[:-1] + "+00:00" if raw.endswith(("Z", "z")) else raw
    try:
        moment = datetime.fromisoformat(candidate)
    except ValueError:
        raise ValueError(
            f"cannot read {text!r} as a time: use a date (2026-03-01), an RFC 3339 time "
            "(2026-03-01T09:00:00Z) or an age (7d, 12h, 30m, 2w)"
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
