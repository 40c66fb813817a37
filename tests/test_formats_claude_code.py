"""Claude Code transcripts: the real corpus, and a fixture with every call outcome.

Tool-call counts are checked against numbers established independently with ``jq`` over
the same files (the command is beside each number), not against the parser itself.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import orjson
import pytest

from overseer.model import CallStatus, Event, EventKind, Problem
from overseer.sources.formats import make_parser

from .conftest import CORPUS, FIXTURES

CLAUDE = CORPUS / "claude-code"
SESSION = "7d1c0f7e-2b4a-4c55-9b1e-3f0a9c1d2e45"
MAIN = FIXTURES / "claude-code" / "-home-dev-projects-billing" / f"{SESSION}.jsonl"
SUB = MAIN.parent / SESSION / "subagents" / "agent-a91c2e.jsonl"

needs_corpus = pytest.mark.skipif(not CLAUDE.is_dir(), reason=f"corpus not found at {CLAUDE}")


def parse(path: Path) -> list[Event | Problem]:
    parser = make_parser("claude_code", str(path))
    out: list[Event | Problem] = []
    for number, raw in enumerate(path.read_bytes().splitlines(), start=1):
        out.extend(parser.feed(raw, number))
    return out + parser.flush()


def events(items: list[Event | Problem], kind: EventKind | None = None) -> list[Event]:
    return [i for i in items if isinstance(i, Event) and (kind is None or i.kind is kind)]


# Counted with jq, independently of overseer:
#   calls:    jq -s '[.[] | select(.type=="assistant") | .message.content[]?
#                     | select(.type=="tool_use")] | length' FILE
#   results:  jq -s '[.[] | select(.type=="user") | .message.content | arrays | .[]
#                     | select(.type=="tool_result")] | length' FILE
#   rejected: jq -s '[.[] | .message.content? | arrays | .[] | select(.type=="tool_result"
#                     and .is_error==true and ((.content|tostring)
#                     | startswith("The user doesn'"'"'t want to proceed")))] | length' FILE
#   is_error: jq -s '[.[] | .message.content? | arrays | .[] | select(.type=="tool_result"
#                     and .is_error==true)] | length' FILE
JQ_COUNTS = {
    "spotter-short.jsonl": {"calls": 2, "results": 2, "rejected": 2, "is_error": 2},
    "spotter-tool_heavy.jsonl": {"calls": 6, "results": 6, "rejected": 0, "is_error": 0},
    "fasthooks-sample_main_transcript.jsonl": {"calls": 10, "results": 10, "rejected": 0, "is_error": 2},
}  # fmt: skip


@needs_corpus
@pytest.mark.parametrize("name", sorted(JQ_COUNTS))
def test_corpus_transcript_parses_with_zero_problems_and_jq_counts(name: str) -> None:
    items = parse(CLAUDE / name)
    assert [i for i in items if isinstance(i, Problem)] == []
    expected = JQ_COUNTS[name]
    calls = events(items, EventKind.TOOL_CALL)
    results = events(items, EventKind.TOOL_RESULT)
    assert len(calls) == expected["calls"]
    assert len(results) == expected["results"]
    assert sum(r.status is CallStatus.REJECTED for r in results) == expected["rejected"]
    assert sum(r.is_error for r in results) == expected["is_error"]
    assert {c.call_id for c in calls} == {r.call_id for r in results}  # none pending
    assert all(e.ts.tzinfo is not None for e in events(items))


@needs_corpus
def test_spotter_short_two_rejected_calls_recognised() -> None:
    results = events(parse(CLAUDE / "spotter-short.jsonl"), EventKind.TOOL_RESULT)
    rejected = [r for r in results if r.status is CallStatus.REJECTED]
    assert [r.tool for r in rejected] == ["Bash", "Glob"]
    assert [r.call_id for r in rejected] == [
        "toolu_0116Hyi5v8ut7Ffb7d8qV1Sc",
        "toolu_01FdQ8qTyVyZjE3Kw4dguQGx",
    ]


@needs_corpus
def test_fasthooks_tool_errors_are_errors_not_rejections() -> None:
    results = events(
        parse(CLAUDE / "fasthooks-sample_main_transcript.jsonl"), EventKind.TOOL_RESULT
    )
    assert Counter(r.status for r in results) == {CallStatus.OK: 8, CallStatus.ERROR: 2}


@needs_corpus
def test_corpus_session_start_and_messages() -> None:
    items = events(parse(CLAUDE / "spotter-short.jsonl"))
    start = items[0]
    assert start.kind is EventKind.SESSION_START
    assert start.session == "55604662-cf2a-4331-851a-ec234028f8ca"
    assert start.cwd == "/home/marco/projects/spotter"
    assert start.extra == {"version": "2.1.38", "git_branch": "master"}
    messages = events(items, EventKind.MESSAGE)
    assert messages[0].role == "user" and messages[0].text == "mix phx.server doesnt seem to start"
    # Thinking blocks and whitespace-only text are not messages.
    assert all(m.text.strip() for m in messages if m.text is not None)


# ----------------------------------------------------------------------------- fixture


def test_fixture_every_outcome() -> None:
    items = parse(MAIN)
    assert [i for i in items if isinstance(i, Problem)] == []
    calls = events(items, EventKind.TOOL_CALL)
    results = {r.call_id: r for r in events(items, EventKind.TOOL_RESULT)}
    outcome = [
        (c.tool, c.summary, results[c.call_id].status if c.call_id in results else None)
        for c in calls
    ]
    assert outcome == [
        ("Bash", "pytest -q tests/test_invoices.py", CallStatus.ERROR),
        ("Read", "/home/dev/projects/billing/src/invoices.py", CallStatus.OK),
        ("Read", ".env", CallStatus.BLOCKED),  # a permission rule refused it
        ("Bash", "git push --force origin fix/rounding", CallStatus.BLOCKED),  # a PreToolUse hook
        ("Edit", "/home/dev/projects/billing/src/invoices.py", CallStatus.REJECTED),  # the user
        ("Task", "Find rounding sites", CallStatus.OK),
        ("Bash", "sleep 600 && make deploy-staging", CallStatus.INTERRUPTED),
        ("WebFetch", "https://docs.python.org/3/library/decimal.html", None),  # pending
    ]
    assert all(c.status is CallStatus.PENDING for c in calls)
    assert results[calls[0].call_id].tool == "Bash"  # results name their call's tool


def test_fixture_escape_sequences_in_results_are_neutralised() -> None:
    results = events(parse(MAIN), EventKind.TOOL_RESULT)
    read = next(r for r in results if "ROUND_HALF_UP" in (r.output or ""))
    assert "\x1b]52;" in read.output
    assert "\x1b" not in read.output_display and "\x07" not in read.output_display
    assert "␛]52;" in read.output_display


def test_subagent_transcript_belongs_to_the_main_session() -> None:
    """Claude Code's hook calls from a sub-agent carry the parent's session_id, so the gate
    files them there; ingest must too (one call, one session: issue 15, bug 6)."""
    items = parse(SUB)
    assert [i for i in items if isinstance(i, Problem)] == []
    all_events = events(items)
    assert {e.session for e in all_events} == {SESSION}
    assert {e.parent_session for e in all_events} == {None}
    assert {e.extra.get("subagent") for e in all_events} == {"a91c2e"}
    calls = events(items, EventKind.TOOL_CALL)
    assert [c.tool for c in calls] == ["Grep", "Read"]
    assert all(c.summary.startswith("sub-agent a91c2e: ") for c in calls)
    assert len(events(items, EventKind.TOOL_RESULT)) == 2
    # A sub-agent's records neither start nor end the main session.
    assert not events(items, EventKind.SESSION_START)
    assert not events(items, EventKind.SESSION_END)


def test_sidechain_records_in_the_main_file_are_the_main_sessions_too() -> None:
    record = json.loads(SUB.read_text().splitlines()[1])
    parser = make_parser("claude_code", "/p/main.jsonl")
    out = [e for e in parser.feed(json.dumps(record).encode(), 1) if isinstance(e, Event)]
    assert {e.session for e in out} == {SESSION}
    assert all(e.kind != EventKind.SESSION_START for e in out)
    # ... and the main agent's own first record still starts it.
    main_record = json.loads(MAIN.read_text().splitlines()[2])
    assert main_record["type"] == "user" and not main_record.get("isSidechain")
    first = [e for e in parser.feed(json.dumps(main_record).encode(), 2) if isinstance(e, Event)]
    assert first and first[0].kind == EventKind.SESSION_START and first[0].session == SESSION


def test_a_sub_agents_stop_does_not_end_the_main_session() -> None:
    record = {
        "type": "attachment", "sessionId": SESSION, "isSidechain": True, "agentId": "a91c2e",
        "timestamp": "2026-03-02T10:00:00Z", "cwd": "/p",
        "attachment": {"type": "hook_stopped_continuation", "message": "overseer: killed",
                       "hookName": "PreToolUse:Bash"},
    }  # fmt: skip
    parser = make_parser("claude_code", "/p/subagents/agent-a91c2e.jsonl")
    assert parser.feed(json.dumps(record).encode(), 1) == []


def test_unknown_record_types_are_skipped_silently() -> None:
    parser = make_parser("claude_code", "x.jsonl")
    for number, record in enumerate(
        [
            {"type": "summary", "summary": "x", "leafUuid": "u"},
            {"type": "something-new-in-v3", "payload": [1, 2, 3]},
            {"type": "progress", "data": {"type": "hook_progress"}},
            {"type": "file-history-snapshot", "snapshot": {}},
            {"no_type_at_all": True},
        ],
        start=1,
    ):
        assert parser.feed(json.dumps(record).encode(), number) == []


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ({"type": "assistant", "timestamp": "2026-03-02T10:00:00Z", "message": {"content": []}}, "missing field 'sessionId'"),
        ({"type": "assistant", "sessionId": "s", "message": {"content": []}}, "missing field 'timestamp'"),
        ({"type": "user", "sessionId": "s", "timestamp": "2026-03-02T10:00:00Z"}, "missing field 'message'"),
        ({"type": "user", "sessionId": "s", "timestamp": "2026-03-02T10:00:00Z", "message": {"content": 5}}, "'message.content' must be"),
        ({"type": "assistant", "sessionId": "s", "timestamp": "2026-03-02T10:00:00Z", "message": {"content": [{"type": "tool_use", "name": "Bash"}]}}, "missing field 'tool_use.id'"),
    ],
)  # fmt: skip
def test_malformed_records_are_problems(record: dict, reason: str) -> None:
    out = make_parser("claude_code", "x.jsonl").feed(json.dumps(record).encode(), 3)
    problems = [p for p in out if isinstance(p, Problem)]
    assert len(problems) == 1 and problems[0].line == 3
    assert problems[0].reason.startswith(reason)


def test_resuming_from_saved_state_gives_the_same_events() -> None:
    lines = MAIN.read_bytes().splitlines()
    whole = [e for e in parse(MAIN) if isinstance(e, Event)]
    first = make_parser("claude_code", str(MAIN))
    got: list[Event] = []
    cut = len(lines) // 2
    for number, raw in enumerate(lines[:cut], start=1):
        got.extend(e for e in first.feed(raw, number) if isinstance(e, Event))
    saved = orjson.loads(orjson.dumps(first.state))  # as the store keeps it
    second = make_parser("claude_code", str(MAIN), saved)
    for number, raw in enumerate(lines[cut:], start=cut + 1):
        got.extend(e for e in second.feed(raw, number) if isinstance(e, Event))
    assert [(e.kind, e.call_id, e.tool, e.line) for e in got] == [
        (e.kind, e.call_id, e.tool, e.line) for e in whole
    ]
    # The session is announced once, not again after the restart.
    assert sum(e.kind is EventKind.SESSION_START for e in got) == 1
