"""Offsets follow their files: logs renamed while overseer was not running keep their place.

Offsets are committed per source name. A log rotated or renamed while overseer was stopped
would otherwise be read again from its start under its new name: tool calls dedupe in the
store, but results and messages would be stored twice; and the stale offset left at the
new name would belong to another file. :func:`follow_moves` runs before any file of a scan
is read: for each name whose committed offset is missing or belongs to another file, it
looks for the offset of the file that lives there now (same device and inode, same first
bytes) under the name it had before, and re-keys all such offsets in one transaction, so
a whole rotation (``a.1 → a.2``, ``a → a.1``) moves at once.

An offset moves only when its old name no longer holds the file (two names for one file,
a hard link, stay two sources), and never from a name that may be a neutralised form of a
real path (the real path cannot be recovered from it to check). When in doubt, nothing
moves: the file is read again (the old behaviour), never skipped.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from typing import Any, Protocol

from overseer.sources.files import FileIdentity, display_path, same_head

#: Characters ``neutralise`` writes in place of what it hides; a name holding one of them
#: may not be the real path.
_STAND_INS = frozenset([chr(c) for c in range(0x2400, 0x2422)] + ["\u23ce", "\ufffd", "\u2026"])


class OffsetStore(Protocol):
    def load_offset(self, source: str) -> tuple[int, Any, Any] | None: ...

    def offsets_of_file(self, dev: int, ino: int) -> list[tuple[str, dict[str, Any]]]: ...

    def reassign_offsets(self, moves: dict[str, str]) -> int: ...


def _may_be_neutralised(source: str) -> bool:
    return "<U+" in source or "    " in source or not _STAND_INS.isdisjoint(source)


def _file_key(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino) if stat.S_ISREG(st.st_mode) else None


def _same_file(identity: Any, key: tuple[int, int]) -> bool:
    known = FileIdentity.from_value(identity)
    return known is not None and (known.dev, known.ino) == key


def follow_moves(store: OffsetStore, paths: Iterable[str]) -> dict[str, str]:
    """Re-key the committed offsets of files renamed among ``paths``; returns the moves
    made, ``{new source: old source}``."""
    here = {display_path(p): p for p in paths}
    keys = {source: _file_key(path) for source, path in here.items()}
    moves: dict[str, str] = {}
    claimed: set[str] = set()
    for source, key in sorted(keys.items()):
        if key is None:
            continue
        saved = store.load_offset(source)
        if saved is not None and _same_file(saved[2], key):
            continue  # its own offset
        for old, identity in store.offsets_of_file(*key):
            if old == source or old in claimed or _may_be_neutralised(old):
                continue
            if (keys[old] if old in keys else _file_key(old)) == key:
                continue  # the old name still holds it: a hard link, its own source
            known = FileIdentity.from_value(identity)
            if known is None or known.head_len == 0 or not same_head(here[source], known):
                continue  # the same inode, other content (or none to compare): a new file
            moves[source] = old
            claimed.add(old)
            break
    if moves:
        store.reassign_offsets(moves)
    return moves
