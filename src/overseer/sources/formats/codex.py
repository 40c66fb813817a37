"""Codex CLI rollouts: ``~/.codex/sessions/YYYY/MM/DD/rollout-<time>-<uuid>.jsonl``.

One file is one session. Records are ``{"timestamp", "type", "payload"}``:

* ``session_meta`` — the session id and its cwd (a SESSION_START);
* ``turn_context`` — the cwd (and policies) of the next turn: remembered, not shown;
* ``response_item`` — ``function_call`` (``exec_command``, ``shell``, ``write_stdin``,
  ``mcp__server__tool``…), ``custom_tool_call`` (``apply_patch``), ``local_shell_call`` and
  ``web_search_call`` are TOOL_CALLs; ``function_call_output`` / ``custom_tool_call_output``
  are their results, paired by ``call_id`` downstream; a call never answered is pending;
  assistant ``message`` items are MESSAGEs;
* ``event_msg`` — only ``user_message`` (what the human typed) is kept: the others repeat
  response items or are UI progress.

Rollouts from before the ``payload`` wrapper (items at the top level) are read too.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

from overseer.model import CallStatus, Event, EventKind
from overseer.policy.shell import patch_paths
from overseer.sources.formats._common import (
    BadRecord,
    BaseParser,
    BoundedMap,
    Item,
    ident,
    message,
    opt_text,
    parse_ts,
    text_of,
    tool_call,
    tool_result,
)
from overseer.untrusted import SUMMARY_LIMIT, neutralise

_ROLLOUT_ID = re.compile(
    r"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.jsonl$", re.IGNORECASE
)
_EXIT = re.compile(r"^(?:Process exited with code|Exit code:?) (-?\d+)", re.MULTILINE)
_CALLS = frozenset({"function_call", "custom_tool_call", "local_shell_call", "web_search_call"})
_OUTPUTS = frozenset({"function_call_output", "custom_tool_call_output"})
_ITEMS = _CALLS | _OUTPUTS | {"message", "reasoning"}
REJECTED_BY_USER = ("exec command rejected by user", "patch rejected by user", "rejected by user")
BLOCKED_BY_GUARDIAN = "This action was rejected due to unacceptable risk"


def output_status(text: str, success: Any = None, exit_code: Any = None) -> CallStatus:
    """What happened to a Codex call, from its output text (Codex's own fixed phrases)."""
    head = text.lstrip()[:300]
    if head.startswith(REJECTED_BY_USER):
        return CallStatus.REJECTED
    if head.startswith(BLOCKED_BY_GUARDIAN):
        return CallStatus.BLOCKED
    if head in ("aborted", "aborted by user") or head.startswith("aborted by user"):
        return CallStatus.INTERRUPTED
    if success is False:
        return CallStatus.ERROR
    if isinstance(exit_code, int) and not isinstance(exit_code, bool):
        return CallStatus.OK if exit_code == 0 else CallStatus.ERROR
    found = _EXIT.search(head)
    if found and int(found.group(1)) != 0:
        return CallStatus.ERROR
    return CallStatus.OK


def _arguments(raw: Any) -> dict[str, Any]:
    """``arguments`` is JSON text; keep anything else (redacted logs, plain text) as-is."""
    if isinstance(raw, dict):
        return raw
    if isinstance(raw, str):
        try:
            value = orjson.loads(raw)
        except orjson.JSONDecodeError:
            return {"arguments": raw}
        return value if isinstance(value, dict) else {"arguments": value}
    return {} if raw is None else {"arguments": raw}


class CodexParser(BaseParser):
    """State: the session id and cwd (from ``session_meta``/``turn_context``), whether the
    session was announced, and recent call ids → tool names."""

    format = "codex"

    def _restore(self, state: dict[str, Any]) -> None:
        session = state.get("session")
        found = _ROLLOUT_ID.search(self.source)
        if isinstance(session, str) and session:
            self.session = session
        elif found:
            self.session = found.group(1).lower()
        else:
            stem = self.source.replace("\\", "/").rsplit("/", 1)[-1]
            self.session = ident(stem.removesuffix(".jsonl") or "codex", "session")
        cwd = state.get("cwd")
        self.cwd: str | None = cwd if isinstance(cwd, str) else None
        self.started = state.get("started") is True
        self.tools = BoundedMap(256, state.get("tools"))

    @property
    def state(self) -> dict[str, Any]:
        return {
            "session": self.session,
            "cwd": self.cwd,
            "started": self.started,
            "tools": self.tools.data,
        }

    def _common(self, ts: Any, lineno: int) -> dict[str, Any]:
        return {
            "session": self.session,
            "ts": ts,
            "source": self.source,
            "line": lineno,
            "cwd": self.cwd,
        }

    def _record(self, record: dict[str, Any], lineno: int) -> list[Item]:
        rtype = record.get("type")
        payload = record.get("payload")
        if rtype in _ITEMS and payload is None:  # pre-wrapper rollouts: the item is the record
            rtype, payload = "response_item", record
        elif rtype is None and "id" in record and "instructions" in record:
            rtype, payload = "session_meta", record  # pre-wrapper first line
        if rtype not in ("session_meta", "turn_context", "response_item", "event_msg"):
            return []  # compacted, state markers, future record types
        if not isinstance(payload, dict):
            raise BadRecord(
                "missing field 'payload'" if payload is None else "'payload' must be an object"
            )
        ts = parse_ts(record.get("timestamp", payload.get("timestamp")), "timestamp")
        if rtype == "session_meta":
            return self._session_meta(payload, ts, lineno)
        if rtype == "turn_context":
            cwd = opt_text(payload.get("cwd"))
            if cwd:
                self.cwd = cwd
            return []
        out: list[Item] = []
        if not self.started:
            out.append(self._start(ts, lineno, {}))
        if rtype == "event_msg":
            if payload.get("type") == "user_message":
                text = payload.get("message")
                if isinstance(text, str) and text.strip():
                    out.append(message(role="user", text=text, **self._common(ts, lineno)))
            return out
        kind = payload.get("type")
        if kind in _CALLS:
            out.extend(self._call(kind, payload, ts, lineno))
        elif kind in _OUTPUTS:
            out.append(self._output(payload, ts, lineno))
        elif kind == "message" and payload.get("role") == "assistant":
            text = text_of(payload.get("content"))
            if text.strip():
                out.append(message(role="assistant", text=text, **self._common(ts, lineno)))
        return out

    def _start(self, ts: Any, lineno: int, extra: dict[str, Any]) -> Event:
        self.started = True
        return Event(
            kind=EventKind.SESSION_START,
            summary=neutralise(self.cwd or "", limit=SUMMARY_LIMIT),
            extra=extra,
            **self._common(ts, lineno),
        )

    def _session_meta(self, payload: dict[str, Any], ts: Any, lineno: int) -> list[Item]:
        self.session = ident(payload.get("id"), "payload.id")
        cwd = opt_text(payload.get("cwd"))
        if cwd:
            self.cwd = cwd
        extra = {
            k: opt_text(payload[k], 200)
            for k in ("originator", "cli_version", "source", "model_provider")
            if isinstance(payload.get(k), str)
        }
        return [self._start(ts, lineno, extra)]

    def _call(self, kind: str, payload: dict[str, Any], ts: Any, lineno: int) -> list[Item]:
        common = self._common(ts, lineno)
        extra: dict[str, Any] = {}
        if kind == "function_call":
            tool = ident(payload.get("name"), "payload.name")
            tool_input = _arguments(payload.get("arguments"))
            patch = tool_input.get("input") if tool == "apply_patch" else None
        elif kind == "custom_tool_call":
            tool = ident(payload.get("name"), "payload.name")
            raw = payload.get("input")
            tool_input = {"input": raw} if not isinstance(raw, dict) else raw
            patch = raw if tool == "apply_patch" else None
        elif kind == "local_shell_call":
            tool = "local_shell"
            action = payload.get("action")
            tool_input = dict(action) if isinstance(action, dict) else {}
            tool_input.pop("type", None)
            patch = None
        else:  # web_search_call: no call id and no separate output, so call + result at once
            action = payload.get("action")
            tool_input = dict(action) if isinstance(action, dict) else {}
            call_id = payload.get("id") or payload.get("call_id") or f"web_search:{lineno}"
            call_id = ident(call_id, "payload.id")
            status = (
                CallStatus.OK if payload.get("status") in (None, "completed") else CallStatus.ERROR
            )
            return [
                tool_call(tool="web_search", call_id=call_id, tool_input=tool_input, **common),
                tool_result(call_id=call_id, output="", status=status, tool="web_search", **common),
            ]
        call_id = ident(payload.get("call_id") or payload.get("id"), "payload.call_id")
        if isinstance(patch, str):
            extra["paths"] = patch_paths(patch)
        self.tools[call_id] = tool
        if extra:
            common["extra"] = extra
        event = tool_call(tool=tool, call_id=call_id, tool_input=tool_input, **common)
        if extra.get("paths"):  # "src/lib.rs, src/api.rs" says more than the patch's first line
            event.summary = neutralise(", ".join(extra["paths"]), limit=SUMMARY_LIMIT)
        return [event]

    def _output(self, payload: dict[str, Any], ts: Any, lineno: int) -> Event:
        call_id = ident(payload.get("call_id"), "payload.call_id")
        raw = payload.get("output")
        success = None
        if isinstance(raw, dict):  # {"content": ..., "success": bool}
            success = raw.get("success")
            raw = raw.get("content", raw.get("output"))
        text = text_of(raw)
        extra: dict[str, Any] = {}
        exit_code = None
        if text.startswith("{") and '"output"' in text[:4000]:
            try:
                wrapped = orjson.loads(text)
            except orjson.JSONDecodeError:
                wrapped = None
            if isinstance(wrapped, dict) and isinstance(wrapped.get("output"), str):
                text = wrapped["output"]
                metadata = wrapped.get("metadata")
                if isinstance(metadata, dict):
                    exit_code = metadata.get("exit_code")
                    extra = {k: v for k, v in metadata.items() if isinstance(v, int | float | str)}
        status = output_status(text, success, exit_code)
        fields = self._common(ts, lineno)
        if extra:
            fields["extra"] = extra
        return tool_result(
            call_id=call_id, output=text, status=status, tool=self.tools.get(call_id), **fields
        )
