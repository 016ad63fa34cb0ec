"""`flask users ...`: account commands for operators."""

import os

import click
from flask.cli import AppGroup

from app.auth import services
from app.errors import DomainError
from app.extensions import db

users_cli = AppGroup("users", help="Manage user accounts.")


@users_cli.command("create-admin")
@click.argument("email")
@click.option("--name", default=None, help="Display name (default: the part before the @).")
def create_admin_command(email: str, name: str | None) -> None:
    """Create an administrator, or make an existing account one and set its password.

    The password comes from SEEDBED_ADMIN_PASSWORD, or is asked for.
    """
    password = os.environ.get("SEEDBED_ADMIN_PASSWORD") or click.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )
    try:
        user, created = services.create_admin(email=email, password=password, name=name)
    except DomainError as error:
        raise click.ClickException(error.message)
    db.session.commit()
    click.echo(f"{'Created' if created else 'Updated'} administrator {user.email}.")
