"""``overseer demo``: what ``make demo`` runs."""

from __future__ import annotations

import click


@click.command("demo")
@click.option("--db", default=None, help="Keep the demo's store here (for `overseer review`).")
@click.option("--speed", default=1.0, show_default=True, type=click.FloatRange(0.1, 100.0),
              help="How fast the simulated agents act.")  # fmt: skip
@click.option("--operator", default=None, help="Name recorded with your decisions.")
def demo(db: str | None, speed: float, operator: str | None) -> None:
    """Simulated agents (Claude Code and native logs) acting live, gated through the real
    store: approve, deny or kill them and watch what they do next. Quit with q."""
    from overseer.demo.run import run_demo

    run_demo(db=db, speed=speed, operator=operator)
