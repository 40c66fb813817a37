"""The native format: overseer's own JSON lines, for in-house agents and the gateway API.

The schema is documented in ``docs/event-schema.md`` (one example per record kind). The
parser is strict about what the schema requires (a typo in a producer should show up as a
Problem the day it ships, not as silently missing events) and lenient about additions:
unknown fields are kept in ``Event.extra``.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
import orjson

from overseer.model import CallStatus, Event, EventKind
from overseer.sources.formats._common import (
    MAX_DEPTH,
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

KINDS = frozenset(k.value for k in EventKind)
_KNOWN = frozenset(
    {
        "kind", "session", "ts", "seq", "agent", "task", "cwd", "pid", "host", "call_id",
        "tool", "input", "output", "is_error", "status", "approval_id", "role", "text",
        "reason", "parent_session",
    }
)  # fmt: skip
_OPTIONAL = (("agent", 200), ("task", 200), ("cwd", 1000), ("parent_session", 512))
_RESULT_STATUSES = {s.value: s for s in CallStatus if s is not CallStatus.PENDING}


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
_FAST_KINDS = frozenset({"tool_call", "tool_result", "message", "session_start", "session_end"})
#: The summary and display form of calls read, by (tool, raw input text): agents repeat
#: their calls. One bounded cache for the process (a thousand tailed files do not hold a
#: thousand caches), cleared when full; :func:`forget_call_forms` empties it.
_CALL_FORMS: dict[tuple[str, bytes], tuple[str, str]] = {}
_CALL_FORMS_LIMIT = 4096
_CALL_FORMS_KEY_LIMIT = 2048


def forget_call_forms() -> None:
    """Start cold (the bench does, each round, as a fresh process would)."""
    _CALL_FORMS.clear()


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


def _shown(text: str) -> str:
    """The multi-line display form of ``text``: itself when there is nothing to change."""
    if len(text) <= DEFAULT_LIMIT and plain_multiline(text):
        return text
    return neutralise(text, multiline=True)


class NativeParser(BaseParser):
    """Stateless: every native record carries its own session, so there is nothing to carry."""

    format = "native"
    #: False reads every line through the dict path (the reference the typed path is held to).
    typed = True

    def feed(self, raw_line: bytes, lineno: int) -> list[Item]:
        if self.typed and len(raw_line) <= MAX_LINE_BYTES and b"\x00" not in raw_line:
            try:
                line = _decode_line(raw_line)
            except (msgspec.DecodeError, msgspec.ValidationError):
                pass  # blank, bad or unusual: the dict path says what it is
            else:
                # Every field but ``input`` is a scalar here, so only the input can nest: the
                # record is too deep only if its input is (one level less).
                raw_input = bytes(line.input)
                if line.kind in _FAST_KINDS and _openers(raw_input) < MAX_DEPTH:
                    try:
                        return [self._typed(line, raw_input, lineno)]
                    except Exception:  # the dict path makes its Problem
                        pass
        return super().feed(raw_line, lineno)

    def _typed(self, line: _Line, raw_input: bytes, lineno: int) -> Event:
        """The Event of a well-typed common record (raises on anything :meth:`_record`
        would turn into a Problem; the caller then reads the line that way)."""
        kind = line.kind
        session = ident(line.session, "session")
        ts = parse_ts(line.ts)
        agent = None if line.agent is None else opt_text(line.agent, 200)
        task = None if line.task is None else opt_text(line.task, 200)
        cwd = None if line.cwd is None else opt_text(line.cwd, 1000)
        parent = None if line.parent_session is None else opt_text(line.parent_session, 512)
        if kind == "tool_call":
            tool = ident(line.tool, "tool")
            call_id = ident(line.call_id, "call_id")
            value = orjson.loads(raw_input) if raw_input else {}
            if value is None:
                value = {}
            elif not isinstance(value, dict):
                raise BadRecord("'input' must be a JSON object")
            summary, shown_input = _call_forms(tool, raw_input, value)
            return Event(
                kind=EventKind.TOOL_CALL,
                session=session,
                ts=ts,
                agent=agent,
                task=task,
                seq=line.seq,
                tool=tool,
                call_id=call_id,
                input=value,
                status=CallStatus.PENDING,
                cwd=cwd,
                parent_session=parent,
                source=self.source,
                line=lineno,
                summary=summary,
                input_display=shown_input,
            )
        if kind == "tool_result":
            call_id = ident(line.call_id, "call_id")
            raw_status = line.status
            if raw_status is None:
                status = CallStatus.ERROR if line.is_error else CallStatus.OK
            else:
                status = _RESULT_STATUSES[raw_status]  # KeyError: the dict path explains
            output = line.output or ""
            return Event(
                kind=EventKind.TOOL_RESULT,
                session=session,
                ts=ts,
                agent=agent,
                task=task,
                seq=line.seq,
                call_id=call_id,
                output=output,
                is_error=status is not CallStatus.OK,
                status=status,
                cwd=cwd,
                parent_session=parent,
                source=self.source,
                line=lineno,
                summary=first_line(output),
                output_display=_shown(output),
            )
        if kind == "message":
            text = line.text
            role = None if line.role is None else opt_text(line.role, 40)
            if text is None or not role:
                raise BadRecord("missing field")
            return Event(
                kind=EventKind.MESSAGE,
                session=session,
                ts=ts,
                agent=agent,
                task=task,
                seq=line.seq,
                role=role,
                text=text,
                cwd=cwd,
                parent_session=parent,
                source=self.source,
                line=lineno,
                summary=first_line(text),
                output_display=_shown(text),
            )
        if kind == "session_start":
            return Event(
                kind=EventKind.SESSION_START,
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
            kind=EventKind.SESSION_END,
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
                    kind=EventKind.APPROVAL_REQUEST,
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
                    kind=EventKind.SESSION_START,
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
                kind=EventKind.SESSION_END,
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
            status = CallStatus.ERROR if is_error else CallStatus.OK
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
