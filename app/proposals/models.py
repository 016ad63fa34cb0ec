"""Proposals, their team, budget, attachments and immutable submitted versions."""

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.calls.models import Call
from app.database import TimestampMixin, UTCDateTime, enum_column, utcnow
from app.extensions import db
from app.members.models import Organization

Money = sa.Numeric(12, 2)


class ProposalState(StrEnum):
    """Where a proposal stands."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    AWARDED = "awarded"
    DECLINED = "declined"
    WAITLISTED = "waitlisted"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        """Return the name shown to people."""
        return self.value.replace("_", " ").capitalize()


PROPOSAL_TRANSITIONS = MappingProxyType(
    {
        ProposalState.DRAFT: frozenset({ProposalState.SUBMITTED, ProposalState.WITHDRAWN}),
        # Back to draft is "reopen": allowed by the service only before the deadline.
        ProposalState.SUBMITTED: frozenset(
            {ProposalState.DRAFT, ProposalState.UNDER_REVIEW, ProposalState.WITHDRAWN}
        ),
        ProposalState.UNDER_REVIEW: frozenset(
            {
                ProposalState.AWARDED,
                ProposalState.DECLINED,
                ProposalState.WAITLISTED,
                ProposalState.WITHDRAWN,
            }
        ),
        ProposalState.WAITLISTED: frozenset({ProposalState.AWARDED, ProposalState.DECLINED}),
        ProposalState.AWARDED: frozenset(),
        ProposalState.DECLINED: frozenset(),
        ProposalState.WITHDRAWN: frozenset(),
    }
)

EDITABLE_STATES = frozenset({ProposalState.DRAFT})
DECIDED_STATES = frozenset(
    {ProposalState.AWARDED, ProposalState.DECLINED, ProposalState.WAITLISTED}
)
WITHDRAWABLE_STATES = frozenset(
    {ProposalState.DRAFT, ProposalState.SUBMITTED, ProposalState.UNDER_REVIEW}
)


class BudgetCategory(StrEnum):
    """The fixed list of budget categories."""

    PERSONNEL = "personnel"
    STUDENT_SUPPORT = "student_support"
    EQUIPMENT = "equipment"
    MATERIALS = "materials"
    COMPUTING = "computing"
    TRAVEL = "travel"
    OTHER = "other"

    @property
    def label(self) -> str:
        """Return the name shown to people."""
        return self.value.replace("_", " ").capitalize()


class Attachment(db.Model):
    """An uploaded PDF, stored outside the web root under a random name."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        sa.ForeignKey("proposals.id", ondelete="CASCADE"), index=True
    )
    original_name: Mapped[str] = mapped_column(sa.String(255))
    stored_name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # Replaced or removed files are kept: submitted versions name them by checksum.
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (sa.CheckConstraint("size > 0", name="size_positive"),)

    def __repr__(self) -> str:
        return f"<Attachment {self.id} {self.original_name!r}>"


proposal_sponsors = sa.Table(
    "proposal_sponsors",
    db.metadata,
    sa.Column("proposal_id", sa.ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "organization_id",
        sa.ForeignKey("organizations.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)


class Proposal(TimestampMixin, db.Model):
    """A seed-project proposal to a call, by its applicant (the PI)."""

    __tablename__ = "proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("calls.id", ondelete="RESTRICT"))
    applicant_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    reference: Mapped[str | None] = mapped_column(sa.String(32))
    state: Mapped[ProposalState] = mapped_column(
        enum_column(ProposalState, "proposal_state"), default=ProposalState.DRAFT
    )
    title: Mapped[str] = mapped_column(sa.String(300), default="")
    abstract: Mapped[str] = mapped_column(sa.Text, default="")
    keywords: Mapped[str] = mapped_column(sa.String(500), default="")
    department: Mapped[str] = mapped_column(sa.String(200), default="")
    duration_months: Mapped[int | None]
    industry_relevance: Mapped[str] = mapped_column(sa.Text, default="")
    # Kept equal to the sum of the budget lines by the one service that saves them, so the
    # administrators' list can filter and sort thousands of proposals by it.
    requested_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    deadline_extension: Mapped[datetime | None] = mapped_column(UTCDateTime())
    first_submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the decision was released to the applicant (awarded, declined or waitlisted).
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawal_reason: Mapped[str | None] = mapped_column(sa.Text)
    version_count: Mapped[int] = mapped_column(default=0)
    version: Mapped[int] = mapped_column(default=1)

    call: Mapped[Call] = relationship()
    applicant: Mapped[User] = relationship(foreign_keys=[applicant_id])
    co_investigators: Mapped[list["CoInvestigator"]] = relationship(
        back_populates="proposal", order_by="CoInvestigator.position", cascade="all, delete-orphan"
    )
    budget_lines: Mapped[list["BudgetLine"]] = relationship(
        back_populates="proposal", order_by="BudgetLine.position", cascade="all, delete-orphan"
    )
    sponsors: Mapped[list[Organization]] = relationship(
        secondary=proposal_sponsors, order_by=Organization.name
    )
    attachments: Mapped[list[Attachment]] = relationship(order_by=Attachment.id.desc())
    versions: Mapped[list["ProposalVersion"]] = relationship(
        back_populates="proposal", order_by="ProposalVersion.number"
    )
    declared_conflicts: Mapped[list["DeclaredConflict"]] = relationship(
        back_populates="proposal",
        order_by="DeclaredConflict.position",
        cascade="all, delete-orphan",
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.UniqueConstraint("call_id", "reference"),
        sa.Index("ix_proposals_call_id_state", "call_id", "state"),
        sa.CheckConstraint("requested_amount >= 0", name="requested_not_negative"),
        sa.CheckConstraint(
            "first_submitted_at IS NULL OR reference IS NOT NULL", name="reference_once_submitted"
        ),
        sa.CheckConstraint(
            "(state = 'withdrawn') = (withdrawn_at IS NOT NULL)", name="withdrawn_at_iff_withdrawn"
        ),
        sa.CheckConstraint(
            "state IN ('draft', 'withdrawn') OR submitted_at IS NOT NULL",
            name="submitted_at_once_submitted",
        ),
        sa.CheckConstraint(
            "state NOT IN ('awarded', 'declined', 'waitlisted') OR decided_at IS NOT NULL",
            name="decided_at_once_decided",
        ),
    )

    @property
    def keyword_list(self) -> list[str]:
        """Return the keywords as a list."""
        return [word.strip() for word in self.keywords.split(",") if word.strip()]

    @property
    def current_attachment(self) -> Attachment | None:
        """Return the PDF attached now (the latest upload not removed)."""
        return next((item for item in self.attachments if item.removed_at is None), None)

    @property
    def display_title(self) -> str:
        """Return the title, or a placeholder for an untitled draft."""
        return self.title or "Untitled proposal"

    def __repr__(self) -> str:
        return f"<Proposal {self.id} {self.reference or 'draft'} {self.state}>"


class CoInvestigator(db.Model):
    """A member of the proposal's team besides the applicant."""

    __tablename__ = "co_investigators"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        sa.ForeignKey("proposals.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    affiliation: Mapped[str] = mapped_column(sa.String(200), default="")
    role: Mapped[str] = mapped_column(sa.String(120), default="")

    proposal: Mapped[Proposal] = relationship(back_populates="co_investigators")

    __table_args__ = (sa.UniqueConstraint("proposal_id", "email"),)


class DeclaredConflict(db.Model):
    """Someone the applicant says should not review the proposal: a person or a member
    organization the team has a relationship with (shown to administrators, never to reviewers).
    """

    __tablename__ = "declared_conflicts"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        sa.ForeignKey("proposals.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    person_name: Mapped[str | None] = mapped_column(sa.String(200))
    person_email: Mapped[str | None] = mapped_column(sa.String(254))
    organization_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str] = mapped_column(sa.String(500), default="")

    proposal: Mapped[Proposal] = relationship(back_populates="declared_conflicts")
    organization: Mapped[Organization | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint(
            "(person_name IS NULL) <> (organization_id IS NULL)", name="person_or_organization"
        ),
        sa.CheckConstraint(
            "person_email IS NULL OR person_name IS NOT NULL", name="email_with_name"
        ),
    )


class BudgetLine(db.Model):
    """One line of a proposal's budget."""

    __tablename__ = "budget_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        sa.ForeignKey("proposals.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    category: Mapped[BudgetCategory] = mapped_column(enum_column(BudgetCategory, "budget_category"))
    description: Mapped[str] = mapped_column(sa.String(300), default="")
    amount: Mapped[Decimal] = mapped_column(Money)

    proposal: Mapped[Proposal] = relationship(back_populates="budget_lines")

    __table_args__ = (sa.CheckConstraint("amount > 0", name="amount_positive"),)


class ProposalVersion(db.Model):
    """What was submitted, exactly: never changed (database triggers refuse it)."""

    __tablename__ = "proposal_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        sa.ForeignKey("proposals.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    submitted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    snapshot: Mapped[dict[str, Any]] = mapped_column(sa.JSON)

    proposal: Mapped[Proposal] = relationship(back_populates="versions")

    __table_args__ = (sa.UniqueConstraint("proposal_id", "number"),)

    def __repr__(self) -> str:
        return f"<ProposalVersion {self.proposal_id} v{self.number}>"
