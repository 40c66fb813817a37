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

import os
import posixpath
import re
import stat
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from overseer.policy.literals import joined, literals
from overseer.policy.rules import CallContext
from overseer.policy.shell import READERS, Command, Word, analyse
from overseer.policy.shell import SHELLS as _ALL_SHELLS

if TYPE_CHECKING:
    from overseer.policy import sqlite_cli
    from overseer.policy.shell import Analysis

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
#: In the home directory: shell start-up files run by every later shell the agent starts,
#: and the database shells' (``~/.sqliterc`` can ``ATTACH`` the store or ``.open`` it under
#: every later, innocent-looking ``sqlite3 x.db``).
GUARDED_HOME = frozenset({
    ".bashrc", ".bash_profile", ".bash_login", ".profile", ".zshrc", ".zshenv", ".zprofile",
    ".bash_logout", ".bash_aliases", ".gitconfig", ".claude.json", ".sqliterc", ".duckdbrc",
    ".psqlrc", ".zlogin", ".zlogout", ".kshrc", ".mkshrc", ".yashrc", ".cshrc", ".tcshrc",
    ".login", ".logout",
})  # fmt: skip
#: Overseer's console scripts (``[project.scripts]``), and the module ``python -m
#: overseer`` finds first in the directory it is run from: a file of one of these names in
#: any directory may come before the real one on the operator's ``PATH`` (or ``sys.path``)
#: and run in its place.
COMMAND_NAMES = frozenset({"overseer", "overseer.py"})
#: Files Python runs at start-up from a site directory (a ``.pth`` file's ``import`` lines
#: too): the user site (``~/.local/lib/pythonX.Y/site-packages``) may not exist yet when the
#: hook starts, so it is not among the interpreter's own protected paths.
PYTHON_STARTUP = frozenset({"sitecustomize.py", "usercustomize.py"})
#: Every path inside these directories (and the directory itself).
GUARDED_DIRS = frozenset({".git", ".codex"})
#: Under a ``.claude`` directory: hook settings, and what Claude Code runs on its own
#: (hooks, commands, agents; skills, whose ``SKILL.md`` frontmatter declares ``hooks`` and
#: ``allowed-tools`` as an agent's does; the shell snapshot it sources before every Bash
#: call; plugins, whose manifest ``.claude-plugin/plugin.json`` may declare hooks of its
#: own; the transcripts overseer reads, under ``projects``).
_CLAUDE_NAMES = ("hooks", "commands", "agents", "skills", "shell-snapshots", "plugins", "projects")
#: Files directly under ``.claude`` whose names start so: ``settings*.json``, and the
#: status line script ``statusLine`` in the settings conventionally names
#: (``~/.claude/statusline.sh``), which Claude Code runs on its own, outside the gate.
_CLAUDE_PREFIXES = ("settings", "statusline")
#: Claude Code's managed settings (``disableAllHooks``, ``allowManagedHooksOnly``) on Linux.
MANAGED_SETTINGS = "/etc/claude-code"
#: ... and on macOS.
MANAGED_SETTINGS_MACOS = "/Library/Application Support/ClaudeCode"
_FOLDED_MANAGED = (MANAGED_SETTINGS, MANAGED_SETTINGS_MACOS.lower())
#: System files that choose what later shells and git commands run, for every user.
SYSTEM_GUARDED = ("/etc/gitconfig", "/etc/profile", "/etc/profile.d", "/etc/bash.bashrc",
                  "/etc/environment", "/etc/zsh", "/etc/ld.so.preload", "/etc/ld.so.conf",
                  "/etc/ld.so.conf.d", "/etc/codex", "/etc/crontab", "/etc/cron.d",
                  "/var/spool/cron", "/etc/systemd/system", "/etc/systemd/user")  # fmt: skip
#: Under the home directory (``~/.bashrc.d``: sourced by the default ``~/.bashrc`` of
#: several distributions; fish reads ``~/.config/fish``; systemd user units and autostart
#: entries run later, outside the agent's process tree, as cron jobs do).
_HOME_DIRS = (".config/overseer", ".config/git", ".cache/overseer", ".local/share/overseer",
              ".local/state/overseer", ".config/sqlite3", ".bashrc.d", ".config/fish",
              ".config/systemd/user", ".config/autostart")  # fmt: skip

#: Programs that open a SQLite (or PostgreSQL) database given on their command line.
DB_CLIENTS = frozenset({
    "sqlite3", "sqlite", "litecli", "sqlite-utils", "sqlitebrowser", "datasette", "duckdb",
    "usql", "psql", "pgcli", "pg_dump", "pg_restore", "sqlcipher", "sqlean", "sqlite3mc",
    "sqldiff", "sqlite3_analyzer", "sqlite3_rsync", "dbhash",
})  # fmt: skip
#: The clients among them that reach a PostgreSQL store by a URL or PG* variables, not a path.
PG_CLIENTS = frozenset({"psql", "pgcli", "pg_dump", "pg_restore", "usql"})
#: Shells: one given no script operand reads its script from stdin, which the guard cannot see.
SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ksh", "mksh", "ash"})
#: Interpreters that run overseer as ``python -m overseer``: ``python3``, ``python3.11``,
#: ``pythonw``, ``python3.13t``, ``pypy3``, ``python3-dbg`` (not ``python-dotenv``).
_PYTHON = re.compile(r"^(?:python|pypy)[0-9.]*[a-z]*(?:-dbg)?$")
#: Modules that run a module, script or command named in their own arguments
#: (``python -m runpy overseer``, ``python -m cProfile -m overseer``), launchers among them.
_PY_RUNNERS = frozenset({
    "runpy", "pdb", "cProfile", "profile", "trace", "timeit", "code", "coverage",
    "pyinstrument", "memray", "scalene", "viztracer", "IPython", "ipdb", "pudb", "debugpy",
    "uv", "pipx", "poetry", "pdm", "hatch", "pipenv", "tox", "nox", "pytest", "unittest",
})  # fmt: skip
#: Programs that run a command named in their arguments, each by its own grammar (``uv run
#: --with x overseer``, ``pipx run overseer``, ``poetry run python -m overseer``, ``tmux new
#: 'overseer decide'``); :mod:`overseer.policy.shell` unwraps only the POSIX wrappers. The
#: guard does not model their options: one that names overseer in any word runs it.
LAUNCHERS = frozenset({
    "uv", "uvx", "pipx", "poetry", "pdm", "hatch", "pipenv", "rye", "pixi", "conda", "mamba",
    "micromamba", "pyenv", "mise", "rtx", "asdf", "direnv", "nix", "nix-shell", "devbox",
    "tox", "nox", "coverage", "pyinstrument", "memray", "scalene", "viztracer", "py-spy",
    "austin", "kernprof", "ipython", "ipython3", "pdb", "pdb3", "parallel", "tmux", "screen",
    "dtach", "abduco", "at", "batch", "ssh", "entr", "dbus-run-session", "gdb", "valgrind",
    "perf", "bwrap", "flatpak-spawn", "distrobox-enter", "toolbox", "run-one", "sem", "py",
    "npx", "pnpx", "bunx", "npm", "pnpm", "yarn",
})  # fmt: skip
#: Interpreters of other languages (and make): a program they are handed (``-e`` code, a
#: here-document) that names overseer may run it. A heuristic, as for ``python -c``: a
#: program is not modelled, only what it names.
_INTERPRETERS = frozenset({
    "perl", "ruby", "node", "nodejs", "deno", "bun", "php", "lua", "luajit", "tclsh", "wish",
    "expect", "Rscript", "julia", "awk", "gawk", "mawk", "nawk", "busybox", "make", "gmake",
    "bmake", "fish", "xonsh", "nu", "elvish", "pwsh", "osascript", "guile", "racket", "sbcl",
})  # fmt: skip
#: Files that stand for the process's stdin (or another inherited descriptor): a program
#: read from one is the stdin program, not a script file.
_STDIN_FILES = re.compile(r"^(?:/dev/stdin|/dev/fd/\d+|/proc/(?:self|thread-self|\d+)/fd/\d+)$")
#: ``-m MODULE`` (or ``-Im MODULE``, ``-mMODULE``) naming overseer, in any program's words: a
#: copy of the interpreter under another name (``./snake -Im overseer``) runs it too.
_M_OVERSEER = re.compile(r"^-[A-Za-z]*m(?:overseer(?:\.[A-Za-z0-9_]+)*)?$")
_MODULE = re.compile(r"^overseer(?:\.[A-Za-z0-9_]+)*$")
_M_CLUSTER = re.compile(r"^-[A-Za-z]*m")
#: Python source that imports or runs overseer, handed to any program as a word: a copy of
#: the interpreter under another name (``./snake -c 'import overseer.cli'``) runs it.
_PY_SOURCE = re.compile(r"\b(?:import|from)\s+overseer\b")
#: Python source that imports a module by a name it computes.
_PY_DYNAMIC = re.compile(r"\b(?:run_module|import_module|__import__)\s*\(")
#: Launchers that hand a *string* to a shell (``nix-shell --run 'cmd'``, ``gdb -ex 'shell
#: cmd'``): a word with shell syntax in it is a script the guard does not read.
_STRING_LAUNCHERS = frozenset({"nix-shell", "entr", "gdb"})
#: Programs that hand commands to a shell from where the guard cannot see them: a terminal
#: they type into (``tmux send-keys o v e r s e e r Enter``, ``screen -X stuff``), or stdin
#: (``echo 'overseer decide' | ssh localhost``, ``at now``, ``parallel``): always unseen.
_SHELL_FEEDERS = frozenset({"ssh", "tmux", "screen", "dtach", "abduco", "at", "batch",
                            "parallel", "sem"})  # fmt: skip
_SHELL_SYNTAX = re.compile(r"[\s$`;|&<>()\\'\"*?\[\]{}~#!=]")
#: Here-document and here-string operators: text fed to the command's stdin, seen.
_HEREDOCS = frozenset({"<<", "<<-", "<<<"})


def is_guarded(path: str, ctx: CallContext, parents: bool = True) -> bool:
    """Is ``path`` (absolute, normalised) a file a write to which changes the oversight?
    ``parents``: a directory above one of overseer's own files counts (``mv ~/.config``).

    Also judged with letter case folded (and the code points HFS+ ignores dropped): on a
    case-insensitive file system (macOS's APFS by default) ``.Claude/settings.json`` and
    ``.GIT/config`` are the guarded files; on Linux the extra ask is harmless."""
    managed = (MANAGED_SETTINGS, MANAGED_SETTINGS_MACOS)
    if _guarded_as_spelled(path, ctx.protected, ctx.home, parents, managed):
        return True
    folded, protected, home = _fold(path), *_folded_places(ctx.protected, ctx.home)
    if folded == path and protected == ctx.protected and home == ctx.home:
        return False
    return _guarded_as_spelled(folded, protected, home, parents, _FOLDED_MANAGED)


#: Code points HFS+ ignores in a name (git's ``is_hfs_dotgit`` list): ``.g\u200cit`` is
#: ``.git`` there.
_HFS_IGNORED = re.compile("[\u200c-\u200f\u202a-\u202e\u206a-\u206f\ufeff]")


def _fold(path: str) -> str:
    """``path`` as a case-insensitive file system compares it."""
    if path.isascii():
        return path.lower()
    import unicodedata

    return unicodedata.normalize("NFC", _HFS_IGNORED.sub("", path)).casefold()


_FOLDED_CACHE: dict[tuple[tuple[str, ...], str | None], tuple[tuple[str, ...], str | None]] = {}


def _folded_places(
    protected: tuple[str, ...], home: str | None
) -> tuple[tuple[str, ...], str | None]:
    key = (protected, home)
    found = _FOLDED_CACHE.get(key)
    if found is None:
        if len(_FOLDED_CACHE) > 64:
            _FOLDED_CACHE.clear()
        found = (tuple(_fold(p) for p in protected), _fold(home) if home else home)
        _FOLDED_CACHE[key] = found
    return found


def _guarded_as_spelled(
    path: str,
    protected: tuple[str, ...],
    home: str | None,
    parents: bool,
    managed: tuple[str, ...],
) -> bool:
    parts = path.split("/")
    name = parts[-1]
    if name in GUARDED_NAMES or name in GUARDED_DIRS or name in COMMAND_NAMES:
        return True
    if name.endswith(".pth") or name in PYTHON_STARTUP:
        return True  # run by every later Python started where it lies (a site directory)
    if any(p in GUARDED_DIRS for p in parts[:-1]):
        return True
    if _inside_any(path, managed):
        return True  # Claude Code's managed settings can switch every hook off
    if any(path == p or path.startswith(p + "/") for p in SYSTEM_GUARDED):
        return True
    if ".claude" in parts[:-1]:
        dirs = parts[:-1]
        below = parts[len(dirs) - dirs[::-1].index(".claude") :]  # after the last .claude
        # settings, and what Claude Code runs on its own: .claude/hooks/pre.sh, agents/x.md
        return name.startswith(_CLAUDE_PREFIXES) or any(p in _CLAUDE_NAMES for p in below)
    if name == ".claude":
        return True  # replacing the directory itself
    if within_any(path, protected) if parents else _inside_any(path, protected):
        return True
    if not home:
        return False
    if posixpath.dirname(path) == home and name in GUARDED_HOME:
        return True
    dirs = [f"{home}/{d}" for d in _HOME_DIRS]
    return within_any(path, dirs) if parents else _inside_any(path, dirs)


def _inside_any(path: str, roots: Iterable[str]) -> bool:
    """Is ``path`` one of ``roots`` or below one of them (not above)?"""
    for root in roots:
        root = root.rstrip("/") or "/"
        if path == root or path.startswith(root + "/"):
            return True
    return False


def within_any(path: str, roots: Iterable[str]) -> bool:
    """Is ``path`` one of ``roots`` or below one of them? (A write to a parent directory,
    ``mv ~/.config ~/x``, moves what is below it: that counts too.)"""
    for root in roots:
        root = root.rstrip("/") or "/"
        if path == root or path.startswith(root + "/") or root.startswith(path.rstrip("/") + "/"):
            return True
    return False


RUNS = "runs overseer itself (its operator commands decide, grant and kill)"


def runs_overseer(cmd: Command, data: Sequence[str] = ()) -> bool:
    """Does ``cmd`` run overseer itself (``overseer decide``, ``python -Im overseer``,
    ``uv run overseer``)? (Not: "may it", see :func:`overseer_reason`.)"""
    why = overseer_reason(cmd, data)
    return why is not None and not is_unseen(why)


def overseer_reason(cmd: Command, data: Sequence[str] = ()) -> str | None:
    """Why ``cmd`` runs overseer (or may: the reason ends with :data:`UNSEEN`), or None.
    ``data``: the here-documents of the command line (a program read from stdin)."""
    if not cmd.words:
        return None
    base = cmd.basename
    if _is_overseer(base):
        return RUNS
    if _PYTHON.match(base):
        return _python_reason(cmd, data)
    if base in LAUNCHERS:
        return _launcher_reason(cmd, data)
    if base in _INTERPRETERS and (
        any(_names_overseer(w.value) for w in cmd.words[1:])
        or (_fed(cmd) and any(_names_overseer(text) for text in data))
    ):
        return f"{RUNS}: the program {base} is handed names it"
    args = cmd.words[1:]
    for i, word in enumerate(args):
        # ``./snake -m over*``, ``-mover*``: a module named by a glob bash expands
        globbed = word.glob and _M_CLUSTER.match(word.value)
        if globbed or (_M_OVERSEER.match(word.value) and i + 1 < len(args) and args[i + 1].glob):
            return f"{base} is given -m and a glob bash expands{UNSEEN}"
    if base not in _INSPECTORS and base not in READERS:
        if any(w.static and _PY_SOURCE.search(w.value) for w in args):
            return f"{RUNS}: {base} is handed Python source that imports it"
        if any(w.static and _PY_DYNAMIC.search(w.value) for w in args):
            return f"{base} is handed Python source that imports a module it names{UNSEEN}"
    values = [w.value for w in cmd.words[1:]]
    for i, value in enumerate(values):
        if _M_OVERSEER.match(value) and (
            not value.endswith("m") or (i + 1 < len(values) and _MODULE.match(values[i + 1]))
        ):
            return f"{RUNS}: {base} is given -m overseer, as an interpreter is"
    return None


def _fed(cmd: Command) -> bool:
    """Is the command's stdin a here-document or here-string (text the guard sees)?"""
    return any(op in _HEREDOCS for op, _ in cmd.redirects)


def _is_overseer(name: str) -> bool:
    base = posixpath.basename(name)
    return base == "overseer" or base.startswith("overseer-")


def _names_overseer(text: str) -> bool:
    """Does ``text`` name overseer, as Python source would (``ｏverseer`` is NFKC-folded to
    ``overseer`` in an identifier), or once its string literals are joined?"""
    low = text.lower()
    if "overseer" in low:
        return True
    if ("'" in low or '"' in low or "`" in low) and "overseer" in joined(low):
        return True
    if low.isascii():
        return False
    import unicodedata

    return "overseer" in unicodedata.normalize("NFKC", text).lower()


def _program_reason(program: str, how: str, text: str) -> str | None:
    """A Python program handed over whole (``-c`` code, a here-document): one that names
    overseer may run it; one that uses SQLite may open its store by a name it builds."""
    if _names_overseer(text):
        return f"{RUNS}: the program {how} names it"
    if "sqlite" in text.lower():
        return f"{program} runs a program that opens a SQLite database by a name it builds{UNSEEN}"
    return None


def _python_reason(cmd: Command, data: Sequence[str]) -> str | None:
    """CPython's command line read as CPython reads it (:mod:`overseer.policy.pycli`)."""
    from overseer.policy import pycli

    words = cmd.words[1:]
    line = pycli.parse([w.value for w in words])
    program = cmd.basename
    if not line.exact and any(_names_overseer(w.value) for w in words):
        return f"{program} is given options no known CPython reads, and names overseer{UNSEEN}"
    if any(not w.static or w.glob for i, w in enumerate(words) if i not in line.args):
        # a glob too: ``python3 -m over*`` is ``-m overseer`` where a file of that name is
        return f"{program} is given options or a program known only when bash runs it{UNSEEN}"
    value = line.value or ""
    if line.kind == "module":
        top = value.split(".", 1)[0]
        if top == "overseer":
            return RUNS
        if top in _PY_RUNNERS:
            rest = [words[i] for i in line.args]
            if not cmd.exact or any(not w.static for w in rest):
                return f"{program} -m {top} runs a program named only when bash runs it{UNSEEN}"
            if any(_names_overseer(w.value) for w in rest):
                return f"{RUNS}, through {program} -m {top}"
    elif line.kind == "command":
        why = _program_reason(program, f"{program} -c runs", value)
        if why is not None:
            return why
    if line.kind in ("command", "stdin") and any(
        _names_overseer(words[i].value) for i in line.args
    ):
        # ``-c 'runpy.run_module(sys.argv[1])' overseer``: the program's arguments name it
        return f"{program} hands its program arguments that name overseer{UNSEEN}"
    elif line.kind == "file" and _is_overseer(value):
        return RUNS
    elif line.kind == "exit" and not cmd.exact:
        return f"{program} is given words bash adds at run time (xargs, find -exec){UNSEEN}"
    reads_stdin = line.kind == "stdin" or line.inspect
    if line.kind == "file" and _STDIN_FILES.match(posixpath.normpath(value)):
        reads_stdin = True  # python3 /dev/stdin <<EOF: the program is the here-document
    if any(name == "PYTHONINSPECT" for name, _ in cmd.assignments):
        reads_stdin = True
    if not reads_stdin:
        return None
    if not _fed(cmd):
        return f"{program} reads its program from stdin, which the guard cannot read{UNSEEN}"
    for text in data:
        why = _program_reason(program, f"fed to {program}", text)
        if why is not None:
            return why
    return None


def _launcher_reason(cmd: Command, data: Sequence[str]) -> str | None:
    """A launcher (``uv run``, ``pipx run``, ``tmux new``…): whatever it runs is in its
    words; their grammar is not modelled, so any word naming overseer counts."""
    base = cmd.basename
    words = cmd.words[1:]
    if not cmd.exact or any(not w.static or w.glob for w in words):
        return f"{base} runs a command known only when bash runs it{UNSEEN}"
    if any(_names_overseer(w.value) for w in words):
        return f"{RUNS}, through {base}"
    if base in _SHELL_FEEDERS:
        return f"{base} hands commands to a shell the guard does not see{UNSEEN}"
    strings = base in _STRING_LAUNCHERS
    for k, word in enumerate(words, start=1):
        if strings and _SHELL_SYNTAX.search(word.value):
            return f"{base} hands a shell a script the guard does not read{UNSEEN}"
        name = posixpath.basename(word.value)
        if name in SHELLS or name in _ALL_SHELLS:
            return f"{base} runs {name}, whose script the guard does not read there{UNSEEN}"
        if name in DB_CLIENTS:
            return f"{base} runs {name}, whose command line the guard does not read there{UNSEEN}"
        if _PYTHON.match(name):
            why = _python_reason(Command(cmd.words[k:], []), data)
            if why is not None:
                return why
    return None


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
            if value == "-s" or i + 1 >= len(words):
                return True
            after = words[i + 1]
            return not after.static or bool(_STDIN_FILES.match(posixpath.normpath(after.value)))
        if value.startswith("-") and "c" in value[1:] and not value.startswith("--"):
            script = words[i + 1] if i + 1 < len(words) else None
            return script is None or not script.static
        if value.startswith(("-", "+")):
            continue
        if word.static and _STDIN_FILES.match(posixpath.normpath(value)):
            return True  # bash /dev/stdin <<EOF: a script from stdin, as with no operand
        return not word.static  # a script file: its path is judged as a read elsewhere
    return True


#: Resolves a file name as the command line's ``cd`` moves and the file system's links
#: make it: every absolute path it may reach, or None when that cannot be told.
PathsOf = Callable[[str], "list[str] | None"]


#: Clients that are the sqlite3 shell (or read their command line as it does).
_SQLITE_SHELLS = frozenset({"sqlite3", "sqlite", "duckdb", "sqlcipher", "sqlean", "sqlite3mc"})


def _sqlite_reason(
    cmd: Command, ctx: CallContext, data: Sequence[str], paths: PathsOf | None
) -> str | None:
    """The files a SQLite client opens, named the ways SQLite reads names
    (:mod:`overseer.policy.sqlite_cli`): one that is guarded, or one it cannot tell."""
    from overseer.policy import sqlite_cli

    base = cmd.basename
    args = [w.value for w in cmd.words[1:]]
    if not cmd.exact:  # xargs, find -exec: more SQL or another file name is added
        return f"runs {base} with words bash adds at run time (xargs, find -exec){UNSEEN}"
    if any(w.glob and w.value.startswith("file:") for w in cmd.words[1:]):
        return f"runs {base} on a URI filename bash expands as a glob{UNSEEN}"
    if base in _SQLITE_SHELLS:
        fed = any(op in _HEREDOCS for op, _ in cmd.redirects)
        opened = sqlite_cli.shell_opens(args, data if fed else None)
    else:  # another client's grammar: every word may be a file name, SQL or a dot-command
        opened = sqlite_cli.Opened()
        for arg in args:
            if arg.startswith("file:"):
                opened.add(sqlite_cli.uri_filename(arg))
            sqlite_cli.judge_text(arg, opened, argument=True)
    return _opened_reason(base, opened, ctx, paths)


def _opened_reason(
    base: str, opened: sqlite_cli.Opened, ctx: CallContext, paths: PathsOf | None
) -> str | None:
    """The files a database client opens (``opened``): one that is guarded, or one whose
    name cannot be told."""
    if opened.unseen:
        return f"runs {base}: {opened.unseen[0]}{UNSEEN}"
    names = list(opened.names)
    names += [(ctx.home or "/nonexistent-home") + n[1:] for n in names if n.startswith("~/")]
    for name in names:
        if (hit := mentions(name, ctx)) is not None:
            return f"opens {hit} with a database client"
        found = paths(name) if paths is not None else [_lexical(name, ctx)]
        if found is None:
            return f"runs {base} on a file whose real path cannot be told{UNSEEN}"
        hit = next((f for f in found if is_guarded(f, ctx)), None)
        if hit is not None:
            return f"opens {hit} with a database client"
    return None


def _lexical(name: str, ctx: CallContext) -> str:
    return posixpath.normpath(posixpath.join(ctx.cwd or "/nonexistent-cwd", name))


def command_reason(
    cmd: Command,
    named: list[str],
    ctx: CallContext,
    data: Sequence[str] = (),
    paths: PathsOf | None = None,
    line: Analysis | None = None,
    outer: _Run | None = None,
) -> str | None:
    """Why ``cmd`` acts on the oversight, given ``named``: the guarded paths its words
    resolve to (the caller resolves them). Pure readers (``cat config.toml``) are fine.
    ``data`` is the command line's here-documents; ``paths`` resolves a file name a
    program builds from its words (a SQLite URI), lexically against the cwd if None;
    ``line`` is the whole command line ``cmd`` is part of (another of its commands may
    write the script ``cmd`` runs); ``outer`` what the line that ran this one had."""
    run = _Run(
        depth=outer.depth + 1 if outer else 0,
        seen=outer.seen if outer else None,
        find=lambda: (outer.writer if outer else None) or line_writer(line, cmd),
    )
    if run.depth > _MAX_DEPTH:
        return f"programs that run programs, nested too deeply to read{UNSEEN}"
    why = overseer_reason(cmd, data)
    if why is not None:
        return why
    if changes_git_config(cmd):
        return "changes git's config, which chooses what later git commands run"
    for reason in (_signal_reason, _cron_reason, _writes_program_reason):
        why = reason(cmd, data)
        if why is not None:
            return why
    if cmd.basename == "kill" and ctx.resolve is not None:
        why = _pid_reason(cmd)
        if why is not None:
            return why
    if cmd.basename == "git":
        why = _git_reason(cmd, ctx, paths, run) or _git_dir_reason(cmd, ctx, paths, line)
        if why is not None:
            return why
    if line is not None and cmd is next((c for c in line.commands if c.words), None):
        why = _line_git_dir_reason(line, paths, ctx)  # once a line, with its first command
        if why is not None:
            return why
    why = _program_text_reason(cmd, ctx, data, paths, run)
    if why is not None:
        return why
    why = _path_script_reason(cmd, ctx, paths, run)
    if why is not None:
        return why
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
    if base in DB_CLIENTS and base not in PG_CLIENTS:
        why = _sqlite_reason(cmd, ctx, data, paths)
        if why is not None:
            return why
    if base in SHELLS and _script_unseen(cmd):
        return f"{base} runs a script the guard cannot read (stdin, or built at run time){UNSEEN}"
    if not named:
        return None
    if base in DB_CLIENTS:
        return f"opens {named[0]} with a database client"
    if base in _INSPECTORS or (base in READERS and base not in _READERS_THAT_WRITE):
        return None
    return f"{base} is given {named[0]}, one of the files that judge or gate the agent"


#: Directories of the system's own programs: a script found there is not one the agent
#: wrote (a root-owned install), and is not read.
_SYSTEM_DIRS = ("/usr/", "/bin/", "/sbin/", "/lib/", "/lib64/", "/opt/", "/nix/", "/snap/")


def _path_script_reason(
    cmd: Command, ctx: CallContext, paths: PathsOf | None, run: _Run
) -> str | None:
    """A command found on ``PATH`` (``tidy-up``, written into ``~/bin`` in an earlier call)
    that is a script outside the system's directories: read for the names it holds (a
    script that names overseer runs it). Only the names: a PATH script is often a version
    manager's shim (pyenv, asdf), whose shell the guard does not model."""
    program = cmd.words[0].value if cmd.words and cmd.words[0].static else ""
    if ctx.resolve is None or not program or "/" in program or program in WRITES_NOTHING:
        return None
    for directory in os.environ.get("PATH", "").split(":"):
        if not directory.startswith("/"):
            continue  # a relative PATH entry: resolved against the cwd, as bash does
        path = posixpath.join(directory, program)
        if not os.path.isfile(path) or not os.access(path, os.X_OK):
            continue
        if (posixpath.realpath(path) + "/").startswith(_SYSTEM_DIRS):
            return None
        text = _read_script(path, ctx, paths, run)
        where = f"runs {program[:40]} from {directory[:60]}"
        if isinstance(text, _Opaque) and text is not _MISSING:
            return f"{where}, which {text.why}{UNSEEN}"
        if text is not None and _runs_as_script(text) and _text_names_overseer(text):
            return f"{where}, a script that names overseer{UNSEEN}"
        if text is not None and _shell_script_runs_overseer(text):
            return f"{where}, a shell script whose commands spell overseer's name{UNSEEN}"
        return None
    return None


def _runs_as_script(text: str) -> bool:
    """A ``#!`` script, or a text file without one (bash runs a file the kernel will not
    execute as a shell script: no ``#!``, or a byte-order mark before it); not a compiled
    program (bash refuses a file with a NUL in its start)."""
    return text.startswith("#!") or not (text.startswith("\x7fELF") or "\x00" in text[:512])


def _shell_script_runs_overseer(text: str) -> bool:
    """A shell script (``#!/bin/sh``…) read by the analyser: does a command it runs name
    overseer once its words are spelled from the script's own literal values (``a=over;
    "${a}seer" decide …``)? A shim's commands (``exec pyenv …``) never do."""
    if not _runs_as_script(text):
        return False
    first = text.split("\n", 1)[0]
    if first.startswith("#!"):
        words = first[2:].split()
        program = posixpath.basename(words[0]) if words else ""
        if program == "env":  # ``#!/usr/bin/env -S bash -e``: env's options skipped
            rest = [w for w in words[1:] if not w.startswith("-") and "=" not in w]
            program = posixpath.basename(rest[0]) if rest else ""
        if program not in _ALL_SHELLS:
            return False
    # (no ``#!``, or a byte-order mark before it: bash runs the file as a shell script)
    for cmd in analyse(text).commands:
        spelled = " ".join(w.value for w in cmd.words if w.static)
        if cmd.words and cmd.words[0].static and _text_names_overseer(spelled):
            return True
    return False


#: Programs that signal processes they find by name (``pgrep`` finds the pids ``kill`` is
#: then given): overseer's hook, console or server stopped or killed may fail a call open
#: where the agent's ``sh -c`` wrapper dies before it answers "block".
_SIGNALLERS = frozenset({"pkill", "killall", "pgrep", "pidof", "skill", "snice", "kill"})
#: Redirections that write a file.
_WRITE_OPS = frozenset({">", ">>", ">|", "&>", "&>>", "<>"})
#: Text that runs an operator command of overseer's (in a script being written).
_OPERATOR = re.compile(
    r"\boverseer(?:-[a-z]+)?\s+(?:decide|grant|kill|hook|audit|serve|scope|install)\b"
)


def _signal_reason(cmd: Command, data: Sequence[str]) -> str | None:
    base = cmd.basename
    if base not in _SIGNALLERS:
        return None
    words = [w for w in cmd.words[1:] if w.static]
    if any(_names_overseer(w.value) for w in words):
        return "signals overseer's own processes (its gate hook, console or server)"
    if base in _PATTERN_SIGNALLERS:
        why = _pattern_reason(base, [w.value for w in cmd.words[1:]])
        if why is not None:
            return why
    if base == "kill" and "-1" in [w.value for w in words[1:]]:  # kill -9 -1, kill -- -1
        return f"kill -1 signals every process of the user, overseer's too{UNSEEN}"
    return None


#: Programs that find processes by a pattern (an extended regular expression matched
#: against the name, or with ``-f`` the whole command line).
_PATTERN_SIGNALLERS = frozenset({"pkill", "pgrep", "killall", "skill", "snice"})
#: Their options that take a value (not a pattern).
_PATTERN_VALUED = frozenset({"-u", "-U", "-g", "-G", "-P", "-t", "-s", "-F", "--signal",
                             "--uid", "--euid", "--group", "--parent", "--terminal",
                             "--session", "--pidfile", "-n", "--ns", "--nslist"})  # fmt: skip
#: How overseer's processes look to them: the hook (a console script, ``python -I -m``,
#: under the agent's ``sh -c … || exit 2``), the console and the server, name and argv.
_OVERSEER_PROCESSES = (
    "overseer", "python3.11", "python3", "python",
    "/opt/venv/bin/overseer hook claude-code --config /c/config.toml --db /d/overseer.db",
    "/opt/venv/bin/python -I -m overseer hook codex --agent dev",
    "/bin/sh -c /opt/venv/bin/overseer hook claude-code --config /c/c.toml || exit 2",
    "overseer console", "overseer serve --socket /run/overseer.sock",
)  # fmt: skip


#: A group followed by a quantifier, or a backreference: what makes a regular expression
#: backtrack exponentially (``(a+)+``, ``(.*.*)*z``).
_NESTED_QUANTIFIER = re.compile(r"\)[*+?{]|\\[1-9]")


def _pattern_reason(base: str, values: Sequence[str]) -> str | None:
    """``pkill -f 'hook claude'``, ``pkill python``, ``pkill -f oversee``: a pattern that
    matches how one of overseer's processes looks (:data:`_OVERSEER_PROCESSES`)."""
    patterns: list[str] = []
    flags = 0
    skip = False
    for value in values:
        if skip:
            skip = False
        elif value in _PATTERN_VALUED:
            skip = True
        elif value.startswith("-") and len(value) > 1:
            if value in ("-i", "--ignore-case") or (value[1:].isalpha() and "i" in value[1:3]):
                flags = re.IGNORECASE
        else:
            patterns.append(value)
    for pattern in patterns:
        if len(pattern) > 200 or _NESTED_QUANTIFIER.search(pattern):
            # a pattern that may backtrack for ever would hold the gate until it times out
            return f"{base} is given a pattern the guard does not run ({pattern[:40]}){UNSEEN}"
        try:
            found = any(re.search(pattern, p, flags) for p in _OVERSEER_PROCESSES)
        except re.error:
            return f"{base} is given a pattern the guard cannot read ({pattern[:40]}){UNSEEN}"
        if found:
            return f"{base} {pattern[:40]} matches overseer's own processes{UNSEEN}"
    return None


def _pid_reason(cmd: Command) -> str | None:
    """``kill PID``: the process it names, looked up where the processes are (the hook,
    ``scope explain``): one of overseer's is not the agent's to signal."""
    for word in cmd.words[1:]:
        if not (word.static and word.value.isdigit()):
            continue
        try:
            with open(f"/proc/{int(word.value)}/cmdline", "rb") as fh:
                argv = fh.read(4096).replace(b"\0", b" ").decode("utf-8", "replace")
        except (OSError, ValueError):
            continue
        if _names_overseer(argv):
            return f"signals process {word.value}, which runs overseer ({argv[:60]})"
    return None


def _cron_reason(cmd: Command, data: Sequence[str]) -> str | None:
    """``crontab FILE`` or ``crontab -``: commands cron runs later, outside the agent's
    process tree and outside what the guard sees (``-l`` only lists)."""
    if cmd.basename != "crontab":
        return None
    values = [w.value for w in cmd.words[1:]]
    rest = [v for i, v in enumerate(values) if v != "-u" and (i == 0 or values[i - 1] != "-u")]
    if rest and all(v in ("-l", "-V", "--help") for v in rest):
        return None
    return f"crontab installs commands cron runs later, which the guard does not see{UNSEEN}"


def _writes_program_reason(cmd: Command, data: Sequence[str]) -> str | None:
    """``echo 'import overseer.cli' > x.py``, ``cat > x.sh <<EOF overseer decide…``: a
    program that runs overseer written for a later command (or a later call) to run."""
    if cmd.basename not in ("echo", "printf", "cat", "tee"):
        return None
    writes = cmd.basename == "tee" or any(op in _WRITE_OPS for op, _ in cmd.redirects)
    if not writes:
        return None
    texts = [w.value for w in cmd.words[1:] if w.static]
    if _fed(cmd):
        texts += data
    if any(_PY_SOURCE.search(t) or _OPERATOR.search(t) for t in texts):
        return f"{cmd.basename} writes a program that runs overseer{UNSEEN}"
    return None


def _git_reason(
    cmd: Command, ctx: CallContext, paths: PathsOf | None, run: _Run | None = None
) -> str | None:
    """What git runs through the config its command line gives it (:mod:`gitrun`), judged
    as the shell command lines they are."""
    from overseer.policy import gitrun

    runs = gitrun.git_runs(
        [(w.value, w.static) for w in cmd.words[1:]],
        [(name, value.value, value.static) for name, value in cmd.assignments],
    )
    if runs.unseen:
        return f"{runs.unseen[0]}{UNSEEN}"
    for key, text in runs.texts:
        why = _shell_text_reason(text, ctx, paths, run)
        if why is not None:
            return f"git runs {key[:40]} as a command: {why}"
    return None


#: Names that make a directory a git directory to git's discovery (compared folded).
_GIT_DIR_PARTS = frozenset({"head", "objects", "refs", "commondir"})


def _normal_git_dir(path: str) -> bool:
    """Is ``path`` a git directory whose config and hooks the guard knows by name: one
    with a ``.git`` component (a repository's ``.git``, a worktree's or submodule's)?"""
    return ".git" in path.casefold().split("/")


def _git_dir_reason(
    cmd: Command, ctx: CallContext, paths: PathsOf | None, line: Analysis | None
) -> str | None:
    """A git command that would use a git directory that is no ``.git``: one named by
    ``--git-dir``, ``GIT_DIR`` or ``GIT_COMMON_DIR``, or one git's discovery finds from
    where it starts (the cwd or ``-C DIR``, and each parent): a bare repository the agent
    wrote file by file (``HEAD``, ``objects/``, ``refs/``, a ``config`` naming
    ``core.fsmonitor``), whose config nothing guards. Also one whose discovery another
    command of the line may change first (it writes ``HEAD``, ``objects``, ``refs``, or
    the directory git starts in, or files it does not name). Needs the file system's
    view (``ctx.git_dir``, given by the I/O layer: :class:`overseer.control.protected.
    GitView`); the pure engine does not look."""
    discover = ctx.git_dir
    if discover is None:
        return None

    def where(word: Word) -> list[str] | None:
        if not word.static:
            return None
        value = word.value
        if word.tilde:
            value = (ctx.home or "/nonexistent-home") + value[1:]
        return paths(value) if paths is not None else [_lexical(value, ctx)]

    # GIT_COMMON_DIR: where git reads the config shared by a repository's worktrees
    named = ("GIT_DIR", "GIT_COMMON_DIR")
    explicit: list[Word] = [value for name, value in cmd.assignments if name in named]
    starts: list[list[Word]] = [[]]
    words = cmd.words[1:]
    i = 0
    while i < len(words) and words[i].value.startswith("-"):
        value = words[i].value
        taken = words[i + 1] if i + 1 < len(words) else None
        if value == "--git-dir" and taken is not None:
            explicit.append(taken)
        elif value.startswith("--git-dir="):
            rest = value.split("=", 1)[1]
            explicit.append(Word(rest, rest, words[i].static))
        elif value == "-C" and taken is not None:
            starts[0].append(taken)
        i += 2 if value in _GIT_VALUED else 1
    for word in explicit:
        found = where(word)
        if found is None:
            return f"git is given a git directory known only when bash runs it{UNSEEN}"
        odd = next((p for p in found if not _normal_git_dir(p)), None)
        if odd is not None:
            return (
                f"git is told to use {odd[:80]} as its git directory, whose config and "
                "hooks (what git runs) no guard covers"
            )
    if explicit:
        return None
    chain = starts[0]
    if any(not w.static for w in chain):
        return f"git starts in a directory known only when bash runs it{UNSEEN}"
    start = "."
    for word in chain:  # -C a -C b is a/b, and an absolute one starts again
        value = word.value
        if word.tilde:
            value = (ctx.home or "/nonexistent-home") + value[1:]
        start = value if value.startswith("/") else posixpath.join(start, value)
    found = paths(start) if paths is not None else [_lexical(start, ctx)]
    if found is None:
        return f"git starts in a directory the guard cannot tell{UNSEEN}"
    for directory in found:
        git_dir = discover(directory)
        if git_dir == "":
            return f"git's repository from {directory[:80]} cannot be told{UNSEEN}"
        if git_dir is not None and not _normal_git_dir(git_dir):
            return (
                f"git would use {git_dir[:80]} as its git directory (a bare repository, not "
                "a .git), whose config and hooks (what git runs) no guard covers"
            )
    return _git_line_reason(cmd, line, found, paths, ctx)


def _git_line_reason(
    cmd: Command,
    line: Analysis | None,
    starts: list[str],
    paths: PathsOf | None,
    ctx: CallContext,
) -> str | None:
    """Another command of the line that may make a git directory where git will look
    before git starts: a write of ``HEAD``, ``objects``, ``refs`` or ``commondir``, of the
    directory git starts in or one above it (``cp -r tmpl/. .``), or of files not named."""
    if line is None:
        return None
    for access in line.accesses:
        if access.mode != "write" or access.via.startswith("git"):
            continue
        word = access.word
        if word is None or not word.static:
            return f"{access.via[:20]} writes files the guard cannot name before git runs{UNSEEN}"
        if word.value in _NO_FILE:
            continue
        value = (ctx.home or "/nonexistent-home") + word.value[1:] if word.tilde else word.value
        targets = paths(value) if paths is not None else [_lexical(value, ctx)]
        if targets is None:
            return f"{access.via[:20]} writes a file the guard cannot tell before git runs{UNSEEN}"
        for target in targets:
            folded = target.casefold().split("/")
            if _GIT_DIR_PARTS & set(folded) or any(
                s == target or s.startswith(target.rstrip("/") + "/") for s in starts
            ):
                return (
                    f"{access.via[:20]} writes {target[:80]} before git looks for its "
                    "repository: it may make a bare repository there, whose config git runs"
                )
    return None


#: What git runs from a git directory (compared folded), beside :data:`_GIT_DIR_PARTS`.
_GIT_DIR_RUNS = frozenset({"config", "config.worktree", "hooks"})


def _line_git_dir_reason(line: Analysis, paths: PathsOf | None, ctx: CallContext) -> str | None:
    """One line that writes both a part of a git directory (``HEAD``, ``objects``,
    ``refs``, ``commondir``) and what git runs from one (``config``, ``hooks``) in the same
    directory: each write alone is judged against the files there before the line runs
    (``protected.in_git_directory``), which the other write has not made yet."""
    wanted = _GIT_DIR_PARTS | _GIT_DIR_RUNS
    found: dict[str, set[str]] = {}
    for access in line.accesses:
        word = access.word
        if access.mode != "write" or word is None or not word.static:
            continue
        if not wanted & set(word.value.casefold().split("/")):
            continue
        value = (ctx.home or "/nonexistent-home") + word.value[1:] if word.tilde else word.value
        targets = paths(value) if paths is not None else [_lexical(value, ctx)]
        for target in targets or [_lexical(value, ctx)]:
            parts = target.split("/")
            for k in range(1, len(parts)):
                name = parts[k].casefold()
                if name in wanted:
                    found.setdefault("/".join(parts[:k]) or "/", set()).add(name)
    for directory, names in found.items():
        if names & _GIT_DIR_PARTS and names & _GIT_DIR_RUNS:
            return (
                f"the line writes {', '.join(sorted(names))} in {directory[:80]}: a bare "
                "repository's parts and its config, which git run there would run"
            )
    return None


def _shell_text_reason(
    text: str, ctx: CallContext, paths: PathsOf | None, run: _Run | None = None
) -> str | None:
    """A shell command line a program will run (a git alias, a pager, a shell script):
    judged as the guard judges the agent's own."""
    if _names_overseer(text):
        return RUNS
    from overseer.policy.shell import analyse

    try:
        analysis = analyse(text)
    except Exception:  # the analyser's own failure: not judged, so not allowed
        return f"a command line the guard cannot read{UNSEEN}"
    if analysis.problems:
        return f"a command line the guard cannot read exactly{UNSEEN}"
    for sub in analysis.commands:
        why = command_reason(sub, [], ctx, analysis.data, paths, line=analysis, outer=run)
        if why is not None:
            return why
    return None


#: Interpreters whose first operand (when no ``-e`` program is given) is a script file.
_SCRIPT_RUNNERS = frozenset({"perl", "ruby", "node", "nodejs", "php", "lua", "luajit",
                             "tclsh", "Rscript", "julia", "fish", "xonsh", "nu", "elvish",
                             "pwsh", "expect", "wish", "osascript", "deno", "bun"})  # fmt: skip
#: Python modules that run the script or module named in their arguments (not pytest and
#: unittest: a test run imports the project's tests with or without one named).
_PY_FILE_RUNNERS = frozenset({"pdb", "cProfile", "profile", "trace", "timeit", "runpy",
                              "ipdb", "pudb", "memray", "scalene", "viztracer",
                              "pyinstrument", "debugpy", "IPython", "coverage"})  # fmt: skip
_EVAL_OPTIONS = ("-e", "-E", "-r", "--eval", "-p", "--print", "-c")
#: ``perl -ne``, ``ruby -pe``: a cluster of one-letter options with ``e`` in it.
_EVAL_CLUSTER = r"^-[A-Za-z]*[eE]"
#: A script is read up to this many bytes; a longer one is not judged (asked about).
_SCRIPT_BYTES = 256 * 1024
#: Programs that run programs (a script that runs a script...) are read this many deep.
_MAX_DEPTH = 4


class _Run:
    """What the command line around a program may do before the program's text is read:
    ``writer`` names another of its commands that may write files (the text read now is
    then not what runs), ``depth`` how many programs deep the guard is reading; ``seen``
    the scripts and modules already read for this call (each is judged once)."""

    __slots__ = ("_find", "_writer", "depth", "seen")

    def __init__(
        self,
        writer: str | None = None,
        depth: int = 0,
        seen: set[str] | None = None,
        find: Callable[[], str | None] | None = None,
    ) -> None:
        self._writer = writer
        #: how to find the writer, asked only when a program's text is read: looking at
        #: every other command of the line for every command made a 12,000-character line
        #: of ``ls;`` take 12 s (``find`` is called once, then kept)
        self._find = find
        self.depth = depth
        self.seen: set[str] = set() if seen is None else seen

    @property
    def writer(self) -> str | None:
        if self._find is not None:
            self._writer, self._find = self._find(), None
        return self._writer


#: Commands known to write no file (a redirection of theirs is judged as the write it is):
#: a script run in the same line as any other command may be rewritten before it runs.
WRITES_NOTHING = frozenset({"cd", "pushd", "popd", "true", "false", ":", "test", "[", "[[",
                            "sleep", "echo", "printf", "pwd", "cat", "head", "tail", "wc",
                            "grep", "egrep", "fgrep", "cut", "tr", "nl", "ls", "which",
                            "date", "basename", "dirname"})  # fmt: skip
#: Redirection targets that are no file a program is read from.
_NO_FILE = frozenset({"/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty", "/dev/fd/0",
                      "/dev/fd/1", "/dev/fd/2"})  # fmt: skip


def line_writer(line: Analysis | None, cmd: Command) -> str | None:
    """Another command of ``line`` that may write a file before (or while) ``cmd`` reads
    its program (``cp tool.py t.py && python3 t.py``), or None. Not counted: the wrappers
    around ``cmd`` and the commands it wraps, the commands of :data:`WRITES_NOTHING`, and
    ``cmd``'s own truncating redirections (bash opens them before the program starts: a
    truncated script has nothing to run) and, for Python, which compiles its whole script
    before it runs any of it, its appending ones (a shell reads its script as it runs: what
    ``sh x.sh >> x.sh`` prints, it runs next)."""
    if line is None:
        return None
    own = set(cmd.redirects)
    for other in line.commands:
        if other is cmd or not other.words:
            continue
        if _wraps(other, cmd):
            own.update(other.redirects)
        elif not _wraps(cmd, other) and other.basename not in WRITES_NOTHING:
            return other.basename[:40]
    ops = (">", ">|", ">&", "&>", *((">>", "&>>") if _PYTHON.match(cmd.basename) else ()))
    targets = {target for op, target in own if op in ops}
    for access in line.accesses:
        if access.mode != "write":
            continue
        word = access.word
        if word is None:
            return access.via[:40] or "a writer"
        if (word.static and word.value in _NO_FILE) or (
            access.via in ops and word.value in targets
        ):
            continue
        return f"{access.via[:20]} {word.value[:60]}"
    return None


def _wraps(outer: Command, inner: Command) -> bool:
    """Is ``inner`` the command ``outer`` wraps (``timeout 5 python3 x.py``)?"""
    n = len(inner.words)
    return len(outer.words) > n > 0 and all(
        a is b for a, b in zip(outer.words[-n:], inner.words, strict=True)
    )


#: (The patterns from here on are strings: ``re`` compiles each on its first use, so the
#: hook's plain path, which reads no program, does not pay for them.)
#: Program text that builds code or names at run time: it executes or imports what it
#: computes (``exec``, ``eval``, ``__import__``, ``importlib``, ``getattr``, ``Function``),
#: decodes text (``fromhex``, ``b64decode``, ``codecs``, ``marshal``, ``pickle``,
#: ``chr``, ``pack``, ``Buffer.from``, ``atob``, ``%c``) or moves where its relative names
#: lead (``chdir``, ``/proc/``). A lexical superset over Python, Perl, Ruby, JavaScript, awk
#: and PHP: the guard does not judge such a program, it asks. A program can still compute a
#: name no lexical check sees (a reversed string, pieces kept in variables): see README.
_DYNAMIC = (
    r"(?<![\w.$@%])(?:exec|eval|execfile|instance_eval|class_eval|module_eval)\b"
    r"|(?<![\w.$@%])(?:compile|__import__|getattr|setattr|delattr|globals|vars|locals|chr|"
    r"unichr|bytes|bytearray|Function|atob|send|public_send|import|require|load|do|"
    r"dofile|loadstring|assert)\s*\(\s*(?![\"'`][\w./@-]*[\"'`]\s*\))"
    r"|\b(?:importlib|__builtins__|builtins|__dict__|__getattribute__|fromhex|unhexlify|"
    r"b64decode|b32decode|b16decode|b85decode|a85decode|urlsafe_b64decode|decodebytes|"
    r"base64|codecs|marshal|pickle|shelve|dill|zlib|bz2|lzma|zipimport|maketrans|"
    r"to_bytes|from_bytes|struct|ctypes|cffi|chdir|fchdir|chroot|dir_fd|a2b_\w+|rot_?13|"
    r"fromCharCode|fromCodePoint|Buffer|Reflect|Proxy|vm|pack|unpack|sprintf|"
    r"MIME::Base64|decode_base64|hex2bin|str_rot13|gzinflate|create_function|"
    r"process\.binding|String\.raw)\b"
    r"|/proc/|%c|\$\{\s*[\"'\\]|\$::|\bsymbol\w*"
    # where imports are found, chosen at run time: sys.path, Perl's @INC, -I/-M/-r options
    r"|\bsys\.path\b|\baddsitedir\b|\bmeta_path\b|\bpath_hooks\b|@INC|\buse\s+lib\b"
    r"|(?m:^-[IMmr]\S)|(?m:^--(?:require|import|loader|experimental-loader)\b)"
)
#: ``\x6f``, ``\x{6f}``, ``\u006f``, ``\u{6f}``, ``\U0000006f``, ``\157``, ``\N{...}``:
#: escapes in a program's string literals, decoded before its names are read.
_ESCAPE = (
    r"\\(?:x\{([0-9A-Fa-f]{1,6})\}|x([0-9A-Fa-f]{1,2})|u\{([0-9A-Fa-f]{1,6})\}"
    r"|u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|([0-7]{1,3})|N\{([^}\n]{1,80})\})"
)
#: Words of a program that navigate to a directory it has no literal for (the parent of
#: the working directory, the home directory, the directory of a file): a literal naming
#: one of overseer's files by its bare name may then reach it.
_NAVIGATES = (
    r"\b(?:parents?|dirname|getcwd|cwd|pardir|abspath|realpath|resolve|expanduser|home|"
    r"homedir|environ|getenv|ENV|HOME|__file__|__dirname|listdir|scandir|walk|glob|"
    r"iterdir|rglob|readdir|opendir|Dir|File\.expand_path)\b"
)


def _unescaped(text: str) -> str:
    """``text`` with its string escapes decoded (those :data:`_ESCAPE` knows)."""

    def one(match: re.Match[str]) -> str:
        hexa = next((g for g in match.groups()[:5] if g is not None), None)
        try:
            if hexa is not None:
                return chr(int(hexa, 16))
            if match.group(6) is not None:
                return chr(int(match.group(6), 8))
            import unicodedata

            return unicodedata.lookup(match.group(7))
        except (ValueError, KeyError, OverflowError):
            return match.group(0)

    return re.sub(_ESCAPE, one, text)


def _text_names_overseer(text: str) -> bool:
    """Does a program's text name overseer: as written, once its escapes are decoded, or in
    its letters alone (``'%s%s' % ('over', 'seer')``, ``''.join(['over', 'seer'])``)?"""
    if _names_overseer(text):
        return True
    if "\\" in text and _names_overseer(_unescaped(text)):
        return True
    return "overseer" in re.sub(r"[^a-z]", "", text.lower())


def _dynamic_reason(text: str) -> str | None:
    """What in a program's text builds code or names at run time (:data:`_DYNAMIC`)."""
    found = re.search(_DYNAMIC, text)
    if found is None:
        return None
    shown = found.group(0).strip()[:30]
    return f"builds code or names at run time ({shown!r}), which the guard does not judge"


def _program_text_reason(
    cmd: Command,
    ctx: CallContext,
    data: Sequence[str],
    paths: PathsOf | None,
    run: _Run | None = None,
) -> str | None:
    """A program handed over as text (``python3 -c``, ``perl -e``, a here-document) that
    names one of overseer's files or a hook setting by a relative or built path; Python's
    sqlite3 shell (``python3 -m sqlite3``); a script file that names overseer; a module a
    server or a notebook runner imports (``uvicorn mod:app``, ``papermill x.ipynb``)."""
    run = run or _Run()
    base = cmd.basename
    values = [w.value for w in cmd.words[1:]]
    texts: list[str] = []
    script: str | None = None
    argv: list[str] = []
    modules: list[str] = []  # imported from the working directory, where -m and -c look
    runs_text = _PYTHON.match(base) or base in _INTERPRETERS or base in _ALL_SHELLS
    if runs_text and not cmd.exact:
        # ``xargs -I{} sh -c '{}'``, ``find -exec python3 {} \;``: xargs and find put words
        # (or text inside them) the guard never sees into the program
        return f"{base} runs a program xargs or find completes at run time{UNSEEN}"
    if base in LAUNCHERS:
        why = _launched_program_reason(cmd, ctx, data, paths, run)
        if why is not None:
            return why
    if base in APP_RUNNERS or base.startswith("jupyter-"):
        why = _app_reason(base, cmd.words[1:], ctx, paths, run)
        if why is not None:
            return why
    if _PYTHON.match(base):
        from overseer.policy import pycli

        line = pycli.parse(values)
        if line.kind == "module" and line.value == "sqlite3":
            return _pysqlite_reason(cmd, [values[i] for i in line.args], ctx, data, paths)
        top = (line.value or "").split(".")[0]
        if line.kind == "module" and top in _PY_FILE_RUNNERS:
            # ``python3 -m pdb tool.py``, ``-m runpy tool``, ``-m timeit -s 'import tool'``
            rest = [values[i] for i in line.args if not values[i].startswith("-")]
            for word in rest:
                for name in (word, word.replace(".", "/") + ".py"):
                    why = _script_reason(base, name, (), ctx, (), paths, True, run)
                    if why is not None:
                        return why
            modules += [m for t in rest for m in _imported(t)]
        if line.kind == "module" and top in APP_RUNNERS:
            # ``python3 -m uvicorn mod:app``, ``python3 -m flask --app mod run``
            why = _app_reason(top, [cmd.words[1 + i] for i in line.args], ctx, paths, run)
            if why is not None:
                return why
        if line.kind == "command":
            texts.append(line.value or "")
        elif line.kind == "file" and not _STDIN_FILES.match(posixpath.normpath(line.value or "")):
            script, argv = line.value, [values[i] for i in line.args]
        elif line.kind == "module" and line.value:
            modules.append(line.value)
        if (line.kind == "stdin" or line.inspect) and _fed(cmd):
            texts += data
        modules += [m for t in texts for m in _imported(t)]
    elif base in _INTERPRETERS:
        texts += [w.value for w in cmd.words[1:] if w.static]
        if _fed(cmd):
            texts += data
        evals = base in ("perl", "ruby")
        if base in _SCRIPT_RUNNERS and not any(
            v.startswith(_EVAL_OPTIONS) or (evals and re.match(_EVAL_CLUSTER, v) is not None)
            for v in values
        ):
            operands = [v for v in values if not v.startswith("-")]
            if base in ("deno", "bun") and operands[:1] == ["run"]:
                operands = operands[1:]
            script = operands[0] if operands else None
    elif base in SHELLS or base in _ALL_SHELLS:
        script = _shell_script(cmd)
    elif base in ("source", ".") and cmd.words[1:]:
        script = cmd.words[1].value if cmd.words[1].static else None
        if script is None:
            return f"{base} reads a script named only when bash runs it{UNSEEN}"
    if base in _TASK_FILES:
        why = _task_file_reason(cmd, ctx, paths, run)
        if why is not None:
            return why
    why = _modules_reason(base, modules, ctx, paths, run)
    if why is not None:
        return why
    for text in texts:
        why = _text_reason(base, f"the program {base} runs", text, ctx, paths, run)
        if why is not None:
            return why
    program = cmd.words[0].value if cmd.words else ""
    for target in (script, program if "/" in program else None):
        if target:
            why = _script_reason(base, target, argv, ctx, data, paths, False, run)
            if why is not None:
                return why
    return None


def _modules_reason(
    base: str,
    modules: Sequence[str],
    ctx: CallContext,
    paths: PathsOf | None,
    run: _Run,
    where: str = "",
) -> str | None:
    """Modules a Python program imports, read where they are found first (the working
    directory: ``-m`` and ``-c`` put it on ``sys.path``; a script's own directory, ``where``)
    and judged as scripts, with the modules they import in turn."""
    if len(modules) > _MAX_MODULES:
        return f"{base} imports more modules than the guard reads{UNSEEN}"
    for module in modules:
        relative = module if "/" in module else module.replace(".", "/")
        relative = posixpath.join(where, relative) if where else relative
        parts = relative.split("/")
        parents = [f"{'/'.join(parts[:i])}/__init__.py" for i in range(1, len(parts))]
        parents = [p for p in parents if not p.startswith("../") and p != "../__init__.py"]
        for name in (*parents, f"{relative}.py", f"{relative}/__init__.py",
                     f"{relative}/__main__.py"):  # fmt: skip
            why = _script_reason(base, name, (), ctx, (), paths, True, run)
            if why is not None:
                return f"{base} imports {module[:60]} from here: {why}"
        why = _compiled_reason(base, relative, ctx, paths)
        if why is not None:
            return why
    return None


def _compiled_reason(
    base: str, relative: str, ctx: CallContext, paths: PathsOf | None
) -> str | None:
    """A compiled module where a module's source would be (``helper.pyc``, an extension
    ``helper.cpython-311-x86_64-linux-gnu.so``): Python imports it, and its code is no text
    the guard reads. (A ``__pycache__`` file is used only beside its source; see README.)"""
    if ctx.resolve is None:
        return None
    from importlib.machinery import EXTENSION_SUFFIXES

    for suffix in (".pyc", *EXTENSION_SUFFIXES):
        name = relative + suffix
        found = paths(name) if paths is not None else [_lexical(name, ctx)]
        if any(os.path.exists(p) for p in found or ()):
            return f"{base} imports {name[:80]}, compiled code the guard does not read{UNSEEN}"
    return None


#: ``from .mod import x``, ``from .. import a, b``: an import relative to the module's own
#: directory.
_RELATIVE_IMPORT = r"(?m)^\s*from\s+(\.+)([A-Za-z_][\w.]*)?\s+import\s+\(?([\w ,]+)"


_IMPORT_LIST = (
    r"(?m)(?:^|[;:]\s*)\s*import\s+([\w.]+(?:\s+as\s+\w+)?(?:\s*,\s*[\w.]+(?:\s+as\s+\w+)?)+)"
)


def _imported(text: str) -> list[str]:
    """The modules a Python program's text imports, as paths relative to where it is
    found first (``pkg.sub`` is ``pkg/sub``; ``from ..x import y`` is ``../x``)."""
    if not text.isascii():  # identifiers are NFKC-folded: ``import ｈelper`` is helper
        import unicodedata

        text = unicodedata.normalize("NFKC", text)
    found = [m.replace(".", "/") for m in _IMPORTS.findall(text)]
    for match in re.finditer(_IMPORT_LIST, text):  # ``import os, helper as h``
        for part in match.group(1).split(",")[1:]:
            module = part.split(" as ")[0].strip()
            if re.match(r"^[A-Za-z_][\w.]*$", module):
                found.append(module.replace(".", "/"))
    for match in re.finditer(_RELATIVE_IMPORT, text):
        up = "../" * (len(match.group(1)) - 1)
        if match.group(2):
            found.append(up + match.group(2).replace(".", "/"))
        else:
            found += [up + n.strip() for n in match.group(3).split(",") if n.strip()]
    return list(dict.fromkeys(found))


#: Programs that import a module (or run a script, a notebook) their arguments name:
#: ASGI/WSGI servers (``uvicorn mod:app``), task queues (``celery -A mod``), web
#: frameworks' runners (``flask --app mod run``, ``fastapi run x.py``, ``streamlit run
#: x.py``) and notebook runners (``jupyter nbconvert --execute x.ipynb``, ``papermill``).
APP_RUNNERS = frozenset({
    "uvicorn", "gunicorn", "hypercorn", "daphne", "granian", "waitress-serve", "uwsgi",
    "celery", "flask", "fastapi", "streamlit", "panel", "gradio", "jupyter", "papermill",
    "nbconvert", "voila", "marimo", "dramatiq", "rq", "huey_consumer", "arq", "taskiq",
    "sanic", "litestar", "django-admin", "locust",
})  # fmt: skip
#: A word naming a module, optionally with the attribute a server takes from it.
_MODULE_WORD = r"^([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)(?::.*)?$"
#: Files some of them import when no module is named.
_APP_DEFAULTS: dict[str, tuple[str, ...]] = {
    "flask": ("app.py", "wsgi.py", "app/__init__.py", "wsgi/__init__.py"),
    "fastapi": ("main.py", "app.py", "api.py", "app/main.py", "app/app.py", "app/api.py"),
    "gunicorn": ("gunicorn.conf.py",),
    "locust": ("locustfile.py",),
    "django-admin": (),
}
_PROGRAM_SUFFIXES = (".py", ".pyw", ".ipynb", ".pyz", ".sh", ".bash", ".js", ".mjs", ".cjs",
                     ".ts", ".rb", ".pl", ".pm", ".php", ".lua")  # fmt: skip


def _app_reason(
    base: str, words: Sequence[Word], ctx: CallContext, paths: PathsOf | None, run: _Run
) -> str | None:
    """What a server or notebook runner imports (:data:`APP_RUNNERS`): every word (and
    option value) that names a program file is read as a script, every word that may name
    a module as ``python3 -m MODULE`` would read it. The runners' grammars are not
    modelled: each word that could be a module is read (a superset)."""
    base = base.removeprefix("jupyter-")
    if any(not w.static for w in words):
        return f"{base} imports a module named only when bash runs it{UNSEEN}"
    values = [
        w.value.split("=", 1)[1] if w.value.startswith("--") and "=" in w.value else w.value
        for w in words
    ]
    values = [v[2:] if v.startswith("-A") and len(v) > 2 else v for v in values]
    scripts = [v for v in values if v.endswith(_PROGRAM_SUFFIXES) or v.startswith("python:")]
    for name in scripts:
        name = name.removeprefix("python:")
        if not name.endswith(_PROGRAM_SUFFIXES):
            continue
        why = _script_reason(base, name, (), ctx, (), paths, False, run)
        if why is not None:
            return why
    modules = []
    for value in values:
        value = value.removeprefix("python:")
        match = re.match(_MODULE_WORD, value)
        if match and not value.endswith(_PROGRAM_SUFFIXES):
            modules.append(match.group(1))
    why = _modules_reason(base, modules, ctx, paths, run)
    if why is not None:
        return why
    for name in _APP_DEFAULTS.get(base, ()):
        why = _script_reason(base, name, (), ctx, (), paths, True, run)
        if why is not None:
            return why
    if base == "flask":
        for name in (".flaskenv", ".env"):
            text = _read_script(name, ctx, paths, run)
            if text is not None and text is not _MISSING and "FLASK_APP" in text:
                return f"flask imports the app {name} names, which the guard does not read{UNSEEN}"
    return None


#: ``import x`` / ``from x import`` in a program: a module found in the working directory
#: first (``-c``, ``-m`` and stdin put it on ``sys.path``).
_IMPORTS = re.compile(r"(?:^|[\s;(])(?:import|from)\s+([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_]\w*)*)")
#: At most this many modules of one program's text are read; more are not (asked about).
_MAX_MODULES = 64
#: At most this many scripts and modules are read for one call (probes included).
_MAX_SCRIPTS = 512
#: Programs that run the recipes of a file they find in the working directory (or are
#: given with ``-f``): ``make`` its Makefile, ``just`` its justfile, ``npm run`` the
#: scripts of package.json; ``nox`` its noxfile.py, ``invoke`` its tasks.py (Python).
_TASK_FILES: dict[str, tuple[str, ...]] = {
    "make": ("GNUmakefile", "makefile", "Makefile"),
    "gmake": ("GNUmakefile", "makefile", "Makefile"),
    "bmake": ("makefile", "Makefile"),
    "just": ("justfile", "Justfile", ".justfile"),
    "npm": ("package.json",),
    "pnpm": ("package.json",),
    "yarn": ("package.json",),
    "bun": ("package.json",),
    "task": ("Taskfile.yml", "Taskfile.yaml", "taskfile.yml"),
    "nox": ("noxfile.py",),
    "invoke": ("tasks.py",),
    "inv": ("tasks.py",),
    "fab": ("fabfile.py",),
    "doit": ("dodo.py",),
    "rake": ("Rakefile", "rakefile"),
    "tox": ("tox.ini",),
}


def _task_file_reason(
    cmd: Command, ctx: CallContext, paths: PathsOf | None, run: _Run | None = None
) -> str | None:
    """The task file a runner reads (``make``, ``just``, ``npm run``), read as a script."""
    values = [w.value for w in cmd.words[1:]]
    names = list(_TASK_FILES[cmd.basename])
    directory = ""
    for i, value in enumerate(values[:-1]):
        if value in ("-f", "--file", "--makefile", "--justfile", "--noxfile"):
            names = [values[i + 1]]
        elif value in ("-C", "--directory", "--prefix", "--cwd", "-d", "--dir"):
            directory = values[i + 1].rstrip("/") + "/"
    for value in values:
        for flag in ("-f", "--file=", "--makefile=", "--justfile=", "--noxfile="):
            if value.startswith(flag) and len(value) > len(flag):
                names = [value[len(flag) :]]
    for name in names:
        path = name if name.startswith("/") else directory + name
        text = _read_script(path, ctx, paths, run)
        if text is None or text is _MISSING:
            continue
        if isinstance(text, _Opaque):
            return f"{cmd.basename} runs recipes from {name[:60]}, which {text.why}{UNSEEN}"
        if _text_names_overseer(text):
            return f"{cmd.basename} runs recipes from {name[:60]}, which name overseer{UNSEEN}"
        how = f"{cmd.basename} runs {name[:60]}"
        if name.endswith(".py"):
            why = _text_reason(cmd.basename, how, text, ctx, paths, run)
        else:
            why = _recipes_reason(cmd.basename, how, name, text, ctx, paths, run, values)
        if why is not None:
            return why
    return None


#: What make reads that the guard does not model: another makefile, the program recipes
#: run with, the recipe prefix, recipes or text made at run time (``$(eval)``, ``$(call)``).
_MAKE_UNMODELLED = (
    r"(?m)^[ \t]*(?:-?include|sinclude|export[ \t]+SHELL|SHELL[ \t]*[:?+!]?=|\.SHELLFLAGS|"
    r"\.RECIPEPREFIX|MAKEFILES)|\$[({](?:eval|call|value|file|guile|shell)\b|^[ \t]*set[ \t]+shell"
)
#: At most this many recipe lines of a task file are judged; more are not (asked about).
_MAX_RECIPES = 200


def _npm_runs(script: str, words: Sequence[str]) -> bool:
    """May ``npm run NAME`` (``words``: the words after the program) run the script
    ``script``: NAME, its ``pre``/``post`` scripts; every script when NAME is not told."""
    operands = [w for w in words if not w.startswith("-")]
    if operands[:1] in (["run"], ["run-script"], ["rum"], ["urn"]) and len(operands) > 1:
        wanted = operands[1]
    else:
        return True
    return script in (wanted, f"pre{wanted}", f"post{wanted}")


def _recipes_reason(
    program: str,
    how: str,
    name: str,
    text: str,
    ctx: CallContext,
    paths: PathsOf | None,
    run: _Run | None,
    words: Sequence[str] = (),
) -> str | None:
    """A task file's recipes (a Makefile's and a justfile's indented lines, package.json's
    scripts) judged as the shell command lines they are: a command whose name make or just
    builds (``$(X)$(Y) decide``, ``{{x}}``) is one the guard cannot read. Other task files
    (Taskfile.yml, Rakefile, tox.ini) are read for the names they hold alone."""
    recipes: list[str] = []
    if name.endswith("package.json"):
        import json

        try:
            scripts = json.loads(text).get("scripts") or {}
        except (ValueError, AttributeError):
            return f"{how}, which the guard cannot read as JSON{UNSEEN}"
        if not isinstance(scripts, dict):
            return f"{how}, whose scripts the guard cannot read{UNSEEN}"
        recipes = [str(v) for k, v in scripts.items() if _npm_runs(k, words)]
    elif program in ("make", "gmake", "bmake", "just"):
        found = re.search(_MAKE_UNMODELLED, text)
        if found is not None:
            shown = found.group(0).strip()[:30]
            return f"{how}, which uses {shown!r}: recipes the guard does not model{UNSEEN}"
        indent = "\t" if program != "just" else (" ", "\t")
        for line in text.replace("\\\n", " ").split("\n"):
            if line.startswith(indent) and line.strip() and not line.lstrip().startswith("#"):
                recipe = line.strip().lstrip("@+-").strip()
                if program == "just":
                    recipe = re.sub(r"\{\{.*?\}\}", "$(just)", recipe)
                else:
                    recipe = recipe.replace("$$", "$")  # make's escape of a shell "$"
                recipes.append(recipe)
    else:
        return None
    if len(recipes) > _MAX_RECIPES:
        return f"{how}, which has more recipes than the guard reads{UNSEEN}"
    for recipe in recipes:
        why = _shell_text_reason(recipe, ctx, paths, run)
        if why is not None:
            return f"{how}: a recipe {why}"
    return None


def _shell_script(cmd: Command) -> str | None:
    """The script file a shell runs (``sh x.sh``), if it is given one."""
    words = cmd.words[1:]
    skip = False
    for word in words:
        value = word.value
        if skip:
            skip = False
            continue
        if value in ("-o", "+o", "-O", "+O", "--rcfile", "--init-file"):
            skip = True
            continue
        if value == "--":
            continue
        if value.startswith("-") and not value.startswith("--") and ("c" in value or "s" in value):
            return None
        if value.startswith(("-", "+")):
            continue
        return value if word.static else None
    return None


def _literal_reason(program: str, text: str, ctx: CallContext, paths: PathsOf | None) -> str | None:
    """A file of overseer's (or a hook setting) among the literals of a program's text
    (:func:`overseer.policy.literals.literals`), resolved as the command line's files are;
    a literal naming one of them by its bare name in a program that navigates to places it
    has no literal for (``Path.cwd().parent / 'config.toml'``); a glob literal that matches
    one of them (``glob('../*')``)."""
    bare = {posixpath.basename(p) for p in ctx.protected_files}
    navigates = None
    for literal in literals(text):
        name = literal
        if name.startswith("~/"):
            name = (ctx.home or "/nonexistent-home") + name[1:]
        found = paths(name) if paths is not None else [_lexical(name, ctx)]
        hit = next((f for f in found or () if is_guarded(f, ctx, parents=False)), None)
        if hit is not None:
            return f"the program {program} runs names {hit} (it may write it){UNSEEN}"
        if posixpath.basename(name.rstrip("/")) in bare:
            navigates = navigates if navigates is not None else re.search(_NAVIGATES, text)
            if navigates is not None:
                return (
                    f"the program {program} runs names {posixpath.basename(name)[:60]} and "
                    f"finds directories at run time ({navigates.group(0)}){UNSEEN}"
                )
        if any(c in name for c in "*?[") and found:
            import fnmatch

            for pattern in found:
                if any(fnmatch.fnmatchcase(p, pattern) for p in ctx.protected):
                    return (
                        f"the program {program} runs names {pattern[:80]}, a glob that "
                        f"matches one of overseer's files (it may write it){UNSEEN}"
                    )
    return None


#: PEP 263's source encoding declaration (``# -*- coding: utf-7 -*-``): the program is
#: decoded with it before it is read, so a program in UTF-7 or EBCDIC reads as anything.
_CODING = r"(?m)^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)"
_PLAIN_CODINGS = frozenset({"utf-8", "utf8", "ascii", "us-ascii", "latin-1", "iso-8859-1",
                            "iso8859-1", "latin1", "utf-8-sig", "cp1252"})  # fmt: skip


def _text_reason(
    program: str,
    how: str,
    text: str,
    ctx: CallContext,
    paths: PathsOf | None,
    run: _Run | None = None,
    shell: bool = False,
) -> str | None:
    """A program's text judged: one that names overseer (:func:`_text_names_overseer`),
    a shell script judged as a command line is, one that builds code or names at run time
    (:data:`_DYNAMIC`), one that names a file of overseer's (:func:`_literal_reason`)."""
    if _text_names_overseer(text):
        return f"{how}, a program that names overseer{UNSEEN}"
    coding = re.search(_CODING, "\n".join(text.split("\n", 2)[:2]))
    if coding is not None and coding.group(1).lower().replace("_", "-") not in _PLAIN_CODINGS:
        shown = coding.group(1)[:30]
        return f"{how}, whose source is in {shown}, which the guard does not decode{UNSEEN}"
    if shell:
        why = _shell_text_reason(text, ctx, paths, run)
        return None if why is None else f"{how}: {why}"
    why = _dynamic_reason(text)
    if why is not None:
        return f"{how}, a program that {why}{UNSEEN}"
    for source in (text, _unescaped(text)) if "\\" in text else (text,):
        why = _literal_reason(program, source, ctx, paths)
        if why is not None:
            return why
    return _runs_literal_reason(program, how, text, ctx, paths, run)


#: The files ``require('./x')`` (and ``import './x'``, ``load``) may mean.
_RESOLVED_SUFFIXES = (".js", ".mjs", ".cjs", ".json", "/index.js", "/index.mjs", ".py",
                      ".rb", ".pl", ".pm", ".sh")  # fmt: skip
#: A literal that may be a command line the program hands a shell or ``exec``
#: (``os.system('sh runner.sh')``, ``execSync('cp a b && python3 b')``).
_COMMAND_SYNTAX = ("&&", "||", ";", "|", "$(", "`", "<", ">")


def _runs_literal_reason(
    program: str,
    how: str,
    text: str,
    ctx: CallContext,
    paths: PathsOf | None,
    run: _Run | None,
) -> str | None:
    """The programs a program's literals may name for it to run: a script file
    (``runpy.run_path('tool.py')``, ``subprocess.run(['sh', 'runner.sh'])``,
    ``require('./x.js')``) is read as a script; a literal that is a command line (its first
    word a shell, an interpreter, a launcher or a path, or shell operators in it) is judged
    as the command line it is (``os.system('cp tool.py t.py && python3 t.py')``)."""
    for literal in literals(text):
        words = literal.split()
        if not words:
            continue
        first = posixpath.basename(words[0])
        runs = (
            first in _ALL_SHELLS or first in _INTERPRETERS or first in LAUNCHERS
            or first in APP_RUNNERS or first in _TASK_FILES or _PYTHON.match(first)
            or words[0].startswith(("./", "../", "/"))
        )  # fmt: skip
        if len(words) > 1 and (runs or any(op in literal for op in _COMMAND_SYNTAX)):
            why = _shell_text_reason(literal, ctx, paths, run)
            if why is not None:
                return f"{how}, which runs {literal[:60]!r}: {why}"
        for word in words:
            if not (word.endswith(_PROGRAM_SUFFIXES) or word.startswith(("./", "../"))):
                continue
            # as Node's require resolves it too: ./x is ./x.js, ./x/index.js...
            bare = () if word.endswith(_PROGRAM_SUFFIXES) else _RESOLVED_SUFFIXES
            for name in (word, *(word + suffix for suffix in bare)):
                why = _script_reason(program, name, (), ctx, (), paths, True, run)
                if why is not None:
                    return f"{how}, which names {word[:60]}: {why}"
    return None


def _script_reason(
    program: str,
    name: str,
    argv: Sequence[str],
    ctx: CallContext,
    data: Sequence[str],
    paths: PathsOf | None,
    missing_ok: bool = False,
    run: _Run | None = None,
) -> str | None:
    """A script file run: read where the file system is (the hook, ``scope explain``),
    judged as a program handed over whole (a shell script as a command line). One not there
    (written by this command line, or by nothing yet) is asked about unless ``missing_ok``
    (a module probed for: one not found here is an installed one)."""
    run = run or _Run()
    key = posixpath.normpath(name)
    if key in run.seen:
        return None  # judged already (a module imported twice, an import cycle)
    if len(run.seen) >= _MAX_SCRIPTS:
        return f"{program} runs more scripts and modules than the guard reads{UNSEEN}"
    run.seen.add(key)
    text = _read_script(name, ctx, paths, run)
    if text is None:
        return None
    how = f"{program} runs {name[:80]}"
    if text is _MISSING:
        if any(_names_overseer(d) for d in data):
            return f"{how}, written here from text naming overseer{UNSEEN}"
        return None if missing_ok else f"{how}, which {text.why}{UNSEEN}"
    if isinstance(text, _Opaque):
        return f"{how}, which {text.why}{UNSEEN}"
    if any(_names_overseer(a) for a in argv):
        return f"{program} hands {name[:80]} arguments that name overseer{UNSEEN}"
    if text.startswith("\x7fELF"):  # a binary: only the names it holds are read
        return f"{how}, a program that names overseer{UNSEEN}" if _names_overseer(text) else None
    shell = _is_shell_script(program, name, text)
    why = _text_reason(program, how, text, ctx, paths, run, shell=shell)
    if (
        why is None
        and not shell
        and (_PYTHON.match(program) or name.endswith(".py") or program in APP_RUNNERS)
    ):
        # a Python program imports modules from its own directory first
        where = posixpath.dirname(name)
        if name.endswith(("/__init__.py", "/__main__.py")):
            where = posixpath.dirname(where) if name.endswith("/__main__.py") else where
        why = _modules_reason(program, _imported(text), ctx, paths, run, where)
    return why


def _is_shell_script(program: str, name: str, text: str) -> bool:
    """Is the script ``program`` runs (``sh x``, ``./x``) read by a shell: given to one, or
    run as ``./x`` with a shell's ``#!`` line or none (bash runs a file without one)?"""
    if program in SHELLS or program in _ALL_SHELLS or program in ("source", "."):
        return True
    if name.endswith((".sh", ".bash")):
        return True
    if name.endswith(_PROGRAM_SUFFIXES) or _PYTHON.match(program):
        return False
    if program in _INTERPRETERS or program in APP_RUNNERS or program in LAUNCHERS:
        return False
    first = text.split("\n", 1)[0]
    if not first.startswith("#!"):
        return True
    return any(posixpath.basename(w) in _ALL_SHELLS for w in first[2:].split()[:2])


def _read_script(
    name: str, ctx: CallContext, paths: PathsOf | None, run: _Run | None = None
) -> str | None:
    """The text of the script ``name``; None when there is no file system to read (the
    pure engine judges the command line alone); :data:`_MISSING` when it is not there; an
    :class:`_Opaque` text when what will run cannot be told from it (another command of
    the line may write it first, it is longer than the guard reads, a FIFO or a device, a
    zip archive). A directory is the ``__main__.py`` in it (``python3 src``)."""
    if ctx.resolve is None:
        return None
    if run is not None and run.writer:
        return _Opaque(
            f"another command of the line ({run.writer}) may write first: the text read "
            "now is not what runs"
        )
    found = paths(name) if paths is not None else [_lexical(name, ctx)]
    if found is None:
        return _Opaque("is where a directory the line moves to leads, which is not known")
    for path in found:
        if os.path.isdir(path):
            path = os.path.join(path, "__main__.py")
        try:  # never blocks: a FIFO or a terminal would hold the gate until it times out
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
        except (OSError, ValueError):
            continue
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                return _Opaque("is a pipe or a device: its text is whatever is written to it")
            head = os.read(fd, _SCRIPT_BYTES)
        except OSError:
            return _Opaque("cannot be read")
        finally:
            os.close(fd)
        if head.startswith(b"PK\x03\x04") or b"PK\x05\x06" in head[-4096:]:
            return _Opaque("is a zip archive: its program is compressed")
        if info.st_size > _SCRIPT_BYTES and not head.startswith(b"\x7fELF"):
            return _Opaque(f"is longer than the {_SCRIPT_BYTES // 1024} KiB the guard reads")
        return head.decode("utf-8", "replace")
    return _MISSING


class _Opaque(str):
    """What a script reads as when its text cannot be judged: it names overseer (so any
    reader of it asks); ``why`` says why (completes "the script ...")."""

    why: str

    def __new__(cls, why: str) -> _Opaque:
        made = super().__new__(cls, "\0opaque: overseer")
        made.why = why
        return made


#: A script that is not there when the guard reads it.
_MISSING = _Opaque("is not there when the guard reads it (something may write it before it runs)")


def _pysqlite_reason(
    cmd: Command, args: Sequence[str], ctx: CallContext, data: Sequence[str],
    paths: PathsOf | None,
) -> str | None:  # fmt: skip
    """``python3 -m sqlite3 [FILE [SQL]]`` (3.12+): SQL from its argument, or from stdin
    when none is given, on FILE (judged as a path elsewhere)."""
    from overseer.policy import sqlite_cli

    positional = [a for a in args if not a.startswith("-")]
    opened = sqlite_cli.Opened()
    if len(positional) >= 2:
        for text in positional[1:]:
            sqlite_cli.sql_opens(text, opened)
    elif _fed(cmd):
        for text in data:
            sqlite_cli.sql_opens(text, opened)
    else:
        opened.unseen.append("python -m sqlite3 reads SQL from stdin the guard does not see")
    return _opened_reason(cmd.basename + " -m sqlite3", opened, ctx, paths)


def _launched_program_reason(
    cmd: Command,
    ctx: CallContext,
    data: Sequence[str],
    paths: PathsOf | None,
    run: _Run | None = None,
) -> str | None:
    """What a launcher runs (``uv run python tool.py``, ``uv run tool.py``, ``pyenv exec
    sh x.sh``, ``ipython tool.py``, ``uv run uvicorn mod:app``): the first word that is an
    interpreter, a server or a script is judged as the program it starts."""
    words = cmd.words[1:]
    for k, word in enumerate(words, start=1):
        name = posixpath.basename(word.value)
        if (
            _PYTHON.match(name)
            or name in _INTERPRETERS
            or name in _ALL_SHELLS
            or name in APP_RUNNERS
            or name in _TASK_FILES
        ):
            inner = Command(cmd.words[k:], [], exact=cmd.exact)
            inner.redirects = cmd.redirects
            return _program_text_reason(inner, ctx, data, paths, run)
        if word.static and word.value.endswith(_PROGRAM_SUFFIXES):
            return _script_reason(cmd.basename, word.value, (), ctx, (), paths, True, run)
    if cmd.basename in _PROJECT_RUNNERS:
        return _project_script_reason(cmd.basename, words, ctx, paths, run or _Run())
    return None


#: Launchers that run a console script of the project they are in (``uv run mycmd``),
#: or a task its pyproject.toml defines (``hatch run test``, ``pdm run x``, ``poe x``).
_PROJECT_RUNNERS = frozenset({"uv", "poetry", "pdm", "hatch", "rye", "pipenv", "poe"})


def _project_task_reason(
    base: str,
    names: set[str],
    tool: object,
    ctx: CallContext,
    paths: PathsOf | None,
    run: _Run,
) -> str | None:
    """The tasks pyproject.toml defines for ``hatch run`` (every environment's
    ``scripts``), ``pdm run``, ``rye run`` and ``poe``: their command lines judged as the
    shell command lines they are, a ``call`` as the module it imports."""
    if not isinstance(tool, dict):
        return None
    tables: list[object] = [
        (tool.get("pdm") or {}).get("scripts"),
        (tool.get("rye") or {}).get("scripts"),
        (tool.get("poe") or {}).get("tasks"),
    ]
    envs = (tool.get("hatch") or {}).get("envs")
    if isinstance(envs, dict):
        tables += [env.get("scripts") for env in envs.values() if isinstance(env, dict)]
    for table in tables:
        if not isinstance(table, dict):
            continue
        for name in names:
            task = table.get(name.split(":")[-1])
            if task is None:
                continue
            if isinstance(task, dict):
                call = task.get("call")
                if isinstance(call, str):
                    why = _modules_reason(base, [call.split(":")[0].strip()], ctx, paths, run)
                    if why is not None:
                        return why
                task = task.get("cmd") or task.get("shell") or task.get("chain") or ""
            lines = task if isinstance(task, list) else [task]
            for line in lines:
                if not isinstance(line, str):
                    return f"{base} runs the task {name[:40]}, which the guard cannot read{UNSEEN}"
                why = _shell_text_reason(line, ctx, paths, run)
                if why is not None:
                    return f"{base} runs the task {name[:40]} of pyproject.toml: {why}"
    return None


def _project_script_reason(
    base: str, words: Sequence[Word], ctx: CallContext, paths: PathsOf | None, run: _Run
) -> str | None:
    """``uv run mycmd``: a console script of the project (``[project.scripts]``,
    ``[tool.poetry.scripts]`` in ./pyproject.toml) imports the module it names, read as
    ``python3 -m MODULE`` would be (from the project's top, or its ``src``)."""
    names = {w.value for w in words if w.static and not w.value.startswith("-")}
    if not names:
        return None
    text = _read_script("pyproject.toml", ctx, paths, run)
    if text is None or text is _MISSING:
        return None
    if isinstance(text, _Opaque):
        return f"{base} runs a script of the project, whose pyproject.toml {text.why}{UNSEEN}"
    import tomllib

    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, ValueError):
        return f"{base} runs a script of the project, whose pyproject.toml it cannot read{UNSEEN}"
    project, tool = data.get("project"), data.get("tool")
    tables = [
        project.get("scripts") if isinstance(project, dict) else None,
        project.get("gui-scripts") if isinstance(project, dict) else None,
        (tool.get("poetry") or {}).get("scripts") if isinstance(tool, dict) else None,
    ]
    why = _project_task_reason(base, names, tool, ctx, paths, run)
    if why is not None:
        return why
    for table in tables:
        if not isinstance(table, dict):
            continue
        for name in names & set(table):
            target = table[name]
            if isinstance(target, dict):
                target = target.get("callable") or target.get("reference")
            if not isinstance(target, str):
                return f"{base} runs {name[:40]}, a script of the project it cannot read{UNSEEN}"
            module = target.split(":")[0].strip()
            for where in ("", "src"):
                why = _modules_reason(base, [module], ctx, paths, run, where)
                if why is not None:
                    return why
    return None
