"""The ranking page and the decision packet in the authorization matrix: administrators only."""

from app.extensions import db
from tests.authz import Route, admin_only
from tests.decisions.ranking_helpers import proposal, ranked_call, review
from tests.factories import UserFactory

ROUTES = [
    Route("decisions.ranking", "GET", "/decisions/calls/{rk_call}/ranking", admin_only(200)),
    Route(
        "decisions.ranking",
        "GET",
        "/decisions/calls/{rk_call}/ranking?groups=robotics:+1-2&sort=raw",
        admin_only(200),
    ),
    Route("decisions.packet", "GET", "/decisions/calls/{rk_call}/packet.csv", admin_only(200)),
    Route(
        "decisions.packet",
        "GET",
        "/decisions/calls/{rk_call}/packet.xlsx?anonymised=1",
        admin_only(200),
    ),
]


def arrange(people) -> dict[str, int]:
    """Create a call in review with two proposals, one reviewed by one reviewer."""
    call = ranked_call()
    reviewer = UserFactory(reviewer=True)
    review(proposal(call, keywords="robotics"), reviewer, 70)
    proposal(call)
    db.session.commit()
    return {"rk_call": call.id}
