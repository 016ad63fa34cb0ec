"""Who may stage, release and read decisions."""

from app.auth.models import Role
from app.auth.policy import has_role
from app.decisions.models import Decision
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
