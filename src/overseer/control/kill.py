"""Kill a session: refuse every later call of it, and stop its process when we know it.

Two layers, because either alone can fail:

1. The store marks the session ``killed`` (with its audit row) and finishes its pending
   approvals as ``killed``; every later gate call of the session is refused, and Claude Code
   is told ``continue: false``. This works for any agent, on any host, even with no pid.
2. Where the session's process is known (a native ``session_start`` record's ``pid``/
   ``host``, or the agent process a hook found), it gets SIGTERM, then SIGKILL after a grace
   period — but only after proving that the pid still belongs to *that* process: a pid is
   reused once its process exits, and signalling a stranger is the worst thing a kill switch
   can do. The proof is the process start time: it must equal the ``pid_started`` the agent
   recorded, or at least precede the session's first event (a reused pid's process was
   created after the session's own process had already run).

The result (terminated, killed, already gone, not permitted, pid reused, ...) is returned,
printed by ``overseer kill`` and appended to the audit chain. The TUI calls
:func:`kill_session` too.
"""

from __future__ import annotations

import calendar
import json
import os
import signal
import socket
import time
from typing import Any

from overseer.store import lean

#: Seconds between SIGTERM and SIGKILL.
DEFAULT_GRACE = 5.0
#: How far a process may start after the session's first event and still be its process
#: (clock granularity; a reused pid starts long after the original exited).
START_SLACK = 2.0
#: Tolerance when comparing with an exact recorded ``pid_started``.
EXACT_SLACK = 0.5

TERMINATED = "terminated"  # exited after SIGTERM
KILLED = "killed"  # needed SIGKILL
ALREADY_GONE = "already_gone"
NOT_PERMITTED = "not_permitted"
PID_REUSED = "pid_reused"
UNVERIFIABLE = "unverifiable"  # no start time to check the pid against: not signalled
NO_PROCESS = "no_process"  # the session's pid is not known
OTHER_HOST = "other_host"
STILL_RUNNING = "still_running"  # survived SIGKILL (uninterruptible sleep, or a zombie's parent)
FAILED = "failed"


class KillResult:
    """What a kill did. ``process`` is one of the constants above; ``detail`` says it in words."""

    __slots__ = ("detail", "host", "marked_seq", "pid", "process", "record_seq", "session")

    def __init__(self, session: str) -> None:
        self.session = session
        self.marked_seq: int | None = None
        self.record_seq: int | None = None
        self.pid: int | None = None
        self.host: str | None = None
        self.process = NO_PROCESS
        self.detail = ""

    @property
    def signalled(self) -> bool:
        return self.process in (TERMINATED, KILLED, STILL_RUNNING)

    def summary(self) -> str:
        return f"session {self.session} marked killed; process: {self.detail}"

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__} | {
            "signalled": self.signalled
        }

    def __repr__(self) -> str:
        return f"KillResult({self.session!r}, process={self.process!r}, pid={self.pid!r})"


def kill_session(
    store_or_conn: Any,
    session: str,
    operator: str | None,
    reason: str | None,
    *,
    grace: float = DEFAULT_GRACE,
    signal_process: bool = True,
) -> KillResult:
    """Mark ``session`` killed and stop its process if it is known and provably the same.

    ``store_or_conn`` is a :class:`~overseer.store.lean.LeanConn`, a database path/URL (or
    ``None`` for the default), or any object with a ``db`` attribute naming one (the app's
    store). Raises :class:`~overseer.store.StoreError` if the store cannot be written: a kill
    that is not recorded has not happened.
    """
    conn, owned = _conn(store_or_conn)
    try:
        result = KillResult(session)
        result.marked_seq = lean.mark_session_killed(
            conn, session, operator=operator, reason=reason
        )
        info = process_info(conn, session)
        result.pid, result.host = info.get("pid"), info.get("host")
        if not signal_process:
            result.process, result.detail = NO_PROCESS, "not signalled (--no-signal)"
        elif _team_store(conn):
            # A team-mode store's pids are registered by hook logins, which a hostile agent
            # may hold: it could name any process here (the operator's own). Never signalled.
            result.process, result.detail = (
                NOT_PERMITTED,
                (
                    "team mode: the pid was registered by a hook login, which could name any "
                    "process; not signalled (its next call is refused)"
                ),
            )
        else:
            result.process, result.detail = stop_process(info, grace=grace)
        result.record_seq = lean.append_decision(
            conn,
            outcome="killed",
            action="signal",
            operator=operator,
            session=session,
            reason=f"{result.process}: {result.detail}",
            agent=info.get("agent"),
            task=info.get("task"),
        )
        return result
    finally:
        if owned:
            conn.close()


def _team_store(conn: Any) -> bool:
    """Is this a team-mode store (``overseer team init`` recorded its hook role)?"""
    if not getattr(conn, "is_pg", False):
        return False
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = 'team_hook_role'").fetchone()
    except Exception:
        return False  # no meta to read: not one team init set up
    return row is not None


def _conn(store_or_conn: Any) -> tuple[Any, bool]:
    if isinstance(store_or_conn, lean.LeanConn):
        return store_or_conn, False
    if store_or_conn is None or isinstance(store_or_conn, str):
        return lean.connect(store_or_conn), True
    db = getattr(store_or_conn, "db", None)
    if isinstance(db, str):
        return lean.connect(db), True
    raise TypeError(f"cannot reach a store through {type(store_or_conn).__name__}")


def process_info(conn: Any, session: str) -> dict[str, Any]:
    """The session's ``pid``, ``host``, ``started_at`` (epoch), agent and task, plus the
    ``pid_started`` a native ``session_start`` record carried (epoch seconds, if any)."""
    row = conn.execute(
        "SELECT pid, host, started_at, agent, task FROM sessions WHERE id = ?", (session,)
    ).fetchone()
    if row is None:
        return {}
    info: dict[str, Any] = {
        "pid": row[0], "host": row[1], "started_at": parse_utc(row[2]),
        "agent": row[3], "task": row[4],
    }  # fmt: skip
    first = conn.execute(
        "SELECT extra, ts FROM events WHERE session = ? AND kind = 'session_start'"
        " ORDER BY ts, id LIMIT 1",
        (session,),
    ).fetchone()
    if first is not None:
        started = parse_utc(first[1])
        if started is not None and (info["started_at"] is None or started < info["started_at"]):
            info["started_at"] = started
        try:
            extra = json.loads(first[0]) if first[0] else {}
        except ValueError:
            extra = {}
        value = extra.get("pid_started") if isinstance(extra, dict) else None
        if isinstance(value, int | float) and not isinstance(value, bool):
            info["pid_started"] = float(value)
    return info


def parse_utc(text: Any) -> float | None:
    """The store's ``YYYY-MM-DDTHH:MM:SS[.ffffff]Z`` (or ``+00:00``) → epoch seconds."""
    if not isinstance(text, str) or len(text) < 19:
        return None
    try:
        whole = calendar.timegm(time.strptime(text[:19], "%Y-%m-%dT%H:%M:%S"))
    except ValueError:
        return None
    fraction = 0.0
    if len(text) > 20 and text[19] == ".":
        digits = "".join(ch for ch in text[20:27] if ch.isdigit())
        fraction = float("0." + digits) if digits else 0.0
    return whole + fraction


def this_host() -> set[str]:
    names = {socket.gethostname(), os.uname().nodename}
    names |= {n.split(".", 1)[0] for n in names}
    return names


def verify(info: dict[str, Any], created: float) -> tuple[bool, str]:
    """Whether a process created at ``created`` is the session's process (see module doc)."""
    exact = info.get("pid_started")
    if exact is not None:
        if abs(created - exact) <= EXACT_SLACK:
            return True, "start time matches the recorded one"
        return False, f"{_reused(info, created)}, not {_at(exact)}"
    started = info.get("started_at")
    if started is not None:
        if created <= started + START_SLACK:
            return True, "process predates the session's first event"
        return False, f"{_reused(info, created)}, after the session began ({_at(started)})"
    return False, "no start time recorded to prove the pid is still the session's process"


def stop_process(info: dict[str, Any], *, grace: float = DEFAULT_GRACE) -> tuple[str, str]:
    """SIGTERM, then SIGKILL after ``grace`` seconds, if the pid is provably the session's."""
    import psutil

    pid = info.get("pid")
    if not isinstance(pid, int) or pid <= 1:
        return NO_PROCESS, "no process known for this session (its next gated call is refused)"
    host = info.get("host")
    if host and host not in this_host():
        return (
            OTHER_HOST,
            f"pid {pid} runs on {host}, not here: not signalled (its next gated call is refused)",
        )
    if pid == os.getpid():
        return NOT_PERMITTED, f"pid {pid} is overseer itself: not signalled"
    try:
        proc = psutil.Process(pid)
        created = proc.create_time()
    except psutil.NoSuchProcess:
        return ALREADY_GONE, f"pid {pid} had already exited"
    except psutil.AccessDenied:
        return NOT_PERMITTED, f"not permitted to inspect pid {pid}"
    same, why = verify(info, created)
    if not same:
        return (PID_REUSED if "now belongs" in why else UNVERIFIABLE), f"{why}: left alone"
    try:
        # psutil re-checks the pid's identity (its create time) before every signal.
        proc.send_signal(signal.SIGTERM)
    except psutil.NoSuchProcess:
        return ALREADY_GONE, f"pid {pid} exited before it could be signalled"
    except psutil.AccessDenied:
        return NOT_PERMITTED, f"not permitted to signal pid {pid} (owned by another user?)"
    if _gone(proc, grace):
        return TERMINATED, f"pid {pid} exited after SIGTERM"
    try:
        proc.send_signal(signal.SIGKILL)
    except psutil.NoSuchProcess:
        return TERMINATED, f"pid {pid} exited after SIGTERM"
    except psutil.AccessDenied:
        return NOT_PERMITTED, f"pid {pid} ignored SIGTERM and SIGKILL was not permitted"
    if _gone(proc, 2.0):
        return KILLED, f"pid {pid} ignored SIGTERM for {grace:g} s; killed with SIGKILL"
    return STILL_RUNNING, f"pid {pid} still running after SIGKILL"


def _gone(proc: Any, within: float) -> bool:
    """Poll until the process has exited (or is a zombie nobody has reaped yet)."""
    import psutil

    deadline = time.monotonic() + within
    while True:
        try:
            if not proc.is_running() or proc.status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)


def _reused(info: dict[str, Any], created: float) -> str:
    return f"pid {info['pid']} now belongs to a process started at {_at(created)}"


def _at(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))
