"""The store: sessions, events, approvals and the hash-chained audit of every gate decision.

Two ways in, one schema:

* :func:`open_store` → :class:`~overseer.store.db.Store` (SQLModel/SQLAlchemy) for the app, the
  CLI and ingestion: bulk event batches, the queries behind each screen.
* :mod:`overseer.store.lean` (stdlib ``sqlite3``, ``psycopg`` by URL) for the gate hook, which
  runs before every tool call of every agent and cannot pay ~0.5 s to import SQLModel.

This package module is imported by the hook too (``import overseer.store.lean`` runs it), so it
holds only the light shared pieces — errors, the schema version, where the database lives — and
loads the SQLModel side on first use of :func:`open_store` / :class:`Store`.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from overseer.store.db import Store

#: Version of the on-disk schema this code writes. A database with a higher version was made
#: by a newer overseer: we refuse to touch it rather than guess (see :func:`check_version`).
#: 2: grants ("approve for this session") and the reveal log; 3: call dedupe index not partial;
#: 4: a partial index of the chain's ``killed`` rows (the gate reads a session's kill from the
#: chain on every call, :mod:`overseer.store.crosscheck`); 5: the notifications table (each
#: page to an operator claimed once, :mod:`overseer.control.notify`); 6: each tool call holds
#: its result's status and its action label, with the review's indexes (issue 16); 7: the
#: activity chart's index; 8: the review's call counts kept as calls are written
#: (``call_groups``, ``session_calls``, ``call_sequences``, :mod:`overseer.store.callsum`).
SCHEMA_VERSION = 8

#: Environment variable naming the database (path or URL) when ``--db`` is not given.
DB_ENV = "OVERSEER_DB"

__all__ = [
    "DB_ENV",
    "SCHEMA_VERSION",
    "AlreadyDecided",
    "SchemaTooNew",
    "SchemaTooOld",
    "Store",
    "StoreError",
    "UnknownApproval",
    "default_db_path",
    "is_postgres",
    "open_store",
    "resolve_db",
    "sqlalchemy_url",
    "utc_text",
]


class StoreError(Exception):
    """The store cannot be used as asked; the message is one line an operator can act on."""


class SchemaTooNew(StoreError):
    """The database was written by a newer overseer; opening it here could corrupt it."""


class SchemaTooOld(StoreError):
    """The database was written by an older overseer and this caller does not migrate it
    (the gate hook, read-only commands): ``overseer upgrade`` does, once."""


class UnknownApproval(StoreError):
    """No approval has this id."""


class AlreadyDecided(StoreError):
    """Someone else decided this approval first (the loser of a race, or a late operator)."""

    def __init__(self, by: str | None, at: str | None, outcome: str) -> None:
        self.by, self.at, self.outcome = by, at, outcome
        super().__init__(
            f"already decided by {by or 'unknown'} at {at or 'unknown time'}: {outcome}"
        )


def utc_text(value: float | datetime | None = None) -> str:
    """The store's time format: UTC, fixed width, ``2025-01-31T14:03:22.123456Z``.

    Fixed width makes text order equal time order on every backend, and the audit chain
    hashes exactly this text. ``value`` is epoch seconds, a datetime (naive means UTC) or now.
    """
    if value is None:
        moment = datetime.now(UTC)
    elif isinstance(value, datetime):
        moment = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    else:
        moment = datetime.fromtimestamp(value, UTC)
    m = moment  # formatted by hand: strftime does not zero-pad years before 1000
    return (
        f"{m.year:04d}-{m.month:02d}-{m.day:02d}T"
        f"{m.hour:02d}:{m.minute:02d}:{m.second:02d}.{m.microsecond:06d}Z"
    )


def clean_text(text: str, postgres: bool) -> str:
    """Text every backend accepts. A lone surrogate (from a ``\\ud800`` escape in hostile
    input) cannot be encoded as UTF-8 and PostgreSQL text cannot hold NUL: either would make
    the write fail — stalling ingestion on that line, or a gate's audit row."""
    if not text.isascii():  # O(1) in CPython; ASCII holds no surrogate (most text is ASCII)
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            text = text.encode("utf-8", "replace").decode("utf-8")
    if postgres and "\x00" in text:
        text = text.replace("\x00", "\ufffd")
    return text


def parse_utc_text(text: str | None) -> datetime | None:
    """Inverse of :func:`utc_text` (aware UTC datetime); ``None`` stays ``None``."""
    if not text:
        return None
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def default_db_path() -> str:
    """``platformdirs.user_data_dir("overseer")/overseer.db``, computed without platformdirs on
    Linux and macOS (importing it costs the gate hook ~20 ms on every tool call)."""
    if sys.platform == "darwin":
        base = os.path.expanduser("~/Library/Application Support/overseer")
    elif sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        xdg = os.environ.get("XDG_DATA_HOME", "").strip()
        base = os.path.join(xdg if xdg else os.path.expanduser("~/.local/share"), "overseer")
    else:  # pragma: no cover - Windows and the rest: let platformdirs decide
        import platformdirs

        base = platformdirs.user_data_dir("overseer")
    return os.path.join(base, "overseer.db")


def resolve_db(db: str | None = None) -> str:
    """``--db`` if given, else ``$OVERSEER_DB``, else the default SQLite file."""
    if db is not None and db.strip():
        return db.strip()
    env = os.environ.get(DB_ENV, "").strip()
    return env or default_db_path()


def is_postgres(db: str) -> bool:
    """True for ``postgresql://``, ``postgresql+psycopg://`` and ``postgres://`` URLs."""
    scheme = db.split("://", 1)[0].lower() if "://" in db else ""
    return scheme.split("+", 1)[0] in ("postgresql", "postgres")


def sqlalchemy_url(db: str) -> str:
    """The SQLAlchemy URL for ``db``: PostgreSQL URLs always use the psycopg 3 driver."""
    if is_postgres(db):
        rest = db.split("://", 1)[1]
        return f"postgresql+psycopg://{rest}"
    if "://" in db:
        scheme = db.split("://", 1)[0]
        if scheme.lower().split("+", 1)[0] != "sqlite":
            raise StoreError(
                f"unsupported database URL scheme {scheme!r} (use a file path or postgresql://)"
            )
        return db
    return "sqlite:///" + os.path.abspath(os.path.expanduser(db))


def libpq_url(db: str) -> str:
    """The plain ``postgresql://`` form psycopg's ``connect`` accepts."""
    return "postgresql://" + db.split("://", 1)[1]


def sqlite_path(db: str) -> str:
    """The file path of a SQLite ``db`` (plain path or ``sqlite:///`` URL)."""
    if "://" in db:
        rest = db.split("://", 1)[1]
        path = rest[1:] if rest.startswith("/") else rest
        return os.path.abspath(os.path.expanduser(path.split("?", 1)[0]))
    return os.path.abspath(os.path.expanduser(db))


def check_version(found: int, where: str) -> None:
    """Refuse a database written by a newer overseer (never "upgrade" it backwards)."""
    if found > SCHEMA_VERSION:
        raise SchemaTooNew(
            f"{where}: database schema version {found} is newer than this overseer supports "
            f"({SCHEMA_VERSION}); upgrade overseer to open it"
        )


def open_store(db: str | None = None) -> Store:
    """Open (creating if needed) the store at ``db``: a SQLite file path or a SQLAlchemy URL.

    ``None`` means ``$OVERSEER_DB``, else SQLite in the user data directory.
    """
    from overseer.store.db import open_store as _open

    return _open(db)


def __getattr__(name: str) -> Any:
    # `from overseer.store import Store` without importing SQLModel for the hook path.
    if name == "Store":
        from overseer.store.db import Store

        return Store
    raise AttributeError(f"module 'overseer.store' has no attribute {name!r}")
