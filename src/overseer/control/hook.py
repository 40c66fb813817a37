"""``overseer hook claude-code|codex``: the PreToolUse command hook.

Claude Code and Codex run this before every tool call with the call as JSON on stdin and read
the decision as JSON on stdout (protocol, with sources: docs/hooks.md). Three rules shape it:

* **Fail closed, always answer.** Everything runs under one ``except BaseException``; every
  path prints a deny with the reason and exits 0. Exit 1 would let the call through (a
  "non-blocking error"), a traceback would be noise in the agent's context, and a hook that
  outlives its entry's ``timeout`` is also let through — so a watchdog (SIGALRM) answers deny
  well before that. Exit 2 ("blocking error", reason on stderr) is kept for the one case where
  stdout itself cannot be written.
* **Lean.** This module's imports are stdlib, the pure config/policy modules and the lean
  store; ``tests/test_hook_lean.py`` proves it in a fresh interpreter.
* **Two dialects.** Claude Code honours ``continue: false`` (stop the agent) and
  ``permissionDecision: "allow"``. Codex rejects both as "unsupported" and then *runs the call*
  (fail open), so for Codex an allow is an empty answer, a kill is a plain deny (the process
  kill is what stops it), and an operator-edited input is delivered as a deny that names the
  approved input, because Codex versions differ on whether ``updatedInput`` is applied.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
from typing import Any

FLAVOURS = ("claude-code", "codex")
#: Seconds a gated call may take beyond the gate timeout before the watchdog answers deny.
#: ``overseer.control.install.HOOK_TIMEOUT_MARGIN`` (the entry's own timeout) is larger.
WATCHDOG_SLACK = 15.0
#: Watchdog before the gate timeout is known (reading stdin, config, opening the store).
STARTUP_BUDGET = 20.0
TIMEOUT_ENV = "OVERSEER_GATE_TIMEOUT"
USAGE = """usage: overseer hook claude-code|codex [--config PATH] [--db PATH|URL]
                                      [--agent NAME] [--task NAME] [--entry-timeout S]
       overseer hook claude-code|codex --server SOCKET [--entry-timeout S]

A PreToolUse command hook: reads the tool call as JSON on stdin, prints the decision as JSON.
Install it with `overseer hook install`. See docs/hooks.md.
"""


class HookAbort(BaseException):
    """Raised by a signal handler (watchdog, SIGTERM from the agent) to abandon the call."""


class Options:
    __slots__ = ("agent", "config", "db", "entry_timeout", "help", "server", "task")

    def __init__(self) -> None:
        self.server: str | None = None  # hardened mode: the gate server's socket (thin client)
        self.entry_timeout: str | None = None
        self.config: str | None = None
        self.db: str | None = None
        self.agent: str | None = None
        self.task: str | None = None
        self.help = False


class BadInput(Exception):
    """The hook's stdin is not a usable PreToolUse call; the call is denied."""


# --------------------------------------------------------------------------- entry point


def run_hook(flavour: str, argv: list[str]) -> int:
    """Answer one PreToolUse call. Always returns 0 after printing a decision (see module doc)."""
    state: dict[str, Any] = {}
    try:
        try:
            _arm(STARTUP_BUDGET)
            signal.signal(signal.SIGTERM, _abort)
            opts = parse_argv(argv)
            state["db"] = opts.db
            text = USAGE if opts.help else _answer(flavour, opts, state)
        finally:
            _disarm()  # a signal landing here still reaches the handler below
    except BaseException as exc:  # fail closed: no traceback, no exit 1, ever
        try:
            text = _fail(flavour, exc, state)
        except BaseException:  # even failing must not escape (a second signal, say)
            text = render(flavour, "deny", "overseer could not decide this call; failing closed")
    code = _emit(text)
    with contextlib.suppress(BaseException):  # answered: a late SIGTERM just ends the process
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    return code


def parse_argv(argv: list[str]) -> Options:
    """``--config``, ``--db``, ``--agent``, ``--task``, ``--entry-timeout`` (also as
    ``--opt=value``)."""
    opts = Options()
    args = list(argv)
    while args:
        arg = args.pop(0)
        if arg in ("-h", "--help"):
            opts.help = True
            continue
        name, sep, value = arg.partition("=")
        if name not in ("--config", "--db", "--agent", "--task", "--entry-timeout", "--server"):
            raise BadInput(f"unknown hook argument {arg!r}")
        if not sep:
            if not args:
                raise BadInput(f"{name} needs a value")
            value = args.pop(0)
        setattr(opts, name[2:].replace("-", "_"), value)
    return opts


def _answer(flavour: str, opts: Options, state: dict[str, Any]) -> str:
    if opts.server:
        state["recorded"] = True  # the gate server keeps the record: no store on this side
    call = read_call(sys.stdin.buffer.read())
    state["call"] = call
    event = call.get("hook_event_name")
    if event not in (None, "PreToolUse"):
        # Registered for another event by mistake: that event cannot be gated and expects a
        # different answer, so stay out of its way (and say so).
        sys.stderr.write(f"overseer: ignoring {event!r} event (the gate handles PreToolUse only)\n")
        return ""
    if opts.server:
        # Hardened mode (docs/hardened.md): the server picks agent and task from its own
        # config, so --config/--db/--agent/--task and OVERSEER_* are not even sent.
        from overseer.control import thin

        return thin.answer(flavour, call, opts.server, opts.entry_timeout, _arm, WATCHDOG_SLACK)

    from overseer.control import hookconfig

    config_file = hook_config_path(opts.config)
    config = hookconfig.load(config_file)
    gate_timeout = capped_by_entry(gate_timeout_for(config.defaults.gate_timeout), opts)
    _arm(gate_timeout + WATCHDOG_SLACK)
    cwd = call.get("cwd") if isinstance(call.get("cwd"), str) else os.getcwd()
    home = os.path.expanduser("~")
    transcript = call.get("transcript_path")

    from overseer.control import core, fsview
    from overseer.store import lean

    conn = lean.connect(opts.db, upgrade=False)  # never migrates: see lean.connect
    state["conn"] = conn
    conn.anchor_policy = _anchor_policy(config)
    # What install baked into the hook's command line beats the environment: whatever runs
    # the hook (the agent's own process tree, or a script the agent wrote) chooses its
    # environment, and must not choose its scope with it.
    explicit_agent, explicit_task = opts.agent, opts.task
    # Whose session it is was settled where it started (invariant 10): a later call's cwd
    # (the agent ran `cd`) or environment must not move it into another agent's scope.
    recorded = None if explicit_agent else lean.session_owner(conn, call["session_id"])
    if recorded is None:
        explicit_agent = explicit_agent or os.environ.get("OVERSEER_AGENT") or None
        explicit_task = explicit_task or os.environ.get("OVERSEER_TASK") or None
    # ``./`` rules stay anchored where the session started (a later cd cannot move them)
    started_in = lean.session_start_dir(conn, call["session_id"])
    root = started_in or cwd
    if recorded is not None:
        agent, task = recorded[0], explicit_task or recorded[1]
    else:
        agent, task = config.resolve(
            agent=explicit_agent,
            task=explicit_task,
            cwd=cwd,
            source=transcript if isinstance(transcript, str) else None,
            home=home,
        )
    state["agent"], state["task"] = agent, task
    # The agent's process is recorded before judging, not after: a gated call can wait for
    # minutes, and a kill while the session's first call waits must be able to signal the
    # agent (Codex is stopped by nothing else). Best effort: it never changes the answer,
    # and a watchdog or SIGTERM (HookAbort, a BaseException) still ends the call closed.
    try:
        register_agent(conn, call["session_id"], flavour, agent=agent, task=task, cwd=cwd)
    except Exception as exc:
        with contextlib.suppress(Exception):
            sys.stderr.write(f"overseer: could not record the agent's process: {exc}\n")
    result = core.judge(
        conn,
        session=call["session_id"],
        tool=call["tool_name"],
        tool_input=call["tool_input"],
        scope=config.scope_for(agent, task),
        ctx=fsview.context(cwd, home, root, config=config_file, db=conn.db),
        agent=agent,
        task=task,
        gate_timeout=gate_timeout,
        call_id=call.get("tool_use_id") if isinstance(call.get("tool_use_id"), str) else None,
        origin=flavour,
    )
    state["recorded"] = True
    text = render(
        flavour, result.action, result.reason, stop=result.stop, updated_input=result.updated_input
    )
    if not result.stop:
        try:  # the answer is decided and recorded: nothing here may change it
            if started_in is None and isinstance(cwd, str):  # first call: remember it
                lean.note_start_dir(conn, call["session_id"], cwd)
        except BaseException as exc:
            with contextlib.suppress(BaseException):
                sys.stderr.write(f"overseer: could not record the session's start: {exc}\n")
    return text


def _anchor_policy(config: Any) -> Any:
    """How often the chain is anchored, from the config's ``[audit]`` (:mod:`..store.anchor`)."""
    from overseer.store.anchor import Policy

    return Policy.from_config(getattr(config, "audit", None))


def register_agent(
    conn: Any,
    session: str,
    flavour: str,
    *,
    agent: str | None = None,
    task: str | None = None,
    cwd: Any = None,
) -> None:
    """Record the agent's pid while the store knows none for the session, so ``overseer
    kill`` can stop Claude Code or Codex themselves (Codex ignores ``continue: false``) —
    also during the session's first call, while it waits on an operator. Linux only
    (``/proc``), and only when the process above the hook's shell is recognisably that agent.
    A pid already known is never replaced (``core.register_process``)."""
    from overseer.store.lean import session_pid

    _seen, known = session_pid(conn, session)
    if known is not None:
        return
    pid = agent_process(flavour)
    if pid is not None:
        from overseer.control.core import register_process

        register_process(
            conn, session, pid, os.uname().nodename, agent=agent, task=task,
            cwd=cwd if isinstance(cwd, str) else None,
        )  # fmt: skip


_SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ksh", "mksh", "fish", "busybox"})
_AGENT_MARKERS = {"claude-code": b"claude", "codex": b"codex"}


def agent_process(flavour: str, start: int | None = None) -> int | None:
    """The agent process that ran this hook: the parent, or the parent of the shell that the
    agent ran the hook command with. ``None`` unless its command line names the agent."""
    pid = os.getppid() if start is None else start
    for _hop in range(3):
        if pid <= 1:
            return None
        try:
            with open(f"/proc/{pid}/stat", "rb") as fh:
                stat = fh.read()
            name = stat[stat.index(b"(") + 1 : stat.rindex(b")")].decode("utf-8", "replace")
            if name in _SHELLS:
                pid = int(stat[stat.rindex(b")") + 2 :].split()[1])  # its parent
                continue
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                cmdline = fh.read().lower()
        except (OSError, ValueError, IndexError):
            return None
        return pid if _AGENT_MARKERS.get(flavour, b"\0") in cmdline else None
    return None


def read_call(raw: bytes) -> dict[str, Any]:
    """Parse and check the hook's stdin: ``session_id``, ``tool_name`` and ``tool_input``
    are required; everything else (``cwd``, ``transcript_path``, ``tool_use_id``…) is optional."""
    try:
        call = json.loads(raw.decode("utf-8", "surrogateescape") if raw else "")
    except ValueError as exc:
        raise BadInput(f"stdin is not JSON ({exc})") from None
    if not isinstance(call, dict):
        raise BadInput("stdin is not a JSON object")
    tool = call.get("tool_name")
    if not isinstance(tool, str) or not tool:
        raise BadInput("stdin has no tool_name")
    session = call.get("session_id")
    if not isinstance(session, str) or not session:
        raise BadInput("stdin has no session_id")
    tool_input = call.get("tool_input", {})
    if tool_input is None:
        tool_input = {}
    if not isinstance(tool_input, dict):
        raise BadInput("tool_input is not a JSON object")
    call["tool_input"] = tool_input
    return call


def hook_config_path(explicit: str | None) -> str | None:
    """``--config``, else ``$OVERSEER_CONFIG``, else the user's ``overseer/config.toml``.

    Deliberately *not* ``./config.toml``: the hook runs in the agent's working directory,
    which the agent can write — a config found there could grant the agent anything.
    """
    for given in (explicit, os.environ.get("OVERSEER_CONFIG")):
        if given:
            if not os.path.isabs(os.path.expanduser(given)):
                # relative to the agent's working directory, which the agent can write
                raise BadInput(f"the hook's config path must be absolute, not {given!r}")
            return os.path.expanduser(given)
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    path = os.path.join(base, "overseer", "config.toml")
    return path if os.path.isfile(path) else None


#: Seconds the hook keeps, below its entry's timeout, to start up and answer.
ENTRY_MARGIN = 5.0


def capped_by_entry(gate_timeout: float, opts: Options) -> float:
    """The gate timeout, cut so the hook answers (deny, timed out) before its own entry's
    timeout (``--entry-timeout``, written by ``overseer install``): an agent lets a call
    through when its hook runs past that, so a gate timeout raised in the config without
    re-installing must not outlast it."""
    if opts.entry_timeout is None:
        return gate_timeout
    try:
        entry = float(opts.entry_timeout)
    except ValueError:
        raise BadInput(f"--entry-timeout {opts.entry_timeout!r} is not seconds") from None
    return max(0.0, min(gate_timeout, entry - WATCHDOG_SLACK - ENTRY_MARGIN))


def gate_timeout_for(configured: float) -> float:
    """The config's gate timeout, or ``$OVERSEER_GATE_TIMEOUT`` (seconds) when set."""
    override = os.environ.get(TIMEOUT_ENV, "").strip()
    if override:
        try:
            value = float(override)
        except ValueError:
            raise BadInput(f"{TIMEOUT_ENV}={override!r} is not a number of seconds") from None
        if value >= 0:
            return value
    return configured


# --------------------------------------------------------------------------- answers


def render(
    flavour: str,
    action: str,
    reason: str,
    *,
    stop: bool = False,
    updated_input: dict[str, Any] | None = None,
) -> str:
    """The JSON line for ``flavour`` (empty for a Codex allow; see the module docstring)."""
    if flavour == "codex":
        if action == "allow" and updated_input is None:
            return ""
        if action == "allow":
            approved = json.dumps(updated_input, ensure_ascii=False, sort_keys=True)
            reason = (
                f"{reason}. The operator approved only this edited input, not the original: "
                f"{approved} — run exactly that instead"
            )
        return _json({"hookSpecificOutput": _specific("deny", reason, None)})
    answer: dict[str, Any] = {}
    if stop:
        answer["continue"] = False
        answer["stopReason"] = f"overseer: {reason}"
    answer["hookSpecificOutput"] = _specific(action, reason, updated_input)
    return _json(answer)


def _specific(action: str, reason: str, updated_input: dict[str, Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "hookEventName": "PreToolUse",
        "permissionDecision": "allow" if action == "allow" else "deny",
        "permissionDecisionReason": reason,
    }
    if action == "allow" and updated_input is not None:
        out["updatedInput"] = updated_input
    return out


def _json(value: dict[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False) + "\n"


def _fail(flavour: str, exc: BaseException, state: dict[str, Any]) -> str:
    """Deny with the reason; record ``errored`` if the store is reachable and nothing was."""
    if isinstance(exc, HookAbort):
        detail = str(exc)
    elif isinstance(exc, BadInput):
        detail = f"malformed hook input: {exc}"
    else:
        from overseer.control.core import _one_line

        detail = _one_line(exc)
        if type(exc).__name__ == "ConfigError":
            detail = "invalid overseer config: " + "; ".join(
                str(p) for p in getattr(exc, "problems", [])
            )
    reason = f"overseer could not decide this call ({detail}); failing closed"
    with contextlib.suppress(BaseException):
        sys.stderr.write(reason + "\n")
    if not state.get("recorded") and not getattr(exc, "overseer_recorded", False):
        try:
            _arm(5.0)  # recording the error must not hang either
            _record_failure(reason, state)
        except BaseException as again:
            with contextlib.suppress(BaseException):
                sys.stderr.write(f"overseer: could not record the error either: {again}\n")
        finally:
            _disarm()
    return render(flavour, "deny", reason)


def _record_failure(reason: str, state: dict[str, Any]) -> None:
    from overseer.control import core
    from overseer.store import lean

    conn = state.get("conn")
    if conn is None:
        conn = lean.connect(state.get("db"), upgrade=False)
    call = state.get("call") or {}
    core.record_error(
        conn,
        reason,
        session=call.get("session_id") if isinstance(call.get("session_id"), str) else None,
        call_id=call.get("tool_use_id") if isinstance(call.get("tool_use_id"), str) else None,
        tool=call.get("tool_name") if isinstance(call.get("tool_name"), str) else None,
        tool_input=call.get("tool_input") if isinstance(call.get("tool_input"), dict) else None,
        agent=state.get("agent"),
        task=state.get("task"),
    )


def _emit(text: str) -> int:
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
        return 0
    except BaseException:
        with contextlib.suppress(BaseException):  # exit 2 blocks the call; stderr is the reason
            sys.stderr.write("overseer: could not write the hook's answer; blocking the call\n")
        return 2


# --------------------------------------------------------------------------- watchdog


def _abort(signum: int, _frame: Any) -> None:
    if signum == signal.SIGALRM:
        raise HookAbort("the gate ran out of time (watchdog)")
    raise HookAbort("the agent stopped the hook (SIGTERM) before a decision")


def _arm(seconds: float) -> None:
    signal.signal(signal.SIGALRM, _abort)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.001))


def _disarm() -> None:
    signal.setitimer(signal.ITIMER_REAL, 0)
