"""``oversight_tampering``: a call that acts on the oversight itself.

The same judgement as the gate's built-in guard (:func:`overseer.policy.scope.tampering`):
a write to overseer's config, store or installation, to an agent's hook settings, to git's
config or hooks or the shell's start-up files; running overseer's operator commands; a
database client on the store. The gate asks about such a call whatever the scope says; the
flag makes it stand out in the queue, the timeline and the review, including calls in
transcripts of sessions no hook saw. Which files are overseer's own is known where it runs
(:attr:`DetectorSettings.protected`); the built-in names hold everywhere.
"""

from __future__ import annotations

from overseer.model import Event, EventKind, Flag, FlagCategory
from overseer.policy.detectors._core import DetectorInfo, DetectorSettings
from overseer.policy.detectors.history import SessionHistory
from overseer.policy.guard import REASON_PREFIX, TAMPERING_FLAG, TAMPERING_OWASP, is_unseen
from overseer.policy.rules import CallContext
from overseer.policy.scope import tampering

#: Enum members as module globals: in CPython 3.11 each ``EventKind.X``-style lookup costs
#: ~160 ns (the enum's class attribute path), a global ~7 ns; the hot path reads them per event.
_F_SECURITY = FlagCategory.SECURITY
_K_TOOL_CALL = EventKind.TOOL_CALL

TAMPERING = DetectorInfo(
    TAMPERING_FLAG, _F_SECURITY, TAMPERING_OWASP, "Oversight tampering",
    "A call that would change what judges or gates the agent: overseer's config, store or "
    "installation, agent hook settings, git config and hooks, shell start-up files; running "
    "overseer's operator commands or a database client on its store.",
)  # fmt: skip


def oversight_tampering(
    event: Event, history: SessionHistory, settings: DetectorSettings
) -> Flag | None:
    if event.kind is not _K_TOOL_CALL or not event.tool:
        return None
    ctx = history.ctx
    if settings.protected:
        ctx = CallContext(ctx.cwd, ctx.home, protected_files=settings.protected)
    why = tampering(event.tool, event.input if isinstance(event.input, dict) else {}, ctx)
    if why is None or is_unseen(why):  # asked about at the gate, but no evidence of tampering
        return None
    return TAMPERING.flag(why.removeprefix(REASON_PREFIX), "high")
