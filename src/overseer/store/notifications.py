"""The notifications table (schema 5): each page to an operator is claimed once, here.

A page is one ``(approval, kind, channel)``: ``kind`` is ``created`` or ``expiring``,
``channel`` ``webhook`` or ``command``. The notifier that inserts the row sends the page;
every other notifier on the same store (another console, ``overseer notify``) sees the row
and leaves it. The claim is a lease: a notifier that dies after claiming and before it
records the outcome leaves a ``sending`` row whose ``lease_until`` passes, and the next
notifier takes it over and sends again. So delivery is **at least once**: exactly once
unless a notifier dies mid-send (then the receiver may see the page twice, with the same
``delivery`` id, and can drop the repeat).

On SQLite the claim is one ``BEGIN IMMEDIATE`` transaction; on PostgreSQL the primary key
(``INSERT ... ON CONFLICT DO NOTHING``) and a guarded ``UPDATE`` (row-locked, its ``WHERE``
re-checked after the lock) decide between racing notifiers.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa

from overseer.store import utc_text
from overseer.store.tables import NotificationRow

if TYPE_CHECKING:
    from overseer.store.db import Store

_NOTES: sa.Table = NotificationRow.__table__  # type: ignore[attr-defined]
#: Longest error text kept per row.
ERROR_CAP = 500


@dataclass(slots=True, frozen=True)
class Notification:
    """One stored row."""

    approval_id: str
    kind: str
    channel: str
    status: str
    claimed_by: str
    lease_until: str
    attempts: int
    created_at: str
    updated_at: str
    error: str | None


def _key(approval_id: str, kind: str, channel: str) -> sa.ColumnElement[bool]:
    n = _NOTES.c
    return sa.and_(n.approval_id == approval_id, n.kind == kind, n.channel == channel)


def claim(
    store: Store,
    approval_id: str,
    kind: str,
    channel: str,
    *,
    notifier: str,
    lease_s: float,
    now: float | None = None,
    team: bool = False,
) -> bool:
    """Claim one page for ``notifier``: True when this caller must send it (a new row, or a
    ``sending`` row whose lease has passed), False when someone else has it or it is done.

    ``team``: connected as a team-mode operator login, which writes no table itself: the
    database's ``overseer_op_notify`` does the same (its clock, ``session_user/notifier``)."""
    if team:
        return _op(store, "claim", approval_id, kind, channel, notifier, lease_s=lease_s)
    moment = time.time() if now is None else now
    stamp, lease = utc_text(moment), utc_text(moment + lease_s)
    with store._write() as conn:
        inserted = conn.execute(
            store._insert(_NOTES)
            .values(
                approval_id=approval_id, kind=kind, channel=channel, status="sending",
                claimed_by=notifier, lease_until=lease, attempts=0, created_at=stamp,
                updated_at=stamp,
            )
            .on_conflict_do_nothing()
            .returning(_NOTES.c.approval_id)
        ).first()  # fmt: skip
        if inserted is not None:  # (rowcount is not told for this INSERT through psycopg)
            return True
        n = _NOTES.c
        taken = conn.execute(
            sa.update(_NOTES)
            .where(_key(approval_id, kind, channel), n.status == "sending", n.lease_until < stamp)
            .values(claimed_by=notifier, lease_until=lease, updated_at=stamp)
        )
        return bool(taken.rowcount == 1)


def skip(
    store: Store, approval_id: str, kind: str, channel: str, *, notifier: str, why: str,
    team: bool = False,
) -> None:  # fmt: skip
    """Record that this page is not sent (its moment passed before anyone could): once."""
    if team:
        _op(store, "skip", approval_id, kind, channel, notifier, error=why)
        return
    stamp = utc_text()
    with store._write() as conn:
        conn.execute(
            store._insert(_NOTES)
            .values(
                approval_id=approval_id, kind=kind, channel=channel, status="skipped",
                claimed_by=notifier, lease_until=stamp, attempts=0, created_at=stamp,
                updated_at=stamp, error=why[:ERROR_CAP],
            )
            .on_conflict_do_nothing()
        )  # fmt: skip


def finish(
    store: Store,
    approval_id: str,
    kind: str,
    channel: str,
    *,
    notifier: str,
    sent: bool,
    attempts: int,
    error: str | None,
    team: bool = False,
) -> bool:
    """Record the outcome of a claimed page (``sent`` or ``failed``). False when the claim
    was lost meanwhile (the lease passed and another notifier took it over)."""
    if team:
        return _op(store, "finish", approval_id, kind, channel, notifier, sent=sent,
                   attempts=attempts, error=error)  # fmt: skip
    n = _NOTES.c
    with store._write() as conn:
        done = conn.execute(
            sa.update(_NOTES)
            .where(
                _key(approval_id, kind, channel), n.status == "sending", n.claimed_by == notifier
            )
            .values(
                status="sent" if sent else "failed",
                attempts=n.attempts + attempts,
                updated_at=utc_text(),
                error=None if error is None else error[:ERROR_CAP],
            )
        )
        return bool(done.rowcount == 1)


def _op(
    store: Store, op: str, approval_id: str, kind: str, channel: str, notifier: str, *,
    lease_s: float | None = None, sent: bool | None = None, attempts: int | None = None,
    error: str | None = None,
) -> bool:  # fmt: skip
    """Team mode: one call of the operator's ``overseer_op_notify``."""
    query = sa.text(
        "SELECT overseer_op_notify(:op, :approval, :kind, :channel, :notifier,"
        " CAST(:lease AS double precision), :sent, :attempts, :error)"
    )
    params = {
        "op": op, "approval": approval_id, "kind": kind, "channel": channel,
        "notifier": notifier, "lease": lease_s, "sent": sent, "attempts": attempts,
        "error": None if error is None else error[:ERROR_CAP],
    }  # fmt: skip
    with store._write() as conn:
        return bool(conn.execute(query, params).scalar_one())


def team_login(store: Store) -> str | None:
    """``"operator"`` / ``"hook"`` when this store is reached as a team-mode role (which
    writes pages through :func:`_op`, or not at all), else ``None``."""
    if not store.is_postgres:
        return None
    with store.lean() as conn:
        return conn.team


def settled(store: Store, approval_ids: list[str]) -> set[tuple[str, str, str]]:
    """The pages of these approvals nobody needs to claim again: done, or claimed under a
    lease that has not passed (one indexed read, so idle loops stay cheap)."""
    if not approval_ids:
        return set()
    n = _NOTES.c
    now = utc_text()
    query = sa.select(n.approval_id, n.kind, n.channel).where(
        n.approval_id.in_(approval_ids), sa.or_(n.status != "sending", n.lease_until >= now)
    )
    with store._read() as conn:
        return {(str(a), str(k), str(c)) for a, k, c in conn.execute(query)}


def first_claimed(store: Store, approval_id: str, kind: str) -> str | None:
    """When ``kind`` was first claimed for this approval on any channel (UTC text)."""
    n = _NOTES.c
    query = sa.select(sa.func.min(n.created_at)).where(n.approval_id == approval_id, n.kind == kind)
    with store._read() as conn:
        value = conn.execute(query).scalar_one_or_none()
    return None if value is None else str(value)


def notifications(
    store: Store, *, approval_id: str | None = None, status: str | None = None, limit: int = 200
) -> list[Notification]:
    """Stored pages, most recently updated first."""
    n = _NOTES.c
    query = sa.select(_NOTES)
    if approval_id is not None:
        query = query.where(n.approval_id == approval_id)
    if status is not None:
        query = query.where(n.status == status)
    query = query.order_by(n.updated_at.desc(), n.approval_id, n.kind, n.channel).limit(limit)
    with store._read() as conn:
        rows = conn.execute(query).mappings().all()
    return [
        Notification(
            approval_id=r["approval_id"],
            kind=r["kind"],
            channel=r["channel"],
            status=r["status"],
            claimed_by=r["claimed_by"],
            lease_until=r["lease_until"],
            attempts=int(r["attempts"] or 0),
            created_at=r["created_at"],
            updated_at=r["updated_at"],
            error=r["error"],
        )
        for r in rows
    ]
