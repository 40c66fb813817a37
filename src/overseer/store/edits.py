"""What became of an operator's approval: the edited input it carried, and whether the gate
then denied the call anyway.

An operator may approve a gated call with an edited input (``updated_input``). The hook then
judges the edit again, and a deny rule still wins over a person's approval
(:func:`overseer.control.core.judge`): the approval row stays ``approved`` and a second chain
row, ``policy_denied`` with the same ``approval_id``, records that nothing ran. Review must
show both — the edit, and that it was denied — or an approval reads as a call that ran with
the agent's original input. This module reads that from the approvals table and the chain,
one indexed query each for any number of approvals.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from overseer.model import approval_label
from overseer.store.tables import ApprovalRow, DecisionRow

_APPROVALS: sa.Table = ApprovalRow.__table__  # type: ignore[attr-defined]
_DECISIONS: sa.Table = DecisionRow.__table__  # type: ignore[attr-defined]
_CHUNK = 500  # ids per IN (...) list


@dataclass(slots=True, frozen=True)
class ApprovalOutcome:
    """An approved call's edit and what the gate did after the approval.

    ``updated_input`` is the operator's edit (raw, as stored: mask it before showing it),
    ``None`` when the call was approved as asked. ``denied_rule``/``denied_reason`` come from
    the chain row that denied the call after the approval (``denied`` is then true)."""

    updated_input: Any
    denied: bool = False
    denied_rule: str | None = None
    denied_reason: str | None = None

    @property
    def edited(self) -> bool:
        return self.updated_input is not None

    @property
    def label(self) -> str:
        """The outcome in words: what the operator did, then what the gate did."""
        return approval_label(edited=self.edited, denied=self.denied, rule=self.denied_rule)


def approval_outcomes(conn: Connection, approval_ids: Sequence[str]) -> dict[str, ApprovalOutcome]:
    """For each *approved* approval among ``approval_ids`` that carried an edit or was
    denied after it, its :class:`ApprovalOutcome` (approvals approved as asked and run are
    left out: there is nothing more to say about them)."""
    ids = sorted({str(i) for i in approval_ids if i})
    found: dict[str, Any] = {}
    a, d = _APPROVALS.c, _DECISIONS.c
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        for approval_id, updated in conn.execute(
            sa.select(a.id, a.updated_input).where(a.id.in_(chunk), a.status == "approved")
        ):
            found[str(approval_id)] = _loads(updated)
    denials: dict[str, tuple[str | None, str | None]] = {}
    approved = sorted(found)
    for start in range(0, len(approved), _CHUNK):
        chunk = approved[start : start + _CHUNK]
        for approval_id, rule, reason in conn.execute(
            sa.select(d.approval_id, d.rule, d.reason)
            .where(d.approval_id.in_(chunk), d.outcome == "policy_denied")
            .order_by(d.seq)
        ):
            denials.setdefault(str(approval_id), (rule, reason))  # the first denial
    out: dict[str, ApprovalOutcome] = {}
    for approval_id, updated in found.items():
        denial = denials.get(approval_id)
        if updated is None and denial is None:
            continue
        out[approval_id] = ApprovalOutcome(
            updated_input=updated,
            denied=denial is not None,
            denied_rule=denial[0] if denial else None,
            denied_reason=denial[1] if denial else None,
        )
    return out


def _loads(text: Any) -> Any:
    if text is None or isinstance(text, dict | list):
        return text
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return {"input": str(text)}  # never lose that there was an edit
