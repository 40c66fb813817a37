"""One line that says what a tool call does: the approvals queue, the timeline, reports, CLI.

Pure (no I/O, no store): the gate hook writes an approval's summary with it and ingest writes
every call's, so a gated call and a logged call read the same everywhere.

* A known tool (Bash, Read, Edit, WebFetch, Codex's ``exec_command``…) is shown by its telling
  field: the command, the path, the URL.
* Any other tool (MCP, an in-house agent's, a known tool of an unexpected shape) is shown as
  ``key=value`` pairs, most telling first: identifiers and targets, then amounts and other
  scalars, then short text, long text and nested values last. ``mcp__stripe__create_refund``
  with ``{"charge": "ch_3Q8", "amount": 12900}`` reads ``charge=ch_3Q8 amount=12900``.
* Secrets are masked (:mod:`overseer.secrets`; a value under a key such as ``password`` or
  ``api_key`` is masked whatever it looks like) before anything is cut, so a cut never leaves
  half a token showing.
* The line is neutralised once, here (architecture.md, 2), and capped at
  :data:`~overseer.untrusted.SUMMARY_LIMIT`.

The tool's name is not part of the line: every screen shows it in a column of its own.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from typing import Any

from overseer.secrets import has_hint, hint_form, mask
from overseer.untrusted import SUMMARY_LIMIT, neutralise

#: Known tools and the fields that say what a call of theirs does, most telling first.
_COMMAND = ("command", "cmd")
_PATH = ("file_path", "notebook_path", "path")
KNOWN_TOOLS: dict[str, tuple[str, ...]] = {
    "Bash": _COMMAND, "BashOutput": ("bash_id",), "KillShell": ("shell_id",),
    "exec_command": _COMMAND, "shell": _COMMAND, "local_shell": _COMMAND,
    "container.exec": _COMMAND, "unified_exec": _COMMAND,
    "Read": _PATH, "Write": _PATH, "Edit": _PATH, "MultiEdit": _PATH, "LS": _PATH,
    "NotebookRead": _PATH, "NotebookEdit": _PATH, "view_image": _PATH,
    "Glob": ("pattern",), "Grep": ("pattern",),
    "WebFetch": ("url",), "WebSearch": ("query",), "web_search": ("query",),
    "Task": ("description", "prompt"), "Agent": ("description", "prompt"),
    "apply_patch": ("input", "patch"),
}  # fmt: skip
#: For these known tools, the fields shown as ``key=value`` after the telling one.
_SECONDARY: dict[str, tuple[str, ...]] = {
    "Grep": ("path", "glob", "type"),
    "Glob": ("path",),
}
#: Fields named like this are where an MCP tool or an API keeps its target.
_TARGETS = frozenset((
    "id", "charge", "customer", "account", "user", "username", "email", "to", "cc", "recipient",
    "target", "destination", "repo", "repository", "owner", "org", "organization", "branch",
    "ref", "channel", "table", "database", "db", "bucket", "host", "hostname", "domain", "url",
    "uri", "path", "file", "file_path", "filename", "name", "service", "env", "environment",
    "project", "issue", "pr", "pull_request", "number", "namespace", "cluster", "region",
    "queue", "topic",
))  # fmt: skip
_AMOUNTS = frozenset((
    "amount", "currency", "quantity", "qty", "count", "price", "total", "limit", "value",
    "size", "days", "hours", "duration", "ttl", "replicas",
))  # fmt: skip
#: A value under such a key is masked whatever its shape.
_SECRET_KEY = re.compile(
    r"(?i)passw(?:or)?d|passwd|^pwd$|secret|token|api[_-]?key|apikey|^auth$|authori[sz]ation"
    r"|credential|private[_-]?key|cookie|access[_-]?key|signing[_-]?key"
)
#: A string shown without quotes: no blanks, quotes, ``=`` or backslashes.
_PLAIN = re.compile(r"[^\s\"'=\\]+")
#: How much of one value is shown, and how much of it is read for secrets first.
VALUE_CAP = 60
_WINDOW = SUMMARY_LIMIT * 4
#: Fields looked at, at most (a call with ten thousand keys costs what one with 32 does).
_MAX_FIELDS = 32


def summarise(tool: str | None, tool_input: Any) -> str:
    """The one line for a call of ``tool`` with ``tool_input`` (neutralised, masked, capped)."""
    if not isinstance(tool_input, Mapping):
        if tool_input is None or tool_input == "":
            return ""
        return neutralise(_compact(tool_input, _WINDOW), limit=SUMMARY_LIMIT)
    if not tool_input:
        return ""
    keys = KNOWN_TOOLS.get(tool or "")
    if keys is not None:
        telling = _telling(tool_input, keys)
        if telling is not None:
            head = _mask(telling[:_WINDOW])
            extra = [k for k in _SECONDARY.get(tool or "", ()) if k in tool_input]
            if extra:
                head = " ".join([head, *(_pair(k, tool_input[k]) for k in extra)])
            return neutralise(head, limit=SUMMARY_LIMIT)
    return neutralise(pairs(tool_input), limit=SUMMARY_LIMIT)


def pairs(tool_input: Mapping[str, Any]) -> str:
    """``key=value`` pairs, most telling first, each value masked and cut (not neutralised)."""
    if len(tool_input) == 1:  # nothing to rank, and the first pair is always shown
        for key, value in tool_input.items():
            return _pair(key if type(key) is str else str(key), value)
    fields = []
    for position, (key, value) in enumerate(tool_input.items()):
        if position >= _MAX_FIELDS:
            break
        name = key if type(key) is str else str(key)
        fields.append((_rank(name, value), position, name, value))
    if len(fields) > 1:
        fields.sort(key=_order)
    out: list[str] = []
    length = 0
    for _, _, key, value in fields:
        if length > SUMMARY_LIMIT:  # the rest would be cut off anyway
            break
        pair = _pair(key, value)
        out.append(pair)
        length += len(pair) + 1
    return " ".join(out)


def _order(field: tuple[int, int, str, Any]) -> tuple[int, int]:
    return field[0], field[1]


def _telling(tool_input: Mapping[str, Any], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = tool_input.get(key)
        if isinstance(value, str) and value:
            return value
        if isinstance(value, list) and value:
            words = [w for w in value if isinstance(w, str)]
            if len(words) == 3 and words[0].endswith("sh") and words[1] in ("-c", "-lc"):
                return words[2]  # Codex: ["bash", "-lc", "<script>"]
            return " ".join(words)
    return None


def _rank(key: str, value: Any) -> int:
    if isinstance(value, dict | list | tuple) or (isinstance(value, str) and len(value) > 80):
        return 4  # long text and nested values last
    named = _key_rank(key) if len(key) <= _KEY_CACHE_LEN else _name_rank(key)
    if named == 0:
        return 0
    if named == 1 or (isinstance(value, int | float) and not isinstance(value, bool)):
        return 1
    if isinstance(value, bool) or value is None or (isinstance(value, str) and len(value) <= 40):
        return 2
    return 3


def _name_rank(key: str) -> int:
    """What a key's name alone says: 0 a target, 1 an amount, 2 nothing."""
    lowered = key.lower()
    if (
        lowered in _TARGETS
        or lowered.endswith(("_id", "_ids", "-id"))
        or (key.endswith(("Id", "ID")) and len(key) > 2)
    ):
        return 0
    return 1 if lowered in _AMOUNTS else 2


def _key_form(key: str) -> tuple[str, bool]:
    """A key as a pair shows it (masked, cut) and whether its value is kept secret."""
    return _cut(_mask(key[:_WINDOW]), 40), _SECRET_KEY.search(key) is not None


#: Agents repeat their keys (``ticket_id``, ``query``): what a short key's name says is
#: worked out once (a pure function of the key; bounded caches).
_KEY_CACHE_LEN = 64
_key_rank = functools.lru_cache(maxsize=4096)(_name_rank)
_cached_key_form = functools.lru_cache(maxsize=4096)(_key_form)


def _pair(key: str, value: Any) -> str:
    shown_key, secret = _cached_key_form(key) if len(key) <= _KEY_CACHE_LEN else _key_form(key)
    if secret and isinstance(value, str) and value:
        return f"{shown_key}=‹secret›"
    return f"{shown_key}={_compact(value, VALUE_CAP)}"


def _scalar(value: Any) -> str:
    """``json.dumps`` of None, a bool, an int or a float (the same text, without its
    encoder's set-up: ints and finite floats are their ``repr``)."""
    kind = type(value)
    if kind is int:
        return int.__repr__(value)  # ValueError past the digit limit, as json.dumps raises
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if kind is float and value - value == 0.0:  # finite (json.dumps writes NaN, Infinity)
        return float.__repr__(value)
    return json.dumps(value)


def _mask(text: str) -> str:
    """:func:`~overseer.secrets.mask`, without its set-up for text that holds no secret hint
    (``find_secrets`` looks for one first and finds nothing without it)."""
    return mask(text) if has_hint(hint_form(text)) else text


def _quoted(text: str) -> str:
    """``json.dumps(text, ensure_ascii=False)``; printable ASCII needs only ``\\`` and ``"``
    escaped (and json's encoder set-up costs more than the text)."""
    if text.isascii() and text.isprintable():
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return json.dumps(text, ensure_ascii=False)


def _cut(text: str, cap: int) -> str:
    return text if len(text) <= cap else text[:cap] + "…"


def _compact(value: Any, cap: int, depth: int = 0) -> str:
    """A short JSON-like form of ``value``: strings masked, cut at ``cap``; bounded work."""
    if isinstance(value, str):
        text = _cut(_mask(value[:_WINDOW]), cap)
        if _PLAIN.fullmatch(text) and depth == 0:
            return text
        return _quoted(text)
    if value is None or isinstance(value, bool | int | float):
        try:
            return _scalar(value)
        except (TypeError, ValueError):
            return str(value)
    if depth >= 3:
        return "…"
    if isinstance(value, Mapping):
        parts: list[str] = []
        for position, (key, item) in enumerate(value.items()):
            if position >= 8 or sum(len(p) + 2 for p in parts) > cap:
                parts.append("…")
                break
            shown = (
                '"‹secret›"' if isinstance(item, str) and item and _SECRET_KEY.search(str(key))
                else _compact(item, cap, depth + 1)
            )  # fmt: skip
            parts.append(f"{_quoted(_cut(_mask(str(key)[:_WINDOW]), 40))}:"
                         f"{shown}")  # fmt: skip
        return _cut("{" + ",".join(parts) + "}", cap)
    if isinstance(value, list | tuple):
        parts = []
        for position, item in enumerate(value):
            if position >= 8 or sum(len(p) + 1 for p in parts) > cap:
                parts.append("…")
                break
            parts.append(_compact(item, cap, depth + 1))
        return _cut("[" + ",".join(parts) + "]", cap)
    return _cut(_mask(str(value)[:_WINDOW]), cap)
