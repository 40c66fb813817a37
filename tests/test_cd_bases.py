"""Where a ``cd`` lands, as bash runs it, is always among the directories the analyser judges
relative paths against (:func:`overseer.policy.scope._bases`).

A differential against real bash in a temp world with a symlinked directory: bash's logical
``cd`` (``lnk/..`` is where ``lnk`` is), ``cd -P`` and the physical retry of a logical ``cd``
whose lexical target is no directory (``lnk/..`` is the parent of where ``lnk`` points), a
``cd ..`` after those, and ``CDPATH`` from the environment (searched for every name that does
not start with ``/``, ``.`` or ``..``). For each line bash prints the physical directory it
ended in; the analyser's bases, as real paths, must hold it (round 7 of issue 13: the bases
were lexical only, and ``CDPATH`` was modelled only when the line assigned it).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from overseer.control import fsview
from overseer.policy.scope import _bases
from overseer.policy.shell import analyse

LINES = [
    "cd sub",
    "cd lnk",
    "cd lnk/..",
    "cd -P lnk/..",
    "cd -LP lnk/..",
    "cd lnk && cd -P ..",
    "cd -P lnk && cd ..",
    "cd lnk/../inner",  # no <proj>/inner: bash retries physically, into ~/inner
    "cd lnk/sub2/../..",
    "cd -P lnk/sub2/../..",
    "cd lnk; cd ..; cd -P ..",
    "cd inner",  # CDPATH: ~/inner
    "cd sub2",  # CDPATH's second entry: ~/sub/sub2
    "cd ./sub",  # never through CDPATH
    "cd ../proj/lnk/..",
]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("cdbases")
    home, proj = root / "home", root / "proj"
    (home / "sub" / "sub2").mkdir(parents=True)
    (home / "inner").mkdir()
    (proj / "sub").mkdir(parents=True)
    (proj / "lnk").symlink_to(home / "sub")
    return home, proj


@pytest.mark.parametrize("line", LINES)
def test_where_bash_lands_is_a_base(world: tuple[Path, Path], line: str) -> None:
    home, proj = world
    cdpath = f"{home}:{home}/sub"
    ran = subprocess.run(
        ["bash", "-c", f"{line}\npwd -P"], cwd=proj, capture_output=True, text=True,
        env={"PATH": os.environ["PATH"], "HOME": str(home), "CDPATH": cdpath},
    )  # fmt: skip
    landed = ran.stdout.strip().splitlines()[-1]
    ctx = fsview.context(str(proj), str(home), str(proj))
    ctx.cdpath = cdpath
    bases = _bases(analyse(line), ctx)
    assert bases is not None, line
    reals = {os.path.realpath(b) for b in bases if b is not None}
    assert landed in reals, f"{line!r}: bash is in {landed}, the bases are {sorted(reals)}"


def test_without_cdpath_no_entry_is_searched(world: tuple[Path, Path]) -> None:
    home, proj = world
    ctx = fsview.context(str(proj), str(home), str(proj))
    ctx.cdpath = None
    bases = _bases(analyse("cd inner"), ctx)
    assert bases is not None
    assert str(home / "inner") not in bases
