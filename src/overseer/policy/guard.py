"""The built-in guard: calls that act on the oversight itself are never allowed by a rule.

A scope says what an agent may do to *its work*. Nothing in it may let the agent change what
judges it: overseer's config, store and installation, the agents' hook settings (which
decide whether the gate runs at all), git's config and hooks and the shell's start-up files
(which choose what later, allowed, commands run), or overseer's own operator commands and a
database client pointed at the store (decide, grant, kill, or an ``UPDATE approvals``). Such
a call is gated — asked, with the reason starting ``oversight tampering:`` and the
:data:`TAMPERING_FLAG` flag — whatever allow rule, tool-wide allow or session grant covers
it, and no config can lift that. A deny rule still denies.

What is overseer's own is known only where it runs (the config and store the hook was given,
the interpreter it runs on): the I/O layer passes those paths as ``CallContext.protected``;
the names below (``.git/``, ``.claude/settings*``...) hold everywhere.

Pure: the predicates here judge paths already resolved by the caller.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable

from overseer.policy.rules import CallContext
from overseer.policy.shell import READERS, Command

#: The flag a tampering call carries (a security detector of the same id raises it).
TAMPERING_FLAG = "oversight_tampering"
#: OWASP Agentic: ASI10 Rogue Agents (an agent working to escape its controls), ASI03
#: Identity and Privilege Abuse (granting itself authority it was not given); NHI8
#: Environment Isolation (the agent's identity reaches the control plane that judges it).
TAMPERING_OWASP = ("ASI10", "ASI03", "NHI8")
REASON_PREFIX = "oversight tampering: "

#: Files whose contents choose what *later* allowed commands run, or whether the gate runs
#: at all: git's config, hooks and attributes (``core.fsmonitor``, ``diff.external``, diff
#: drivers run by ``git diff``), and the agents' hook and MCP settings.
GUARDED_NAMES = frozenset({".gitattributes", ".gitmodules", ".gitconfig", ".mcp.json"})
#: In the home directory: shell start-up files run by every later shell the agent starts.
GUARDED_HOME = frozenset({
    ".bashrc", ".bash_profile", ".bash_login", ".profile", ".zshrc", ".zshenv", ".zprofile",
    ".bash_logout", ".bash_aliases", ".gitconfig", ".claude.json",
})  # fmt: skip
#: Every path inside these directories (and the directory itself).
GUARDED_DIRS = frozenset({".git", ".codex"})
#: Under a ``.claude`` directory: hook settings, and what Claude Code runs on its own
#: (hooks, commands, agents; the shell snapshot it sources before every Bash call).
_CLAUDE_NAMES = ("hooks", "commands", "agents", "shell-snapshots")
#: Claude Code's managed settings (``disableAllHooks``, ``allowManagedHooksOnly``) on Linux.
MANAGED_SETTINGS = "/etc/claude-code"
#: System files that choose what later shells and git commands run, for every user.
SYSTEM_GUARDED = ("/etc/gitconfig", "/etc/profile", "/etc/profile.d", "/etc/bash.bashrc",
                  "/etc/environment", "/etc/zsh", "/etc/ld.so.preload")  # fmt: skip
#: Under the home directory.
_HOME_DIRS = (".config/overseer", ".config/git", ".cache/overseer", ".local/share/overseer")

#: Programs that open a SQLite (or PostgreSQL) database given on their command line.
DB_CLIENTS = frozenset({
    "sqlite3", "sqlite", "litecli", "sqlite-utils", "sqlitebrowser", "datasette", "duckdb",
    "usql", "psql", "pgcli", "pg_dump", "pg_restore",
})  # fmt: skip
#: The clients among them that reach a PostgreSQL store by a URL or PG* variables, not a path.
PG_CLIENTS = frozenset({"psql", "pgcli", "pg_dump", "pg_restore", "usql"})
#: Shells: one given no script operand reads its script from stdin, which the guard cannot see.
SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ksh", "mksh", "ash"})
#: Interpreters that run overseer as ``python -m overseer``.
_PYTHONS = ("python", "python3", "pypy", "pypy3")


def is_guarded(path: str, ctx: CallContext) -> bool:
    """Is ``path`` (absolute, normalised) a file a write to which changes the oversight?"""
    parts = path.split("/")
    name = parts[-1]
    if name in GUARDED_NAMES or name in GUARDED_DIRS:
        return True
    if any(p in GUARDED_DIRS for p in parts[:-1]):
        return True
    if path == MANAGED_SETTINGS or path.startswith(MANAGED_SETTINGS + "/"):
        return True  # Claude Code's managed settings can switch every hook off
    if any(path == p or path.startswith(p + "/") for p in SYSTEM_GUARDED):
        return True
    if ".claude" in parts[:-1]:
        dirs = parts[:-1]
        below = parts[len(dirs) - dirs[::-1].index(".claude") :]  # after the last .claude
        # settings, and what Claude Code runs on its own: .claude/hooks/pre.sh, agents/x.md
        return name.startswith("settings") or any(p in _CLAUDE_NAMES for p in below)
    if name == ".claude":
        return True  # replacing the directory itself
    if within_any(path, ctx.protected):
        return True
    home = ctx.home
    if not home:
        return False
    if posixpath.dirname(path) == home and name in GUARDED_HOME:
        return True
    return within_any(path, [f"{home}/{d}" for d in _HOME_DIRS])


def within_any(path: str, roots: Iterable[str]) -> bool:
    """Is ``path`` one of ``roots`` or below one of them? (A write to a parent directory,
    ``mv ~/.config ~/x``, moves what is below it: that counts too.)"""
    for root in roots:
        root = root.rstrip("/") or "/"
        if path == root or path.startswith(root + "/") or root.startswith(path.rstrip("/") + "/"):
            return True
    return False


def runs_overseer(cmd: Command) -> bool:
    """Does ``cmd`` run overseer itself (``overseer decide``, ``python -m overseer``)?"""
    words = [w.value for w in cmd.words]
    if not words:
        return False
    base = cmd.basename
    if base == "overseer" or base.startswith("overseer-"):
        return True
    if base.startswith(_PYTHONS):
        for i, word in enumerate(words[1:-1], start=1):
            if word == "-m" and words[i + 1].split(".", 1)[0] == "overseer":
                return True
            if word.startswith("-m") and word[2:].split(".", 1)[0] == "overseer":
                return True
    return False


def mentions(text: str, ctx: CallContext) -> str | None:
    """The first of overseer's config and store files named anywhere in ``text``."""
    return next((f for f in ctx.protected_files if f in text), None)


#: ``git config`` options that only read.
_GIT_CONFIG_READS = frozenset({
    "--get", "--get-all", "--get-regexp", "--get-urlmatch", "--list", "-l", "--show-origin",
    "--show-scope", "--name-only", "--get-color", "--get-colorbool", "get", "list",
})  # fmt: skip
#: git's global options that take a value as the next word.
_GIT_VALUED = frozenset({"-C", "-c", "--git-dir", "--work-tree", "--namespace", "--exec-path"})


def changes_git_config(cmd: Command) -> bool:
    """``git config KEY VALUE`` (and ``--unset``, ``--add``, ``set``...): git's config
    chooses commands later git calls run (``core.hooksPath``, ``core.fsmonitor``,
    ``core.pager``, ``diff.external``, aliases), so setting it is never allowed by a rule."""
    if cmd.basename != "git":
        return False
    words = [w.value for w in cmd.words[1:]]
    i = 0
    while i < len(words) and words[i].startswith("-"):
        i += 2 if words[i] in _GIT_VALUED else 1
    if i >= len(words) or words[i] != "config":
        return False
    rest = words[i + 1 :]
    if any(w in _GIT_CONFIG_READS for w in rest):
        return False
    values = [w for w in rest if not w.startswith("-")]
    return len(values) >= 2 or any(w.startswith(_GIT_CONFIG_WRITES) for w in rest)


_GIT_CONFIG_WRITES = ("--unset", "--add", "--replace", "--rename", "--remove", "-e", "--edit")


#: Programs that only look at the paths they are given (their writes, such as ``sed -i``,
#: are accesses the scope already judges as writes).
_INSPECTORS = frozenset({
    "ls", "stat", "file", "du", "tree", "realpath", "readlink", "basename", "dirname", "test",
    "[", "[[", "echo", "printf", "lsattr", "getfacl", "namei", "cd", "pushd",
})  # fmt: skip
#: Readers whose other options write a file they name (``split``, ``gpg -o``).
_READERS_THAT_WRITE = frozenset({"sed", "sort", "split", "csplit", "gpg", "openssl", "awk",
                                 "gawk", "mawk", "source", "."})  # fmt: skip


#: How the reasons for what the guard *cannot see* end: the gate asks about such a call,
#: but it is not evidence of tampering (``curl … | bash`` is not an attack on overseer), so
#: the ``oversight_tampering`` detector does not flag it.
UNSEEN = ": it may be overseer or its store"


def is_unseen(reason: str) -> bool:
    """Is ``reason`` (a guard reason, prefixed or not) one of "cannot tell", not "does"?"""
    return UNSEEN in reason


def _script_unseen(cmd: Command) -> bool:
    """A shell that reads its script from stdin (no operand, or ``-s``) or from a ``-c``
    argument built at run time: what it runs is not in the command line."""
    words = cmd.words[1:]
    skip = False
    for i, word in enumerate(words):
        value = word.value
        if skip:
            skip = False
            continue
        if value in ("-o", "+o", "-O", "+O", "--rcfile", "--init-file"):
            skip = True  # the option's value, not a script
            continue
        if value in ("-s", "--"):
            return value == "-s" or i + 1 >= len(words)
        if value.startswith("-") and "c" in value[1:] and not value.startswith("--"):
            script = words[i + 1] if i + 1 < len(words) else None
            return script is None or not script.static
        if value.startswith(("-", "+")):
            continue
        return not word.static  # a script file: its path is judged as a read elsewhere
    return True


def command_reason(cmd: Command, named: list[str], ctx: CallContext) -> str | None:
    """Why ``cmd`` acts on the oversight, given ``named``: the guarded paths its words
    resolve to (the caller resolves them). Pure readers (``cat config.toml``) are fine."""
    if runs_overseer(cmd):
        return "runs overseer itself (its operator commands decide, grant and kill)"
    if changes_git_config(cmd):
        return "changes git's config, which chooses what later git commands run"
    base = cmd.basename
    first = cmd.words[0] if cmd.words else None
    program = first.value if first else ""
    if first is not None and not first.static:
        return f"runs a program named only when bash runs it ({first.raw[:80]}){UNSEEN}"
    if "/" in program and within_any(posixpath.normpath(program), ctx.protected):
        return f"runs {program} from overseer's own installation"
    if base in PG_CLIENTS and ctx.pg_store:
        return f"runs {base} while overseer's store is a PostgreSQL database it may open"
    if base in DB_CLIENTS and any(not w.static for w in cmd.words[1:]):
        return f"runs {base} on a database named only when bash runs it{UNSEEN}"
    if base in SHELLS and _script_unseen(cmd):
        return f"{base} runs a script the guard cannot read (stdin, or built at run time){UNSEEN}"
    if not named:
        return None
    if base in DB_CLIENTS:
        return f"opens {named[0]} with a database client"
    if base in _INSPECTORS or (base in READERS and base not in _READERS_THAT_WRITE):
        return None
    return f"{base} is given {named[0]}, one of the files that judge or gate the agent"
