"""Brace expansion as bash does it: the analyser's words against bash's own, word by word."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from overseer.policy import braces
from overseer.policy.shell import analyse

WORDS = [
    "{r,}m", ".en{v,x}", "{c{a,}t,x}", "{a..c}", "{c..a}", "{1..3}", "{3..1}", "{01..03}",
    "{1..10..4}", "{a..e..2}", "{-2..2}", "{a..b..0}", "{1..3..-1}", "x{,}", "{,}y", "{,}",
    "{a}", "{}", "{a,b", "a,b}", "{a,b}{1,2}", "{'x',y}", "'{a,b}'", '"{a,b}"', "{a,'b c'}e",
    "{a..1}", "{ab..c}", ".{e,x}{n,y}{v,z}", "{a,{b,{c,d}}}", "{a,b}}", "{{a,b}", "~/{.ssh,x}",
    "a{b,$'c'}d", "{a..c,x}", "{x,{1..2}}",
]  # fmt: skip


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
@pytest.mark.parametrize("word", WORDS)
def test_words_are_the_ones_bash_makes(word: str) -> None:
    ran = subprocess.run(
        ["bash", "-c", f"printf '%s\\0' {word}"],
        capture_output=True, text=True, env={"HOME": "/h", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    bash_words = ran.stdout.split("\0")[:-1]
    if word == "{,}":
        bash_words = []  # printf with no argument still prints its format once
    analysis = analyse(f"printf x {word}")
    words = analysis.commands[0].words[2:]
    assert all(w.static for w in words), words
    got = [("/h" + w.value[1:]) if w.tilde else w.value for w in words]
    assert got == bash_words


def test_too_large_is_not_known() -> None:
    assert braces.expand(list("{1..300}")) is None
    assert braces.expand(list("{a,b}" * 9)) is None
    analysis = analyse("cat .en{v,x}{1..300}")
    assert analysis.problems and not analysis.commands[0].words[1].static


def test_quoted_and_escaped_braces_stay() -> None:
    for command in ("'{r,}m' x", '"{r,}m" x'):
        assert analyse(command).commands[0].words[0].value == "{r,}m"
    assert not analyse("\\{r,}m x").commands[0].words[0].static  # not guessed
