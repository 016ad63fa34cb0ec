"""The administrators' review pages in the authorization matrix: administrators only."""

from datetime import timedelta

from app import clock
from app.calls.models import CallState
from app.extensions import db
from app.proposals.models import ProposalState
from app.reviews import planning, services
from app.reviews.models import ConflictSource
from tests.authz import Route, admin_only
from tests.factories import CallFactory, ProposalFactory, UserFactory

ROUTES = [
    Route("reviews.pool", "GET", "/reviews/calls/{rv_call}/pool", admin_only(200)),
    Route(
        "reviews.add_to_pool",
        "POST",
        "/reviews/calls/{rv_call}/pool",
        admin_only(302),
        {"user_id": "{rv_outsider}", "max_load": "4"},
        changes=True,
    ),
    Route(
        "reviews.remove_from_pool",
        "POST",
        "/reviews/pool/{rv_member}/remove",
        admin_only(302),
        changes=True,
    ),
    Route("reviews.conflicts", "GET", "/reviews/calls/{rv_call}/conflicts", admin_only(200)),
    Route(
        "reviews.detect_conflicts",
        "POST",
        "/reviews/calls/{rv_call}/conflicts/detect",
        admin_only(302),
        changes=True,
    ),
    Route(
        "reviews.dismiss_conflict",
        "POST",
        "/reviews/conflicts/{rv_conflict}/dismiss",
        admin_only(302),
        {"reason": "Different groups"},
        changes=True,
    ),
    Route("reviews.assignments", "GET", "/reviews/calls/{rv_call}/assignments", admin_only(200)),
    Route(
        "reviews.assign",
        "POST",
        "/reviews/calls/{rv_call}/assignments",
        admin_only(302),
        {"proposal_id": "{rv_proposal}", "reviewer_id": "{rv_free}"},
        changes=True,
    ),
    Route("reviews.progress", "GET", "/reviews/calls/{rv_call}/progress", admin_only(200)),
    Route(
        "reviews.run_plan",
        "POST",
        "/reviews/calls/{rv_call}/plans",
        admin_only(302),
        {"expert_threshold": "", "load_balancing": "gentle"},
        changes=True,
    ),
    Route("reviews.plan", "GET", "/reviews/plans/{rv_plan}", admin_only(200)),
    Route(
        "reviews.deploy_plan",
        "POST",
        "/reviews/plans/{rv_plan}/deploy",
        admin_only(302),
        changes=True,
    ),
    Route(
        "reviews.discard_plan",
        "POST",
        "/reviews/plans/{rv_plan}/discard",
        admin_only(302),
        changes=True,
    ),
]


def arrange(people) -> dict[str, int]:
    """Create a call in review with a proposal, a pool of two, a declared conflict and a
    proposed automatic assignment."""
    now = clock.now()
    call = CallFactory(
        state=CallState.IN_REVIEW,
        opens_at=now - timedelta(days=60),
        closes_at=now - timedelta(days=10),
        review_deadline=now + timedelta(days=20),
    )
    proposal = ProposalFactory(
        call=call,
        complete=True,
        budget=["1000"],
        state=ProposalState.UNDER_REVIEW,
        submitted_at=now - timedelta(days=11),
        first_submitted_at=now - timedelta(days=11),
        reference="MTX-2026-901",
    )
    free, conflicted = UserFactory(reviewer=True), UserFactory(reviewer=True)
    admin = people["admin"]
    member = services.add_to_pool(call, free, actor=admin)
    services.add_to_pool(call, conflicted, actor=admin)
    conflict = services.declare_conflict(
        proposal, conflicted, actor=conflicted, source=ConflictSource.REVIEWER_DECLARED
    )
    plan = planning.create_plan(call, actor=admin, options=planning.PlanOptions())
    db.session.commit()
    return {
        "rv_call": call.id,
        "rv_plan": plan.id,
        "rv_proposal": proposal.id,
        "rv_member": member.id,
        "rv_free": free.id,
        "rv_conflict": conflict.id,
        "rv_outsider": people["reviewer"].id,
    }
