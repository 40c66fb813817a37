"""OTLP JSON (the OpenTelemetry file exporter): GenAI tool spans become calls and results.

The fixture is shaped like a real export: the tool spans of an agent run are exported
*before* their ``invoke_agent`` parent (parents end last), ids are hex, 64-bit integers are
strings, and a logs line from the same exporter is mixed in.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import orjson
import pytest

from overseer.model import CallStatus, Event, EventKind, Problem
from overseer.sources.formats import make_parser
from overseer.sources.formats.otlp import attr_value, unix_nano

from .conftest import FIXTURES

FIXTURE = FIXTURES / "otlp" / "refund-bot.traces.jsonl"
T1 = "4bf92f3577b34da6a3ce929d0e0e4736"


def feed(lines: list[bytes], state: dict | None = None) -> tuple[list[Event | Problem], dict]:
    parser = make_parser("otlp", "traces.jsonl", state)
    out: list[Event | Problem] = []
    for number, raw in enumerate(lines, start=1):
        out.extend(parser.feed(raw, number))
    return out, parser.state


def kv(key: str, value: object) -> dict:
    if isinstance(value, int):
        return {"key": key, "value": {"intValue": str(value)}}
    return {"key": key, "value": {"stringValue": value}}


def span(
    span_id: str, parent: str, attrs: list[dict], trace: str = "ab" * 16, **extra: object
) -> dict:
    record = {
        "traceId": trace, "spanId": span_id, "parentSpanId": parent, "name": "s",
        "startTimeUnixNano": "1772442000000000000", "endTimeUnixNano": "1772442000500000000",
        "attributes": attrs,
    }  # fmt: skip
    record.update(extra)
    return record


def line(*spans: dict) -> bytes:
    return json.dumps(
        {
            "resourceSpans": [
                {"resource": {"attributes": []}, "scopeSpans": [{"spans": list(spans)}]}
            ]
        }
    ).encode()


def test_fixture_tool_spans_wait_for_their_agent_then_get_session_and_agent() -> None:
    lines = FIXTURE.read_bytes().splitlines()
    parser = make_parser("otlp", str(FIXTURE))
    first = parser.feed(lines[0], 1)
    assert first == []  # both tool spans wait: their invoke_agent parent is not exported yet
    second = parser.feed(lines[1], 2)
    calls = [e for e in second if isinstance(e, Event) and e.kind is EventKind.TOOL_CALL]
    assert [(c.tool, c.session, c.agent, c.line) for c in calls] == [
        ("mcp__shop__lookup_order", "conv-48213", "support-agent", 1),
        ("mcp__stripe__create_refund", "conv-48213", "support-agent", 1),
    ]
    assert parser.feed(lines[2], 3) == []  # a logs line from the same exporter
    fourth = [e for e in parser.feed(lines[3], 4) if isinstance(e, Event)]
    assert [(e.kind, e.tool, e.session) for e in fourth] == [
        (EventKind.TOOL_CALL, "mcp__kb__search", "conv-48213"),  # found through the chat span
        (EventKind.TOOL_RESULT, "mcp__kb__search", "conv-48213"),
    ]
    assert parser.flush() == []


def test_fixture_calls_results_status_and_times() -> None:
    items, _ = feed(FIXTURE.read_bytes().splitlines())
    assert [i for i in items if isinstance(i, Problem)] == []
    events = [i for i in items if isinstance(i, Event)]
    start = events[0]
    assert start.kind is EventKind.SESSION_START
    assert (start.session, start.agent, start.host, start.pid) == (
        "conv-48213",
        "support-agent",
        "agents-3",
        9120,
    )
    results = {e.call_id: e for e in events if e.kind is EventKind.TOOL_RESULT}
    assert results["call_ord_1"].status is CallStatus.OK
    assert results["call_ord_1"].output == '{"status": "delivered", "damaged": true}'
    assert results["call_ref_1"].status is CallStatus.ERROR
    assert results["call_ref_1"].output == "PermissionDenied"
    call = next(e for e in events if e.call_id == "call_ref_1" and e.kind is EventKind.TOOL_CALL)
    assert call.input == {"amount": 4200, "currency": "eur"}
    assert call.ts == datetime(2026, 3, 2, 9, 0, 2, tzinfo=UTC)
    assert results["call_ref_1"].ts == datetime(2026, 3, 2, 9, 0, 2, 300000, tzinfo=UTC)
    # The span id stands in when the tool span has no gen_ai.tool.call.id.
    assert any(e.call_id == "3333333333333333" for e in events)


def test_orphan_tool_spans_are_flushed_at_end_of_file_with_the_trace_as_session() -> None:
    tool = span(
        "0000000000000002",
        "0000000000000001",
        [kv("gen_ai.operation.name", "execute_tool"), kv("gen_ai.tool.name", "Bash")],
    )
    parser = make_parser("otlp", "t.jsonl")
    assert parser.feed(line(tool), 1) == []
    flushed = [e for e in parser.flush() if isinstance(e, Event)]
    assert {e.session for e in flushed} == {"ab" * 16}
    assert [e.kind for e in flushed] == [
        EventKind.SESSION_START,
        EventKind.TOOL_CALL,
        EventKind.TOOL_RESULT,
    ]
    # Once a trace has a session, later spans of the same trace keep it (no split).
    later = span(
        "0000000000000003",
        "0000000000000001",
        [kv("gen_ai.operation.name", "execute_tool"), kv("gen_ai.tool.name", "Read")],
    )
    parent = span(
        "0000000000000001",
        "",
        [
            kv("gen_ai.operation.name", "invoke_agent"),
            kv("gen_ai.conversation.id", "conv-late"),
            kv("gen_ai.agent.id", "agent-7"),
        ],
    )
    out = [e for e in parser.feed(line(later, parent), 2) if isinstance(e, Event)]
    assert {e.session for e in out} == {"ab" * 16}
    assert {e.agent for e in out if e.kind is EventKind.TOOL_CALL} == {"agent-7"}


def test_the_tool_span_own_attributes_win() -> None:
    tool = span(
        "02" * 8,
        "01" * 8,
        [
            kv("gen_ai.operation.name", "execute_tool"),
            kv("gen_ai.tool.name", "Read"),
            kv("gen_ai.conversation.id", "mine"),
            kv("gen_ai.agent.name", "me"),
        ],
    )
    items, _ = feed([line(tool)])
    assert {(e.session, e.agent) for e in items if isinstance(e, Event)} == {("mine", "me")}


def test_pending_spans_survive_a_restart_through_the_state() -> None:
    lines = FIXTURE.read_bytes().splitlines()
    _, state = feed(lines[:1])
    assert len(state["pending"]) == 2
    resumed = make_parser("otlp", str(FIXTURE), orjson.loads(orjson.dumps(state)))
    out = [e for e in resumed.feed(lines[1], 2) if isinstance(e, Event)]
    assert sum(e.kind is EventKind.TOOL_CALL for e in out) == 2
    assert {e.session for e in out} == {"conv-48213"}


def test_non_tool_spans_are_not_events() -> None:
    chat = span(
        "05" * 8, "", [kv("gen_ai.operation.name", "chat"), kv("gen_ai.request.model", "gpt-4.1")]
    )
    assert feed([line(chat)])[0] == []


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b'{"resourceSpans": 5}', "'resourceSpans' must be a list"),
        (b'{"spans": []}', "missing field 'resourceSpans'"),
        (line({"traceId": "ab", "name": "no id"}), "span without 'spanId'"),
        (line("not a span"), "span is not an object"),  # type: ignore[arg-type]
        (line(span("07" * 8, "", [kv("gen_ai.operation.name", "execute_tool"), kv("gen_ai.tool.name", "X")], startTimeUnixNano="soon")), "missing or invalid startTimeUnixNano"),
    ],
)  # fmt: skip
def test_bad_spans_are_problems(raw: bytes, reason: str) -> None:
    parser = make_parser("otlp", "t.jsonl")
    items = parser.feed(raw, 1) + parser.flush()
    problems = [p for p in items if isinstance(p, Problem)]
    assert len(problems) == 1 and reason in problems[0].reason and problems[0].line == 1


def test_one_bad_span_does_not_lose_its_neighbours() -> None:
    good = span(
        "08" * 8,
        "",
        [
            kv("gen_ai.operation.name", "execute_tool"),
            kv("gen_ai.tool.name", "Read"),
            kv("gen_ai.conversation.id", "c"),
        ],
    )
    items, _ = feed([line({"name": "broken"}, good)])
    assert [type(i).__name__ for i in items] == ["Problem", "Event", "Event", "Event"]


def test_attribute_values() -> None:
    assert attr_value({"intValue": "9007199254740993"}) == 9007199254740993
    assert attr_value({"intValue": 5}) == 5
    assert attr_value({"doubleValue": 0.5}) == 0.5
    assert attr_value({"boolValue": True}) is True
    assert attr_value({"arrayValue": {"values": [{"stringValue": "a"}, {"intValue": "2"}]}}) == [
        "a",
        2,
    ]
    assert attr_value(
        {"kvlistValue": {"values": [{"key": "k", "value": {"stringValue": "v"}}]}}
    ) == {"k": "v"}
    assert attr_value({"intValue": "nope"}) is None
    assert attr_value("junk") is None


def test_unix_nano_accepts_strings_and_numbers() -> None:
    assert unix_nano("1772442000123456789", "t") == unix_nano(1772442000123456789, "t")
    assert unix_nano("1772442000123456789", "t").microsecond == 123456
