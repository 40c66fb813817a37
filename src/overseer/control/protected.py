"""Where overseer's own files are, for the built-in guard (:mod:`overseer.policy.guard`).

The guard's names (``.git/``, ``.claude/settings*``, ``~/.config/overseer``...) hold
everywhere; the files *this* gate trusts are known only here, where it runs: the config it
read, the store it writes (with SQLite's ``-wal``/``-shm``/``-journal`` beside it), the
installation it runs from and its interpreter, and the Codex home whose ``hooks.json`` runs
it. Each path is listed as given and where its symlinks lead, so a link cannot hide one.

Lean: the hook calls this on every call (stdlib only, a few ``realpath`` calls).
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import shlex
import stat
import sys
from collections.abc import Callable, Mapping
from typing import Any

from overseer.control.git_reach import config_commands, expand_value, manager_reach

#: Beside a SQLite store: its journal files, and the anchors kept next to it.
STORE_SUFFIXES = ("", "-wal", "-shm", "-journal", ".anchors")


def _both(path: str) -> list[str]:
    absolute = os.path.abspath(os.path.expanduser(path))
    real = os.path.realpath(absolute)
    return [absolute] if real == absolute else [absolute, real]


def protected_files(config: str | None, db: str | None) -> tuple[str, ...]:
    """The config and store files: a command that merely names one is judged as touching it."""
    found: list[str] = []
    if config:
        found += _both(config)
    if db and "://" in db and db.split("://", 1)[0].lower().split("+", 1)[0] == "sqlite":
        rest = db.split("://", 1)[1]  # sqlite:////abs/o.db, sqlite:///rel.db: the file
        db = (rest[1:] if rest.startswith("/") else rest).split("?", 1)[0]
    if db and "://" not in db:
        for suffix in STORE_SUFFIXES:
            found += _both(db + suffix)
    return tuple(dict.fromkeys(found))


def interpreter_libs() -> list[str]:
    """Where the hook's interpreter loads code from before and while it judges: the base
    installation's ``lib`` directories even inside a virtualenv (whose own ``sys.prefix`` is
    protected apart): its stdlib, ``pythonXY.zip``, ``lib-dynload``, the base
    ``site-packages`` with its ``*.pth`` files, ``libpython``; and every other ``sys.path``
    entry (an editable install's ``src``, ``PYTHONPATH``), where ``site`` looks for the
    ``sitecustomize`` and ``usercustomize`` it imports at every start-up. ``sys.path[0]`` (the
    script's directory, or the working directory under ``-m``) is left out: it is where the
    agent works."""
    found: list[str] = []
    for prefix in (sys.base_prefix, sys.base_exec_prefix):
        found += [os.path.join(prefix, sys.platlibdir), os.path.join(prefix, "lib")]
    stdlib = os.path.dirname(os.__file__)  # the stdlib, wherever a distribution put it
    # and where its sitecustomize leads (Debian's is a link into /etc/python3.X)
    found += [stdlib, *_both(os.path.join(stdlib, "sitecustomize.py"))]
    site = sys.modules.get("site")
    if site is not None and getattr(site, "ENABLE_USER_SITE", False):
        found.append(str(getattr(site, "USER_SITE", "") or ""))
    found += [entry for entry in sys.path[1:] if entry and os.path.isabs(entry)]
    return [p for p in dict.fromkeys(found) if p]


def protected_dirs(env: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """overseer's installation and interpreter (with the base installation a virtualenv's
    interpreter runs from), and the agents' hook homes — from this process's environment
    and, given ``env`` (the agent's, which the gate server is sent), from that one too:
    its ``XDG_*`` overseer directories, ``CODEX_HOME``, ``CLAUDE_CONFIG_DIR``, ``ZDOTDIR``."""
    found: list[str] = []
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    found += _both(package)
    if sys.prefix != sys.base_prefix:  # a virtualenv: everything in it runs as overseer
        found += _both(sys.prefix)
    for lib in interpreter_libs():
        found += _both(lib)
    found += _both(sys.executable)
    script = os.path.join(os.path.dirname(sys.executable), "overseer")
    if os.path.exists(script):
        found += _both(script)
    # the script this process was started from: a console script installed apart from its
    # interpreter (``pip install --user``: ~/.local/bin/overseer on /usr/bin/python3)
    started = sys.argv[0] if sys.argv else ""
    if started and os.path.isfile(started):
        found += _both(started)
    for name in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        for environ in (os.environ, env or {}):
            base = environ.get(name)
            if base and os.path.isabs(base):
                found += _both(os.path.join(base, "overseer"))
    codex_home = os.environ.get("CODEX_HOME")
    if codex_home:
        found += _both(codex_home)
    for name in ("CODEX_HOME", "CLAUDE_CONFIG_DIR", "ZDOTDIR"):
        there = (env or {}).get(name)
        if there and os.path.isabs(there):
            found += _both(there)  # what the agent's Codex, Claude Code and zsh read
    return tuple(dict.fromkeys(found))


#: Besides the guard's own lists (:mod:`overseer.policy.guard`: the home's rc files and
#: directories, the guarded names and directories of a project), what lies under the home
#: and the session's directories that may be a link to a file the agent can write (a
#: dotfiles repository, shared git hooks), and the git directory's parts.
_HOME_LINKED = (".claude", ".codex", ".claude.json")
_PROJECT_LINKED = (".claude",)
_GIT_LINKED = ("config", "config.worktree", "hooks")


def guarded_links(
    home: str | None, places: tuple[str, ...], git: GitView
) -> tuple[dict[str, str], dict[str, str], dict[tuple[int, int], str], dict[str, str]]:
    """Where the guarded files that are links lead: ``(files, directories, inodes)`` —
    the real path a guarded file's symlink leads to (dangling too: the file a write would
    make) → that guarded file; the same for a guarded directory (``.git/hooks -> ../hooks``:
    every path under the target is a hook); and a guarded file's inode when it has other
    hard links. A write to ``dot/bashrc`` is a write to ``~/.bashrc`` when that is a link to
    it; the path written never shows it. A few dozen ``lstat`` calls and a listing of the
    guarded directories, once per call."""
    from overseer.policy.guard import _HOME_DIRS, GUARDED_DIRS, GUARDED_HOME, GUARDED_NAMES

    candidates: list[str] = []
    if home:
        homes = (*sorted(GUARDED_HOME), *_HOME_DIRS, *_HOME_LINKED)
        candidates += [os.path.join(home, n) for n in homes]
    for place in places:
        names = (*sorted(GUARDED_NAMES), *sorted(GUARDED_DIRS), *_PROJECT_LINKED)
        candidates += [os.path.join(place, n) for n in names]
        git_dir = git.git_dir(place) or None
        if git_dir:
            candidates += [os.path.join(git_dir, n) for n in _GIT_LINKED]
        candidates += git.hooks_dirs(git_dir)
    listed: list[str] = []
    for candidate in dict.fromkeys(candidates):
        if os.path.basename(candidate) != ".git" and os.path.isdir(candidate):
            with contextlib.suppress(OSError, ValueError):
                listed += [os.path.join(candidate, n) for n in os.listdir(candidate)[:256]]
    reach = hook_scripts(home, places, git.env.get("PATH", ""))
    files: dict[str, str] = dict(reach.files)
    dirs: dict[str, str] = dict(reach.dirs)
    pyroots: dict[str, str] = dict(reach.pyroots)
    inodes: dict[tuple[int, int], str] = {}
    for candidate in dict.fromkeys([*candidates, *listed]):
        try:
            st = os.lstat(candidate)
        except (OSError, ValueError):
            continue
        if stat.S_ISLNK(st.st_mode):
            real = os.path.realpath(candidate)
            if real != candidate:
                (dirs if os.path.isdir(real) else files)[real] = candidate
        elif stat.S_ISREG(st.st_mode) and st.st_nlink > 1:
            inodes[(st.st_dev, st.st_ino)] = candidate
    for project, prefixes, guarded in reach.names:
        for prefix in prefixes:
            pyroots[f"{project}\0{prefix}"] = guarded
    return files, dirs, inodes, pyroots


def _importable(path: str, root: str) -> bool:
    """``root`` ``PROJECT\\0PREFIX``: is ``path`` under ``PROJECT`` named ``PREFIX…``. Else:
    would a Python whose ``sys.path`` starts with ``root`` import ``path`` in place of a
    module it meant: a module directly in ``root`` (``json.py``, ``x.so``), a package's
    ``__init__`` there, its byte code, or an existing package directory there."""
    if "\0" in root:
        project, prefix = root.split("\0", 1)
        inside = path.startswith(project.rstrip("/") + "/")
        return inside and os.path.basename(path).startswith(prefix)
    rest = path[len(root.rstrip("/")) + 1 :] if path.startswith(root.rstrip("/") + "/") else ""
    if not rest:
        return False
    parts = rest.split("/")
    if parts[0] == "__pycache__":
        return True
    name = parts[-1]
    if len(parts) == 1:
        if name.endswith((".py", ".pyc", ".pyw", ".so", ".pyd", ".zip", ".egg")):
            return True
        # an existing package directory (a rename over it): not any bare name, which
        # every command's operand would be (git status: "status")
        return name.isidentifier() and os.path.isfile(os.path.join(path, "__init__.py"))
    return len(parts) == 2 and parts[0].isidentifier() and name.startswith("__init__.")


#: Settings files whose hook commands the agents run on their own (Claude Code's, Codex's).
_HOOK_SETTINGS = (
    ".claude/settings.json", ".claude/settings.local.json", ".codex/hooks.json",
    ".codex/config.json",
)  # fmt: skip
_SETTINGS_LIMIT = 1 << 20


class HookReach:
    """What the hook commands of the settings in view run, each paired with a guarded name
    (under that settings file's ``hooks`` directory): ``files`` (a path), ``dirs`` (every
    path under one), ``pyroots`` (a directory on a ``sys.path`` the hook's Python puts first:
    a module written directly in it shadows whatever the command imports)."""

    __slots__ = ("dirs", "files", "names", "pyroots")

    def __init__(self) -> None:
        self.files: list[tuple[str, str]] = []
        self.dirs: list[tuple[str, str]] = []
        self.pyroots: list[tuple[str, str]] = []
        #: (project, name prefixes, guarded): a configuration file that holds code
        #: (``.prettierrc.js``), anywhere under the project
        self.names: list[tuple[str, tuple[str, ...], str]] = []


def hook_scripts(home: str | None, places: tuple[str, ...], search: str | None = None) -> HookReach:
    """The files the hook commands of the settings in view run, each paired with a name
    under that settings file's ``hooks`` directory (which the guard guards): a PostToolUse
    hook ``"$CLAUDE_PROJECT_DIR"/scripts/fmt.sh`` makes ``scripts/fmt.sh`` as guarded as
    ``.claude/hooks/fmt.sh`` — Claude Code runs it itself, outside any tool call. Every
    ``command`` string in the file counts (a superset: hooks, the status line): each word
    with a ``/`` in it a path, relative ones from the project's directory, and what the
    command runs indirectly (:func:`command_reach`: ``npm run`` → ``package.json`` and
    ``node_modules``, ``make`` → the makefiles, ``python -m pkg.mod`` → the package and the
    modules that would shadow it, ``bash x.sh`` → ``x.sh``). A command whose reach is not
    modelled (code in a string, an unknown program in the project) guards the project."""
    from overseer.control.runtime_programs import TREE, settings_programs

    project = places[-1] if places else None
    reach = HookReach()
    real_dirs: dict[str, str] = {}

    def both(path: str) -> tuple[str, ...]:
        """``path`` and where it leads: its directory resolved once per directory, the
        path itself only when it is a link (one ``lstat``)."""
        parent, base = os.path.split(path)
        if parent not in real_dirs:
            real_dirs[parent] = os.path.realpath(parent)
        real = os.path.join(real_dirs[parent], base)
        if os.path.islink(real):
            real = os.path.realpath(real)
        return (path,) if real == path else (path, real)

    # every program the runtimes start on their own (runtime_programs: hooks, the status
    # line, apiKeyHelper..., MCP servers, Codex's notify), each run where its settings say
    for guarded_dir, command, cwd in settings_programs(home, places, _HOOK_SETTINGS):
        base = cwd or project
        if command.startswith(TREE):  # a local plugin marketplace: everything in it
            for path in both(_path(command[len(TREE) :], base or "/nonexistent-project", home)):
                reach.dirs.append((path, guarded_dir))
            continue
        files, dirs, pyroots, names = command_reach(command, base, home, search=search)
        for word in dict.fromkeys([*_words(command, base, home), *files]):
            for path in both(word):
                reach.files.append((path, os.path.join(guarded_dir, os.path.basename(path))))
        for where in dict.fromkeys(dirs):
            for path in both(where):
                reach.dirs.append((path, guarded_dir))
        for where in dict.fromkeys(pyroots):
            for path in both(where):
                reach.pyroots.append((path, guarded_dir))
        if names and base:
            reach.names.append((base, tuple(names), guarded_dir))
    return reach


def _expand_words(command: str, project: str | None, home: str | None) -> str:
    for variable in ("${CLAUDE_PROJECT_DIR}", "$CLAUDE_PROJECT_DIR"):
        command = command.replace(variable, project or "/nonexistent-project")
    if home:
        for variable in ("${HOME}", "$HOME"):
            command = command.replace(variable, home)
    return command


def _words(command: str, project: str | None, home: str | None) -> list[str]:
    command = _expand_words(command, project, home)
    try:
        words = shlex.split(command[:4096])
    except ValueError:
        words = command[:4096].split()
    found: list[str] = []
    for word in list(words):
        key, eq, value = word.partition("=")
        if eq and "/" in value and "/" not in key and len(key) <= 64:
            words.append(value)  # make SHELL=./x.sh, npm --script-shell=./x.sh: the value
    for word in words:
        word = word.rstrip(";&|)")
        if "/" not in word:
            continue
        if word.startswith("~/") and home:
            word = home + word[1:]
        if not word.startswith("/"):
            word = os.path.join(project or "/nonexistent-project", word)
        found.append(os.path.normpath(word))
    return found


# ------------------------------------------------------------- what a hook command runs

#: Assignments before a command that change nothing it runs (the scope's safe list).
_SAFE_ASSIGNMENT = re.compile(
    r"^(?:LANG|LANGUAGE|LC_[A-Z]+|TZ|TERM|NO_COLOR|FORCE_COLOR|CLICOLOR|COLUMNS|LINES|CI)="
)
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\+?=")


def _unmodelled(command: str) -> bool:
    """Has ``command`` shell syntax its words are not modelled through (a command that has
    any is judged as running the whole project): an expansion or substitution (``$x``,
    ``$(…)``, backquotes) outside single quotes, a here-document, a process substitution,
    a group or subshell, a brace outside quotes."""
    quote = ""
    k = 0
    while k < len(command):
        c = command[k]
        nxt = command[k + 1] if k + 1 < len(command) else ""
        if quote == "'":
            if c == "'":
                quote = ""
        elif c == "\\":
            k += 1
        elif c == "`" or (c == "$" and nxt and not nxt.isspace()):
            return True
        elif quote == '"':
            if c == '"':
                quote = ""
        elif c in "'\"":
            quote = c
        elif c in "(){}#" or (c in "<>" and nxt in "<("):
            return True  # '#': bash's comment starts a word only, shlex's anywhere
        k += 1
    return bool(quote)  # an unterminated quote: not the words shlex reads


_OPERATORS = frozenset({";", "&&", "||", "|", "&", "|&", ";;", "\n"})
_REDIRECTIONS = frozenset({">", ">>", "<", "<>", ">&", "<&", "&>", "&>>", ">|"})
_SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "fish", "yash"})
_PYTHON = re.compile(r"^(?:python|pypy)[0-9.]*[a-z]*$")
#: Interpreters whose first operand is a script they run (and ``-e``/``-c`` code).
_SCRIPT_RUNNERS = frozenset({
    "node", "nodejs", "deno", "bun", "ruby", "perl", "php", "lua", "luajit", "Rscript",
    "tsx", "ts-node", "tclsh", "julia", "pwsh", "osascript",
})  # fmt: skip
#: Programs that run their operands as a command: ``env``, ``nice``, ``timeout 5``...
_WRAPPERS = frozenset({"env", "command", "exec", "nohup", "time", "nice", "timeout", "stdbuf",
                       "chronic", "ionice", "setsid", "caffeinate", "xargs"})  # fmt: skip
#: Options of the wrappers that take the next word as their value.
_WRAPPER_VALUES = frozenset({"-u", "-C", "-S", "-n", "-s", "-k", "-I", "-L", "-P", "-d", "-E",
                             "-a", "-i", "-o", "-e", "--signal", "--kill-after", "--chdir",
                             "--unset", "--split-string"})  # fmt: skip
_NODE_RUNNERS = frozenset({"npm", "npx", "pnpm", "pnpx", "yarn", "bunx", "corepack", "volta"})
#: What a Node package runner reads from the project and runs: the manifest's ``scripts``
#: and ``bin``, its config (``.npmrc``'s ``script-shell``, ``node-options``; ``.yarnrc.yml``'s
#: ``yarnPath``; ``.pnpmfile.cjs``), the lockfiles it installs from, and the installed code.
_NODE_FILES = (
    "package.json", ".npmrc", ".yarnrc", ".yarnrc.yml", ".pnpmfile.cjs", "package-lock.json",
    "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "pnpm-workspace.yaml", "bun.lockb",
    "bun.lock", "bunfig.toml", ".nvmrc", ".node-version",
)  # fmt: skip
_NODE_DIRS = ("node_modules", ".yarn", ".pnp.cjs", ".pnp.loader.mjs")
_MAKES = frozenset({"make", "gmake", "bmake"})
_MAKEFILES = ("GNUmakefile", "makefile", "Makefile")
#: Python project tools that build or sync the project's environment before they run a
#: command (a build backend runs ``setup.py``): the project's manifests and its virtualenv.
_PY_LAUNCHERS = frozenset({"uv", "uvx", "poetry", "pdm", "hatch", "pipenv", "rye"})
_PY_FILES = (
    "pyproject.toml", "uv.lock", "uv.toml", "setup.py", "setup.cfg", ".python-version",
    "poetry.lock", "Pipfile", "Pipfile.lock", "pdm.lock", "hatch.toml", "requirements.txt",
)  # fmt: skip
_PY_DIRS = (".venv", "venv", ".tox", ".nox")
#: Programs that build or run the project's own code (tests, build scripts, task files):
#: their reach is the project.
_PROJECT_RUNNERS = frozenset({
    "cargo", "go", "just", "task", "rake", "bundle", "gradle", "gradlew", "mvn", "mvnw",
    "mix", "dotnet", "cmake", "ninja", "meson", "bazel", "bazelisk", "pixi", "tox", "nox",
    "pytest", "py.test", "jest", "vitest", "mocha", "pre-commit", "lefthook", "husky",
    "invoke", "inv", "doit", "scons", "ant", "sbt", "lein", "stack", "cabal", "swift",
    "webpack", "vite", "rollup", "turbo", "nx", "lerna", "direnv", "mise", "rtx", "asdf",
    "devbox", "nix", "nix-shell", "devenv",
})  # fmt: skip
#: Node tools that load code from configuration files they look up from each file's
#: directory upwards: a file of one of these names anywhere in the project.
_CONFIG_LOADERS: dict[str, tuple[str, ...]] = {
    "prettier": ("prettier.config.", ".prettierrc"),
    "eslint": ("eslint.config.", ".eslintrc"),
    "stylelint": ("stylelint.config.", ".stylelintrc"),
    "biome": ("biome.json",),
    "tsc": ("tsconfig",),
    "esbuild": ("esbuild.config.",),
    "lint-staged": ("lint-staged.config.", ".lintstagedrc"),
    "commitlint": ("commitlint.config.", ".commitlintrc"),
    "babel": ("babel.config.", ".babelrc"),
    "postcss": ("postcss.config.", ".postcssrc"),
    "tailwindcss": ("tailwind.config.",),
}
_MAX_DEPTH = 4


class _Reached:
    __slots__ = ("dirs", "files", "names", "pyroots", "root", "search", "whole")

    def __init__(self) -> None:
        self.search = ""
        self.root = ""  # the project: what $CLAUDE_PROJECT_DIR is, wherever a cd went
        self.files: list[str] = []
        self.dirs: list[str] = []
        self.pyroots: list[str] = []
        self.names: list[str] = []  # name prefixes, anywhere under the project
        self.whole = False


def command_reach(
    command: str,
    project: str | None,
    home: str | None,
    *,
    whole_project: bool = True,
    search: str | None = None,
) -> tuple[list[str], list[str], list[str], list[str]]:
    """The project files a hook ``command`` runs without naming them: ``(files, dirs,
    pyroots, names)`` (see :class:`HookReach`; ``names``: prefixes of the names of
    configuration files that hold code, anywhere under the project), for a command run in
    ``project`` (the hook's working directory).

    A superset where it models the program: package runners, make, Python's ``-m`` and its
    ``sys.path``, interpreters' scripts (and what a script may load beside itself: its
    directory tree, :func:`_script_siblings`), ``sh -c`` strings, the ``PATH`` entries inside the
    project. Where it does not (code handed as a string to Python or Node, shell
    expansions, an unknown program found in the project, a program that builds or runs the
    project's code) the whole project is what it runs. A system program with no project
    file argument reaches nothing. Reads ``package.json`` and the makefiles only when a
    command needs them, and a few ``stat`` calls for ``PATH``. ``whole_project`` false: what
    was found, without the whole project where the reach is not modelled. ``search``: the
    ``PATH`` the command runs with (default this process's)."""
    reached = _Reached()
    reached.search = os.environ.get("PATH", "") if search is None else search
    reached.root = project or ""
    if project:
        _reach(command, project, home, reached, 0)
        if reached.whole and whole_project:
            return [], [project], [], []
    return reached.files, reached.dirs, reached.pyroots, reached.names


def _reach(command: str, project: str, home: str | None, out: _Reached, depth: int) -> None:
    if depth > _MAX_DEPTH or out.whole:
        out.whole = True
        return
    command = _expand_words(command[:8192], out.root or project, home)
    if _unmodelled(command):
        out.whole = True
        return
    lexer = shlex.shlex(command.replace("\n", " ; "), posix=True, punctuation_chars=";&|<>")
    lexer.whitespace_split = True
    lexer.commenters = "#"
    try:
        tokens = list(lexer)
    except ValueError:
        out.whole = True
        return
    simple: list[str] = []
    bases = [project]  # where each command may run: a cd moves the rest (all kept: a superset)
    for token in [*tokens, ";"]:
        if token in _OPERATORS or (token and set(token) <= set(";&|")):
            if simple and simple[0] in _CHDIRS:
                where = _cd_target(simple[1:], bases[-1], home)
                if where is None:
                    out.whole = True  # cd -, cd with no home known, pushd +1: not followed
                    return
                bases.append(where)
            elif simple:
                for base in dict.fromkeys(bases):
                    _reach_simple(simple, base, home, out, depth)
            simple = []
        else:
            simple.append(token)


#: Builtins that change the directory the rest of the command line runs in.
_CHDIRS = frozenset({"cd", "pushd", "chdir"})


def _cd_target(words: list[str], base: str, home: str | None) -> str | None:
    """Where ``cd WORDS`` run in ``base`` lands (None: not known)."""
    operands = [w for w in words if not (w.startswith("-") and len(w) > 1)]
    if not operands:
        return home if words == [] else None
    target = operands[0]
    if target in ("-",) or target.startswith(("+", "-")):
        return None
    if target == "~":
        return home
    return _path(target, base, home)


def _in_project(path: str, project: str) -> bool:
    return path == project or path.startswith(project.rstrip("/") + "/")


def _path(word: str, project: str, home: str | None) -> str:
    if word.startswith("~/") and home:
        word = home + word[1:]
    return os.path.normpath(os.path.join(project, word))


def _reach_simple(
    words: list[str], project: str, home: str | None, out: _Reached, depth: int
) -> None:
    kept: list[str] = []
    k = 0
    while k < len(words):  # redirections' targets are files written or read, not run
        word = words[k]
        if word.isdigit() and k + 1 < len(words) and words[k + 1] in _REDIRECTIONS:
            k += 1  # 2>/dev/null: the descriptor
        elif word in _REDIRECTIONS:
            k += 2
        else:
            kept.append(word)
            k += 1
    words = kept
    while words and _ASSIGNMENT.match(words[0]):
        if not _SAFE_ASSIGNMENT.match(words[0]):
            out.whole = True  # PATH=, NODE_OPTIONS=, PYTHONPATH=...: chooses what runs
            return
        words = words[1:]
    if not words:
        return
    program = words[0]
    name = os.path.basename(program)
    rest = words[1:]
    if name in _WRAPPERS:
        while rest and (rest[0].startswith("-") or _ASSIGNMENT.match(rest[0])):
            if _ASSIGNMENT.match(rest[0]) and not _SAFE_ASSIGNMENT.match(rest[0]):
                out.whole = True
                return
            if rest[0] in ("-S", "--split-string", "-C", "--chdir") or rest[0].startswith(
                ("-S", "--split-string=", "-C", "--chdir=")
            ):
                out.whole = True  # env -S 'cmd…', env -C dir: not followed
                return
            rest = rest[2:] if rest[0] in _WRAPPER_VALUES else rest[1:]
        if name == "timeout" and rest:
            rest = rest[1:]  # the duration
        if rest:
            _reach_simple(rest, project, home, out, depth + 1)
        return
    if "/" in program:
        where = _path(program, project, home)
        if _in_project(where, project) or _in_project(os.path.realpath(where), project):
            out.files.append(where)  # named directly (also judged as a word with a /)
            if os.path.isfile(where) and not _is_text_script(where):
                out.whole = True  # a program built from the project: its reach is unknown
                return
            _script_siblings(where, _shebang(where), project, home, out, depth)
    else:
        found = _on_path(name, project, out)
        if found is not None and _in_project(os.path.realpath(found), project):
            # a program installed in the project (.venv/bin/black, node_modules/.bin/x):
            # the installation it belongs to runs
            out.dirs.append(os.path.dirname(os.path.dirname(found)))
    if name in _CODE_OPTIONS:  # sed -f fix.sed (GNU e runs a shell), sqlite3 -init x.sql
        for value in _option_values(rest, _CODE_OPTIONS[name]):
            out.files.append(_path(value, project, home))
    if name in ("source", "."):
        if rest:
            out.files.append(_path(rest[0], project, home))
        return
    if name == "eval":
        out.whole = True
        return
    if name in _SHELLS:
        _reach_shell(rest, project, home, out, depth)
    elif _PYTHON.match(name):
        _reach_python(rest, project, home, out)
    elif name in _CODE_READERS:
        _reach_code_reader(name, rest, project, home, out)
    elif name in _SCRIPT_RUNNERS:
        _reach_script_runner(name, rest, project, home, out, depth)
    elif name in _NODE_RUNNERS:
        if _node_workspaces(name, rest):
            out.whole = True  # npm -w pkg, pnpm -r / --filter, yarn workspace: not followed
            return
        out.files += [_path(f, project, home) for f in _option_values(rest, _NODE_CONFIGS)]
        for where in dict.fromkeys([project, *_option_values(rest, _NODE_DIR_OPTIONS)]):
            _reach_node(_path(where, project, home), out, depth, home)  # pnpm -C sub fmt
        _local_packages(rest, project, home, out)
    elif name in _MAKES:
        _reach_make(rest, project, home, out, depth)
    elif name in _PY_LAUNCHERS:
        _reach_py_launcher(name, rest, project, home, out, depth)
    elif name in _PROJECT_RUNNERS:
        out.whole = True
    elif name in _CONFIG_LOADERS:
        out.files += [os.path.join(project, n) for n in _NODE_FILES]
        out.dirs += [os.path.join(project, n) for n in _NODE_DIRS]
        out.names += _CONFIG_LOADERS[name]


#: Options of the Node package runners that name the directory whose manifest they run.
_NODE_DIR_OPTIONS = ("-C", "--dir", "--cwd", "--prefix")
#: ... that name a config file (``script-shell``, ``node-options``: what runs).
_NODE_CONFIGS = ("--userconfig", "--globalconfig")
#: ... that run other packages' manifests (workspaces), and the subcommands that do.
_NODE_WORKSPACES = frozenset({
    "-w", "--workspace", "-ws", "--workspaces", "-r", "--recursive", "-F", "--filter",
    "--filter-prod", "--include-workspace-root",
})  # fmt: skip


def _node_workspaces(name: str, rest: list[str]) -> bool:
    """Does a Node runner's command line run other packages' scripts (npm -w pkg, pnpm -r,
    pnpm --filter x, yarn workspace x, yarn workspaces foreach), or give a directory
    option no value: not modelled. Read up to ``--`` for npm (its options count anywhere
    before it), else up to the package (npx) or the script after the subcommand (their own
    arguments follow)."""
    limit = {"npm": 64, "npx": 1, "pnpx": 1, "bunx": 1}.get(name, 2)
    operands = 0
    for k, word in enumerate(rest[:64]):
        if word == "--":
            return False
        if not word.startswith("-"):
            if operands == 0 and word in ("workspace", "workspaces", "recursive", "-r"):
                return True
            operands += 1
            if operands >= limit:
                return False
            continue
        key = word.partition("=")[0]
        if key in _NODE_WORKSPACES:
            return True
        if key in _NODE_DIR_OPTIONS and "=" not in word and k + 1 >= len(rest):
            return True  # pnpm -C: its value missing
    return False


#: Options whose value is a file of code a system program runs (GNU sed's ``e`` command and
#: sqlite3's ``.shell`` run a shell; awk's and jq's programs; gdb's and vim's scripts).
#: (sed, awk and sqlite3 are read option by option: :func:`_reach_code_reader`.)
_CODE_OPTIONS: dict[str, tuple[str, ...]] = {
    "jq": ("-f", "--from-file"), "duckdb": ("-init",),
    "psql": ("-f", "--file"), "gdb": ("-x", "--command"), "vim": ("-S", "-u"),
    "nvim": ("-S", "-u"),
}  # fmt: skip


def _option_values(words: list[str], options: tuple[str, ...]) -> list[str]:
    """The values of ``options`` in ``words`` (``-C dir``, ``-Cdir``, ``--dir=dir``)."""
    found: list[str] = []
    for k, word in enumerate(words[:256]):
        for option in options:
            if word == option and k + 1 < len(words):
                found.append(words[k + 1])
            elif option.startswith("--") and word.startswith(option + "="):
                found.append(word[len(option) + 1 :])
            elif len(option) == 2 and len(word) > 2 and word.startswith(option):
                found.append(word[2:])  # -Cdir
    return [f for f in found if f]


#: System programs whose options name a file they read as code (GNU sed's ``e`` command and
#: ``s///e`` run a shell, sqlite3's ``.shell``/``.system``/``.load``, awk's ``system()``):
#: per program, its short options taking a value, the long ones, and which name code.
_CODE_READERS: dict[str, tuple[str, frozenset[str], frozenset[str], frozenset[str]] | None] = {
    # name: (short flags, short options with a value, long options with a value, code options)
    "sed": ("nrsuzE", frozenset("efli"), frozenset({
        "--expression", "--file", "--line-length", "--in-place",
    }), frozenset({"-f", "--file"})),
    "gsed": ("nrsuzE", frozenset("efli"), frozenset({
        "--expression", "--file", "--line-length", "--in-place",
    }), frozenset({"-f", "--file"})),
    "sqlite3": None, "sqlite": None, "awk": None, "gawk": None, "mawk": None, "nawk": None,
}  # fmt: skip
_SED_FLAGS = frozenset({
    "--quiet", "--silent", "--regexp-extended", "--separate", "--unbuffered", "--posix",
    "--debug", "--sandbox", "--follow-symlinks", "--null-data", "--zero-terminated",
    "--in-place", "--binary", "--help", "--version",
})  # fmt: skip
#: sqlite3's options (one or two dashes) taking a value; its flags; ``-init`` names a file
#: of SQL and dot-commands it runs first (``.shell`` runs a command).
_SQLITE_VALUES = frozenset({
    "-init", "-cmd", "-separator", "-newline", "-nullvalue", "-vfs", "-mmap", "-maxsize",
    "-pagecache", "-lookaside", "-heap", "-nonce", "-escape", "-A",
})  # fmt: skip
_SQLITE_FLAGS = frozenset({
    "-append", "-ascii", "-bail", "-batch", "-box", "-column", "-csv", "-echo", "-header",
    "-noheader", "-html", "-interactive", "-json", "-line", "-list", "-markdown", "-memtrace",
    "-nofollow", "-quote", "-readonly", "-safe", "-stats", "-table", "-tabs", "-version",
    "-zip", "-deserialize", "-help", "-no-rowid-in-view", "-unsafe-testing",
})  # fmt: skip
#: The dot-commands a sqlite3 argument may hold that run nothing and read no file.
_SQLITE_DOTS = frozenset({
    ".quit", ".exit", ".mode", ".headers", ".tables", ".schema", ".timeout", ".bail",
    ".echo", ".nullvalue", ".separator", ".width", ".indexes", ".dump", ".print", ".changes",
})  # fmt: skip
#: awk's options taking a value (``-f``/``--file``, ``-i``/``--include``, ``-E``/``--exec``
#: name awk code; ``-l``/``--load`` a shared library).
_AWK_VALUES = frozenset("fvFiEleoLpdD")
_AWK_LONG = frozenset({
    "--file", "--include", "--exec", "--load", "--assign", "--field-separator",
})  # fmt: skip
_AWK_CODE = frozenset({"-f", "-i", "-E", "-l", "--file", "--include", "--exec", "--load"})


def _reach_code_reader(
    name: str, rest: list[str], project: str, home: str | None, out: _Reached
) -> None:
    """``sed -f fix.sed``, ``sqlite3 -init init.sql``, ``awk -f x.awk``: the files named
    by the options that hand the program code (attached too: ``-ffix.sed``,
    ``--file=fix.sed``, ``-finit.sql`` is not sqlite3's). An option not known (its value
    could be a file of code): the whole project."""
    if name in ("sqlite3", "sqlite"):
        _reach_sqlite(rest, project, home, out)
        return
    if name in ("awk", "gawk", "mawk", "nawk"):
        _reach_awk(rest, project, home, out)
        return
    table = _CODE_READERS[name]
    if table is None:
        return
    flags, short_values, long_values, code = table
    k = 0
    while k < len(rest):
        word = rest[k]
        k += 1
        if word == "--":
            return
        if word.startswith("--"):
            key, eq, value = word.partition("=")
            if key in long_values and key != "--in-place":
                if not eq:
                    if k >= len(rest):
                        out.whole = True
                        return
                    value, k = rest[k], k + 1
                if key in code:
                    out.files.append(_path(value, project, home))
            elif key not in _SED_FLAGS:
                out.whole = True
                return
            continue
        if not word.startswith("-") or word == "-":
            continue  # the script (when no -e/-f) or an input file: data
        for j, letter in enumerate(word[1:], 1):
            if letter in flags:
                continue
            if letter not in short_values:
                out.whole = True
                return
            value = word[j + 1 :]
            if letter == "i":
                break  # -i[SUFFIX]: the suffix attached or none
            if not value:
                if k >= len(rest):
                    out.whole = True
                    return
                value, k = rest[k], k + 1
            if f"-{letter}" in code:
                out.files.append(_path(value, project, home))
            break


def _reach_sqlite(rest: list[str], project: str, home: str | None, out: _Reached) -> None:
    """``sqlite3 [OPTIONS] DB [SQL…]``: ``-init FILE`` runs that file first; ``-cmd`` and
    the SQL arguments are the settings' own text, modelled when they hold only the
    dot-commands that run nothing (``.read``, ``.shell``, ``.load``, ``.once |cmd``, and
    ``load_extension()``: the whole project)."""
    texts: list[str] = []
    database = False
    k = 0
    while k < len(rest):
        word = rest[k]
        k += 1
        if word.startswith("-") and word != "-" and not database:
            key, eq, value = ("-" + word.lstrip("-")).partition("=")
            if key in _SQLITE_VALUES:
                if not eq:
                    if k >= len(rest):
                        out.whole = True
                        return
                    value, k = rest[k], k + 1
                if key == "-init":
                    out.files.append(_path(value, project, home))
                elif key == "-cmd":
                    texts.append(value)
                elif key == "-A":
                    out.whole = True  # the archive mode's own arguments: not modelled
                    return
            elif key not in _SQLITE_FLAGS:
                out.whole = True
                return
            continue
        if not database:
            database = True  # the database file: data
            continue
        texts.append(word)
    for text in texts:
        if "load_extension" in text.lower():
            out.whole = True
            return
        for line in text.splitlines():
            line = line.strip()
            if line.startswith(".") and line.split()[0].lower() not in _SQLITE_DOTS:
                out.whole = True
                return


def _reach_awk(rest: list[str], project: str, home: str | None, out: _Reached) -> None:
    """``awk [-f FILE…] [-v x=1] ['PROGRAM'] FILE…``: each ``-f``, ``-i``, ``-E`` file (and
    ``-l`` library); without one, the program is the settings' own text, modelled when it
    starts no command (``system()``, a pipe, ``@include``: the whole project)."""
    named = False
    k = 0
    while k < len(rest):
        word = rest[k]
        k += 1
        if word == "--":
            break
        if not word.startswith("-") or word == "-":
            k -= 1
            break
        key, eq, value = word.partition("=")
        if word.startswith("--"):
            if key not in _AWK_LONG:
                if key in ("--sandbox", "--posix", "--traditional", "--lint", "--version"):
                    continue
                out.whole = True
                return
        else:
            key, value, eq = word[:2], word[2:], "=" if len(word) > 2 else ""
            if word[1] not in _AWK_VALUES:
                out.whole = True
                return
        if not eq:
            if k >= len(rest):
                out.whole = True
                return
            value, k = rest[k], k + 1
        if key in _AWK_CODE:
            named = True
            out.files.append(_path(value, project, home))
    if not named:
        program = rest[k] if k < len(rest) else ""
        if not program or any(m in program for m in ("system", "|", "@", "getline")):
            out.whole = True


def _is_text_script(path: str) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(2) == b"#!"
    except OSError:
        return True


#: A script's text that may load or run another file (a module, a sourced file, a
#: command): ``require``, ``import``, ``include``, ``source``, ``load``, ``do``,
#: ``system``, ``exec``, ``spawn``, a backquote... (false hits only widen the reach).
_LOADS = re.compile(
    r"\b(?:require(?:_relative)?|import|include(?:_once)?|source|load|loadfile|dofile|"
    r"do|use\s+lib|FindBin|system|exec[a-z]*|spawn[a-z]*|popen|shell_exec|passthru|"
    r"subprocess|runpy|importlib|__import__|eval|dlopen|Import-Module|child_process)\b"
    r"|`|\$:|\$LOAD_PATH|@INC|sys\.path|@include|@load"
)
#: A relative module named literally (``require('../lib')``, ``from '../x.js'``).
_RELATIVE_SPEC = re.compile(r"""['"](\.\.?/[^'"\s]{1,300})['"]""")
_SCRIPT_LIMIT = 1 << 16


def _shebang(path: str) -> str:
    """The interpreter a text script's ``#!`` line names (``sh`` when it names a shell)."""
    try:
        with open(path, "rb") as handle:
            line = handle.readline(256).decode("utf-8", "replace")
    except OSError:
        return ""
    words = line[2:].split() if line.startswith("#!") else []
    if words and os.path.basename(words[0]) == "env":
        words = [w for w in words[1:] if not w.startswith("-")]
    name = os.path.basename(words[0]) if words else "sh"  # no #!: the shell runs it
    return "sh" if name in _SHELLS else name


def _script_siblings(
    script: str, kind: str, project: str, home: str | None, out: _Reached, depth: int
) -> None:
    """What a script inside the project loads beside itself (``require('./lib')``,
    ``. "$(dirname "$0")/lib.sh"``, ``import helper``): read (at most 64 KiB), a shell
    script's lines are judged as a command line (its comments dropped; the commands it runs
    are its reach); a line not modelled there, or any other script's text that may load or
    run a file (:data:`_LOADS`), guards the script's directory and everything under it —
    conservatively: what it names outside that tree by a computed path
    (``path.join(__dirname, '..', x)``) is not followed, its literal ``../`` modules are.
    A script too large or unreadable: its directory. One not there yet: itself alone (a
    write of it is asked)."""
    if not _in_project(script, project) or not os.path.isfile(script):
        return
    where = os.path.dirname(script)
    try:
        with open(script, "rb") as handle:
            data = handle.read(_SCRIPT_LIMIT + 1)
    except OSError:
        out.dirs.append(where)
        return
    if len(data) > _SCRIPT_LIMIT or b"\0" in data:
        out.dirs.append(where)
        return
    text = data.decode("utf-8", "replace")
    if kind == "sh":
        lines = [ln for ln in text.splitlines() if not ln.lstrip().startswith("#")]
        body = "\n".join(lines)
        if _unmodelled(body):
            out.dirs.append(where)
            return
        _reach(body, project, home, out, depth + 1)
        return
    if _LOADS.search(text):
        out.dirs.append(where)
        for spec in _RELATIVE_SPEC.findall(text)[:64]:
            if spec.startswith("../"):
                target = os.path.normpath(os.path.join(where, spec))
                out.dirs.append(target)
                out.files += [target + ext for ext in ("", ".js", ".mjs", ".cjs", ".ts", ".json")]


def _on_path(name: str, project: str, out: _Reached) -> str | None:
    """Where ``PATH`` finds ``name``; each entry before it inside the project (or relative:
    from the hook's working directory) is where a program of that name would come first."""
    for entry in out.search.split(os.pathsep)[:64]:
        where = os.path.normpath(os.path.join(project, entry or "."))
        candidate = os.path.join(where, name)
        if _in_project(where, project):
            out.files.append(candidate)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def _reach_shell(
    rest: list[str], project: str, home: str | None, out: _Reached, depth: int
) -> None:
    for k, word in enumerate(rest):
        if word == "--":
            if k + 1 < len(rest):
                out.files.append(_path(rest[k + 1], project, home))
            return
        if word.startswith("-") or word.startswith("+"):
            if "c" in word.lstrip("-+") and not word.startswith("--"):
                if k + 1 < len(rest):
                    _reach(rest[k + 1], project, home, out, depth + 1)  # sh -c 'CMD'
                else:
                    out.whole = True
                return
            if word in ("-o", "+o", "-O", "+O", "--rcfile", "--init-file"):
                out.whole = word in ("--rcfile", "--init-file")
                return
            continue
        script = _path(word, project, home)
        out.files.append(script)  # the script
        _script_siblings(script, "sh", project, home, out, depth)
        return
    # no script: the shell reads its commands from stdin, which no settings file shows
    out.whole = True


def _reach_python(rest: list[str], project: str, home: str | None, out: _Reached) -> None:
    k = 0
    while k < len(rest):
        word = rest[k]
        if word in ("-W", "-X", "--check-hash-based-pycs"):
            k += 2
            continue
        if word.startswith("-") and not word.startswith("--") and "c" in word:
            out.whole = True  # code in a string imports whatever it names
            return
        if word.startswith("-") and not word.startswith("--") and "m" in word:
            module = word[word.index("m") + 1 :]
            if not module and k + 1 < len(rest):
                module = rest[k + 1]
            if not module:
                return
            top = module.split(".")[0]
            out.pyroots.append(project)  # sys.path[0] is the working directory
            out.dirs.append(os.path.join(project, top))
            out.files.append(os.path.join(project, top + ".py"))
            return
        if word.startswith("-"):
            k += 1
            continue
        script = _path(word, project, home)
        out.files.append(script)
        out.pyroots.append(os.path.dirname(script))  # sys.path[0]: the script's directory
        _script_siblings(script, "python", project, home, out, 0)
        if os.path.isdir(script):
            out.dirs.append(script)  # a directory (or a zip) with a __main__.py
        return
    out.whole = True  # no script: stdin


def _reach_script_runner(
    name: str, rest: list[str], project: str, home: str | None, out: _Reached, depth: int
) -> None:
    if name in ("node", "nodejs", "deno", "bun", "tsx", "ts-node"):
        out.files += [os.path.join(project, n) for n in _NODE_FILES]
        out.dirs += [os.path.join(project, n) for n in _NODE_DIRS]
    if name in ("bun", "deno") and rest and rest[0] in ("run", "task", "x", "test"):
        if rest[0] in ("task", "test") or name == "bun":
            if name == "bun":
                _reach_node(project, out, depth, home)
            else:
                out.whole = True
                return
        rest = rest[1:]
    for word in rest:
        if word in ("-e", "-p", "--eval", "--print", "-E", "-r", "--require", "--import", "-f"):
            if word in ("-f",):
                continue
            out.whole = True  # code in a string, or a module preloaded by name
            return
        if word.startswith("-"):
            continue
        script = _path(word, project, home)
        out.files.append(script)
        if os.path.isdir(script):
            out.dirs.append(script)  # node ./mcp: its package.json's main, its index.js
        _script_siblings(script, name, project, home, out, depth)
        return
    out.whole = True  # no script: stdin


#: Options of the Node package runners whose value is a package to run (``npx -p ./x``).
_PACKAGE_OPTIONS = frozenset({"-p", "--package"})


def _local_packages(rest: list[str], project: str, home: str | None, out: _Reached) -> None:
    """A package a Node runner runs from a path (``npx -y ./mcp``, ``npx -p ../tool x``,
    ``pnpm dlx file:./x``): that directory's code, whole (its manifest's ``bin``)."""
    for word in rest[:64]:
        value = word.split("=", 1)[1] if word.startswith("--package=") else word
        if word.startswith("-") and not word.startswith("--package="):
            continue  # an option; a path after any (its value, or the package) is code
        value = value[5:] if value.startswith("file:") else value
        if value.startswith(("./", "../", "/", "~/")) or value in (".", ".."):
            where = _path(value, project, home)
            out.files.append(where)
            if os.path.isdir(where) or not os.path.exists(where):
                out.dirs.append(where)


#: Options of the Python project tools that take the next word as their value; those that
#: choose where the command runs, and those that name the project.
_PY_VALUES = frozenset({
    "--directory", "--project", "--with", "--with-requirements", "--with-editable",
    "--python", "-p", "--env-file", "--package", "--extra", "--group", "--only-group",
    "--no-group", "--index", "--index-url", "--extra-index-url", "--default-index",
    "--find-links", "-f", "--config-file", "--cache-dir", "--from", "--index-strategy",
    "--prerelease", "--resolution", "--exclude-newer", "--upgrade-package", "-P",
    "--reinstall-package", "--link-mode", "--keyring-provider", "--config-setting", "-C",
    "--python-platform", "--color", "--allow-insecure-host", "--no-binary-package",
    "--no-build-package", "--refresh-package", "-e", "--env", "-E", "--script", "-m",
    "--module", "--gui-script",
})  # fmt: skip
_PY_CHDIR = frozenset({"--directory", "-C"})
_PY_PROJECT = frozenset({"--project", "-P"})
_PY_CODE = frozenset({"--with", "--with-editable", "--from", "--with-requirements"})


def _reach_py_launcher(
    name: str, rest: list[str], project: str, home: str | None, out: _Reached, depth: int
) -> None:
    """``uv run [--directory D] [--project P] x.py``, ``uvx --from ./pkg tool``, ``poetry
    -C D run cmd``: the manifests and virtualenvs of the project and of each directory
    named, the local packages it installs, and the command it runs, read from where it
    runs (``--directory``). ``--env-file`` (its variables choose what runs): not modelled."""
    cwd = project
    bases = [project]
    k = 0
    words = list(rest)
    command: list[str] = []
    running = name == "uvx"  # uvx TOOL; uv [tool] run CMD, poetry run CMD...
    while k < len(words):
        word = words[k]
        key, eq, value = word.partition("=")
        if not word.startswith("-"):
            if not running:
                running = word == "run"
                k += 1
                continue
            command = words[k:]
            break
        if key in _PY_VALUES:
            if not eq:
                value = words[k + 1] if k + 1 < len(words) else ""
                k += 1
            if key in _PY_CHDIR or key in _PY_PROJECT:
                where = _path(value, cwd, home)
                bases.append(where)
                if key in _PY_CHDIR:
                    cwd = where
            elif key in _PY_CODE and value.startswith(("./", "../", "/", "~/", ".")):
                where = _path(value, cwd, home)
                out.files.append(where)
                out.dirs.append(where)
            elif key == "--env-file":
                out.whole = True
                return
            elif key in ("-m", "--module", "--script", "--gui-script") and running:
                command = (
                    ["python", "-m", value] if key in ("-m", "--module") else ["python", value]
                )
                command += words[k + 1 :]
                break
        k += 1
    for base in dict.fromkeys(bases):
        out.files += [os.path.join(base, n) for n in _PY_FILES]
        out.dirs += [os.path.join(base, n) for n in _PY_DIRS]
    if not command:
        return
    if name != "uvx" and "/" not in command[0] and _runs_project_code(command[0], bases, out):
        out.whole = True  # uv run fmt, fmt a pdm script: not modelled
        return
    if name != "uvx" and command[0].endswith((".py", ".pyw")):
        command = ["python", *command]  # uv run x.py: the script, by Python
    _reach_simple(command, cwd, home, out, depth + 1)


def _toml_table(doc: Any, *keys: str) -> dict[str, Any]:
    node: Any = doc
    for key in keys:
        node = node.get(key) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else {}


def _runs_project_code(command: str, bases: list[str], out: _Reached) -> bool:
    """What ``uv run COMMAND`` (``poetry run``, ``pdm run``, ``hatch run``, ``rye run``) in
    one of ``bases`` runs of the project's own code; True: not modelled (the whole
    project). ``COMMAND`` one of its entry points (``[project.scripts]``,
    ``[project.gui-scripts]``, ``[tool.poetry.scripts]``: ``srv = "srv.main:run"``): the
    package it names, where the project keeps it (``src/srv`` or ``srv``, ``srv.py``), and
    the modules beside it (``src/`` is on the installed project's ``sys.path``). Not
    modelled: a tool's scripts (``[tool.pdm.scripts]``, ``[tool.rye.scripts]``, hatch's
    ``[tool.hatch.envs.*.scripts]``: commands), an entry point whose package is not found,
    a manifest that installs project code beside it (``[tool.uv.sources]`` paths or
    workspace members, ``[tool.uv.workspace]``, a path dependency of poetry's, an in-tree
    build backend's ``backend-path``), whose entry points any command may be, and a
    ``pyproject.toml`` unreadable, too large or not TOML."""
    import tomllib

    for base in bases:
        try:
            with open(os.path.join(base, "pyproject.toml"), "rb") as handle:
                data = handle.read(_SETTINGS_LIMIT + 1)
        except FileNotFoundError:
            continue
        except OSError:
            return True
        if len(data) > _SETTINGS_LIMIT:
            return True
        try:
            doc = tomllib.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError):
            return True
        table = functools.partial(_toml_table, doc)
        commands = [table("tool", "pdm", "scripts"), table("tool", "rye", "scripts")]
        commands += [
            table("tool", "hatch", "envs", env, "scripts") for env in table("tool", "hatch", "envs")
        ]
        if any(command in found for found in commands):
            return True
        sources = table("tool", "uv", "sources")
        deps = table("tool", "poetry", "dependencies")
        local = [v for v in [*sources.values(), *deps.values()] if isinstance(v, dict)]
        if table("tool", "uv", "workspace") or any(
            "path" in v or v.get("workspace") for v in local
        ):
            return True
        if table("build-system").get("backend-path"):
            return True
        for found in (
            table("project", "scripts"), table("project", "gui-scripts"),
            table("tool", "poetry", "scripts"),
        ):  # fmt: skip
            target = found.get(command)
            if target is None:
                continue
            if isinstance(target, dict):
                target = target.get("reference") or target.get("callable")
            top = target.split(":")[0].split(".")[0].strip() if isinstance(target, str) else ""
            roots = [
                root
                for root in (os.path.join(base, "src"), base)
                if top.isidentifier()
                and (
                    os.path.isdir(os.path.join(root, top))
                    or os.path.isfile(os.path.join(root, top + ".py"))
                )
            ]
            if not roots:
                return True  # the package is not where the project keeps its code
            for root in roots:
                out.dirs.append(os.path.join(root, top))
                out.files.append(os.path.join(root, top + ".py"))
                out.pyroots.append(root)
    return False


def _reach_node(project: str, out: _Reached, depth: int, home: str | None) -> None:
    out.files += [os.path.join(project, n) for n in _NODE_FILES]
    out.dirs += [os.path.join(project, n) for n in _NODE_DIRS]
    try:
        with open(os.path.join(project, "package.json"), "rb") as handle:
            manifest = json.loads(handle.read(_SETTINGS_LIMIT))
    except (OSError, ValueError):
        return  # none yet: writing one is asked (above)
    scripts = manifest.get("scripts") if isinstance(manifest, dict) else None
    if isinstance(scripts, dict):
        for script in list(scripts.values())[:200]:  # every script: a superset of the one run
            if isinstance(script, str):
                for word in _words(script, project, home):
                    out.files.append(word)
                _reach(script, project, home, out, depth + 1)
    if isinstance(manifest, dict) and manifest.get("workspaces"):
        out.whole = True  # the workspaces' manifests and scripts: not followed


def _reach_make(rest: list[str], project: str, home: str | None, out: _Reached, depth: int) -> None:
    base = project
    files: list[str] = []
    includes = _option_values(rest, ("-I", "--include-dir"))  # where include looks too
    for k, word in enumerate(rest):
        value = rest[k + 1] if k + 1 < len(rest) else ""
        if word in ("-C", "--directory"):
            base = _path(value, base, home)
        elif word.startswith("-C") and len(word) > 2:
            base = _path(word[2:], base, home)
        elif word in ("-f", "--file", "--makefile"):
            files.append(value)
        elif word.startswith("-f") and len(word) > 2:
            files.append(word[2:])
        elif word.startswith(("--file=", "--makefile=", "--directory=")):
            key, _, value = word.partition("=")
            if key == "--directory":
                base = _path(value, base, home)
            else:
                files.append(value)
    paths = [_path(n, base, home) for n in (files or _MAKEFILES)]
    out.files += paths
    for path in paths:
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:
                text = handle.read(1 << 20)
        except OSError:
            continue
        _reach_makefile(text, base, project, home, out, depth, includes)


def _reach_makefile(
    text: str,
    base: str,
    project: str,
    home: str | None,
    out: _Reached,
    depth: int,
    includes: list[str] = [],  # noqa: B006 - never changed
) -> None:
    for line in text.replace("\\\n", " ").splitlines()[:5000]:
        word = line.split(None, 1)
        if word and word[0].lstrip("-") in ("include", "sinclude"):
            for name in word[1].split() if len(word) > 1 else []:
                if "$" in name or "*" in name:
                    out.whole = True
                    return
                out.files.append(_path(name, base, home))
                if not name.startswith("/"):
                    out.files += [_path(os.path.join(i, name), base, home) for i in includes]
        elif line.startswith("\t"):
            recipe = line.lstrip("\t").lstrip("@-+ ")
            for found in _words(recipe, base, home):
                out.files.append(found)
            _reach(recipe, project, home, out, depth + 1)
        if out.whole:
            return


def other_names(
    git: GitView,
    home: str | None,
    places: tuple[str, ...],
    path: str,
    found: list[str],
    cache: dict[int, tuple[Any, ...]],
) -> list[str]:
    """The guarded names ``path`` has in another environment than this process's (the
    agent's, in the gate server: its ``HOME``, ``GIT_DIR``, ``GIT_CONFIG_GLOBAL``, ``PATH``):
    what ``git`` (a :class:`GitView` of that environment) names it, the guarded file of
    that ``home`` it is or leads to (:func:`guarded_links`), and, when it is itself one of
    that home's guarded files (``$HOME/.bashrc``), that file under ``.claude/hooks`` there,
    which the guard guards whatever home it knows."""
    from overseer.policy.guard import _guarded_as_spelled

    names = [n for p in (path, *found) for n in git.names(p)]
    if home is not None or places:
        key = id(git)
        if key not in cache:
            cache[key] = guarded_links(home, places, git)
        file_links, dir_links, _inodes, pyroots = cache[key]
        for reached in (path, *found):
            if reached in file_links:
                names.append(file_links[reached])
            for real, guarded in dir_links.items():
                if reached == real or reached.startswith(real.rstrip("/") + "/"):
                    names.append(guarded + reached[len(real) :])
            for root, guarded in pyroots.items():
                if _importable(reached, root):
                    names.append(os.path.join(guarded, os.path.basename(reached)))
    if home:
        for reached in (path, *found):
            if _guarded_as_spelled(reached, (), home, True, ()):
                names.append(os.path.join(home, ".claude", "hooks", os.path.basename(reached)))
    return names


def with_hard_links(
    resolve: Callable[[str], list[str] | None],
    files: tuple[str, ...],
    git: GitView | None = None,
    home: str | None = None,
    places: tuple[str, ...] = (),
    others: tuple[tuple[GitView, str | None], ...] = (),
) -> Callable[[str], list[str] | None]:
    """``resolve`` that also answers a *hard link* to one of ``files`` (the config or the
    store) with that file: a second name for the store is the store, and no path check sees
    it. One ``stat`` per path judged; the files' identities are read lazily, once.

    It answers, besides, the other names git gives a path (:class:`GitView`): a file that
    makes or is part of a git directory other than ``.git`` (a bare repository the agent
    writes file by file), a file in a ``core.hooksPath`` directory; and the path spelled as
    it is on disk where a directory on the way is case-insensitive (APFS); and, given the
    ``home`` and the session's ``places``, the guarded file a path is the target of
    (:func:`guarded_links`); and the names ``others`` give it, each a :class:`GitView` of
    another environment with its home (:func:`other_names`: the agent's, in the gate
    server)."""
    ids: dict[tuple[int, int], str] | None = None
    links: (
        tuple[dict[str, str], dict[str, str], dict[tuple[int, int], str], dict[str, str]] | None
    ) = None
    git = git or GitView()  # the context's, whose git_dir the guard asks (one cache)
    insensitive: dict[str, bool] = {}  # directory: is it case-insensitive
    from overseer.control.linkreach import Reach

    deep = Reach(home, places, git)  # what guarded_links does not look at (lazily)
    other_deep = [Reach(other_home, places, view) for view, other_home in others]

    def identities() -> dict[tuple[int, int], str]:
        nonlocal ids
        if ids is None:
            ids = {}
            for name in files:
                try:
                    st = os.stat(name)
                except (OSError, ValueError):
                    continue
                ids.setdefault((st.st_dev, st.st_ino), name)
        return ids

    other_links: dict[int, tuple[Any, ...]] = {}
    memo: dict[str, list[str] | None] = {}  # one call's answers: a line may name a path
    # thousands of times (``ls;`` 20,000 times took 8 s of lstat and joins)

    def resolved(path: str) -> list[str] | None:
        if path in memo:
            known = memo[path]
            return None if known is None else list(known)
        if len(memo) >= 4096:
            memo.clear()
        answer = memo[path] = _resolved(path)
        return None if answer is None else list(answer)

    def _resolved(path: str) -> list[str] | None:
        nonlocal links
        found = resolve(path)
        if found is not None:
            spelled = on_disk_names(path, found, cache=insensitive)
            extra = [*spelled, *(n for p in (path, *spelled) for n in git.names(p))]
            if home is not None or places:
                if links is None:
                    links = deep.extend(guarded_links(home, places, git))
                file_links, dir_links, _inodes, pyroots = links
                for reached in (path, *found):
                    if reached in file_links:
                        extra.append(file_links[reached])
                    for real, guarded in dir_links.items():
                        if reached == real or reached.startswith(real.rstrip("/") + "/"):
                            extra.append(guarded + reached[len(real) :])
                    for root, guarded in pyroots.items():
                        if _importable(reached, root):
                            extra.append(os.path.join(guarded, os.path.basename(reached)))
                extra += deep.names(path, found, links)
            for view, other_home in others:  # the agent's environment, as the server is told
                extra += other_names(view, other_home, places, path, found, other_links)
            for one in other_deep:
                extra += one.other(path, found)
            found = [*found, *(e for e in dict.fromkeys(extra) if e != path and e not in found)]
        try:
            st = os.stat(path)
        except (OSError, ValueError):
            return found
        if st.st_nlink < 2:
            return found
        same = identities().get((st.st_dev, st.st_ino))
        if same is None and links is not None:
            same = links[2].get((st.st_dev, st.st_ino))
        if same is None or same == path:
            return found
        return [*(found or ()), same] if found is not None else None

    return resolved


# ----------------------------------------------------------------------------- git's names

#: What git's discovery (``setup.c``, ``is_git_directory``) needs in a directory to take it
#: for a git directory: ``HEAD``, ``objects`` (or ``$GIT_OBJECT_DIRECTORY``) and ``refs``
#: (or a ``commondir`` file naming where those two are). Compared case-insensitively.
_GIT_PARTS = ("head", "objects", "refs")
#: What git reads from a git directory that chooses the commands it runs.
_GIT_RUNS = ("config", "config.worktree", "commondir", "hooks")


def _exists(path: str) -> bool:
    return os.path.lexists(path)


def in_git_directory(path: str, exists: Callable[[str], bool] = _exists) -> str | None:
    """``path`` as the same path under ``<dir>/.git/`` (which the guard knows) when it is,
    or makes, a part of a git directory ``<dir>`` that is no ``.git``: a bare repository
    (``git diff`` there or below runs its config's ``core.fsmonitor``). Asked in whatever
    order the files come: the write of one of ``HEAD``, ``objects/``, ``refs/`` or
    ``commondir`` beside what git runs from (``config``, ``config.worktree``, ``hooks/``),
    the write of one of those beside one of the former, and the write that completes a git
    directory (the last of ``HEAD``, ``objects/``, ``refs/``). Names compared
    case-insensitively (APFS); a few ``lstat`` calls for a path so named, none otherwise."""
    parts = path.rstrip("/").split("/")
    if ".git" in parts:
        return None  # already git's by name
    objects_env = bool(os.environ.get("GIT_OBJECT_DIRECTORY"))
    for depth in range(1, len(parts) - 1):
        top = "/".join(parts[:-depth])
        below = parts[-depth:]
        first = below[0].casefold()
        if first not in _GIT_PARTS and first not in _GIT_RUNS:
            continue
        if depth > 1 and first in ("head", "config", "config.worktree", "commondir"):
            continue  # a file of git's: nothing below it

        def present(name: str, top: str = top, first: str = first) -> bool:
            on_disk = "HEAD" if name == "head" else name
            return name == first or exists(os.path.join(top, on_disk))

        parts_there = [n for n in (*_GIT_PARTS, "commondir") if present(n)]
        runs_there = [n for n in ("config", "config.worktree", "hooks") if present(n)]
        complete = "head" in parts_there and (
            "commondir" in parts_there
            or (("objects" in parts_there or objects_env) and "refs" in parts_there)
        )
        if complete or (parts_there and runs_there):
            return "/".join([top, ".git", *below])
    return None


class Unreadable(Exception):
    """The file system would not say (permission denied): in the gate server's view of an
    agent's files, which it may not be allowed to search (hardened mode)."""


def _there(path: str, strict: bool) -> bool:
    try:
        os.lstat(path)
    except PermissionError:
        if strict:
            raise Unreadable(path) from None
        return False
    except (OSError, ValueError):
        return False
    return True


def _is_git_directory(
    path: str, strict: bool = False, env: Mapping[str, str] | None = None
) -> bool:
    """git's own test (``is_git_directory``), as a superset: ``HEAD``, and ``objects`` and
    ``refs`` (or a ``commondir`` naming where they are) present, whatever they hold."""
    if not _there(os.path.join(path, "HEAD"), strict):
        return False
    if _there(os.path.join(path, "commondir"), strict):
        return True
    objects = bool((os.environ if env is None else env).get("GIT_OBJECT_DIRECTORY")) or _there(
        os.path.join(path, "objects"), strict
    )
    return objects and _there(os.path.join(path, "refs"), strict)


def discover_git_dir(
    start: str, strict: bool = False, env: Mapping[str, str] | None = None
) -> str | None:
    """The git directory git's discovery finds from directory ``start`` (``$GIT_DIR``
    first; then, in ``start`` and each parent, ``.git`` — a directory, or a file naming one
    — and the directory itself as a bare repository), or None. A superset of git's own:
    ``GIT_CEILING_DIRECTORIES``, ``safe.directory`` and file system boundaries are not
    modelled (git stops earlier, never later). ``strict``: a directory that cannot be
    searched raises :class:`Unreadable` instead of counting as empty. ``env``: the
    environment git runs in (default this process's)."""
    env = os.environ if env is None else env
    env_dir = env.get("GIT_DIR")
    if env_dir:
        return os.path.abspath(os.path.join(start, env_dir))
    current = os.path.abspath(start)
    while True:
        dotgit = os.path.join(current, ".git")
        if _there(dotgit, strict) and os.path.isfile(dotgit):
            try:
                with open(dotgit, encoding="utf-8", errors="replace") as handle:
                    line = handle.read(4096).strip()
            except OSError:
                if strict:
                    raise Unreadable(dotgit) from None
                line = ""
            if line.startswith("gitdir:"):
                target = line[len("gitdir:") :].strip()
                return os.path.normpath(os.path.join(current, target))
        elif os.path.isdir(dotgit) and _is_git_directory(dotgit, strict, env):
            return dotgit
        if _is_git_directory(current, strict, env):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


class GitView:
    """What git makes of paths, read from the file system once per directory: the git
    directory a path's repository has (:func:`discover_git_dir`), and the directories its
    hooks are run from (``core.hooksPath`` in the repository's config, the global and
    system config and the environment: every value, a superset of ``git config --get``)."""

    __slots__ = (
        "_dirs", "_entries", "_global", "_hooks", "_included", "_managers", "_programs",
        "_templates", "env", "strict",
    )  # fmt: skip

    def __init__(self, strict: bool = False, env: Mapping[str, str] | None = None) -> None:
        #: a directory that cannot be searched is "not known" (the gate server's view)
        self.strict = strict
        #: the environment git runs in: this process's, or the agent's (the gate server's
        #: view of an agent: ``GIT_DIR``, ``GIT_CONFIG_GLOBAL``, ``HOME``...)
        self.env: Mapping[str, str] = os.environ if env is None else env
        self._dirs: dict[str, str | None] = {}
        self._hooks: dict[str | None, list[str]] = {}
        self._global: list[str] | None = None
        #: config files git reads by ``include.path`` from the configs read so far (a
        #: repository's ``.git/config`` naming ``../team.gitconfig`` makes that file its
        #: config, ``core.fsmonitor`` and all)
        self._included: list[str] = []
        self._templates: list[str] | None = None
        #: per git directory: the work-tree files its hooks hand a hook manager (git_reach)
        self._managers: dict[str, tuple[list[str], list[str], str]] = {}
        #: each config file's entries, read once per call
        self._entries: dict[str, tuple[list[tuple[str, str]], list[str]]] = {}
        #: per git directory: the files and directories its config's commands run
        self._programs: dict[
            str | None,
            tuple[dict[str, str], dict[str, str], dict[str, str], list[tuple[str, str, str]]],
        ] = {}

    def git_dir(self, directory: str) -> str | None:
        """The git directory git run in ``directory`` would use; None: none; ``""``: not
        known (``strict``, and a directory on the way could not be searched)."""
        if directory not in self._dirs:
            try:
                self._dirs[directory] = discover_git_dir(directory, self.strict, self.env)
            except Unreadable:
                self._dirs[directory] = ""
        return self._dirs[directory]

    def hooks_dirs(self, git_dir: str | None) -> list[str]:
        """Where hooks run from for the repository of ``git_dir`` (None: no repository;
        only the absolute ``core.hooksPath`` values of the global config count)."""
        if git_dir in self._hooks:
            return self._hooks[git_dir]
        if self._global is None:
            self._global = _env_values("core.hooksPath", self.env)
            for name in _global_config_files(self.env):
                self._global += self._values(name, "core.hookspath")
        values = list(self._global)
        for name in _repo_config_files(git_dir):
            values += self._values(name, "core.hookspath")
        found: list[str] = []
        for value in values:
            if value in ("", "/dev/null"):
                continue
            value = os.path.expanduser(value)
            if os.path.isabs(value):
                found.append(os.path.normpath(value))
            elif git_dir is not None:
                # relative to where hooks run: the work tree's top (or a bare repository)
                bases = {os.path.dirname(git_dir), git_dir}
                found += [os.path.normpath(os.path.join(b, value)) for b in sorted(bases)]
        # and where each leads: git follows a link (.husky -> tools/hooks) to what it runs
        found += [os.path.realpath(f) for f in found]
        self._hooks[git_dir] = list(dict.fromkeys(found))
        return self._hooks[git_dir]

    def _values(self, path: str, key: str) -> list[str]:
        entries = config_entries(path, 0, self._included, self._entries)
        return [v for k, v in entries if k == key]

    def programs(
        self, git_dir: str | None
    ) -> tuple[dict[str, str], dict[str, str], dict[str, str], list[tuple[str, str, str]]]:
        """What the commands named by the configs in view for ``git_dir`` run in its work
        tree (``filter.*.clean``, ``diff.external``, ``core.pager``, ``alias.*`` with ``!``...;
        :data:`_PROGRAM_KEYS`): ``(files, dirs, pyroots, names)`` as :func:`guarded_links`
        gives them, each guarded as a hook of that repository. A value's words with a ``/``
        (from the work tree's top when relative) and what :func:`command_reach` finds it runs
        (never the whole work tree: a shell alias is common, and git runs it only when
        asked). Configs read once per call, lazily: only when a path is judged."""
        if git_dir in self._programs:
            return self._programs[git_dir]
        files: dict[str, str] = {}
        dirs: dict[str, str] = {}
        pyroots: dict[str, str] = {}
        names: list[tuple[str, str, str]] = []
        if git_dir:
            top = _work_tree(git_dir)
            hooks = os.path.join(
                git_dir if ".git" in git_dir.split("/") else os.path.join(top, ".git"), "hooks"
            )
            home = self.env.get("HOME") or os.path.expanduser("~")
            entries = [*_env_entries(self.env)]
            for name in (*_global_config_files(self.env), *_repo_config_files(git_dir)):
                entries += config_entries(name, 0, self._included, self._entries)
            for key, value in entries:
                if not is_program_key(key):
                    continue
                command = _program_value(key, value)
                if command is None:
                    continue
                # $PWD/tools/f.sh: git runs it through the shell from the top; another
                # expansion is not modelled: the whole work tree (an alias runs when asked)
                command, unknown = expand_value(command, top, git_dir, home)
                if unknown and not key.startswith("alias."):
                    dirs[top] = hooks
                reach = command_reach(
                    command, top, home, whole_project=False, search=self.env.get("PATH", "")
                )
                for word in (*_words(command, top, home), *reach[0]):
                    if _in_project(word, top) or _in_project(os.path.realpath(word), top):
                        for one in dict.fromkeys((word, os.path.realpath(word))):
                            files[one] = os.path.join(hooks, os.path.basename(one))
                for where in reach[1]:
                    dirs[where] = hooks
                for where in reach[2]:
                    pyroots[where] = hooks
                names += [(top, prefix, hooks) for prefix in reach[3]]
        self._programs[git_dir] = (files, dirs, pyroots, names)
        return self._programs[git_dir]

    def _manager_names(self, git_dir: str, path: str) -> list[str]:
        """``path`` as the hook of ``git_dir`` that hands it to a hook manager, when it is
        one (:func:`git_reach.manager_reach`). The hooks are read only for a path in the
        work tree, once per call."""
        top = _work_tree(git_dir)
        if not _in_project(path, top):
            return []
        if git_dir not in self._managers:
            common = _repo_config_files(git_dir)[2:]  # a linked worktree's main git dir
            base = os.path.dirname(common[0]) if common else git_dir
            hooks = os.path.join(
                git_dir if ".git" in git_dir.split("/") else top + "/.git", "hooks"
            )
            dirs = [*self.hooks_dirs(git_dir), os.path.join(base, "hooks")]
            files, trees = manager_reach(dirs, top)
            # what the configs name (entry: ./scripts/check.sh, run: sh tools/x.sh), as
            # the config commands of programs() are read: never the whole work tree
            commands, partial = config_commands(files)
            if partial:  # a config too large to read: all it could name
                trees.append(top)
            home = self.env.get("HOME") or os.path.expanduser("~")
            for command in commands:
                reach = command_reach(
                    command, top, home, whole_project=False, search=self.env.get("PATH", "")
                )
                for word in (*_words(command, top, home), *reach[0]):
                    if _in_project(word, top):
                        files.append(word)
                trees += reach[1]
            self._managers[git_dir] = (files, trees, hooks)
        files, trees, hooks = self._managers[git_dir]
        found = [os.path.join(hooks, os.path.basename(path)) for f in files if f == path]
        for tree in trees:
            if _in_project(path, tree):
                found.append(os.path.join(hooks, os.path.basename(path)))
        return found[:1]

    def templates(self) -> list[str]:
        """The template directories of the configs git reads wherever it runs (the
        environment's, the user's, the system's ``init.templateDir``, and
        ``$GIT_TEMPLATE_DIR``): every later ``git init`` and ``git clone`` copies their hooks
        and config into the new repository and runs its ``post-checkout``."""
        if self._templates is None:
            values = [v for k, v in _env_entries(self.env) if k == "init.templatedir"]
            for name in _global_config_files(self.env):
                values += self._values(name, "init.templatedir")
            values.append(self.env.get("GIT_TEMPLATE_DIR", ""))
            home = self.env.get("HOME") or os.path.expanduser("~")
            found: list[str] = []
            for value in values:
                if value.startswith("~/"):
                    value = home + value[1:]
                if os.path.isabs(value):
                    found += dict.fromkeys((os.path.normpath(value), os.path.realpath(value)))
            self._templates = list(dict.fromkeys(found))
        return self._templates

    def names(self, path: str) -> list[str]:
        """The other names git gives ``path``: under ``<dir>/.git/`` when it is part of a
        bare repository (:func:`in_git_directory`), as ``<git dir>/hooks/...`` when it is
        in (or is) a directory hooks are run from, and as a ``.gitconfig`` when git's
        config includes it (``include.path``: the repository's or the user's)."""
        found: list[str] = []
        bare = in_git_directory(path)
        if bare is not None:
            found.append(bare)
        directory = os.path.dirname(path.rstrip("/")) or "/"
        while not os.path.isdir(directory) and directory != "/":
            directory = os.path.dirname(directory)  # a file not there yet, in a new dir
        git_dir = self.git_dir(directory) or None
        for hooks in self.hooks_dirs(git_dir):
            if (
                path == hooks
                or path.startswith(hooks.rstrip("/") + "/")
                or (hooks.startswith(path.rstrip("/") + "/"))
            ):
                rest = path[len(hooks) :].lstrip("/") if path.startswith(hooks) else ""
                base = git_dir if git_dir is not None and ".git" in git_dir.split("/") else None
                where = base or os.path.join(hooks, ".git")
                found.append(os.path.join(where, "hooks", rest).rstrip("/"))
        if (
            git_dir
            and ".git" not in git_dir.split("/")
            and (path == git_dir or path.startswith(git_dir.rstrip("/") + "/"))
            and ".git" not in path[len(git_dir) :].split("/")  # not its own name again
        ):  # $GIT_DIR=/tmp/g: its config and hooks are as guarded as .git's
            found.append(os.path.join(git_dir, ".git", path[len(git_dir) :].lstrip("/")))
        files, dirs, pyroots, prefixes = self.programs(git_dir)
        if path in files:  # a file a config's command runs (filter.x.clean = ./fmt.sh)
            found.append(files[path])
        for where, hooks in dirs.items():
            if path == where or path.startswith(where.rstrip("/") + "/"):
                found.append(os.path.join(hooks, os.path.basename(path)))
        for where, hooks in pyroots.items():
            if _importable(path, where):
                found.append(os.path.join(hooks, os.path.basename(path)))
        for top, prefix, hooks in prefixes:
            if _importable(path, f"{top}\0{prefix}"):
                found.append(os.path.join(hooks, os.path.basename(path)))
        if git_dir:  # a hook manager's config (pre-commit, lefthook, husky's .husky/NAME)
            found += self._manager_names(git_dir, path)
        # a config file git reads (an include, GIT_CONFIG_GLOBAL=./team.gitconfig, the
        # user's): as guarded as a .gitconfig
        for template in self.templates():  # git init / clone copy its hooks and run them
            if path == template or path.startswith(template.rstrip("/") + "/"):
                found.append(os.path.join(template, ".git", path[len(template) :].lstrip("/")))
        named = [*self._included, *_global_config_files(self.env)[:3]]
        included = {*named, *(os.path.realpath(i) for i in named)}
        if path in included:  # a config file git includes: as guarded as the one naming it
            found.append(os.path.join(os.path.dirname(path), ".gitconfig"))
        return found


# ----------------------------------------------------------------------------- core.hooksPath


def _unquote(value: str) -> str:
    """A git config value as git reads it, near enough: quotes dropped, a comment cut."""
    out: list[str] = []
    quoted = False
    i = 0
    while i < len(value):
        c = value[i]
        if c == '"':
            quoted = not quoted
        elif c == "\\" and i + 1 < len(value):
            i += 1
            out.append({"n": "\n", "t": "\t", "b": "\b"}.get(value[i], value[i]))
        elif c in "#;" and not quoted:
            break
        else:
            out.append(c)
        i += 1
    return "".join(out).strip()


def config_entries(
    path: str,
    depth: int = 0,
    included: list[str] | None = None,
    cache: dict[str, tuple[list[tuple[str, str]], list[str]]] | None = None,
) -> list[tuple[str, str]]:
    """Every ``(key, value)`` of the git config file ``path`` and the files it includes
    (``include.path``, and ``includeIf.*.path`` whatever its condition: a superset), whose
    paths are added to ``included``; keys lower-cased whole (``filter.lfs.clean``), a
    superset of git's (whose subsections keep their case). Read by hand, not by running git:
    no subprocess on the hook's path. ``cache``: the entries of each file read so far."""
    if cache is not None and path in cache:
        entries, includes = cache[path]
        if included is not None:
            included += includes
        return entries
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            text = handle.read(1 << 20)
    except (OSError, ValueError):
        return []
    found: list[tuple[str, str]] = []
    mine: list[str] = []
    current = ""
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("["):
            head = line[1 : line.find("]")] if "]" in line else line[1:]
            current = head.split('"', 1)[0].strip().lower()
            sub = head.split('"')[1] if head.count('"') >= 2 else None
            current = f"{current}.{sub}" if sub is not None else current
            if "]" in line:
                line = line[line.find("]") + 1 :].strip()  # [core] hooksPath = x
            else:
                continue
        if not line or line[0] in "#;":
            continue
        var, eq, value = line.partition("=")
        var = var.strip().lower()
        low_section = current.lower()
        if eq:
            found.append((f"{low_section}.{var}", _unquote(value)))
        if (
            var == "path"
            and eq
            and (low_section == "include" or low_section.startswith("includeif."))
        ) and depth < 10:
            target = os.path.expanduser(_unquote(value))
            if not os.path.isabs(target):
                target = os.path.join(os.path.dirname(path), target)
            mine.append(os.path.normpath(target))
            below: list[str] = []
            found += config_entries(target, depth + 1, below, cache)
            mine += below
    if included is not None:
        included += mine
    if cache is not None:
        cache[path] = (found, mine)
    return found


def config_values(
    path: str, key: str, depth: int = 0, included: list[str] | None = None
) -> list[str]:
    """Every value of ``section.name`` ``key`` in the git config file ``path`` and the
    files it includes (see :func:`config_entries`), whose paths are added to ``included``."""
    want = key.lower()
    return [v for k, v in config_entries(path, depth, included) if k == want]


#: Git config keys whose value is a command git runs (through the shell, or as a program
#: with arguments): a value that names a file in the work tree makes that file as much a
#: part of what git runs as a hook. ``section.*.name``: any subsection.
_PROGRAM_KEYS = frozenset({
    "core.fsmonitor", "core.pager", "core.editor", "core.sshcommand", "core.askpass",
    "core.gitproxy", "core.alternaterefscommand", "sequence.editor", "credential.helper",
    "gpg.program", "gpg.openpgp.program", "gpg.x509.program", "gpg.ssh.program",
    "gpg.ssh.defaultkeycommand", "diff.external", "interactive.difffilter",
    "uploadpack.packobjectshook", "sendemail.sendmailcmd", "sendemail.smtpserver",
    "web.browser", "init.templatedir", "ssh.variant", "sendemail.tocmd", "sendemail.cccmd",
    "sendemail.headercmd", "imap.tunnel", "help.browser", "instaweb.browser",
    "instaweb.httpd",
})  # fmt: skip
_PROGRAM_SUB_KEYS = frozenset({
    ("filter", "clean"), ("filter", "smudge"), ("filter", "process"), ("diff", "command"),
    ("diff", "textconv"), ("merge", "driver"), ("credential", "helper"),
    ("mergetool", "cmd"), ("mergetool", "path"), ("difftool", "cmd"), ("difftool", "path"),
    ("browser", "cmd"), ("browser", "path"), ("man", "cmd"), ("man", "path"),
    ("remote", "uploadpack"), ("remote", "receivepack"), ("pager", ""),
    ("trailer", "cmd"), ("trailer", "command"), ("submodule", "update"), ("guitool", "cmd"),
    ("gpg", "program"), ("sendemail", "tocmd"), ("sendemail", "cccmd"),
    ("sendemail", "headercmd"), ("sendemail", "smtpserver"), ("sendemail", "sendmailcmd"),
})  # fmt: skip


def is_program_key(key: str) -> bool:
    """Does git run the value of config ``key`` (lower-cased) as a command?"""
    if key in _PROGRAM_KEYS or key.startswith("alias."):
        return True
    section, _, rest = key.partition(".")
    sub, _, name = rest.rpartition(".")
    if section == "pager":
        return True  # pager.<command>: the pager for that command, when not a boolean
    return bool(sub) and (section, name) in _PROGRAM_SUB_KEYS


def _program_value(key: str, value: str) -> str | None:
    """The command line git runs for ``key``'s ``value`` (None: none: a boolean, an alias
    that is another git command, a built-in credential helper's name)."""
    value = value.strip()
    if value.lower() in ("", "true", "false", "yes", "no", "on", "off", "0", "1"):
        return None
    if key.startswith("alias."):
        return value[1:] if value.startswith("!") else None
    if key.startswith("submodule.") and key.endswith(".update"):
        return value[1:] if value.startswith("!") else None  # else checkout, rebase...
    if key.endswith(".helper") and key.startswith("credential"):
        if value.startswith("!"):
            return value[1:]
        first = value.split(None, 1)[0]
        return value if "/" in first else None  # else git credential-<name>: on git's path
    return value


def _repo_config_files(git_dir: str | None) -> list[str]:
    """A repository's own config files: ``config``, ``config.worktree`` and, in a linked
    work tree, the main repository's ``config`` (``commondir``)."""
    if git_dir is None:
        return []
    found = [os.path.join(git_dir, "config"), os.path.join(git_dir, "config.worktree")]
    common = os.path.join(git_dir, "commondir")
    if os.path.isfile(common):
        try:
            with open(common, encoding="utf-8", errors="replace") as handle:
                there = os.path.join(git_dir, handle.read(4096).strip())
        except OSError:
            there = ""
        if there:
            found.append(os.path.join(there, "config"))
    return found


def _work_tree(git_dir: str) -> str:
    """The top of ``git_dir``'s work tree: its parent for a ``.git``, the directory a linked
    work tree's ``gitdir`` file names, else (a bare repository) the git directory itself."""
    if os.path.basename(git_dir.rstrip("/")) == ".git":
        return os.path.dirname(git_dir.rstrip("/"))
    try:
        with open(os.path.join(git_dir, "gitdir"), encoding="utf-8", errors="replace") as f:
            line = f.read(4096).strip()
    except OSError:
        return git_dir
    return os.path.dirname(os.path.normpath(os.path.join(git_dir, line))) if line else git_dir


def _env_entries(env: Mapping[str, str]) -> list[tuple[str, str]]:
    """Git's config from the environment, as ``(key, value)`` pairs."""
    found: list[tuple[str, str]] = []
    params = env.get("GIT_CONFIG_PARAMETERS")
    if params:
        try:
            items = shlex.split(params)
        except ValueError:
            items = params.split()
        for item in items:
            name, _, value = item.partition("=")
            found.append((name.lower(), value))
    for name, value in env.items():
        if name.startswith("GIT_CONFIG_KEY_"):
            found.append(
                (value.lower(), env.get("GIT_CONFIG_VALUE_" + name[len("GIT_CONFIG_KEY_") :], ""))
            )
    return found


def _global_config_files(env: Mapping[str, str] | None = None) -> list[str]:
    """git's global and system config files, as git finds them (in ``env``)."""
    env = os.environ if env is None else env
    home = env.get("HOME") or os.path.expanduser("~")
    xdg = env.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
    found = [
        env.get("GIT_CONFIG_GLOBAL") or "",
        os.path.join(home, ".gitconfig"),
        os.path.join(xdg, "git", "config"),
        env.get("GIT_CONFIG_SYSTEM") or "",
        "/etc/gitconfig",
    ]
    return [f for f in found if f]


def _env_values(key: str, env: Mapping[str, str] | None = None) -> list[str]:
    """``key``'s values in git's config from the environment (``GIT_CONFIG_PARAMETERS``,
    ``GIT_CONFIG_COUNT``/``GIT_CONFIG_KEY_n``/``GIT_CONFIG_VALUE_n``)."""
    import shlex

    env = os.environ if env is None else env
    found: list[str] = []
    params = env.get("GIT_CONFIG_PARAMETERS")
    if params:
        try:
            items = shlex.split(params)
        except ValueError:
            items = params.split()
        for item in items:
            name, _, value = item.partition("=")
            if name.lower() == key.lower():
                found.append(value)
    for name, value in env.items():
        if name.startswith("GIT_CONFIG_KEY_") and value.lower() == key.lower():
            found.append(env.get("GIT_CONFIG_VALUE_" + name[len("GIT_CONFIG_KEY_") :], ""))
    return found


# ----------------------------------------------------------------------------- letter case


def _swapped(name: str) -> str | None:
    """``name`` with the case of its letters swapped, or None when it has none to swap."""
    swapped = name.swapcase()
    return swapped if swapped != name else None


def on_disk_names(
    path: str,
    found: list[str],
    lstat: Callable[[str], os.stat_result] = os.lstat,
    listdir: Callable[[str], list[str]] = os.listdir,
    cache: dict[str, bool] | None = None,
) -> list[str]:
    """``path`` (and each of ``found``, where it really leads) spelled as the file system
    has it where a directory on the way is case-insensitive (macOS's APFS, by default):
    ``cat .ENV`` opens ``.env`` there, which a ``Read(./.env)`` deny rule must meet. A
    directory is case-insensitive when the case-swapped spelling of an existing name in it
    is the same file (one ``lstat``); only then is it listed for the name on disk. On a
    case-sensitive file system: one failing ``lstat`` per directory (``cache`` keeps what
    each directory was found to be, for one call's paths)."""
    out: list[str] = []
    insensitive = {} if cache is None else cache
    for one in (path, *found):
        spelled = _on_disk(one, lstat, listdir, insensitive)
        if spelled is not None and spelled != one and spelled not in out:
            out.append(spelled)
    return out


def _on_disk(
    path: str,
    lstat: Callable[[str], os.stat_result],
    listdir: Callable[[str], list[str]],
    insensitive: dict[str, bool],
) -> str | None:
    if not path.startswith("/"):
        return None
    parts = [p for p in path.split("/") if p]
    current = "/"
    changed = False
    for k, part in enumerate(parts):
        if part in (".", ".."):
            return None  # not normalised: left to realpath's answer
        here = os.path.join(current, part)
        try:
            st = lstat(here)
        except (OSError, ValueError):
            # not there as written; on a case-insensitive directory it would be found
            # under any spelling, so nothing below can be there either
            rest = parts[k:]
            return os.path.join(current, *rest) if changed else None
        swapped = _swapped(part)
        name = part
        if swapped is not None and current not in insensitive:
            try:
                other = lstat(os.path.join(current, swapped))
            except (OSError, ValueError):
                other = None
            same = other is not None and (other.st_dev, other.st_ino) == (st.st_dev, st.st_ino)
            insensitive[current] = same
        if swapped is not None and insensitive.get(current):
            try:
                names = listdir(current)
            except (OSError, ValueError):
                names = []
            if part not in names:
                folded = part.casefold()
                name = next((n for n in names if n.casefold() == folded), part)
        if name != part:
            changed = True
        current = os.path.join(current, name)
    return current if changed else None
