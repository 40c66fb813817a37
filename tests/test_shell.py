"""The shell analyser on ordinary agent commands: they must be modelled exactly (an analyser
that refuses everything is safe and useless), and what it reports about them must be right.
The adversarial side is ``tests/test_shell_differential.py`` (bash itself as the oracle) and
``tests/test_gate_adversary.py`` (the gate)."""

from __future__ import annotations

import pytest

from overseer.policy.scope import Scope, evaluate
from overseer.policy.shell import _SHORT, MAX_COMMAND_CHARS, analyse

#: Commands of the kind Claude Code and Codex run all day.
ORDINARY = [
    "git status",
    "git diff HEAD~1 -- src/app.py",
    "git log --oneline -n 20",
    "git add -A && git commit -m 'Fix rounding in cart totals'",
    "git commit -m \"$(cat <<'EOF'\nFix rounding\n\nCo-Authored-By: Claude <noreply@anthropic.com>\nEOF\n)\"",
    "cd src && pytest -q tests/test_cart.py",
    "pytest -x -q 2>&1 | tail -20",
    "npm test -- --watch=false",
    "npm run build > build.log 2>&1",
    "ls -la",
    "ls src/*.py",
    "cat README.md | head -50",
    "grep -rn 'TODO' src/ | wc -l",
    "find . -name '*.pyc' -type f",
    "python3 -m pytest tests/ -k 'not slow'",
    "mkdir -p build/out && cp dist/app.tar.gz build/out/",
    "echo done",
    "sed -n '1,40p' src/overseer/engine.py",
    'rg -n "def evaluate" src',
    "cat > notes.txt <<'EOF'\nline one\nline two\nEOF",
    "if [ -f package.json ]; then npm ci; fi",
    "make test",
    "docker compose ps",
    "head -c 200 data.csv; echo",
    "(cd frontend && npm run lint)",
    "LANG=C sort -u words.txt",
    "timeout 60 cargo test --quiet",
    # parentheses zsh would read as bash does (no glob group: a subshell, quoted, escaped)
    "find . \\( -name '*.py' -o -name '*.md' \\) -print",
    "(cd src && ls) | (grep py)",
    "if (true); then ls; fi",
    'python3 -c "print(1)"',
]


@pytest.mark.parametrize("command", ORDINARY)
def test_ordinary_commands_are_modelled_exactly(command: str) -> None:
    analysis = analyse(command)
    assert analysis.problems == [], command
    assert analysis.commands, command


def test_what_ordinary_commands_touch() -> None:
    a = analyse("cat README.md > out.txt 2>&1 && cp a b")
    assert [c.text for c in a.commands] == ["cat README.md", "cp a b"]
    seen = {(x.mode, x.word.value if x.word else None) for x in a.accesses}
    assert seen == {("read", "README.md"), ("write", "out.txt"), ("read", "a"), ("write", "b")}


@pytest.mark.parametrize(
    ("command", "program"),
    [
        ("'r'\\m -rf /", "rm"),  # the grammar splits a quote and an escape: bash does not
        ("$'\\x72m' -rf /", "rm"),
        ("r\\m -rf /", "rm"),
        ("ls |>/dev/null rm -rf /", "rm"),
        ("ls\n\nrm -rf /", "rm"),
        ("echo a\\ #b; rm -rf /", "rm"),
        (">/dev/null rm -rf /", "rm"),
        ("env =x rm -rf /", "rm"),
        ("bash -c -x 'rm -rf /'", "rm"),
        ("eval -- rm -rf /", "rm"),
        ("sudo -u root -- rm -rf /", "rm"),
    ],
)
def test_hidden_programs_are_found(command: str, program: str) -> None:
    assert program in {c.basename for c in analyse(command).commands}, command


@pytest.mark.parametrize(
    "command",
    [
        "r\\\nm -rf /",  # a continuation joins what the grammar splits
        "! if true; then rm -rf /; fi",  # keywords read as commands
        "test -v 'a[$(rm -rf /)]'",  # subscripts evaluated by a builtin
        "[[ 'a[$(rm -rf /)]' -eq 0 ]]",
        "ls\\\n 2>err",  # a descriptor the grammar reads as a word
        "for f in *; do rm $f; done",
        "echo $((x+1))",
        "x=1; ls",
        "echo ${x@P}",
        "cat <<EOF\n$\\\n(id)\nEOF",
        "echo 'unterminated",
    ],
)
def test_what_cannot_be_modelled_is_reported(command: str) -> None:
    assert analyse(command).problems, command


def test_prefixes_that_choose_what_runs_keep_a_command_from_being_allowed() -> None:
    for command in ("PATH=.:$PATH ls", "LD_PRELOAD=./x.so ls", "GIT_EXTERNAL_DIFF=x git diff"):
        (cmd,) = analyse(command).commands
        assert not cmd.allowable, command
    (cmd,) = analyse("LC_ALL=C TZ=UTC ls").commands
    assert cmd.allowable


def test_a_huge_command_is_refused_unread(monkeypatch: pytest.MonkeyPatch) -> None:
    """Over the cap, the grammar is never reached (bench/shell.py measures the time)."""
    import overseer.policy.shell as shell

    def no_parser() -> None:
        raise AssertionError("a command over the cap was parsed")

    monkeypatch.setattr(shell, "_parser", no_parser)
    analysis = analyse("echo '" + "a" * (MAX_COMMAND_CHARS + 1) + "'")
    assert analysis.problems and not analysis.commands


def test_a_deep_pipeline_keeps_every_command() -> None:
    """1,000 stages: every command found, the last one too (the walk keeps a parent map;
    ``node.parent`` made this quadratic; bench/shell.py has the timings)."""
    analysis = analyse("ls|" * 1_000 + "rm -rf /")
    assert not analysis.problems
    assert len(analysis.commands) == 1_001
    assert analysis.commands[-1].text == "rm -rf /"


@pytest.mark.parametrize(
    "command",
    [
        "ls|" * 20_000 + "rm -rf /",  # tree-sitter-bash: 69 s of one core
        "ls -r x|&" * 5_000 + "rm",
        "echo " + "$((1+" * 6_000 + "1" + "))" * 6_000,  # 15 s
        "echo " + "$(" * 5_000 + "rm -rf /" + ")" * 5_000,
        "cat <<'EOF'\n" + "(" * 5_000 + "\nEOF\nrm -rf /",  # unbalanced text counts too
    ],
    ids=["pipeline", "pipe-amp", "arithmetic", "substitutions", "heredoc-parens"],
)
def test_shapes_the_grammar_parses_in_more_than_linear_time_are_refused(command: str) -> None:
    """Refused before the grammar sees them (a problem: the gate asks, ingest records it),
    never a stall of every session behind them; and no allow rule allows them."""
    analysis = analyse(command)
    assert analysis.problems and "bounded time" in analysis.problems[0]
    assert all(not c.exact for c in analysis.commands)  # pieces, for the deny rules only
    scope = Scope.parse(allow=["Bash(ls *)", "Bash(echo *)", "Bash(cat *)"], deny=["Bash(rm:*)"])
    # the pieces meet the deny rule (past the grammar's budget, the plain pieces still)
    want = "deny" if "rm" in command else "ask"
    assert evaluate(scope, "Bash", {"command": command}).effective == want


def test_the_plain_fast_path_agrees_with_the_grammar() -> None:
    """Plain lines (``git status``) skip the grammar; they must come out exactly as the
    grammar's walk reads them, and anything not plain must not take the shortcut."""
    import random

    from overseer.policy.shell import Analysis, _parser, _plain_words, _Walk

    rng = random.Random(7)
    alphabet = "abcxyz019_./:@%+,-"
    for _ in range(2000):
        words = [
            "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 6)))
            for _ in range(rng.randint(1, 5))
        ]
        command = " ".join(words)
        fast = analyse(command)
        slow = Analysis()
        src = command.encode()
        _Walk(slow, src, (), 0).run(_parser().parse(src).root_node)
        assert _plain_words(command) is not None
        if (
            slow.problems and not fast.problems
        ):  # the grammar stumbles (``cb_%_:`` is an ERROR to it); bash does not
            continue
        assert [c.full_text for c in fast.commands] == [c.full_text for c in slow.commands], command
        assert fast.problems == slow.problems, command
        assert [(a.mode, a.word and a.word.value) for a in fast.accesses] == [
            (a.mode, a.word and a.word.value) for a in slow.accesses
        ], command
    for not_plain in (
        "a  b",
        "a\tb",
        "a=b c",
        "~/x",
        "a*",
        "a#b",
        "if x",
        "a\nb",
        "a'b'",
        "a;b",
        " a",
    ):
        assert _plain_words(not_plain) is None, not_plain


def _writes(command: str) -> list[str | None]:
    return [
        a.word.value if a.word else None for a in analyse(command).accesses if a.mode == "write"
    ]


PATCH = "*** Begin Patch\n*** Add File: {0}\n+x\n*** Update File: b.py\n*** Move to: c.py\n*** End Patch"


def test_a_patch_program_writes_the_files_its_patch_names() -> None:
    """Codex applies ``apply_patch`` run through its shell tool itself: the files are in the
    patch, not on the command line (issue 15, bug 5)."""
    assert _writes("apply_patch <<'EOF'\n" + PATCH.format("a.py") + "\nEOF") == [
        "a.py", "b.py", "c.py",
    ]  # fmt: skip
    assert _writes("applypatch '" + PATCH.format("/etc/x") + "'") == ["/etc/x", "b.py", "c.py"]
    assert _writes("cd sub && apply_patch <<EOF\n" + PATCH.format("a.py") + "\nEOF") == [
        "a.py", "b.py", "c.py",
    ]  # fmt: skip
    # a body bash expands, a patch nobody can read here, GNU patch: a write with no name
    assert _writes("apply_patch <<EOF\n" + PATCH.format("$D/a.py") + "\nEOF")[-1] is None
    assert _writes("cat p | apply_patch") == [None]
    assert _writes('apply_patch "$P"') == [None]
    assert _writes("apply_patch a b") == [None]
    assert _writes("patch -p1 < fix.diff") == [None]
    assert _writes("echo '*** Add File: x' | cat") == []  # only a patch program writes it


def test_a_refused_line_still_meets_the_deny_rules_it_dodges() -> None:
    """Refused for its shape, the line is asked; what its pieces run is still shown to the
    deny rules (never to an allow rule), so a denied command in it denies."""
    scope = Scope.parse(allow=["Bash(ls *)", "Bash(cat *)"], deny=["Bash(rm:*)"])
    for command in ("ls|" * 3_000 + "rm -rf ~", "ls|" * 3_000 + "(rm -rf ~)", "(" * 70 + "rm x"):
        command = command + " " * (_SHORT - len(command) + 1) if len(command) <= _SHORT else command
        assert analyse(command).problems
        assert evaluate(scope, "Bash", {"command": command}).effective == "deny", command[-30:]
    assert evaluate(scope, "Bash", {"command": "ls|" * 3_000 + "ls"}).effective == "ask"


def test_zsh_readings_are_bounded_and_never_exact() -> None:
    """A line zsh reads otherwise (glob groups, ``${:-WORD}``, ``${(e)…}``) is never exact;
    its zsh reading meets the deny rules; past 256 groups and expansions (or an unclosed
    one, or 16 groups deep) it is not read further but still asked."""
    scope = Scope.parse(allow=["Bash(cat *)", "Bash(echo *)", "Read"], deny=["Bash(rm:*)"])
    for command in (
        "cat (a|b) " * 300 + "; rm -rf ~",
        "echo ${:-x} " * 300 + "; rm -rf ~",
        "echo ${:-x " * 300 + "; rm -rf ~",
        "cat " + "(" * 40 + "x" + ")" * 40,
        "cat x(|y)",
        "cat ${:-x}",
        "x=1; echo ${(e)x}",
    ):
        assert analyse(command).problems, command[:40]
        want = "deny" if "rm" in command else "ask"
        assert evaluate(scope, "Bash", {"command": command}).effective == want, command[:40]
    assert evaluate(scope, "Bash", {"command": "echo ${:-rm} ; ${:-rm} -rf ~"}).effective == "deny"
