"""What a ``sqlite3`` command line opens, read as SQLite reads it, for the built-in guard.

The guard keeps overseer's store from a database client, but SQLite names a file in more
ways than a path: a ``file:`` URI filename is percent-decoded (``file:overseer%2edb``),
``ATTACH`` takes any SQL *expression* (``'overs'||'eer.db'``), dot-commands open, back up
and write files or run programs (``.open``, ``.output``, ``.shell``), and with no SQL on
its command line the shell reads its script from stdin. This module lists, for one command
line, every file name it opens and everything about it that cannot be told:

- the database operand and each ``.open``/``.restore``/``.backup``/``.output``... file
  argument, decoded as ``sqlite3ParseUri`` does (``file:`` prefix, ``//localhost``
  authority, ``%HH`` octets, ``%00`` ending the name, ``?`` query and ``#`` fragment);
- ``ATTACH`` and ``VACUUM INTO`` whose target is one string literal (judged like any file
  name); any other target expression is *unseen* (it may be the store);
- SQL functions that reach other files or load code (``writefile``, ``edit``,
  ``load_extension``, the ``zipfile`` table), dot-commands that run a program, read SQL
  from a file or change directory (``.shell``, ``.read``, ``.cd``...), a dot-command the
  guard does not know (the shell takes unique prefixes: ``.sh`` may be ``.shell``), an
  option it does not know, SQL read from stdin it cannot see: all *unseen*.

SQL given on stdin by a here-document is read like an argument. Pure and stdlib-only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

#: Options of the sqlite3 shell (``--x`` is ``-x``) and how many words each takes.
_OPTIONS: dict[str, int] = {
    **dict.fromkeys(
        ("append", "ascii", "bail", "batch", "box", "column", "csv", "deserialize", "echo",
         "header", "noheader", "help", "html", "interactive", "json", "line", "list",
         "markdown", "nofollow", "no-rowid-in-view", "quote", "readonly", "safe", "stats",
         "table", "tabs", "utf8", "version", "zip", "multiplex", "memtrace", "pcachetrace",
         "unsafe-testing", "nonce-free"),
        0,
    ),
    **dict.fromkeys(
        ("separator", "newline", "nullvalue", "cmd", "init", "heap", "mmap", "maxsize", "vfs",
         "nonce", "escape", "sorterref", "threadsafe"),
        1,
    ),
    "pagecache": 2,
    "lookaside": 2,
}  # fmt: skip
#: Options whose value is SQL or dot-commands run before stdin.
_SQL_OPTIONS = frozenset({"cmd"})

#: Dot-commands that touch no file and run nothing.
_SAFE_DOTS = frozenset({
    "auth", "bail", "binary", "changes", "check", "databases", "dbinfo", "dbtotxt", "dump",
    "echo", "eqp", "exit", "expert", "explain", "fullschema", "headers", "help", "indexes",
    "indices", "limit", "lint", "mode", "nonce", "nullvalue", "parameter", "print",
    "progress", "prompt", "quit", "recover", "scanstats", "schema", "separator", "sha3sum",
    "show", "stats", "tables", "testcase", "timeout", "timer", "vfsinfo", "vfslist",
    "vfsname", "width", "crnl", "connection", "unmodule",
})  # fmt: skip
#: Dot-commands whose operands are file names (opened, written or restored from).
_PATH_DOTS = frozenset({
    "open", "restore", "backup", "save", "clone", "output", "once", "log", "trace",
    "iotrace", "import",
})  # fmt: skip
#: Dot-commands that run a program, load code, read SQL from a file, change directory, or
#: run SQL kept in a table: what they do is not on the command line.
_UNSEEN_DOTS = frozenset({
    "shell", "system", "load", "read", "cd", "archive", "ar", "excel", "www", "selftest",
    "session", "imposter", "testctrl", "filectrl", "dbconfig",
})  # fmt: skip
_KNOWN_DOTS = _SAFE_DOTS | _PATH_DOTS | _UNSEEN_DOTS

#: SQL functions and tables that reach files beyond the databases opened, or load code.
_RISKY_SQL = frozenset({"writefile", "edit", "load_extension", "zipfile", "fts3_tokenizer"})

_TOKEN = re.compile(
    r"""\s+|--[^\n]*|/\*.*?(?:\*/|\Z)|'(?:[^']|'')*'?|"(?:[^"]|"")*"?|`(?:[^`]|``)*`?"""
    r"""|\[[^\]]*\]?|[A-Za-z_][A-Za-z0-9_$]*|[0-9][0-9A-Za-z_.]*|.""",
    re.DOTALL,
)


class Opened:
    """What one client invocation opens: file ``names`` (as the client will open them:
    relative to its working directory unless absolute) and ``unseen``: why what it opens
    cannot be told (empty when it can)."""

    __slots__ = ("names", "unseen")

    def __init__(self) -> None:
        self.names: list[str] = []
        self.unseen: list[str] = []

    def add(self, name: str | None) -> None:
        if name is None:
            self.unseen.append("a file name SQLite cannot decode")
        elif name not in ("", ":memory:") and name not in self.names:
            self.names.append(name)


def uri_filename(name: str) -> str | None:
    """The file SQLite opens for ``name``: a ``file:`` URI decoded as ``sqlite3ParseUri``
    decodes it, any other name as it is. ``""`` when the URI names no file SQLite opens (an
    authority other than ``localhost`` is an error); None when the bytes are not UTF-8."""
    if not name.startswith("file:"):
        return name
    at = 5
    if name.startswith("//", at):
        end = name.find("/", at + 2)
        end = len(name) if end < 0 else end
        if name[at + 2 : end] not in ("", "localhost"):
            return ""  # "invalid uri authority": nothing is opened
        at = end
    out = bytearray()
    n = len(name)
    while at < n:
        c = name[at]
        if c in "?#":
            break
        if c == "%" and _hex2(name[at + 1 : at + 3]):
            octet = int(name[at + 1 : at + 3], 16)
            at += 3
            if octet == 0:
                break  # "%00": the rest of the name is ignored
            out.append(octet)
            continue
        out += c.encode("utf-8", "surrogateescape")
        at += 1
    try:
        return out.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _hex2(text: str) -> bool:
    return len(text) == 2 and all(c in "0123456789abcdefABCDEF" for c in text)


def shell_opens(args: Sequence[str], stdin: Iterable[str] | None) -> Opened:
    """What the sqlite3 shell run with ``args`` (the words after its name) opens.
    ``stdin``: the here-documents fed to it (None: stdin is not known)."""
    opened = Opened()
    db: str | None = None
    sql: list[str] = []
    early: list[str] = []  # -cmd: run before stdin, not instead of it
    i = 0
    while i < len(args):
        word = args[i]
        i += 1
        if not word.startswith("-") or word == "-":
            if db is None:
                db = word
            else:
                sql.append(word)
            continue
        name = word[2:] if word.startswith("--") else word[1:]
        if name.startswith("A") or name == "archive":
            opened.unseen.append("sqlite3 -A reads and writes archive files")
            return opened
        takes = _OPTIONS.get(name)
        if takes is None:
            opened.unseen.append(f"an option sqlite3 is not known to take ({word[:40]})")
            return opened
        values = args[i : i + takes]
        i += takes
        if name == "init":
            opened.unseen.append("sqlite3 -init reads SQL from a file")
        if name in _SQL_OPTIONS:
            early.extend(values)
    if db is not None:
        opened.add(uri_filename(db))
    for text in (*early, *sql):
        judge_text(text, opened, argument=True)
    if not sql:  # no SQL on the command line: the shell reads it from stdin
        if stdin is None:
            opened.unseen.append("sqlite3 reads SQL from stdin the guard does not see")
        else:
            for text in stdin:
                judge_text(text, opened, argument=False)
    return opened


def judge_text(text: str, opened: Opened, argument: bool) -> None:
    """SQL or dot-commands: an argument starting with ``.`` is one dot-command (newlines
    included); in a script, each line starting with ``.``. Both are read as SQL too (a
    superset)."""
    if argument and text.lstrip().startswith("."):
        dot_command(text.lstrip()[1:], opened)
    else:
        for line in text.split("\n"):
            if line.lstrip().startswith("."):
                dot_command(line.lstrip()[1:], opened)
    sql_opens(text, opened)


def dot_command(line: str, opened: Opened) -> None:
    """One dot-command (its text after the dot), tokenised as the shell's
    ``do_meta_command`` does."""
    tokens = _dot_tokens(line)
    if tokens is None:
        opened.unseen.append("a dot-command with backslash escapes")
        return
    if not tokens:
        return
    name, rest = tokens[0], tokens[1:]
    # the shell matches a unique prefix (``.op`` is ``.open``): every command it may be
    may_be = [d for d in _KNOWN_DOTS if d.startswith(name)] if name else []
    if not may_be or any(d in _UNSEEN_DOTS for d in may_be):
        opened.unseen.append(f"the dot-command .{name[:20]} (runs, loads or reads unseen)")
        return
    if not any(d in _PATH_DOTS for d in may_be):
        return
    for token in rest:
        if token.startswith("|"):
            opened.unseen.append(f".{name[:20]} pipes to a program")
        elif token.startswith("-") and token not in ("-",):
            if token in ("-x", "-e", "--hexdb", "--deserialize"):
                opened.unseen.append(f".{name[:20]} {token[:12]} (an editor, a program or stdin)")
        else:
            opened.add(uri_filename(token))


def _dot_tokens(line: str) -> list[str] | None:
    tokens: list[str] = []
    i, n = 0, len(line)
    while i < n:
        while i < n and line[i].isspace():
            i += 1
        if i >= n:
            break
        if line[i] in "'\"":
            delim = line[i]
            i += 1
            start = i
            while i < n and line[i] != delim:
                if line[i] == "\\" and delim == '"':
                    return None  # resolve_backslashes: not modelled
                i += 1
            tokens.append(line[start:i])
            i += 1
        else:
            start = i
            while i < n and not line[i].isspace():
                i += 1
            tokens.append(line[start:i])
    return tokens


def sql_opens(text: str, opened: Opened) -> None:
    """``ATTACH`` / ``VACUUM INTO`` targets and file-reaching functions in SQL ``text``."""
    tokens = [t for t in _TOKEN.findall(text) if t.strip() and not t.startswith(("--", "/*"))]
    words = [t.lower() for t in tokens]
    for i, word in enumerate(words):
        if word in _RISKY_SQL:
            opened.unseen.append(f"SQL calls {word} (files beyond the database, or code)")
        elif word == "attach":
            j = i + 1
            if j < len(words) and words[j] == "database":
                j += 1
            _target(tokens, words, j, ("as",), opened, "ATTACH")
        elif word == "into" and "vacuum" in words[max(0, i - 2) : i]:
            _target(tokens, words, i + 1, (";",), opened, "VACUUM INTO")


def _target(
    tokens: list[str], words: list[str], start: int, ends: tuple[str, ...], opened: Opened,
    what: str,
) -> None:  # fmt: skip
    """The expression from ``start`` to the first top-level ``ends`` word: one string
    literal is a file name; anything else is not known."""
    depth = 0
    expr: list[str] = []
    for token, word in zip(tokens[start:], words[start:], strict=True):
        if depth == 0 and (word in ends or word == ";"):
            break
        depth += (token == "(") - (token == ")")
        expr.append(token)
    if len(expr) == 1 and expr[0][:1] in ("'", '"') and len(expr[0]) >= 2:
        quote = expr[0][0]
        if expr[0][-1] == quote:
            opened.add(uri_filename(expr[0][1:-1].replace(quote * 2, quote)))
            return
    opened.unseen.append(f"{what} of an SQL expression, not one literal")
