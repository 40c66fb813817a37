"""Read the complete lines of one growing log file from a byte offset, and know it is the same file.

A :class:`FileCursor` is the only thing that touches a log file's bytes. It guarantees:

* **complete lines only** — a last line without its newline is left for the next read, so
  a half-written record is never parsed (the committed offset stops before it);
* **bounded memory** — at most ``max_bytes`` per read; a line longer than ``max_line`` is
  skipped without being held whole, and becomes one Problem;
* **the same file, or a fresh start** — a :class:`FileIdentity` (device, inode, a hash of
  the first bytes and one of the bytes just before the offset) is saved with the offset.
  On reopening, or while tailing, a file that is shorter than the offset (truncated) or
  whose bytes changed (rewritten, re-created) is read again from the start, and the caller
  is told (``reset``) so the parser restarts too. The hashes, not the inode, decide whether
  a saved offset still applies: tools that sync logs by writing a new file and renaming it
  keep the content but not the inode;
* **rotation without loss** — while tailing, the open descriptor keeps reading the old file
  to its end after a rename or deletion (``gone``); only then does the caller move on to
  whatever now lives at the path.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from dataclasses import dataclass, field, replace

from overseer.model import Problem
from overseer.sources.formats import MAX_LINE_BYTES
from overseer.untrusted import neutralise

#: How many leading bytes identify a file's content.
HEAD_BYTES = 4096
_SCAN_CHUNK = 1 << 20


class NotARegularFile(OSError):
    """A directory, FIFO or device where a log file was expected (never opened blocking)."""


def display_path(path: str) -> str:
    """The source key for ``path``: the path itself, or its neutralised form when the name
    carries control or bidi characters. File names are agent-written text too, and the
    source is shown on screen (events and problems carry it); the real path is kept for I/O.
    Deterministic, so a restart finds the same committed offset."""
    return path if path.isprintable() else neutralise(path, limit=4096)


def head_digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=12).hexdigest()


@dataclass(slots=True, frozen=True)
class FileIdentity:
    """Which file, with which beginning, an offset belongs to; and, when committed with an
    offset past the head, a hash of the bytes just before that offset (``tail_end``): a
    file with the same first 4 KB but other content further on (rewritten, or another file
    on a reused inode) is then told apart too, instead of being resumed mid-way."""

    dev: int
    ino: int
    head_len: int
    head_hash: str
    tail_end: int = 0
    tail_hash: str = ""

    def as_dict(self) -> dict[str, int | str]:
        out: dict[str, int | str] = {
            "dev": self.dev,
            "ino": self.ino,
            "head_len": self.head_len,
            "head_hash": self.head_hash,
        }
        if self.tail_end:
            out["tail_end"], out["tail_hash"] = self.tail_end, self.tail_hash
        return out

    @classmethod
    def from_value(cls, value: object) -> FileIdentity | None:
        """From :meth:`as_dict` output (or its JSON text); None for anything else."""
        if isinstance(value, str | bytes):
            try:
                value = json.loads(value)
            except ValueError:
                return None
        if not isinstance(value, dict):
            return None
        try:
            return cls(
                int(value["dev"]),
                int(value["ino"]),
                int(value["head_len"]),
                str(value["head_hash"]),
                int(value.get("tail_end", 0)),
                str(value.get("tail_hash", "")),
            )
        except (KeyError, TypeError, ValueError):
            return None


@dataclass(slots=True)
class ReadResult:
    """What one :meth:`FileCursor.read` found."""

    lines: list[tuple[int, bytes]] = field(default_factory=list)  # (line number, bytes)
    problems: list[Problem] = field(default_factory=list)  # overlong lines, skipped
    offset: int = 0  # byte offset after the last complete line consumed
    lineno: int = 0  # number of the last complete line consumed
    reset: str | None = None  # "truncated" | "replaced": the parser must start over
    eof: bool = False  # nothing more to read right now
    gone: bool = False  # at EOF and the path no longer names this file (rotated, deleted)


def same_head(path: str, known: FileIdentity) -> bool:
    """Does the file at ``path`` still hold the bytes ``known`` was taken from (its head,
    and the bytes before its committed offset when it records them)?"""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return False
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return False
        head = os.pread(fd, known.head_len, 0) if known.head_len > 0 else b""
        tail_ok = known.tail_end == 0 or tail_digest(fd, known.tail_end) == known.tail_hash
    except OSError:
        return False
    finally:
        os.close(fd)
    return len(head) == known.head_len and head_digest(head) == known.head_hash and tail_ok


def tail_digest(fd: int, end: int) -> str | None:
    """Hash of the (up to) ``HEAD_BYTES`` bytes before ``end``; None if the file is shorter."""
    length = min(end, HEAD_BYTES)
    data = os.pread(fd, length, end - length)
    return head_digest(data) if len(data) == length else None


def _vouches(known: FileIdentity | None, offset: int, st: os.stat_result) -> bool:
    """Can ``known`` tell whether ``offset`` belongs to the file ``st`` describes? Not when
    there is no identity, nor when its head covers less than the bytes before the offset
    and the inode is another one (rows committed while a file was unreadable, or before the
    head covered the bytes read, have such identities); re-reading beats skipping lines."""
    if known is None:
        return False
    if known.head_len >= min(offset, HEAD_BYTES):
        return True
    return (known.dev, known.ino) == (st.st_dev, st.st_ino)


class FileCursor:
    """Reads complete lines of ``path`` from ``offset`` (see the module docstring)."""

    def __init__(
        self,
        path: str,
        offset: int = 0,
        lineno: int = 0,
        identity: object = None,
        *,
        max_line: int = MAX_LINE_BYTES,
    ) -> None:
        self.path = path
        self.offset = max(0, int(offset))
        self.lineno = max(0, int(lineno))
        self.saved = FileIdentity.from_value(identity)
        self.identity: FileIdentity | None = None
        self.max_line = max_line
        self.fd: int | None = None

    # ------------------------------------------------------------------ identity

    def _open(self) -> None:
        fd = os.open(
            self.path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
        )
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            os.close(fd)
            raise NotARegularFile(f"not a regular file: {self.path}")
        self.fd = fd

    def _head(self, length: int) -> bytes:
        assert self.fd is not None
        return os.pread(self.fd, length, 0) if length > 0 else b""

    def check(self) -> str | None:
        """Open if needed and make sure the offset still belongs to this file's content."""
        reason: str | None = None
        if self.fd is None:
            self._open()
        assert self.fd is not None
        st = os.fstat(self.fd)
        known = self.identity or self.saved
        if st.st_size < self.offset:
            reason = "truncated"
        elif self.offset > 0 and not _vouches(known, self.offset, st):
            reason = "replaced"  # nothing proves the offset is this file's: read it again
        elif known is not None and known.head_len > 0:
            head = self._head(known.head_len)
            if len(head) < known.head_len or head_digest(head) != known.head_hash:
                reason = "replaced"
            elif (
                known.tail_end == self.offset > known.head_len
                and (
                    known is self.saved  # the first look after a restart
                    or (known.dev, known.ino) != (st.st_dev, st.st_ino)  # another inode
                    or st.st_size > self.offset  # about to read on: one 4 KB read a batch
                )
                and tail_digest(self.fd, self.offset) != known.tail_hash
            ):
                reason = "replaced"  # same beginning, other content before the offset
        if reason is not None:
            self.offset = self.lineno = 0
        if (
            reason is not None
            or known is None
            or known.head_len < min(st.st_size, HEAD_BYTES)
            or (known.dev, known.ino) != (st.st_dev, st.st_ino)
        ):
            head_len = min(st.st_size, HEAD_BYTES)
            self.identity = FileIdentity(
                st.st_dev, st.st_ino, head_len, head_digest(self._head(head_len))
            )
        else:
            self.identity = known
        self.saved = None
        return reason

    def identity_dict(self) -> dict[str, int | str]:
        """What to commit beside the offset: the identity checked last, or, when the file
        could not be opened this time, the one loaded with the offset (committing none
        would leave an offset nothing can vouch for)."""
        known = self.identity or self.saved
        if known is None:
            return {}
        fresh = self.identity is not None and self.fd is not None
        if fresh and known.tail_end != self.offset > known.head_len:
            assert self.fd is not None
            try:
                tail = tail_digest(self.fd, self.offset)
            except OSError:  # the head alone still vouches (a commit must not fail on it)
                tail = None
            if tail is not None:
                known = self.identity = replace(known, tail_end=self.offset, tail_hash=tail)
        return known.as_dict()

    def same_file_at_path(self) -> bool:
        """Does ``path`` still name the file we hold open? (False: rotated or deleted.)"""
        if self.fd is None:
            return True
        try:
            st = os.stat(self.path)
        except OSError:
            return False
        mine = os.fstat(self.fd)
        return (st.st_dev, st.st_ino) == (mine.st_dev, mine.st_ino)

    def close(self) -> None:
        if self.fd is not None:
            try:
                os.close(self.fd)
            finally:
                self.fd = None

    # ------------------------------------------------------------------ reading

    def read(self, max_bytes: int = 1 << 20) -> ReadResult:
        """Up to ``max_bytes`` of complete lines from the offset. Raises OSError when the file
        cannot be opened (the caller reports it and retries)."""
        reset = self.check()
        assert self.fd is not None
        result = ReadResult(reset=reset)
        chunk = os.pread(self.fd, max_bytes, self.offset)
        cut = chunk.rfind(b"\n")
        if cut >= 0:
            lineno = self.lineno
            lines = result.lines
            for raw in chunk[:cut].split(b"\n"):
                lineno += 1
                if len(raw) > self.max_line:
                    result.problems.append(self._too_long(lineno, len(raw)))
                else:
                    lines.append((lineno, raw))
            self.lineno = lineno
            self.offset += cut + 1
            result.eof = len(chunk) < max_bytes
        elif len(chunk) < max_bytes:
            result.eof = True  # nothing, or a partial last line: wait for its newline
        else:
            self._long_line(result, len(chunk))
        self._cover_offset()
        result.offset, result.lineno = self.offset, self.lineno
        if result.eof:
            result.gone = not self.same_file_at_path()
        return result

    def _cover_offset(self) -> None:
        """Make the identity's head cover the bytes read so far (up to ``HEAD_BYTES``).

        ``check`` hashes the head at the size it saw; lines appended before the read then
        move the offset past it. An identity committed with a shorter head (an empty one,
        for a file first seen empty) could not tell this file from another one put in its
        place while overseer was stopped, whose first lines would then be skipped."""
        known = self.identity
        if known is None or known.head_len >= min(self.offset, HEAD_BYTES):
            return
        head_len = min(self.offset, HEAD_BYTES)
        self.identity = FileIdentity(
            known.dev, known.ino, head_len, head_digest(self._head(head_len))
        )

    def _long_line(self, result: ReadResult, scanned: int) -> None:
        """The line at the offset is longer than one read: find its end without holding it."""
        assert self.fd is not None
        pos = self.offset + scanned
        while True:
            chunk = os.pread(self.fd, _SCAN_CHUNK, pos)
            if not chunk:
                result.eof = True  # still being written: wait for its newline
                return
            nl = chunk.find(b"\n")
            if nl >= 0:
                end = pos + nl
                break
            pos += len(chunk)
        length = end - self.offset
        self.lineno += 1
        if length > self.max_line:
            result.problems.append(self._too_long(self.lineno, length))
        else:
            result.lines.append((self.lineno, os.pread(self.fd, length, self.offset)))
        self.offset = end + 1

    def _too_long(self, lineno: int, length: int) -> Problem:
        return Problem(
            source=self.path,
            line=lineno,
            reason=f"line too long ({length} bytes; limit {self.max_line}): skipped",
        )

    def consume_rest(self, length: int) -> None:
        """The caller used ``length`` bytes past the offset as one last line (a finished
        file's final line, written without its newline)."""
        self.lineno += 1
        self.offset += length
        self._cover_offset()

    def read_rest(self) -> bytes:
        """The bytes after the offset (a final line without newline, for a finished file)."""
        if self.fd is None:
            return b""
        return os.pread(self.fd, self.max_line + 1, self.offset)
