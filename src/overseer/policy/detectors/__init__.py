"""Risk detectors: small functions over one event and the session so far.

Usage (the engine, for every event of a session, in order)::

    settings = DetectorSettings.from_defaults(config.defaults)
    history = SessionHistory(session="s1", cwd="/srv/app", home="/home/u", scope=scope)
    flags = run_detectors(event, history, settings)   # tool calls, and results for some
    history.observe(event)                            # after, for calls *and* results

Each detector is ``(event, history, settings) -> Flag | None``, registered once in
:data:`DETECTORS` with its id, category (safety or security) and OWASP ids
(:mod:`.owasp`); every flag it raises carries the same three, so reports can group by any of
them. Messages are one line, display-safe (agent text neutralised, secrets masked).

Pure: no I/O, no store or TUI imports.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import orjson

from overseer.model import Event, EventKind, Flag, FlagCategory
from overseer.policy.detectors._core import CallView, DetectorInfo, DetectorSettings, view_of
from overseer.policy.detectors.history import SessionHistory
from overseer.policy.detectors.owasp import OWASP_TITLES, owasp_label, owasp_title
from overseer.policy.detectors.safety import (
    BURST,
    DESTRUCTIVE,
    RETRY,
    WRITE_OUTSIDE,
    burst,
    destructive_command,
    retry_after_denial,
    write_outside_cwd,
)
from overseer.policy.detectors.security import (
    ACQUIRED,
    DOWNLOAD_EXEC,
    EGRESS,
    INJECTION,
    PRIVILEGE,
    SECRET_IN_INPUT,
    SECRET_READ,
    credential_acquired,
    download_exec,
    egress_unallowed,
    injected_instructions,
    privilege_change,
    secret_in_input,
    secret_read,
)
from overseer.policy.detectors.tampering import TAMPERING, oversight_tampering

#: Enum members as module globals: in CPython 3.11 each ``EventKind.X``-style lookup costs
#: ~160 ns (the enum's class attribute path), a global ~7 ns; the hot path reads them per event.
_K_TOOL_CALL = EventKind.TOOL_CALL
_K_TOOL_RESULT = EventKind.TOOL_RESULT

__all__ = [
    "DETECTORS",
    "OWASP_TITLES",
    "CallMemo",
    "Detector",
    "DetectorFunc",
    "DetectorInfo",
    "DetectorSettings",
    "SessionHistory",
    "detector",
    "owasp_label",
    "owasp_title",
    "quiet_results_silent",
    "run_detectors",
    "view_of",
]

DetectorFunc = Callable[[Event, SessionHistory, DetectorSettings], "Flag | list[Flag] | None"]


class Detector:
    """One registered detector: its identity (:class:`DetectorInfo`) and its function."""

    __slots__ = ("func", "info")

    def __init__(self, info: DetectorInfo, func: DetectorFunc) -> None:
        self.info = info
        self.func = func

    @property
    def id(self) -> str:
        return self.info.id

    @property
    def category(self) -> FlagCategory:
        return self.info.category

    @property
    def owasp(self) -> tuple[str, ...]:
        return self.info.owasp

    def __repr__(self) -> str:
        return f"Detector({self.info.id!r})"


#: Every detector, safety first, in the order their flags appear on an event.
DETECTORS: tuple[Detector, ...] = (
    Detector(DESTRUCTIVE, destructive_command),
    Detector(WRITE_OUTSIDE, write_outside_cwd),
    Detector(BURST, burst),
    Detector(RETRY, retry_after_denial),
    Detector(SECRET_READ, secret_read),
    Detector(SECRET_IN_INPUT, secret_in_input),
    Detector(EGRESS, egress_unallowed),
    Detector(DOWNLOAD_EXEC, download_exec),
    Detector(PRIVILEGE, privilege_change),
    Detector(INJECTION, injected_instructions),
    Detector(ACQUIRED, credential_acquired),
    Detector(TAMPERING, oversight_tampering),
)

_BY_ID: Mapping[str, Detector] = {d.id: d for d in DETECTORS}
_BY_KIND: Mapping[EventKind, tuple[Detector, ...]] = {
    kind: tuple(d for d in DETECTORS if kind in d.info.kinds) for kind in EventKind
}
_DEFAULT_SETTINGS = DetectorSettings()


def detector(detector_id: str) -> Detector:
    """The registered detector with this id (``KeyError`` if none)."""
    return _BY_ID[detector_id]


_ENABLED: dict[tuple[EventKind, frozenset[str]], tuple[Detector, ...]] = {}
_LOUD: dict[tuple[Detector, ...], tuple[Detector, ...]] = {}


def _loud(table: tuple[Detector, ...]) -> tuple[Detector, ...]:
    """``table`` without the detectors that answer nothing on a quiet result."""
    loud = _LOUD.get(table)
    if loud is None:
        loud = tuple(d for d in table if d.info.id not in _SILENT_ON_QUIET)
        if len(_LOUD) < 256:
            _LOUD[table] = loud
    return loud


def _enabled(kind: EventKind, disabled: frozenset[str]) -> tuple[Detector, ...]:
    """The detectors that run on ``kind`` with ``disabled`` off, worked out once."""
    key = (kind, disabled)
    table = _ENABLED.get(key)
    if table is None:
        table = tuple(d for d in _BY_KIND.get(kind, ()) if d.info.id not in disabled)
        if len(_ENABLED) < 256:  # a handful of settings per process; never unbounded
            _ENABLED[key] = table
    return table


#: Detectors whose answer on a call is a function of the call alone — its tool, its input,
#: the paths its parser found (``extra["paths"]``) — and of the session's cwd and home and
#: the settings: they read the history only through ``resolve``/``under``/``inside_cwd`` and
#: ``ctx``, never what earlier events left in it. Egress also reads the scope and the call's
#: verdict, which are part of its key.
_CALL_ONLY = frozenset({
    DESTRUCTIVE.id, WRITE_OUTSIDE.id, SECRET_READ.id, PRIVILEGE.id, TAMPERING.id, EGRESS.id,
})  # fmt: skip
_MISSING: Any = object()
#: A call-only detector failed on this call (it fails again on the same call: counted again).
_RAISED: Any = object()


class CallMemo:
    """What the detectors worked out about a call, kept for the next call that is the same
    call in the same place: its parsed view (:class:`CallView`, shared by every detector and
    by the history) and the answers of the :data:`_CALL_ONLY` detectors. Agents repeat
    their calls (``git status``, the test command, the same ticket lookup); a repeat then
    costs dictionary lookups. The key is the call's exact JSON text (key order and number
    types kept: ``orjson.dumps`` without sorting), so a hit is the same input, not a similar
    one; an input orjson cannot write (a lone surrogate, a huge integer) is never kept.
    ``run_detectors`` with a memo raises exactly the flags it raises without one
    (``tests/test_ingest_differential.py``). Bounded: cleared when full."""

    __slots__ = ("answers", "composed", "limit", "stats", "views")

    def __init__(self, limit: int = 16_384) -> None:
        self.limit = limit
        self.views: dict[tuple[Any, ...], CallView] = {}
        self.answers: dict[tuple[Any, ...], Any] = {}
        #: (call in its place, verdict, scope, settings, which history collections are
        #: empty) -> (settings, scope, view, composed answers): a repeat in one lookup
        self.composed: dict[tuple[Any, ...], tuple[Any, Any, CallView, Any]] = {}
        #: per tool: [repeats found, new calls, calls not looked up] (see :meth:`worth`)
        self.stats: dict[str | None, list[int]] = {}

    def worth(self, tool: str | None) -> bool:
        """Whether to look this call up: a tool whose calls the memo has seen repeat less
        than once in eight (after 64 new ones: ``create_refund`` with a new amount each
        time) costs more to remember than to judge afresh, so its calls skip the memo, one
        in 32 still looked up to notice a change. Either way the answers are the same."""
        stat = self.stats.get(tool)
        if stat is None or stat[1] < 64 or stat[0] * 8 >= stat[1]:
            return True
        stat[2] += 1
        return stat[2] % 32 == 0

    def _count(self, tool: str | None, repeat: bool) -> None:
        stat = self.stats.get(tool)
        if stat is None:
            if len(self.stats) >= 4096:
                self.stats.clear()
            stat = self.stats[tool] = [0, 0, 0]
        stat[0 if repeat else 1] += 1

    @staticmethod
    def call_text(event: Event) -> tuple[Any, ...] | None:
        """The call itself as a key: its tool, its input's exact JSON text and the paths its
        parser found; None when it cannot be written or is too long to keep."""
        tool_input = event.input
        paths = event.extra.get("paths") if event.extra else None
        try:
            text = orjson.dumps(tool_input) if tool_input else b""
            shown_paths = orjson.dumps(paths) if paths is not None else None
        except (TypeError, ValueError):
            return None
        if len(text) > 4096:  # bounded memory: 16k keys of at most 4 KB
            return None
        return (event.tool, type(tool_input), text, shown_paths)

    def key(
        self, event: Event, history: SessionHistory, call_key: tuple[Any, ...] | None = None
    ) -> tuple[Any, ...] | None:
        """The call in its place (``call_key``: :meth:`call_text`, when already known)."""
        if call_key is None:
            call_key = self.call_text(event)
            if call_key is None:
                return None
        return (*call_key, history.cwd, history.home)

    def view(self, key: tuple[Any, ...], event: Event, history: SessionHistory) -> bool:
        """Put the shared view of ``key`` in the history's per-event slot (``view_of``);
        False when the call cannot be viewed (each detector then fails on its own, as
        without a memo)."""
        view = self.views.get(key)
        self._count(event.tool, view is not None)
        if view is None:
            try:
                view = CallView(event, history)
            except Exception:  # counted per detector, as without a memo
                return False
            if len(self.views) >= self.limit:
                self.views.clear()
            self.views[key] = view
        history.view_cache = (event, view)
        return True

    def answers_for(
        self, key: tuple[Any, ...], event: Event, history: SessionHistory, settings: Any
    ) -> dict[Any, Any]:
        """The call-only answers known for this call here (filled in as detectors run)."""
        scope = history.scope
        slot_key = (key, event.verdict, id(scope), id(settings))
        slot = self.answers.get(slot_key)
        if slot is None or slot[0] is not settings or slot[1] is not scope:
            if len(self.answers) >= self.limit:
                self.answers.clear()
            slot = self.answers[slot_key] = (settings, scope, {})
        answers: dict[Any, Any] = slot[2]
        return answers


#: Detectors that read what earlier events left in the history only through one of its
#: collections, and answer on the call alone (as :data:`_CALL_ONLY` ones do) while that
#: collection is empty: retries compare with denials, acquired credentials with what results
#: held, secrets in input leave out acquired ones, download-and-execute looks up downloads.
_CALL_ONLY_WHILE_EMPTY: Mapping[str, str] = {
    RETRY.id: "denials", ACQUIRED.id: "acquired", SECRET_IN_INPUT.id: "acquired",
    DOWNLOAD_EXEC.id: "downloads",
}  # fmt: skip
#: On a result whose text is quiet (:func:`~._core.quiet_texts`), these answer nothing.
_SILENT_ON_QUIET = frozenset({INJECTION.id})

_PLANS: dict[tuple[Detector, ...], tuple[tuple[str, DetectorFunc, bool, str | None], ...]] = {}


def _plan(
    table: tuple[Detector, ...],
) -> tuple[tuple[str, DetectorFunc, bool, str | None], ...]:
    """``(id, function, call-only, call-only while this history collection is empty)`` per
    detector of ``table``, worked out once."""
    plan = _PLANS.get(table)
    if plan is None:
        plan = tuple(
            (d.info.id, d.func, d.info.id in _CALL_ONLY, _CALL_ONLY_WHILE_EMPTY.get(d.info.id))
            for d in table
        )
        if len(_PLANS) < 256:
            _PLANS[table] = plan
    return plan


def _run_remembered(
    event: Event,
    history: SessionHistory,
    settings: DetectorSettings,
    plan: tuple[tuple[str, DetectorFunc, bool, str | None], ...],
    answers: dict[Any, Any],
) -> list[Flag]:
    """:func:`run_detectors` for a call with a memo: a call-only detector answers from
    ``answers`` when it has answered (or failed) on this call here before; so does one of
    :data:`_CALL_ONLY_WHILE_EMPTY` while the history collection it reads is empty (its
    answer then kept apart, under ``(id, collection)``).

    Once every such answer is known for the collections' present state (empty or not),
    the answers are put together, in order, around the detectors that still have to run
    (``burst``, and any whose collection is not empty): a repeat of the call then costs a
    lookup, those detectors, and a list."""
    state = (not history.denials, not history.acquired, not history.downloads)
    composed = answers.get(state)
    if composed is not None:
        return _run_composed(event, history, settings, composed)
    flags = _run_each(event, history, settings, plan, answers)
    # Put together only for a call seen before here (most calls seen once never repeat).
    if answers.get(_SEEN) is None:
        answers[_SEEN] = True
    else:
        composed = _compose(history, plan, answers)
        if composed is not None:
            answers[state] = composed
    return flags


_SEEN = "seen"


#: A composed plan: ``(flags, failed detector ids)`` known in advance, or a detector to run.
_Composed = list[tuple[Any, Any]]


def _compose(
    history: SessionHistory,
    plan: tuple[tuple[str, DetectorFunc, bool, str | None], ...],
    answers: dict[Any, Any],
) -> _Composed | None:
    out: _Composed = []
    known: list[Flag] = []
    failed: list[str] = []
    for detector_id, func, always, while_empty in plan:
        if always or (while_empty is not None and not getattr(history, while_empty)):
            result = answers.get(detector_id if always else (detector_id, while_empty), _MISSING)
            if result is _MISSING:
                return None
            if result is _RAISED:
                failed.append(detector_id)
            elif result is not None:
                known.append(result)
            continue
        if known or failed:
            out.append((tuple(known), tuple(failed)))
            known, failed = [], []
        out.append((detector_id, func))
    if known or failed:
        out.append((tuple(known), tuple(failed)))
    return out


def _run_composed(
    event: Event, history: SessionHistory, settings: DetectorSettings, composed: _Composed
) -> list[Flag]:
    flags: list[Flag] = []
    for first, second in composed:
        if type(first) is tuple:
            flags.extend(first)
            if second:
                errors = history.detector_errors
                for detector_id in second:
                    errors[detector_id] = errors.get(detector_id, 0) + 1
            continue
        try:
            result = second(event, history, settings)
        except Exception:  # one detector's bug must not stop the stream
            errors = history.detector_errors
            errors[first] = errors.get(first, 0) + 1
            continue
        if result is None:
            continue
        if isinstance(result, Flag):
            flags.append(result)
        else:
            flags.extend(result)
    return flags


def _run_each(
    event: Event,
    history: SessionHistory,
    settings: DetectorSettings,
    plan: tuple[tuple[str, DetectorFunc, bool, str | None], ...],
    answers: dict[Any, Any],
) -> list[Flag]:
    flags: list[Flag] = []
    for detector_id, func, always, while_empty in plan:
        call_only = always
        if not always and while_empty is not None and not getattr(history, while_empty):
            call_only = True
            detector_id_key: Any = (detector_id, while_empty)
        else:
            detector_id_key = detector_id
        if call_only:
            result = answers.get(detector_id_key, _MISSING)
            if result is not _MISSING:
                if result is _RAISED:
                    errors = history.detector_errors
                    errors[detector_id] = errors.get(detector_id, 0) + 1
                elif result is not None:
                    flags.append(result)
                continue
        try:
            result = func(event, history, settings)
        except Exception:  # one detector's bug must not stop the stream
            errors = history.detector_errors
            errors[detector_id] = errors.get(detector_id, 0) + 1
            if call_only:
                answers[detector_id_key] = _RAISED
            continue
        if result is None:
            if call_only:
                answers[detector_id_key] = None
        elif isinstance(result, Flag):
            flags.append(result)
            if call_only:
                answers[detector_id_key] = result
        else:
            flags.extend(result)
    return flags


def quiet_results_silent(settings: DetectorSettings) -> bool:
    """True when no detector enabled in ``settings`` can flag a quiet result (so a caller
    that knows a result is quiet may skip :func:`run_detectors` for it)."""
    return not _loud(_enabled(_K_TOOL_RESULT, settings.disabled))


def run_detectors(
    event: Event,
    history: SessionHistory,
    settings: DetectorSettings | None = None,
    memo: CallMemo | None = None,
    *,
    quiet: bool = False,
    call_key: tuple[Any, ...] | None = None,
) -> list[Flag]:
    """Every flag the detectors raise on ``event``; call before ``history.observe(event)``.

    A detector that fails on odd input is skipped for that event (counted in
    ``history.detector_errors``) rather than stopping ingestion. ``memo`` (one per engine)
    lets a repeated call reuse what was worked out for the same call before (``call_key``:
    :meth:`CallMemo.call_text` of the call, when the caller has it). ``quiet``: the event
    is a result whose text :func:`~._core.quiet_texts` found quiet; the detectors that
    would find nothing in it are skipped.
    """
    settings = settings or _DEFAULT_SETTINGS
    table = _enabled(event.kind, settings.disabled)
    if not table:
        return []
    if quiet and event.kind is _K_TOOL_RESULT:
        table = _loud(table)
        if not table:
            return []
    if memo is not None and event.kind is _K_TOOL_CALL:
        key = memo.key(event, history, call_key)
        if key is not None:
            scope = history.scope
            fast_key = (
                key, event.verdict, id(scope), id(settings),
                not history.denials, not history.acquired, not history.downloads,
            )  # fmt: skip
            hit = memo.composed.get(fast_key)
            if hit is not None and hit[0] is settings and hit[1] is scope:
                memo._count(event.tool, True)
                history.view_cache = (event, hit[2])
                return _run_composed(event, history, settings, hit[3])
            if memo.view(key, event, history):
                answers = memo.answers_for(key, event, history, settings)
                remembered = _run_remembered(event, history, settings, _plan(table), answers)
                composed = answers.get(fast_key[4:])
                cached = history.view_cache
                if composed is not None and cached is not None and cached[0] is event:
                    if len(memo.composed) >= memo.limit:
                        memo.composed.clear()
                    memo.composed[fast_key] = (settings, scope, cached[1], composed)
                return remembered
    flags: list[Flag] = []
    for entry in table:
        try:
            result = entry.func(event, history, settings)
        except Exception:  # one detector's bug must not stop the stream
            errors = history.detector_errors
            errors[entry.info.id] = errors.get(entry.info.id, 0) + 1
            continue
        if result is None:
            continue
        if isinstance(result, Flag):
            flags.append(result)
        else:
            flags.extend(result)
    return flags
