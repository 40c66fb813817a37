"""What a git command reads and writes, from its arguments: the files ``git diff`` shows.

``git diff`` prints the tracked files its pathspec selects, and with no pathspec the whole
work tree — from any directory in it, not just below the one it runs in. A deny rule on
``./.env`` must hold against ``git diff``, ``git diff -- '.e*'``, ``git diff ':(glob).e*'``,
``git diff -- ':!README.md'`` (only exclusions: everything else), ``git diff HEAD:.env x``
(a blob: the file as committed), ``git -C sub diff``. So every operand is read as git
does and becomes an :class:`~overseer.policy.shell.Access`:

* an operand before ``--`` may be a revision or a path: it is judged as a path, and it
  narrows the diff only when it is an existing path (``unless``, decided where the file
  system can be seen); ``REV:PATH`` (``HEAD:.env``, ``:0:.env``, ``:/x``) reads PATH of
  the work tree (relative to its top; ``./x`` relative to where git runs);
* every word after ``--`` is a pathspec (``-/../.env`` included); pathspec magic
  (``:(top,glob,icase,literal,exclude)``, ``:/``, ``:!``, ``:^``) is parsed: exclusions
  never narrow anything, ``top`` anchors at the work tree's top; wildcards are matched at
  any depth below their directory (git's ``*`` spans ``/``);
* no positive pathspec: the whole work tree (``repo`` ``.``);
* ``-C DIR`` moves where all of it starts; ``--git-dir``/``--work-tree`` make the tree not
  known.

Over-approximation only: a word that may be a revision is still judged as a path, a
literal pathspec is also judged as a wildcard. ``git show`` is read the same way (a commit
prints its diff, ``REV:PATH`` the file).
"""

from __future__ import annotations

import itertools
import re

from overseer.policy.shell import Access, Command, Word

#: git's own options that take the next word as their value.
GIT_VALUED = frozenset({
    "-C", "-c", "--git-dir", "--work-tree", "--namespace", "--super-prefix", "--config-env",
    "--exec-path", "--list-cmds",
})  # fmt: skip
#: Subcommands that print (or search, or pack) the content of tracked files selected by
#: revisions and pathspecs: with no pathspec, the whole tree.
SHOWS = frozenset({"diff", "show", "grep", "archive", "format-patch"})
#: Subcommands that do so only when asked for patches or content searches (``log -p``,
#: ``log -S KEY``, ``stash show -p``).
LOGS = frozenset({"log", "whatchanged", "reflog", "stash", "shortlog"})
#: Subcommands that print the files they are named (``blame .env``, ``cat-file -p X``).
NAMED = frozenset({"blame", "annotate", "cat-file"})
_LONG_CONTENT = (
    "--patch", "--unified", "--cc", "--word-diff", "--full-diff", "--pickaxe", "--find-object",
    "--ext-diff", "--textconv", "--raw", "--diff-merges", "--remerge-diff", "--dd",
)  # fmt: skip
#: git's glob-special set (``is_glob_special``): a pathspec holding one is a wildcard; a
#: backslash escapes the next character, so ``.\env`` matches ``.env``.
_WILDCARDS = frozenset("*?[\\")
_KNOWN_MAGIC = frozenset({"top", "literal", "glob", "icase", "exclude"})


def git_accesses(cmd: Command) -> list[Access]:
    """The files ``cmd`` (a git command line) reads and writes, as far as git is modelled."""
    args = cmd.words[1:]
    out: list[Access] = []
    at = 0  # past git's own options (``git -C dir -c k=v diff``)
    start: Word | None = None
    tree_known = True
    icase = False
    while at < len(args) and args[at].value.startswith("-"):
        value = args[at].value
        if value == "-C" and at + 1 < len(args):
            start = _under(start, args[at + 1])
        if value.startswith(("--git-dir", "--work-tree")):
            tree_known = False  # another repository or work tree, chosen here
        icase = icase or value == "--icase-pathspecs"
        at += 2 if value in GIT_VALUED else 1
    if at < len(args) and not args[at].static:
        out.append(Access("read", None, "git"))  # a subcommand known only at run time
        return out
    sub = args[at].value if at < len(args) else ""
    for i, w in enumerate(args):
        if w.value == "--output" and i + 1 < len(args):
            out.append(Access("write", _under(start, args[i + 1]), "git --output"))
        if w.value in ("-o",) and sub in ("archive", "format-patch") and i + 1 < len(args):
            out.append(Access("write", _under(start, args[i + 1]), f"git {sub}"))
    after = args[at + 1 :]
    no_index = sub == "diff" and any(w.static and w.value == "--no-index" for w in args)
    whole = sub in SHOWS or (sub in LOGS and any(_content_option(w) for w in after))
    if not (whole or no_index or sub in NAMED):
        return out
    end = next((i for i, w in enumerate(after) if w.static and w.value == "--"), len(after))
    before = [w for w in after[:end] if not (w.static and w.value.startswith("-"))]
    # a word right after an option may be that option's value (``-S README.md``): it is
    # judged, but never taken to narrow what the diff shows
    valued = {
        id(w)
        for prev, w in itertools.pairwise(after[:end])
        if not prev.static
        or (prev.value.startswith("-") and "=" not in prev.value and not _flag(prev.value))
    }
    specs = after[end + 1 :]
    if (
        sub == "grep"
        and before
        and not any(w.static and w.value in ("-e", "-f", "--regexp", "--file") for w in after[:end])
    ):
        # the pattern: the first operand no option took (judged as a path all the same)
        pattern = next((w for w in before if id(w) not in valued), None)
        before = [w for w in before if w is not pattern]
    # git turns to --no-index by itself when a path is outside the work tree
    # (``git diff ~/.ssh/id_rsa /dev/null``): every operand may be a file it reads
    for w in [w for w in after if not (w.static and w.value.startswith("-"))]:
        out.append(Access("read", _under(start, w), f"git {sub}"))
    for w in specs:
        if w.static and w.value.startswith("-"):
            out.append(Access("read", _under(start, w), f"git {sub}"))
    if no_index:
        return out
    if not tree_known:
        out.append(Access("read", None, f"git {sub}"))
        return out
    positive = False
    blobs = False
    candidates: list[Word] = []
    for w in before:
        if not w.static:
            out.append(Access("read", None, f"git {sub}"))  # any revision, any pathspec
            positive = True
            continue
        found = _blob_paths(w.value)
        if found:
            blobs = blobs or id(w) not in valued
            for path in found:
                out.append(_repo_path(path, w, start, sub))
        if w.value.startswith(":") or _WILDCARDS & set(w.value):
            # pathspec magic or a wildcard: git takes it as a pathspec without ``--``
            accesses, narrows = _pathspec(w, start, sub, icase)
            out.extend(accesses)
            positive = positive or (narrows and id(w) not in valued)
        elif id(w) not in valued:
            candidates.append(_under(start, w))
    for w in specs:
        if not w.static:
            out.append(Access("read", None, f"git {sub}"))
            positive = True
            continue
        accesses, narrows = _pathspec(w, start, sub, icase)
        out.extend(accesses)
        positive = positive or narrows
    if sub == "cat-file" and not any(w.static and w.value in ("-t", "-s", "-e") for w in after):
        for w in before:
            if not _blob_paths(w.value) and w.value not in _OBJECT_TYPES:
                out.append(Access("read", None, "git cat-file"))  # any object, any file
    if whole and not positive and not blobs:
        out.append(
            Access("repo", Word(".", "."), f"git {sub}", start=start, unless=tuple(candidates))
        )
    return out


_OBJECT_TYPES = frozenset({"blob", "tree", "commit", "tag"})
#: Options of git's diff family that never take the next word as their value, in any of
#: the subcommands read here (``-n``, ``-C``, ``-B`` do in ``log`` or ``grep``: not listed).
_FLAGS = frozenset({
    "--cached", "--staged", "--stat", "--name-only", "--name-status", "--numstat",
    "--shortstat", "--summary", "--compact-summary", "--no-color", "--color", "-p", "-u",
    "--patch", "--no-patch", "-s", "-w", "-b", "--ignore-all-space", "--ignore-space-change",
    "--ignore-blank-lines", "--quiet", "--exit-code", "-R", "--minimal", "--patience",
    "--histogram", "--raw", "--check", "--binary", "--full-index", "--no-ext-diff",
    "--no-textconv", "--word-diff", "--no-renames", "-M", "-D", "--find-renames",
    "--find-copies", "-a", "--text", "--no-prefix", "-z", "--merge-base", "--ours",
    "--theirs", "--base", "-1", "-2", "-3", "--irreversible-delete", "--oneline", "--all",
    "--no-index", "--relative", "--no-relative", "-i", "--ignore-case",
    "--line-number", "-l", "--files-with-matches", "-c", "--count", "-q", "--follow",
    "--first-parent", "--reverse", "--no-merges", "--merges",
})  # fmt: skip
_ATTACHED = re.compile(r"^-(?:[UMCBl]\d+%?|\d+)$")


def _flag(value: str) -> bool:
    """Is this option one that takes no separate value (``--cached``, ``-U5``)?"""
    return value in _FLAGS or bool(_ATTACHED.match(value))


def _content_option(word: Word) -> bool:
    """Does this option make ``git log`` (and its kin) print or search file content?"""
    if not word.static:
        return True
    value = word.value
    if value.startswith("--"):
        return value.startswith(_LONG_CONTENT)
    return value.startswith("-") and any(c in "puSGLcm" for c in value[1:])


def _under(start: Word | None, word: Word) -> Word:
    """``word`` as seen from ``git -C start`` (an absolute path or ``~/x`` is where it is)."""
    if start is None or word.value.startswith("/") or word.tilde:
        return word
    joined = start.value.rstrip("/") + "/" + word.value
    return Word(
        joined,
        word.raw,
        static=start.static and word.static,
        glob=start.glob or word.glob,
        tilde=start.tilde,
    )


def _blob_paths(value: str) -> list[str]:
    """The work-tree paths ``REV:PATH`` may name (``HEAD:.env``, ``:0:.env``, ``:.env``,
    ``@{1:2}:x``): every text after a colon, over-approximated. Pathspec magic
    (``:(…)``, ``:!``, ``:^``) is no blob."""
    if ":" not in value or value.startswith((":(", ":!", ":^")):
        return []
    out: list[str] = []
    at = value.find(":")
    while at >= 0:
        path = value[at + 1 :]
        if len(path) >= 2 and path[0] in "0123" and path[1] == ":":
            path = path[2:]  # ``:N:path``, an index stage
        if path.startswith("/"):
            path = path[1:]  # ``:/text`` is also a commit search; as a path, from the top
        out.append(path or ".")
        at = value.find(":", at + 1)
    return out


def _repo_path(path: str, word: Word, start: Word | None, sub: str) -> Access:
    """A blob's path: from the top of the work tree, or from where git runs for ``./x``."""
    if path.startswith(("./", "../")) or path in (".", ".."):
        return Access("read", _under(start, Word(path, word.raw)), f"git {sub}")
    return Access("repo", Word(path, word.raw), f"git {sub}", start=start)


def _pathspec(word: Word, start: Word | None, sub: str, icase: bool) -> tuple[list[Access], bool]:
    """The reads of one pathspec and whether it narrows the diff (an exclusion does not)."""
    value = word.value
    magic: set[str] = set()
    rest = value
    if value.startswith(":("):
        close = value.find(")")
        if close < 0:
            return [Access("read", None, f"git {sub}")], True
        for item in value[2:close].split(","):
            name = item.strip()
            if name.startswith("prefix:"):
                continue
            if name.startswith("attr:"):
                continue  # only narrows what the rest selects
            if name not in _KNOWN_MAGIC:
                return [Access("read", None, f"git {sub}")], True
            magic.add(name)
        rest = value[close + 1 :]
    elif value.startswith(":"):
        i = 1
        while i < len(value) and value[i] in "/!^":
            magic.add({"/": "top", "!": "exclude", "^": "exclude"}[value[i]])
            i += 1
        if i < len(value) and value[i] == ":":
            i += 1
        rest = value[i:]
    if "exclude" in magic:
        return [], False
    path = rest or "."
    if "top" in magic:
        if "icase" in magic or icase:
            path = _either_case(path)
        return [Access("repo", Word(path, word.raw), f"git {sub}", start=start)], True
    accesses = [Access("read", _under(start, Word(path, word.raw)), f"git {sub}")]
    if "icase" in magic or icase:
        # ``:(icase).ENV`` is .env: every letter either way, matched against the tree
        path = _either_case(path)
        magic.discard("literal")
    if "literal" not in magic and _WILDCARDS & set(path):
        accesses.append(Access("gitspec", Word(path, word.raw), f"git {sub}", start=start))
    return accesses, True


def _either_case(path: str) -> str:
    """Every letter of a pathspec as a class of both cases (``:(icase)``); an escaped letter
    (``\\E``) is that letter, in either case."""
    out: list[str] = []
    i = 0
    while i < len(path):
        ch = path[i]
        if ch == "\\" and i + 1 < len(path) and path[i + 1].isalpha():
            ch = path[i + 1]
            i += 1
        out.append(f"[{ch.lower()}{ch.upper()}]" if ch.isalpha() else ch)
        i += 1
    return "".join(out)


def wildcard_regex(pattern: str) -> re.Pattern[str]:
    """A git wildcard pathspec as a regular expression matching *at least* what git's does:
    ``*`` spans ``/`` (git's default), ``**/`` may be no directory at all (``:(glob)``),
    case folded (``:(icase)``), ``[!x]``/``[^x]`` negate, a backslash escapes."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
        elif pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif ch == "*":
            out.append(".*")
            i += 1
        elif ch == "?":
            out.append(".")
            i += 1
        elif ch == "[":
            close = pattern.find("]", i + 2 if pattern[i + 1 : i + 2] in ("!", "^") else i + 1)
            if close < 0:
                out.append(re.escape(ch))
                i += 1
                continue
            body = pattern[i + 1 : close]
            negate = body[:1] in ("!", "^")
            body = body[1:] if negate else body
            body = body.replace("\\", "\\\\").replace("[", "\\[")
            out.append(f"[{'^' if negate else ''}{body}]")
            i = close + 1
        else:
            out.append(re.escape(ch))
            i += 1
    try:
        return re.compile("".join(out), re.IGNORECASE | re.DOTALL)
    except re.error:
        return re.compile(".*", re.DOTALL)  # a class git reads otherwise: everything
