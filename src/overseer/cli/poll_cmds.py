"""``overseer poll``: the app over an agent gateway's API (and/or Langfuse traces).

The bearer token comes from the environment variable named by ``[gateway] token_env``
(default ``OVERSEER_GATEWAY_TOKEN``), Langfuse keys from ``LANGFUSE_PUBLIC_KEY`` /
``LANGFUSE_SECRET_KEY`` (or the variables named in ``[langfuse]``): never from the config
file, and never printed.
"""

from __future__ import annotations

import os
import sys
from typing import Any
from urllib.parse import urlsplit

import click

from overseer.cli.tui_cmds import _config, _store


def _url(value: str | None, what: str) -> str | None:
    if not value:
        return None
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        click.echo(f"overseer poll: {what} must be an http(s) URL", err=True)
        sys.exit(2)
    return value.strip()


def _interval(option: float | None, table: dict[str, Any], what: str) -> float:
    from overseer.config import parse_duration

    if option is not None:
        return max(0.05, option)
    if "poll_interval" not in table:
        return 1.0
    try:
        return max(0.05, parse_duration(table["poll_interval"]))
    except ValueError as exc:
        click.echo(f"overseer poll: [{what}] poll_interval: {exc}", err=True)
        sys.exit(2)


@click.command("poll")
@click.argument("url", required=False)
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None)
@click.option("--db", envvar="OVERSEER_DB", default=None, help="SQLite path or PostgreSQL URL.")
@click.option(
    "--langfuse", "langfuse_url", default=None, metavar="URL",
    help="Also read tool observations from Langfuse at URL (read-only: observe only).",
)  # fmt: skip
@click.option("--interval", type=float, default=None, help="Seconds between polls.")
@click.option("--operator", default=None, help="Name recorded with decisions (default: OS user).")
@click.option("--no-bell", is_flag=True, help="Do not ring the terminal bell for new approvals.")
def poll(
    url: str | None, config_path: str | None, db: str | None, langfuse_url: str | None,
    interval: float | None, operator: str | None, no_bell: bool,
) -> None:  # fmt: skip
    """Watch sessions through an agent gateway's API at URL (default: [gateway] url): sessions,
    events and approvals appear live; approve, deny and kill are sent back to the gateway.
    With --langfuse (or [langfuse] url), Langfuse tool traces are shown too, observe only."""
    from overseer.sources.langfuse import LangfusePoller, keys_from_env
    from overseer.sources.poll import GatewayPoller, redact_url, token_from_env
    from overseer.tui.app import LiveFeed, OverseerApp
    from overseer.tui.gateway_source import GatewaySource
    from overseer.tui.live import store_feed

    config = _config(config_path)
    gateway_url = _url(url or config.gateway.get("url"), "the gateway URL")
    lf_url = _url(langfuse_url or config.langfuse.get("url"), "--langfuse")
    if gateway_url is None and lf_url is None:
        click.echo(
            "overseer poll: give the gateway's URL (or set [gateway] url in config.toml), "
            "or --langfuse URL",
            err=True,
        )
        sys.exit(2)
    lf_keys: tuple[str, str] | None = None
    if lf_url is not None:
        public_var, secret_var, public, secret = keys_from_env(config, os.environ)
        if public is None or secret is None:
            click.echo(
                f"overseer poll: set ${public_var} and ${secret_var} (the Langfuse project's "
                "public and secret keys) to read its traces",
                err=True,
            )
            sys.exit(2)
        lf_keys = (public, secret)
    store = _store(db)
    gateway = langfuse = None
    if gateway_url is not None:
        token_var, token = token_from_env(config, os.environ)
        if token is None:
            click.echo(
                f"overseer poll: ${token_var} is not set; polling {redact_url(gateway_url)} "
                "without a token",
                err=True,
            )
        gateway = GatewayPoller(
            gateway_url, store=store, config=config, token=token,
            interval=_interval(interval, config.gateway, "gateway"),
        )  # fmt: skip
    if lf_url is not None and lf_keys is not None:
        langfuse = LangfusePoller(
            lf_url, store=store, config=config, public_key=lf_keys[0], secret_key=lf_keys[1],
            interval=_interval(interval, config.langfuse, "langfuse"),
        )  # fmt: skip
    source = GatewaySource(store, config, gateway=gateway, langfuse=langfuse)
    feeds: list[LiveFeed] = [store_feed(store), *(p.run for p in source.pollers())]
    app = OverseerApp(
        source, mode_name="poll", operator=operator or config.defaults.operator,
        bell=config.defaults.bell and not no_bell, live=feeds,
    )  # fmt: skip
    try:
        app.run()
    finally:
        for poller in source.pollers():
            poller.stop()
        if gateway is not None:
            gateway.deliverer.close()
        store.close()
