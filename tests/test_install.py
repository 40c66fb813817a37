"""``overseer hook install``: merge into Claude Code / Codex settings, lose nothing, idempotent.

Runs the real CLI in a subprocess with HOME pointed at a temp dir, so the user's own
``~/.claude`` and ``~/.codex`` are never touched.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from overseer.control import install as inst

EXISTING_CLAUDE: dict[str, Any] = {
    "model": "opus",
    "permissions": {
        "allow": ["Bash(npm test:*)", "Read(src/**)"],
        "deny": ["Read(./.env)", "Bash(curl:*)"],
        "defaultMode": "default",
    },
    "env": {"FOO": "bar"},
    "hooks": {
        "PreToolUse": [
            {
                "matcher": "Bash",
                "hooks": [{"type": "command", "command": "/usr/local/bin/audit.sh", "timeout": 5}],
            }
        ],
        "PostToolUse": [
            {"matcher": "Edit|Write", "hooks": [{"type": "command", "command": "ruff format"}]}
        ],
        "Stop": [{"hooks": [{"type": "command", "command": "notify-send done"}]}],
    },
}

EXISTING_CODEX: dict[str, Any] = {
    "hooks": {
        "SessionStart": [
            {"matcher": "startup", "hooks": [{"type": "command", "command": "echo hi"}]}
        ],
        "PreToolUse": [
            {"matcher": "Bash", "hooks": [{"type": "command", "command": "python3 guard.py"}]}
        ],
    }
}


def run_install(
    *args: str, home: Path, cwd: Path, config: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OVERSEER_", "CODEX_"))}
    env["HOME"] = str(home)
    if config is not None:
        env["OVERSEER_CONFIG"] = str(config)
    return subprocess.run(
        [sys.executable, "-m", "overseer", "hook", "install", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=60,
    )


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "overseer.toml"
    path.write_text('[defaults]\ngate_timeout = "90s"\n')
    return path


def overseer_handlers(data: dict[str, Any], target: str) -> list[dict[str, Any]]:
    return [
        h
        for group in data["hooks"]["PreToolUse"]
        for h in group["hooks"]
        if inst.is_overseer_handler(h, target)
    ]


def test_project_install_keeps_everything_and_is_idempotent(tmp_path: Path, config: Path) -> None:
    project = tmp_path / "proj"
    (project / ".claude").mkdir(parents=True)
    settings = project / ".claude" / "settings.json"
    settings.write_text(json.dumps(EXISTING_CLAUDE, indent=4) + "\n")
    os.chmod(settings, 0o640)

    first = run_install(
        "--project", str(project), home=tmp_path / "home", cwd=tmp_path, config=config
    )
    assert first.returncode == 0, first.stderr
    data = json.loads(settings.read_text())
    # Nothing that was there is lost or altered.
    for key in ("model", "permissions", "env"):
        assert data[key] == EXISTING_CLAUDE[key]
    for event in ("PostToolUse", "Stop"):
        assert data["hooks"][event] == EXISTING_CLAUDE["hooks"][event]
    assert data["hooks"]["PreToolUse"][0] == EXISTING_CLAUDE["hooks"]["PreToolUse"][0]
    # Ours was added, matching every tool, with a timeout above the 90 s gate timeout.
    ours = data["hooks"]["PreToolUse"][1]
    assert ours["matcher"] == "*"
    (handler,) = ours["hooks"]
    assert handler["type"] == "command"
    assert handler["timeout"] == 90 + inst.HOOK_TIMEOUT_MARGIN
    assert " hook claude-code " in handler["command"]
    assert str(config) in handler["command"] and handler["command"].endswith("|| exit 2")
    # Same indentation kept, same file mode, a backup of the old file beside it.
    assert settings.read_text().startswith('{\n    "model"')
    assert settings.stat().st_mode & 0o777 == 0o640
    backups = list((project / ".claude").glob("settings.json.overseer-backup-*"))
    assert len(backups) == 1
    assert json.loads(backups[0].read_text()) == EXISTING_CLAUDE
    assert "added a PreToolUse hook" in first.stdout
    # Codex was not asked for and has no .codex directory here: skipped, nothing created.
    assert not (project / ".codex").exists()

    before = settings.read_text()
    second = run_install(
        "--project", str(project), home=tmp_path / "home", cwd=tmp_path, config=config
    )
    assert second.returncode == 0, second.stderr
    assert settings.read_text() == before
    assert "already installed, nothing to change" in second.stdout
    assert len(list((project / ".claude").glob("settings.json.overseer-backup-*"))) == 1


def test_user_install_writes_claude_and_codex_under_home(tmp_path: Path, config: Path) -> None:
    home = tmp_path / "home"
    (home / ".codex").mkdir(parents=True)
    hooks_json = home / ".codex" / "hooks.json"
    hooks_json.write_text(json.dumps(EXISTING_CODEX))

    result = run_install("--user", home=home, cwd=tmp_path, config=config)
    assert result.returncode == 0, result.stderr
    claude = json.loads((home / ".claude" / "settings.json").read_text())
    assert len(overseer_handlers(claude, "claude-code")) == 1
    codex = json.loads(hooks_json.read_text())
    assert codex["hooks"]["SessionStart"] == EXISTING_CODEX["hooks"]["SessionStart"]
    assert codex["hooks"]["PreToolUse"][0] == EXISTING_CODEX["hooks"]["PreToolUse"][0]
    (handler,) = overseer_handlers(codex, "codex")
    assert " hook codex " in handler["command"]
    assert handler["timeout"] > 90
    assert "trust" in result.stderr  # Codex asks the user to trust new hooks: we say so

    again = run_install("--user", home=home, cwd=tmp_path, config=config)
    assert again.returncode == 0
    assert json.loads(hooks_json.read_text()) == codex
    assert again.stdout.count("already installed") == 2


def test_dry_run_writes_nothing(tmp_path: Path, config: Path) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    result = run_install(
        "--project", str(project), "--dry-run", home=tmp_path / "home", cwd=tmp_path, config=config
    )
    assert result.returncode == 0, result.stderr
    assert "+++" in result.stdout and "dry run" in result.stdout
    assert not (project / ".claude").exists()


def test_changed_gate_timeout_updates_only_our_entry(tmp_path: Path) -> None:
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps(EXISTING_CLAUDE))
    command = inst.hook_command("claude-code", executable=["/opt/overseer"])
    plan = inst.plan_install("claude-code", settings, command, inst.hook_timeout(120))
    inst.apply_plan(plan)
    plan = inst.plan_install("claude-code", settings, command, inst.hook_timeout(300))
    assert plan.changes == ["set timeout of the overseer PreToolUse hook: 150 → 330"]
    inst.apply_plan(plan)
    data = json.loads(settings.read_text())
    assert [h["timeout"] for h in overseer_handlers(data, "claude-code")] == [330]
    assert data["hooks"]["PreToolUse"][0] == EXISTING_CLAUDE["hooks"]["PreToolUse"][0]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "not a JSON object"),
        ('{"hooks": []}', '"hooks" is not an object'),
        ('{"hooks": {"PreToolUse": {}}}', '"hooks.PreToolUse" is not a list'),
    ],
)
def test_refuses_files_it_cannot_merge_safely(tmp_path: Path, content: str, message: str) -> None:
    settings = tmp_path / "settings.json"
    settings.write_text(content)
    with pytest.raises(inst.InstallError, match=message):
        inst.plan_install("claude-code", settings, "overseer hook claude-code", 150)
    assert settings.read_text() == content


def test_cli_reports_a_broken_settings_file_and_leaves_it(tmp_path: Path, config: Path) -> None:
    project = tmp_path / "proj"
    (project / ".claude").mkdir(parents=True)
    settings = project / ".claude" / "settings.json"
    settings.write_text("{oops")
    result = run_install(
        "--project", str(project), home=tmp_path / "home", cwd=tmp_path, config=config
    )
    assert result.returncode == 1
    assert "not valid JSON" in result.stderr and "Traceback" not in result.stderr
    assert settings.read_text() == "{oops"


def test_recognises_our_handler_whatever_its_arguments() -> None:
    assert inst.is_overseer_handler(
        {
            "type": "command",
            "command": "'/x/.venv/bin/overseer' hook claude-code --db /t/o.db || exit 2",
        },
        "claude-code",
    )
    assert inst.is_overseer_handler(
        {"type": "command", "command": "python -m overseer hook codex"}, "codex"
    )
    assert not inst.is_overseer_handler(
        {"type": "command", "command": "overseer hook codex"}, "claude-code"
    )
    assert not inst.is_overseer_handler(
        {"type": "command", "command": "/usr/local/bin/audit.sh"}, "codex"
    )


def test_hook_timeout_is_above_the_gate_timeout() -> None:
    assert inst.hook_timeout(120) > 120
    assert inst.hook_timeout(0.5) > 0.5


# --------------------------------------------------------------------------- the agent's tree


def test_install_never_bakes_the_projects_own_config_toml(tmp_path: Path) -> None:
    """A ./config.toml in the project is the agent's to edit: install does not pick it up."""
    project = tmp_path / "proj"
    project.mkdir()
    (project / "config.toml").write_text('[defaults]\ngate_timeout = "5s"\n')
    result = run_install("--for", "claude-code", home=tmp_path / "home", cwd=project)
    assert result.returncode == 0, result.stderr
    command = overseer_handlers(
        json.loads((project / ".claude" / "settings.json").read_text()), "claude-code"
    )[0]["command"]
    assert "config.toml" not in command and "--config" not in command
    assert "no config file" in result.stderr


def test_install_bakes_the_store_so_the_environment_cannot_move_it(
    tmp_path: Path, config: Path
) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    home = tmp_path / "home"
    result = run_install("--for", "claude-code", home=home, cwd=project, config=config)
    assert result.returncode == 0, result.stderr
    command = overseer_handlers(
        json.loads((project / ".claude" / "settings.json").read_text()), "claude-code"
    )[0]["command"]
    baked = command.split("--db ", 1)[1].split(" ", 1)[0]
    assert os.path.isabs(baked) and baked.endswith("/overseer/overseer.db")  # the data dir


@pytest.mark.parametrize("inside", ["config", "store"])
def test_install_refuses_a_config_or_store_inside_the_project(tmp_path: Path, inside: str) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    in_project = project / "overseer.toml"
    in_project.write_text('[defaults]\ngate_timeout = "90s"\n')
    outside = tmp_path / "overseer.toml"
    outside.write_text('[defaults]\ngate_timeout = "90s"\n')
    args = ["--for", "claude-code"]
    if inside == "config":
        args += ["--config", str(in_project)]
    else:
        args += ["--config", str(outside), "--db", str(project / "sub" / ".." / "store.db")]
    home = tmp_path / "home"
    refused = run_install(*args, home=home, cwd=project)
    assert refused.returncode == 2
    assert f"refusing to install: the {inside}" in refused.stderr and "--force" in refused.stderr
    assert not (project / ".claude").exists()
    forced = run_install(*args, "--force", home=home, cwd=project)
    assert forced.returncode == 0, forced.stderr
    assert f"warning (--force): the {inside}" in forced.stderr


def test_install_refuses_a_store_reached_through_a_symlink_into_the_project(
    tmp_path: Path, config: Path
) -> None:
    project = tmp_path / "proj"
    (project / "data").mkdir(parents=True)
    link = tmp_path / "elsewhere"
    link.symlink_to(project / "data")
    refused = run_install(
        "--for", "claude-code", "--db", str(link / "s.db"), home=tmp_path / "h", cwd=project,
        config=config,
    )  # fmt: skip
    assert refused.returncode == 2 and "the store" in refused.stderr


def test_install_refuses_an_overseer_installed_in_the_project() -> None:
    """The project's own .venv: the agent could rewrite the hook's code. Judged by the
    paths the installed command would run (this interpreter's, here /work/main/.venv)."""
    here = Path(sys.executable).resolve().parent.parent.parent  # the tree holding .venv
    why = inst.in_agent_tree(str(here), config=None, db=None)
    assert any("overseer's installation" in w for w in why), why
    assert inst.in_agent_tree("/nonexistent-project", config=None, db=None) == []


# ------------------------------------------------------------------- Codex trust (issue 15, bug 4)


def _codex_status(project: Path, home: Path) -> dict[str, Any]:
    from overseer.control import hookstatus

    return hookstatus.codex_status(str(project), user=False, home=home).files[0].as_dict()


def test_codex_install_says_what_codex_needs_and_trust_writes_it(
    tmp_path: Path, config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    project = tmp_path / "proj"
    (project / ".codex").mkdir(parents=True)
    codex_home = home / ".codex"
    codex_home.mkdir(parents=True)
    user_config = codex_home / "config.toml"
    kept = f'# mine\nmodel = "gpt-5.5"\n\n[projects."{project}"]\ntrust_level = "trusted"\n'
    user_config.write_text(kept)
    monkeypatch.setenv("HOME", str(home))

    plain = run_install(
        "--project", str(project), "--for", "codex", home=home, cwd=tmp_path, config=config
    )
    assert plain.returncode == 0, plain.stderr
    assert user_config.read_text() == kept  # nothing written without --trust
    status = _codex_status(project, home)
    assert status["trust"] == "untrusted"
    # the exact lines Codex needs, with the hash `hook status` computes
    assert f'trusted_hash = "{status["hash"]}"' in plain.stderr
    assert f"[hooks.state.{json.dumps(status['trust_key'])}]" in plain.stderr

    trusted = run_install(
        "--project",
        str(project),
        "--for",
        "codex",
        "--trust",
        home=home,
        cwd=tmp_path,
        config=config,
    )
    assert trusted.returncode == 0, trusted.stderr
    text = user_config.read_text()
    assert text.startswith(kept)  # everything that was there stays, byte for byte
    assert _codex_status(project, home)["trust"] == "trusted"
    again = run_install(
        "--project",
        str(project),
        "--for",
        "codex",
        "--trust",
        home=home,
        cwd=tmp_path,
        config=config,
    )
    assert user_config.read_text() == text  # idempotent
    assert "the installed hook is trusted" in again.stdout

    # a changed gate timeout changes the entry: without --trust install says so ...
    config.write_text('[defaults]\ngate_timeout = "300s"\n')
    changed = run_install(
        "--project", str(project), "--for", "codex", home=home, cwd=tmp_path, config=config
    )
    assert "trusts an earlier version of this hook" in changed.stderr
    assert _codex_status(project, home)["trust"] == "modified"
    # ... and --trust updates the one hash in place (no second table)
    run_install(
        "--project",
        str(project),
        "--for",
        "codex",
        "--trust",
        home=home,
        cwd=tmp_path,
        config=config,
    )
    assert _codex_status(project, home)["trust"] == "trusted"
    assert user_config.read_text().count("[hooks.state.") == 1


def test_codex_trust_refuses_a_config_it_cannot_edit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hooks = tmp_path / ".codex" / "hooks.json"
    command = inst.hook_command("codex", executable=["/bin/overseer"])
    plan = inst.plan_install("codex", hooks, command, 150)
    user_config = tmp_path / "codex-home" / "config.toml"
    user_config.parent.mkdir()
    monkeypatch.setenv("CODEX_HOME", str(user_config.parent))
    trust = inst.codex_trust(hooks, plan.after)
    assert trust is not None
    user_config.write_text("not = [valid toml\n")
    with pytest.raises(inst.InstallError, match="not valid TOML"):
        inst.plan_codex_trust(trust)
    # the state kept as an inline table: the edit cannot change it safely, so it refuses
    user_config.write_text(f"[hooks.state]\n{json.dumps(trust.key)} = {{ enabled = true }}\n")
    with pytest.raises(inst.InstallError, match="Add this yourself"):
        inst.plan_codex_trust(trust)
    user_config.write_text("")
    fresh = inst.plan_codex_trust(trust)
    assert fresh.after == trust.snippet()


def test_the_fallback_hook_command_cannot_be_hijacked_from_the_project(
    tmp_path: Path, config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No console script beside the interpreter, none on PATH: the hook entry runs
    ``python -I -m overseer``. A bare ``-m`` would put the hook's cwd — the agent's project —
    first on sys.path, and a ``json.py`` the agent wrote there would run inside the gate."""
    monkeypatch.setattr(inst.Path, "is_file", lambda self: False)
    monkeypatch.setattr(inst.shutil, "which", lambda name: None)
    argv = inst.overseer_executable()
    assert argv == [sys.executable, "-I", "-m", "overseer"]
    project = tmp_path / "project"
    project.mkdir()
    marker = tmp_path / "hijacked"
    (project / "json.py").write_text(
        f"import pathlib\npathlib.Path({str(marker)!r}).write_text('ran')\n"
        "raise SystemExit('the agent owns the gate')\n"
    )
    call = {"session_id": "s1", "cwd": str(project), "hook_event_name": "PreToolUse",
            "tool_name": "Bash", "tool_input": {"command": "ls"}, "tool_use_id": "t1"}  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("OVERSEER_")}
    config.write_text(
        '[agents.dev]\nowner = "dev@example.com"\nautonomy = "autonomous"\n'
        'default_task = "work"\nmatch = { cwd = ["' + str(project) + '"] }\n'
        '[agents.dev.tasks.work]\nallow = ["Bash(ls *)"]\n'
    )
    command = [*argv, "hook", "claude-code", "--config", str(config),
               "--db", str(tmp_path / "o.db")]  # fmt: skip
    answered = subprocess.run(command, input=json.dumps(call), capture_output=True, text=True,
                              cwd=project, env=env, timeout=60)  # fmt: skip
    assert not marker.exists(), answered.stderr
    assert json.loads(answered.stdout)["hookSpecificOutput"]["permissionDecision"] == "allow"
    # Without -I the same project does take the hook over (what the flag is for).
    bare = [sys.executable, "-m", "overseer", *command[4:]]
    subprocess.run(bare, input=json.dumps(call), capture_output=True, text=True, cwd=project,
                   env=env, timeout=60)  # fmt: skip
    assert marker.exists()
