"""Hardened mode for real: the gate server as its own user, the agent under a second real uid.

The server (``overseer serve``) runs as root here — the "own system user" of the design; the
agent's side runs as uid 54321 and an operator as uid 54322 (root is an operator too, for
the console tests), children started with
``setuid`` (no system user needs to exist: the server names an unknown uid ``uid:N``). Each
test performs an attack the agent's uid would make on its own oversight and shows it stopped:
deciding, granting, killing or listing through the server, forging the operator's name,
reading or writing the store, editing the config, flooding or garbling the socket, writing
into another agent's session, pointing the hook at a server of its own.

The agent's processes cannot reach the project's interpreter (``/root`` is 0700 on this
machine), so they run a world-readable Python with a copy of the package (the thin client
needs the standard library only; the operator's CLI needs click, copied too).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest

import overseer

AGENT_UID = 54321
OTHER_AGENT_UID = 54323
OPERATOR_UID = 54322
SESSION = "hardened-session-0001"
PROJECT_NAME = "project"

pytestmark = pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0 or not sys.platform.startswith("linux"),
    reason="hardened-mode tests need root on Linux (they setuid children to unused uids)",
)

CONFIG = """
[defaults]
gate_timeout = "30s"

[server]
socket = "{socket}"
store = "{store}"
operators = [{operator}, 0]

[agents.builder]
owner = "platform@example.com"
autonomy = "autonomous"
default_task = "work"
match = {{ cwd = ["{project}/**", "{project}"] }}

[agents.builder.tasks.work]
allow = ["Read", "Bash(ls *)", "Bash(cat *)", "Bash(sqlite3:*)", "Bash(python3:*)"]
ask = ["Bash(git push:*)"]
deny = ["Bash(rm:*)", "Bash(curl:*)"]
default = "ask"
"""


def _world_python() -> str | None:
    """An interpreter an unprivileged uid can run (the project's may sit under /root)."""
    for candidate in (sys.executable, "/usr/bin/python3", "/usr/local/bin/python3"):
        if not os.path.exists(candidate):
            continue
        try:
            probe = subprocess.run(
                [candidate, "-c", "import json, socket, tomllib"],
                user=AGENT_UID, group=AGENT_UID, extra_groups=[], capture_output=True,
                env={"PATH": "/usr/bin:/bin"}, cwd="/", timeout=30,
            )  # fmt: skip
        except OSError:
            continue
        if probe.returncode == 0:
            return candidate
    return None


class Hardened:
    """One gate server and the three users around it, in a world-traversable temp tree."""

    def __init__(self, base: Path, python: str) -> None:
        self.base, self.python = base, python
        self.lib = base / "lib"
        self.project = base / PROJECT_NAME
        self.etc = base / "etc"
        self.run_dir = base / "run"
        self.state = base / "state"
        self.socket = str(self.run_dir / "gate.sock")
        self.store = str(self.state / "store.db")
        self.config = self.etc / "config.toml"
        self.server: subprocess.Popen[bytes] | None = None
        self.server_log = base / "server.log"

    # ---------------------------------------------------------------- set-up

    def build(self) -> None:
        self.base.chmod(0o755)
        self.lib.mkdir(mode=0o755)
        ignore = shutil.ignore_patterns("__pycache__")
        shutil.copytree(Path(overseer.__file__).parent, self.lib / "overseer", ignore=ignore)
        shutil.copytree(Path(click.__file__).parent, self.lib / "click", ignore=ignore)
        for root, dirs, files in os.walk(self.lib):
            for name in dirs:
                os.chmod(os.path.join(root, name), 0o755)
            for name in files:
                os.chmod(os.path.join(root, name), 0o644)
        self.project.mkdir(mode=0o755)
        os.chown(self.project, AGENT_UID, AGENT_UID)  # the agent's writable tree
        for home in ("agent-home", "operator-home", "other-home"):
            (self.base / home).mkdir(mode=0o755)
        os.chown(self.base / "agent-home", AGENT_UID, AGENT_UID)
        os.chown(self.base / "operator-home", OPERATOR_UID, OPERATOR_UID)
        os.chown(self.base / "other-home", OTHER_AGENT_UID, OTHER_AGENT_UID)
        self.etc.mkdir(mode=0o755)
        self.run_dir.mkdir(mode=0o755)
        self.config.write_text(
            CONFIG.format(
                socket=self.socket, store=self.store, operator=OPERATOR_UID, project=self.project
            )
        )
        self.config.chmod(0o644)

    def start_server(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("OVERSEER_")}
        log = open(self.server_log, "ab")  # noqa: SIM115 - the server's lifetime
        self.server = subprocess.Popen(
            [sys.executable, "-m", "overseer", "serve", "--config", str(self.config)],
            stdout=log, stderr=log, env=env, cwd=str(self.base),
        )  # fmt: skip
        log.close()
        deadline = time.monotonic() + 60
        while not os.path.exists(self.socket):
            if self.server.poll() is not None:
                raise AssertionError(f"gate server exited: {self.server_log.read_text()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"gate server never listened: {self.server_log.read_text()}")
            time.sleep(0.05)

    def stop_server(self) -> int | None:
        if self.server is None:
            return None
        if self.server.poll() is None:
            self.server.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.server.wait(30)
        if self.server.poll() is None:
            self.server.kill()
            self.server.wait(10)
        code, self.server = self.server.returncode, None
        return code

    # ---------------------------------------------------------------- as a user

    def env_for(self, uid: int) -> dict[str, str]:
        home = {AGENT_UID: "agent-home", OPERATOR_UID: "operator-home"}.get(uid, "other-home")
        return {
            "PATH": "/usr/bin:/bin",
            "HOME": str(self.base / home),
            "PYTHONPATH": str(self.lib),
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONNOUSERSITE": "1",
            # what an agent would set to talk the hook round: it must not matter
            "OVERSEER_DB": str(self.project / "mine.db"),
            "OVERSEER_AGENT": "admin",
            "OVERSEER_CONFIG": str(self.project / "config.toml"),
        }

    def as_user(
        self, uid: int, args: list[str], *, stdin: bytes = b"", timeout: float = 60
    ) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [self.python, *args], input=stdin, capture_output=True, timeout=timeout,
            user=uid, group=uid, extra_groups=[], env=self.env_for(uid), cwd=str(self.project),
        )  # fmt: skip

    def overseer(self, uid: int, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[bytes]:  # fmt: skip
        return self.as_user(uid, ["-m", "overseer", *args], timeout=timeout)

    def hook_payload(self, command: str, *, n: int = 1, session: str = SESSION) -> bytes:
        return json.dumps(
            {
                "session_id": session,
                "transcript_path": f"{self.base}/agent-home/.claude/projects/p/{session}.jsonl",
                "cwd": str(self.project),
                "permission_mode": "default",
                "hook_event_name": "PreToolUse",
                "tool_name": "Bash",
                "tool_input": {"command": command, "description": "test"},
                "tool_use_id": f"toolu_{n:04d}",
            }
        ).encode()

    def hook(
        self, command: str, *, uid: int = AGENT_UID, n: int = 1, session: str = SESSION,
        server: str | None = None,
    ) -> subprocess.CompletedProcess[bytes]:  # fmt: skip
        return self.as_user(
            uid,
            ["-m", "overseer", "hook", "claude-code", "--server", server or self.socket],
            stdin=self.hook_payload(command, n=n, session=session),
        )

    def hook_background(self, command: str, *, n: int) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(
            [self.python, "-m", "overseer", "hook", "claude-code", "--server", self.socket],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            user=AGENT_UID, group=AGENT_UID, extra_groups=[], env=self.env_for(AGENT_UID),
            cwd=str(self.project),
        )  # fmt: skip
        assert proc.stdin is not None
        proc.stdin.write(self.hook_payload(command, n=n))
        proc.stdin.close()
        return proc

    # ---------------------------------------------------------------- as root, reading

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        conn = sqlite3.connect(f"file:{self.store}?mode=ro", uri=True)
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()

    def wait_pending(self, call_id: str) -> str:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            found = self.rows(
                "SELECT id FROM approvals WHERE call_id = ? AND status = 'pending'", (call_id,)
            )
            if found:
                return str(found[0][0])
            time.sleep(0.05)
        raise AssertionError(f"no pending approval for {call_id}: {self.server_log.read_text()}")


def finish(proc: subprocess.Popen[bytes]) -> tuple[bytes, bytes]:
    """A background hook's output (its stdin was already written and closed)."""
    proc.stdin = None
    return proc.communicate(timeout=60)


def decision(result: subprocess.CompletedProcess[bytes]) -> tuple[str, str]:
    assert result.returncode == 0, result.stderr.decode()
    answer = json.loads(result.stdout)["hookSpecificOutput"]
    return answer["permissionDecision"], answer["permissionDecisionReason"]


@pytest.fixture(scope="module")
def world_python() -> str:
    python = _world_python()
    if python is None:
        pytest.skip("no Python interpreter an unprivileged uid may run (needed for the agent side)")
    return python


@contextlib.contextmanager
def _hardened(python: str) -> Iterator[Hardened]:
    base = Path(tempfile.mkdtemp(prefix="overseer-hardened-", dir="/tmp"))
    try:
        setup = Hardened(base, python)
        setup.build()
        setup.start_server()
        try:
            yield setup
        finally:
            setup.stop_server()
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def hardened(world_python: str) -> Iterator[Hardened]:
    with _hardened(world_python) as setup:
        yield setup


# ------------------------------------------------------------------------ the gate works


def test_the_server_judges_the_agents_calls_by_its_own_config(hardened: Hardened) -> None:
    assert decision(hardened.hook("ls -la", n=1))[0] == "allow"
    action, reason = decision(hardened.hook("rm -rf build", n=2))
    assert action == "deny" and "rm" in reason
    # the agent's OVERSEER_DB / OVERSEER_AGENT / OVERSEER_CONFIG went nowhere
    assert not (hardened.project / "mine.db").exists()
    agent = hardened.rows("SELECT agent FROM sessions WHERE id = ?", (SESSION,))
    assert agent == [("builder",)]
    bound = hardened.rows("SELECT uid FROM server_sessions WHERE session = ?", (SESSION,))
    assert bound == [(AGENT_UID,)]


# ------------------------------------------------------------------------ the store and config


PROBE = r"""
import json, os, sqlite3, sys
store, state, config, etc = sys.argv[1:5]
out = {}
def attempt(name, fn):
    try:
        fn()
        out[name] = "done"
    except Exception as exc:
        out[name] = type(exc).__name__
def read_store():
    open(store, "rb").read(16)
def write_store():
    open(store, "r+b").write(b"x")
def sql_update():
    c = sqlite3.connect(store)
    c.execute("UPDATE approvals SET status = 'approved'")
    c.commit()
def list_state():
    os.listdir(state)
def replace_store():
    open(os.path.join(state, "new.db"), "wb").close()
def edit_config():
    open(config, "a").write("\n")
def replace_config():
    path = os.path.join(etc, "config.toml.new")
    open(path, "w").write("[defaults]\n")
    os.replace(path, config)
def chmod_config():
    os.chmod(config, 0o666)
attempt("read_store", read_store)
attempt("write_store", write_store)
attempt("sql_update", sql_update)
attempt("list_state", list_state)
attempt("create_in_state", replace_store)
attempt("edit_config", edit_config)
attempt("replace_config", replace_config)
attempt("chmod_config", chmod_config)
print(json.dumps(out))
"""


def test_the_agents_uid_cannot_read_or_write_the_store_or_edit_the_config(
    hardened: Hardened,
) -> None:
    decision(hardened.hook("ls", n=3))  # the store exists and holds rows
    before = hardened.config.read_bytes()
    result = hardened.as_user(
        AGENT_UID,
        ["-c", PROBE, hardened.store, str(hardened.state), str(hardened.config), str(hardened.etc)],
    )
    assert result.returncode == 0, result.stderr.decode()
    outcome = json.loads(result.stdout)
    assert all(value != "done" for value in outcome.values()), outcome
    assert outcome["read_store"] == "PermissionError"
    assert outcome["edit_config"] == "PermissionError"
    assert hardened.config.read_bytes() == before
    assert oct(os.stat(hardened.state).st_mode & 0o777) == "0o700"
    assert os.stat(hardened.store).st_mode & 0o077 == 0


#: A program that computes the store's and the config's names where no lexical check sees
#: them (reversed strings): in single-user mode the guard cannot tell what it opens (a
#: documented limit, ``tests/test_gate_adversary_round5.py``); here the kernel refuses it.
REVERSED = r"""
import json, sys
out = {}
for key, name in (("store", sys.argv[1]), ("config", sys.argv[2])):
    try:
        open(name[::-1], "r+b").write(b"x")
        out[key] = "done"
    except Exception as exc:
        out[key] = type(exc).__name__
print(json.dumps(out))
"""


def test_a_name_computed_at_run_time_still_cannot_write_the_store_or_the_config(
    hardened: Hardened,
) -> None:
    decision(hardened.hook("ls", n=4))  # the store exists
    before = hardened.config.read_bytes()
    result = hardened.as_user(
        AGENT_UID, ["-c", REVERSED, hardened.store[::-1], str(hardened.config)[::-1]]
    )
    assert result.returncode == 0, result.stderr.decode()
    assert json.loads(result.stdout) == {"store": "PermissionError", "config": "PermissionError"}
    assert hardened.config.read_bytes() == before


def test_a_database_client_on_the_store_is_gated_as_tampering(hardened: Hardened) -> None:
    """``Bash(sqlite3:*)`` is allowed by the scope; on the server's store it is tampering."""
    proc = hardened.hook_background(
        f"sqlite3 {hardened.store} \"UPDATE approvals SET status='approved'\"", n=4
    )
    approval = hardened.wait_pending("toolu_0004")
    # gated although the scope allows sqlite3: the guard knows the server's store
    assert hardened.rows("SELECT verdict FROM approvals WHERE id = ?", (approval,)) == [("ask",)]
    assert decision(hardened.hook("sqlite3 other.db .tables", n=5))[0] == "allow"
    denied = hardened.overseer(
        OPERATOR_UID, "decide", approval, "deny", "--reason", "tampering", "--server",
        hardened.socket,
    )  # fmt: skip
    assert denied.returncode == 0, denied.stderr.decode()
    out, err = finish(proc)
    assert json.loads(out)["hookSpecificOutput"]["permissionDecision"] == "deny", err


# ------------------------------------------------------------------------ operator actions


def test_the_agent_cannot_decide_grant_kill_or_list_and_the_operator_is_who_the_kernel_says(
    hardened: Hardened,
) -> None:
    proc = hardened.hook_background("git push origin main", n=10)
    approval = hardened.wait_pending("toolu_0010")
    sock = hardened.socket

    attempts = {
        "decide": hardened.overseer(
            AGENT_UID, "decide", approval, "approve", "--operator", "alice", "--server", sock
        ),
        "grant": hardened.overseer(
            AGENT_UID, "decide", approval, "approve", "--grant", "Bash", "--server", sock
        ),
        "kill": hardened.overseer(AGENT_UID, "kill", SESSION, "--server", sock),
        "list": hardened.overseer(AGENT_UID, "approvals", "--server", sock),
    }
    for name, result in attempts.items():
        assert result.returncode != 0, (name, result.stdout, result.stderr)
        assert b"not an operator" in result.stderr, (name, result.stderr)

    # and by hand, with the operator's name in the request: the kernel's uid is what counts
    forged = _raw(
        hardened, AGENT_UID,
        {"op": "decide", "id": approval, "decision": "approve", "operator": "alice",
         "uid": OPERATOR_UID},
    )  # fmt: skip
    assert forged["ok"] is False and "not an operator" in forged["error"]

    status = hardened.rows("SELECT status FROM approvals WHERE id = ?", (approval,))
    assert status == [("pending",)]
    assert hardened.rows("SELECT status FROM sessions WHERE id = ?", (SESSION,)) != [("killed",)]
    refused = hardened.rows(
        "SELECT operator, reason FROM decisions WHERE rule = 'server.operators' ORDER BY seq"
    )
    assert len(refused) >= 5
    assert all(op == f"uid:{AGENT_UID}" for op, _ in refused)
    assert any("grant rules" in reason for _, reason in refused)
    assert any("kill a session" in reason for _, reason in refused)

    # the operator approves, claiming to be alice: the chain says who really did
    approved = hardened.overseer(
        OPERATOR_UID, "decide", approval, "approve", "--operator", "alice", "--server", sock
    )
    assert approved.returncode == 0, approved.stderr.decode()
    assert b"--operator is ignored" in approved.stderr
    out, err = finish(proc)
    assert json.loads(out)["hookSpecificOutput"]["permissionDecision"] == "allow", err
    decided = hardened.rows("SELECT decided_by FROM approvals WHERE id = ?", (approval,))
    assert decided == [(f"uid:{OPERATOR_UID}",)]
    chain = hardened.rows(
        "SELECT operator FROM decisions WHERE approval_id = ? AND outcome = 'approved'",
        (approval,),
    )
    assert chain == [(f"uid:{OPERATOR_UID}",)]
    assert "alice" not in str(hardened.rows("SELECT operator FROM decisions"))


def test_the_operator_lists_and_kills_through_the_server(hardened: Hardened) -> None:
    session = "hardened-session-kill"
    decision(hardened.hook("ls", n=20, session=session))
    listed = hardened.overseer(OPERATOR_UID, "approvals", "--json", "--server", hardened.socket)
    assert listed.returncode == 0, listed.stderr.decode()
    assert isinstance(json.loads(listed.stdout), list)
    killed = hardened.overseer(
        OPERATOR_UID, "kill", session, "--no-signal", "--server", hardened.socket
    )
    assert killed.returncode == 0, killed.stderr.decode()
    assert hardened.rows("SELECT status FROM sessions WHERE id = ?", (session,)) == [("killed",)]
    kill_row = hardened.rows(
        "SELECT operator, action FROM decisions WHERE session = ? AND outcome = 'killed'",
        (session,),
    )
    assert kill_row == [(f"uid:{OPERATOR_UID}", "kill"), (f"uid:{OPERATOR_UID}", "signal")]
    # the killed session's next call is stopped
    action, _ = decision(hardened.hook("ls", n=21, session=session))
    assert action == "deny"


# ------------------------------------------------------------------------ sessions and servers


def test_another_uid_cannot_write_into_the_agents_session(hardened: Hardened) -> None:
    decision(hardened.hook("ls", n=30))
    result = hardened.hook("ls", uid=OTHER_AGENT_UID, n=31)
    action, reason = decision(result)
    assert action == "deny" and "another user" in reason
    assert hardened.rows("SELECT count(*) FROM decisions WHERE call_id = 'toolu_0031'") == [(0,)]


def test_a_server_of_the_agents_own_is_refused(hardened: Hardened) -> None:
    """The agent starts a listener that says "allow" to everything and points the hook at it."""
    fake = str(hardened.project / "fake.sock")
    listener = subprocess.Popen(
        [
            hardened.python, "-c",
            "import socket, sys\n"
            "s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(8)\n"
            "print('ready', flush=True)\n"
            "while True:\n"
            "    c, _ = s.accept(); c.recv(65536)\n"
            "    c.sendall(b'{\"ok\": true, \"action\": \"allow\", \"reason\": \"fine\"}\\n')\n"
            "    c.close()\n",
            fake,
        ],
        stdout=subprocess.PIPE, user=AGENT_UID, group=AGENT_UID, extra_groups=[],
        env=hardened.env_for(AGENT_UID),
    )  # fmt: skip
    try:
        assert listener.stdout is not None and listener.stdout.readline() == b"ready\n"
        action, reason = decision(hardened.hook("rm -rf /", n=40, server=fake))
        assert action == "deny" and "own user" in reason
    finally:
        listener.kill()
        listener.wait(10)


def test_no_server_means_deny(hardened: Hardened) -> None:
    action, reason = decision(hardened.hook("ls", n=50, server=str(hardened.run_dir / "none")))
    assert action == "deny"
    assert "cannot reach the gate server" in reason and "failing closed" in reason


# ------------------------------------------------------------------------ hostile clients


def _raw(hardened: Hardened, uid: int, request: dict[str, Any] | bytes) -> dict[str, Any]:
    """One request sent as ``uid`` by hand (no CLI), its first answer line."""
    data = request if isinstance(request, bytes) else json.dumps(request).encode() + b"\n"
    script = (
        "import socket, sys\n"
        "s = socket.socket(socket.AF_UNIX); s.settimeout(30); s.connect(sys.argv[1])\n"
        "s.sendall(sys.stdin.buffer.read())\n"
        "buf = b''\n"
        "while b'\\n' not in buf:\n"
        "    chunk = s.recv(65536)\n"
        "    if not chunk: break\n"
        "    buf += chunk\n"
        "sys.stdout.buffer.write(buf.split(b'\\n')[0])\n"
    )
    result = hardened.as_user(uid, ["-c", script, hardened.socket], stdin=data)
    assert result.returncode == 0, result.stderr.decode()
    return json.loads(result.stdout) if result.stdout else {}


def test_garbled_requests_get_an_error_not_a_crash(hardened: Hardened) -> None:
    for bad in (b"not json\n", b"[1, 2]\n", b'{"op": 7}\n', b'{"op": "hook"}\n', b"\xff\xfe\n"):
        answer = _raw(hardened, AGENT_UID, bad)
        assert answer.get("ok") is False, (bad, answer)
    answer = _raw(hardened, AGENT_UID, {"op": "hook", "flavour": "claude-code", "call": "x"})
    assert answer.get("ok") is False
    assert decision(hardened.hook("ls", n=60))[0] == "allow"  # still serving


def test_silent_huge_and_many_connections_do_not_stall_the_gate(hardened: Hardened) -> None:
    """The agent opens many connections that never finish a line, and sends one far over
    the size bound: the server sheds them and goes on answering other callers."""
    flood = (
        "import socket, sys, time\n"
        "held = []\n"
        "for _ in range(40):\n"
        "    s = socket.socket(socket.AF_UNIX)\n"
        '    s.connect(sys.argv[1]); s.sendall(b\'{"op": "ho\'); held.append(s)\n'
        "big = socket.socket(socket.AF_UNIX); big.connect(sys.argv[1])\n"
        "try:\n"
        "    big.sendall(b'{' + b' ' * (9 * 1024 * 1024))\n"
        "    print(big.recv(4096).decode(errors='replace'), flush=True)\n"
        "except OSError as exc:\n"
        "    print('closed', exc, flush=True)\n"
        "print('flooding', flush=True)\n"
        "time.sleep(60)\n"
    )
    flooder = subprocess.Popen(
        [hardened.python, "-c", flood, hardened.socket],
        stdout=subprocess.PIPE, user=AGENT_UID, group=AGENT_UID, extra_groups=[],
        env=hardened.env_for(AGENT_UID),
    )  # fmt: skip
    try:
        assert flooder.stdout is not None
        first = flooder.stdout.readline().decode()
        assert "longer than" in first or "closed" in first or "too many" in first, first
        assert flooder.stdout.readline() == b"flooding\n"
        # the operator is not limited, and another agent is not starved
        listed = hardened.overseer(OPERATOR_UID, "approvals", "--server", hardened.socket)
        assert listed.returncode == 0, listed.stderr.decode()
        other = hardened.hook("ls", uid=OTHER_AGENT_UID, n=70, session="other-agent-session")
        assert decision(other)[0] == "allow"
    finally:
        flooder.kill()
        flooder.wait(10)
    assert decision(hardened.hook("ls", n=71))[0] == "allow"


# ------------------------------------------------------------------------ the server stops


def test_a_stopping_server_denies_the_calls_it_holds(world_python: str) -> None:
    with _hardened(world_python) as setup:
        proc = setup.hook_background("git push origin main", n=80)
        approval = setup.wait_pending("toolu_0080")
        assert setup.stop_server() == 0
        out, err = finish(proc)
        answer = json.loads(out)["hookSpecificOutput"]
        assert answer["permissionDecision"] == "deny", err
        assert setup.rows("SELECT status FROM approvals WHERE id = ?", (approval,)) == [
            ("errored",)
        ]
        action, reason = decision(setup.hook("ls", n=81))
        assert action == "deny" and "cannot reach the gate server" in reason


def test_another_uid_cannot_read_the_outcome_of_the_agents_approvals(hardened: Hardened) -> None:
    proc = hardened.hook_background("git push origin feature", n=90)
    approval = hardened.wait_pending("toolu_0090")
    try:
        stranger = _raw(hardened, OTHER_AGENT_UID, {"op": "outcome", "id": approval})
        assert stranger["ok"] is False and "no approval" in stranger["error"]
        owner = _raw(hardened, AGENT_UID, {"op": "outcome", "id": approval})
        assert owner["ok"] is True and owner["approval"]["status"] == "pending"
    finally:
        denied = hardened.overseer(
            OPERATOR_UID, "decide", approval, "deny", "--reason", "no", "--server", hardened.socket
        )
        assert denied.returncode == 0, denied.stderr.decode()
        out, _ = finish(proc)
    assert json.loads(out)["hookSpecificOutput"]["permissionDecision"] == "deny"


def test_a_config_made_writable_by_others_stops_the_gate(hardened: Hardened) -> None:
    """Someone loosened the config's mode while the server runs: it can no longer be sure
    the agent did not write it, so every call is denied until the mode is fixed."""
    hardened.config.chmod(0o666)
    try:
        action, reason = decision(hardened.hook("ls", n=95))
        assert action == "deny" and "writable by group or others" in reason
    finally:
        hardened.config.chmod(0o644)
    assert decision(hardened.hook("ls", n=96))[0] == "allow"


def test_the_installed_hook_entry_talks_to_the_server_and_bakes_nothing_else(
    hardened: Hardened,
) -> None:
    """``hook install --server``: the entry names the socket and no store, config, agent or
    task (the server's own decide); run as the agent's uid, it is answered by the server."""
    done = subprocess.run(
        [sys.executable, "-m", "overseer", "hook", "install", "--project", str(hardened.project),
         "--for", "claude-code", "--config", str(hardened.config), "--server", hardened.socket],
        capture_output=True, text=True, timeout=60,
        env={k: v for k, v in os.environ.items() if not k.startswith("OVERSEER_")},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    settings = json.loads((hardened.project / ".claude" / "settings.json").read_text())
    (entry,) = settings["hooks"]["PreToolUse"][0]["hooks"]
    program, *args = entry["command"].removesuffix(" || exit 2").split()
    assert program.endswith("overseer"), program
    assert args[:4] == ["hook", "claude-code", "--server", hardened.socket], args
    assert not {"--db", "--config", "--agent", "--task"} & set(args)
    result = hardened.as_user(
        AGENT_UID, ["-m", "overseer", *args], stdin=hardened.hook_payload("rm -rf /", n=99)
    )
    assert decision(result)[0] == "deny"
    assert hardened.rows("SELECT outcome FROM decisions WHERE call_id = 'toolu_0099'") == [
        ("policy_denied",)
    ]


def test_an_agents_parallel_large_calls_take_turns_rather_than_being_refused(
    hardened: Hardened,
) -> None:
    """Large requests are rationed (one per uid in hand): Claude Code's parallel Writes of
    big files must each be judged, in turn, not refused for arriving together."""
    script = (
        "import json, socket, sys, threading\n"
        "out = []\n"
        "def one(n):\n"
        "    call = {'session_id': 'hardened-large', 'cwd': sys.argv[2], 'tool_name': 'Write',\n"
        "            'hook_event_name': 'PreToolUse', 'tool_use_id': f'toolu_large_{n}',\n"
        "            'tool_input': {'file_path': sys.argv[2] + f'/big{n}.txt',\n"
        "                           'content': 'x' * (3 << 20)}}\n"
        "    req = {'op': 'hook', 'flavour': 'claude-code', 'call': call, 'entry_timeout': 0}\n"
        "    s = socket.socket(socket.AF_UNIX); s.settimeout(60); s.connect(sys.argv[1])\n"
        "    s.sendall(json.dumps(req).encode() + b'\\n')\n"
        "    buf = b''\n"
        "    while True:\n"
        "        chunk = s.recv(65536)\n"
        "        if not chunk: break\n"
        "        buf += chunk\n"
        "        lines = [l for l in buf.split(b'\\n') if l]\n"
        "        if lines and b'phase' not in lines[-1]: break\n"
        "    out.append(json.loads([l for l in buf.split(b'\\n') if l][-1]))\n"
        "ts = [threading.Thread(target=one, args=(n,)) for n in range(3)]\n"
        "[t.start() for t in ts]; [t.join() for t in ts]\n"
        "print(json.dumps(out))\n"
    )
    result = hardened.as_user(AGENT_UID, ["-c", script, hardened.socket, str(hardened.project)])
    assert result.returncode == 0, result.stderr.decode()
    answers = json.loads(result.stdout)
    assert len(answers) == 3
    assert all(a.get("ok") is True and a.get("action") in ("allow", "deny") for a in answers), (
        answers
    )
