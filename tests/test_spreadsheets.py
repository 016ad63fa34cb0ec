"""Spreadsheet exports: values as text or typed cells, formulas never run, times in UTC."""

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from app.proposals.models import ProposalState
from app.spreadsheets import csv_value, xlsx_value


def test_csv_values_are_plain_text():
    boston = datetime(2026, 6, 3, 13, 5, 9, tzinfo=ZoneInfo("America/New_York"))

    assert [
        csv_value(value)
        for value in (None, True, ProposalState.UNDER_REVIEW, Decimal("5"), date(2026, 6, 3))
    ] == ["", "yes", "under_review", "5.00", "2026-06-03"]
    assert csv_value(boston) == "2026-06-03 17:05:09"
    assert csv_value("=1+1") == "'=1+1"


def test_xlsx_values_keep_numbers_and_times_typed_in_utc():
    tokyo = datetime(2026, 6, 4, 2, 5, tzinfo=ZoneInfo("Asia/Tokyo"))

    assert xlsx_value(tokyo) == datetime(2026, 6, 3, 17, 5)
    assert xlsx_value(datetime(2026, 6, 3, 17, 5, tzinfo=UTC)).tzinfo is None
    assert xlsx_value(Decimal("12.50")) == Decimal("12.50")
    assert xlsx_value("@SUM(A1)\x07") == "'@SUM(A1)"
