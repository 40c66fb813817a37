"""``overseer audit verify|checkpoint|export`` against real database files that were tampered
with by raw SQL: every kind of tampering makes verify exit 1 naming the first bad row."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from overseer.cli import cli
from overseer.store import lean
from overseer.store.audit import export, verify
from overseer.store.chain import COLUMNS, FIELDS, GENESIS, row_hash, verify_rows
from tests.store_support import db, sqlite_db  # noqa: F401  (fixtures)

ROWS = 20


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def build_chain(db: str, n: int = ROWS) -> None:  # noqa: F811
    with lean.connect(db) as conn:
        for i in range(1, n + 1):
            if i % 5 == 0:
                approval = lean.create_approval(
                    conn, session="s1", call_id=f"c{i}", agent="bot", task="t", tool="Bash",
                    tool_input={"command": f"deploy {i}"}, rule=None, verdict="ask",
                    summary=f"deploy {i}", timeout_s=60,
                )  # fmt: skip
                lean.decide(conn, approval, decision="approve", reason="fine", operator="alice")
            else:
                lean.append_decision(
                    conn, outcome="auto_allowed", action="gate", operator="hook", session="s1",
                    call_id=f"c{i}", tool="Read", tool_input={"file_path": f"/src/{i}.py"},
                    rule="Read", agent="bot", task="t",
                )  # fmt: skip


def raw(db: str, *statements: str) -> None:  # noqa: F811
    """Tamper with the file directly, as someone with write access to it could."""
    with sqlite3.connect(db) as conn:
        for statement in statements:
            conn.execute(statement)


def verify_json(db: str, *extra: str) -> tuple[int, dict[str, Any]]:  # noqa: F811
    result = run("audit", "verify", "--db", db, "--json", *extra)
    return result.exit_code, json.loads(result.stdout)


def checkpoint_file(db: str, tmp_path: Path) -> str:  # noqa: F811
    result = run("audit", "checkpoint", "--db", db)
    assert result.exit_code == 0, result.output
    path = tmp_path / "checkpoint.json"
    path.write_text(result.stdout)
    return str(path)


def test_intact_chain_verifies(db: str) -> None:  # noqa: F811
    build_chain(db)
    result = run("audit", "verify", "--db", db)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"audit chain intact: {ROWS} rows")
    code, report = verify_json(db)
    assert code == 0 and report["ok"] and report["rows"] == ROWS and report["first_bad_seq"] is None


def test_edited_field(db: str) -> None:  # noqa: F811
    build_chain(db)
    with lean.connect(db) as conn:
        if conn.is_pg:
            conn.execute("ALTER TABLE decisions DISABLE TRIGGER decisions_no_update_delete")
        else:
            conn.execute("DROP TRIGGER decisions_no_update")
        conn.execute("UPDATE decisions SET outcome = 'denied' WHERE seq = 7")
    result = run("audit", "verify", "--db", db)
    assert result.exit_code == 1
    assert "BROKEN at seq 7: hash_mismatch" in result.stderr
    assert "append-only trigger" in result.stderr  # the missing protection is reported too


def test_deleted_middle_row(db: str) -> None:  # noqa: F811
    build_chain(db)
    with lean.connect(db) as conn:
        if conn.is_pg:
            conn.execute("ALTER TABLE decisions DISABLE TRIGGER decisions_no_update_delete")
        else:
            conn.execute("DROP TRIGGER decisions_no_delete")
        conn.execute("DELETE FROM decisions WHERE seq = 12")
    code, report = verify_json(db)
    assert code == 1 and (report["first_bad_seq"], report["problem"]) == (12, "gap")


def test_deleted_tail_needs_the_checkpoint(sqlite_db: str, tmp_path: Path) -> None:  # noqa: F811
    build_chain(sqlite_db)
    saved = checkpoint_file(sqlite_db, tmp_path)
    assert json.loads(Path(saved).read_text())["size"] == ROWS
    raw(sqlite_db, "DROP TRIGGER decisions_no_delete", "DELETE FROM decisions WHERE seq > 16")
    assert verify_json(sqlite_db)[0] == 0  # a clean cut is invisible without a checkpoint...
    code, report = verify_json(sqlite_db, "--checkpoint", saved)
    assert code == 1 and (report["first_bad_seq"], report["problem"]) == (17, "truncated")
    assert "checkpoint saw 20" in report["detail"]


def test_swapped_rows(sqlite_db: str) -> None:  # noqa: F811
    build_chain(sqlite_db)
    raw(
        sqlite_db,
        "DROP TRIGGER decisions_no_update",
        "UPDATE decisions SET seq = -9 WHERE seq = 9",
        "UPDATE decisions SET seq = 9 WHERE seq = 8",
        "UPDATE decisions SET seq = 8 WHERE seq = -9",
    )
    code, report = verify_json(sqlite_db)
    assert code == 1 and (report["first_bad_seq"], report["problem"]) == (8, "broken_link")


def test_swapped_contents(sqlite_db: str) -> None:  # noqa: F811
    build_chain(sqlite_db)
    cols = [c for c in COLUMNS if c != "seq"]
    with sqlite3.connect(sqlite_db) as conn:
        conn.execute("DROP TRIGGER decisions_no_update")
        a = conn.execute(f"SELECT {', '.join(cols)} FROM decisions WHERE seq = 3").fetchone()
        b = conn.execute(f"SELECT {', '.join(cols)} FROM decisions WHERE seq = 4").fetchone()
        sets = ", ".join(f"{c} = ?" for c in cols)
        conn.execute(f"UPDATE decisions SET {sets} WHERE seq = 3", b)
        conn.execute(f"UPDATE decisions SET {sets} WHERE seq = 4", a)
    code, report = verify_json(sqlite_db)
    assert code == 1 and report["first_bad_seq"] == 3


def forged_row(seq: int, prev_hash: str) -> tuple[Any, ...]:
    body = {name: None for name in FIELDS}
    body.update(
        seq=seq, ts="2025-01-31T14:00:00.000000Z", operator="alice", action="approve",
        outcome="approved", approval_id="ap-0123456789", session="s1", reason="looks fine",
    )  # fmt: skip
    return (*[body[f] for f in FIELDS], prev_hash, row_hash(prev_hash, body))


def test_forged_row_appended_with_a_made_up_hash(sqlite_db: str) -> None:  # noqa: F811
    build_chain(sqlite_db)
    row = list(forged_row(ROWS + 1, "f" * 64))
    with sqlite3.connect(sqlite_db) as conn:
        conn.execute(
            f"INSERT INTO decisions ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * 18)})", row
        )
    code, report = verify_json(sqlite_db)
    assert code == 1 and (report["first_bad_seq"], report["problem"]) == (ROWS + 1, "broken_link")


def test_forged_row_spliced_in_with_a_valid_hash(sqlite_db: str) -> None:  # noqa: F811
    """The forger knows the algorithm: the forged row itself checks out, its successor does not."""
    build_chain(sqlite_db)
    with sqlite3.connect(sqlite_db) as conn:
        conn.execute("DROP TRIGGER decisions_no_update")
        for seq in range(ROWS, 10, -1):
            conn.execute("UPDATE decisions SET seq = ? WHERE seq = ?", (seq + 1, seq))
        (prev,) = conn.execute("SELECT hash FROM decisions WHERE seq = 10").fetchone()
        conn.execute(
            f"INSERT INTO decisions ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * 18)})",
            forged_row(11, prev),
        )
    code, report = verify_json(sqlite_db)
    assert code == 1 and (report["first_bad_seq"], report["problem"]) == (11, "inserted_row")


def test_consistent_rewrite_is_caught_by_the_checkpoint(
    sqlite_db: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    build_chain(sqlite_db)
    saved = checkpoint_file(sqlite_db, tmp_path)
    with sqlite3.connect(sqlite_db) as conn:  # rewrite history and recompute every hash
        conn.execute("DROP TRIGGER decisions_no_update")
        rows = conn.execute(f"SELECT {', '.join(COLUMNS)} FROM decisions ORDER BY seq").fetchall()
        prev = GENESIS
        for values in rows:
            body = dict(zip(FIELDS, values[: len(FIELDS)], strict=True))
            if body["seq"] == 5:
                body["outcome"], body["reason"] = "denied", "never approved"
            digest = row_hash(prev, body)
            sets = ", ".join(f"{f} = ?" for f in FIELDS)
            conn.execute(
                f"UPDATE decisions SET {sets}, prev_hash = ?, hash = ? WHERE seq = ?",
                (*[body[f] for f in FIELDS], prev, digest, body["seq"]),
            )
            prev = digest
    assert verify_json(sqlite_db)[0] == 0
    code, report = verify_json(sqlite_db, "--checkpoint", saved)
    assert code == 1 and (report["first_bad_seq"], report["problem"]) == (
        ROWS,
        "checkpoint_mismatch",
    )


def test_checkpoint_refuses_a_broken_chain(sqlite_db: str) -> None:  # noqa: F811
    build_chain(sqlite_db)
    raw(
        sqlite_db,
        "DROP TRIGGER decisions_no_update",
        "UPDATE decisions SET tool = 'x' WHERE seq = 2",
    )
    result = run("audit", "checkpoint", "--db", sqlite_db)
    assert result.exit_code == 1 and result.stdout == ""
    assert "BROKEN at seq 2" in result.stderr


def test_bad_checkpoint_file_is_a_usage_error(sqlite_db: str, tmp_path: Path) -> None:  # noqa: F811
    build_chain(sqlite_db, 2)
    bad = tmp_path / "cp.json"
    bad.write_text("{not json")
    for path in (str(bad), str(tmp_path / "missing.json")):
        result = run("audit", "verify", "--db", sqlite_db, "--checkpoint", path)
        assert result.exit_code == 2 and path in result.stderr
        assert "Traceback" not in result.output


def test_export_jsonl_recomputes(db: str) -> None:  # noqa: F811
    build_chain(db)
    result = run("audit", "export", "--db", db, "--format", "jsonl")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["seq"] for r in rows] == list(range(1, ROWS + 1))
    assert set(rows[0]) == set(COLUMNS)
    assert verify_rows(rows).ok  # anyone holding the export can recompute the chain


def test_export_csv_and_since(sqlite_db: str, tmp_path: Path) -> None:  # noqa: F811
    build_chain(sqlite_db)
    result = run("audit", "export", "--db", sqlite_db, "--format", "csv")
    table = list(csv.reader(io.StringIO(result.stdout)))
    assert table[0] == list(COLUMNS) and len(table) == ROWS + 1
    assert table[5][COLUMNS.index("outcome")] == "approved"
    later = run("audit", "export", "--db", sqlite_db, "--format", "jsonl", "--since", "2999-01-01")
    assert later.exit_code == 0 and later.stdout == ""
    recent = run("audit", "export", "--db", sqlite_db, "--format", "jsonl", "--since", "1h")
    assert len(recent.stdout.splitlines()) == ROWS
    out = tmp_path / "audit.jsonl"
    written = run("audit", "export", "--db", sqlite_db, "--format", "jsonl", "-o", str(out))
    assert written.exit_code == 0 and len(out.read_text().splitlines()) == ROWS
    bad = run("audit", "export", "--db", sqlite_db, "--format", "jsonl", "--since", "yesterday")
    assert bad.exit_code == 2 and "--since" in bad.stderr


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_export_of_an_empty_chain(sqlite_db: str, fmt: str) -> None:  # noqa: F811
    lean.connect(sqlite_db).close()
    result = run("audit", "export", "--db", sqlite_db, "--format", fmt)
    assert result.exit_code == 0
    assert result.stdout == ("" if fmt == "jsonl" else ",".join(COLUMNS) + "\n")


def test_database_rendering_equals_rfc8785(db: str) -> None:  # noqa: F811
    """verify() lets SQLite/PostgreSQL render each row's JSON; it must match the reference
    byte for byte (a mismatch would only cost a re-check, but then verify would be slow)."""
    from overseer.store.audit import _JSON_POSTGRES, _JSON_SQLITE
    from overseer.store.chain import canonical_json

    tricky = [
        'quote " backslash \\ slash /',
        "".join(chr(c) for c in range(1, 0x20)),
        "\x7f \x80 \x9b \u2028 \u202e é 日本 🦊 𝄞",
        "lone \ud800 surrogate and NUL \x00",
    ]
    with lean.connect(db) as conn:
        for i, text in enumerate(tricky):
            lean.append_decision(
                conn, outcome="denied", action=text, operator=text, reason=text,
                tool_input={"k": text, "n": i}, session=f"s{i}",
            )  # fmt: skip
        rendering = _JSON_POSTGRES if conn.is_pg else _JSON_SQLITE
        rendered = conn.execute(f"SELECT {rendering} FROM decisions ORDER BY seq").fetchall()
        cur = conn.execute(f"SELECT {', '.join(FIELDS)} FROM decisions ORDER BY seq")
        rows = [dict(zip(FIELDS, r, strict=True)) for r in cur.fetchall()]
        assert [r[0] for r in rendered] == [canonical_json(r) for r in rows]
        assert verify(conn).ok


def test_verify_is_correct_without_the_database_rendering(sqlite_db: str) -> None:  # noqa: F811
    build_chain(sqlite_db)
    raw(
        sqlite_db,
        "DROP TRIGGER decisions_no_update",
        "UPDATE decisions SET rule = 'x' WHERE seq = 4",
    )
    with lean.connect(sqlite_db) as conn:
        from overseer.store.audit import chain_rows

        slow = verify_rows(chain_rows(conn))
        fast = verify(conn)
    assert (
        (slow.first_bad_seq, slow.problem)
        == (fast.first_bad_seq, fast.problem)
        == (4, "hash_mismatch")
    )


def test_export_never_writes_an_agents_control_characters_to_a_terminal(
    sqlite_db: str,  # noqa: F811
) -> None:
    hostile = "s-\x1b]0;pwned\x07\x9b31m\u202e"
    with lean.connect(sqlite_db) as conn:
        lean.append_decision(conn, outcome="policy_denied", action="deny", operator="hook",
                             session=hostile, tool="Bash", reason="deny rule")  # fmt: skip
    jsonl = run("audit", "export", "--db", sqlite_db, "--format", "jsonl")
    assert jsonl.stdout.isascii() and json.loads(jsonl.stdout)["session"] == hostile
    # CSV to a file or pipe stays exact; to a terminal, its cells are shown inert
    piped = io.StringIO()
    with lean.connect(sqlite_db) as conn:
        export(conn, piped, "csv")
    assert hostile in piped.getvalue()

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    with lean.connect(sqlite_db) as conn:
        export(conn, screen, "csv")
    text = screen.getvalue()
    assert "s-␛]0;pwned␇" in text
    assert not any(c in text for c in ("\x1b", "\x07", "\x9b", "\u202e"))
