"""Live feeds for the app: tailed log files, and changes other processes commit to the store.

Each feed is an async callable the App runs as a worker; it calls ``notify(sessions, count)``
after each committed batch (never touching a widget) and the App catches its views up.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable

from overseer.sources.tail import Tailer
from overseer.store.db import Store

Notify = Callable[[set[str], int], None]
LiveFeed = Callable[[Notify], Awaitable[None]]


def tail_feed(tailer: Tailer) -> LiveFeed:
    """Batches from the tailer are already committed to the store when they arrive here."""

    async def run(notify: Notify) -> None:
        try:
            async for batch in tailer.aiter():
                if batch.events or batch.problems:
                    notify({e.session for e in batch.events}, len(batch.events))
        finally:
            tailer.stop()

    return run


def store_feed(store: Store, *, stop: threading.Event | None = None) -> LiveFeed:
    """Wake the app when a hook, ``overseer decide`` or another console changed the store
    (LISTEN/NOTIFY on PostgreSQL, ``PRAGMA data_version`` on SQLite)."""
    stopped = stop or threading.Event()

    def wait_loop(notify: Notify) -> None:
        watcher = store.watch()
        try:
            while not stopped.is_set():
                if watcher.wait(0.5):
                    notify(set(), 0)
        finally:
            watcher.close()

    async def run(notify: Notify) -> None:
        try:
            await asyncio.to_thread(wait_loop, notify)
        finally:
            stopped.set()

    run.stop = stopped  # type: ignore[attr-defined]
    return run
