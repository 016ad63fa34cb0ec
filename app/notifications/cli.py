"""`flask notifications ...`: deliver the outbox."""

import click
from flask import current_app
from flask.cli import AppGroup

from app.extensions import db
from app.notifications import services

notifications_cli = AppGroup("notifications", help="Deliver queued email.")


@notifications_cli.command("deliver")
@click.option("--limit", default=500, show_default=True, help="Most messages to send in one run.")
def deliver_command(limit: int) -> None:
    """Send pending messages that are due; failures are retried later with backoff."""
    transport = services.Transport(current_app.config)
    sent = failed = 0
    try:
        for _ in range(limit):
            notification = services.next_deliverable()
            if notification is None:
                break
            if services.deliver_notification(notification, transport):
                sent += 1
            else:
                failed += 1
            # One commit per message: a crash after sending fifty must not send them again.
            db.session.commit()
    finally:
        transport.close()
    target = current_app.config["MAIL_SERVER"] or current_app.config["MAIL_OUTBOX_DIR"]
    click.echo(f"Delivered {sent}, failed {failed} (to {target}).")
