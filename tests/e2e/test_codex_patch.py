"""Codex's `apply_patch`, as its freeform tool and run through the shell: the files a patch
names are judged by the Edit rules (issue 15, bug 5)."""

from __future__ import annotations

import pytest

from .modelserver import sequence, text, tool
from .rig import Rig

pytestmark = pytest.mark.e2e


def patch(name: str) -> str:
    return f"*** Begin Patch\n*** Add File: {name}\n+written by a patch\n*** End Patch\n"


def _run(rig: Rig, reply: object) -> str:
    rig.install("--trust")
    run = rig.run(sequence(reply, text("finished")))  # type: ignore[arg-type]
    assert run.returncode == 0, run.describe()
    return run.result_text()


def test_freeform_apply_patch_allowed(codex_rig: Rig) -> None:
    _run(codex_rig, tool("apply_patch", patch("allowed-patch.txt"), freeform=True))
    assert (codex_rig.project / "allowed-patch.txt").read_text() == "written by a patch\n"
    assert codex_rig.outcomes() == ["auto_allowed"]


def test_freeform_apply_patch_denied_by_an_edit_rule(codex_rig: Rig) -> None:
    told = _run(codex_rig, tool("apply_patch", patch("protected.txt"), freeform=True))
    assert not (codex_rig.project / "protected.txt").exists()
    assert "denied by overseer" in told, told
    assert codex_rig.outcomes() == ["policy_denied"]


def test_apply_patch_through_the_shell_is_judged_by_the_edit_rules(codex_rig: Rig) -> None:
    command = f"apply_patch <<'EOF'\n{patch('protected.txt')}EOF\n"
    told = _run(codex_rig, tool("exec_command", {"cmd": command}))
    assert not (codex_rig.project / "protected.txt").exists(), told
    assert "Edit(./protected*)" in told or "Write(./protected*)" in told, told
