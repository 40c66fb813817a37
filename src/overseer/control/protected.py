"""Where overseer's own files are, for the built-in guard (:mod:`overseer.policy.guard`).

The guard's names (``.git/``, ``.claude/settings*``, ``~/.config/overseer``...) hold
everywhere; the files *this* gate trusts are known only here, where it runs: the config it
read, the store it writes (with SQLite's ``-wal``/``-shm``/``-journal`` beside it), the
installation it runs from and its interpreter, and the Codex home whose ``hooks.json`` runs
it. Each path is listed as given and where its symlinks lead, so a link cannot hide one.

Lean: the hook calls this on every call (stdlib only, a few ``realpath`` calls).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

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


def with_hard_links(
    resolve: Callable[[str], list[str] | None], files: tuple[str, ...]
) -> Callable[[str], list[str] | None]:
    """``resolve`` that also answers a *hard link* to one of ``files`` (the config or the
    store) with that file: a second name for the store is the store, and no path check sees
    it. One ``stat`` per path judged; the files' identities are read lazily, once."""
    ids: dict[tuple[int, int], str] | None = None

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

    def resolved(path: str) -> list[str] | None:
        found = resolve(path)
        bare = _in_bare_repository(path)
        if bare is not None and found is not None:
            found = [*found, bare]
        try:
            st = os.stat(path)
        except (OSError, ValueError):
            return found
        if st.st_nlink < 2:
            return found
        same = identities().get((st.st_dev, st.st_ino))
        if same is None or same == path:
            return found
        return [*(found or ()), same] if found is not None else None

    return resolved


def _in_bare_repository(path: str) -> str | None:
    """A bare repository's ``config`` and ``hooks/`` are git's config and hooks, as under a
    ``.git`` directory (``git --git-dir=/tmp/b log`` or a ``cd`` there runs what they
    name): such a path is answered also as the same path under ``<repo>/.git/``, which the
    guard knows. A bare repository is a directory holding ``HEAD``, ``objects`` and
    ``refs``; two ``stat`` calls for a path named ``config`` or below ``hooks``."""
    parts = path.rstrip("/").split("/")
    for depth in (1, 2):  # …/repo/config, …/repo/hooks/x (and …/repo/hooks itself)
        if len(parts) <= depth:
            break
        top = "/".join(parts[:-depth])
        below = parts[-depth:]
        if below[0] not in ("config", "hooks") or (below[0] == "config" and depth == 2):
            continue
        if os.path.isfile(os.path.join(top, "HEAD")) and os.path.isdir(
            os.path.join(top, "objects")
        ):
            return "/".join([top, ".git", *below])
    return None
