"""``overseer hook …`` and ``overseer kill``: wiring agents to the gate, and stopping them.

The hook itself (``overseer hook claude-code|codex``) is dispatched in ``overseer.__main__``
before click is imported; the commands of the same name here only exist so ``overseer hook
--help`` lists them and so they still work if reached through click.
"""

from __future__ import annotations

import os
import sys

import click

EXIT_FAILED = 1
EXIT_USAGE = 2


@click.group()
def hook() -> None:
    """Gate Claude Code and Codex tool calls through overseer."""


def _passthrough(flavour: str) -> click.Command:
    @click.command(
        flavour,
        context_settings={"ignore_unknown_options": True, "help_option_names": []},
        add_help_option=False,
    )
    @click.argument("args", nargs=-1, type=click.UNPROCESSED)
    def command(args: tuple[str, ...]) -> None:
        from overseer.control.hook import run_hook

        sys.exit(run_hook(flavour, list(args)))

    command.help = f"The PreToolUse hook {flavour} runs (reads the call on stdin, prints JSON)."
    return command


hook.add_command(_passthrough("claude-code"))
hook.add_command(_passthrough("codex"))


@hook.command("install")
@click.option(
    "--project",
    "project",
    type=click.Path(file_okay=False),
    default=None,
    help="Install into DIR/.claude/settings.json and DIR/.codex/hooks.json (default: .).",
)
@click.option(
    "--user", is_flag=True, help="Install into ~/.claude/settings.json and ~/.codex/hooks.json."
)
@click.option(
    "--for",
    "targets",
    type=click.Choice(["claude-code", "codex", "all"]),
    default=None,
    help="Which agent to wire up (default: Claude Code, and Codex where its directory exists).",
)
@click.option(
    "--config",
    "config_path",
    default=None,
    type=click.Path(dir_okay=False),
    help="Config the hook reads (default: $OVERSEER_CONFIG, else ~/.config/overseer/config.toml;"
    " never ./config.toml), baked in as an absolute path.",
)
@click.option(
    "--db",
    default=None,
    help="Database the hook writes, baked in (default: $OVERSEER_DB, else the user data dir).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Install even with the config, store or overseer itself inside the project directory.",
)
@click.option("--agent", default=None, help="Agent name for every session these settings start.")
@click.option("--task", default=None, help="Task name for every session these settings start.")
@click.option(
    "--server",
    default=None,
    metavar="SOCKET",
    help="Hardened mode: the hook asks the gate server at SOCKET (docs/hardened.md); the "
    "server's own config and store decide, so --db/--agent/--task do not apply.",
)
@click.option(
    "--trust",
    is_flag=True,
    help="Codex: also write the trusted hash of exactly the hook installed into the user's "
    "Codex config.toml ($CODEX_HOME, else ~/.codex), so Codex runs it without /hooks review.",
)
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
def install(
    project: str | None,
    user: bool,
    targets: str | None,
    config_path: str | None,
    db: str | None,
    agent: str | None,
    task: str | None,
    dry_run: bool,
    force: bool,
    server: str | None = None,
    trust: bool = False,
) -> None:
    """Merge the gate hook into the agents' settings, keeping everything already there.

    Idempotent (a second run changes nothing); the old file is backed up beside it. The hook
    entry's timeout is set above the gate timeout so the gate always answers first.
    """
    from overseer.config import ConfigError, load_config
    from overseer.control import install as inst
    from overseer.control.hook import hook_config_path
    from overseer.store import resolve_db

    if project and user:
        raise click.UsageError("--project and --user are exclusive")
    if server is not None:
        if agent or task or db:
            raise click.UsageError(
                "--server: the gate server picks the agent, task and store from its own config "
                "(--agent, --task and --db do not apply)"
            )
        if not os.path.isabs(server):
            raise click.UsageError("--server needs the socket's absolute path")
    # Never ./config.toml: the project directory is the agent's to write, and a config the
    # agent can edit grants it anything (the hook itself never reads one from there either).
    config_path = config_path or os.environ.get("OVERSEER_CONFIG") or None
    if config_path is None:
        config_path = hook_config_path(None)
    if config_path is not None:
        config_path = os.path.abspath(os.path.expanduser(config_path))
    try:
        config = load_config(config_path)
    except ConfigError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        sys.exit(EXIT_USAGE)
    if config_path is None:
        click.echo(
            "note: no config file (no --config, $OVERSEER_CONFIG or ~/.config/overseer/"
            "config.toml): every call will be unscoped and gated until the hook finds one",
            err=True,
        )
    # The store is baked in too: $OVERSEER_DB in the hook's environment must not move it.
    db = resolve_db(db)
    if "://" not in db:
        db = os.path.abspath(os.path.expanduser(db))
    tree = os.path.expanduser("~") if user else os.path.abspath(project or ".")
    if server is not None:
        db = None  # the server's, out of the hook's reach; it reads only gate_timeout here
    reasons = [] if user else inst.in_agent_tree(tree, config=config_path, db=db)
    if reasons and not force:
        for why in reasons:
            click.echo(f"refusing to install: {why}", err=True)
        click.echo(
            "The agent can write its project directory: a config there lets it grant itself "
            "anything, a store there lets it approve itself, and an installation there lets it "
            "rewrite the gate. Move them out (e.g. ~/.config/overseer/config.toml, the default "
            "store, `pipx install`), or pass --force to install anyway.",
            err=True,
        )
        sys.exit(EXIT_USAGE)
    for why in reasons:
        click.echo(f"warning (--force): {why}", err=True)
    timeout = inst.hook_timeout(config.defaults.gate_timeout)
    chosen = ["claude-code", "codex"] if targets in (None, "all") else [targets]
    failed = False
    for target in chosen:
        path = inst.settings_path(target, project=project, user=user)
        if target == "codex" and targets is None and not path.parent.is_dir():
            click.echo(
                f"codex: skipped, {path.parent} does not exist (use --for codex to install anyway)"
            )
            continue
        command = inst.hook_command(
            target, config=None if server else config_path, db=db, agent=agent, task=task,
            entry_timeout=timeout, server=server,
        )  # fmt: skip
        try:
            plan = inst.plan_install(target, path, command, timeout)
        except inst.InstallError as exc:
            click.echo(f"{target}: {exc}", err=True)
            failed = True
            continue
        for warning in plan.warnings:
            click.echo(f"{target}: warning: {warning}", err=True)
        if not plan.changed:
            click.echo(f"{target}: {path}: already installed, nothing to change")
        else:
            for change in plan.changes:
                click.echo(f"{target}: {path}: {change}")
            click.echo(plan.diff(), nl=False)
            if dry_run:
                click.echo(f"{target}: dry run, {path} not written")
            else:
                backup = inst.apply_plan(plan)
                click.echo(
                    f"{target}: wrote {path}" + (f" (previous version: {backup})" if backup else "")
                )
        if target == "codex" and not _codex_trust(
            path, plan.after, project=None if user else (project or "."), trust=trust,
            dry_run=dry_run,
        ):  # fmt: skip
            failed = True
    if failed:
        sys.exit(EXIT_FAILED)


def _codex_trust(
    path: object, hooks_text: str, *, project: str | None, trust: bool, dry_run: bool
) -> bool:
    """Codex runs a user or project hook entry only while the user's config.toml holds its
    exact hash: with ``--trust`` write it (the user asked for this hook), else say exactly
    what Codex needs. False when the trust could not be written."""
    from pathlib import Path

    from overseer.control import install as inst

    found = inst.codex_trust(Path(str(path)), hooks_text, project=project)
    if found is None:
        return True
    if found.project_trusted is False:
        click.echo(
            f"codex: warning: {project and os.path.abspath(project)} is not a trusted project in "
            f"{found.config}: Codex does not load its .codex/hooks.json at all until it is "
            f'([projects."{project and os.path.abspath(project)}"] trust_level = "trusted", '
            "or trust the project when Codex asks)",
            err=True,
        )
    if not found.enabled:
        click.echo(
            f"codex: warning: {found.config} disables this hook ({found.key}: enabled = false); "
            "left as is — Codex will not run the gate until it is enabled again",
            err=True,
        )
    if found.current == found.digest:
        click.echo(f"codex: {found.config}: the installed hook is trusted ({found.digest})")
        return True
    if not trust:
        stale = "trusts an earlier version of this hook, and " if found.current else ""
        click.echo(
            f"codex: warning: {found.config} {stale}does not trust the hook as installed: "
            "Codex (0.124 or newer) skips it without a word until it does. Re-run with --trust, "
            f"review it with /hooks in Codex, or add to {found.config}:\n{found.snippet()}",
            err=True,
        )
        return True
    try:
        plan = inst.plan_codex_trust(found)
    except inst.InstallError as exc:
        click.echo(f"codex: {exc}", err=True)
        return False
    for change in plan.changes:
        click.echo(f"codex: {plan.path}: {change}")
    click.echo(plan.diff(), nl=False)
    if dry_run:
        click.echo(f"codex: dry run, {plan.path} not written")
        return True
    backup = inst.apply_plan(plan)
    click.echo(f"codex: wrote {plan.path}" + (f" (previous version: {backup})" if backup else ""))
    return True


@hook.command("status")
@click.option(
    "--project",
    "project",
    default=None,
    metavar="DIR",
    help="The project to check (default: the current directory).",
)
@click.option("--user", is_flag=True, help="Check the user's settings (~/.claude, $CODEX_HOME).")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
def status(project: str | None, user: bool, as_json: bool) -> None:
    """Say whether the gate hook is installed and active, per agent, with the files read:
    Claude Code's settings (disableAllHooks, matcher, the command's executable) and Codex's
    hooks.json (and whether Codex trusts exactly that entry). Exits 1 when a hook is
    installed but will not run."""
    import json

    from overseer.control import hookstatus as hs

    found = hs.hook_status(project, user=user)
    if as_json:
        click.echo(json.dumps([s.as_dict() for s in found], indent=2))
    else:
        for s in found:
            click.echo(f"{s.agent} ({s.where}): {s.state}")
            for f in s.files:
                if f.exists:
                    detail = f"{f.state}" + (f", trust {f.trust}" if f.trust else "")
                    click.echo(f"  {f.scope}: {f.path}: {detail}")
                else:
                    click.echo(f"  {f.scope}: {f.path}: no such file")
                if f.options:
                    baked = ", ".join(f"--{k} {v}" for k, v in sorted(f.options.items()))
                    click.echo(f"    baked: {baked}")
            for reason in s.reasons:
                click.echo(f"  why: {reason}")
    if any(s.state not in (hs.ACTIVE, hs.NOT_INSTALLED) for s in found):
        sys.exit(EXIT_FAILED)


@click.command("kill")
@click.argument("session")
@click.option("--reason", default=None, help="Why (recorded, and shown to the agent's user).")
@click.option(
    "--db",
    default=None,
    help="Database path or URL (default: $OVERSEER_DB, else the user data dir).",
)
@click.option(
    "--operator", default=None, help="Who is killing (default: $OVERSEER_OPERATOR or the OS user)."
)
@click.option("--grace", default=5.0, show_default=True, type=click.FloatRange(min=0),
              help="Seconds between SIGTERM and SIGKILL.")  # fmt: skip
@click.option("--no-signal", is_flag=True, help="Only mark the session killed; send no signal.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
@click.option(
    "--server",
    default=None,
    metavar="SOCKET",
    help="Kill through the gate server at SOCKET, as the user running this command.",
)
def kill(
    session: str,
    reason: str | None,
    db: str | None,
    operator: str | None,
    grace: float,
    no_signal: bool,
    as_json: bool,
    server: str | None = None,
) -> None:
    """Kill SESSION: refuse its further tool calls, and stop its process if it is known.

    The pid is signalled only after checking it still belongs to the session's process (start
    time), so a reused pid is never hit. Exit status 0 once the session is marked killed, even
    if its process could not be signalled (the result says why); 1 if the store failed.
    """
    import json

    if server is not None:  # before the store's imports: this side never opens it
        _kill_through(server, session, reason, operator, grace, not no_signal, as_json)
        return
    from overseer.control.kill import kill_session
    from overseer.store import StoreError

    who = operator or os.environ.get("OVERSEER_OPERATOR") or None
    try:
        result = kill_session(db, session, who, reason, grace=grace, signal_process=not no_signal)
    except StoreError as exc:
        click.echo(f"kill failed: {exc}", err=True)
        sys.exit(EXIT_FAILED)
    if as_json:
        click.echo(json.dumps(result.as_dict()))
    else:
        click.echo(result.summary())


def _kill_through(
    server: str,
    session: str,
    reason: str | None,
    operator: str | None,
    grace: float,
    signal_process: bool,
    as_json: bool,
) -> None:
    """``kill --server``: the gate server marks the session killed (and signals its process
    where it may), recording the user it authenticated — ``--operator`` is not sent."""
    import json

    from overseer.control import thin

    if operator is not None:
        click.echo(
            "note: --operator is ignored with --server: the gate server records the user it "
            "authenticates (the one running this command)",
            err=True,
        )
    payload = {"op": "kill", "session": session, "reason": reason, "grace": min(grace, 60.0),
               "signal": signal_process}  # fmt: skip
    try:
        answer = thin.request(server, payload, timeout=grace + 30.0)
    except thin.ServerProblem as exc:
        click.echo(f"kill failed: the gate server refused: {exc}", err=True)
        sys.exit(EXIT_FAILED)
    if as_json:
        click.echo(json.dumps(answer.get("result")))
    else:
        click.echo(str(answer.get("summary")))
