"""No decision from inside a gated session: is a process descended from an agent the store
knows?

The simplest self-approval needs no database client at all: the agent writes a script that
runs ``overseer decide ID approve --operator alice`` on its own waiting call. The process
doing that descends from the agent's own process, whose pid the store keeps
(``sessions.pid``: the hook registers the Claude Code or Codex process on a session's first
call, :func:`overseer.control.hook.register_agent`; an in-house agent registers itself,
:func:`overseer.gate.start_session`). So before a decide, a grant or a kill is made, the
deciding process's ancestry is walked (``/proc``, through :mod:`psutil`) and compared with
every registered agent pid. A pid is reused once its process exits, so a match counts only
when the process is provably the registered one: its start time equals the recorded
``pid_started``, or precedes the session's first sight (the same proof ``overseer kill``
demands before it signals, :func:`overseer.control.kill.verify`).

A server acting for a client (``overseer serve``) passes the client's pid (``SO_PEERCRED``)
instead of its own.

Limits, said plainly: a process that detached from the agent (double fork, ``setsid``,
re-parented to init or a sub-reaper) no longer descends from it, and in single-user mode an
agent that can write the store can clear its own ``sessions.pid`` first. This check stops
the direct case — a script the agent wrote calling overseer — and records the attempt; the
separated modes, where the agent's uid may not decide at all, stop the rest.
"""

from __future__ import annotations

import os
from typing import Any

from overseer.store import StoreError

#: How far up the process tree to look (a real tree is a few dozen deep at most).
MAX_DEPTH = 64


class InsideSession(StoreError):
    """A decide, grant or kill was attempted from inside a gated agent session; refused."""


class Ancestor:
    """The registered agent process a caller descends from."""

    __slots__ = ("agent", "caller", "hops", "pid", "session", "task")

    def __init__(
        self, session: str, pid: int, caller: int, hops: int, agent: Any, task: Any
    ) -> None:
        self.session, self.pid, self.caller, self.hops = session, pid, caller, hops
        self.agent, self.task = agent, task

    def describe(self) -> str:
        relation = "is" if self.hops == 0 else f"descends ({self.hops} levels) from"
        return (
            f"process {self.caller} {relation} the agent process {self.pid} of session "
            f"{self.session}"
        )


def lineage(pid: int | None = None) -> list[tuple[int, float]]:
    """``[(pid, start time), ...]`` from ``pid`` (default: this process) up to init,
    nearest first. A process that cannot be read ends the walk (it is gone or hidden)."""
    import psutil

    chain: list[tuple[int, float]] = []
    try:
        proc: Any = psutil.Process(os.getpid() if pid is None else pid)
        while proc is not None and len(chain) < MAX_DEPTH:
            chain.append((proc.pid, proc.create_time()))
            if proc.pid <= 1:
                break
            proc = proc.parent()
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        pass
    return chain


def agent_ancestor(conn: Any, pid: int | None = None) -> Ancestor | None:
    """The registered agent process that ``pid`` (default: this process) is or descends
    from, proven by start time; ``None`` when there is none."""
    from overseer.control.kill import process_info, this_host, verify

    chain = [(p, created) for p, created in lineage(pid) if p > 1]
    if not chain:
        return None
    caller = chain[0][0]
    started = dict(chain)
    hops = {p: n for n, (p, _c) in enumerate(chain)}
    marks = ", ".join("?" * len(chain))
    rows = conn.execute(
        f"SELECT id, pid, host FROM sessions WHERE pid IN ({marks})", [p for p, _c in chain]
    ).fetchall()
    hosts = this_host()
    found: list[Ancestor] = []
    for session, registered, host in rows:
        info = process_info(conn, str(session))
        if host is not None and host not in hosts:
            continue  # another machine's pid
        if host is None and info.get("pid_started") is None:
            continue  # no proof this pid number is even from this machine
        same, _why = verify(info, started[int(registered)])
        if same:
            found.append(
                Ancestor(
                    str(session), int(registered), caller, hops[int(registered)],
                    info.get("agent"), info.get("task"),
                )
            )  # fmt: skip
    return min(found, key=lambda a: a.hops) if found else None


def refuse_inside_session(conn: Any, what: str, *, caller_pid: int | None = None) -> None:
    """Raise :class:`InsideSession` (after recording the attempt as *oversight tampering*:
    a chain row and a security flag on the agent's session) when the caller descends from
    a registered agent process. ``what`` names the attempt (``"approve ap-…"``)."""
    found = agent_ancestor(conn, caller_pid)
    if found is None:
        return
    from overseer.store.crosscheck import record_tampering

    detail = (
        f"{what} was attempted from inside a gated session: {found.describe()}; refused "
        "(an agent may not decide, grant or kill for itself)"
    )
    try:
        _, reason = record_tampering(
            conn, detail, action="refuse", session=found.session, agent=found.agent,
            task=found.task,
        )  # fmt: skip
    except Exception as exc:  # refused all the same; say the record is missing
        reason = f"oversight tampering: {detail} (not recorded: {exc})"
    raise InsideSession(
        f"refused: {reason}. Decide from a terminal that is not inside an agent's session; if "
        f"process {found.pid} is not an agent, its session's registered pid was changed"
    )
