"""Evaluate one tool call against a task's scope: deny, then ask, then allow; first match wins.

The result always names the verdict *and* the rule (and list) that produced it, because an
operator deciding at 3 a.m. and an auditor reading the chain later both need to know why.
"""

from __future__ import annotations

import fnmatch
import itertools
import posixpath
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from overseer.policy.guard import REASON_PREFIX, command_reason, is_guarded, mentions
from overseer.policy.known_values import MAX_CANDIDATES, candidates
from overseer.policy.rules import (
    EDIT_FAMILY,
    READ_FAMILY,
    SHELL_TOOLS,
    CallContext,
    Rule,
    canonical_tool,
    patched_files,
    path_of,
    path_variants,
    resolve_path,
    shell_analysis,
)
from overseer.policy.shell import Access, Analysis, Command, Word, program_name
from overseer.untrusted import neutralise

VERDICTS = ("allow", "ask", "deny", "unscoped")
GATE_ACTIONS = ("allow", "ask", "deny")


class Scope:
    """The provisioned authority of one agent for one task."""

    __slots__ = ("allow", "ask", "default", "deny")

    def __init__(
        self,
        allow: Sequence[Rule] = (),
        ask: Sequence[Rule] = (),
        deny: Sequence[Rule] = (),
        default: str = "ask",
    ) -> None:
        if default not in GATE_ACTIONS:
            raise ValueError(f"default must be one of {GATE_ACTIONS}, not {default!r}")
        self.allow = tuple(allow)
        self.ask = tuple(ask)
        self.deny = tuple(deny)
        self.default = default

    @classmethod
    def parse(
        cls,
        allow: Iterable[str] = (),
        ask: Iterable[str] = (),
        deny: Iterable[str] = (),
        default: str = "ask",
    ) -> Scope:
        """Build a scope from rule strings (raises ``RuleSyntaxError`` on the first bad one)."""
        return cls(
            [Rule(r) for r in allow], [Rule(r) for r in ask], [Rule(r) for r in deny], default
        )

    def rules(self) -> list[tuple[str, Rule]]:
        """Every rule with the list it sits in, in evaluation order."""
        return (
            [("deny", r) for r in self.deny]
            + [("ask", r) for r in self.ask]
            + [("allow", r) for r in self.allow]
        )


class ScopeDecision:
    """The verdict on one call.

    ``verdict`` is what the scope *says* (``unscoped`` when no rule matched); ``effective``
    is what a gate must *do* (``allow``, ``ask`` or ``deny``), which for an unscoped call is
    the task's default.
    """

    __slots__ = ("effective", "list", "note", "rule", "rules", "verdict")

    def __init__(
        self,
        verdict: str,
        rule: str | None,
        list_: str,
        effective: str,
        rules: tuple[str, ...] = (),
        reason: str | None = None,
    ) -> None:
        self.note = reason
        self.verdict = verdict
        self.rule = rule
        self.list = list_
        self.effective = effective
        #: every rule that took part (an allowed compound command may need several)
        self.rules = rules or ((rule,) if rule else ())

    def as_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "rule": self.rule,
            "list": self.list,
            "effective": self.effective,
        }

    def __repr__(self) -> str:
        return f"ScopeDecision({self.verdict!r}, rule={self.rule!r}, list={self.list!r})"

    @property
    def reason(self) -> str:
        """One line for hook replies and audit rows."""
        if self.note:
            return self.note
        if self.list == "device":
            return "writes only to a device"
        if self.list == "default":
            return f"no rule in scope matches; task default is {self.effective}"
        if self.list == "unknown":
            return "session is not mapped to a configured agent; every call is unscoped"
        return f"{self.list} rule {self.rule}"


UNKNOWN_AGENT = ScopeDecision("unscoped", None, "unknown", "ask")


_STRICTNESS = {"deny": 3, "ask": 2, "unscoped": 1, "allow": 0}
#: Writing here changes no file: a shell command needs no Edit rule to redirect to them.
DEVICE_PATHS = frozenset(
    {"/dev/null", "/dev/stdout", "/dev/stderr", "/dev/stdin", "/dev/tty", "/dev/zero"}
)
_EGRESS_PATHS = ("/dev/tcp/", "/dev/udp/")
_SEARCH_TOOLS = frozenset({"Grep", "Glob", "LS"})
_GLOB_KEYS = ("glob", "pattern")


def reads_input(scope: Scope, tool: str, session_grants: Sequence[Rule] = ()) -> bool:
    """Whether :func:`evaluate` could look past the tool *name* for this tool: True as soon as
    one rule that can reach ``tool`` has a specifier (for a shell tool, any file rule too: a
    command's reads and writes meet them). When False, every call to ``tool`` gets the same
    decision, whatever its input (the engine caches it by name alone)."""
    rules = (*scope.deny, *scope.ask, *scope.allow, *session_grants)
    if canonical_tool(tool) in SHELL_TOOLS:
        if scope.default == "allow":
            return True  # a command not modelled exactly is asked about, never allowed
        return any(
            (r.kind != "tool" and r.matches_tool(tool))
            or r.tool in READ_FAMILY
            or r.tool in EDIT_FAMILY
            for r in rules
        )
    return any(r.kind != "tool" for r in rules if r.covers_family(tool, strict=True))


def evaluate_call(
    scope: Scope | None,
    tool: str,
    tool_input: Mapping[str, Any] | None,
    ctx: CallContext | None = None,
    session_grants: Sequence[Rule] = (),
    *,
    paths: Sequence[str] = (),
    decide: Callable[[str, Mapping[str, Any]], ScopeDecision] | None = None,
) -> ScopeDecision:
    """:func:`evaluate`, with the files of a patch given by the caller when it already knows
    them (``paths``, from the Codex parser) and a per-input evaluation to use (``decide``:
    the engine's cached one)."""
    tool_input = tool_input if isinstance(tool_input, Mapping) else {}
    judge = decide or (lambda t, i: evaluate(scope, t, i, ctx, session_grants))
    files = list(paths) if paths else patched_files(tool, tool_input)
    if not files:
        return judge(tool, tool_input)
    named = path_of(tool_input)
    return _strictest(
        [judge(tool, {"file_path": str(f)}) for f in [*files, *([named] if named else [])]]
    )


def _strictest(decisions: Sequence[ScopeDecision]) -> ScopeDecision:
    return max(decisions, key=lambda d: _STRICTNESS.get(d.verdict, 2))


def evaluate(
    scope: Scope | None,
    tool: str,
    tool_input: Mapping[str, Any] | None,
    ctx: CallContext | None = None,
    session_grants: Sequence[Rule] = (),
) -> ScopeDecision:
    """Judge one call: the one function the gate, ``scope explain`` and the engine share.

    ``session_grants`` are rules an operator allowed for this session only; they rank after
    deny (a grant never overrides a deny rule) and before ask. A Codex patch is judged file
    by file (the strictest verdict wins); a shell command by everything it runs and every
    file it reads or writes (:mod:`overseer.policy.shell`)."""
    if scope is None:
        return UNKNOWN_AGENT
    ctx = ctx or CallContext()
    tool_input = tool_input if isinstance(tool_input, Mapping) else {}
    decision = _evaluate(scope, tool, tool_input, ctx, session_grants)
    if decision.effective == "deny":
        return decision
    why = tampering(tool, tool_input, ctx)
    if why is None:
        return decision
    # The built-in guard outranks every allow: rules, tool-wide allows, session grants.
    return ScopeDecision("ask", decision.rule if decision.verdict == "ask" else None, "guard",
                         "ask", reason=why)  # fmt: skip


def tampering(tool: str, tool_input: Mapping[str, Any], ctx: CallContext) -> str | None:
    """Why this call acts on the oversight itself (see :mod:`overseer.policy.guard`), as a
    display-safe reason starting ``oversight tampering:``, or None."""
    family = canonical_tool(tool)
    if family in SHELL_TOOLS:
        analysis = shell_analysis(tool_input)
        if analysis is None:
            return None
        for access in analysis.accesses:
            if access.mode != "write":
                continue
            for path in _access_targets(access, analysis, ctx) or ():
                if is_guarded(path, ctx):
                    return _write_reason(path)
        for cmd in analysis.commands:
            if not cmd.words:
                continue
            named: list[str] = []
            for word in cmd.words[1:]:
                if not word.static or not word.value:
                    continue
                mentioned = mentions(word.value, ctx)
                if mentioned is not None:
                    named.append(mentioned)
                    break
                if word.value.startswith("-"):
                    continue
                probe = Access("read", word, cmd.basename)
                found = _access_targets(probe, analysis, ctx) or ()
                hit = next((p for p in found if is_guarded(p, ctx)), None)
                if hit is not None:
                    named.append(hit)
                    break
            why = command_reason(
                cmd,
                named,
                ctx,
                data=analysis.data,
                paths=_names_resolver(analysis, ctx),
                line=analysis,
            )
            if why is not None:  # it quotes the agent's program name and paths: neutralised
                return REASON_PREFIX + neutralise(why, limit=300) + "; never allowed by a rule"
        fed = next((m for d in analysis.data if (m := mentions(d, ctx)) is not None), None)
        if fed is not None:  # a here-document naming the store, fed to sqlite3 or python
            return (
                f"{REASON_PREFIX}text fed to a command names {neutralise(fed, limit=120)}; "
                "never allowed by a rule"
            )
        return None
    if family in EDIT_FAMILY or patched_files(tool, tool_input):
        written = path_of(tool_input)
        for path in [*(patched_files(tool, tool_input) or []), *([written] if written else [])]:
            variants = path_variants(str(path), ctx)
            if variants is None:  # not known: it may be a guarded file (grants rank below)
                return f"{REASON_PREFIX}{_UNKNOWN_WRITE}; never allowed by a rule"
            for variant in variants:
                if is_guarded(variant, ctx):
                    return _write_reason(variant)
    return None


def _names_resolver(analysis: Analysis, ctx: CallContext) -> Callable[[str], list[str] | None]:
    """Resolves a file name a program builds from its words (a SQLite URI's path) as the
    command line's file arguments are: against every ``cd`` target, through links."""

    def paths(name: str) -> list[str] | None:
        return _access_targets(Access("read", Word(name, name), "guard"), analysis, ctx)

    return paths


def _write_reason(path: str) -> str:
    return (
        f"{REASON_PREFIX}a write to {neutralise(path, limit=120)} changes what judges or gates "
        "the agent (overseer's config, store or installation, agent hook settings, git config "
        "and hooks, shell start-up files); never allowed by a rule"
    )


def _evaluate(
    scope: Scope,
    tool: str,
    tool_input: Mapping[str, Any],
    ctx: CallContext,
    session_grants: Sequence[Rule],
) -> ScopeDecision:
    family = canonical_tool(tool)
    if family in SHELL_TOOLS:
        analysis = shell_analysis(tool_input)
        if analysis is not None:
            return _evaluate_shell(scope, tool, analysis, ctx, session_grants)
        return _evaluate_plain(scope, tool, tool_input, ctx, session_grants)
    files = patched_files(tool, tool_input)
    if files:
        named = path_of(tool_input)  # judged too: the patch cannot hide behind a path key
        return _strictest(
            [
                _evaluate_file(scope, tool, {"file_path": f}, ctx, session_grants)
                for f in [*files, *([named] if named else [])]
            ]
        )
    if family in READ_FAMILY or family in EDIT_FAMILY:
        return _evaluate_file(scope, tool, tool_input, ctx, session_grants)
    return _evaluate_plain(scope, tool, tool_input, ctx, session_grants)


# ----------------------------------------------------------------------------- plain tools


def _evaluate_plain(
    scope: Scope,
    tool: str,
    tool_input: Mapping[str, Any],
    ctx: CallContext,
    grants: Sequence[Rule],
) -> ScopeDecision:
    """MCP tools, WebFetch, a shell call with no command: deny, grants, ask, allow."""
    for rule in scope.deny:
        if rule.matches(tool, tool_input, ctx, strict=True):
            return ScopeDecision("deny", rule.text, "deny", "deny")
    for rule in grants:
        if rule.matches(tool, tool_input, ctx):
            return ScopeDecision("allow", rule.text, "session", "allow")
    for rule in scope.ask:
        if rule.matches(tool, tool_input, ctx, strict=True):
            return ScopeDecision("ask", rule.text, "ask", "ask")
    for rule in scope.allow:
        if rule.matches(tool, tool_input, ctx):
            return ScopeDecision("allow", rule.text, "allow", "allow")
    return ScopeDecision("unscoped", None, "default", scope.default)


# ----------------------------------------------------------------------------- file tools


def _evaluate_file(
    scope: Scope,
    tool: str,
    tool_input: Mapping[str, Any],
    ctx: CallContext,
    grants: Sequence[Rule],
) -> ScopeDecision:
    """A file tool: the path as written and every path it reaches meet the rules of the
    tool's family; a deny on any of them wins, an allow must cover all of them."""
    path = path_of(tool_input)
    search = canonical_tool(tool) in _SEARCH_TOOLS
    if path is None and search:
        path = ctx.cwd  # Grep and Glob search the working directory by default
    if path is None:
        return _evaluate_plain(scope, tool, tool_input, ctx, grants)
    targets = path_variants(path, ctx)
    globs = [v for k in _GLOB_KEYS if search and isinstance(v := tool_input.get(k), str) and v]
    if canonical_tool(tool) == "Grep":
        globs = [g for g in globs if g is not tool_input.get("pattern")]  # that is a regex
    verdict = _judge_paths(scope, tool, targets, ctx, write=canonical_tool(tool) in EDIT_FAMILY)
    if verdict.verdict == "deny":
        return verdict
    extra: list[ScopeDecision] = []
    for pattern in globs:
        probe = path_variants(posixpath.join(path, pattern), ctx)
        literal = _judge_paths(scope, tool, probe, ctx, write=False)
        if literal.verdict == "deny":
            return literal
        extra.append(literal)
        if _has_glob(pattern) and ctx.expand is not None:
            # the files the search can reach, from the file system (ripgrep matches a glob
            # without '/' at any depth)
            where = posixpath.join(path, pattern if "/" in pattern else "**/" + pattern)
            found = ctx.expand(resolve_path(where, ctx))
            reached = (
                None
                if found is None
                else [v for f in found for v in (path_variants(f, ctx) or [f])]
            )
            matched = _judge_paths(scope, tool, reached, ctx, write=False)
            if matched.verdict == "deny":
                return matched
            extra.append(matched)
        if _has_glob(pattern) and _glob_may_reach(scope, tool, path, pattern, ctx):
            extra.append(
                ScopeDecision(
                    "ask", None, "unmodelled", "ask", reason="the glob may reach a denied file"
                )
            )
    if search and targets is not None:
        for root in targets:  # searching a directory reads what is inside it
            inside = _judge_paths(scope, tool, [root.rstrip("/") + "/x"], ctx, write=False)
            if inside.verdict == "deny":
                return inside
            if ctx.walk is None:
                continue
            searched = _searched(tool, tool_input, root, ctx)
            if searched is None:  # too large to list whole: the part that reaches a deny rule
                searched = _searched(
                    tool, tool_input, root, ctx, only=_denied_below(scope, tool, root, ctx)
                )
                beneath = _judge_paths(scope, tool, searched or [], ctx, write=False)
                if beneath.verdict == "deny":
                    return beneath
                searched = None
            contents = _judge_paths(scope, tool, searched, ctx, write=False)
            if contents.verdict == "deny":
                return contents
            if contents.verdict == "ask":
                extra.append(contents)
    asked = next((d for d in [verdict, *extra] if d.verdict == "ask"), None)
    if asked is not None:
        granted = _granted_path(grants, tool, targets, ctx)
        return granted or asked
    granted = _granted_path(grants, tool, targets, ctx)
    if granted is not None:
        return granted
    return verdict


def _searched(
    tool: str,
    tool_input: Mapping[str, Any],
    root: str,
    ctx: CallContext,
    only: Sequence[str] | None = None,
) -> list[str] | None:
    """Every file below ``root`` the search tool reads (None: not known). Grep and Glob run
    ripgrep with ``--hidden``, their globs read as ripgrep's ``--glob``
    (:mod:`overseer.policy.rgglob`); LS lists the tree without dot-files. ``only``: the
    files on the way to these paths and below them (none when it is empty)."""
    family = canonical_tool(tool)
    if only is not None and (not only or family not in ("Grep", "Glob")):
        return None
    if family not in ("Grep", "Glob"):
        listed: list[str] | None = ctx.walk(root, False)
        return listed
    from overseer.policy import rgglob

    raw = tool_input.get("glob" if family == "Grep" else "pattern")
    raw = raw if isinstance(raw, str) else ""
    if family == "Grep":
        rg_filter = rgglob.compile_filter(rgglob.grep_globs(raw), extra=[raw])
    else:
        rg_filter = rgglob.compile_filter([raw] if raw else [])
    if rg_filter is None:
        return None
    return rgglob.search_files(
        root, ctx.walk, rg_filter, vcs=family == "Grep", also=(ctx.cwd, ctx.root), only=only or ()
    )


def _denied_below(scope: Scope, tool: str, root: str, ctx: CallContext) -> list[str]:
    """The paths below the search root ``root`` that a deny rule names up to its first
    wildcard (``~/.ssh/**`` → home/.ssh, ``./.env`` → the project's .env), at every real
    path they have: ripgrep walks into each of them unless its globs keep it out (a search
    of ``/`` reads ``~/.ssh``). Rules whose fixed part is the root itself or above it are
    not listed (that walk is the whole search)."""
    top = root.rstrip("/") + "/"
    found: list[str] = []
    for rule in scope.deny:
        if rule.kind != "path" or not rule.covers_family(tool, strict=True):
            continue
        parts = (rule.spec or "").rstrip("/").split("/")
        fixed = next((i for i, p in enumerate(parts) if _has_glob(p)), len(parts))
        folder = "/".join(parts[:fixed])
        if not folder or folder in (".", "~"):
            continue
        for base in _rule_dirs(folder, ctx):
            for path in [base, *(path_variants(base, ctx) or [])]:
                if path.startswith(top) and path != top.rstrip("/") and path not in found:
                    found.append(path)
    return found


def _granted_path(
    grants: Sequence[Rule], tool: str, targets: list[str] | None, ctx: CallContext
) -> ScopeDecision | None:
    if not grants or targets is None:
        return None
    for rule in grants:
        if rule.matches_tool(tool) and (
            rule.kind == "tool" or all(rule.matches_path(p, ctx, strict=False) for p in targets)
        ):
            return ScopeDecision("allow", rule.text, "session", "allow")
    return None


def _reaching(
    rules: Sequence[Rule], tool: str, targets: list[str] | None, ctx: CallContext
) -> Rule | None:
    """The first deny or ask rule that reaches any of ``targets`` (or the whole family)."""
    for rule in rules:
        if rule.covers_family(tool, strict=True) and (
            rule.kind == "tool"
            or (
                targets is not None and any(rule.matches_path(p, ctx, strict=True) for p in targets)
            )
        ):
            return rule
    return None


#: A write whose file the file system will not name before it runs (another process's
#: ``/proc/PID/cwd``, more links than are followed): it may be one the guard protects, so
#: no rule, tool-wide allow or grant allows it.
_UNKNOWN_WRITE = (
    "the file written cannot be told before it runs (another process's /proc directory, "
    "too many links): it may be one the guard protects"
)


def _judge_paths(
    scope: Scope,
    tool: str,
    targets: list[str] | None,
    ctx: CallContext,
    write: bool,
) -> ScopeDecision:
    """Deny if any target is denied, ask if any is asked, allow if an allow rule covers every
    target; ``None`` targets (not known) are asked about wherever a path rule could apply."""
    denying = _reaching(scope.deny, tool, targets, ctx)
    if denying is not None:
        return ScopeDecision("deny", denying.text, "deny", "deny")
    if targets is None and any(
        r.kind == "path" and r.covers_family(tool, strict=True) for r in (*scope.deny, *scope.ask)
    ):
        return ScopeDecision(
            "ask", None, "unmodelled", "ask", reason="the file cannot be told before it runs"
        )
    if targets is None and write:  # the guard cannot tell which file: never allowed
        return ScopeDecision("ask", None, "unmodelled", "ask", reason=_UNKNOWN_WRITE)
    asking = _reaching(scope.ask, tool, targets, ctx)
    if asking is not None:
        return ScopeDecision("ask", asking.text, "ask", "ask")
    guarded = next((p for p in targets or () if write and _guarded(p, ctx)), None)
    if guarded is not None:
        return ScopeDecision(
            "ask",
            None,
            "guard",
            "ask",
            reason=_write_reason(guarded),
        )
    if targets is not None and write and all(_is_device(p) for p in targets):
        return ScopeDecision("allow", None, "device", "allow")
    # The tool's own rules first (``Glob`` is credited to ``Glob``), then the family head's.
    own = [r for r in scope.allow if r.matches_tool(tool)]
    for rule in own + [r for r in scope.allow if r not in own]:
        if not rule.covers_family(tool, strict=False):
            continue
        if rule.kind == "tool" or (
            targets is not None and all(rule.matches_path(p, ctx, strict=False) for p in targets)
        ):
            return ScopeDecision("allow", rule.text, "allow", "allow")
    return ScopeDecision("unscoped", None, "default", scope.default)


def _guarded(path: str, ctx: CallContext) -> bool:
    return is_guarded(path, ctx)


def _is_device(path: str) -> bool:
    return path in DEVICE_PATHS or path.startswith("/dev/fd/")


def _has_glob(text: str) -> bool:
    return any(c in text for c in "*?[{")


def _glob_may_reach(scope: Scope, tool: str, root: str, pattern: str, ctx: CallContext) -> bool:
    """Could a search under ``root`` for ``pattern`` reach a file a deny or ask rule covers?
    Conservative: a rule on a directory (``~/.ssh/**``) reaches a search above or inside
    that directory; a rule on a name (``.env``, ``*.pem``) a glob whose last part could
    match that name."""
    import fnmatch

    root_abs = resolve_path(root, ctx)
    last = pattern.rstrip("/").rsplit("/", 1)[-1]
    for rule in (*scope.deny, *scope.ask):
        if rule.kind != "path" or not rule.covers_family(tool, strict=True):
            continue
        spec = (rule.spec or "").rstrip("/")
        name = spec.rsplit("/", 1)[-1]
        if name in ("**", "*"):
            folder = spec.rsplit("/", 1)[0] if "/" in spec else ""
            if _has_glob(folder):
                return True
            for base in _rule_dirs(folder, ctx):
                if _related(root_abs, base):
                    return True
            continue
        # a name rule (``.env``, ``*.pem``) reaches a glob that matches one of its names;
        # a wildcard in the rule's name is tried as one letter (``.env.*`` as ``.env.x``).
        # Known limit: two globs meeting only in a name neither sample shows
        # (``.env.*`` and ``*.py`` in ``.env.py``) are not caught here.
        sample = re.sub(r"\*+|\?|\[[^]]*\]", "x", name).lower()
        if fnmatch.fnmatchcase(sample, last.lower()) or fnmatch.fnmatchcase(
            re.sub(r"\*+|\?|\[[^]]*\]", "x", last).lower(), name.lower()
        ):
            return True
    return False


def _rule_dirs(folder: str, ctx: CallContext) -> list[str]:
    """The absolute directories a rule's folder part names (``~/.ssh`` → home/.ssh)."""
    if folder.startswith("//"):
        return [posixpath.normpath("/" + folder[2:])]
    if folder.startswith("~/") or folder == "~":
        return [resolve_path(folder, ctx)]
    rel = folder[2:] if folder.startswith("./") else folder
    return [resolve_path(rel or ".", ctx, base) for base in (ctx.root, ctx.cwd) if base]


def _related(a: str, b: str) -> bool:
    """One directory is the other or holds it."""
    a, b = a.rstrip("/") + "/", b.rstrip("/") + "/"
    return a.startswith(b) or b.startswith(a)


# ----------------------------------------------------------------------------- shell


def _evaluate_shell(
    scope: Scope,
    tool: str,
    analysis: Analysis,
    ctx: CallContext,
    grants: Sequence[Rule],
) -> ScopeDecision:
    """A shell call: deny if any command it runs or any file it touches is denied; allowed by
    rules only when the analyser modelled it exactly and every command and file is allowed."""
    cmds = [c for c in analysis.commands if c.words]
    budget = [MAX_GUESSES]  # the guessed spellings of the whole line, shared
    spellings = [t for c in cmds for t in _deny_texts(c, analysis, budget)]
    for rule in scope.deny:
        if rule.matches_tool(tool) and (
            rule.kind == "tool" or any(rule.matches_command(t) for t in spellings)
        ):
            return ScopeDecision("deny", rule.text, "deny", "deny")
    accesses = [(a, _access_targets(a, analysis, ctx)) for a in analysis.accesses]
    judged: list[tuple[Access, ScopeDecision]] = []
    for access, targets in accesses:
        decision = _judge_access(scope, access, targets, ctx)
        if decision.verdict == "deny":
            return decision
        judged.append((access, decision))
    unknown = [a for a, t in accesses if t is None]
    guessed = _guessed_deny(scope, analysis, unknown, ctx, budget)
    if guessed is not None:  # ``x=.env; cat $x``, ``x=~/.ssh; cd $x; cat id_rsa``
        return guessed
    problems = list(analysis.problems)
    files_fine = all(_access_fine(a, d) for a, d in judged)
    if not problems and files_fine and grants and cmds:
        granted = _granted_commands(grants, tool, cmds, ctx)
        if granted:
            return ScopeDecision("allow", " + ".join(granted), "session", "allow", tuple(granted))
    for rule in scope.ask:
        if rule.matches_tool(tool) and (
            rule.kind == "tool" or any(rule.matches_command(t) for t in spellings)
        ):
            return ScopeDecision("ask", rule.text, "ask", "ask")
    asked = next((d for _a, d in judged if d.verdict == "ask"), None)
    if asked is not None:
        return asked
    egress = [a for a, _d in judged if a.mode == "egress" or _egress_target(a)]
    tool_wide = next((r for r in scope.allow if r.kind == "tool" and r.matches_tool(tool)), None)
    if tool_wide is not None:
        if not problems and not egress:
            return ScopeDecision("allow", tool_wide.text, "allow", "allow")
        if not _could_be_stopped(scope, tool):
            return ScopeDecision("allow", tool_wide.text, "allow", "allow")
        why = problems[0] if problems else "network egress through a device path"
        return ScopeDecision("ask", None, "unmodelled", "ask", reason=f"not judged exactly: {why}")
    if problems or egress:
        why = problems[0] if problems else "network egress through a device path"
        effective = "ask" if scope.default == "allow" else scope.default
        return ScopeDecision(
            "unscoped", None, "unmodelled", effective, reason=f"not judged exactly: {why}"
        )
    if cmds and files_fine:
        used: list[str] = []
        for cmd in cmds:
            if cmd.allowable:
                allowing = next(
                    (
                        r
                        for r in scope.allow
                        if r.matches_tool(tool) and r.matches_command(cmd.text)
                    ),
                    None,
                )
            else:
                allowing = _naming_launcher_rule(scope, tool, cmd)
            if allowing is None:
                break
            if allowing.text not in used:
                used.append(allowing.text)
        else:
            writes = [d.rule for a, d in judged if a.mode == "write" and d.rule]
            texts = tuple(used + [w for w in writes if w not in used])
            return ScopeDecision("allow", " + ".join(texts), "allow", "allow", texts)
    effective = scope.default
    if effective == "allow" and any(not c.allowable for c in cmds):
        effective = "ask"  # a word, prefix or argument not known until run time
    return ScopeDecision("unscoped", None, "default", effective)


def _naming_launcher_rule(scope: Scope, tool: str, cmd: Any) -> Rule | None:
    """The allow rule of the launcher that starts ``cmd`` when it names ``cmd``'s program
    (``Bash(uv run pytest:*)`` for ``uv run pytest -q``): what a launcher starts is found
    where the launcher looks (the project's environment, a package registry), so only a rule
    the operator wrote for that launcher and that program allows it. ``Bash(uv run:*)`` with
    ``Bash(ls *)`` does not allow ``uv run ls`` (``.venv/bin/ls`` would run)."""
    if cmd.launcher is None or not cmd.known:
        return None
    launcher, program = cmd.launcher
    if not launcher.allowable:
        return None
    unnamed = " ".join("\x00" if i == program else w.value for i, w in enumerate(launcher.words))
    return next(
        (
            r
            for r in scope.allow
            if r.matches_tool(tool)
            and r.matches_command(launcher.text)
            and not r.matches_command(unnamed)
        ),
        None,
    )


def _granted_commands(
    grants: Sequence[Rule], tool: str, cmds: Sequence[Any], ctx: CallContext
) -> list[str]:
    """The grants covering every command, or ``[]``. An exact grant names the command with
    its prefixes and directory; an older plain grant (``Bash(git push origin main)``) covers
    the command only when it has no prefix at all and the rule matches it with no quoted
    blank or empty word taken for a word boundary. An exact grant compares argv and prefixes
    word by word (:meth:`Rule.matches_exact`), each known before the command runs."""
    from overseer.policy.rules import grant_key

    used: list[str] = []
    for cmd in cmds:
        if not cmd.allowable and not (cmd.exact and all(w.static for w in cmd.words)):
            return []
        known = all(v.static for _n, v in cmd.assignments)
        # a plain grant matches joined text: it covers the command only if it also matches
        # the text with every blank inside a word (and every empty word) made a letter, so
        # that no quoted blank stands in for a word boundary the rule relies on
        solid = " ".join(
            "".join("\x01" if c in " \t\n" else c for c in w.value) or "\x01" for w in cmd.words
        )
        rule = next(
            (
                g
                for g in grants
                if g.matches_tool(tool)
                and (
                    (known and g.matches_exact(*grant_key(cmd), ctx.cwd))
                    or (
                        not cmd.assignments
                        and cmd.allowable
                        and g.matches_command(cmd.text)
                        and g.matches_command(solid)
                    )
                )
            ),
            None,
        )
        if rule is None:
            return []
        if rule.text not in used:
            used.append(rule.text)
    return used


def _could_be_stopped(scope: Scope, tool: str) -> bool:
    """Whether a deny or ask rule could stop some call of ``tool``: then a command the
    analyser could not model is asked about even under a tool-wide allow."""
    for rule in (*scope.deny, *scope.ask):
        if rule.matches_tool(tool) and rule.kind != "tool":
            return True
        if rule.tool in READ_FAMILY or rule.tool in EDIT_FAMILY:
            return True
    return False


#: Access modes that read files and the files below a directory; the git ones see the work
#: tree (:mod:`overseer.policy.gitargs`).
_GIT_MODES = frozenset({"repo", "gitspec"})
_READS_BELOW = frozenset({"read", *_GIT_MODES})
#: Access modes judged by Read rules but needing no allow rule of their own.
_READ_MODES = frozenset({"list", "names", *_READS_BELOW})


def _access_fine(access: Access, decision: ScopeDecision) -> bool:
    """A read needs no allow rule (the command's own rule allows reading), only no deny or
    ask; a write needs an Edit allow (or a device); egress is never fine on its own."""
    if access.mode == "egress" or _egress_target(access):
        return False
    if access.mode in _READ_MODES:
        return decision.verdict in ("allow", "unscoped")
    return decision.verdict == "allow"


def _egress_target(access: Access) -> bool:
    word = access.word
    return word is not None and word.value.startswith(_EGRESS_PATHS)


def _judge_access(
    scope: Scope, access: Access, targets: list[str] | None, ctx: CallContext
) -> ScopeDecision:
    if access.mode == "egress":
        return ScopeDecision("unscoped", None, "default", scope.default)
    tool = "Edit" if access.mode == "write" else "Read"
    verdict = _judge_paths(scope, tool, targets, ctx, write=access.mode == "write")
    if verdict.verdict == "deny" or targets is None:
        return verdict
    # A directory operand reaches what is inside it (``rm -rf /etc``, ``grep -r KEY ~/.ssh``,
    # ``git diff . /tmp/x``): a deny on its contents holds, and a read may descend into it.
    inside = _judge_paths(scope, tool, [t.rstrip("/") + "/x" for t in targets], ctx, write=False)
    if inside.verdict == "deny":
        return inside
    if access.mode in _READS_BELOW and ctx.walk is not None:
        below: list[str] = []
        # what git shows is the work tree: never its own .git directory
        prune = _in_git_dir if access.mode in _GIT_MODES else None
        for target in targets:
            found = ctx.walk(target, True, prune=prune) if prune else ctx.walk(target, True)
            if found is None:  # too big to look through: asked about where rules apply
                reached = _judge_paths(scope, tool, None, ctx, write=False)
                if reached.verdict in ("deny", "ask"):
                    return reached
                below = []
                break
            below.extend(found)
        if below:
            reached = _judge_paths(scope, tool, below, ctx, write=False)
            if reached.verdict in ("deny", "ask"):
                return reached
    return verdict


def _deny_texts(cmd: Command, analysis: Analysis, budget: list[int]) -> tuple[str, ...]:
    """What deny and ask rules match for ``cmd``: its own spellings, and where a word is
    built of variables the line assigns literally (``x=rm; $x -rf ~``), the command as each
    value of them spells it (:mod:`overseer.policy.known_values`; never used to allow)."""
    texts = cmd.deny_texts
    if all(w.static for w in cmd.words) or budget[0] <= 0:
        return texts
    options: list[list[str]] = []
    total = 1
    for word in cmd.words:
        if not word.static:
            budget[0] -= 1  # each word spelled out costs one guess too
        found = None if word.static else candidates(word.raw, analysis.known)
        values = [word.value] if found is None else [v for v, _glob in found]
        total *= len(values)
        if total > MAX_CANDIDATES or total > budget[0]:
            return texts
        options.append(values)
    budget[0] -= total
    spelled = [" ".join(parts) for parts in itertools.product(*options)]
    with_bases = [
        f"{program_name(first)} {rest}".rstrip() if rest else program_name(first)
        for text in spelled
        for first, _sep, rest in [text.partition(" ")]
    ]
    return tuple(dict.fromkeys([*texts, *spelled, *with_bases]))


#: At most this many guessed accesses (and as many guessed command spellings) are judged for
#: one command line (each is a deny check): past it the rest stay asked, so a line of many
#: variable words is judged in time linear in its length.
MAX_GUESSES = 256


def _guessed_deny(
    scope: Scope, analysis: Analysis, unknown: list[Access], ctx: CallContext, budget: list[int]
) -> ScopeDecision | None:
    """The deny rule that a file access not known before it runs meets for some literal
    value its variables take in the line (:mod:`overseer.policy.known_values`), or None.
    The ``cd`` targets are guessed once for the line, not once a candidate."""
    guessing_cd = any(t is not None and (not t.static or t.glob) for t in analysis.cd_targets)
    if not guessing_cd and not any(a.word is not None and not a.word.static for a in unknown):
        return None
    bases = _bases(analysis, ctx, guess=True)
    budget[0] = max(budget[0], MAX_GUESSES // 2)  # the files keep a share of their own
    for access in unknown:
        budget[0] -= 1
        if budget[0] < 0:
            return None
        for guess in _candidate_accesses(access, analysis):
            budget[0] -= 1
            if budget[0] < 0:
                return None
            reached = _access_targets(guess, analysis, ctx, guessed=(bases,))
            decision = _judge_access(scope, guess, reached, ctx)
            if decision.verdict == "deny":
                return decision
    return None


def _candidate_accesses(access: Access, analysis: Analysis) -> list[Access]:
    """``access`` once for each value its word may take from the line's literal
    assignments (``x=.env; cat $x``), to be judged by the deny rules only."""
    word = access.word
    if word is None:
        return []
    if word.static:
        return [access]  # its own word: a ``cd $x`` before it is guessed (``guess``)
    found = candidates(word.raw, analysis.known)
    if not found:
        return []
    # ``~`` from an assignment's value (``x=~/.ssh``) too: bash expanded it there; not a
    # literal one bash leaves (``~"/.ssh"$x``: a quoted character in the tilde-prefix)
    kept = word.raw[:1] == "~" and not word.tilde
    guesses = []
    for value, glob in found:
        if kept and value[:1] == "~":
            value = "./" + value  # a directory named ``~`` (never the home directory)
        tilde = value[:2] in ("~", "~/")
        guesses.append(
            Access(
                access.mode, Word(value, word.raw, glob=glob, tilde=tilde), access.via, access.start
            )
        )
    return guesses


def _access_targets(
    access: Access,
    analysis: Analysis,
    ctx: CallContext,
    guessed: tuple[list[str | None] | None] | None = None,
) -> list[str] | None:
    """Every absolute path ``access`` may touch, or None when that cannot be told.
    ``guessed``: the directories relative paths start from, with each ``cd`` to a word
    built of variables going where their literal values say (:func:`_guessed_deny`, for
    the deny rules only)."""
    if access.mode in _GIT_MODES:
        return _git_targets(access, analysis, ctx)
    if access.mode == "names" or (
        access.mode == "list" and ctx.expand is None and access.word and access.word.glob
    ):
        # (``ls *.txt`` with no view of the file system: the directory it lists, lexically)
        return _globbed_dirs(access, analysis, ctx)
    word = access.word
    if word is None or not word.static:
        return None
    value = word.value
    if word.tilde:
        value = (ctx.home or "/nonexistent-home") + value[1:]
    if value.startswith("/"):
        bases: list[str | None] | None = [ctx.cwd]
    else:
        bases = _bases(analysis, ctx) if guessed is None else guessed[0]
    if bases is None:
        return None
    found: list[str] = []
    for base in bases:
        names = [value]
        if word.glob:
            if ctx.expand is None:
                return None
            expanded = ctx.expand(resolve_path(value, ctx, base))
            if expanded is None:
                return None
            names = [*expanded, value]
        for name in names:
            variants = path_variants(name, ctx, base)
            if variants is None:
                return None
            found.extend(v for v in variants if v not in found)
    return found


def _globbed_dirs(access: Access, analysis: Analysis, ctx: CallContext) -> list[str] | None:
    """The directories bash reads the names of to expand a glob: the one its first wildcard
    is in, and the parent of every match (``~/.s*/*`` lists ~ and ~/.ssh). Without a view
    of the file system, the first one (judged lexically)."""
    word = access.word
    if word is None or not word.static:
        return None
    value = word.value
    if word.tilde:
        value = (ctx.home or "/nonexistent-home") + value[1:]
    bases = _bases(analysis, ctx) if not value.startswith("/") else [ctx.cwd]
    if bases is None:
        return None
    found: list[str] = []
    for base in bases:
        pattern = resolve_path(value, ctx, base)
        parts = pattern.split("/")
        first = next((i for i, p in enumerate(parts) if set(p) & set("*?[")), len(parts) - 1)
        dirs = ["/".join(parts[:first]) or "/"]
        if ctx.expand is not None:
            matches = ctx.expand(pattern)
            if matches is None:
                return None
            dirs.extend(posixpath.dirname(m) for m in matches)
        found.extend(d for d in dirs if d not in found)
    return found


def _in_git_dir(path: str) -> bool:
    return posixpath.basename(path) == ".git"


def _git_targets(access: Access, analysis: Analysis, ctx: CallContext) -> list[str] | None:
    """The work-tree paths a ``repo`` or ``gitspec`` read shows (see
    :mod:`overseer.policy.gitargs`), or None when they cannot be told: the directories git
    may start from (where it runs, every ``cd``, ``-C``), the top of the work tree holding
    each (found on the file system; judged lexically as the start itself without one),
    then the path, or every file a wildcard pathspec matches."""
    from overseer.policy import gitargs

    word = access.word
    if word is None or not word.static:
        return None
    starts: list[str | None] | None = None
    if access.start is None:
        starts = _bases(analysis, ctx)
    else:
        moved = _access_targets(Access("read", access.start, access.via), analysis, ctx)
        starts = None if moved is None else list(moved)
    if starts is None:
        return None
    anchors: list[str] = []
    for start in starts:
        here = resolve_path(".", ctx, start)
        tops = [here] if access.mode == "gitspec" else _git_tops(here, ctx)
        if tops is None:
            return None
        anchors.extend(t for t in tops if t not in anchors)
    if access.mode == "repo" and word.value == "." and access.unless:
        if ctx.expand is None:
            return anchors  # lexical: the tree is judged as the directory itself
        for narrowing in access.unless:
            named = _access_targets(Access("read", narrowing, access.via), analysis, ctx)
            if named is None:
                continue  # not known to narrow: the whole tree stands
            if any(ctx.expand(p) for p in named):
                return []  # an existing path: the diff shows that path (judged as a read)
    found: list[str] = []
    for anchor in anchors:
        pattern = posixpath.normpath(posixpath.join(anchor, word.value))
        parts = pattern.split("/")
        fixed = next((i for i, p in enumerate(parts) if set(p) & set("*?[\\")), len(parts))
        if fixed == len(parts):
            variants = path_variants(pattern, ctx)
            if variants is None:
                return None
            found.extend(v for v in variants if v not in found)
            continue
        if ctx.walk is None:
            return None
        root = "/".join(parts[:fixed]) or "/"
        rest = "/".join(parts[fixed:])
        listed = ctx.walk(root, True, prune=_in_git_dir)
        if listed is None:
            return None
        matcher = gitargs.wildcard_regex(rest)
        prefix = root.rstrip("/") + "/"
        for path in listed:
            rel = path[len(prefix) :] if path.startswith(prefix) else path
            steps = rel.split("/")
            if any(matcher.fullmatch("/".join(steps[:n])) for n in range(1, len(steps) + 1)):
                found.append(path)
    return found


def _git_tops(directory: str, ctx: CallContext) -> list[str] | None:
    """Every directory that may be the top of the git work tree holding ``directory``: each
    one above it with a ``.git`` entry, for git passes over one that is no repository (an
    empty ``.git`` made to stop the search here). None when there is none or it cannot be
    told (then the command may make one first: ``git init && git add . && git diff
    --cached``). Without a view of the file system, the directory itself (lexically)."""
    if ctx.expand is None:
        return [directory]
    tops: list[str] = []
    current = directory
    while True:
        found = ctx.expand(posixpath.join(current, ".git"))
        if found is None:
            return None
        if found:
            tops.append(current)
        if current == "/":
            return tops or None
        current = posixpath.dirname(current)


def _bases(analysis: Analysis, ctx: CallContext, guess: bool = False) -> list[str | None] | None:
    """Every directory a relative path in the command may be relative to: where it runs and
    every ``cd`` target (None: a ``cd`` whose target cannot be told).

    A target counts both as bash's logical ``cd`` reads it (``lnk/..`` is the directory
    ``lnk`` is in) and as the kernel does (``lnk/..`` is the parent of where ``lnk``
    points): ``cd -P`` goes the second way, and a logical ``cd`` whose lexical target is not
    a directory retries that way (``cd lnk/../.ssh``). A relative name not starting with
    ``.`` or ``..`` is also looked up in every entry of the environment's ``CDPATH``."""
    bases: list[str | None] = [ctx.cwd]
    # the CDPATH values the line itself assigns (``CDPATH=~; cd .ssh``), for a guess only
    line_cdpath = analysis.known.get("CDPATH", [])
    writes: list[bool] = []  # whether the line writes (looked at once, when a glob asks)
    for target in analysis.cd_targets:
        if target is None:
            return None
        if target.glob and not guess:
            # ``cd ~/.ss*``: where bash's expansion goes is a guess (locale ranges, case,
            # ``..`` through links, zsh's nullglob): for the deny rules only
            return None
        spelled = [(target.value, target.glob)]
        if not target.static:  # ``x=~/.ssh; cd $x``: its values, for a deny rule only
            found = candidates(target.raw, analysis.known) if guess else None
            if not found:
                return None
            spelled = found
        for base in list(bases):
            names: list[str] = []
            for value, glob in spelled:
                # a value from an assignment kept its ``~`` (bash expands it there), but a
                # literal one bash leaves (``cd ~"/$x"``) names a directory ``~``
                if not target.static and target.raw[:1] == "~" and not target.tilde:
                    value = "./" + value if value[:1] == "~" else value
                tilde = target.tilde if target.static else value[:2] in ("~", "~/")
                if tilde:
                    value = (ctx.home or "/nonexistent-home") + value[1:]
                if glob and not writes:
                    writes.append(
                        any(a.mode == "write" or a.word is None for a in analysis.accesses)
                    )
                more = _cd_names(value, glob, bool(writes and writes[0]), ctx, base)
                if more is None:
                    return None
                names.extend(more)
            for name in names:
                moved = _cd_moves(name, ctx, base, line_cdpath if guess else ())
                if moved is None:
                    return None
                bases.extend(m for m in moved if m not in bases)
        if len(bases) > (64 if guess else 16):  # (a guess: each value of a variable)
            return None
    return bases


def _cd_names(
    value: str, glob: bool, line_writes: bool, ctx: CallContext, base: str | None
) -> list[str] | None:
    """The operands ``cd`` may get for ``value`` run in ``base``: bash expands a glob in it
    before ``cd`` runs (``cd ~/.ss*`` goes to ~/.ssh), against ``base`` only (CDPATH is
    searched for the expanded name, not the pattern), and keeps the pattern itself where
    nothing matches. None: the matches cannot be told."""
    if not glob:
        return [value]
    if ctx.expand is None:
        return None
    relative = not value.startswith("/")
    if relative and ctx.cdpath is not None:
        return None  # bash looks the relative match up in CDPATH first
    if line_writes:
        return None  # the line may make the match it expands to (``touch ./-P; cd [-]P``)
    if relative and value[:1] in ("*", "?", "["):
        return None  # it may match a name starting with ``-``: an option to cd
    if any(_may_match_dots(part) for part in value.split("/")):
        return None  # bash 5.1 and older (no globskipdots) match ``..`` with ``.?``
    matches = ctx.expand(resolve_path(value, ctx, base))
    if matches is None or len(matches) > 1:
        return None  # bash: too many arguments; zsh: ``cd OLD NEW``
    # no match: the pattern itself, or (zsh's or bash's nullglob) a bare ``cd``: home
    return [*matches, value] if matches else [value, "~"]


def _may_match_dots(part: str) -> bool:
    """Whether a glob component may match ``.`` or ``..`` in some bash (one that starts
    with a dot, or a bracket, and matches them as fnmatch reads it)."""
    if not (set(part) & set("*?[")) or part[:1] not in (".", "["):
        return False
    return fnmatch.fnmatchcase(".", part) or fnmatch.fnmatchcase("..", part)


def _cd_moves(
    value: str, ctx: CallContext, base: str | None, line_cdpath: Sequence[str] = ()
) -> list[str | None] | None:
    """Every directory ``cd value`` run in ``base`` may land in (None: not known), through
    the environment's CDPATH and ``line_cdpath`` (values the line assigns it)."""
    starts = [base]
    if (ctx.cdpath is not None or line_cdpath) and not _cd_skips_cdpath(value):
        entries = [
            e for path in (ctx.cdpath, *line_cdpath) if path is not None for e in path.split(":")
        ]
        starts += [resolve_path(entry or ".", ctx, base) for entry in entries]
    moved: list[str | None] = []
    for start in starts:
        moved.append(resolve_path(value, ctx, start))
        if ctx.resolve is not None:
            raw = value
            if not value.startswith("/"):
                raw = posixpath.join(start or ctx.cwd or "/nonexistent-cwd", value)
            reals = ctx.resolve(raw)
            if reals is None:
                return None
            moved += [posixpath.normpath(real) for real in reals]
    return moved


def _cd_skips_cdpath(value: str) -> bool:
    """Bash's ``absolute_pathname``: ``cd`` searches ``CDPATH`` for every other name."""
    return value.startswith("/") or value in (".", "..") or value.startswith(("./", "../"))
