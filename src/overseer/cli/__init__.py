"""The ``overseer`` command line: one click group whose subcommands load lazily.

Each area keeps its commands in its own module and registers them in :data:`COMMANDS` with
one line, so ``overseer check-config`` never pays for importing the store or Textual.
Errors the user can act on are printed as one clear line with a non-zero exit status, never
as a traceback.
"""

from __future__ import annotations

import importlib
from typing import Any

import click

#: command name → "module:attribute" of a click command or group, imported on first use.
COMMANDS: dict[str, tuple[str, str]] = {
    "check-config": ("overseer.cli.config_cmds:check_config", "Validate a config file."),
    "scope": ("overseer.cli.config_cmds:scope", "Explain how a scope judges a tool call."),
    "audit": ("overseer.cli.store_cmds:audit", "Verify, checkpoint or export the audit chain."),
    "decide": ("overseer.cli.store_cmds:decide", "Approve or deny a pending approval."),
    "approvals": ("overseer.cli.store_cmds:approvals", "List pending approvals."),
    "upgrade": (
        "overseer.cli.store_cmds:upgrade",
        "Bring the store's schema up to this version (once, after upgrading).",
    ),
    "ingest": ("overseer.cli.ingest_cmds:ingest", "Ingest agent logs once (review, scripting)."),
    "hook": (
        "overseer.cli.control_cmds:hook",
        "Gate Claude Code and Codex tool calls (install the hook).",
    ),
    "kill": (
        "overseer.cli.control_cmds:kill",
        "Stop a session: refuse its calls, signal its process.",
    ),
    "serve": (
        "overseer.cli.serve_cmds:serve",
        "Hardened mode: the gate server that owns the store (run as its own user).",
    ),
    "team": (
        "overseer.cli.team_cmds:team",
        "Team mode: hook and operator as separate PostgreSQL roles.",
    ),
    "watch": ("overseer.cli.tui_cmds:watch", "Watch sessions live: tail logs, decide approvals."),
    "review": ("overseer.cli.tui_cmds:review", "Review past sessions read-only."),
    "demo": (
        "overseer.cli.demo_cmds:demo",
        "Simulated agents, live, gated through the real store.",
    ),
    "notify": (
        "overseer.cli.notify_cmds:notify",
        "Page operators about pending approvals ([notify] webhook, command).",
    ),
    "poll": ("overseer.cli.poll_cmds:poll", "Watch sessions through a gateway API, Langfuse."),
    "report": (
        "overseer.cli.report_cmds:report",
        "Access review: provisioned vs exercised authority.",
    ),
}


class LazyGroup(click.Group):
    """A click group that imports a subcommand's module only when that command runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(COMMANDS))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS:
            target, _help = COMMANDS[cmd_name]
            module_name, attr = target.split(":")
            command: Any = getattr(importlib.import_module(module_name), attr)
            return command  # type: ignore[no-any-return]
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Short help without importing every command module.
        rows = [(name, COMMANDS[name][1]) for name in sorted(COMMANDS)]
        rows += [(n, c.get_short_help_str()) for n, c in sorted(self.commands.items())]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(sorted(rows))


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="overseer")
def cli() -> None:
    """Live oversight of AI agent sessions: timelines of tool choices beside the scope each
    agent was given, gated approvals, kill, and a tamper-evident audit store."""
