"""``git diff`` as the gate reads it, against git itself: every file git shows is judged.

A real repository with tracked, changed files; for each argument list, ``git diff
--name-only ARGS`` says which files git would print, and for each of them a scope that
denies reading just that file must not allow ``git diff ARGS``.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from overseer.control.fsview import context
from overseer.policy.gitargs import wildcard_regex
from overseer.policy.scope import Scope, evaluate

FILES = (".env", "README.md", "sub/x.env", "sub/Notes.TXT", "src/a.py", "-/y")

ARGS = [
    "", "HEAD", "--cached", "HEAD -- .", "-- '.e*'", "-- ':(glob).e*'", "-- ':!README.md'",
    "':^src'", "-- '*.env'", "-- '**/.env'", "-- ':(icase)sub/notes.txt'", "-- ':/'",
    "HEAD -- src", "README.md", "-- sub", "-- ':(top)sub/*'", "-- '[.]env'", "-S x",
    "--stat", "-- ':(exclude)sub' '*.py'", "HEAD~0", "-- -/y", "HEAD -- -/y", "-S y",
    "HEAD -- README.md", "HEAD -- ':(glob)**/.env'", "HEAD:.env HEAD:README.md",
    "--cached -- ':!-'", "HEAD -- ../.env", "-- ':(top,icase)SUB'",
    *(BACKSLASHED := [
        "-- '.\\env'", "-- '.\\e\\n\\v'", "-- 'sub/../.\\env'", "-- ':(glob).\\env'",
        "-- ':(icase)\\.ENV'", "-- ':(icase).\\env'", "-- ':(top)sub/\\x.env'", "-- ':/.\\env'",
        "-- '\\.e*'", "HEAD -- '*\\.env'", "'.\\e*'", "-- ':(top,icase)sub/\\x.ENV'",
        "-- 'sub\\/x.env'",
    ]),
]  # fmt: skip
#: (``BACKSLASHED``: a backslash is in git's glob-special set; it escapes the next character
#: and makes the pathspec a wildcard, so ``.\env`` is ``.env``)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("gitargs")
    env = {**os.environ, "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_SYSTEM": "/dev/null"}
    run = ["git", "-C", str(root), "-c", "user.email=a@b", "-c", "user.name=a"]
    subprocess.run([*run, "init", "-q"], check=True, env=env)
    for name in FILES:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("x\n")
    subprocess.run([*run, "add", "."], check=True, env=env)
    subprocess.run([*run, "commit", "-qm", "init"], check=True, env=env)
    for name in FILES:
        (root / name).write_text("x\ny\n")
    subprocess.run([*run, "add", "--", "README.md", "-/y"], check=True, env=env)
    return root


def _shown(repo: Path, args: str, cwd: Path) -> list[str]:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_SYSTEM": "/dev/null"}
    result = subprocess.run(
        f"git diff --name-only {args}", shell=True, cwd=cwd, capture_output=True, text=True,
        env=env,
    )  # fmt: skip
    if result.returncode != 0:
        return []  # git refused (``README.md`` from sub/ is no path and no revision)
    return [str(repo / line) for line in result.stdout.splitlines() if line]


@pytest.mark.parametrize("where", ["", "sub"])
@pytest.mark.parametrize("args", ARGS)
def test_every_file_git_shows_is_judged(repo: Path, args: str, where: str) -> None:
    cwd = repo / where
    shown = _shown(repo, args, cwd)
    if args in ("", "HEAD", "--stat") or (args in BACKSLASHED and not where):
        assert shown, "the fixture must make git show something"
    ctx = context(str(cwd), str(repo.parent / "home"))
    command = f"git diff {args}".strip()
    for path in shown:
        scope = Scope.parse(allow=["Bash(git diff:*)", "Read"], deny=[f"Read(/{path})"])
        decision = evaluate(scope, "Bash", {"command": command}, ctx)
        assert decision.effective == "deny", f"{command!r} in {where or '.'} shows {path}"


def test_narrow_diffs_are_not_stopped(repo: Path) -> None:
    """A deny on .env does not stop a diff git narrows to other files."""
    ctx = context(str(repo), str(repo.parent / "home"))
    scope = Scope.parse(allow=["Bash(git diff:*)"], deny=[f"Read(/{repo}/.env)"])
    for command in ("git diff README.md", "git diff HEAD -- src", "git diff -- '*.py'"):
        assert evaluate(scope, "Bash", {"command": command}, ctx).effective == "allow", command


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("**/.env", ".env", True),
        ("**/.env", "a/b/.env", True),
        ("*.py", "a/b.py", True),  # git's * spans /
        ("[!x]env", ".env", True),
        ("\\*x", "*x", True),
        (".\\env", ".env", True),
        ("\\.\\e\\n\\v", ".env", True),
        ("*.md", ".env", False),
    ],
)
def test_wildcards_match_at_least_what_git_does(pattern: str, path: str, matches: bool) -> None:
    assert bool(wildcard_regex(pattern).fullmatch(path)) is matches


def test_the_shell_analyser_hands_over_every_line_gitargs_models() -> None:
    """``git status`` skips the git model; nothing the model reads may be skipped with it."""
    from overseer.policy import gitargs
    from overseer.policy.shell import GIT_FILE_WORDS

    assert gitargs.SHOWS | gitargs.LOGS | gitargs.NAMED <= GIT_FILE_WORDS
    assert {"--output", "-o", "--no-index"} <= GIT_FILE_WORDS
