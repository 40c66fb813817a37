"""``overseer hook status``: real settings files in temporary homes and projects, written by
the real ``hook install`` code, read back by the status checks and by the real CLI."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from overseer.control import hookstatus as hs
from overseer.control import install


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    monkeypatch.setenv("HOME", str(path))
    monkeypatch.delenv("CODEX_HOME", raising=False)
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    path = tmp_path / "project"
    path.mkdir()
    return path


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "etc" / "config.toml"
    path.parent.mkdir()
    path.write_text("")
    return path


def installed(target: str, path: Path, config: Path, **kw: Any) -> str:
    """Install the real hook entry into ``path``; return its command."""
    command = install.hook_command(target, config=str(config), entry_timeout=150, **kw)
    plan = install.plan_install(target, path, command, 150)
    install.apply_plan(plan)
    return command


def edit(path: Path, change: Any) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def codex_user_config(home: Path, text: str) -> None:
    (home / ".codex").mkdir(exist_ok=True)
    (home / ".codex" / "config.toml").write_text(text)


def by_agent(project: Path | None, user: bool = False) -> dict[str, hs.AgentStatus]:
    return {s.agent: s for s in hs.hook_status(str(project) if project else None, user=user)}


# ----------------------------------------------------------------------------- Claude Code


def test_nothing_installed(home: Path, project: Path) -> None:
    found = by_agent(project)
    assert found["claude-code"].state == hs.NOT_INSTALLED
    assert found["codex"].state == hs.NOT_INSTALLED
    assert hs.summary_level(list(found.values())) == "none"


def test_claude_installed_by_install_is_active_with_its_baked_options(
    home: Path, project: Path, config: Path
) -> None:
    path = project / ".claude" / "settings.json"
    installed("claude-code", path, config, db="/var/lib/overseer/o.db", agent="dev")
    status = by_agent(project)["claude-code"]
    assert status.state == hs.ACTIVE
    file = next(f for f in status.files if f.scope == "project")
    assert file.path == str(path)
    assert file.options["config"] == str(config)
    assert file.options["db"] == "/var/lib/overseer/o.db"
    assert file.options["agent"] == "dev"
    assert file.matcher == "*"


def test_settings_local_disable_all_hooks_overrides_the_installed_entry(
    home: Path, project: Path, config: Path
) -> None:
    installed("claude-code", project / ".claude" / "settings.json", config)
    local = project / ".claude" / "settings.local.json"
    local.write_text(json.dumps({"disableAllHooks": True}))
    status = by_agent(project)["claude-code"]
    assert status.state == hs.DISABLED
    assert any(str(local) in r for r in status.reasons)


def test_user_disable_all_hooks_disables_a_project_entry(
    home: Path, project: Path, config: Path
) -> None:
    installed("claude-code", project / ".claude" / "settings.json", config)
    (home / ".claude").mkdir()
    (home / ".claude" / "settings.json").write_text('{"disableAllHooks": true}')
    assert by_agent(project)["claude-code"].state == hs.DISABLED


def test_a_narrowed_matcher_is_reported_partial(home: Path, project: Path, config: Path) -> None:
    path = project / ".claude" / "settings.json"
    installed("claude-code", path, config)
    edit(path, lambda d: d["hooks"]["PreToolUse"][0].update(matcher="Bash"))
    status = by_agent(project)["claude-code"]
    assert status.state == hs.PARTIAL
    assert any("'Bash'" in r for r in status.reasons)


def test_a_missing_executable_or_config_is_broken(home: Path, project: Path, config: Path) -> None:
    path = project / ".claude" / "settings.json"
    installed("claude-code", path, config, executable=[str(project / "gone" / "overseer")])
    status = by_agent(project)["claude-code"]
    assert status.state == hs.BROKEN
    assert any("does not exist" in r for r in status.reasons)
    path.unlink()
    installed("claude-code", path, config)
    config.unlink()
    assert by_agent(project)["claude-code"].state == hs.BROKEN


def test_the_user_settings_alone(home: Path, config: Path) -> None:
    installed("claude-code", home / ".claude" / "settings.json", config)
    found = by_agent(None, user=True)
    assert found["claude-code"].state == hs.ACTIVE
    assert found["claude-code"].where == "user"
    assert [f.scope for f in found["claude-code"].files] == ["user"]


def test_invalid_json_is_unreadable_not_active(home: Path, project: Path) -> None:
    (project / ".claude").mkdir()
    (project / ".claude" / "settings.json").write_text("{not json")
    assert by_agent(project)["claude-code"].state == hs.UNREADABLE


# ----------------------------------------------------------------------------- Codex


def test_codex_trust_hash_matches_codex_algorithm() -> None:
    """Derived by hand from Codex's source, not from our function:
    openai/codex codex-rs/hooks/src/engine/discovery.rs (command_hook_hash: the identity is
    ``{event_name: "pre_tool_use", <group with matcher>, hooks: [the normalised handler]}``,
    ``timeout_sec.unwrap_or(600).max(1)``, serialised through TOML so ``None`` fields vanish)
    and codex-rs/config/src/fingerprint.rs (version_for_toml: JSON with object keys sorted,
    ``serde_json::to_vec`` (no spaces), SHA-256, ``"sha256:" + hex``)."""
    command = "/opt/overseer/bin/overseer hook codex --config /etc/overseer.toml || exit 2"
    canonical = (
        '{"event_name":"pre_tool_use",'
        '"hooks":[{"async":false,"command":"' + command + '","timeout":150,"type":"command"}],'
        '"matcher":"*"}'
    )
    expected = "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()
    assert hs.codex_trust_hash(command, matcher="*", timeout=150, status=None) == expected
    # no matcher, no timeout: both left out / defaulted exactly as Codex does
    bare = (
        '{"event_name":"pre_tool_use","hooks":[{"async":false,"command":"echo hi",'
        '"timeout":600,"type":"command"}]}'
    )
    assert hs.codex_trust_hash("echo hi", matcher=None, timeout=None, status=None) == (
        "sha256:" + hashlib.sha256(bare.encode()).hexdigest()
    )
    zero = bare.replace('"timeout":600', '"timeout":1')
    assert hs.codex_trust_hash("echo hi", matcher=None, timeout=0, status=None) == (
        "sha256:" + hashlib.sha256(zero.encode()).hexdigest()
    )


def _trust(home: Path, hooks_json: Path, digest: str, *, project: Path | None = None) -> None:
    lines = []
    if project is not None:
        lines += [f'[projects."{project}"]', 'trust_level = "trusted"', ""]
    lines += [
        f'[hooks.state."{hooks_json}:pre_tool_use:0:0"]',
        f'trusted_hash = "{digest}"',
    ]
    codex_user_config(home, "\n".join(lines) + "\n")


def _digest_of(hooks_json: Path) -> str:
    group = json.loads(hooks_json.read_text())["hooks"]["PreToolUse"][0]
    handler = group["hooks"][0]
    return hs.codex_trust_hash(
        handler["command"], matcher=group.get("matcher"), timeout=handler.get("timeout"),
        status=None,
    )  # fmt: skip


def test_codex_untrusted_then_trusted_then_changed(home: Path, config: Path) -> None:
    hooks_json = home / ".codex" / "hooks.json"
    installed("codex", hooks_json, config)
    status = by_agent(None, user=True)["codex"]
    assert status.state == hs.UNTRUSTED
    assert status.files[0].trust_key == f"{hooks_json}:pre_tool_use:0:0"
    _trust(home, hooks_json, _digest_of(hooks_json))
    status = by_agent(None, user=True)["codex"]
    assert status.state == hs.ACTIVE
    assert status.files[0].trust == "trusted"
    # The agent edits the entry (say, drops --config): Codex now skips it until re-trusted.
    edit(hooks_json, lambda d: d["hooks"]["PreToolUse"][0]["hooks"][0].update(timeout=151))
    status = by_agent(None, user=True)["codex"]
    assert status.state == hs.MODIFIED
    assert status.files[0].trust == "modified"


def test_codex_entry_disabled_in_the_user_config(home: Path, config: Path) -> None:
    hooks_json = home / ".codex" / "hooks.json"
    installed("codex", hooks_json, config)
    codex_user_config(
        home,
        f'[hooks.state."{hooks_json}:pre_tool_use:0:0"]\n'
        f'enabled = false\ntrusted_hash = "{_digest_of(hooks_json)}"\n',
    )
    assert by_agent(None, user=True)["codex"].state == hs.DISABLED


def test_codex_home_is_honoured(tmp_path: Path, home: Path, config: Path, monkeypatch: Any) -> None:
    elsewhere = tmp_path / "codex-home"
    monkeypatch.setenv("CODEX_HOME", str(elsewhere))
    installed("codex", elsewhere / "hooks.json", config)
    status = by_agent(None, user=True)["codex"]
    assert status.files[0].path == str(elsewhere / "hooks.json")
    assert status.state == hs.UNTRUSTED


def test_codex_project_needs_a_trusted_project_and_a_trusted_entry(
    home: Path, project: Path, config: Path
) -> None:
    hooks_json = project / ".codex" / "hooks.json"
    installed("codex", hooks_json, config)
    _trust(home, hooks_json, _digest_of(hooks_json))  # entry trusted, project not
    assert by_agent(project)["codex"].state == hs.PROJECT_UNTRUSTED
    _trust(home, hooks_json, _digest_of(hooks_json), project=project)
    assert by_agent(project)["codex"].state == hs.ACTIVE


# ----------------------------------------------------------------------------- the CLI


def test_the_cli_reports_json_and_fails_when_a_hook_will_not_run(
    home: Path, project: Path, config: Path
) -> None:
    installed("claude-code", project / ".claude" / "settings.json", config)
    run = [sys.executable, "-m", "overseer", "hook", "status", "--project", str(project)]
    env = {**os.environ, "HOME": str(home)}
    done = subprocess.run([*run, "--json"], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    found = {s["agent"]: s for s in json.loads(done.stdout)}
    assert found["claude-code"]["state"] == hs.ACTIVE
    assert found["codex"]["state"] == hs.NOT_INSTALLED
    (project / ".claude" / "settings.local.json").write_text('{"disableAllHooks": true}')
    done = subprocess.run(run, capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 1
    assert "claude-code" in done.stdout and "disabled" in done.stdout
    assert "settings.local.json" in done.stdout
