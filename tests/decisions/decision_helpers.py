"""Arrangements for the decision tests: a call in review with reviewed proposals."""

from decimal import Decimal

from app.decisions import services
from app.decisions.models import Outcome
from app.extensions import db
from app.reviews import services as review_services
from app.reviews.models import Recommendation
from tests.factories import UserFactory
from tests.reviews.helpers import assign, call_in_review, proposal_under_review, reviewer


def reviewed(proposal, *, name, to_applicant, confidential, scores=(4, 4), admin=None):
    """Have a reviewer called `name` submit a review of the proposal with these comments."""
    user = reviewer()
    user.name = name
    db.session.commit()
    assignment = assign(proposal, user, admin=admin)
    criteria = proposal.call.criteria
    review_services.save_review(
        assignment,
        review_services.ReviewValues(
            scores={c.id: s for c, s in zip(criteria, scores, strict=True)},
            recommendation=Recommendation.FUND,
            confidence=4,
            comments_to_applicant=to_applicant,
            confidential_comments=confidential,
        ),
        actor=user,
    )
    review_services.submit_review(assignment, actor=user)
    db.session.commit()
    return user


def call_with_proposals(count=2, *, total_budget="1000000", **values):
    """Return a call in review and `count` proposals under review (each requesting 1,000)."""
    call = call_in_review(total_budget=Decimal(total_budget), **values)
    proposals = [proposal_under_review(call) for _ in range(count)]
    return call, proposals


def stage(proposal, admin, outcome=Outcome.AWARD, amount="1000", **values):
    """Stage a decision as an administrator would, committed."""
    decision = services.stage_decision(
        proposal,
        actor=admin,
        outcome=outcome,
        amount=Decimal(amount) if outcome == Outcome.AWARD else None,
        expected_version=values.pop("expected_version", None),
        **values,
    )
    db.session.commit()
    return decision


def admin_user():
    """Return an administrator."""
    return UserFactory(admin=True)
