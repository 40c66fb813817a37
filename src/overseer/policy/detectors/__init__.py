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

from overseer.model import Event, EventKind, Flag, FlagCategory
from overseer.policy.detectors._core import DetectorInfo, DetectorSettings, view_of
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

__all__ = [
    "DETECTORS",
    "OWASP_TITLES",
    "Detector",
    "DetectorFunc",
    "DetectorInfo",
    "DetectorSettings",
    "SessionHistory",
    "detector",
    "owasp_label",
    "owasp_title",
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


def _enabled(kind: EventKind, disabled: frozenset[str]) -> tuple[Detector, ...]:
    """The detectors that run on ``kind`` with ``disabled`` off, worked out once."""
    key = (kind, disabled)
    table = _ENABLED.get(key)
    if table is None:
        table = tuple(d for d in _BY_KIND.get(kind, ()) if d.info.id not in disabled)
        if len(_ENABLED) < 256:  # a handful of settings per process; never unbounded
            _ENABLED[key] = table
    return table


def run_detectors(
    event: Event, history: SessionHistory, settings: DetectorSettings | None = None
) -> list[Flag]:
    """Every flag the detectors raise on ``event``; call before ``history.observe(event)``.

    A detector that fails on odd input is skipped for that event (counted in
    ``history.detector_errors``) rather than stopping ingestion.
    """
    settings = settings or _DEFAULT_SETTINGS
    table = _enabled(event.kind, settings.disabled)
    if not table:
        return []
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
