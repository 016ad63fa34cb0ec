"""Reads over calls."""

from datetime import datetime

import sqlalchemy as sa

from app.calls.models import Call, CallState
from app.extensions import db


def rubric_is_frozen(call: Call) -> bool:
    """Tell whether the rubric can no longer change: once any review of the call is submitted.

    Reviews arrive with the review feature; until then no rubric is frozen.
    """
    return False


def calls_for_researchers(now: datetime) -> tuple[list[Call], list[Call]]:
    """Return (open calls, soonest deadline first; past calls, latest first) visible to all."""
    open_calls = db.session.scalars(
        sa.select(Call)
        .where(Call.state == CallState.OPEN, Call.closes_at > now)
        .order_by(Call.closes_at)
    ).all()
    past_calls = db.session.scalars(
        sa.select(Call)
        .where(Call.state != CallState.DRAFT)
        .where(sa.or_(Call.state != CallState.OPEN, Call.closes_at <= now))
        .order_by(Call.closes_at.desc())
    ).all()
    return list(open_calls), list(past_calls)
