"""ripgrep's ``--glob`` as the gate reads it: a superset of what rg searches, never less."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from overseer.control.fsview import walk
from overseer.policy import rgglob

#: ripgrep: on PATH, or the one the Codex CLI of the e2e suite ships
RG = shutil.which("rg") or next(
    (
        str(p)
        for p in Path.home().glob(".cache/overseer-e2e/*/node_modules/@openai/*/vendor/*/*/rg")
    ),
    None,
)


def test_claude_code_splits_grep_globs_on_whitespace_and_commas() -> None:
    assert rgglob.grep_globs("*.md .env") == ["*.md", ".env"]
    assert rgglob.grep_globs("a,b,,c") == ["a", "b", "c"]
    assert rgglob.grep_globs("*.{ts,tsx} x") == ["*.{ts,tsx}", "x"]


@pytest.mark.parametrize(
    ("glob", "want"),
    [
        ("{a,b}", ["a", "b"]),
        (".en{v,x}", [".env", ".enx"]),
        ("{c{a,}t,x}", ["cat", "ct", "x"]),
        ("{,x}y", ["y", "xy"]),
        ("[{]a,b}", ["[{]a,b}"]),  # a brace in a class is a letter
        ("\\{a,b}", ["\\{a,b}"]),  # escaped
        ("{a,b", ["{a,b"]),  # unclosed: literal
        ("{a,b}{1,2}", ["a1", "a2", "b1", "b2"]),
    ],
)
def test_braces_expand_as_globset_does(glob: str, want: list[str]) -> None:
    assert rgglob.expand_braces(glob) == want


def test_too_many_alternatives_are_not_known() -> None:
    assert rgglob.expand_braces("{a,b}" * 9) is None
    assert rgglob.compile_filter(["{a,b}" * 9]) is None


@pytest.mark.parametrize(
    ("globs", "rel", "passes"),
    [
        (["k.txt"], "secrets/k.txt", True),  # any depth
        (["!README.md"], ".env", True),  # only exclusions: everything
        (["#x"], ".env", True),  # a comment: no include glob at all
        ([""], ".env", True),
        (["*.md"], ".env", False),
        (["{.env,x}"], ".env", True),
        (["[.]env"], ".env", True),
        (["\\.env"], ".env", True),
        ([".env/"], ".env", True),  # directory-only, read as the name too
        (["secrets"], "secrets/k.txt", True),
        (["/secrets/*"], "secrets/k.txt", True),
        ([".E[N]V"], ".env", True),  # case folded
        (["*.py"], "a/b.py", True),
    ],
)
def test_filter_is_a_superset(globs: list[str], rel: str, passes: bool) -> None:
    made = rgglob.compile_filter(globs)
    assert made is not None
    assert made.passes(rel) is passes


def test_vcs_directories_are_skipped_unless_a_glob_names_them(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config").write_text("x")
    (tmp_path / "a.txt").write_text("x")
    root = str(tmp_path)
    plain = rgglob.compile_filter([])
    assert plain is not None
    assert rgglob.search_files(root, walk, plain, vcs=True) == [root + "/a.txt"]
    star = rgglob.compile_filter(["*"])
    assert star is not None
    assert root + "/.git/config" in (rgglob.search_files(root, walk, star, vcs=True) or [])
    # the Glob tool excludes no VCS directory
    assert root + "/.git/config" in (rgglob.search_files(root, walk, plain, vcs=False) or [])


@pytest.mark.skipif(RG is None, reason="ripgrep is not installed")
@pytest.mark.parametrize(
    "globs",
    [
        ["k.txt"],
        ["!README.md"],
        ["{.env,x}"],
        ["*.md", ".env"],
        ["secrets"],
        [".e*"],
        ["#x"],
        ["*"],
        [".git"],
        ["**/config"],
        ["*.md", "!README.md"],
        ["!*.md", "*"],
    ],
)
def test_every_file_rg_searches_passes(tmp_path: Path, globs: list[str]) -> None:
    """The real ripgrep, run as Claude Code's Grep runs it: the filter lets through every
    file it lists."""
    (tmp_path / "secrets").mkdir()
    (tmp_path / ".git").mkdir()
    for name in (".env", "README.md", "secrets/k.txt", "x", "a.py", ".git/config"):
        (tmp_path / name).write_text("x\n")
    args = [str(RG), "--files", "--hidden", "--no-follow", "--glob", "!.git"]
    for glob in globs:
        args += ["--glob", glob]
    listed = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True).stdout.split()
    made = rgglob.compile_filter(globs)
    assert made is not None
    root = str(tmp_path)
    found = rgglob.search_files(root, walk, made, vcs=True) or []
    assert [p for p in listed if root + "/" + p not in found] == []


@pytest.mark.skipif(RG is None, reason="ripgrep is not installed")
def test_globs_relative_to_where_rg_runs(tmp_path: Path) -> None:
    """ripgrep reads a glob relative to its working directory, not the search root:
    ``rg --glob 'sub/*.env' KEY sub`` from the parent searches sub/x.env."""
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "x.env").write_text("KEY\n")
    args = [str(RG), "--files", "--hidden", "--glob", "sub/*.env", "sub"]
    listed = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True).stdout.split()
    assert listed == ["sub/x.env"]
    made = rgglob.compile_filter(["sub/*.env"])
    assert made is not None
    root = str(tmp_path / "sub")
    found = rgglob.search_files(root, walk, made, vcs=True, also=[str(tmp_path)])
    assert root + "/x.env" in (found or [])
