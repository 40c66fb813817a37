"""``overseer team init``: team mode, privilege separation with PostgreSQL roles.

See docs/team.md and :mod:`overseer.store.team`. Exit statuses: 0 done; 2 cannot do it.
"""

from __future__ import annotations

import sys

import click


@click.group()
def team() -> None:
    """Team mode: hooks and operators as separate PostgreSQL roles."""


@team.command("init")
@click.option(
    "--db",
    "db",
    required=True,
    metavar="URL",
    help="postgresql:// URL of the database, connecting as the owner of its tables.",
)
@click.option(
    "--hook-role", default="overseer_hook", show_default=True, help="Role the gate hooks use."
)
@click.option(
    "--operator-role",
    default="overseer_operator",
    show_default=True,
    help="Role operators decide and kill with.",
)
@click.option(
    "--login",
    is_flag=True,
    help="Create the two roles as LOGIN roles (default NOLOGIN: grant them to logins instead).",
)
@click.option(
    "--grant-hook-to",
    "hook_logins",
    multiple=True,
    metavar="LOGIN",
    help="Grant the hook role to this existing login (repeatable: one per agent host).",
)
@click.option(
    "--grant-operator-to",
    "operator_logins",
    multiple=True,
    metavar="LOGIN",
    help="Grant the operator role to this existing login (repeatable: one per person).",
)
def init_cmd(
    db: str,
    hook_role: str,
    operator_role: str,
    login: bool,
    hook_logins: tuple[str, ...],
    operator_logins: tuple[str, ...],
) -> None:
    """Create the schema if needed, the hook and operator roles, and the functions they use;
    take every table privilege away from both roles and from PUBLIC. Idempotent."""
    from overseer.store import StoreError
    from overseer.store.team import TeamError, init

    try:
        report = init(
            db, hook_role=hook_role, operator_role=operator_role, login=login,
            hook_logins=hook_logins, operator_logins=operator_logins,
        )  # fmt: skip
    except (TeamError, StoreError) as exc:
        click.echo(f"team init: {exc}", err=True)
        sys.exit(2)
    except Exception as exc:  # a driver error (no CREATEROLE, a bad URL): one line
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        click.echo(f"team init: {first}", err=True)
        sys.exit(2)
    for name in report.created_roles:
        click.echo(f"created role {name}")
    for role, member in report.granted:
        click.echo(f"granted {role} to {member}")
    click.echo(
        f"team mode on schema {report.schema}: {report.hook_role} may only run the gate "
        f"functions, {report.operator_role} may read and decide; neither writes a table"
    )
    if report.locks_revoked:
        click.echo("advisory-lock functions revoked from PUBLIC (only the owner holds the chain)")
    for note in report.notes:
        click.echo(f"note: {note}", err=True)
