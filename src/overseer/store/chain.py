"""The audit chain's arithmetic: row hashes, checkpoints and verification. Pure (hashlib, json,
rfc8785); the gate hook imports it, so nothing heavy may be added here.

Each decision row is hashed as ``sha256(prev_hash ‖ RFC 8785 JSON of the row)``, where the row
is every column except ``hash`` and ``prev_hash``, values exactly as stored (tool inputs are
stored as JSON *text*, so hashing never depends on re-serialising nested objects). Anyone holding
an export and this file can recompute the chain.

Verification must cover a million rows in seconds, so the loop works on pre-rendered canonical
JSON (rendered by the database or by the C JSON encoder). Those renderings are accelerators
only: whenever one disagrees with a stored hash, the row is re-hashed with the reference
:mod:`rfc8785` implementation before it is declared bad, so a rendering quirk can cost time but
never produce a wrong verdict.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import rfc8785

from overseer.digest import sha256

GENESIS = "0" * 64

#: The hashed fields, in RFC 8785 order (all ASCII, so code-point order is UTF-16 order).
FIELDS: tuple[str, ...] = (
    "action", "agent", "approval_id", "call_id", "input", "input_fingerprint", "operator",
    "outcome", "reason", "rule", "seq", "session", "task", "tool", "ts", "updated_input",
)  # fmt: skip
#: Every column of the ``decisions`` table, in the order verification and export read them.
COLUMNS: tuple[str, ...] = (*FIELDS, "prev_hash", "hash")
_SEQ = FIELDS.index("seq")
_PREV = COLUMNS.index("prev_hash")
_HASH = COLUMNS.index("hash")
_NFIELDS = len(FIELDS)

#: Gate outcomes, identical to :class:`overseer.model.Outcome` (not imported: it pulls in
#: dataclasses, which the hook path avoids). A test keeps the two in step.
OUTCOMES: tuple[str, ...] = (
    "auto_allowed", "policy_denied", "approved", "denied", "timed_out", "killed", "errored",
)  # fmt: skip

CHECKPOINT_FORMAT = "overseer-audit-checkpoint/1"

_fast_encode = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), check_circular=False, allow_nan=False
).encode
_MAX_SAFE_INT = 2**53
_PLAIN_TYPES = {str, int, type(None)}


def canonical_json(row: Mapping[str, Any]) -> str:
    """RFC 8785 JSON of ``row`` without its ``hash``/``prev_hash`` (the reference rendering)."""
    body = {k: v for k, v in row.items() if k not in ("hash", "prev_hash")}
    return rfc8785.dumps(body).decode("utf-8")


def row_hash(prev_hash: str, row: Mapping[str, Any]) -> str:
    """``sha256(prev_hash ‖ RFC 8785 JSON of the row)`` as 64 lowercase hex digits."""
    return sha256((prev_hash + canonical_json(row)).encode("utf-8")).hexdigest()


def fast_json(values: Sequence[Any]) -> str | None:
    """Canonical JSON of a row given as :data:`FIELDS`-ordered values, via the C encoder.

    For strings, ``None`` and safe integers this equals RFC 8785 byte for byte (same escapes:
    ``\\"``, ``\\\\``, short forms for b/f/n/r/t, ``\\u00xx`` lowercase for other controls,
    everything else literal). Any other value type returns ``None`` (use the reference).
    """
    types = set(map(type, values))
    if not types <= _PLAIN_TYPES:
        return None
    if int in types:
        for v in values:
            if type(v) is int and not -_MAX_SAFE_INT < v < _MAX_SAFE_INT:
                return None
    return _fast_encode(dict(zip(FIELDS, values, strict=True)))


class VerifyResult:
    """What ``audit verify`` found. ``first_bad_seq`` names the first row that is wrong."""

    __slots__ = (
        "anchors_checked",
        "checkpoint_checked",
        "detail",
        "first_bad_seq",
        "head",
        "ok",
        "problem",
        "rows",
        "warnings",
    )

    def __init__(
        self,
        *,
        rows: int,
        head: str,
        ok: bool = True,
        first_bad_seq: int | None = None,
        problem: str | None = None,
        detail: str = "",
        checkpoint_checked: bool = False,
    ) -> None:
        self.ok, self.rows, self.head = ok, rows, head
        self.first_bad_seq, self.problem, self.detail = first_bad_seq, problem, detail
        self.checkpoint_checked = checkpoint_checked
        #: Every automatic anchor agreed with the chain (set by the store's verify).
        self.anchors_checked = False
        #: Weakened protections that do not break the chain (filled in by the store).
        self.warnings: list[str] = []

    @property
    def size(self) -> int:
        """Rows verified (a checkpoint's "size")."""
        return self.rows

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}

    def message(self) -> str:
        """One line for the operator."""
        if self.ok:
            cp = ", checkpoint matches" if self.checkpoint_checked else ""
            anchored = ", anchors match" if self.anchors_checked else ""
            return f"audit chain intact: {self.rows} rows, head {self.head[:16]}{cp}{anchored}"
        if self.problem in ("anchors_missing", "anchors_edited"):
            return f"audit anchors TAMPERED: {self.problem}: {self.detail}"
        return f"audit chain BROKEN at seq {self.first_bad_seq}: {self.problem}: {self.detail}"

    def __repr__(self) -> str:
        return f"VerifyResult({self.as_dict()!r})"


def make_checkpoint(size: int, head: str, ts: str) -> dict[str, Any]:
    """A checkpoint to keep outside the database: chain size and head hash at time ``ts``."""
    return {"format": CHECKPOINT_FORMAT, "size": size, "head": head, "ts": ts}


def parse_checkpoint(value: str | Mapping[str, Any]) -> dict[str, Any]:
    """Validate a checkpoint (JSON text or mapping); ``ValueError`` says what is wrong."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise ValueError(f"checkpoint is not JSON: {exc.msg} at line {exc.lineno}") from None
    if not isinstance(value, Mapping):
        raise ValueError("checkpoint must be a JSON object with 'size' and 'head'")
    size, head = value.get("size"), value.get("head")
    if type(size) is not int or size < 0:
        raise ValueError("checkpoint 'size' must be a non-negative integer")
    if not isinstance(head, str) or len(head) != 64 or not _is_hex(head):
        raise ValueError("checkpoint 'head' must be 64 hex digits")
    return {**value, "size": size, "head": head.lower()}


def _is_hex(text: str) -> bool:
    try:
        int(text, 16)
    except ValueError:
        return False
    return True


# (seq, canonical_json_or_None, prev_hash, hash, FIELDS-ordered values or None)
_Item = tuple[Any, str | None, Any, Any, Sequence[Any] | None]


def verify_rows(
    rows: Iterable[Sequence[Any] | Mapping[str, Any]],
    checkpoint: Mapping[str, Any] | None = None,
) -> VerifyResult:
    """Verify a chain given in ``seq`` order, as mappings or :data:`COLUMNS`-ordered tuples."""
    return _verify(_items(rows), checkpoint, None)


def verify_canonical(
    rows: Iterable[tuple[Any, str | None, Any, Any]],
    checkpoint: Mapping[str, Any] | None = None,
    *,
    reference: Callable[[int], Mapping[str, Any] | None] | None = None,
) -> VerifyResult:
    """Verify ``(seq, canonical_json, prev_hash, hash)`` rows rendered by the database.

    ``reference(seq)`` fetches the full row; it is called only when a rendered row's hash does
    not match, to re-check with the reference implementation before reporting a mismatch.
    """
    return _verify(((s, j, p, h, None) for s, j, p, h in rows), checkpoint, reference)


def verify_digests(
    rows: Iterable[tuple[Any, str | None, Any, Any]],
    checkpoint: Mapping[str, Any] | None = None,
    *,
    reference: Callable[[int], Mapping[str, Any] | None] | None = None,
) -> VerifyResult:
    """Verify ``(seq, computed_hash, prev_hash, hash)`` rows whose hash the database already
    recomputed from the stored ``prev_hash`` (PostgreSQL's ``sha256``: only hashes cross the
    wire). A disagreement is re-checked with ``reference(seq)`` like :func:`verify_canonical`.
    """
    return _verify(((s, d, p, h, None) for s, d, p, h in rows), checkpoint, reference, True)


def _items(rows: Iterable[Sequence[Any] | Mapping[str, Any]]) -> Iterator[_Item]:
    for row in rows:
        values = tuple(row.get(k) for k in COLUMNS) if isinstance(row, Mapping) else tuple(row)
        body = values[:_NFIELDS]
        yield values[_SEQ], fast_json(body), values[_PREV], values[_HASH], body


def _verify(
    items: Iterator[_Item],
    checkpoint: Mapping[str, Any] | None,
    reference: Callable[[int], Mapping[str, Any] | None] | None,
    hashed: bool = False,
) -> VerifyResult:
    cp = parse_checkpoint(checkpoint) if checkpoint is not None else None
    cp_size = cp["size"] if cp else -1
    cp_head = cp["head"] if cp else ""
    sha = sha256
    expected, prev, prev2 = 1, GENESIS, ""
    count = 0

    for seq, js, stored_prev, stored_hash, row in items:
        if seq != expected:
            if type(seq) is not int:
                detail = f"row after seq {expected - 1} has seq {seq!r}"
                return _broken(count, prev, cp, expected, "bad_seq", detail)
            if seq > expected:
                gone = f"seq {expected}" if seq == expected + 1 else f"seqs {expected}..{seq - 1}"
                detail = f"{gone} missing (row deleted); the next row is seq {seq}"
                return _broken(count, prev, cp, expected, "gap", detail)
            detail = f"seq {seq} found after seq {expected - 1} (rows re-ordered)"
            return _broken(count, prev, cp, seq, "order", detail)
        if stored_prev != prev:
            if expected > 2 and stored_prev == prev2:
                detail = f"seq {expected} links to seq {expected - 2}, skipping this row: inserted"
                return _broken(count, prev, cp, expected - 1, "inserted_row", detail)
            detail = (
                f"prev_hash does not match the hash of seq {expected - 1} "
                "(a row before it was removed or inserted, or rows were re-ordered)"
            )
            return _broken(count, prev, cp, seq, "broken_link", detail)
        if hashed:
            digest = js or ""
        else:
            digest = sha((prev + js).encode("utf-8")).hexdigest() if js is not None else ""
        if digest != stored_hash:
            if row is not None:
                full: Mapping[str, Any] | None = dict(zip(FIELDS, row, strict=True))
            else:
                full = reference(seq) if reference else None
            if full is not None:
                try:
                    digest = row_hash(prev, full)
                except Exception:  # a value RFC 8785 cannot encode never had an honest hash
                    digest = ""
            if digest != stored_hash:
                detail = "the row's content does not match its hash (edited after it was written)"
                return _broken(count, prev, cp, seq, "hash_mismatch", detail)
        if seq == cp_size and digest != cp_head:
            detail = (
                f"the hash at the checkpoint's size ({cp_size}) differs from the checkpoint: "
                f"the chain was rewritten at or before seq {seq}"
            )
            return _broken(count, prev, cp, seq, "checkpoint_mismatch", detail)
        prev2, prev = prev, digest
        expected += 1
        count += 1
    if cp is not None and count < cp_size:
        detail = (
            f"the chain has {count} rows but the checkpoint saw {cp_size}: "
            f"rows {count + 1}..{cp_size} were removed"
        )
        return _broken(count, prev, cp, count + 1, "truncated", detail)
    return VerifyResult(rows=count, head=prev, checkpoint_checked=cp is not None)


def _broken(
    count: int, head: str, cp: Mapping[str, Any] | None, seq: Any, problem: str, detail: str
) -> VerifyResult:
    return VerifyResult(
        rows=count, head=head, ok=False, first_bad_seq=seq, problem=problem, detail=detail,
        checkpoint_checked=cp is not None,
    )  # fmt: skip
