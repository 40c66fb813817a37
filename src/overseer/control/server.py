"""``overseer serve``: the hardened-mode gate server (privilege separation on one machine).

Run as its own system user, it owns the store and reads the config; agents' hooks are thin
clients (:mod:`overseer.control.thin`) over a Unix socket. Nothing a client *says* about who
it is counts: the kernel's ``SO_PEERCRED`` names the caller's uid, and

* any uid may submit a hook call for judging (the same judgement the direct hook makes —
  :func:`overseer.control.core.judge` against the server's own store and config) and read the
  outcome of approvals in its own sessions;
* only the operator uids of ``[server] operators`` may decide, grant ("approve for session"),
  kill, and list pending approvals. The operator recorded in the audit chain is that
  authenticated user (its passwd name, else ``uid:N``), never a name the client sent. A
  non-operator's attempt is refused and recorded in the chain as *oversight tampering*.

What the server does *not* take from a client: the agent and task (resolved from the server's
config by the call's ``cwd``/``transcript_path``, and fixed per session on its first call, as
in the direct hook), the gate timeout (the client's ``entry_timeout`` may only shorten it),
the operator's name. A session is bound to the first uid that submits a call for it; another
uid's call in that session is refused (and recorded), so one agent cannot write into another
agent's session.

Paths are judged with :mod:`overseer.control.peerview`: what the server cannot see is *not
known* and never allowed by a rule (asked), rather than judged as if it were empty.

Robustness against a hostile client: one thread per connection, each with its own store
connection; a request line is bounded (:data:`MAX_REQUEST`) and must arrive whole within
:data:`READ_TIMEOUT`; each uid may hold at most :data:`MAX_CONNECTIONS_PER_UID` connections
(operators are not limited), so an agent flooding the socket only starves itself. SIGTERM stops
accepting, ends the approvals it is waiting on as ``errored`` (their hooks deny), and exits.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import signal
import socket
import stat
import struct
import sys
import threading
import time
from collections.abc import Callable, Iterable
from typing import IO, Any

from overseer.config import Config, ConfigError, load_config
from overseer.control import core, peerview
from overseer.control.hook import (
    ENTRY_MARGIN,
    FLAVOURS,
    WATCHDOG_SLACK,
    BadInput,
    agent_process,
    read_call,
)
from overseer.store import AlreadyDecided, StoreError, UnknownApproval, is_postgres, lean, utc_text

#: Longest request line (a Write call carries the whole file): longer ones are refused.
MAX_REQUEST = 8 * 1024 * 1024
#: Seconds a client has to send one whole request line once it connected or was answered.
READ_TIMEOUT = 10.0
#: Seconds a client has to take an answer before the server gives up on it.
SEND_TIMEOUT = 10.0
#: Connections one non-operator uid may hold at once.
MAX_CONNECTIONS_PER_UID = 32
#: A request longer than this is *large*: a non-operator uid has one in hand at a time (the
#: next waits its turn),
#: and all of them together at most :data:`MAX_LARGE_REQUESTS` (parsed JSON can take tens of
#: times its bytes; unbounded, 32 connections × 8 MiB of ``{},{},…`` hold gigabytes).
LARGE_REQUEST = 1 << 20
MAX_LARGE_REQUESTS = 3
#: Seconds a large request waits for its turn before it is refused (the hook then denies).
LARGE_WAIT = 10.0
#: JSON objects one request may hold (a tool input is a handful; a bomb is millions).
MAX_OBJECTS = 100_000
#: Rule name on the chain rows of refused operator actions.
TAMPERING_RULE = "server.operators"
_UCRED = struct.Struct("3i")
_BINDINGS = (
    "CREATE TABLE IF NOT EXISTS server_sessions ("
    " session TEXT PRIMARY KEY, uid INTEGER NOT NULL, bound_at TEXT NOT NULL)"
)


class ServeError(Exception):
    """The server refuses to start (unsafe modes, unknown operator, ...); says why."""


class Refused(Exception):
    """A request this caller may not make, or cannot be made; the message is the answer."""


class Peer:
    """Who is at the other end of a connection, as the kernel says.

    ``SO_PEERCRED``'s pid is the process that *connected*; it may exit while another keeps the
    socket, and its pid may then be reused by anyone's process. So its start time is read at
    accept, and nothing is taken from ``/proc/<pid>`` later (its cwd, its parent: the agent
    process a kill would signal) unless that pid still has that start time and that owner."""

    __slots__ = ("gid", "name", "operator", "pid", "started", "uid")

    def __init__(self, pid: int, uid: int, gid: int, operator: bool) -> None:
        self.pid, self.uid, self.gid, self.operator = pid, uid, gid, operator
        self.name = user_name(uid)
        self.started = _proc_identity(pid)

    def still_there(self) -> bool:
        """Is the connecting process still the one that connected (and the caller's)?"""
        now = _proc_identity(self.pid)
        return now is not None and now == self.started and now[0] == self.uid


def peer_of(sock: socket.socket, operators: frozenset[int]) -> Peer:
    raw = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _UCRED.size)
    pid, uid, gid = _UCRED.unpack(raw)
    return Peer(pid, uid, gid, uid in operators)


def user_name(uid: int) -> str:
    """The passwd name of ``uid``, else ``uid:N`` (a uid with no entry is still someone)."""
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid:{uid}"


def user_home(uid: int) -> str | None:
    try:
        return pwd.getpwuid(uid).pw_dir or None
    except KeyError:
        return None


#: The agent's environment variables the guard reads (git's discovery and config, the
#: shells' and runtimes' start-up files, ``PATH`` for the programs a hook command runs):
#: the thin client sends them, the server judges with them as well as with its own.
AGENT_ENV = frozenset({
    "HOME", "PATH", "GIT_DIR", "GIT_WORK_TREE", "GIT_COMMON_DIR", "GIT_OBJECT_DIRECTORY",
    "GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM", "GIT_CONFIG_NOSYSTEM", "GIT_CONFIG_PARAMETERS",
    "GIT_CONFIG_COUNT", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME",
    "CODEX_HOME", "CLAUDE_CONFIG_DIR", "ZDOTDIR",
})  # fmt: skip
_AGENT_ENV_PREFIXES = ("GIT_CONFIG_KEY_", "GIT_CONFIG_VALUE_")


def agent_environment(sent: object, home: str | None) -> dict[str, str] | None:
    """The agent's environment as the thin client sent it (names of :data:`AGENT_ENV` and
    ``GIT_CONFIG_KEY_n``/``VALUE_n``; a value at most 4 KiB, 256 names), or, when it sent
    none, the passwd home alone. Only ever *added* to the server's own view of git and
    the home (:func:`overseer.control.peerview.context`), so a false value asks more, never
    less."""
    found: dict[str, str] = {}
    if isinstance(sent, dict):
        for name, value in list(sent.items())[:256]:
            if not (isinstance(name, str) and isinstance(value, str)) or len(value) > 4096:
                continue
            if name in AGENT_ENV or name.startswith(_AGENT_ENV_PREFIXES):
                found[name] = value
    if "HOME" not in found and home:
        found["HOME"] = home
    return found or None


def resolve_operators(items: Iterable[str | int]) -> frozenset[int]:
    """``[server] operators`` → uids. An unknown name refuses the start: a typo must not
    silently leave nobody (or the wrong user) able to decide."""
    uids: set[int] = set()
    for item in items:
        if isinstance(item, int):
            uids.add(item)
            continue
        try:
            uids.add(pwd.getpwnam(item).pw_uid)
        except KeyError:
            raise ServeError(f"[server] operators: no user named {item!r}") from None
    return frozenset(uids)


# ------------------------------------------------------------------------ file modes


def _describe(st: os.stat_result) -> str:
    return f"owner {user_name(st.st_uid)}, mode {stat.S_IMODE(st.st_mode):04o}"


def check_ancestors(path: str, owners: frozenset[int], what: str) -> None:
    """Every directory above ``path`` must be owned by one of ``owners`` (or root) and not
    writable by anyone else — unless sticky (``/tmp``), where others cannot rename our
    entries. Otherwise someone else could swap the file out from under the check."""
    current = os.path.dirname(path)
    while True:
        st = os.stat(current)
        if st.st_uid not in owners and st.st_uid != 0:
            raise ServeError(
                f"{what}: directory {current} is owned by someone else ({_describe(st)})"
            )
        if st.st_mode & 0o022 and not st.st_mode & stat.S_ISVTX:
            raise ServeError(
                f"{what}: directory {current} is writable by group or others ({_describe(st)})"
            )
        parent = os.path.dirname(current)
        if parent == current:
            return
        current = parent


def check_config_file(path: str, me: int) -> os.stat_result:
    """The config must be a regular file owned by root or the server's user, writable by
    nobody else, in directories nobody else can write."""
    real = os.path.realpath(path)
    try:
        st = os.stat(real)
    except OSError as exc:
        raise ServeError(f"config {path}: cannot read it: {exc.strerror}") from None
    if not stat.S_ISREG(st.st_mode):
        raise ServeError(f"config {path}: not a regular file")
    if st.st_uid not in (0, me):
        raise ServeError(
            f"config {path}: owned by someone else ({_describe(st)}); it must be owned by "
            f"root or {user_name(me)}"
        )
    if st.st_mode & 0o022:
        raise ServeError(
            f"config {path}: writable by group or others ({_describe(st)}); chmod go-w it"
        )
    check_ancestors(real, frozenset({me}), f"config {path}")
    return st


def prepare_store(db: str, me: int) -> None:
    """Create the SQLite store's directory (0700) and file (0600) if missing; refuse one
    that someone else owns or that group or others may read or write (with ``-wal`` and
    ``-shm``). A PostgreSQL store is guarded by its roles instead (team mode)."""
    if is_postgres(db) or "://" in db:
        return
    path = os.path.abspath(db)
    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        os.makedirs(directory, mode=0o700, exist_ok=True)
    st = os.stat(directory)
    if st.st_uid != me:
        raise ServeError(f"store directory {directory}: owned by someone else ({_describe(st)})")
    if st.st_mode & 0o077:
        raise ServeError(
            f"store directory {directory}: open to group or others ({_describe(st)}); chmod 0700 it"
        )
    check_ancestors(directory, frozenset({me}), f"store {path}")
    if not os.path.exists(path):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    for name in (path, f"{path}-wal", f"{path}-shm", f"{path}-journal"):
        try:
            st = os.lstat(name)
        except FileNotFoundError:
            continue
        if not stat.S_ISREG(st.st_mode) or st.st_uid != me or st.st_mode & 0o077:
            raise ServeError(
                f"store file {name}: must be a regular file owned by {user_name(me)} with "
                f"mode 0600 ({_describe(st)})"
            )


def bind_socket(path: str, me: int) -> socket.socket:
    """Listen at ``path``, connectable by everyone (0666): callers are told apart by
    ``SO_PEERCRED``. Its directory must be ours (or root's) and writable by nobody else —
    sticky or not: whoever can create names there could put a fake gate server in its place."""
    path = os.path.abspath(path)
    directory = os.path.dirname(path)
    try:
        st = os.stat(directory)
    except OSError as exc:
        raise ServeError(f"socket directory {directory}: {exc.strerror}") from None
    if st.st_uid not in (0, me) or st.st_mode & 0o022:
        raise ServeError(
            f"socket directory {directory}: must be owned by {user_name(me)} or root and "
            f"writable by nobody else ({_describe(st)})"
        )
    check_ancestors(directory, frozenset({me}), f"socket {path}")
    with contextlib.suppress(FileNotFoundError):
        old = os.lstat(path)
        if not stat.S_ISSOCK(old.st_mode) or old.st_uid != me:
            raise ServeError(f"socket {path}: something else is already there ({_describe(old)})")
        os.unlink(path)  # a stale socket of ours
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.bind(path)
        os.chmod(path, 0o666)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise ServeError(f"socket {path}: {exc.strerror or exc}") from None
    return sock


# ------------------------------------------------------------------------ the config


class ConfigSource:
    """The server's config, read again whenever the file changes, its modes checked on
    every call (a config made writable by others while the server runs stops the gate)."""

    def __init__(self, path: str, me: int) -> None:
        self.path, self.me = path, me
        self._lock = threading.Lock()
        self._key: tuple[int, ...] | None = None
        self._config: Config | None = None

    def get(self) -> Config:
        st = check_config_file(self.path, self.me)
        key = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)
        with self._lock:
            if key != self._key or self._config is None:
                self._config = load_config(self.path)  # ConfigError: the call is denied
                self._key = key
            return self._config


# ------------------------------------------------------------------------ the server


class GateServer:
    """Accepts connections at ``socket_path`` and answers them (see the module docstring)."""

    def __init__(
        self,
        socket_path: str,
        db: str,
        config_path: str,
        operators: frozenset[int],
        *,
        log: IO[str] | None = None,
    ) -> None:
        self.socket_path, self.db, self.operators = os.path.abspath(socket_path), db, operators
        self.me = os.geteuid()
        self.config = ConfigSource(config_path, self.me)
        self.log = log or sys.stderr
        self._listener: socket.socket | None = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._per_uid: dict[int, int] = {}
        self._threads: set[threading.Thread] = set()
        self._waiting: dict[str, int] = {}  # sessions with a gated call in flight → count
        self._large = threading.BoundedSemaphore(MAX_LARGE_REQUESTS)
        self._large_uids: set[int] = set()

    # ---------------------------------------------------------------- lifecycle

    def start(self) -> None:
        """Check modes, prepare the store, bind the socket. Raises :class:`ServeError`."""
        os.umask(0o077)  # everything the server creates is its own
        config = self.config.get()
        open_to_all = sorted(a.name for a in config.agents.values() if not a.match_users)
        if open_to_all:
            self._say(
                "warning: agents with no match.users can be chosen by any user's calls (by the "
                f"directory they run in): {', '.join(open_to_all)}; name their OS users"
            )
        prepare_store(self.db, self.me)
        try:
            conn = lean.connect(self.db)
            try:
                with lean.db_errors(conn.db), conn.transaction():
                    conn.execute(_BINDINGS)
            finally:
                conn.close()
        except StoreError as exc:
            raise ServeError(f"store: {exc}") from None
        prepare_store(self.db, self.me)  # and again now that SQLite made its files
        self._listener = bind_socket(self.socket_path, self.me)
        self._say(
            f"overseer gate server listening on {self.socket_path} (store {self.db}, operators "
            f"{', '.join(user_name(u) for u in sorted(self.operators)) or 'none'})"
        )

    def serve_forever(self) -> None:
        listener = self._listener
        assert listener is not None, "start() first"
        listener.settimeout(0.5)
        while not self._stopping.is_set():
            try:
                client, _addr = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                if self._stopping.is_set():
                    break
                time.sleep(0.05)  # out of descriptors, say: keep serving the others
                continue
            thread = threading.Thread(target=self._connection, args=(client,), daemon=True)
            with self._lock:
                self._threads.add(thread)
            thread.start()
        self._shutdown()

    def stop(self, *_args: object) -> None:
        """Stop accepting (signal-handler safe); :meth:`serve_forever` then finishes."""
        self._stopping.set()

    def _shutdown(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        with contextlib.suppress(OSError):
            os.unlink(self.socket_path)
        with self._lock:
            sessions = list(self._waiting)
        if sessions:
            self._end_waits(sessions)
        deadline = time.monotonic() + 5.0
        for thread in list(self._threads):
            thread.join(max(0.0, deadline - time.monotonic()))
        self._say("overseer gate server stopped")

    def _end_waits(self, sessions: list[str]) -> None:
        """Finish the approvals we are waiting on, so their hooks answer (deny) now."""
        try:
            conn = lean.connect(self.db, create=False)
        except StoreError:
            return
        try:
            for approval in lean.pending_approvals(conn):
                if approval["session"] in sessions:
                    with contextlib.suppress(StoreError, UnknownApproval):
                        lean.finish_approval(
                            conn, approval["id"], outcome="errored", operator=core.AUTOMATIC,
                            reason="the gate server stopped before anyone decided; denied",
                        )  # fmt: skip
        finally:
            conn.close()

    def _say(self, text: str) -> None:
        with contextlib.suppress(Exception):
            self.log.write(text + "\n")
            self.log.flush()

    # ---------------------------------------------------------------- one connection

    def _connection(self, sock: socket.socket) -> None:
        conn: lean.LeanConn | None = None
        admitted = False
        peer: Peer | None = None
        try:
            peer = peer_of(sock, self.operators)
            sock.settimeout(SEND_TIMEOUT)
            admitted = self._admit(peer)
            if not admitted:
                _reply(sock, {"ok": False, "error": "too many connections from this user"})
                return
            reader = _Reader(sock)
            while not self._stopping.is_set():
                try:
                    line = reader.line()
                except Refused as exc:
                    _reply(sock, {"ok": False, "error": str(exc)})
                    return
                if line is None:
                    return
                large = len(line) > LARGE_REQUEST and not peer.operator
                if large and not self._take_large(peer):
                    _reply(sock, {"ok": False, "error": "too many large requests; try again"})
                    return
                try:
                    try:
                        request = _parse(line)
                    except Refused as exc:
                        _reply(sock, {"ok": False, "error": str(exc)})
                        return
                    if request is None:
                        _reply(
                            sock,
                            {"ok": False, "error": "the request is not a JSON object with an op"},
                        )
                        return
                    if conn is None:
                        conn = lean.connect(self.db, create=False)
                    try:
                        answer = self._dispatch(request, peer, conn, sock)
                    except Refused as exc:
                        answer = {"ok": False, "error": str(exc)}
                    del request  # a large one is released with its turn
                finally:
                    if large:
                        self._give_large(peer)
                _reply(sock, answer)
        except Exception as exc:  # one client's trouble never reaches the others
            with contextlib.suppress(Exception):
                _reply(
                    sock, {"ok": False, "error": f"the gate server failed: {core._one_line(exc)}"}
                )
            who = peer.name if peer is not None else "?"
            self._say(f"connection from {who} ended: {core._one_line(exc)}")
        finally:
            if admitted and peer is not None:
                self._release(peer)
            with contextlib.suppress(Exception):
                sock.close()
            if conn is not None:
                with contextlib.suppress(Exception):
                    conn.close()
            with self._lock:
                self._threads.discard(threading.current_thread())

    def _take_large(self, peer: Peer) -> bool:
        """One large request in hand per uid, :data:`MAX_LARGE_REQUESTS` in all; a request
        waits up to :data:`LARGE_WAIT` for its turn (an agent's parallel Writes take turns)."""
        deadline = time.monotonic() + LARGE_WAIT
        while True:
            with self._lock:
                if peer.uid not in self._large_uids:
                    self._large_uids.add(peer.uid)
                    break
            if time.monotonic() >= deadline or self._stopping.is_set():
                return False
            time.sleep(0.02)
        if self._large.acquire(timeout=max(0.0, deadline - time.monotonic())):
            return True
        with self._lock:
            self._large_uids.discard(peer.uid)
        return False

    def _give_large(self, peer: Peer) -> None:
        self._large.release()
        with self._lock:
            self._large_uids.discard(peer.uid)

    def _admit(self, peer: Peer) -> bool:
        with self._lock:
            count = self._per_uid.get(peer.uid, 0)
            if not peer.operator and count >= MAX_CONNECTIONS_PER_UID:
                return False
            self._per_uid[peer.uid] = count + 1
            return True

    def _release(self, peer: Peer) -> None:
        with self._lock:
            left = self._per_uid.get(peer.uid, 1) - 1
            if left > 0:
                self._per_uid[peer.uid] = left
            else:
                self._per_uid.pop(peer.uid, None)

    def _dispatch(
        self, request: dict[str, Any], peer: Peer, conn: lean.LeanConn, sock: socket.socket
    ) -> dict[str, Any]:
        op = request["op"]
        if op == "hook":
            return self._hook(request, peer, conn, sock)
        if op == "whoami":
            return {"ok": True, "uid": peer.uid, "name": peer.name, "operator": peer.operator}
        if op == "outcome":
            return self._outcome(request, peer, conn)
        handlers: dict[str, Callable[[dict[str, Any], Peer, lean.LeanConn], dict[str, Any]]] = {
            "decide": self._decide,
            "kill": self._kill,
            "pending": self._pending,
            "mirror": self._mirror,
            "reveal": self._reveal,
        }
        handler = handlers.get(op)
        if handler is None:
            raise Refused(f"unknown request {op[:40]!r}")
        if not peer.operator:
            self._tampering(conn, peer, op, request)
            raise Refused(
                f"{peer.name} is not an operator of this gate server: only the users in "
                f"[server] operators may "
                f"{ {'pending': 'list approvals', 'mirror': 'read the store'}.get(op, op) }"
            )
        return handler(request, peer, conn)

    # ---------------------------------------------------------------- agents

    def _hook(
        self, request: dict[str, Any], peer: Peer, conn: lean.LeanConn, sock: socket.socket
    ) -> dict[str, Any]:
        flavour = request.get("flavour")
        if flavour not in FLAVOURS:
            raise Refused("the hook request names no known agent flavour")
        try:
            call = read_call(json.dumps(request.get("call")).encode())
        except BadInput as exc:
            raise Refused(f"malformed hook input: {exc}") from None
        session = call["session_id"]
        tool_use = call.get("tool_use_id")
        call_id = tool_use if isinstance(tool_use, str) else None
        self._bind(conn, session, peer)
        try:
            config = self.config.get()
        except (ConfigError, ServeError) as exc:
            detail = (
                "invalid overseer config: " + "; ".join(str(p) for p in exc.problems)
                if isinstance(exc, ConfigError)
                else str(exc)
            )
            reason = f"overseer could not decide this call ({detail}); failing closed"
            with contextlib.suppress(Exception):
                core.record_error(
                    conn, reason, session=session, call_id=call_id, tool=call["tool_name"],
                    tool_input=call["tool_input"],
                )  # fmt: skip
            return {"ok": True, "action": "deny", "reason": reason, "outcome": "errored"}
        gate_timeout = _capped(config.defaults.gate_timeout, request.get("entry_timeout"))
        _reply(sock, {"phase": "accepted", "gate_timeout": gate_timeout})
        raw_cwd = call.get("cwd")
        claimed = raw_cwd if isinstance(raw_cwd, str) and raw_cwd.startswith("/") else None
        # Where the hook process runs, as the kernel says (the agent runtime starts it in the
        # session's directory); the request's cwd is only the agent's word for it.
        seen = _proc_cwd(peer.pid) if peer.still_there() else None
        cwd = claimed or seen
        home = user_home(peer.uid)
        recorded = lean.session_owner(conn, session)
        started_in = lean.session_start_dir(conn, session)
        sent = request.get("cdpath")  # the hook's CDPATH, which the agent's shell inherits
        cdpath = sent if isinstance(sent, str) else None
        agent_env = agent_environment(request.get("env"), home)
        if recorded is not None:
            agent, task = recorded
        else:
            # Never by the transcript path the request names (any path the agent likes), and
            # only among the agents whose match.users name this uid (or name nobody).
            agent, task = config.resolve(cwd=seen or claimed, home=home, user=(peer.name, peer.uid))
        with self._lock:
            self._waiting[session] = self._waiting.get(session, 0) + 1
        try:
            result = core.judge(
                conn,
                session=session,
                tool=call["tool_name"],
                tool_input=call["tool_input"],
                scope=config.scope_for(agent, task),
                ctx=peerview.context(
                    cwd,
                    home,
                    started_in or seen or cwd,
                    config=self.config.path,
                    db=self.db,
                    cdpath=cdpath,
                    agent_env=agent_env,
                ),
                agent=agent,
                task=task,
                gate_timeout=gate_timeout,
                call_id=call_id,
                origin=str(flavour),
            )
        except StoreError as exc:
            reason = f"overseer could not decide this call ({core._one_line(exc)}); failing closed"
            return {"ok": True, "action": "deny", "reason": reason, "outcome": "errored"}
        finally:
            with self._lock:
                left = self._waiting.get(session, 1) - 1
                if left > 0:
                    self._waiting[session] = left
                else:
                    self._waiting.pop(session, None)
        if not result.stop:
            try:  # decided and recorded: nothing here may change the answer
                first_dir = seen or cwd
                if started_in is None and first_dir is not None:
                    lean.note_start_dir(conn, session, first_dir)
                self._register(conn, session, str(flavour), peer)
            except Exception as exc:
                self._say(f"could not record the agent's process: {core._one_line(exc)}")
        return {
            "ok": True,
            "action": result.action,
            "reason": result.reason,
            "stop": result.stop,
            "updated_input": result.updated_input,
            "outcome": result.outcome,
            "approval_id": result.approval_id,
        }

    def _bind(self, conn: lean.LeanConn, session: str, peer: Peer) -> None:
        """The session belongs to the first uid that submits a call for it."""
        with lean.db_errors(conn.db), conn.transaction():
            conn.execute(
                "INSERT INTO server_sessions (session, uid, bound_at) VALUES (?, ?, ?)"
                " ON CONFLICT (session) DO NOTHING",
                (session, peer.uid, utc_text()),
            )
            row = conn.execute(
                "SELECT uid FROM server_sessions WHERE session = ?", (session,)
            ).fetchone()
        if row is not None and int(row[0]) != peer.uid:
            self._tampering(conn, peer, "hook", {"session": session})
            raise Refused(f"session {session[:80]!r} belongs to another user; call refused")

    def _register(self, conn: lean.LeanConn, session: str, flavour: str, peer: Peer) -> None:
        """Record the agent process a kill will signal: the caller's parent agent, only if
        the connecting process is still the one that connected and the agent process is the
        caller's own and older than it (a reused pid must not aim the kill at someone else)."""
        row = conn.execute("SELECT pid FROM sessions WHERE id = ?", (session,)).fetchone()
        if row is None or row[0] is not None or not peer.still_there():
            return
        parent = _proc_ppid(peer.pid)
        pid = agent_process(flavour, start=parent) if parent else None
        if pid is None:
            return
        agent = _proc_identity(pid)
        if agent is None or agent[0] != peer.uid or peer.started is None:
            return
        if agent[1] > peer.started[1] or not peer.still_there():
            return
        core.register_process(conn, session, pid, os.uname().nodename)

    def _outcome(self, request: dict[str, Any], peer: Peer, conn: lean.LeanConn) -> dict[str, Any]:
        approval_id = request.get("id")
        if not isinstance(approval_id, str):
            raise Refused("outcome needs an approval id")
        found = lean.read_approval(conn, approval_id)
        if found is None:
            raise Refused(f"no approval {approval_id[:40]!r}")
        if not peer.operator:
            row = conn.execute(
                "SELECT uid FROM server_sessions WHERE session = ?", (found["session"],)
            ).fetchone()
            if row is None or int(row[0]) != peer.uid:
                raise Refused(f"no approval {approval_id[:40]!r}")  # not telling it exists
        keys = ("id", "session", "status", "decided_by", "decided_at", "reason", "updated_input")
        return {"ok": True, "approval": {k: found.get(k) for k in keys}}

    # ---------------------------------------------------------------- operators

    def _decide(self, request: dict[str, Any], peer: Peer, conn: lean.LeanConn) -> dict[str, Any]:
        approval_id, decision = request.get("id"), request.get("decision")
        reason, updated = request.get("reason"), request.get("input")
        grants = request.get("grant") or []
        if not isinstance(approval_id, str) or decision not in ("approve", "deny"):
            raise Refused("decide needs an approval id and approve or deny")
        if reason is not None and not isinstance(reason, str):
            raise Refused("the reason must be text")
        if updated is not None and not isinstance(updated, dict):
            raise Refused("the edited input must be a JSON object")
        if not isinstance(grants, list) or not all(isinstance(g, str) for g in grants):
            raise Refused("grant must be a list of rules")
        try:
            result = lean.decide(
                conn, approval_id, decision=str(decision), reason=reason,
                operator=peer.name,  # the authenticated user, whatever the client claims
                updated_input=updated, grant_rules=grants,
            )  # fmt: skip
        except AlreadyDecided as exc:
            return {"ok": False, "error": str(exc), "already_decided": True}
        except (UnknownApproval, ValueError) as exc:
            raise Refused(str(exc)) from None
        return {
            "ok": True,
            "status": result["status"],
            "decided_by": result["decided_by"],
            "decision_seq": result["decision_seq"],
        }

    def _kill(self, request: dict[str, Any], peer: Peer, conn: lean.LeanConn) -> dict[str, Any]:
        from overseer.control.kill import DEFAULT_GRACE, kill_session

        session, reason = request.get("session"), request.get("reason")
        grace = request.get("grace", DEFAULT_GRACE)
        if not isinstance(session, str) or not session:
            raise Refused("kill needs a session id")
        if reason is not None and not isinstance(reason, str):
            raise Refused("the reason must be text")
        if isinstance(grace, bool) or not isinstance(grace, int | float) or not 0 <= grace <= 60:
            raise Refused("grace must be between 0 and 60 seconds")
        result = kill_session(
            conn, session, peer.name, reason, grace=float(grace),
            signal_process=request.get("signal", True) is not False,
        )  # fmt: skip
        return {"ok": True, "result": result.as_dict(), "summary": result.summary()}

    def _pending(
        self, _request: dict[str, Any], _peer: Peer, conn: lean.LeanConn
    ) -> dict[str, Any]:
        return {"ok": True, "approvals": lean.pending_approvals(conn)}

    def _mirror(self, request: dict[str, Any], _peer: Peer, conn: lean.LeanConn) -> dict[str, Any]:
        """The rows an operator's console mirror lacks (:mod:`overseer.control.mirror`)."""
        from overseer.control import mirror

        after = request.get("after")
        if not isinstance(after, dict):
            raise Refused("mirror needs the highest keys the console holds")
        return {"ok": True, **mirror.changes(conn, after)}

    def _reveal(self, request: dict[str, Any], peer: Peer, conn: lean.LeanConn) -> dict[str, Any]:
        """An operator unmasked a secret on a console: recorded here, as the kernel names them."""
        session, call_id = request.get("session"), request.get("call_id")
        if not isinstance(session, str) or not (call_id is None or isinstance(call_id, str)):
            raise Refused("reveal needs a session id (and a call id or null)")
        with lean.db_errors(conn.db), conn.transaction():
            conn.execute(
                "INSERT INTO reveals (ts, operator, session, call_id) VALUES (?, ?, ?, ?)",
                (utc_text(), peer.name, session[:200], call_id[:200] if call_id else None),
            )
        return {"ok": True}

    def _tampering(self, conn: lean.LeanConn, peer: Peer, op: str, request: dict[str, Any]) -> None:
        """A non-operator tried an operator's action: one chain row naming who (by uid)."""
        target = request.get("id") if op == "decide" else request.get("session")
        # a lone surrogate cannot be stored as UTF-8: escape it, the refusal is recorded anyway
        target = _storable(target) if isinstance(target, str) else None
        session = None
        if op == "decide" and target is not None:
            with contextlib.suppress(Exception):
                found = lean.read_approval(conn, target)
                session = found["session"] if found else None
        elif op in ("kill", "hook"):
            session = target
        what = {
            "decide": "decide an approval",
            "kill": "kill a session",
            "pending": "list pending approvals",
            "mirror": "read the store",
            "reveal": "record a reveal",
            "hook": "submit a call in another user's session",
        }
        if op == "decide" and request.get("grant"):
            what["decide"] = "grant rules for a session"
        reason = (
            f"oversight tampering: {peer.name} (uid {peer.uid}, pid {peer.pid}), not an "
            f"operator, tried to {what.get(op, op)}"
            + (f" ({target[:80]!r})" if target and op != "hook" else "")
            + "; refused"
        )
        try:
            lean.append_decision(
                conn, outcome="policy_denied", action="refuse", operator=peer.name,
                session=session if op != "hook" else None,
                approval_id=target if op == "decide" else None,
                rule=TAMPERING_RULE, reason=reason,
            )  # fmt: skip
        except Exception as exc:
            self._say(f"could not record a refused request: {core._one_line(exc)}")
        self._say(reason)


class _Reader:
    """Request lines from one client: each bounded in size and due within READ_TIMEOUT."""

    __slots__ = ("buf", "sock")

    def __init__(self, sock: socket.socket) -> None:
        self.sock, self.buf = sock, b""

    def line(self) -> bytes | None:
        deadline = time.monotonic() + READ_TIMEOUT
        while b"\n" not in self.buf:
            if len(self.buf) > MAX_REQUEST:
                raise Refused(f"request longer than {MAX_REQUEST} bytes; refused")
            left = deadline - time.monotonic()
            if left <= 0:
                raise Refused("no whole request in time; closing")
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(min(1 << 20, MAX_REQUEST + 1 - len(self.buf)))
            except TimeoutError:
                raise Refused("no whole request in time; closing") from None
            if not chunk:
                return None
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        if len(line) > MAX_REQUEST:
            raise Refused(f"request longer than {MAX_REQUEST} bytes; refused")
        self.sock.settimeout(SEND_TIMEOUT)
        return line


class _TooMany(ValueError):
    pass


def _parse(line: bytes) -> dict[str, Any] | None:
    """The request object, or None if it is not one with an ``op``; raises
    :class:`Refused` for what is not JSON or holds more than :data:`MAX_OBJECTS` objects."""
    count = 0

    def counted(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal count
        count += 1
        if count > MAX_OBJECTS:
            raise _TooMany
        return dict(pairs)

    try:
        request = json.loads(line.decode("utf-8", "surrogateescape"), object_pairs_hook=counted)
    except _TooMany:
        raise Refused(f"the request holds more than {MAX_OBJECTS} JSON objects; refused") from None
    except (ValueError, RecursionError):
        raise Refused("the request is not JSON") from None
    if not isinstance(request, dict) or not isinstance(request.get("op"), str):
        return None
    return request


def _storable(text: str) -> str:
    """``text`` as UTF-8 can hold it: lone surrogates (from ``\\udcxx`` escapes) escaped."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _reply(sock: socket.socket, answer: dict[str, Any]) -> None:
    data = json.dumps(answer, ensure_ascii=True, default=str, separators=(",", ":"))
    sock.settimeout(SEND_TIMEOUT)
    sock.sendall(data.encode("ascii") + b"\n")


def _capped(gate_timeout: float, entry: Any) -> float:
    """The config's gate timeout, cut to answer before the hook entry's own timeout (the
    client's ``entry_timeout``: it can only make the wait shorter)."""
    try:
        value = float(entry) if entry is not None and not isinstance(entry, bool) else None
    except (TypeError, ValueError):
        value = None
    if value is None or value != value:  # absent, or NaN
        return gate_timeout
    return max(0.0, min(gate_timeout, value - WATCHDOG_SLACK - ENTRY_MARGIN))


def _proc_identity(pid: int) -> tuple[int, int] | None:
    """``(owner uid, start time in clock ticks)`` of a process, or None if it cannot be read."""
    try:
        owner = os.stat(f"/proc/{pid}").st_uid
        with open(f"/proc/{pid}/stat", "rb") as fh:
            text = fh.read()
        return owner, int(text[text.rindex(b")") + 2 :].split()[19])
    except (OSError, ValueError, IndexError):
        return None


def _proc_cwd(pid: int) -> str | None:
    """The caller's working directory, when the server may look (same user or root)."""
    try:
        return os.readlink(f"/proc/{pid}/cwd")
    except OSError:
        return None


def _proc_ppid(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            text = fh.read()
        return int(text[text.rindex(b")") + 2 :].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def serve(socket_path: str, db: str, config_path: str, operators: frozenset[int]) -> None:
    """Run until SIGTERM or SIGINT (``overseer serve``)."""
    server = GateServer(socket_path, db, config_path, operators)
    server.start()
    signal.signal(signal.SIGTERM, server.stop)
    signal.signal(signal.SIGINT, server.stop)
    server.serve_forever()
