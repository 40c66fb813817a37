"""What git runs from a work tree beyond its hooks' own files (round 9, issue 13), for
:class:`overseer.control.protected.GitView`:

- a config value that names a command through an expansion (``core.fsmonitor =
  $PWD/tools/f.sh``: git runs it through the shell from the work tree's top). ``$PWD``,
  ``$GIT_DIR``, ``$HOME`` are known there; any other expansion or substitution is not
  modelled, and what the command runs is then the whole work tree
  (:func:`expand_value`);
- the config files a hook manager's shim hands its manager (:func:`shim_configs`):
  pre-commit's generated hook runs ``pre-commit hook-impl --config=<file>``, lefthook's runs
  ``lefthook run <hook>``, which reads ``lefthook.yml`` and its kin from the work tree's
  top; either file names the commands the next ``git commit`` runs;
- husky's runner (:func:`husky_sources`): husky 9 sets ``core.hooksPath=.husky/_``, whose
  stubs source ``.husky/_/h``, which runs ``.husky/<hook name>`` one level above the hooks
  dir; husky 4 and 8 do the same from ``.husky/_/husky.sh`` or ``.git/hooks``.

A hook file is recognised by its text, conservatively: only a short file that names a
known manager. One that is not a known shim and reads files the guard cannot model is
guarded itself, as every hook is. Lean: hooks are read only when a path inside the work
tree is judged, once per call (the caller caches), each at most :data:`MAX_HOOK` bytes; a
larger hook is not modelled, and every config file the managers would read is guarded.
"""

from __future__ import annotations

import re

#: The most of a hook file read to recognise a shim (a larger one is not modelled).
MAX_HOOK = 64 * 1024
#: The most hook files one hooks dir is read for.
MAX_HOOKS = 64

#: Variables git sets (or replaces) for the commands its config names, and the shell's
#: positional and special parameters: what they hold is no program of the work tree.
#: ``ARG``: ``trailer.<t>.command``'s value; ``LOCAL``, ``REMOTE``, ``MERGED``, ``BASE``:
#: a merge or diff tool's temporary files; ``FILENAME``... : ``guitool.<n>.cmd``'s.
_DATA_VARIABLES = frozenset({
    "ARG", "LOCAL", "REMOTE", "MERGED", "BASE", "FILENAME", "CUR_BRANCH", "GIT_GUITOOL",
    "ARGS", "REVISION", "GIT_PREFIX", "HOME", "PWD", "GIT_DIR",
})  # fmt: skip
_VARIABLE = re.compile(
    r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*|[0-9@*#?$!-])\}|([A-Za-z_][A-Za-z0-9_]*|[0-9@*#?$!-]))"
)


def expand_value(command: str, top: str, git_dir: str, home: str | None) -> tuple[str, bool]:
    """``command`` (a config value git runs through the shell from ``top``) with ``$PWD``,
    ``$GIT_DIR`` and ``$HOME`` put in, and whether it has an expansion or substitution that
    is not modelled (a variable git does not set, ``$(…)``, backquotes, ``${x:-y}``...):
    then what it runs is not known, and is the whole work tree."""
    known = {"PWD": top, "GIT_DIR": git_dir}
    if home:
        known["HOME"] = home
    out: list[str] = []
    unknown = False
    quote = ""
    k = 0
    while k < len(command):
        c = command[k]
        if quote == "'":
            quote = "" if c == "'" else quote
            out.append(c)
            k += 1
            continue
        if c == "\\" and k + 1 < len(command):
            out.append(command[k : k + 2])
            k += 2
            continue
        if c == "`":
            unknown = True
        elif c == "$":
            match = _VARIABLE.match(command, k)
            if match is None:
                nxt = command[k + 1 : k + 2]
                if nxt and not nxt.isspace() and nxt not in "\"'":
                    unknown = True  # $( ... ), $((...)), ${x:-y}, $'...'
            else:
                name = match.group(1) or match.group(2) or ""
                if name in known:
                    out.append(known[name])
                    k = match.end()
                    continue
                if name not in _DATA_VARIABLES and not (len(name) == 1 and not name.isalpha()):
                    unknown = True
        elif c in "'\"" and not quote:
            quote = c
        elif c == quote:
            quote = ""
        out.append(c)
        k += 1
    return "".join(out), unknown
