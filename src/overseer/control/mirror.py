"""The operator's console in hardened mode: a local mirror of the gate server's store.

In hardened mode (docs/hardened.md) the store belongs to the gate server's user and nobody
else may read it, so the console cannot open it. Instead the server hands operators (and only
them: ``SO_PEERCRED``) the rows that changed, and the console copies them, verbatim, into a
store of its own — the *mirror* — which the app reads exactly as it reads any store. Its
decisions, grants and kills go to the server (:class:`overseer.tui.server_source.ServerSource`),
never into the mirror: the mirror only ever holds what the server recorded, so
``overseer audit verify --db MIRROR`` checks the server's chain from the operator's side.

What changes how:

* append-only tables (``events``, ``decisions``, ``grants``, ``problems``, ``reveals``) are
  read after
  the highest key the mirror holds; a short window before it is re-read each time, so a row
  committed late with a lower key (PostgreSQL sequences are not commit-ordered) still arrives
  (copies are ``INSERT ... ON CONFLICT DO NOTHING``);
* ``sessions`` and ``agents`` are small and change in place (a kill, counters): every pull
  sends them whole;
* ``approvals`` change in place too, and every change of one writes a chain row naming it:
  a pull sends the pending ones and those named by the chain rows it sends.

One answer is bounded (:data:`MAX_BATCH_BYTES`); a console that is far behind catches up over
several pulls. Only the columns both sides know are copied (a newer server's extra column is
left out rather than failing the pull).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

#: Append-only tables and their keys, in the order they are copied.
APPEND_ONLY = (
    ("events", "id"), ("decisions", "seq"), ("grants", "id"), ("problems", "id"),
    ("reveals", "id"),
)  # fmt: skip
#: Tables sent whole on every pull, with their keys.
WHOLE = (("agents", "name"), ("sessions", "id"))
#: Rows per append-only table per pull.
BATCH_ROWS = 2000
#: About how many bytes of rows one answer may hold.
MAX_BATCH_BYTES = 4 << 20
#: Keys re-read below the mirror's highest, for rows committed late with a lower key.
WINDOW = 64


class MirrorError(Exception):
    """The server's answer cannot be copied (wrong shape); says what was wrong."""


# ------------------------------------------------------------------------ server side


def changes(conn: Any, after: dict[str, Any]) -> dict[str, Any]:
    """The rows a mirror holding keys up to ``after`` (table → highest key) lacks.

    ``conn`` is the server's lean connection. Returns ``{"tables": {name: {"columns": [...],
    "rows": [[...], ...]}}, "more": bool}``; ``more`` says a table was cut short."""
    tables: dict[str, dict[str, Any]] = {}
    budget = MAX_BATCH_BYTES
    more = False
    named: set[str] = set()
    for table, key in APPEND_ONLY:
        start = after.get(table)
        start = int(start) if isinstance(start, int) and not isinstance(start, bool) else 0
        cur = conn.execute(
            f"SELECT * FROM {table} WHERE {key} > ? ORDER BY {key} LIMIT ?",
            (max(0, start - WINDOW), BATCH_ROWS),
        )
        columns = [d[0] for d in cur.description]
        rows: list[list[Any]] = []
        for row in cur.fetchall():
            size = len(json.dumps(row, default=str))
            if rows and size > budget:
                more = True
                break
            budget -= size
            rows.append(list(row))
        if len(rows) == BATCH_ROWS:
            more = True
        if table == "decisions" and "approval_id" in columns:
            at = columns.index("approval_id")
            named.update(r[at] for r in rows if isinstance(r[at], str))
        tables[table] = {"columns": columns, "rows": rows}
    for table, _key in WHOLE:
        cur = conn.execute(f"SELECT * FROM {table}")
        tables[table] = {"columns": [d[0] for d in cur.description], "rows": cur.fetchall()}
    cur = conn.execute("SELECT * FROM approvals WHERE status = 'pending'")
    columns = [d[0] for d in cur.description]
    approvals = [list(r) for r in cur.fetchall()]
    have = {r[columns.index("id")] for r in approvals}
    wanted = sorted(named - have)
    for i in range(0, len(wanted), 500):
        part = wanted[i : i + 500]
        marks = ",".join("?" * len(part))
        approvals += [
            list(r) for r in conn.execute(f"SELECT * FROM approvals WHERE id IN ({marks})", part)
        ]
    tables["approvals"] = {"columns": columns, "rows": approvals}
    for data in tables.values():
        data["rows"] = [[_plain(v) for v in row] for row in data["rows"]]
    return {"tables": tables, "more": more}


def _plain(value: Any) -> Any:
    """A column value as JSON carries it (PostgreSQL's timestamps and decimals as text)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    return str(value)


# ------------------------------------------------------------------------ console side


def highest(conn: Any) -> dict[str, int]:
    """The highest key of each append-only table in the mirror (what to ask after)."""
    found: dict[str, int] = {}
    for table, key in APPEND_ONLY:
        row = conn.execute(f"SELECT MAX({key}) FROM {table}").fetchone()
        found[table] = int(row[0]) if row and row[0] is not None else 0
    return found


def apply(conn: Any, answer: dict[str, Any]) -> tuple[set[str], int]:
    """Copy one answer of :func:`changes` into the mirror, in one transaction. Returns the
    sessions that got new events and how many events arrived."""
    tables = answer.get("tables")
    if not isinstance(tables, dict):
        raise MirrorError("the server's answer has no tables")
    keys = dict(APPEND_ONLY) | dict(WHOLE) | {"approvals": "id"}
    sessions: set[str] = set()
    events = 0
    with conn.transaction():
        for table, key in keys.items():
            data = tables.get(table)
            if data is None:
                continue
            columns, rows = _shape(table, data)
            local = _local_columns(conn, table)
            keep = [i for i, c in enumerate(columns) if c in local]
            if key not in columns or not keep:
                raise MirrorError(f"the server's {table} rows have no {key}")
            names = [columns[i] for i in keep]
            changed = [c for c in names if c != key]
            conflict = (
                "DO NOTHING"
                if table in dict(APPEND_ONLY) or not changed
                else "DO UPDATE SET "
                + ", ".join(f"{c} = excluded.{c}" for c in changed)
                # an unchanged row is not rewritten: the app's store watcher wakes on writes
                + " WHERE "
                + " OR ".join(f"{table}.{c} IS NOT excluded.{c}" for c in changed)
            )
            sql = (
                f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
                f" ON CONFLICT ({key}) {conflict}"
            )
            for row in rows:
                values = [row[i] for i in keep]
                cur = conn.execute(sql, values)
                if table == "events" and (cur.rowcount or 0) > 0:
                    events += 1
                    at = columns.index("session") if "session" in columns else -1
                    if at >= 0 and isinstance(row[at], str):
                        sessions.add(row[at])
    return sessions, events


def _shape(table: str, data: Any) -> tuple[list[str], list[list[Any]]]:
    if not isinstance(data, dict):
        raise MirrorError(f"the server's {table} is not an object")
    columns, rows = data.get("columns"), data.get("rows")
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        raise MirrorError(f"the server's {table} columns are not names")
    if not isinstance(rows, list) or not all(
        isinstance(r, list) and len(r) == len(columns) for r in rows
    ):
        raise MirrorError(f"the server's {table} rows do not match its columns")
    return columns, rows


def _local_columns(conn: Any, table: str) -> frozenset[str]:
    """The mirror's own columns of ``table`` (one cheap statement; a pull opens a fresh
    connection, so nothing is cached across them)."""
    cur = conn.execute(f"SELECT * FROM {table} LIMIT 0")
    return frozenset(d[0] for d in cur.description)


class MirrorFeed:
    """A live feed for the app (see :mod:`overseer.tui.live`): pulls from the gate server
    into the mirror, then wakes the app. Runs in a worker thread; never touches a widget.

    ``health`` is the source's health dict: ``server`` says whether the last pull worked."""

    def __init__(
        self,
        db: str,
        socket_path: str,
        health: dict[str, str],
        *,
        interval: float = 0.25,
        request: Callable[[str, dict[str, Any]], dict[str, Any]] | None = None,
    ) -> None:
        self.db, self.socket_path, self.health = db, socket_path, health
        self.interval = interval
        self._request = request
        self._stopped = threading.Event()
        self._wake = threading.Event()

    def pull(self) -> tuple[set[str], int]:
        """One catch-up (several pulls while the server says there is more)."""
        from overseer.control import thin
        from overseer.store import lean

        ask = self._request or thin.request
        conn = lean.connect(self.db)
        try:
            sessions: set[str] = set()
            count = 0
            for _ in range(1000):
                answer = ask(self.socket_path, {"op": "mirror", "after": highest(conn)})
                got, n = apply(conn, answer)
                sessions |= got
                count += n
                if answer.get("more") is not True:
                    break
            return sessions, count
        finally:
            conn.close()

    def poke(self) -> None:
        """Pull now (after a decision), not at the next tick."""
        self._wake.set()

    def _loop(self, notify: Callable[[set[str], int], None]) -> None:
        while not self._stopped.is_set():
            try:
                sessions, count = self.pull()
            except Exception as exc:  # the server away or refusing: say so, keep trying
                self.health["server"] = f"unreachable: {str(exc)[:120]}"
                notify(set(), 0)
            else:
                was = self.health.get("server")
                self.health["server"] = "ok"
                if count or was != "ok":  # other changes wake the app through the mirror
                    notify(sessions, count)
            self._wake.wait(self.interval)
            self._wake.clear()

    async def __call__(self, notify: Callable[[set[str], int], None]) -> None:
        import asyncio

        try:
            await asyncio.to_thread(self._loop, notify)
        finally:
            self.stop()

    def stop(self) -> None:
        self._stopped.set()
        self._wake.set()


def default_mirror(socket_path: str) -> str:
    """The console's mirror for the server at ``socket_path``: beside the user's own store,
    one file per server (a mirror holds one server's rows and nothing else)."""
    import hashlib
    import os

    from overseer.store import resolve_db

    digest = hashlib.sha256(os.path.abspath(socket_path).encode()).hexdigest()[:12]
    home = os.path.dirname(os.path.abspath(resolve_db(None)))
    return os.path.join(home, f"mirror-{digest}.db")
