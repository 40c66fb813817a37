"""The native format parser: every documented record kind, and every kind of bad input.

The examples in ``docs/event-schema.md`` are parsed here, so the documentation cannot drift
from the parser. Hostile input must never raise: each fault becomes one Problem (source,
line, reason) and the next line is read normally.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from overseer.model import CallStatus, Event, EventKind, Problem
from overseer.sources.formats import MAX_LINE_BYTES, make_parser
from overseer.untrusted import is_clean

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "event-schema.md"
FIXTURES = ROOT / "fixtures" / "native"


def feed_all(lines: list[bytes], source: str = "test.jsonl") -> list[Event | Problem]:
    parser = make_parser("native", source)
    out: list[Event | Problem] = []
    for number, raw in enumerate(lines, start=1):
        out.extend(parser.feed(raw, number))
    out.extend(parser.flush())
    return out


def one(line: dict | bytes) -> Event | Problem:
    raw = line if isinstance(line, bytes) else json.dumps(line).encode()
    items = feed_all([raw])
    assert len(items) == 1, items
    return items[0]


def base(**fields: object) -> dict:
    record = {
        "kind": "tool_call",
        "session": "s1",
        "ts": "2026-03-02T09:00:00Z",
        "call_id": "c1",
        "tool": "Bash",
    }
    record.update(fields)
    return record


# ----------------------------------------------------------------------------- the docs


def doc_examples() -> list[dict]:
    blocks = re.findall(r"```json\n(.*?)\n```", DOC.read_text(), flags=re.DOTALL)
    return [json.loads(block) for block in blocks]


def test_the_schema_page_has_an_example_of_every_record_kind() -> None:
    kinds = {example["kind"] for example in doc_examples()}
    assert kinds == {k.value for k in EventKind}


@pytest.mark.parametrize("example", doc_examples(), ids=lambda e: e["kind"])
def test_every_documented_example_parses_without_problems(example: dict) -> None:
    event = one(example)
    assert isinstance(event, Event), event
    assert event.kind.value == example["kind"]
    assert event.session == example["session"]
    assert event.ts.tzinfo is not None


def test_session_start_fields() -> None:
    event = one(
        {"kind": "session_start", "session": "s", "ts": "2026-03-02T09:14:05.120+01:00", "seq": 0,
         "agent": "support-agent", "task": "triage", "cwd": "/srv/support", "pid": 48121, "host": "w2"}
    )  # fmt: skip
    assert isinstance(event, Event)
    assert (event.agent, event.task, event.cwd, event.pid, event.host) == (
        "support-agent", "triage", "/srv/support", 48121, "w2",
    )  # fmt: skip
    assert event.ts == datetime(2026, 3, 2, 8, 14, 5, 120000, tzinfo=UTC)
    assert event.seq == 0


def test_tool_call_is_pending_with_display_forms() -> None:
    event = one(base(input={"command": "git status"}))
    assert isinstance(event, Event)
    assert event.kind is EventKind.TOOL_CALL
    assert event.status is CallStatus.PENDING
    assert event.input == {"command": "git status"}
    assert event.summary == "git status"
    assert '"command": "git status"' in event.input_display


def test_tool_call_input_defaults_to_an_empty_object() -> None:
    event = one(base())
    assert isinstance(event, Event) and event.input == {}


@pytest.mark.parametrize(
    ("fields", "status", "is_error"),
    [
        ({}, CallStatus.OK, False),
        ({"is_error": True}, CallStatus.ERROR, True),
        ({"is_error": True, "status": "rejected"}, CallStatus.REJECTED, True),
        ({"is_error": True, "status": "blocked"}, CallStatus.BLOCKED, True),
        ({"status": "interrupted"}, CallStatus.INTERRUPTED, True),
    ],
)
def test_tool_result_status(fields: dict, status: CallStatus, is_error: bool) -> None:
    record = {
        "kind": "tool_result",
        "session": "s",
        "ts": "2026-03-02T09:00:00Z",
        "call_id": "c1",
        "output": "done",
    }
    event = one({**record, **fields})
    assert isinstance(event, Event)
    assert (event.status, event.is_error, event.output) == (status, is_error, "done")


def test_tool_result_output_that_is_not_text_is_kept_as_json_text() -> None:
    record = {"kind": "tool_result", "session": "s", "ts": "2026-03-02T09:00:00Z", "call_id": "c1"}
    event = one({**record, "output": {"rows": 3}})
    assert isinstance(event, Event) and event.output == '{"rows":3}'


def test_unknown_fields_are_kept_in_extra() -> None:
    event = one(base(model="gpt-5", tokens=812))
    assert isinstance(event, Event) and event.extra == {"model": "gpt-5", "tokens": 812}


def test_epoch_timestamps_are_accepted() -> None:
    seconds = one(base(ts=1772442000))
    millis = one(base(ts=1772442000_000))
    assert isinstance(seconds, Event) and isinstance(millis, Event)
    assert seconds.ts == millis.ts == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_naive_timestamps_are_taken_as_utc() -> None:
    event = one(base(ts="2026-03-02T09:00:00"))
    assert isinstance(event, Event) and event.ts.tzinfo is not None


# ----------------------------------------------------------------------------- fixtures


@pytest.mark.parametrize("name", ["support-agent.jsonl", "etl-nightly.jsonl"])
def test_realistic_fixtures_parse_without_problems(name: str) -> None:
    items = feed_all((FIXTURES / name).read_bytes().splitlines())
    assert [i for i in items if isinstance(i, Problem)] == []
    assert all(isinstance(i, Event) for i in items)


def test_hostile_fixture_every_bad_line_is_one_problem_and_the_rest_are_read() -> None:
    lines = (FIXTURES / "hostile.jsonl").read_bytes().splitlines()
    items = feed_all(lines, "hostile.jsonl")
    problems = {p.line: p.reason for p in items if isinstance(p, Problem)}
    assert problems == {
        7: problems[7],
        8: "expected a JSON object, got an array",
        9: "expected a JSON object, got a string",
        10: "missing field 'session'",
        11: problems[11],
        12: "invalid timestamp in ts: 'yesterday'",
        13: "'input' must be a JSON object",
        14: "JSON nested too deeply (more than 128 levels)",
        16: "'is_error' must be true or false",
    }
    assert problems[7].startswith("invalid JSON")
    assert problems[11].startswith("unknown kind 'launch_missiles'")
    events = [i for i in items if isinstance(i, Event)]
    # Lines 1-6, 17 and 18 are good; line 15 is blank (skipped silently).
    assert [e.line for e in events] == [1, 2, 3, 4, 5, 6, 17, 18]
    assert all(p.source == "hostile.jsonl" for p in items if isinstance(p, Problem))


def test_hostile_text_is_neutralised_for_display_and_kept_raw() -> None:
    lines = (FIXTURES / "hostile.jsonl").read_bytes().splitlines()
    events = [i for i in feed_all(lines) if isinstance(i, Event)]
    for event in events:
        for shown in (event.summary, event.input_display, event.output_display):
            assert is_clean(shown), (event.line, shown[:80])
        for ident in (event.session, event.call_id, event.tool, event.role, event.cwd):
            assert ident is None or is_clean(ident), (event.line, ident)
    call = events[1]
    assert "\x1b]52;" in call.input["command"]  # raw, for the audit record
    assert "␛]52;" in call.summary
    result = events[2]
    assert "\x1b[31m" in result.output and "␛[31m" in result.output_display
    assert "<U+202E>" in result.output_display and "<U+200B>" in result.output_display
    assert "<U+009B>" in result.output_display
    # A call and its result with the same hostile call id still pair up.
    assert events[3].call_id == events[4].call_id == "h-2␛[2J"
    assert events[3].tool == "Read<U+202E>"
    # Long output is capped for display, kept whole raw.
    assert len(events[4].output) == 20000 and len(events[4].output_display) < 4100


# ----------------------------------------------------------------------------- faults


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b'{"kind": "tool_call", "session": "s"', "invalid JSON"),
        (b'{"kind": "message", "session": "s", "ts": "2026-03-02T09:00:00Z", "role": "user", "text": "caf\xe9"}', "invalid UTF-8"),
        (b'{"kind": "message", "session": "s", "text": "a\x00b"}', "NUL byte"),
        (b"\x00\x00\x00\x00", "NUL byte"),
        (b"[" * 2000 + b"]" * 2000, "JSON nested too deeply"),
        (b'{"a":' * 200 + b"1" + b"}" * 200, "JSON nested too deeply"),
        (b"42", "expected a JSON object, got a number"),
        (b"null", "expected a JSON object, got null"),
        (b"true", "expected a JSON object, got a boolean"),
        (b'{"session": "s", "ts": "2026-03-02T09:00:00Z"}', "missing field 'kind'"),
        (b'{"kind": "tool_call", "session": "s", "call_id": "c", "tool": "Bash"}', "missing field 'ts'"),
        (b'{"kind": "tool_call", "session": "s", "ts": "2026-03-02T09:00:00Z", "tool": "Bash"}', "missing field 'call_id'"),
        (b'{"kind": "tool_call", "session": "s", "ts": "2026-03-02T09:00:00Z", "call_id": "c"}', "missing field 'tool'"),
        (b'{"kind": "tool_call", "session": 7.5, "ts": "2026-03-02T09:00:00Z", "call_id": "c", "tool": "B"}', "'session' must be a string"),
        (b'{"kind": "message", "session": "s", "ts": "2026-03-02T09:00:00Z", "role": "user"}', "missing field 'text'"),
        (b'{"kind": "tool_result", "session": "s", "ts": "2026-03-02T09:00:00Z", "call_id": "c", "status": "maybe"}', "'status' must be one of"),
        (b'{"kind": "session_start", "session": "s", "ts": "2026-03-02T09:00:00Z", "pid": "abc"}', "'pid' must be an integer"),
        (b'{"kind": "tool_call", "session": "s", "ts": 1e300, "call_id": "c", "tool": "B"}', "timestamp out of range"),
        (b'{"kind": "tool_call", "session": "s", "ts": "2026-03-02T09:00:00Z", "call_id": "c", "tool": "B", "n": 1e999}', "invalid JSON"),
    ],
)  # fmt: skip
def test_each_fault_is_a_problem_never_an_exception(raw: bytes, reason: str) -> None:
    item = one(raw)
    assert isinstance(item, Problem), item
    assert item.reason.startswith(reason), item.reason
    assert item.line == 1 and item.source == "test.jsonl"
    assert is_clean(item.excerpt)


def test_a_line_over_the_limit_is_a_problem_without_being_parsed() -> None:
    huge = (
        b'{"kind": "message", "session": "s", "ts": "2026-03-02T09:00:00Z", "role": "user", "text": "'
        + b"x" * (10 * 1024 * 1024)
        + b'"}'
    )
    assert len(huge) > MAX_LINE_BYTES
    item = one(huge)
    assert isinstance(item, Problem) and item.reason.startswith("line too long")
    assert len(item.excerpt) < 400


def test_an_overlong_identifier_is_a_problem() -> None:
    item = one(base(session="s" * 600))
    assert isinstance(item, Problem) and "too long" in item.reason


def test_blank_lines_and_crlf_are_fine() -> None:
    items = feed_all([b"", b"   ", b"\r", json.dumps(base()).encode() + b"\r"])
    assert len(items) == 1 and isinstance(items[0], Event)


def test_the_next_line_after_a_bad_one_is_read_normally() -> None:
    items = feed_all(
        [
            b"{broken",
            json.dumps(base()).encode(),
            b"\xff\xfe",
            json.dumps(base(call_id="c2")).encode(),
        ]
    )
    assert [type(i).__name__ for i in items] == ["Problem", "Event", "Problem", "Event"]
    assert [i.line for i in items] == [1, 2, 3, 4]


def test_native_parser_state_is_json_serialisable() -> None:
    parser = make_parser("native", "x.jsonl")
    parser.feed(json.dumps(base()).encode(), 1)
    assert orjson.loads(orjson.dumps(parser.state)) == parser.state
