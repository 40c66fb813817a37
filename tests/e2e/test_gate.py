"""Every gate outcome through the real clients: the hook installed by `overseer hook install`,
the client's tool call really run (or not), and what the model was told."""

from __future__ import annotations

import json
import time

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


GATED = "echo gated > gated.txt"  # no rule matches: the task's default, ask


def test_gated_then_approved_runs_the_tool(rig: Rig) -> None:
    install(rig)
    run = rig.start(sequence(shell(rig, GATED), text("finished")))
    approval = rig.wait_pending(run)
    assert approval["tool"] == "Bash" and "gated.txt" in json.dumps(approval["input"])
    assert not (rig.project / "gated.txt").exists()  # waiting: nothing has run
    rig.decide(approval["id"], "approve", "--reason", "fine by me")
    decided = time.monotonic()
    while not (rig.project / "gated.txt").exists() and run.proc.poll() is None:
        time.sleep(0.005)
    latency = time.monotonic() - decided
    run.wait()
    assert run.returncode == 0, run.describe()
    assert (rig.project / "gated.txt").read_text() == "gated\n", run.describe()
    assert rig.outcomes() == ["approved"]
    print(f"decision -> tool ran, {rig.client.name}: {latency * 1000:.0f} ms")


def test_gated_then_denied_tells_the_model_why(rig: Rig) -> None:
    install(rig)
    run = rig.start(sequence(shell(rig, GATED), text("finished")))
    approval = rig.wait_pending(run)
    rig.decide(approval["id"], "deny", "--reason", "freeze until Monday")
    run.wait()
    assert run.returncode == 0, run.describe()
    assert not (rig.project / "gated.txt").exists()
    assert "denied by e2e-operator: freeze until Monday" in run.result_text(), run.describe()
    assert rig.outcomes() == ["denied"]


def test_gated_then_timed_out_is_denied(rig: Rig) -> None:
    rig.write_config(gate_timeout="1s")
    install(rig)
    run = rig.run(sequence(shell(rig, GATED), text("finished")))
    assert run.returncode == 0, run.describe()
    assert not (rig.project / "gated.txt").exists()
    assert "no operator decided within the gate timeout" in run.result_text(), run.describe()
    assert rig.outcomes() == ["timed_out"]


def test_approve_with_an_edited_input_runs_the_edit(claude_rig: Rig) -> None:
    rig = claude_rig
    install(rig)
    run = rig.start(sequence(shell(rig, GATED), text("finished")))
    approval = rig.wait_pending(run)
    edited = {"command": "echo edited > edited.txt", "description": "the operator's edit"}
    rig.decide(approval["id"], "approve", "--reason", "only this", "--input", json.dumps(edited))
    run.wait()
    assert run.returncode == 0, run.describe()
    assert (rig.project / "edited.txt").read_text() == "edited\n", run.describe()
    assert not (rig.project / "gated.txt").exists()  # the original never ran
    (row,) = rig.query("SELECT updated_input FROM decisions WHERE outcome = 'approved'")
    assert json.loads(row["updated_input"])["command"] == edited["command"]


def test_codex_edited_input_is_delivered_as_a_deny_naming_the_edit(codex_rig: Rig) -> None:
    """Codex: the edit comes back as a deny that names the approved input (docs/hooks.md); the
    original call must not run, and the model is told exactly what was approved."""
    rig = codex_rig
    install(rig)
    run = rig.start(sequence(shell(rig, GATED), text("finished")))
    approval = rig.wait_pending(run)
    edited = {"command": "echo edited > edited.txt"}
    rig.decide(approval["id"], "approve", "--reason", "only this", "--input", json.dumps(edited))
    run.wait()
    assert run.returncode == 0, run.describe()
    assert not (rig.project / "gated.txt").exists()
    told = run.result_text()
    assert "The operator approved only this edited input" in told, run.describe()
    assert "echo edited > edited.txt" in told


def test_edit_hitting_a_deny_rule_runs_nothing(rig: Rig) -> None:
    install(rig)
    run = rig.start(sequence(shell(rig, GATED), text("finished")))
    approval = rig.wait_pending(run)
    rig.decide(approval["id"], "approve", "--input", json.dumps({"command": "mkdir sneaky"}))
    run.wait()
    assert run.returncode == 0, run.describe()
    assert not (rig.project / "sneaky").exists() and not (rig.project / "gated.txt").exists()
    assert rig.outcomes() == ["approved", "policy_denied"]
