"""The values a word built of variables may take (for the deny rules only).

Each expectation is what bash 5.2 (and, for the zsh forms, zsh 5.9 with ``-f``) makes of
the word given the line's literal assignments; a candidate is never used to allow, so
extra candidates are allowed where a reading is in doubt (both are listed), a missing one
is a hole.
"""

from __future__ import annotations

import subprocess

import pytest

from overseer.policy.known_values import MAX_CANDIDATES, candidates
from overseer.policy.shell import analyse


def _values(raw: str, **known: str | list[str]) -> set[str] | None:
    found = candidates(raw, {k: v if isinstance(v, list) else [v] for k, v in known.items()})
    return None if found is None else {v for v, _g in found}


@pytest.mark.parametrize(
    ("raw", "known", "must"),
    [
        ("$x", {"x": ".env"}, {".env"}),
        ('"$x"', {"x": ".env"}, {".env"}),
        ("${x}v", {"x": ".en"}, {".env"}),
        ("~/$x/id_rsa", {"x": ".ssh"}, {"~/.ssh/id_rsa"}),
        ("'$x'", {"x": ".env"}, {"$x"}),  # single quotes: no expansion
        ("\\$x", {"x": ".env"}, {"$x"}),
        ("$x$y", {"x": ".e", "y": "nv"}, {".env"}),
        ("$x", {"x": [".env", "a"]}, {".env", "a"}),
        ("$x", {"x": ".env other"}, {".env", "other"}),  # bash splits an unquoted value
        # zsh
        ("$x:r", {"x": ".env.bak"}, {".env", ".env.bak:r"}),
        ("$x:h", {"x": "a/b/c"}, {"a/b"}),
        ("$x:t", {"x": "/etc/cron.d/x"}, {"x"}),
        ("$x:r:r", {"x": ".env.a.b"}, {".env"}),
        ("${x:u}", {"x": ".env"}, {".ENV", ".env"}),
        ("$x[1,4]", {"x": ".envXX"}, {".env", ".envXX[1,4]"}),
        ("$x[-4,-1]", {"x": "XX.env"}, {".env"}),
        ("$x[2]", {"x": "a.b"}, {"."}),
        ("$=x", {"x": ".env"}, {".env"}),
        ("$~x", {"x": ".e*"}, {".e*"}),
        ("${=x}", {"x": ".env"}, {".env"}),
        ("${a[0]}", {"a": [".env", "b"]}, {".env", "b"}),
        # bash's operators
        ("${y:-.env}", {}, {".env"}),
        ("${x:-a}", {"x": ".env"}, {".env", "a"}),
        ("${x:+.env}", {"x": "a"}, {".env", ""}),
        ("${x#X}", {"x": "X.env"}, {".env"}),
        ("${x##*/}", {"x": "a/b/.env"}, {".env"}),
        ("${x%.bak}", {"x": ".env.bak"}, {".env"}),
        ("${x%%.*}", {"x": "a.b.c"}, {"a"}),
        ("${x:1}", {"x": "X.env"}, {".env"}),
        ("${x: -4}", {"x": "XX.env"}, {".env"}),
        ("${x:0:4}", {"x": ".envXX"}, {".env"}),
        ("${x:r}", {"x": "X.env", "r": "1"}, {".env"}),
        ("${x,,}", {"x": ".ENV"}, {".env"}),
        ("${x^^}", {"x": ".env"}, {".ENV"}),
        ("${x/X/n}", {"x": ".eXv"}, {".env"}),
        ("${x//X/}", {"x": ".XeXnXv"}, {".env"}),
        ("${!y}", {"y": "x", "x": ".env"}, {".env"}),
        ("${a[@]:0}", {"a": ".env"}, {".env"}),
        ("$1", {"1": ".env"}, {".env"}),
        ('"$@"', {"@": ".env"}, {".env"}),
        ("$x:s/X/n/", {"x": ".eXv"}, {".env"}),
        ("${x[2,-1]}", {"x": "X.env"}, {".env"}),
        ("${(L)x}", {"x": ".ENV"}, {".env"}),
        ('"${a[@]}"', {"a": [".env"]}, {".env"}),
        ("$a[1]", {"a": [".env", "b"]}, {".env"}),  # zsh: an array's first element
    ],
)
def test_candidates_cover_what_the_shell_makes(
    raw: str, known: dict[str, str | list[str]], must: set[str]
) -> None:
    found = _values(raw, **known)
    assert found is not None and must <= found, found


@pytest.mark.parametrize(
    "raw",
    ["$y", "$(cat x)", "`x`", "${#x}", "$1", "$@", "${x/a*/b}", "${x@Q}", "$'\\x41'$x", '"$x'],
)
def test_words_not_spelled_out_stay_unknown(raw: str) -> None:
    assert _values(raw, x=".env") is None


def test_a_value_with_glob_characters_is_marked_quoted_or_not() -> None:
    """A ``for`` list keeps its pattern as the value (``for f in .e*; do cat "$f"``: the
    matches), so the mark is not the quoting's (a literal ``.e*`` read as a glob can only
    add a deny)."""
    assert candidates("$x", {"x": [".e*"]}) == [(".e*", True)]
    assert candidates('"$x"', {"x": [".e*"]}) == [(".e*", True)]
    assert candidates("$x", {"x": [".env"]}) == [(".env", False)]


def test_the_product_is_bounded() -> None:
    many = [f"v{i}" for i in range(16)]
    assert candidates("$a$b$c", {"a": many, "b": many, "c": many}) is None
    assert len(candidates("$a", {"a": many}) or []) <= MAX_CANDIDATES


def test_the_line_records_literal_values_of_assignments_and_for_lists() -> None:
    analysis = analyse("x=.env; export y=a; declare z=b; for f in c 'd e'; do :; done; w=$x")
    assert analysis.known == {"x": [".env"], "y": ["a"], "z": ["b"], "f": ["c", "d e"]}


@pytest.mark.parametrize(
    ("line", "want"),
    [
        ("x=.env; printf '%s\\n' $x", ".env"),
        ("x=.en; printf '%s\\n' ${x}v", ".env"),
        ("x='a b'; printf '%s\\n' $x", "a\nb"),
        ("x=a; y=b; printf '%s\\n' $x/$y", "a/b"),
        ("x=X.env; printf '%s\\n' ${x#X}", ".env"),
        ("x=.env.bak; printf '%s\\n' ${x%.bak}", ".env"),
        ("x=XX.env; printf '%s\\n' ${x:2}", ".env"),
        ("r=1; x=X.env; printf '%s\\n' ${x:r}", ".env"),
        ("x=.eXv; printf '%s\\n' ${x/X/n}", ".env"),
        ("x=.ENV; printf '%s\\n' ${x,,}", ".env"),
        ("x=.env; y=x; printf '%s\\n' ${!y}", ".env"),
        ("printf '%s\\n' ${y:-.env}", ".env"),
        ("IFS=_; x=a_.env; printf '%s\\n' $x", "a\n.env"),
        ("x=a/b/.env; printf '%s\\n' ${x##*/}", ".env"),
    ],
)
def test_bash_agrees(line: str, want: str) -> None:
    """What bash prints for the word is among the candidates (the word is the last one)."""
    ran = subprocess.run(["bash", "--norc", "-c", line], capture_output=True, text=True, check=True)
    assert ran.stdout.strip() == want
    analysis = analyse(line)
    raw = line.rsplit(" ", 1)[1]
    found = candidates(raw, analysis.known)
    assert found is not None
    assert set(want.split("\n")) <= {v for v, _g in found}


def test_an_append_extends_every_value_known_so_far() -> None:
    assert ".env" in analyse("x=.e; x+=n; x+=v; cat $x").known["x"]


@pytest.mark.parametrize(
    "unit",
    ["$x $x; ", "cat $x$x; ", 'bash -c "$x $x"; ', "cd $x; ", "cat ${y##*a*b} "],
)
def test_a_line_of_many_guesses_does_bounded_work(
    unit: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The guesses of one line are bounded (the work is counted, never timed): a hostile
    line of thousands of variable words spells out at most a budget of them, so judging
    it stays linear in its length."""
    from overseer.control.fsview import context
    from overseer.policy import scope as scope_module
    from overseer.policy import shell as shell_module
    from overseer.policy.scope import MAX_GUESSES, Scope, evaluate
    from overseer.policy.shell import MAX_GUESSED_COMMANDS

    calls = {"scope": 0, "shell": 0}

    def counting(where: str) -> object:
        def spelled(raw: str, known: object) -> object:
            calls[where] += 1
            return candidates(raw, known)  # type: ignore[arg-type]

        return spelled

    monkeypatch.setattr(scope_module, "candidates", counting("scope"))
    monkeypatch.setattr(shell_module, "candidates", counting("shell"))
    head = "".join(f"x=v{i}; " for i in range(16)) + "y=" + "ab" * 100 + "; "
    line = head + unit * 3000
    scope = Scope.parse(allow=["Bash(cat *)"], deny=["Read(./.env)", "Bash(rm:*)"])
    decision = evaluate(scope, "Bash", {"command": line}, context("/tmp", "/tmp"))
    assert decision.effective != "allow"
    assert calls["scope"] <= 2 * MAX_GUESSES, calls
    assert calls["shell"] <= 16 * MAX_GUESSED_COMMANDS, calls
