"""When an award's reports fall due (pure: no database)."""

import calendar
from datetime import date

from app.awards.models import ReportKind


def add_months(day: date, months: int) -> date:
    """Return the same day `months` later, held to the month's last day (31 Jan + 1 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def report_due_dates(
    starts_on: date, ends_on: date, interval_months: int
) -> list[tuple[ReportKind, date]]:
    """Return the reports an award owes: a progress report every `interval_months` from the start
    while before the end, and the final report on the end date."""
    dates = []
    step = 1
    while (due := add_months(starts_on, step * interval_months)) < ends_on:
        dates.append((ReportKind.PROGRESS, due))
        step += 1
    dates.append((ReportKind.FINAL, ends_on))
    return dates
