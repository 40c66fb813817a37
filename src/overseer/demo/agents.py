"""Simulated agents: threads that write real session logs and ask the real gate.

Each agent follows its :class:`~overseer.demo.script.AgentScript`: it appends the tool call
to its log (native JSON lines, or a Claude Code transcript), asks
:func:`overseer.gate.request_approval` — the same store protocol as the Claude Code hook —
and appends the result: the tool's output when allowed, the refusal when not, then tries the
step's ``instead`` steps. A killed session stops the agent, as ``continue: false`` stops
Claude Code.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from overseer.config import Config
from overseer.control.gate import Decision, request_approval
from overseer.demo.script import AgentScript, Step


def _ts(now: float | None = None) -> str:
    moment = datetime.fromtimestamp(time.time() if now is None else now, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class SessionLog:
    """Appends one session's records; each line is flushed at once, as agents do."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._fh = open(path, "a", encoding="utf-8")  # noqa: SIM115 - kept open for the session

    def write(self, record: dict[str, Any]) -> None:
        self._fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._fh.flush()

    def close(self) -> None:
        self._fh.close()


class NativeLog(SessionLog):
    """The native format (docs/event-schema.md), as an in-house agent writes it."""

    def __init__(self, path: Path, session: str, agent: str, task: str, cwd: str) -> None:
        super().__init__(path)
        self.session, self.agent, self.task, self.cwd = session, agent, task, cwd

    def start(self) -> None:
        self.write({"kind": "session_start", "session": self.session, "ts": _ts(),
                    "agent": self.agent, "task": self.task, "cwd": self.cwd,
                    "host": "demo"})  # fmt: skip

    def call(self, call_id: str, tool: str, tool_input: dict[str, Any]) -> None:
        self.write({"kind": "tool_call", "session": self.session, "ts": _ts(),
                    "call_id": call_id, "tool": tool, "input": tool_input})  # fmt: skip

    def result(self, call_id: str, output: str, status: str) -> None:
        self.write({"kind": "tool_result", "session": self.session, "ts": _ts(),
                    "call_id": call_id, "output": output, "is_error": status != "ok",
                    "status": status})  # fmt: skip

    def end(self, reason: str) -> None:
        self.write({"kind": "session_end", "session": self.session, "ts": _ts(),
                    "reason": reason})  # fmt: skip


class ClaudeLog(SessionLog):
    """A Claude Code transcript (``~/.claude/projects/<project>/<session>.jsonl``)."""

    def __init__(self, path: Path, session: str, cwd: str) -> None:
        super().__init__(path)
        self.session, self.cwd = session, cwd
        self._parent: str | None = None

    def _record(self, kind: str, message: dict[str, Any]) -> None:
        uid = str(uuid.uuid4())
        self.write({"parentUuid": self._parent, "isSidechain": False, "userType": "external",
                    "cwd": self.cwd, "sessionId": self.session, "version": "2.1.38",
                    "type": kind, "message": message, "uuid": uid, "timestamp": _ts()})  # fmt: skip
        self._parent = uid

    def start(self) -> None:
        self._record("user", {"role": "user", "content": "Round totals in the cart to cents."})

    def call(self, call_id: str, tool: str, tool_input: dict[str, Any]) -> None:
        block = {"type": "tool_use", "id": call_id, "name": tool, "input": tool_input}
        self._record("assistant", {"role": "assistant", "content": [block]})

    def result(self, call_id: str, output: str, status: str) -> None:
        block = {"type": "tool_result", "tool_use_id": call_id, "content": output,
                 "is_error": status != "ok"}  # fmt: skip
        self._record("user", {"role": "user", "content": [block]})

    def end(self, reason: str) -> None:
        self._record("user", {"role": "user", "content": f"[Session ended: {reason}]"})


class SimulatedAgent(threading.Thread):
    """Runs one script round after round until ``stop`` is set or its session is killed."""

    def __init__(
        self,
        script: AgentScript,
        logdir: Path,
        *,
        db: str,
        config: Config,
        speed: float = 1.0,
        stop: threading.Event,
        gate_timeout: float | None = None,
        on_step: Callable[[str, Step, Decision], None] | None = None,
        round_pause: float = 20.0,
    ) -> None:
        super().__init__(name=f"demo-{script.agent}", daemon=True)
        self.script = script
        self.logdir = logdir
        self.db = db
        self.config = config
        self.speed = max(speed, 0.01)
        self.stop_event = stop
        self.gate_timeout = gate_timeout
        self.on_step = on_step
        self.round_pause = round_pause
        self.sessions: list[str] = []
        self.decisions: list[tuple[str, str, Decision]] = []  # (session, tool, decision)
        self.killed = False
        self._calls = 0

    def sleep(self, seconds: float) -> bool:
        """Demo time; True when the demo is stopping."""
        return self.stop_event.wait(seconds / self.speed)

    def _open_log(self, session: str) -> NativeLog | ClaudeLog:
        if self.script.format == "claude_code":
            project = self.script.cwd.replace("/", "-")
            return ClaudeLog(self.logdir / "claude" / project / f"{session}.jsonl", session,
                             self.script.cwd)  # fmt: skip
        return NativeLog(self.logdir / "native" / f"{session}.jsonl", session, self.script.agent,
                         self.script.task, self.script.cwd)  # fmt: skip

    def run(self) -> None:
        rounds = 0
        while not self.stop_event.is_set() and not self.killed:
            self._round()
            rounds += 1
            if self.script.rounds and rounds >= self.script.rounds:
                return
            if self.sleep(self.round_pause):
                return

    def _round(self) -> None:
        if self.script.format == "claude_code":
            session = str(uuid.uuid4())
        else:
            session = f"{self.script.agent}-{os.urandom(3).hex()}"
        self.sessions.append(session)
        log = self._open_log(session)
        try:
            log.start()
            for step in self.script.steps:
                if not self._attempt(log, session, step):
                    break
            else:
                log.end("done")
        finally:
            log.close()

    def _attempt(self, log: NativeLog | ClaudeLog, session: str, step: Step) -> bool:
        """Run one step (and its fallbacks when refused); False when the agent must stop."""
        for _ in range(step.repeat):
            pause = step.pause if step.repeat == 1 else 0.05
            if self.sleep(pause):
                return False
            decision = self._call(log, session, step)
            if decision is None:
                return False
            if not decision.allowed:
                for fallback in step.instead:
                    if self.sleep(fallback.pause):
                        return False
                    if self._call(log, session, fallback) is None:
                        return False
                return True
        return True

    def _call(self, log: NativeLog | ClaudeLog, session: str, step: Step) -> Decision | None:
        self._calls += 1
        call_id = (f"toolu_demo{self._calls:04d}{os.urandom(4).hex()}"
                   if self.script.format == "claude_code" else f"call-{self._calls}")  # fmt: skip
        log.call(call_id, step.tool, step.input)
        decision = request_approval(
            step.tool, step.input, session=session, agent=self.script.agent,
            task=self.script.task, cwd=self.script.cwd, call_id=call_id, db=self.db,
            config=self.config, timeout=self.gate_timeout,
        )  # fmt: skip
        self.decisions.append((session, step.tool, decision))
        if self.on_step is not None:
            self.on_step(session, step, decision)
        if decision.stop:
            log.result(call_id, f"overseer: {decision.reason}", "blocked")
            log.end("killed")
            self.killed = True
            return None
        if decision.allowed:
            log.result(call_id, step.result, "error" if step.is_error else "ok")
        else:
            text = f"PreToolUse:{step.tool} hook error: {decision.reason}"
            log.result(call_id, text, "blocked")
        return decision
