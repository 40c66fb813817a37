"""The audit chain's arithmetic (pure): hashes, the fast renderings against RFC 8785, and
what verification names for each kind of tampering."""

from __future__ import annotations

import hashlib
import random
import sqlite3
from typing import Any

import pytest
import rfc8785

from overseer.model import Outcome
from overseer.store.chain import (
    COLUMNS,
    FIELDS,
    GENESIS,
    OUTCOMES,
    canonical_json,
    fast_json,
    make_checkpoint,
    parse_checkpoint,
    row_hash,
    verify_canonical,
    verify_rows,
)

TRICKY = [
    "",
    "plain",
    'quote " and backslash \\',
    "".join(chr(c) for c in range(0x20)),  # every C0 control
    "\x7f DEL and \x80\x9b C1",
    "\u2028\u2029 line separators",
    "\u202e bidi override",
    "é ü ß 日本語 ‹masked›",
    "emoji 🦊 and 𝄞 (astral)",
    "</script><!-- -->",
    '{"json": "inside a string"}',
]


def chain(n: int) -> list[dict[str, Any]]:
    """``n`` valid chain rows (as the table holds them)."""
    rows, prev = [], GENESIS
    for seq in range(1, n + 1):
        body = {name: None for name in FIELDS}
        body.update(
            seq=seq,
            ts=f"2025-01-31T14:00:{seq % 60:02d}.000000Z",
            operator="alice",
            action="decide",
            outcome=OUTCOMES[seq % len(OUTCOMES)],
            session="s1",
            input='{"command":"ls"}',
            reason=TRICKY[seq % len(TRICKY)],
        )
        digest = row_hash(prev, body)
        rows.append({**body, "prev_hash": prev, "hash": digest})
        prev = digest
    return rows


def test_outcomes_match_the_model() -> None:
    assert set(OUTCOMES) == {o.value for o in Outcome}


def test_row_hash_is_sha256_of_prev_and_rfc8785_json() -> None:
    row = {"seq": 1, "b": "x", "a": None, "hash": "ignored", "prev_hash": "ignored"}
    expected_json = rfc8785.dumps({"seq": 1, "b": "x", "a": None}).decode()
    assert canonical_json(row) == expected_json == '{"a":null,"b":"x","seq":1}'
    assert row_hash(GENESIS, row) == hashlib.sha256((GENESIS + expected_json).encode()).hexdigest()


@pytest.mark.parametrize("text", TRICKY)
def test_fast_json_equals_rfc8785(text: str) -> None:
    values = [text if name != "seq" else 7 for name in FIELDS]
    assert fast_json(values) == rfc8785.dumps(dict(zip(FIELDS, values, strict=True))).decode()


def test_fast_json_equals_rfc8785_on_random_text() -> None:
    rng = random.Random(4)
    pool = [chr(c) for c in range(0x0, 0x250)] + ["🦊", "\u2028", "\ufeff", "\U0010fffd"]
    for _ in range(300):
        values: list[Any] = [
            "".join(rng.choice(pool) for _ in range(rng.randint(0, 12))) for _ in FIELDS
        ]
        values[FIELDS.index("seq")] = rng.randint(1, 2**40)
        values[rng.randrange(len(FIELDS))] = None
        body = dict(zip(FIELDS, values, strict=True))
        assert fast_json(values) == rfc8785.dumps(body).decode()


def test_fast_json_declines_values_it_cannot_render_exactly() -> None:
    assert fast_json([1.5] + [None] * (len(FIELDS) - 1)) is None
    assert fast_json([True] + [None] * (len(FIELDS) - 1)) is None
    assert fast_json([2**60] + [None] * (len(FIELDS) - 1)) is None


def test_sqlite_json_object_equals_rfc8785() -> None:
    """The SQLite verify path lets the database render the JSON; it must be byte-identical."""
    db = sqlite3.connect(":memory:")
    db.execute(f"CREATE TABLE d ({', '.join(FIELDS)})")
    rng = random.Random(8)
    pool = [chr(c) for c in range(0x0, 0x250)] + ["🦊", "\u2028", "\U0010fffd"]
    samples = [*TRICKY, *("".join(rng.choice(pool) for _ in range(20)) for _ in range(200))]
    for text in samples:
        values = [text if name != "seq" else 3 for name in FIELDS]
        values[FIELDS.index("agent")] = None
        db.execute("DELETE FROM d")
        db.execute(f"INSERT INTO d VALUES ({', '.join('?' * len(FIELDS))})", values)
        sql = "SELECT json_object(" + ", ".join(f"'{f}', {f}" for f in FIELDS) + ") FROM d"
        (rendered,) = db.execute(sql).fetchone()
        assert rendered == rfc8785.dumps(dict(zip(FIELDS, values, strict=True))).decode()


def test_intact_chain_verifies_from_mappings_and_tuples() -> None:
    rows = chain(30)
    result = verify_rows(rows)
    assert result.ok and result.rows == 30 and result.head == rows[-1]["hash"]
    as_tuples = [tuple(r[c] for c in COLUMNS) for r in rows]
    assert verify_rows(as_tuples).as_dict() == result.as_dict()


def test_empty_chain_is_intact() -> None:
    result = verify_rows([])
    assert result.ok and result.rows == 0 and result.head == GENESIS


def test_edited_field_is_a_hash_mismatch_at_that_row() -> None:
    rows = chain(10)
    rows[6]["reason"] = "nothing to see"
    result = verify_rows(rows)
    assert (result.ok, result.first_bad_seq, result.problem) == (False, 7, "hash_mismatch")


def test_deleted_row_is_a_gap() -> None:
    rows = chain(10)
    del rows[4]
    result = verify_rows(rows)
    assert (result.first_bad_seq, result.problem) == (5, "gap")
    assert result.rows == 4


def test_rows_out_of_order() -> None:
    rows = chain(10)
    rows[3], rows[4] = rows[4], rows[3]
    result = verify_rows(rows)
    assert (result.first_bad_seq, result.problem) == (4, "gap")
    rows = chain(10)
    rows.insert(5, dict(rows[2]))  # a replayed old row
    assert verify_rows(rows).problem == "order"


def test_renumbered_swap_breaks_the_link() -> None:
    rows = chain(10)
    rows[3]["seq"], rows[4]["seq"] = 5, 4
    rows[3], rows[4] = rows[4], rows[3]
    result = verify_rows(rows)
    assert (result.first_bad_seq, result.problem) == (4, "broken_link")


def test_spliced_row_with_a_valid_hash_is_named() -> None:
    rows = chain(10)
    forged = {name: None for name in FIELDS}
    forged.update(seq=5, ts=rows[4]["ts"], operator="mallory", action="decide", outcome="approved")
    forged["prev_hash"] = rows[3]["hash"]
    forged["hash"] = row_hash(rows[3]["hash"], forged)
    tail = [{**r, "seq": r["seq"] + 1} for r in rows[4:]]
    result = verify_rows([*rows[:4], forged, *tail])
    assert (result.first_bad_seq, result.problem) == (5, "inserted_row")


def test_checkpoint_catches_a_cut_tail_and_a_rewrite() -> None:
    rows = chain(10)
    checkpoint = make_checkpoint(10, rows[-1]["hash"], "2025-01-31T15:00:00.000000Z")
    assert verify_rows(rows, checkpoint).ok
    assert verify_rows([*chain(12)[:10]], checkpoint).ok  # same content, same head
    cut = verify_rows(rows[:7], checkpoint)
    assert (cut.first_bad_seq, cut.problem) == (8, "truncated")
    last = verify_rows(rows[:9], checkpoint)  # only the newest row removed
    assert (last.first_bad_seq, last.problem) == (10, "truncated")
    # A consistent rewrite (every hash recomputed) passes without the checkpoint, not with it.
    rewritten, prev = [], GENESIS
    for r in rows:
        body = {k: r[k] for k in FIELDS}
        if body["seq"] == 3:
            body["outcome"] = "approved"
        digest = row_hash(prev, body)
        rewritten.append({**body, "prev_hash": prev, "hash": digest})
        prev = digest
    assert verify_rows(rewritten).ok
    bad = verify_rows(rewritten, checkpoint)
    assert (bad.first_bad_seq, bad.problem) == (10, "checkpoint_mismatch")
    # A longer chain than the checkpoint is fine: it grew.
    assert verify_rows(chain(15), checkpoint).ok


def test_a_wrong_fast_rendering_is_rechecked_not_reported() -> None:
    rows = chain(5)
    rendered = [(r["seq"], "not the json", r["prev_hash"], r["hash"]) for r in rows]
    by_seq = {r["seq"]: r for r in rows}
    assert verify_canonical(rendered, reference=by_seq.get).ok
    rows[2]["task"] = "edited"
    assert verify_canonical(rendered, reference=by_seq.get).first_bad_seq == 3


def test_parse_checkpoint_validates() -> None:
    good = make_checkpoint(3, "a" * 64, "2025-01-31T15:00:00.000000Z")
    assert parse_checkpoint(good)["size"] == 3
    for bad in ("not json", "[]", '{"size": -1, "head": "' + "a" * 64 + '"}', '{"size": 1}'):
        with pytest.raises(ValueError):
            parse_checkpoint(bad)
    with pytest.raises(ValueError, match="hex"):
        parse_checkpoint({"size": 1, "head": "z" * 64})


def test_messages_name_the_row() -> None:
    rows = chain(4)
    rows[1]["operator"] = "mallory"
    message = verify_rows(rows).message()
    assert message.startswith("audit chain BROKEN at seq 2: hash_mismatch")
    assert verify_rows(chain(4)).message().startswith("audit chain intact: 4 rows")


def test_a_huge_input_is_capped_in_the_chain_and_still_committed_to(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A denied 7 MiB Write must not put 7 MiB in the store (an agent could fill the disk
    with them): the row keeps a head, the whole text's SHA-256 and the input fingerprint."""
    import json as _json

    from overseer.secrets import fingerprint
    from overseer.store import lean, open_store

    db = str(tmp_path / "cap.db")
    open_store(db).close()
    conn = lean.connect(db)
    blob = {"file_path": "/etc/cron.d/x", "content": "A" * (7 * 1024 * 1024)}
    seq = lean.append_decision(
        conn, outcome="policy_denied", action="deny", operator="overseer", session="s",
        tool="Write", tool_input=blob, updated_input=blob,
    )  # fmt: skip
    row = conn.execute(
        "SELECT input, updated_input, input_fingerprint FROM decisions WHERE seq = ?", (seq,)
    ).fetchone()
    conn.close()
    capped = _json.loads(row[0])
    assert capped["capped"] is True and len(row[0]) < lean.MAX_CHAIN_INPUT
    full = lean._canonical(blob)
    assert capped["chars"] == len(full) and capped["sha256"] == fingerprint(full)
    assert row[1] == row[0]
    assert row[2] == fingerprint(full)  # the raw input, whole
    # the same head and length with other content is another text
    other = dict(blob, content="A" * (7 * 1024 * 1024 - 1) + "B")
    assert lean._masked(other) != row[0]
    store = open_store(db)
    try:
        assert store.verify().ok
    finally:
        store.close()
