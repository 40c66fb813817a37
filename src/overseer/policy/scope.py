"""Evaluate one tool call against a task's scope: deny, then ask, then allow; first match wins.

The result always names the verdict *and* the rule (and list) that produced it, because an
operator deciding at 3 a.m. and an auditor reading the chain later both need to know why.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from overseer.policy.rules import (
    SHELL_TOOLS,
    CallContext,
    Rule,
    canonical_tool,
    command_of,
    patched_files,
    path_of,
    split_shell,
)

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

    __slots__ = ("effective", "list", "rule", "rules", "verdict")

    def __init__(
        self,
        verdict: str,
        rule: str | None,
        list_: str,
        effective: str,
        rules: tuple[str, ...] = (),
    ) -> None:
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
        if self.list == "default":
            return f"no rule in scope matches; task default is {self.effective}"
        if self.list == "unknown":
            return "session is not mapped to a configured agent; every call is unscoped"
        return f"{self.list} rule {self.rule}"


UNKNOWN_AGENT = ScopeDecision("unscoped", None, "unknown", "ask")


def _first_match(
    rules: Sequence[Rule],
    tool: str,
    tool_input: Mapping[str, Any],
    ctx: CallContext,
    parts: list[str] | None,
    raw_command: str | None,
) -> Rule | None:
    """First rule covering the call; for shell calls, covering *any* part of it."""
    for rule in rules:
        if not rule.matches_tool(tool):
            continue
        if rule.kind != "shell":
            if rule.matches(tool, tool_input, ctx):
                return rule
            continue
        candidates = parts if parts is not None else ([raw_command] if raw_command else [])
        if any(rule.matches_command(p) for p in candidates):
            return rule
    return None


def _allow_all_parts(
    rules: Sequence[Rule],
    tool: str,
    tool_input: Mapping[str, Any],
    ctx: CallContext,
    parts: list[str] | None,
) -> tuple[Rule, ...] | None:
    """The allow rules covering *every* part of a shell call, or None if some part is not."""
    tool_wide = next((r for r in rules if r.kind == "tool" and r.matches_tool(tool)), None)
    if tool_wide is not None:
        return (tool_wide,)
    if parts is None:  # unparseable: never auto-allowed by a specific rule (fail closed)
        return None
    used: list[Rule] = []
    for part in parts or [""]:
        rule = next(
            (
                r
                for r in rules
                if r.kind == "shell" and r.matches_tool(tool) and r.matches_command(part)
            ),
            None,
        )
        if rule is None:
            return None
        if rule not in used:
            used.append(rule)
    return tuple(used)


def _allowing(
    rules: Sequence[Rule],
    tool: str,
    tool_input: Mapping[str, Any],
    ctx: CallContext,
    is_shell: bool,
    parts: list[str] | None,
) -> tuple[Rule, ...] | None:
    if is_shell:
        return _allow_all_parts(rules, tool, tool_input, ctx, parts)
    return next(((r,) for r in rules if r.matches(tool, tool_input, ctx)), None)


def reads_input(scope: Scope, tool: str, session_grants: Sequence[Rule] = ()) -> bool:
    """Whether :func:`evaluate` could look past the tool *name* for this tool: True as soon as
    one rule covering ``tool`` has a specifier. When False, every call to ``tool`` gets the
    same decision, whatever its input (the engine caches it by name alone)."""
    rules = (*scope.deny, *scope.ask, *scope.allow, *session_grants)
    return any(rule.kind != "tool" for rule in rules if rule.matches_tool(tool))


_STRICTNESS = {"deny": 3, "ask": 2, "unscoped": 1, "allow": 0}


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
    """:func:`evaluate`, with a patch judged file by file (Codex ``apply_patch`` names no
    ``file_path``: each file it touches meets the path rules, and the strictest verdict
    wins). ``paths``: the files when the caller already knows them; ``decide``: an
    evaluation to use per input (the engine's cached one)."""
    tool_input = tool_input if isinstance(tool_input, Mapping) else {}
    judge = decide or (lambda t, i: evaluate(scope, t, i, ctx, session_grants))
    files = list(paths) if paths else patched_files(tool, tool_input)
    if not files or path_of(tool_input) is not None:
        return judge(tool, tool_input)
    decisions = [judge(tool, {"file_path": str(f)}) for f in files]
    return max(decisions, key=lambda d: _STRICTNESS.get(d.verdict, 2))


def evaluate(
    scope: Scope | None,
    tool: str,
    tool_input: Mapping[str, Any] | None,
    ctx: CallContext | None = None,
    session_grants: Sequence[Rule] = (),
) -> ScopeDecision:
    """Judge one call. ``session_grants`` are rules an operator allowed for this session only;
    they rank after deny (a grant never overrides a deny rule) and before ask."""
    if scope is None:
        return UNKNOWN_AGENT
    ctx = ctx or CallContext()
    tool_input = tool_input if isinstance(tool_input, Mapping) else {}
    is_shell = canonical_tool(tool) in SHELL_TOOLS
    parts = split_shell(tool_input) if is_shell else None
    raw = command_of(tool_input) if is_shell else None
    raw = " ".join(raw.split()) if raw else None

    rule = _first_match(scope.deny, tool, tool_input, ctx, parts, raw)
    if rule is not None:
        return ScopeDecision("deny", rule.text, "deny", "deny")
    used = _allowing(session_grants, tool, tool_input, ctx, is_shell, parts)
    if used:
        texts = tuple(r.text for r in used)
        return ScopeDecision("allow", " + ".join(texts), "session", "allow", texts)
    rule = _first_match(scope.ask, tool, tool_input, ctx, parts, raw)
    if rule is not None:
        return ScopeDecision("ask", rule.text, "ask", "ask")
    used = _allowing(scope.allow, tool, tool_input, ctx, is_shell, parts)
    if used:
        texts = tuple(r.text for r in used)
        return ScopeDecision("allow", " + ".join(texts), "allow", "allow", texts)
    return ScopeDecision("unscoped", None, "default", scope.default)
