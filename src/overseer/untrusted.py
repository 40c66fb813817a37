"""Neutralise text an agent wrote, once, at ingest, so no widget or report ever has to.

Agent output is hostile until shown otherwise: an ``ESC]52`` clipboard write, ``ESC[2J``, a
bidi override that reorders what the operator reads, or a zero-width character hiding a
difference between two commands must all be *seen*, never executed. Every control character
becomes a visible stand-in; the raw value is kept separately for the audit record.

Markup is not handled here: display code hands these strings to widgets only as plain
``Text``/``Content``, never as markup (see docs/architecture.md).
"""

from __future__ import annotations

import json
from typing import Any

DEFAULT_LIMIT = 4000
SUMMARY_LIMIT = 200


#: Below this length, ``str.isprintable`` answers "nothing to change" faster than
#: ``str.translate`` does (every key of the tables is a character it calls unprintable).
_QUICK = 256


def _build_table(multiline: bool) -> dict[int, str]:
    # Printable ASCII maps to itself: for a character with no entry, str.translate raises and
    # swallows a KeyError (once per distinct character), which cost ~3 µs per short string.
    table: dict[int, str] = {code: chr(code) for code in range(0x20, 0x7F)}
    for code in range(0x20):
        table[code] = chr(0x2400 + code)  # Control Pictures: ␀ ␁ … ␛ …
    table[0x09] = "    "
    table[0x0A] = "\n" if multiline else "⏎"
    table[0x7F] = "␡"
    for code in range(0x80, 0xA0):  # C1 controls, CSI (0x9b) included
        table[code] = f"<U+{code:04X}>"
    invisible = [
        0x061C, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2028, 0x2029,
        0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064,
        0x2066, 0x2067, 0x2068, 0x2069, 0x180E, 0xFEFF, 0xFFF9, 0xFFFA, 0xFFFB,
    ]  # fmt: skip
    for code in invisible:
        table[code] = f"<U+{code:04X}>"
    for code in range(0xD800, 0xE000):  # lone surrogates (from surrogateescape decoding)
        table[code] = "\N{REPLACEMENT CHARACTER}"
    return table


_ONE_LINE = _build_table(multiline=False)
_MULTI_LINE = _build_table(multiline=True)


def neutralise(text: str, *, limit: int = DEFAULT_LIMIT, multiline: bool = False) -> str:
    """Return a display-safe form of ``text``: controls visible, capped at ``limit`` chars."""
    if len(text) <= _QUICK and len(text) <= limit and text.isprintable():
        return text
    if len(text) > limit:
        hidden = len(text) - limit
        text = text[:limit]
        return text.translate(_MULTI_LINE if multiline else _ONE_LINE) + f"… (+{hidden} chars)"
    return text.translate(_MULTI_LINE if multiline else _ONE_LINE)


def neutralise_json(value: Any, *, limit: int = DEFAULT_LIMIT) -> str:
    """Pretty JSON of an agent-written value, neutralised, for the detail view."""
    try:
        text = json.dumps(value, indent=2, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        text = repr(value)
    return neutralise(text, limit=limit, multiline=True)


def is_clean(text: str) -> bool:
    """True when ``text`` has nothing that :func:`neutralise` would change (tests use this)."""
    return text == text.translate(_MULTI_LINE)


#: Printable ASCII and the newline: all a multi-line display form keeps unchanged.
_PLAIN_BYTES = bytes(range(0x20, 0x7F)) + b"\n"


def plain_multiline(text: str) -> bool:
    """True when :func:`neutralise` with ``multiline=True`` would return ``text`` unchanged
    (below the limit): printable ASCII and newlines only. Exact, and one C-level pass
    (``str.isascii`` is a flag; deleting the plain bytes leaves nothing), about half what
    ``str.translate`` costs on the same text, and the text itself is the display form."""
    return text.isascii() and not text.encode("ascii").translate(None, _PLAIN_BYTES)
