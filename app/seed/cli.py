"""`flask seed demo`: load demonstration data, idempotently."""

import click
from flask import current_app
from flask.cli import AppGroup

from app.extensions import db
from app.seed.demo import DEMO_PASSWORD, seed_demo

seed_cli = AppGroup("seed", help="Load demonstration data.")


@seed_cli.command("demo")
def demo_command() -> None:
    """Load one demo account per role (and later features' demo data); safe to run twice."""
    if not current_app.config["IS_DEMO_ALLOWED"]:
        raise click.ClickException("Demo data is never loaded under the production config.")
    accounts = seed_demo()
    db.session.commit()
    click.echo(
        f"Demo data is loaded. Sign in with any of these (password for all: {DEMO_PASSWORD}):"
    )
    for email, roles in accounts:
        click.echo(f"  {email:<32} {roles}")
