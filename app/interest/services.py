"""Every change to member interest: an organization's answer about a proposal."""

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.audit import services as audit
from app.auth.models import User
from app.errors import ConflictError, PermissionDenied, WorkflowError
from app.extensions import db
from app.interest.models import InterestLevel, MemberInterest
from app.interest.policy import interest_changeable, organization_has_conflict
from app.members.models import Organization
from app.proposals.models import Proposal


def current_answer(proposal: Proposal, organization: Organization, *, lock: bool = False):
    """Return the organization's answer about the proposal as stored now (or None).

    With `lock`, the row is read FOR UPDATE and refreshed, so a concurrent change waits and
    its result is what the caller compares against.
    """
    query = sa.select(MemberInterest).where(
        MemberInterest.proposal_id == proposal.id,
        MemberInterest.organization_id == organization.id,
    )
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return db.session.scalar(query)


def _changed_since(answer: MemberInterest) -> ConflictError:
    who = answer.recorded_by.name if answer.recorded_by is not None else "someone"
    return ConflictError(
        f"{answer.organization.name}'s answer was changed by {who} since you loaded the page: "
        f"it is now “{answer.level.label}”. Your answer is kept below; save it again to "
        "replace theirs.",
        field="level",
    )


def record_interest(
    proposal: Proposal,
    organization: Organization,
    *,
    actor: User,
    level: InterestLevel,
    comment: str = "",
    expected_version: int | None,
) -> MemberInterest:
    """Record the organization's interest in the proposal: the one answer per pair, inserted
    or updated.

    `expected_version` is the answer's version when the page was loaded (None: there was
    none); an answer changed since is not overwritten.
    Side effects: audit `interest.recorded` with the level and the organization.
    Raises: WorkflowError once the call is decided; PermissionDenied when the organization
    is conflicted; ConflictError when the answer changed since the page was loaded, or a
    colleague answered at the same moment.
    """
    if not interest_changeable(proposal):
        raise WorkflowError(
            "The call is decided: answers about its proposals can no longer change.",
            field="level",
        )
    if organization_has_conflict(organization, proposal):
        raise PermissionDenied(
            "Your organization has a conflict with this proposal, so it cannot answer.",
            field="level",
        )
    # Read before changing the row: loading an expired actor would flush half a change.
    actor_id = actor.id
    answer = current_answer(proposal, organization, lock=True)
    if answer is None:
        if expected_version is not None:
            raise ConflictError("This answer no longer exists; reload the page.", field="level")
        answer = MemberInterest(
            proposal_id=proposal.id,
            organization_id=organization.id,
            level=level,
            comment=comment,
            recorded_by_id=actor_id,
        )
        try:
            # A colleague may insert the pair's row at the same moment: the unique
            # constraint lets one win; the other is told who, instead of a 500.
            with db.session.begin_nested():
                db.session.add(answer)
                db.session.flush()
        except IntegrityError:
            winner = current_answer(proposal, organization)
            if winner is None:
                raise
            raise _changed_since(winner) from None
    else:
        if expected_version != answer.version:
            raise _changed_since(answer)
        answer.level = level
        answer.comment = comment
        answer.recorded_by_id = actor_id
        db.session.flush()
    audit.record(
        actor,
        "interest.recorded",
        answer,
        {
            "proposal_id": proposal.id,
            "organization_id": organization.id,
            "organization": organization.name,
            "level": level.value,
        },
    )
    return answer
