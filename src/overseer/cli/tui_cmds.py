"""``overseer watch`` (live) and ``overseer review`` (read-only): the same app, two modes."""

from __future__ import annotations

import contextlib
import sys

import click

from overseer.config import ConfigError, default_config_path, load_config


def _config(path: str | None):  # type: ignore[no-untyped-def]
    try:
        return load_config(path or default_config_path())
    except ConfigError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        sys.exit(2)


def _store(db: str | None):  # type: ignore[no-untyped-def]
    from overseer.store import StoreError, open_store

    try:
        return open_store(db)
    except StoreError as exc:
        click.echo(f"overseer: {exc}", err=True)
        sys.exit(2)


@click.command("watch")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None)
@click.option("--db", envvar="OVERSEER_DB", default=None, help="SQLite path or PostgreSQL URL.")
@click.option("--format", "fmt", default=None, help="Force a log format (default: detect).")
@click.option("--operator", default=None, help="Name recorded with decisions (default: OS user).")
@click.option("--no-bell", is_flag=True, help="Do not ring the terminal bell for new approvals.")
@click.option(
    "--server",
    default=None,
    metavar="SOCKET",
    help="Hardened mode: read a local mirror of the gate server's store (--db names it; "
    "default: one per server beside your store) and decide, grant and kill through the "
    "server at SOCKET, as the user running this (docs/hardened.md).",
)
def watch(
    paths: tuple[str, ...], config_path: str | None, db: str | None, fmt: str | None,
    operator: str | None, no_bell: bool, server: str | None,
) -> None:  # fmt: skip
    """Watch agent sessions live: tail PATHS (files or directories) and show pending
    approvals from gate hooks. With no PATHS, only the store (hooks, other consoles)."""
    if server is not None:
        if paths:
            raise click.UsageError("--server: the gate server's store is the only source")
        _watch_server(server, config_path, db, no_bell)
        return
    from overseer.engine import Engine
    from overseer.sources.tail import Tailer
    from overseer.tui.app import LiveFeed, OverseerApp
    from overseer.tui.live import store_feed, tail_feed
    from overseer.tui.store_source import StoreSource, default_hook_check

    config = _config(config_path)
    store = _store(db)
    feeds: list[LiveFeed] = [store_feed(store)]
    health = {}
    if paths:
        tailer = Tailer(list(paths), engine=Engine(config), store=store, fmt=fmt)
        feeds.append(tail_feed(tailer))
        health["logs"] = "ok"
    source = StoreSource(store, config, health=health, hook_check=default_hook_check())
    if config.notify.enabled:  # pages for whoever is not looking (docs/notify.md)
        from overseer.control.notify import NotifyFeed

        feeds.append(NotifyFeed(store, config, source.health))
    app = OverseerApp(
        source, mode_name="watch", operator=operator or config.defaults.operator,
        bell=config.defaults.bell and not no_bell, live=feeds,
    )  # fmt: skip
    try:
        app.run()
    finally:
        store.close()


def _watch_server(server: str, config_path: str | None, db: str | None, no_bell: bool) -> None:
    import os

    from overseer.control.mirror import default_mirror
    from overseer.tui.app import OverseerApp
    from overseer.tui.live import store_feed
    from overseer.tui.server_source import ServerSource

    if not os.path.isabs(server):
        raise click.UsageError("--server needs the socket's absolute path")
    config = _config(config_path)
    mirror = db or default_mirror(server)
    if "://" not in mirror:
        os.makedirs(os.path.dirname(os.path.abspath(mirror)), mode=0o700, exist_ok=True)
    store = _store(mirror)
    source = ServerSource(store, config, server, health={"server": "connecting"})
    try:
        source.feed.pull()  # the first screen shows the server's state, not an empty mirror
        source.health["server"] = "ok"
    except Exception as exc:
        source.health["server"] = f"unreachable: {str(exc)[:120]}"
    app = OverseerApp(
        source, mode_name="watch", operator="(the gate server names you)",
        bell=config.defaults.bell and not no_bell, live=[store_feed(store), source.feed],
    )  # fmt: skip
    try:
        app.run()
    finally:
        store.close()


@click.command("review")
@click.argument("logs", nargs=-1, type=click.Path(exists=True))
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None)
@click.option("--db", envvar="OVERSEER_DB", default=None, help="SQLite path or PostgreSQL URL.")
@click.option("--format", "fmt", default=None, help="Force a log format (default: detect).")
@click.option(
    "--since", default=None, metavar="T", help="From T (2026-03-01, RFC 3339, or 7d/12h ago)."
)
@click.option("--until", default=None, metavar="T", help="Up to T, exclusive (same forms).")
def review(
    logs: tuple[str, ...], config_path: str | None, db: str | None, fmt: str | None,
    since: str | None, until: str | None,
) -> None:  # fmt: skip
    """Review past sessions read-only (LOGS are ingested first): no approve, deny or kill.

    Opens on the flags of the period; `u` shows unused authority, `t` changes the period."""
    from overseer.engine import Engine
    from overseer.report.period import parse_when
    from overseer.sources.ingest import ingest_paths
    from overseer.tui.app import OverseerApp
    from overseer.tui.store_source import StoreSource

    try:
        period = (parse_when(since) if since else None, parse_when(until) if until else None)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--since/--until") from None
    if period[0] and period[1] and period[0] >= period[1]:
        raise click.BadParameter("--since must be earlier than --until")
    config = _config(config_path)
    store = _store(db)
    if logs:
        stats = ingest_paths(list(logs), engine=Engine(config), store=store, fmt=fmt)
        click.echo(f"ingested {stats.files} files, {stats.events} events", err=True)
    from overseer.store import StoreError
    from overseer.store.ungated import flag_ungated
    from overseer.tui.store_source import default_hook_check

    with contextlib.suppress(StoreError):  # a read-only store is still reviewed
        flag_ungated(store, config.is_gated, full=True)  # calls no gate decided
    source = StoreSource(store, config, read_only=True, hook_check=default_hook_check())
    app = OverseerApp(source, mode_name="review", refresh_interval=5.0, bell=False)
    app.review_period = period
    try:
        app.run()
    finally:
        store.close()
