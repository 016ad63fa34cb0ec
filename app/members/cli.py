"""`flask members ...`: membership commands for operators."""

import click
from flask.cli import AppGroup

from app.extensions import db
from app.members import services

members_cli = AppGroup("members", help="Membership upkeep.")


@members_cli.command("refresh")
def refresh_command() -> None:
    """Record today's membership status changes in the audit log (safe to run often)."""
    changes = services.refresh_statuses()
    db.session.commit()
    for organization, before, after in changes:
        click.echo(f"{organization.name}: {before.value} -> {after.value}")
    click.echo(f"{len(changes)} status change{'' if len(changes) == 1 else 's'} recorded.")
