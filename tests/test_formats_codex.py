"""Codex CLI rollouts: the real corpus (counts from jq), and a fixture with every outcome."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest

from overseer.model import CallStatus, Event, EventKind, Problem
from overseer.sources.formats import make_parser
from overseer.sources.formats.codex import output_status, patch_paths

from .conftest import CORPUS, FIXTURES

CODEX = CORPUS / "codex"
SESSION = "0199a1b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b"
FIXTURE = FIXTURES / "codex" / "2026" / "03" / "02" / f"rollout-2026-03-02T14-00-00-{SESSION}.jsonl"

needs_corpus = pytest.mark.skipif(not CODEX.is_dir(), reason=f"corpus not found at {CODEX}")


def parse(path: Path, source: str | None = None) -> list[Event | Problem]:
    parser = make_parser("codex", source or str(path))
    out: list[Event | Problem] = []
    for number, raw in enumerate(path.read_bytes().splitlines(), start=1):
        out.extend(parser.feed(raw, number))
    return out + parser.flush()


def of(items: list[Event | Problem], kind: EventKind) -> list[Event]:
    return [i for i in items if isinstance(i, Event) and i.kind is kind]


# Counted with jq, independently of overseer:
#   calls:   jq -s '[.[] | select(.type=="response_item" and (.payload.type=="function_call"
#                    or .payload.type=="custom_tool_call"))] | length' FILE
#   outputs: jq -s '[.[] | select(.type=="response_item" and (.payload.type=="function_call_output"
#                    or .payload.type=="custom_tool_call_output"))] | length' FILE
#   pending: jq -s '([.[] | select(.type=="response_item" and (.payload.type
#                    | test("^(function|custom_tool)_call$"))) | .payload.call_id])
#                    - ([.[] | select(.type=="response_item" and (.payload.type
#                    | test("_output$"))) | .payload.call_id]) | length' FILE
#   mcp:     jq -s '[.[] | select(.payload.type=="function_call" and (.payload.name
#                    | startswith("mcp__")))] | length' FILE
JQ_COUNTS = {
    "rollout-2026-02-23T12-41-04-019c8a4d-8f45-7010-8b5d-7fad920aa6f9.jsonl": {"calls": 118, "outputs": 118, "pending": 0, "mcp": 0},
    "rollout-2026-02-23T13-19-38-019c8a70-dda7-7f33-98ea-f30553347322.jsonl": {"calls": 1, "outputs": 0, "pending": 1, "mcp": 0},
    "rollout-2026-02-23T20-34-25-019c8bfe-ec25-79e0-97d7-bda6a9c575ff.jsonl": {"calls": 5, "outputs": 5, "pending": 0, "mcp": 4},
}  # fmt: skip


@needs_corpus
@pytest.mark.parametrize("name", sorted(JQ_COUNTS))
def test_corpus_rollout_parses_with_zero_problems_and_jq_counts(name: str) -> None:
    items = parse(CODEX / name)
    assert [i for i in items if isinstance(i, Problem)] == []
    expected = JQ_COUNTS[name]
    calls = of(items, EventKind.TOOL_CALL)
    results = of(items, EventKind.TOOL_RESULT)
    assert len(calls) == expected["calls"]
    assert len(results) == expected["outputs"]
    assert len({c.call_id for c in calls} - {r.call_id for r in results}) == expected["pending"]
    assert sum((c.tool or "").startswith("mcp__") for c in calls) == expected["mcp"]
    session_id = name.removesuffix(".jsonl")[-36:]
    assert {e.session for e in items if isinstance(e, Event)} == {session_id}
    assert of(items, EventKind.SESSION_START)[0].cwd.startswith("/redacted/path/")


@needs_corpus
def test_the_call_without_output_is_pending() -> None:
    items = parse(CODEX / "rollout-2026-02-23T13-19-38-019c8a70-dda7-7f33-98ea-f30553347322.jsonl")
    (call,) = of(items, EventKind.TOOL_CALL)
    assert (call.tool, call.call_id, call.status) == (
        "exec_command",
        "call_UtYwHmwWekzvq83m8Rb9K8jJ",
        CallStatus.PENDING,
    )
    assert of(items, EventKind.TOOL_RESULT) == []


@needs_corpus
def test_redacted_arguments_are_kept_not_rejected() -> None:
    items = parse(CODEX / "rollout-2026-02-23T20-34-25-019c8bfe-ec25-79e0-97d7-bda6a9c575ff.jsonl")
    first = of(items, EventKind.TOOL_CALL)[0]
    assert first.tool == "mcp__cloud-associates__search_workflows"
    assert first.input == {"arguments": "[REDACTED_ARGUMENTS len=46 sha=4cb9a2fc]"}


# ----------------------------------------------------------------------------- fixture


def test_fixture_every_outcome() -> None:
    items = parse(FIXTURE)
    assert [i for i in items if isinstance(i, Problem)] == []
    calls = of(items, EventKind.TOOL_CALL)
    results = {r.call_id: r for r in of(items, EventKind.TOOL_RESULT)}
    outcome = [
        (c.tool, c.summary, results[c.call_id].status if c.call_id in results else None)
        for c in calls
    ]
    assert outcome == [
        ("exec_command", "rg -n PaymentIntent src", CallStatus.OK),
        ("apply_patch", "src/lib.rs, src/api.rs", CallStatus.OK),
        ("exec_command", "cargo test --quiet", CallStatus.ERROR),  # exit code 101
        ("exec_command", "rm -rf target && cargo clean", CallStatus.REJECTED),  # the user said no
        ("shell", "sed -i 's/PaymentIntent/Charge/g' tests/api.rs", CallStatus.OK),
        ("mcp__cloud-associates__execute_workflow", 'workflow=notify-reviewers args={"pr":"payments-svc#412"}', CallStatus.OK),
        ("web_search", "rust rename struct across crate cargo fix", CallStatus.OK),
        ("exec_command", "git push origin rename-charge", None),  # pending: no output yet
    ]  # fmt: skip
    patch = calls[1]
    assert patch.extra["paths"] == ["src/lib.rs", "src/api.rs"]
    assert patch.input["input"].startswith("*** Begin Patch")
    patched = results[patch.call_id]
    assert patched.output.startswith("Success. Updated the following files:")
    assert patched.extra["exit_code"] == 0
    assert {e.cwd for e in calls} == {"/redacted/path/payments-svc"}


def test_fixture_messages_are_the_typed_prompt_and_the_answer() -> None:
    messages = of(parse(FIXTURE), EventKind.MESSAGE)
    assert [(m.role, m.text) for m in messages] == [
        ("user", "rename PaymentIntent to Charge across the crate"),
        ("assistant", "Renamed PaymentIntent to Charge; pushing the branch."),
    ]


def test_session_meta_is_the_session_start() -> None:
    start = of(parse(FIXTURE), EventKind.SESSION_START)
    assert len(start) == 1
    assert start[0].session == SESSION
    assert start[0].extra["cli_version"] == "0.104.0"


def test_without_session_meta_the_session_comes_from_the_file_name() -> None:
    line = json.dumps({"timestamp": "2026-03-02T13:00:00Z", "type": "response_item", "payload": {"type": "function_call", "name": "exec_command", "arguments": "{\"cmd\": \"ls\"}", "call_id": "c1"}})  # fmt: skip
    parser = make_parser("codex", f"/x/rollout-2026-03-02T14-00-00-{SESSION.upper()}.jsonl")
    out = parser.feed(line.encode(), 1)
    assert [e.kind for e in out if isinstance(e, Event)] == [
        EventKind.SESSION_START,
        EventKind.TOOL_CALL,
    ]
    assert {e.session for e in out if isinstance(e, Event)} == {SESSION}


def test_rollouts_from_before_the_payload_wrapper() -> None:
    lines = [
        {"id": "0a1b2c3d-0000-4000-8000-000000000001", "timestamp": "2025-05-01T10:00:00Z", "instructions": None},
        {"type": "function_call", "name": "shell", "arguments": "{\"command\": [\"bash\", \"-lc\", \"ls\"]}", "call_id": "c1", "timestamp": "2025-05-01T10:00:01Z"},
        {"type": "function_call_output", "call_id": "c1", "output": "{\"output\": \"a\\nb\\n\", \"metadata\": {\"exit_code\": 0}}", "timestamp": "2025-05-01T10:00:02Z"},
        {"record_type": "state"},
    ]  # fmt: skip
    parser = make_parser("codex", "/x/rollout-old.jsonl")
    out = [e for n, line in enumerate(lines, 1) for e in parser.feed(json.dumps(line).encode(), n)]
    assert [type(e).__name__ for e in out] == ["Event"] * 3
    assert out[0].session == "0a1b2c3d-0000-4000-8000-000000000001"
    assert out[1].summary == "ls" and out[2].output == "a\nb\n" and out[2].status is CallStatus.OK


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("exec command rejected by user", CallStatus.REJECTED),
        ("patch rejected by user", CallStatus.REJECTED),
        (
            "This action was rejected due to unacceptable risk. Reason: exfiltration",
            CallStatus.BLOCKED,
        ),
        ("aborted", CallStatus.INTERRUPTED),
        ("Exit code: 2\nWall time: 0.1 seconds\nOutput:\nnope", CallStatus.ERROR),
        (
            "Chunk ID: a\nWall time: 0.1 seconds\nProcess exited with code 0\nOutput:\nok",
            CallStatus.OK,
        ),
        ("sandbox denied exec error, exit code: 1", CallStatus.OK),  # no exit code line we know
        ("[REDACTED_OUTPUT len=4215 sha=9a9d94de]", CallStatus.OK),
    ],
)
def test_output_status(text: str, status: CallStatus) -> None:
    assert output_status(text) is status


def test_output_with_success_false_is_an_error() -> None:
    assert output_status("whatever", success=False) is CallStatus.ERROR


def test_patch_paths() -> None:
    patch = "*** Begin Patch\n*** Add File: a.py\n+x\n*** Delete File: b.py\n*** Update File: c.py\n*** Move to: d.py\n*** End Patch"
    assert patch_paths(patch) == ["a.py", "b.py", "c.py", "d.py"]


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ({"type": "response_item", "timestamp": "2026-03-02T13:00:00Z"}, "missing field 'payload'"),
        ({"type": "response_item", "payload": {"type": "function_call", "name": "x", "call_id": "c"}}, "missing field 'timestamp'"),
        ({"type": "response_item", "timestamp": "2026-03-02T13:00:00Z", "payload": {"type": "function_call", "name": "x"}}, "missing field 'payload.call_id'"),
        ({"type": "response_item", "timestamp": "2026-03-02T13:00:00Z", "payload": {"type": "function_call_output", "output": "x"}}, "missing field 'payload.call_id'"),
        ({"type": "session_meta", "timestamp": "2026-03-02T13:00:00Z", "payload": {"cwd": "/x"}}, "missing field 'payload.id'"),
    ],
)  # fmt: skip
def test_malformed_records_are_problems(record: dict, reason: str) -> None:
    out = make_parser("codex", "x.jsonl").feed(json.dumps(record).encode(), 9)
    problems = [p for p in out if isinstance(p, Problem)]
    assert [(p.line, p.reason) for p in problems] == [(9, reason)]


def test_resuming_from_saved_state_keeps_session_cwd_and_tool_names() -> None:
    lines = FIXTURE.read_bytes().splitlines()
    first = make_parser("codex", "/elsewhere/renamed.jsonl")  # no session id in this name
    for number, raw in enumerate(lines[:12], start=1):
        first.feed(raw, number)
    second = make_parser(
        "codex", "/elsewhere/renamed.jsonl", orjson.loads(orjson.dumps(first.state))
    )
    later = [
        e
        for n, raw in enumerate(lines[12:], start=13)
        for e in second.feed(raw, n)
        if isinstance(e, Event)
    ]
    assert {e.session for e in later} == {SESSION}
    assert {e.cwd for e in later} == {"/redacted/path/payments-svc"}
    assert not any(e.kind is EventKind.SESSION_START for e in later)
    assert later[0].kind is EventKind.TOOL_RESULT and later[0].tool == "exec_command"
