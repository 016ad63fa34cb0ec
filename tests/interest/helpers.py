"""Arrangements shared by the member-interest tests: members in force or not, a call open to
them, proposals in review."""

from datetime import timedelta

from app import clock
from app.calls.models import MemberVisibility
from app.extensions import db
from tests.factories import OrganizationFactory, TermFactory, TierFactory, representative
from tests.reviews.helpers import call_in_review, proposal_under_review


def member_organization(name: str = "Siemens", *, votes: int = 1, status: str = "active"):
    """Return an organization whose membership is `status` today (active, lapsed, withdrawn,
    prospect)."""
    organization = OrganizationFactory(name=name, tier=TierFactory(votes=votes))
    today = clock.today()
    if status == "active":
        TermFactory(organization=organization, starts_on=today - timedelta(days=100))
    elif status in ("lapsed", "withdrawn"):
        TermFactory(
            organization=organization,
            starts_on=today - timedelta(days=500),
            ends_on=today - timedelta(days=136 if status == "lapsed" else -200),
        )
    elif status == "prospect":
        TermFactory(organization=organization, starts_on=today + timedelta(days=30))
    if status == "withdrawn":
        organization.withdrawn_on = today - timedelta(days=3)
        organization.withdrawal_reason = "Left the consortium"
    db.session.commit()
    return organization


def member_user(organization=None, **user_fields):
    """Return a representative of `organization` (a new active member if not given)."""
    return representative(organization or member_organization(), **user_fields)


def open_call(**values):
    """Return a call in review whose proposals members see."""
    return call_in_review(member_visibility=MemberVisibility.TITLES_ABSTRACTS, **values)


__all__ = ["member_organization", "member_user", "open_call", "proposal_under_review"]
