"""Scope rules in the Claude Code permission-rule style: parse once, match many times.

Forms (see DESIGN.md, *Scope syntax*):

* ``Tool`` — every call to that tool; ``mcp__server__*`` and ``mcp__server`` — every tool of
  one MCP server; ``*`` in a bare name is a glob over tool names.
* ``Bash(git push:*)`` — prefix at a word boundary; ``Bash(npm run *)`` — glob where ``*``
  spans anything; ``Bash(git status)`` — exact. Compound commands are split first
  (:mod:`overseer.policy.shell`).
* ``Read(./secrets/**)``, ``Edit(src/**)``, ``Read(~/.ssh/**)``, ``Read(//etc/**)`` — gitignore
  patterns relative to the session's cwd, the home directory, or the filesystem root.
* ``WebFetch(domain:*.example.com)`` — host globs.
* Any other ``Tool(spec)`` — a glob over the call's primary argument.

Plain classes with ``__slots__`` rather than dataclasses: the gate hook imports this module
before every tool call, and ``dataclasses`` alone costs ~9 ms of start-up.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections.abc import Mapping, Sequence
from typing import Any

from overseer.policy.shell import Analysis, analyse, patch_paths

#: Tools whose specifier is a shell command, and the input keys holding the command.
SHELL_TOOLS = frozenset({"Bash", "exec_command", "shell", "local_shell", "container.exec"})
#: Tools whose specifier is a path pattern.
PATH_TOOLS = frozenset(
    {"Read", "Edit", "Write", "MultiEdit", "NotebookEdit", "NotebookRead", "Glob", "Grep", "LS"}
)
#: Rules for any of these apply to all of them, as Claude Code does: an ``Edit`` deny holds
#: for ``Write``, ``MultiEdit`` and ``NotebookEdit`` (and a shell command's writes), a
#: ``Read`` deny for ``Grep`` and ``Glob`` (and a shell command's reads). An *allow* rule
#: covers its own tool and, written for the family's head, the whole family.
READ_FAMILY = frozenset({"Read", "NotebookRead", "Grep", "Glob", "LS", "read_file"})
EDIT_FAMILY = frozenset({"Edit", "Write", "MultiEdit", "NotebookEdit", "apply_patch", "write_file"})
#: Tools whose specifier is ``domain:HOST-GLOB`` (or a glob over the URL).
URL_TOOLS = frozenset({"WebFetch"})
#: Native tool names of other agents, judged by the rules written for their Claude Code twin.
TOOL_ALIASES: Mapping[str, str] = {
    "exec_command": "Bash",
    "shell": "Bash",
    "local_shell": "Bash",
    "container.exec": "Bash",
    "apply_patch": "Edit",
    "read_file": "Read",
    "write_file": "Write",
    "web_fetch": "WebFetch",
}
_COMMAND_KEYS = ("command", "cmd")
_PATH_KEYS = ("file_path", "path", "notebook_path")
_PRIMARY_KEYS = ("command", "cmd", "file_path", "path", "url", "query", "pattern", "prompt")
_TOOL_NAME = re.compile(r"^[A-Za-z_*][A-Za-z0-9_.*-]*$")


class RuleSyntaxError(ValueError):
    """A rule string that cannot be parsed; the message says what is wrong with it."""


class CallContext:
    """What a rule may look at besides the tool input: where the session runs.

    ``cwd`` is where the call runs now (relative paths resolve against it); ``root`` is
    where the session started: ``./`` rules are anchored there, so a ``cd`` can neither
    move an allow rule over other files nor slip a file out from under a deny rule (deny
    and ask rules match against both). ``resolve`` and ``expand`` are the file system's
    answers, given by the I/O layer (the hook, ``scope explain``): every real path a path
    may reach (symlinks; None: not known), the names a glob may expand to (None: not
    known), and what lies below a directory (``walk``); ``git_dir`` the git directory
    git's discovery finds from a directory. The pure engine passes none of them and judges
    paths lexically.
    """

    __slots__ = (
        "cdpath", "cwd", "expand", "git_dir", "home", "pg_store", "protected",
        "protected_files", "resolve", "root", "walk",
    )  # fmt: skip

    def __init__(
        self,
        cwd: str | None = None,
        home: str | None = None,
        root: str | None = None,
        resolve: Any = None,
        expand: Any = None,
        walk: Any = None,
        protected: tuple[str, ...] = (),
        protected_files: tuple[str, ...] = (),
        pg_store: bool = False,
        cdpath: str | None = None,
        git_dir: Any = None,
    ) -> None:
        #: ``git_dir(directory)``: the git directory git run there would use (None: none),
        #: for the guard (a bare repository the agent wrote has a config nothing guards)
        self.git_dir = git_dir
        #: ``$CDPATH`` of the environment the command runs in (the agent's: the hook's own),
        #: given by the I/O layer: a relative ``cd NAME`` may land in any of its entries
        self.cdpath = cdpath or None
        #: overseer's store is a PostgreSQL database: a PostgreSQL client may reach it by URL
        #: or PG* variables, which no path check sees
        self.pg_store = pg_store
        #: overseer's own files where this runs (config, store, installation, hook settings):
        #: the built-in guard (:mod:`overseer.policy.guard`) never lets a rule allow a call
        #: that changes them
        self.protected = tuple(posixpath.normpath(p) for p in (*protected, *protected_files) if p)
        #: the config and store files among them: a command that merely *mentions* one
        #: (``python -c "sqlite3.connect('/…/overseer.db')"``) is treated as touching it
        self.protected_files = tuple(posixpath.normpath(p) for p in protected_files if p)
        #: ``walk(dir, hidden)``: every path below a directory (``[]`` for a file, None when
        #: too many), for a read that may descend into it (``grep -r``, ``git diff .``)
        self.walk = walk
        self.cwd = posixpath.normpath(cwd) if cwd else None
        self.home = posixpath.normpath(home) if home else None
        self.root = posixpath.normpath(root) if root else self.cwd
        self.resolve = resolve
        self.expand = expand


def canonical_tool(tool: str) -> str:
    """Return the rule family a native tool name is judged under (``exec_command`` → ``Bash``)."""
    return TOOL_ALIASES.get(tool, tool)


def command_of(tool_input: Mapping[str, Any]) -> str | None:
    """The shell command of a Bash-like call (a list of argv words is joined with spaces)."""
    for key in _COMMAND_KEYS:
        value = tool_input.get(key)
        if isinstance(value, str):
            return value
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            words = [str(v) for v in value]
            # Codex sends ["bash", "-lc", "<script>"]: the script is what runs.
            if len(words) == 3 and words[0].endswith("sh") and words[1] in ("-c", "-lc"):
                return words[2]
            import shlex  # quoted so the analyser reads back the same words

            return shlex.join(words)
    return None


def path_of(tool_input: Mapping[str, Any]) -> str | None:
    """The file path a file tool acts on, if it names one."""
    for key in _PATH_KEYS:
        value = tool_input.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def patched_files(tool: str, tool_input: Mapping[str, Any]) -> list[str]:
    """For an Edit-family call that carries a patch (Codex ``apply_patch``, whichever key
    holds the text), every file the patch touches; else ``[]``."""
    if canonical_tool(tool) != "Edit":
        return []  # (a patch beside a path key is still a patch: Codex ignores the key)
    found: list[str] = []
    for value in tool_input.values():
        if isinstance(value, str) and "***" in value:
            found.extend(patch_paths(value))
    return found


def resolve_path(path: str, ctx: CallContext, base: str | None = None) -> str:
    """Make ``path`` absolute against ``base`` (the session's cwd) and remove ``..``."""
    if path.startswith("~/") or path == "~":
        home = ctx.home or "/nonexistent-home"
        path = home + path[1:]
    elif not path.startswith("/"):
        path = posixpath.join(base or ctx.cwd or "/nonexistent-cwd", path)
    path = posixpath.normpath(path)
    return "/" + path.lstrip("/")  # POSIX keeps a leading '//'; the kernel does not


_PROC_SELF = re.compile(r"^/proc/(?:self|thread-self|\d+(?:/task/\d+)?)/(root|cwd)(?=/|$)")


def path_variants(path: str, ctx: CallContext, base: str | None = None) -> list[str] | None:
    """Every path ``path`` may reach: as written (absolute, ``..`` removed), through
    ``/proc/self/root`` and ``/proc/self/cwd`` (the reader's root and directory), and every
    real path the file system reports (``ctx.resolve``: symlinks). None when it cannot be
    told (``/proc/PID/cwd`` of another process)."""
    first = resolve_path(path, ctx, base)
    found = [first]
    todo = [first]
    if ctx.resolve is not None:
        # ``lnk/../x`` is ``x`` next to where lnk *points* to the kernel: resolve the path as
        # written, before ``..`` is removed on paper
        raw = path
        if raw.startswith("~/") or raw == "~":
            raw = (ctx.home or "/nonexistent-home") + raw[1:]
        elif not raw.startswith("/"):
            raw = posixpath.join(base or ctx.cwd or "/nonexistent-cwd", raw)
        reals = ctx.resolve(raw)
        if reals is None:
            return None  # the file system would not say where it leads (not known)
        for real in reals:
            real = posixpath.normpath(real)
            if real not in found:
                found.append(real)
                todo.append(real)
    while todo:
        current = todo.pop()
        match = _PROC_SELF.match(current)
        if match is not None:
            rest = current[match.end() :]
            if match.group(1) == "root":
                target = posixpath.normpath("/" + rest.lstrip("/"))
            elif current.startswith(("/proc/self/", "/proc/thread-self/")):
                target = resolve_path(rest.lstrip("/") or ".", ctx, base)
            else:
                return None  # another process's directory
            if target not in found:
                found.append(target)
                todo.append(target)
        if ctx.resolve is not None:
            reals = ctx.resolve(current)
            if reals is None:
                return None
            for real in reals:
                real = posixpath.normpath(real)
                if real not in found:
                    found.append(real)
                    todo.append(real)
        if len(found) > 16:
            return None
    return found


class Rule:
    """One parsed rule. ``text`` is kept verbatim so verdicts can name the rule that decided."""

    __slots__ = ("_compiled", "_name_glob", "kind", "spec", "text", "tool")

    def __init__(self, text: str) -> None:
        self.text = text
        raw = text.strip()
        if not raw:
            raise RuleSyntaxError("empty rule")
        spec: str | None = None
        if "(" in raw or ")" in raw:
            open_at = raw.find("(")
            if open_at <= 0 or not raw.endswith(")") or raw.count("(") < 1:
                raise RuleSyntaxError(f"expected Tool or Tool(specifier), got {text!r}")
            tool, spec = raw[:open_at], raw[open_at + 1 : -1]
            if spec.strip() == "":
                raise RuleSyntaxError(f"empty specifier in {text!r}; write {tool!r} for every call")
        else:
            tool = raw
        if not _TOOL_NAME.match(tool):
            raise RuleSyntaxError(f"invalid tool name {tool!r} in {text!r}")
        self.tool = tool
        self.spec = spec
        self._name_glob = "*" in tool
        self._compiled: Any = None
        if spec is None or spec == "*":
            self.kind = "tool"
        elif tool in SHELL_TOOLS and spec.startswith("exact:"):
            self.kind = "exact"
            self._compiled = _compile_exact(spec[len("exact:") :], text)
        elif tool in SHELL_TOOLS:
            self.kind = "shell"
            self._compiled = _compile_shell(spec, text)
        elif tool in PATH_TOOLS:
            self.kind = "path"
            self._compiled = _compile_path(spec, text)
        elif tool in URL_TOOLS:
            self.kind = "url"
            self._compiled = _compile_url(spec, text)
        else:
            self.kind = "glob"
            self._compiled = spec

    def __repr__(self) -> str:
        return f"Rule({self.text!r})"

    def matches_tool(self, tool: str) -> bool:
        """Does this rule's tool name cover ``tool`` (native name or its alias)?"""
        names = (tool, canonical_tool(tool))
        if self._name_glob:
            return any(fnmatch.fnmatchcase(n, self.tool) for n in names)
        if self.tool in names:
            return True
        # ``mcp__server`` names every tool of that server.
        return (
            self.tool.startswith("mcp__")
            and self.tool.count("__") == 1
            and (tool.startswith(self.tool + "__"))
        )

    def matches_command(self, command: str) -> bool:
        """Shell rules only: does this rule match one simple command?"""
        return self.kind == "shell" and bool(self._compiled(command))

    def matches_path(self, abs_path: str, ctx: CallContext, strict: bool) -> bool:
        """Path rules only: does this rule cover ``abs_path``? (``strict``: as a deny or ask
        rule, see :class:`CallContext`.)"""
        return self.kind == "path" and bool(self._compiled(abs_path, ctx, strict))

    def matches_exact(
        self, argv: Sequence[str], env: Sequence[tuple[str, str]], cwd: str | None
    ) -> bool:
        """Session grants for shell commands: the same argv word by word, the same
        environment prefixes (name and value, in order), in the directory it was approved
        in. Words are never compared joined: ``git push origin 'main --force'`` is another
        argv than ``git push origin main --force``."""
        if self.kind != "exact":
            return False
        want_cwd, want_argv, want_env = self._compiled
        return (
            want_argv is not None
            and want_cwd is not None
            and want_cwd == cwd
            and tuple(argv) == want_argv
            and tuple(tuple(e) for e in env) == want_env
        )

    def covers_family(self, tool: str, strict: bool) -> bool:
        """Does this rule's tool name reach ``tool`` through its family (see READ_FAMILY)?
        A deny or ask rule (``strict``) written for any member reaches every member; an
        allow rule reaches its own tool, or the family when written for its head."""
        if self.matches_tool(tool):
            return True
        tool = canonical_tool(tool)
        for family, head in ((READ_FAMILY, "Read"), (EDIT_FAMILY, "Edit")):
            if tool in family and (self.tool in family if strict else self.tool == head):
                return True
        return False

    def matches(
        self, tool: str, tool_input: Mapping[str, Any], ctx: CallContext, strict: bool = False
    ) -> bool:
        """Does this rule cover the whole call? (Shell rules: every simple command.)
        ``strict``: judged as a deny or ask rule, which reaches further (see
        :class:`CallContext`, :meth:`covers_family`)."""
        if not (
            self.covers_family(tool, strict)
            if self.kind in ("path", "tool") and tool not in SHELL_TOOLS
            else self.matches_tool(tool)
        ):
            return False
        if self.kind == "tool":
            return True
        if self.kind == "shell":
            # Every simple command of the call must match (quotes removed, whitespace
            # normalised); an unparseable command never matches a specific shell rule.
            parts = split_shell(tool_input)
            return bool(parts) and all(self.matches_command(p) for p in parts or ())
        if self.kind == "path":
            path = path_of(tool_input)
            return path is not None and bool(self._compiled(resolve_path(path, ctx), ctx, strict))
        if self.kind == "exact":
            return False  # session grants for shell commands: see matches_exact
        if self.kind == "url":
            url = tool_input.get("url")
            if not isinstance(url, str):
                return False
            return bool(self._compiled.for_deny(url) if strict else self._compiled.for_allow(url))
        primary = next((v for k in _PRIMARY_KEYS if isinstance(v := tool_input.get(k), str)), None)
        return primary is not None and fnmatch.fnmatchcase(primary, self._compiled)


def _compile_shell(spec: str, text: str) -> Any:
    """``prefix:*`` → word-boundary prefix; a ``*`` elsewhere → glob; else exact match."""
    for operator in ("|", "&", ";", "\n", "$(", "`"):
        if operator in spec:
            # Calls are split into simple commands before matching: such a rule never fires.
            raise RuleSyntaxError(
                f"{operator!r} in {text!r}: compound commands are split into simple commands "
                "before matching, so this rule could never match; write one rule per command"
            )
    if spec.endswith(":*"):
        prefix = " ".join(spec[:-2].split())
        if not prefix:
            raise RuleSyntaxError(f"empty command prefix in {text!r}")
        if "*" in prefix or ":*" in prefix:
            raise RuleSyntaxError(f"':*' must end the pattern and appear once in {text!r}")
        return lambda cmd: cmd == prefix or cmd.startswith(prefix + " ")
    if ":*" in spec:
        raise RuleSyntaxError(f"':*' must end the pattern in {text!r}")
    pattern = " ".join(spec.split())
    if "*" not in pattern:
        return lambda cmd: cmd == pattern
    # Glob: '*' spans anything. 'ls *' must not match 'lsof' but does match bare 'ls'
    # (a trailing ' *' means "with or without arguments", as in Claude Code).
    if pattern.endswith(" *"):
        regex = _glob_regex(pattern[:-2]) + "(?: .*)?"
    else:
        regex = _glob_regex(pattern)
    compiled = re.compile(regex, re.DOTALL)
    return lambda cmd: compiled.fullmatch(cmd) is not None


def grant_key(cmd: Any) -> tuple[list[str], list[tuple[str, str]]]:
    """What an exact grant compares of a simple command (a ``shell.Command``): its argv,
    word by word, and its environment prefixes (name, value), in order."""
    return [w.value for w in cmd.words], [(name, value.value) for name, value in cmd.assignments]


def exact_grant(argv: Sequence[str], env: Sequence[tuple[str, str]], cwd: str) -> str:
    """The spec of a session grant covering exactly one simple command in one directory:
    its argv and environment prefixes as lists, so no two commands share one."""
    import json

    spec: dict[str, Any] = {"argv": list(argv), "cwd": cwd}
    if env:
        spec["env"] = [[name, value] for name, value in env]
    return "exact:" + json.dumps(spec, sort_keys=True)


def _compile_exact(
    spec: str, text: str
) -> tuple[str | None, tuple[str, ...] | None, tuple[tuple[str, str], ...]]:
    """(cwd, argv, env) of an exact grant. A grant of the first form (``{"command": TEXT}``,
    words joined by spaces) names no argv and matches nothing: that text is the same for
    ``a 'b c'`` and ``a b c``."""
    import json

    try:
        value = json.loads(spec)
    except ValueError:
        raise RuleSyntaxError(f"bad exact grant {text!r}") from None
    if not isinstance(value, dict):
        raise RuleSyntaxError(f"bad exact grant {text!r}")
    cwd = value.get("cwd")
    cwd = cwd if isinstance(cwd, str) else None
    argv, env = value.get("argv"), value.get("env", [])
    if argv is None and isinstance(value.get("command"), str):
        return cwd, None, ()
    if (
        not isinstance(argv, list)
        or not argv
        or not all(isinstance(w, str) for w in argv)
        or not isinstance(env, list)
        or not all(
            isinstance(e, list) and len(e) == 2 and all(isinstance(x, str) for x in e) for e in env
        )
    ):
        raise RuleSyntaxError(f"bad exact grant {text!r}")
    return cwd, tuple(argv), tuple((e[0], e[1]) for e in env)


def _glob_regex(glob: str) -> str:
    return ".*".join(re.escape(part) for part in glob.split("*"))


def _compile_path(spec: str, text: str) -> Any:
    """Gitignore-style pattern anchored at cwd, home (``~/``) or the root (``//``)."""
    # Like gitignore: a pattern with no inner '/' (``.env``, ``*.pem``) matches at any depth
    # below its base; ``./x`` and ``/x`` are pinned to the base itself.
    if spec.startswith("//"):
        anchor, pattern = "root", "/" + spec[2:]
    elif spec.startswith("~/"):
        anchor, pattern = "home", "/" + spec[2:]
    elif spec.startswith("./"):
        anchor, pattern = "cwd", "/" + spec[2:]
    else:
        anchor, pattern = "cwd", spec
    if pattern in ("", "/"):
        raise RuleSyntaxError(f"empty path pattern in {text!r}")
    if "\x00" in pattern:
        raise RuleSyntaxError(f"NUL byte in path pattern {text!r}")
    matcher = _GitPattern(pattern)

    def match(abs_path: str, ctx: CallContext, strict: bool = False) -> bool:
        # ``./`` is where the session started; a deny or ask rule (``strict``) also holds
        # relative to where it is now, an allow rule only where it started.
        if anchor == "root":
            bases: tuple[str | None, ...] = ("/",)
        elif anchor == "home":
            bases = (ctx.home,)
        else:
            bases = (ctx.root, ctx.cwd) if strict else (ctx.root,)
        for base in bases:
            if base is None:
                continue
            if base == "/":
                rel = abs_path.lstrip("/")
            else:
                rel = posixpath.relpath(abs_path, base)
                if rel == ".." or rel.startswith("../"):
                    continue
            if rel != "." and matcher.match(rel):
                return True
        return False

    return match


class _GitPattern:
    """One gitignore pattern; ``pathspec`` is imported only when a path rule is first used."""

    __slots__ = ("_spec", "pattern")

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self._spec: Any = None

    def match(self, rel: str) -> bool:
        if self._spec is None:
            import pathspec  # deferred: ~30 ms of imports the hook should not pay up front

            self._spec = pathspec.PathSpec.from_lines("gitignore", [self.pattern])
        return bool(self._spec.match_file(rel))


def _compile_url(spec: str, text: str) -> Any:
    """WebFetch rules read a URL as Node's fetch does (WHATWG, :mod:`overseer.policy.urls`):
    a deny or ask rule fires on every host any reading reaches; an allow rule needs the one
    host Node will connect to, and never matches an ambiguous URL."""
    from overseer.policy.urls import compile_url_rule

    try:
        return compile_url_rule(spec)
    except ValueError as exc:
        raise RuleSyntaxError(f"{exc} in {text!r}") from None


def shell_analysis(tool_input: Mapping[str, Any]) -> Analysis | None:
    """The analysis of a Bash-like call's command, or ``None`` when it names none."""
    command = command_of(tool_input)
    if command is None:
        return None
    return _analysed(command)


_ANALYSED: dict[str, Analysis] = {}


def _analysed(command: str) -> Analysis:
    """:func:`analyse`, remembered for commands agents repeat (tests, ``git status``)."""
    if len(command) > 4000:
        return analyse(command)
    found = _ANALYSED.get(command)
    if found is None:
        if len(_ANALYSED) > 4096:
            _ANALYSED.clear()
        found = _ANALYSED[command] = analyse(command)
    return found


def split_shell(tool_input: Mapping[str, Any]) -> list[str] | None:
    """The simple commands of a Bash-like call, or ``None`` when it cannot be modelled
    exactly (see :mod:`overseer.policy.shell`)."""
    analysis = shell_analysis(tool_input)
    if analysis is None or analysis.problems:
        return None
    return [c.text for c in analysis.commands if c.words and not c.guessed]
