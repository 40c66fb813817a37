"""``overseer ingest``: one-shot batch ingestion of agent logs, for review and scripting.

Each file resumes from the offset committed with its events, so running it again over the
same files adds nothing; bad lines become stored problems, never a failure.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from typing import Any

import click

from overseer.config import ConfigError, default_config_path, load_config
from overseer.sources.formats import FORMATS
from overseer.untrusted import neutralise

EXIT_INVALID = 2
EXIT_STORE = 1
#: Inputs smaller than this finish before a progress bar would be worth drawing.
PROGRESS_MIN_BYTES = 8 << 20
_SHOWN_PROBLEMS = 10


def _config(path: str | None) -> Any:
    try:
        return load_config(path or default_config_path())
    except ConfigError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        sys.exit(EXIT_INVALID)


@click.command("ingest")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option(
    "--db", default=None, help="Database file or URL (default: $OVERSEER_DB or the user data dir)."
)
@click.option(
    "--config",
    "config_path",
    default=None,
    type=click.Path(dir_okay=False),
    help="config.toml to judge calls with.",
)
@click.option(
    "--format",
    "fmt",
    default=None,
    type=click.Choice([*FORMATS, "claude-code"], case_sensitive=False),
    help="Force a format instead of detecting it per file.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object with the counts.")
@click.option("--batch-bytes", default=4 << 20, hidden=True, type=click.IntRange(4096))
def ingest(
    paths: tuple[str, ...],
    db: str | None,
    config_path: str | None,
    fmt: str | None,
    as_json: bool,
    batch_bytes: int,
) -> None:
    """Ingest the agent logs at PATH... once (files, or directories searched for *.jsonl).

    Prints what this run added: files, sessions, events, tool calls (and how many are still
    pending), problems and the scope verdicts of the new calls.
    """
    from overseer.engine import Engine
    from overseer.sources.ingest import DEFAULT_INCLUDE, IngestBatch, discover, ingest_paths
    from overseer.store import StoreError, open_store

    config = _config(config_path)
    try:
        store = open_store(db)
    except StoreError as exc:
        click.echo(f"overseer ingest: {exc}", err=True)
        sys.exit(EXIT_STORE)
    engine = Engine(config, home=os.path.expanduser("~"))
    files = discover(paths, DEFAULT_INCLUDE)
    total = 0
    for path in files:
        with contextlib.suppress(OSError):  # vanished since discovery: nothing to count
            total += os.path.getsize(path)
    show_bar = total >= PROGRESS_MIN_BYTES and sys.stderr.isatty() and not as_json
    problems: list[str] = []

    def note(batch: IngestBatch) -> None:
        for problem in batch.problems:
            if len(problems) < _SHOWN_PROBLEMS:
                where = f"{problem.source}:{problem.line}" if problem.line else problem.source
                problems.append(neutralise(f"{where}: {problem.reason}", limit=300))

    ungated = 0
    try:
        if show_bar:
            with click.progressbar(length=total, label="ingesting", file=sys.stderr) as bar:

                def on_batch(batch: IngestBatch) -> None:
                    note(batch)
                    bar.update(batch.consumed)

                stats = ingest_paths(
                    files,
                    engine=engine,
                    store=store,
                    fmt=fmt,
                    on_batch=on_batch,
                    max_bytes=batch_bytes,
                )
        else:
            stats = ingest_paths(
                files, engine=engine, store=store, fmt=fmt, on_batch=note, max_bytes=batch_bytes
            )
        from overseer.store.ungated import flag_ungated

        # Calls the new lines show with no gate decision (a removed or bypassed hook).
        ungated = len(flag_ungated(store, config.is_gated).flagged)
    except StoreError as exc:
        click.echo(f"overseer ingest: {exc}", err=True)
        sys.exit(EXIT_STORE)
    finally:
        close = getattr(store, "close", None)
        if callable(close):
            close()
    result = stats.as_dict()
    if ungated:
        result["ungated_calls"] = ungated
    if as_json:
        click.echo(json.dumps(result))
        return
    v = result["verdicts"]
    click.echo(
        f"ingested {result['files']} files: {result['events']} events in {result['sessions']} "
        f"sessions, {result['tool_calls']} tool calls ({result['pending']} pending), "
        f"{result['problems']} problems"
    )
    click.echo(
        f"verdicts: allow {v['allow']} · ask {v['ask']} · deny {v['deny']} · "
        f"unscoped {v['unscoped']}"
    )
    if ungated:
        click.echo(f"ungated calls: {ungated} (tool calls with no gate decision: a removed hook?)")
    for line in problems:
        click.echo(f"  problem: {line}", err=True)
    if result["problems"] > len(problems):
        click.echo(f"  … and {result['problems'] - len(problems)} more problems", err=True)
