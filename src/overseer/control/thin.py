"""The thin client of the hardened-mode gate server (``overseer serve``, docs/hardened.md).

``overseer hook claude-code|codex --server SOCKET`` sends the tool call to the gate server over
a Unix socket and prints the server's decision; ``overseer decide|kill|approvals --server``
ask the server to act as the operator who runs them. The server owns the store and the
config and tells callers apart by ``SO_PEERCRED``, so nothing here is trusted by it: this
side only carries the call and shows the answer.

Lean on purpose: the standard library's ``socket`` and ``json`` only — no ``sqlite3``, no
config, no policy — so a hook in this mode starts faster than the direct one
(``bench/hook.py`` measures both).

Protocol: one JSON object per line each way. A hook request is answered by an
``{"phase": "accepted", "gate_timeout": S}`` line as soon as the server has read it (so the
watchdog can allow for an operator's wait), then by the final answer
``{"ok": true, "action": "allow"|"deny", "reason": ..., "stop": ..., "updated_input": ...}``.
Every other request gets one answer; a refusal is ``{"ok": false, "error": ...}``.
Anything else — no server, a refusal, a garbled or missing line — is a deny with the reason
(the caller renders it), never an allow.
"""

from __future__ import annotations

import json
import os
import socket
import struct
from collections.abc import Callable
from typing import Any

#: Longest answer line accepted from the server (an edited input is the only big part).
MAX_ANSWER = 16 * 1024 * 1024
#: Seconds to connect and to wait for the server's first line.
CONNECT_TIMEOUT = 10.0
_UCRED = struct.Struct("3i")


class ServerProblem(Exception):
    """The gate server could not be asked, refused, or answered something unusable."""


def peer_uid(sock: socket.socket) -> int:
    """The uid of the process at the other end of a connected Unix socket (the kernel's word,
    ``SO_PEERCRED``)."""
    raw = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _UCRED.size)
    return int(_UCRED.unpack(raw)[1])


def connect(path: str, *, for_agent: bool = False) -> socket.socket:
    """A connection to the gate server at ``path``.

    ``for_agent``: refuse a server running as this process's own (non-root) user. A gate
    server gives separation only when the agent's user cannot write what it owns; one running
    as the agent's user is one the agent could have started itself (at a socket path it
    redirected) to say "allow" to everything.
    """
    if not path or not os.path.isabs(path):
        raise ServerProblem(f"the gate server's socket must be an absolute path, not {path!r}")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.settimeout(CONNECT_TIMEOUT)
        sock.connect(path)
        if for_agent:
            uid = os.getuid()
            if uid != 0 and peer_uid(sock) == uid:
                raise ServerProblem(
                    f"the gate server at {path} runs as this hook's own user (uid {uid}): "
                    "that is no separation, refusing it"
                )
    except ServerProblem:
        sock.close()
        raise
    except OSError as exc:
        sock.close()
        raise ServerProblem(
            f"cannot reach the gate server at {path}: {exc.strerror or exc}"
        ) from None
    return sock


def send(sock: socket.socket, request: dict[str, Any]) -> None:
    # ASCII escapes: any string the agent's call holds (a lone surrogate too) goes through
    data = json.dumps(request, ensure_ascii=True, separators=(",", ":")).encode("ascii")
    try:
        sock.sendall(data + b"\n")
    except OSError as exc:
        raise ServerProblem(
            f"the gate server did not take the request: {exc.strerror or exc}"
        ) from None


class Lines:
    """Newline-delimited JSON objects read from a socket, each one bounded in size."""

    __slots__ = ("buf", "sock")

    def __init__(self, sock: socket.socket) -> None:
        self.sock, self.buf = sock, b""

    def next(self, timeout: float | None) -> dict[str, Any]:
        self.sock.settimeout(timeout)
        while b"\n" not in self.buf:
            if len(self.buf) > MAX_ANSWER:
                raise ServerProblem("the gate server's answer is too long")
            try:
                chunk = self.sock.recv(65536)
            except TimeoutError:
                raise ServerProblem("the gate server did not answer in time") from None
            except OSError as exc:
                raise ServerProblem(f"lost the gate server: {exc.strerror or exc}") from None
            if not chunk:
                raise ServerProblem("the gate server closed the connection without an answer")
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        try:
            value = json.loads(line.decode("utf-8", "surrogateescape"))
        except ValueError:
            raise ServerProblem("the gate server's answer is not JSON") from None
        if not isinstance(value, dict):
            raise ServerProblem("the gate server's answer is not a JSON object")
        return value


def request(path: str, payload: dict[str, Any], timeout: float = 60.0) -> dict[str, Any]:
    """One request, one answer (operator commands). Raises :class:`ServerProblem` on a
    refusal, with the server's reason."""
    sock = connect(path)
    try:
        send(sock, payload)
        answer = Lines(sock).next(timeout)
    finally:
        sock.close()
    if answer.get("ok") is not True:
        raise ServerProblem(str(answer.get("error") or "the gate server refused the request"))
    return answer


#: The environment the gate server's guard judges with, besides its own (see
#: ``overseer.control.server.AGENT_ENV``, which filters it again): git's discovery and
#: config, the home and the start-up directories, ``PATH``.
_SENT_ENV = (
    "HOME", "PATH", "GIT_DIR", "GIT_WORK_TREE", "GIT_COMMON_DIR", "GIT_OBJECT_DIRECTORY",
    "GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM", "GIT_CONFIG_NOSYSTEM", "GIT_CONFIG_PARAMETERS",
    "GIT_CONFIG_COUNT", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME",
    "CODEX_HOME", "CLAUDE_CONFIG_DIR", "ZDOTDIR",
)  # fmt: skip


def agent_environment() -> dict[str, str]:
    """This hook's environment as far as the server's guard reads it: the agent runtime's,
    which the agent's commands (and git, and the shells they start) inherit."""
    env = os.environ
    found = {name: env[name] for name in _SENT_ENV if name in env}
    for name, value in env.items():
        if name.startswith(("GIT_CONFIG_KEY_", "GIT_CONFIG_VALUE_")):
            found[name] = value
    return found


def hook_answer(
    path: str,
    flavour: str,
    call: dict[str, Any],
    entry_timeout: str | None,
    rearm: Callable[[float], None],
    slack: float,
) -> dict[str, Any]:
    """Ask the server to judge one hook call; returns the final answer (``action``, ``reason``,
    ``stop``, ``updated_input``). ``rearm(seconds)`` moves the hook's watchdog once the server
    says how long an operator may take."""
    sock = connect(path, for_agent=True)
    try:
        request: dict[str, Any] = {"op": "hook", "flavour": flavour, "call": call}
        if entry_timeout is not None:
            request["entry_timeout"] = entry_timeout  # it can only shorten the wait
        cdpath = os.environ.get("CDPATH")
        if cdpath:  # the agent's shell inherits it: a relative cd searches it
            request["cdpath"] = cdpath
        request["env"] = agent_environment()
        send(sock, request)
        lines = Lines(sock)
        first = lines.next(CONNECT_TIMEOUT)
        if first.get("phase") == "accepted":
            gate_timeout = first.get("gate_timeout")
            if not isinstance(gate_timeout, int | float) or not 0 <= gate_timeout < 1e7:
                raise ServerProblem("the gate server sent no usable gate timeout")
            rearm(float(gate_timeout) + slack)
            first = lines.next(None)  # the watchdog bounds the wait
    finally:
        sock.close()
    if first.get("ok") is not True:
        raise ServerProblem(str(first.get("error") or "the gate server refused the call"))
    action, reason = first.get("action"), first.get("reason")
    if action not in ("allow", "deny") or not isinstance(reason, str):
        raise ServerProblem("the gate server's answer has no decision")
    updated = first.get("updated_input")
    if updated is not None and not isinstance(updated, dict):
        raise ServerProblem("the gate server's edited input is not a JSON object")
    return first


def answer(flavour: str, call: dict[str, Any], server: str, entry_timeout: str | None,
           rearm: Callable[[float], None], slack: float) -> str:  # fmt: skip
    """The hook's rendered answer through the server: a deny naming the reason for any
    problem (watchdog signals still reach the hook's own handler)."""
    from overseer.control.hook import render

    try:
        got = hook_answer(server, flavour, call, entry_timeout, rearm, slack)
    except Exception as exc:  # fail closed, and without loading the store to say so
        detail = str(exc) if isinstance(exc, ServerProblem) else f"{type(exc).__name__}: {exc}"
        reason = f"overseer could not decide this call ({detail}); failing closed"
        try:
            import sys

            sys.stderr.write(reason + "\n")
        except Exception:
            pass
        return render(flavour, "deny", reason)
    return render(
        flavour,
        str(got["action"]),
        str(got["reason"]),
        stop=got.get("stop") is True,
        updated_input=got.get("updated_input"),
    )
