""" "Approve for this session": which rule an operator's one click grants.

Deliberately narrow — the rule allows *this call again*, never more: a session grant is made
in a hurry, at 3 a.m., from one example. So the gated call's own ask rule is not granted
(``Bash`` asked about one command must not become "every command for the rest of the
session"), and no glob is ever written: a command, path or URL holding a wildcard
character gets no grant (the operator approves it once instead). A WebFetch grant names the
exact URL as Node fetches it, never its whole domain. Every derived rule is parsed back and
checked to match the call it came from.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from typing import Any

from overseer.policy.rules import (
    PATH_TOOLS,
    SHELL_TOOLS,
    URL_TOOLS,
    CallContext,
    Rule,
    RuleSyntaxError,
    canonical_tool,
    exact_grant,
    grant_key,
    path_of,
    shell_analysis,
)
from overseer.policy.urls import grant_rule_for, parse_url

_GLOB = frozenset("*?[]")
_GITIGNORE = _GLOB | frozenset("!#\\")
_PRIMARY_KEYS = ("command", "cmd", "file_path", "path", "url", "query", "pattern", "prompt")


class NoGrant(ValueError):
    """No exact rule covers this call; the message says why (approve it once instead)."""


def session_rules(tool: str, tool_input: Mapping[str, Any], cwd: str | None) -> list[str]:
    """The exact rules that allow this call (one per simple command of a compound command)."""
    family = canonical_tool(tool)
    if tool in SHELL_TOOLS or family in SHELL_TOOLS:
        return _shell_rules(tool, tool_input, cwd)
    if family in PATH_TOOLS:
        return [_path_rule(tool, tool_input, cwd)]
    if family in URL_TOOLS:
        return [_url_rule(tool, tool_input)]
    primary = next((v for k in _PRIMARY_KEYS if isinstance(v := tool_input.get(k), str)), None)
    if primary is not None:
        if _GLOB & set(primary) or "(" in primary or ")" in primary:
            raise NoGrant(f"{tool} input {primary[:60]!r} has wildcard characters")
        return [_checked(f"{tool}({primary})", tool, tool_input, cwd)]
    # Tools without a primary argument (most MCP tools): the tool itself, as Claude Code does.
    return [_checked(tool, tool, tool_input, cwd)]


def _shell_rules(tool: str, tool_input: Mapping[str, Any], cwd: str | None) -> list[str]:
    """One exact grant per simple command: its argv with its environment prefixes, in the
    directory it was approved in (``GIT_SSH_COMMAND=... git push`` is another command, and
    ``git push origin 'main --force'`` is not ``git push origin main --force``)."""
    analysis = shell_analysis(tool_input)
    if analysis is None or analysis.problems:
        why = analysis.problems[0] if analysis is not None and analysis.problems else ""
        raise NoGrant(f"the command is not modelled exactly, so no rule can name it ({why})")
    if analysis.accesses:
        raise NoGrant("the command reads or writes files: approve it once instead")
    if not cwd:
        raise NoGrant("the session's directory is unknown, so no rule can name where it runs")
    rules: list[str] = []
    for cmd in analysis.commands:
        if not cmd.words:
            continue
        if not cmd.exact or not all(
            w.static and not w.glob for w in (*cmd.words, *(v for _n, v in cmd.assignments))
        ):
            raise NoGrant(f"{cmd.text[:60]!r} is not known exactly until it runs")
        argv, env = grant_key(cmd)
        text = f"{tool}({exact_grant(argv, env, cwd)})"
        try:
            rule = Rule(text)
        except RuleSyntaxError as exc:
            raise NoGrant(str(exc)) from None
        if not rule.matches_exact(argv, env, cwd):
            raise NoGrant(f"no exact rule matches {cmd.text[:60]!r}")
        if text not in rules:
            rules.append(text)
    if not rules:
        raise NoGrant("the command runs nothing a rule could name")
    return rules


def _path_rule(tool: str, tool_input: Mapping[str, Any], cwd: str | None) -> str:
    path = path_of(tool_input)
    if path is None:
        raise NoGrant(f"{tool} call names no path")
    if not path.startswith("/"):
        if not cwd:
            raise NoGrant(f"relative path {path[:60]!r} and the session's directory is unknown")
        path = posixpath.join(cwd, path)
    path = posixpath.normpath(path)
    if _GITIGNORE & set(path) or path != path.strip():
        raise NoGrant(f"path {path[:60]!r} has pattern characters")
    return _checked(f"{tool}(/{path})", tool, tool_input, cwd)  # "//abs" = from the root


def _url_rule(tool: str, tool_input: Mapping[str, Any]) -> str:
    # Exactly this URL (its WHATWG href, what Node fetches), never the whole domain.
    url = tool_input.get("url")
    if not isinstance(url, str):
        raise NoGrant(f"{tool} call names no URL")
    spec = grant_rule_for(url)
    if spec is None:
        parsed = parse_url(url)
        if parsed is None:
            why = "it cannot be parsed as a URL"
        elif parsed.suspicious:
            why = f"it is ambiguous: {parsed.why}"
        else:
            why = "it has wildcard characters (*?[]), a query string included"
        raise NoGrant(f"no exact rule names {url[:60]!r}: {why}")
    return _checked(f"{tool}({spec})", tool, tool_input, None)


def _checked(text: str, tool: str, tool_input: Mapping[str, Any], cwd: str | None) -> str:
    try:
        rule = Rule(text)
    except RuleSyntaxError as exc:
        raise NoGrant(str(exc)) from None
    if not rule.matches(tool, tool_input, CallContext(cwd=cwd)):
        raise NoGrant(f"the derived rule {text!r} would not match the call")
    return text
