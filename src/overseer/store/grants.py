""" "Approve for this session": which rule an operator's one click grants.

Deliberately narrow — the rule allows *this call again*, never more: a session grant is made
in a hurry, at 3 a.m., from one example. So the gated call's own ask rule is not granted
(``Bash`` asked about one command must not become "every command for the rest of the
session"), and no glob is ever written: a command, path or host holding a wildcard
character gets no grant (the operator approves it once instead). Every derived rule is parsed
back and checked to match the call it came from.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from overseer.policy.rules import (
    PATH_TOOLS,
    SHELL_TOOLS,
    URL_TOOLS,
    CallContext,
    Rule,
    RuleSyntaxError,
    canonical_tool,
    path_of,
    split_shell,
)

_GLOB = frozenset("*?[]")
_GITIGNORE = _GLOB | frozenset("!#\\")
_PRIMARY_KEYS = ("command", "cmd", "file_path", "path", "url", "query", "pattern", "prompt")


class NoGrant(ValueError):
    """No exact rule covers this call; the message says why (approve it once instead)."""


def session_rules(tool: str, tool_input: Mapping[str, Any], cwd: str | None) -> list[str]:
    """The exact rules that allow this call (one per simple command of a compound command)."""
    family = canonical_tool(tool)
    if tool in SHELL_TOOLS or family in SHELL_TOOLS:
        return _shell_rules(tool, tool_input)
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


def _shell_rules(tool: str, tool_input: Mapping[str, Any]) -> list[str]:
    parts = split_shell(tool_input)
    if not parts:
        raise NoGrant("the command cannot be parsed, so no rule can name it exactly")
    rules: list[str] = []
    for part in parts:
        if "*" in part or part.rstrip().endswith(":"):
            raise NoGrant(f"{part[:60]!r} has a '*': a rule for it would be a wildcard")
        text = f"{tool}({part})"
        try:
            rule = Rule(text)
        except RuleSyntaxError as exc:
            raise NoGrant(str(exc)) from None
        if rule.kind != "shell" or not rule.matches_command(part):
            raise NoGrant(f"no exact rule matches {part[:60]!r}")
        if text not in rules:
            rules.append(text)
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
    url = tool_input.get("url")
    try:
        host = (urlsplit(url).hostname or "") if isinstance(url, str) else ""
    except ValueError:
        host = ""
    if not host or _GLOB & set(host):
        raise NoGrant(f"{tool} call has no plain host to name")
    return _checked(f"{tool}(domain:{host})", tool, tool_input, None)


def _checked(text: str, tool: str, tool_input: Mapping[str, Any], cwd: str | None) -> str:
    try:
        rule = Rule(text)
    except RuleSyntaxError as exc:
        raise NoGrant(str(exc)) from None
    if not rule.matches(tool, tool_input, CallContext(cwd=cwd)):
        raise NoGrant(f"the derived rule {text!r} would not match the call")
    return text
