"""Who may see and do what in review: reviewers with their assignments, administrators all."""

from datetime import datetime

import sqlalchemy as sa

from app.auth.models import Role
from app.auth.policy import has_role, is_signed_in
from app.calls.models import Call, CallState, ReviewVisibility
from app.extensions import db
from app.reviews.models import Assignment, AssignmentState, CallReviewer, Conflict, ConflictStatus

# Reviewers work while the call is closed to submissions and in review; not before, not after.
REVIEWING_CALL_STATES = frozenset({CallState.CLOSED, CallState.IN_REVIEW})


def can_manage_review(user) -> bool:
    """Administrators run pools, conflicts, assignments and progress."""
    return has_role(user, Role.ADMIN)


def has_confirmed_conflict(user, proposal_id: int) -> bool:
    """Tell whether the user has a confirmed conflict with the proposal."""
    return is_signed_in(user) and (
        db.session.scalar(
            sa.select(Conflict.id).where(
                Conflict.proposal_id == proposal_id,
                Conflict.reviewer_id == user.id,
                Conflict.status == ConflictStatus.CONFIRMED,
            )
        )
        is not None
    )


def holds_assignment(user, assignment: Assignment) -> bool:
    """The reviewer the assignment is for, whatever its state (to decline or declare)."""
    return is_signed_in(user) and assignment.reviewer_id == user.id


def can_open_assignment(user, assignment: Assignment) -> bool:
    """The reviewer reads the proposal and its review only while the assignment is theirs,
    not declined, and not blocked by a confirmed conflict."""
    return (
        holds_assignment(user, assignment)
        and assignment.state != AssignmentState.DECLINED
        and not has_confirmed_conflict(user, assignment.proposal_id)
    )


def review_deadline(assignment: Assignment) -> datetime | None:
    """Return when the assignment's review is due: its own date, else the call's."""
    return assignment.due_at or assignment.proposal.call.review_deadline


def can_change_review(assignment: Assignment, now: datetime) -> bool:
    """A review changes while the call is in review; a submitted one until its deadline (the
    service has the last word)."""
    if assignment.proposal.call.state not in REVIEWING_CALL_STATES:
        return False
    deadline = review_deadline(assignment)
    return not (
        assignment.state == AssignmentState.SUBMITTED and deadline is not None and now > deadline
    )


def can_see_other_reviews(assignment: Assignment) -> bool:
    """The call's visibility setting: never, after submitting one's own, or always."""
    visibility = assignment.proposal.call.review_visibility
    if visibility == ReviewVisibility.NEVER:
        return False
    if visibility == ReviewVisibility.AFTER_OWN:
        return assignment.state == AssignmentState.SUBMITTED
    return True


def is_in_pool(user, call: Call) -> bool:
    """Tell whether the user is in the call's reviewer pool."""
    return is_signed_in(user) and (
        db.session.scalar(
            sa.select(CallReviewer.id).where(
                CallReviewer.call_id == call.id, CallReviewer.user_id == user.id
            )
        )
        is not None
    )


def can_declare_call_conflicts(user, call: Call) -> bool:
    """Reviewers in the pool mark conflicts from the call's titles while it is in review."""
    return (
        has_role(user, Role.REVIEWER)
        and call.state in REVIEWING_CALL_STATES
        and is_in_pool(user, call)
    )
