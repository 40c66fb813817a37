"""File → parser → engine → store, one transaction per batch: the exactly-once path.

:class:`SourceIngestor` owns one log file. Each :meth:`~SourceIngestor.poll` reads the
complete lines that arrived since the committed offset (at most ``max_bytes``), parses
them, lets the engine annotate the events, and hands events, problems, the new offset, the
parser state and the file identity to ``store.record_batch`` — one transaction. Whatever
happens afterwards (a crash, ``kill -9``), the store holds either the whole batch and its
offset or neither, so a restart resumes with nothing lost and nothing duplicated.

Offsets are kept by path, and follow the file: a log renamed or rotated while overseer was
not running is found by its device, inode and first bytes, and continues from its offset
under the new name (:mod:`overseer.sources.moves`, run before a scan's files are read).

The live tailer (:mod:`overseer.sources.tail`) and the one-shot ``overseer ingest``
(:func:`ingest_paths`) both drive ingestors; neither touches bytes or the store otherwise.
"""

from __future__ import annotations

import contextlib
import fnmatch
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from overseer.engine import Engine
from overseer.model import Event, EventKind, Problem, Verdict
from overseer.sources.detect import GIVE_UP_LINES, SNIFF_BYTES, detect_format
from overseer.sources.files import FileCursor, ReadResult, display_path
from overseer.sources.formats import BaseParser, make_parser, normalise_format
from overseer.sources.moves import follow_moves
from overseer.untrusted import neutralise

#: Default file-name globs when a directory is given (explicit files are always read).
DEFAULT_INCLUDE = ("*.jsonl", "*.ndjson")
#: State layout version saved with each offset.
STATE_VERSION = 1


class Sink(Protocol):
    """The two store methods ingestion needs (``overseer.store.Store`` provides them)."""

    def load_offset(self, source: str) -> tuple[int, Any, Any] | None: ...

    def record_batch(
        self,
        source: str,
        offset: int,
        state: dict[str, Any],
        identity: dict[str, Any],
        events: list[Event],
        problems: list[Problem],
    ) -> Any: ...

    def offsets_of_file(self, dev: int, ino: int) -> list[tuple[str, dict[str, Any]]]: ...

    def reassign_offsets(self, moves: dict[str, str]) -> int: ...


@dataclass(slots=True)
class IngestBatch:
    """What one poll of one file produced, already committed to the store (if any)."""

    source: str
    format: str | None
    events: list[Event] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    offset: int = 0
    consumed: int = 0  # bytes consumed by this batch
    reset: str | None = None  # "truncated" | "replaced": the file was read again from the start
    eof: bool = False  # caught up with the file


def _state_dict(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    if isinstance(value, str | bytes) and value:
        import json

        try:
            loaded = json.loads(value)
        except ValueError:
            return {}
        return loaded if isinstance(loaded, dict) else {}
    return {}


class SourceIngestor:
    """One log file, ingested batch by batch from its committed offset (module docstring)."""

    def __init__(
        self,
        path: str,
        *,
        engine: Engine,
        store: Sink | None = None,
        fmt: str | None = None,
        max_bytes: int = 1 << 20,
    ) -> None:
        self.path = path
        self.source = display_path(path)
        self.engine = engine
        self.store = store
        self.forced = normalise_format(fmt) if fmt else None
        self.max_bytes = max_bytes
        self.format: str | None = self.forced
        self.parser: BaseParser | None = None
        self.unreadable: str | None = None  # the failure already reported, until it clears
        self.unrecognised = False
        self.finished = False  # rotated/deleted and read to the end
        offset, lineno, identity, state = 0, 0, None, {}
        saved = store.load_offset(self.source) if store is not None else None
        if saved is not None:
            offset, raw_state, identity = saved
            state = _state_dict(raw_state)
            line = state.get("line")
            lineno = line if isinstance(line, int) and line >= 0 else 0
        self._saved_state = state
        self.cursor = FileCursor(path, offset, lineno, identity)
        saved_format = state.get("format")
        if self.forced is None and isinstance(saved_format, str):
            try:
                self.format = normalise_format(saved_format)
            except ValueError:
                self.format = None
        self.unrecognised = state.get("unrecognised") is True and self.forced is None

    # ------------------------------------------------------------------ state

    def state(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "v": STATE_VERSION,
            "format": self.format,
            "line": self.cursor.lineno,
        }
        if self.parser is not None:
            out["parser"] = self.parser.state
        if self.unrecognised:
            out["unrecognised"] = True
        return out

    def _parser(self) -> BaseParser | None:
        if self.parser is None and self.format is not None:
            saved = (
                self._saved_state.get("parser")
                if self._saved_state.get("format") == self.format
                else None
            )
            self.parser = make_parser(
                self.format, self.source, saved if isinstance(saved, dict) else None
            )
            self._saved_state = {}
        return self.parser

    def _restart(self) -> None:
        """The file was truncated or replaced: forget the parser's view of the old content."""
        self.parser = None
        self._saved_state = {}
        self.format = self.forced
        self.unrecognised = False

    # ------------------------------------------------------------------ polling

    def poll(self) -> IngestBatch | None:
        """Ingest what is available now (one batch). None when there is nothing new.

        Never raises for file trouble: an unreadable file becomes one Problem (reported once
        per episode, retried on every later poll)."""
        if self.finished:
            return None
        before = self.cursor.offset
        try:
            reset = self.cursor.check()
        except FileNotFoundError:
            self.cursor.close()
            return None
        except OSError as exc:
            return self._unreadable(exc)
        if reset is not None:
            self._restart()
        if self.unreadable is not None:
            self.unreadable = None
        if self.format is None:
            if self.unrecognised:
                return None
            decided = self._detect()
            if isinstance(decided, IngestBatch):
                decided.reset = reset
                return decided
            if decided is not None:  # too early to tell the format
                if reset is None:
                    return None
                # Tell the consumer now (the file is empty or starts over), not with the
                # first line that comes later, and commit offset 0 with the new identity.
                return self._commit(
                    IngestBatch(self.source, None, offset=self.cursor.offset, reset=reset, eof=True)
                )
        at, at_line = self.cursor.offset, self.cursor.lineno
        try:
            result = self.cursor.read(self.max_bytes)
        except OSError as exc:
            # A read that failed half-way may have moved the cursor past lines it never
            # handed over: put it back, so they are read on the retry, never skipped.
            self.cursor.offset, self.cursor.lineno = at, at_line
            return self._unreadable(exc)
        if result.reset is not None:
            self._restart()
            reset = result.reset
            self._parser()
        return self._ingest(result, reset, before)

    def _detect(self) -> IngestBatch | bool | None:
        """Decide the format from the head; None when decided, else what to return."""
        fd = self.cursor.fd
        head = os.pread(fd, SNIFF_BYTES, 0) if fd is not None else b""
        found = detect_format(head, self.path)
        if found is not None:
            self.format = found
            return None
        if head.count(b"\n") < GIVE_UP_LINES and len(head) < SNIFF_BYTES:
            return False  # too little to say yet: wait for more lines
        self.unrecognised = True
        problem = Problem(
            source=self.source,
            line=None,
            reason="unrecognised log format (not native, Claude Code, Codex or OTLP JSON); "
            "use --format to force one",
        )
        return self._commit(
            IngestBatch(self.source, None, problems=[problem], offset=self.cursor.offset)
        )

    def _unreadable(self, exc: OSError) -> IngestBatch | None:
        reason = neutralise(f"cannot read: {exc.strerror or exc}", limit=300)
        self.cursor.close()
        if self.unreadable == reason:
            return None
        self.unreadable = reason
        problem = Problem(source=self.source, line=None, reason=reason)
        return self._commit(
            IngestBatch(self.source, self.format, problems=[problem], offset=self.cursor.offset)
        )

    def _ingest(self, result: ReadResult, reset: str | None, before: int) -> IngestBatch | None:
        parser = self._parser()
        assert parser is not None
        items: list[Event | Problem] = []
        feed = parser.feed
        for lineno, raw in result.lines:
            items.extend(feed(raw, lineno))
        if result.eof and result.gone:
            rest = self.cursor.read_rest()
            if rest.strip():  # a finished file's last line, written without its newline
                self.cursor.consume_rest(len(rest))
                items.extend(feed(rest, self.cursor.lineno))
            self.finished = True
        if result.eof:
            items.extend(parser.flush())
        events = [i for i in items if isinstance(i, Event)]
        for problem in result.problems:  # the cursor knows the real path, not the source key
            problem.source = self.source
        problems = result.problems + [i for i in items if isinstance(i, Problem)]
        consumed = self.cursor.offset if reset is not None else max(0, self.cursor.offset - before)
        if not events and not problems and reset is None and not result.lines and not self.finished:
            return None
        self._adopt_owners(events)
        self.engine.process(events, self.source)
        batch = IngestBatch(
            self.source,
            self.format,
            events=events,
            problems=problems,
            offset=self.cursor.offset,
            consumed=consumed,
            reset=reset,
            eof=result.eof,
        )
        return self._commit(batch)

    def _adopt_owners(self, events: list[Event]) -> None:
        """Sessions the engine cannot attribute yet take the owner the store recorded (the
        hook's, usually): ingesting a hooked session's transcript must not judge its calls
        as ``unknown``. One indexed lookup per such session and batch."""
        lookup = getattr(self.store, "session_owner", None)
        if lookup is None:
            return
        settled = self.engine.settled
        for session in dict.fromkeys(ev.session for ev in events):
            if settled(session):
                continue
            owner = lookup(session)
            if owner is not None:
                self.engine.adopt(session, owner[0], owner[1], self.source)

    def _commit(self, batch: IngestBatch) -> IngestBatch:
        if self.store is not None:
            self.store.record_batch(
                self.source,
                self.cursor.offset,
                self.state(),
                self.cursor.identity_dict(),
                batch.events,
                batch.problems,
            )
        return batch

    def renamed_to(self, path: str) -> SourceIngestor:
        """This file now lives at ``path`` (rotated into a name we also tail): the same open
        file, offset, parser and format continue under the new name, nothing read twice."""
        new = SourceIngestor.__new__(SourceIngestor)
        for name in (
            "engine", "store", "forced", "max_bytes", "format", "parser", "unreadable",
            "unrecognised", "finished", "_saved_state", "cursor",
        ):  # fmt: skip
            setattr(new, name, getattr(self, name))
        new.path, new.source = path, display_path(path)
        new.cursor.path = path
        if new.parser is not None:
            new.parser.source = new.source
        self.cursor = FileCursor(self.path)  # the old name starts afresh (nothing open)
        self.parser = None
        return new

    def commit_position(self) -> None:
        """Record the current offset and state without events (after a rename)."""
        self._commit(IngestBatch(self.source, self.format, offset=self.cursor.offset))

    def drain(self) -> Iterator[IngestBatch]:
        """Poll until caught up (the one-shot ingest and a tailer's catch-up use this)."""
        while True:
            batch = self.poll()
            if batch is None:
                return
            yield batch
            if batch.eof or self.finished or self.unrecognised or self.unreadable:
                return

    def close(self) -> None:
        self.cursor.close()


# --------------------------------------------------------------------------- discovery


def matches(name: str, include: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in include)


def discover(paths: Iterable[str], include: Iterable[str] = DEFAULT_INCLUDE) -> list[str]:
    """Files to ingest: each file given, and under each directory (recursively) every file
    whose name matches ``include``. Absolute paths, sorted, no duplicates."""
    patterns = tuple(include)
    found: dict[str, None] = {}
    for path in paths:
        path = os.path.abspath(os.path.expanduser(path))
        if os.path.isdir(path):
            for root, dirs, files in os.walk(path):
                dirs.sort()
                for name in sorted(files):
                    if matches(name, patterns):
                        found.setdefault(os.path.join(root, name), None)
        else:
            found.setdefault(path, None)
    return list(found)


# --------------------------------------------------------------------------- one-shot


@dataclass(slots=True)
class IngestStats:
    """What a one-shot ingest added (the ``--json`` object of ``overseer ingest``)."""

    files: int = 0
    events: int = 0
    tool_calls: int = 0
    problems: int = 0
    sessions: set[str] = field(default_factory=set)
    calls: set[tuple[str, str]] = field(default_factory=set)
    results: set[tuple[str, str]] = field(default_factory=set)
    verdicts: dict[str, int] = field(default_factory=lambda: {v.value: 0 for v in Verdict})

    def add(self, batch: IngestBatch) -> None:
        self.events += len(batch.events)
        self.problems += len(batch.problems)
        for event in batch.events:
            self.sessions.add(event.session)
            if event.kind is EventKind.TOOL_CALL and event.call_id:
                self.tool_calls += 1
                self.calls.add((event.session, event.call_id))
                if event.verdict is not None:
                    self.verdicts[event.verdict.value] += 1
            elif event.kind is EventKind.TOOL_RESULT and event.call_id:
                self.results.add((event.session, event.call_id))

    @property
    def pending(self) -> int:
        return len(self.calls - self.results)

    def as_dict(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "sessions": len(self.sessions),
            "events": self.events,
            "tool_calls": self.tool_calls,
            "pending": self.pending,
            "problems": self.problems,
            "verdicts": dict(self.verdicts),
        }


def ingest_paths(
    paths: Iterable[str],
    *,
    engine: Engine,
    store: Sink | None = None,
    fmt: str | None = None,
    include: Iterable[str] = DEFAULT_INCLUDE,
    on_batch: Callable[[IngestBatch], None] | None = None,
    max_bytes: int = 4 << 20,
) -> IngestStats:
    """Ingest every file under ``paths`` to its current end, once; returns what was added.

    Running it again over the same files adds nothing: each file resumes from the offset
    committed with its events."""
    stats = IngestStats()
    found = discover(paths, include)
    if store is not None:
        # Before any file is read: a log rotated while overseer was stopped (a.jsonl →
        # a.jsonl.1, a new a.jsonl) must take its offset along before the new file at its
        # old name commits over it.
        follow_moves_safely(store, found)
    ingestors = [
        SourceIngestor(path, engine=engine, store=store, fmt=fmt, max_bytes=max_bytes)
        for path in found
    ]
    for ingestor in ingestors:
        stats.files += 1
        try:
            for batch in ingestor.drain():
                stats.add(batch)
                if on_batch is not None:
                    on_batch(batch)
        finally:
            ingestor.close()
    return stats


def follow_moves_safely(store: Sink, paths: Iterable[str]) -> None:
    """:func:`follow_moves`, but a failure (another process writing offsets, a store error)
    only means the moved files are read again: ingestion itself must go on."""
    with contextlib.suppress(Exception):
        follow_moves(store, paths)
