"""config.toml validation: every problem kind, reported with its file and line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from overseer.config import ConfigError, load_config, parse_config, parse_duration
from tests.conftest import CONFIG

VALID_AGENT = """\
[agents.bot]
owner = "team@example.com"
autonomy = "deterministic"
default_task = "run"

[agents.bot.tasks.run]
allow = ["Read"]
"""


def problems(text: str) -> list[tuple[int, str, str]]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "c.toml")
    return [(p.line, p.key, p.message) for p in caught.value.problems]


def test_bundled_config_is_valid_and_realistic() -> None:
    config = load_config(str(CONFIG))
    assert len(config.agents) >= 4
    autonomy = {a.autonomy for a in config.agents.values()}
    assert autonomy == {"deterministic", "autonomous"}
    assert all(a.owner for a in config.agents.values())
    assert any(
        r.tool.startswith("mcp__")
        for a in config.agents.values()
        for t in a.tasks.values()
        for r in t.scope.allow
    )


def test_unknown_key_names_its_line() -> None:
    text = VALID_AGENT + 'colour = "red"\n'
    assert problems(text) == [
        (
            8,
            "agents.bot.tasks.run.colour",
            "unknown key 'colour' (expected one of: allow, ask, default, deny, description)",
        ),
    ]


def test_unknown_top_level_and_agent_keys() -> None:
    text = "verbose = true\n" + VALID_AGENT.replace(
        'default_task = "run"', 'default_task = "run"\nowners = "x"'
    )
    found = problems(text)
    assert [(line, key) for line, key, _ in found] == [(1, "verbose"), (6, "agents.bot.owners")]


def test_bad_rule_syntax_names_the_line_of_the_rule() -> None:
    text = VALID_AGENT.replace('allow = ["Read"]', 'allow = [\n  "Read",\n  "Bash(git push:*",\n]')
    ((line, key, message),) = problems(text)
    assert (line, key) == (9, "agents.bot.tasks.run.allow")
    assert "bad rule 'Bash(git push:*'" in message


def test_unknown_autonomy_class() -> None:
    ((line, key, message),) = problems(VALID_AGENT.replace('"deterministic"', '"semi-autonomous"'))
    assert (line, key) == (3, "agents.bot.autonomy")
    assert "unknown autonomy class 'semi-autonomous'" in message


def test_task_referenced_but_not_defined() -> None:
    ((line, key, message),) = problems(
        VALID_AGENT.replace('default_task = "run"', 'default_task = "deploy"')
    )
    assert (line, key) == (4, "agents.bot.default_task")
    assert "task 'deploy' is referenced but not defined" in message


def test_bad_default_verdict_and_duration() -> None:
    text = '[defaults]\ngate_timeout = "soon"\n\n' + VALID_AGENT + 'default = "maybe"\n'
    assert [(line, key) for line, key, _ in problems(text)] == [
        (2, "defaults.gate_timeout"),
        (11, "agents.bot.tasks.run.default"),
    ]


def test_missing_required_keys() -> None:
    text = '[agents.bot]\ndescription = "no owner"\n'
    found = problems(text)
    assert {line for line, _, _ in found} == {1}
    messages = " | ".join(m for _, _, m in found)
    for needle in (
        "owner is required",
        "autonomy is required",
        "default_task is required",
        "at least one task",
    ):
        assert needle in messages


def test_toml_syntax_error_has_a_line() -> None:
    assert problems("[defaults]\ngate_timeout = \n") == [
        (2, "(syntax)", "invalid TOML: Invalid value"),
    ]


def test_every_problem_is_reported_not_just_the_first() -> None:
    text = VALID_AGENT.replace('"deterministic"', '"x"') + 'deny = ["Bash(", "Read()"]\n'
    assert len(problems(text)) == 3


def test_inline_match_table_keys_are_located() -> None:
    text = VALID_AGENT.replace(
        'default_task = "run"', 'default_task = "run"\nmatch = { cwd = "/srv" }'
    )
    assert problems(text) == [(5, "agents.bot.match.cwd", "must be a list of strings")]


@pytest.mark.parametrize(
    ("text", "seconds"), [("120s", 120), ("5m", 300), ("250ms", 0.25), ("1h", 3600), (30, 30)]
)
def test_durations(text: str | int, seconds: float) -> None:
    assert parse_duration(text) == seconds


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "overseer", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
    )


def test_check_config_cli_valid() -> None:
    result = run_cli("check-config", str(CONFIG))
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n") == 1 and "ok — 5 agents" in result.stdout


def test_check_config_cli_invalid_exits_2_with_file_line_and_no_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(VALID_AGENT.replace('"deterministic"', '"sometimes"') + 'ask = ["Bash("]\n')
    result = run_cli("check-config", str(bad))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines == [
        f"{bad}:3: agents.bot.autonomy: unknown autonomy class 'sometimes' (expected deterministic or autonomous)",
        f"{bad}:8: agents.bot.tasks.run.ask: bad rule 'Bash(': expected Tool or Tool(specifier), got 'Bash('",
    ]
    assert "Traceback" not in result.stderr


def test_check_config_cli_missing_file(tmp_path: Path) -> None:
    result = run_cli("check-config", str(tmp_path / "nope.toml"))
    assert (
        result.returncode == 2
        and "cannot read" in result.stderr
        and "Traceback" not in result.stderr
    )


def test_scope_explain_answers_for_every_agent() -> None:
    config = load_config(str(CONFIG))
    for name, agent in config.agents.items():
        for task in agent.tasks:
            result = run_cli(
                "scope",
                "explain",
                "--config",
                str(CONFIG),
                "--agent",
                name,
                "--task",
                task,
                "--json",
                "Bash",
                "git push --force origin main",
            )
            assert result.returncode == 0, result.stderr
            answer = json.loads(result.stdout)
            assert set(answer) >= {"verdict", "rule", "list", "agent", "task"}
            assert answer["agent"] == name and answer["task"] == task
            assert answer["verdict"] in ("allow", "ask", "deny", "unscoped")


def test_scope_explain_json_shape_and_text() -> None:
    result = run_cli(
        "scope",
        "explain",
        "--config",
        str(CONFIG),
        "--agent",
        "claude-dev",
        "--cwd",
        "/workspace",
        "--json",
        "Read",
        '{"file_path": ".env"}',
    )
    assert json.loads(result.stdout) == {
        "verdict": "deny",
        "rule": "Read(./.env)",
        "list": "deny",
        "effective": "deny",
        "agent": "claude-dev",
        "task": "feature",
    }
    text = run_cli(
        "scope",
        "explain",
        "--config",
        str(CONFIG),
        "--agent",
        "release-bot",
        "Bash",
        "git status && rm -rf /",
    )
    assert text.stdout.strip() == "release-bot/release: Bash → deny by deny rule Bash(rm:*)"


def test_scope_explain_rejects_unknown_agent_and_bad_json() -> None:
    unknown = run_cli("scope", "explain", "--config", str(CONFIG), "--agent", "nobody", "Read")
    assert unknown.returncode == 2 and "unknown agent 'nobody'" in unknown.stderr
    bad = run_cli(
        "scope", "explain", "--config", str(CONFIG), "--agent", "claude-dev", "Read", "{nope"
    )
    assert bad.returncode == 2 and "must be a JSON object" in bad.stderr


USERS = """
[agents.ops]
owner = "ops@example.com"
autonomy = "autonomous"
default_task = "t"
match = { cwd = ["/srv/**"], users = ["ops-bot", 54400] }
[agents.ops.tasks.t]
allow = ["Bash"]

[agents.dev]
owner = "dev@example.com"
autonomy = "autonomous"
default_task = "t"
match = { cwd = ["/srv/**"] }
[agents.dev.tasks.t]
allow = ["Read"]
"""


def test_match_users_leaves_out_agents_that_do_not_name_the_caller() -> None:
    """The gate server knows the caller's uid from the kernel: a call from a user an agent
    does not name is never that agent's, whatever directory it claims."""
    config = parse_config(USERS)
    assert config.agents["ops"].match_users == ("ops-bot", 54400)
    assert config.resolve(cwd="/srv/app")[0] == "ops"  # offline: no caller, first match
    assert config.resolve(cwd="/srv/app", user=("ops-bot", 1001))[0] == "ops"
    assert config.resolve(cwd="/srv/app", user=("x", 54400))[0] == "ops"
    assert config.resolve(cwd="/srv/app", user=("agent", 54321))[0] == "dev"


@pytest.mark.parametrize("users", ['"ops"', "[true]", "[-1]", '[""]', "[1.5]"])
def test_match_users_must_be_names_or_uids(users: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(USERS.replace('users = ["ops-bot", 54400]', f"users = {users}"))
    assert "match.users" in str(caught.value.problems[0])
