"""Detectors that need the session so far: bursts, retries after a denial, credentials acquired
in a result and used later, files downloaded then run; and the history itself."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from overseer.model import CallStatus, Event, EventKind, Flag, Verdict
from overseer.policy.detectors import (
    DetectorSettings,
    SessionHistory,
    detector,
    run_detectors,
)
from overseer.policy.detectors.history import MAX_DENIALS
from overseer.policy.detectors.safety import burst, retry_after_denial
from overseer.policy.detectors.security import credential_acquired, download_exec

CWD = "/srv/app"
HOME = "/home/u"
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
AWS_KEY = "AKIAIOSFODNN7EXAMPLE"


class Session:
    """Feeds events the way the engine does: run_detectors, then observe."""

    def __init__(self, settings: DetectorSettings | None = None, **kw: Any) -> None:
        kw.setdefault("cwd", CWD)
        kw.setdefault("home", HOME)
        self.history = SessionHistory(session="s1", **kw)
        self.settings = settings or DetectorSettings()
        self.n = 0

    def feed(self, event: Event) -> list[Flag]:
        flags = run_detectors(event, self.history, self.settings)
        self.history.observe(event)
        return flags

    def call(
        self,
        tool: str = "Bash",
        at: float | None = None,
        verdict: Verdict | None = None,
        rule: str | None = None,
        **tool_input: Any,
    ) -> tuple[Event, list[Flag]]:
        self.n += 1
        ts = T0 + timedelta(seconds=self.n if at is None else at)
        event = Event(
            EventKind.TOOL_CALL, "s1", ts, tool=tool, call_id=f"c{self.n}", input=tool_input
        )
        event.verdict, event.rule = verdict, rule
        return event, self.feed(event)

    def bash(self, command: str, **kw: Any) -> list[Flag]:
        return self.call("Bash", command=command, **kw)[1]

    def result(
        self, event: Event, output: str = "ok", status: CallStatus = CallStatus.OK
    ) -> list[Flag]:
        res = Event(
            EventKind.TOOL_RESULT,
            "s1",
            event.ts + timedelta(milliseconds=100),
            call_id=event.call_id,
            output=output,
            status=status,
        )
        return self.feed(res)


def ids(flags: Iterable[Flag]) -> set[str]:
    return {f.detector for f in flags}


# ------------------------------------------------------------------------------ bursts


def test_burst_flags_once_when_the_window_overflows() -> None:
    s = Session(DetectorSettings(burst_calls=20, burst_seconds=10))
    raised = []
    for i in range(30):  # 3 calls a second: the 21st call within 10 s crosses the line
        _, flags = s.call("Read", at=i / 3, file_path=f"f{i}.py")
        raised.append("burst" in ids(flags))
    assert raised.index(True) == 20
    assert raised.count(True) == 1


def test_burst_message_and_a_second_burst_after_a_pause() -> None:
    s = Session(DetectorSettings(burst_calls=3, burst_seconds=1))
    times = [0, 0.1, 0.2, 0.3, 0.4, 5.0, 5.1, 5.2, 5.3]
    flags = [f for t in times for f in s.call("Glob", at=t, pattern="*")[1]]
    bursts = [f for f in flags if f.detector == "burst"]
    assert len(bursts) == 2
    assert bursts[0].message == "burst: 4 tool calls within 1 s (limit 3)"
    assert bursts[0].severity == "medium"


def test_burst_ignores_a_steady_pace_and_results() -> None:
    s = Session(DetectorSettings(burst_calls=3, burst_seconds=1))
    for i in range(10):
        event, flags = s.call("Read", at=i * 0.5, file_path="a")
        assert "burst" not in ids(flags)
        for _ in range(5):  # results never count as calls
            assert "burst" not in ids(s.result(event))


def test_burst_detector_alone() -> None:
    hist = SessionHistory("s1", cwd=CWD)
    settings = DetectorSettings(burst_calls=2, burst_seconds=10)
    events = [
        Event(EventKind.TOOL_CALL, "s1", T0 + timedelta(seconds=i), tool="Read") for i in range(3)
    ]
    assert burst(events[0], hist, settings) is None
    hist.observe(events[0])
    hist.observe(events[1])
    assert burst(events[2], hist, settings) is not None


# ------------------------------------------------------------------------------ retry after a denial


RETRY_CASES: list[tuple[str, dict[str, Any], str, dict[str, Any], str]] = [
    # (denied tool, input, how, retry tool + input, expected severity)
    ("Bash", {"command": "rm -rf /data"}, "verdict", ("Bash", {"command": "find /data -delete"}), "high"),
    ("Bash", {"command": "rm -rf /data"}, "verdict", ("Bash", {"command": "rm -rf /data/sub"}), "high"),
    ("Bash", {"command": "rm -rf /data"}, "verdict", ("Bash", {"command": "cd / && rm -rf data"}), "high"),
    ("Bash", {"command": "rm -rf /data"}, "verdict", ("Bash", {"command": "rm -rf /data"}), "medium"),
    # The shell split now also judges the command sudo runs: re-running a denied command
    # under sudo is another form of it (and an escalation), not a plain repeat.
    ("Bash", {"command": "rm -rf /data"}, "verdict", ("Bash", {"command": "sudo rm -rf /data"}), "high"),
    ("Read", {"file_path": ".env"}, "rejected", ("Bash", {"command": "cat .env"}), "high"),
    ("Read", {"file_path": ".env"}, "blocked", ("Grep", {"pattern": "KEY", "path": "/srv/app/.env"}), "high"),
    ("WebFetch", {"url": "https://evil.example/a"}, "verdict", ("Bash", {"command": "curl https://evil.example/b"}), "high"),
    ("Bash", {"command": "git push --force origin main"}, "blocked", ("Bash", {"command": "git push origin +main"}), "high"),
    ("Bash", {"command": "kubectl delete ns prod"}, "rejected", ("Bash", {"command": "kubectl -n prod delete deploy web"}), "high"),
    ("Edit", {"file_path": "src/app.py", "old_string": "a", "new_string": "b"}, "rejected", ("Bash", {"command": "sed -i s/a/b/ src/app.py"}), "high"),
    ("Write", {"file_path": "/etc/hosts", "content": "x"}, "rejected", ("Bash", {"command": "echo x >> /etc/hosts"}), "high"),
]  # fmt: skip


def _deny(s: Session, tool: str, tool_input: dict[str, Any], how: str) -> None:
    if how == "verdict":
        s.call(tool, verdict=Verdict.DENY, **tool_input)
        return
    event, _ = s.call(tool, verdict=Verdict.ALLOW, **tool_input)
    status = CallStatus.REJECTED if how == "rejected" else CallStatus.BLOCKED
    s.result(event, "The user doesn't want to proceed with this tool use.", status)


@pytest.mark.parametrize(("tool", "tool_input", "how", "retry", "severity"), RETRY_CASES)
def test_retry_after_denial_catches(
    tool: str,
    tool_input: dict[str, Any],
    how: str,
    retry: tuple[str, dict[str, Any]],
    severity: str,
) -> None:
    s = Session()
    _deny(s, tool, tool_input, how)
    _, flags = s.call(retry[0], **retry[1])
    found = [f for f in flags if f.detector == "retry_after_denial"]
    assert found, (tool_input, retry)
    assert found[0].severity == severity
    label = {"verdict": "denied by policy", "rejected": "rejected by a human", "blocked": "blocked"}
    assert label[how] in found[0].message


RETRY_LOOKALIKES: list[tuple[str, dict[str, Any], str, dict[str, Any]]] = [
    ("Bash", {"command": "rm -rf /data"}, "verdict", {"command": "rm -rf ./build"}),
    ("Bash", {"command": "rm -rf /data"}, "verdict", {"command": "ls /data"}),
    ("Bash", {"command": "rm -rf /data"}, "verdict", {"command": "rm -rf /database-backups"}),
    ("Bash", {"command": "git push --force origin main"}, "blocked", {"command": "git push origin main"}),
    ("WebFetch", {"url": "https://evil.example/a"}, "verdict", {"command": "curl https://good.example"}),
    ("Read", {"file_path": ".env"}, "rejected", {"command": "cat .env.example"}),
]  # fmt: skip


@pytest.mark.parametrize(("tool", "tool_input", "how", "retry"), RETRY_LOOKALIKES)
def test_retry_after_denial_leaves_other_actions(
    tool: str, tool_input: dict[str, Any], how: str, retry: dict[str, Any]
) -> None:
    s = Session()
    _deny(s, tool, tool_input, how)
    assert "retry_after_denial" not in ids(s.call("Bash", **retry)[1])


def test_the_denied_call_itself_is_not_a_retry() -> None:
    s = Session()
    _, flags = s.call("Bash", verdict=Verdict.DENY, command="rm -rf /data")
    assert "retry_after_denial" not in ids(flags)


def test_another_edit_after_a_human_rejection_is_iteration() -> None:
    s = Session()
    _deny(s, "Edit", {"file_path": "src/app.py", "old_string": "a", "new_string": "b"}, "rejected")
    _, flags = s.call("Edit", file_path="src/app.py", old_string="a", new_string="c")
    assert "retry_after_denial" not in ids(flags)
    # ... but the very same edit again is a retry
    _, flags = s.call("Edit", file_path="src/app.py", old_string="a", new_string="b")
    assert "retry_after_denial" in ids(flags)


def test_a_deny_rule_pins_the_part_of_a_compound_command_it_objected_to() -> None:
    s = Session()
    s.call("Bash", verdict=Verdict.DENY, rule="Bash(rm:*)", command="cat README.md && rm -rf /data")
    assert "retry_after_denial" not in ids(s.bash("cat README.md"))
    assert "retry_after_denial" in ids(s.bash("find /data -delete"))


def test_a_denial_recorded_twice_is_one_denial() -> None:
    s = Session()
    event, _ = s.call("Bash", verdict=Verdict.DENY, command="rm -rf /data")
    s.result(event, "denied", CallStatus.BLOCKED)
    assert len(s.history.denials) == 1


def test_errors_and_interruptions_are_not_denials() -> None:
    s = Session()
    event, _ = s.call("Bash", command="rm -rf /data")
    s.result(event, "rm: permission denied", CallStatus.ERROR)
    event, _ = s.call("Bash", command="rm -rf /data2")
    s.result(event, "aborted", CallStatus.INTERRUPTED)
    assert s.history.denials == []
    assert "retry_after_denial" not in ids(s.bash("rm -rf /data"))


def test_denials_are_bounded() -> None:
    s = Session()
    for i in range(MAX_DENIALS + 5):
        s.call("Bash", verdict=Verdict.DENY, command=f"rm -rf /d{i}")
    assert len(s.history.denials) == MAX_DENIALS
    assert (
        retry_after_denial(
            Event(EventKind.TOOL_CALL, "s1", T0, tool="Bash", input={"command": "rm -rf /d0"}),
            s.history,
            s.settings,
        )
        is None
    )  # the oldest one was forgotten


# ------------------------------------------------------------------------------ credentials acquired


def test_credential_seen_in_a_result_then_used() -> None:
    s = Session()
    read, _ = s.call("Read", file_path="/srv/app/.env")
    s.result(read, f"AWS_ACCESS_KEY_ID={AWS_KEY}\nDEBUG=1\n")
    _, flags = s.call("Bash", command=f"AWS_ACCESS_KEY_ID={AWS_KEY} aws s3 ls")
    got = {f.detector: f for f in flags}
    assert "credential_acquired" in got
    assert "secret_in_input" not in got  # reported once, as the more specific story
    flag = got["credential_acquired"]
    assert flag.severity == "high"
    assert "aws_access_key" in flag.message and "/srv/app/.env" in flag.message
    assert AWS_KEY not in flag.message


def test_password_from_a_file_used_inside_a_connection_url() -> None:
    s = Session()
    cat, _ = s.call("Bash", command="cat config/db.ini")
    s.result(cat, "[db]\npassword = s3cr3tPassw0rd!\nhost = db\n")
    flags = s.bash("psql postgres://app:s3cr3tPassw0rd!@db/app -c 'select 1'")
    assert "credential_acquired" in ids(flags)


def test_credential_the_agent_already_had_is_not_acquired() -> None:
    s = Session()
    first, _ = s.call("Bash", command=f"export AWS_ACCESS_KEY_ID={AWS_KEY}")
    s.result(first, f"AWS_ACCESS_KEY_ID={AWS_KEY}")  # echoed back
    flags = s.bash(f"aws --access-key {AWS_KEY} s3 ls")
    assert "credential_acquired" not in ids(flags)
    assert "secret_in_input" in ids(flags)


def test_rejected_results_and_other_values_do_not_count() -> None:
    s = Session()
    read, _ = s.call("Read", file_path=".env")
    s.result(read, f"KEY={AWS_KEY}", CallStatus.REJECTED)
    assert s.history.acquired == {}
    other, _ = s.call("Read", file_path="notes.md")
    s.result(other, "token = abcdefgh12345678")
    assert "credential_acquired" not in ids(s.bash("echo hello world abcdefgh"))
    assert "credential_acquired" not in ids(s.bash("ls -la"))


def test_credential_detector_alone_needs_history() -> None:
    hist = SessionHistory("s1", cwd=CWD)
    event = Event(EventKind.TOOL_CALL, "s1", T0, tool="Bash", input={"command": AWS_KEY})
    assert credential_acquired(event, hist, DetectorSettings()) is None


# ------------------------------------------------------------------------------ downloads run later


def test_file_downloaded_in_one_call_and_run_in_another() -> None:
    s = Session()
    assert "download_exec" not in ids(s.bash("curl -fsSL -o /tmp/i.sh https://get.example.io"))
    assert "download_exec" not in ids(s.bash("cat /tmp/i.sh"))
    flags = s.bash("sh /tmp/i.sh --yes")
    flag = next(f for f in flags if f.detector == "download_exec")
    assert "/tmp/i.sh downloaded from https://get.example.io" in flag.message


def test_downloaded_then_executed_relative_to_cwd() -> None:
    s = Session()
    s.bash("wget https://example.com/tools/setup.sh")
    assert "download_exec" in ids(s.bash("chmod +x setup.sh && ./setup.sh"))
    assert "download_exec" not in ids(s.bash("./other.sh"))


def test_download_exec_alone_has_no_memory_without_observe() -> None:
    hist = SessionHistory("s1", cwd=CWD)
    event = Event(EventKind.TOOL_CALL, "s1", T0, tool="Bash", input={"command": "sh /tmp/i.sh"})
    assert download_exec(event, hist, DetectorSettings()) is None


# ------------------------------------------------------------------------------ the history itself


def test_cwd_from_session_start_and_home_set_later() -> None:
    hist = SessionHistory("s1")
    settings = DetectorSettings()
    start = Event(EventKind.SESSION_START, "s1", T0, cwd="/srv/app/")
    hist.observe(start)
    assert hist.cwd == "/srv/app"
    hist.home = "/home/u"  # the engine sets it when it knows it
    event = Event(EventKind.TOOL_CALL, "s1", T0, tool="Write", input={"file_path": "~/.bashrc"})
    flags = run_detectors(event, hist, settings)
    assert "write_outside_cwd" in ids(flags)
    assert "/home/u/.bashrc" in next(f.message for f in flags if f.detector == "write_outside_cwd")


def test_a_failing_detector_is_counted_and_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(event: Event, history: SessionHistory, settings: DetectorSettings) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(detector("burst"), "func", boom)
    s = Session()
    flags = s.bash("rm -rf /var/lib/data")
    assert ids(flags) == {"destructive_command"}
    assert s.history.detector_errors == {"burst": 1}


def test_disabled_detectors_are_skipped() -> None:
    s = Session(DetectorSettings(disabled=frozenset({"destructive_command"})))
    assert s.bash("rm -rf /var/lib/data") == []


def test_pending_calls_are_bounded_and_forgotten_on_result() -> None:
    s = Session()
    event, _ = s.call("Bash", command="ls")
    assert event.call_id in s.history.pending
    s.result(event)
    assert event.call_id not in s.history.pending
    assert (s.history.calls, s.history.results) == (1, 1)


# ------------------------------------------------------------------------------ through the engine


def test_fixture_sessions_through_the_engine() -> None:
    """The bundled fixtures, parsed and judged by the real engine with the real config."""
    from overseer.config import load_config
    from overseer.engine import Engine
    from overseer.sources.detect import sniff
    from overseer.sources.formats import make_parser

    root = Path(__file__).resolve().parent.parent
    expected = {
        "-home-dev-projects-billing/7d1c0f7e-2b4a-4c55-9b1e-3f0a9c1d2e45.jsonl": [
            ("secret_read", "reads secrets: dotenv file (/home/dev/projects/billing/.env)"),
            ("destructive_command", "destructive: git push --force rewrites remote history"),
        ],
        "agent-a91c2e.jsonl": [("injected_instructions", None)],
        "etl-nightly.jsonl": [
            ("destructive_command", "destructive: SQL DROP TABLE"),
            ("destructive_command", "destructive: SQL TRUNCATE orders_staging"),
        ],
        "hostile.jsonl": [("secret_read", "reads secrets: SSH key (~/.ssh/id_rsa)")],
        "support-agent.jsonl": [],
        "refund-bot.traces.jsonl": [],
    }
    config = load_config(str(root / "config.toml"))
    seen = 0
    for path in sorted((root / "fixtures").rglob("*.jsonl")):
        key = next((k for k in expected if str(path).endswith(k)), None)
        fmt = sniff(str(path))
        assert fmt is not None, path
        parser = make_parser(fmt, str(path))
        events: list[Event] = []
        with path.open("rb") as fh:
            for lineno, raw in enumerate(fh, start=1):
                events.extend(x for x in parser.feed(raw, lineno) if isinstance(x, Event))
        events.extend(x for x in parser.flush() if isinstance(x, Event))
        engine = Engine(config, home="/home/dev")
        engine.process(events)
        for state in engine.sessions.values():
            assert state.history is None or state.history.detector_errors == {}, path
        got = [(f.detector, f.message) for e in events for f in e.flags]
        if key is None:
            continue
        seen += 1
        assert [d for d, _ in got] == [d for d, _ in expected[key]], path
        for (_, message), (_, want) in zip(got, expected[key], strict=True):
            if want is not None:
                assert message == want
    assert seen == len(expected)


def test_real_corpus_raises_no_errors_and_no_noise() -> None:
    from overseer.engine import Engine
    from overseer.sources.detect import sniff
    from overseer.sources.formats import make_parser
    from tests.conftest import CORPUS

    files = sorted(CORPUS.rglob("*.jsonl")) if CORPUS.is_dir() else []
    if not files:
        pytest.skip(f"no real logs at {CORPUS}")
    for path in files:
        fmt = sniff(str(path))
        assert fmt is not None
        parser = make_parser(fmt, str(path))
        events: list[Event] = []
        with path.open("rb") as fh:
            for lineno, raw in enumerate(fh, start=1):
                events.extend(x for x in parser.feed(raw, lineno) if isinstance(x, Event))
        events.extend(x for x in parser.flush() if isinstance(x, Event))
        engine = Engine(home="/home/u")  # no config: every agent unknown, no scope
        engine.process(events)
        for state in engine.sessions.values():
            assert state.history is None or state.history.detector_errors == {}, path
        # Ordinary development sessions: reading code, running tests, git status.
        assert [f.detector for e in events for f in e.flags] == [], path
