"""Arrangements for the ranking tests: a call in review whose reviews are written as rows."""

from datetime import timedelta
from decimal import Decimal
from itertools import count

from app import clock
from app.extensions import db
from app.proposals.models import Proposal, ProposalState
from app.reviews.models import Assignment, AssignmentState, Review
from tests.factories import UserFactory
from tests.reviews.helpers import call_in_review

_numbers = count(1)


def ranked_call(**values):
    """Return a call in review (budget 100,000 unless given)."""
    values.setdefault("total_budget", Decimal("100000"))
    values.setdefault("max_award", min(Decimal("50000"), values["total_budget"]))
    return call_in_review(**values)


def proposal(call, *, requested="10000", keywords="", applicant=None, reference=None, **values):
    """Return a proposal of the call under review asking for `requested`."""
    now = clock.now()
    number = next(_numbers)
    item = Proposal(
        call=call,
        applicant=applicant or UserFactory(researcher=True),
        reference=reference or f"RNK-{number:04d}",
        title=f"Proposal {number}",
        abstract="An abstract.",
        keywords=keywords,
        requested_amount=Decimal(requested),
        state=values.pop("state", ProposalState.UNDER_REVIEW),
        submitted_at=now - timedelta(days=3),
        first_submitted_at=now - timedelta(days=3),
        **values,
    )
    if item.state in (ProposalState.AWARDED, ProposalState.DECLINED, ProposalState.WAITLISTED):
        item.decided_at = now
    db.session.add(item)
    db.session.flush()
    return item


def review(item, reviewer, total, *, submitted=True):
    """Write a review of `item` by `reviewer` with weighted total `total` (as rows)."""
    assignment = Assignment(
        call_id=item.call_id,
        proposal_id=item.id,
        reviewer_id=reviewer.id,
        state=AssignmentState.SUBMITTED if submitted else AssignmentState.ASSIGNED,
    )
    db.session.add(assignment)
    db.session.flush()
    db.session.add(
        Review(
            assignment_id=assignment.id,
            submitted_at=clock.now() if submitted else None,
            weighted_total=Decimal(str(total)) if submitted else None,
        )
    )
    db.session.flush()
    return assignment


def declined(item, reviewer):
    """Write an assignment of `item` the reviewer declined."""
    db.session.add(
        Assignment(
            call_id=item.call_id,
            proposal_id=item.id,
            reviewer_id=reviewer.id,
            state=AssignmentState.DECLINED,
            declined_at=clock.now(),
            decline_reason="Too busy",
        )
    )
    db.session.flush()
