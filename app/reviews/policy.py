"""Who may see and do what in review as a reviewer: their assignments, their call's conflicts."""

from datetime import datetime

import sqlalchemy as sa

from app.auth.models import Role
from app.auth.policy import has_role, is_signed_in
from app.calls.models import Call, ReviewVisibility
from app.extensions import db
from app.reviews import services
from app.reviews.models import Assignment, AssignmentState, CallReviewer

REVIEWING_CALL_STATES = services.REVIEWING_CALL_STATES


def can_open_assignment(user, assignment: Assignment) -> bool:
    """The reviewer reads the proposal and its review only while the assignment is theirs,
    not declined, and not blocked by a confirmed conflict."""
    return (
        is_signed_in(user)
        and assignment.reviewer_id == user.id
        and assignment.state != AssignmentState.DECLINED
        and services.confirmed_conflict(assignment.proposal_id, user.id) is None
    )


def can_change_review(assignment: Assignment, now: datetime) -> bool:
    """A review changes while the call is in review; a submitted one until its deadline (the
    service has the last word)."""
    if assignment.proposal.call.state not in REVIEWING_CALL_STATES:
        return False
    deadline = assignment.deadline
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
