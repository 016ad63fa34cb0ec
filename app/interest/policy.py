"""Who sees which proposals as a member, who may answer for an organization, and when."""

from collections.abc import Iterable

import sqlalchemy as sa

from app.auth.models import Role
from app.auth.policy import has_role
from app.calls.models import Call, CallState, MemberVisibility
from app.extensions import db
from app.members.models import Organization
from app.proposals.models import DECIDED_STATES, DeclaredConflict, Proposal, ProposalState
from app.reviews.models import Conflict, ConflictStatus, ReviewerProfile

# Calls shown to members once submission is over; answers may change until the call is decided.
MEMBER_CALL_STATES = frozenset({CallState.CLOSED, CallState.IN_REVIEW, CallState.DECIDED})
ANSWERABLE_CALL_STATES = frozenset({CallState.CLOSED, CallState.IN_REVIEW})
# Proposals members see: those in review or decided, never drafts, withdrawn or merely submitted.
MEMBER_PROPOSAL_STATES = frozenset({ProposalState.UNDER_REVIEW, *DECIDED_STATES})


def call_open_to_members(call: Call) -> bool:
    """A call shows its proposals to members if it says so and submission is over."""
    return (
        call.member_visibility == MemberVisibility.TITLES_ABSTRACTS
        and call.state in MEMBER_CALL_STATES
    )


def proposal_open_to_members(proposal: Proposal) -> bool:
    """Members see a proposal of such a call once it is in review (or decided)."""
    return call_open_to_members(proposal.call) and proposal.state in MEMBER_PROPOSAL_STATES


def interest_changeable(proposal: Proposal) -> bool:
    """An answer may be given or changed until the call (or the proposal) is decided."""
    return (
        proposal.call.state in ANSWERABLE_CALL_STATES
        and proposal.state == ProposalState.UNDER_REVIEW
    )


def _conflict_clause(organization_id: int) -> sa.ColumnElement[bool]:
    """Return SQL true for the proposals (correlated on Proposal.id) the organization is
    conflicted with: the applicant declared a relationship with it, or a reviewer who
    belongs to it has a confirmed conflict with the proposal (e.g. a sponsor's engineer)."""
    declared = (
        sa.select(DeclaredConflict.id)
        .where(
            DeclaredConflict.proposal_id == Proposal.id,
            DeclaredConflict.organization_id == organization_id,
        )
        .exists()
    )
    reviewer = (
        sa.select(Conflict.id)
        .join(ReviewerProfile, ReviewerProfile.user_id == Conflict.reviewer_id)
        .where(
            Conflict.proposal_id == Proposal.id,
            Conflict.status == ConflictStatus.CONFIRMED,
            ReviewerProfile.organization_id == organization_id,
        )
        .exists()
    )
    return sa.or_(declared, reviewer)


def conflicted_proposal_ids(organization: Organization, proposal_ids: Iterable[int]) -> set[int]:
    """Return which of the proposals the organization has a conflict with, in one query."""
    ids = list(proposal_ids)
    if not ids:
        return set()
    return set(
        db.session.scalars(
            sa.select(Proposal.id).where(Proposal.id.in_(ids), _conflict_clause(organization.id))
        )
    )


def organization_has_conflict(organization: Organization, proposal: Proposal) -> bool:
    """An organization has a conflict with a proposal when the applicant declared a
    relationship with it, or one of its people has a confirmed conflict as a reviewer."""
    return proposal.id in conflicted_proposal_ids(organization, [proposal.id])


def can_record_interest(organization: Organization | None, proposal: Proposal) -> bool:
    """A member in force answers for a proposal it sees, unless it is conflicted.

    The caller has checked that the user represents `organization` and that it is in force.
    """
    return (
        organization is not None
        and proposal_open_to_members(proposal)
        and not organization_has_conflict(organization, proposal)
    )


def can_view_answers(user) -> bool:
    """Administrators read every organization's answers and comments."""
    return has_role(user, Role.ADMIN)


def can_view_funded_projects(user, has_member_access: bool) -> bool:
    """Representatives of members in force, and administrators, see the funded projects."""
    return has_member_access or has_role(user, Role.ADMIN)
