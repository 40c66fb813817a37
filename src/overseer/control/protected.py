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
import json
import os
import shlex
import stat
import sys
from collections.abc import Callable, Iterator
from typing import Any

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


def protected_dirs() -> tuple[str, ...]:
    """overseer's installation and interpreter (with the base installation a virtualenv's
    interpreter runs from), and the agents' hook homes."""
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
        base = os.environ.get(name)
        if base:
            found += _both(os.path.join(base, "overseer"))
    codex_home = os.environ.get("CODEX_HOME")
    if codex_home:
        found += _both(codex_home)
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
) -> tuple[dict[str, str], dict[str, str], dict[tuple[int, int], str]]:
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
    files: dict[str, str] = dict(hook_scripts(home, places))
    dirs: dict[str, str] = {}
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
    return files, dirs, inodes


#: Settings files whose hook commands the agents run on their own (Claude Code's, Codex's).
_HOOK_SETTINGS = (
    ".claude/settings.json", ".claude/settings.local.json", ".codex/hooks.json",
    ".codex/config.json",
)  # fmt: skip
_SETTINGS_LIMIT = 1 << 20


def hook_scripts(home: str | None, places: tuple[str, ...]) -> list[tuple[str, str]]:
    """The files the hook commands of the settings in view run, each paired with a name
    under that settings file's ``hooks`` directory (which the guard guards): a PostToolUse
    hook ``"$CLAUDE_PROJECT_DIR"/scripts/fmt.sh`` makes ``scripts/fmt.sh`` as guarded as
    ``.claude/hooks/fmt.sh`` — Claude Code runs it itself, outside any tool call. Every
    ``command`` string in the file counts (a superset: hooks, the status line), each word
    with a ``/`` in it a path, relative ones from the project's directory."""
    project = places[-1] if places else None
    settings = [os.path.join(home, n) for n in _HOOK_SETTINGS] if home else []
    for place in places:
        settings += [os.path.join(place, n) for n in _HOOK_SETTINGS]
    settings.append("/etc/claude-code/managed-settings.json")
    found: list[tuple[str, str]] = []
    for name in dict.fromkeys(settings):
        try:
            with open(name, "rb") as handle:
                data = json.loads(handle.read(_SETTINGS_LIMIT))
        except (OSError, ValueError):
            continue
        guarded_dir = os.path.join(os.path.dirname(name), "hooks")
        for command in _commands(data, 0):
            for word in _words(command, project, home):
                for path in dict.fromkeys((word, os.path.realpath(word))):
                    found.append((path, os.path.join(guarded_dir, os.path.basename(path))))
    return found


def _commands(value: Any, depth: int) -> Iterator[str]:
    if depth > 16:
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "command" and isinstance(item, str):
                yield item
            else:
                yield from _commands(item, depth + 1)
    elif isinstance(value, list):
        for item in value[:1000]:
            yield from _commands(item, depth + 1)


def _words(command: str, project: str | None, home: str | None) -> list[str]:
    for variable in ("${CLAUDE_PROJECT_DIR}", "$CLAUDE_PROJECT_DIR"):
        command = command.replace(variable, project or "/nonexistent-project")
    try:
        words = shlex.split(command[:4096])
    except ValueError:
        words = command[:4096].split()
    found: list[str] = []
    for word in words:
        if "/" not in word:
            continue
        if word.startswith("~/") and home:
            word = home + word[1:]
        if not word.startswith("/"):
            word = os.path.join(project or "/nonexistent-project", word)
        found.append(os.path.normpath(word))
    return found


def with_hard_links(
    resolve: Callable[[str], list[str] | None],
    files: tuple[str, ...],
    git: GitView | None = None,
    home: str | None = None,
    places: tuple[str, ...] = (),
) -> Callable[[str], list[str] | None]:
    """``resolve`` that also answers a *hard link* to one of ``files`` (the config or the
    store) with that file: a second name for the store is the store, and no path check sees
    it. One ``stat`` per path judged; the files' identities are read lazily, once.

    It answers, besides, the other names git gives a path (:class:`GitView`): a file that
    makes or is part of a git directory other than ``.git`` (a bare repository the agent
    writes file by file), a file in a ``core.hooksPath`` directory; and the path spelled as
    it is on disk where a directory on the way is case-insensitive (APFS); and, given the
    ``home`` and the session's ``places``, the guarded file a path is the target of
    (:func:`guarded_links`)."""
    ids: dict[tuple[int, int], str] | None = None
    links: tuple[dict[str, str], dict[str, str], dict[tuple[int, int], str]] | None = None
    git = git or GitView()  # the context's, whose git_dir the guard asks (one cache)
    insensitive: dict[str, bool] = {}  # directory: is it case-insensitive

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
                    links = guarded_links(home, places, git)
                file_links, dir_links, _inodes = links
                for reached in (path, *found):
                    if reached in file_links:
                        extra.append(file_links[reached])
                    for real, guarded in dir_links.items():
                        if reached == real or reached.startswith(real.rstrip("/") + "/"):
                            extra.append(guarded + reached[len(real) :])
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


def _is_git_directory(path: str, strict: bool = False) -> bool:
    """git's own test (``is_git_directory``), as a superset: ``HEAD``, and ``objects`` and
    ``refs`` (or a ``commondir`` naming where they are) present, whatever they hold."""
    if not _there(os.path.join(path, "HEAD"), strict):
        return False
    if _there(os.path.join(path, "commondir"), strict):
        return True
    objects = bool(os.environ.get("GIT_OBJECT_DIRECTORY")) or _there(
        os.path.join(path, "objects"), strict
    )
    return objects and _there(os.path.join(path, "refs"), strict)


def discover_git_dir(start: str, strict: bool = False) -> str | None:
    """The git directory git's discovery finds from directory ``start`` (``$GIT_DIR``
    first; then, in ``start`` and each parent, ``.git`` — a directory, or a file naming one
    — and the directory itself as a bare repository), or None. A superset of git's own:
    ``GIT_CEILING_DIRECTORIES``, ``safe.directory`` and file system boundaries are not
    modelled (git stops earlier, never later). ``strict``: a directory that cannot be
    searched raises :class:`Unreadable` instead of counting as empty."""
    env_dir = os.environ.get("GIT_DIR")
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
        elif os.path.isdir(dotgit) and _is_git_directory(dotgit, strict):
            return dotgit
        if _is_git_directory(current, strict):
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

    __slots__ = ("_dirs", "_global", "_hooks", "_included", "strict")

    def __init__(self, strict: bool = False) -> None:
        #: a directory that cannot be searched is "not known" (the gate server's view)
        self.strict = strict
        self._dirs: dict[str, str | None] = {}
        self._hooks: dict[str | None, list[str]] = {}
        self._global: list[str] | None = None
        #: config files git reads by ``include.path`` from the configs read so far (a
        #: repository's ``.git/config`` naming ``../team.gitconfig`` makes that file its
        #: config, ``core.fsmonitor`` and all)
        self._included: list[str] = []

    def git_dir(self, directory: str) -> str | None:
        """The git directory git run in ``directory`` would use; None: none; ``""``: not
        known (``strict``, and a directory on the way could not be searched)."""
        if directory not in self._dirs:
            try:
                self._dirs[directory] = discover_git_dir(directory, self.strict)
            except Unreadable:
                self._dirs[directory] = ""
        return self._dirs[directory]

    def hooks_dirs(self, git_dir: str | None) -> list[str]:
        """Where hooks run from for the repository of ``git_dir`` (None: no repository;
        only the absolute ``core.hooksPath`` values of the global config count)."""
        if git_dir in self._hooks:
            return self._hooks[git_dir]
        if self._global is None:
            self._global = _env_values("core.hooksPath")
            for name in _global_config_files():
                self._global += config_values(name, "core.hooksPath", 0, self._included)
        values = list(self._global)
        if git_dir is not None:
            for name in ("config", "config.worktree"):
                values += config_values(
                    os.path.join(git_dir, name), "core.hooksPath", 0, self._included
                )
            common = os.path.join(git_dir, "commondir")
            if os.path.isfile(common):
                try:
                    with open(common, encoding="utf-8", errors="replace") as handle:
                        there = os.path.join(git_dir, handle.read(4096).strip())
                except OSError:
                    there = ""
                if there:
                    values += config_values(
                        os.path.join(there, "config"), "core.hooksPath", 0, self._included
                    )
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
        included = {*self._included, *(os.path.realpath(i) for i in self._included)}
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


def config_values(
    path: str, key: str, depth: int = 0, included: list[str] | None = None
) -> list[str]:
    """Every value of ``section.name`` ``key`` in the git config file ``path`` and the
    files it includes (``include.path``, and ``includeIf.*.path`` whatever its condition: a
    superset), whose paths are added to ``included``. Read by hand, not by running git: no
    subprocess on the hook's path."""
    section, _, name = key.lower().rpartition(".")
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            text = handle.read(1 << 20)
    except (OSError, ValueError):
        return []
    found: list[str] = []
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
        if low_section == section and var == name and eq:
            found.append(_unquote(value))
        if (
            var == "path"
            and eq
            and (low_section == "include" or low_section.startswith("includeif."))
        ) and depth < 10:
            target = os.path.expanduser(_unquote(value))
            if not os.path.isabs(target):
                target = os.path.join(os.path.dirname(path), target)
            if included is not None:
                included.append(os.path.normpath(target))
            found += config_values(target, key, depth + 1, included)
    return found


def _global_config_files() -> list[str]:
    """git's global and system config files, as git finds them."""
    env = os.environ
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


def _env_values(key: str) -> list[str]:
    """``key``'s values in git's config from the environment (``GIT_CONFIG_PARAMETERS``,
    ``GIT_CONFIG_COUNT``/``GIT_CONFIG_KEY_n``/``GIT_CONFIG_VALUE_n``)."""
    import shlex

    env = os.environ
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
