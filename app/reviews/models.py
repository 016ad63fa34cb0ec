"""Reviewer profiles and pools, conflicts of interest, assignments and reviews."""

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.calls.models import Call, Criterion
from app.database import TimestampMixin, UTCDateTime, enum_column, utcnow
from app.extensions import db
from app.members.models import Organization
from app.proposals.models import Proposal


class ConflictSource(StrEnum):
    """Where a conflict of interest comes from."""

    REVIEWER_DECLARED = "reviewer_declared"
    APPLICANT_DECLARED = "applicant_declared"
    SAME_PERSON = "same_person"
    CO_INVESTIGATOR = "co_investigator"
    SAME_DEPARTMENT = "same_department"
    SPONSOR_ORGANIZATION = "sponsor_organization"
    DECLARED_RELATIONSHIP = "declared_relationship"

    @property
    def label(self) -> str:
        """Return the name shown to people."""
        return {
            "reviewer_declared": "Declared by the reviewer",
            "applicant_declared": "Declared by the applicant",
            "same_person": "The reviewer is the applicant",
            "co_investigator": "The reviewer is a co-investigator",
            "same_department": "Same department as the team",
            "sponsor_organization": "Reviewer's organization is a preferred sponsor",
            "declared_relationship": "The team declared a relationship with the reviewer's "
            "organization",
        }[self.value]


class ConflictStatus(StrEnum):
    """A conflict blocks until an administrator dismisses it, with a reason."""

    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"


class AssignmentState(StrEnum):
    """Where a review assignment stands."""

    ASSIGNED = "assigned"
    DECLINED = "declined"
    SUBMITTED = "submitted"


class Recommendation(StrEnum):
    """A reviewer's overall advice."""

    FUND = "fund"
    FUND_IF_POSSIBLE = "fund_if_possible"
    DO_NOT_FUND = "do_not_fund"

    @property
    def label(self) -> str:
        """Return the name shown to people."""
        return {
            "fund": "Fund",
            "fund_if_possible": "Fund if money allows",
            "do_not_fund": "Do not fund",
        }[self.value]


class ReviewerProfile(TimestampMixin, db.Model):
    """What a reviewer knows and how much they can take on."""

    __tablename__ = "reviewer_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    expertise: Mapped[str] = mapped_column(sa.Text, default="")
    department: Mapped[str] = mapped_column(sa.String(200), default="")
    organization_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="SET NULL"), index=True
    )
    affiliation: Mapped[str] = mapped_column(sa.String(200), default="")
    max_load: Mapped[int] = mapped_column(default=6)

    user: Mapped[User] = relationship()
    organization: Mapped[Organization | None] = relationship()

    __table_args__ = (sa.CheckConstraint("max_load >= 0", name="max_load_not_negative"),)


class CallReviewer(db.Model):
    """A reviewer in a call's pool, with this call's load limits."""

    __tablename__ = "call_reviewers"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    max_load: Mapped[int | None]
    min_load: Mapped[int | None]
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    call: Mapped[Call] = relationship()
    user: Mapped[User] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("call_id", "user_id"),
        sa.CheckConstraint(
            "min_load IS NULL OR max_load IS NULL OR min_load <= max_load", name="loads_ordered"
        ),
    )


class Conflict(db.Model):
    """A conflict of interest between a reviewer and a proposal; one row per pair."""

    __tablename__ = "conflicts"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        sa.ForeignKey("proposals.id", ondelete="CASCADE"), index=True
    )
    reviewer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    source: Mapped[ConflictSource] = mapped_column(enum_column(ConflictSource, "conflict_source"))
    status: Mapped[ConflictStatus] = mapped_column(
        enum_column(ConflictStatus, "conflict_status"), default=ConflictStatus.CONFIRMED
    )
    explanation: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    declared_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    dismissed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    dismissed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    dismissal_reason: Mapped[str | None] = mapped_column(sa.Text)

    proposal: Mapped[Proposal] = relationship()
    reviewer: Mapped[User] = relationship(foreign_keys=[reviewer_id])

    __table_args__ = (
        sa.UniqueConstraint("proposal_id", "reviewer_id"),
        sa.CheckConstraint(
            "(status = 'dismissed') = (dismissed_at IS NOT NULL AND dismissal_reason IS NOT NULL)",
            name="dismissed_with_reason",
        ),
    )


class Assignment(TimestampMixin, db.Model):
    """A proposal given to a reviewer; never onto a confirmed conflict (a trigger refuses it)."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    proposal_id: Mapped[int] = mapped_column(
        sa.ForeignKey("proposals.id", ondelete="CASCADE"), index=True
    )
    reviewer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[AssignmentState] = mapped_column(
        enum_column(AssignmentState, "assignment_state"), default=AssignmentState.ASSIGNED
    )
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    assigned_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decline_reason: Mapped[str | None] = mapped_column(sa.Text)
    last_reminded_on: Mapped[datetime | None] = mapped_column(UTCDateTime())

    proposal: Mapped[Proposal] = relationship()
    reviewer: Mapped[User] = relationship(foreign_keys=[reviewer_id])
    review: Mapped["Review | None"] = relationship(back_populates="assignment", uselist=False)

    __table_args__ = (
        sa.UniqueConstraint("proposal_id", "reviewer_id"),
        sa.CheckConstraint(
            "(state = 'declined') = (declined_at IS NOT NULL)", name="declined_at_iff_declined"
        ),
    )

    @property
    def deadline(self) -> datetime | None:
        """Return when the review is due: the assignment's own date, else the call's."""
        return self.due_at or self.proposal.call.review_deadline


class PlanState(StrEnum):
    """An automatic assignment is previewed, then deployed or discarded."""

    PROPOSED = "proposed"
    DEPLOYED = "deployed"
    DISCARDED = "discarded"


class AssignmentPlan(db.Model):
    """An automatic assignment computed for a call, kept for preview until decided.

    `result` holds the solver's answer (pairs with affinities, loads, figures, shortfalls);
    `fingerprint` digests the call's assignments, pool and conflicts when it was computed, so
    a plan made stale by later changes is refused at deployment rather than half applied.
    """

    __tablename__ = "assignment_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    state: Mapped[PlanState] = mapped_column(
        enum_column(PlanState, "plan_state"), default=PlanState.PROPOSED
    )
    options: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    result: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )

    call: Mapped[Call] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    __table_args__ = (
        sa.CheckConstraint(
            "(state = 'proposed') = (decided_at IS NULL)", name="decided_at_iff_decided"
        ),
    )


class Review(TimestampMixin, db.Model):
    """A reviewer's scores and comments for one assignment; a draft until submitted."""

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("assignments.id", ondelete="CASCADE"), unique=True
    )
    recommendation: Mapped[Recommendation | None] = mapped_column(
        enum_column(Recommendation, "recommendation")
    )
    confidence: Mapped[int | None]
    comments_to_applicant: Mapped[str] = mapped_column(sa.Text, default="")
    confidential_comments: Mapped[str] = mapped_column(sa.Text, default="")
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The weighted total on 0–100 from the rubric, set when submitted.
    weighted_total: Mapped[Decimal | None] = mapped_column(sa.Numeric(6, 2))
    revision_count: Mapped[int] = mapped_column(default=0)
    # Raised by every save and the submission: a client sends the version it read (API).
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    assignment: Mapped[Assignment] = relationship(back_populates="review")
    scores: Mapped[list["ReviewScore"]] = relationship(
        back_populates="review", cascade="all, delete-orphan"
    )
    revisions: Mapped[list["ReviewRevision"]] = relationship(order_by="ReviewRevision.number")

    __table_args__ = (
        sa.CheckConstraint(
            "confidence IS NULL OR confidence BETWEEN 1 AND 5", name="confidence_range"
        ),
        sa.CheckConstraint(
            "(submitted_at IS NULL) = (weighted_total IS NULL)", name="total_iff_submitted"
        ),
    )


class ReviewScore(db.Model):
    """One criterion's score in a review."""

    __tablename__ = "review_scores"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(
        sa.ForeignKey("reviews.id", ondelete="CASCADE"), index=True
    )
    criterion_id: Mapped[int] = mapped_column(
        sa.ForeignKey("criteria.id", ondelete="CASCADE"), index=True
    )
    score: Mapped[int]

    review: Mapped[Review] = relationship(back_populates="scores")
    criterion: Mapped[Criterion] = relationship()

    __table_args__ = (sa.UniqueConstraint("review_id", "criterion_id"),)


class ReviewRevision(db.Model):
    """A submitted review as it stood after each submission or edit; never changed."""

    __tablename__ = "review_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(
        sa.ForeignKey("reviews.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    snapshot: Mapped[dict[str, Any]] = mapped_column(sa.JSON)

    __table_args__ = (sa.UniqueConstraint("review_id", "number"),)
