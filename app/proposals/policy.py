"""Who may see and change a proposal, and when."""

from datetime import datetime

from app.auth.models import Role
from app.auth.policy import has_role, is_signed_in
from app.proposals.deadlines import accepts_submissions
from app.proposals.models import WITHDRAWABLE_STATES, Proposal, ProposalState


def is_applicant(user, proposal: Proposal) -> bool:
    """Tell whether the user is the proposal's applicant."""
    return is_signed_in(user) and proposal.applicant_id == user.id


def is_co_investigator(user, proposal: Proposal) -> bool:
    """Tell whether the user's account address is among the proposal's co-investigators."""
    return is_signed_in(user) and any(
        member.email == user.email for member in proposal.co_investigators
    )


def can_manage_proposals(user) -> bool:
    """Administrators see every proposal and grant extensions."""
    return has_role(user, Role.ADMIN)


def can_write_proposals(user) -> bool:
    """Researchers start proposals (to a call that is open: calls.policy.can_propose_to)."""
    return has_role(user, Role.RESEARCHER)


def can_view_proposal(user, proposal: Proposal) -> bool:
    """The applicant, co-investigators with accounts (read only) and administrators."""
    return (
        can_manage_proposals(user)
        or is_applicant(user, proposal)
        or is_co_investigator(user, proposal)
    )


def can_see_declared_conflicts(user, proposal: Proposal) -> bool:
    """The applicant and administrators read the declared conflicts; co-investigators, like
    reviewers and members, do not."""
    return is_applicant(user, proposal) or can_manage_proposals(user)


def can_edit_proposal(user, proposal: Proposal, now: datetime) -> bool:
    """The applicant edits a draft while the call accepts submissions."""
    return (
        is_applicant(user, proposal)
        and proposal.state == ProposalState.DRAFT
        and accepts_submissions(proposal, now)
    )


def can_submit_proposal(user, proposal: Proposal, now: datetime) -> bool:
    """The applicant submits a draft before the deadline."""
    return can_edit_proposal(user, proposal, now)


def can_reopen_proposal(user, proposal: Proposal, now: datetime) -> bool:
    """The applicant reopens a submitted proposal to change it, before the deadline."""
    return (
        is_applicant(user, proposal)
        and proposal.state == ProposalState.SUBMITTED
        and accepts_submissions(proposal, now)
    )


def can_withdraw_proposal(user, proposal: Proposal) -> bool:
    """The applicant withdraws a draft, submitted or under-review proposal."""
    return is_applicant(user, proposal) and proposal.state in WITHDRAWABLE_STATES


def can_download_attachment(user, proposal: Proposal) -> bool:
    """Whoever may see the proposal may read its PDF."""
    return can_view_proposal(user, proposal)
