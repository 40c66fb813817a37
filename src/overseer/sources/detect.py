"""Which format a log file is in, from its first complete lines (and its path as a hint).

Content decides first, because a copied file loses its telling path; the path
(``~/.claude/projects``, ``~/.codex/sessions/…/rollout-*.jsonl``) settles files whose first
lines say nothing yet. ``--format`` overrides all of this.
"""

from __future__ import annotations

import re

import orjson

from overseer.model import EventKind

#: Read this much of a file's head to decide; an undecided file is looked at again as it grows.
SNIFF_BYTES = 64 * 1024
#: After this many complete lines without a verdict, the file is reported as unrecognised.
GIVE_UP_LINES = 50

_NATIVE_KINDS = frozenset(k.value for k in EventKind)
_CODEX_TYPES = frozenset(
    {"session_meta", "turn_context", "response_item", "event_msg", "compacted"}
)
_CLAUDE_TYPES = frozenset(
    {
        "user",
        "assistant",
        "system",
        "summary",
        "progress",
        "file-history-snapshot",
        "queue-operation",
    }
)
_CODEX_PATH = re.compile(r"(?:^|/)rollout-[^/]*\.jsonl$")
_CLAUDE_PATH = re.compile(r"(?:^|/)\.claude/projects/")


def classify(record: object) -> str | None:
    """The format one parsed record belongs to, or None if it could be any."""
    if not isinstance(record, dict):
        return None
    if "resourceSpans" in record or "resourceLogs" in record or "resourceMetrics" in record:
        return "otlp"
    if record.get("kind") in _NATIVE_KINDS and "session" in record:
        return "native"
    rtype = record.get("type")
    if rtype in _CODEX_TYPES and "payload" in record:
        return "codex"
    if "sessionId" in record or "parentUuid" in record or rtype in _CLAUDE_TYPES:
        return "claude_code"
    return None


def path_hint(path: str) -> str | None:
    norm = path.replace("\\", "/")
    if _CODEX_PATH.search(norm) and "/sessions/" in norm:
        return "codex"
    if _CLAUDE_PATH.search(norm):
        return "claude_code"
    return None


def detect_format(head: bytes, path: str = "") -> str | None:
    """The format of a file whose first bytes are ``head``; None when undecided so far.

    Only complete lines are looked at (a half-written first line says nothing yet)."""
    end = head.rfind(b"\n")
    lines = head[:end].split(b"\n") if end >= 0 else []
    for raw in lines[:GIVE_UP_LINES]:
        if not raw.strip():
            continue
        try:
            found = classify(orjson.loads(raw))
        except orjson.JSONDecodeError:
            continue
        if found:
            return found
    return path_hint(path)


def complete_lines(head: bytes) -> int:
    """How many complete lines ``head`` holds (to know when to stop waiting for a verdict)."""
    return head.count(b"\n")


def sniff(path: str) -> str | None:
    """Read the head of ``path`` and detect its format (None: undecided or unreadable)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(SNIFF_BYTES)
    except OSError:
        return path_hint(path)
    return detect_format(head, path)
