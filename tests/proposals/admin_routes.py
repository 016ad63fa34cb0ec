"""The administrators' proposal list and export in the authorization matrix."""

from tests.authz import Route, admin_only
from tests.factories import ProposalFactory

ROUTES = [
    Route("proposals.admin_list", "GET", "/proposals/admin/call/{listed_call}", admin_only(200)),
    Route(
        "proposals.admin_export",
        "GET",
        "/proposals/admin/call/{listed_call}/export.csv",
        admin_only(200),
    ),
    Route(
        "proposals.admin_export",
        "GET",
        "/proposals/admin/call/{listed_call}/export.xlsx",
        admin_only(200),
    ),
]


def arrange(people) -> dict[str, int]:
    """Create a call with a draft proposal by the matrix's researcher."""
    proposal = ProposalFactory(applicant=people["researcher"], complete=True, budget=["1000"])
    return {"listed_call": proposal.call_id}
