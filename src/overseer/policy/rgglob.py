"""Which files a ripgrep ``--glob`` lets through: the Grep and Glob tools' glob arguments.

Claude Code's Grep runs ``rg --hidden --no-follow --glob '!.git' … --glob G…`` (2.1.328),
its Glob ``rg --files --hidden --no-ignore --glob PATTERN``. A ``--glob`` is a gitignore
pattern matched against the path below the search root at any depth (``k.txt`` is every
``k.txt``), ``{a,b}`` alternation is expanded, and a glob starting with ``!`` excludes.
When at least one glob is a plain (include) glob, only files some include glob matches are
searched; with none, everything is.

This module answers *a superset* of what ripgrep searches, never less: a file passes when
any include glob matches it under gitignore rules **or** as a plain ``fnmatch`` of its path
or name (case folded), exclusions are not subtracted, and a glob whose braces expand to too
many alternatives means "not known" (None). A VCS directory (``.git``…) is skipped only
when no include glob could name it, as ripgrep's own ``!.git`` then holds.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections.abc import Callable, Sequence
from typing import Any

#: Directories Claude Code's Grep excludes with ``--glob '!NAME'`` before the agent's globs.
VCS_DIRS = frozenset({".git", ".svn", ".hg", ".bzr", ".jj", ".sl"})
#: More brace alternatives than this in one glob and the glob counts as not known.
MAX_ALTERNATIVES = 256


def grep_globs(text: str) -> list[str]:
    """The ``--glob`` values Claude Code makes of Grep's ``glob``: split on whitespace, a
    piece without both braces split on commas again."""
    found: list[str] = []
    for piece in text.split():
        if "{" in piece and "}" in piece:
            found.append(piece)
        else:
            found.extend(p for p in piece.split(",") if p)
    return found


def expand_braces(glob: str, limit: int = MAX_ALTERNATIVES) -> list[str] | None:
    """Every alternative of ``{a,b}`` groups in ``glob`` (nested ones too; a backslash
    escapes, ``[...]`` is a class, an unclosed brace is literal), or None if more than
    ``limit``."""
    out = _expand(glob, limit)
    return None if out is None or len(out) > limit else out


def _expand(glob: str, limit: int) -> list[str] | None:
    start = _group_start(glob)
    if start < 0:
        return [glob]
    end, options = _group(glob, start)
    if end < 0:
        # unclosed: literal here, later groups still expand
        rest = _expand(glob[start + 1 :], limit)
        return None if rest is None else [glob[: start + 1] + r for r in rest]
    heads: list[str] = []
    for option in options:
        inner = _expand(option, limit)
        if inner is None:
            return None
        heads.extend(glob[:start] + i for i in inner)
        if len(heads) > limit:
            return None
    tails = _expand(glob[end + 1 :], limit)
    if tails is None or len(heads) * len(tails) > limit:
        return None
    return [h + t for h in heads for t in tails]


def _group_start(glob: str) -> int:
    i, in_class = 0, False
    while i < len(glob):
        c = glob[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            if c == "]":
                in_class = False
        elif c == "[":
            in_class = True
            if glob[i + 1 : i + 2] in ("!", "^"):
                i += 1
            if glob[i + 1 : i + 2] == "]":
                i += 1  # a leading ']' is a member
        elif c == "{":
            return i
        i += 1
    return -1


def _group(glob: str, start: int) -> tuple[int, list[str]]:
    """The end of the brace group opening at ``start`` and its top-level alternatives."""
    depth, i, piece, options = 0, start + 1, start + 1, []
    while i < len(glob):
        c = glob[i]
        if c == "\\":
            i += 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            if depth == 0:
                options.append(glob[piece:i])
                return i, options
            depth -= 1
        elif c == "," and depth == 0:
            options.append(glob[piece:i])
            piece = i + 1
        i += 1
    return -1, []


def _includes(glob: str) -> bool:
    """Is this ``--glob`` an include glob? ripgrep skips empty ones and ``#`` comments (they
    are gitignore lines) and reads ``!`` as an exclusion."""
    text = glob.strip()
    return bool(text) and not text.startswith(("#", "!"))


class Filter:
    """The files a set of ``--glob`` values may let ripgrep search (a superset)."""

    __slots__ = ("_fn", "_spec", "everything")

    def __init__(self, fn: list[str], spec: Any, everything: bool) -> None:
        self._fn = fn
        self._spec = spec
        #: no include glob: every file below the root is searched
        self.everything = everything

    def passes(self, rel: str) -> bool:
        """May ripgrep search the file at ``rel`` (relative to the search root)?"""
        if self.everything:
            return True
        if self._spec is not None and self._spec.match_file(rel):
            return True
        low = rel.lower()
        name = low.rsplit("/", 1)[-1]
        return any(fnmatch.fnmatchcase(low, p) or fnmatch.fnmatchcase(name, p) for p in self._fn)

    def prune(self, rel_dir: str) -> bool:
        """Skip the directory ``rel_dir``? Only a VCS directory no include glob names."""
        if posixpath.basename(rel_dir) not in VCS_DIRS:
            return False
        return self.everything or not self.passes(rel_dir)


def compile_filter(globs: Sequence[str], extra: Sequence[str] = ()) -> Filter | None:
    """A :class:`Filter` for ripgrep run with ``globs``; ``extra`` are more include globs
    to let through (another reading of the same argument). None when a glob is not known
    (too many brace alternatives)."""
    includes = [g for g in globs if _includes(g)]
    if not includes:
        return Filter([], None, True)
    lines: list[str] = []
    for glob in [*includes, *(g for g in extra if _includes(g))]:
        alternatives = expand_braces(glob.strip())
        if alternatives is None:
            return None
        for alt in alternatives:
            alt = alt.rstrip("/") or alt  # a directory-only glob: its files too
            if alt and alt not in lines:
                lines.append(alt)
    import pathspec  # deferred: only a search with a glob pays for it

    spec = pathspec.PathSpec.from_lines("gitignore", lines)
    fn = [_fnmatch_form(line) for line in lines]
    return Filter(fn, spec, False)


def _fnmatch_form(glob: str) -> str:
    """The glob as :func:`fnmatch` reads it, case folded: ``*`` there also spans ``/``, so it
    matches at least what gitignore's reading does."""
    text = glob.lower().lstrip("/").replace("[^", "[!")
    return re.sub(r"\\(.)", lambda m: f"[{m[1]}]" if m[1] in "*?[" else m[1], text)


def search_files(
    root: str,
    walk: Callable[..., list[str] | None],
    rg_filter: Filter,
    vcs: bool,
    also: Sequence[str | None] = (),
    only: Sequence[str] = (),
) -> list[str] | None:
    """The files below ``root`` ripgrep may search with ``rg_filter`` (None: not known);
    ``vcs`` whether VCS directories are excluded first (the Grep tool) or not (Glob).
    ripgrep matches a glob against the path relative to the directory it was started in,
    which need not be the search root: each path is tried relative to ``root``, to every
    directory in ``also`` that holds it, and whole. ``only``: absolute paths the walk goes
    to and nowhere else (the directories on the way to each, and all below it): the part of
    a search too large to list whole that reaches them."""
    bases = [b.rstrip("/") + "/" for b in [root, *also] if b]
    limits = [o.rstrip("/") + "/" for o in only]

    def forms(path: str) -> list[str]:
        return [path[len(b) :] for b in bases if path.startswith(b)] + [path.lstrip("/")]

    def prune(path: str) -> bool:
        if limits:
            here = path.rstrip("/") + "/"
            if not any(o.startswith(here) or here.startswith(o) for o in limits):
                return True
        return vcs and all(rg_filter.prune(f) for f in forms(path))

    found = walk(root, True, prune=prune if vcs or limits else None)
    if found is None:
        return None
    return [p for p in found if any(rg_filter.passes(f) for f in forms(p))]
