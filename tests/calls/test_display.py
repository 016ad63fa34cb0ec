"""Time left before a call closes, in words."""

from datetime import UTC, datetime, timedelta

import pytest

from app.calls.display import time_left

NOW = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("left", "text"),
    [
        (timedelta(days=3, hours=4, minutes=59), "3 days 4 hours left"),
        (timedelta(days=1, hours=1), "1 day 1 hour left"),
        (timedelta(days=10), "10 days left"),
        (timedelta(hours=5, minutes=1), "5 hours 1 minute left"),
        (timedelta(hours=2), "2 hours left"),
        (timedelta(minutes=45, seconds=30), "closes in 45 minutes"),
        (timedelta(minutes=1), "closes in 1 minute"),
        (timedelta(seconds=59), "closes in less than a minute"),
        (timedelta(0), "closed"),
        (timedelta(minutes=-5), "closed"),
    ],
)
def test_time_left_says_how_long_a_call_has(left, text):
    assert time_left(NOW + left, NOW) == text
