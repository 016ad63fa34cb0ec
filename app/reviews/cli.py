"""`flask reviews ...`: review upkeep for operators."""

import click
from flask import current_app
from flask.cli import AppGroup

from app import clock
from app.extensions import db
from app.reviews import reminders

reviews_cli = AppGroup("reviews", help="Review upkeep.")


@reviews_cli.command("remind")
@click.option(
    "--days",
    type=click.IntRange(min=0),
    default=None,
    help="Remind of assignments due within this many days (default: REVIEW_REMINDER_DAYS).",
)
def remind_command(days: int | None) -> None:
    """Email reviewers about unfinished assignments due soon or overdue (at most daily each)."""
    if days is None:
        days = current_app.config["REVIEW_REMINDER_DAYS"]
    summary = reminders.send_reminders(now=clock.now(), within_days=days)
    db.session.commit()
    click.echo(
        f"Reminded {_count(summary.reviewers, 'reviewer')} of "
        f"{_count(summary.assignments, 'assignment')} due within {_count(days, 'day')} "
        f"or overdue ({summary.overdue} overdue)."
    )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
