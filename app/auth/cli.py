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


@users_cli.command("create-token")
@click.argument("email")
@click.option("--name", required=True, help="What will use the token, shown in its list.")
@click.option(
    "--expires-on",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Last day the token works (YYYY-MM-DD); default: until revoked.",
)
def create_token_command(email: str, name: str, expires_on) -> None:
    """Create a personal access token for an account and print it (only this once).

    For operators and scripts; users create their own on their profile page.
    """
    from app.api import tokens  # noqa: PLC0415  (the API builds on accounts)

    user = services.find_user_by_email(email)
    if user is None or not user.is_active:
        raise click.ClickException(f"No active account has the address {email}.")
    try:
        _token, raw = tokens.create_token(
            user, name=name, expires_on=expires_on and expires_on.date(), actor=None
        )
    except DomainError as error:
        raise click.ClickException(error.message)
    db.session.commit()
    click.echo(raw)
