"""How a call's timing is put into words for the people reading it."""

from datetime import datetime


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}{'' if count == 1 else 's'}"


def time_left(closes_at: datetime, now: datetime) -> str:
    """Say how long a call has left: "3 days 4 hours left", "closes in 45 minutes"."""
    seconds = int((closes_at - now).total_seconds())
    if seconds <= 0:
        return "closed"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return (
            f"{_plural(days, 'day')} {_plural(hours, 'hour')} left"
            if hours
            else (f"{_plural(days, 'day')} left")
        )
    if hours:
        return (
            f"{_plural(hours, 'hour')} {_plural(minutes, 'minute')} left"
            if minutes
            else (f"{_plural(hours, 'hour')} left")
        )
    if minutes:
        return f"closes in {_plural(minutes, 'minute')}"
    return "closes in less than a minute"
