"""`flask awards ...`: award upkeep for operators."""

import click
from flask.cli import AppGroup

from app import clock
from app.awards import reports
from app.extensions import db

awards_cli = AppGroup("awards", help="Award upkeep.")


@awards_cli.command("remind")
def remind_command() -> None:
    """Email applicants about their overdue award reports (at most daily for each report)."""
    summary = reports.send_reminders(clock.today())
    db.session.commit()
    click.echo(
        f"Reminded {_count(summary.applicants, 'applicant')} of "
        f"{_count(summary.reports, 'overdue report')}."
    )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
