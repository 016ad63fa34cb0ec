"""A small consortium for property-based API tests: one user per role and one of everything.

Schemathesis draws ids at random, which nearly always miss; so valid requests are pointed at
these objects instead (see `WorldIds.fill`), and reach the code behind the 404.
"""

from dataclasses import dataclass

from app import clock
from app.decisions.models import Decision, Outcome
from app.extensions import db
from app.members import services as member_services
from tests.awards.helpers import awarded_proposal, make_award
from tests.factories import (
    CallFactory,
    ContactFactory,
    OrganizationFactory,
    ProposalFactory,
    TermFactory,
    UserFactory,
    representative,
)
from tests.reviews.helpers import assign, call_in_review, pool_reviewer, proposal_under_review


@dataclass
class World:
    """The users by role and the id each path parameter should take."""

    users: dict
    ids: dict[str, int]
    # Operations on a call or proposal in review take these ids instead (by path prefix).
    ids_in_review: dict[str, dict[str, int]]

    def ids_for(self, path: str) -> dict[str, int]:
        """Return the ids the operation at this path should reach."""
        for prefix, ids in self.ids_in_review.items():
            if path.startswith(prefix):
                return self.ids | ids
        return self.ids


def build_world() -> World:
    """Create one user per role and something of every kind for them to reach."""
    admin = UserFactory(admin=True)
    researcher = UserFactory(researcher=True)
    reviewer = UserFactory(reviewer=True)
    organization = OrganizationFactory()
    term = TermFactory(organization=organization)
    member = representative(organization)
    contact = ContactFactory(organization=organization)
    invoice = member_services.issue_invoice(term, actor=admin)

    open_call = CallFactory()
    draft = ProposalFactory(call=open_call, applicant=researcher, complete=True, budget=["900"])
    reviewed_call = call_in_review()
    under_review = proposal_under_review(reviewed_call, applicant=researcher)
    assignment = assign(under_review, reviewer, admin=admin)
    proposal_under_review(reviewed_call)
    pool_reviewer(reviewed_call, admin=admin)
    pool_reviewer(reviewed_call, admin=admin)

    awarded = awarded_proposal(applicant=researcher)
    decision = Decision(
        call=awarded.call,
        proposal=awarded,
        outcome=Outcome.AWARD,
        amount=awarded.requested_amount,
        rationale="Strong.",
        staged_by=admin,
        released_by=admin,
        released_at=clock.now(),
    )
    db.session.add(decision)
    award = make_award(awarded)
    db.session.commit()
    return World(
        users={"admin": admin, "researcher": researcher, "reviewer": reviewer, "member": member},
        ids={
            "call_id": open_call.id,
            "criterion_id": open_call.criteria[0].id,
            "proposal_id": draft.id,
            "assignment_id": assignment.id,
            "organization_id": organization.id,
            "term_id": term.id,
            "contact_id": contact.id,
            "invoice_id": invoice.id,
            "decision_id": decision.id,
            "award_id": award.id,
        },
        ids_in_review={
            "/api/v1/reviews/calls/": {"call_id": reviewed_call.id},
            "/api/v1/decisions/": {"call_id": reviewed_call.id, "proposal_id": under_review.id},
        },
    )
