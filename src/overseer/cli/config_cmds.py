"""``overseer check-config`` and ``overseer scope explain``."""

from __future__ import annotations

import json
import os
import sys

import click

from overseer.config import ConfigError, default_config_path, load_config
from overseer.policy.scope import evaluate

EXIT_INVALID = 2


def _load_or_exit(path: str | None):  # type: ignore[no-untyped-def]
    try:
        return load_config(path)
    except ConfigError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        sys.exit(EXIT_INVALID)


@click.command("check-config")
@click.argument("path", required=False, type=click.Path(dir_okay=False))
def check_config(path: str | None) -> None:
    """Validate PATH (default: $OVERSEER_CONFIG or ./config.toml).

    Exit 0 with a one-line summary when valid; exit 2 with one `file:line: key: problem`
    line per problem otherwise.
    """
    path = path or default_config_path()
    if path is None:
        click.echo("no config file given and no ./config.toml found", err=True)
        sys.exit(EXIT_INVALID)
    config = _load_or_exit(path)
    tasks = sum(len(a.tasks) for a in config.agents.values())
    rules = sum(
        len(t.scope.allow) + len(t.scope.ask) + len(t.scope.deny)
        for a in config.agents.values()
        for t in a.tasks.values()
    )
    click.echo(f"{path}: ok — {len(config.agents)} agents, {tasks} tasks, {rules} rules")


@click.group()
def scope() -> None:
    """Inspect scopes."""


@scope.command("explain")
@click.option("--agent", "agent", required=True, help="Agent name from the config.")
@click.option("--task", "task", default=None, help="Task (default: the agent's default task).")
@click.option("--cwd", default=None, help="The session's working directory (for path rules).")
@click.option(
    "--root",
    "root_dir",
    default=None,
    help="Where the session started, if not --cwd (./ rules are anchored there).",
)
@click.option("--config", "config_path", default=None, type=click.Path(dir_okay=False))
@click.option(
    "--db",
    default=None,
    help="The store the hook is given (default: $OVERSEER_DB, else the default SQLite file): "
    "the built-in guard protects it, so explain must know which one the hook writes.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.argument("tool")
@click.argument("input_json", required=False)
def explain(
    agent: str,
    task: str | None,
    cwd: str | None,
    root_dir: str | None,
    config_path: str | None,
    db: str | None,
    as_json: bool,
    tool: str,
    input_json: str | None,
) -> None:
    """Print the verdict on TOOL called with INPUT_JSON and the rule that decided it.

    INPUT_JSON is the tool input as a JSON object; for Bash-like tools a plain command line
    is accepted too (`overseer scope explain --agent a Bash 'git push'`).
    """
    config = _load_or_exit(config_path or default_config_path())
    if agent not in config.agents and agent != "unknown":
        known = ", ".join(sorted(config.agents)) or "none"
        click.echo(f"unknown agent {agent!r} (configured: {known})", err=True)
        sys.exit(EXIT_INVALID)
    if agent in config.agents and task is not None and task not in config.agents[agent].tasks:
        known = ", ".join(sorted(config.agents[agent].tasks))
        click.echo(f"agent {agent!r} has no task {task!r} (tasks: {known})", err=True)
        sys.exit(EXIT_INVALID)
    tool_input = _parse_input(tool, input_json)
    resolved_task = task or (config.agents[agent].default_task if agent in config.agents else None)
    from overseer.control import fsview

    where = os.path.abspath(cwd) if cwd else os.getcwd()
    root = os.path.abspath(root_dir) if root_dir else where
    from overseer.store import resolve_db

    ctx = fsview.context(
        where, os.path.expanduser("~"), root,
        config=config_path or default_config_path(), db=resolve_db(db),
    )  # fmt: skip
    # the same function the gate uses: a patch is judged file by file, a command by all
    # it runs and touches, paths through the real file system
    decision = evaluate(config.scope_for(agent, resolved_task), tool, tool_input, ctx)
    result = {**decision.as_dict(), "agent": agent, "task": resolved_task}
    if as_json:
        click.echo(json.dumps(result))
        return
    rule = f" by {decision.list} rule {decision.rule}" if decision.rule else ""
    effect = (
        ""
        if decision.verdict != "unscoped"
        else f" (no rule matches; default: {decision.effective})"
    )
    click.echo(f"{agent}/{resolved_task}: {tool} → {decision.verdict}{rule}{effect}")
    if decision.list == "guard":
        click.echo(f"  {decision.reason}")


def _parse_input(tool: str, text: str | None) -> dict[str, object]:
    if text is None:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        value = None
    if isinstance(value, dict):
        return value
    from overseer.policy.rules import SHELL_TOOLS, canonical_tool

    if canonical_tool(tool) in SHELL_TOOLS:
        return {"command": text}
    click.echo(f"INPUT_JSON must be a JSON object, got {text[:80]!r}", err=True)
    sys.exit(EXIT_INVALID)
