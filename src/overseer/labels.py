"""A tool call's action label (``Bash:git push``): what the review counts a call by, and what
the store writes into each call row's ``label`` column so that the review's counts are SQL.

Pure (no I/O, no store, no report): the store (writing the column) and the report (reading a
call that has no stored label, the suggestions) both use it, and neither imports the other.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import orjson

from overseer.policy.autonomy import action_label
from overseer.policy.rules import SHELL_TOOLS, TOOL_ALIASES, canonical_tool, command_of

#: Commands longer than this are labelled by the tool alone (not worth parsing for a label).
COMMAND_LIMIT = 4096


def json_object(text: str | bytes) -> dict[str, Any] | None:
    """JSON text that holds an object, parsed; anything else ``None``."""
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


@functools.lru_cache(maxsize=8192)
def _label_of_command(tool: str, command: str) -> str:
    return action_label(tool, {"command": command})


def call_label(tool: str, tool_input: Any) -> str:
    """:func:`action_label` with a cache: a large store repeats the same commands, and
    parsing a shell command is the costly part of a review."""
    if canonical_tool(tool) not in SHELL_TOOLS or not isinstance(tool_input, Mapping):
        return tool
    command = command_of(tool_input)
    if command is None:
        return canonical_tool(tool)
    if len(command) > COMMAND_LIMIT:
        return canonical_tool(tool)
    return _label_of_command(tool, command)


def shell_input(tool: str, value: Any) -> Any:
    """A call's input as the review reads it for its label: JSON text is parsed for shell
    tools only (the others are labelled by their name); a parsed value is kept."""
    if isinstance(value, str | bytes):
        return json_object(value) if canonical_tool(tool) in SHELL_TOOLS else None
    return value


def shell_tool_names() -> frozenset[str]:
    """The tool names judged as shell commands (``canonical_tool`` maps them to a shell)."""
    return frozenset(
        {name for name, family in TOOL_ALIASES.items() if family in SHELL_TOOLS}
        | {name for name in SHELL_TOOLS if TOOL_ALIASES.get(name, name) in SHELL_TOOLS}
    )


def stored_label(tool: str | None, text: str | None) -> str | None:
    """The ``label`` column of a tool call: for a shell tool :func:`call_label` of the stored
    input text (parsed as the review parses it), ``None`` for other tools and for a shell
    call whose input is an object naming no command the label could read (labelled by the
    tool alone: the review counts it as unjudged)."""
    if tool is None or canonical_tool(tool) not in SHELL_TOOLS:
        return None
    value = shell_input(tool, text)
    label = call_label(tool, value)
    if label == canonical_tool(tool) and isinstance(value, Mapping) and value:
        return None
    return str(label)
