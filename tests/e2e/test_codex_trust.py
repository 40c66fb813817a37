"""Issue 15, bug 4: Codex runs a hook entry only while its trusted hash matches. Through the
real `codex exec`: an untrusted entry is skipped without a word (the tool runs ungated), so
`overseer hook install` says exactly what Codex needs, `--trust` writes it for the exact hook
installed, and `overseer hook status` tells trusted from not."""

from __future__ import annotations

import json

import pytest

from .modelserver import sequence, text, tool
from .rig import Rig

pytestmark = pytest.mark.e2e


def mkdir(rig: Rig, name: str) -> None:
    rig.run(sequence(tool("exec_command", {"cmd": f"mkdir {name}"}), text("finished")))


def status(rig: Rig) -> tuple[int, dict[str, object]]:
    done = rig.overseer("hook", "status", "--project", str(rig.project), "--json", check=False)
    (codex,) = [s for s in json.loads(done.stdout) if s["agent"] == "codex"]
    return done.returncode, codex


def test_untrusted_hook_is_skipped_and_install_says_what_codex_needs(codex_rig: Rig) -> None:
    rig = codex_rig
    done = rig.install()
    hooks_json = rig.project / ".codex" / "hooks.json"
    key = f"{hooks_json}:pre_tool_use:0:0"
    # exactly what Codex needs: the state key and the hash, in the file Codex reads
    assert f"[hooks.state.{json.dumps(key)}]" in done.stderr, done.stderr
    assert 'trusted_hash = "sha256:' in done.stderr
    assert str(rig.codex_home / "config.toml") in done.stderr
    code, found = status(rig)
    assert code == 1 and found["files"][0]["trust"] == "untrusted", found  # type: ignore[index]

    mkdir(rig, "ungated-dir")  # Codex skips the untrusted hook: the call runs ungated
    assert (rig.project / "ungated-dir").is_dir()
    assert rig.outcomes() == []

    rig.install("--trust")
    code, found = status(rig)
    assert code == 0 and found["state"] == "installed and active", found
    assert found["files"][0]["trust"] == "trusted"  # type: ignore[index]
    mkdir(rig, "gated-dir")
    assert not (rig.project / "gated-dir").exists()
    assert rig.outcomes() == ["policy_denied"]


def test_reinstall_after_a_gate_timeout_change_keeps_the_codex_gate(codex_rig: Rig) -> None:
    """BUG 15.4: the docs say re-run install after changing gate_timeout; that changes the
    entry, and Codex then skipped it silently."""
    rig = codex_rig
    rig.install("--trust")
    rig.write_config(gate_timeout="300s")
    quiet = rig.install()  # without --trust: the entry changed, and install must say so
    assert "trusts an earlier version of this hook" in quiet.stderr, quiet.stderr
    rig.install("--trust")
    hooks = json.loads((rig.project / ".codex" / "hooks.json").read_text())
    assert hooks["hooks"]["PreToolUse"][0]["hooks"][0]["timeout"] == 330
    mkdir(rig, "still-gated")
    assert not (rig.project / "still-gated").exists()
    assert rig.outcomes() == ["policy_denied"]
