"""What every format parser shares: decoding one line, timestamps, identifiers, display forms.

Pure: no I/O, no store. Everything here exists so the four parsers agree on the hard parts:

* a line becomes a JSON object or a :class:`~overseer.model.Problem` (never an exception);
* an agent-written string is neutralised here, once (:mod:`overseer.untrusted`), and only
  here: ``summary``, ``input_display``, ``output_display`` and the short identifier fields;
* events are built by the same three builders, so a Codex call and a Claude call look alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

import orjson

from overseer.model import CallStatus, Event, EventKind, Problem
from overseer.summary import summarise
from overseer.untrusted import (
    DEFAULT_LIMIT,
    SUMMARY_LIMIT,
    neutralise,
    neutralise_json,
    plain_multiline,
)

#: Enum members as module globals: in CPython 3.11 each ``EventKind.X``-style lookup costs
#: ~160 ns (the enum's class attribute path), a global ~7 ns; the hot path reads them per event.
_K_MESSAGE = EventKind.MESSAGE
_K_TOOL_CALL = EventKind.TOOL_CALL
_K_TOOL_RESULT = EventKind.TOOL_RESULT
_S_OK = CallStatus.OK
_S_PENDING = CallStatus.PENDING

#: A longer line is a Problem, not an event (it is never parsed or held whole for display).
MAX_LINE_BYTES = 8 * 1024 * 1024
#: Deeper JSON is a Problem: display and storage code recurse, and no real log nests this deep.
MAX_DEPTH = 128
#: Identifiers (session, call id, tool name) longer than this are rejected as malformed.
MAX_IDENT = 512
_EXCERPT = 160

Item = Event | Problem


class BadRecord(Exception):
    """A record that cannot become an event; :meth:`BaseParser.feed` turns it into a Problem."""


def excerpt(raw: bytes | str) -> str:
    """A short, neutralised look at a bad line, so the operator can recognise it."""
    text = raw[: _EXCERPT * 4].decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    return neutralise(text, limit=_EXCERPT)


def problem(source: str, line: int | None, reason: str, raw: bytes | str = b"") -> Problem:
    return Problem(source=source, line=line, reason=reason, excerpt=excerpt(raw) if raw else "")


def _too_deep(value: Any, limit: int) -> bool:
    """Iterative depth check (a recursive one would be the very crash it guards against)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values() if isinstance(v, dict | list))
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node if isinstance(v, dict | list))
    return False


def _openers(raw: bytes) -> int:
    """How many ``{`` and ``[`` a line holds. ``bytes.replace`` finds a rare byte with
    memchr; ``bytes.count`` looks at every byte (about 4x slower on a 1 KB line)."""
    size = len(raw)
    return 2 * size - len(raw.replace(b"{", b"")) - len(raw.replace(b"[", b""))


def decode_line(raw: bytes, source: str, lineno: int) -> dict[str, Any] | Problem | None:
    """One JSON-lines record → its object; a blank line → None; anything bad → a Problem."""
    if len(raw) > MAX_LINE_BYTES:
        return problem(
            source, lineno, f"line too long ({len(raw)} bytes; limit {MAX_LINE_BYTES})", raw
        )
    if b"\x00" in raw:
        return problem(source, lineno, "NUL byte in line (binary data, not JSON lines)", raw)
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        if not raw.strip():
            return None
        message = str(exc)
        if "UTF-8" in message:
            return problem(source, lineno, "invalid UTF-8", raw)
        if "depth" in message or "recursion" in message:
            return problem(source, lineno, "JSON nested too deeply", raw)
        return problem(source, lineno, f"invalid JSON: {message}", raw)
    if not isinstance(value, dict):
        kind = {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
            type(value), "a number"
        )
        return problem(source, lineno, f"expected a JSON object, got {kind}", raw)
    # Cheap bound first: nesting deeper than MAX_DEPTH needs at least that many brackets.
    if _openers(raw) > MAX_DEPTH and _too_deep(value, MAX_DEPTH):
        return problem(
            source, lineno, f"JSON nested too deeply (more than {MAX_DEPTH} levels)", raw
        )
    return value


def parse_ts(value: Any, what: str = "ts") -> datetime:
    """RFC 3339 text (``Z`` or an offset) or epoch seconds/milliseconds → an aware datetime."""
    if isinstance(value, str):
        try:
            ts = datetime.fromisoformat(value)
        except ValueError:
            raise BadRecord(
                f"invalid timestamp in {what}: {neutralise(value, limit=60)!r}"
            ) from None
        return ts if ts.tzinfo is not None else ts.replace(tzinfo=UTC)
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value / 1000 if abs(value) > 1e11 else value
        try:
            return datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise BadRecord(f"timestamp out of range in {what}") from None
    if value is None:
        raise BadRecord(f"missing field {what!r}")
    raise BadRecord(f"invalid timestamp in {what}: expected RFC 3339 text")


def ident(value: Any, what: str) -> str:
    """A required identifier (session, call id, tool): a non-empty, bounded, display-safe string.

    Identifiers are shown on screen and used as keys; one carrying an escape sequence is
    neutralised (deterministically, so a call and its result still pair up)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value:
        raise BadRecord(
            f"missing field {what!r}" if value in (None, "") else f"{what!r} must be a string"
        )
    if len(value) > MAX_IDENT:
        raise BadRecord(f"{what!r} is too long ({len(value)} characters)")
    return value if value.isprintable() else neutralise(value, limit=MAX_IDENT)


def opt_text(value: Any, limit: int = 1000) -> str | None:
    """An optional short agent-written field (cwd, host, role, reason…), display-safe."""
    if isinstance(value, str):
        text = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        text = str(value)
    else:
        return None
    if len(text) <= limit and text.isprintable():
        return text
    return neutralise(text, limit=limit)


# --------------------------------------------------------------------------- display forms


def first_line(text: str) -> str:
    """The first non-blank line, neutralised and capped, with ``…`` when more follows: the
    one-line summary of an output or a message (the detail view shows the whole text).

    Cheaper than neutralising a whole one-line form: ``⏎`` in the result would push
    ``str.translate`` off its ASCII fast path for every character."""
    head = text[: SUMMARY_LIMIT * 4].lstrip()
    line, newline, rest = head.partition("\n")
    line = line.rstrip("\r")
    if len(line) > SUMMARY_LIMIT:
        return neutralise(line[:SUMMARY_LIMIT], limit=SUMMARY_LIMIT) + " …"
    more = (newline and rest.strip()) or len(text) > SUMMARY_LIMIT * 4
    shown = neutralise(line, limit=SUMMARY_LIMIT)
    return shown + " …" if more else shown


def display_json(value: Any) -> str:
    """Pretty JSON of an agent-written value, neutralised (orjson: ~5x faster than json)."""
    try:
        text = orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode()
    except (TypeError, ValueError):
        return neutralise_json(value)
    if len(text) <= DEFAULT_LIMIT and plain_multiline(text):
        return text  # what neutralise would return, found in one C-level pass
    return neutralise(text, multiline=True)


def summarise_input(tool: str | None, tool_input: Mapping[str, Any]) -> str:
    """A call's one-line summary: the same function the gate uses (:mod:`overseer.summary`)."""
    return summarise(tool, tool_input)


def tool_call(
    *,
    session: str,
    ts: datetime,
    tool: str,
    call_id: str,
    tool_input: dict[str, Any],
    source: str,
    line: int,
    **fields: Any,
) -> Event:
    """A TOOL_CALL, pending until the store pairs it with its result."""
    return Event(
        kind=_K_TOOL_CALL,
        session=session,
        ts=ts,
        tool=tool,
        call_id=call_id,
        input=tool_input,
        status=_S_PENDING,
        source=source,
        line=line,
        summary=summarise_input(tool, tool_input),
        input_display=display_json(tool_input),
        **fields,
    )


def tool_result(
    *,
    session: str,
    ts: datetime,
    call_id: str,
    output: str,
    status: CallStatus,
    source: str,
    line: int,
    **fields: Any,
) -> Event:
    """A TOOL_RESULT with what happened to the call (ok, error, rejected, blocked…)."""
    return Event(
        kind=_K_TOOL_RESULT,
        session=session,
        ts=ts,
        call_id=call_id,
        output=output,
        is_error=status is not _S_OK,
        status=status,
        source=source,
        line=line,
        summary=first_line(output),
        output_display=neutralise(output, multiline=True),
        **fields,
    )


def message(
    *, session: str, ts: datetime, role: str, text: str, source: str, line: int, **fields: Any
) -> Event:
    """A MESSAGE; its display form goes to ``output_display`` (the detail view)."""
    return Event(
        kind=_K_MESSAGE,
        session=session,
        ts=ts,
        role=role,
        text=text,
        source=source,
        line=line,
        summary=first_line(text),
        output_display=neutralise(text, multiline=True),
        **fields,
    )


def text_of(value: Any) -> str:
    """Tool output in any of the shapes agents use: a string, content blocks, or JSON."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, list):
        parts: list[str] = []
        for block in value:
            if isinstance(block, str):
                parts.append(block)
            elif isinstance(block, dict):
                kind = block.get("type")
                if isinstance(block.get("text"), str):
                    parts.append(block["text"])
                elif kind in ("image", "input_image"):
                    parts.append("[image]")
                else:
                    parts.append(text_of(block.get("content")) if "content" in block else "")
        return "\n".join(p for p in parts if p)
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except (TypeError, ValueError):
        return str(value)


# --------------------------------------------------------------------------- parser base


class BaseParser:
    """A per-file parser: ``feed`` one line at a time, keep a small JSON-serialisable state.

    ``state`` is saved with the byte offset in the same transaction as the events, so after
    a restart a parser rebuilt from it continues exactly where the last one stopped.
    ``feed`` never raises: a record it cannot use becomes a Problem and the next line is
    read normally.
    """

    format: ClassVar[str] = ""

    def __init__(self, source: str, state: Mapping[str, Any] | None = None) -> None:
        self.source = source
        self._restore(dict(state) if isinstance(state, Mapping) else {})

    def _restore(self, state: dict[str, Any]) -> None:
        """Rebuild from :attr:`state` (tolerant: a missing or odd key means a fresh start)."""

    @property
    def state(self) -> dict[str, Any]:
        """What a parser rebuilt after a restart needs (JSON-serialisable, kept small)."""
        return {}

    def feed(self, raw_line: bytes, lineno: int) -> list[Item]:
        record = decode_line(raw_line, self.source, lineno)
        if record is None:
            return []
        if isinstance(record, Problem):
            return [record]
        try:
            return self._record(record, lineno)
        except BadRecord as exc:
            return [problem(self.source, lineno, str(exc), raw_line)]
        except RecursionError:
            return [problem(self.source, lineno, "JSON nested too deeply", raw_line)]
        except Exception as exc:  # a parser bug must never stop ingestion: keep it visible
            reason = f"unreadable record ({type(exc).__name__}: {exc})"
            return [problem(self.source, lineno, neutralise(reason, limit=300), raw_line)]

    def flush(self) -> list[Item]:
        """Emit anything held back waiting for more lines (called when the reader is at EOF)."""
        return []

    def _record(self, record: dict[str, Any], lineno: int) -> list[Item]:
        raise NotImplementedError


class BoundedMap:
    """An insertion-ordered dict that forgets its oldest keys: parser state must stay small."""

    __slots__ = ("data", "limit")

    def __init__(self, limit: int, data: Any = None) -> None:
        self.limit = limit
        self.data: dict[str, Any] = {}
        if isinstance(data, dict):
            for key, value in list(data.items())[-limit:]:
                self.data[str(key)] = value

    def __setitem__(self, key: str, value: Any) -> None:
        self.data.pop(key, None)
        self.data[key] = value
        if len(self.data) > self.limit:
            del self.data[next(iter(self.data))]

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self.data
