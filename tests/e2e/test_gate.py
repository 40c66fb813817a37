"""Every gate outcome through the real clients: the hook installed by `overseer hook install`,
the client's tool call really run (or not), and what the model was told."""

from __future__ import annotations

import pytest

from .modelserver import Reply, sequence, text, tool
from .rig import Rig

pytestmark = pytest.mark.e2e


def shell(rig: Rig, command: str) -> Reply:
    """The client's shell tool, called with ``command``."""
    if rig.client.name == "claude-code":
        return tool("Bash", {"command": command, "description": "e2e step"})
    return tool("exec_command", {"cmd": command})


def install(rig: Rig) -> None:
    rig.install(*(["--trust"] if rig.client.name == "codex" else []))


def test_allow_runs_the_tool(rig: Rig) -> None:
    install(rig)
    run = rig.run(sequence(shell(rig, "touch allowed.txt"), text("finished")))
    assert run.returncode == 0, run.describe()
    assert (rig.project / "allowed.txt").exists(), run.describe()
    assert rig.outcomes() == ["auto_allowed"]


def test_deny_blocks_the_tool_and_tells_the_model(rig: Rig) -> None:
    install(rig)
    run = rig.run(sequence(shell(rig, "mkdir denied-dir"), text("finished")))
    assert run.returncode == 0, run.describe()
    assert not (rig.project / "denied-dir").exists(), run.describe()
    assert "denied by overseer: deny rule Bash(mkdir:*)" in run.result_text(), run.describe()
    assert rig.outcomes() == ["policy_denied"]
