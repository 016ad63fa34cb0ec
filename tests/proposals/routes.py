"""Proposal routes in the authorization matrix."""

from app.extensions import db
from app.proposals import services
from tests.authz import LOGIN, Route, signed_in
from tests.factories import MINIMAL_PDF, ProposalFactory


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


def readers(status) -> dict:
    """The applicant and administrators read; others get a 404."""
    return applicant_only(status, admin=status)


ROUTES = [
    Route("proposals.mine", "GET", "/proposals/mine", signed_in(200)),
    Route("proposals.detail", "GET", "/proposals/{proposal}", readers(200)),
    Route("proposals.edit", "GET", "/proposals/{proposal}/edit", applicant_only(200, admin=403)),
    Route(
        "proposals.edit",
        "POST",
        "/proposals/{proposal}/edit",
        applicant_only(302, admin=403),
        {"title": "Renamed by the applicant", "save": "y"},
        changes=True,
    ),
    Route(
        "proposals.submit",
        "POST",
        "/proposals/{proposal}/submit",
        applicant_only(302, admin=403),
        changes=True,
    ),
    Route(
        "proposals.reopen",
        "POST",
        "/proposals/{submitted}/reopen",
        applicant_only(302, admin=403),
        changes=True,
    ),
    Route(
        "proposals.withdraw",
        "POST",
        "/proposals/{proposal}/withdraw",
        applicant_only(302, admin=403),
        {"reason": "Funded elsewhere"},
        changes=True,
    ),
    Route(
        "proposals.grant_extension",
        "POST",
        "/proposals/{proposal}/extension",
        applicant_only(403, admin=302),
        {"until": "2099-01-01T12:00"},
        changes=True,
    ),
    Route("proposals.download", "GET", "/proposals/{proposal}/attachment", readers(200)),
    Route("proposals.version", "GET", "/proposals/{submitted}/versions/1", readers(200)),
    Route(
        "proposals.version_attachment",
        "GET",
        "/proposals/{submitted}/versions/1/attachment",
        readers(200),
    ),
    Route("proposals.receipt", "GET", "/proposals/{submitted}/receipt/1", readers(200)),
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
    """Create a complete draft (PDF attached) and a submitted proposal by the matrix's
    researcher."""
    applicant = people["researcher"]
    proposal = ProposalFactory(applicant=applicant, complete=True, budget=["1000"])
    services.attach_pdf(proposal, actor=applicant, filename="draft.pdf", data=MINIMAL_PDF)
    sent = ProposalFactory(applicant=applicant, complete=True, budget=["2000"])
    services.attach_pdf(sent, actor=applicant, filename="sent.pdf", data=MINIMAL_PDF)
    services.submit_proposal(sent, actor=applicant)
    db.session.commit()
    return {"proposal": proposal.id, "open_call": proposal.call_id, "submitted": sent.id}
