"""The server's clock: one place to read the time, so tests can fix it."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app

from app.database import utcnow


def now() -> datetime:
    """Return the current instant (aware, UTC)."""
    return utcnow()


def today() -> date:
    """Return today's date in the program office's time zone."""
    return now().astimezone(ZoneInfo(current_app.config["OFFICE_TIMEZONE"])).date()
