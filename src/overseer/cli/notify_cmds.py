"""``overseer notify``: the ``[notify]`` notifier on its own (docs/notify.md).

Run it wherever pages must go out while no console is open (beside the gate server in
hardened mode, as the database owner in team mode). With consoles open too, each page is
still sent once: the store decides who sends it.
"""

from __future__ import annotations

import signal
import sys
import threading

import click

from overseer.cli.tui_cmds import _config, _store


@click.command("notify")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None)
@click.option("--db", envvar="OVERSEER_DB", default=None, help="SQLite path or PostgreSQL URL.")
@click.option("--once", is_flag=True, help="One pass: send what is due now, wait for it, exit.")
@click.option(
    "--server", default=None, metavar="SOCKET",
    help="Hardened mode: pages say `overseer decide --server SOCKET` (run this beside the "
    "gate server, on its store).",
)  # fmt: skip
@click.option("--list", "show", is_flag=True, help="List the stored pages (newest first), exit.")
def notify(
    config_path: str | None, db: str | None, once: bool, server: str | None, show: bool
) -> None:
    """Page operators about pending approvals ([notify] webhook and/or command): when one is
    created and when it is about to time out. Exit status with --once: 0 when every page
    due was sent, 1 when one failed (recorded in the store), 2 on a usage or config error."""
    config = _config(config_path)
    store = _store(db)
    try:
        if show:
            _show(store)
            return
        if not config.notify.enabled:
            click.echo(
                'overseer notify: nothing to send to: add [notify] webhook = "URL" and/or '
                'command = ["prog", ...] to the config',
                err=True,
            )
            sys.exit(2)
        from overseer.control.notify import Notifier

        def log(line: str) -> None:
            click.echo(f"overseer notify: {line}", err=True)

        notifier = Notifier(store, config, server=server, log=log)
        if once:
            notifier.step()
            notifier.wait_idle()
            notifier.close()
            if notifier.health.get("store", "ok") != "ok":
                log(notifier.health["store"])
                sys.exit(2)
            click.echo(f"sent {notifier.sent}, failed {notifier.failed}")
            sys.exit(1 if notifier.failed else 0)
        stop = threading.Event()

        def stopping(_sig: int, _frame: object) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, stopping)
        signal.signal(signal.SIGINT, stopping)
        channels = ", ".join(s.channel for s in notifier.senders)
        log(f"paging through {channels} (notifier {notifier.name}); Ctrl-C stops")
        notifier.run(stop)
        notifier.stop()
    finally:
        store.close()


def _show(store) -> None:  # type: ignore[no-untyped-def]
    from overseer.store import StoreError
    from overseer.store.notifications import notifications
    from overseer.untrusted import neutralise

    try:
        rows = notifications(store)
    except StoreError as exc:
        click.echo(f"overseer notify: {exc}", err=True)
        sys.exit(2)
    for row in rows:
        error = f"  {neutralise(row.error)}" if row.error else ""  # a command's stderr
        click.echo(
            f"{row.updated_at}  {row.approval_id}  {row.kind:<8}  {row.channel:<7}  "
            f"{row.status:<7}  attempts {row.attempts}{error}"
        )
