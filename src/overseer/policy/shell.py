"""The one shell analyser: what a bash command line runs, read with a real bash grammar.

Every judgement of a shell command (the gate, ``scope explain``, the detectors) goes through
:func:`analyse`. It parses with tree-sitter-bash and walks the tree against an **allowlist**
of constructs it models exactly (simple commands, lists, pipelines, subshells, ``{ }``
groups, ``if``/``while``, quotes, plain redirections, here-documents it can verify). Any other
construct — arithmetic, parameter-expansion operators, ``for``/``case``, functions,
assignments that change the environment of later commands, ``eval``-like builtins with
non-literal text, line continuations that join words, anything the grammar reports as an
error — becomes a :attr:`Analysis.problems` entry. A command with problems is **never
allowed by a rule** (the gate asks), but every command the grammar did find is still judged
by the deny and ask rules: an unmodelled construct can only make a call stricter.

What runs is described as bash will run it: quotes removed, escapes resolved, ``$'...'``
decoded, leading assignments and redirections set aside (and judged), wrappers (``sudo``,
``env``, ``timeout``, ``xargs``, ``find -exec``…) looked through, ``bash -c``/``eval`` scripts
parsed as command lines of their own. Redirection targets and the file arguments of known
readers and writers become :class:`Access` records for the path rules.

Pure and lean: no I/O, and the grammar is loaded straight from its extension module (the
``tree_sitter_bash`` package's ``__init__`` imports ``importlib.resources``, ~15 ms the gate
hook should not pay). Time is linear in the input: the tree is walked iteratively and a
command over :data:`MAX_COMMAND_CHARS` is refused unread (a problem, so the gate asks).
"""

from __future__ import annotations

import itertools
import posixpath
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from overseer.policy.known_values import (
    MAX_VALUE_CHARS,
    MAX_VALUES_PER_NAME,
    candidates,
    encodable,
    matching,
)

#: Commands longer than this are not parsed at all: the gate asks, ingest records a problem.
MAX_COMMAND_CHARS = 100_000
#: More ``|`` than this (in operators, quotes or words alike) in a long line and it is not
#: parsed: the grammar's time grows with the square of a pipeline's length.
MAX_PIPES = 1024
#: Parentheses or brackets nested deeper than this (``$((``, ``$(``, subshells, ``$[``,
#: subscripts), or more ``(`` than :data:`MAX_PARENS`, and a long line is not parsed either.
MAX_NESTING = 64
MAX_PARENS = 2048
#: ``bash -c`` / ``eval`` / wrapper scripts nested deeper than this are not modelled.
MAX_DEPTH = 6
#: Code held in strings (:meth:`_Walk.code`) parsed per command line, at most.
MAX_STRING_SCRIPTS = 256

#: Environment prefixes that never change what a program executes or where it writes.
#: Any other ``NAME=value`` before a command means no allow rule matches it.
SAFE_ENV = frozenset({
    "LANG", "LANGUAGE", "TZ", "TERM", "COLUMNS", "LINES", "NO_COLOR", "FORCE_COLOR",
    "CLICOLOR", "CLICOLOR_FORCE", "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE", "CI",
})  # fmt: skip
_SAFE_ENV_PREFIXES = ("LC_",)

#: Commands that run their arguments as another command: that command is judged too.
WRAPPERS = frozenset({
    "sudo", "doas", "env", "nice", "nohup", "time", "timeout", "xargs", "command", "exec",
    "builtin", "stdbuf", "ionice", "setsid", "chrt", "taskset", "unbuffer", "flock",
    "busybox", "coproc", "nsenter", "unshare", "chroot", "strace", "ltrace", "fakeroot",
    "firejail", "proxychains", "proxychains4", "torsocks", "xvfb-run", "catchsegv",
    "pkexec", "runuser", "sg", "caffeinate", "systemd-run", "watch", "script", "su",
    "ssh-agent", "dbus-run-session", "linux32", "linux64", "setarch", "valgrind", "prlimit",
    "numactl", "tini", "dumb-init", "faketime", "cgexec",
    # zsh's precommand modifiers (``noglob rm``, ``- rm``) and ``repeat N CMD``
    "noglob", "nocorrect", "-", "repeat",
})  # fmt: skip
#: Launchers: ``uv run CMD`` runs CMD as a wrapper does (in a project's environment, through
#: a package manager, with a vault's secrets…), so CMD meets the rules too: ``Bash(uv run:*)``
#: does not let ``uv run curl …`` past ``Bash(curl:*)``. Keyed by program, then the
#: subcommands that run an operand. Their options are not modelled one by one: after any
#: option before the command, the command is not known exactly (an option may take the next
#: word), so the call is never allowed by a rule, while deny rules still meet the candidate.
LAUNCHERS: dict[str, frozenset[str]] = {
    "uv": frozenset({"run", "tool"}), "poetry": frozenset({"run"}), "pdm": frozenset({"run"}),
    "hatch": frozenset({"run"}), "pipenv": frozenset({"run"}), "rye": frozenset({"run"}),
    "conda": frozenset({"run"}), "mamba": frozenset({"run"}), "micromamba": frozenset({"run"}),
    "pixi": frozenset({"run", "exec"}), "bundle": frozenset({"exec"}),
    "npm": frozenset({"exec", "x"}), "pnpm": frozenset({"exec", "dlx"}),
    "yarn": frozenset({"exec", "dlx"}), "bun": frozenset({"x"}), "pipx": frozenset({"run"}),
    "direnv": frozenset({"exec"}), "aws-vault": frozenset({"exec"}), "op": frozenset({"run"}),
    "doppler": frozenset({"run"}), "infisical": frozenset({"run"}),
    "dotenvx": frozenset({"run"}), "mise": frozenset({"exec", "x"}),
    "asdf": frozenset({"exec"}), "rtx": frozenset({"exec", "x"}),
}  # fmt: skip
#: Launchers that are one word: their first operand is the program (``npx CMD``).
PACKAGE_RUNNERS = frozenset({"npx", "uvx", "bunx", "pnpx", "dotenv"})
#: Operands a launcher takes before the command (``direnv exec DIR CMD``).
_LAUNCHER_OPERANDS = {("direnv", "exec"): 1, ("aws-vault", "exec"): 1, ("uv", "tool"): 1}
#: Options of a wrapper that take a value (``sudo -u root rm`` runs ``rm``, not ``root``).
_WRAPPER_ARGS: dict[str, frozenset[str]] = {
    "sudo": frozenset({"-u", "-g", "-C", "-p", "-r", "-t", "-U", "-D", "-h", "-T", "-R"}),
    "doas": frozenset({"-u", "-C"}),
    "env": frozenset({"-u", "-C", "-S", "--unset", "--chdir", "-P"}),
    "nice": frozenset({"-n", "--adjustment"}),
    "ionice": frozenset({"-c", "-n", "-p"}),
    "timeout": frozenset({"-s", "-k", "--signal", "--kill-after"}),
    "xargs": frozenset({"-n", "-I", "-P", "-L", "-s", "-d", "-a", "-E", "-i", "--max-args"}),
    "flock": frozenset({"-w", "-E", "-c", "--timeout", "--conflict-exit-code"}),
    "exec": frozenset({"-a"}),
    "stdbuf": frozenset({"-i", "-o", "-e"}),
    "chrt": frozenset({"-p"}),
    "taskset": frozenset({"-p"}),
    "nsenter": frozenset({"-t", "--target", "-S", "-G", "-r", "-w"}),
    "strace": frozenset({"-o", "-e", "-p", "-s", "-u", "-E", "-a", "-b", "-I", "-O", "-S", "-X"}),
    "ltrace": frozenset({"-o", "-e", "-p", "-s", "-u", "-n", "-a", "-l"}),
    "runuser": frozenset({"-u", "-g", "-G", "-s", "--user", "--group"}),
    "su": frozenset({"-s", "-g", "-G", "--shell", "--group"}),
    "watch": frozenset({"-n", "-d", "--interval"}),
    "systemd-run": frozenset({"-p", "-u", "--unit", "--property", "-E", "--setenv"}),
    "firejail": frozenset(),
    "script": frozenset({"-O", "-I", "-B", "-T", "-E", "-m"}),  # -t[FILE]: attached only
    "cgexec": frozenset({"-g"}),
    "numactl": frozenset({"-C", "-N", "-m", "-p", "-i", "-P"}),
    "valgrind": frozenset(),  # its options are all --name=value
    "faketime": frozenset({"-f"}),
}
#: Options of a wrapper known to take no value. An option a wrapper has in neither table may
#: take the next word: then every reading is judged (:func:`_readings`).
_WRAPPER_FLAGS: dict[str, frozenset[str]] = {
    "sudo": frozenset({"-E", "-H", "-n", "-S", "-b", "-i", "-s", "-k", "-K", "-l", "-v", "-A",
                       "-P", "-B", "-N", "--preserve-env", "--non-interactive", "--login",
                       "--shell", "--stdin", "--background", "--set-home", "--askpass"}),
    "env": frozenset({"-i", "-0", "-v", "--ignore-environment", "--null", "--debug"}),
    "timeout": frozenset({"--preserve-status", "--foreground", "-v", "--verbose"}),
    "time": frozenset({"-p", "-v", "-a", "-q", "--verbose", "--portability", "--append",
                       "--quiet"}),
    "xargs": frozenset({"-0", "-r", "-t", "-p", "-x", "-o", "--null", "--no-run-if-empty",
                        "--verbose", "--interactive", "--exit", "--open-tty"}),
    "setsid": frozenset({"-f", "-w", "-c", "--fork", "--wait", "--ctty"}),
    "ionice": frozenset({"-t", "--ignore"}),
    "flock": frozenset({"-s", "-x", "-u", "-n", "-o", "-F", "--shared", "--exclusive",
                        "--unlock", "--nonblock", "--close", "--no-fork"}),
    "nohup": frozenset(), "nice": frozenset(), "stdbuf": frozenset(),
    "noglob": frozenset(), "nocorrect": frozenset(), "-": frozenset(), "repeat": frozenset(),
    "strace": frozenset({"-f", "-ff", "-c", "-C", "-q", "-qq", "-t", "-tt", "-ttt", "-T", "-v",
                         "-V", "-x", "-xx", "-y", "-yy", "-k", "-n", "-r", "-w", "-z", "-Z",
                         "-D", "-d"}),
    "watch": frozenset({"-t", "-b", "-e", "-g", "-c", "-x", "-p", "--no-title", "--beep",
                        "--errexit", "--chgexit", "--color", "--exec", "--precise"}),
}  # fmt: skip
#: A command line holds at most this many commands once wrapper readings are added.
_MAX_READINGS = 256
#: ``$(shell CMD)`` / ``${shell CMD}`` in make text (not nested), and ``$(file <F)``.
_MAKE_SHELL = re.compile(r"\$[({]shell\s+([^()}]*)[)}]")
_MAKE_FILE = re.compile(r"\$[({]file\s*([<>]{1,2})\s*([^(),}]*)")
#: A launcher's options whose value is a shell command line it runs (``npx -c 'CMD'``,
#: ``npx --call=CMD``, ``mise exec -c``, ``doppler run --command``).
_LAUNCHER_SCRIPTS: dict[str, tuple[str, ...]] = {
    "npx": ("-c", "--call"), "npm exec": ("-c", "--call"), "npm x": ("-c", "--call"),
    "mise exec": ("-c", "--command"), "mise x": ("-c", "--command"),
    "rtx exec": ("-c", "--command"), "rtx x": ("-c", "--command"),
    "doppler run": ("--command",), "infisical run": ("--command",),
}  # fmt: skip
#: Launchers whose operands are joined into one shell line (``pixi run 'CMD; CMD'``).
_JOINED_LAUNCHERS = frozenset({"pixi run", "pixi exec"})
#: Launchers whose command follows ``--``, tool specs before it (``mise exec node@20 -- CMD``).
_TOOL_SPEC_LAUNCHERS = frozenset({"mise exec", "mise x", "rtx exec", "rtx x"})


def _index(words: Sequence[Word], word: Word) -> int | None:
    """Where ``word`` (that very object) is in ``words``."""
    return next((i for i, w in enumerate(words) if w is word), None)


def _readings(cmd: Command, wrapped: Command) -> list[Command]:
    """Other commands a wrapper may run than the one its option tables give: each option it
    has no table for may take the next word (``sudo --user root rm``), an option after the
    operands is getopt's (``setarch x86_64 -R rm``), an operand ``timeout`` cannot read as a
    duration may be one. The commands starting at each word that could be the program
    then, up to as many words on as there were guesses (``--`` is the wrapper's)."""
    words = cmd.words
    head = _index(words, wrapped.words[0]) if wrapped.words else None
    if head is None:
        return []
    name = cmd.basename
    launcher = name in LAUNCHERS or name in PACKAGE_RUNNERS
    valued = _WRAPPER_ARGS.get(name, frozenset())
    flags = _WRAPPER_FLAGS.get(name, frozenset())
    guesses = 0
    for word in words[1:head]:
        value = word.value
        if not word.static or not value.startswith("-") or value in ("-", "--"):
            continue
        if launcher:
            guesses += 1
        elif value.startswith("--"):
            guesses += "=" not in value and value not in valued and value not in flags
        else:
            for letter in value[1:]:
                if "-" + letter in valued:
                    break  # the rest of the word (or the next word) is its value
                if "-" + letter not in flags:
                    guesses += 1
                    break
    if words[head].value.startswith("-"):
        guesses += 1
    if name == "timeout" and (head < 2 or not _DURATION.match(words[head - 1].value)):
        guesses += 1
    out: list[Command] = []
    at = head + 1
    while guesses > 0 and at < len(words) and len(out) < 8:
        word = words[at]
        at += 1
        if word.static and word.value == "--":
            continue
        if word.static and word.value.startswith("-"):
            # another option of the wrapper's (the head was a value): it may take one too
            guesses += launcher or ("=" not in word.value and word.value not in flags)
            continue
        guesses -= 1  # this word is the program, or one more option's value
        out.append(Command(words[at - 1 :], list(wrapped.assignments), exact=wrapped.exact))
    return out


#: GNU make's long options (getopt_long takes any unambiguous prefix) and the short option
#: each stands for; ``=`` marks one that takes a value the model reads.
_MAKE_LONG = {
    "--always-make": "B", "--directory": "C", "--debug": "d", "--environment-overrides": "e",
    "--eval": "E", "--file": "f", "--makefile": "f", "--help": "h", "--ignore-errors": "i",
    "--include-dir": "I", "--jobs": "j", "--keep-going": "k", "--load-average": "l",
    "--max-load": "l", "--check-symlink-times": "L", "--just-print": "n", "--dry-run": "n",
    "--recon": "n", "--old-file": "o", "--assume-old": "o", "--output-sync": "O",
    "--print-data-base": "p", "--question": "q", "--no-builtin-rules": "r",
    "--no-builtin-variables": "R", "--silent": "s", "--quiet": "s", "--no-silent": "-",
    "--no-keep-going": "S", "--stop": "S", "--touch": "t", "--trace": "-", "--version": "v",
    "--print-directory": "w", "--no-print-directory": "-", "--what-if": "W", "--new-file": "W",
    "--assume-new": "W", "--warn-undefined-variables": "-", "--shuffle": "-",
    "--jobserver-auth": "-", "--jobserver-style": "-",
}  # fmt: skip
#: make's short options that take a value (``j``, ``l``, ``O`` and ``d``'s long form take
#: one only when attached).
_MAKE_VALUED = frozenset("CEfIoW")
_MAKE_OPTIONAL = frozenset("jlO")
#: Variables that change how make runs (the recipes' shell, more options, more makefiles).
_MAKE_CONTROL = frozenset({"SHELL", ".SHELLFLAGS", "MAKESHELL", "MAKEFLAGS", "MFLAGS",
                           "MAKEFILES", "MAKE", "GNUMAKEFLAGS", "MAKEOVERRIDES"})  # fmt: skip
#: The names of standard input a makefile may be read from.
_STDIN_NAME = re.compile(r"^(?:/dev/stdin|/dev/fd/0|/proc/(?:self|thread-self|\d+)/fd/0)$")
#: ``NAME=value`` (``:=``, ``::=``, ``:::=``, ``+=``, ``?=``, ``!=``) on make's command line.
_MAKE_ASSIGNMENT = re.compile(r"^[^\s=:!?+$()]+\s*(?::{1,3}|\+|\?|!)?=")


def _make_options(words: Sequence[Word], analysis: Analysis) -> Iterator[tuple[str, Word | None]]:
    """make's options as ``(letter, value)``, and each command-line variable as ``("=",
    value)`` when make will expand or run it; a word the model cannot read as make does is a
    problem (never allowed)."""
    i = 0
    while i < len(words):
        word = words[i]
        value = word.value
        following = words[i + 1] if i + 1 < len(words) else None
        i += 1
        if not word.static:
            analysis.problem("make is given a word known only at run time")
            continue
        if value == "--":
            break
        if value.startswith("--"):
            name, eq, inline = value.partition("=")
            found = {_MAKE_LONG[o] for o in _MAKE_LONG if o.startswith(name)}
            if name in _MAKE_LONG:
                found = {_MAKE_LONG[name]}
            if len(found) != 1:
                analysis.problem(f"make option {name[:40]!r} is not one make knows exactly")
                continue
            letter = found.pop()
            if letter in _MAKE_VALUED:
                if eq:
                    yield letter, Word(inline, word.raw)
                elif following is not None:
                    yield letter, following
                    i += 1
            continue
        if value.startswith("-") and len(value) > 1:
            for at in range(1, len(value)):
                letter = value[at]
                if letter in _MAKE_VALUED:
                    rest = value[at + 1 :]
                    if rest:
                        yield letter, Word(rest, word.raw)
                    elif following is not None:
                        yield letter, following
                        i += 1
                    break
                if letter in _MAKE_OPTIONAL:
                    break  # ``-j4``: the rest is its number
            continue
        match = _MAKE_ASSIGNMENT.match(value)
        if match is not None and match.group(0).rstrip(":+?!= ") in _MAKE_CONTROL:
            analysis.problem(f"make's {match.group(0)[:20]!r} changes how make runs")
            yield "=", Word(value[match.end() :], word.raw)
        elif match is not None and ("$" in value or match.group(0).endswith("!=")):
            analysis.problem("make expands a variable set on its command line")
            text = value[match.end() :]
            # ``X != CMD`` runs CMD in a shell: judged as a recipe line is
            yield "=", Word(("\t" + text) if match.group(0).endswith("!=") else text, word.raw)


#: Wrappers whose first operand is not the command (``chroot DIR cmd``, ``sg GROUP cmd``).
_WRAPPER_OPERANDS = {
    "chroot": 1, "sg": 1, "taskset": 1, "chrt": 1, "flock": 1, "setarch": 1, "faketime": 1,
    "repeat": 1,
}  # fmt: skip
#: Wrappers that run a *string* as a shell script (``su -c SCRIPT``, ``watch 'cmd'``).
_STRING_RUNNERS = {"su": "-c", "runuser": "-c", "script": "-c", "flock": "-c", "sg": "-c"}
#: Shells whose ``-c SCRIPT`` is parsed as a command line of its own.
SHELLS = frozenset({"bash", "sh", "zsh", "dash", "ksh", "mksh", "ash", "fish", "rbash", "yash"})
#: Builtins that change how *later* text is read or run (aliases, traps, sourced files,
#: shell options, hashed paths...): a command line using one is not modelled.
UNMODELLED_BUILTINS = frozenset({
    "trap", "alias", "unalias", "shopt", "enable", "hash", "let", "fc", "bind", "complete",
    "compgen", "mapfile", "readarray", "declare", "typeset", "local", "readonly", "export",
    "unset", "source", ".", "set", "history",
})  # fmt: skip
#: A duration as ``timeout`` reads it (``strtod``: ``5``, ``.5``, ``1e3``, ``0x10``, ``inf``).
_DURATION = re.compile(
    r"^(?:(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|0[xX][0-9a-fA-F]+(?:\.[0-9a-fA-F]*)?"
    r"|inf(?:inity)?)[smhd]?$",
    re.IGNORECASE,
)
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_DELIMITER = re.compile(r"^[A-Za-z0-9_.+-]+$")
_GLOB_CHARS = frozenset("*?[")

# Node kinds the walk understands. Anything else is a problem (never allowed).
_STRUCTURE = frozenset({
    "program", "list", "pipeline", "command", "redirected_statement", "subshell",
    "compound_statement", "negated_command", "comment", "if_statement", "elif_clause",
    "else_clause", "while_statement", "do_group", "variable_assignment", "command_name",
    "file_redirect", "heredoc_redirect", "herestring_redirect", "heredoc_start",
    "heredoc_body", "heredoc_content", "heredoc_end", "file_descriptor",
    "word", "string", "string_content", "raw_string", "concatenation", "number",
    "ansi_c_string", "simple_expansion", "expansion", "variable_name",
    "special_variable_name", "command_substitution", "process_substitution", "test_command",
    "unary_expression", "binary_expression", "test_operator", "parenthesized_expression",
    "brace_expression",
})  # fmt: skip
_TOKENS = frozenset({
    ";", "&&", "||", "|", "|&", "&", "\n", "(", ")", "{", "}", "!", "$(", "`", "<(", ">(",
    '"', "=", "+=", "if", "then", "fi", "elif", "else", "while", "until", "do", "done",
    "${", "$", ">", ">>", "<", "&>", "&>>", ">&", "<&", ">|", "<<", "<<-", "<<<", ">&-",
    "<&-", "[[", "]]", "[", "]", "==", "!=", "=~", "-eq", "-ne", "-lt", "-gt", "-le", "-ge", "-a",
    "-o", "..",
})  # fmt: skip
#: Inside ``[[ ]]``: literal operands only (``-eq`` evaluates its operands arithmetically, so
#: ``[[ $x -eq 0 ]]`` with ``x='a[$(cmd)]'`` runs ``cmd``).
_EXPANDING = frozenset({
    "simple_expansion", "expansion", "command_substitution", "process_substitution",
    "arithmetic_expansion",
})  # fmt: skip
_WRITE_OPS = frozenset({">", ">>", ">|", "&>", "&>>"})
_WORD_KINDS = frozenset({
    "word", "string", "raw_string", "concatenation", "number", "ansi_c_string",
    "simple_expansion", "expansion", "command_substitution", "process_substitution",
    "brace_expression",
})  # fmt: skip

# ----------------------------------------------------------------------------- data


class ShellParseError(ValueError):
    """The command line could not be modelled; kept for callers that want an exception."""


class Word:
    """One shell word as bash will see it after quote removal.

    ``static`` is False when the value depends on run time (an expansion, a substitution,
    brace expansion, ``~user``); ``value`` is then the source text, good for deny matching
    and display but never for allowing. ``glob`` marks unquoted ``*?[`` (bash expands it
    against the file system); ``tilde`` an unquoted leading ``~`` (the home directory).
    """

    __slots__ = ("glob", "raw", "static", "tilde", "value")

    def __init__(
        self, value: str, raw: str, static: bool = True, glob: bool = False, tilde: bool = False
    ) -> None:
        self.value = value
        self.raw = raw
        self.static = static
        self.glob = glob
        self.tilde = tilde

    def __repr__(self) -> str:
        flags = "".join(f for f, on in (("~", self.tilde), ("*", self.glob)) if on)
        return f"Word({self.value!r}{'' if self.static else ', dynamic'}{flags and ', ' + flags})"


class Access:
    """A file the command line reads or writes: a redirection target or the file argument
    of a known reader or writer. ``mode`` is ``read``, ``write`` or ``egress`` (a
    ``/dev/tcp`` or ``/dev/udp`` path, or a ``host:path`` copy target); ``list`` (the names
    in a directory, as the LS tool: ``ls DIR``); or what git shows of its work tree:
    ``names`` (the directories an unquoted glob lists as bash expands it), ``repo`` (a
    path inside the work tree holding ``start``, ``.`` for all of it, read as
    a git pathspec: wildcards may match at any depth) and ``gitspec`` (a wildcard pathspec
    relative to ``start``). A whole-tree ``repo`` read names ``unless``: operands that
    narrow it when one of them is an existing path (``git diff src`` against ``git diff
    main``). ``word`` is None when the path is not known at all (``find -delete``,
    ``tar -x``, ``xargs rm``)."""

    __slots__ = ("mode", "start", "unless", "via", "word")

    def __init__(
        self,
        mode: str,
        word: Word | None,
        via: str,
        start: Word | None = None,
        unless: tuple[Word, ...] = (),
    ) -> None:
        self.mode = mode
        self.word = word
        self.via = via
        #: the directory a ``repo``/``gitspec`` access starts from (``git -C DIR``); None:
        #: where the command runs
        self.start = start
        self.unless = unless

    def __repr__(self) -> str:
        return f"Access({self.mode}, {self.word!r}, via={self.via!r})"


class Command:
    """One simple command as bash runs it."""

    __slots__ = ("assignments", "exact", "launched", "launcher", "redirects", "via", "words")

    def __init__(
        self,
        words: list[Word],
        assignments: list[tuple[str, Word]],
        via: tuple[str, ...] = (),
        exact: bool = True,
    ) -> None:
        #: True when a launcher (``uv run``, ``npx``…) or a command under one starts it: its
        #: program is found where the launcher looks (the project's environment, its
        #: ``node_modules/.bin``, its tasks, a package registry), so its name says nothing
        #: of what runs and its own allow rule does not apply (see :attr:`launcher`)
        self.launched = False
        #: the launcher command that starts this one and the index of this one's program
        #: word in it: an allow rule of the launcher that names the program covers it
        #: (``Bash(uv run pytest:*)``), one that does not (``Bash(uv run:*)``) does not
        self.launcher: tuple[Command, int] | None = None
        self.words = words
        #: ``(operator, target)`` of its redirections, for display and the detectors (the
        #: files they reach are :attr:`Analysis.accesses`)
        self.redirects: list[tuple[str, str]] = []
        #: ``NAME=value`` prefixes (``NAME+=`` included), name and value
        self.assignments = assignments
        #: the wrappers it was found under (``sudo``, ``bash -c``, ``$(...)``…)
        self.via = via
        #: False when bash adds arguments we cannot see (``xargs CMD``, ``find -exec``)
        self.exact = exact

    @property
    def guessed(self) -> bool:
        """Read from the line's known values (``x=rm; $x``: ``rm``), not as written: for
        the deny and ask rules and the guard only, never a command the line is shown to run."""
        return any(v.endswith("known values") or v.endswith("(known values)") for v in self.via)

    @property
    def text(self) -> str:
        """The words joined by one space, as written (what allow rules match)."""
        return " ".join(w.value for w in self.words)

    @property
    def name(self) -> str:
        return self.words[0].value if self.words else ""

    @property
    def basename(self) -> str:
        """The program's name without its directory (``/bin/rm`` → ``rm``)."""
        return program_name(self.name)

    @property
    def deny_texts(self) -> tuple[str, ...]:
        """Every spelling a deny or ask rule must see: as written, and with the program's
        path dropped (``/bin/rm -rf ~`` is ``rm -rf ~`` to ``Bash(rm:*)``)."""
        text = self.text
        base = self.basename
        if not self.words or base == self.name:
            return (text,)
        return (text, " ".join([base, *(w.value for w in self.words[1:])]))

    @property
    def unsafe_env(self) -> list[str]:
        """Names of prefixes that may change what runs (``LD_PRELOAD``, ``GIT_*``, ``PATH``…)."""
        return [n for n, v in self.assignments if not (is_safe_env(n) and v.static)]

    @property
    def allowable(self) -> bool:
        """Whether an allow rule may match: every word known, no risky prefix, all args seen,
        and not started by a launcher (whose rule must name it: :attr:`launcher`)."""
        return self.known and not self.launched

    @property
    def known(self) -> bool:
        """Every word known, no risky prefix, all args seen (launched or not)."""
        return (
            self.exact
            and bool(self.words)
            and all(w.static for w in self.words)
            and not self.words[0].glob
            # ``'ls /../usr/bin/perl'`` is one word: a path to perl, not ``ls`` and an argument
            and not any(c in self.words[0].value for c in " \t\n")
            and not self.unsafe_env
        )

    @property
    def full_text(self) -> str:
        """Prefixes and words, as a session grant must cover them exactly."""
        prefix = [f"{n}={v.value}" for n, v in self.assignments]
        return " ".join([*prefix, *(w.value for w in self.words)])

    def __repr__(self) -> str:
        return f"Command({self.full_text!r}{'' if self.allowable else ', not allowable'})"


class Analysis:
    """Everything one command line runs and touches, and what could not be modelled."""

    __slots__ = (
        "accesses", "cd_targets", "commands", "data", "evaluates", "guesses", "known",
        "problems", "strings", "values",
    )  # fmt: skip

    def __init__(self) -> None:
        self.commands: list[Command] = []
        #: shell code read out of strings (trap actions, aliases, subscripts…), by what
        #: runs it: each is parsed once, and at most :data:`MAX_STRING_SCRIPTS` of them
        self.strings: set[tuple[str, str]] = set()
        #: here-document bodies and here-strings: text fed to a command, never run by bash
        self.data: list[str] = []
        self.accesses: list[Access] = []
        #: reasons the line is not modelled exactly; non-empty → never allowed by a rule
        self.problems: list[str] = []
        #: every ``cd``/``pushd`` target (None: unknown; a word not static is unknown to
        #: all but the deny rules), in order: relative paths may be relative to any of them
        self.cd_targets: list[Word | None] = []
        #: every value assigned in the line (at most :data:`MAX_STRING_SCRIPTS`), and
        #: whether a zsh ``${(e)…}`` may evaluate them (:meth:`_Walk.zsh`)
        self.values: list[str] = []
        self.evaluates = False
        #: the literal values each variable is given anywhere in the line (assignments,
        #: ``for`` lists): what a word built of them may be, for the deny rules only
        #: (:mod:`overseer.policy.known_values`)
        self.known: dict[str, list[str]] = {}
        #: commands and scripts read from known values so far (at most
        #: :data:`MAX_GUESSED_COMMANDS` a line: a line of many stays linear)
        self.guesses = 0

    @property
    def exact(self) -> bool:
        return not self.problems

    def problem(self, reason: str) -> None:
        if reason not in self.problems:
            self.problems.append(reason)

    def __repr__(self) -> str:
        return (
            f"Analysis({self.commands!r}, accesses={self.accesses!r}, problems={self.problems!r})"
        )


def is_safe_env(name: str) -> bool:
    return name in SAFE_ENV or name.startswith(_SAFE_ENV_PREFIXES)


def program_name(word: str) -> str:
    return word.rsplit("/", 1)[-1]


# ----------------------------------------------------------------------------- grammar

_PARSER: Any = None


def _parser() -> Any:
    """tree-sitter's parser for bash, loaded once; straight from the grammar's extension
    module so the package ``__init__`` (and its ``importlib.resources``) is never run."""
    global _PARSER
    if _PARSER is None:
        import importlib.machinery
        import importlib.util
        import os
        import sys

        import tree_sitter

        binding = sys.modules.get("tree_sitter_bash._binding")
        if binding is None:
            spec = importlib.util.find_spec("tree_sitter_bash")
            if spec is None or not spec.submodule_search_locations:
                raise ImportError("tree-sitter-bash is not installed")
            folder = next(iter(spec.submodule_search_locations))
            found = [n for n in os.listdir(folder) if n.startswith("_binding.")]
            if not found:
                raise ImportError("tree-sitter-bash has no compiled grammar")
            path = os.path.join(folder, found[0])
            loader = importlib.machinery.ExtensionFileLoader("tree_sitter_bash._binding", path)
            module_spec = importlib.util.spec_from_file_location(
                "tree_sitter_bash._binding", path, loader=loader
            )
            assert module_spec is not None
            binding = importlib.util.module_from_spec(module_spec)
            loader.exec_module(binding)
        _PARSER = tree_sitter.Parser(tree_sitter.Language(binding.language()))
    return _PARSER


# ----------------------------------------------------------------------------- entry


def analyse(command: str) -> Analysis:
    """Everything ``command`` runs, as bash would read it, and what could not be modelled."""
    analysis = Analysis()
    _analyse_into(analysis, command, (), 0)
    _patch_writes(analysis)
    return analysis


# Codex trims each line before it reads a header (``line.trim()``, Unicode whitespace), so
# an indented ``*** Add File:`` is a header to it: match as leniently, never less.
_PATCH_PATH = re.compile(
    r"^\s*\*\*\*\s*(?:(?:Add|Update|Delete)\s+File|Move\s+to)\s*:\s*(.*?)\s*$",
    re.MULTILINE,
)

#: Codex applies a patch given to these names itself, whether the model called its
#: ``apply_patch`` tool or wrote ``apply_patch <<'EOF'`` in a shell command (it intercepts
#: that form, and puts an ``apply_patch`` on the shell's PATH for every other one).
PATCH_PROGRAMS = frozenset({"apply_patch", "applypatch"})


def patch_paths(patch: str) -> list[str]:
    """The files an ``apply_patch`` patch touches (added, updated, deleted or moved to),
    read as leniently as Codex reads them; a header with no path yields ``""`` (which no
    allow rule matches)."""
    return [m.group(1) for m in _PATCH_PATH.finditer(patch)]


def _patch_writes(analysis: Analysis) -> None:
    """The files a patch program writes are named inside its patch, not on its command
    line. ``apply_patch PATCH`` and ``apply_patch <<'EOF'`` are read as Codex reads them:
    the argument, or the here-document's body taken as written (Codex does not expand it).
    Every patch text the line feeds to a command is read, so a second here-document can
    only add paths. Anything else (a patch from a pipe or a file, an argument known only
    at run time, a body bash would expand, GNU ``patch``) writes files nobody can name
    here: an unknown write, which no rule allows and a deny rule on paths gates."""
    programs = [c for c in analysis.commands if c.words and c.basename in PATCH_PROGRAMS]
    for cmd in analysis.commands:
        if cmd.words and cmd.basename == "patch":
            analysis.accesses.append(Access("write", None, "patch"))
    if not programs:
        return
    fed = [text for text in analysis.data if "***" in text]
    for cmd in programs:
        args = cmd.words[1:]
        texts: list[str] = []
        known = True
        if len(args) == 1 and args[0].static:
            texts.append(args[0].value)
        elif args:
            known = False
        if any(op in ("<<", "<<-", "<<<") for op, _target in cmd.redirects):
            texts.extend(fed)
        elif not args:
            known = False  # stdin: a pipe, a file, the terminal
        if any(ch in text for text in texts for ch in "$`\\"):
            known = False  # a body bash would expand where Codex does not intercept it
        for text in texts:
            for path in patch_paths(text):
                analysis.accesses.append(Access("write", Word(path, path), cmd.basename))
        if not known or not texts:
            analysis.accesses.append(Access("write", None, cmd.basename))


def simple_commands(command: str, strict: bool = True) -> list[str]:
    """The text of every simple command in ``command``, its redirections at the end (``op
    target``; a here-document or here-string is its operator alone), for the detectors.
    ``strict``: raise :class:`ShellParseError` when
    the line is not modelled exactly (otherwise return what was found)."""
    analysis = analyse(command)
    if analysis.problems and strict:
        raise ShellParseError(analysis.problems[0])
    out = [
        " ".join([c.text, *(f"{op} {target}" for op, target in c.redirects)])
        for c in analysis.commands
        if c.words
    ]
    return out


#: Lines up to this long parse in a few milliseconds whatever their shape.
_SHORT = 4096
_NESTERS = re.compile(r"[()\[\]]")


def _too_slow_to_parse(command: str) -> str | None:
    """Why tree-sitter-bash would take more than linear time over ``command``, or None.

    Its time grows with the square of a pipeline's length (``ls|`` 20,000 times then
    ``rm -rf /``: 69 s of one core), of the nesting of parentheses and brackets
    (``$((1+`` 6,000 deep: 15 s; ``$[1+`` 5,000 deep, subscripts ``a[a[…]]``: seconds) and
    of the number of words followed by ``(…)`` (``x(a)``, zsh's ``*(e:…:)``: 4.6 s at
    80,000 characters): one such line would stall every session behind it. All are
    bounded by what a linear scan sees, quotes and all (``bench/shell.py`` times them)."""
    if command.count("|") > MAX_PIPES:
        return f"more than {MAX_PIPES} '|' characters: not judged in bounded time"
    if command.count("(") > MAX_PARENS:
        return f"more than {MAX_PARENS} '(' characters: not judged in bounded time"
    parens = brackets = deepest = 0
    for match in _NESTERS.finditer(command):
        char = match.group()
        if char == "(":
            parens += 1
        elif char == ")":
            parens = max(0, parens - 1)
        elif char == "[":
            brackets += 1
        else:
            brackets = max(0, brackets - 1)
        deepest = max(deepest, parens, brackets)
    if deepest > MAX_NESTING:
        return (
            f"parentheses or brackets nested more than {MAX_NESTING} deep: not judged in "
            "bounded time"
        )
    return None


#: Where a refused line is cut into pieces: its operator characters, but not a ``|`` or
#: ``&`` that belongs to a redirection (``>|``, ``>&``, ``<&``: the target stays with it);
#: and, in a second reading, its quotes too (``sh -c 'cat .env|head'``, ``eval "rm x;"``).
_OPERATOR_RUN = re.compile(r"(?:[;\n()`]|(?<![<>])[|&])+")
_OPERATOR_OR_QUOTE_RUN = re.compile(r"(?:[;\n()`'\"]|(?<![<>])[|&])+")
#: Pieces of a refused line read for the deny rules that need the grammar (the rest are
#: plain words), at most: a bounded cost whatever the line.
_MAX_GRAMMAR_PIECES = 256


_CRUDE_SPLIT = re.compile(r"[\s'\"]+")


def _crude_piece(analysis: Analysis, piece: str, via: tuple[str, ...]) -> None:
    """A piece past the grammar's budget, split at blanks and quotes (no grammar): its
    first 64 words as one inexact command and the files they name, for the deny rules."""
    words = [w for w in _CRUDE_SPLIT.split(piece, maxsplit=64)[:64] if w]
    if not words:
        return
    cmd = Command(
        [Word(w, w, glob=any(c in w for c in "*?["), tilde=w.startswith("~")) for w in words],
        [],
        via,
        exact=False,
    )
    analysis.commands.append(cmd)
    analysis.accesses.extend(file_accesses(cmd))


def _pieces_for_deny_rules(
    analysis: Analysis, command: str, via: tuple[str, ...], depth: int
) -> None:
    """A line refused for its shape is asked; so that a deny rule it dodges still denies
    (``ls|`` 3,000 times then ``rm -rf ~``), the text between its operator characters is
    read piece by piece, once with its quotes and once cut at them too (a piece may be no
    command at all), and what the pieces run and touch is shown to the deny rules, never
    to an allow rule (the line's problem already stands). A piece longer than a short
    line is read for its first words; past the budget of pieces that need the grammar,
    the plain ones are still read."""
    grammar = 0
    for splitter in (_OPERATOR_RUN, _OPERATOR_OR_QUOTE_RUN):
        for piece in splitter.split(command):
            piece = piece.strip()
            if len(piece) > _SHORT:
                cut = piece.rfind(" ", 0, _SHORT)
                piece = piece[: cut if cut > 0 else _SHORT]
            if not piece:
                continue
            if _plain_words(piece) is None:
                grammar += 1
                if grammar == _MAX_GRAMMAR_PIECES + 1:
                    analysis.problem("too many pieces in a refused line to read them all")
                if grammar > _MAX_GRAMMAR_PIECES:
                    _crude_piece(analysis, piece, via)
                    continue
            part = Analysis()
            _analyse_into(part, piece, via, depth)
            for cmd in part.commands:
                cmd.exact = False
            analysis.commands.extend(part.commands)
            analysis.accesses.extend(part.accesses)
            analysis.cd_targets.extend(part.cd_targets)


def _analyse_into(analysis: Analysis, command: str, via: tuple[str, ...], depth: int) -> None:
    if depth > MAX_DEPTH:
        analysis.problem("scripts nested too deeply")
        return
    if len(command) > MAX_COMMAND_CHARS:
        analysis.problem(f"command longer than {MAX_COMMAND_CHARS} characters is not judged")
        return
    if "\x00" in command:
        analysis.problem("NUL byte in the command")
        return
    if len(command) > _SHORT and (why := _too_slow_to_parse(command)) is not None:
        analysis.problem(why)
        _pieces_for_deny_rules(analysis, command, via, depth)
        return
    src = command.encode("utf-8", "surrogatepass")
    walk = _Walk(analysis, src, via, depth)
    words = _plain_words(command)
    if words is not None:
        walk.add(Command([Word(w, w) for w in words], [], via), via, depth)
        return
    walk.run(_parser().parse(src).root_node)
    for job in walk.after:
        job()


#: Characters bash gives no meaning in a word: no quote, escape, expansion, glob, brace,
#: tilde, comment, assignment, redirection or operator among them.
_PLAIN = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:@%+,-")


def _plain_words(command: str) -> list[str] | None:
    """The words of a command line made only of plain characters and single spaces
    (``git status``, ``pytest -q tests/x.py``), or None. For such a line bash's grammar is
    blank-splitting, exactly: the gate answers it without loading the grammar (a few ms of
    the hook's budget). Anything else (a quote, ``=``, ``~``, ``*``, an operator, a tab, a
    keyword in front) goes through tree-sitter."""
    if not command or len(command) > 4096 or not _PLAIN.issuperset(command.replace(" ", "")):
        return None
    words = command.split(" ")
    if "" in words or words[0] in RESERVED:
        return None
    return words


class _Walk:
    """One pass over one parsed command line."""

    __slots__ = (
        "after", "analysis", "depth", "functions", "names_cdpath", "parents", "src", "via",
    )  # fmt: skip

    def __init__(self, analysis: Analysis, src: bytes, via: tuple[str, ...], depth: int) -> None:
        self.parents: dict[int, Any] = {}
        self.analysis = analysis
        self.src = src
        self.via = via
        self.depth = depth
        #: what must wait for the whole line (a makefile from a here-string that follows)
        self.after: list[Callable[[], None]] = []
        #: the line names CDPATH (zsh: cdpath) anywhere: a relative cd may go elsewhere
        self.names_cdpath = b"CDPATH" in src or b"cdpath" in src
        #: the names of the functions the line defines (their calls set ``$1``…)
        self.functions: set[str] = set()

    def text(self, node: Any) -> str:
        return self.src[node.start_byte : node.end_byte].decode("utf-8", "surrogateescape")

    def parent_of(self, node: Any) -> Any:
        """The node's parent, from the map the walk keeps (tree-sitter's own ``parent``
        searches down from the root: quadratic over a 20,000-stage pipeline)."""
        return self.parents.get(node.id)

    def run(self, root: Any) -> None:
        literal_spans: list[tuple[int, int]] = []
        #: what zsh neither globs nor expands: comments, and here-document bodies that are
        #: quoted or hold no ``${`` (``cat <<'EOF'`` of Python's ``print(len(x))`` is data)
        not_zsh: list[tuple[int, int]] = []
        parents = self.parents
        for node in _nodes(root, parents):
            kind = node.type
            if node.is_error or node.is_missing or kind == "ERROR":
                self.analysis.problem("the bash grammar reports a syntax error")
                continue
            if not node.is_named:
                if kind not in _TOKENS:
                    self.analysis.problem(f"{kind!r} is not modelled")
                continue
            if kind in _HOLDS_CODE:
                self.held_code(node)
            if kind == "for_statement":  # not modelled, but its list is known values
                self.for_list(node)
            elif kind == "function_definition":  # its calls' words are its $1, $2…
                named = node.child_by_field_name("name")
                if named is not None and len(self.functions) < MAX_STRING_SCRIPTS:
                    self.functions.add(self.text(named))
            if kind not in _STRUCTURE:
                self.analysis.problem(f"{kind.replace('_', ' ')} is not modelled")
                continue
            if kind in ("raw_string", "comment", "ansi_c_string", "string"):
                literal_spans.append((node.start_byte, node.end_byte))
            if kind == "command":
                self.command(node)
            elif kind == "command_name" and getattr(self.parent_of(node), "type", "") == "ERROR":
                # ``{rm,-rf,~}``: a name with no command around it, inside a syntax error;
                # bash runs what its brace expansion makes
                words = self.expanded(_groups([node])[0], self.lost_brace(node))
                self.add(Command(words, [], self.via), self.via, self.depth)
            elif kind == "variable_assignment" and self.parent_of(node) is not None:
                if self.parent_of(node).type != "command":  # bare: later commands see it
                    name, value = self.assignment(node)
                    if not (name and is_safe_env(name) and value.static):
                        self.analysis.problem(
                            f"assignment to {name or 'a variable'} changes later commands"
                        )
            elif kind == "compound_statement" and not self.src.startswith(b"{", node.start_byte):
                self.analysis.problem("arithmetic command (( )) is not modelled")
                self.arithmetic(self.text(node))
            elif kind == "expansion":
                self.expansion(node)
                self.arithmetic(self.text(node))
            elif kind == "test_command":
                self.subscripts(
                    [
                        text
                        for n in _nodes(node)
                        if n.type in _WORD_KINDS
                        for text in (self.text(n), self.word(n).value)
                    ],
                    self.via,
                    self.depth,
                )
                inner = list(_nodes(node))
                if any(n.type in _EXPANDING for n in inner) or any(
                    b"[" in self.src[n.start_byte : n.end_byte]
                    for n in inner
                    # ``$'a[\x24(cmd)]'`` too: an ANSI-C string's subscript runs as well
                    if n.type in ("word", "raw_string", "string", "string_content", "ansi_c_string")
                ):
                    self.analysis.problem("[[ ]] with expansions or subscripts is not modelled")
            elif kind in ("file_redirect", "herestring_redirect"):
                self.redirect(node)
            elif kind == "heredoc_redirect":
                body = self.heredoc(node)
                if body is not None:
                    literal_spans.append(body)
                    not_zsh.append(body)
                else:
                    not_zsh += [
                        (c.start_byte, c.end_byte)
                        for c in node.children
                        if c.type == "heredoc_body"
                        and b"${" not in self.src[c.start_byte : c.end_byte]
                    ]
            if kind == "comment":
                not_zsh.append((node.start_byte, node.end_byte))
        self.continuations(literal_spans)
        self.coverage(root)
        if "a word the grammar carries over a line break" in self.analysis.problems:
            self.line_start_escapes()
        if b"(" not in self.src and b"${" not in self.src:
            return
        zsh_src = _blanked(self.src, not_zsh)
        if b"(" in zsh_src and _QUALIFIER_HINT.search(zsh_src):
            found = _glob_qualifiers(zsh_src.decode("utf-8", "surrogateescape"))
            if found:
                self.analysis.problem("a zsh glob qualifier that runs code")
                self.code(found, "zsh glob qualifier", self.via, self.depth)
        if "zsh reading" not in self.via and _ZSH_HINT.search(  # the line it is read from
            text := zsh_src.decode("utf-8", "surrogateescape")  # had its own
        ):
            reading = _zsh_reading(text)
            if reading is not None:
                self.zsh(text, *reading)

    def zsh(self, text: str, reading: str, codes: list[str], evaluates: bool) -> None:
        """What zsh makes of a line bash cannot read (:func:`_zsh_reading`): the line is not
        modelled, and for the deny rules the line as zsh reads it (its glob groups as brace
        expansions, ``${:-WORD}`` as WORD) is read too, never as exact; the code an ``(e)``
        flag evaluates is judged, and with it every value assigned in the line (and after
        it) and every here-string or here-document it feeds (``read`` may assign it):
        ``x='$(CODE)'; echo ${(e)x}`` runs CODE."""
        analysis = self.analysis
        analysis.problem("zsh reads glob groups, ${:-word} or ${(e)…} here")
        if codes:
            self.code(codes, "zsh (e) flag", self.via, self.depth)
        if evaluates and not analysis.evaluates:
            analysis.evaluates = True
            held = [*analysis.values, *analysis.data]  # ``read x <<< '$(CODE)'`` too
            values = [s for value in held for s in _substitutions(value)]
            self.code(values, "zsh (e) flag", self.via, self.depth)
        if reading == text or self.depth >= MAX_DEPTH:
            return
        part = Analysis()
        part.values, part.evaluates = analysis.values, analysis.evaluates
        part.known = analysis.known
        part.guesses = analysis.guesses
        _analyse_into(part, reading, (*self.via, "zsh reading"), self.depth + 1)
        for cmd in part.commands:
            cmd.exact = False
        analysis.commands.extend(part.commands)
        analysis.accesses.extend(part.accesses)
        analysis.cd_targets.extend(part.cd_targets)

    def line_start_escapes(self) -> None:
        r"""``ls<newline>\rm -rf ~``: tree-sitter-bash carries the word over the line
        break (one command ``ls rm``), bash runs ``rm`` (the backslash only quotes ``r``).
        The line is not modelled already; for the deny rules it is read again with each
        ``\X`` that starts a line written ``'X'``, never as exact."""
        if "line start escapes" in self.via or self.depth >= MAX_DEPTH:
            return
        text = self.src.decode("utf-8", "surrogateescape")
        reading = _LINE_START_ESCAPE.sub(
            lambda m: "\n" + ('"\'"' if m[1] == "'" else f"'{m[1]}'"), text
        )
        if reading == text:
            return
        part = Analysis()
        part.values, part.evaluates = self.analysis.values, self.analysis.evaluates
        part.known = self.analysis.known
        _analyse_into(part, reading, (*self.via, "line start escapes"), self.depth + 1)
        for cmd in part.commands:
            cmd.exact = False
        self.analysis.commands.extend(part.commands)
        self.analysis.accesses.extend(part.accesses)
        self.analysis.cd_targets.extend(part.cd_targets)

    # -- pieces -----------------------------------------------------------------------

    def continuations(self, literal: list[tuple[int, int]]) -> None:
        r"""``r\<newline>m`` is ``rm`` to bash; the grammar reads two words. A line
        continuation between two non-blank characters, outside quotes and literal
        here-document bodies, is not modelled."""
        src = self.src
        start = 0
        while True:
            at = src.find(b"\\\n", start)
            if at < 0:
                return
            start = at + 2
            slashes = 0
            while at - slashes >= 0 and src[at - slashes] == 0x5C:
                slashes += 1
            if slashes % 2 == 0:
                continue  # an escaped backslash, then a newline
            if any(a <= at < b for a, b in literal):
                continue
            before = src[at - 1 : at] if at > 0 else b" "
            end = at + 2
            while src.startswith(b"\\\n", end):
                end += 2
            after = src[end : end + 1] or b" "
            if before not in (b" ", b"\t", b"\n") and after not in (b" ", b"\t", b"\n"):
                self.analysis.problem("a line continuation joins two words")
                return

    def coverage(self, root: Any) -> None:
        """Every character bash reads must belong to a token the grammar produced. The
        grammar is known to drop text (``echo \\ x`` loses the escaped space) and to merge
        lines; text that no token accounts for means the tree is not what bash sees."""
        src = self.src
        pos = 0
        for node in _nodes(root):
            if node.children and node.type not in ("heredoc_body", "string_content"):
                continue
            if node.start_byte > pos and not _blank(src[pos : node.start_byte]):
                self.analysis.problem("text the bash grammar does not account for")
                return
            pos = max(pos, node.end_byte)
        if pos < len(src) and not _blank(src[pos:]):
            self.analysis.problem("text the bash grammar does not account for")

    def held_code(self, node: Any) -> None:
        """Nodes the walk does not model that hold text bash evaluates: ``$(( ))``/``$[ ]``,
        a C-style ``for``'s three expressions, ``declare``/``export``/``local`` operands
        (a ``PS4=`` among them, a subscript, a value ``declare -i`` evaluates)."""
        if node.type in ("arithmetic_expansion", "c_style_for_statement"):
            body = node.child_by_field_name("body") if node.type != "arithmetic_expansion" else None
            end = body.start_byte if body is not None else node.end_byte
            self.arithmetic(self.src[node.start_byte : end].decode("utf-8", "surrogateescape"))
            return
        for child in node.named_children:  # declaration_command, unset_command
            if child.type not in _WORD_KINDS:
                continue  # assignments are read by :meth:`assignment`
            word = self.word(child)
            self.subscripts([word.value], self.via, self.depth)  # unset 'a[$(cmd)]' runs it
            if node.type == "unset_command":
                continue
            if "=" in word.value:
                key, _, value = word.value.partition("=")
                self.assigned(key, Word(value, word.raw, word.static), self.via, self.depth)

    def expansion(self, node: Any) -> None:
        """``${x}`` is modelled (its value is unknown); operators (``${x:-$(cmd)}``,
        ``${x@P}``, ``${!x}``, ``${#x}``…) are not."""
        kinds = [c.type for c in node.children]
        if any(c.is_missing for c in node.children):
            # ``${x:'$(cmd)'}``: the grammar ends the expansion early; its offset (evaluated
            # arithmetically, quotes and all) is in the text after it on the line
            end = self.src.find(b"\n", node.start_byte)
            self.arithmetic(
                self.src[node.start_byte : end if end >= 0 else len(self.src)].decode(
                    "utf-8", "surrogateescape"
                )
            )
        if kinds not in (["${", "variable_name", "}"], ["${", "special_variable_name", "}"]):
            self.analysis.problem("parameter expansion operators are not modelled")
        if any(kinds[i : i + 2] == ["@", "P"] for i in range(len(kinds))):
            self.prompt_expanded()

    def prompt_expanded(self) -> None:
        """``x='$(CODE)'; echo ${x@P}``: bash expands the value as a prompt string, its
        command substitutions run (as a ``PS4`` value's do under ``set -x``). The value is
        one the line holds, or gets later: every value assigned in the line (and after it)
        and every here-string or here-document it feeds (``read`` may assign it) is judged
        as the code it may run, as for zsh's ``(e)`` flag."""
        analysis = self.analysis
        if analysis.evaluates:
            return
        analysis.evaluates = True
        held = [*analysis.values, *analysis.data]
        values = [s for value in held for s in _substitutions(value)]
        self.code(values, "prompt expansion (@P)", self.via, self.depth)

    def assignment(self, node: Any) -> tuple[str, Word]:
        name = ""
        value = Word("", "")
        seen_op = appends = False
        for child in node.children:
            if child.type == "variable_name" and not seen_op:
                name = self.text(child)
            elif child.type in ("=", "+="):
                seen_op = True
                appends = child.type == "+="  # ``a+=x``: still an assignment of ``a``
            elif child.type == "subscript":
                self.analysis.problem("array subscripts are not modelled")
                name = name or self.text(child)
            elif seen_op:
                if any(n.type == "process_substitution" for n in _nodes(child)):
                    self.analysis.problem("process substitution in an assignment")
                value = self.word(child)
                if child.type == "array" and name:
                    # ``PROMPT_COMMAND=('CODE')``, zsh's ``functions+=(NAME 'CODE')``: each
                    # element is a value later commands may read (or run)
                    for element in child.named_children:
                        if element.type != "comment":
                            self.assigned(name, self.word(element), self.via, self.depth)
                            keyed = _KEYED_ELEMENT.match(self.text(element))
                            if keyed is not None:  # ``a=([0]=.env)``
                                self.known_value(name, keyed.group(1))
        if not name:
            self.analysis.problem("an assignment this analyser cannot read")
        self.subscripts([self.text(node)], self.via, self.depth)
        if appends and value.static:  # ``x=.e; x+=nv``: .env (and nv, if x was unset)
            self.appended(name, value.value)
        self.assigned(name, value, self.via, self.depth)
        return name, value

    def command(self, node: Any) -> None:
        assignments: list[tuple[str, Word]] = []
        parts: list[Any] = []  # word nodes, in source order
        redirects = [c for c in node.children if c.type.endswith("redirect")]
        owner = _redirected_statement_of(node, self.parent_of)
        tail = [c for c in owner.children[1:] if c.type.endswith("redirect")] if owner else []
        redirects += tail
        self.check_separation([*node.children, *tail[:1]])
        for child in node.children:
            kind = child.type
            if not child.is_named:
                # ``'_'\$``: the grammar leaves an escaped character as a bare token
                self.analysis.problem(f"a bare {kind!r} token in a command")
                continue
            if kind == "variable_assignment":
                assignments.append(self.assignment(child))
            elif kind == "command_name":
                parts.extend(child.named_children[:1])
            elif child.is_named and kind != "comment" and not kind.endswith("redirect"):
                parts.append(child)
        for redirect in redirects:
            # ``cat > out .env`` and ``>out cmd x``: the grammar files the words after a
            # redirection's target under the redirection; bash gives them to the command
            # (the first may be its name). ``cat <<EOF f1`` likewise.
            if redirect.type == "file_redirect":
                operands = [w for w in redirect.named_children if w.type != "file_descriptor"]
                parts.extend(w for group in _groups(operands)[1:] for w in group)
            elif redirect.type == "heredoc_redirect":
                parts.extend(w for w in redirect.named_children if w.type in _WORD_KINDS)
            else:
                operands = [w for w in redirect.named_children if w.type in _WORD_KINDS]
                parts.extend(w for group in _groups(operands)[1:] for w in group)
        parts.sort(key=lambda n: n.start_byte)
        words: list[Word] = []
        lead = self.lost_brace(node)
        for group in _groups(parts):
            words.extend(self.expanded(group, lead if group[0] is parts[0] else ""))
        cmd = Command(words, assignments, self.via)
        for redirect in redirects:
            op = next((c.type for c in redirect.children if not c.is_named), "")
            if redirect.type != "file_redirect":
                cmd.redirects.append((op, ""))  # here-document or here-string: data
                if redirect.type == "herestring_redirect" and redirect.named_children:
                    self.read_values(cmd, self.word(redirect.named_children[-1]))
                continue
            operands = [w for w in redirect.named_children if w.type != "file_descriptor"]
            groups = _groups(operands)
            if groups:
                cmd.redirects.append((op, self.joined(groups[0]).value))
        self.add(cmd, self.via, self.depth)

    def lost_brace(self, node: Any) -> str:
        """``{r,}m -rf ~``: the grammar takes the leading ``{`` for a group's (and reports an
        error); to bash it is the first letter of the command's first word. ``"{"`` when
        the command starts right after a ``{`` that starts a word."""
        at = node.start_byte
        if at == 0 or self.src[at - 1 : at] != b"{":
            return ""
        # a ``{`` touching the word is a letter of it to bash (the group's ``{`` is a word
        # of its own), unless it ends a word before it (``a{`` is not this)
        if at >= 2 and self.src[at - 2 : at - 1] not in (
            b" ",
            b"\t",
            b"\n",
            b";",
            b"&",
            b"|",
            b"(",
            b")",
        ):
            return ""
        return "{"

    def expanded(self, group: list[Any], lead: str = "") -> list[Word]:
        """The words bash makes of one word of a command by brace expansion (``{r,}m`` is
        ``rm m``; :mod:`overseer.policy.braces`); the word itself when it has no group,
        and one word not known until run time when the expansion is too large. ``lead``:
        text the grammar cut from the word's front (:meth:`lost_brace`)."""
        tokens = self.tokens(group)
        if tokens is not None and lead:
            tokens = [*lead, *tokens]
            if "}" not in tokens:
                word = self.from_tokens(tokens)  # ``{ls`` is one word to bash
                return [word] if word is not None else []
        if tokens is None or "{" not in tokens or "}" not in tokens:
            return [self.joined(group)]
        from overseer.policy import braces  # only a word with braces pays for it

        alternatives = braces.expand(tokens)
        if alternatives is None:
            raw = self.src[group[0].start_byte : group[-1].end_byte].decode(
                "utf-8", "surrogateescape"
            )
            self.analysis.problem("a brace expansion too large to judge")
            return [Word(raw, raw, static=False)]
        if alternatives == [tokens]:  # no group bash expands (``{a}``, ``{a..1}``)
            word = self.from_tokens(tokens)
            return [word] if word is not None else []
        out: list[Word] = []
        for alternative in alternatives:
            word = self.from_tokens(alternative)
            if word is not None:
                out.append(word)
        return out

    def tokens(self, group: list[Any]) -> list[Any] | None:
        """A word's parts as :mod:`overseer.policy.braces` reads them: each unquoted
        character (a backslash escape as one) a string, each quoted or expanded part its
        node. None when the grammar's parts do not account for the whole word."""
        out: list[Any] = []
        pending = list(reversed(group))
        while pending:
            node = pending.pop()
            if node.type == "concatenation":
                named = node.named_children
                if len(named) != len(node.children) or sum(
                    c.end_byte - c.start_byte for c in named
                ) != (node.end_byte - node.start_byte):
                    return None
                pending.extend(reversed(named))
            elif node.type in ("word", "number", "brace_expression"):
                raw = self.text(node)
                i = 0
                while i < len(raw):
                    width = 2 if raw[i] == "\\" and i + 1 < len(raw) else 1
                    out.append(raw[i : i + width])
                    i += width
            else:
                out.append(node)
        return out

    def from_tokens(self, tokens: list[Any]) -> Word | None:
        """One word of a brace expansion; None for an empty unquoted one (bash drops it)."""
        pieces: list[Word] = []
        text: list[str] = []
        for token in [*tokens, None]:
            if isinstance(token, str):
                text.append(token)
                continue
            if text:
                pieces.append(_unquoted("".join(text), leading=not pieces, braces_done=True))
                text = []
            if token is not None:
                pieces.append(self.word(token))
        if not pieces:
            return None
        if all(isinstance(t, str) for t in tokens) and not pieces[0].value:
            return None
        first = pieces[0]
        return Word(
            "".join(p.value for p in pieces),
            "".join(p.raw for p in pieces),
            static=all(p.static for p in pieces)
            and not (len(pieces) > 1 and (first.tilde or _bare_tilde(first.raw))),
            glob=any(p.glob for p in pieces),
            tilde=first.tilde and isinstance(tokens[0], str),
        )

    def joined(self, group: list[Any]) -> Word:
        """Parts with no blank between them are one word to bash (``'r'\\m`` is ``rm``;
        the grammar gives two nodes)."""
        if len(group) == 1:
            return self.word(group[0])
        words = [self.word(n) for n in group]
        raw = self.src[group[0].start_byte : group[-1].end_byte].decode("utf-8", "surrogateescape")
        static = all(w.static for w in words) and not words[0].tilde
        unquoted = "".join(
            w.raw if n.type == "word" else "\x00" for n, w in zip(group, words, strict=True)
        )
        if _brace_expansion(unquoted):
            static = False
        return Word(
            "".join(w.value for w in words), raw, static=static, glob=any(w.glob for w in words)
        )

    def check_separation(self, children: list[Any]) -> None:
        """Two words bash reads as one (``'r'\\m``: the grammar gives two) touch with no
        blank between them; two commands it merged (a pipeline, a newline, a command) have a
        newline between words. A redirection may touch the word before it (``x>f``)."""
        src = self.src
        previous = None
        for child in children:
            if not child.is_named or child.type == "comment":
                previous = None if child.type in (";", "&", "|") else previous
                continue
            if previous is not None:
                gap = src[previous.end_byte : child.start_byte]
                starts_redirect = child.type.endswith("redirect") and src[
                    child.start_byte : child.start_byte + 1
                ] in (b"<", b">", b"&")
                if not gap and not starts_redirect and not (_is_part(previous) and _is_part(child)):
                    self.analysis.problem("two words the grammar splits where bash does not")
                if (
                    not gap
                    and starts_redirect
                    and src[previous.start_byte : previous.end_byte].isdigit()
                ):
                    # ``2>err`` is a descriptor number to bash, whatever the grammar says
                    self.analysis.problem("a descriptor number the grammar reads as a word")
                if b"\n" in gap.replace(b"\\\n", b""):
                    self.analysis.problem("two lines the grammar merges into one command")
            previous = child

    def add(self, cmd: Command, via: tuple[str, ...], depth: int) -> None:
        """Record ``cmd`` and everything it runs in turn (wrappers, scripts, file access)."""
        analysis = self.analysis
        analysis.commands.append(cmd)
        if not cmd.words:
            return
        head = cmd.words[0]
        if not head.static or head.glob:
            analysis.problem(f"the program name {head.raw[:40]!r} is not known until run time")
            if not head.static and depth < MAX_DEPTH and "known values" not in via:
                self.guessed_command(cmd, via, depth)
            return
        if (
            depth < MAX_DEPTH
            and "known values" not in via
            and any(not w.static for w in cmd.words)
            and (self.analysis.known or "IFS" in head.raw or any("IFS" in w.raw for w in cmd.words))
        ):
            self.guessed_command(cmd, via, depth)
        name = cmd.basename
        if head.raw.startswith("=") and len(head.raw) > 1 and depth < MAX_DEPTH:
            # zsh: ``=rm -rf ~`` runs the ``rm`` found on PATH
            program = head.value[1:]
            found = Command([Word(program, program), *cmd.words[1:]], cmd.assignments)
            self.add(found, (*via, "zsh ="), depth + 1)
        if head.raw in RESERVED:
            # A keyword the grammar took for a program (``! if …``, ``time -p rm``,
            # ``coproc X { rm x; }``): the line is not modelled, but what follows the keyword
            # may run. Every tail of the words is shown to the deny and ask rules (at most
            # 64, so this stays linear), without looking further into wrappers.
            analysis.problem(f"the keyword {head.raw!r} read as a command")
            for i in range(1, min(len(cmd.words), 65)):
                tail = Command(cmd.words[i:], cmd.assignments, via, exact=False)
                analysis.commands.append(tail)
                analysis.accesses.extend(file_accesses(tail))
            return
        if name in _SUBSCRIPT_EVALUATORS and any(
            "[" in w.value and ("$" in w.value or "`" in w.value) for w in cmd.words[1:]
        ):
            analysis.problem(f"{name!r} may evaluate an array subscript that runs a command")
            if name not in _ARITHMETIC_OPERANDS:  # its commands meet the deny rules
                self.subscripts([w.value for w in cmd.words[1:]], via, depth)
        if name == "printf" and any(w.value.startswith("-v") for w in cmd.words[1:]):
            analysis.problem("'printf -v' assigns a variable later commands read")
            self.printed_prompt(cmd.words[1:], via, depth)
        for word in cmd.words[1:]:
            if word.value.startswith("BASH_FUNC_") and "=" in word.value:
                # ``env 'BASH_FUNC_ls%%=() { rm …; }' bash -c ls``: a child bash imports the
                # function from its environment, and ``ls`` runs its body
                analysis.problem("a function exported through the environment (BASH_FUNC_)")
                body = word.value.partition("=")[2].strip()
                if body.startswith("()"):
                    body = body[2:]
                self.string_code(Word(body, word.raw, word.static), "BASH_FUNC_", via, depth)
        if name in ("read", "getopts") and any(
            not w.static or w.value in ("HOME", "PWD", "OLDPWD", "CDPATH") for w in cmd.words[1:]
        ):
            # ``read PWD <<< /etc; cat ~+/shadow``: what ~, ~+ and cd expand to
            analysis.problem(f"{name!r} may assign HOME or PWD, which tildes and cd read")
        if name in UNMODELLED_BUILTINS:
            analysis.problem(f"{name!r} changes how later commands are read")
        if name in self.functions:
            self.positional(cmd.words[1:])
        elif name == "set" and len(cmd.words) > 1:
            rest = cmd.words[1:]
            if rest[0].value == "--":
                self.positional(rest[1:])
            elif not rest[0].value.startswith(("-", "+")):
                self.positional(rest)
        if name in _STRING_CODE:
            self.builtin_code(cmd, via, depth)
        if name in _ARITHMETIC_OPERANDS:
            self.subscripts([w.value for w in cmd.words[1:]], via, depth)
        for key, value in cmd.assignments:
            self.assigned(key, value, via, depth)
        if name in ("cd", "pushd", "popd") and not cmd.guessed:
            # (a guessed ``cd`` is not a target: the guessed bases spell the real one)
            target = next((w for w in cmd.words[1:] if not w.value.startswith("-")), None)
            if (
                name == "popd"
                # (a target not known, ``cd $x``, is kept: its literal values in the line
                # are where it may go, for the deny rules only)
                # ``cd -`` (``cd -- -``) is $OLDPWD; ``pushd`` alone swaps, ``pushd +N``
                # rotates the stack; CDPATH (assigned anywhere in the line) moves a relative cd
                or any(w.value == "-" for w in cmd.words[1:])
                or (name == "pushd" and (target is None or re.fullmatch(r"[+-]\d+", target.value)))
                # zsh: ``cd OLD NEW`` is $PWD with OLD replaced by NEW, ``cd +N``/``-N`` a
                # directory-stack entry; its ``cdpath`` array is CDPATH
                or sum(not w.value.startswith("-") for w in cmd.words[1:]) > 1
                or any(re.fullmatch(r"[+-]\d+", w.value) for w in cmd.words[1:])
            ):
                analysis.cd_targets.append(None)
            elif self.names_cdpath and target is not None:
                # unknown to all but the deny rules, which look it up in the line's
                # literal CDPATH values too (``CDPATH=~; cd .ssh``)
                analysis.cd_targets.append(Word(target.value, target.raw, static=False))
            elif self.names_cdpath:
                analysis.cd_targets.append(None)
            else:
                analysis.cd_targets.append(target or Word("~", "~", tilde=True))
        if depth >= MAX_DEPTH:
            analysis.problem("wrappers nested too deeply")
            return
        for access in file_accesses(cmd):
            analysis.accesses.append(access)
        if name == "eval":
            rest = cmd.words[1:]
            if rest and rest[0].static and rest[0].value == "--":
                rest = rest[1:]
            self.script(rest, (*via, "eval"), depth, joined=True)
            return
        if name in SHELLS:
            self.shell_script(cmd, via, depth)
            return
        inner = unwrap(cmd)
        if inner is not None:
            self.wrapped(cmd, inner, via, depth)
        elif name in ("make", "gmake"):
            self.make(cmd, via, depth)
        elif name == "find":
            for exec_cmd in find_execs(cmd):
                self.add(exec_cmd, (*via, "find -exec"), depth + 1)

    def wrapped(
        self,
        cmd: Command,
        inner: tuple[str, Command | None, Word | None],
        via: tuple[str, ...],
        depth: int,
    ) -> None:
        """What a wrapper or launcher runs: its command, and every other reading of its
        options (:func:`_readings`), each judged; the script it hands a shell. Under a
        launcher each of them is *launched* (:attr:`Command.launched`), and the values of
        the launcher's options are judged as files it may read (``--env-file .env``)."""
        wrapper, wrapped, script = inner
        launching = cmd.launched or cmd.basename in LAUNCHERS or cmd.basename in PACKAGE_RUNNERS
        analysis = self.analysis
        readings = [wrapped, *_readings(cmd, wrapped)] if wrapped is not None else []
        if launching:
            heads = [_index(cmd.words, r.words[0]) for r in readings if r.words]
            last = max((h for h in heads if h is not None), default=len(cmd.words))
            previous: Word | None = None
            for word in cmd.words[1:last]:
                if (
                    previous is not None
                    and word.static
                    and not word.value.startswith("-")
                    and posixpath.basename(word.value.rstrip("/")) not in ("", ".", "..")
                ):
                    # a file it may read (``--env-file .env``); a directory (``--spec .``,
                    # ``--directory sub``) is where it works, not a file it reads whole
                    analysis.accesses.append(Access("read", word, cmd.basename))
                option = word.static and word.value.startswith("-") and word.value != "--"
                previous = word if option and "=" not in word.value else None
        if script is not None:
            if wrapper == "env":
                # ``env -S``: ``\_`` separates arguments; its other escapes and ``${VAR}``
                # are env's own, not the shell's
                text = script.value.replace("\\_", " ")
                if "\\" in text or "$" in text:
                    analysis.problem("env -S escapes and variables are not modelled")
                script = Word(text, script.raw)
            before = len(analysis.commands)
            self.script([script], (*via, f"{wrapper} -c"), depth)
            if launching:
                for started in analysis.commands[before:]:
                    started.launched = True
        for k, reading in enumerate(readings):
            if k and len(analysis.commands) > _MAX_READINGS:
                analysis.problem("too many readings of wrapper options")
                break
            if launching:
                reading.launched = True
                head = _index(cmd.words, reading.words[0])
                if head is not None and not cmd.launched:
                    reading.launcher = (cmd, head)
            self.add(reading, (*via, wrapper), depth + 1)

    def make(self, cmd: Command, via: tuple[str, ...], depth: int) -> None:
        """``make``, its options read as GNU make's getopt_long reads them (a long option by
        any unambiguous prefix, short ones in clusters, a value attached or next): the
        makefiles it is given (``-f FILE``, under ``-C DIR``) are read; text it evaluates
        (``--eval``/``-E``, a variable set on its command line to text holding ``$`` or
        with ``!=``) and a makefile from stdin are not modelled (never allowed), but the shell
        commands in them (``$(shell CMD)``, recipe lines) meet the rules."""
        analysis = self.analysis
        texts: list[str] = []
        directory, home = "", False  # ``-C DIR`` moves where later -f names are found
        for option, value in _make_options(cmd.words[1:], analysis):
            if option == "C" and value is not None:
                if not value.static or value.glob:
                    analysis.problem("make -C names a directory known only at run time")
                step = value.value.rstrip("/") or "/"
                if step.startswith("/") or value.tilde:
                    directory, home = step + "/", value.tilde
                else:
                    directory += step + "/"
            elif option == "f" and value is not None:
                name = "/" + value.value.lstrip("/") if value.value.startswith("/") else value.value
                if name == "-" or _STDIN_NAME.match(posixpath.normpath(name)):
                    analysis.problem("make reads a makefile from stdin")
                    # the here-document or here-string is read after the command
                    self.after.append(lambda: self.make_text(analysis.data, via, depth))
                else:
                    moved = bool(directory) and not name.startswith("/") and not value.tilde
                    where = Word(
                        directory + name if moved else name,
                        value.raw,
                        static=value.static,
                        glob=value.glob,
                        tilde=home if moved else value.tilde,
                    )
                    analysis.accesses.append(Access("read", where, "make"))
            elif option == "E" and value is not None:
                texts.append(value.value)
                analysis.problem("make evaluates text it is given")
            elif option == "=" and value is not None:
                texts.append(value.value)
        self.make_text(texts, via, depth)

    def make_text(self, texts: Sequence[str], via: tuple[str, ...], depth: int) -> None:
        """Make text (``--eval``, a makefile from stdin): its ``$(shell CMD)``, its recipe
        lines (after a tab, or after ``;`` on a rule's line) and its ``$(file <F)``."""
        analysis = self.analysis
        for text in list(texts)[:16]:
            for program in _MAKE_SHELL.findall(text)[:16]:
                self.script([Word(program, program)], (*via, "make"), depth)
            for line in text.splitlines()[:256]:
                recipe = line[1:] if line.startswith("\t") else line.partition(";")[2]
                if recipe.strip():
                    self.script([Word(recipe, recipe)], (*via, "make"), depth)
            for mode, target in _MAKE_FILE.findall(text)[:16]:
                access = "write" if ">" in mode else "read"
                analysis.accesses.append(Access(access, Word(target.strip(), target), "make"))

    def shell_script(self, cmd: Command, via: tuple[str, ...], depth: int) -> None:
        """``bash -c 'SCRIPT'``, ``sh -xc 'SCRIPT'``, ``bash -o x -c``: SCRIPT is parsed."""
        args = cmd.words[1:]
        i = 0
        while i < len(args):
            value = args[i].value
            if not args[i].static:
                self.analysis.problem("a shell started with options not known until run time")
                return
            if value == "--" or not value.startswith(("-", "+")):
                return  # a script file (or stdin): runs text we cannot see; rules decide
            if value in ("-o", "+o", "-O", "+O", "--rcfile", "--init-file"):
                i += 2
                continue
            if not value.startswith("--") and "c" in value[1:]:
                # the script is the first operand after all options (``bash -c -x 'S'``)
                j = i + 1
                while j < len(args) and args[j].static and args[j].value.startswith(("-", "+")):
                    if args[j].value == "--":
                        j += 1
                        break
                    j += 2 if args[j].value in ("-o", "+o", "-O", "+O") else 1
                if j < len(args):
                    self.script([args[j]], (*via, f"{cmd.basename} -c"), depth)
                else:
                    self.analysis.problem("'-c' without a script")
                return
            i += 1

    def script(
        self, words: list[Word], via: tuple[str, ...], depth: int, joined: bool = False
    ) -> None:
        if not words:
            return
        if not all(w.static for w in words):
            self.analysis.problem(f"{via[-1]} runs text not known until run time")
            self.guessed_script(words if joined else words[:1], via, depth)
            return
        text = " ".join(w.value for w in words) if joined else words[0].value
        _analyse_into(self.analysis, text, via, depth + 1)

    def guessed_script(self, words: Sequence[Word], via: tuple[str, ...], depth: int) -> None:
        """``x=.env; bash -c "cat $x"``: the text as the line's known values spell it, parsed
        never exact, for the deny rules. Each text costs one of the line's guesses, not one
        of :meth:`code`'s strings: guesses must not use up the budget that the code the line
        really holds (a later ``trap 'rm -rf ~' EXIT``) is judged under."""
        if depth >= MAX_DEPTH or self.analysis.guesses >= MAX_GUESSED_COMMANDS:
            return
        label = f"{via[-1]} (known values)"
        seen: set[str] = set()
        for spelled in self.spelled(words):
            text = " ".join(spelled)
            if depth >= MAX_DEPTH or self.analysis.guesses >= MAX_GUESSED_COMMANDS:
                return
            if text in seen or not text.strip() or len(text) > MAX_VALUE_CHARS * 4:
                continue
            seen.add(text)
            self.analysis.guesses += 1
            before = len(self.analysis.commands)
            _analyse_into(self.analysis, text, (*via, label), depth + 1)
            for started in self.analysis.commands[before:]:
                started.exact = False

    def code(
        self, texts: Sequence[str], label: str, via: tuple[str, ...], depth: int, exact: bool = True
    ) -> None:
        """Shell code bash (or zsh) runs out of a string: a trap's action, an alias's value,
        a ``$(…)`` in a subscript it evaluates. Each text is parsed as a command line of its
        own, so the deny and ask rules meet what it runs; the construct that holds it is a
        problem of its own (never allowed). ``exact``: False when bash adds arguments (the
        ``mapfile -C`` callback is run with an index and a line)."""
        analysis = self.analysis
        for text in texts:
            key = (label, text)
            if key in analysis.strings or not text.strip():
                continue
            if (
                len(analysis.strings) >= MAX_STRING_SCRIPTS
                or sum(len(t) for _, t in analysis.strings) + len(text) > MAX_COMMAND_CHARS
            ):
                analysis.problem("too much shell code held in strings to judge")
                return
            analysis.strings.add(key)
            before = len(analysis.commands)
            _analyse_into(analysis, text, (*via, label), depth + 1)
            if not exact:
                for started in analysis.commands[before:]:
                    started.exact = False

    def string_code(
        self, word: Word, label: str, via: tuple[str, ...], depth: int, exact: bool = True
    ) -> None:
        """One word whose value is shell code (``trap 'CODE' EXIT``): parsed when static.
        When it is not (``trap "rm -rf $HOME" EXIT``, ``PROMPT_COMMAND="rm $f"``), the
        problem stands and its text with one layer of quotes removed (whole, and after its
        first ``=``: the word may be ``NAME=VALUE``) is parsed as inexact code, so a deny
        rule on what it names still holds."""
        if not word.static:
            self.analysis.problem(f"{label} runs text not known until run time")
            text = _dequoted(word.raw)
            self.code([text, text.partition("=")[2]], label, via, depth, exact=False)
            return
        self.code([word.value], label, via, depth, exact)

    def assigned(self, name: str, value: Word, via: tuple[str, ...], depth: int) -> None:
        """A variable's value may be evaluated later (``(( x ))``, ``[[ $x -eq 0 ]]``,
        ``${!x}``, a child's arithmetic): its subscripts are judged; ``PS4`` is expanded
        as a prompt (command substitution included) before each command under ``set -x``,
        ``PS0``-``PS2`` in an interactive shell; a :data:`_CODE_VARIABLES` value is code."""
        self.subscripts([value.value], via, depth)
        analysis = self.analysis
        if len(analysis.values) < MAX_STRING_SCRIPTS:
            analysis.values.append(value.value)
        if value.static:
            self.known_value(name, value.value)
        if analysis.evaluates:  # a zsh ``${(e)x}`` seen: the value may be evaluated
            self.code(_substitutions(value.value), "zsh (e) flag", via, depth)
        base = name.partition("[")[0]  # ``functions[ls]=CODE``, ``PROMPT_COMMAND[1]=CODE``
        if base in _CODE_VARIABLES:
            self.analysis.problem(f"{base} holds shell code run later")
            self.string_code(value, base, via, depth)
        elif base in _PROMPTS and ("$(" in value.value or "`" in value.value):
            self.code(_substitutions(value.value), base, via, depth)

    def known_value(self, name: str, value: str) -> None:
        """Keep a literal value of ``name`` (bounded: a line that assigns more is judged on
        the first ones, and the rest stays asked)."""
        name = name.partition("[")[0]  # ``a[1]=.env``: a value of ``a``'s elements
        if len(value) > MAX_VALUE_CHARS:
            return  # not kept: a word built of it stays asked
        known = self.analysis.known
        values = known.get(name)
        if values is None:
            if len(known) >= MAX_STRING_SCRIPTS:
                return
            values = known[name] = []
        if value in values:
            return
        if len(values) < MAX_VALUES_PER_NAME:
            values.append(value)
        else:  # past the bound the latest takes the last place: bash reads the last one
            values[-1] = value

    def appended(self, name: str, suffix: str) -> None:
        """An append extends every value known of ``name`` now, and again once the whole
        line is read (a function body or a loop may run it after a later assignment:
        ``f(){ x+=nv; }; x=.e; f``)."""

        def extend() -> None:
            for before in list(self.analysis.known.get(name, ())):
                self.known_value(name, before + suffix)

        extend()
        if len(self.after) < MAX_STRING_SCRIPTS:
            self.after.append(extend)

    def spelled(self, words: Sequence[Word]) -> list[list[str]]:
        """``words`` as the line's literal values of their variables spell them (at most
        16 ways; a word with none is left out): text bash runs again, for the deny rules."""
        options: list[list[str]] = []
        for word in words:
            if word.static:
                options.append([word.value])
                continue
            found = candidates(word.raw, self.analysis.known)
            if found:
                options.append([v for v, _glob in found])
        out: list[list[str]] = []
        for combo in itertools.islice(itertools.product(*options), 16):
            out.append(list(combo))
        return out

    def guessed_command(self, cmd: Command, via: tuple[str, ...], depth: int) -> None:
        """``x=cat; $x .env``, ``x=.env; git show :$x``: the command once for each way the
        line's literal values spell its words (at most 8), never exact, so its program and
        operands meet the deny rules as written out (a word with no known value is kept)."""
        if self.analysis.guesses >= MAX_GUESSED_COMMANDS:
            return
        self.analysis.guesses += 1
        options: list[list[list[Word]]] = []
        spelled_out = 0
        # (a long command is guessed in its first words: the program and its options)
        for at, word in enumerate(cmd.words[:_GUESSED_WORDS]):
            if not word.static:
                spelled_out += 1
            found = (
                None
                if word.static or spelled_out > 8
                else candidates(word.raw, self.analysis.known)
            )
            if not found:
                options.append([[word]])
                continue
            spelled = []
            for value, glob in found[:8]:
                if word.raw[:1] == "~" and not word.tilde and value[:1] == "~":
                    value = "./" + value  # a literal ``~`` bash leaves: a directory
                parts = value.split() if at == 0 else [value]
                if parts:
                    tilde = parts[0][:2] in ("~", "~/")
                    first = Word(parts[0], parts[0], glob=glob, tilde=tilde)
                    spelled.append([first, *(Word(p, p, glob=glob) for p in parts[1:])])
            options.append(spelled or [[word]])
        if all(len(o) == 1 and o[0][0] is w for o, w in zip(options, cmd.words, strict=False)):
            return  # no word spelled out
        for combo in itertools.islice(itertools.product(*options), 8):
            words = [w for group in combo for w in group]
            marked = (*via, "known values")
            self.add(Command(words, cmd.assignments, marked, exact=False), marked, depth + 1)

    def read_values(self, cmd: Command, fed: Word) -> None:
        """``read x <<< .env``: the here-string is the value of the names ``read`` assigns
        (each field of it too, as ``read a b`` splits it)."""
        if cmd.name != "read" or not fed.static:
            return
        names = [w.value for w in cmd.words[1:] if w.static and _NAME_WORD.fullmatch(w.value)]
        for name in names[:8]:
            self.known_value(name, fed.value.rstrip("\n"))
            for field in fed.value.split():
                self.known_value(name, field)

    def positional(self, args: Sequence[Word]) -> None:
        """``set -- .env``, ``f .env`` (a function the line defines): the words are the
        values of ``$1``, ``$2``…, ``$@`` and ``$*``."""
        for i, word in enumerate(args[:16], start=1):
            if word.static:
                self.known_value(str(i), word.value)
                self.known_value("@", word.value)
                self.known_value("*", word.value)

    def for_list(self, node: Any) -> None:
        """``for f in .env x; do cat $f; done``: each literal word of the list is a value
        of the loop's variable."""
        variable = node.child_by_field_name("variable")
        if variable is None:
            return
        name = self.text(variable)
        for child in node.children_by_field_name("value"):
            word = self.word(child)
            if word.static:  # a glob too: its matches are the values (known_values)
                self.known_value(name, word.value)

    def printed_prompt(self, args: Sequence[Word], via: tuple[str, ...], depth: int) -> None:
        """``printf -v PS4 FORMAT …``: the value is the format and its arguments, and a
        prompt's value is expanded (its ``$(…)`` run) under ``set -x``."""
        for i, word in enumerate(args):
            if word.value == "-v" and i + 1 < len(args):
                target, rest = args[i + 1].value, args[i + 2 :]
            elif word.value.startswith("-v") and len(word.value) > 2:
                target, rest = word.value[2:], args[i + 1 :]
            else:
                continue
            self.printed_value(target, rest)
            if target.partition("[")[0] in _CODE_VARIABLES:
                # ``printf -v PROMPT_COMMAND 'CODE'`` (checked): the value is the format
                # (and its arguments): each is judged as the code it may be
                self.code([w.value for w in rest if w.static], target, via, depth)
            if target in _PROMPTS or not args[i + 1 if word.value == "-v" else i].static:
                texts = [w.value for w in rest if "$(" in w.value or "`" in w.value]
                if texts:
                    self.code(
                        [t for text in texts for t in _substitutions(text)], target, via, depth
                    )
            return

    def printed_value(self, target: str, rest: Sequence[Word]) -> None:
        """``printf -v x .env`` (and ``printf -v x %s .env``): a known value of ``x`` when
        the format is literal text or only ``%s``, and every word is static."""
        if not rest or not all(w.static for w in rest):
            return
        form, args = rest[0].value, [w.value for w in rest[1:]]
        if "\\" in form:
            return
        pieces = form.split("%s")
        if "%" in "".join(pieces):
            return  # another conversion: not spelled out
        if len(pieces) - 1 == len(args) or (len(pieces) == 2 and args):
            # one ``%s`` a word (bash reuses a lone ``%s`` for each: joined)
            filled = args if len(pieces) - 1 == len(args) else ["".join(args)]
            text = pieces[0] + "".join(a + p for a, p in zip(filled, pieces[1:], strict=True))
            self.known_value(target, text)
        elif len(pieces) == 1:
            self.known_value(target, form)

    def arithmetic(self, text: str) -> None:
        """``(( … ))``, ``$(( … ))``, ``$[ … ]``, ``${x:OFFSET}``: the text is expanded as in
        double quotes (a ``$(…)`` inside single quotes runs too), then evaluated."""
        if "`" in text or _COMMAND_SUBSTITUTION.search(text):
            self.code(_substitutions(text), "arithmetic", self.via, self.depth)

    def subscripts(self, texts: Sequence[str], via: tuple[str, ...], depth: int) -> None:
        """Text bash may evaluate arithmetically (a ``[[ … -eq … ]]`` or ``let`` operand, a
        variable's value, ``declare -i``): a ``$(…)`` or backquote after a ``[`` is in an
        array subscript, which bash expands and runs (``'a[$(cmd)]'``)."""
        for text in texts:
            at = text.find("[")
            if at >= 0 and ("$(" in text[at:] or "`" in text[at:]):
                self.code(_substitutions(text[at:]), "a subscript", via, depth)

    def builtin_code(self, cmd: Command, via: tuple[str, ...], depth: int) -> None:
        """The code a builtin keeps in a string and runs later: ``trap CODE SIG…`` (every
        signal, ``trap -- CODE``), ``mapfile -C CODE`` / ``readarray -C``, ``alias
        name=CODE`` (bash and zsh's ``-g``/``-s`` alike), ``complete``/``compgen -C CODE``
        and ``-W WORDS`` (expanded: its ``$(…)`` run), ``bind -x 'KEYS: CODE'``."""
        name = cmd.basename
        args = cmd.words[1:]
        if name == "trap":
            if args and args[0].value == "--":
                args = args[1:]
            # the first operand is the action (``trap -p``: bash prints, zsh takes ``-p`` as
            # the action); ``-`` resets
            if args and args[0].value != "-":
                self.string_code(args[0], "trap", via, depth)
            return
        if name == "alias":
            for word in args:
                if "=" in word.value and not word.value.startswith("="):
                    value = word.value.partition("=")[2]
                    self.string_code(Word(value, word.raw, word.static), "alias", via, depth)
            return
        valued = {
            "mapfile": "dnOsuCc", "readarray": "dnOsuCc", "complete": "oAGWFXPSC",
            "compgen": "oAGWFXPSC", "bind": "mfqurx",
        }[name]  # fmt: skip
        i = 0
        while i < len(args):
            value = args[i].value
            i += 1
            if value == "--":
                break
            if not value.startswith("-") or len(value) < 2:
                continue  # bash stops at an operand; reading on only judges more
            for j in range(1, len(value)):
                letter = value[j]
                if letter not in valued:
                    continue
                if j + 1 < len(value):
                    given: Word | None = Word(value[j + 1 :], args[i - 1].raw, args[i - 1].static)
                elif i < len(args):
                    given = args[i]
                    i += 1
                else:
                    given = None
                if given is None:
                    break
                if letter == "C":  # run with arguments (an index and a line; the words)
                    self.string_code(given, f"{name} -C", via, depth, exact=False)
                elif letter == "W":
                    self.code(_substitutions(given.value), f"{name} -W", via, depth)
                elif letter == "x" and name == "bind":
                    if not given.static:
                        self.analysis.problem("bind -x runs text not known until run time")
                    else:
                        self.code(_bind_commands(given.value), "bind -x", via, depth)
                break

    def redirect(self, node: Any) -> None:
        op = next((c.type for c in node.children if not c.is_named), "")
        operands = [c for c in node.named_children if c.type != "file_descriptor"]
        if op == "<" and operands and operands[0].is_error and self.text(operands[0]) == ">":
            # ``1<>/etc/x``: the grammar has no ``<>``; bash opens the file to read and write
            op, operands = "<>", operands[1:]
        elif op == ">" and self._after_lone_less_than(node):
            # ``cat <>f`` / ``cat 0<>f``: the grammar splits ``<>`` into an ERROR and ``>``;
            # bash opens f to read and write (stdin by default), so the read is judged too
            op = "<>"
        if not any(c.type == "file_descriptor" for c in node.children):
            at = node.start_byte
            while at > 0 and 0x30 <= self.src[at - 1] <= 0x39:
                at -= 1
            if at < node.start_byte and (at == 0 or self.src[at - 1 : at] in (b" ", b"\t", b"\n")):
                # ``x 2>f``: 2 is a descriptor to bash, a word to the grammar
                self.analysis.problem("a descriptor number the grammar reads as a word")
        self.check_separation(operands)
        groups = _groups(operands)
        target = self.joined(groups[0]) if groups else None  # later words: the command's
        if len(groups) > 1 and _owning_command(node, self.parent_of) is None:
            self.analysis.problem("words after a redirection that no command owns")
        if node.type == "herestring_redirect":
            if target is not None:
                self.analysis.data.append(target.value)
            return
        if target is None:
            return
        if op in _WRITE_OPS or op == ">&":
            self.zsh_clobber(node, groups)
        if op in (">&", "<&"):
            if target.static and (target.value.isdigit() or target.value == "-"):
                return  # duplicates or closes a descriptor
            if op == "<&":
                self.analysis.problem("'<&' with a file name is not modelled")
                return
            op = ">"
        if op in _WRITE_OPS:
            self.analysis.accesses.append(Access("write", target, op))
        elif op == "<":
            self.analysis.accesses.append(Access("read", target, op))
        elif op == "<>":
            self.analysis.accesses.append(Access("read", target, op))
            self.analysis.accesses.append(Access("write", target, op))
        else:
            self.analysis.problem(f"redirection {op!r} is not modelled")

    def _after_lone_less_than(self, node: Any) -> bool:
        """True when the ``>`` of ``node`` directly follows a ``<`` the grammar left out."""
        token = next((c for c in node.children if not c.is_named), None)
        at = token.start_byte if token is not None else node.start_byte
        if at == 0 or self.src[at - 1 : at] != b"<":
            return False
        run = 0  # an odd run of backslashes before the '<' makes it a word's character
        while at - 2 - run >= 0 and self.src[at - 2 - run] == 0x5C:
            run += 1
        return run % 2 == 0

    def zsh_clobber(self, node: Any, groups: list[list[Any]]) -> None:
        """zsh reads ``>!`` and ``>|`` (``>>!``, ``&>!``, ``>&!``…) as one operator: a write
        that overrides NO_CLOBBER, to the word after the ``!``; bash writes a file named
        ``!`` (or ``!word``) and gives the next word to the command. Both are judged, and
        the line is not modelled (zsh runs a different command)."""
        first = groups[0][0]
        op_end = max((c.end_byte for c in node.children if not c.is_named), default=-1)
        if first.start_byte != op_end or self.src[op_end : op_end + 1] not in (b"!", b"|"):
            return
        rest = self.src[op_end + 1 : groups[0][-1].end_byte].decode("utf-8", "surrogateescape")
        target: Word | None = None
        if rest:
            if len(groups[0]) == 1 and first.type == "word":
                target = _unquoted(rest, leading=True)
            else:  # ``>!'/etc/x'``: the word's value after its ``!``; ``~`` expands in zsh
                word = self.joined(groups[0])
                tilde = rest.startswith("~")
                target = Word(
                    word.value[1:], rest, static=word.static and not tilde, glob=word.glob
                )
        elif len(groups) > 1:
            target = self.joined(groups[1])
        self.analysis.problem("zsh reads '>!' and '>|' as one operator (a clobbering write)")
        if target is not None:
            self.analysis.accesses.append(Access("write", target, "zsh >!"))

    def heredoc(self, node: Any) -> tuple[int, int] | None:
        """Check that the grammar ended the here-document where bash will, and say whether
        its body is literal data. Returns the body's span when it is literal."""
        start = end = body = None
        strip_tabs = False
        for child in node.children:
            if child.type == "heredoc_start":
                start = child
            elif child.type == "heredoc_end":
                end = child
            elif child.type == "heredoc_body":
                body = child
            elif child.type == "<<-":
                strip_tabs = True
        if start is None or end is None or body is None:
            self.analysis.problem("a here-document without an end line")
            return None
        raw = self.text(start)
        quoted = raw[:1] in ("'", '"') and raw[-1:] == raw[:1] and len(raw) >= 2
        delimiter = raw[1:-1] if quoted else raw
        if not _DELIMITER.match(delimiter):
            self.analysis.problem("a here-document delimiter this analyser does not model")
            return None
        src = self.src
        line_end = src.find(b"\n", start.end_byte)
        # The body must start on the line after the operator; anything else on that line
        # (more commands, a second here-document) is not modelled.
        if (line_end < 0 or line_end + 1 != body.start_byte) and src[
            start.end_byte : body.start_byte
        ].strip(b" \t\n"):
            self.analysis.problem("a here-document followed by more text on its line")
            return None
        body_text = src[body.start_byte : end.start_byte]
        self.analysis.data.append(body_text.decode("utf-8", "surrogateescape"))
        lines = body_text.split(b"\n")
        delim = delimiter.encode()
        for line in lines[:-1]:
            if (line.lstrip(b"\t") if strip_tabs else line) == delim:
                self.analysis.problem("a here-document that ends before the grammar says")
                return None
        last_line_start = src.rfind(b"\n", 0, end.start_byte) + 1
        last_line_end = src.find(b"\n", end.end_byte)
        last_line = src[last_line_start : len(src) if last_line_end < 0 else last_line_end]
        if (last_line.lstrip(b"\t") if strip_tabs else last_line) != delim:
            self.analysis.problem("a here-document whose end line bash would not accept")
            return None
        if not quoted:
            if b"\\\n" in body_text:
                self.analysis.problem("a line continuation in a here-document body")
            if any(s in body_text for s in (b"`", b"$(", b"${", b"$[")):
                self.analysis.problem("a here-document body that runs substitutions")
            return None
        return (body.start_byte, end.start_byte)

    # -- words ------------------------------------------------------------------------

    def word(self, node: Any) -> Word:
        """The value bash gives a word node (see :class:`Word`)."""
        kind = node.type
        raw = self.text(node)
        if kind == "word":
            if "\n" in raw.replace("\\\n", ""):
                self.analysis.problem("a word the grammar carries over a line break")
            before = self.src[node.start_byte - 1 : node.start_byte]
            if raw[:1] == "=" and len(raw) > 1 and before in _WORD_STARTS:
                # zsh: a word starting with ``=`` is the path of the command named by the
                # rest (``> =python`` writes where ``python`` is found on PATH)
                self.analysis.problem("zsh reads a word starting with '=' as a command's path")
            return _unquoted(raw, leading=True)
        if kind == "number":
            return Word(raw, raw)
        if kind == "raw_string":
            if len(raw) < 2 or raw[0] != "'" or raw[-1] != "'" or "'" in raw[1:-1]:
                self.analysis.problem("a quoted string the grammar cuts where bash does not")
            return Word(raw[1:-1], raw)
        if kind == "string":
            if len(raw) < 2 or not raw.endswith('"') or _escaped_at(raw, len(raw) - 1):
                self.analysis.problem("a quoted string the grammar cuts where bash does not")
            return self.double_quoted(node, raw)
        if kind == "ansi_c_string":
            if not _ansi_c_complete(raw):
                self.analysis.problem("a $'...' string the grammar cuts where bash does not")
                return Word(raw, raw, static=False)
            value = ansi_c(raw[2:-1])
            if value is not None and not encodable(value):
                value = None  # a lone surrogate (``$'\ud800'``): no file is named so
            return Word(raw, raw, static=False) if value is None else Word(value, raw)
        if kind == "concatenation":
            named = node.named_children
            parts = [self.word(c) for c in named]
            if len(named) != len(node.children) or sum(
                c.end_byte - c.start_byte for c in named
            ) != (node.end_byte - node.start_byte):
                return Word(raw, raw, static=False)  # text no part accounts for
            value = "".join(p.value for p in parts)
            static = all(p.static for p in parts)
            glob = any(p.glob for p in parts)
            tilde = bool(parts) and parts[0].tilde
            if len(named) > 1 and named[0].type == "word" and _bare_tilde(parts[0].raw):
                # ``~"/x"``, ``~+"/x"``: a quoted character in the tilde-prefix, no expansion
                static = tilde = False
            if len(named) > 1 and _assigned_tilde(
                "".join(self.text(c) if c.type == "word" else "\x00" for c in named)
            ):
                static = False
            if any(c.type == "word" for c in node.named_children[1:]):
                # ``~`` expands only at the start; a later unquoted part cannot be a tilde,
                # but brace expansion (``.{env,x}``) spans parts: look at the unquoted text.
                unquoted = "".join(
                    self.text(c) if c.type == "word" else "\x00" for c in node.named_children
                )
                if _brace_expansion(unquoted):
                    static = False
            return Word(value, raw, static=static, glob=glob, tilde=tilde)
        if kind == "process_substitution":
            return Word("/dev/fd/63", raw)
        return Word(raw, raw, static=False)

    def double_quoted(self, node: Any, raw: str) -> Word:
        """``"..."``: backslash escapes only ``$ ` " \\`` and newline; any expansion inside
        makes the value unknown."""
        if any(c.is_named and c.type != "string_content" for c in node.children):
            return Word(raw, raw, static=False)
        inner = raw[1:-1] if raw.endswith('"') and len(raw) >= 2 else raw[1:]
        out: list[str] = []
        i = 0
        while i < len(inner):
            ch = inner[i]
            if ch == "\\" and i + 1 < len(inner):
                nxt = inner[i + 1]
                if nxt == "\n":
                    i += 2
                    continue
                if nxt in '$`"\\':
                    out.append(nxt)
                    i += 2
                    continue
            if ch in "$`":
                return Word(raw, raw, static=False)
            out.append(ch)
            i += 1
        return Word("".join(out), raw)


def _substitutions(text: str) -> list[str]:
    """The script of each ``$(…)`` and backquote in ``text``, read as every way it may end
    (at its matching ``)`` counted plainly, and, when it holds a quote, at the last one: a
    quoted ``)`` inside it would end it later), for text bash expands that the grammar saw
    as literal."""
    out: list[str] = []
    i = 0
    while len(out) < 16:
        dollar = text.find("$(", i)
        tick = text.find("`", i)
        if dollar < 0 and tick < 0:
            break
        if dollar >= 0 and (tick < 0 or dollar < tick):
            body = dollar + 2
            if text.startswith("(", body):
                i = body + 1  # ``$((``: arithmetic; a ``$(…)`` inside it is found on
                continue
            depth, j = 1, body
            while j < len(text) and depth:
                depth += (text[j] == "(") - (text[j] == ")")
                j += 1
            end = j - 1 if depth == 0 else len(text)
            out.append(text[body:end])
            if any(q in text[body:end] for q in "'\"\\"):
                # a quoted ``)`` may end it later: read on to the last one
                last = text.rfind(")")
                out.append(text[body : last if last >= end else len(text)])
            i = body
        else:
            close = text.find("`", tick + 1)
            last = text.rfind("`")
            ends = {close if close > 0 else len(text), last if last > tick else len(text)}
            out.extend(text[tick + 1 : end].replace("\\`", "`") for end in sorted(ends))
            i = close + 1 if close > 0 else len(text)
    return list(dict.fromkeys(out))


_PAIRED = {"(": ")", "[": "]", "{": "}", "<": ">"}
#: ``$(`` that is not ``$((``.
_COMMAND_SUBSTITUTION = re.compile(r"\$\((?!\()")
#: What may come right before a word's first character (nothing: the line's start).
_WORD_STARTS = frozenset({b"", b" ", b"\t", b"\n", b";", b"&", b"|", b"<", b">", b"("})
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: A ``(`` touching a word, ``e`` or ``+`` after it before any ``)``: maybe a qualifier.
_QUALIFIER_HINT = re.compile(rb"[^\s;&|<>(=$`]\([^)]*[e+]")


def _quoted_end(text: str, at: int, close: str) -> int:
    """Where ``close`` first occurs at or after ``at`` outside quotes (or the end)."""
    quote = ""
    while at < len(text):
        ch = text[at]
        if quote:
            if ch == quote:
                quote = ""
        elif ch == "\\":
            at += 1
        elif ch in ("'", '"'):
            quote = ch
        elif ch == close:
            return at
        at += 1
    return len(text)


def _dequoted(text: str) -> str:
    """``text`` with one layer of shell quotes and backslashes removed."""
    out: list[str] = []
    quote = ""
    i = 0
    while i < len(text):
        ch = text[i]
        if quote and ch == quote:
            quote = ""
        elif not quote and ch in ("'", '"'):
            quote = ch
        elif ch == "\\" and quote != "'" and i + 1 < len(text):
            i += 1
            out.append(text[i])
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def _glob_qualifiers(text: str) -> list[str]:
    """The code of zsh glob qualifiers in ``text``: a ``(…)`` touching the word before it,
    outside quotes, holding ``e`` and a delimited string (``*(e:'CODE':)``, ``e{CODE}``) or
    ``+NAME`` (runs NAME). zsh runs it for every file the glob matches; bash reads a syntax
    error or an extended glob. Each string is read both as written and with its quotes
    removed, to where it ends plainly and outside quotes."""
    out: list[str] = []
    i, n = 0, len(text)
    quote, escapes = "", False
    while i < n and len(out) < 64:
        ch = text[i]
        if quote:
            if ch == quote:
                quote = ""
            elif ch == "\\" and escapes:
                i += 1
        elif ch == "\\":
            i += 1
        elif ch in ("'", '"'):
            quote, escapes = ch, ch == '"' or (i > 0 and text[i - 1] == "$")
        elif ch == "(" and i > 0 and text[i - 1] not in " \t\n;&|<>(=$`":  # ``(a)(e:…:)`` too
            i += 1
            while i < n and text[i] not in ") \t\n;&|":
                if text[i] == "e" and i + 1 < n:
                    close = _PAIRED.get(text[i + 1], text[i + 1])
                    plain = text.find(close, i + 2)
                    plain = n if plain < 0 else plain
                    quoted = _quoted_end(text, i + 2, close)
                    for end in (plain, quoted):
                        code = text[i + 2 : end]
                        out.extend((code, _dequoted(code)))
                    i = quoted + 1
                    continue
                if text[i] == "+":
                    name = _IDENTIFIER.match(text, i + 1)
                    if name is not None:
                        out.append(name.group())
                        i = name.end()
                        continue
                i += 1
            continue
        i += 1
    return [c for c in dict.fromkeys(out) if c.strip()]


#: A zsh reading is looked for when a line has a ``(`` that starts no substitution, or a
#: ``${`` with flags or no name (cheap: most lines have neither).
#: a backslash that starts a line, and the character it quotes (not a line continuation)
_LINE_START_ESCAPE = re.compile(r"\n\\([^\n])")
_ZSH_HINT = re.compile(r"\$\{[=~^]*[(:]|\$\{[=~^]+\w|(?<![$<>=])\((?!\))")
#: after a zsh expansion's flags: a name, any subscript or modifiers, and the closing brace
_ZSH_NAMED = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)((?:\[[^\]]*\]|:[a-zA-Z])*\})")
#: At most this many ``(`` and ``${`` of one line are read for zsh (a bounded cost).
_MAX_ZSH_PARTS = 256
_ZSH_EXPANSION = re.compile(r"\$\{([=~^]*)(?:\(([^)]*)\))?")
#: Words after which zsh is still at a command's name (a group there is a subshell).
_ZSH_PREFIXES = frozenset({
    "if", "then", "else", "elif", "do", "while", "until", "!", "time", "{", "noglob",
    "nocorrect", "command", "builtin", "exec", "-", "coproc",
})  # fmt: skip


def _alternatives(body: str) -> list[str]:
    """A zsh glob group's body cut at its own ``|`` (not one in a nested group or quotes)."""
    out: list[str] = []
    depth, quote, start, j = 0, "", 0, 0
    while j < len(body):
        ch = body[j]
        if quote:
            if ch == quote:
                quote = ""
            elif ch == "\\" and quote == '"':
                j += 1
        elif ch == "\\":
            j += 1
        elif ch in ("'", '"'):
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            out.append(body[start:j])
            start = j + 1
        j += 1
    out.append(body[start:])
    return out


def _blanked(src: bytes, spans: list[tuple[int, int]]) -> bytes:
    """``src`` with each span's bytes blanked (newlines kept, so lines and offsets stay)."""
    if not spans:
        return src
    out = bytearray(src)
    for start, end in spans:
        out[start:end] = bytes(b if b == 0x0A else 0x20 for b in src[start:end])
    return bytes(out)


def _zsh_group(body: str, trailing: bool, depth: int = 0) -> str:
    """A zsh glob group ``(a|b)`` as the brace expansion bash makes the same names of
    (``{a,b}``); a group with no ``|`` is its body, or, ending the word, either that or
    nothing (zsh reads a last ``(…)`` as glob qualifiers: ``{,body}``)."""
    pieces = [_zsh_pattern(a, depth + 1) for a in _alternatives(body)]
    if len(pieces) == 1:
        return "{," + pieces[0] + "}" if trailing else pieces[0]
    return "{" + ",".join(pieces) + "}"


def _zsh_pattern(text: str, depth: int) -> str:
    """One alternative of a zsh glob group in bash's words: nested groups as brace
    expansions (at most 16 deep), and the blanks, commas and braces zsh reads as its
    letters escaped."""
    if depth > 16:
        return text  # not read further: the line is not modelled all the same
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            out.append(text[i : i + 2])
            i += 2
        elif ch in ("'", '"'):
            end = _quoted_end(text, i + 1, ch) if ch == '"' else text.find("'", i + 1)
            end = len(text) - 1 if end < 0 else end
            out.append(text[i : end + 1])
            i = end + 1
        elif ch == "(" and (end := matching(text, i, "(", ")")) > i:
            out.append(_zsh_group(text[i + 1 : end], end + 1 == len(text), depth))
            i = end + 1
        else:
            out.append("\\" + ch if ch in " \t,{}" else ch)
            i += 1
    return "".join(out)


def _zsh_reading(text: str) -> tuple[str, list[str], bool] | None:
    """:func:`_zsh_scan` until the line holds no more it rewrites (``${:-${:-.env}}``), at
    most four times."""
    found = _zsh_scan(text)
    if found is None:
        return None
    reading, codes, evaluates = found
    for _ in range(3):
        if reading == text or ("${" not in reading and "(" not in reading):
            break
        again = _zsh_scan(reading)
        if again is None or again[0] == reading:
            break
        reading, more, also = again
        codes += more
        evaluates = evaluates or also
    return reading, codes, evaluates


def _zsh_scan(text: str) -> tuple[str, list[str], bool] | None:
    """How zsh reads what bash cannot (checked with zsh 5.9, ``zsh -f``), in bash's terms:
    the line with each glob group (``cat (.env|x)``, ``.(e)nv``: a ``(…)`` in a word, or
    starting one where no command name is due) as a brace expansion, and each
    ``${:-WORD}`` (``${(L):-WORD}``…: no name) as WORD (``${:+WORD}`` as nothing); the
    code an ``(e)`` flag evaluates in a literal WORD; and whether an ``(e)`` flag evaluates
    a variable's value. None when zsh reads none of these."""
    out: list[str] = []
    codes: list[str] = []
    evaluates = changed = False
    at_name = True  # a word here is a command's name (``(`` starts a subshell)
    word = ""
    dq = False
    i, n = 0, len(text)

    budget = _MAX_ZSH_PARTS  # groups and expansions read: each may look to the line's end
    name = ""  # the command's name, once read

    def end_word() -> None:
        nonlocal at_name, word, name
        if word == "in" and name == "case":
            at_name = True  # ``case $x in (a|b) …``: a pattern (bash's syntax too)
        elif word and at_name and not (word in _ZSH_PREFIXES or _ASSIGNMENT_LIKE.match(word)):
            at_name, name = False, word
        word = ""

    while i < n:
        ch = text[i]
        if ch == "\\":
            out.append(text[i : i + 2])
            word += text[i : i + 2]
            i += 2
            continue
        if ch == "'" and not dq:
            if i and text[i - 1] == "$":
                end = _quoted_end(text, i + 1, "'")
            else:
                end = text.find("'", i + 1)
            end = n - 1 if end < 0 else end
            out.append(text[i : end + 1])
            word += "'"
            i = end + 1
            continue
        if ch == '"':
            dq = not dq
            out.append(ch)
            word += ch
            i += 1
            continue
        if (ch == "$" and text.startswith("${", i)) or (ch == "(" and not dq):
            budget -= 1
            if budget < 0:  # past it, no reading: the line is not modelled (never allowed)
                return text, codes, evaluates
        if ch == "$" and text.startswith("${", i):
            match = _ZSH_EXPANSION.match(text, i)
            assert match is not None
            flags = match.group(2) or ""
            after = match.end()
            if "e" in flags:
                evaluates = True
                end = matching(text, i + 1, "{", "}")
                if end < 0:
                    out.append(text[i:])
                    break  # unclosed: the rest is no expansion zsh reads
                inner = text[after:end]
                codes.extend(_substitutions(inner))  # ``${(e)${:-'$(CODE)'}}``
                codes.extend(_substitutions(_dequoted(inner)))
            if text.startswith((":-", ":+"), after):
                end = matching(text, i + 1, "{", "}")
                if end < 0:
                    out.append(text[i:])
                    changed = True
                    break  # unclosed: the rest is no expansion zsh reads
                if end > after:
                    value = text[after + 2 : end]
                    if text[after + 1] == "+":
                        value = ""  # no name: never set
                    elif flags and set(flags) <= set("LUC") and _PLAIN.issuperset(value):
                        value = {"L": value.lower(), "U": value.upper()}.get(
                            flags[-1], value.capitalize()
                        )
                    out.append(value)
                    word += value or "$"
                    changed = True
                    i = end + 1
                    continue
            named = _ZSH_NAMED.match(text, after)
            if named is not None and (flags or match.group(1)):
                # ``${(L)x}``, ``${~x}``, ``${=x}`` (a syntax error to bash): for the deny
                # rules, the value as bash spells the same change (``${x,,}``, ``${x}``)
                case = next((f for f in flags if f in "LUC"), "")
                out.append("${" + named.group(1) + {"L": ",,", "U": "^^", "C": "^"}.get(case, ""))
                out.append(named.group(2))
                word += "$"
                changed = True
                i = named.end()
                continue
            out.append(text[i:after])
            word += "$"
            i = after
            continue
        if dq:
            out.append(ch)
            i += 1
            continue
        if ch == "(":
            if (i and text[i - 1] in "$<>=") or not (word or not at_name):
                out.append(ch)  # a substitution, an array, a subshell
                at_name, word, name = True, "", ""
                i += 1
                continue
            end = matching(text, i, "(", ")")
            if end < 0:
                out.append(text[i:])
                break
            body = text[i + 1 : end]
            if not body:
                out.append("()")  # ``f() …``: a function
                i = end + 1
                continue
            trailing = end + 1 >= n or text[end + 1] in " \t\n;&|<>)"
            before = "".join(out).rstrip(" \t")
            op = before[len(before.rstrip("<>&|!")) :]
            alternatives = _alternatives(body)
            if op and not word and trailing and len(alternatives) > 1:
                # ``cat < (.env|x)``: zsh opens each (MULTIOS); one redirection each
                out.append(f" {op} ".join(_zsh_pattern(a, 1) for a in alternatives))
            else:
                out.append(_zsh_group(body, trailing))
            word += "x"
            changed = True
            i = end + 1
            continue
        if ch in " \t":
            end_word()
        elif ch in ";&|\n`{":
            end_word()
            at_name, name = True, ""
        elif ch == ")":
            end_word()
            at_name = False
        elif ch not in "<>":
            word += ch
        out.append(ch)
        i += 1
    if not (changed or codes or evaluates):
        return None
    return "".join(out), codes, evaluates


def _bind_commands(value: str) -> list[str]:
    """The shell command of ``bind -x 'KEYSEQ: COMMAND'`` (or ``"KEYSEQ" COMMAND``), as
    every reading of where the key sequence ends and whether quotes surround the command."""
    text = value.lstrip()
    rest = text
    if text[:1] in ('"', "'"):
        j = 1
        while j < len(text) and text[j] != text[0]:
            j += 2 if text[j] == "\\" else 1
        rest = text[j + 1 :]
    found = [rest, rest.partition(":")[2], text.partition(":")[2]]
    out: list[str] = []
    for candidate in found:
        candidate = candidate.strip()
        out.append(candidate)
        if len(candidate) >= 2 and candidate[0] in ('"', "'") and candidate[-1] == candidate[0]:
            out.append(candidate[1:-1])
    return [c for c in dict.fromkeys(out) if c]


def _blank(gap: bytes) -> bool:
    """Whitespace (line continuations included) between two tokens."""
    return not gap.replace(b"\\\n", b"").strip(b" \t\n")


#: Words bash reads as keywords in command position: a "command" named so is a misparse.
RESERVED = frozenset({
    "if", "then", "else", "elif", "fi", "do", "done", "while", "until", "case", "esac",
    "for", "select", "function", "in", "{", "}", "[[", "]]", "!", "time", "coproc",
})  # fmt: skip
#: Builtins that keep shell code in a string and run it (:meth:`_Walk.builtin_code`).
_STRING_CODE = frozenset({"trap", "mapfile", "readarray", "alias", "complete", "compgen", "bind"})
#: Commands whose operands bash may evaluate arithmetically (or as a variable name with a
#: subscript): a ``$(…)`` in a subscript among them runs.
_ARITHMETIC_OPERANDS = frozenset({
    "let", "test", "[", "read", "wait", "getopts", "printf", "unset", "mapfile", "readarray",
    "declare", "typeset", "local", "export", "readonly",
})  # fmt: skip
#: Variables bash expands as prompts, their ``$(…)`` run: ``PS4`` under ``set -x``, and in an
#: interactive shell (``bash -i`` reading stdin, checked) ``PS0``, ``PS1`` and ``PS2``.
_PROMPTS = frozenset({"PS0", "PS1", "PS2", "PS4"})
#: Variables whose value is shell code run later: ``PROMPT_COMMAND`` (each element of it as
#: an array) before each prompt of ``bash -i``; zsh's ``functions[NAME]`` (zsh/parameter)
#: defines ``NAME``, ``aliases[NAME]`` an alias (checked with zsh 5.9).
_CODE_VARIABLES = frozenset({
    "PROMPT_COMMAND", "functions", "dis_functions", "aliases", "galiases", "saliases",
    "dis_aliases", "dis_galiases", "dis_saliases",
})  # fmt: skip
#: At most this many commands and scripts of a line are read again from known values, each
#: in its first :data:`_GUESSED_WORDS` words, eight of them spelled out at most.
MAX_GUESSED_COMMANDS = 64
_GUESSED_WORDS = 64
#: a variable's name as ``read`` takes it
_NAME_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: an array element given with its index, ``[0]=VALUE``
_KEYED_ELEMENT = re.compile(r"\[[^\]]*\]=(.*)", re.DOTALL)
#: Node kinds outside the walk's model whose text bash evaluates (:meth:`_Walk.held_code`).
_HOLDS_CODE = frozenset(
    {"arithmetic_expansion", "c_style_for_statement", "declaration_command", "unset_command"}
)
#: Builtins that evaluate a literal operand as an array subscript (``read 'a[$(cmd)]'``).
_SUBSCRIPT_EVALUATORS = frozenset({"test", "[", "read", "wait", "getopts", "printf", "unset"})


def _redirected_statement_of(node: Any, parent_of: Any) -> Any:
    """The ``redirected_statement`` whose redirections belong to command ``node``. The
    grammar hangs ``a && b > f`` as (a && b) > f; bash gives ``> f`` to the last simple
    command of a list or pipeline, so that is the one it is attributed to (the file access
    itself is judged whoever owns it)."""
    child = node
    parent = parent_of(node)
    while parent is not None and parent.type in ("list", "pipeline", "negated_command"):
        if parent.children[-1].start_byte != child.start_byte:
            return None  # not the last command of the list
        child, parent = parent, parent_of(parent)
    if parent is None or parent.type != "redirected_statement":
        return None
    if parent.children[0].start_byte != child.start_byte:
        return None
    return parent


def _escaped_at(text: str, at: int) -> bool:
    """Whether the character at ``at`` follows an odd run of backslashes."""
    run = 0
    while at - run - 1 >= 0 and text[at - run - 1] == "\\":
        run += 1
    return run % 2 == 1


def _ansi_c_complete(raw: str) -> bool:
    """``$'...'`` as bash reads it: the first quote not escaped by a backslash closes it."""
    if not raw.startswith("$'") or len(raw) < 3:
        return False
    i = 2
    while i < len(raw):
        if raw[i] == "\\":
            i += 2
            continue
        if raw[i] == "'":
            return i == len(raw) - 1
        i += 1
    return False


def _is_part(node: Any) -> bool:
    return node.type in _WORD_KINDS or node.type == "command_name"


def _groups(nodes: list[Any]) -> list[list[Any]]:
    """Word nodes grouped into the words bash reads: touching parts are one word."""
    groups: list[list[Any]] = []
    for node in nodes:
        if node.type == "command_name":
            node = node.named_children[0] if node.named_children else node
        if groups and groups[-1][-1].end_byte == node.start_byte and _is_part(node):
            groups[-1].append(node)
        else:
            groups.append([node])
    return groups


def _owning_command(redirect: Any, parent_of: Any) -> Any:
    """The simple command a redirection's extra words go to (see ``_Walk.command``)."""
    parent = parent_of(redirect)
    if parent is not None and parent.type == "command":
        return parent
    if parent is None or parent.type != "redirected_statement":
        return None
    body = parent.children[0]
    while body.type in ("list", "pipeline", "negated_command") and body.children:
        body = body.children[-1]
    return body if body.type == "command" else None


def _nodes(root: Any, parents: dict[int, Any] | None = None) -> Iterator[Any]:
    """Every node under ``root``, depth first, without recursion (trees can be deep);
    ``parents``, when given, is filled with each node's parent (by ``node.id``)."""
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        children = node.children
        if children:
            if parents is not None:
                for child in children:
                    parents[child.id] = node
            stack.extend(reversed(children))


def _brace_expansion(text: str) -> bool:
    """Whether unquoted ``text`` holds a brace expansion (``{a,b}``, ``{1..9}``)."""
    depth = 0
    opened = -1
    for i, ch in enumerate(text):
        if ch == "{":
            depth += 1
            opened = i if depth == 1 else opened
        elif ch == "}" and depth:
            depth -= 1
            if depth == 0 and ("," in text[opened:i] or ".." in text[opened:i]):
                return True
    return False


#: ``~+``, ``~+0`` and ``~0`` (``dirs +0``) are bash's ``$PWD``: the directory the line is in
#: at that point (bash sets PWD where it starts and at every ``cd``; a line that assigns PWD
#: otherwise is not modelled). ``~-`` is ``$OLDPWD``, not known here.
_PWD_TILDE = re.compile(r"~(?:\+0?|0)(?=/|$)")
_ASSIGNMENT_LIKE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\+?=")


def _bare_tilde(raw: str) -> bool:
    """A tilde-prefix with no slash after it (``~``, ``~+``): a quoted part that follows
    belongs to the prefix, and bash leaves the word as written."""
    return raw.startswith("~") and "/" not in raw


def _assigned_tilde(unquoted: str) -> bool:
    """bash expands ``~`` after the ``=`` and after every ``:`` of an argument that reads as
    an assignment (``cat a=~/.ssh/id_rsa`` reads ``a=$HOME/.ssh/id_rsa``): such a word is
    not known (``unquoted`` is the word's text, quoted parts as NUL)."""
    match = _ASSIGNMENT_LIKE.match(unquoted)
    return match is not None and re.search(r"[=:]~", unquoted[match.end() - 1 :]) is not None


def _unquoted(raw: str, leading: bool, braces_done: bool = False) -> Word:
    r"""An unquoted word: ``\x`` is ``x`` (and never a glob), ``*?[`` are globs, a leading
    ``~`` is the home directory (``~user`` is not modelled), braces may expand (unless
    ``braces_done``: the text is what brace expansion left)."""
    out: list[str] = []
    glob = False
    i = 0
    while i < len(raw):
        ch = raw[i]
        if ch == "\\" and i + 1 < len(raw):
            if raw[i + 1] != "\n":
                out.append(raw[i + 1])
            i += 2
            continue
        if ch in _GLOB_CHARS:
            glob = True
        elif (ch == "$" and i + 1 < len(raw)) or ch == "`":
            return Word(raw, raw, static=False)
        out.append(ch)
        i += 1
    value = "".join(out)
    static = braces_done or not _brace_expansion(raw)
    tilde = False
    if leading and raw.startswith("~"):
        pwd = _PWD_TILDE.match(raw)
        if raw == "~" or raw.startswith("~/"):
            tilde = True
        elif pwd is not None:
            value = "." + value[pwd.end() :]  # ~+ is $PWD: where the line is, as ./ is
        else:
            static = False  # ~user, ~-: another directory (OLDPWD is not known)
    elif _assigned_tilde(raw):
        static = False
    if "\x00" in value:
        static = False
    return Word(value, raw, static=static, glob=glob, tilde=tilde)


_ANSI_SIMPLE = {
    "a": "\a", "b": "\b", "e": "\x1b", "E": "\x1b", "f": "\f", "n": "\n", "r": "\r",
    "t": "\t", "v": "\v", "\\": "\\", "'": "'", '"': '"', "?": "?",
}  # fmt: skip


def ansi_c(body: str) -> str | None:
    r"""The value of ``$'...'`` (bash's ANSI-C quoting), or None for an escape not modelled
    (``\c``, a NUL)."""
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch != "\\" or i + 1 >= len(body):
            out.append(ch)
            i += 1
            continue
        nxt = body[i + 1]
        if nxt in _ANSI_SIMPLE:
            out.append(_ANSI_SIMPLE[nxt])
            i += 2
            continue
        match = None
        if nxt in "01234567":
            match = re.match(r"[0-7]{1,3}", body[i + 1 :])
            code = int(match.group(0), 8) if match else 0
        elif nxt == "x":
            match = re.match(r"x([0-9A-Fa-f]{1,2})", body[i + 1 :])
            code = int(match.group(1), 16) if match else -1
        elif nxt in "uU":
            width = 4 if nxt == "u" else 8
            match = re.match(rf"{nxt}([0-9A-Fa-f]{{1,{width}}})", body[i + 1 :])
            code = int(match.group(1), 16) if match else -1
        else:
            return None
        if match is None or code <= 0 or code > 0x10FFFF:
            return None
        out.append(chr(code & 0xFF) if nxt not in "uU" else chr(code))
        i += 1 + len(match.group(0))
    return "".join(out)


# ----------------------------------------------------------------------------- programs

#: Programs whose operands are files they read (every non-option word, over-approximated:
#: a ``grep`` pattern is judged as a path too, which can only make a call stricter).
READERS = frozenset({
    "cat", "head", "tail", "less", "more", "nl", "tac", "grep", "egrep", "fgrep", "rg", "ag",
    "wc", "sort", "uniq", "cut", "diff", "cmp", "strings", "xxd", "od", "hexdump", "base64",
    "base32", "md5sum", "sha1sum", "sha224sum", "sha256sum", "sha384sum",
    "sha512sum", "b2sum", "cksum", "sum", "jq", "yq", "awk", "gawk", "mawk", "sed", "paste",
    "join", "comm", "fold", "fmt", "pr", "expand", "unexpand", "iconv", "zcat", "bzcat",
    "xzcat", "zless", "zgrep", "bat", "batcat", "view", "look", "tr", "column", "csplit",
    "split", "gpg", "openssl", "source", ".",
})  # fmt: skip
#: Programs that print the names in the directories they are given (the current one when
#: none is).
LISTERS = frozenset({"ls", "dir", "vdir", "tree", "exa", "eza", "lsd", "gls"})
#: Programs whose every operand is a file they change, create or remove.
WRITERS = frozenset({
    "tee", "rm", "rmdir", "unlink", "shred", "truncate", "touch", "mkdir", "chmod", "chown",
    "chgrp", "chattr", "setfacl", "ln", "mkfifo", "mknod", "mv", "patch",
})  # fmt: skip
#: Programs that read every operand but the last, which they write (``cp a b``).
COPIERS = frozenset({"cp", "install", "scp", "rsync", "rclone"})
#: Programs that write files we cannot name (an archive's members, a tree they walk).
_UNNAMED_WRITERS = {"unzip": "unzip", "7z": "7z", "cpio": "cpio", "git": "git"}


def file_accesses(cmd: Command) -> list[Access]:
    """The files ``cmd`` reads and writes, as far as its program is known."""
    words = cmd.words
    if not words:
        return []
    name = cmd.basename
    args = words[1:]
    # after ``--`` every word is an operand, ``-/../.env`` included
    end = next((i for i, w in enumerate(args) if w.static and w.value == "--"), len(args))
    operands = [
        w for w in args[:end] if not (w.static and w.value.startswith("-") and w.value != "-")
    ] + args[end + 1 :]
    options = [w for w in args if w.static and w.value.startswith("--") and "=" in w.value]
    out: list[Access] = []

    def add(mode: str, word: Word | None) -> None:
        if word is not None and word.static and word.value in ("-", ""):
            return
        out.append(Access(mode, word, name))

    for opt in options:  # --file=x, --output=x: a path either way
        value = opt.value.split("=", 1)[1]
        mode = "write" if opt.value.startswith(("--output", "--out-file", "--log-file")) else "read"
        add(mode, Word(value, opt.raw, glob=opt.glob))
    if name in READERS:
        for w in operands:
            add("read", w)
        if name == "sed" and any(w.static and w.value.startswith("-i") for w in args):
            for w in operands[1:]:
                add("write", w)
        if name == "sort":
            for i, w in enumerate(args[:-1]):
                if w.static and w.value == "-o":
                    add("write", args[i + 1])
    elif name in LISTERS:
        # the names in a directory, as the LS tool: judged by Read rules on what is inside
        # it (``ls secrets`` against ``Read(./secrets/**)``); recursively, a read of the tree
        recursive = (
            name == "tree"
            or any(
                w.static and w.value in ("-T", "--tree") and name in ("exa", "eza", "lsd")
                for w in args[:end]
            )
            or any(
                w.static
                and (
                    w.value == "--recursive"
                    or (w.value[:1] == "-" and w.value[1:2] != "-" and "R" in w.value)
                )
                for w in args[:end]
            )
        )
        for w in operands or [Word(".", ".")]:
            add("read" if recursive else "list", w)
    elif name in WRITERS:
        for w in operands:
            add("write", w)
    elif name in COPIERS:
        for w in operands[:-1]:
            add("read", w)
        if operands:
            add("write", operands[-1])
        for i, w in enumerate(args[:-1]):
            if w.static and w.value in ("-t", "--target-directory"):
                add("write", args[i + 1])
        if name in ("scp", "rsync", "rclone"):
            for w in operands:
                if not w.static or (":" in w.value and not w.value.startswith(("/", "./"))):
                    out.append(Access("egress", w, name))
    elif name == "dd":
        for w in args:
            if w.value.startswith("if="):
                add("read", Word(w.value[3:], w.raw, static=w.static, glob=w.glob))
            elif w.value.startswith("of="):
                add("write", Word(w.value[3:], w.raw, static=w.static, glob=w.glob))
    elif name == "tar":
        first = args[0].value if args else ""
        extracting = any(
            w.static
            and (
                w.value in ("-x", "--extract", "--get")
                or (w.value[:1] != "-" and w is args[0] and "x" in first)
                or (w.value.startswith("-") and not w.value.startswith("--") and "x" in w.value)
            )
            for w in args
        )
        for w in operands:
            add("read", w)
        if extracting:
            out.append(Access("write", None, "tar -x"))
    elif name == "git":
        out.extend(_git_accesses(cmd))
    elif name == "find":
        starts = [w for w in args if not w.value.startswith(("-", "(", ")", "!"))]
        starts = starts[
            : next((i for i, w in enumerate(args) if w.value.startswith("-")), len(args))
        ]
        for w in starts:
            add("read", w)
        for i, w in enumerate(args):
            if w.value in ("-delete",):
                out.append(Access("write", None, "find -delete"))
            if w.value in ("-fprint", "-fprint0", "-fprintf", "-fls") and i + 1 < len(args):
                add("write", args[i + 1])
    elif name in _UNNAMED_WRITERS:
        out.append(Access("write", None, name))
    elif name == "script":
        add("write", _typescript(args))
    for w in args:  # /dev/tcp/HOST/PORT as an operand (cat < is a redirect, judged apart)
        if w.static and w.value.startswith(("/dev/tcp/", "/dev/udp/")):
            out.append(Access("egress", w, name))
        if w.static and w.glob:
            # bash lists the directories a glob passes through: ``echo ~/.ssh/*`` prints
            # the names in ~/.ssh whatever the program
            out.append(Access("names", w, name))
    return out


def _typescript(args: list[Word]) -> Word | None:
    """The file ``script [options] [FILE]`` writes (``typescript`` when none is named)."""
    valued = _WRAPPER_ARGS["script"] | {"-c", "--command"}
    i = 0
    while i < len(args):
        word = args[i]
        if not word.static:
            return None
        value = word.value
        if value == "--":
            return args[i + 1] if i + 1 < len(args) else Word("typescript", "typescript")
        if not value.startswith("-") or value == "-":
            return word
        if value in valued or value.startswith("--"):
            i += 2 if value in valued else 1
            continue
        taken, _found = _short_cluster(word, args[i + 1 : i + 2], valued, None)
        i += 1 + taken
    return Word("typescript", "typescript")


#: The words that make a git command line read or write files (:mod:`overseer.policy.gitargs`
#: models them); a line with none (``git status``) is answered without importing it.
GIT_FILE_WORDS = frozenset({
    "diff", "show", "grep", "archive", "format-patch", "log", "whatchanged", "reflog", "stash",
    "shortlog", "blame", "annotate", "cat-file", "--output", "-o", "--no-index",
})  # fmt: skip


def _git_accesses(cmd: Command) -> list[Access]:
    if all(w.static and w.value not in GIT_FILE_WORDS for w in cmd.words[1:]):
        return []
    from overseer.policy.gitargs import git_accesses  # after this module: it uses Access

    return git_accesses(cmd)


def unwrap(cmd: Command) -> tuple[str, Command | None, Word | None] | None:
    """``sudo -u root rm x`` runs ``rm x``: ``(wrapper, inner command, script)``, where
    script is a string the wrapper hands to a shell (``su -c``, ``watch 'cmd'``,
    ``env -S``), or None when ``cmd`` is no wrapper. Short options may be joined
    (``sudo -Eu root``, ``script -qc CMD``), as getopt reads them."""
    name = cmd.basename
    if name in LAUNCHERS or name in PACKAGE_RUNNERS:
        return _unwrap_launcher(cmd)
    if name not in WRAPPERS:
        return None
    if name in ("su", "runuser"):
        return _unwrap_su(cmd)
    takes_value = _WRAPPER_ARGS.get(name, frozenset())
    rest = cmd.words[1:]
    assignments: list[tuple[str, Word]] = list(cmd.assignments)
    script: Word | None = None
    runner = _STRING_RUNNERS.get(name)
    exact = cmd.exact and name != "xargs"
    while rest:
        word = rest[0]
        value = word.value
        if not word.static:
            break
        if runner and value in (runner, "--command") and len(rest) > 1:
            script = rest[1]
            rest = rest[2:]
            continue
        if runner and value.startswith("--command="):
            script = Word(value.split("=", 1)[1], word.raw)
            rest = rest[1:]
            continue
        if name == "env" and (value in ("-S", "--split-string") or value.startswith("-S")):
            text = rest[1] if value in ("-S", "--split-string") and len(rest) > 1 else None
            script = text or Word(value[2:], word.raw)
            rest = rest[2:] if text else rest[1:]
            continue
        if name == "env" and value.startswith("--split-string="):
            script = Word(value.split("=", 1)[1], word.raw)
            rest = rest[1:]
            continue
        if value.startswith("-") and value != "-":
            if value in takes_value or value.startswith("--"):
                rest = rest[2:] if value in takes_value else rest[1:]
                continue
            taken, found = _short_cluster(
                word, rest[1:2], takes_value, "-S" if name == "env" else runner
            )
            script = found or script
            rest = rest[1 + taken :]
            continue
        if name == "env" and "=" in value:  # GNU env: any operand with '=' is one
            key, _, val = value.partition("=")
            assignments.append((key, Word(val, word.raw)))
            rest = rest[1:]
            continue
        if name == "timeout" and _DURATION.match(value):
            rest = rest[1:]
            continue
        break
    skip = _WRAPPER_OPERANDS.get(name, 0)
    rest = rest[skip:]
    if runner and len(rest) > 1 and rest[0].static and rest[0].value in (runner, "--command"):
        script = rest[1]  # ``flock FILE -c CMD``, ``sg GROUP -c CMD``
        rest = rest[2:]
    if runner and script is None:
        script = _late_script(cmd.words[1:], runner)
    if name == "script":
        return name, None, script  # its operand is the typescript file, never a program
    if name == "sg" and rest and script is None:
        # ``sg GROUP 'CMD'``: CMD is run by /bin/sh -c
        if all(w.static for w in rest):
            return name, None, Word(" ".join(w.value for w in rest), rest[0].raw)
        return name, Command(rest, assignments, exact=False), None
    if name == "watch" and rest:
        # watch runs its operands joined by spaces through ``sh -c``
        joined = " ".join(w.value for w in rest)
        if all(w.static for w in rest):
            return name, None, Word(joined, joined)
        return name, Command(rest, assignments, exact=False), None
    inner = Command(rest, assignments, exact=exact) if rest else None
    return name, inner, script


def _long_command(name: str) -> bool:
    """``--command`` or ``--session-command`` as getopt_long takes them: by any prefix that
    names no other option of script's or su's (``--c``, ``--comm``, ``--se``)."""
    return (len(name) >= 3 and "--command".startswith(name)) or (
        len(name) >= 4 and "--session-command".startswith(name)
    )


def _late_script(words: Sequence[Word], runner: str) -> Word | None:
    """The script of a string runner given after its operands (getopt permutes:
    ``script /dev/null -qc CMD``, ``sg - wheel -c CMD``): the word after its option,
    wherever it is, or the rest of a cluster that ends in the option's letter."""
    for i, word in enumerate(words):
        value = word.value
        following = words[i + 1] if i + 1 < len(words) else None
        if value == "--":
            return None
        name, eq, inline = value.partition("=")
        if (value == runner or _long_command(name)) and following is not None and not eq:
            return following
        if eq and _long_command(name):
            return Word(inline, word.raw)
        if value.startswith("-") and not value.startswith("--") and runner[1] in value[1:]:
            rest = value[value.index(runner[1], 1) + 1 :]
            return Word(rest, word.raw) if rest else following
    return None


def _short_cluster(
    word: Word, following: list[Word], takes_value: frozenset[str], runner: str | None
) -> tuple[int, Word | None]:
    """Read ``-abc`` as getopt does: letters in turn, until one that takes a value (the
    rest of the word, or the next word). Returns how many following words it took and the
    script, when the letter was the runner's (``script -qc CMD``)."""
    value = word.value
    for at in range(1, len(value)):
        letter = "-" + value[at]
        if letter != runner and letter not in takes_value:
            continue
        inline = value[at + 1 :]
        if inline:
            argument, taken = Word(inline, word.raw), 0
        elif following:
            argument, taken = following[0], 1
        else:
            return 0, None
        return taken, argument if letter == runner else None
    return 0, None


#: ``su``/``runuser`` options that take a value (getopt permutes: they may follow the user).
_SU_VALUED = frozenset({
    "-s", "-g", "-G", "-w", "-u", "--shell", "--group", "--supp-group",
    "--whitelist-environment", "--user",
})  # fmt: skip


def _unwrap_launcher(cmd: Command) -> tuple[str, Command | None, Word | None] | None:
    """``uv run [OPTIONS] CMD…``, ``npx CMD…``, ``direnv exec DIR CMD…``: the command it runs
    (see :data:`LAUNCHERS`). ``uv tool run`` / ``uvx`` / ``npx`` name a package's program,
    which may share a name with any other: judged as that program all the same."""
    name = cmd.basename
    rest = cmd.words[1:]
    key: tuple[str, str] | None = None
    if name in LAUNCHERS:
        # The subcommand may follow global options (``uv --quiet run``, ``poetry -C dir run``):
        # the first word that is a known subcommand, once every word before it is static.
        optioned = False
        for i, word in enumerate(rest):
            if not word.static:
                return None if i == 0 else (name, Command(rest[i:], [], exact=False), None)
            if word.value in LAUNCHERS[name]:
                key = (name, word.value)
                exact = not optioned  # a global option before it may take the next word
                rest = rest[i + 1 :]
                break
            if word.value.startswith("-"):
                optioned = True
            elif not optioned:
                return None  # another subcommand (``uv pip install``): not a launcher
            # else: perhaps a global option's value (``uv -p 3.11 run``): look further
        else:
            return None
        if key == ("uv", "tool"):
            if not rest or not rest[0].static or rest[0].value != "run":
                return None
            rest, key = rest[1:], ("uv", "tool run")
    else:
        exact = True
    label = f"{name} {key[1]}" if key else name
    skip = _LAUNCHER_OPERANDS.get(key, 0) if key else 0
    exact = exact and cmd.exact
    scripts = _LAUNCHER_SCRIPTS.get(label, ())
    script: Word | None = None
    if label in _TOOL_SPEC_LAUNCHERS:
        # ``mise exec [TOOL@VERSION]... -- CMD``: without ``--`` no word is known to be it
        dashes = next((i for i, w in enumerate(rest) if w.static and w.value == "--"), None)
        if dashes is None:
            exact = False
    while rest:
        word = rest[0]
        value = word.value
        if not word.static:
            exact = False
            break
        if value == "--":
            rest = rest[1:]
            break
        if value in scripts and len(rest) > 1:
            script, rest = rest[1], rest[2:]  # ``npx -c 'CMD'``: a shell runs CMD
            continue
        inline = next((o for o in scripts if value.startswith(o) and len(value) > len(o)), None)
        if inline is not None and (inline == "-c" or value[len(inline)] == "="):
            text = value[len(inline) + (inline != "-c") :]
            script, rest = Word(text, word.raw), rest[1:]  # ``--call=CMD``, ``-cCMD``
            continue
        if value.startswith("-") and value != "-":
            exact = False  # an option: it may take the next word as its value
            rest = rest[1:]
            continue
        if label in _TOOL_SPEC_LAUNCHERS and dashes is not None:
            rest = rest[1:]  # a tool spec, before ``--``
            continue
        if skip:
            skip -= 1
            rest = rest[1:]
            continue
        break
    if label in _JOINED_LAUNCHERS and rest and script is None:
        # a task of that name, else the words joined as one line for pixi's own shell
        if all(w.static for w in rest):
            return label, None, Word(" ".join(w.value for w in rest), rest[0].raw)
        exact = False
    if not rest:
        return (label, None, script) if script is not None else None
    return label, Command(rest, list(cmd.assignments), exact=exact), script


def _unwrap_su(cmd: Command) -> tuple[str, Command | None, Word | None]:
    """``su [-] [options] [USER [ARG...]]``: options may come before or after the user
    (``su root -c CMD``); ``-c`` hands CMD to the user's shell, other arguments go to that
    shell too (a script it runs: not known). ``runuser -u USER CMD...`` runs CMD itself."""
    name = cmd.basename
    words = cmd.words[1:]
    script: Word | None = None
    operands: list[Word] = []
    direct = False
    i = 0
    while i < len(words):
        word = words[i]
        value = word.value
        if not word.static or not value.startswith("-") or value == "-":
            if value != "-" or not word.static:
                operands.append(word)
            i += 1
            continue
        if value == "--":
            operands.extend(words[i + 1 :])
            break
        if (value == "-c" or _long_command(value)) and i + 1 < len(words):
            script = words[i + 1]
            i += 2
            continue
        if "=" in value and _long_command(value.partition("=")[0]):
            script = Word(value.split("=", 1)[1], word.raw)
            i += 1
            continue
        if value in ("-u", "--user") or value.startswith("--user="):
            direct = name == "runuser"
        if value.startswith("--"):
            i += 2 if value in _SU_VALUED else 1
            continue
        taken, found = _short_cluster(word, words[i + 1 : i + 2], _SU_VALUED, "-c")
        if "u" in value[1:] and name == "runuser":
            direct = True
        script = found or script
        i += 1 + taken
    rest = operands if direct else operands[1:]
    inner = Command(rest, list(cmd.assignments), exact=direct and cmd.exact) if rest else None
    return name, inner, script


def find_execs(cmd: Command) -> list[Command]:
    """``find -exec CMD {} ;`` / ``-execdir`` / ``-ok``: CMD runs once per match."""
    found: list[Command] = []
    words = cmd.words
    for i, word in enumerate(words):
        if word.value in ("-exec", "-execdir", "-ok", "-okdir") and i + 1 < len(words):
            inner: list[Word] = []
            for arg in words[i + 1 :]:
                if arg.value in (";", "+"):
                    break
                inner.append(arg)
            if inner:
                found.append(Command(inner, [], exact=False))
    return found
