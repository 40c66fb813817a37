"""Guarded files reached where :func:`protected.guarded_links`'s one-level listing does not
look (round 9, issue 13), for :func:`protected.with_hard_links`, once per call:

- the links (and hard links) *inside* the trees of the guarded directories: a skill shared
  as ``.claude/skills/deploy -> ../../tools/deploy``, a stow-managed
  ``~/.config/fish/conf.d/x.fish``, ``~/.config/systemd/user/*.wants/x.service``. A bounded
  walk (:data:`DEPTH` below each tree's top, :data:`BUDGET` entries in all); a tree the walk
  cannot finish fails closed: every path judged is then asked for, naming that tree;
- a write to a *parent* of a guarded link's target (``ln -s x githooks`` where
  ``.git/hooks/pre-push -> ../../githooks/pre-push``; ``mv scripts old``): the line replaces
  the directory the guarded file is found through, which no path check before it runs sees;
- the git directory the written path belongs to, whatever repository that is: its hooks
  that are links into its work tree (a nested repository, a submodule), and a relative
  ``core.hooksPath`` resolved from the top of the work tree the path is in (git runs
  ``<work tree>/githooks/pre-commit`` in a linked worktree or beside a separate git dir,
  not ``<git dir>/../githooks``);
- the ``PATH`` entries inside the session's places and the home (an activated virtualenv:
  ``.venv/bin/npx`` runs in place of the ``npx`` a rule allows).

Lean: stdlib only, ``scandir`` (no ``stat`` for a directory's type), a few ``lstat`` calls
per judged path; nothing is read before the first path is judged.
"""

from __future__ import annotations

import itertools
import os
import stat
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from overseer.control.protected import GitView

#: How deep below a guarded tree's top links are looked for (``skills/x/scripts/lib/y``).
DEPTH = 6
#: How many directory entries one call reads in all the guarded trees.
BUDGET = 4096
#: Under the guarded trees of ``.claude``: what Claude Code runs on its own from there.
_CLAUDE_TREES = ("hooks", "commands", "agents", "skills")
#: What Claude Code loads by itself from a directory linked into one of its trees: a skill's
#: ``SKILL.md`` (its frontmatter declares hooks and allowed tools; the rest of a skill is
#: read or run by the agent's own, gated, calls), every ``.md`` of agents and commands.
#: Compared with letter case folded. Trees not listed: every file.
_SKILL = "skill.md"
_LOADED = {"skills": _SKILL, "agents": ".md", "commands": ".md"}
#: Below a guarded tree: what the agents write and never run (transcripts, session logs),
#: which may hold thousands of files.
_DATA = frozenset({"projects", "sessions", "archived_sessions", "log", "todos", "statsig",
                   "shell-snapshots", "file-history", "debug"})  # fmt: skip
#: How many ``PATH`` entries are looked at (as :func:`protected._on_path` does).
_PATH_ENTRIES = 64

Links = tuple[dict[str, str], dict[str, str], dict[tuple[int, int], str], dict[str, str]]
#: A git directory's hooks that are links (target → hook: files, directories, the targets'
#: parents) or hard links (inode → hook).
_Hooks = tuple[dict[str, str], dict[str, str], dict[str, str], dict[tuple[int, int], str]]


def _trees(home: str | None, places: tuple[str, ...]) -> list[tuple[str, str]]:
    """The guarded directories whose trees are walked, each a guarded name itself, with
    what of a linked directory found in it Claude Code loads on its own (:data:`_LOADED`;
    ``""``: every file)."""
    from overseer.policy.guard import _HOME_DIRS

    found: list[tuple[str, str]] = []
    for base in (*([home] if home else []), *places):
        found += [(os.path.join(base, ".claude", n), _LOADED.get(n, "")) for n in _CLAUDE_TREES]
        found.append((os.path.join(base, ".codex"), ""))
    if home:
        found += [(os.path.join(home, n), "") for n in _HOME_DIRS]
    return list(dict.fromkeys(found))


def _inside(path: str, root: str) -> bool:
    return path.startswith(root.rstrip("/") + "/")


class Reach:
    """One call's view (see the module's docstring): built empty, filled lazily."""

    __slots__ = (
        "_ancestors", "_cut", "_flat", "_git", "_home", "_hooks", "_own", "_partial",
        "_places", "_repos", "_texts", "_tops",
    )  # fmt: skip

    def __init__(self, home: str | None, places: tuple[str, ...], git: GitView) -> None:
        self._home = home
        self._places = places
        self._git = git
        self._cut: str | None = None
        #: the links found, for another environment's view (:meth:`other`)
        self._own: Links | None = None
        #: a directory written (or replaced) → the guarded file found through it
        self._ancestors: dict[str, str] | None = None
        #: a PATH entry (and where it leads) → the guarded name its programs stand for
        self._flat: dict[str, str] = {}
        #: a directory linked into a Claude Code tree → (its guarded name, what is loaded)
        self._partial: dict[str, tuple[str, str]] = {}
        #: per git directory: its hooks' links (target → hook) and their parents
        self._repos: dict[str, _Hooks] = {}
        #: per directory: the top of the work tree it is in (None: none)
        self._tops: dict[str, str | None] = {}
        #: per git directory and work tree: where its relative core.hooksPath leads
        self._hooks: dict[str, list[str]] = {}
        #: per git config file: its text, lower-cased (read once a call)
        self._texts: dict[str, bytes] = {}

    # ------------------------------------------------------------------ the walk

    def extend(self, links: Links) -> Links:
        """``links`` (:func:`protected.guarded_links`' answer) with the links and hard links
        found inside the guarded trees, and the ``PATH`` entries."""
        files, dirs, inodes, _pyroots = links
        budget = BUDGET
        trees = [(t, t, loaded) for t, loaded in _trees(self._home, self._places)]
        trees += self._hook_trees()
        for tree, named, loaded in trees:
            try:
                os.lstat(tree)  # most are not there: one failing call each
                real = os.path.realpath(tree)
                if not os.path.isdir(real):
                    continue
            except (OSError, ValueError):
                continue
            budget = self._walk(named, real, loaded, (files, dirs, inodes), budget)
            if self._cut is not None:
                break
        self._path_entries()
        return links

    def _hook_trees(self) -> list[tuple[str, str, str]]:
        """The hooks directories of the places' repositories (``.git/hooks`` and each
        ``core.hooksPath``), each with the name under ``<git dir>/hooks`` its files have:
        a hook may run the scripts of a directory beside it (``pre-commit.d/*``)."""
        found: list[tuple[str, str, str]] = []
        for git_dir in sorted(self._own_git_dirs()):
            hooks = os.path.join(git_dir, "hooks")
            found.append((hooks, hooks, ""))
            plain = ".git" in git_dir.split("/")  # else: a name the guard knows
            for where in self._git.hooks_dirs(git_dir):
                found.append((where, hooks if plain else os.path.join(where, ".git", "hooks"), ""))
        return list(dict.fromkeys(found))

    def _walk(
        self,
        tree: str,
        real: str,
        loaded: str,
        links: tuple[dict[str, str], dict[str, str], dict[tuple[int, int], str]],
        budget: int,
    ) -> int:
        """Read ``tree`` (found at ``real``) for links: a file link's target is the guarded
        name it has in the tree; a directory link's target is walked too, and is the guarded
        directory (or, ``loaded``, only the files of it Claude Code loads)."""
        files, dirs, inodes = links
        deepest = 1 if loaded == _SKILL else DEPTH  # a skill's own SKILL.md, no deeper
        stack: list[tuple[str, str, int, int]] = [(real, tree, 0, 0)]
        seen = {real}
        while stack:
            where, named, depth, packages = stack.pop()
            try:
                with os.scandir(where) as listing:
                    entries = list(listing)
            except (OSError, ValueError):
                continue
            budget -= len(entries)
            if budget < 0:
                self._cut = tree  # not read to the end: fail closed
                return 0
            for entry in entries:
                guarded = os.path.join(named, entry.name)
                try:
                    if entry.is_symlink():
                        target = os.path.realpath(entry.path)
                        if not os.path.isdir(target):
                            files.setdefault(target, guarded)
                            continue
                        if loaded:
                            self._partial.setdefault(target, (guarded, loaded))
                        else:
                            dirs.setdefault(target, guarded)
                        below = (target, guarded, depth + 1, 0)
                    elif entry.is_dir(follow_symlinks=False):
                        if depth == 0 and entry.name in _DATA:
                            continue
                        if packages == 2 or (
                            packages == 1 and not entry.name.startswith(("@", "."))
                        ):
                            continue  # an installed package's own files: no links of note
                        inner = 1 if entry.name == "node_modules" else 2 if packages else 0
                        below = (entry.path, guarded, depth + 1, inner)
                    else:
                        if entry.is_file(follow_symlinks=False):
                            st = entry.stat(follow_symlinks=False)
                            if st.st_nlink > 1 and stat.S_ISREG(st.st_mode):
                                inodes.setdefault((st.st_dev, st.st_ino), guarded)
                        continue
                except (OSError, ValueError):
                    continue
                if below[0] in seen:
                    continue  # (a linked directory's own links count too, once)
                if depth + 1 > deepest:
                    if deepest < DEPTH:
                        continue
                    self._cut = tree
                    return 0
                seen.add(below[0])
                stack.append(below)
        return budget

    def _path_entries(self) -> None:
        """``PATH``'s entries inside a place or the home: a program written directly in one
        runs in place of the one a later command names."""
        bases = [*self._places, *([self._home] if self._home else [])]
        for entry in self._git.env.get("PATH", "").split(os.pathsep)[:_PATH_ENTRIES]:
            wheres = (
                [os.path.normpath(entry)]
                if entry.startswith("/")
                else [os.path.normpath(os.path.join(p, entry or ".")) for p in self._places]
            )
            for where in wheres:
                base = next((b for b in bases if where == b or _inside(where, b)), None)
                if base is None:
                    continue
                if base in self._places:
                    guarded = os.path.join(base, ".claude", "hooks")
                    ones = [where, os.path.realpath(where)]  # a linked virtualenv too
                else:
                    guarded = os.path.join(base, ".bashrc.d")
                    ones = [where]  # (~/.local/bin, ~/.cargo/bin: as spelled)
                for one in ones:
                    self._flat.setdefault(one, guarded)

    def other(self, path: str, found: list[str]) -> list[str]:
        """:meth:`names` and the links found by the walk, for another environment's view
        (the agent's home and ``PATH`` in the gate server), whose own links
        :func:`protected.other_names` reads."""
        if self._own is None:
            self._own = self.extend(({}, {}, {}, {}))
        files, dirs, _inodes, _pyroots = self._own
        out: list[str] = []
        for reached in (path, *found):
            if reached in files:
                out.append(files[reached])
            above = reached
            for _ in range(64):
                if above in dirs:
                    out.append(dirs[above] + reached[len(above) :])
                parent = os.path.dirname(above)
                if parent == above:
                    break
                above = parent
        return out + self.names(path, found, self._own)

    # ------------------------------------------------------------------ a judged path

    def names(self, path: str, found: list[str], links: Links) -> list[str]:
        """The guarded names ``path`` (resolved: ``found``) also has, beyond ``links``'
        own: a parent of a guarded link's target, a program in a ``PATH`` entry, a hook of
        the repository it is in, or (a tree not read to the end) that tree's."""
        out: list[str] = []
        if self._ancestors is None:
            self._ancestors = self._parents([*links[0].items(), *links[1].items()])
            entries = [(os.path.join(e, "-"), g) for e, g in self._flat.items()]
            entries += [(os.path.join(d, "-"), g) for d, (g, _) in self._partial.items()]
            for above, guarded in self._parents(entries).items():
                self._ancestors.setdefault(above, guarded)
        for reached in dict.fromkeys((path, *found)):
            hit = self._ancestors.get(reached)
            if hit is not None:
                out.append(hit)
            program = self._flat.get(os.path.dirname(reached))
            if program is not None:
                out.append(os.path.join(program, os.path.basename(reached)))
            if self._partial:
                out += self._loaded(reached)
            out += self._repo(reached)
        if self._cut is not None:
            out.append(os.path.join(self._cut, os.path.basename(path)))
        return out

    def _loaded(self, path: str) -> list[str]:
        """``path`` under a directory linked into a Claude Code tree, when it is a file
        Claude Code loads from there (or the directory itself)."""
        out: list[str] = []
        name = os.path.basename(path).casefold()
        above = path
        for _ in range(64):
            hit = self._partial.get(above)
            if hit is not None:
                guarded, loaded = hit
                if above == path or (
                    name.endswith(loaded) if loaded.startswith(".") else name == loaded
                ):
                    out.append(guarded + path[len(above) :])
            parent = os.path.dirname(above)
            if parent == above:
                break
            above = parent
        return out

    def _parents(self, targets: list[tuple[str, str]]) -> dict[str, str]:
        """Each directory above a target (below a place or the home, but no place or a
        parent of one) → the guarded name found through it."""
        bases = [*self._places, *([self._home] if self._home else [])]
        out: dict[str, str] = {}
        for target, guarded in targets:
            above = os.path.dirname(target)
            while above not in out and any(_inside(above, b) for b in bases):
                if above in self._places or any(_inside(p, above) for p in self._places):
                    break
                out[above] = guarded
                above = os.path.dirname(above)
        return out

    def _repo(self, path: str) -> list[str]:
        directory = os.path.dirname(path.rstrip("/")) or "/"
        while not os.path.isdir(directory) and directory != "/":
            directory = os.path.dirname(directory)  # a file not there yet, in a new dir
        git_dir = self._git.git_dir(directory) or None
        if git_dir is None:
            return []
        if git_dir not in self._repos:
            self._repos[git_dir] = self._hook_links(git_dir)
        files, dirs, parents, inodes = self._repos[git_dir]
        out: list[str] = []
        if path in files:
            out.append(files[path])
        if inodes:
            try:
                st = os.stat(path)
                hook = inodes.get((st.st_dev, st.st_ino)) if st.st_nlink > 1 else None
            except (OSError, ValueError):
                hook = None
            if hook is not None and hook != path:
                out.append(hook)  # a work-tree file hard-linked to one of its hooks
        for real, guarded in dirs.items():
            if path == real or _inside(path, real):
                out.append(guarded + path[len(real) :])
        if path in parents:
            out.append(parents[path])
        top = self._top(directory, git_dir)
        if top is not None:
            for hooks in self._relative_hooks(git_dir, top):
                if path == hooks or _inside(path, hooks):
                    rest = path[len(hooks) :].lstrip("/")
                    out.append(os.path.join(top, ".git", "hooks", rest).rstrip("/"))
                elif _inside(hooks, path) and _inside(path, top):
                    out.append(os.path.join(top, ".git", "hooks"))
        return out

    def _hook_links(self, git_dir: str) -> _Hooks:
        """The links among a git directory's hooks (and of its common directory's, for a
        linked worktree): target → the hook, for files and directories, the targets'
        parents, and the hooks' inodes that have other hard links. A place's own git
        directory is :func:`protected.guarded_links`' already."""
        from overseer.control.protected import _GIT_LINKED

        roots = [] if git_dir in self._own_git_dirs() else [git_dir]
        common = _read_line(os.path.join(git_dir, "commondir"))
        if common:
            roots.append(os.path.normpath(os.path.join(git_dir, common)))
        links: list[str] = []
        inodes: dict[tuple[int, int], str] = {}
        for root in roots:
            links += [c for n in _GIT_LINKED if os.path.islink(c := os.path.join(root, n))]
            try:
                with os.scandir(os.path.join(root, "hooks")) as listing:
                    for entry in itertools.islice(listing, 256):
                        if entry.is_symlink():
                            links.append(entry.path)
                        elif entry.is_file(follow_symlinks=False):
                            st = entry.stat(follow_symlinks=False)
                            if st.st_nlink > 1:
                                inodes.setdefault((st.st_dev, st.st_ino), entry.path)
            except (OSError, ValueError):
                pass
        files: dict[str, str] = {}
        dirs: dict[str, str] = {}
        for link in links:
            try:
                real = os.path.realpath(link)
            except (OSError, ValueError):
                continue
            (dirs if os.path.isdir(real) else files).setdefault(real, link)
        return files, dirs, self._parents([*files.items(), *dirs.items()]), inodes

    def _own_git_dirs(self) -> set[str]:
        return {g for p in self._places if (g := self._git.git_dir(p))}

    def _top(self, directory: str, git_dir: str) -> str | None:
        """The top of the work tree ``directory`` is in: where git's discovery from it finds
        the ``.git`` (a directory, or a file naming ``git_dir``) that leads to ``git_dir``;
        None for a bare repository (or a ``$GIT_DIR``), unless ``$GIT_WORK_TREE`` says."""
        if directory in self._tops:
            return self._tops[directory]
        env = self._git.env.get("GIT_WORK_TREE")
        found: str | None = os.path.abspath(env) if env else None
        current = directory
        while found is None:
            dotgit = os.path.join(current, ".git")
            if os.path.lexists(dotgit):
                line = _read_line(dotgit) if os.path.isfile(dotgit) else ""
                there = line[len("gitdir:") :].strip() if line.startswith("gitdir:") else ""
                named = os.path.normpath(os.path.join(current, there)) if there else dotgit
                if named == git_dir or os.path.realpath(named) == os.path.realpath(git_dir):
                    found = current
                break
            parent = os.path.dirname(current)
            if parent == current:
                break
            current = parent
        self._tops[directory] = found
        return found

    def _relative_hooks(self, git_dir: str, top: str) -> list[str]:
        """Where git run in the work tree ``top`` runs hooks from, for each relative
        ``core.hooksPath`` in view: from ``top`` (and ``core.worktree``'s directory)."""
        key = f"{git_dir}\0{top}"
        if key not in self._hooks:
            self._hooks[key] = self._read_hooks(git_dir, top)
        return self._hooks[key]

    def _read_hooks(self, git_dir: str, top: str) -> list[str]:
        from overseer.control.protected import _env_values, _global_config_files, config_values

        own = _repo_configs(git_dir)
        tops = [top]
        for name in own:  # a repository's own setting (git reads it from no other file)
            if _may_set(name, b"worktree", self._texts):
                for value in config_values(name, "core.worktree"):
                    if value:
                        where = os.path.join(git_dir, os.path.expanduser(value))
                        tops.append(os.path.normpath(where))
        if tops == [os.path.dirname(git_dir)]:
            return []  # a plain .git: GitView.hooks_dirs resolves from its parent already
        env = self._git.env  # git reads GIT_CONFIG_KEY_n only below GIT_CONFIG_COUNT
        in_env = "GIT_CONFIG_PARAMETERS" in env or "GIT_CONFIG_COUNT" in env
        values = list(_env_values("core.hooksPath", env)) if in_env else []
        for name in (*_global_config_files(env), *own):
            if _may_set(name, b"hookspath", self._texts):
                values += config_values(name, "core.hooksPath")
        relative = [v for v in values if v and not v.startswith(("/", "~")) and v != "/dev/null"]
        found: list[str] = []
        for base in dict.fromkeys(tops):
            for value in relative:
                hooks = os.path.normpath(os.path.join(base, value))
                found += [hooks, os.path.realpath(hooks)]
        return list(dict.fromkeys(found))


def _may_set(path: str, key: bytes, seen: dict[str, bytes]) -> bool:
    """May the git config file ``path`` set ``key`` (lower-cased): does it name it, or
    include another file (read before parsing it: most configs do neither)."""
    if path not in seen:
        try:
            with open(path, "rb") as handle:
                seen[path] = handle.read(1 << 20).lower()
        except (OSError, ValueError):
            seen[path] = b""
    text = seen[path]
    return key in text or b"include" in text


def _read_line(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read(4096).strip()
    except (OSError, ValueError):
        return ""


def _repo_configs(git_dir: str) -> list[str]:
    """A repository's own config files (and, in a linked worktree, the main one's)."""
    found = [os.path.join(git_dir, "config"), os.path.join(git_dir, "config.worktree")]
    common = _read_line(os.path.join(git_dir, "commondir"))
    if common:
        found.append(os.path.join(os.path.normpath(os.path.join(git_dir, common)), "config"))
    return found
