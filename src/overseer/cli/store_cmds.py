"""``overseer audit verify|checkpoint|export``, ``overseer decide`` and ``overseer approvals``.

All of them work through the lean store connection, so none pays for importing SQLModel.
Exit statuses: 0 done; 1 the audit chain is broken; 2 cannot do it (bad arguments, no
database, newer schema); 3 someone else decided the approval first.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn, TypeVar

import click

from overseer.secrets import mask, mask_value
from overseer.store import AlreadyDecided, StoreError, parse_utc_text
from overseer.untrusted import neutralise

EXIT_BROKEN = 1
EXIT_INVALID = 2
EXIT_ALREADY_DECIDED = 3

F = TypeVar("F", bound=Callable[..., Any])


def db_option(func: F) -> F:
    """``--db``: a SQLite file or a PostgreSQL URL; ``$OVERSEER_DB`` when not given."""
    return click.option(
        "--db",
        "db",
        default=None,
        metavar="PATH|URL",
        help="SQLite file or postgresql:// URL (default: $OVERSEER_DB, else the user data dir).",
    )(func)


def server_option(func: F) -> F:
    """``--server``: act through the hardened-mode gate server (docs/hardened.md)."""
    return click.option(
        "--server",
        default=None,
        metavar="SOCKET",
        help="Act through the gate server at SOCKET, as the user running this command.",
    )(func)


def _fail(message: str, status: int = EXIT_INVALID) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(status)


@contextmanager
def _store_errors() -> Iterator[None]:
    """Store problems are one line and exit 2, never a traceback."""
    try:
        yield
    except AlreadyDecided:
        raise  # its own exit status (3), handled by `decide`
    except StoreError as exc:
        _fail(str(exc))


def _connect(db: str | None, *, create: bool = False) -> Any:
    from overseer.store import lean

    with _store_errors():
        return lean.connect(db, create=create)


# ------------------------------------------------------------------------------------ audit


@click.group()
def audit() -> None:
    """Verify, checkpoint and export the tamper-evident audit chain."""


@audit.command("verify")
@db_option
@click.option(
    "--checkpoint",
    "checkpoint_file",
    default=None,
    metavar="FILE",
    help="A checkpoint from `overseer audit checkpoint` (detects a cut tail or a rewrite).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def verify_cmd(db: str | None, checkpoint_file: str | None, as_json: bool) -> None:
    """Recompute every hash of the audit chain.

    Exit 0 when intact; 1 when not, naming the first bad sequence number and what is wrong
    (hash mismatch, gap, order, inserted row, a tail shorter than the checkpoint, a different
    head at the checkpoint's size). The automatic anchors (every `[audit] anchor_every` rows
    or `anchor_minutes`) are always checked too, and a missing or cut anchor file is reported;
    an intact chain is anchored at its head.
    """
    from overseer.store.audit import verify
    from overseer.store.chain import parse_checkpoint

    checkpoint = None
    if checkpoint_file is not None:
        try:
            with open(checkpoint_file, encoding="utf-8") as handle:
                checkpoint = parse_checkpoint(handle.read())
        except OSError as exc:
            _fail(f"{checkpoint_file}: cannot read the checkpoint: {exc.strerror}")
        except ValueError as exc:
            _fail(f"{checkpoint_file}: {exc}")
    conn = _connect(db)
    try:
        with _store_errors():
            result = verify(conn, checkpoint, anchor_after=True)
    finally:
        conn.close()
    if as_json:
        click.echo(json.dumps(result.as_dict()))
    else:
        for warning in result.warnings:
            click.echo(f"warning: {warning}", err=True)
        click.echo(result.message(), err=not result.ok)
    sys.exit(0 if result.ok else EXIT_BROKEN)


@audit.command("checkpoint")
@db_option
def checkpoint_cmd(db: str | None) -> None:
    """Verify the chain, then print a checkpoint (size, head hash, time) to keep elsewhere.

    Keep it where whoever can write the database cannot (a ticket, another host); later,
    `overseer audit verify --checkpoint FILE` proves nothing before it was cut or rewritten.
    """
    from overseer.store.audit import take_checkpoint

    conn = _connect(db)
    try:
        with _store_errors():
            result, checkpoint = take_checkpoint(conn)
    finally:
        conn.close()
    if checkpoint is None:
        _fail(f"no checkpoint: {result.message()}", EXIT_BROKEN)
    click.echo(json.dumps(checkpoint))


@audit.command("export")
@db_option
@click.option(
    "--format", "fmt", type=click.Choice(["jsonl", "csv"]), required=True, help="Output format."
)
@click.option(
    "--since", default=None, metavar="T", help="Only rows at or after T (ISO time or 30m/24h/7d)."
)
@click.option("-o", "--output", default=None, metavar="FILE", help="Write here, not stdout.")
def export_cmd(db: str | None, fmt: str, since: str | None, output: str | None) -> None:
    """Write every audit row, chain fields included (values exactly as hashed)."""
    from overseer.store.audit import export, parse_since

    since_text = None
    if since is not None:
        try:
            since_text = parse_since(since)
        except ValueError as exc:
            _fail(f"--since: {exc}")
    conn = _connect(db)
    try:
        with _store_errors():
            if output is None:
                export(conn, sys.stdout, fmt, since=since_text)
                sys.stdout.flush()
            else:
                try:
                    with open(output, "w", encoding="utf-8", newline="") as handle:
                        count = export(conn, handle, fmt, since=since_text)
                except OSError as exc:
                    _fail(f"{output}: {exc.strerror}")
                click.echo(f"{count} rows written to {output}", err=True)
    except BrokenPipeError:  # `| head` closed the pipe: not an error
        sys.stderr.close()
        sys.exit(0)
    finally:
        conn.close()


# ----------------------------------------------------------------------------------- decide


@click.command("decide")
@click.argument("approval_id")
@click.argument("decision", type=click.Choice(["approve", "deny"]))
@click.option("--reason", default=None, metavar="TEXT", help="Why (required to deny).")
@click.option("--operator", default=None, metavar="NAME", help="Who decides (default: OS user).")
@click.option(
    "--input",
    "input_json",
    default=None,
    metavar="JSON",
    help="Approve with this edited tool input (a JSON object).",
)
@click.option(
    "--grant",
    "grants",
    multiple=True,
    metavar="RULE",
    help="Approve, and allow RULE for the rest of the session (repeatable).",
)
@server_option
@db_option
def decide(
    approval_id: str,
    decision: str,
    reason: str | None,
    operator: str | None,
    input_json: str | None,
    grants: tuple[str, ...],
    server: str | None,
    db: str | None,
) -> None:
    """Approve or deny a pending approval. When operators race, exactly one wins; the
    others exit 3 with "already decided by X at T: outcome"."""
    if grants and decision != "approve":
        _fail("--grant only makes sense when approving")

    if decision == "deny" and not (reason or "").strip():
        _fail("a denial needs a reason: --reason TEXT (the agent is told why)")
    updated = None
    if input_json is not None:
        if decision == "deny":
            _fail("--input only makes sense when approving")
        try:
            updated = json.loads(input_json)
        except json.JSONDecodeError as exc:
            _fail(f"--input is not JSON: {exc.msg} at column {exc.colno}")
        if not isinstance(updated, dict):
            _fail("--input must be a JSON object (the tool's input)")
    if server is not None:
        result = _decide_through(server, approval_id, decision, reason, operator, updated, grants)
        click.echo(
            f"{approval_id} {result['status']} by {result['decided_by']} "
            f"(audit seq {result['decision_seq']})"
        )
        return
    from overseer.store import lean  # not before: through the server, no store is touched

    conn = _connect(db)
    try:
        with _store_errors():
            result = lean.decide(
                conn, approval_id, decision=decision, reason=reason, operator=operator,
                updated_input=updated, grant_rules=list(grants) or None,
            )  # fmt: skip
    except AlreadyDecided as exc:
        _fail(str(exc), EXIT_ALREADY_DECIDED)
    finally:
        conn.close()
    click.echo(
        f"{approval_id} {result['status']} by {result['decided_by']} "
        f"(audit seq {result['decision_seq']})"
    )


def _through(server: str, payload: dict[str, Any]) -> dict[str, Any]:
    """One request to the gate server; a refusal is one line and exit 2."""
    from overseer.control import thin

    try:
        return thin.request(server, payload)
    except thin.ServerProblem as exc:
        _fail(f"the gate server refused: {exc}")


def _decide_through(
    server: str,
    approval_id: str,
    decision: str,
    reason: str | None,
    operator: str | None,
    updated: Any,
    grants: tuple[str, ...],
) -> dict[str, Any]:
    from overseer.control import thin

    if operator is not None:
        click.echo(
            "note: --operator is ignored with --server: the gate server records the user it "
            "authenticates (the one running this command)",
            err=True,
        )
    payload: dict[str, Any] = {"op": "decide", "id": approval_id, "decision": decision}
    if reason is not None:
        payload["reason"] = reason
    if updated is not None:
        payload["input"] = updated
    if grants:
        payload["grant"] = list(grants)
    try:
        sock_answer = thin.request(server, payload)
    except thin.ServerProblem as exc:
        if "already decided" in str(exc):
            _fail(str(exc), EXIT_ALREADY_DECIDED)
        _fail(f"the gate server refused: {exc}")
    return sock_answer


# -------------------------------------------------------------------------------- approvals


@click.command("approvals")
@db_option
@server_option
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
def approvals(db: str | None, server: str | None, as_json: bool) -> None:
    """List pending approvals, oldest first: id, session, agent, tool, input, waiting since."""
    if server is not None:
        pending = list(_through(server, {"op": "pending"}).get("approvals") or [])
    else:
        from overseer.store import lean

        conn = _connect(db)
        try:
            with _store_errors():
                pending = lean.pending_approvals(conn)
        finally:
            conn.close()
    now = time.time()
    if as_json:
        click.echo(json.dumps([_approval_json(a, now) for a in pending], ensure_ascii=True))
        return
    if not pending:
        click.echo("no pending approvals")
        return
    for a in pending:
        waited = _age(a["created_at"], now)
        overdue = " OVERDUE" if _is_overdue(a, now) else ""
        click.echo(
            f"{a['id']}  {_show(a['session'], 40)}  {_show(a['agent'] or '-', 30)}  "
            f"{_show(a['tool'] or '-', 40)}  waiting {waited}{overdue}\n"
            f"    {mask(a['summary'] or '') or _show(json.dumps(mask_value(a['input'])), 200)}"
        )


def _show(value: str, limit: int) -> str:
    """Raw agent-written ids and names, made safe for the terminal."""
    return neutralise(str(value), limit=limit)


def _waited_s(created_at: str | None, now: float) -> float | None:
    moment = parse_utc_text(created_at)
    return None if moment is None else max(0.0, now - moment.timestamp())


def _age(created_at: str | None, now: float) -> str:
    waited = _waited_s(created_at, now)
    if waited is None:
        return "?"
    seconds = int(waited)
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def _is_overdue(approval: dict[str, Any], now: float) -> bool:
    deadline = parse_utc_text(approval.get("deadline"))
    return deadline is not None and deadline.timestamp() < now


def _approval_json(a: dict[str, Any], now: float) -> dict[str, Any]:
    return {
        "id": a["id"],
        "session": a["session"],
        "call_id": a["call_id"],
        "agent": a["agent"],
        "task": a["task"],
        "tool": a["tool"],
        "input": mask_value(a["input"]),
        "summary": mask(a["summary"] or ""),
        "rule": a["rule"],
        "verdict": a["verdict"],
        "origin": a["origin"],
        "created_at": a["created_at"],
        "deadline": a["deadline"],
        "waiting_s": _waited_s(a["created_at"], now),
        "overdue": _is_overdue(a, now),
    }


# ---------------------------------------------------------------------------------- upgrade


@click.command("upgrade")
@db_option
def upgrade(db: str | None) -> None:
    """Bring the store's schema up to this overseer's version, once after upgrading overseer.

    The gate hook refuses (and so denies every call on) a store of an older schema rather
    than migrating it inside a call: on a large store the migration takes longer than the
    hook may run. The console, `ingest` and `review` upgrade on open too.
    """
    import time

    from overseer.store import SCHEMA_VERSION, resolve_db
    from overseer.store.db import open_store

    target = resolve_db(db)
    started = time.perf_counter()
    with _store_errors():
        store = open_store(target)
        try:
            version = store.schema_version()
        finally:
            store.close()
    click.echo(
        f"store at schema version {version} (this overseer: {SCHEMA_VERSION}), "
        f"{time.perf_counter() - started:.1f} s"
    )
