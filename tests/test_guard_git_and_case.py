"""The guard's view of git and of letter case (issue 13, round 7's fixes).

``protected.in_git_directory`` (a bare repository the agent writes file by file, in any
order), ``protected.discover_git_dir`` (against git's own ``rev-parse``),
``protected.config_values`` / ``GitView.hooks_dirs`` (``core.hooksPath`` as ``git config``
reads it) and ``protected.on_disk_names`` (a path spelled as a case-insensitive file system
has it). This machine's kernel mounts no case-insensitive file system (no tmpfs or ext4
``casefold``, no vfat), so the case mapping is tested on a fake file-system view with
APFS's semantics, and through the policy with it as the context's ``resolve``.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from overseer.control import protected
from overseer.policy.rules import CallContext
from overseer.policy.scope import Scope, evaluate

GIT = shutil.which("git")
needs_git = pytest.mark.skipif(GIT is None, reason="git is not installed")


def _rev_parse(where: Path) -> str | None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env["GIT_CEILING_DIRECTORIES"] = str(where.parent.parent)
    done = subprocess.run(
        ["git", "rev-parse", "--absolute-git-dir"], cwd=where, env=env, capture_output=True,
        text=True, check=False,
    )  # fmt: skip
    return done.stdout.strip() if done.returncode == 0 else None


# ----------------------------------------------------------------------------- discovery

LAYOUTS = {
    "nothing": [],
    "config only": ["config"],
    "HEAD objects": ["HEAD", "objects/"],
    "HEAD objects refs": ["HEAD", "objects/", "refs/"],
    "bare beside an empty .git": [".git/", "HEAD", "objects/", "refs/"],
    "a repository's .git": [".git/HEAD", ".git/objects/", ".git/refs/"],
    "objects as an executable file": ["HEAD", "objects*", "refs/"],
}


@needs_git
@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("start", [".", "src"])
def test_discovery_finds_what_git_finds_or_more(tmp_path: Path, layout: str, start: str) -> None:
    proj = tmp_path / "a" / "proj"
    (proj / "src").mkdir(parents=True)
    for name in LAYOUTS[layout]:
        if name.endswith("/"):
            (proj / name).mkdir(parents=True, exist_ok=True)
        elif name.endswith("*"):
            (proj / name[:-1]).write_text("")
            (proj / name[:-1]).chmod(stat.S_IRWXU)
        else:
            (proj / name).parent.mkdir(parents=True, exist_ok=True)
            (proj / name).write_text("ref: refs/heads/main\n" if "HEAD" in name else "")
    git = _rev_parse(proj / start)
    ours = protected.discover_git_dir(str(proj / start))
    if git is not None:
        assert ours == git, (git, ours)
    if ours is not None and git is None:
        assert ours.startswith(str(tmp_path)), ours  # more than git: fine, never less


@pytest.mark.parametrize(
    ("there", "written", "asked"),
    [
        (["config"], "HEAD", True),
        (["config"], "objects/x", True),
        (["config"], "refs/heads/main", True),
        (["HEAD", "objects"], "refs/heads/main", True),  # completes it
        (["HEAD", "refs"], "objects/info/alternates", True),
        (["objects", "refs"], "HEAD", True),
        (["HEAD", "objects", "refs"], "config", True),
        (["HEAD", "objects", "refs"], "hooks/pre-commit", True),
        (["HEAD"], "commondir", True),
        (["commondir"], "HEAD", True),
        (["hooks"], "HEAD", True),
        (["Config"], "HEAD", True),  # APFS: the same file
        ([], "HEAD", False),
        (["HEAD"], "objects/x", False),
        (["config"], "src/HEAD", False),
        (["config"], "config", False),
        (["objects"], "hooks/x", True),
        (["objects"], "notes/hooks.md", False),
    ],
)
def test_a_bare_repository_is_guarded_whatever_the_order(
    there: list[str], written: str, asked: bool
) -> None:
    existing = {f"/p/{n}".casefold() for n in there}
    found = protected.in_git_directory(f"/p/{written}", lambda p: p.casefold() in existing)
    assert (found is not None) == asked, found
    if asked:
        assert found == f"/p/.git/{written}"


# ----------------------------------------------------------------------------- hooksPath


@needs_git
@pytest.mark.parametrize(
    "text",
    [
        "[core]\n\thooksPath = .husky\n",
        '[core]\n\thooksPath = ".husky" # husky\n',
        "[CORE]\n\tHooksPath=.husky\n",
        "[core] hooksPath = .husky\n",
        "[core]\n\tbare = false\n[user]\n\tname = a\n[core]\n\thookspath = .husky\n",
        "[include]\n\tpath = inc\n",
        '[includeIf "gitdir:/"]\n\tpath = inc\n',
    ],
)
def test_hooks_path_is_read_as_git_reads_it(tmp_path: Path, text: str) -> None:
    (tmp_path / "config").write_text(text)
    (tmp_path / "inc").write_text("[core]\n\thooksPath = .husky\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    done = subprocess.run(
        ["git", "config", "--file", str(tmp_path / "config"), "--includes", "--get-all",
         "core.hooksPath"],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    ours = protected.config_values(str(tmp_path / "config"), "core.hooksPath")
    assert set(done.stdout.split()) <= set(ours), (done.stdout, ours)
    assert ours == [".husky"]


def test_hooks_dirs_of_a_repository_and_of_the_user(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / ".gitconfig").write_text("[core]\n\thooksPath = ~/.githooks\n")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("GIT_CONFIG_GLOBAL", raising=False)
    monkeypatch.setenv("GIT_CONFIG_PARAMETERS", "'core.hooksPath=/srv/hooks'")
    repo = tmp_path / "repo"
    (repo / ".git" / "objects").mkdir(parents=True)
    (repo / ".git" / "refs").mkdir()
    (repo / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (repo / ".git" / "config").write_text("[core]\n\thooksPath = .husky\n")
    view = protected.GitView()
    dirs = view.hooks_dirs(view.git_dir(str(repo)))
    assert str(repo / ".husky") in dirs
    assert str(home / ".githooks") in dirs
    assert "/srv/hooks" in dirs
    names = view.names(str(repo / ".husky" / "pre-commit"))
    assert str(repo / ".git" / "hooks" / "pre-commit") in names
    assert view.names(str(repo / "src" / "a.py")) == []


def test_a_config_file_git_includes_is_guarded_as_git_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    (home / "dotfiles").mkdir(parents=True)
    (home / ".gitconfig").write_text("[include]\n\tpath = dotfiles/gitconfig\n")
    (home / "dotfiles" / "gitconfig").write_text("[user]\n\tname = a\n")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("GIT_CONFIG_GLOBAL", raising=False)
    monkeypatch.delenv("GIT_CONFIG_PARAMETERS", raising=False)
    repo = tmp_path / "repo"
    (repo / ".git" / "objects").mkdir(parents=True)
    (repo / ".git" / "refs").mkdir()
    (repo / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (repo / ".git" / "config").write_text(
        '[includeIf "onbranch:main"]\n\tpath = ../team.gitconfig\n'
    )
    (repo / "team.gitconfig").write_text("")
    view = protected.GitView()
    assert view.names(str(repo / "team.gitconfig")) == [str(repo / ".gitconfig")]
    assert view.names(str(home / "dotfiles" / "gitconfig")) == [
        str(home / "dotfiles" / ".gitconfig")
    ]
    assert view.names(str(repo / "README.md")) == []


# ----------------------------------------------------------------------------- letter case


class FakeFS:
    """A case-insensitive (APFS-like) file system under ``/ci`` and a case-sensitive one
    elsewhere, holding the given paths as spelled."""

    def __init__(self, paths: list[str]) -> None:
        self.entries: dict[str, list[str]] = {"/": []}
        self.inodes: dict[str, int] = {"/": 1}
        for path in paths:
            parent = "/"
            for part in [p for p in path.split("/") if p]:
                here = os.path.join(parent, part)
                if here not in self.inodes:
                    self.inodes[here] = len(self.inodes) + 1
                    self.entries.setdefault(parent, []).append(part)
                    self.entries.setdefault(here, [])
                parent = here

    def _find(self, path: str) -> str:
        parent = "/"
        for part in [p for p in path.split("/") if p]:
            names = self.entries.get(parent, [])
            insensitive = parent == "/ci" or parent.startswith("/ci/")
            match = next(
                (
                    n
                    for n in names
                    if n == part or (insensitive and n.casefold() == part.casefold())
                ),
                None,
            )
            if match is None:
                raise FileNotFoundError(path)
            parent = os.path.join(parent, match)
        return parent

    def lstat(self, path: str) -> os.stat_result:
        inode = self.inodes[self._find(path)]
        return os.stat_result((stat.S_IFDIR, inode, 7, 1, 0, 0, 0, 0, 0, 0))

    def listdir(self, path: str) -> list[str]:
        return list(self.entries[self._find(path)])


FS = FakeFS(["/ci/proj/.env", "/ci/proj/.claude/settings.json", "/ci/proj/src/a.py",
             "/cs/proj/.env", "/ci/home/.ssh/id_rsa"])  # fmt: skip


@pytest.mark.parametrize(
    ("path", "want"),
    [
        ("/ci/proj/.ENV", ["/ci/proj/.env"]),
        ("/CI/proj/.Env", []),  # / itself is case-sensitive here: /CI is not there
        ("/ci/PROJ/.CLAUDE/Settings.JSON", ["/ci/proj/.claude/settings.json"]),
        ("/ci/proj/.Claude/new.json", ["/ci/proj/.claude/new.json"]),  # not there yet
        ("/ci/Home/.SSH/id_RSA", ["/ci/home/.ssh/id_rsa"]),
        ("/ci/proj/.env", []),  # spelled as on disk
        ("/cs/proj/.ENV", []),  # case-sensitive: another file
        ("/ci/proj/src/A.py", ["/ci/proj/src/a.py"]),
    ],
)
def test_on_disk_names_on_a_case_insensitive_view(path: str, want: list[str]) -> None:
    assert protected.on_disk_names(path, [], FS.lstat, FS.listdir) == want


def test_a_deny_rule_meets_the_file_a_case_insensitive_system_opens() -> None:
    def resolve(path: str) -> list[str]:
        return protected.on_disk_names(os.path.normpath(path), [], FS.lstat, FS.listdir)

    ctx = CallContext("/ci/proj", "/ci/home", resolve=resolve)
    scope = Scope.parse(allow=["Bash(cat *)", "Read", "Edit(./**)"], deny=["Read(./.env)"])
    for command in ("cat .ENV", "cat .Env", "cat ./src/../.eNv", "cat < .ENV"):
        decision = evaluate(scope, "Bash", {"command": command}, ctx)
        assert decision.effective == "deny", (command, decision)
    assert evaluate(scope, "Read", {"file_path": "/ci/proj/.ENV"}, ctx).effective == "deny"
    assert evaluate(scope, "Bash", {"command": "cat src/A.py"}, ctx).effective == "allow"
    assert evaluate(scope, "Bash", {"command": "cat README.md"}, ctx).effective == "allow"


def test_on_disk_names_costs_one_failing_lstat_per_component_on_linux(tmp_path: Path) -> None:
    (tmp_path / "Sub").mkdir()
    (tmp_path / "Sub" / "file.txt").write_text("x")
    calls: list[str] = []

    def counting(path: str) -> os.stat_result:
        calls.append(path)
        return os.lstat(path)

    path = str(tmp_path / "Sub" / "file.txt")
    assert protected.on_disk_names(path, [], counting, os.listdir) == []
    assert len(calls) <= 2 * len([p for p in path.split("/") if p])


@pytest.mark.parametrize(
    ("command", "asked"),
    [
        ("echo 'ref: refs/heads/m' > HEAD && echo '[core]' > config", True),
        ("echo x > src/config; echo y > src/objects; echo z > src/refs", True),
        ("echo x > src/hooks; echo y > src/HEAD", True),
        ("mkdir -p sub/Objects && cp a sub/Config", True),
        ("echo x > src/config && echo y > src/b.py", False),
        ("echo x > src/HEAD && echo y > config", False),
    ],
)
def test_one_line_writing_a_bare_repositorys_parts_and_its_config(
    command: str, asked: bool
) -> None:
    scope = Scope.parse(allow=["Bash", "Edit(./**)"])
    decision = evaluate(scope, "Bash", {"command": command}, CallContext("/srv/app", "/home/u"))
    assert (decision.effective == "ask") == asked, decision
    if asked:
        assert decision.reason.startswith("oversight tampering:"), decision.reason
