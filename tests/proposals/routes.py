"""Proposal routes in the authorization matrix."""

from app.extensions import db
from tests.authz import LOGIN, Route
from tests.factories import ProposalFactory


def applicant_only(status, *, admin=None) -> dict:
    """The applicant (the matrix's researcher) gets `status`; others a 404; anonymous signs in."""
    return {
        "anonymous": LOGIN,
        "researcher": status,
        "reviewer": 404,
        "member": 404,
        "other_member": 404,
        "admin": admin if admin is not None else 404,
    }


ROUTES = [
    Route("proposals.detail", "GET", "/proposals/{proposal}", applicant_only(200, admin=200)),
    Route(
        "proposals.start",
        "POST",
        "/proposals/new/{open_call}",
        {
            "anonymous": LOGIN,
            "researcher": 302,
            "reviewer": 403,
            "member": 403,
            "other_member": 403,
            "admin": 403,
        },
        changes=True,
    ),
]


def arrange(people) -> dict[str, int]:
    """Create a draft proposal by the matrix's researcher."""
    proposal = ProposalFactory(applicant=people["researcher"], complete=True, budget=["1000"])
    db.session.commit()
    return {"proposal": proposal.id, "open_call": proposal.call_id}
