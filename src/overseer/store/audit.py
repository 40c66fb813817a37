"""Reading the audit chain: verify it, hand out checkpoints, export it.

Built on the lean connection (no SQLModel import), so ``overseer audit verify`` spends its
time on the chain, not on start-up. Rows are streamed — a million rows never sit in memory.

On SQLite the database renders each row's canonical JSON itself (``json_object``: same
escaping as RFC 8785 for the text/integer/null values the chain holds); Python then only
hashes. PostgreSQL renders (``to_json``) *and* hashes (``sha256``), so only hashes cross the
network. Either way any mismatch is re-checked with the reference implementation
(:mod:`rfc8785` in Python) before a row is reported: the database is an accelerator, never
the judge.
"""

from __future__ import annotations

import csv
import json
import re
import sqlite3
import time
from collections.abc import Generator, Mapping
from contextlib import closing
from datetime import UTC, datetime
from typing import Any, TextIO

from overseer.store import utc_text
from overseer.store.chain import (
    COLUMNS,
    FIELDS,
    VerifyResult,
    make_checkpoint,
    verify_canonical,
    verify_digests,
    verify_rows,
)
from overseer.store.lean import LeanConn, db_errors, record_checkpoint
from overseer.untrusted import neutralise

_SELECT = f"SELECT {', '.join(COLUMNS)} FROM decisions"
#: The row's canonical JSON rendered by SQLite (json_object: RFC 8785 escaping for text).
_JSON_SQLITE = "json_object(" + ", ".join(f"'{name}', {name}" for name in FIELDS) + ")"
#: ... and by PostgreSQL (to_json of text escapes exactly as RFC 8785; json_build_object would
#: add spaces, hence the concatenation).
_JSON_POSTGRES = (
    "'{' || "
    + " || ',' || ".join(
        f"'\"{name}\":' || COALESCE(to_json({name})::text, 'null')" for name in FIELDS
    )
    + " || '}'"
)
_RENDER_SQLITE = f"SELECT seq, {_JSON_SQLITE}, prev_hash, hash FROM decisions"
_DIGEST_POSTGRES = (
    f"SELECT seq, encode(sha256(convert_to(prev_hash || {_JSON_POSTGRES}, 'UTF8')), 'hex'),"
    " prev_hash, hash FROM decisions"
)
_TRIGGERS_SQLITE = ("decisions_no_update", "decisions_no_delete")
_TRIGGERS_POSTGRES = ("decisions_no_update_delete", "decisions_no_truncate")
_RELATIVE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def chain_rows(
    conn: LeanConn, *, since: str | None = None, select: str | None = None
) -> Generator[tuple[Any, ...], None, None]:
    """Every decision row in ``seq`` order as :data:`~overseer.store.chain.COLUMNS` tuples
    (or ``select``'s columns), streamed (a server-side cursor on PostgreSQL). ``since`` is
    store time text."""
    sql = (select or _SELECT) + (" WHERE ts >= ?" if since else "") + " ORDER BY seq"
    params = (since,) if since else ()
    if conn.is_pg:
        with conn.raw.transaction(), conn.raw.cursor(name="overseer_chain") as cur:
            cur.itersize = 20_000
            cur.execute(conn.sql(sql), params)
            yield from cur
        return
    yield from conn.raw.execute(sql, params)


def verify(
    conn: LeanConn, checkpoint: Mapping[str, Any] | None = None, *, anchor_after: bool = False
) -> VerifyResult:
    """Recompute the whole chain, compare it with ``checkpoint`` when given and with every
    automatic anchor (:mod:`overseer.store.anchor`) always — so a rewrite after the operator's
    last manual checkpoint is still caught at the newest anchor before it.

    ``result.warnings`` lists weakened protections (a missing append-only trigger) that do
    not by themselves break the chain. ``anchor_after``: when everything verified, anchor the
    verified head (``overseer audit verify`` does; a big store's first anchor comes from here).
    """
    result = _verify_chain(conn, checkpoint)
    with db_errors(conn.db):
        _check_anchors(conn, result)
        if anchor_after and result.ok:
            from overseer.store.anchor import AnchorProblem, maybe_anchor

            try:
                maybe_anchor(conn, verified=(result.rows, result.head))
            except (AnchorProblem, OSError) as exc:
                result.warnings.append(f"the verified chain was not anchored: {exc}")
    return result


def _check_anchors(conn: LeanConn, result: VerifyResult) -> None:
    """Fold the anchors' verdict into ``result`` (a broken chain keeps its own first
    problem; the anchors' is then a warning)."""
    from overseer.store.anchor import check

    def head_at(seq: int) -> str | None:
        row = conn.execute("SELECT hash FROM decisions WHERE seq = ?", (seq,)).fetchone()
        return None if row is None else str(row[0])

    found = check(conn, result.rows, head_at)
    if found is None:
        result.anchors_checked = True
        return
    problem, seq, detail = found
    if not result.ok:
        result.warnings.append(f"{problem}: {detail}")
        return
    result.ok, result.problem, result.first_bad_seq, result.detail = False, problem, seq, detail


def _verify_chain(conn: LeanConn, checkpoint: Mapping[str, Any] | None) -> VerifyResult:
    with db_errors(conn.db):
        result = None
        try:
            if conn.is_pg:  # the server hashes too: 4 short columns per row cross the wire
                # Re-checks cannot share a connection busy in COPY; and the COPY must be
                # finished (closing() drains it) before this connection is used again.
                with _Side(conn) as side, closing(_copy_digests(conn)) as rows:
                    result = verify_digests(rows, checkpoint, reference=side.row)
            else:
                with closing(chain_rows(conn, select=_RENDER_SQLITE)) as rendered:
                    result = verify_canonical(
                        rendered, checkpoint, reference=lambda s: _row(conn, s)
                    )
        except sqlite3.OperationalError:
            result = None  # no JSON1, or a value json_object refuses (a BLOB): use Python
        if result is None:
            with closing(chain_rows(conn)) as plain:
                result = verify_rows(plain, checkpoint)
        result.warnings = _protection_warnings(conn)
    return result


def _copy_digests(conn: LeanConn) -> Generator[tuple[int, str, str, str], None, None]:
    """``(seq, recomputed hash, prev_hash, hash)`` via ``COPY ... TO STDOUT``: several times
    cheaper per row than a server-side cursor. Every field is an integer or hex (no COPY
    escaping to undo)."""
    sql = f"COPY ({_DIGEST_POSTGRES} ORDER BY seq) TO STDOUT"
    with conn.raw.cursor() as cur, cur.copy(sql) as copy:
        blocks = iter(copy)
        try:
            rest = b""
            for block in blocks:
                lines = (rest + bytes(block)).split(b"\n")
                rest = lines.pop()
                for line in lines:
                    seq, digest, prev, stored = line.decode("ascii").split("\t")
                    yield int(seq), digest, prev, stored
            if rest:
                seq, digest, prev, stored = rest.decode("ascii").split("\t")
                yield int(seq), digest, prev, stored
        finally:
            # Stopped early (a bad row was found): read the rest, or the connection stays
            # wedged in COPY state and its next statement blocks forever.
            for _block in blocks:
                pass


class _Side:
    """A second connection, opened only if a row needs re-checking during a COPY."""

    def __init__(self, conn: LeanConn) -> None:
        self._db = conn.db
        self._conn: LeanConn | None = None

    def row(self, seq: int) -> dict[str, Any] | None:
        if self._conn is None:
            from overseer.store.lean import connect

            self._conn = connect(self._db, create=False)
        return _row(self._conn, seq)

    def __enter__(self) -> _Side:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._conn is not None:
            self._conn.close()


def _row(conn: LeanConn, seq: int) -> dict[str, Any] | None:
    row = conn.execute(_SELECT + " WHERE seq = ?", (seq,)).fetchone()
    return None if row is None else dict(zip(COLUMNS, row, strict=True))


def _protection_warnings(conn: LeanConn) -> list[str]:
    if conn.is_pg:
        rows = conn.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'decisions'::regclass"
            " AND NOT tgisinternal AND tgenabled <> 'D'"
        ).fetchall()
        expected = _TRIGGERS_POSTGRES
    else:
        rows = conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'decisions'"
        ).fetchall()
        expected = _TRIGGERS_SQLITE
    present = {r[0] for r in rows}
    return [
        f"append-only trigger {name} is missing or disabled: the database no longer refuses "
        "edits to the audit chain"
        for name in expected
        if name not in present
    ]


def take_checkpoint(
    conn: LeanConn, *, operator: str | None = None
) -> tuple[VerifyResult, dict[str, Any] | None]:
    """Verify the chain, then return a checkpoint of its head (``None`` if it is broken:
    a checkpoint must never vouch for a chain that already fails) and keep a copy."""
    result = verify(conn)
    if not result.ok:
        return result, None
    checkpoint = make_checkpoint(result.rows, result.head, utc_text())
    record_checkpoint(conn, checkpoint, operator)
    return result, checkpoint


def export(conn: LeanConn, out: TextIO, fmt: str, *, since: str | None = None) -> int:
    """Write every chain row (``seq`` order, chain fields included, values exactly as hashed)
    as ``jsonl`` or ``csv``; returns the row count.

    JSON is ASCII-escaped (the same values, and no agent-written control character reaches
    a terminal it is printed on). CSV has no escape for those: written to a terminal, its
    cells are neutralised for display; written to a file or a pipe, they stay exact."""
    if fmt not in ("jsonl", "csv"):
        raise ValueError(f"unknown export format {fmt!r} (jsonl or csv)")
    count = 0
    with db_errors(conn.db):
        if fmt == "jsonl":
            for row in chain_rows(conn, since=since):
                out.write(json.dumps(dict(zip(COLUMNS, row, strict=True)), ensure_ascii=True))
                out.write("\n")
                count += 1
        else:
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(COLUMNS)
            on_screen = _is_terminal(out)
            for row in chain_rows(conn, since=since):
                cells = ["" if v is None else v for v in row]
                if on_screen:
                    cells = [
                        neutralise(c, limit=100_000) if isinstance(c, str) else c for c in cells
                    ]
                writer.writerow(cells)
                count += 1
    return count


def _is_terminal(out: TextIO) -> bool:
    try:
        return out.isatty()
    except (AttributeError, ValueError):
        return False


def parse_since(text: str, *, now: float | None = None) -> str:
    """``--since``: an ISO date/time (naive means UTC) or a age like ``30m``, ``24h``, ``7d``;
    returns store time text. ``ValueError`` says what is accepted."""
    match = _RELATIVE.match(text)
    if match:
        seconds = float(match.group(1)) * _UNITS[match.group(2)]
        return utc_text((time.time() if now is None else now) - seconds)
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f"cannot read time {text!r}: use an ISO date or time (2025-01-31, "
            "2025-01-31T14:00:00Z) or an age (30m, 24h, 7d)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return utc_text(moment)
