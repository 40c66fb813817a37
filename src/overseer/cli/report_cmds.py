"""``overseer report``: the access review, and ``--suggest-scope``, the tightened scope.

Exit statuses: 0 the report was written; 1 it was written but the audit chain is broken (the
report says so at the top; scripts must notice too, as with ``overseer audit verify``); 2 it
cannot be done (bad arguments, no database, invalid config, a suggestion that would not
validate).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, NoReturn

import click

from overseer.config import ConfigError, default_config_path, load_config
from overseer.untrusted import neutralise

EXIT_BROKEN = 1
EXIT_INVALID = 2
#: Fewer tool calls than this are read before a progress bar would be worth drawing.
PROGRESS_MIN_CALLS = 20_000


def _fail(message: str, status: int = EXIT_INVALID) -> NoReturn:
    click.echo(f"overseer report: {message}", err=True)
    sys.exit(status)


def _when(value: str | None, name: str) -> datetime | None:
    from overseer.report.period import parse_when

    if value is None:
        return None
    try:
        return parse_when(value)
    except ValueError as exc:
        _fail(f"--{name}: {exc}")


@contextmanager
def _progress(enabled: bool) -> Iterator[tuple[Any, Any]]:
    """``(on_sessions, progress)`` callbacks driving a bar on stderr, or no-ops when piped."""
    if not enabled:
        yield None, None
        return
    state: dict[str, Any] = {}

    def on_sessions(total: int) -> None:
        if total >= PROGRESS_MIN_CALLS:
            bar = click.progressbar(length=total, label="reading sessions", file=sys.stderr)
            state["bar"] = bar.__enter__()

    def progress(calls: int) -> None:
        bar = state.get("bar")
        if bar is not None:
            bar.update(calls)

    try:
        yield on_sessions, progress
    finally:
        bar = state.get("bar")
        if bar is not None:
            bar.__exit__(None, None, None)


def _write(text: str, output: str | None) -> None:
    if output is None or output == "-":
        click.echo(text, nl=False)
        return
    try:
        # 0600: a review names agents, owners, commands and operators.
        fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        _fail(f"{output}: cannot write the report: {exc.strerror}")


@click.command("report")
@click.option(
    "--db",
    "db",
    default=None,
    metavar="PATH|URL",
    help="SQLite file or postgresql:// URL (default: $OVERSEER_DB, else the user data dir).",
)
@click.option(
    "--config",
    "config_path",
    default=None,
    type=click.Path(dir_okay=False),
    help="config.toml holding the provisioned scopes (default: $OVERSEER_CONFIG, ./config.toml).",
)
@click.option("--agent", default=None, help="Review one agent.")
@click.option("--session", default=None, help="Review one session.")
@click.option(
    "--since", default=None, metavar="T", help="From T (2026-03-01, RFC 3339, or 7d/12h ago)."
)
@click.option("--until", default=None, metavar="T", help="Up to T, exclusive (same forms).")
@click.option(
    "--format",
    "fmt",
    default="md",
    show_default=True,
    type=click.Choice(["md", "json", "html"], case_sensitive=False),
    help="Markdown, one JSON object, or one self-contained HTML file.",
)
@click.option("--output", "-o", default=None, metavar="FILE", help="Write to FILE (mode 0600).")
@click.option(
    "--checkpoint",
    "checkpoint_file",
    default=None,
    metavar="FILE",
    help="Verify the audit chain against a checkpoint from `overseer audit checkpoint`.",
)
@click.option(
    "--suggest-scope",
    is_flag=True,
    help="Print the tightened scope the evidence supports, as a diff against the config.",
)
@click.option(
    "--min-count",
    default=3,
    show_default=True,
    type=click.IntRange(1),
    help="--suggest-scope: approvals (denials) needed before proposing an allow (deny) rule.",
)
@click.option("--detail-limit", default=2000, hidden=True, type=click.IntRange(1))
def report(
    db: str | None,
    config_path: str | None,
    agent: str | None,
    session: str | None,
    since: str | None,
    until: str | None,
    fmt: str,
    output: str | None,
    checkpoint_file: str | None,
    suggest_scope: bool,
    min_count: int,
    detail_limit: int,
) -> None:
    """Access review of what agents did with the authority they were given.

    Per agent: owner, declared and observed autonomy, sessions reviewed; every provisioned
    rule with how often it decided a call; unused entitlements (removal candidates);
    out-of-scope attempts; tools acquired at runtime; every gate decision with its operator,
    reason and time to decide; safety and security flags with their OWASP ids. The audit
    chain is verified first and its result stamped at the top.

    With --suggest-scope: per agent and task, the scope the evidence supports (unused rules
    removed, repeatedly approved calls as allow, repeatedly denied ones as deny) as a unified
    diff against the config, each change annotated with its evidence. Nothing is applied.
    """
    from overseer.report.gather import ReviewQuery, gather
    from overseer.report.review import ReviewSettings
    from overseer.store import StoreError, is_postgres, open_store, resolve_db, sqlite_path
    from overseer.store.chain import parse_checkpoint

    if agent is not None and session is not None:
        _fail("--agent and --session cannot be combined: review an agent or one session")
    if suggest_scope and fmt == "html":
        _fail("--suggest-scope prints a diff: use --format md (the default) or json")
    query = ReviewQuery(
        agent=agent, session=session, since=_when(since, "since"), until=_when(until, "until")
    )
    if query.since and query.until and query.since >= query.until:
        _fail("--since must be earlier than --until")
    path = config_path or default_config_path()
    if suggest_scope and path is None:
        _fail("--suggest-scope needs a config file (--config, $OVERSEER_CONFIG or ./config.toml)")
    try:
        config = load_config(path)
    except ConfigError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        sys.exit(EXIT_INVALID)
    checkpoint = None
    if checkpoint_file is not None:
        try:
            with open(checkpoint_file, encoding="utf-8") as handle:
                checkpoint = parse_checkpoint(handle.read())
        except OSError as exc:
            _fail(f"{checkpoint_file}: cannot read the checkpoint: {exc.strerror}")
        except ValueError as exc:
            _fail(f"{checkpoint_file}: {exc}")
    target = resolve_db(db)
    if not is_postgres(target) and "://" not in target and not os.path.exists(sqlite_path(target)):
        # A typo in --db must not review an empty new database as "nothing happened".
        _fail(f"{sqlite_path(target)}: no overseer database here (nothing has been recorded yet?)")
    show_bar = sys.stderr.isatty()
    try:
        with open_store(db) as store, _progress(show_bar) as (on_sessions, progress):
            from overseer.store.ungated import flag_ungated

            # Re-check every call for a gate decision first, so the review shows ungated
            # calls whose grace period ended after the live pass last looked.
            flag_ungated(store, config.is_gated, full=True)
            builder, chain = gather(
                store,
                config,
                query,
                settings=ReviewSettings(detail_limit=detail_limit),
                checkpoint=checkpoint,
                on_sessions=on_sessions,
                progress=progress,
            )
    except StoreError as exc:
        _fail(str(exc))
    if session is not None and not builder.sessions:
        _fail(f"no session {neutralise(session)!r} in the period")
    if agent is not None and not builder.sessions and agent not in config.agents:
        _fail(f"no agent {neutralise(agent)!r}: not in the config, no session in the period")
    broken = chain.get("ok") is False

    if suggest_scope:
        _suggest(builder, path, fmt, output, min_count, agent)
    else:
        review = builder.build(chain)
        if fmt == "json":
            text = json.dumps(review, indent=2, ensure_ascii=False) + "\n"
        elif fmt == "html":
            from overseer.report.render_html import render_html

            text = render_html(review)
        else:
            from overseer.report.render_md import render_md

            text = render_md(review)
        _write(text, output)
    if broken:
        click.echo(f"overseer report: {neutralise(str(chain.get('message')))}", err=True)
        sys.exit(EXIT_BROKEN)


def _suggest(
    builder: Any, path: str | None, fmt: str, output: str | None, min_count: int, agent: str | None
) -> None:
    from overseer.report.suggest import render_text, suggest_scope

    assert path is not None
    try:
        with open(path, encoding="utf-8") as handle:
            config_text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        _fail(f"{path}: cannot read the config: {exc}")
    suggestion = suggest_scope(config_text, builder, path=path, min_count=min_count, agent=agent)
    if fmt == "json":
        _write(json.dumps(suggestion.as_dict(), indent=2, ensure_ascii=False) + "\n", output)
    else:
        _write(render_text(suggestion), output)
    if not suggestion.valid:
        sys.exit(EXIT_INVALID)
