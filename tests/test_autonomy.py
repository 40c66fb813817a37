"""Autonomy by behaviour: sequence statistics, the observed class, and the two findings."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from overseer.model import FlagCategory
from overseer.policy.autonomy import (
    AUTONOMOUS,
    DESTRUCTIVE_PROBES,
    DETERMINISTIC,
    MISMATCH_MESSAGE,
    UNDETERMINED,
    AutonomySettings,
    action_label,
    assess_agent,
    classify,
    collapse,
    destructive_tool_name,
    sequence_stats,
    ungated_destructive,
)
from overseer.policy.scope import Scope

# A release pipeline: the same steps every night; reads a varying number of files; one night
# the tests fail and it stops early (a failure branch, not a choice).
PIPELINE = ["Read", "Read", "Bash:make test", "Bash:git tag", "Bash:git push", "Bash:gh release"]
PIPELINE_SHORT_READ = ["Read", "Bash:make test", "Bash:git tag", "Bash:git push", "Bash:gh release"]
PIPELINE_FAILED = ["Read", "Read", "Read", "Bash:make test"]

# A coding agent: a different path through its tools every session.
CODER = [
    ["Read", "Grep", "Edit", "Bash:pytest", "Edit", "Bash:pytest", "Bash:git commit"],
    ["Glob", "Read", "WebFetch", "Write", "Bash:npm test", "Bash:git diff"],
    ["TodoWrite", "Grep", "Read", "Edit", "Bash:ruff", "Task"],
    ["Bash:git log", "Read", "Edit", "Edit", "Bash:pytest", "WebSearch", "Edit"],
    ["Read", "Bash:ls", "Write", "Bash:make", "Read", "Bash:git commit"],
]


def pipeline_runs(n: int = 12) -> list[list[str]]:
    runs = [PIPELINE if i % 3 else PIPELINE_SHORT_READ for i in range(n)]
    runs[7] = PIPELINE_FAILED
    return [list(r) for r in runs]


# ------------------------------------------------------------------------------ statistics


def test_collapse_folds_consecutive_repeats() -> None:
    assert collapse(["Read", "Read", "Edit", "Read", "Read"]) == ("Read", "Edit", "Read")
    assert collapse([]) == ()


def test_sequence_stats_of_a_pipeline() -> None:
    stats = sequence_stats(pipeline_runs())
    assert stats.sessions == 12
    assert stats.distinct_tools == 5
    # Reading 1 or 2 files is the same path once repeats fold; the failed night is another.
    assert stats.distinct_sequences == 2
    assert stats.sequence_ratio == pytest.approx(2 / 12)
    # Session 1 sets the baseline (6 transitions); the failed night adds one new step
    # (make test → end): 1 new of 6 * 10 + 3 later transitions.
    assert stats.new_transitions == 1
    assert stats.later_transitions == 63
    assert stats.novelty == pytest.approx(1 / 63)


def test_sequence_stats_of_a_coder() -> None:
    stats = sequence_stats(CODER)
    assert stats.sessions == 5
    assert stats.distinct_sequences == 5
    assert stats.sequence_ratio == 1.0
    assert stats.distinct_tools == 17
    assert stats.novelty > 0.6


def test_empty_sessions_are_counted_apart() -> None:
    stats = sequence_stats([[], ["Read"], [], ["Read"]])
    assert (stats.sessions, stats.empty_sessions, stats.calls) == (2, 2, 2)
    assert stats.as_dict()["empty_sessions"] == 2


# ------------------------------------------------------------------------------ classification


def test_pipeline_is_deterministic() -> None:
    observed, reasons = classify(sequence_stats(pipeline_runs()))
    assert observed == DETERMINISTIC
    assert "repeats a fixed path" in reasons[0]
    assert "novelty 0.02" in reasons[0]


def test_coder_is_autonomous_with_both_reasons() -> None:
    observed, reasons = classify(sequence_stats(CODER))
    assert observed == AUTONOMOUS
    assert len(reasons) == 2
    assert "later sessions keep taking new paths" in reasons[0]
    assert "most sessions take a path of their own" in reasons[1]


def test_recombining_known_steps_is_autonomous_by_sequence_variety() -> None:
    # Same tools and transitions every time, but each session orders its loop differently:
    # novelty is 0 after the first two sessions, yet every session is a path of its own.
    sessions = [
        ["Read", "Edit"] * k + ["Bash:pytest"] + ["Edit", "Read"] * (5 - k) for k in range(1, 5)
    ]
    stats = sequence_stats(sessions)
    assert stats.distinct_sequences == 4
    observed, reasons = classify(stats, AutonomySettings(novelty_threshold=0.9))
    assert observed == AUTONOMOUS
    assert "most sessions take a path of their own" in reasons[0]


def test_too_few_sessions_is_undetermined() -> None:
    observed, reasons = classify(sequence_stats(CODER[:2]))
    assert observed == UNDETERMINED
    assert "at least 3" in reasons[0]


def test_randomised_behaviour_is_autonomous_and_fixed_is_not() -> None:
    rng = random.Random(8)
    tools = ["Read", "Edit", "Write", "Grep", "Glob", "Bash:pytest", "Bash:git", "WebFetch"]
    wandering = [[rng.choice(tools) for _ in range(rng.randint(4, 12))] for _ in range(20)]
    assert classify(sequence_stats(wandering))[0] == AUTONOMOUS
    fixed = [["Read", "Bash:etl", "Write"] * 1 for _ in range(20)]
    assert classify(sequence_stats(fixed))[0] == DETERMINISTIC


# ------------------------------------------------------------------------------ findings


def test_declared_deterministic_behaving_autonomously_is_flagged() -> None:
    result = assess_agent("release-bot", CODER, declared=DETERMINISTIC)
    assert result.observed == AUTONOMOUS
    assert result.effective == AUTONOMOUS
    kinds = [f.kind for f in result.findings]
    assert kinds == ["autonomy_mismatch"]
    finding = result.findings[0]
    assert finding.message == MISMATCH_MESSAGE
    assert (
        finding.message == "classified as deterministic, behaves autonomously: review its controls"
    )
    flag = finding.as_flag()
    assert flag.detector == "autonomy_mismatch" and flag.category is FlagCategory.SAFETY
    assert flag.owasp == ("ASI10", "NHI5") and flag.severity == "high"


def test_declared_deterministic_behaving_deterministically_is_quiet() -> None:
    scope = Scope.parse(allow=["Bash"])  # broad, but the agent is a script
    result = assess_agent("release-bot", pipeline_runs(), DETERMINISTIC, {"release": scope})
    assert result.observed == DETERMINISTIC
    assert result.findings == []


def test_undeclared_autonomous_behaviour_is_flagged() -> None:
    result = assess_agent("mystery", CODER, declared=None)
    assert [f.kind for f in result.findings] == ["autonomy_mismatch"]
    assert "no autonomy class declared" in result.findings[0].message


def test_autonomous_agent_with_ungated_destructive_scope() -> None:
    scopes = {
        "feature": Scope.parse(
            allow=["Read", "Edit", "Bash(git push:*)", "Bash(pytest:*)"],
            deny=["Bash(git push --force:*)"],
        ),
        # rm's operands are writes: an Edit rule lets them through (Bash(rm:*) alone asks)
        "ops": Scope.parse(allow=["Bash(kubectl:*)", "Bash(rm:*)", "Edit"]),
        "safe": Scope.parse(
            allow=["Read", "Bash(pytest:*)", "Bash(kubectl:*)"],
            ask=["Bash(git push:*)", "Bash(kubectl delete:*)"],
        ),
    }
    result = assess_agent("claude-dev", CODER, AUTONOMOUS, scopes)
    assert result.observed == AUTONOMOUS
    found = {(f.task, f.rules): f for f in result.findings}
    assert set(found) == {
        ("feature", ("Bash(git push:*)",)),
        ("ops", ("Bash(rm:*)", "Edit")),
        ("ops", ("Bash(kubectl:*)",)),
    }
    push = found[("feature", ("Bash(git push:*)",))]
    # the deny covers "--force" but not "-f" nor "+main"
    assert [a.example for a in push.actions] == ["git push -f origin main", "git push origin +main"]
    assert push.message == (
        "autonomous agent, task 'feature': Bash(git push:*) lets force push through without a "
        "gate (e.g. git push -f origin main): add a deny or ask rule"
    )
    assert push.as_flag().owasp == ("ASI02", "NHI5")
    rm = found[("ops", ("Bash(rm:*)", "Edit"))]
    assert {a.capability for a in rm.actions} == {"recursive delete outside the working directory"}


def test_declared_autonomous_is_checked_even_when_behaviour_is_unknown() -> None:
    result = assess_agent("new-agent", [], AUTONOMOUS, {"t": Scope.parse(allow=["Bash"])})
    assert result.observed == UNDETERMINED
    assert [f.kind for f in result.findings] == ["ungated_destructive"]
    capabilities = {a.capability for a in result.findings[0].actions}
    assert capabilities == UNGATED_BY_A_TOOL_WIDE_ALLOW


def test_deterministic_agent_behaving_autonomously_gets_both_findings() -> None:
    scope = Scope.parse(allow=["Bash(terraform:*)"])
    result = assess_agent("infra-bot", CODER, DETERMINISTIC, {"apply": scope})
    assert [f.kind for f in result.findings] == ["autonomy_mismatch", "ungated_destructive"]
    assert result.findings[1].actions[0].capability == "terraform destroy"


# ------------------------------------------------------------------------------ ungated destructive


#: ``find … -delete`` deletes files no one can name before it runs: the gate asks whatever
#: the rules (a write whose file cannot be told may be the agent's hook settings), so a
#: tool-wide allow no longer lets it through ungated.
UNGATED_BY_A_TOOL_WIDE_ALLOW = {c for c, _ in DESTRUCTIVE_PROBES} - {"mass delete"}


@pytest.mark.parametrize(
    ("allow", "ask", "deny", "default", "expected"),
    [
        (["Bash"], [], [], "ask", UNGATED_BY_A_TOOL_WIDE_ALLOW),
        ([], [], [], "allow", UNGATED_BY_A_TOOL_WIDE_ALLOW),
        (["Bash(rm:*)"], [], [], "ask", set()),  # its operands are writes: no Edit rule, asked
        (["Bash(rm:*)", "Edit"], [], [], "ask", {"recursive delete outside the working directory"}),
        (["Bash(kubectl:*)"], [], [], "ask", {"kubectl delete"}),
        (["Bash(git:*)"], [], [], "ask", {"force push", "hard reset", "git clean"}),
        (["Bash(find:*)", "Edit"], [], [], "ask", set()),  # find -delete: asked, see above
        (["Bash(psql:*)"], [], [], "ask", {"SQL drop"}),
        (["Bash(aws:*)"], [], [], "ask", {"cloud delete"}),
        (["exec_command"], [], [], "ask", UNGATED_BY_A_TOOL_WIDE_ALLOW),
        (["Bash"], ["Bash(rm:*)", "Bash(sudo:*)"], [], "ask",
         UNGATED_BY_A_TOOL_WIDE_ALLOW - {"recursive delete outside the working directory"}),
        (["Bash(git push:*)"], ["Bash(git push:*)"], [], "ask", set()),
        (["Bash(kubectl:*)"], ["Bash(kubectl delete:*)"], [], "ask", set()),
        (["Read", "Edit", "Bash(npm test:*)", "Bash(git status)"], [], [], "ask", set()),
        (["Bash(git push origin v*)"], [], [], "deny", set()),
        ([], [], [], "ask", set()),
    ],
)  # fmt: skip
def test_ungated_destructive_probes(
    allow: list[str], ask: list[str], deny: list[str], default: str, expected: set[str]
) -> None:
    scope = Scope.parse(allow=allow, ask=ask, deny=deny, default=default)
    assert {a.capability for a in ungated_destructive(scope)} == expected


def test_ungated_destructive_named_tools() -> None:
    scope = Scope.parse(
        allow=["mcp__db__*", "mcp__stripe__delete_customer", "mcp__kb__search"],
        deny=["mcp__db__drop_database"],
    )
    found = ungated_destructive(scope, tools=["mcp__db__drop_table", "mcp__db__drop_database"])
    assert [(a.example, a.rules) for a in found] == [
        ("mcp__db__drop_table", ("mcp__db__*",)),
        ("mcp__stripe__delete_customer", ("mcp__stripe__delete_customer",)),
    ]


@pytest.mark.parametrize(
    ("name", "destructive"),
    [
        ("mcp__db__drop_table", True),
        ("mcp__stripe__deleteCustomer", True),
        ("purge-cache", True),
        ("mcp__zendesk__close_ticket", False),
        ("mcp__kb__search", False),
        ("Read", False),
        ("mcp__github__list_droplets", False),
    ],
)
def test_destructive_tool_name(name: str, destructive: bool) -> None:
    assert destructive_tool_name(name) is destructive


def test_probes_are_all_flagged_by_the_destructive_detector() -> None:
    """The scope probes and the live detector agree on what is destructive."""
    from datetime import UTC, datetime

    from overseer.model import Event, EventKind
    from overseer.policy.detectors import DetectorSettings, SessionHistory
    from overseer.policy.detectors.safety import destructive_command

    for _, command in DESTRUCTIVE_PROBES:
        event = Event(
            EventKind.TOOL_CALL, "s", datetime.now(UTC), tool="Bash", input={"command": command}
        )
        hist = SessionHistory("s", cwd="/srv/app", home="/home/u")
        assert destructive_command(event, hist, DetectorSettings()) is not None, command


def test_the_bundled_config_gates_its_autonomous_agents() -> None:
    """Every autonomous agent in config.toml: no destructive action without a gate."""
    from overseer.config import load_config

    config = load_config(str(Path(__file__).resolve().parent.parent / "config.toml"))
    autonomous = [a for a in config.agents.values() if a.autonomy == AUTONOMOUS]
    assert autonomous
    for agent in autonomous:
        scopes = {name: task.scope for name, task in agent.tasks.items()}
        result = assess_agent(agent.name, [], agent.autonomy, scopes)
        assert result.findings == [], [f.message for f in result.findings]


# ------------------------------------------------------------------------------ labels and output


@pytest.mark.parametrize(
    ("tool", "tool_input", "label"),
    [
        ("Read", {"file_path": "x"}, "Read"),
        ("Bash", {"command": "pytest -q"}, "Bash:pytest"),
        ("Bash", {"command": "sudo git -C repo push -f"}, "Bash:git push"),
        ("Bash", {"command": "FOO=1 npm run build"}, "Bash:npm run"),
        ("Bash", {"command": "cd src && ls -la"}, "Bash:ls"),
        ("Bash", {"command": "/usr/bin/python3 x.py"}, "Bash:python3"),
        ("exec_command", {"cmd": ["bash", "-lc", "cargo test"]}, "Bash:cargo test"),
        ("Bash", {"command": "echo 'unbalanced"}, "Bash"),
        ("mcp__db__query", {"sql": "select 1"}, "mcp__db__query"),
    ],
)
def test_action_label(tool: str, tool_input: dict[str, object], label: str) -> None:
    assert action_label(tool, tool_input) == label


def test_as_dict_is_stable_and_json_ready() -> None:
    import json

    scopes = {"ops": Scope.parse(allow=["Bash(kubectl:*)"])}
    result = assess_agent("ops-bot", CODER, DETERMINISTIC, scopes)
    data = json.loads(json.dumps(result.as_dict()))
    assert set(data) == {
        "agent",
        "declared",
        "observed",
        "effective",
        "reasons",
        "stats",
        "findings",
    }
    assert set(data["stats"]) == {
        "sessions", "empty_sessions", "calls", "distinct_tools", "tools", "distinct_sequences",
        "sequence_ratio", "distinct_transitions", "new_transitions", "later_transitions",
        "novelty",
    }  # fmt: skip
    assert [f["kind"] for f in data["findings"]] == ["autonomy_mismatch", "ungated_destructive"]
    assert data["findings"][1]["actions"][0] == {
        "capability": "kubectl delete",
        "example": "kubectl delete namespace production",
        "rules": ["Bash(kubectl:*)"],
        "tool": "Bash",
    }
