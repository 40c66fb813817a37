"""The review's tool-call counts, kept as the calls are written (schema 8, issue 16).

``record_batch`` folds each batch's tool calls in Python and writes the result with one
fixed-shape ``executemany`` upsert a table:

* ``call_groups``: per session, the calls alike in everything the review counts them by
  (:class:`~overseer.store.tables.CallGroupRow`), for the calls whose status is final (a
  stored result, or no call id to pair one with). A call still waiting for its result is in
  the partial index ``ix_events_pending`` instead, and joins its group when the result is
  stored (:meth:`Fold.add_call` of the call with the result's status).
* ``session_calls`` / ``call_sequences``: per session, every call's count and time span, and
  the labels autonomy reads with consecutive repeats folded (appended while calls arrive in
  time order; ``stale`` once one does not, and the review reads that session from the index).

A review of whole sessions then reads a row a group and a row or two a session; a session
the review's period cuts is still grouped from the index (``overseer.report.aggregate``).

These tables are derived data: a cache of counts over ``events``, never a record. Nothing
trusts them over the events — the audit chain is verified from ``decisions`` alone, the
call-by-call review (``gather(by_rows=True)``) reads the events, and the tests hold the two
reviews equal byte for byte. :func:`fill_call_summaries` rebuilds them from the events (the
migration to schema 8; a store whose rows were written another way, like the review bench).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

#: Runs of a folded sequence per ``call_sequences`` row: the tail rewritten per batch stays
#: bounded, a long session is a few rows.
CHUNK = 512
_IN_CHUNK = 500

#: What a call contributes, as the fold reads it (one tuple a call):
#: session, id, ts, agent, task, tool, verdict, rule, status, result_status, label, call_id,
#: summary.
CALL_COLUMNS = (
    "session", "id", "ts", "agent", "task", "tool", "verdict", "rule", "status",
    "result_status", "label", "call_id", "summary",
)  # fmt: skip
CALL_SELECT = "SELECT " + ", ".join(CALL_COLUMNS) + " FROM events"

_GROUP_UPSERT = (
    "INSERT INTO call_groups (session, gkey, agent, task, tool, verdict, rule, status, label,"
    " calls, first_ts, first_id, last_ts, last_id, last_call_id, summary, rejected)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (session, gkey) DO UPDATE SET"
    " calls = call_groups.calls + excluded.calls,"
    " first_ts = CASE WHEN {first} THEN excluded.first_ts ELSE call_groups.first_ts END,"
    " first_id = CASE WHEN {first} THEN excluded.first_id ELSE call_groups.first_id END,"
    " summary = CASE WHEN {first} THEN excluded.summary ELSE call_groups.summary END,"
    " last_ts = CASE WHEN {last} THEN excluded.last_ts ELSE call_groups.last_ts END,"
    " last_id = CASE WHEN {last} THEN excluded.last_id ELSE call_groups.last_id END,"
    " last_call_id = CASE WHEN {last} THEN excluded.last_call_id"
    " ELSE call_groups.last_call_id END,"
    " rejected = CASE WHEN excluded.rejected IS NULL THEN call_groups.rejected"
    " WHEN call_groups.rejected IS NULL THEN excluded.rejected"
    " ELSE call_groups.rejected || ',' || excluded.rejected END"
).format(
    first="(excluded.first_ts < call_groups.first_ts OR (excluded.first_ts = call_groups.first_ts"
    " AND excluded.first_id < call_groups.first_id))",
    last="(excluded.last_ts > call_groups.last_ts OR (excluded.last_ts = call_groups.last_ts"
    " AND excluded.last_id > call_groups.last_id))",
)
_STATE_COLUMNS = (
    "session", "calls", "first_ts", "last_ts", "last_id", "last_label", "chunks", "tail", "stale",
)  # fmt: skip
_STATE_UPSERT = (
    f"INSERT INTO session_calls ({', '.join(_STATE_COLUMNS)})"
    f" VALUES ({', '.join('?' * len(_STATE_COLUMNS))})"
    " ON CONFLICT (session) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in _STATE_COLUMNS[1:])
)
_PENDING_ADD = "UPDATE session_calls SET pending = pending + ? WHERE session = ?"
_CHUNK_INSERT = "INSERT INTO call_sequences (session, chunk, labels) VALUES (?, ?, ?)"
_STATE_SELECT = "SELECT " + ", ".join(_STATE_COLUMNS) + " FROM session_calls WHERE session IN "

#: Each shell tool name's family (imported when first needed: the policy's shell reading is
#: not part of opening a store).
_FAMILY: dict[str, str] | None = None


def _families() -> dict[str, str]:
    global _FAMILY
    if _FAMILY is None:
        from overseer.labels import shell_tool_names
        from overseer.policy.rules import canonical_tool

        _FAMILY = {name: canonical_tool(name) for name in shell_tool_names()}
    return _FAMILY


def sequence_label(tool: str | None, label: str | None) -> str:
    """A call's label in its session's sequence (``aggregate._sequence_label`` in SQL): a
    shell call's stored label, else its tool's family; any other call's tool."""
    if tool is not None:
        family = _families().get(tool)
        if family is not None:
            return label if label is not None else family
    return tool or ""


def status_of(result_status: str | None, status: str | None) -> str:
    """The status the review counts a call by (the timeline's reading): its result's, else
    its own unless ``ok``, else ``pending``."""
    if result_status is not None:
        return result_status
    return status if status and status != "ok" else "pending"


def is_final(call: Sequence[Any]) -> bool:
    """Whether a call (:data:`CALL_COLUMNS`) is counted in ``call_groups``: its status can no
    longer change (a result is stored, or it has no call id to pair one with)."""
    return call[9] is not None or call[11] is None


class Fold:
    """One batch's calls, folded: their groups (the final ones) and, per session, its new
    calls' count, span and labels with consecutive repeats folded. :meth:`add_call` takes
    a call as :data:`CALL_COLUMNS`; ``record_batch`` folds its new rows in its own loop into
    the same structures (the rows as written, ids increasing)."""

    __slots__ = ("families", "groups", "pending", "seqs")

    def __init__(self) -> None:
        #: group key → [count, first_ts, first_id, last_ts, last_id, last_call_id, summary,
        #: rejected ids or None, out of scope]
        self.groups: dict[tuple[Any, ...], list[Any]] = {}
        #: session → [first_ts, first_id, last_ts, last_id, count, folded labels, in order]
        #: of its new calls (in order: each after the one before, by time then id)
        self.seqs: dict[str, list[Any]] = {}
        #: session → change in its number of calls waiting for their result
        self.pending: dict[str, int] = {}
        #: shell tool name → its family (a call's sequence label: :func:`sequence_label`)
        self.families = _families()

    def new_group(
        self, key: tuple[Any, ...], ts: str, row_id: int, call_id: Any, summary: Any
    ) -> None:
        status = key[6]
        oos = (key[4] or "unscoped") in ("unscoped", "deny") or status in _REFUSED
        self.groups[key] = [
            1, ts, row_id, ts, row_id, call_id, summary if oos else None,
            [row_id] if status == "rejected" else None, oos,
        ]  # fmt: skip

    def _group(
        self, key: tuple[Any, ...], ts: str, row_id: int, call_id: Any, summary: Any
    ) -> None:
        g = self.groups.get(key)
        if g is None:
            self.new_group(key, ts, row_id, call_id, summary)
            return
        g[0] += 1
        if ts < g[1] or (ts == g[1] and row_id < g[2]):
            g[1], g[2] = ts, row_id
            if g[8]:
                g[6] = summary
        if ts > g[3] or (ts == g[3] and row_id > g[4]):
            g[3], g[4], g[5] = ts, row_id, call_id
        if g[7] is not None:
            g[7].append(row_id)

    def _item(self, session: str, ts: str, row_id: int, label: str) -> None:
        st = self.seqs.get(session)
        if st is None:
            self.seqs[session] = [ts, row_id, ts, row_id, 1, [label], True]
            return
        st[4] += 1
        if ts < st[2] or (ts == st[2] and row_id < st[3]):
            st[6] = False  # out of order: the sequence is read from the index from now on
            if ts < st[0] or (ts == st[0] and row_id < st[1]):
                st[0], st[1] = ts, row_id
            return
        st[2], st[3] = ts, row_id
        if label != st[5][-1]:
            st[5].append(label)

    def add_call(self, c: Sequence[Any], *, new: bool = True) -> None:
        """One call (:data:`CALL_COLUMNS`). ``new``: stored now, into its session's sequence,
        and into its group if its status is final (else it waits for its result); else a
        stored call its result just completed, into its group."""
        session = c[0]
        final = not new or is_final(c)
        if final:
            key = (session, c[3], c[4], c[5], c[6], c[7], status_of(c[9], c[8]), c[10])
            self._group(key, c[2], c[1], c[11], c[12])
        if new:
            tool, label = c[5], c[10]
            family = None if tool is None else self.families.get(tool)
            text = (tool or "") if family is None else family if label is None else label
            self._item(session, c[2], c[1], text)
            if not final:
                self.pending[session] = self.pending.get(session, 0) + 1
        else:
            self.pending[session] = self.pending.get(session, 0) - 1

    def group_rows(self) -> list[tuple[Any, ...]]:
        """The groups as parameters of the ``call_groups`` upsert."""
        out = []
        for key, g in self.groups.items():
            session, agent, task, tool, verdict, rule, status, label = key
            gkey = orjson.dumps([agent, task, tool, verdict, rule, status, label]).decode()
            rejected = None if g[7] is None else ",".join(str(i) for i in g[7])
            out.append(
                (session, gkey, agent, task, tool, verdict, rule, status, label, g[0], g[1],
                 g[2], g[3], g[4], g[5], g[6], rejected)
            )  # fmt: skip
        return out

    def write(self, cur: Any, pg: bool) -> None:
        """The groups (one ``executemany`` upsert), the sequences (:func:`_write_seqs`) and
        the pending counts (one ``executemany``)."""
        rows = self.group_rows()
        if rows:
            cur.executemany(_sql(_GROUP_UPSERT, pg), rows)
        if self.seqs:
            _write_seqs(cur, self.seqs, pg)
        moved = [(n, session) for session, n in self.pending.items() if n]
        if moved:
            cur.executemany(_sql(_PENDING_ADD, pg), moved)


_REFUSED = ("rejected", "blocked")


def _sql(text: str, pg: bool) -> str:
    return text.replace("?", "%s") if pg else text


def _states(cur: Any, sessions: Sequence[str], pg: bool) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for start in range(0, len(sessions), _IN_CHUNK):
        part = sessions[start : start + _IN_CHUNK]
        marks = ", ".join(("%s" if pg else "?") for _ in part)
        cur.execute(f"{_STATE_SELECT}({marks})", list(part))
        for row in cur.fetchall():
            out[str(row[0])] = list(row)
    return out


def _write_seqs(cur: Any, seqs: dict[str, list[Any]], pg: bool) -> None:
    """Each session's newly stored calls (:attr:`Fold.seqs`) onto its count, span and folded
    label sequence (``session_calls``, one ``executemany`` upsert; ``call_sequences`` for
    each chunk filled). The sequence goes stale (read from the index by the review) when a
    call is stored before one already stored, or the batch's own are out of order."""
    # The state is read, then written: the caller holds each session's write (record_batch's
    # session locks on PostgreSQL; SQLite's writers are serialised).
    states = _states(cur, sorted(seqs), pg)
    updates: list[tuple[Any, ...]] = []
    chunks: list[tuple[Any, ...]] = []
    for session, (first_ts, first_id, last_ts, last_id, n, runs, ordered) in seqs.items():
        state = states.get(session)
        tail: list[str] | None
        if state is None:
            count, last_label, full, tail, stale = 0, None, 0, [], 0
        else:
            _, count, was_first, was_ts, was_id, last_label, full, tail_text, stale = state
            if (first_ts, first_id) < (was_ts, was_id):
                stale = 1
            first_ts = min(first_ts, was_first)
            if (last_ts, last_id) < (was_ts, was_id):
                last_ts, last_id = was_ts, was_id
            tail = None if stale or tail_text is None else orjson.loads(tail_text)
        if not ordered:
            stale = 1
        count += n
        if stale:
            tail = None
        else:
            assert tail is not None
            for label in runs[1:] if runs[0] == last_label else runs:
                tail.append(label)
                if len(tail) >= CHUNK:
                    chunks.append((session, full, orjson.dumps(tail).decode()))
                    full += 1
                    tail = []
            last_label = runs[-1]
        tail_out = None if tail is None else orjson.dumps(tail).decode()
        updates.append(
            (session, count, first_ts, last_ts, last_id, last_label, full, tail_out, stale)
        )
    if chunks:
        cur.executemany(_sql(_CHUNK_INSERT, pg), chunks)
    cur.executemany(_sql(_STATE_UPSERT, pg), updates)


def fill_call_summaries(conn: Any, pg: bool) -> None:
    """Rebuild ``call_groups``, ``session_calls`` and ``call_sequences`` from the stored calls
    with the fold ``record_batch`` uses (``conn``: the driver's connection, in the caller's
    transaction): the migration to schema 8, and stores written row by row (the bench)."""
    cur = conn.cursor()
    # On PostgreSQL a server-side cursor: the calls are streamed, not all held at once.
    read = conn.cursor(name="overseer_fill_call_summaries") if pg else conn.cursor()
    try:
        for table in ("call_groups", "session_calls", "call_sequences"):
            cur.execute(f"DELETE FROM {table}")
        read.execute(CALL_SELECT + " WHERE kind = 'tool_call' ORDER BY session, ts, id")
        batch: list[Sequence[Any]] = []
        while True:
            rows = read.fetchmany(20_000)
            if not rows:
                break
            batch.extend(rows)
            # A session's calls stay together in one write (the sequence is appended in order).
            last = batch[-1][0]
            cut = len(batch)
            while cut > 0 and batch[cut - 1][0] == last:
                cut -= 1
            if cut == 0:
                continue
            _write(cur, batch[:cut], pg)
            batch = batch[cut:]
        if batch:
            _write(cur, batch, pg)
    finally:
        read.close()
        cur.close()


def _write(cur: Any, calls: Sequence[Sequence[Any]], pg: bool) -> None:
    fold = Fold()
    for c in calls:
        fold.add_call(c)
    fold.write(cur, pg)
