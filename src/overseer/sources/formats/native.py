"""The native format: overseer's own JSON lines, for in-house agents and the gateway API.

The schema is documented in ``docs/event-schema.md`` (one example per record kind). The
parser is strict about what the schema requires (a typo in a producer should show up as a
Problem the day it ships, not as silently missing events) and lenient about additions:
unknown fields are kept in ``Event.extra``.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Annotated, Any

import msgspec
import orjson

from overseer.model import CallStatus, Event, EventKind
from overseer.sources.formats._common import (
    MAX_DEPTH,
    MAX_IDENT,
    MAX_LINE_BYTES,
    BadRecord,
    BaseParser,
    Item,
    _openers,
    display_json,
    first_line,
    ident,
    message,
    opt_text,
    parse_ts,
    summarise_input,
    text_of,
    tool_call,
    tool_result,
)
from overseer.untrusted import DEFAULT_LIMIT, SUMMARY_LIMIT, neutralise, plain_multiline

#: Enum members as module globals: in CPython 3.11 each ``EventKind.X``-style lookup costs
#: ~160 ns (the enum's class attribute path), a global ~7 ns; the hot path reads them per event.
_K_APPROVAL_REQUEST = EventKind.APPROVAL_REQUEST
_K_MESSAGE = EventKind.MESSAGE
_K_SESSION_END = EventKind.SESSION_END
_K_SESSION_START = EventKind.SESSION_START
_K_TOOL_CALL = EventKind.TOOL_CALL
_K_TOOL_RESULT = EventKind.TOOL_RESULT
_S_ERROR = CallStatus.ERROR
_S_OK = CallStatus.OK
_S_PENDING = CallStatus.PENDING

KINDS = frozenset(k.value for k in EventKind)
_KNOWN = frozenset(
    {
        "kind", "session", "ts", "seq", "agent", "task", "cwd", "pid", "host", "call_id",
        "tool", "input", "output", "is_error", "status", "approval_id", "role", "text",
        "reason", "parent_session",
    }
)  # fmt: skip
_OPTIONAL = (("agent", 200), ("task", 200), ("cwd", 1000), ("parent_session", 512))
_RESULT_STATUSES = {s.value: s for s in CallStatus if s is not _S_PENDING}


def _input(record: dict[str, Any]) -> dict[str, Any]:
    value = record.get("input", {})
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadRecord("'input' must be a JSON object")
    return value


def _int(value: Any, what: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise BadRecord(f"{what!r} must be an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit() and len(value) < 20:
        return int(value)
    raise BadRecord(f"{what!r} must be an integer")


# --------------------------------------------------------------------------- typed hot path
#
# The common records (calls, results, messages, session start and end with the schema's
# fields, of the schema's types) are decoded by msgspec straight into :class:`_Line`, then
# become their Event through the same helpers as below. Anything else — an unknown field, a
# type the schema does not name (``"seq": "3"``, ``"session": 7``), an integer orjson would
# read as a float, a line too long, too deep or with a NUL, bad JSON, a missing field — fails
# the typed decode or one of the checks and is read by the dict path (:meth:`_record`), which
# makes the Problem or the Event exactly as before. ``tests/test_ingest_differential.py``
# holds the two paths equal over the corpus and generated hostile lines.

#: The integers orjson keeps as ``int`` (beyond them it reads a float; those lines go the dict way).
_Int = Annotated[int, msgspec.Meta(ge=-(2**63), le=2**63 - 1)]
_ABSENT = msgspec.Raw()


class _Line(msgspec.Struct, forbid_unknown_fields=True):
    kind: str
    session: str
    ts: _Int | float | str
    seq: _Int | None = None
    agent: str | None = None
    task: str | None = None
    cwd: str | None = None
    pid: _Int | None = None
    host: str | None = None
    call_id: str | None = None
    tool: str | None = None
    input: msgspec.Raw = _ABSENT
    output: str | None = None
    is_error: bool = False
    status: str | None = None
    approval_id: str | None = None
    role: str | None = None
    text: str | None = None
    reason: str | None = None
    parent_session: str | None = None


_decode_line = msgspec.json.Decoder(_Line).decode
_loads = orjson.loads
_FAST_KINDS = frozenset({"tool_call", "tool_result", "message", "session_start", "session_end"})
#: The summary and display form of calls read, by (tool, raw input text): agents repeat
#: their calls. One bounded cache for the process (a thousand tailed files do not hold a
#: thousand caches), cleared when full; :func:`forget_call_forms` empties it.
_CALL_FORMS: dict[tuple[str, bytes], tuple[str, str]] = {}
_CALL_FORMS_LIMIT = 4096
_CALL_FORMS_KEY_LIMIT = 2048


def forget_call_forms() -> None:
    """Start cold (the bench does, each round, as a fresh process would)."""
    global _text_chars
    _CALL_FORMS.clear()
    _TEXT_FORMS.clear()
    _text_chars = 0


def _call_forms(tool: str, raw_input: bytes, tool_input: dict[str, Any]) -> tuple[str, str]:
    """``(summary, input_display)`` of a call; the same input text always gives the same."""
    cache = _CALL_FORMS
    key = (tool, raw_input)
    forms = cache.get(key)
    if forms is None:
        forms = (summarise_input(tool, tool_input), display_json(tool_input))
        if len(raw_input) <= _CALL_FORMS_KEY_LIMIT:
            if len(cache) >= _CALL_FORMS_LIMIT:
                cache.clear()
            cache[key] = forms
    return forms


#: The summary and display form of result and message texts, by the text: tools repeat
#: their output (``ok``, a test run, the same file read again). Bounded in entries and in
#: characters held; texts longer than :data:`_TEXT_KEY_LIMIT` are not kept.
_TEXT_FORMS: dict[str, tuple[str, str]] = {}
_TEXT_FORMS_LIMIT = 4096
_TEXT_FORMS_CHARS = 16 * 1024 * 1024
_TEXT_KEY_LIMIT = 65_536
_text_chars = 0


def _text_forms(text: str) -> tuple[str, str]:
    """``(first_line(text), _shown(text))``; the same text always gives the same."""
    global _text_chars
    if len(text) > _TEXT_KEY_LIMIT:
        return first_line(text), _shown(text)
    cache = _TEXT_FORMS
    forms = cache.get(text)
    if forms is None:
        forms = (first_line(text), _shown(text))
        if len(cache) >= _TEXT_FORMS_LIMIT or _text_chars + len(text) > _TEXT_FORMS_CHARS:
            cache.clear()
            _text_chars = 0
        cache[text] = forms
        _text_chars += len(text)
    return forms


def _shown(text: str) -> str:
    """The multi-line display form of ``text``: itself when there is nothing to change."""
    if len(text) <= DEFAULT_LIMIT and plain_multiline(text):
        return text
    return neutralise(text, multiline=True)


def _id(value: Any, what: str) -> str:
    """:func:`ident` for a decoded string, without its checks when it is plain."""
    if type(value) is str and 0 < len(value) <= MAX_IDENT and value.isprintable():
        return value
    return ident(value, what)


def _ts(value: Any) -> datetime:
    """:func:`parse_ts` of a decoded ``ts``; epoch seconds without its checks."""
    if type(value) is float and -1e11 <= value <= 1e11:
        try:
            return _fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            pass  # parse_ts says why
    return parse_ts(value)


_fromtimestamp = datetime.fromtimestamp
#: Event's fields in order: the typed path builds events positionally (a third of what
#: keywords cost), so a change to :class:`Event` must be made here too (checked at import).
_EVENT_FIELDS = (
    "kind", "session", "ts", "agent", "task", "seq", "tool", "call_id", "input", "output",
    "is_error", "status", "approval_id", "role", "text", "cwd", "pid", "host", "reason",
    "parent_session", "source", "line", "verdict", "rule", "flags", "summary", "input_display",
    "output_display", "extra",
)  # fmt: skip
if tuple(f.name for f in dataclasses.fields(Event)) != _EVENT_FIELDS:  # pragma: no cover
    raise ImportError("overseer.model.Event's fields changed: update native._EVENT_FIELDS")
_CALL, _RESULT, _MESSAGE = _K_TOOL_CALL, _K_TOOL_RESULT, _K_MESSAGE
_PENDING, _OK, _ERROR = _S_PENDING, _S_OK, _S_ERROR


class NativeParser(BaseParser):
    """Stateless: every native record carries its own session, so there is nothing to carry."""

    format = "native"
    #: False reads every line through the dict path (the reference the typed path is held to).
    typed = True

    def feed(self, raw_line: bytes, lineno: int) -> list[Item]:
        # No NUL check here: msgspec refuses any raw control byte (in a string or between
        # tokens), so a line with one fails the typed decode and the dict path says so.
        if self.typed and len(raw_line) <= MAX_LINE_BYTES:
            try:
                line = _decode_line(raw_line)
            except (msgspec.DecodeError, msgspec.ValidationError):
                pass  # blank, bad or unusual: the dict path says what it is
            else:
                # Every field but ``input`` is a scalar here, so only the input can nest: the
                # record is too deep only if its input is (one level less).
                # Only a call's input is read (orjson checks its UTF-8, which msgspec.Raw
                # does not): any other record that carries one goes the dict way.
                raw_input = bytes(line.input)
                if line.kind in _FAST_KINDS and (
                    not raw_input or (line.kind == "tool_call" and _openers(raw_input) < MAX_DEPTH)
                ):
                    try:
                        return [self._typed(line, raw_input, lineno)]
                    except Exception:  # the dict path makes its Problem
                        pass
        return super().feed(raw_line, lineno)

    def _typed(self, line: _Line, raw_input: bytes, lineno: int) -> Event:
        """The Event of a well-typed common record (raises on anything :meth:`_record`
        would turn into a Problem; the caller then reads the line that way)."""
        kind = line.kind
        session = _id(line.session, "session")
        ts = _ts(line.ts)
        agent = None if line.agent is None else opt_text(line.agent, 200)
        task = None if line.task is None else opt_text(line.task, 200)
        cwd = None if line.cwd is None else opt_text(line.cwd, 1000)
        parent = None if line.parent_session is None else opt_text(line.parent_session, 512)
        if kind == "tool_call":
            tool = _id(line.tool, "tool")
            call_id = _id(line.call_id, "call_id")
            value = _loads(raw_input) if raw_input else {}
            if value is None:
                value = {}
            elif type(value) is not dict:
                raise BadRecord("'input' must be a JSON object")
            summary, shown_input = _call_forms(tool, raw_input, value)
            return Event(
                _CALL, session, ts, agent, task, line.seq, tool, call_id, value, None,
                False, _PENDING, None, None, None, cwd, None, None, None,
                parent, self.source, lineno, None, None, [], summary, shown_input, "", {},
            )  # fmt: skip
        if kind == "tool_result":
            call_id = _id(line.call_id, "call_id")
            raw_status = line.status
            if raw_status is None:
                status = _ERROR if line.is_error else _OK
            else:
                status = _RESULT_STATUSES[raw_status]  # KeyError: the dict path explains
            output = line.output or ""
            summary, shown = _text_forms(output)
            return Event(
                _RESULT, session, ts, agent, task, line.seq, None, call_id, None, output,
                status is not _OK, status, None, None, None, cwd, None, None, None,
                parent, self.source, lineno, None, None, [], summary, "", shown, {},
            )  # fmt: skip
        if kind == "message":
            text = line.text
            role = None if line.role is None else opt_text(line.role, 40)
            if text is None or not role:
                raise BadRecord("missing field")
            summary, shown = _text_forms(text)
            return Event(
                _MESSAGE, session, ts, agent, task, line.seq, None, None, None, None,
                False, None, None, role, text, cwd, None, None, None,
                parent, self.source, lineno, None, None, [], summary, "", shown, {},
            )  # fmt: skip
        if kind == "session_start":
            return Event(
                kind=_K_SESSION_START,
                session=session,
                ts=ts,
                agent=agent,
                task=task,
                seq=line.seq,
                cwd=cwd,
                pid=line.pid,
                host=None if line.host is None else opt_text(line.host, 255),
                parent_session=parent,
                source=self.source,
                line=lineno,
                summary=neutralise(cwd or "", limit=SUMMARY_LIMIT),
            )
        # session_end
        reason = None if line.reason is None else opt_text(line.reason)
        return Event(
            kind=_K_SESSION_END,
            session=session,
            ts=ts,
            agent=agent,
            task=task,
            seq=line.seq,
            cwd=cwd,
            reason=reason,
            parent_session=parent,
            source=self.source,
            line=lineno,
            summary=neutralise(reason or "", limit=SUMMARY_LIMIT),
        )

    def _record(self, record: dict[str, Any], lineno: int) -> list[Item]:
        get = record.get
        kind = get("kind")
        if not isinstance(kind, str) or kind not in KINDS:
            if kind is None:
                raise BadRecord("missing field 'kind'")
            shown = neutralise(str(kind), limit=40)
            raise BadRecord(f"unknown kind {shown!r} (expected one of: {', '.join(sorted(KINDS))})")
        common: dict[str, Any] = {
            "session": ident(get("session"), "session"),
            "ts": parse_ts(get("ts")),
            "source": self.source,
            "line": lineno,
        }
        seq = get("seq")
        if seq is not None:
            common["seq"] = _int(seq, "seq")
        for key, limit in _OPTIONAL:  # absent keys keep the Event defaults (fast path)
            value = get(key)
            if value is not None:
                common[key] = opt_text(value, limit)
        if not _KNOWN.issuperset(record):
            common["extra"] = {k: record[k] for k in record.keys() - _KNOWN}
        if kind == "tool_call":
            return [
                tool_call(
                    tool=ident(record.get("tool"), "tool"),
                    call_id=ident(record.get("call_id"), "call_id"),
                    tool_input=_input(record),
                    **common,
                )
            ]
        if kind == "tool_result":
            return [self._result(record, common)]
        if kind == "message":
            text = record.get("text")
            if not isinstance(text, str):
                raise BadRecord(
                    "missing field 'text'" if text is None else "'text' must be a string"
                )
            role = opt_text(record.get("role"), 40)
            if not role:
                raise BadRecord("missing field 'role'")
            return [message(role=role, text=text, **common)]
        if kind == "approval_request":
            tool_input = _input(record)
            call_id = record.get("call_id")
            return [
                Event(
                    kind=_K_APPROVAL_REQUEST,
                    approval_id=ident(record.get("approval_id"), "approval_id"),
                    call_id=ident(call_id, "call_id") if call_id is not None else None,
                    tool=(tool := ident(record.get("tool"), "tool")),
                    input=tool_input,
                    reason=opt_text(record.get("reason")),
                    summary=summarise_input(tool, tool_input),
                    input_display=display_json(tool_input),
                    **common,
                )
            ]
        if kind == "session_start":
            cwd = common.get("cwd")
            return [
                Event(
                    kind=_K_SESSION_START,
                    pid=_int(record.get("pid"), "pid"),
                    host=opt_text(record.get("host"), 255),
                    summary=neutralise(cwd or "", limit=SUMMARY_LIMIT),
                    **common,
                )
            ]
        # session_end
        reason = opt_text(record.get("reason"))
        return [
            Event(
                kind=_K_SESSION_END,
                reason=reason,
                summary=neutralise(reason or "", limit=SUMMARY_LIMIT),
                **common,
            )
        ]

    def _result(self, record: dict[str, Any], common: dict[str, Any]) -> Event:
        is_error = record.get("is_error", False)
        if not isinstance(is_error, bool):
            raise BadRecord("'is_error' must be true or false")
        raw_status = record.get("status")
        if raw_status is None:
            status = _S_ERROR if is_error else _S_OK
        elif isinstance(raw_status, str) and raw_status in _RESULT_STATUSES:
            status = _RESULT_STATUSES[raw_status]
        else:
            allowed = ", ".join(sorted(_RESULT_STATUSES))
            raise BadRecord(f"'status' must be one of: {allowed}")
        return tool_result(
            call_id=ident(record.get("call_id"), "call_id"),
            output=text_of(record.get("output")),
            status=status,
            **common,
        )
