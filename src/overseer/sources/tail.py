"""Tail log files and directories live, with watchfiles, and hand out committed batches.

::

    tailer = Tailer(["~/.claude/projects", "~/.codex/sessions"], engine=engine, store=store)
    for batch in tailer:                 # blocking: run it in a thread worker
        post(batch)                      # IngestBatch: events + problems, already stored
    ...
    async for batch in tailer.aiter():   # or from an asyncio task (I/O runs in a thread)
        ...
    tailer.stop()                        # from any thread; the iterator ends promptly

What it handles: directories (recursive, file-name globs), files given by name (watched
through their directory, so deletion and re-creation are seen), new files and directories,
a partial last line (waits for its newline), truncation and in-place rewrites (read again
from the start), rotation (the old file is read to its end through the open descriptor
before the new one is read; a renamed file that still matches the globs continues from its
offset instead of being read twice), deletion, unreadable files (one Problem, retried every
``idle_ms``), events the watcher missed (known files are checked every ``idle_ms``, the
roots walked again every ``rescan_ms``), a watcher that fails (inotify limits: it falls back
to polling, reported once), and large files (resumed from the committed offset, read
``max_bytes`` at a time so other files and the consumer get their turn).

Latency: watchfiles' default 1.6 s debounce is far too slow for an operator; here a change
is reported after ``step_ms`` of quiet (10 ms), and at most ``debounce_ms`` (50 ms) after
the first change of a continuous stream.

Back-pressure: both iterators are pull-based. Nothing is read while the consumer is busy
with a batch (the async form hands batches over a queue of ``queue_size``); changes keep
accumulating in the watcher meanwhile and are coalesced, so a flood of appends becomes a
few large batches rather than a flood of messages.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import threading
import time
from collections.abc import AsyncIterator, Iterable, Iterator

import watchfiles
from watchfiles import Change

from overseer.engine import Engine
from overseer.model import Problem
from overseer.sources.files import display_path
from overseer.sources.ingest import (
    DEFAULT_INCLUDE,
    IngestBatch,
    Sink,
    SourceIngestor,
    follow_moves_safely,
    matches,
)
from overseer.untrusted import neutralise


class Tailer:
    """Watches ``paths`` and yields :class:`IngestBatch` es (see the module docstring)."""

    def __init__(
        self,
        paths: Iterable[str],
        *,
        engine: Engine,
        store: Sink | None = None,
        fmt: str | None = None,
        include: Iterable[str] = DEFAULT_INCLUDE,
        step_ms: int = 10,
        debounce_ms: int = 50,
        idle_ms: int = 1000,
        rescan_ms: int = 10_000,
        max_bytes: int = 1 << 20,
        force_polling: bool | None = None,
    ) -> None:
        self.engine = engine
        self.store = store
        self.fmt = fmt
        self.include = tuple(include)
        self.step_ms, self.debounce_ms, self.idle_ms = step_ms, debounce_ms, idle_ms
        self.rescan_ms = rescan_ms
        self.max_bytes = max_bytes
        self.force_polling = force_polling
        self.roots = [os.path.abspath(os.path.expanduser(p)) for p in paths]
        self.ingestors: dict[str, SourceIngestor] = {}
        self._stop = threading.Event()
        self._reported_missing: set[str] = set()

    # ------------------------------------------------------------------ what to watch

    def _dir_roots(self) -> list[str]:
        return [r for r in self.roots if os.path.isdir(r)]

    def _file_roots(self) -> list[str]:
        return [r for r in self.roots if not os.path.isdir(r)]

    def wanted(self, path: str) -> bool:
        """Is ``path`` a log we tail: a file named as a root, or a matching file under a
        directory root?"""
        if path in self.roots:
            return not os.path.isdir(path)
        name = os.path.basename(path)
        if not matches(name, self.include):
            return False
        return any(path.startswith(root.rstrip(os.sep) + os.sep) for root in self._dir_roots())

    def _watch_targets(self) -> tuple[list[str], bool]:
        """Directories to hand watchfiles, and whether to watch them recursively.

        A file root is watched through its parent directory: a watch on the file itself
        would follow the inode into a rotated file and never see its replacement."""
        dirs = self._dir_roots()
        targets = list(dirs)
        for root in self._file_roots():
            parent = os.path.dirname(root)
            if os.path.isdir(parent) and parent not in targets:
                targets.append(parent)
        return targets, bool(dirs)

    def _scan(self) -> set[str]:
        """Every file currently wanted (initial scan, new directories, periodic rescan)."""
        found: set[str] = set()
        for root in self.roots:
            if os.path.isdir(root):
                for base, dirs, files in os.walk(root):
                    dirs.sort()
                    for name in files:
                        if matches(name, self.include):
                            found.add(os.path.join(base, name))
            elif os.path.lexists(root):
                found.add(root)
        return found

    # ------------------------------------------------------------------ polling

    def _ingestor(self, path: str) -> SourceIngestor:
        ingestor = self.ingestors.get(path)
        if ingestor is None:
            ingestor = SourceIngestor(
                path, engine=self.engine, store=self.store, fmt=self.fmt, max_bytes=self.max_bytes
            )
            self.ingestors[path] = ingestor
        return ingestor

    def _open_inodes(self) -> dict[tuple[int, int], SourceIngestor]:
        out: dict[tuple[int, int], SourceIngestor] = {}
        for ingestor in self.ingestors.values():
            fd = ingestor.cursor.fd
            if fd is not None:
                try:
                    st = os.fstat(fd)
                except OSError:
                    continue
                out[(st.st_dev, st.st_ino)] = ingestor
        return out

    def _moved_names(self, paths: set[str]) -> set[str]:
        """New names, in the same directory, of held files that left their path.

        The watcher may report a rename's old name in one batch and its new name in the
        next, and an append to the renamed file can land between them: reading it through
        the descriptor still filed under the old name would attribute its lines to the
        wrong source. Looking for the new name first keeps every line under the name the
        file has when it is read."""
        found: set[str] = set()
        for path in paths:
            ingestor = self.ingestors.get(path)
            if ingestor is None or ingestor.cursor.same_file_at_path():
                continue
            parent = os.path.dirname(path)
            try:
                names = os.listdir(parent)
            except OSError:
                continue
            found.update(
                full
                for full in (os.path.join(parent, name) for name in names)
                if full not in self.ingestors and self.wanted(full)
            )
        return found

    def _adopt_renames(self, paths: set[str]) -> None:
        """A new path naming a file we already hold open was renamed (rotation into a name
        that still matches): continue it from its offset instead of reading it twice."""
        paths |= self._moved_names(paths)
        fresh = [p for p in paths if p not in self.ingestors and self.wanted(p)]
        if not fresh:
            return
        held = self._open_inodes()
        for path in sorted(fresh):
            try:
                st = os.stat(path)
            except OSError:
                continue
            old = held.get((st.st_dev, st.st_ino))
            if old is None or old.path == path or old.cursor.same_file_at_path():
                continue  # not ours, or a hard link: a separate source
            self.ingestors.pop(old.path, None)
            adopted = old.renamed_to(path)
            self.ingestors[path] = adopted
            paths.add(old.path)  # whatever lives at the old name now is a new file
            adopted.commit_position()

    def poll_paths(self, paths: set[str]) -> Iterator[IngestBatch]:
        """Read what is new in ``paths`` (round-robin, one batch per file per round)."""
        self._adopt_renames(paths)
        active = sorted(paths)
        fresh = [
            p for p in active if p not in self.ingestors and os.path.lexists(p) and self.wanted(p)
        ]
        if fresh and self.store is not None:
            follow_moves_safely(self.store, fresh)  # offsets first, reading after
        for path in fresh:
            self._ingestor(path)
        while active and not self._stop.is_set():
            still: list[str] = []
            for path in active:
                ingestor = self.ingestors.get(path)
                if ingestor is None:
                    if not os.path.lexists(path) or not self.wanted(path):
                        continue
                    ingestor = self._ingestor(path)
                batch = ingestor.poll()
                if batch is not None:
                    yield batch
                if ingestor.finished:  # rotated or deleted, read to its end
                    ingestor.close()
                    del self.ingestors[path]
                    if os.path.lexists(path):
                        still.append(path)  # the new file at this name, from its start
                elif batch is not None and not batch.eof and ingestor.unreadable is None:
                    still.append(path)  # more to read: next round
            active = still

    def _periodic(self, full: bool = True) -> Iterator[IngestBatch]:
        """Every ``idle_ms``: retry unreadable files and check known files for growth the
        watcher missed; with ``full`` (every ``rescan_ms``) also walk the roots for files it
        never reported (a walk of a big ``~/.claude/projects`` is too dear every second)."""
        candidates = self._scan() if full else set()
        for path, ingestor in list(self.ingestors.items()):
            if ingestor.unreadable is not None:
                candidates.add(path)
                continue
            try:
                st = os.stat(path)
            except OSError:
                candidates.add(path)  # gone: let poll read the rest and retire it
                continue
            if st.st_size != ingestor.cursor.offset or ingestor.cursor.fd is None:
                candidates.add(path)
                continue
            known = ingestor.cursor.identity
            if known is not None and (known.dev, known.ino) != (st.st_dev, st.st_ino):
                candidates.add(path)
        new = {p for p in candidates if p not in self.ingestors}
        growing = {p for p in candidates if p in self.ingestors}
        yield from self.poll_paths(new | growing)
        yield from self._missing_roots()

    def _missing_roots(self) -> Iterator[IngestBatch]:
        for root in self.roots:
            exists = os.path.lexists(root) or os.path.isdir(os.path.dirname(root))
            if not exists and root not in self._reported_missing:
                self._reported_missing.add(root)
                yield IngestBatch(
                    display_path(root),
                    None,
                    problems=[
                        Problem(
                            source=display_path(root),
                            line=None,
                            reason="path does not exist (watching for it)",
                        )
                    ],
                )
            elif exists:
                self._reported_missing.discard(root)

    # ------------------------------------------------------------------ iteration

    def stop(self) -> None:
        """Ask the iterator to finish (thread-safe; takes effect within ``step_ms``)."""
        self._stop.set()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def catch_up(self) -> Iterator[IngestBatch]:
        """Ingest everything already on disk (from committed offsets)."""
        yield from self.poll_paths(self._scan())
        yield from self._missing_roots()

    def __iter__(self) -> Iterator[IngestBatch]:
        """Catch up, then follow changes until :meth:`stop`. Blocking: use a thread."""
        yield from self.catch_up()
        while not self._stop.is_set():
            targets, recursive = self._watch_targets()
            if not targets:  # nothing exists yet: look again later
                if self._stop.wait(self.idle_ms / 1000):
                    return
                yield from self._periodic()
                continue
            yield from self._follow(targets, recursive)

    def _follow(self, targets: list[str], recursive: bool) -> Iterator[IngestBatch]:
        """One watchfiles session over ``targets``; returns when the targets change."""
        last_periodic = last_rescan = time.monotonic()
        # Pick up anything written between the catch-up and the watch starting.
        yield from self._periodic()
        watcher = watchfiles.watch(
            *targets,
            watch_filter=None,
            debounce=self.debounce_ms,
            step=self.step_ms,
            rust_timeout=self.idle_ms,
            yield_on_timeout=True,
            stop_event=self._stop,
            raise_interrupt=False,
            recursive=recursive,
            force_polling=self.force_polling,
            ignore_permission_denied=True,
        )
        while True:
            try:
                changes = next(watcher)
            except StopIteration:
                return
            except (OSError, RuntimeError) as exc:  # inotify limits, a root that vanished…
                yield from self._watch_failed(exc)
                return
            if self._stop.is_set():
                return
            dirty: set[str] = set()
            for change, path in changes:
                if self.wanted(path):
                    dirty.add(path)
                elif change == Change.added and os.path.isdir(path) and recursive:
                    # Files created before the new directory's watch existed.
                    for base, _dirs, files in os.walk(path):
                        dirty.update(
                            os.path.join(base, n) for n in files if matches(n, self.include)
                        )
            if dirty:
                yield from self.poll_paths(dirty)
            now = time.monotonic()
            if not changes or now - last_periodic >= self.idle_ms / 1000:
                full = now - last_rescan >= self.rescan_ms / 1000
                last_periodic = now
                if full:
                    last_rescan = now
                yield from self._periodic(full)
            if self._watch_targets() != (targets, recursive):
                return  # a root appeared or vanished: watch the new set

    def _watch_failed(self, exc: BaseException) -> Iterator[IngestBatch]:
        """Notifications failed: fall back to polling (reported once), or wait and retry."""
        if not self.force_polling:
            self.force_polling = True
            reason = neutralise(f"file watching failed ({exc}); polling instead", limit=300)
            yield IngestBatch(
                "(watcher)", None, problems=[Problem(source="(watcher)", line=None, reason=reason)]
            )
        elif self._stop.wait(self.idle_ms / 1000):
            return

    async def aiter(self, queue_size: int = 64) -> AsyncIterator[IngestBatch]:
        """The same batches for an asyncio consumer. File and store I/O run in a thread;
        the thread waits while ``queue_size`` batches are unconsumed (back-pressure).

        Leave early with ``async with contextlib.aclosing(tailer.aiter()) as batches:`` (or
        call :meth:`stop`): the thread ends within ``step_ms``."""
        loop = asyncio.get_running_loop()
        handoff: asyncio.Queue[IngestBatch | BaseException | None] = asyncio.Queue(queue_size)

        def put(item: IngestBatch | BaseException | None) -> bool:
            if loop.is_closed():
                return False
            coro = handoff.put(item)
            try:
                future = asyncio.run_coroutine_threadsafe(coro, loop)
            except RuntimeError:  # the loop closed meanwhile
                coro.close()
                return False
            try:
                future.result()
            except (RuntimeError, concurrent.futures.CancelledError):
                return False
            return True

        def produce() -> None:
            try:
                for batch in self:
                    if not put(batch):
                        self.stop()
                        return
            except BaseException as exc:  # hand it to the consumer rather than lose it
                put(exc)
            else:
                put(None)

        thread = threading.Thread(target=produce, name="overseer-tail", daemon=True)
        thread.start()
        try:
            while True:
                item = await handoff.get()
                if item is None:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            self.stop()
            while thread.is_alive():  # let the producer finish its put without deadlock
                try:
                    handoff.get_nowait()
                except asyncio.QueueEmpty:
                    await asyncio.sleep(0.01)

    def close(self) -> None:
        self.stop()
        for ingestor in self.ingestors.values():
            ingestor.close()
        self.ingestors.clear()
