"""OTLP JSON: the OpenTelemetry file exporter's lines, ``{"resourceSpans": [...]}``.

Spans following the GenAI semantic conventions become events: a span with
``gen_ai.operation.name = execute_tool`` is one tool call (at its start) and its result (at
its end, ``ok`` or ``error`` from the span status). The session is
``gen_ai.conversation.id`` and the agent ``gen_ai.agent.name`` (or ``.id``); a tool span
that lacks them takes them from its nearest ancestor that has them (normally the
``invoke_agent`` span).

Ancestors end, and so are exported, *after* their children. A tool span whose ancestry is
not known yet is therefore held back (in the parser state, so a restart keeps it) until
the ancestor arrives or the reader reaches the end of the file (:meth:`OtlpParser.flush`);
it then falls back to the trace id as its session. Once a trace has a session, every later
span of that trace uses it, so one agent run never splits in two.

OTLP/JSON encodes trace and span ids as hex and 64-bit integers (``intValue``, the
``*UnixNano`` times) as strings or numbers; both are accepted.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson

from overseer.model import CallStatus, Event, EventKind, Problem
from overseer.sources.formats._common import (
    BadRecord,
    BaseParser,
    BoundedMap,
    Item,
    ident,
    opt_text,
    problem,
    text_of,
    tool_call,
    tool_result,
)
from overseer.untrusted import SUMMARY_LIMIT, neutralise

OP = "gen_ai.operation.name"
SESSION_KEYS = ("gen_ai.conversation.id", "session.id")
AGENT_KEYS = ("gen_ai.agent.name", "gen_ai.agent.id")
_MAX_PENDING = 2000
_MAX_CHAIN = 64
_SPAN_LISTS = ("scopeSpans", "instrumentationLibrarySpans")


def attr_value(value: Any) -> Any:
    """One OTLP ``AnyValue`` → a plain Python value."""
    if not isinstance(value, dict):
        return None
    if "stringValue" in value:
        return value["stringValue"]
    if "intValue" in value:
        raw = value["intValue"]
        try:
            return int(raw)
        except (TypeError, ValueError):
            return None
    if "doubleValue" in value:
        return value["doubleValue"]
    if "boolValue" in value:
        return value["boolValue"]
    if "arrayValue" in value:
        inner = value["arrayValue"]
        items = inner.get("values") if isinstance(inner, dict) else None
        return [attr_value(v) for v in items] if isinstance(items, list) else []
    if "kvlistValue" in value:
        inner = value["kvlistValue"]
        items = inner.get("values") if isinstance(inner, dict) else None
        return attributes(items)
    if "bytesValue" in value:
        return value["bytesValue"]
    return None


def attributes(items: Any) -> dict[str, Any]:
    """An OTLP ``KeyValue`` list → a dict (malformed entries are skipped)."""
    out: dict[str, Any] = {}
    if isinstance(items, list):
        for item in items:
            if isinstance(item, dict) and isinstance(item.get("key"), str):
                out[item["key"]] = attr_value(item.get("value"))
    return out


def unix_nano(value: Any, what: str) -> datetime:
    """``"1700000000123456789"`` or ``1.7e18`` nanoseconds → an aware datetime (µs)."""
    try:
        nanos = int(value)
    except (TypeError, ValueError):
        raise BadRecord(f"missing or invalid {what}") from None
    if nanos <= 0:
        raise BadRecord(f"missing or invalid {what}")
    try:
        stamp = datetime.fromtimestamp(nanos // 1_000_000_000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise BadRecord(f"{what} out of range") from None
    return stamp.replace(microsecond=(nanos % 1_000_000_000) // 1000)


def _first(attrs: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = attrs.get(key)
        if isinstance(value, str) and value:
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
    return None


def _hex(value: Any) -> str:
    return value.lower() if isinstance(value, str) else ""


class OtlpParser(BaseParser):
    """State: known spans (id → parent, agent, session, trace), tool spans waiting for their
    ancestry, the session chosen for each trace, and the sessions already announced."""

    format = "otlp"

    def _restore(self, state: dict[str, Any]) -> None:
        self.spans = BoundedMap(8192, state.get("spans"))
        self.trace_session = BoundedMap(2048, state.get("trace_session"))
        pending = state.get("pending")
        self.pending: list[dict[str, Any]] = (
            [p for p in pending if isinstance(p, dict)] if isinstance(pending, list) else []
        )
        started = state.get("started")
        self.started: list[str] = (
            [s for s in started if isinstance(s, str)] if isinstance(started, list) else []
        )

    @property
    def state(self) -> dict[str, Any]:
        return {
            "spans": self.spans.data,
            "trace_session": self.trace_session.data,
            "pending": self.pending,
            "started": self.started[-256:],
        }

    def _record(self, record: dict[str, Any], lineno: int) -> list[Item]:
        groups = record.get("resourceSpans")
        if groups is None:
            if "resourceLogs" in record or "resourceMetrics" in record:
                return []  # logs and metrics from the same exporter: not tool calls
            raise BadRecord("missing field 'resourceSpans'")
        if not isinstance(groups, list):
            raise BadRecord("'resourceSpans' must be a list")
        tools: list[dict[str, Any]] = []
        out: list[Item] = []
        for group in groups:
            if not isinstance(group, dict):
                continue
            resource = group.get("resource")
            res_attrs = attributes(resource.get("attributes")) if isinstance(resource, dict) else {}
            for key in _SPAN_LISTS:
                scopes = group.get(key)
                if not isinstance(scopes, list):
                    continue
                for scope in scopes:
                    spans = scope.get("spans") if isinstance(scope, dict) else None
                    if not isinstance(spans, list):
                        continue
                    for span in spans:
                        found = self._register(span, res_attrs, lineno)
                        if isinstance(found, Problem):
                            out.append(found)
                        elif found is not None:
                            tools.append(found)
        # Register the whole line first: a parent exported beside its child resolves it.
        for tool in tools:
            self.pending.append(tool)
        out.extend(self._drain(final=False))
        return out

    def _register(
        self, span: Any, res_attrs: dict[str, Any], lineno: int
    ) -> dict[str, Any] | Problem | None:
        """Remember a span's ancestry; return a tool span's essentials (or a Problem)."""
        if not isinstance(span, dict):
            return problem(self.source, lineno, "span is not an object")
        span_id = _hex(span.get("spanId"))
        if not span_id:
            return problem(self.source, lineno, "span without 'spanId'")
        attrs = attributes(span.get("attributes"))
        session = _first(attrs, SESSION_KEYS)
        agent = _first(attrs, AGENT_KEYS)
        parent = _hex(span.get("parentSpanId"))
        trace = _hex(span.get("traceId"))
        self.spans[span_id] = [parent, agent, session, trace]
        if attrs.get(OP) != "execute_tool":
            return None
        name = span.get("name")
        tool = attrs.get("gen_ai.tool.name")
        if not isinstance(tool, str) or not tool:
            tool = name.removeprefix("execute_tool").strip() if isinstance(name, str) else ""
        status = span.get("status")
        code = status.get("code") if isinstance(status, dict) else None
        failed = code in (2, "2", "STATUS_CODE_ERROR") or "error.type" in attrs
        return {
            "line": lineno,
            "span": span_id,
            "trace": trace,
            "parent": parent,
            "agent": agent,
            "session": session,
            "tool": tool,
            "call_id": _first(attrs, ("gen_ai.tool.call.id",)) or span_id,
            "arguments": attrs.get("gen_ai.tool.call.arguments"),
            "result": attrs.get("gen_ai.tool.call.result"),
            "error": str(
                attrs.get("error.type")
                or (status.get("message") if isinstance(status, dict) else "")
                or ""
            ),
            "failed": failed,
            "start": span.get("startTimeUnixNano"),
            "end": span.get("endTimeUnixNano"),
            "host": _first(res_attrs, ("host.name",)),
            "pid": res_attrs.get("process.pid"),
            "service": _first(res_attrs, ("service.name",)),
        }

    def _resolve(self, tool: dict[str, Any]) -> tuple[str | None, str | None, bool]:
        """Agent and session from the span or its nearest ancestors; False if the chain
        reaches a span not seen yet."""
        agent, session = tool["agent"], tool["session"]
        node = tool["parent"]
        for _ in range(_MAX_CHAIN):
            if (agent and session) or not node:
                return agent, session, True
            info = self.spans.get(node)
            if not isinstance(info, list) or len(info) != 4:
                return agent, session, False
            node, agent, session = info[0], agent or info[1], session or info[2]
        return agent, session, True

    def flush(self) -> list[Item]:
        return self._drain(final=True)

    def _drain(self, final: bool) -> list[Item]:
        out: list[Item] = []
        waiting: list[dict[str, Any]] = []
        overflow = len(self.pending) - _MAX_PENDING
        for index, tool in enumerate(self.pending):
            agent, session, complete = self._resolve(tool)
            if (
                not complete
                and not final
                and index >= overflow
                and not self.trace_session.get(tool["trace"])
            ):
                waiting.append(tool)
                continue
            out.extend(self._emit(tool, agent, session))
        self.pending = waiting
        return out

    def _emit(self, tool: dict[str, Any], agent: str | None, session: str | None) -> list[Item]:
        lineno = tool["line"]
        try:
            trace = tool["trace"]
            chosen = self.trace_session.get(trace) if trace else None
            session = ident(chosen or session or trace or tool["span"], "gen_ai.conversation.id")
            if trace and not chosen:
                self.trace_session[trace] = session
            start = unix_nano(tool["start"], "startTimeUnixNano")
            end = unix_nano(tool["end"], "endTimeUnixNano") if tool["end"] else None
            tool_name = ident(tool["tool"], "gen_ai.tool.name")
            call_id = ident(tool["call_id"], "gen_ai.tool.call.id")
            arguments = tool["arguments"]
            if isinstance(arguments, str):
                try:
                    arguments = orjson.loads(arguments)
                except orjson.JSONDecodeError:
                    arguments = {"arguments": arguments}
            tool_input = (
                arguments
                if isinstance(arguments, dict)
                else ({} if arguments is None else {"arguments": arguments})
            )
            agent_name = opt_text(agent, 200)
            common: dict[str, Any] = {
                "session": session,
                "source": self.source,
                "line": lineno,
                "agent": agent_name,
            }
            out: list[Item] = []
            if session not in self.started:
                self.started.append(session)
                pid = tool["pid"]
                out.append(
                    Event(
                        kind=EventKind.SESSION_START,
                        ts=start,
                        host=opt_text(tool["host"], 255),
                        pid=pid if isinstance(pid, int) and not isinstance(pid, bool) else None,
                        summary=neutralise(agent_name or "", limit=SUMMARY_LIMIT),
                        extra={"service": opt_text(tool["service"], 200)}
                        if tool["service"]
                        else {},
                        **common,
                    )
                )
            out.append(
                tool_call(
                    ts=start, tool=tool_name, call_id=call_id, tool_input=tool_input, **common
                )
            )
            if end is not None:
                output = text_of(tool["result"])
                if tool["failed"] and not output:
                    output = tool["error"]
                status = CallStatus.ERROR if tool["failed"] else CallStatus.OK
                out.append(
                    tool_result(
                        ts=end,
                        call_id=call_id,
                        output=output,
                        status=status,
                        tool=tool_name,
                        **common,
                    )
                )
            return out
        except BadRecord as exc:
            return [
                problem(self.source, lineno, f"span {neutralise(tool['span'], limit=32)}: {exc}")
            ]
