"""``overseer.gate``: gate an in-house agent's tool calls through overseer.

An in-house (native) agent has no hook mechanism to plug into, so it asks in code::

    from overseer.gate import request_approval, start_session

    start_session("etl-2026-03-02", agent="etl-nightly", log="/var/log/etl/overseer.jsonl")
    decision = request_approval("Bash", {"command": cmd}, session="etl-2026-03-02")
    if decision.allowed:
        run(decision.input["command"])        # the operator may have narrowed it
    else:
        log.warning("not allowed: %s", decision.reason)

It speaks exactly the hook's store protocol (:mod:`overseer.control.core`): the scope is
evaluated when the agent is known, a gated call waits as a pending approval the TUI and
``overseer decide`` answer, every outcome is an audit row, and a killed session is refused.
It fails closed — a store or config problem is a ``Decision`` with ``allowed`` false and
outcome ``errored``, never an exception (``KeyboardInterrupt`` still interrupts). Like the
hook, it never migrates a store of an older schema: it refuses it, naming
``overseer upgrade --db PATH``.

:func:`start_session` writes the native ``session_start`` record with the process id and its
start time (``pid_started``), and registers both in the store, so ``overseer kill`` can stop
the agent's process — and prove, before signalling, that the pid is still that process.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import time
from collections.abc import Mapping
from typing import IO, Any

from overseer.config import Config, ConfigError
from overseer.control import core, fsview, hookconfig
from overseer.control.hook import gate_timeout_for, hook_config_path
from overseer.store import lean


class Decision:
    """The answer to one :func:`request_approval`.

    ``allowed``: run the call. ``input``: the input to run it with (the operator's edit when
    there is one, else the original). ``outcome``: ``auto_allowed``, ``policy_denied``,
    ``approved``, ``denied``, ``timed_out``, ``killed`` or ``errored``. ``stop``: the session
    was killed; the agent should stop altogether.
    """

    __slots__ = (
        "allowed", "approval_id", "decided_by", "input", "outcome", "reason", "rule", "stop",
        "updated_input",
    )  # fmt: skip

    def __init__(
        self,
        allowed: bool,
        outcome: str,
        reason: str,
        tool_input: dict[str, Any],
        *,
        updated_input: dict[str, Any] | None = None,
        approval_id: str | None = None,
        decided_by: str | None = None,
        rule: str | None = None,
        stop: bool = False,
    ) -> None:
        self.allowed, self.outcome, self.reason = allowed, outcome, reason
        self.updated_input = updated_input
        self.input = updated_input if updated_input is not None else tool_input
        self.approval_id, self.decided_by, self.rule = approval_id, decided_by, rule
        self.stop = stop

    def __bool__(self) -> bool:
        return self.allowed

    def __repr__(self) -> str:
        return f"Decision(allowed={self.allowed}, outcome={self.outcome!r}, reason={self.reason!r})"


def request_approval(
    tool: str,
    input: Mapping[str, Any] | None = None,  # the documented name
    *,
    session: str,
    timeout: float | None = None,
    db: str | lean.LeanConn | None = None,
    agent: str | None = None,
    task: str | None = None,
    cwd: str | None = None,
    call_id: str | None = None,
    config: str | Config | None = None,
) -> Decision:
    """Ask overseer whether ``tool`` may run with ``input`` in ``session``; blocks while an
    operator decides a gated call (at most ``timeout`` seconds, default the config's
    ``gate_timeout``).

    ``agent``/``task`` default to ``$OVERSEER_AGENT``/``$OVERSEER_TASK``, then the config's
    ``match`` rules on ``cwd`` (default: the current directory); an unknown agent is unscoped,
    so every call is gated. ``db``: a path, URL or open connection (default ``$OVERSEER_DB``).
    ``config``: a path or a loaded :class:`~overseer.config.Config` (default
    ``$OVERSEER_CONFIG``, else the user's ``~/.config/overseer/config.toml``).
    """
    tool_input = dict(input or {})
    conn: Any = None
    owned = False
    resolved_agent: str | None = agent
    resolved_task: str | None = task
    try:
        config_file = None if isinstance(config, Config) else hook_config_path(config)
        cfg = config if isinstance(config, Config) else hookconfig.load(config_file)
        where = cwd or os.getcwd()
        home = os.path.expanduser("~")
        resolved_agent, resolved_task = cfg.resolve(
            agent=agent or os.environ.get("OVERSEER_AGENT"),
            task=task or os.environ.get("OVERSEER_TASK"),
            cwd=where,
            home=home,
        )
        if isinstance(db, lean.LeanConn):
            conn = db
        else:
            # Never migrates: a migration of a large store outlasts any call's bound, and a
            # gate that upgrades the store under a running agent is what the hook refuses
            # (see lean.connect); an older store is refused with the command to run once.
            conn, owned = lean.connect(db, upgrade=False), True
        result = core.judge(
            conn,
            session=session,
            tool=tool,
            tool_input=tool_input,
            scope=cfg.scope_for(resolved_agent, resolved_task),
            ctx=fsview.context(
                where,
                home,
                lean.session_start_dir(conn, session) or where,
                config=config_file or getattr(cfg, "path", None),
                db=conn.db,
            ),
            agent=resolved_agent,
            task=resolved_task,
            gate_timeout=timeout
            if timeout is not None
            else gate_timeout_for(cfg.defaults.gate_timeout),
            call_id=call_id,
            origin="native",
        )
        return Decision(
            result.allowed, result.outcome, result.reason, tool_input,
            updated_input=result.updated_input, approval_id=result.approval_id,
            decided_by=result.decided_by, rule=result.rule, stop=result.stop,
        )  # fmt: skip
    except Exception as exc:
        detail = core._one_line(exc)
        if isinstance(exc, ConfigError):
            detail = "invalid overseer config: " + "; ".join(str(p) for p in exc.problems)
        reason = f"overseer could not decide this call ({detail}); failing closed"
        if conn is not None:
            with contextlib.suppress(Exception):  # the store failed; the denial still stands
                core.record_error(
                    conn, reason, session=session, call_id=call_id, tool=tool,
                    tool_input=tool_input, agent=resolved_agent, task=resolved_task,
                )  # fmt: skip
        return Decision(False, "errored", reason, tool_input)
    finally:
        if owned and conn is not None:
            conn.close()


def session_start_record(
    session: str,
    *,
    agent: str | None = None,
    task: str | None = None,
    cwd: str | None = None,
    pid: int | None = None,
) -> dict[str, Any]:
    """The native ``session_start`` record for this process (or ``pid``): ``pid``, ``host``
    and ``pid_started`` (the process's start time, epoch seconds), which ``overseer kill``
    compares before it signals, so a reused pid is never hit."""
    import psutil

    pid = os.getpid() if pid is None else pid
    record: dict[str, Any] = {
        "kind": "session_start",
        "session": session,
        "ts": _rfc3339(time.time()),
        "agent": agent,
        "task": task,
        "cwd": cwd or os.getcwd(),
        "pid": pid,
        "host": socket.gethostname(),
        "pid_started": psutil.Process(pid).create_time(),
    }
    return {k: v for k, v in record.items() if v is not None}


def start_session(
    session: str,
    *,
    agent: str | None = None,
    task: str | None = None,
    cwd: str | None = None,
    log: str | os.PathLike[str] | IO[str] | None = None,
    db: str | lean.LeanConn | None = None,
    register: bool = True,
) -> dict[str, Any]:
    """Announce this process as ``session``: append the ``session_start`` record to ``log``
    (a path or a text file) and, with ``register``, record pid and host in the store at
    once (so a kill works before any log is ingested). Returns the record.

    Registration fails closed the other way round: it raises if the store cannot be reached,
    because an agent that cannot be killed should not start unnoticed.
    """
    record = session_start_record(session, agent=agent, task=task, cwd=cwd)
    if log is not None:
        line = json.dumps(record, ensure_ascii=False) + "\n"
        if isinstance(log, str | os.PathLike):
            with open(log, "a", encoding="utf-8") as fh:
                fh.write(line)
        else:
            log.write(line)
            log.flush()
    if register:
        conn = db if isinstance(db, lean.LeanConn) else lean.connect(db, upgrade=False)
        try:
            core.register_process(
                conn, session, record["pid"], record["host"],
                agent=agent or os.environ.get("OVERSEER_AGENT"), task=task, cwd=record["cwd"],
            )  # fmt: skip
        finally:
            if conn is not db:
                conn.close()
    return record


def _rfc3339(epoch: float) -> str:
    whole = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch))
    return f"{whole}.{int(epoch % 1 * 1_000_000):06d}Z"
