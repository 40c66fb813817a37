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
- husky's runners (also :func:`manager_reach`): husky 9 sets ``core.hooksPath=.husky/_``,
  whose stubs source ``.husky/_/h``, which runs ``.husky/<hook name>`` one level above the
  hooks dir; husky 4's ``.git/hooks/*`` source ``husky.sh``, which runs the hooks named in
  ``package.json`` (or a ``.huskyrc``); husky 8's hooks are ``.husky/*`` themselves
  (``core.hooksPath=.husky``, guarded as a hooks dir already).

A hook file is recognised by its text, conservatively: only a short file that names a
known manager. One that is not a known shim and reads files the guard cannot model is
guarded itself, as every hook is. Lean: hooks are read only when a path inside the work
tree is judged, once per call (the caller caches), each at most :data:`MAX_HOOK` bytes; a
larger hook is not modelled, and every config file the managers would read is guarded.
"""

from __future__ import annotations

import os
import re

#: The most of a hook file read to recognise a shim (a larger one is not modelled).
MAX_HOOK = 64 * 1024

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
    is not modelled where it may name a program (a variable git does not set, ``$(…)``,
    backquotes, ``${x:-y}``... as a command word, before a ``/``, or a shell's or
    interpreter's operand): then what it runs is not known, and is the whole work tree. An
    expansion elsewhere (``echo "password=$(cat ~/.tok)"``, ``$1``) is data."""
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
            end = command.find("`", k + 1)
            unknown = unknown or _names_program(command, k, len(command) if end < 0 else end + 1)
        elif c == "$":
            match = _VARIABLE.match(command, k)
            if match is None:
                nxt = command[k + 1 : k + 2]
                if nxt == "(" and command[k + 2 : k + 3] != "(":
                    end = _closing(command, k + 1, "(", ")")
                    unknown = unknown or _names_program(command, k, end)
                elif nxt == "{":  # ${x:-y}, ${x#*/}...
                    end = _closing(command, k + 1, "{", "}")
                    unknown = unknown or _names_program(command, k, end)
            else:
                name = match.group(1) or match.group(2) or ""
                if name in known:
                    out.append(known[name])
                    k = match.end()
                    continue
                if name not in _DATA_VARIABLES and not (len(name) == 1 and not name.isalpha()):
                    unknown = unknown or _names_program(command, k, match.end())
        elif c in "'\"" and not quote:
            quote = c
        elif c == quote:
            quote = ""
        out.append(c)
        k += 1
    return "".join(out), unknown


#: Programs whose operand is what they run: an expansion there names a program.
_RUNNERS = frozenset({
    "sh", "bash", "dash", "zsh", "ksh", "source", ".", "eval", "exec", "env", "command",
    "xargs", "python", "python3", "node", "perl", "ruby", "php", "nohup", "time", "nice",
})  # fmt: skip


def _closing(command: str, start: int, opening: str, closing: str) -> int:
    """The index after the ``closing`` that matches the ``opening`` at ``start``."""
    depth = 0
    for k in range(start, len(command)):
        if command[k] == opening:
            depth += 1
        elif command[k] == closing:
            depth -= 1
            if depth == 0:
                return k + 1
    return len(command)


def _names_program(command: str, start: int, end: int) -> bool:
    """May the expansion ``command[start:end]`` name a program: it is followed by a ``/``
    (``$(git rev-parse --show-toplevel)/x.sh``), starts a command word, or is the operand
    of a shell or an interpreter (``sh $X``)."""
    if command[end : end + 1] == "/":
        return True
    before = command[:start]
    if before.endswith('"'):
        before = before[:-1]
    if before and not before[-1].isspace() and before[-1] not in ";|&(){}!":
        return False  # inside a word: x=$1, --opt=$(...), password=$(...)
    before = before.rstrip()
    if not before or before[-1] in ";|&(){}!" or before.endswith(("then", "do", "else")):
        return True
    last = before.split()[-1].strip("\"'")
    return last.rsplit("/", 1)[-1] in _RUNNERS


# ------------------------------------------------------------------ hook managers' shims

#: The names git runs hooks by (githooks(5)): only these are read in a hooks dir.
HOOK_NAMES = frozenset({
    "applypatch-msg", "pre-applypatch", "post-applypatch", "pre-commit", "pre-merge-commit",
    "prepare-commit-msg", "commit-msg", "post-commit", "pre-rebase", "post-checkout",
    "post-merge", "pre-push", "pre-receive", "update", "proc-receive", "post-receive",
    "post-update", "reference-transaction", "push-to-checkout", "pre-auto-gc", "post-rewrite",
    "sendemail-validate", "fsmonitor-watchman", "p4-changelist", "p4-prepare-changelist",
    "p4-post-changelist", "p4-pre-submit", "post-index-change",
})  # fmt: skip
#: The config pre-commit reads when its shim names none.
PRE_COMMIT_CONFIG = ".pre-commit-config.yaml"
#: What lefthook reads from the work tree's top (its config and local override, any
#: spelling it accepts) and the script dirs its ``scripts:`` run from.
LEFTHOOK_FILES = (
    *(
        f"{dot}{name}{ext}"
        for dot in ("", ".")
        for name in ("lefthook", "lefthook-local")
        for ext in (".yml", ".yaml", ".toml", ".json")
    ),
    ".config/lefthook.yml",
    ".config/lefthook.yaml",
)
LEFTHOOK_DIRS = (".lefthook", ".lefthook-local")
#: husky 4: its runner reads the hooks from package.json's "husky" key or a huskyrc.
HUSKY4_FILES = (
    "package.json", ".huskyrc", ".huskyrc.json", ".huskyrc.js", ".huskyrc.yaml",
    ".huskyrc.yml", ".huskyrc.cjs", "husky.config.js", "husky.config.cjs",
)  # fmt: skip
HUSKY4_DIRS = ("node_modules/husky",)

#: ``. "$(dirname "$0")/h"``, ``. "$(dirname -- "$0")/_/husky.sh"``, ``. "${0%/*}/h"``:
#: a file sourced from beside the hook.
_SOURCED = re.compile(
    r"""^\s*(?:\.|source)\s+["']?(?:\$\(dirname\s+(?:--\s+)?["']?\$0["']?\)|\$\{0%/\*\})"""
    r"""["']?/([\w./-]+?)["']?\s*$""",
    re.M,
)
#: husky 9's ``h``: ``s=$(dirname "$(dirname "$0")")/$n``: the hook of that name one
#: directory above the hooks dir.
_GRANDPARENT = re.compile(r"""dirname\s+(?:--\s+)?["']?\$\(dirname\s+(?:--\s+)?["']?\$0""")
_CONFIG_OPTION = re.compile(r"""--config(?:=|\s+)["']?([^"'\s)]+)""")


def _read(path: str) -> str | None:
    """Up to :data:`MAX_HOOK` bytes of ``path``; None: larger (not modelled); ``""``: none."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_HOOK + 1)
    except (OSError, ValueError):
        return ""
    if len(data) > MAX_HOOK:
        return None
    return data.decode("utf-8", "replace")


def manager_reach(hooks_dirs: list[str], top: str) -> tuple[list[str], list[str]]:
    """The files and directories of the work tree ``top`` that the hooks in ``hooks_dirs``
    hand to a hook manager (:mod:`module docs <overseer.control.git_reach>`): ``(files,
    dirs)``. A hook too large to read (or a sourced file) is not modelled: every file the
    known managers read is in the answer."""
    files: list[str] = []
    dirs: list[str] = []
    texts: dict[str, str | None] = {}

    def read(path: str) -> str | None:
        if path not in texts:
            texts[path] = _read(path)
        return texts[path]

    def every() -> None:
        files.extend([PRE_COMMIT_CONFIG, *LEFTHOOK_FILES, *HUSKY4_FILES])
        dirs.extend([*LEFTHOOK_DIRS, *HUSKY4_DIRS])

    for hooks in dict.fromkeys(hooks_dirs):
        try:
            with os.scandir(hooks) as listing:
                names = sorted(e.name for e in listing if e.name in HOOK_NAMES)
        except (OSError, ValueError):
            continue
        for name in names:
            text = read(os.path.join(hooks, name))
            if text is None:
                every()
                files.append(os.path.join(os.path.dirname(hooks), name))
                continue
            sourced = ""
            for match in _SOURCED.finditer(text):
                more = read(os.path.normpath(os.path.join(hooks, match.group(1))))
                if more is None:
                    every()
                    more = ""
                sourced += "\n" + more
            both = text + sourced
            if _GRANDPARENT.search(both):  # husky 9: .husky/_/pre-commit runs .husky/pre-commit
                files.append(os.path.join(os.path.dirname(hooks), name))
            if "hook-impl" in both or "generated by pre-commit" in both:
                named = _CONFIG_OPTION.findall(both)
                files.extend(named or [PRE_COMMIT_CONFIG])
            if "lefthook" in both:
                files.extend(LEFTHOOK_FILES)
                dirs.extend(LEFTHOOK_DIRS)
            if "husky-run" in both or "Created by Husky v4" in both:
                files.extend(HUSKY4_FILES)
                dirs.extend(HUSKY4_DIRS)
    return (
        list(dict.fromkeys(os.path.normpath(os.path.join(top, f)) for f in files)),
        list(dict.fromkeys(os.path.normpath(os.path.join(top, d)) for d in dirs)),
    )


#: ``entry: ./x.sh`` (pre-commit), ``run: curl …`` (lefthook: YAML, TOML or JSON), at a
#: line's start or in a flow mapping.
_COMMAND_KEY = re.compile(r"""(?:^|[\s{,'"-])["']?(entry|run)["']?\s*[:=]\s*""")


def _scalar(value: str, flow: bool) -> str:
    value = value.strip()
    if flow:  # {run: curl x, tags: y}: the value ends at the first ',' or '}'
        cut = [i for i in (value.find(","), value.find("}")) if i >= 0]
        value = value[: min(cut)] if cut else value
    value = value.rstrip(",").strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        value = value[1:-1].replace('\\"', '"')
    return value


def config_commands(paths: list[str]) -> tuple[list[str], bool]:
    """The commands the hook manager configs ``paths`` name (pre-commit's ``entry``,
    lefthook's ``run``, husky 4's ``"hooks"`` in ``package.json`` or a ``.huskyrc``), read
    by hand; and whether one could not be read whole (larger than :data:`MAX_HOOK`)."""
    commands: list[str] = []
    partial = False
    for path in paths:
        text = _read(path)
        if text is None:
            partial = True
            continue
        base = os.path.basename(path)
        if base == "package.json" or base.startswith(".huskyrc"):
            commands += _husky4_commands(text, base == "package.json")
            continue
        lines = text.splitlines()
        for k, line in enumerate(lines):
            for match in _COMMAND_KEY.finditer(line):
                value = line[match.end() :]
                if value.strip() in ("|", ">", "|-", ">-", "|+", ">+", ""):
                    indent = len(line) - len(line.lstrip())
                    for more in lines[k + 1 :]:
                        if more.strip() and len(more) - len(more.lstrip()) <= indent:
                            break
                        if more.strip():
                            commands.append(more.strip())
                    continue
                commands.append(_scalar(value, "{" in line[: match.start() + 1]))
    return [c for c in commands if c], partial


def _husky4_commands(text: str, manifest: bool) -> list[str]:
    import json

    try:
        data = json.loads(text)
    except ValueError:
        return [text] if not manifest else []  # a .huskyrc.js: its words
    if manifest:
        data = data.get("husky") if isinstance(data, dict) else None
    hooks = data.get("hooks") if isinstance(data, dict) else None
    if not isinstance(hooks, dict):
        return []
    return [v for v in hooks.values() if isinstance(v, str)]
