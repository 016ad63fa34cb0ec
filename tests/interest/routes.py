"""Member interest and funded-project routes in the authorization matrix: representatives of
members in force answer and follow the projects; administrators read every answer."""

from app.calls.models import MemberVisibility
from app.members.queries import representative_contact
from app.proposals.models import DeclaredConflict
from tests.authz import LOGIN, Route, admin_only, everyone
from tests.awards.helpers import awarded_proposal, make_award
from tests.portal import routes as portal_routes
from tests.reviews.helpers import call_in_review, proposal_under_review


def representatives(status) -> dict:
    """Both representatives of active members get `status`; everyone else 403 (or sign in)."""
    return everyone(403, anonymous=LOGIN) | {"member": status, "other_member": status}


ANSWER = {"level": "would_mentor", "comment": "Our plant in Ohio could host a pilot."}

ROUTES = [
    Route("interest.calls", "GET", "/interest/", representatives(200)),
    Route("interest.call", "GET", "/interest/calls/{interest_call}", representatives(200)),
    Route(
        "interest.call",
        "GET",
        "/interest/calls/{interest_hidden_call}",
        representatives(404),
    ),
    Route(
        "interest.record",
        "POST",
        "/interest/proposals/{interest_proposal}",
        representatives(302),
        ANSWER,
        changes=True,
    ),
    # The other member's organization was named by the applicant: it may not answer.
    Route(
        "interest.record",
        "POST",
        "/interest/proposals/{interest_conflicted_proposal}",
        representatives(302) | {"other_member": 403},
        ANSWER,
        changes=True,
    ),
    Route(
        "interest.admin_call",
        "GET",
        "/interest/calls/{interest_call}/answers",
        admin_only(200),
    ),
    Route(
        "interest.funded",
        "GET",
        "/interest/funded",
        representatives(200) | {"admin": 200},
    ),
    Route(
        "interest.funded_project",
        "GET",
        "/interest/funded/{interest_award}",
        representatives(200) | {"admin": 200},
    ),
]


def arrange(people) -> dict[str, int]:
    """A call in review open to members, two proposals (one naming the other member's
    organization), a call that shows members nothing, and an award."""
    portal_routes.arrange(people)  # representatives of two active members, if not yet
    other_organization = representative_contact(people["other_member"]).organization
    call = call_in_review(member_visibility=MemberVisibility.TITLES_ABSTRACTS)
    proposal = proposal_under_review(call)
    conflicted = proposal_under_review(call)
    conflicted.declared_conflicts.append(
        DeclaredConflict(position=1, organization_id=other_organization.id, reason="Consultancy")
    )
    hidden_call = call_in_review()
    award = make_award(awarded_proposal())
    return {
        "interest_call": call.id,
        "interest_hidden_call": hidden_call.id,
        "interest_proposal": proposal.id,
        "interest_conflicted_proposal": conflicted.id,
        "interest_award": award.id,
    }
