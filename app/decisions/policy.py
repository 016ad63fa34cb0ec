"""Who may stage, release and read decisions."""

from app.auth.models import Role
from app.auth.policy import has_role
from app.calls.models import CallState
from app.decisions.models import Decision
from app.proposals.models import Proposal, ProposalState
from app.proposals.policy import can_view_proposal


def can_manage_decisions(user) -> bool:
    """Administrators stage, change, release and read every decision."""
    return has_role(user, Role.ADMIN)


def can_see_decision(user, decision: Decision) -> bool:
    """Administrators always; whoever may read the proposal (its applicant, co-investigators
    with accounts) only once the decision is released."""
    if can_manage_decisions(user):
        return True
    return decision.is_released and can_view_proposal(user, decision.proposal)


def is_stageable(proposal: Proposal, decision: Decision | None) -> bool:
    """Tell whether the proposal can take a staged decision now: under review, its call in
    review, and no decision released yet (the service says why not, when it refuses)."""
    return (
        proposal.state == ProposalState.UNDER_REVIEW
        and proposal.call.state == CallState.IN_REVIEW
        and not (decision and decision.is_released)
    )
