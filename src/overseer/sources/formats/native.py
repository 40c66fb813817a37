"""The native format: overseer's own JSON lines, for in-house agents and the gateway API.

The schema is documented in ``docs/event-schema.md`` (one example per record kind). The
parser is strict about what the schema requires (a typo in a producer should show up as a
Problem the day it ships, not as silently missing events) and lenient about additions:
unknown fields are kept in ``Event.extra``.
"""

from __future__ import annotations

from typing import Any

from overseer.model import CallStatus, Event, EventKind
from overseer.sources.formats._common import (
    BadRecord,
    BaseParser,
    Item,
    display_json,
    ident,
    message,
    opt_text,
    parse_ts,
    summarise_input,
    text_of,
    tool_call,
    tool_result,
)
from overseer.untrusted import SUMMARY_LIMIT, neutralise

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


class NativeParser(BaseParser):
    """Stateless: every native record carries its own session, so there is nothing to carry."""

    format = "native"

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
