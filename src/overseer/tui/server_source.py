"""The app's data source in hardened mode: reads from the mirror, acts through the server.

``overseer watch --server SOCKET`` (docs/hardened.md): the gate server's store is not the
operator's to read, so the app reads a local mirror the
:class:`overseer.control.mirror.MirrorFeed` keeps up to date, and every decision, grant and
kill is a request on the server's socket — where the kernel names the operator, whatever
name this console was started with. Nothing is ever written into the mirror by this side:
it holds only what the server recorded (a decision shows once the next pull brings its
chain row, which :meth:`_act` asks for at once).

Runs in the app's worker threads only (as :class:`StoreSource` does).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from overseer.config import Config
from overseer.control import thin
from overseer.control.mirror import MirrorFeed
from overseer.store.db import Store
from overseer.tui.data import DecisionError
from overseer.tui.store_source import StoreSource


class ServerSource(StoreSource):
    """:class:`StoreSource` over a mirror, whose writes go to the gate server."""

    def __init__(
        self,
        store: Store,
        config: Config,
        socket_path: str,
        *,
        health: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(
            store, config, health=health, expire_overdue=False, check_ungated=False,
            trust_mode="hardened",
        )  # fmt: skip
        self.socket_path = socket_path
        self.feed = MirrorFeed(store.db, socket_path, self.health)

    def _act(self, payload: dict[str, Any], subject: str) -> dict[str, Any]:
        try:
            answer = thin.request(self.socket_path, payload)
        except thin.ServerProblem as exc:
            raise DecisionError(f"{subject}: the gate server refused: {exc}") from None
        self.feed.poke()
        return answer

    def decide(
        self,
        approval_id: str,
        decision: str,
        reason: str,
        operator: str,
        updated_input: dict[str, Any] | None = None,
    ) -> str:
        payload: dict[str, Any] = {"op": "decide", "id": approval_id, "decision": decision}
        if reason:
            payload["reason"] = reason
        if updated_input is not None:
            payload["input"] = updated_input
        answer = self._act(payload, approval_id)
        edited = " (edited input)" if updated_input is not None else ""
        return (
            f"{approval_id}: {answer.get('status', decision)} by {answer.get('decided_by')}{edited}"
        )

    def grant_for_session(self, approval_id: str, reason: str, operator: str) -> str:
        from overseer.store.grants import NoGrant, session_rules

        approval = self.store.read_approval(approval_id)
        if approval is None:
            raise DecisionError(f"{approval_id}: not in the mirror yet")
        session = self.store.get_session(approval["session"])
        tool_input = approval["input"] if isinstance(approval["input"], dict) else {}
        try:
            rules = session_rules(
                approval["tool"] or "", tool_input, session.cwd if session else None
            )
        except NoGrant as exc:
            raise DecisionError(f"{approval_id}: cannot approve for the session: {exc}") from None
        payload: dict[str, Any] = {
            "op": "decide", "id": approval_id, "decision": "approve", "grant": list(rules),
        }  # fmt: skip
        if reason:
            payload["reason"] = reason
        self._act(payload, approval_id)
        return f"{approval_id}: approved; {' + '.join(rules)} allowed for the rest of this session"

    def kill(self, session: str, reason: str, operator: str) -> str:
        payload: dict[str, Any] = {"op": "kill", "session": session}
        if reason:
            payload["reason"] = reason
        answer = self._act(payload, f"kill of session {session}")
        return str(answer.get("summary") or f"session {session} killed")

    def record_reveal(self, session: str, call_id: str | None, operator: str) -> None:
        """Recorded in the server's store, as the kernel names the operator (the mirror is
        not this side's to write)."""
        self._act({"op": "reveal", "session": session, "call_id": call_id}, "reveal")
