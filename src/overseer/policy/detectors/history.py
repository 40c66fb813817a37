"""The session so far, as the detectors need it: call times, refused calls and what they
tried, secrets seen in inputs and results, files downloaded. Bounded: old entries go first."""

from __future__ import annotations

import posixpath
import weakref
from collections import deque

from overseer.model import CallStatus, Event, EventKind, Flag, Verdict
from overseer.policy.detectors._core import (
    CallView,
    Cmd,
    secret_fingerprints,
    show,
    value_fingerprints,
    view_of,
)
from overseer.policy.detectors.commands import downloads_of, intents_of
from overseer.policy.rules import CallContext, Rule, RuleSyntaxError, resolve_path
from overseer.policy.scope import Scope

#: Enum members as module globals: in CPython 3.11 each ``EventKind.X``-style lookup costs
#: ~160 ns (the enum's class attribute path), a global ~7 ns; the hot path reads them per event.
_K_SESSION_START = EventKind.SESSION_START
_K_TOOL_CALL = EventKind.TOOL_CALL
_K_TOOL_RESULT = EventKind.TOOL_RESULT
_S_BLOCKED = CallStatus.BLOCKED
_S_REJECTED = CallStatus.REJECTED
_V_DENY = Verdict.DENY


class Denial:
    """A call that was refused (by a rule, a hook or a human) and what it tried to do."""

    __slots__ = ("how", "intents", "shown", "tool")

    def __init__(
        self, intents: frozenset[tuple[str, str]], shown: str, how: str, tool: str = ""
    ) -> None:
        self.intents = intents
        self.shown = shown  # display-safe
        self.how = how  # "denied by policy", "blocked", "rejected by a human"
        self.tool = tool  # canonical tool name of the refused call


class PendingCall:
    """A call waiting for its result; what it tried is worked out only if it is refused."""

    __slots__ = ("denied", "summary", "view")

    def __init__(self, view: CallView, summary: str, denied: bool) -> None:
        self.view = view
        self.summary = summary
        self.denied = denied  # already remembered as a denial (verdict deny on the call)

    def shown(self) -> str:
        return show(self.summary or _describe(self.view), 100)


class AcquiredSecret:
    __slots__ = ("kind", "origin")

    def __init__(self, kind: str, origin: str) -> None:
        self.kind = kind
        self.origin = origin  # display-safe: the call whose result held it


#: bounds on what one session remembers (old entries are dropped first)
MAX_TIMES = 10_000
MAX_PENDING = 2_000
MAX_DENIALS = 500
MAX_FINGERPRINTS = 20_000
MAX_RESULT_SCAN = 4 * 1024 * 1024  # characters of a result searched for credentials


class SessionHistory:
    """What the detectors remember about one session. Call :meth:`observe` after
    :func:`run_detectors` for every event of the session, calls *and* results.

    ``cwd`` may be ``None`` until a ``session_start`` names it; then the write-outside detector
    stays silent and relative paths are not judged.
    """

    __slots__ = (
        "_cwd", "_home", "acquired", "call_times", "calls", "ctx", "denials", "denials_version",
        "detector_errors", "downloads", "input_fps", "pending", "results", "retries", "scope",
        "session", "view_cache",
    )  # fmt: skip

    def __init__(
        self,
        session: str,
        cwd: str | None = None,
        home: str | None = None,
        scope: Scope | None = None,
    ) -> None:
        self.session = session
        self.scope = scope
        self._cwd: str | None = posixpath.normpath(cwd) if cwd else None
        self._home: str | None = posixpath.normpath(home) if home else None
        self.ctx = CallContext(self._cwd, self._home)
        self.call_times: deque[float] = deque(maxlen=MAX_TIMES)
        self.calls = 0
        self.results = 0
        self.pending: dict[str, PendingCall] = {}
        self.denials: list[Denial] = []
        #: changes whenever ``denials`` does (what ``retry_after_denial`` remembers is kept
        #: only while it has not changed)
        self.denials_version = 0
        #: ``id(view) -> (weak view, denials_version, answer)`` of ``retry_after_denial``: a
        #: repeated call (the call memo's shared view) is compared with the denials once.
        #: Weak, and bounded, so the views of calls that never repeat are not kept here.
        self.retries: dict[int, tuple[weakref.ref[CallView], int, Flag | None]] = {}
        self.acquired: dict[str, AcquiredSecret] = {}
        self.input_fps: set[str] = set()
        self.downloads: dict[str, str] = {}  # resolved path → display-safe source
        self.detector_errors: dict[str, int] = {}
        self.view_cache: tuple[Event, CallView] | None = None

    @property
    def cwd(self) -> str | None:
        return self._cwd

    @cwd.setter
    def cwd(self, value: str | None) -> None:
        self._cwd = posixpath.normpath(value) if value else None
        self.ctx = CallContext(self._cwd, self._home)

    @property
    def home(self) -> str | None:
        return self._home

    @home.setter
    def home(self, value: str | None) -> None:
        self._home = posixpath.normpath(value) if value else None
        self.ctx = CallContext(self._cwd, self._home)

    # -- paths ---------------------------------------------------------------------------------

    def resolve(self, path: str, base: str | None) -> str | None:
        """``path`` made absolute against ``base`` (``..`` removed); None when it cannot be
        known: a shell variable, ``~user``, or a relative path with no known base."""
        if not path or "$" in path or "`" in path:
            return None
        if path.startswith("~"):
            if not (path == "~" or path.startswith("~/")) or self.home is None:
                return None
            return resolve_path(path, self.ctx)
        if path.startswith("/"):
            return posixpath.normpath(path)
        if base is None:
            return None
        return posixpath.normpath(posixpath.join(base, path))

    def inside_cwd(self, path: str) -> bool:
        cwd = self._cwd
        if cwd is None:
            return False
        return path == cwd or cwd == "/" or path.startswith(cwd + "/")

    @staticmethod
    def under(path: str, directory: str) -> bool:
        return path == directory or directory == "/" or path.startswith(directory + "/")

    # -- observing -----------------------------------------------------------------------------

    def observe(self, event: Event, quiet: bool = False) -> None:
        """Remember what later detectors need from ``event`` (after run_detectors on it).
        ``quiet``: the event is a result whose text no secret can be found in (a scan such
        as :func:`~overseer.policy.detectors._core.quiet_texts` said so), so it is not
        scanned again."""
        kind = event.kind
        if kind is _K_TOOL_CALL:
            self._observe_call(event)
        elif kind is _K_TOOL_RESULT:
            self._observe_result(event, quiet)
        elif kind is _K_SESSION_START and event.cwd and self._cwd is None:
            self.cwd = event.cwd

    def _observe_call(self, event: Event) -> None:
        self.calls += 1
        self.call_times.append(event.ts.timestamp())  # seconds(event)
        view = view_of(event, self)
        how = _refusal(event)
        if event.call_id:
            if len(self.pending) >= MAX_PENDING:
                self.pending.pop(next(iter(self.pending)))
            self.pending[event.call_id] = PendingCall(view, event.summary, bool(how))
        if how:
            intents = intents_of(view, self)
            if event.verdict is _V_DENY and event.rule and len(view.cmds) > 1:
                # Remember what the deny rule objected to, not the harmless rest of the line.
                hit = _commands_hit_by(event.rule, view)
                if hit:
                    intents = intents_of(view, self, hit)
            self._deny(intents, show(event.summary or _describe(view), 100), how, view.canonical)
        downloads = view.downloads
        if downloads is None:  # the same for every event sharing the view (same cwd, home)
            downloads = view.downloads = tuple(downloads_of(view, self))
        for path, source in downloads:
            if len(self.downloads) < MAX_FINGERPRINTS:
                self.downloads[path] = source
        fps = view.fingerprints
        if fps is None:
            fps = view.fingerprints = tuple(
                fp for _kind, value in view.input_secrets() for fp in value_fingerprints(value)
            )
        for fp in fps:
            if len(self.input_fps) < MAX_FINGERPRINTS:
                self.input_fps.add(fp)

    def _observe_result(self, event: Event, quiet: bool = False) -> None:
        self.results += 1
        call = self.pending.pop(event.call_id, None) if event.call_id else None
        how = _refusal(event)
        if how and call is not None and not call.denied:
            self._deny(intents_of(call.view, self), call.shown(), how, call.view.canonical)
        output = event.output
        if not output or how or quiet:
            return
        origin: str | None = None  # masked and capped only when a secret was found
        for kind, fp in secret_fingerprints(output[:MAX_RESULT_SCAN]):
            if fp in self.input_fps or fp in self.acquired:
                continue
            if len(self.acquired) < MAX_FINGERPRINTS:
                if origin is None:
                    origin = call.shown() if call is not None else "an earlier tool result"
                self.acquired[fp] = AcquiredSecret(kind, origin)

    def _deny(self, intents: frozenset[tuple[str, str]], shown: str, how: str, tool: str) -> None:
        if not intents:
            return
        if len(self.denials) >= MAX_DENIALS:
            self.denials.pop(0)
        self.denials.append(Denial(intents, shown, how, tool))
        self.denials_version += 1


def _commands_hit_by(rule_text: str, view: CallView) -> list[Cmd]:
    try:
        rule = Rule(rule_text)
    except RuleSyntaxError:
        return []
    if rule.kind != "shell":
        return []
    return [c for c in view.cmds if rule.matches_command(c.text)]


def _refusal(event: Event) -> str | None:
    if event.verdict is _V_DENY:
        return "denied by policy"
    if event.status is _S_BLOCKED:
        return "blocked"
    if event.status is _S_REJECTED:
        return "rejected by a human"
    return None


def _describe(view: CallView) -> str:
    if view.command:
        return f"{view.tool}: {view.command}"
    if view.path:
        return f"{view.tool} {view.path}"
    url = view.input.get("url")
    if isinstance(url, str):
        return f"{view.tool} {url}"
    return view.tool
