"""Live tailing with real files and real watchfiles: appends, partial lines, new files and
directories, truncation, rotation, renames, deletion and re-creation, unreadable files, a
root that appears later, and a restart that neither loses nor repeats lines.

No test asserts a wall-clock time: deadlines below only stop a broken test from hanging.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from overseer.engine import Engine
from overseer.model import Event, EventKind, Problem
from overseer.sources.ingest import IngestBatch
from overseer.sources.tail import Tailer

DEADLINE = 20.0
T = "2026-03-02T09:00:00Z"


def line(seq: int, session: str = "s1") -> str:
    return (
        json.dumps(
            {
                "kind": "message",
                "session": session,
                "ts": T,
                "seq": seq,
                "role": "assistant",
                "text": f"m{seq}",
            }
        )
        + "\n"
    )


def append(path: Path, text: str) -> None:
    with path.open("a") as fh:
        fh.write(text)
        fh.flush()


class Running:
    """A Tailer in a thread (as the TUI runs it), its batches collected for the test."""

    def __init__(self, tailer: Tailer) -> None:
        self.tailer = tailer
        self.batches: queue.Queue[IngestBatch] = queue.Queue()
        self.events: list[Event] = []
        self.problems: list[Problem] = []
        self.resets: list[str] = []
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.error: BaseException | None = None
        self.thread.start()

    def _run(self) -> None:
        try:
            for batch in self.tailer:
                self.batches.put(batch)
        except BaseException as exc:  # surfaced by wait()
            self.error = exc

    def _drain(self, timeout: float) -> None:
        try:
            batch = self.batches.get(timeout=timeout)
        except queue.Empty:
            return
        self.events.extend(batch.events)
        self.problems.extend(batch.problems)
        if batch.reset:
            self.resets.append(batch.reset)

    def wait(self, condition: Callable[[], bool], what: str) -> None:
        end = time.monotonic() + DEADLINE
        while not condition():
            assert self.error is None, self.error
            assert time.monotonic() < end, f"timed out waiting for {what}; got {self.seqs()}"
            self._drain(0.05)

    def settle(self, quiet: float = 0.3) -> None:
        """Collect whatever is still coming (used before asserting that nothing more came)."""
        end = time.monotonic() + quiet
        while time.monotonic() < end:
            self._drain(0.02)

    def seqs(self, session: str | None = None) -> list[int | None]:
        return [
            e.seq
            for e in self.events
            if e.kind is EventKind.MESSAGE and (session is None or e.session == session)
        ]

    def stop(self) -> None:
        self.tailer.stop()
        self.thread.join(timeout=DEADLINE)
        assert not self.thread.is_alive()
        self.tailer.close()


@pytest.fixture
def tail(tmp_path: Path) -> Iterator[Callable[..., Running]]:
    started: list[Running] = []

    def start(*paths: Path, **kw: object) -> Running:
        kw.setdefault("idle_ms", 200)
        tailer = Tailer([str(p) for p in paths], engine=Engine(detectors=False), **kw)  # type: ignore[arg-type]
        running = Running(tailer)
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()


def test_catches_up_then_follows_appends(tmp_path: Path, tail: Callable[..., Running]) -> None:
    log = tmp_path / "a.jsonl"
    log.write_text(line(0) + line(1))
    run = tail(tmp_path)
    run.wait(lambda: run.seqs() == [0, 1], "the existing lines")
    append(log, line(2))
    run.wait(lambda: run.seqs() == [0, 1, 2], "the appended line")
    append(log, line(3) + line(4) + line(5))
    run.wait(lambda: run.seqs() == list(range(6)), "three more lines")


def test_a_partial_line_waits_for_its_newline(tmp_path: Path, tail: Callable[..., Running]) -> None:
    log = tmp_path / "a.jsonl"
    log.write_text(line(0))
    run = tail(tmp_path)
    run.wait(lambda: run.seqs() == [0], "the first line")
    text = line(1)
    append(log, text[:25])
    run.settle()
    assert run.seqs() == [0]
    assert run.problems == []  # a half-written record is not an error
    append(log, text[25:])
    run.wait(lambda: run.seqs() == [0, 1], "the completed line")


def test_new_files_and_new_directories_and_the_glob_filter(
    tmp_path: Path, tail: Callable[..., Running]
) -> None:
    run = tail(tmp_path)
    (tmp_path / "b.jsonl").write_text(line(1, "b"))
    run.wait(lambda: run.seqs("b") == [1], "a new file")
    deep = tmp_path / "projects" / "x" / "subagents"
    deep.mkdir(parents=True)
    (deep / "agent-1.jsonl").write_text(line(2, "deep"))
    run.wait(lambda: run.seqs("deep") == [2], "a file in a new directory")
    (tmp_path / "notes.txt").write_text(line(3, "txt"))
    append(deep / "agent-1.jsonl", line(4, "deep"))
    run.wait(lambda: run.seqs("deep") == [2, 4], "the next line of the deep file")
    run.settle()
    assert run.seqs("txt") == []  # not *.jsonl


def test_truncation_reads_the_file_again(tmp_path: Path, tail: Callable[..., Running]) -> None:
    log = tmp_path / "a.jsonl"
    log.write_text(line(0) + line(1) + line(2))
    run = tail(tmp_path)
    run.wait(lambda: len(run.seqs()) == 3, "the first lines")
    with log.open("r+") as fh:
        fh.truncate(0)
    append(log, line(10, "after"))
    run.wait(lambda: run.seqs("after") == [10], "the line after truncation")
    assert run.resets and run.resets[0] in ("truncated", "replaced")
    assert run.seqs("s1") == [0, 1, 2]


def test_rotation_reads_the_old_file_to_its_end_then_the_new_one(
    tmp_path: Path, tail: Callable[..., Running]
) -> None:
    log = tmp_path / "a.jsonl"
    log.write_text(line(0))
    run = tail(tmp_path)
    run.wait(lambda: run.seqs() == [0], "the first line")
    append(log, line(1) + line(2))  # written just before the rotation
    os.rename(log, tmp_path / "a.jsonl.1")  # no longer matches *.jsonl
    log.write_text(line(3))
    run.wait(lambda: sorted(run.seqs()) == [0, 1, 2, 3], "both files' lines")
    append(log, line(4))
    run.wait(lambda: sorted(run.seqs()) == [0, 1, 2, 3, 4], "the new file's next line")
    run.settle()
    assert sorted(run.seqs()) == [0, 1, 2, 3, 4]  # nothing twice


def test_a_file_renamed_to_a_name_that_still_matches_continues_without_repeats(
    tmp_path: Path, tail: Callable[..., Running]
) -> None:
    log = tmp_path / "a.jsonl"
    log.write_text(line(0) + line(1))
    run = tail(tmp_path)
    run.wait(lambda: run.seqs() == [0, 1], "the first lines")
    rotated = tmp_path / "a-2026-03-02.jsonl"
    os.rename(log, rotated)
    append(rotated, line(2))  # the writer still has the old file open
    run.wait(lambda: run.seqs() == [0, 1, 2], "the renamed file's new line")
    log.write_text(line(3))
    run.wait(lambda: run.seqs() == [0, 1, 2, 3], "the new file at the old name")
    run.settle()
    assert run.seqs() == [0, 1, 2, 3]
    assert {e.source for e in run.events if e.seq == 2} == {str(rotated)}


def test_deletion_and_re_creation(tmp_path: Path, tail: Callable[..., Running]) -> None:
    log = tmp_path / "a.jsonl"
    log.write_text(line(0) + line(1))
    run = tail(tmp_path)
    run.wait(lambda: run.seqs() == [0, 1], "the first lines")
    log.unlink()
    run.settle(0.2)
    log.write_text(line(0, "again") + line(1, "again"))
    run.wait(lambda: run.seqs("again") == [0, 1], "the re-created file")
    assert run.seqs("s1") == [0, 1]


def test_a_file_given_by_name_survives_deletion_and_re_creation(
    tmp_path: Path, tail: Callable[..., Running]
) -> None:
    log = tmp_path / "only.jsonl"
    log.write_text(line(0))
    (tmp_path / "other.jsonl").write_text(line(9, "other"))  # same directory, not asked for
    run = tail(log)
    run.wait(lambda: run.seqs() == [0], "the file")
    log.unlink()
    log.write_text(line(1, "new"))
    run.wait(lambda: run.seqs("new") == [1], "the re-created file")
    append(tmp_path / "other.jsonl", line(10, "other"))
    run.settle()
    assert run.seqs("other") == []


def test_an_unreadable_file_is_reported_and_retried(
    tmp_path: Path, tail: Callable[..., Running]
) -> None:
    log = tmp_path / "loop.jsonl"
    log.symlink_to(log)  # ELOOP: unreadable even for root
    run = tail(tmp_path)
    run.wait(lambda: any(p.reason.startswith("cannot read") for p in run.problems), "the problem")
    log.unlink()
    log.write_text(line(5))
    run.wait(lambda: run.seqs() == [5], "the file once readable")
    assert sum(p.reason.startswith("cannot read") for p in run.problems) == 1


def test_a_root_that_appears_later(tmp_path: Path, tail: Callable[..., Running]) -> None:
    root = tmp_path / "later" / "sessions"
    run = tail(root)
    run.wait(
        lambda: any("does not exist" in p.reason for p in run.problems), "the missing-path problem"
    )
    root.mkdir(parents=True)
    (root / "x.jsonl").write_text(line(7))
    run.wait(lambda: run.seqs() == [7], "a file in the new root")


def test_bad_lines_while_tailing_are_problems_and_the_next_line_is_read(
    tmp_path: Path, tail: Callable[..., Running]
) -> None:
    log = tmp_path / "a.jsonl"
    log.write_text(line(0))
    run = tail(tmp_path)
    run.wait(lambda: run.seqs() == [0], "the first line")
    with log.open("ab") as fh:
        fh.write(b"{oops\n\xff\xfe\x00\n" + line(1).encode())
    run.wait(lambda: run.seqs() == [0, 1], "the line after the bad ones")
    assert [p.line for p in run.problems] == [2, 3]


def test_a_restart_resumes_from_the_store_with_nothing_lost_or_repeated(tmp_path: Path) -> None:
    from overseer.store import open_store

    logs = tmp_path / "logs"
    logs.mkdir()
    log = logs / "a.jsonl"
    log.write_text(line(0) + line(1))
    db = str(tmp_path / "store.db")
    store = open_store(db)
    try:
        first = Running(
            Tailer([str(logs)], engine=Engine(detectors=False), store=store, idle_ms=200)
        )
        first.wait(lambda: first.seqs() == [0, 1], "the first lines")
        append(log, line(2))
        first.wait(lambda: first.seqs() == [0, 1, 2], "an appended line")
        first.stop()
        append(log, line(3) + line(4))  # written while overseer was down
        second = Running(
            Tailer([str(logs)], engine=Engine(detectors=False), store=store, idle_ms=200)
        )
        second.wait(lambda: second.seqs() == [3, 4], "only the lines written while down")
        append(log, line(5))
        second.wait(lambda: second.seqs() == [3, 4, 5], "live again")
        second.stop()
    finally:
        store.close()
    with sqlite3.connect(db) as conn:
        seqs = [r[0] for r in conn.execute("select seq from events order by seq")]
    assert seqs == [0, 1, 2, 3, 4, 5]


def test_a_log_rotated_while_overseer_was_down_is_neither_lost_nor_repeated(
    tmp_path: Path,
) -> None:
    from overseer.store import open_store

    logs = tmp_path / "logs"
    logs.mkdir()
    log = logs / "a.jsonl"
    log.write_text(line(0) + line(1))
    db = str(tmp_path / "store.db")
    store = open_store(db)
    try:
        first = Running(
            Tailer([str(logs)], engine=Engine(detectors=False), store=store, idle_ms=200)
        )
        first.wait(lambda: first.seqs() == [0, 1], "the first lines")
        first.stop()
        append(log, line(2))  # written while overseer was down, then rotated
        os.rename(log, logs / "a.1.jsonl")
        log.write_text(line(0, session="s2"))
        second = Running(
            Tailer([str(logs)], engine=Engine(detectors=False), store=store, idle_ms=200)
        )
        second.wait(
            lambda: sorted(second.seqs("s1")) == [2] and second.seqs("s2") == [0],
            "the rotated file's last line and the new file",
        )
        second.settle()
        second.stop()
        assert second.seqs("s1") == [2]
    finally:
        store.close()
    with sqlite3.connect(db) as conn:
        rows = conn.execute("select session, seq from events order by session, seq").fetchall()
    assert rows == [("s1", 0), ("s1", 1), ("s1", 2), ("s2", 0)]


def test_the_async_iterator_hands_over_batches_and_stops(tmp_path: Path) -> None:
    log = tmp_path / "a.jsonl"
    log.write_text(line(0))

    async def main() -> list[int | None]:
        tailer = Tailer([str(tmp_path)], engine=Engine(detectors=False), idle_ms=200)
        seen: list[int | None] = []
        async with contextlib.aclosing(tailer.aiter(queue_size=2)) as batches:
            async for batch in batches:
                seen.extend(e.seq for e in batch.events)
                if seen == [0]:
                    await asyncio.to_thread(append, log, line(1))
                if seen == [0, 1]:
                    break
        assert tailer.stopped
        return seen

    assert asyncio.run(asyncio.wait_for(main(), DEADLINE)) == [0, 1]


def test_polling_mode_works_too(tmp_path: Path, tail: Callable[..., Running]) -> None:
    """What the tailer falls back to when notifications fail (inotify limits, network mounts)."""
    log = tmp_path / "a.jsonl"
    log.write_text(line(0))
    run = tail(tmp_path, force_polling=True)
    run.wait(lambda: run.seqs() == [0], "the first line")
    append(log, line(1))
    run.wait(lambda: run.seqs() == [0, 1], "the appended line, by polling")


def test_a_rename_reported_before_its_new_name_still_files_lines_under_the_new_name(
    tmp_path: Path,
) -> None:
    """The watcher can report a rename's old name alone, with an append to the renamed file
    already made: the lines are filed under the name the file has when they are read (the
    race a loaded CI machine hit), and nothing is read twice."""
    log = tmp_path / "a.jsonl"
    log.write_text(line(0) + line(1))
    tailer = Tailer([str(tmp_path)], engine=Engine())
    first = [e for b in tailer.poll_paths(tailer._scan()) for e in b.events]
    assert [e.seq for e in first] == [0, 1]
    rotated = tmp_path / "a-2026-03-02.jsonl"
    os.rename(log, rotated)
    append(rotated, line(2))
    later = [e for b in tailer.poll_paths({str(log)}) for e in b.events]
    later += [e for b in tailer.poll_paths({str(rotated)}) for e in b.events]
    assert [(e.seq, e.source) for e in later] == [(2, str(rotated))]
