"""Claude Code transcripts: ``~/.claude/projects/<project>/<session>.jsonl`` (+ ``subagents/``).

Each line is one record; only ``user`` and ``assistant`` records carry what the operator
needs, and the many other types (``progress``, ``system``, ``summary``,
``file-history-snapshot``, ``queue-operation``…) are normal and skipped silently.

* An assistant record holds content blocks; each ``tool_use`` block is one TOOL_CALL.
* A user record's ``tool_result`` block is the TOOL_RESULT; what happened to the call is
  read from its text and ``is_error``: the user refused it in Claude Code's own prompt
  (*rejected*), a PreToolUse hook or a permission rule refused it (*blocked*), the user
  interrupted it (*interrupted*), it failed (*error*) or it ran (*ok*). Pairing a call
  with its result is by call id, downstream, in any order; a call never answered stays
  *pending*.
* Sub-agent work (``isSidechain`` records, ``subagents/*.jsonl``) belongs to the main
  session, each event marked ``extra["subagent"]`` with the sub-agent's id. That is how the
  gate sees it: Claude Code's hook calls from a sub-agent carry the parent's ``session_id``
  (with ``agent_id`` beside it), so the parent's scope, grants and kill are the sub-agent's
  too, and one call is one call, in one session (issue 15, bug 6). A sub-agent's records
  neither start nor end that session: the main transcript does (and a hook that stopped the
  sub-agent stopped only it).
* A hook that answered ``continue: false`` (``overseer kill``: the gate stops the agent) leaves
  a ``hook_stopped_continuation`` attachment: the session ends there, *stopped* — by overseer
  when the hook's stop reason is overseer's (``overseer: …``), else by that hook — which the
  process's exit code (0) and a normal end cannot tell apart.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from overseer.model import CallStatus, Event, EventKind
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

#: The attachment Claude Code records when a hook's ``continue: false`` stopped the session.
HOOK_STOPPED = "hook_stopped_continuation"
#: How overseer's gate begins every ``stopReason`` (:func:`overseer.control.hook.render`).
OVERSEER_STOP = "overseer:"
#: What Claude Code writes when the user answers "No" in its permission prompt.
REJECTION_PREFIXES = (
    "The user doesn't want to proceed with this tool use",
    "The user doesn't want to take this action",
)
INTERRUPTION_MARK = "[Request interrupted by user"
#: A PreToolUse hook that exited 2 / denied, or a permission rule that refused the call.
BLOCKED = re.compile(
    r"(?:Error: )?(?:"
    r"(?:PreToolUse|PermissionRequest)(?::\S+)? hook (?:error|blocked|denied)"
    r"|Hook (?:PreToolUse|PermissionRequest)(?::\S+)? (?:denied|blocked)"
    r"|Permission to use .{1,200}? has been denied"
    r"|Claude requested permissions to use "
    r")"
)
_SUBAGENT_DIR = re.compile(r"(?:^|[/\\])subagents[/\\]")


def result_status(text: str, is_error: bool, detail: Any) -> CallStatus:
    """What happened to a call, from its ``tool_result`` text and the record's
    ``toolUseResult`` (``detail``)."""
    head = text.lstrip()[:400]
    if is_error:
        if head.startswith(REJECTION_PREFIXES) or head.startswith(
            tuple("Error: " + p for p in REJECTION_PREFIXES)
        ):
            return CallStatus.REJECTED
        if INTERRUPTION_MARK in head:
            return CallStatus.INTERRUPTED
        if BLOCKED.match(head):
            return CallStatus.BLOCKED
        return CallStatus.ERROR
    if isinstance(detail, Mapping) and detail.get("interrupted") is True:
        return CallStatus.INTERRUPTED
    if head.startswith(INTERRUPTION_MARK):
        return CallStatus.INTERRUPTED
    return CallStatus.OK


class ClaudeCodeParser(BaseParser):
    """State: the sessions already announced and recent call ids → tool names."""

    format = "claude_code"

    def _restore(self, state: dict[str, Any]) -> None:
        started = state.get("started")
        self.started: list[str] = (
            [s for s in started if isinstance(s, str)] if isinstance(started, list) else []
        )
        self.tools = BoundedMap(256, state.get("tools"))
        self.subagent_file = bool(_SUBAGENT_DIR.search(self.source))
        stem = self.source.replace("\\", "/").rsplit("/", 1)[-1]
        self.file_stem = stem[:-6] if stem.endswith(".jsonl") else stem

    @property
    def state(self) -> dict[str, Any]:
        return {"started": self.started[-32:], "tools": self.tools.data}

    def _record(self, record: dict[str, Any], lineno: int) -> list[Item]:
        rtype = record.get("type")
        subagent = self._subagent(record)
        if subagent is not None:
            return self._sidechain(record, lineno, subagent)
        if rtype == "attachment":
            return self._attachment(record, lineno)
        return self._record_body(record, lineno)

    def _record_body(self, record: dict[str, Any], lineno: int) -> list[Item]:
        """A user or assistant record: its messages, calls and results (the session's start
        first, the first time the session is seen)."""
        rtype = record.get("type")
        if rtype != "assistant" and rtype != "user":
            return []  # progress, system, summary, snapshots…: normal, not for the timeline
        body = record.get("message")
        common = self._common(record, lineno)
        if not isinstance(body, dict):
            raise BadRecord(
                "missing field 'message'" if body is None else "'message' must be an object"
            )
        session, cwd = common["session"], common["cwd"]
        out: list[Item] = []
        if session not in self.started:
            self.started.append(session)
            extra = {
                k: opt_text(v, 200)
                for k, v in (
                    ("version", record.get("version")),
                    ("git_branch", record.get("gitBranch")),
                )
                if isinstance(v, str)
            }
            out.append(
                Event(
                    kind=EventKind.SESSION_START,
                    summary=neutralise(cwd or "", limit=SUMMARY_LIMIT),
                    extra=extra,
                    **common,
                )
            )
        content = body.get("content")
        if isinstance(content, str):
            if not record.get("isMeta") and content.strip():
                role = "system" if record.get("isCompactSummary") else rtype
                out.append(message(role=role, text=content, **common))
            return out
        if not isinstance(content, list):
            raise BadRecord("'message.content' must be a string or a list of blocks")
        for block in content:
            if not isinstance(block, dict):
                continue
            kind = block.get("type")
            if kind == "tool_use" and rtype == "assistant":
                out.append(self._call(block, common))
            elif kind == "tool_result":
                out.append(self._result(block, record.get("toolUseResult"), common))
            elif kind == "text":
                text = block.get("text")
                if isinstance(text, str) and text.strip() and not record.get("isMeta"):
                    out.append(message(role=rtype, text=text, **common))
        return out

    def _subagent(self, record: dict[str, Any]) -> str | None:
        """The sub-agent a record is from (its ``agentId``, else the file's name), or None
        for the main agent's own records."""
        if record.get("isSidechain") is not True and not self.subagent_file:
            return None
        agent_id = record.get("agentId")
        return opt_text(agent_id if isinstance(agent_id, str) and agent_id else self.file_stem, 200)

    def _sidechain(self, record: dict[str, Any], lineno: int, subagent: str) -> list[Item]:
        """A sub-agent's record: its calls, results and messages, in the main session, each
        marked with the sub-agent; never the session's start or end (see the module doc)."""
        if record.get("type") not in ("assistant", "user"):
            return []
        before = list(self.started)
        try:
            out = [item for item in self._record_body(record, lineno) if not _is_start(item)]
        finally:
            self.started[:] = before  # the main agent's own first record starts the session
        for item in out:
            if isinstance(item, Event):
                item.extra = {**item.extra, "subagent": subagent}
                if item.kind == EventKind.TOOL_CALL:  # the timeline says whose call it is
                    # (the summary is neutralised already: only the label is, here)
                    shown = neutralise(f"sub-agent {subagent}: ", limit=80) + item.summary
                    if len(shown) > SUMMARY_LIMIT:
                        shown = shown[: SUMMARY_LIMIT - 1] + "…"
                    item.summary = shown
        return out

    def _common(self, record: dict[str, Any], lineno: int) -> dict[str, Any]:
        """The fields every event of this record shares (the main session's, a sub-agent's
        records included)."""
        return {
            "session": ident(record.get("sessionId"), "sessionId"),
            "ts": parse_ts(record.get("timestamp"), "timestamp"),
            "source": self.source,
            "line": lineno,
            "cwd": opt_text(record.get("cwd")),
        }

    def _attachment(self, record: dict[str, Any], lineno: int) -> list[Item]:
        """Only a hook's ``continue: false`` matters here: the session ends, stopped (status
        ``stopped``, not a normal end; the kill itself is the audit chain's, not the log's)."""
        attachment = record.get("attachment")
        if not isinstance(attachment, dict) or attachment.get("type") != HOOK_STOPPED:
            return []  # environment, reminders, hook successes…: not for the timeline
        common = self._common(record, lineno)
        said = opt_text(attachment.get("message")) or ""
        hook = opt_text(attachment.get("hookName"), 200)
        if said.startswith(OVERSEER_STOP):
            by, reason = "overseer", f"stopped by overseer: {said[len(OVERSEER_STOP) :].strip()}"
        else:
            by, reason = "hook", f"stopped by hook {hook or '(unnamed)'}: {said}"
        extra: dict[str, Any] = {"stopped_by": by}
        if hook is not None:
            extra["hook"] = hook
        call_id = attachment.get("toolUseID")
        if isinstance(call_id, str) and call_id:
            extra["call_id"] = opt_text(call_id, 200)
        return [
            Event(
                kind=EventKind.SESSION_END,
                reason=reason,
                summary=neutralise(reason, limit=SUMMARY_LIMIT),
                extra=extra,
                **common,
            )
        ]

    def _call(self, block: dict[str, Any], common: dict[str, Any]) -> Event:
        call_id = ident(block.get("id"), "tool_use.id")
        tool = ident(block.get("name"), "tool_use.name")
        tool_input = block.get("input")
        if tool_input is None:
            tool_input = {}
        elif not isinstance(tool_input, dict):
            tool_input = {"input": tool_input}
        self.tools[call_id] = tool
        return tool_call(tool=tool, call_id=call_id, tool_input=tool_input, **common)

    def _result(self, block: dict[str, Any], detail: Any, common: dict[str, Any]) -> Event:
        call_id = ident(block.get("tool_use_id"), "tool_result.tool_use_id")
        text = text_of(block.get("content"))
        status = result_status(text, block.get("is_error") is True, detail)
        return tool_result(
            call_id=call_id, output=text, status=status, tool=self.tools.get(call_id), **common
        )


def _is_start(item: Item) -> bool:
    return isinstance(item, Event) and item.kind == EventKind.SESSION_START
