"""Differential test of the shell analyser against real bash.

Thousands of harmless command lines are generated (seeded, so every run sees the same ones)
from the constructs the gate meets in practice: quoting of every kind, ``$'...'`` escapes,
prefixes, redirections, here-strings and here-documents, comments, every list operator,
newlines, line continuations, subshells, groups, ``if``/``while``, substitutions,
``bash -c``/``eval`` scripts and wrappers. Each one is run by bash in a fresh temporary
directory, and everything bash ran is compared with what :func:`analyse` says it runs.

How "what bash ran" is observed — two traces, because neither alone sees everything:

* **xtrace** (``set -x``) prints every simple command bash executes, *after* expansion, and
  builtins included (``echo``, ``test``, ``:``, ``eval`` are builtins: ``execve`` never sees
  them). It is switched on by ``BASH_ENV`` (a file setting ``PS4`` and ``set -x``), which
  every non-interactive bash reads, so ``bash -c`` children trace too, and the command line
  itself reaches bash byte for byte as its ``-c`` argument (no prelude spliced in front of
  it, no ``eval``, which would change how it is read). ``PS4`` is not simply exported
  because bash ignores it in the environment when run as root. Under ``bash -x`` the two
  ``BASH_ENV`` lines are traced too and are dropped (:data:`_PREAMBLE`). xtrace prints a
  command before its redirections are made, so a command whose redirection fails counts as
  run: the generated lines only redirect to paths that work.
  ``BASH_XTRACEFD`` sends the trace to a file of its own, opened ``O_APPEND`` (bash flushes
  one ``write`` per entry, so background jobs and pipelines cannot interleave an entry).
  ``PS4`` starts with ``\\x1e`` (repeated per nesting level) then ``\\x1f``: an entry starts
  where a line starts with that marker, which no generated word contains, so words holding
  newlines cannot fake an entry. bash quotes the words it prints (``'...'``, ``'\\''``,
  ``$'\\ooo'``); :func:`_xtrace_words` undoes exactly that quoting.
* **strace** ``-f -e trace=execve -z -xx`` records every successful ``execve`` with its
  exact ``argv`` (every byte hex-escaped, so parsing is unambiguous), one file per process
  (``-ff``: no interleaved ``<unfinished ...>`` lines). This is what sees the programs a
  wrapper starts (``env X=1 ls``, ``timeout 5 ls``, ``nice ls``, ``command ls``, ``xargs``):
  xtrace prints only the wrapper. ``--seccomp-bpf`` keeps the cost near 15 ms a command.
  strace also waits for every descendant, so an orphaned ``&`` job or process substitution
  has finished writing its trace before the trace is read. Without strace (or without
  ptrace permission) the test is skipped with the reason. The whole module takes ~45 s on
  2 cores (a few thousand lines, ~15 ms each under strace), hence ``slow``.

The assertions, for every command line the analyser reports no problem for:

1. every program bash ran (the first word of each traced simple command, basename; pure
   assignments and the ``[[ ]]`` / ``(( ))`` compound commands xtrace also prints are not
   programs) is the basename of one of the analyser's commands;
2. the full argv too: when every analyser command with that basename is fully known
   (static words, no glob, no ``~``, ``exact``), bash's argv must equal the words of one of
   them (a process substitution, ``/dev/fd/63`` to the analyser, matches any
   ``/dev/fd/N``). When one of them is not fully known, the name alone is compared.

A command line with problems is never allowed by a rule, so it is out of scope — but it is
counted, and at most :data:`MAX_PROBLEM_RATE` of the generated lines may end up there, so
the test keeps its teeth; the breakdown of reasons is printed. A fixed list of hand-written
tricky cases is checked the same way, plus, for each, which programs bash must have run
(which checks the tracing itself). ``rm`` and ``rm_marker`` are links to ``true`` in a
``bin`` directory first on ``PATH``, so a line that "runs rm" is harmless and visible. Run
as root, the lines run as ``nobody``: they only write in their own directory, and a
generator bug must not be able to write anywhere else.
"""

from __future__ import annotations

import os
import pwd
import random
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from overseer.policy.shell import Analysis, Command, analyse

BASH = shutil.which("bash")
STRACE = shutil.which("strace")
TRUE = os.path.realpath(shutil.which("true") or "/bin/true")

#: Generated command lines: SHARDS x PER_SHARD, seeded by SEED (shards spread over xdist).
SEED = 20240611
SHARDS = 4
PER_SHARD = 550
#: At most this share of the generated lines may be "problems" (not modelled, never allowed).
#: The generator is deliberately hostile (a quote, an escape or a continuation in nearly
#: every word), and tree-sitter-bash mis-tokenises much of that, which the analyser refuses;
#: ordinary agent commands must all be modelled (``tests/test_shell.py``).
MAX_PROBLEM_RATE = 0.45
#: Seconds one command line may take under strace before it is killed.
TIMEOUT = 15.0

_PS4_FIRST = b"\x1e"
_PS4_REST = b"\x1f"
_ENTRY = re.compile(rb"(?:\A|\n)\x1e+\x1f")
_PREAMBLE = re.compile(rb"(?m)^\++ PS4=\$'\\036\\037'\n\x1e+\x1fset -x\n")
_ASSIGNMENT = re.compile(rb"^[A-Za-z_][A-Za-z0-9_]*(?:\[[^]]*\])?\+?=")
#: Compound commands xtrace prints that are not programs.
_NOT_PROGRAMS = frozenset({"[[", "((", "for", "select", "case"})
_EXECVE = re.compile(r'^execve\("((?:\\x[0-9a-f]{2})*)", \[(.*)\], ')
_HEX_STRING = re.compile(r'"((?:\\x[0-9a-f]{2})*)"')
_DEV_FD = re.compile(r"^/dev/fd/\d+$")


# ----------------------------------------------------------------------------- tracing


def _strace_argv(out: Path) -> list[str]:
    assert STRACE is not None
    return [
        STRACE, "-f", "-ff", "-qq", "-z", "-xx", "-s", "65536", "--seccomp-bpf",
        "-e", "trace=execve", "-e", "signal=none", "-o", str(out),
    ]  # fmt: skip


def _unprivileged() -> dict[str, Any]:
    """Popen arguments that drop root to ``nobody``: the generated lines only write in their
    own directory, but a generator bug must not be able to write anywhere else as root."""
    if os.geteuid() != 0:
        return {}
    try:
        nobody = pwd.getpwnam("nobody")
    except KeyError:
        return {}
    return {"user": nobody.pw_uid, "group": nobody.pw_gid, "extra_groups": []}


_AS = _unprivileged()


def _strace_problem() -> str | None:
    """Why strace cannot be used here, or None."""
    if BASH is None:
        return "bash is not installed"
    if STRACE is None:
        return "strace is not installed (apt-get install strace): execve tracing is needed"
    with tempfile.TemporaryDirectory() as tmp:
        if _AS:
            os.chown(tmp, _AS["user"], _AS["group"])
        try:
            done = subprocess.run(
                [*_strace_argv(Path(tmp) / "probe"), TRUE],
                capture_output=True,
                timeout=30,
                check=False,
                **_AS,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"strace does not run: {exc}"
        traced = any(p.read_text().count("execve(") for p in Path(tmp).glob("probe.*"))
        if done.returncode != 0 or not traced:
            return f"strace cannot trace here (ptrace not permitted?): {done.stderr[-300:]!r}"
    return None


_SKIP = _strace_problem()
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(_SKIP is not None, reason=_SKIP or ""),
]


def _ansi_c(body: bytes) -> bytes:
    r"""Decode the body of a ``$'...'`` word as bash's xtrace writes it."""
    simple = {
        ord("a"): 7, ord("b"): 8, ord("e"): 27, ord("E"): 27, ord("f"): 12, ord("n"): 10,
        ord("r"): 13, ord("t"): 9, ord("v"): 11, ord("\\"): 92, ord("'"): 39, ord('"'): 34,
        ord("?"): 63,
    }  # fmt: skip
    out = bytearray()
    i = 0
    while i < len(body):
        ch = body[i]
        if ch != 0x5C or i + 1 >= len(body):
            out.append(ch)
            i += 1
            continue
        nxt = body[i + 1]
        if nxt in simple:
            out.append(simple[nxt])
            i += 2
        elif 0x30 <= nxt <= 0x37:
            m = re.match(rb"[0-7]{1,3}", body[i + 1 :])
            assert m is not None
            out.append(int(m.group(0), 8) & 0xFF)
            i += 1 + len(m.group(0))
        elif nxt == ord("x"):
            m = re.match(rb"x([0-9A-Fa-f]{1,2})", body[i + 1 :])
            assert m is not None, body
            out.append(int(m.group(1), 16))
            i += 1 + len(m.group(0))
        elif nxt in (ord("u"), ord("U")):
            m = re.match(rb"[uU]([0-9A-Fa-f]{1,8})", body[i + 1 :])
            assert m is not None, body
            out += chr(int(m.group(1), 16)).encode()
            i += 1 + len(m.group(0))
        else:
            out += body[i : i + 2]
            i += 2
    return bytes(out)


def _xtrace_words(entry: bytes) -> list[bytes]:
    """The words of one xtrace entry: bash prints each word bare, in ``'...'`` (a quote as
    ``'\\''``) or as ``$'...'``, separated by one space."""
    words: list[bytes] = []
    cur = bytearray()
    started = False
    i = 0
    n = len(entry)
    while i < n:
        ch = entry[i]
        if ch == 0x20:
            if started:
                words.append(bytes(cur))
                cur.clear()
                started = False
            i += 1
            continue
        started = True
        if ch == 0x27:  # '...'
            end = entry.index(b"'", i + 1)
            cur += entry[i + 1 : end]
            i = end + 1
        elif entry.startswith(b"$'", i):
            j = i + 2
            while entry[j] != 0x27:
                j += 2 if entry[j] == 0x5C else 1
            cur += _ansi_c(entry[i + 2 : j])
            i = j + 1
        elif ch == 0x5C and i + 1 < n:
            cur.append(entry[i + 1])
            i += 2
        else:
            cur.append(ch)
            i += 1
    if started:
        words.append(bytes(cur))
    return words


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def _parse_xtrace(data: bytes) -> list[tuple[str, ...]]:
    # ``bash -x -c``: xtrace is on while that bash reads BASH_ENV, so its two lines are traced
    # too, the first with the default PS4 (the marker is not set yet)
    data = _PREAMBLE.sub(b"", data)
    starts = list(_ENTRY.finditer(data))
    out: list[tuple[str, ...]] = []
    for k, m in enumerate(starts):
        end = starts[k + 1].start() if k + 1 < len(starts) else len(data)
        entry = data[m.end() : end]
        if entry.endswith(b"\n"):
            entry = entry[:-1]
        if _ASSIGNMENT.match(entry):
            continue  # ``A=1`` (alone or before a command: xtrace prints it on its own)
        words = _xtrace_words(entry)
        if words and _decode(words[0]) not in _NOT_PROGRAMS:
            out.append(tuple(_decode(w) for w in words))
    return out


def _unhex(s: str) -> str:
    """``\\x6c\\x73`` (strace -xx) → ``ls``."""
    return _decode(bytes(int(s[i + 2 : i + 4], 16) for i in range(0, len(s), 4)))


def _parse_strace(folder: Path, top: list[str]) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    for path in sorted(folder.glob("strace.*")):
        for line in path.read_text(errors="replace").splitlines():
            m = _EXECVE.match(line)
            if m is None:
                continue
            argv = tuple(_unhex(s) for s in _HEX_STRING.findall(m.group(2)))
            if list(argv) != top:  # the traced bash itself
                out.append(argv)
    return out


_TRACE_ENV = f"PS4=$'\\x{_PS4_FIRST[0]:02x}\\x{_PS4_REST[0]:02x}'\nset -x\n"


@dataclass
class Run:
    """What bash did with one command line."""

    command: str
    ran: list[tuple[str, tuple[str, ...]]]  # (trace, argv): trace is "xtrace" or "execve"
    stderr: str
    returncode: int
    timed_out: bool = False

    @property
    def syntax_error(self) -> bool:
        return "syntax error" in self.stderr


def _make_workdir(work: Path) -> None:
    work.mkdir()
    (work / "f1").write_text("b\na\nc\n")
    (work / "f2").write_text("hello world\n")
    (work / "a b").write_text("spaced\n")
    (work / "d").mkdir()
    (work / "d" / "f3").write_text("three\n")
    (work / "bin").mkdir()
    for name in ("rm_marker", "rm"):
        (work / "bin" / name).symlink_to(TRUE)


def run_bash(command: str, root: Path) -> Run:
    """Run ``command`` with bash in a fresh directory under ``root``; trace what it runs."""
    assert BASH is not None
    folder = Path(tempfile.mkdtemp(dir=root))
    work = folder / "work"
    _make_workdir(work)
    if _AS:
        for path in (folder, work, work / "d"):
            os.chown(path, _AS["user"], _AS["group"])
    trace_env = root / "trace-env.sh"
    xtrace = folder / "xtrace"
    fd = os.open(xtrace, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    bash_argv = [BASH, "--norc", "--noprofile", "-c", command]
    env = {
        "PATH": f"{work / 'bin'}:/usr/bin:/bin",
        "HOME": str(work),
        "LANG": "C",
        "LC_ALL": "C",
        "BASH_ENV": str(trace_env),
        "BASH_XTRACEFD": str(fd),
    }
    timed_out = False
    try:
        proc = subprocess.Popen(
            [*_strace_argv(folder / "strace"), *bash_argv],
            cwd=work,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            pass_fds=(fd,),
            start_new_session=True,
            **_AS,
        )
    finally:
        os.close(fd)
    try:
        _, err = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        timed_out = True
        os.killpg(proc.pid, signal.SIGKILL)  # the session this call started
        _, err = proc.communicate()
    ran = [("xtrace", argv) for argv in _parse_xtrace(xtrace.read_bytes())]
    ran += [("execve", argv) for argv in _parse_strace(folder, bash_argv)]
    shutil.rmtree(folder, ignore_errors=True)
    return Run(command, ran, err.decode("utf-8", "replace"), proc.returncode, timed_out)


@pytest.fixture(scope="module")
def trace_root() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="overseer-shell-diff-") as tmp:
        root = Path(tmp)
        root.chmod(0o755)  # readable by ``nobody`` (see _unprivileged)
        (root / "trace-env.sh").write_text(_TRACE_ENV)
        yield root


# ----------------------------------------------------------------------------- comparing


def _comparable(cmd: Command) -> bool:
    """Whether the analyser claims to know ``cmd``'s argv exactly."""
    return cmd.exact and all(
        (w.static and not w.glob and not w.tilde) or w.raw.startswith(("<(", ">("))
        for w in cmd.words
    )


def _same_argv(cmd: Command, argv: tuple[str, ...]) -> bool:
    if len(cmd.words) != len(argv):
        return False
    for w, a in zip(cmd.words, argv, strict=True):
        if w.raw.startswith(("<(", ">(")):
            if not _DEV_FD.match(a):
                return False
        elif w.value != a:
            return False
    return True


@dataclass
class Verdict:
    """One command line judged: what bash ran that the analyser does not account for."""

    run: Run
    analysis: Analysis
    missing: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    wrong_argv: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.missing and not self.wrong_argv

    def describe(self) -> str:
        lines = [f"command: {self.run.command!r}"]
        for trace, argv in self.run.ran:
            mark = ""
            if (trace, argv) in self.missing:
                mark = "   <-- program not listed by the analyser"
            elif (trace, argv) in self.wrong_argv:
                mark = "   <-- argv differs from every analyser command of that name"
            lines.append(f"  bash ran ({trace}): {list(argv)!r}{mark}")
        if not self.run.ran:
            lines.append("  bash ran: nothing")
        lines.append("  analyser commands:")
        for c in self.analysis.commands:
            via = f" via {'/'.join(c.via)}" if c.via else ""
            lines.append(f"    {[w.value for w in c.words]!r}{via} {c!r}")
        lines.append(f"  analyser problems: {self.analysis.problems!r}")
        return "\n".join(lines)


def judge(run: Run) -> Verdict:
    analysis = analyse(run.command)
    verdict = Verdict(run, analysis)
    if analysis.problems:
        return verdict
    by_name: dict[str, list[Command]] = {}
    for cmd in analysis.commands:
        if cmd.words:
            by_name.setdefault(cmd.basename, []).append(cmd)
    for trace, argv in run.ran:
        if not argv:
            continue
        name = argv[0].rsplit("/", 1)[-1]
        candidates = by_name.get(name)
        if not candidates:
            verdict.missing.append((trace, argv))
        elif all(_comparable(c) for c in candidates) and not any(
            _same_argv(c, argv) for c in candidates
        ):
            verdict.wrong_argv.append((trace, argv))
    return verdict


# ----------------------------------------------------------------------------- generator

_PLAIN = "abcdefxyz0123456789_-.,:%@+=^/"
_ODD = " #'\"\\$`;&|<>(){}*?![]~\t\n"
_DQ_SPECIAL = '$`"\\'
_FILES = ["f1", "f2", "a b", "d/f3", "d", "missing"]
_STDIN_READERS = ("cat", "wc", "tr", "sort", "head")
_EXTERNAL = ("echo", "printf", "true", "false", "cat", "ls", "test", "wc", "head", "tr",
             "sort", "rm_marker")  # fmt: skip


class Ctx:
    """One place bash reads lines from: here-document bodies wait for its next newline."""

    def __init__(self) -> None:
        self.pending: list[str] = []

    def newline(self) -> str:
        out = "\n" + "".join(self.pending)
        self.pending.clear()
        return out

    def close(self) -> str:
        return self.newline() if self.pending else ""


class Gen:
    """A seeded generator of harmless bash command lines."""

    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)
        #: chance of a line continuation inside a word (set per command line: such a line
        #: is a problem for the analyser, so only a few lines have any)
        self.joins = 0.0

    def chance(self, p: float) -> bool:
        return self.r.random() < p

    # -- words ------------------------------------------------------------------------

    def value(self, maxlen: int = 6, odd: float = 0.2) -> str:
        r = self.r
        n = r.randint(1, maxlen)
        return "".join(r.choice(_ODD) if self.chance(odd) else r.choice(_PLAIN) for _ in range(n))

    def _units(self, chunk: str, style: str, at_start: bool) -> list[str]:
        """``chunk`` encoded in ``style``: a list of units a continuation may go between."""
        r = self.r
        units: list[str] = []
        if style == "bare":
            for i, ch in enumerate(chunk):
                if ch == "#" and not (at_start and i == 0) and self.chance(0.6):
                    units.append("#")  # ``a#b``: not a comment in the middle of a word
                elif ch in _ODD or self.chance(0.05):
                    units.append("\\" + ch)
                else:
                    units.append(ch)
        elif style == "esc":
            units = ["\\" + ch for ch in chunk]
        elif style == "dq":
            i = 0
            while i < len(chunk):
                ch = chunk[i]
                nxt = chunk[i + 1] if i + 1 < len(chunk) else ""
                if ch == "\\" and nxt and nxt not in _DQ_SPECIAL + "\n" and self.chance(0.5):
                    units.append("\\" + nxt)  # a backslash before an ordinary character stays
                    i += 2
                    continue
                units.append("\\" + ch if ch in _DQ_SPECIAL else ch)
                i += 1
        elif style == "ansi":
            simple = {"\\": "\\\\", "'": "\\'", "\n": "\\n", "\t": "\\t"}
            for ch in chunk:
                roll = r.random()
                if ch in simple:
                    units.append(simple[ch])
                elif ch == '"' and roll < 0.3:
                    units.append('\\"')
                elif roll < 0.25:
                    units.append(f"\\x{ord(ch):02x}")
                elif roll < 0.35:
                    units.append(f"\\{ord(ch):03o}")
                else:
                    units.append(ch)
        return units

    def render(self, value: str, *, joins: float | None = None) -> str:
        """``value`` as one shell word, in random quoting; ``joins`` is the chance of a line
        continuation inside it (``ec\\<newline>ho``)."""
        r = self.r
        joins = self.joins if joins is None else joins
        if value == "":
            return r.choice(["''", '""', "$''", "''''"])
        cuts = sorted(r.sample(range(1, len(value)), min(len(value) - 1, r.randint(0, 2))))
        chunks = [value[a:b] for a, b in zip([0, *cuts], [*cuts, len(value)], strict=True)]
        out: list[str] = []
        for k, chunk in enumerate(chunks):
            styles = ["bare", "sq", "dq", "ansi", "esc"]
            weights = [4, 3, 3, 2, 1]
            if "\n" in chunk:
                weights[0] = weights[4] = 0
            style = r.choices(styles, weights)[0]
            if style == "sq":
                out.append("'" + chunk.replace("'", "'\\''") + "'")
                continue
            units = self._units(chunk, style, at_start=k == 0)
            if style in ("bare", "dq") and len(units) > 1 and self.chance(joins):
                at = r.randint(1, len(units) - 1)
                units.insert(at, "\\\n")
            body = "".join(units)
            out.append({"bare": body, "esc": body, "dq": f'"{body}"', "ansi": f"$'{body}'"}[style])
        if len(out) > 1 and self.chance(joins):
            out.insert(r.randint(1, len(out) - 1), "\\\n")
        return "".join(out)

    def dynamic(self, ctx: Ctx, depth: int) -> str:
        """A word whose value bash computes: substitutions, variables, globs, braces."""
        r = self.r
        kind = r.choices(
            ["cmdsub", "dq-cmdsub", "backtick", "procsub", "var", "glob", "tilde", "brace"],
            [5, 3, 2, 2, 3, 1, 1, 1],
        )[0]
        if kind in ("cmdsub", "dq-cmdsub", "procsub") and depth < 2:
            inner = Ctx()
            body = self.list(inner, depth + 1, short=True) + inner.close()
            pad = " " if self.chance(0.3) or body.startswith("(") else ""  # ``$((`` is arithmetic
            if kind == "cmdsub":
                word = f"$({pad}{body}{pad})"
            elif kind == "dq-cmdsub":
                word = f'"{self.value(2, 0)}$({pad}{body}{pad})"'
            else:
                word = f"<({pad}{body})"
        elif kind == "backtick" or kind in ("cmdsub", "dq-cmdsub", "procsub"):
            prog = r.choice(["echo", "true", "ls", "cat f1", "rm_marker"])
            args = " ".join(r.choice(["a", "b1", "'c d'", "x.y"]) for _ in range(r.randint(0, 2)))
            word = f"`{prog} {args}`" if args else f"`{prog}`"
        elif kind == "var":
            word = r.choice(["$HOME", '"$HOME"', "${PWD}", '"${HOME}"', "$PWD/d", "$#", "$?"])
        elif kind == "glob":
            word = r.choice(["f*", "?1", "d/*", "[f]1"])
        elif kind == "tilde":
            word = r.choice(["~", "~/d"])
        else:
            word = r.choice(["{a,b}", "x{1..3}", "f{1,2}"])
        if self.chance(0.2):
            word = self.render(self.value(3, 0)) + word
        return word

    def arg(self, ctx: Ctx, depth: int) -> str:
        if self.chance(0.08):
            return self.dynamic(ctx, depth)
        return self.render(self.value())

    def file(self) -> str:
        return self.render(self.r.choice(_FILES))

    # -- commands ---------------------------------------------------------------------

    def heredoc(self, ctx: Ctx) -> str:
        r = self.r
        delim = r.choice(["EOF", "END", "X_1", "e.o.f"])
        form = r.choices(["bare", "sq", "dq", "part", "backslash"], [5, 3, 2, 1, 1])[0]
        quoted = form != "bare"
        spelled = {
            "bare": delim,
            "sq": f"'{delim}'",
            "dq": f'"{delim}"',
            "part": f'{delim[0]}"{delim[1:]}"',
            "backslash": f"\\{delim}",
        }[form]
        strip = self.chance(0.3)
        op = "<<-" if strip else "<<"
        lines = []
        for _ in range(r.randint(0, 3)):
            text = "".join(r.choice(_PLAIN + " '\"#;|&<>(){}") for _ in range(r.randint(0, 12)))
            if quoted and self.chance(0.3):
                text += " $(rm_marker) `rm` $HOME \\"
            elif self.chance(0.15):
                text += r.choice([" $HOME", " ${PWD}", " \\$x", " $(echo sub)", " `echo bt`"])
            lines.append(("\t" * r.randint(0, 2) if strip else "") + "l" + text)
        end = ("\t" * r.randint(0, 2) if strip else "") + delim
        ctx.pending.append("".join(line + "\n" for line in lines) + end + "\n")
        return f"{op}{' ' if self.chance(0.3) else ''}{spelled}"

    def redirect(self, ctx: Ctx, prog: str) -> str:
        r = self.r
        kind = r.choices(["out", "in", "dup", "herestring", "heredoc"], [5, 2, 3, 1, 1.5])[0]
        if kind == "heredoc" and prog in _STDIN_READERS:
            return self.heredoc(ctx)
        if kind == "herestring":
            return "<<< " + self.arg(ctx, 3)
        if kind == "in":
            return "<" + r.choice(["", " "]) + self.render(r.choice(["f1", "f2", "a b"]))
        if kind == "dup":
            return r.choice(["2>&1", "&>/dev/null", "2>/dev/null", ">/dev/null", ">&2", "1>&2"])
        op = r.choice([">", ">>", "1>", "2>", "&>", "2>>"])
        return op + r.choice(["", " "]) + self.render(r.choice(["out", "out 2", "o#1", "err"]))

    def program_args(self, prog: str, ctx: Ctx, depth: int) -> list[str]:
        r = self.r
        if prog in ("echo", "rm_marker"):
            return [self.arg(ctx, depth) for _ in range(r.randint(0, 3))]
        if prog == "printf":
            return [self.render("%s\\n"), *(self.arg(ctx, depth) for _ in range(r.randint(0, 2)))]
        if prog in ("true", "false", ":"):
            return [self.arg(ctx, depth) for _ in range(r.randint(0, 2))]
        if prog == "cat":
            return [self.file() for _ in range(r.randint(0, 2))]
        if prog == "ls":
            opts = [r.choice(["-1", "-a", "-d", "-l"]) for _ in range(r.randint(0, 1))]
            return opts + [self.file() for _ in range(r.randint(0, 2))]
        if prog in ("test", "["):
            form = r.choice(["-n V", "-z V", "-f F", "-d F", "V = V", "V != V", "! -e F"])
            words = [
                self.arg(ctx, depth) if w == "V" else self.file() if w == "F" else self.render(w)
                for w in form.split()
            ]
            return [*words, "]"] if prog == "[" else words
        if prog == "wc":
            return [r.choice(["-l", "-c", "-w"]), *(self.file() for _ in range(r.randint(0, 2)))]
        if prog == "head":
            return [
                *r.choice([["-n", "1"], ["-1"], []]),
                *(self.file() for _ in range(r.randint(0, 1))),
            ]
        if prog == "tr":
            return r.choice([["a-z", "A-Z"], ["-d", "x"], ["abc", "xyz"]])
        if prog == "sort":
            return [*r.choice([["-r"], ["-u"], []]), *(self.file() for _ in range(r.randint(0, 2)))]
        raise AssertionError(prog)

    def simple(self, ctx: Ctx, depth: int) -> str:
        r = self.r
        if depth < 2 and self.chance(0.06):
            return self.script_command(depth)
        prog = r.choices(
            ["echo", "printf", "true", "false", ":", "cat", "ls", "test", "[", "wc", "head",
             "tr", "sort", "rm_marker"],
            [8, 0.3, 3, 2, 2, 4, 3, 2, 0.5, 2, 2, 2, 2, 3],
        )[0]  # fmt: skip
        # generated in text order (here-document bodies follow their operators' order)
        prefix: list[str] = []
        if self.chance(0.12):
            prefix.append(
                r.choice(["A", "LANG", "X_1", "TZ", "LC_ALL"]) + "=" + self.render(self.value(3))
            )
            if self.chance(0.2):
                prefix.append("B=" + self.dynamic(ctx, depth))
        if self.chance(0.08):
            prefix.append(self.redirect(ctx, prog))
        words: list[str] = []
        # wrappers: the first word is not the program
        if self.chance(0.15):
            wrapper = r.choice(["env X=1", "env", "env -u HOME", "timeout 5", "timeout -k 1 5",
                                "nice", "nice -n 1", "command", "command --"])  # fmt: skip
            if prog not in _EXTERNAL and not wrapper.startswith("command"):
                prog = "true"
            words += [self.render(w, joins=0) for w in wrapper.split()]
        name = prog
        if prog in ("ls", "cat", "rm_marker") and self.chance(0.1):
            name = {"ls": "/usr/bin/ls", "cat": "/bin/cat", "rm_marker": "./bin/rm_marker"}[prog]
        words.append(self.render(name))
        words += self.program_args(prog, ctx, depth)
        # redirections anywhere after the first word, generated in the order they appear
        count = r.choices([0, 1, 2], [6, 3, 1])[0]
        at = sorted(r.randint(1, len(words)) for _ in range(count))
        for i, pos in enumerate(at):
            words.insert(pos + i, self.redirect(ctx, prog))
        words = prefix + words
        out = words[0]
        for w in words[1:]:
            out += r.choices([" ", "  ", " \\\n", "\\\n ", "\t"], [20, 2, 1, 1, 1])[0] + w
        return out

    def script_command(self, depth: int) -> str:
        """``bash -c SCRIPT`` or ``eval SCRIPT``: SCRIPT a command line of its own."""
        r = self.r
        inner = Ctx()
        script = self.list(inner, depth + 1, short=True) + inner.close()
        if self.chance(0.5):
            opts = r.choice(["-c", "--norc -c", "-e -c", "-ec", "-o errexit -c"])
            word = self.render(script, joins=0)
            tail = r.choice(["", "", " arg0", " arg0 a1"])
            return f"bash {opts} {word}{tail}"
        if self.chance(0.7):
            return f"eval {self.render(script, joins=0)}"
        # unquoted: eval joins its words with spaces and reads the result
        prog = r.choice(["echo", "true", "ls", "rm_marker", "cat f1"])
        args = [self.render(self.value(4, 0), joins=0) for _ in range(r.randint(0, 2))]
        return " ".join(["eval", prog, *args])

    def compound(self, ctx: Ctx, depth: int) -> str:
        r = self.r
        kind = r.choice(["subshell", "group", "if", "while"])
        body = self.list(ctx, depth + 1, short=True)

        def end() -> str:  # separator before a closing keyword
            return ctx.newline() if ctx.pending or self.chance(0.3) else "; "

        if kind == "subshell":
            pad = " " if body.startswith("(") else ""  # ``((`` is arithmetic
            out = f"({pad}{body}{ctx.close()})"
        elif kind == "group":
            out = f"{{ {body}{end()}}}"
        elif kind == "if":
            out = f"if {body}{end()}then {self.list(ctx, depth + 1, short=True)}{end()}"
            if self.chance(0.5):
                out += f"else {self.list(ctx, depth + 1, short=True)}{end()}"
            out += "fi"
        else:
            out = f"while false; do {body}{end()}done"
        if self.chance(0.15):
            out += " " + r.choice(["> out", "2>&1", "&>/dev/null", "< f1"])
        return out

    def pipeline(self, ctx: Ctx, depth: int) -> str:
        r = self.r
        # generated in text order: a newline after ``|`` flushes the here-documents before it
        out = ""
        for i in range(r.choices([1, 2, 3], [7, 2, 1])[0]):
            if i:
                op = r.choices([" | ", "|", "newline", " |& "], [8, 2, 2, 1])[0]
                out += " |" + ctx.newline() if op == "newline" else op
            if i and self.chance(0.1):
                out += "xargs " + r.choice(["echo", "true", "ls -d"])
            elif depth < 2 and self.chance(0.1):
                out += self.compound(ctx, depth)
            else:
                out += self.simple(ctx, depth)
        if self.chance(0.06):
            out = "! " + out
        return out

    def and_or(self, ctx: Ctx, depth: int) -> str:
        r = self.r
        out = self.pipeline(ctx, depth)
        for _ in range(r.choices([0, 1, 2], [7, 2, 1])[0]):
            out += " " + r.choice(["&&", "||"])
            gap = r.choices(["space", "newline", "blank"], [6, 2, 1])[0]
            if gap == "space":
                out += " "
            else:  # a newline (and maybe blank lines) after the operator
                out += ctx.newline() + "\n" * (gap == "blank")
            out += self.pipeline(ctx, depth)
        return out

    def comment(self) -> str:
        text = "".join(
            self.r.choice(_PLAIN + " '\"`$();&|\\#") for _ in range(self.r.randint(0, 10))
        )
        return " #" + text

    def list(self, ctx: Ctx, depth: int, short: bool = False) -> str:
        r = self.r
        n = r.randint(1, 2) if short else r.choices([1, 2, 3, 4], [5, 4, 2, 1])[0]
        out = ""
        background = False
        for i in range(n):
            if self.chance(0.03):  # a bare assignment: only safe names are modelled
                item = r.choice(["A", "LANG", "TZ", "LC_ALL"]) + "=" + self.render(self.value(3))
            else:
                item = self.and_or(ctx, depth)
            out += item
            if i == n - 1:
                break
            sep = r.choices(
                ["; ", " & ", "newline", ";newline", "blank", "comment"],
                [7, 1, 4, 1, 1, 1],
            )[0]
            if sep == " & ":
                background = True
                out += sep
            elif sep == "newline":
                out += ctx.newline()
            elif sep == ";newline":
                out += ";" + ctx.newline()
            elif sep == "blank":
                out += ctx.newline() + "\n" * r.randint(1, 2)
            elif sep == "comment":
                out += self.comment() + ctx.newline()
            else:
                out += sep
        if background:
            out += "; wait"
        return out

    def command_line(self) -> str:
        self.joins = 0.05 if self.chance(0.08) else 0.0
        ctx = Ctx()
        out = self.list(ctx, 0)
        if self.chance(0.08):
            out += self.comment()
        if self.chance(0.05):
            out += ";"
        return out + ctx.close()


def generated(shard: int) -> list[str]:
    gen = Gen(SEED * 100 + shard)
    return [gen.command_line() for _ in range(PER_SHARD)]


# ----------------------------------------------------------------------------- tests


def _run_all(commands: list[str], root: Path) -> list[Run]:
    workers = max(2, (os.cpu_count() or 2) * 2)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda c: run_bash(c, root), commands))


def _breakdown(verdicts: list[Verdict]) -> str:
    reasons = Counter(p for v in verdicts for p in v.analysis.problems)
    firsts = Counter(v.analysis.problems[0] for v in verdicts if v.analysis.problems)
    lines = [
        f"  {n:5d} lines (first reason of {firsts[p]:4d}): {p}" for p, n in reasons.most_common()
    ]
    return "\n".join(lines)


@pytest.mark.parametrize("shard", range(SHARDS))
def test_generated_commands_run_only_what_the_analyser_lists(shard: int, trace_root: Path) -> None:
    started = time.monotonic()
    commands = generated(shard)
    runs = _run_all(commands, trace_root)
    verdicts = [judge(run) for run in runs]
    elapsed = time.monotonic() - started

    problems = [v for v in verdicts if v.analysis.problems]
    rate = len(problems) / len(verdicts)
    missing = [v for v in verdicts if v.missing]
    wrong = [v for v in verdicts if v.wrong_argv and not v.missing]
    syntax = [r for r in runs if r.syntax_error]
    timeouts = [r for r in runs if r.timed_out]
    traced = sum(1 for r in runs if r.ran)
    summary = (
        f"shard {shard}: {len(verdicts)} lines in {elapsed:.1f}s; {len(problems)} with problems "
        f"({rate:.0%}); {len(missing)} run a program the analyser does not list; "
        f"{len(wrong)} more run an argv it does not list; {len(syntax)} bash syntax errors; "
        f"{len(timeouts)} timeouts\nproblem reasons:\n{_breakdown(verdicts)}"
    )
    print(summary)

    # the tracing itself works, and the generator writes what bash accepts
    assert traced > 0.95 * len(runs), summary
    assert len(timeouts) <= len(runs) // 100, summary + "".join(
        f"\ntimed out: {r.command!r}" for r in timeouts[:5]
    )
    assert len(syntax) <= len(runs) // 100, summary + "".join(
        f"\nsyntax error: {r.command!r}\n  {r.stderr.strip()[:300]}" for r in syntax[:5]
    )
    failures = [
        *(f"PROGRAM NOT LISTED\n{v.describe()}" for v in missing[:25]),
        *(f"ARGV NOT LISTED\n{v.describe()}" for v in wrong[:25]),
    ]
    assert not failures, summary + "\n\n" + "\n\n".join(failures)
    assert rate <= MAX_PROBLEM_RATE, summary


#: (command line, programs bash must run — a check of the tracing and of the case itself)
HAND_WRITTEN: list[tuple[str, set[str]]] = [
    ("ls\n\nrm_marker", {"ls", "rm_marker"}),
    ("r\\\nm", {"rm"}),
    ("rm_mar\\\nker", {"rm_marker"}),
    ("echo a\\ #b; true", {"echo", "true"}),
    ("echo a\\ #b; rm_marker", {"echo", "rm_marker"}),
    ("echo a#b rm_marker", {"echo"}),
    ("echo a #b; rm_marker", {"echo"}),
    ("echo a #b\nrm_marker", {"echo", "rm_marker"}),
    ("echo a;#b\nrm_marker", {"echo", "rm_marker"}),
    ("echo $[1<<2]\ntrue", {"echo", "true"}),
    ("echo \\\nrm_marker", {"echo"}),
    ("echo a\\\\\nrm_marker", {"echo", "rm_marker"}),
    ("echo 'a\\\nrm_marker'", {"echo"}),
    ('echo "a\\\nrm_marker"', {"echo"}),
    ("true && \\\nrm_marker", {"true", "rm_marker"}),
    ("true &&\n\n# c\nrm_marker", {"true", "rm_marker"}),
    ("echo a |\n\nrm_marker", {"echo", "rm_marker"}),
    ("true ||\nrm_marker", {"true"}),
    ("false || rm_marker", {"false", "rm_marker"}),
    ("$'\\x72m_marker'", {"rm_marker"}),
    ("$'\\162m_marker'", {"rm_marker"}),
    ("'rm'_marker", {"rm_marker"}),
    ('"rm"_ma""rker', {"rm_marker"}),
    ("r\\m_marker", {"rm_marker"}),
    ("./bin/rm_marker", {"rm_marker"}),
    ("x=1 rm_marker", {"rm_marker"}),
    ("A=$(rm_marker) true", {"rm_marker", "true"}),
    (">out rm_marker", {"rm_marker"}),
    ("2>&1 rm_marker", {"rm_marker"}),
    ("<f1 rm_marker", {"rm_marker"}),
    ("rm_marker 2>&1", {"rm_marker"}),
    ("ls 2>/dev/null d", {"ls"}),
    ("echo a >f b", {"echo"}),
    ("echo hi &>/dev/null; rm_marker", {"echo", "rm_marker"}),
    # here-documents
    ("cat <<EOF\nrm_marker\nEOF\nrm_marker", {"cat", "rm_marker"}),
    ("cat <<EOF\nrm_marker\nEOF", {"cat"}),
    ("cat <<'EOF'\n$(rm_marker)\nEOF", {"cat"}),
    ('cat <<"EOF"\n`rm_marker`\nEOF', {"cat"}),
    ("cat <<EOF\n$(rm_marker)\nEOF", {"cat", "rm_marker"}),
    ("cat <<EOF\n`rm_marker`\nEOF", {"cat", "rm_marker"}),
    ("cat <<-EOF\n\trm_marker\n\tEOF\nrm_marker", {"cat", "rm_marker"}),
    ("cat <<EOF\n\tEOF\nrm_marker\nEOF", {"cat"}),
    ("cat <<EOF\nEOF \nrm_marker\nEOF", {"cat"}),
    ("cat <<EOF\n  EOF\nrm_marker\nEOF\ntrue", {"cat", "true"}),
    ("cat <<EOF; rm_marker\nbody\nEOF", {"cat", "rm_marker"}),
    ("cat <<A <<B\na\nA\nrm_marker\nB\ntrue", {"cat", "true"}),
    ("cat << EOF\nx\nEOF\nrm_marker", {"cat", "rm_marker"}),
    ("cat <<\\EOF\n$(rm_marker)\nEOF", {"cat"}),
    ('cat <<E"O"F\n$(rm_marker)\nEOF', {"cat"}),
    ("cat <<EOF\nx\\\nEOF\nrm_marker\nEOF", {"cat"}),
    ("cat <<EOF && rm_marker\nx\nEOF", {"cat", "rm_marker"}),
    ("(cat <<EOF\nx\nEOF\n) && rm_marker", {"cat", "rm_marker"}),
    ("echo $(cat <<EOF\nx\nEOF\n) && rm_marker", {"cat", "echo", "rm_marker"}),
    ("cat <<EOF\nx", {"cat"}),
    ("cat <<<rm_marker", {"cat"}),
    ("cat <<< $(rm_marker)", {"cat", "rm_marker"}),
    ("cat <<< '$(rm_marker)'", {"cat"}),
    # structure
    ("{ rm_marker; }", {"rm_marker"}),
    ("(rm_marker)", {"rm_marker"}),
    ("! rm_marker", {"rm_marker"}),
    ("if rm_marker; then :; fi", {"rm_marker", ":"}),
    ("if false; then :; else rm_marker; fi", {"false", "rm_marker"}),
    ("while false; do rm_marker; done", {"false"}),
    ("rm_marker &\nwait", {"rm_marker", "wait"}),
    ("rm_marker & wait", {"rm_marker", "wait"}),
    ("echo $(rm_marker)", {"echo", "rm_marker"}),
    ("echo `rm_marker`", {"echo", "rm_marker"}),
    ('echo "$(rm_marker)"', {"echo", "rm_marker"}),
    ('echo "`rm_marker`"', {"echo", "rm_marker"}),
    ("echo $(echo $(rm_marker))", {"echo", "rm_marker"}),
    ("cat <(rm_marker)", {"cat", "rm_marker"}),
    ("cat <(rm_marker) <(echo b)", {"cat", "rm_marker", "echo"}),
    ("echo x > >(cat)", {"echo", "cat"}),
    ("echo $(echo a\n# )\nrm_marker\n)", {"echo", "rm_marker"}),
    # wrappers and scripts
    ("env X=1 rm_marker", {"env", "rm_marker"}),
    ("env -- rm_marker", {"env", "rm_marker"}),
    ("env -u HOME rm_marker", {"env", "rm_marker"}),
    ("timeout 5 rm_marker", {"timeout", "rm_marker"}),
    ("timeout -k 1 5 rm_marker", {"timeout", "rm_marker"}),
    ("timeout --preserve-status 5s rm_marker", {"timeout", "rm_marker"}),
    ("nice rm_marker", {"nice", "rm_marker"}),
    ("nice -n 1 rm_marker", {"nice", "rm_marker"}),
    ("nice -5 rm_marker", {"nice", "rm_marker"}),
    ("command rm_marker", {"command", "rm_marker"}),
    ("command -- rm_marker", {"command", "rm_marker"}),
    ("exec rm_marker", {"exec", "rm_marker"}),
    ("time rm_marker", {"rm_marker"}),
    ("echo a | xargs rm_marker", {"echo", "xargs", "rm_marker"}),
    ("bash -c rm_marker", {"bash", "rm_marker"}),
    ("bash -c 'echo a; rm_marker'", {"bash", "echo", "rm_marker"}),
    ("bash -c 'rm_marker' arg0", {"bash", "rm_marker"}),
    ("bash -xc rm_marker", {"bash", "rm_marker"}),
    ("bash -x -c 'echo a' && rm_marker", {"bash", "echo", "rm_marker"}),
    ("bash --norc -c rm_marker", {"bash", "rm_marker"}),
    ("bash -o errexit -c rm_marker", {"bash", "rm_marker"}),
    ("bash -c -- rm_marker", {"bash", "rm_marker"}),
    ("bash -c -x rm_marker", {"bash", "rm_marker"}),
    ("bash -c +x rm_marker", {"bash", "rm_marker"}),
    ("bash -c -o errexit rm_marker", {"bash", "rm_marker"}),
    ("bash -c \"bash -c 'rm_marker'\"", {"bash", "rm_marker"}),
    ("eval rm_marker", {"eval", "rm_marker"}),
    ("eval 'rm_marker'", {"eval", "rm_marker"}),
    ('eval "rm_mar""ker"', {"eval", "rm_marker"}),
    ("eval echo a \\; rm_marker", {"eval", "echo", "rm_marker"}),
    ("eval -- rm_marker", {"eval", "rm_marker"}),
    ("command eval rm_marker", {"command", "rm_marker"}),  # xtrace shows no ``eval`` line
    ("builtin eval rm_marker", {"builtin", "rm_marker"}),
    ("f() { rm_marker; }; f", {"f", "rm_marker"}),
    # words tree-sitter splits or joins differently from bash
    ("'r'\\m_marker", {"rm_marker"}),
    ('"r"\\m_marker', {"rm_marker"}),
    ("$'r'\\m_marker", {"rm_marker"}),
    ("r'm'\\_marker", {"rm_marker"}),
    ("ls\n\\rm_marker", {"ls", "rm_marker"}),
    ("ls\n\n\\rm_marker -x", {"ls", "rm_marker"}),
    ("echo \\ x", {"echo"}),
    ("echo \\\tx", {"echo"}),
    ("timeout &> 'o'\\u\\t 5 rm_marker", {"timeout", "rm_marker"}),
    ("env > 'o'\\ut rm_marker", {"env", "rm_marker"}),
    ("echo a\\\tb", {"echo"}),
    ("$'e\\143\\150\\157'\"\"\\\n 2>err", {"echo"}),
    # GNU env takes any operand with ``=`` for an assignment, not only NAME=value
    ("env =x rm_marker", {"env", "rm_marker"}),
    ("env '=' rm_marker -rf", {"env", "rm_marker"}),
    # words after a here-document operator are still the command's words
    ("env <<EOF rm_marker\nx\nEOF", {"env", "rm_marker"}),
    ("command <<EOF rm_marker\nEOF", {"command", "rm_marker"}),
    ("timeout 5 <<'EOF' rm_marker x\nEOF", {"timeout", "rm_marker"}),
    ("cat <<EOF f1\nx\nEOF", {"cat"}),
    # a pipeline of three, a newline, then a redirected command
    ("echo a | cat | wc -l\nrm_marker -x > out", {"echo", "cat", "wc", "rm_marker"}),
    ("echo a | cat | wc -l\n\nrm_marker 2>/dev/null", {"echo", "cat", "wc", "rm_marker"}),
    ("echo a | cat\nrm_marker -x > out", {"echo", "cat", "rm_marker"}),
    ("echo | cat | cat\nfalse || rm_marker", {"echo", "cat", "false", "rm_marker"}),
    # ``!`` before a compound command, or before a redirected simple command
    ("! if true; then rm_marker; fi", {"true", "rm_marker"}),
    ("! { rm_marker; }", {"rm_marker"}),
    ("! while false; do :; done", {"false"}),
    ("! head >out f1", {"head"}),
    # a process substitution inside an assignment prefix
    ("L=x<(true) rm_marker", {"true", "rm_marker"}),
    ("ls\\\n 2>err", {"ls"}),
    # builtins that evaluate an array subscript (and the $(...) in it) in a literal operand
    ("test -v 'a[$(rm_marker)]'", {"test", "rm_marker"}),
    ("[ -v 'a[$(rm_marker)]' ]", {"[", "rm_marker"}),
    ("[[ -v 'a[$(rm_marker)]' ]]", {"rm_marker"}),
    ("[[ 'a[$(rm_marker)]' -eq 0 ]]", {"rm_marker"}),
    ("read 'a[$(rm_marker)]' <<< x", {"read", "rm_marker"}),
    ("echo x | read -r 'a[$(rm_marker)]'", {"echo", "read", "rm_marker"}),
]


@pytest.mark.parametrize(
    ("command", "must_run"), HAND_WRITTEN, ids=[repr(c) for c, _ in HAND_WRITTEN]
)
def test_hand_written_cases(command: str, must_run: set[str], trace_root: Path) -> None:
    run = run_bash(command, trace_root)
    names = {argv[0].rsplit("/", 1)[-1] for _, argv in run.ran if argv}
    verdict = judge(run)
    assert must_run <= names, f"the case (or the tracing) is wrong:\n{verdict.describe()}"
    assert verdict.ok, "\n" + verdict.describe()


def test_the_tracing_sees_builtins_wrappers_and_children(trace_root: Path) -> None:
    run = run_bash("echo a 'b c' $'d\\te'; env X=1 rm_marker z; bash -c ': in' & wait", trace_root)
    assert ("xtrace", ("echo", "a", "b c", "d\te")) in run.ran
    assert ("execve", ("rm_marker", "z")) in run.ran
    assert ("xtrace", ("env", "X=1", "rm_marker", "z")) in run.ran
    assert ("xtrace", (":", "in")) in run.ran
    assert ("xtrace", ("wait",)) in run.ran
    assert not any(argv[:1] == ("set",) for _, argv in run.ran)


def test_xtrace_words_are_unquoted_exactly() -> None:
    assert _xtrace_words(b"echo 'a b' 'it'\\''s' $'\\303\\251\\n' '' x") == [
        b"echo",
        b"a b",
        b"it's",
        "é\n".encode(),
        b"",
        b"x",
    ]
