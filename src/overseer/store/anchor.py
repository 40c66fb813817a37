"""Automatic anchors of the audit chain: checkpoints taken every N rows or M minutes and kept
outside the chain, so that a rewrite of the chain *after the last manual checkpoint* is still
caught by ``overseer audit verify``.

A hash chain alone proves nothing against whoever can rewrite the whole table: drop the
append-only triggers, delete a row, re-hash everything after it, restore the triggers, and
every link checks again. What catches that is a copy of an earlier head kept where the
rewriter cannot reach. An anchor is such a copy, written without the operator having to
remember: ``{"size": S, "head": H}`` says "the chain's row S hashed to H".

Where anchors live decides what they are worth:

* **hardened mode** (``overseer serve``): a file in the gate server's own directory
  (:meth:`FileAnchors.in_directory`), which the agent's uid cannot write;
* **team mode** (PostgreSQL roles): rows of the ``checkpoints`` table marked
  :data:`ANCHOR_OPERATOR`, a table only the database owner may write;
* **single-user mode**: a file beside the SQLite store (:func:`default_anchor_path`). An
  agent running as the same user can rewrite that too: there it is a speed bump (it has to
  know to rewrite the anchors as well), not a defence.

Every anchor is also recorded as a ``checkpoints`` row, so a file that was deleted or cut
short is reported (it holds fewer anchors than were recorded), and each line links to the
previous one (``n``, ``prev``), so a line edited or removed in the middle is reported too.

Anchoring itself runs after a chain transaction commits (:func:`after_chain_commit`, which
:func:`overseer.store.lean.connect` installs): the common case is one indexed read and a
read of the file's last line. When an anchor is due, only the rows since the previous anchor
are re-verified (the previous anchor vouches for everything before it), so a due anchor
costs a few milliseconds; an anchor is never written for a chain that fails that check.

This module is on the gate hook's import path: standard library and :mod:`.chain` only.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from typing import Any

from overseer.digest import sha256
from overseer.store.chain import COLUMNS, FIELDS, GENESIS, fast_json, row_hash

ANCHOR_FORMAT = "overseer-audit-anchor/1"
#: ``operator`` of the ``checkpoints`` rows that record anchors (and, in team mode, are them).
ANCHOR_OPERATOR = "overseer-anchor"
#: Defaults of ``[audit] anchor_every`` / ``anchor_minutes`` (:class:`overseer.config.Audit`).
DEFAULT_EVERY = 100
DEFAULT_MINUTES = 10.0
#: A due anchor re-verifies the rows since the previous one. Right after the first upgrade of
#: a big store there is no previous anchor: the gate then leaves the first anchor to
#: ``overseer audit verify`` (which reads the whole chain anyway) rather than spend seconds.
HOOK_VERIFY_LIMIT = 20_000
#: Bytes read from the end of the anchor file to find its last line.
_TAIL = 4096
_SUFFIX = ".anchors.jsonl"
_DIR_NAME = "audit-anchors.jsonl"
_SELECT = f"SELECT {', '.join(COLUMNS)} FROM decisions"


class AnchorProblem(Exception):
    """The anchor store is missing, cut short or edited; the message says which."""


class Policy:
    """When an anchor is due: ``every`` rows since the last one, or ``minutes`` passed."""

    __slots__ = ("every", "minutes")

    def __init__(self, every: int = DEFAULT_EVERY, minutes: float = DEFAULT_MINUTES) -> None:
        self.every, self.minutes = max(1, int(every)), float(minutes)

    @classmethod
    def from_config(cls, audit: Any) -> Policy:
        """From a :class:`overseer.config.Audit` (or anything with the same two fields)."""
        return cls(
            getattr(audit, "anchor_every", DEFAULT_EVERY),
            getattr(audit, "anchor_minutes", DEFAULT_MINUTES),
        )

    def due(self, head_seq: int, last: dict[str, Any] | None, first_ts: float | None) -> bool:
        since = last["size"] if last else 0
        if head_seq <= since:
            return False
        if head_seq - since >= self.every:
            return True
        started = _epoch(last["ts"]) if last else first_ts
        return started is not None and time.time() - started >= self.minutes * 60


def default_anchor_path(db: str) -> str | None:
    """Single-user mode: ``<store>.anchors.jsonl`` beside a SQLite store (``None`` for a
    PostgreSQL URL, whose anchors are table rows)."""
    if "://" in db and not db.startswith("sqlite"):
        return None
    from overseer.store import sqlite_path

    return sqlite_path(db) + _SUFFIX


class FileAnchors:
    """An append-only JSON-lines file of anchors, one object a line (``n``, ``size``,
    ``head``, ``ts``, ``prev`` = sha256 of the previous line, the first line's is zeros)."""

    __slots__ = ("path",)

    def __init__(self, path: str) -> None:
        self.path = path

    @classmethod
    def in_directory(cls, directory: str) -> FileAnchors:
        """Anchors kept in ``directory`` (hardened mode: the gate server's own directory,
        which the agent's uid cannot write)."""
        return cls(os.path.join(directory, _DIR_NAME))

    def exists(self) -> bool:
        return os.path.exists(self.path)

    def last(self) -> dict[str, Any] | None:
        """The newest anchor (reads the file's tail only), ``None`` if there is none."""
        try:
            with open(self.path, "rb") as fh:
                end = fh.seek(0, os.SEEK_END)
                fh.seek(max(0, end - _TAIL))
                tail = fh.read()
        except FileNotFoundError:
            return None
        lines = tail.rstrip(b"\n").rsplit(b"\n", 1)
        return _parse_line(lines[-1]) if lines[-1] else None

    def read(self) -> list[dict[str, Any]]:
        """Every anchor, checked line by line; :class:`AnchorProblem` names the first line
        that is not valid or does not link to the one before it."""
        try:
            with open(self.path, "rb") as fh:
                data = fh.read()
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise AnchorProblem(f"{self.path}: cannot read the anchors: {exc.strerror}") from None
        anchors: list[dict[str, Any]] = []
        prev = GENESIS
        for number, line in enumerate(data.splitlines(), start=1):
            anchor = _parse_line(line)
            where = f"{self.path}:{number}"
            if anchor is None:
                raise AnchorProblem(f"{where}: not an anchor (the anchor file was edited)")
            if anchor.get("n") != number or anchor.get("prev") != prev:
                raise AnchorProblem(
                    f"{where}: does not follow line {number - 1} (an anchor was removed, "
                    "inserted or edited)"
                )
            if anchors and anchor["size"] < anchors[-1]["size"]:
                raise AnchorProblem(f"{where}: the chain size goes backwards (edited)")
            prev = sha256(line).hexdigest()
            anchors.append(anchor)
        return anchors

    def append(self, size: int, head: str, ts: str) -> dict[str, Any] | None:
        """Append an anchor under an exclusive lock (two gates anchoring at once write one
        line each, in order). Returns it, or ``None`` when the newest one already covers
        ``size`` (someone else anchored first)."""
        import fcntl

        directory = os.path.dirname(self.path) or "."
        os.makedirs(directory, mode=0o700, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            end = os.lseek(fd, 0, os.SEEK_END)
            start = max(0, end - _TAIL)
            tail = os.pread(fd, end - start, start)
            lines = tail.rstrip(b"\n").rsplit(b"\n", 1)
            last_line = lines[-1] if end else b""
            last = _parse_line(last_line) if last_line else None
            if end and last is None:
                raise AnchorProblem(f"{self.path}: the last line is not an anchor (edited)")
            if last is not None and last["size"] >= size:
                return None
            anchor = {
                "format": ANCHOR_FORMAT,
                "n": (last["n"] + 1) if last else 1,
                "size": size,
                "head": head,
                "ts": ts,
                "prev": sha256(last_line).hexdigest() if last else GENESIS,
            }
            if tail and not tail.endswith(b"\n"):
                raise AnchorProblem(f"{self.path}: the last line is cut short (edited)")
            os.write(fd, json.dumps(anchor, sort_keys=True).encode("ascii") + b"\n")
            os.fsync(fd)
            return anchor
        finally:
            os.close(fd)


def _parse_line(line: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(line)
    except ValueError:
        return None
    if not isinstance(value, dict) or value.get("format") != ANCHOR_FORMAT:
        return None
    size, head, n = value.get("size"), value.get("head"), value.get("n")
    if type(size) is not int or size < 1 or type(n) is not int:
        return None
    if not isinstance(head, str) or len(head) != 64 or not isinstance(value.get("ts"), str):
        return None
    return value


def _epoch(text: Any) -> float | None:
    from overseer.store import parse_utc_text

    try:
        moment = parse_utc_text(text) if isinstance(text, str) else None
    except ValueError:
        return None
    return None if moment is None else moment.timestamp()


# ------------------------------------------------------------------------- the anchor store


def anchors_for(conn: Any) -> FileAnchors | None:
    """The file anchors of this connection's store: the one configured on the connection
    (:func:`configure`), else the default beside a SQLite store; ``None`` on PostgreSQL
    (anchors are ``checkpoints`` rows there)."""
    configured = getattr(conn, "anchor_file", None)
    if isinstance(configured, FileAnchors):
        return configured
    if conn.is_pg:
        return None
    path = default_anchor_path(conn.db)
    return FileAnchors(path) if path else None


def recorded(conn: Any) -> list[dict[str, Any]]:
    """Anchors recorded in the store (``checkpoints`` rows by :data:`ANCHOR_OPERATOR`), oldest
    first. In team mode these rows *are* the anchors."""
    rows = conn.execute(
        "SELECT size, head, ts FROM checkpoints WHERE operator = ? ORDER BY id", (ANCHOR_OPERATOR,)
    ).fetchall()
    return [{"size": int(r[0]), "head": str(r[1]), "ts": str(r[2])} for r in rows]


def _last_recorded(conn: Any) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT size, head, ts FROM checkpoints WHERE operator = ? ORDER BY id DESC LIMIT 1",
        (ANCHOR_OPERATOR,),
    ).fetchone()
    return None if row is None else {"size": int(row[0]), "head": str(row[1]), "ts": str(row[2])}


def configure(
    conn: Any, *, policy: Policy | None = None, anchors: FileAnchors | None = None
) -> None:
    """Set how this connection anchors (the hook passes the config's ``[audit]``; the gate
    server passes its own directory's :class:`FileAnchors`)."""
    if policy is not None:
        conn.anchor_policy = policy
    if anchors is not None:
        conn.anchor_file = anchors


def after_chain_commit(conn: Any) -> None:
    """Run after each committed chain transaction: anchor if one is due. Never raises an
    ``Exception`` (a decision already recorded must not turn into a failure); a problem is
    written to stderr and left for ``audit verify`` to report."""
    try:
        maybe_anchor(conn)
    except Exception as exc:
        import contextlib
        import sys

        with contextlib.suppress(Exception):
            sys.stderr.write(f"overseer: the audit chain was not anchored: {exc}\n")


def maybe_anchor(
    conn: Any, *, limit: int | None = HOOK_VERIFY_LIMIT, verified: tuple[int, str] | None = None
) -> dict[str, Any] | None:
    """Write an anchor if the policy says one is due; returns it (or ``None``).

    ``verified=(size, head)``: the caller has just verified the whole chain up to there
    (``audit verify``), so it is anchored now if it is newer than the last anchor, without
    re-reading anything. Otherwise the rows after the previous anchor are re-verified first,
    at most ``limit`` of them (``None``: no limit). Raises :class:`AnchorProblem` when the
    anchor file is missing while the store recorded anchors, or when the rows since the last
    anchor do not verify.
    """
    anchors = anchors_for(conn)
    last = anchors.last() if anchors is not None else _last_recorded(conn)
    if verified is not None:
        head_seq, head_hash = verified
        if head_seq < 1 or (last is not None and last["size"] >= head_seq):
            return None
    else:
        head = conn.execute("SELECT seq, hash FROM decisions ORDER BY seq DESC LIMIT 1").fetchone()
        if head is None:
            return None
        head_seq, head_hash = int(head[0]), str(head[1])
        first_ts = None
        if last is None:
            first = conn.execute("SELECT ts FROM decisions WHERE seq = 1").fetchone()
            first_ts = _epoch(first[0]) if first else None
        policy = getattr(conn, "anchor_policy", None) or Policy()
        if not policy.due(head_seq, last, first_ts):
            return None
    if anchors is not None and last is None and _last_recorded(conn) is not None:
        raise AnchorProblem(
            f"{anchors.path}: missing or empty, but the store recorded anchors: the anchor "
            "file was removed (not re-created; `overseer audit verify` reports it)"
        )
    if verified is None:
        start = last["size"] if last else 0
        if limit is not None and head_seq - start > limit:
            return None  # leave the first anchor of a big chain to `audit verify`
        _verify_since(conn, last, head_seq, head_hash)
    from overseer.store import utc_text

    ts = utc_text()
    if anchors is not None:
        written = anchors.append(head_seq, head_hash, ts)
        if written is None:
            return None
    else:
        written = {"format": ANCHOR_FORMAT, "size": head_seq, "head": head_hash, "ts": ts}
    _record(conn, head_seq, head_hash, ts)
    return written


def _verify_since(conn: Any, last: dict[str, Any] | None, head_seq: int, head_hash: str) -> None:
    """Re-verify rows ``last.size + 1 .. head_seq``: they link to the anchored head and each
    hash recomputes. Raises :class:`AnchorProblem` naming the first bad row."""
    start = last["size"] if last else 0
    prev = GENESIS
    if last is not None:
        row = conn.execute("SELECT hash FROM decisions WHERE seq = ?", (start,)).fetchone()
        if row is None or row[0] != last["head"]:
            raise AnchorProblem(
                f"the chain's row {start} no longer has the hash anchored at {last['ts']}: the "
                "chain was rewritten at or before it"
            )
        prev = last["head"]
    expected = start + 1
    rows = conn.execute(
        f"{_SELECT} WHERE seq > ? AND seq <= ? ORDER BY seq", (start, head_seq)
    ).fetchall()
    nfields = len(FIELDS)
    for values in rows:
        seq = values[FIELDS.index("seq")]
        if seq != expected or values[nfields] != prev:
            raise AnchorProblem(f"the chain does not link at seq {expected}: not anchored")
        body = values[:nfields]
        js = fast_json(body)
        digest = sha256((prev + js).encode("utf-8")).hexdigest() if js else ""
        if digest != values[nfields + 1]:
            digest = row_hash(prev, dict(zip(FIELDS, body, strict=True)))
        if digest != values[nfields + 1]:
            raise AnchorProblem(f"the chain's row {seq} does not match its hash: not anchored")
        prev = digest
        expected += 1
    if expected != head_seq + 1 or prev != head_hash:
        raise AnchorProblem(f"the chain changed while it was being anchored (at seq {expected})")


def _record(conn: Any, size: int, head: str, ts: str) -> None:
    with conn.transaction():
        conn.execute(
            "INSERT INTO checkpoints (size, head, ts, operator) VALUES (?, ?, ?, ?)",
            (size, head, ts, ANCHOR_OPERATOR),
        )


# ---------------------------------------------------------------------------- verification


def check(
    conn: Any, rows: int, head_at: Callable[[int], str | None]
) -> tuple[str, int, str] | None:
    """Compare every anchor with a chain that itself verified (``rows`` rows; ``head_at(seq)``
    returns the stored hash at ``seq``). Returns ``(problem, seq, detail)`` for the first
    disagreement, ``None`` when all agree.

    Problems: ``anchors_missing`` (the file is gone or shorter than the anchors the store
    recorded), ``anchors_edited`` (a line does not parse or link), ``truncated`` (the chain is
    shorter than an anchor), ``anchor_mismatch`` (the chain was rewritten at or before an
    anchored row).
    """
    anchors = anchors_for(conn)
    in_file: list[dict[str, Any]] = []
    if anchors is not None:
        try:
            in_file = anchors.read()
        except AnchorProblem as exc:
            return "anchors_edited", 0, str(exc)
    kept = recorded(conn)
    if anchors is not None and len(in_file) < len(kept):
        missing = kept[len(in_file)]
        what = "missing" if not in_file else f"holds {len(in_file)} anchors"
        return (
            "anchors_missing",
            missing["size"],
            f"the anchor file {anchors.path} is {what} but the store recorded {len(kept)}: "
            "anchors were removed",
        )
    for anchor in sorted(in_file + kept, key=lambda a: (a["size"], a["ts"])):
        size = anchor["size"]
        if size > rows:
            return (
                "truncated",
                rows + 1,
                f"the chain has {rows} rows but the anchor of {anchor['ts']} saw {size}: "
                f"rows {rows + 1}..{size} were removed",
            )
        if head_at(size) != anchor["head"]:
            return (
                "anchor_mismatch",
                size,
                f"the hash at seq {size} differs from the automatic anchor of {anchor['ts']}: "
                f"the chain was rewritten at or before seq {size}",
            )
    return None
