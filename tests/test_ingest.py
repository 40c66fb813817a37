"""Ingestion into the real store: exactly once, across restarts, appends, truncation,
replacement, unreadable files, bad lines, and a ``kill -9`` in the middle.

Everything here uses real files and a real SQLite store; counts are read back with plain
``sqlite3`` so the check does not trust the code under test.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from overseer.cli import cli
from overseer.config import load_config
from overseer.engine import Engine
from overseer.sources.files import FileCursor
from overseer.sources.ingest import IngestStats, SourceIngestor, ingest_paths

from .conftest import CONFIG, CORPUS, FIXTURES

T = "2026-03-02T09:00:00Z"


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "store" / "overseer.db")


@pytest.fixture
def store(db: str) -> Iterator[object]:
    from overseer.store import open_store

    opened = open_store(db)
    yield opened
    opened.close()


def q(db: str, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def count(db: str, where: str = "1=1") -> int:
    return q(db, f"select count(*) from events where {where}")[0][0]


def msg(seq: int, session: str = "s1") -> str:
    return json.dumps(
        {
            "kind": "message",
            "session": session,
            "ts": T,
            "seq": seq,
            "role": "assistant",
            "text": f"step {seq}",
        }
    )


def call(n: int, session: str = "s1") -> str:
    return json.dumps(
        {
            "kind": "tool_call",
            "session": session,
            "ts": T,
            "call_id": f"c{n}",
            "tool": "Bash",
            "input": {"command": f"echo {n}"},
        }
    )


def ingest(store: object, *paths: Path | str, fmt: str | None = None) -> IngestStats:
    engine = Engine(load_config(str(CONFIG)), home="/home/op")
    return ingest_paths([str(p) for p in paths], engine=engine, store=store, fmt=fmt)  # type: ignore[arg-type]


def run_cli(*args: str) -> dict:
    result = CliRunner().invoke(cli, ["ingest", *args, "--json", "--config", str(CONFIG)])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


# ----------------------------------------------------------------------------- the corpus


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"corpus not found at {CORPUS}")
def test_every_corpus_file_ingests_with_zero_problems_and_twice_adds_nothing(db: str) -> None:
    first = run_cli(str(CORPUS), "--db", db)
    # Tool calls: 2 + 6 + 10 (Claude Code) + 118 + 1 + 5 (Codex), each counted with jq in
    # tests/test_formats_claude_code.py and tests/test_formats_codex.py.
    assert first["files"] == 6 and first["problems"] == 0
    assert first["tool_calls"] == 142 and first["pending"] == 1
    assert first["sessions"] == 6
    assert sum(first["verdicts"].values()) == 142
    assert set(first) == {
        "files",
        "sessions",
        "events",
        "tool_calls",
        "pending",
        "problems",
        "verdicts",
    }
    assert set(first["verdicts"]) == {"allow", "ask", "deny", "unscoped"}
    assert count(db) == first["events"]
    assert count(db, "kind='tool_call'") == 142 and count(db, "kind='tool_result'") == 141
    assert count(db, "status='rejected'") == 2
    assert q(db, "select count(*) from problems")[0][0] == 0
    second = run_cli(str(CORPUS), "--db", db)
    assert second == {
        "files": 6, "sessions": 0, "events": 0, "tool_calls": 0, "pending": 0, "problems": 0,
        "verdicts": {"allow": 0, "ask": 0, "deny": 0, "unscoped": 0},
    }  # fmt: skip
    assert count(db) == first["events"]


def test_fixtures_ingest_through_the_installed_command(db: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "overseer", "ingest", str(FIXTURES), "--db", db, "--config", str(CONFIG), "--json"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # piped: no progress bar
    out = json.loads(result.stdout)
    assert out["files"] == 7
    assert out["problems"] == 9  # all from fixtures/native/hostile.jsonl, one per bad line
    assert out["pending"] == 4  # Claude WebFetch, Codex git push, ETL psql, hostile cat
    reasons = q(db, "select line from problems order by line")
    assert [r[0] for r in reasons] == [7, 8, 9, 10, 11, 12, 13, 14, 16]


def test_human_output_and_bad_arguments(db: str, tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(
        cli, ["ingest", str(FIXTURES / "native"), "--db", db, "--config", str(CONFIG)]
    )
    assert ok.exit_code == 0
    assert ok.output.startswith("ingested 3 files:")
    assert "verdicts: allow" in ok.output
    missing = runner.invoke(cli, ["ingest", str(tmp_path / "nope.jsonl"), "--db", db])
    assert missing.exit_code == 2 and "does not exist" in missing.output
    bad_format = runner.invoke(cli, ["ingest", str(FIXTURES), "--format", "syslog", "--db", db])
    assert bad_format.exit_code == 2
    bad_config = tmp_path / "bad.toml"
    bad_config.write_text("[agents.x]\nowner = 3\n")
    broken = runner.invoke(cli, ["ingest", str(FIXTURES), "--db", db, "--config", str(bad_config)])
    assert broken.exit_code == 2 and "bad.toml:" in broken.output


def test_forced_format(db: str, tmp_path: Path) -> None:
    log = tmp_path / "notes.log"  # a name that says nothing
    log.write_text(call(1) + "\n")
    assert run_cli(str(log), "--db", db, "--format", "native")["tool_calls"] == 1


# ----------------------------------------------------------------------------- restarts


def test_appends_are_ingested_once_and_a_partial_line_waits(
    store: object, db: str, tmp_path: Path
) -> None:
    log = tmp_path / "agent.jsonl"
    log.write_text("\n".join(msg(i) for i in range(3)) + "\n")
    assert ingest(store, log).events == 3
    with log.open("a") as fh:
        fh.write(msg(3) + "\n" + msg(4)[:20])  # the last line is half written
    assert ingest(store, log).events == 1
    assert count(db) == 3 + 1
    with log.open("a") as fh:
        fh.write(msg(4)[20:] + "\n")
    assert ingest(store, log).events == 1
    assert ingest(store, log).events == 0
    assert q(db, "select seq from events order by seq") == [(i,) for i in range(5)]
    (offset,) = q(db, "select byte_offset from ingest_offsets")[0]
    assert offset == log.stat().st_size


def test_a_truncated_file_is_read_again_from_the_start(
    store: object, db: str, tmp_path: Path
) -> None:
    log = tmp_path / "agent.jsonl"
    log.write_text("\n".join(msg(i) for i in range(5)) + "\n")
    ingest(store, log)
    log.write_text(msg(100, session="s2") + "\n")  # truncated, then one new line
    stats = ingest(store, log)
    assert stats.events == 1
    assert count(db, "session='s2'") == 1


def test_a_replaced_file_longer_than_the_old_offset_is_read_from_the_start(
    store: object, db: str, tmp_path: Path
) -> None:
    log = tmp_path / "agent.jsonl"
    log.write_text("\n".join(msg(i) for i in range(3)) + "\n")
    ingest(store, log)
    log.unlink()
    log.write_text("\n".join(msg(i, session="new") for i in range(10)) + "\n")  # new content
    assert ingest(store, log).events == 10
    assert count(db, "session='new'") == 10


def test_the_same_content_under_a_new_inode_is_not_read_twice(
    store: object, db: str, tmp_path: Path
) -> None:
    log = tmp_path / "agent.jsonl"
    log.write_text("\n".join(msg(i) for i in range(4)) + "\n")
    ingest(store, log)
    copy = tmp_path / "copy.tmp"
    copy.write_bytes(log.read_bytes() + (msg(4) + "\n").encode())
    os.replace(copy, log)  # how rsync and editors "append": a new file renamed into place
    assert ingest(store, log).events == 1
    assert count(db) == 5


def test_a_log_renamed_while_overseer_was_stopped_continues_from_its_offset(
    store: object, db: str, tmp_path: Path
) -> None:
    log = tmp_path / "agent.jsonl"
    log.write_text("\n".join(msg(i) for i in range(4)) + "\n")
    ingest(store, tmp_path)
    moved = tmp_path / "archive" / "agent-0302.jsonl"
    moved.parent.mkdir()
    os.rename(log, moved)
    with moved.open("a") as fh:
        fh.write(msg(4) + "\n")
    stats = ingest(store, tmp_path)
    assert (stats.files, stats.events) == (1, 1)  # only the line written after the rename
    assert count(db, "kind='message'") == 5
    assert q(db, "select source from ingest_offsets") == [(str(moved),)]
    assert ingest(store, tmp_path).events == 0


def test_a_log_rotated_while_overseer_was_stopped_loses_and_repeats_nothing(
    store: object, db: str, tmp_path: Path
) -> None:
    log = tmp_path / "agent.jsonl"
    log.write_text("\n".join(msg(i) for i in range(3)) + "\n")
    ingest(store, log.parent)
    with log.open("a") as fh:  # written after the last ingest, before the rotation
        fh.write(msg(3) + "\n")
    rotated = tmp_path / "agent.jsonl.1"
    os.rename(log, rotated)
    log.write_text("\n".join(msg(i, session="s2") for i in range(2)) + "\n")
    # both names match the glob, and the new file at the old name sorts (and is read) first
    engine = Engine(load_config(str(CONFIG)), home="/home/op")
    stats = ingest_paths([str(tmp_path)], engine=engine, store=store, include=["*.jsonl*"])  # type: ignore[arg-type]
    assert (stats.files, stats.events) == (2, 3)
    assert q(db, "select seq from events where session='s1' order by seq") == [
        (0,), (1,), (2,), (3,),
    ]  # fmt: skip
    assert count(db, "session='s2'") == 2


def test_a_renamed_log_whose_beginning_changed_is_read_as_a_new_file(
    store: object, db: str, tmp_path: Path
) -> None:
    log = tmp_path / "agent.jsonl"
    log.write_text("\n".join(msg(i) for i in range(3)) + "\n")
    ingest(store, tmp_path)
    moved = tmp_path / "other.jsonl"
    os.rename(log, moved)
    with moved.open("r+") as fh:  # same inode, rewritten in place
        fh.write(msg(7, session="s9"))
    assert ingest(store, tmp_path).events == 3
    assert count(db, "session='s9'") == 1


def test_a_rotation_chain_while_stopped_moves_every_offset_along(
    store: object, db: str, tmp_path: Path
) -> None:
    log = tmp_path / "a.jsonl"

    def rotate(generation: int) -> None:
        for n in (2, 1):
            older = tmp_path / f"a.jsonl.{n - 1}" if n > 1 else log
            if older.exists():
                os.rename(older, tmp_path / f"a.jsonl.{n}")
        log.write_text(msg(0, session=f"g{generation}") + "\n")

    def run() -> IngestStats:
        engine = Engine(load_config(str(CONFIG)), home="/home/op")
        return ingest_paths([str(tmp_path)], engine=engine, store=store, include=["a.jsonl*"])  # type: ignore[arg-type]

    log.write_text(msg(0, session="g0") + "\n")
    assert run().events == 1
    rotate(1)  # a → a.1, new a
    assert run().events == 1
    rotate(2)  # a.1 → a.2, a → a.1, new a
    assert run().events == 1
    assert run().events == 0
    assert q(db, "select session, count(*) from events group by session") == [
        ("g0", 1), ("g1", 1), ("g2", 1),
    ]  # fmt: skip


def test_a_file_under_a_neutralised_name_keeps_its_offset_beside_a_hard_link(
    store: object, db: str, tmp_path: Path
) -> None:
    odd = tmp_path / "a\x1bgent.jsonl"  # stored under a neutralised source name
    odd.write_text("\n".join(msg(i) for i in range(3)) + "\n")
    ingest(store, tmp_path)
    os.link(odd, tmp_path / "z.jsonl")
    ingest(store, tmp_path / "z.jsonl")  # a second name, its own source; the first not in view
    assert len(q(db, "select source from ingest_offsets")) == 2
    assert ingest(store, tmp_path).events == 0


def test_two_names_for_one_file_stay_two_sources(store: object, db: str, tmp_path: Path) -> None:
    log = tmp_path / "agent.jsonl"
    log.write_text(msg(0) + "\n")
    ingest(store, log)
    os.link(log, tmp_path / "hardlink.jsonl")
    ingest(store, tmp_path)
    assert sorted(r[0] for r in q(db, "select source from ingest_offsets")) == [
        str(log),
        str(tmp_path / "hardlink.jsonl"),
    ]


def test_lines_appended_between_the_identity_check_and_the_read_are_covered_by_it(
    tmp_path: Path,
) -> None:
    log = tmp_path / "agent.jsonl"
    log.write_bytes(b"")

    class Racing(FileCursor):
        """A writer appends right after the size was looked at (a real race, made certain)."""

        def check(self) -> str | None:
            reason = super().check()
            with log.open("a") as fh:
                fh.write(msg(len(log.read_bytes())) + "\n")
            return reason

    cursor = Racing(str(log))
    result = cursor.read()
    assert result.lines and cursor.offset > 0
    identity = cursor.identity
    assert identity is not None and identity.head_len == cursor.offset  # not the empty head
    cursor.close()
    # Another file in its place (same length or longer) is then told apart on restart.
    log.unlink()
    log.write_text(msg(99, session="other") + "\n" + msg(100, session="other") + "\n")
    again = FileCursor(str(log), cursor.offset, 1, identity.as_dict())
    assert again.read().reset == "replaced"
    again.close()


def test_a_file_unreadable_for_a_while_keeps_its_identity_so_a_new_file_is_read_whole(
    store: object, db: str, tmp_path: Path
) -> None:
    log = tmp_path / "a.jsonl"
    log.write_text("\n".join(msg(i) for i in range(5)) + "\n")
    ingest(store, tmp_path)
    log.unlink()
    os.mkfifo(log)  # something that is not a regular file at the name: a problem
    assert ingest(store, tmp_path).problems == 1
    log.unlink()
    log.write_text("\n".join(msg(i, session="new") for i in range(8)) + "\n")
    assert ingest(store, tmp_path).events == 8  # none skipped at the old offset
    assert count(db, "session='new'") == 8


def test_an_offset_nothing_vouches_for_is_read_again_not_trusted(
    store: object, db: str, tmp_path: Path
) -> None:
    log = tmp_path / "a.jsonl"
    log.write_text("\n".join(msg(i, session="new") for i in range(3)) + "\n")
    # a row as an older version could leave it: an offset with no identity
    store.record_batch(str(log), 120, {"v": 1, "format": "native", "line": 1}, {}, [], [])  # type: ignore[attr-defined]
    assert ingest(store, log).events == 3


def test_a_last_line_without_newline_of_a_rotated_file_is_covered_by_its_identity(
    store: object, db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "a.jsonl"
    log.write_bytes(b"")  # the writer has created it, empty
    engine = Engine(load_config(str(CONFIG)), home="/home/op")
    first = SourceIngestor(str(log), engine=engine, store=store, fmt="native")  # type: ignore[arg-type]
    real_check = FileCursor.check
    calls: list[bool] = []

    def check(self: FileCursor) -> str | None:
        reason = real_check(self)
        calls.append(True)
        if len(calls) == 2:  # once, in read(): right after it looked at the size
            with log.open("a") as fh:
                fh.write(msg(0))  # its last line, no newline; then the file is rotated
            os.rename(log, tmp_path / "a.jsonl.1")
            log.write_text(msg(1, session="new") + "\n" + msg(2, session="new") + "\n")
        return reason

    monkeypatch.setattr(FileCursor, "check", check)
    batch = first.poll()
    assert batch is not None and [e.seq for e in batch.events] == [0] and first.finished
    first.close()
    second = SourceIngestor(str(log), engine=engine, store=store, fmt="native")  # type: ignore[arg-type]
    seqs = [e.seq for b in second.drain() for e in b.events]
    second.close()
    assert seqs == [1, 2]  # the new file at the name, from its first line


def long_msg(seq: int, session: str = "s1") -> str:
    return json.dumps({"kind": "message", "session": session, "ts": T, "seq": seq,
                       "role": "assistant", "text": f"step {seq} " + "x" * 80})  # fmt: skip


def test_a_file_with_the_same_first_4kb_but_other_content_later_is_read_again(
    store: object, db: str, tmp_path: Path
) -> None:
    log = tmp_path / "agent.jsonl"
    lines = [long_msg(i) + "\n" for i in range(80)]  # well past the 4 KB head
    log.write_text("".join(lines))
    ingest(store, log)
    rewritten = tmp_path / "agent.tmp"  # rewritten and renamed into place: a new inode
    rewritten.write_text(
        "".join(lines[:40]) + "".join(long_msg(i, "new") + "\n" for i in range(40, 90))
    )
    os.replace(rewritten, log)
    ingest(store, log)
    assert count(db, "session='new'") == 50  # none skipped at the old offset


def test_a_renamed_file_changed_after_its_head_does_not_take_the_old_offset(
    store: object, db: str, tmp_path: Path
) -> None:
    log = tmp_path / "x.jsonl"
    lines = [long_msg(i) + "\n" for i in range(80)]
    log.write_text("".join(lines))
    ingest(store, tmp_path)
    moved = tmp_path / "y.jsonl"
    os.rename(log, moved)
    with moved.open("r+") as fh:  # the same inode, rewritten after its first 4 KB
        fh.seek(len("".join(lines[:60])))
        fh.write("".join(long_msg(i, "new") + "\n" for i in range(60, 80)))
    ingest(store, tmp_path)
    assert count(db, "session='new'") == 20
    # not moved: y.jsonl read as a new file under its own offset
    assert q(db, "select source from ingest_offsets order by source") == [
        (str(log),),
        (str(moved),),
    ]


def test_a_file_rewritten_in_place_while_followed_is_read_again(
    store: object, db: str, tmp_path: Path
) -> None:
    log = tmp_path / "agent.jsonl"
    lines = [long_msg(i) + "\n" for i in range(80)]
    log.write_text("".join(lines))
    ingestor = SourceIngestor(str(log), engine=Engine(), store=store)  # type: ignore[arg-type]
    assert sum(len(b.events) for b in ingestor.drain()) == 80
    with log.open("r+") as fh:  # same inode, same first 4 KB, other lines after, and longer
        fh.seek(len("".join(lines[:50])))
        fh.write("".join(long_msg(i, "new") + "\n" for i in range(50, 100)))
    batches = list(ingestor.drain())
    ingestor.close()
    assert batches[0].reset == "replaced"
    assert count(db, "session='new'") == 50


def test_a_read_error_after_the_cursor_moved_loses_no_line(
    store: object, db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "agent.jsonl"
    log.write_text(msg(0) + "\n")
    ingestor = SourceIngestor(str(log), engine=Engine(), store=store)  # type: ignore[arg-type]
    list(ingestor.drain())
    real_check, real_cover = FileCursor.check, FileCursor._cover_offset
    calls: list[str] = []

    def check(self: FileCursor) -> str | None:
        reason = real_check(self)
        calls.append("check")
        if calls.count("check") == 2:  # in read(): lines land right after the size check
            with log.open("a") as fh:
                fh.write("".join(msg(i) + "\n" for i in range(1, 4)))
        return reason

    def cover(self: FileCursor) -> None:
        if "failed" not in calls:
            calls.append("failed")
            raise OSError(5, "Input/output error")  # a disk or network filesystem error
        real_cover(self)

    monkeypatch.setattr(FileCursor, "check", check)
    monkeypatch.setattr(FileCursor, "_cover_offset", cover)
    first = ingestor.poll()
    assert first is not None and first.problems and not first.events
    monkeypatch.setattr(FileCursor, "check", real_check)
    assert sum(len(b.events) for b in ingestor.drain()) == 3  # the retry reads them
    ingestor.close()
    assert q(db, "select seq from events order by seq") == [(0,), (1,), (2,), (3,)]


def test_tool_calls_seen_twice_are_stored_once(store: object, db: str, tmp_path: Path) -> None:
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_text(call(1) + "\n")
    b.write_text(call(1) + "\n")  # the same call through another source (a hook and a log)
    ingest(store, a, b)
    assert count(db, "kind='tool_call'") == 1


def test_parser_state_survives_between_runs(store: object, db: str, tmp_path: Path) -> None:
    src = FIXTURES / "codex" / "2026" / "03" / "02"
    (rollout,) = src.glob("rollout-*.jsonl")
    log = tmp_path / "renamed-without-session-id.jsonl"
    lines = rollout.read_bytes().splitlines(keepends=True)
    log.write_bytes(b"".join(lines[:9]))
    ingest(store, log, fmt="codex")
    with log.open("ab") as fh:
        fh.write(b"".join(lines[9:]))
    ingest(store, log, fmt="codex")
    sessions = q(db, "select distinct session from events")
    assert sessions == [("0199a1b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b",)]
    assert count(db, "kind='tool_result' and tool='exec_command'") >= 2  # names from state


# ----------------------------------------------------------------------------- bad files


def test_an_unreadable_file_is_a_problem_and_is_retried(
    store: object, db: str, tmp_path: Path
) -> None:
    log = tmp_path / "loop.jsonl"
    log.symlink_to(log)  # ELOOP: unreadable even for root
    ingestor = SourceIngestor(str(log), engine=Engine(), store=store)  # type: ignore[arg-type]
    first = ingestor.poll()
    assert first is not None and first.problems[0].reason.startswith("cannot read:")
    assert ingestor.poll() is None  # reported once per episode, not on every retry
    log.unlink()
    log.write_text(msg(1) + "\n")
    again = ingestor.poll()
    assert again is not None and len(again.events) == 1
    assert q(db, "select count(*) from problems where reason like 'cannot read:%'")[0][0] == 1


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_a_file_without_read_permission_is_a_problem(store: object, tmp_path: Path) -> None:
    log = tmp_path / "secret.jsonl"
    log.write_text(msg(1) + "\n")
    log.chmod(0)
    ingestor = SourceIngestor(str(log), engine=Engine(), store=store)  # type: ignore[arg-type]
    batch = ingestor.poll()
    assert batch is not None and "Permission denied" in batch.problems[0].reason
    log.chmod(0o600)
    batch = ingestor.poll()
    assert batch is not None and len(batch.events) == 1


def test_an_unrecognised_file_is_reported_once(store: object, db: str, tmp_path: Path) -> None:
    log = tmp_path / "weird.jsonl"
    log.write_text("\n".join(json.dumps({"temperature": i}) for i in range(60)) + "\n")
    assert ingest(store, log).problems == 1
    assert ingest(store, log).problems == 0
    assert q(db, "select reason from problems")[0][0].startswith("unrecognised log format")


def test_a_fifo_is_not_opened_blocking(store: object, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    ingestor = SourceIngestor(str(fifo), engine=Engine(), store=store)  # type: ignore[arg-type]
    batch = ingestor.poll()
    assert batch is not None and "not a regular file" in batch.problems[0].reason


def test_bad_bytes_in_a_file_each_become_one_problem(
    store: object, db: str, tmp_path: Path
) -> None:
    log = tmp_path / "agent.jsonl"
    lines = [
        call(1).encode(),
        b"\x00\x01\x02 binary \xff\xfe",
        b'{"kind": "message", "session": "s1", "ts": "' + T.encode() + b'", "role": "user", "text": "\xc3\x28"}',
        b"[" * 5000 + b"]" * 5000,
        b'{"kind": "message", "session": "s1", "ts": "' + T.encode() + b'", "role": "user", "text": "' + b"y" * (10 * 1024 * 1024) + b'"}',
        b'"a string"',
        b'{"kind": "tool_call", "session": "s1"}',
        call(2).encode(),
    ]  # fmt: skip
    log.write_bytes(b"\n".join(lines) + b"\n")
    stats = ingest(store, log)
    assert (stats.events, stats.problems) == (2, 6)
    reasons = [r[0] for r in q(db, "select reason from problems order by line")]
    assert [r.split(" ")[0] for r in reasons] == [
        "NUL",
        "invalid",
        "JSON",
        "line",
        "expected",
        "missing",
    ]
    assert q(db, "select line from problems order by line") == [(i,) for i in range(2, 8)]
    assert count(db, "kind='tool_call'") == 2


def test_a_huge_line_is_skipped_without_holding_it(tmp_path: Path) -> None:
    log = tmp_path / "agent.jsonl"
    with log.open("wb") as fh:
        fh.write(msg(1).encode() + b"\n")
        fh.write(b'{"text": "' + b"z" * (20 * 1024 * 1024) + b'"}\n')
        fh.write(msg(2).encode() + b"\n")
    cursor = FileCursor(str(log))
    seen, problems = [], []
    while True:
        result = cursor.read(1 << 20)
        seen += [n for n, _ in result.lines]
        problems += result.problems
        if result.eof:
            break
    assert seen == [1, 3]
    assert [(p.line, p.reason.split(" (")[0]) for p in problems] == [(2, "line too long")]


# ----------------------------------------------------------------------------- kill -9


@pytest.mark.slow
def test_kill_9_mid_ingest_then_restart_loses_and_duplicates_nothing(
    db: str, tmp_path: Path
) -> None:
    n = 30_000
    log = tmp_path / "big.jsonl"
    with log.open("w") as fh:
        for i in range(n):
            fh.write(msg(i, session="big") + "\n")
    size = log.stat().st_size
    cmd = [
        sys.executable,
        "-m",
        "overseer",
        "ingest",
        str(log),
        "--db",
        db,
        "--json",
        "--batch-bytes",
        "65536",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    offset = 0
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                rows = q(db, "select byte_offset from ingest_offsets")
            except sqlite3.Error:
                rows = []
            if rows and 0 < rows[0][0] < size // 2:
                os.kill(proc.pid, signal.SIGKILL)
                break
            time.sleep(0.002)
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, "ingest finished before it could be killed"
    (offset,) = q(db, "select byte_offset from ingest_offsets")[0]
    partial = count(db)
    assert 0 < offset < size and 0 < partial < n
    # What is stored is exactly the lines before the committed offset: no torn batch.
    assert partial == log.read_bytes()[:offset].count(b"\n")
    done = subprocess.run(cmd[:-2], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["events"] == n - partial
    assert count(db) == n
    assert q(db, "select count(distinct seq) from events") == [(n,)]


def test_a_hostile_file_name_is_neutralised_as_the_source_and_resumes(
    store: object, db: str, tmp_path: Path
) -> None:
    log = tmp_path / "evil\x1b]52;c;eA==\x07\u202e.jsonl"
    log.write_text(msg(0) + "\n")
    assert ingest(store, tmp_path).events == 1
    with log.open("a") as fh:
        fh.write(msg(1) + "\n" + "{bad\n")
    stats = ingest(store, tmp_path)
    assert (stats.events, stats.problems) == (1, 1)
    sources = {r[0] for r in q(db, "select source from events union select source from problems")}
    assert len(sources) == 1
    (source,) = sources
    assert "\x1b" not in source and "\u202e" not in source and "␛]52;" in source


def test_a_result_before_its_call_still_pairs(store: object, db: str, tmp_path: Path) -> None:
    log = tmp_path / "agent.jsonl"
    result = json.dumps(
        {"kind": "tool_result", "session": "s1", "ts": T, "call_id": "c1", "output": "ok"}
    )
    log.write_text(result + "\n" + call(1) + "\n" + call(2) + "\n")
    stats = ingest(store, log)
    assert (stats.tool_calls, stats.pending) == (2, 1)
    assert count(db, "call_id='c1'") == 2
