"""Reads over calls."""

from datetime import datetime

import sqlalchemy as sa

from app.audit.queries import history_of
from app.auth.models import User
from app.calls.models import Call, CallState
from app.extensions import db
from app.proposals.models import Proposal, ProposalState


def rubric_is_frozen(call: Call) -> bool:
    """Tell whether the rubric can no longer change: once any review of the call is submitted."""
    from app.reviews.models import Assignment, Review  # noqa: PLC0415  (reviews build on calls)

    return bool(
        db.session.scalar(
            sa.select(
                sa.exists()
                .where(Assignment.call_id == call.id)
                .where(Review.assignment_id == Assignment.id)
                .where(Review.submitted_at.is_not(None))
            )
        )
    )


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


def open_calls(now: datetime, limit: int | None = None) -> list[Call]:
    """Return the calls taking submissions now, soonest deadline first."""
    query = (
        sa.select(Call)
        .where(Call.state == CallState.OPEN, Call.closes_at > now)
        .order_by(Call.closes_at, Call.id)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def calls_with_proposal_counts(call_id: int | None = None) -> list[tuple[Call, dict[str, int]]]:
    """Return every call (or one) with its number of proposals in each state, in one query.

    Newest calls first. The counts are a dict keyed by proposal state value, zeros included.
    """
    states = list(ProposalState)
    counts = (
        sa.select(
            Proposal.call_id,
            *(
                sa.func.count(Proposal.id).filter(Proposal.state == state).label(state.value)
                for state in states
            ),
        )
        .group_by(Proposal.call_id)
        .subquery()
    )
    query = (
        sa.select(Call, *(sa.func.coalesce(counts.c[state.value], 0) for state in states))
        .outerjoin(counts, counts.c.call_id == Call.id)
        .order_by(Call.opens_at.desc(), Call.id.desc())
    )
    if call_id is not None:
        query = query.where(Call.id == call_id)
    return [
        (row[0], {state.value: int(n) for state, n in zip(states, row[1:], strict=True)})
        for row in db.session.execute(query)
    ]


def proposals_by(user: User, call: Call) -> list[Proposal]:
    """Return the user's own proposals to a call, oldest first."""
    return list(
        db.session.scalars(
            sa.select(Proposal)
            .where(Proposal.call_id == call.id, Proposal.applicant_id == user.id)
            .order_by(Proposal.id)
        )
    )


def call_history(call: Call, limit: int = 50) -> sa.Select:
    """Return a select of the latest audit events on a call (its rubric's included)."""
    return history_of(call, limit)
