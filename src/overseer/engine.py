"""The engine: per-session state, a scope verdict on every tool call, risk flags on every event.

Pure (no I/O; ``tests/test_layering.py`` checks it): sources hand it parsed events, it
annotates them in place, and the caller stores them. It answers three questions per event:

* **whose session is this?** — ``Config.resolve``: an explicit agent/task in the log (the
  native format, OTLP) wins, then a ``match.source`` glob on the log file's path, then a
  ``match.cwd`` glob on the directory the session *started* in; otherwise ``unknown``. The
  answer changes only when the log itself names another agent or task (a later ``cd`` moves
  path rules along but never moves the session into another agent's scope), and is written
  to ``event.agent`` / ``event.task`` of every event.
* **was the call in scope?** — ``evaluate`` on each TOOL_CALL sets ``verdict`` and ``rule``
  (and ``extra["effective"]``, what a gate would have done). An ``apply_patch`` touching
  several files is judged file by file and the strictest verdict wins.
* **is something going wrong?** — the detectors (:mod:`overseer.policy.detectors`) see every
  event, calls and results, in order, through one :class:`SessionHistory` per session.

Nothing an agent wrote can make this raise: a rule evaluation or detector that fails on a
hostile event is recorded on the event (``extra["verdict_error"]``, a ``engine`` flag) and
ingestion goes on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import orjson

from overseer.config import UNKNOWN_AGENT, Config
from overseer.model import Event, EventKind, Flag, FlagCategory, Verdict
from overseer.policy.detectors import (
    CallMemo,
    DetectorSettings,
    SessionHistory,
    quiet_results_silent,
    run_detectors,
)
from overseer.policy.detectors._core import quiet_texts
from overseer.policy.detectors.history import MAX_RESULT_SCAN
from overseer.policy.rules import SHELL_TOOLS, CallContext, Rule, canonical_tool, command_of
from overseer.policy.scope import Scope, ScopeDecision, evaluate, evaluate_call, reads_input

#: Enum members as module globals: in CPython 3.11 each ``EventKind.X``-style lookup costs
#: ~160 ns (the enum's class attribute path), a global ~7 ns; the hot path reads them per event.
_F_SAFETY = FlagCategory.SAFETY
_K_SESSION_END = EventKind.SESSION_END
_K_TOOL_CALL = EventKind.TOOL_CALL
_K_TOOL_RESULT = EventKind.TOOL_RESULT
_V_UNSCOPED = Verdict.UNSCOPED

_HOME = re.compile(r"^(/home/[^/]+|/Users/[^/]+|/root)(?:/|$)")
_VERDICT = {v.value: v for v in Verdict}
_CACHE_LIMIT = 8192
#: Longer shell commands are not parsed for a verdict (parsing cost grows faster than their
#: length, so one hostile line could stall ingestion); they stay unscoped: a gate asks.
MAX_JUDGED_COMMAND = 65_536
#: A call's judgement: verdict, rule, effective (what a gate would do), error (no verdict).
Judgement = tuple[Verdict, str | None, str, str | None]


def infer_home(cwd: str | None, fallback: str | None) -> str | None:
    """The home directory a session most likely ran under (``/home/marco/projects/x`` →
    ``/home/marco``), so ``~/.ssh/**`` rules mean the agent's home, not the operator's."""
    if cwd:
        found = _HOME.match(cwd)
        if found:
            return found.group(1)
    return fallback


class SessionState:
    """What the engine knows about one session."""

    __slots__ = (
        "agent", "calls", "cwd", "ended", "explicit_agent", "explicit_task", "grants", "history",
        "home", "id", "last_ts", "parent", "scope", "source", "start_cwd", "task", "verdicts",
    )  # fmt: skip

    def __init__(self, session: str, source: str | None) -> None:
        self.id = session
        self.source = source
        self.explicit_agent: str | None = None
        self.explicit_task: str | None = None
        self.agent: str = UNKNOWN_AGENT
        self.task: str | None = None
        self.cwd: str | None = None  # where it is now (path rules are relative to it)
        self.start_cwd: str | None = None  # where it started (decides match.cwd and home)
        self.home: str | None = None
        self.scope: Scope | None = None
        self.parent: str | None = None
        self.grants: tuple[Rule, ...] = ()
        self.history: SessionHistory | None = None
        self.last_ts: Any = None
        self.ended = False
        self.calls = 0
        self.verdicts: dict[str, int] = {v.value: 0 for v in Verdict}

    def __repr__(self) -> str:
        return f"SessionState({self.id!r}, agent={self.agent!r}, task={self.task!r})"


class Engine:
    """Annotates events with agent, task, verdict and flags; keeps per-session state.

    ``home`` is the fallback home directory for ``~`` in rules (sessions whose cwd shows
    their own home use that one) and for ``~`` in ``match.source`` globs. ``detectors``
    can be turned off (tests of verdicts alone, ``--no-flags``).
    """

    def __init__(
        self,
        config: Config | None = None,
        *,
        home: str | None = None,
        detectors: bool = True,
        settings: DetectorSettings | None = None,
        memo: bool = True,
    ) -> None:
        self.config = config or Config()
        #: repeated calls reuse their parsed view and call-only answers (False: the reference)
        self._memo = CallMemo() if memo else None
        self.home = home
        self._sessions: dict[str, SessionState] = {}
        self._cache: dict[tuple[Any, ...], ScopeDecision] = {}
        self._input_matters: dict[tuple[Any, ...], bool] = {}
        self._judged: dict[tuple[Any, ...], tuple[Any, Judgement]] = {}
        self.detectors = detectors
        self._settings = settings or DetectorSettings.from_defaults(self.config.defaults)
        #: no detector runs on a quiet result with these settings (see _quiet_results)
        self._quiet_results_silent = quiet_results_silent(self._settings)

    @property
    def sessions(self) -> Mapping[str, SessionState]:
        return self._sessions

    def session(self, session: str) -> SessionState | None:
        return self._sessions.get(session)

    def forget(self, session: str) -> None:
        """Drop a session's state (it ended long ago; memory stays bounded in long runs)."""
        self._sessions.pop(session, None)

    def settled(self, session: str) -> bool:
        """Whether the session's owner is known here: named by its log or resolved from the
        config. Otherwise the caller may :meth:`adopt` the one the store recorded."""
        state = self._sessions.get(session)
        return state is not None and (
            state.explicit_agent is not None or state.agent != UNKNOWN_AGENT
        )

    def adopt(self, session: str, agent: str, task: str | None, source: str | None) -> None:
        """Judge the session as the ``agent``/``task`` the store already recorded for it (the
        hook attributed it from its installed ``--agent``, or from the config where it
        started): the transcript of a hooked session is the same session, and its calls
        are the calls the gate judged, under the same scope. A log that names its own
        agent still does (precedence as in :meth:`Config.resolve`)."""
        state = self._sessions.get(session)
        if state is None:
            state = SessionState(session, source)
            self._sessions[session] = state
        elif state.explicit_agent is not None:
            return
        state.explicit_agent, state.explicit_task = agent, task or state.explicit_task
        self._resolve(state)

    def grant(self, session: str, rule: str) -> None:
        """An operator allowed ``rule`` for this session only (ranks after deny rules)."""
        state = self._sessions.get(session) or self._new(session, None)
        state.grants = (*state.grants, Rule(rule))

    # ------------------------------------------------------------------ processing

    def process(self, events: Iterable[Event], source: str | None = None) -> list[Event]:
        """Annotate ``events`` in place, in order; returns them as a list."""
        out = events if isinstance(events, list) else list(events)
        one = self._one
        if self.detectors and self._memo is not None and len(out) > 1:
            for event, quiet in zip(out, self._quiet_results(out), strict=True):
                one(event, source, quiet)
        else:
            for event in out:
                one(event, source)
        return out

    def _quiet_results(self, events: list[Event]) -> list[bool]:
        """Which results of a batch hold nothing a result detector or the history's secret
        scan can find (:func:`quiet_texts`: one RE2 pass over the batch's ASCII outputs);
        their detectors are skipped, as they would answer nothing."""
        limit = min(self._settings.scan_limit, MAX_RESULT_SCAN)
        result = _K_TOOL_RESULT
        picked: list[int] = []
        texts: list[str] = []
        for i, event in enumerate(events):
            if event.kind is result:
                text = event.output
                if text and len(text) <= limit and text.isascii():
                    picked.append(i)
                    texts.append(text)
        quiet = [False] * len(events)
        if texts:
            for i, answer in zip(picked, quiet_texts(texts), strict=True):
                quiet[i] = answer
        return quiet

    def _new(self, session: str, source: str | None) -> SessionState:
        state = SessionState(session, source)
        self._sessions[session] = state
        self._resolve(state)
        return state

    def _one(self, event: Event, source: str | None, quiet: bool = False) -> None:
        state = self._sessions.get(event.session)
        if state is None:
            state = SessionState(event.session, source or event.source)
            self._sessions[event.session] = state
            changed = True
        else:
            changed = False
        if event.agent and event.agent != state.explicit_agent:
            state.explicit_agent, changed = event.agent, True
        if event.task and event.task != state.explicit_task:
            state.explicit_task, changed = event.task, True
        if event.cwd and event.cwd != state.cwd:
            # Path rules follow the agent around; *whose* session it is does not: the
            # first cwd decides the match, or an agent could `cd` into another's scope.
            state.cwd = event.cwd
            if state.start_cwd is None:
                state.start_cwd, changed = event.cwd, True
            elif not changed and state.history is not None:
                state.history.cwd = state.cwd
        if event.parent_session and state.parent is None:
            state.parent = event.parent_session
        if changed:
            self._resolve(state)
        event.agent, event.task = state.agent, state.task
        state.last_ts = event.ts
        kind = event.kind
        call_key = None
        if kind is _K_TOOL_CALL:
            memo = self._memo
            if memo is not None and memo.worth(event.tool):
                call_key = memo.call_text(event)
            if call_key is None:
                self._judge(event, state)
            else:
                self._judge_remembered(event, state, call_key)
        elif kind is _K_SESSION_END:
            state.ended = True
        if self.detectors:
            self._flag(event, state, quiet, call_key)

    def _resolve(self, state: SessionState) -> None:
        agent, task = self.config.resolve(
            agent=state.explicit_agent,
            task=state.explicit_task,
            cwd=state.start_cwd,
            source=state.source,
            home=self.home,
        )
        state.agent, state.task = agent, task
        state.scope = self.config.scope_for(agent, task) if agent != UNKNOWN_AGENT else None
        state.home = infer_home(state.start_cwd, self.home)
        if self.detectors:
            if state.history is None:
                state.history = SessionHistory(
                    session=state.id, cwd=state.cwd, home=state.home, scope=state.scope
                )
            else:
                state.history.cwd = state.cwd
                state.history.home = state.home
                state.history.scope = state.scope

    # ------------------------------------------------------------------ verdicts

    def _judge(self, event: Event, state: SessionState) -> None:
        self._apply(event, state, self._judgement(event, state))

    def _judge_remembered(
        self, event: Event, state: SessionState, call_key: tuple[Any, ...]
    ) -> None:
        """:meth:`_judge` for a call judged before in the same place: the same tool, the
        same input text and paths, the same scope, grants, cwd, start and home (everything
        :meth:`_judgement` reads) give the same judgement; a repeat costs a lookup."""
        scope = state.scope
        key = (
            call_key, id(scope), state.cwd, state.start_cwd, state.home, state.grants
        )  # fmt: skip
        hit = self._judged.get(key)
        if hit is None or hit[0] is not scope:
            judgement = self._judgement(event, state)
            if len(self._judged) >= _CACHE_LIMIT:
                self._judged.clear()
            self._judged[key] = (scope, judgement)
        else:
            judgement = hit[1]
        self._apply(event, state, judgement)

    def _judgement(self, event: Event, state: SessionState) -> Judgement:
        """``(verdict, rule, effective, error)`` of a call; ``error`` when no verdict could be
        reached (unscoped, and a gate would ask: fail closed)."""
        tool = event.tool or ""
        tool_input = event.input or {}
        paths = event.extra.get("paths") if event.extra else None
        command = command_of(tool_input) if canonical_tool(tool) in SHELL_TOOLS else None
        if command is not None and len(command) > MAX_JUDGED_COMMAND:
            why = f"command too long to judge ({len(command)} characters)"
            return _V_UNSCOPED, None, "ask", why
        try:
            known = [str(p) for p in paths] if isinstance(paths, list) else []
            decision = evaluate_call(
                state.scope,
                tool,
                tool_input,
                paths=known if canonical_tool(tool) == "Edit" else (),
                decide=lambda t, i: self._decide(state, t, i),
            )
        except Exception as exc:  # hostile input must not stop ingestion; fail visible
            return _V_UNSCOPED, None, "ask", f"{type(exc).__name__}: {exc}"[:300]
        verdict = _VERDICT.get(decision.verdict, _V_UNSCOPED)
        return verdict, decision.rule, decision.effective, None

    @staticmethod
    def _apply(event: Event, state: SessionState, judgement: Judgement) -> None:
        verdict, rule, effective, error = judgement
        event.verdict, event.rule = verdict, rule
        if error is not None:
            event.extra["verdict_error"] = error
        event.extra["effective"] = effective
        state.calls += 1
        state.verdicts[verdict] += 1  # the str key itself (a StrEnum hashes as its value)

    def _decide(
        self, state: SessionState, tool: str, tool_input: Mapping[str, Any]
    ) -> ScopeDecision:
        scope = state.scope
        if scope is None:
            return evaluate(None, tool, tool_input)
        key_input: Any = b""  # the name alone decides (e.g. MCP tools allowed by name)
        if self._reads_input(scope, tool, state.grants):
            try:
                key_input = orjson.dumps(
                    tool_input, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS
                )
            except (TypeError, ValueError):
                key_input = None
        key = (id(scope), tool, key_input, state.cwd, state.start_cwd, state.home, state.grants)
        if key_input is not None:
            hit = self._cache.get(key)
            if hit is not None:
                return hit
        decision = evaluate(
            scope,
            tool,
            tool_input,
            CallContext(state.cwd, state.home, root=state.start_cwd),
            state.grants,
        )
        if key_input is not None:
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[key] = decision
        return decision

    def _reads_input(self, scope: Scope, tool: str, grants: tuple[Rule, ...]) -> bool:
        key = (id(scope), tool, grants)
        known = self._input_matters.get(key)
        if known is None:
            if len(self._input_matters) >= _CACHE_LIMIT:
                self._input_matters.clear()
            known = self._input_matters[key] = reads_input(scope, tool, grants)
        return known

    # ------------------------------------------------------------------ flags

    def _flag(
        self,
        event: Event,
        state: SessionState,
        quiet: bool = False,
        call_key: tuple[Any, ...] | None = None,
    ) -> None:
        history = state.history
        if history is None:  # detectors were off when the session began
            history = state.history = SessionHistory(
                session=state.id, cwd=state.cwd, home=state.home, scope=state.scope
            )
        if quiet and self._quiet_results_silent:  # a quiet result: no detector would speak
            try:  # noqa: SIM105 (suppress() costs a context manager per event)
                history.observe(event, quiet)
            except Exception:  # same reason as below
                pass
            return
        try:
            memo = self._memo if call_key is not None or event.kind is not _K_TOOL_CALL else None
            flags = run_detectors(
                event, history, self._settings, memo, quiet=quiet, call_key=call_key
            )
        except Exception as exc:  # a detector bug must not stop ingestion: make it visible
            flags = [
                Flag(
                    detector="engine",
                    category=_F_SAFETY,
                    message=f"detectors failed on this event ({type(exc).__name__})",
                    severity="low",
                )
            ]
        if flags:
            event.flags = list(event.flags) + list(flags)
        try:  # noqa: SIM105 (suppress() costs a context manager per event)
            history.observe(event, quiet)
        except Exception:  # same reason as above
            pass
