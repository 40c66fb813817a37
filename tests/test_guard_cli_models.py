"""The guard's models of two command lines, checked against the real programs.

:mod:`overseer.policy.pycli` must read a CPython command line as CPython does, and
:mod:`overseer.policy.sqlite_cli` a SQLite file name and the sqlite3 shell's stdin as
SQLite does: a difference is a way to run overseer (or open its store) unseen. Each is run
differentially: generated command lines through every CPython found here, file names
through the sqlite3 shell, and the model must say what the program did.
"""

from __future__ import annotations

import glob
import itertools
import os
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from overseer.policy import pycli, sqlite_cli

# ----------------------------------------------------------------------------- CPython

#: Words the generated command lines are made of: clusters, joined and separate option
#: arguments, ``--``, ``-``, long options, letters no 3.x knows.
TOKENS = [
    "-I", "-s", "-B", "-b", "-q", "-u", "-O", "-E", "-Im", "-Bsm", "-m", "mprobe", "-mmprobe",
    "-c", "-cprint('<<C>>')", "print('<<C>>')", "-W", "ignore", "-Wignore", "-Wm", "-X",
    "dev", "-Xdev", "--", "-", "fprobe.py", "-V", "-h", "-E-", "--check-hash-based-pycs",
    "always", "-E-check-hash-based-pycs", "-Q", "-J", "-bb", "--help", "-P", "-R", "-d",
]  # fmt: skip


def _interpreters() -> list[str]:
    """The interpreter running the tests, its base, and any other CPython 3 found here."""
    found = [sys.executable, os.path.join(sys.base_prefix, "bin", "python3")]
    found += sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.*/bin/python3")))
    for minor in range(6, 15):
        path = shutil.which(f"python3.{minor}")
        if path:
            found.append(path)
    real: dict[str, str] = {}
    for path in found:
        if os.path.exists(path) and "/shims/" not in os.path.realpath(path):
            real.setdefault(os.path.realpath(path), path)
    return sorted(real.values())


def _observe(python: str, words: list[str], cwd: Path) -> tuple[str, str | None]:
    """What the interpreter ran: module/command/file/stdin (with the name), or exit."""
    result = subprocess.run(
        [python, *words], input="print('<<S>>')\n", capture_output=True, text=True,
        cwd=cwd, timeout=30, env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(cwd)},
    )  # fmt: skip
    out, err = result.stdout, result.stderr
    if "<<C>>" in out or 'File "<string>"' in err:  # -c ran (its code may be no Python)
        return "command", None
    if "<<M>>" in out:
        return "module", "mprobe"
    if "<<F>>" in out:
        return "file", "fprobe.py"
    if "<<S>>" in out:
        return "stdin", None
    if m := re.search(r"No module named (\S+)", err):
        return "module", m.group(1)
    if m := re.search(r"can't open file (['\"])(.*)\1: \[Errno", err):
        return "file", os.path.basename(m.group(2))
    return "exit", None


def _predict(words: list[str]) -> tuple[str, str | None]:
    line = pycli.parse(words)
    if line.kind == "command":
        return "command", None
    if line.kind in ("module", "file"):
        return line.kind, (line.value or "").split("/")[-1]
    return line.kind, None


@pytest.mark.parametrize("python", _interpreters())
def test_pycli_reads_command_lines_as_cpython_does(python: str, tmp_path: Path) -> None:
    (tmp_path / "mprobe.py").write_text("print('<<M>>')\n")
    (tmp_path / "fprobe.py").write_text("print('<<F>>')\n")
    rng = random.Random(13)
    lines = [[t] for t in TOKENS]
    if python == sys.executable:  # every pair on the interpreter the hook runs on
        lines += [list(p) for p in itertools.product(["-I", "-Wm", "-E-", "--", "-X"], TOKENS)]
    lines += [rng.choices(TOKENS, k=rng.randint(2, 5)) for _ in range(60)]
    wrong = []
    for words in lines:
        seen = _observe(python, words, tmp_path)
        said = _predict(words)
        if seen == said:
            continue
        if not pycli.parse(words).exact and said[0] == "exit":
            continue  # an option no known version reads: the guard treats it as unknown
        if seen[0] == "exit" and python != sys.executable:
            continue  # an option this older version refuses (-P before 3.11): nothing ran
        wrong.append(f"{words}: python ran {seen}, the model says {said}")
    assert not wrong, f"{python}:\n" + "\n".join(wrong[:20])


def test_pycli_names_what_runs() -> None:
    assert pycli.parse(["-Im", "overseer", "decide"]).value == "overseer"
    line = pycli.parse(["-W", "ignore", "-moverseer.cli", "-c", "x"])
    assert (line.kind, line.value, line.args) == ("module", "overseer.cli", (3, 4))
    assert pycli.parse(["-i", "x.py"]).inspect
    assert not pycli.parse(["-Z", "-m", "overseer"]).exact


# ----------------------------------------------------------------------------- SQLite

SQLITE3 = shutil.which("sqlite3")
NAMES = [
    "plain.db", "file:a%2edb", "file:b.db%00junk?mode=rwc", "file:c.db%3fx", "file:d.db?mode=rwc",
    "file:e%20f.db#frag", "file:%zz.db", "file:g%2", "file:h%C3%A9.db", "file:%2e%2e/up.db",
    "file:sub/%2e/i.db", "file://localhost{tmp}/j.db", "file://evil{tmp}/k.db", "file:l.db&x=y",
    "FILE:m%2edb",
]  # fmt: skip


@pytest.mark.skipif(SQLITE3 is None, reason="no sqlite3 shell here")
@pytest.mark.parametrize("name", NAMES)
def test_sqlite_file_names_decode_as_sqlite_opens_them(name: str, tmp_path: Path) -> None:
    work = tmp_path / "w"
    (work / "sub").mkdir(parents=True)
    name = name.replace("{tmp}", str(work))
    before = {p for p in tmp_path.rglob("*")}
    subprocess.run(
        [str(SQLITE3), name, "CREATE TABLE t(x)"], cwd=work, capture_output=True, timeout=30
    )
    made = {p for p in tmp_path.rglob("*")} - before
    decoded = sqlite_cli.uri_filename(name)
    want = {os.path.normpath(os.path.join(work, decoded))} if decoded else set()
    assert {str(p) for p in made} == want, f"{name}: sqlite3 made {made}, decoded {decoded!r}"


@pytest.mark.skipif(SQLITE3 is None, reason="no sqlite3 shell here")
def test_the_sqlite3_shell_reads_stdin_only_without_sql_arguments(tmp_path: Path) -> None:
    """The model's premise: SQL on the command line means stdin is not read; ``-cmd`` does
    not count; a dot-command is matched by any prefix (``.sy`` runs a program)."""

    def run(*args: str) -> str:
        return subprocess.run(
            [str(SQLITE3), *args], input="SELECT 'stdin';\n", capture_output=True, text=True,
            cwd=tmp_path, timeout=30,
        ).stdout  # fmt: skip

    assert "stdin" not in run("x.db", "SELECT 'arg'")
    assert "stdin" in run("-cmd", "SELECT 'cmd'", "x.db")
    assert "stdin" in run("x.db")
    assert sqlite_cli.shell_opens(["x.db", "SELECT 1"], None).unseen == []
    assert sqlite_cli.shell_opens(["-cmd", "SELECT 1", "x.db"], None).unseen
    for prefix in (".sy", ".sh", ".shel", ".system"):
        assert "ran" in run("x.db", f"{prefix} echo ran"), prefix
        assert sqlite_cli.shell_opens(["x.db", f"{prefix} echo ran"], None).unseen, prefix


def test_attach_targets_are_literals_or_unseen() -> None:
    def opens(sql: str) -> tuple[list[str], bool]:
        found = sqlite_cli.shell_opens([":memory:", sql], None)
        return found.names, bool(found.unseen)

    assert opens("ATTACH 'file:/r/o%2edb?vfs=unix' AS a") == (["/r/o.db"], False)
    assert opens('attach database "/r/o.db" as a') == (["/r/o.db"], False)
    assert opens("ATTACH /* c */ '/r/o.db' -- c\n AS a") == (["/r/o.db"], False)
    assert opens("ATTACH '/r/o'||'.db' AS a")[1]
    assert opens("ATTACH ('/r/o.db') AS a")[1]
    assert opens("ATTACH :name AS a")[1]
    assert opens("ATTACH char(47,114) AS a")[1]
    assert opens("VACUUM main INTO ?")[1]
    assert opens("SELECT 1") == ([], False)
