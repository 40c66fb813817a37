"""The file system's answers for the path rules: real paths and glob expansions.

The policy is pure; the gate and ``scope explain`` run where the agent's files are, so they
hand it these two functions through :class:`overseer.policy.rules.CallContext`. Both err
towards *more* paths: a glob is expanded as if ``dotglob``, ``nocaseglob`` and ``globstar``
were all on (bash's options are the agent's to set), and too many matches mean "not known"
(the call is asked about wherever a path rule could apply), never a silent cut.
"""

from __future__ import annotations

import fnmatch
import os
import posixpath
import stat
from collections.abc import Callable

from overseer.policy.rules import CallContext

#: More matches than this and the glob counts as not known.
MAX_MATCHES = 256
_MAX_VISITED = 5000


#: Where a symlink's meaning depends on who follows it: ``/proc/self/cwd/x`` is in the
#: *reader's* working directory, ``/dev/fd/3`` is the reader's descriptor.
READER_DEPENDENT = ("/proc", "/dev/fd")
_MAX_HOPS = 40


def _reader_dependent(path: str) -> bool:
    return any(path == r or path.startswith(r + "/") for r in READER_DEPENDENT)


def through_reader_links(path: str) -> bool:
    """Does a symlink on the way to ``path`` lead into ``/proc`` or ``/dev/fd``?

    Resolving such a link here (``os.path.realpath``) answers for *this* process — the hook,
    or the gate server in another directory — not for the agent's tool that will follow it:
    ``notes -> /proc/self/cwd/../secret`` is one file to the gate and another to ``cat``.
    Paths written that way are judged lexically elsewhere; one reached through a link is
    "not known" (a rule never allows it). A path *written* under ``/proc`` is left to the
    rules, which read ``/proc/self/cwd/x`` lexically (so a deny rule on ``./x`` holds)."""
    if _reader_dependent(posixpath.normpath(path)):
        return False
    pending = [c for c in path.split("/") if c]
    current, hops = "/", 0
    while pending:
        part = pending.pop(0)
        if part == ".":
            continue
        if part == "..":
            current = posixpath.dirname(current) or "/"
            continue
        nxt = posixpath.join(current, part)
        try:
            st = os.lstat(nxt)
        except (OSError, ValueError):
            return False  # the rest is not there (yet): nothing more to follow
        if not stat.S_ISLNK(st.st_mode):
            current = nxt
            continue
        hops += 1
        try:
            target = os.readlink(nxt)
        except (OSError, ValueError):
            return False
        if hops > _MAX_HOPS:
            return False  # a loop: realpath's own answer stands
        base = "/" if target.startswith("/") else current
        if _reader_dependent(posixpath.normpath(posixpath.join(base, target))):
            return True
        current = base
        pending = [c for c in target.split("/") if c] + pending
    return False


def real_paths(path: str) -> list[str] | None:
    """Where ``path`` really leads (symlinks in any component resolved), if elsewhere; None
    when a link on the way means something else to whoever follows it (see above)."""
    if through_reader_links(path):
        return None
    try:
        real = os.path.realpath(path)
    except (OSError, ValueError):
        return []
    return [real] if real != path else []


def expand_glob(pattern: str) -> list[str] | None:
    """Every existing path an absolute glob ``pattern`` may name, or None if too many."""
    parts = [p for p in pattern.split("/") if p]
    found = ["/"]
    visited = 0
    for part in parts:
        nxt: list[str] = []
        if not any(c in part for c in "*?["):
            nxt = [posixpath.join(d, part) for d in found]
        elif part == "**":
            for folder in found:
                nxt.append(folder)
                for top, dirs, files in os.walk(folder):
                    visited += len(dirs) + len(files)
                    if visited > _MAX_VISITED:
                        return None
                    nxt.extend(posixpath.join(top, d) for d in dirs)
        elif "[:" in part or "(" in part or "[=" in part or "[." in part:
            return None  # POSIX classes, extglob: not what fnmatch reads, so not known
        else:
            wanted = part.lower().replace("[^", "[!")  # bash negates with ^ as well
            for folder in found:
                try:
                    names = os.listdir(folder)
                except OSError:
                    continue
                visited += len(names)
                if visited > _MAX_VISITED:
                    return None
                nxt.extend(
                    posixpath.join(folder, n)
                    for n in names
                    if fnmatch.fnmatchcase(n.lower(), wanted)
                )
        found = nxt
        if len(found) > MAX_MATCHES:
            return None
    return [f for f in found if os.path.lexists(f)]


def walk(root: str, hidden: bool, prune: Callable[[str], bool] | None = None) -> list[str] | None:
    """Every path below directory ``root`` (``[]`` when it is no directory), or None when
    there are too many to judge. ``hidden=False`` skips dot-files and dot-directories, as
    ripgrep does without ``--hidden``; a shell ``grep -r`` reads them. ``prune(dir)`` says
    which directories not to enter (ripgrep's ``--glob '!.git'``). A symlink found on the
    way is listed with where it leads (a reader that follows links reads that)."""
    if not os.path.isdir(root):
        return []
    found: list[str] = []
    for top, dirs, files in os.walk(root):
        if not hidden:
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            files = [f for f in files if not f.startswith(".")]
        if prune is not None:
            dirs[:] = [d for d in dirs if not prune(posixpath.join(top, d))]
        for name in (*dirs, *files):
            path = posixpath.join(top, name)
            found.append(path)
            if os.path.islink(path):
                real = real_paths(path)
                if real is None:  # a link into /proc or /dev/fd: not known
                    return None
                found.extend(real)
        if len(found) > _MAX_VISITED:
            return None
    return found


def context(
    cwd: str | None,
    home: str | None,
    root: str | None = None,
    *,
    config: str | None = None,
    db: str | None = None,
) -> CallContext:
    """A call context whose path rules see the real file system, and whose guard knows
    overseer's own files here (``config``, ``db``: what this gate reads and writes). The
    hook runs in the agent runtime's environment, which its shell inherits: its ``CDPATH``
    is the one a relative ``cd`` searches."""
    from overseer.control.protected import (
        GitView,
        protected_dirs,
        protected_files,
        with_hard_links,
    )

    files = protected_files(config, db)
    git = GitView()
    return CallContext(
        cwd, home, root=root, resolve=with_hard_links(
            real_paths, files, git, home, tuple(p for p in dict.fromkeys((cwd, root)) if p)
        ),
        expand=expand_glob, walk=walk, protected=protected_dirs(), protected_files=files,
        git_dir=git.git_dir,
        pg_store=bool(db and "://" in db), cdpath=os.environ.get("CDPATH"),
    )  # fmt: skip
