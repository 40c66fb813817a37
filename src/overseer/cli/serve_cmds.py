"""``overseer serve``: run the hardened-mode gate server (docs/hardened.md)."""

from __future__ import annotations

import os
import sys
from typing import NoReturn

import click

EXIT_REFUSED = 2


@click.command("serve")
@click.option(
    "--config",
    "config_path",
    default=None,
    metavar="PATH",
    help="The config (default: $OVERSEER_CONFIG; never ./config.toml). Must be owned by root "
    "or this user and writable by nobody else.",
)
@click.option(
    "--socket",
    "socket_path",
    default=None,
    metavar="PATH",
    help="Unix socket to listen on (default: [server] socket in the config).",
)
@click.option(
    "--db",
    default=None,
    metavar="PATH|URL",
    help="The store (default: [server] store, else $OVERSEER_DB, else this user's data dir). "
    "Created 0600 in a 0700 directory.",
)
def serve(config_path: str | None, socket_path: str | None, db: str | None) -> None:
    """Own the store and the config as this (system) user and judge agents' hook calls
    over a Unix socket. Callers are identified by the kernel (SO_PEERCRED): any user may
    submit calls; only [server] operators may decide, grant, kill and list approvals.
    Stops cleanly on SIGTERM."""
    from overseer.config import ConfigError, load_config
    from overseer.control.server import ServeError, resolve_operators
    from overseer.control.server import serve as run
    from overseer.store import resolve_db

    config_path = config_path or os.environ.get("OVERSEER_CONFIG") or None
    if not config_path:
        _refuse("overseer serve needs --config PATH (or $OVERSEER_CONFIG)")
    config_path = os.path.abspath(config_path)
    try:
        config = load_config(config_path)
    except ConfigError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        sys.exit(EXIT_REFUSED)
    socket_path = socket_path or config.server.socket
    if not socket_path:
        _refuse("overseer serve needs --socket PATH (or [server] socket in the config)")
    store = resolve_db(db or config.server.store)
    try:
        operators = resolve_operators(config.server.operators)
        if not operators:
            click.echo(
                "warning: [server] operators is empty: nobody can decide through this server",
                err=True,
            )
        run(socket_path, store, config_path, operators)
    except ServeError as exc:
        _refuse(f"overseer serve: {exc}")


def _refuse(message: str) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(EXIT_REFUSED)
