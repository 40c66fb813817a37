"""The gate server's view of an agent's files: real paths and globs, *unknown* when unseen.

In hardened mode (docs/hardened.md) the gate server runs as its own user, so it may not be
able to look into the agent's directories at all. :mod:`overseer.control.fsview` treats an
unreadable directory as empty and a path it cannot ``lstat`` as no symlink — right for a
hook that runs as the agent (it sees what the agent sees), unsound for a server that does
not: the agent could point ``./notes`` at ``~/.ssh/id_ed25519`` inside a directory the
server cannot search, and ``Read(./**)`` would allow it. Here every such answer is "not
known" instead (``None``), which the policy treats as "ask wherever a path rule could
apply": a rule never allows what the server could not see. Deny rules still meet the paths
as written.

The agent's paths are read in the server's own mount namespace: an agent in a container or
chroot of its own is judged lexically at best (see docs/hardened.md).
"""

from __future__ import annotations

import fnmatch
import os
import posixpath
from collections.abc import Callable, Mapping

from overseer.control.fsview import MAX_MATCHES, through_reader_links
from overseer.policy.rules import CallContext

_MAX_VISITED = 5000


class _Unknown(Exception):
    """The file system would not tell (permission denied, a loop, a dangling link)."""


def real_paths(path: str) -> list[str] | None:
    """Where ``path`` really leads if elsewhere (``[]``: right here), or None if not known
    (including a link into ``/proc`` or ``/dev/fd``: :func:`fsview.through_reader_links`)."""
    if through_reader_links(path):
        return None
    try:
        real = _real(path, 0)
    except _Unknown:
        return None
    return [real] if real != path else []


def _real(path: str, depth: int) -> str:
    if depth > 64:
        raise _Unknown
    try:
        return os.path.realpath(path, strict=True)
    except (FileNotFoundError, NotADirectoryError):
        pass
    except (OSError, ValueError):
        raise _Unknown from None
    # Not there (yet): a new file. Only its existing part can lead elsewhere — unless the
    # last name is a dangling symlink, whose target may be anywhere.
    try:
        os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        parent, name = posixpath.split(path.rstrip("/") or "/")
        if not name or parent == path:
            return path
        return posixpath.join(_real(parent, depth + 1), name)
    except (OSError, ValueError):
        raise _Unknown from None
    raise _Unknown  # it exists as a name but does not resolve: a dangling or looping link


def expand_glob(pattern: str) -> list[str] | None:
    """Every existing path an absolute glob may name; None if too many or not all seen."""
    parts = [p for p in pattern.split("/") if p]
    found = ["/"]
    visited = 0

    def unseen(err: OSError) -> None:
        if not isinstance(err, FileNotFoundError | NotADirectoryError):
            raise _Unknown

    try:
        for part in parts:
            nxt: list[str] = []
            if not any(c in part for c in "*?["):
                nxt = [posixpath.join(d, part) for d in found]
            elif part == "**":
                for folder in found:
                    nxt.append(folder)
                    for top, dirs, files in os.walk(folder, onerror=unseen):
                        visited += len(dirs) + len(files)
                        if visited > _MAX_VISITED:
                            return None
                        nxt.extend(posixpath.join(top, d) for d in dirs)
            elif "[:" in part or "(" in part or "[=" in part or "[." in part:
                return None
            else:
                wanted = part.lower().replace("[^", "[!")
                for folder in found:
                    try:
                        names = os.listdir(folder)
                    except (FileNotFoundError, NotADirectoryError):
                        continue
                    except OSError:
                        return None
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
        kept = []
        for name in found:
            try:
                os.lstat(name)
            except (FileNotFoundError, NotADirectoryError):
                continue
            except (OSError, ValueError):
                return None
            kept.append(name)
        return kept
    except _Unknown:
        return None


def walk(root: str, hidden: bool, prune: Callable[[str], bool] | None = None) -> list[str] | None:
    """Every path below directory ``root`` (``[]`` for a file or nothing), None when too many
    or when some of it cannot be seen; ``prune`` and symlinks as :func:`fsview.walk`."""
    try:
        if not os.path.isdir(root):
            os.stat(root)  # no directory, or one we may not even stat: which?
            return []
    except (FileNotFoundError, NotADirectoryError):
        return []
    except (OSError, ValueError):
        return None
    found: list[str] = []

    def unseen(err: OSError) -> None:
        raise _Unknown

    try:
        for top, dirs, files in os.walk(root, onerror=unseen):
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
                    if real is None:
                        return None
                    found.extend(real)
            if len(found) > _MAX_VISITED:
                return None
    except _Unknown:
        return None
    return found


def context(
    cwd: str | None,
    home: str | None,
    root: str | None = None,
    *,
    config: str | None = None,
    db: str | None = None,
    cdpath: str | None = None,
    agent_env: Mapping[str, str] | None = None,
) -> CallContext:
    """A call context whose path rules see what the server can see, and no more; the
    built-in guard (where present) also knows the server's own config and store.
    ``cdpath``: the ``CDPATH`` of the hook's environment, which the thin client sends.
    ``agent_env``: the rest of that environment it sends (``HOME``, ``PATH``, ``GIT_DIR``,
    ``GIT_CONFIG_*``, ``XDG_*``...): the guard judges with git and the shells as they run
    for the agent *and* as the server's own environment has them — the agent's word can
    only add what is guarded, never take away from it."""
    from overseer.control.protected import (
        GitView,
        protected_dirs,
        protected_files,
        with_hard_links,
    )

    files = protected_files(config, db)
    git = GitView(strict=True)  # a directory the server cannot search: not known
    others: tuple[tuple[GitView, str | None], ...] = ()
    if agent_env is not None:
        agent_home = agent_env.get("HOME")
        agent_home = agent_home if agent_home and agent_home.startswith("/") else None
        others = ((GitView(strict=True, env=agent_env), agent_home),)
    return CallContext(
        cwd, home, root=root, resolve=with_hard_links(
            real_paths, files, git, home, tuple(p for p in dict.fromkeys((cwd, root)) if p),
            others,
        ),
        expand=expand_glob, walk=walk, protected=protected_dirs(agent_env), protected_files=files,
        git_dir=git.git_dir,
        pg_store=bool(db and "://" in db), cdpath=cdpath,
    )  # fmt: skip
