"""Arrangements shared by the reviewer pages' tests: a call in review, proposals, assignments."""

from datetime import timedelta
from itertools import count

from app import clock
from app.calls.models import CallState
from app.extensions import db
from app.proposals import services as proposal_services
from app.proposals.models import CoInvestigator, ProposalState
from app.reviews import services
from tests.factories import MINIMAL_PDF, CallFactory, ProposalFactory, UserFactory

_references = count(1)


def call_in_review(**values):
    """Return a call whose submissions closed yesterday, in review for twenty days more."""
    now = clock.now()
    return CallFactory(
        state=CallState.IN_REVIEW,
        opens_at=now - timedelta(days=60),
        closes_at=now - timedelta(days=1),
        closed_at=now - timedelta(days=1),
        review_started_at=now - timedelta(days=1),
        review_deadline=now + timedelta(days=20),
        **values,
    )


def proposal_under_review(call, *, applicant=None, filename=None, **values):
    """Return a proposal of the call under review, with a PDF named `filename` if given.

    The PDF is attached while the proposal is a draft in an open call (the only time an
    applicant may), then the proposal and the call move on as submission and closing would.
    """
    applicant = applicant or UserFactory(researcher=True)
    now = clock.now()
    proposal = ProposalFactory(call=call, applicant=applicant, complete=True, budget=["1000"])
    if filename:
        state, closes_at = call.state, call.closes_at
        call.state, call.closes_at = CallState.OPEN, now + timedelta(days=1)
        db.session.flush()
        proposal_services.attach_pdf(proposal, actor=applicant, filename=filename, data=MINIMAL_PDF)
        call.state, call.closes_at = state, closes_at
    defaults = {
        "state": ProposalState.UNDER_REVIEW,
        "submitted_at": now - timedelta(days=2),
        "first_submitted_at": now - timedelta(days=2),
        "reference": f"REV-2026-{next(_references):03d}",
    }
    for name, value in (defaults | values).items():
        setattr(proposal, name, value)
    db.session.commit()
    return proposal


def add_co_investigator(proposal, *, name, email, affiliation):
    """Put someone on the proposal's team."""
    proposal.co_investigators.append(
        CoInvestigator(position=1, name=name, email=email, affiliation=affiliation, role="Co-PI")
    )
    db.session.commit()


def assign(proposal, reviewer, *, admin=None):
    """Give the proposal to the reviewer (as an administrator would)."""
    admin = admin or UserFactory(admin=True)
    assignment = services.assign_reviewer(proposal, reviewer, actor=admin)
    db.session.commit()
    return assignment


def reviewer(**profile):
    """Return a reviewer, with the given profile if any."""
    user = UserFactory(reviewer=True)
    if profile:
        services.update_profile(user, actor=user, **profile)
        db.session.commit()
    return user


def pool_reviewer(call, *, admin=None, max_load=None, min_load=None, **profile):
    """Return a reviewer (with the given profile, if any) in the call's pool, with its limits."""
    user = reviewer(**profile)
    admin = admin or UserFactory(admin=True)
    services.add_to_pool(call, user, actor=admin, max_load=max_load, min_load=min_load)
    db.session.commit()
    return user
