"""The app's data source when polling a gateway (and/or Langfuse): the store, plus delivery.

Reads are the store's (:class:`StoreSource`): the pollers write everything they fetch into
it. What changes here is what a decision *means*:

* on a gateway approval, ``approve``/``deny`` is first recorded in the audit chain (the
  store's ``decide``), then POSTed to the gateway; a POST that fails leaves the decision
  "not delivered" (counted in the header, retried by the poller and by ``ctrl+r``), never
  dropped; a ``409`` says someone decided elsewhere, and that is what gets shown and recorded;
* ``kill`` on a gateway session is recorded (session marked killed, audit row) and POSTed
  to the gateway; it never signals a local process (the pid is on the gateway's side);
* on a Langfuse session nothing can be decided or killed: the reason is given;
* anything else (hook approvals, tailed sessions) behaves exactly as in ``watch``.

Runs in the app's worker threads only (as :class:`StoreSource` does).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from typing import Any

from overseer.config import Config
from overseer.sources.langfuse import LangfusePoller
from overseer.sources.poll import DeliveryResult, GatewayPoller, PollerBase, observe_only_sessions
from overseer.store import AlreadyDecided, StoreError
from overseer.store.db import Store
from overseer.tui.data import DecisionError, FleetSnapshot
from overseer.tui.store_source import StoreSource

#: How long the observe-only set is reused (the fleet snapshot asks once per row).
OBSERVE_TTL = 1.0


class GatewaySource(StoreSource):
    """:class:`StoreSource` with gateway delivery and Langfuse observe-only sessions."""

    def __init__(
        self,
        store: Store,
        config: Config,
        *,
        gateway: GatewayPoller | None = None,
        langfuse: LangfusePoller | None = None,
        read_only: bool = False,
        health: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(store, config, read_only=read_only, health=health)
        self.gateway = gateway
        self.langfuse = langfuse
        self._observe: dict[str, str] = {}
        self._observe_set: set[str] = set()
        self._observe_at = float("-inf")
        self._observe_lock = threading.Lock()

    def pollers(self) -> list[PollerBase]:
        return [p for p in (self.gateway, self.langfuse) if p is not None]

    # ------------------------------------------------------------------ reads

    def snapshot(self) -> FleetSnapshot:
        self._observe_reasons(refresh=True)
        snapshot = super().snapshot()
        snapshot.health = {**snapshot.health, **{p.name: p.health.text() for p in self.pollers()}}
        snapshot.undelivered = self.gateway.deliverer.count() if self.gateway else 0
        return snapshot

    def _observe_reasons(self, refresh: bool = False) -> dict[str, str]:
        with self._observe_lock:
            now = time.monotonic()
            if refresh or now - self._observe_at > OBSERVE_TTL:
                self._observe = observe_only_sessions(self.store)
                self._observe_set = set(self._observe)
                self._observe_at = now
            return self._observe

    def observe_only_sessions(self) -> set[str]:
        """Langfuse sessions: overseer watches them but cannot decide or kill in them.
        (Asked once per fleet row: the same cached set, not a fresh copy each time.)"""
        self._observe_reasons()
        return self._observe_set

    def observe_only_reason(self, session: str) -> str | None:
        """Why ``session`` cannot be controlled from here (None when it can)."""
        return self._observe_reasons().get(session)

    # ------------------------------------------------------------------ writes

    def decide(
        self,
        approval_id: str,
        decision: str,
        reason: str,
        operator: str,
        updated_input: dict[str, Any] | None = None,
    ) -> str:
        try:
            approval = self.store.read_approval(approval_id)
        except StoreError as exc:
            raise DecisionError(str(exc)) from None
        if approval is not None:
            refused = self.observe_only_reason(approval["session"])
            if refused:
                raise DecisionError(refused)
        if self.gateway is None or self.gateway.owns_approval(approval_id) is None:
            return super().decide(approval_id, decision, reason, operator, updated_input)
        try:
            decided = self.store.decide(
                approval_id, decision=decision, reason=reason or None, operator=operator,
                updated_input=updated_input,
            )  # fmt: skip
        except (AlreadyDecided, StoreError, ValueError) as exc:
            raise DecisionError(str(exc)) from None
        seq = decided.get("decision_seq")
        if not isinstance(seq, int):
            raise DecisionError("recorded, but its audit row was not found to deliver")
        return self._delivered(
            self.gateway.deliverer.deliver(seq), edited=updated_input is not None
        )

    @staticmethod
    def _delivered(result: DeliveryResult, *, edited: bool = False) -> str:
        """A delivered result is the action's success text; anything else is shown as an
        error (the decision is recorded here either way). The app names the approval or
        session before an error's text, so the error does not name it again."""
        if result.delivered:
            return result.message + (" (edited input)" if edited else "")
        message = result.message
        for subject in (f"kill of session {result.target}: ", f"{result.target}: "):
            if message.startswith(subject):
                message = message[len(subject) :]
                break
        raise DecisionError(message)

    def grant_for_session(self, approval_id: str, reason: str, operator: str) -> str:
        if self.gateway is not None and self.gateway.owns_approval(approval_id) is not None:
            raise DecisionError(
                "the gateway API has no session-wide grant; approve this call with a"
            )
        approval = self.store.read_approval(approval_id)
        if approval is not None:
            refused = self.observe_only_reason(approval["session"])
            if refused:
                raise DecisionError(refused)
        return super().grant_for_session(approval_id, reason, operator)

    def kill(self, session: str, reason: str, operator: str) -> str:
        refused = self.observe_only_reason(session)
        if refused:
            raise DecisionError(refused)
        if self.gateway is None or self.gateway.owns_session(session) is None:
            return super().kill(session, reason, operator)
        try:
            seq = self.store.kill_session(session, operator=operator, reason=reason)
        except StoreError as exc:
            raise DecisionError(str(exc)) from None
        return self._delivered(self.gateway.deliverer.deliver(seq))

    def retry_undelivered(self) -> str:
        """``ctrl+r``: deliver every decision and kill the gateway has not acknowledged."""
        if self.gateway is None:
            return "nothing to deliver"
        results = self.gateway.deliverer.deliver_all()
        if not results:
            return "nothing left to deliver"
        delivered = sum(1 for r in results if r.delivered)
        conflicts = [r for r in results if r.state == "conflict"]
        left = [r for r in results if r.state in ("failed", "rejected")]
        parts = [f"{delivered} delivered"]
        if conflicts:
            parts.append(f"{len(conflicts)} decided elsewhere")
        if left:
            parts.append(f"{len(left)} still not delivered ({left[0].message})")
            raise DecisionError("; ".join(parts))
        return "; ".join(parts)
