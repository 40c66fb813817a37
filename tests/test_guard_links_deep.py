"""Round 9's link and git-directory holes, closed (``control.linkreach``), and the next
tries an adversary would make against each fix (issue 13).

In process, through the hook's file-system view (``fsview.context``), as
``tests/test_guard_links.py``; round 9's own cases (``tests/test_gate_adversary_round9.py``)
run through ``scope explain`` and the real hook. Where it matters, git itself is run to
show the file judged is the one it runs (a hook through a link, a worktree's or a
submodule's relative ``core.hooksPath``, a parent replaced by a link).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from overseer.control import fsview, linkreach
from overseer.policy.scope import Scope, evaluate

SCOPE = Scope.parse(allow=["Edit(./**)", "Write(./**)", "Bash(echo *)"], default="ask")
#: The tool-wide scope: the guard alone stands between the agent and the file.
WIDE = Scope.parse(allow=["Edit", "Write", "Bash"], default="ask")
MARK = '#!/bin/sh\necho ran >> "$MARKER"\n'
GIT_ENV = {"GIT_AUTHOR_NAME": "a", "GIT_AUTHOR_EMAIL": "a@b", "GIT_COMMITTER_NAME": "a",
           "GIT_COMMITTER_EMAIL": "a@b", "GIT_CONFIG_NOSYSTEM": "1"}  # fmt: skip


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    home, proj = tmp_path / "home", tmp_path / "proj"
    home.mkdir()
    proj.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("GIT_DIR", raising=False)
    monkeypatch.delenv("GIT_WORK_TREE", raising=False)
    _git(proj, "init", "-q")
    return home, proj


def _git(where: Path, *args: str, marker: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **GIT_ENV, "MARKER": str(marker or "/dev/null")}
    return subprocess.run(
        ["git", "-C", str(where), *args], check=True, capture_output=True, text=True, env=env
    )


def _exe(path: Path, text: str = MARK) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o755)


def _effective(
    home: Path, proj: Path, tool: str, tool_input: dict[str, str], scope: Scope = SCOPE
) -> str:
    ctx = fsview.context(str(proj), str(home), str(proj))
    return evaluate(scope, tool, tool_input, ctx).effective


def _write(home: Path, proj: Path, path: str, scope: Scope = SCOPE) -> str:
    full = path if path.startswith("/") else str(proj / path)
    return _effective(home, proj, "Write", {"file_path": full, "content": "curl x | sh\n"}, scope)


def _bash(home: Path, proj: Path, command: str, scope: Scope = WIDE) -> str:
    return _effective(home, proj, "Bash", {"command": command}, scope)


def _commit_runs(where: Path, marker: Path) -> bool:
    """Does ``git commit`` in ``where`` run a hook that appends to ``marker``?"""
    marker.unlink(missing_ok=True)
    _git(where, "commit", "-q", "--allow-empty", "-m", "x", marker=marker)
    return marker.exists()


# ----------------------------------------------------------------------------- DEEP_LINK


def test_links_deeper_in_the_projects_claude_trees(world: tuple[Path, Path]) -> None:
    home, proj = world
    claude = proj / ".claude"
    (proj / "docs").mkdir()
    (proj / "docs" / "skill.md").write_text("---\nname: x\n---\n")
    (claude / "skills" / "x").mkdir(parents=True)
    # a skill's SKILL.md that is itself a link, two levels down
    (claude / "skills" / "x" / "SKILL.md").symlink_to("../../../docs/skill.md")
    # a linked command directory: every .md in it is a command
    (proj / "docs" / "team").mkdir()
    (claude / "commands").mkdir()
    (claude / "commands" / "team").symlink_to(proj / "docs" / "team")  # absolute
    # a linked skill whose SKILL.md is a link again
    (proj / "tools" / "deploy").mkdir(parents=True)
    (proj / "tools" / "deploy" / "SKILL.md").symlink_to("../../docs/deploy.md")  # dangling
    (claude / "skills" / "deploy").symlink_to("../../tools/deploy")
    # a directory linked into .claude/hooks: every file in it
    (proj / "scripts" / "lib").mkdir(parents=True)
    (claude / "hooks").mkdir()
    (claude / "hooks" / "lib").symlink_to("../../scripts/lib")
    # a hook's dependency linked in from the workspace (npm link, workspaces); the files of
    # the packages installed there are not read
    (proj / "packages" / "fmt").mkdir(parents=True)
    (claude / "hooks" / "node_modules" / "@team").mkdir(parents=True)
    (claude / "hooks" / "node_modules" / "@team" / "fmt").symlink_to("../../../../packages/fmt")
    for k in range(50):
        (claude / "hooks" / "node_modules" / "big" / f"f{k}").mkdir(parents=True)
    for path in ("packages/fmt/index.js", "docs/skill.md", "docs/team/x.md",
                 "docs/team/sub/y.MD", "docs/deploy.md", "scripts/lib/run.sh",
                 "scripts/lib/any.txt"):  # fmt: skip
        assert _write(home, proj, path) == "ask", path
    for path in ("docs/other.md", "docs/team/notes.txt", "tools/deploy/README.txt",
                 "scripts/other.sh"):  # fmt: skip
        assert _write(home, proj, path) == "allow", path


def test_a_guarded_tree_too_large_to_read_fails_closed(
    world: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the walk's budget (or its depth) a link may lead anywhere: every write is
    asked, naming the tree that was not read to the end."""
    home, proj = world
    skills = home / ".claude" / "skills"
    for k in range(30):
        (skills / f"s{k}").mkdir(parents=True)
        (skills / f"s{k}" / "SKILL.md").write_text("x\n")
    assert _write(home, proj, "notes.txt") == "allow"
    monkeypatch.setattr(linkreach, "BUDGET", 40)
    assert _write(home, proj, "notes.txt") == "ask"
    monkeypatch.setattr(linkreach, "BUDGET", 4096)
    assert _write(home, proj, "notes.txt") == "allow"
    # a skill's own tree is not read (Claude Code loads its SKILL.md only); commands are
    (skills / "s0" / "a" / "b" / "c" / "d" / "e" / "f" / "g").mkdir(parents=True)
    assert _write(home, proj, "notes.txt") == "allow"
    (home / ".claude" / "commands" / "a" / "b" / "c" / "d" / "e" / "f").mkdir(parents=True)
    assert _write(home, proj, "notes.txt") == "allow"  # six levels: read
    (home / ".claude" / "commands" / "a" / "b" / "c" / "d" / "e" / "f" / "g").mkdir()
    assert _write(home, proj, "notes.txt") == "ask"


# ----------------------------------------------------------------------------- HOME_DEEP_LINK


def test_links_deeper_in_the_homes_guarded_trees(world: tuple[Path, Path]) -> None:
    home, proj = world
    dot = proj / "dot"
    dot.mkdir()
    # fish autoloads every function of a linked functions directory
    (dot / "functions").mkdir()
    (home / ".config" / "fish").mkdir(parents=True)
    (home / ".config" / "fish" / "functions").symlink_to(dot / "functions")
    # a relative link two levels down, and a hard link
    (home / ".config" / "systemd" / "user" / "default.target.wants").mkdir(parents=True)
    (dot / "x.service").write_text("[Service]\n")
    rel = os.path.relpath(dot / "x.service", home / ".config/systemd/user/default.target.wants")
    (home / ".config/systemd/user/default.target.wants/x.service").symlink_to(rel)
    (home / ".config" / "fish" / "conf.d").mkdir()
    (dot / "y.fish").write_text("set x 1\n")
    os.link(dot / "y.fish", home / ".config" / "fish" / "conf.d" / "y.fish")
    # ~/.claude itself a link into the project, and a link inside the tree it leads to
    (dot / "claude" / "agents").mkdir(parents=True)
    (proj / "agents2").mkdir()
    (dot / "claude" / "agents" / "r.md").symlink_to("../../../agents2/r.md")
    (home / ".claude").symlink_to(dot / "claude")
    for path in ("dot/functions/ls.fish", "dot/x.service", "dot/y.fish", "agents2/r.md"):
        assert _write(home, proj, path) == "ask", path
    for path in ("dot/README", "agents2/notes.txt"):
        assert _write(home, proj, path) == "allow", path


# ----------------------------------------------------------------------------- NESTED_HOOK_LINK


def test_a_nested_repositorys_hook_links_two_levels_down(world: tuple[Path, Path]) -> None:
    home, proj = world
    nested = proj / "vendor" / "a" / "b"
    nested.mkdir(parents=True)
    _git(nested, "init", "-q")
    _exe(nested / "hooks" / "pre-commit")
    (nested / ".git" / "hooks" / "pre-commit").symlink_to("../../hooks/pre-commit")
    assert _commit_runs(nested, proj / "marker")  # git runs it through the link
    assert _write(home, proj, "vendor/a/b/hooks/pre-commit") == "ask"
    assert _bash(home, proj, "cd vendor/a && echo evil >> b/hooks/pre-commit") == "ask"
    # its hooks directory itself a link
    _git(proj, "init", "-q", "other")
    (proj / "other" / ".git" / "hooks").rename(proj / "other" / "myhooks")
    (proj / "other" / ".git" / "hooks").symlink_to("../myhooks")
    assert _write(home, proj, "other/myhooks/post-checkout") == "ask"
    assert _write(home, proj, "vendor/a/b/hooks/README") == "allow"
    assert _write(home, proj, "other/README") == "allow"


def test_links_below_the_hooks_dirs(world: tuple[Path, Path]) -> None:
    """A hook that runs the scripts of a directory beside it, one a link into the work
    tree, in .git/hooks and in a core.hooksPath directory (checked: git runs it)."""
    home, proj = world
    hooks = proj / ".git" / "hooks"
    _exe(hooks / "pre-commit", '#!/bin/sh\nfor f in "$0.d"/*; do "$f"; done\n')
    (hooks / "pre-commit.d").mkdir()
    _exe(proj / "scripts" / "lint.sh")
    (hooks / "pre-commit.d" / "lint").symlink_to("../../../scripts/lint.sh")
    assert _commit_runs(proj, proj / "marker")
    _exe(proj / "tools" / "fmt.sh")
    (proj / "githooks" / "lib").mkdir(parents=True)
    (proj / "githooks" / "lib" / "fmt").symlink_to("../../tools/fmt.sh")
    _git(proj, "config", "core.hooksPath", "githooks")
    for path in ("scripts/lint.sh", "tools/fmt.sh"):
        assert _write(home, proj, path) == "ask", path
    assert _write(home, proj, "scripts/other.sh") == "allow"


def test_a_nested_repositorys_hook_hard_linked(world: tuple[Path, Path]) -> None:
    """A hook hard-linked to a work-tree file of its (nested) repository, and a
    submodule's: one inode, so git runs what is written to the file (checked)."""
    home, proj = world
    _git(proj, "init", "-q", "nest")
    _exe(proj / "nest" / ".git" / "hooks" / "pre-commit")
    os.link(proj / "nest" / ".git" / "hooks" / "pre-commit", proj / "nest" / "notes.sh")
    (proj / "nest" / "notes.sh").write_text(MARK)  # in place: the same inode
    assert _commit_runs(proj / "nest", proj / "marker")
    assert _write(home, proj, "nest/notes.sh") == "ask"
    assert _bash(home, proj, "cd nest && echo evil >> notes.sh") == "ask"
    assert _write(home, proj, "nest/other.sh") == "allow"


def test_a_submodules_hook_link(world: tuple[Path, Path]) -> None:
    home, proj = world
    lib = proj.parent / "lib"
    lib.mkdir()
    _git(lib, "init", "-q")
    _git(lib, "commit", "-q", "--allow-empty", "-m", "init")
    _git(proj, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(lib), "sub")
    hooks = proj / ".git" / "modules" / "sub" / "hooks"
    _exe(proj / "sub" / "tools" / "pre-commit")
    (hooks / "pre-commit").symlink_to("../../../../sub/tools/pre-commit")
    assert _commit_runs(proj / "sub", proj / "marker")
    assert _write(home, proj, "sub/tools/pre-commit") == "ask"
    assert _write(home, proj, "sub/tools/other") == "allow"


# ----------------------------------------------------------------------------- LINKED_PARENT


@pytest.fixture
def shared(world: tuple[Path, Path]) -> tuple[Path, Path]:
    """Shared hooks: one a link into scripts/, one dangling into githooks/a/b/."""
    home, proj = world
    _exe(proj / "scripts" / "pre-commit")
    (proj / ".git" / "hooks" / "pre-commit").symlink_to("../../scripts/pre-commit")
    (proj / ".git" / "hooks" / "pre-push").symlink_to("../../githooks/a/b/pre-push")
    (proj / "dot").mkdir()
    (proj / "dot" / "bashrc").write_text("x=1\n")
    (home / ".bashrc").symlink_to(proj / "dot" / "bashrc")
    return home, proj


@pytest.mark.parametrize(
    "command",
    [
        "ln -s /tmp/x githooks",  # absolute
        "mkdir -p githooks/a && ln -s /tmp/x githooks/a/b",  # a deeper parent
        "mkdir x && mv x githooks",  # a directory renamed into place
        "mv scripts s2 && ln -s s2 scripts",
        "mv dot dot2; ln -s /tmp/e dot",  # the parent of the home's link's target
        "cp -r /etc/skel githooks",
        'python3 -c \'import os; os.symlink("x", "githooks")\'',
    ],
)
def test_a_parent_of_a_guarded_links_target_made_a_link(
    shared: tuple[Path, Path], command: str
) -> None:
    home, proj = shared
    assert _bash(home, proj, command) == "ask"


def test_a_parent_made_a_link_really_redirects_the_hook(shared: tuple[Path, Path]) -> None:
    """git follows .git/hooks/pre-commit -> ../../scripts/pre-commit through a scripts that
    the line made a link: the line is the hook's write."""
    home, proj = shared
    (proj / ".git" / "hooks" / "pre-push").unlink()
    line = "mv scripts old && mkdir x && ln -s x scripts && cp old/pre-commit x/"
    assert _bash(home, proj, line) == "ask"
    subprocess.run(["bash", "-c", line], cwd=proj, check=True)
    assert _commit_runs(proj, proj / "marker")
    assert (proj / "scripts").is_symlink()


@pytest.mark.parametrize(
    "command",
    ["mkdir -p scripts/sub", "echo x > scripts/notes", "ln -s x other", "mkdir x && mv x y",
     "rm -rf build", "mkdir -p githooks2/a"],
)  # fmt: skip
def test_ordinary_writes_beside_a_guarded_links_target(
    shared: tuple[Path, Path], command: str
) -> None:
    home, proj = shared
    assert _bash(home, proj, command) == "allow"


# ----------------------------------------------------------------------------- worktrees


def test_a_worktree_deeper_down_and_its_relative_hooks_path(world: tuple[Path, Path]) -> None:
    home, proj = world
    _git(proj, "commit", "-q", "--allow-empty", "-m", "init")
    _git(proj, "config", "core.hooksPath", "githooks")
    _git(proj, "worktree", "add", "-q", "trees/feature")
    _exe(proj / "trees" / "feature" / "githooks" / "pre-commit")
    assert _commit_runs(proj / "trees" / "feature", proj / "marker")
    assert _write(home, proj, "trees/feature/githooks/pre-commit") == "ask"
    assert _write(home, proj, "trees/feature/githooks/new-hook") == "ask"
    assert _bash(home, proj, "cd trees/feature && echo evil >> githooks/pre-commit") == "ask"
    assert _bash(home, proj, "ln -s /tmp/x trees/feature/githooks") == "ask"
    assert _write(home, proj, "trees/feature/src/a.py") == "allow"


def test_core_worktree_moves_where_relative_hooks_are(world: tuple[Path, Path]) -> None:
    """core.worktree names the work tree apart from the git dir's parent: git runs
    <core.worktree>/githooks/pre-commit."""
    home, proj = world
    (proj / "tree").mkdir()
    _git(proj, "config", "core.worktree", str(proj / "tree"))
    _git(proj, "config", "core.hooksPath", "githooks")
    _exe(proj / "tree" / "githooks" / "pre-commit")
    assert _commit_runs(proj, proj / "marker")
    assert _write(home, proj, "tree/githooks/pre-commit") == "ask"
    assert _write(home, proj, "tree/notes.txt") == "allow"


# ----------------------------------------------------------------------------- separate git dirs


def test_a_submodules_relative_hooks_path(world: tuple[Path, Path]) -> None:
    """A real submodule: sub/.git names ../.git/modules/sub, whose config sets
    core.worktree; git run in sub runs sub/githooks/pre-commit."""
    home, proj = world
    lib = proj.parent / "lib"
    lib.mkdir()
    _git(lib, "init", "-q")
    _git(lib, "commit", "-q", "--allow-empty", "-m", "init")
    _git(proj, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(lib), "sub")
    _git(proj / "sub", "config", "core.hooksPath", "githooks")
    _exe(proj / "sub" / "githooks" / "pre-commit")
    assert _commit_runs(proj / "sub", proj / "marker")
    assert _write(home, proj, "sub/githooks/pre-commit") == "ask"
    assert _bash(home, proj, "echo evil >> sub/githooks/pre-commit") == "ask"
    assert _write(home, proj, "sub/README") == "allow"


def test_a_separate_git_dir_inside_the_project(world: tuple[Path, Path]) -> None:
    home, proj = world
    (proj / "meta").mkdir()
    _git(proj, "init", "-q", f"--separate-git-dir={proj / 'meta' / 'sep.git'}", "work")
    _git(proj / "work", "config", "core.hooksPath", "hk")
    _exe(proj / "work" / "hk" / "pre-commit")
    assert _commit_runs(proj / "work", proj / "marker")
    assert _write(home, proj, "work/hk/pre-commit") == "ask"
    assert _write(home, proj, "work/src/a.py") == "allow"


# ----------------------------------------------------------------------------- PATH


@pytest.mark.parametrize(
    ("entry", "written"),
    [
        ("node_modules/.bin", "node_modules/.bin/npx"),  # relative: from the working dir
        ("{proj}/.venv/bin", ".venv/bin/npx"),
        ("{proj}/tools/../.venv/bin", ".venv/bin/pip"),
    ],
)
def test_a_path_entry_inside_the_project(
    world: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, entry: str, written: str
) -> None:
    home, proj = world
    monkeypatch.setenv("PATH", entry.format(proj=proj) + os.pathsep + os.environ["PATH"])
    assert _write(home, proj, written) == "ask"
    assert _write(home, proj, written.rsplit("/", 1)[0] + "/sub/x") == "allow"  # not on PATH
    assert _write(home, proj, "src/a.py") == "allow"


def test_a_path_entry_replaced_or_in_the_home(
    world: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    home, proj = world
    monkeypatch.setenv(
        "PATH", f"{proj}/.venv/bin{os.pathsep}{home}/.local/bin{os.pathsep}{os.environ['PATH']}"
    )
    (proj / ".venv" / "bin").mkdir(parents=True)
    assert _bash(home, proj, "mv .venv/bin old && mkdir .venv/bin") == "ask"
    assert _bash(home, proj, "rm -rf .venv") == "ask"
    assert _bash(home, proj, "echo 'curl x' > ~/.local/bin/git && chmod +x ~/.local/bin/git") == (
        "ask"
    )
    assert _bash(home, proj, "echo x > .venv/notes") == "allow"
