"""The operator's whole path, end to end: a real gate hook waits on a call, the real console
in a pseudo-terminal shows it, and the keys an operator presses — ``p`` (the oldest pending),
Enter (its session), ``a`` or ``d`` — reach the hook as its answer and the audit chain as a
decision. Each part is the shipped one (``overseer hook claude-code``, ``overseer watch``);
only the terminal is simulated.

Why a pty and not Textual's pilot: the pilot runs the app in this process with its own
driver, so it cannot show that the installed entry point, its live store feed and its key
handling work together against a hook in another process.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path

import pytest

from overseer.store import lean

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")

#: The waits on a loaded 2-core machine: generous, but each one polls and ends early.
WAIT = 30.0
OPERATOR = "oncall-pty"

CONFIG = """
[defaults]
gate_timeout = "120s"

[agents.dev]
owner = "dev-team@example.com"
autonomy = "autonomous"
default_task = "feature"
match = { cwd = ["/srv/dev/**"] }
[agents.dev.tasks.feature]
allow = ["Read", "Bash(git status)"]
ask = ["Bash(git push:*)"]
default = "ask"
"""

#: Control sequences Textual writes between the characters of one line: cursor moves,
#: colours, mode switches. Dropped before looking for text on the screen.
_CSI = re.compile(
    rb"\x1b\[[0-9;?<=>]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>78]"
)


class Console:
    """``overseer watch`` in a pseudo-terminal of 120x40, its output kept as it arrives."""

    def __init__(self, env: dict[str, str]) -> None:
        import fcntl
        import pty
        import struct
        import termios

        self.main, child = pty.openpty()
        fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "overseer", "watch", "--operator", OPERATOR, "--no-bell"],
            stdin=child, stdout=child, stderr=child, env=env, close_fds=True,
        )  # fmt: skip
        os.close(child)
        self.out = bytearray()

    def pump(self, seconds: float) -> None:
        import select

        end = time.monotonic() + seconds
        while time.monotonic() < end:
            ready, _, _ = select.select([self.main], [], [], 0.05)
            if ready:
                try:
                    chunk = os.read(self.main, 65536)
                except OSError:  # the console has exited and closed its side
                    return
                if not chunk:
                    return
                self.out.extend(chunk)

    def text(self, since: int = 0) -> str:
        """What the console wrote from byte ``since`` on, without control sequences."""
        return _CSI.sub(b"", bytes(self.out[since:])).decode("utf-8", "replace")

    def wait_for(self, what: str, since: int = 0, timeout: float = WAIT) -> None:
        end = time.monotonic() + timeout
        while what not in self.text(since) and time.monotonic() < end:
            self.pump(0.1)
        assert what in self.text(since), f"{what!r} never drawn; last output:\n{self.tail()}"

    def until(self, done: Callable[[], bool], timeout: float = WAIT) -> bool:
        """Keep reading the console (so it never blocks on a full pty) until ``done``."""
        end = time.monotonic() + timeout
        while not done() and time.monotonic() < end:
            self.pump(0.1)
        return done()

    def press(self, keys: bytes) -> int:
        """Send keys; the output offset before them (to look only at what they drew)."""
        mark = len(self.out)
        os.write(self.main, keys)
        return mark

    def tail(self) -> str:
        return self.text(max(0, len(self.out) - 3000))

    def quit(self) -> int | None:
        self.press(b"q")
        self.until(lambda: self.proc.poll() is not None, timeout=20)
        return self.proc.poll()

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        os.close(self.main)


def start_hook(env: dict[str, str], command: str) -> subprocess.Popen[str]:
    """The real Claude Code gate hook, fed one PreToolUse call; it waits for a decision."""
    payload = {
        "session_id": "sess-pty", "cwd": "/srv/dev/app", "hook_event_name": "PreToolUse",
        "tool_name": "Bash", "tool_input": {"command": command}, "tool_use_id": "toolu_pty",
        "transcript_path": "/home/dev/.claude/projects/x/sess-pty.jsonl",
    }  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-m", "overseer", "hook", "claude-code"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=env,
    )  # fmt: skip
    assert proc.stdin is not None
    proc.stdin.write(json.dumps(payload))
    proc.stdin.close()
    proc.stdin = None
    return proc


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    config = tmp_path / "config.toml"
    config.write_text(CONFIG)
    db_path = tmp_path / "o.db"
    lean.connect(str(db_path)).close()
    base = {k: v for k, v in os.environ.items() if not k.startswith("OVERSEER_")}
    return base | {
        "OVERSEER_CONFIG": str(config), "OVERSEER_DB": str(db_path),
        "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40",
    }  # fmt: skip


@pytest.fixture
def console(env: dict[str, str]) -> Iterator[Console]:
    c = Console(env)
    try:
        c.wait_for("pending 0")  # the header is drawn from a first read of the store
        yield c
    finally:
        c.close()


def approvals(db_path: str) -> list[tuple[str, str]]:
    with closing(sqlite3.connect(db_path)) as conn:
        return conn.execute("SELECT id, status FROM approvals").fetchall()


def decisions(db_path: str, approval: str) -> list[tuple[str, str, str | None]]:
    with closing(sqlite3.connect(db_path)) as conn:
        return conn.execute(
            "SELECT outcome, operator, reason FROM decisions WHERE approval_id = ?", (approval,)
        ).fetchall()


def open_the_waiting_call(
    console: Console, env: dict[str, str]
) -> tuple[subprocess.Popen[str], str]:
    """A hook call arrives and waits; ``p`` then Enter bring its session up, the call in
    the waiting panel. Returns the hook and its approval's id."""
    hook = start_hook(env, "git push origin main")
    assert console.until(lambda: bool(approvals(env["OVERSEER_DB"])) or hook.poll() is not None)
    assert hook.poll() is None, hook.communicate()  # gated: it waits for the operator
    ((approval, status),) = approvals(env["OVERSEER_DB"])
    assert status == "pending"
    console.wait_for("pending 1")  # the live feed brought it to the header
    mark = console.press(b"p")
    console.wait_for("Approvals(pending)[1]", since=mark)  # the queue, cursor on it
    console.wait_for("git push origin main", since=mark)
    mark = console.press(b"\r")
    console.wait_for("WAITING FOR A DECISION", since=mark)  # its session, the call in view
    console.wait_for("not on the timeline", since=mark)
    return hook, approval


def answer(console: Console, hook: subprocess.Popen[str]) -> dict[str, str]:
    assert console.until(lambda: hook.poll() is not None), console.tail()
    out, err = hook.communicate(timeout=5)
    assert hook.returncode == 0, err
    return json.loads(out)["hookSpecificOutput"]


def test_approve_from_the_session_view_answers_the_hook(
    console: Console, env: dict[str, str]
) -> None:
    hook, approval = open_the_waiting_call(console, env)
    console.press(b"a")
    reply = answer(console, hook)
    assert reply["permissionDecision"] == "allow"
    assert decisions(env["OVERSEER_DB"], approval) == [("approved", OPERATOR, None)]
    assert approvals(env["OVERSEER_DB"]) == [(approval, "approved")]
    assert console.quit() == 0, console.tail()
    assert b"Traceback" not in console.out


def test_deny_with_a_reason_from_the_session_view_answers_the_hook(
    console: Console, env: dict[str, str]
) -> None:
    hook, approval = open_the_waiting_call(console, env)
    mark = console.press(b"d")
    console.wait_for("why?", since=mark)  # the reason dialog
    reason = "no pushes to main today"
    console.press(reason.encode())
    console.wait_for(reason, since=mark)
    console.press(b"\r")
    reply = answer(console, hook)
    assert reply["permissionDecision"] == "deny"
    assert reason in reply["permissionDecisionReason"]
    assert decisions(env["OVERSEER_DB"], approval) == [("denied", OPERATOR, reason)]
    assert approvals(env["OVERSEER_DB"]) == [(approval, "denied")]
    assert console.quit() == 0, console.tail()
    assert b"Traceback" not in console.out
