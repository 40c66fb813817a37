"""The hook path stays lean (architecture.md, invariant 4).

The real entry point (``overseer.__main__.main`` with ``hook claude-code``) runs in a fresh
interpreter on each of the hook's paths — allowed by a rule, gated, malformed input — and the
modules it loaded are inspected afterwards. Anything heavy on the list would be paid before
every tool call of every agent.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from overseer.store import lean

FORBIDDEN = (
    "textual", "rich", "sqlmodel", "sqlalchemy", "httpx", "pydantic", "click", "dataclasses",
    "platformdirs", "psutil", "asyncio", "watchfiles", "orjson", "bashlex", "pathspec",
    "overseer.cli", "overseer.tui", "overseer.engine", "overseer.sources", "overseer.store.db",
    "overseer.model",
)  # fmt: skip

HARNESS = """
import json, sys
sys.argv = ["overseer", "hook", "claude-code"]
from overseer.__main__ import main
try:
    main()
except SystemExit:
    pass
with open({out!r}, "w") as fh:
    json.dump(sorted(sys.modules), fh)
"""

CONFIG = """
[defaults]
gate_timeout = "1s"
[agents.dev]
owner = "dev@example.com"
autonomy = "autonomous"
default_task = "work"
[agents.dev.tasks.work]
allow = ["Bash(git status)"]
ask = ["Bash(git push:*)"]
"""


def loaded_by_hook(tmp_path: Path, stdin: str, env: dict[str, str], name: str) -> set[str]:
    out = tmp_path / f"{name}.json"
    result = subprocess.run(
        [sys.executable, "-c", HARNESS.format(out=str(out))],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return set(json.loads(out.read_text()))


def offenders(loaded: set[str]) -> list[str]:
    return sorted(m for m in loaded if any(m == f or m.startswith(f + ".") for f in FORBIDDEN))


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    config = tmp_path / "config.toml"
    config.write_text(CONFIG)
    old = time.time() - 60
    os.utime(config, (old, old))  # not "just edited": the hook may cache its validation
    db = str(tmp_path / "o.db")
    lean.connect(db).close()  # create the database once, as `overseer` would have
    environ = {k: v for k, v in os.environ.items() if not k.startswith("OVERSEER_")}
    return environ | {
        "OVERSEER_CONFIG": str(config),
        "OVERSEER_DB": db,
        "OVERSEER_AGENT": "dev",
        "OVERSEER_GATE_TIMEOUT": "0",
    }


def call(command: str) -> str:
    return json.dumps(
        {"session_id": "s-lean", "cwd": "/tmp", "hook_event_name": "PreToolUse",
         "tool_name": "Bash", "tool_input": {"command": command}, "tool_use_id": "t1"}
    )  # fmt: skip


@pytest.mark.parametrize(
    ("name", "stdin"),
    [("allowed", call("git status")), ("gated", call("git push")), ("malformed", "{nope")],
)
def test_hook_imports_nothing_heavy(
    tmp_path: Path, env: dict[str, str], name: str, stdin: str
) -> None:
    assert offenders(loaded_by_hook(tmp_path, stdin, env, name)) == []


def test_the_config_is_read_afresh_on_every_call(tmp_path: Path, env: dict[str, str]) -> None:
    """No validated-config cache: one the agent's user can write is one the agent can forge."""
    first = loaded_by_hook(tmp_path, call("git status"), env, "first")
    second = loaded_by_hook(tmp_path, call("git status"), env, "second")
    assert "tomllib" in first and "tomllib" in second
