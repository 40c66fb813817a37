"""Live feeds for the app: tailed log files, and changes other processes commit to the store.

Each feed is an async callable the App runs as a worker; it calls ``notify(sessions, count)``
after each committed batch (never touching a widget) and the App catches its views up. Every
feed also has ``stop()``, which the App calls when it closes, so no thread outlives it.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

from overseer.sources.tail import Tailer
from overseer.store.db import Store

Notify = Callable[[set[str], int], None]


class TailFeed:
    """Batches from the tailer are already committed to the store when they arrive here."""

    def __init__(self, tailer: Tailer) -> None:
        self.tailer = tailer

    async def __call__(self, notify: Notify) -> None:
        try:
            async for batch in self.tailer.aiter():
                if batch.events or batch.problems:
                    notify({e.session for e in batch.events}, len(batch.events))
        finally:
            self.stop()

    def stop(self) -> None:
        self.tailer.stop()


class StoreFeed:
    """Wake the app when a hook, ``overseer decide`` or another console changed the store
    (LISTEN/NOTIFY on PostgreSQL, ``PRAGMA data_version`` on SQLite)."""

    def __init__(self, store: Store, *, min_interval: float = 0.05) -> None:
        self.store = store
        self.min_interval = min_interval
        self._stopped = threading.Event()

    def _loop(self, notify: Notify) -> None:
        watcher = self.store.watch()
        try:
            while not self._stopped.is_set():
                if watcher.wait(0.25):
                    notify(set(), 0)
                    # Busy agents commit many times a second: one wake-up per interval is
                    # plenty for the screen and keeps the app's queue short.
                    self._stopped.wait(self.min_interval)
        finally:
            watcher.close()

    async def __call__(self, notify: Notify) -> None:
        try:
            await asyncio.to_thread(self._loop, notify)
        finally:
            self.stop()

    def stop(self) -> None:
        self._stopped.set()


def tail_feed(tailer: Tailer) -> TailFeed:
    return TailFeed(tailer)


def store_feed(store: Store) -> StoreFeed:
    return StoreFeed(store)
