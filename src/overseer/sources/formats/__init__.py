"""One pure parser per log format: bytes of one line in, events and problems out.

A parser is made per file (:func:`make_parser`) and fed complete lines in order::

    parser = make_parser("claude_code", "/path/session.jsonl")
    for lineno, raw in enumerate(lines, start=1):
        for item in parser.feed(raw, lineno):   # Event | Problem, never an exception
            ...
    items = parser.flush()                      # at end of file: anything held back
    saved = parser.state                        # JSON-serialisable; stored with the offset
    parser = make_parser("claude_code", path, saved)   # … after a restart

Nothing here does I/O or imports the store (``tests/test_layering.py`` checks it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from overseer.model import Event, Problem
from overseer.sources.formats._common import MAX_LINE_BYTES, BaseParser
from overseer.sources.formats.claude_code import ClaudeCodeParser
from overseer.sources.formats.codex import CodexParser
from overseer.sources.formats.native import NativeParser
from overseer.sources.formats.otlp import OtlpParser

__all__ = ["FORMATS", "MAX_LINE_BYTES", "BaseParser", "Parser", "make_parser"]


class Parser(Protocol):
    """What the ingest loop needs from a parser."""

    format: str
    source: str

    def feed(self, raw_line: bytes, lineno: int) -> list[Event | Problem]: ...

    def flush(self) -> list[Event | Problem]: ...

    @property
    def state(self) -> dict[str, Any]: ...


_PARSERS: dict[str, type[BaseParser]] = {
    "native": NativeParser,
    "claude_code": ClaudeCodeParser,
    "codex": CodexParser,
    "otlp": OtlpParser,
}
#: Format names accepted by ``--format`` (``claude-code`` is accepted for ``claude_code``).
FORMATS: tuple[str, ...] = tuple(_PARSERS)


def normalise_format(name: str) -> str:
    """``claude-code`` → ``claude_code``; raises ValueError for an unknown format."""
    key = name.strip().lower().replace("-", "_")
    if key not in _PARSERS:
        raise ValueError(f"unknown format {name!r} (expected one of: {', '.join(FORMATS)})")
    return key


def make_parser(fmt: str, source: str, state: Mapping[str, Any] | None = None) -> BaseParser:
    """A fresh parser for ``source`` in ``fmt``, or one resumed from a saved ``state``."""
    return _PARSERS[normalise_format(fmt)](source, state)
