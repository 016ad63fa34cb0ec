"""Every change in review: profiles, pools, conflicts, assignments and reviews."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from types import EllipsisType

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app import clock
from app.audit import services as audit
from app.auth.models import Role, User
from app.calls.models import Call, CallState
from app.errors import ConflictError, DeadlineError, ValidationError, WorkflowError
from app.extensions import db
from app.notifications import services as notifications
from app.proposals.models import DeclaredConflict, Proposal, ProposalState
from app.reviews.models import (
    Assignment,
    AssignmentState,
    CallReviewer,
    Conflict,
    ConflictSource,
    ConflictStatus,
    Recommendation,
    Review,
    ReviewerProfile,
    ReviewRevision,
    ReviewScore,
)
from app.reviews.scoring import weighted_total
from app.urls import external_url

REVIEWABLE_STATES = frozenset({ProposalState.SUBMITTED, ProposalState.UNDER_REVIEW})
# Reviewers work while the call is closed to submissions and in review; not before, not after.
REVIEWING_CALL_STATES = frozenset({CallState.CLOSED, CallState.IN_REVIEW})


def profile_of(user: User) -> ReviewerProfile:
    """Return the user's reviewer profile, creating an empty one if missing."""
    profile = db.session.scalar(
        sa.select(ReviewerProfile).where(ReviewerProfile.user_id == user.id)
    )
    if profile is None:
        profile = ReviewerProfile(user_id=user.id)
        db.session.add(profile)
        db.session.flush()
    return profile


PROFILE_FIELDS = ("expertise", "department", "organization_id", "affiliation", "max_load")


def update_profile(user: User, *, actor: User, **values) -> ReviewerProfile:
    """Change a reviewer's profile (their own, or any for administrators).

    Side effects: audit `reviewer.profile_updated`. Raises: ValidationError for a negative load.
    """
    if values.get("max_load") is not None and values["max_load"] < 0:
        raise ValidationError("The load cannot be negative.", field="max_load")
    profile = profile_of(user)
    changes = {}
    for name in PROFILE_FIELDS:
        if name in values and getattr(profile, name) != values[name]:
            changes[name] = [getattr(profile, name), values[name]]
            setattr(profile, name, values[name])
    if changes:
        audit.record(actor, "reviewer.profile_updated", user, changes)
    return profile


def add_to_pool(
    call: Call, user: User, *, actor: User, max_load: int | None = None, min_load: int | None = None
) -> CallReviewer:
    """Put a reviewer in a call's pool.

    Side effects: audit `call.reviewer_added`.
    Raises: ValidationError if the user is not a reviewer or the loads are inconsistent;
    ConflictError if already in the pool.
    """
    if not user.has_role(Role.REVIEWER):
        raise ValidationError(
            f"{user.name} is not a reviewer; give them the role first.", field="user"
        )
    if min_load is not None and max_load is not None and min_load > max_load:
        raise ValidationError("The minimum load cannot exceed the maximum.", field="min_load")
    exists = db.session.scalar(
        sa.select(CallReviewer).where(
            CallReviewer.call_id == call.id, CallReviewer.user_id == user.id
        )
    )
    if exists is not None:
        raise ConflictError(f"{user.name} is already in this call's pool.")
    member = CallReviewer(call_id=call.id, user_id=user.id, max_load=max_load, min_load=min_load)
    db.session.add(member)
    db.session.flush()
    audit.record(
        actor,
        "call.reviewer_added",
        call,
        {"user_id": user.id, "max_load": max_load, "min_load": min_load},
    )
    return member


def remove_from_pool(member: CallReviewer, *, actor: User) -> None:
    """Take a reviewer out of a call's pool (refused while they have active assignments)."""
    active = db.session.scalar(
        sa.select(sa.func.count(Assignment.id)).where(
            Assignment.call_id == member.call_id,
            Assignment.reviewer_id == member.user_id,
            Assignment.state != AssignmentState.DECLINED,
        )
    )
    if active:
        raise ConflictError("This reviewer has assignments in the call; remove those first.")
    audit.record(actor, "call.reviewer_removed", member.call, {"user_id": member.user_id})
    db.session.delete(member)


# Conflicts


def _active_assignment(proposal_id: int, reviewer_id: int) -> Assignment | None:
    return db.session.scalar(
        sa.select(Assignment).where(
            Assignment.proposal_id == proposal_id,
            Assignment.reviewer_id == reviewer_id,
            Assignment.state != AssignmentState.DECLINED,
        )
    )


def declare_conflict(
    proposal: Proposal,
    reviewer: User,
    *,
    actor: User,
    source: ConflictSource,
    explanation: str = "",
) -> Conflict:
    """Record a declared conflict; an open assignment of the pair is declined with it.

    Reviewers declare their own; applicants declare people on their proposals.
    Side effects: audit `conflict.declared` (and `assignment.declined`).
    Raises: ConflictError for a submitted review of the pair.
    """
    existing = db.session.scalar(
        sa.select(Conflict).where(
            Conflict.proposal_id == proposal.id, Conflict.reviewer_id == reviewer.id
        )
    )
    assignment = _active_assignment(proposal.id, reviewer.id)
    if assignment is not None and assignment.state == AssignmentState.SUBMITTED:
        raise ConflictError(
            "The review of this proposal is already submitted; tell the program office."
        )
    if assignment is not None:
        _decline(assignment, actor=actor, reason="Conflict of interest declared")
        db.session.flush()  # the database refuses a conflict on an active assignment
    if existing is not None:
        if existing.status == ConflictStatus.DISMISSED:
            # A new declaration outweighs an earlier dismissal of a detected suggestion.
            existing.status = ConflictStatus.CONFIRMED
            existing.dismissed_at = existing.dismissal_reason = existing.dismissed_by_id = None
            existing.source, existing.explanation, existing.declared_by_id = (
                source,
                explanation,
                actor.id,
            )
        conflict = existing
    else:
        conflict = Conflict(
            proposal_id=proposal.id,
            reviewer_id=reviewer.id,
            source=source,
            explanation=explanation.strip(),
            declared_by_id=actor.id,
        )
        db.session.add(conflict)
    db.session.flush()
    audit.record(
        actor, "conflict.declared", proposal, {"reviewer_id": reviewer.id, "source": source.value}
    )
    return conflict


def declare_call_conflicts(
    call: Call, proposal_ids: list[int], *, reviewer: User, explanation: str = ""
) -> list[Conflict]:
    """Record the reviewer's conflicts with several of the call's proposals, marked from their
    titles; all or nothing (the caller rolls back on an error).

    Side effects: as `declare_conflict`, per proposal.
    Raises: ValidationError naming the field `proposal_ids` for none marked, a proposal not
    awaiting review in the call, or one whose review the reviewer already submitted.
    """
    if not proposal_ids:
        raise ValidationError("Mark at least one proposal.", field="proposal_ids")
    proposals = db.session.scalars(
        sa.select(Proposal)
        .where(
            Proposal.id.in_(proposal_ids),
            Proposal.call_id == call.id,
            Proposal.state.in_(REVIEWABLE_STATES),
        )
        .order_by(Proposal.reference)
    ).all()
    if len(proposals) != len(set(proposal_ids)):
        raise ValidationError("Mark only proposals of this call.", field="proposal_ids")
    conflicts = []
    for proposal in proposals:
        try:
            conflicts.append(
                declare_conflict(
                    proposal,
                    reviewer,
                    actor=reviewer,
                    source=ConflictSource.REVIEWER_DECLARED,
                    explanation=explanation,
                )
            )
        except ConflictError as error:
            raise ValidationError(
                f"{proposal.reference}: {error.message}", field="proposal_ids"
            ) from error
    return conflicts


@dataclass(frozen=True)
class Detected:
    """A conflict found by the rules."""

    proposal_id: int
    reviewer_id: int
    source: ConflictSource
    explanation: str


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def _applicant_declared(proposal: Proposal) -> tuple[dict, dict]:
    """Return the people the applicant named, by email and (those named without one) by name."""
    by_email, by_name = {}, {}
    for declared in proposal.declared_conflicts:
        if declared.person_name is None:
            continue
        if declared.person_email:
            by_email.setdefault(declared.person_email.lower(), declared)
        else:
            by_name.setdefault(_norm(declared.person_name), declared)
    return by_email, by_name


def _quoting(reason: str) -> str:
    return f': "{reason}"' if reason else "."


def find_conflicts(
    proposals: list[Proposal], reviewers: list[User], profiles: dict[int, ReviewerProfile]
) -> list[Detected]:
    """Return the conflicts the rules find between proposals and reviewers.

    The first rule that applies names the conflict: the reviewer is the applicant, on the
    team, named by the applicant (by email when one was given, else by name), in the team's
    department, from a preferred sponsor, from an organization the team declared a
    relationship with.
    """
    found = []
    for proposal in proposals:
        team_emails = {member.email for member in proposal.co_investigators}
        departments = {_norm(proposal.department)} - {""}
        sponsor_ids = {organization.id for organization in proposal.sponsors}
        named_by_email, named_by_name = _applicant_declared(proposal)
        related = {
            declared.organization_id: declared
            for declared in proposal.declared_conflicts
            if declared.organization_id is not None
        }
        for reviewer in reviewers:
            profile = profiles.get(reviewer.id)
            organization_id = profile.organization_id if profile else None
            named = named_by_email.get(reviewer.email.lower()) or named_by_name.get(
                _norm(reviewer.name)
            )
            if reviewer.id == proposal.applicant_id:
                rule = ConflictSource.SAME_PERSON, "The reviewer is the applicant."
            elif reviewer.email in team_emails:
                rule = ConflictSource.CO_INVESTIGATOR, "The reviewer is on the team."
            elif named is not None:
                rule = (
                    ConflictSource.APPLICANT_DECLARED,
                    f"The applicant named {named.person_name} as someone who should not "
                    f"review the proposal{_quoting(named.reason)}",
                )
            elif profile and _norm(profile.department) in departments:
                rule = ConflictSource.SAME_DEPARTMENT, f"Both in {profile.department}."
            elif organization_id is not None and organization_id in sponsor_ids:
                rule = (
                    ConflictSource.SPONSOR_ORGANIZATION,
                    "The reviewer's organization is a preferred sponsor.",
                )
            elif organization_id is not None and organization_id in related:
                declared = related[organization_id]
                rule = (
                    ConflictSource.DECLARED_RELATIONSHIP,
                    f"The team declared a relationship with {declared.organization.name}"
                    f"{_quoting(declared.reason)}",
                )
            else:
                continue
            found.append(Detected(proposal.id, reviewer.id, *rule))
    return found


def detect_conflicts(call: Call, *, actor: User | None) -> list[Conflict]:
    """Record the conflicts the rules find in a call; a pair already on record (confirmed or
    dismissed) is left alone, so a dismissed suggestion never comes back.

    Side effects: audit `conflict.detected` per new conflict.
    """
    # What every rule reads, loaded for all the call's proposals at once.
    proposals = list(
        db.session.scalars(
            sa.select(Proposal)
            .where(Proposal.call_id == call.id, Proposal.state.in_(REVIEWABLE_STATES))
            .options(
                selectinload(Proposal.co_investigators),
                selectinload(Proposal.sponsors),
                selectinload(Proposal.declared_conflicts).joinedload(DeclaredConflict.organization),
            )
        )
    )
    reviewers = list(
        db.session.scalars(
            sa.select(User)
            .join(CallReviewer, CallReviewer.user_id == User.id)
            .where(CallReviewer.call_id == call.id)
        )
    )
    profiles = {
        profile.user_id: profile
        for profile in db.session.scalars(
            sa.select(ReviewerProfile).where(ReviewerProfile.user_id.in_([r.id for r in reviewers]))
        )
    }
    known = set(
        tuple(row)
        for row in db.session.execute(
            sa.select(Conflict.proposal_id, Conflict.reviewer_id)
            .join(Conflict.proposal)
            .where(Proposal.call_id == call.id)
        )
    )
    assigned = set(
        tuple(row)
        for row in db.session.execute(
            sa.select(Assignment.proposal_id, Assignment.reviewer_id).where(
                Assignment.call_id == call.id, Assignment.state != AssignmentState.DECLINED
            )
        )
    )
    created = []
    for found in find_conflicts(proposals, reviewers, profiles):
        if (found.proposal_id, found.reviewer_id) in known:
            continue
        if (found.proposal_id, found.reviewer_id) in assigned:
            continue  # an administrator assigned this pair knowingly; keep it visible for review
        conflict = Conflict(
            proposal_id=found.proposal_id,
            reviewer_id=found.reviewer_id,
            source=found.source,
            explanation=found.explanation,
        )
        db.session.add(conflict)
        created.append(conflict)
    db.session.flush()
    for conflict in created:
        audit.record(
            actor,
            "conflict.detected",
            conflict.proposal,
            {"reviewer_id": conflict.reviewer_id, "source": conflict.source.value},
        )
    return created


def dismiss_conflict(conflict: Conflict, *, actor: User, reason: str) -> None:
    """Dismiss a conflict with a reason; it never returns from detection.

    Side effects: audit `conflict.dismissed`. Raises: ValidationError without a reason.
    """
    if not reason.strip():
        raise ValidationError("Say why the conflict does not apply.", field="reason")
    if conflict.status == ConflictStatus.DISMISSED:
        return
    conflict.status = ConflictStatus.DISMISSED
    conflict.dismissed_at = clock.now()
    conflict.dismissed_by_id = actor.id
    conflict.dismissal_reason = reason.strip()
    audit.record(
        actor,
        "conflict.dismissed",
        conflict.proposal,
        {"reviewer_id": conflict.reviewer_id, "reason": reason.strip()},
    )


def confirmed_conflict(proposal_id: int, reviewer_id: int) -> Conflict | None:
    """Return the confirmed conflict between a proposal and a reviewer, if any."""
    return db.session.scalar(
        sa.select(Conflict).where(
            Conflict.proposal_id == proposal_id,
            Conflict.reviewer_id == reviewer_id,
            Conflict.status == ConflictStatus.CONFIRMED,
        )
    )


# Assignments


def assign_reviewer(
    proposal: Proposal,
    reviewer: User,
    *,
    actor: User,
    due_at: datetime | None = None,
    notify: bool = True,
) -> Assignment:
    """Give a proposal to a reviewer.

    Side effects: audit `review.assigned`; notification `review_assigned` unless `notify` is
    False (a caller assigning many at once sends one email per reviewer instead).
    Raises: ConflictError onto a confirmed conflict (the database refuses it too) or for a
    pair already assigned; WorkflowError for a proposal not awaiting review or a non-reviewer.
    """
    [assignment] = assign_reviewers([(proposal, reviewer)], actor=actor, due_at=due_at)
    if notify:
        notifications.enqueue(
            "review_assigned",
            reviewer,
            {
                "call": proposal.call,
                "url": external_url("main.home"),
            },
        )
    return assignment


def assign_from_pool(
    call: Call, proposal: Proposal, reviewer_id: int, *, actor: User
) -> Assignment:
    """Give a proposal of the call to a reviewer of the call's pool.

    Side effects: as `assign_reviewer`.
    Raises: ValidationError (field `reviewer_id`) for someone outside the pool; as
    `assign_reviewer` otherwise.
    """
    member = db.session.scalar(
        sa.select(CallReviewer).where(
            CallReviewer.call_id == call.id, CallReviewer.user_id == reviewer_id
        )
    )
    if member is None:
        raise ValidationError("Choose a reviewer from this call's pool.", field="reviewer_id")
    return assign_reviewer(proposal, member.user, actor=actor)


def assign_reviewers(
    pairs: list[tuple[Proposal, User]], *, actor: User, due_at: datetime | None = None
) -> list[Assignment]:
    """Give each proposal to its reviewer, checking every pair first in a few queries; all or
    nothing. Sends no email: the caller tells each reviewer once.

    Side effects: audit `review.assigned` per pair.
    Raises: as `assign_reviewer`, for the first pair that fails.
    """
    pair_ids = {(proposal.id, reviewer.id) for proposal, reviewer in pairs}
    proposal_ids = {proposal_id for proposal_id, _ in pair_ids}
    conflicts = {
        (conflict.proposal_id, conflict.reviewer_id): conflict
        for conflict in db.session.scalars(
            sa.select(Conflict).where(
                Conflict.proposal_id.in_(proposal_ids),
                Conflict.status == ConflictStatus.CONFIRMED,
            )
        )
    }
    existing = {
        (assignment.proposal_id, assignment.reviewer_id): assignment
        for assignment in db.session.scalars(
            sa.select(Assignment).where(Assignment.proposal_id.in_(proposal_ids))
        )
    }
    assignments = []
    for proposal, reviewer in pairs:
        key = (proposal.id, reviewer.id)
        if proposal.state not in REVIEWABLE_STATES:
            raise WorkflowError(f"A {proposal.state.label.lower()} proposal is not reviewed.")
        if not reviewer.has_role(Role.REVIEWER):
            raise WorkflowError(f"{reviewer.name} is not a reviewer.")
        if key in conflicts:
            raise ConflictError(
                f"{reviewer.name} has a conflict with this proposal: "
                f"{conflicts[key].source.label.lower()}."
            )
        assignment = existing.get(key)
        if assignment is not None and assignment.state != AssignmentState.DECLINED:
            raise ConflictError(f"{reviewer.name} already has this proposal.")
        due = due_at or proposal.call.review_deadline
        if assignment is not None:
            assignment.state, assignment.declined_at, assignment.decline_reason = (
                AssignmentState.ASSIGNED,
                None,
                None,
            )
            assignment.due_at, assignment.assigned_by_id = due, actor.id
        else:
            assignment = Assignment(
                call_id=proposal.call_id,
                proposal_id=proposal.id,
                reviewer_id=reviewer.id,
                due_at=due,
                assigned_by_id=actor.id,
            )
            db.session.add(assignment)
        existing[key] = assignment
        assignments.append(assignment)
    db.session.flush()
    for proposal, reviewer in pairs:
        audit.record(actor, "review.assigned", proposal, {"reviewer_id": reviewer.id})
    return assignments


def _decline(assignment: Assignment, *, actor: User, reason: str) -> None:
    assignment.state = AssignmentState.DECLINED
    assignment.declined_at = clock.now()
    assignment.decline_reason = reason.strip() or None
    audit.record(
        actor,
        "assignment.declined",
        assignment.proposal,
        {"reviewer_id": assignment.reviewer_id, "reason": reason.strip()},
    )


def decline_assignment(assignment: Assignment, *, actor: User, reason: str) -> None:
    """Let a reviewer turn down an assignment, with a reason.

    Raises: WorkflowError unless it is theirs and still assigned; ValidationError without a reason.
    """
    if assignment.reviewer_id != actor.id:
        raise WorkflowError("Only the reviewer declines their assignment.")
    if assignment.state != AssignmentState.ASSIGNED:
        raise WorkflowError("Only an open assignment can be declined.")
    if not reason.strip():
        raise ValidationError("Say why you decline.", field="reason")
    _decline(assignment, actor=actor, reason=reason)


# Reviews


@dataclass(frozen=True)
class ReviewValues:
    """What a reviewer enters; any of it may be missing in a draft."""

    scores: dict[int, int | None]
    recommendation: Recommendation | None = None
    confidence: int | None = None
    comments_to_applicant: str = ""
    confidential_comments: str = ""


def _ensure_reviewable(assignment: Assignment, actor: User) -> None:
    if assignment.reviewer_id != actor.id:
        raise WorkflowError("Only the assigned reviewer writes this review.")
    if assignment.state == AssignmentState.DECLINED:
        raise WorkflowError("This assignment was declined.")
    if confirmed_conflict(assignment.proposal_id, actor.id) is not None:
        raise ConflictError("You have a conflict with this proposal and cannot review it.")
    call = assignment.proposal.call
    if call.state not in REVIEWING_CALL_STATES:
        raise WorkflowError("Reviews are written while the call is in review.")
    deadline = assignment.due_at or call.review_deadline
    if (
        assignment.state == AssignmentState.SUBMITTED
        and deadline is not None
        and clock.now() > deadline
    ):
        raise DeadlineError("The review deadline has passed; the submitted review is final.")


def save_review(
    assignment: Assignment,
    values: ReviewValues,
    *,
    actor: User,
    expected_version: int | None | EllipsisType = ...,  # ...: not checked (the web form)
) -> Review:
    """Save the review as it stands (a draft saves whatever is filled in).

    A submitted review edited before the deadline stays submitted, with its total
    recomputed and a new revision kept. With `expected_version` (None: "there is none yet"),
    a review changed since the caller read it is refused.
    Side effects: audit `review.saved` (or `review.edited`); the review's version goes up.
    Raises: WorkflowError, ConflictError, DeadlineError; ValidationError for a score off its scale.
    """
    _ensure_reviewable(assignment, actor)
    if expected_version is not ...:
        current = assignment.review.version if assignment.review is not None else None
        if current != expected_version:
            raise ConflictError(
                "This review was saved elsewhere since you read it"
                + (f" (now version {current})" if current is not None else "")
                + "; fetch it again and reapply your change."
            )
    criteria = {criterion.id: criterion for criterion in assignment.proposal.call.criteria}
    for criterion_id, score in values.scores.items():
        criterion = criteria.get(criterion_id)
        if criterion is None:
            raise ValidationError("That criterion is not in this call's rubric.", field="scores")
        if score is not None and not criterion.scale_min <= score <= criterion.scale_max:
            raise ValidationError(
                f"{criterion.name}: score from {criterion.scale_min} to {criterion.scale_max}.",
                field=f"score_{criterion_id}",
            )
    if values.confidence is not None and not 1 <= values.confidence <= 5:
        raise ValidationError("Confidence is from 1 to 5.", field="confidence")
    review = assignment.review or Review(assignment=assignment)
    db.session.add(review)
    review.recommendation = values.recommendation
    review.confidence = values.confidence
    review.comments_to_applicant = values.comments_to_applicant.strip()
    review.confidential_comments = values.confidential_comments.strip()
    given = {cid: score for cid, score in values.scores.items() if score is not None}
    # Update the rows in place: replacing the list would insert before deleting and trip the
    # one-score-per-criterion constraint.
    current = {score.criterion_id: score for score in review.scores}
    for criterion_id, row in current.items():
        if criterion_id in given:
            row.score = given[criterion_id]
        else:
            review.scores.remove(row)
    for criterion_id, score in given.items():
        if criterion_id not in current:
            review.scores.append(ReviewScore(criterion_id=criterion_id, score=score))
    if review.id is not None:
        review.version += 1
    db.session.flush()
    if review.submitted_at is not None:
        _check_complete(review, criteria)
        review.weighted_total = weighted_total(given, criteria.values())
        _keep_revision(review)
        audit.record(
            actor,
            "review.edited",
            assignment.proposal,
            {"reviewer_id": actor.id, "total": str(review.weighted_total)},
        )
    else:
        audit.record(actor, "review.saved", assignment.proposal, {"reviewer_id": actor.id})
    return review


def _check_complete(review: Review, criteria: dict) -> None:
    scored = {score.criterion_id for score in review.scores}
    problems = {
        f"score_{cid}": f"Score {c.name}." for cid, c in criteria.items() if cid not in scored
    }
    if review.recommendation is None:
        problems["recommendation"] = "Give a recommendation."
    if review.confidence is None:
        problems["confidence"] = "Say how confident you are."
    if problems:
        first_field, message = next(iter(problems.items()))
        error = ValidationError(" ".join(problems.values()), field=first_field)
        error.problems = problems
        raise error


def _keep_revision(review: Review) -> None:
    review.revision_count += 1
    db.session.add(
        ReviewRevision(
            review_id=review.id,
            number=review.revision_count,
            saved_at=clock.now(),
            snapshot={
                "scores": {str(score.criterion_id): score.score for score in review.scores},
                "recommendation": review.recommendation.value if review.recommendation else None,
                "confidence": review.confidence,
                "comments_to_applicant": review.comments_to_applicant,
                "confidential_comments": review.confidential_comments,
                "weighted_total": str(review.weighted_total),
            },
        )
    )


def submit_review(assignment: Assignment, *, actor: User) -> Review:
    """Submit a saved review once every criterion is scored.

    Side effects: assignment submitted; weighted total; revision 1; audit `review.submitted`.
    Raises: ValidationError naming what is missing; WorkflowError, ConflictError.
    """
    _ensure_reviewable(assignment, actor)
    review = assignment.review
    if review is None:
        raise ValidationError("Save your scores first.", field="scores")
    if review.submitted_at is not None:
        raise WorkflowError("This review is already submitted; edit it instead.")
    criteria = {criterion.id: criterion for criterion in assignment.proposal.call.criteria}
    _check_complete(review, criteria)
    review.weighted_total = weighted_total(
        {s.criterion_id: s.score for s in review.scores}, criteria.values()
    )
    review.submitted_at = clock.now()
    review.version += 1
    assignment.state = AssignmentState.SUBMITTED
    db.session.flush()
    _keep_revision(review)
    audit.record(
        actor,
        "review.submitted",
        assignment.proposal,
        {"reviewer_id": actor.id, "total": str(review.weighted_total)},
    )
    return review


def totals_for(proposal_ids: list[int]) -> dict[int, list[Decimal]]:
    """Return the weighted totals of submitted reviews, by proposal."""
    rows = db.session.execute(
        sa.select(Assignment.proposal_id, Review.weighted_total)
        .join(Review, Review.assignment_id == Assignment.id)
        .where(Assignment.proposal_id.in_(proposal_ids), Review.submitted_at.is_not(None))
    )
    totals: dict[int, list[Decimal]] = {pid: [] for pid in proposal_ids}
    for proposal_id, total in rows:
        totals[proposal_id].append(total)
    return totals
