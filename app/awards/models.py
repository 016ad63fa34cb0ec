"""Awards, their funding lines, their reports, and the lock row of each seed-fund year."""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.database import TimestampMixin, UTCDateTime, enum_column
from app.extensions import db
from app.members.models import Organization
from app.proposals.models import Proposal

Money = sa.Numeric(12, 2)


class AwardState(StrEnum):
    """Where a funded project stands."""

    ACTIVE = "active"
    COMPLETED = "completed"
    TERMINATED = "terminated"

    @property
    def label(self) -> str:
        """Return the name shown to people."""
        return self.value.capitalize()


AWARD_TRANSITIONS = MappingProxyType(
    {
        AwardState.ACTIVE: frozenset({AwardState.COMPLETED, AwardState.TERMINATED}),
        AwardState.COMPLETED: frozenset(),
        AwardState.TERMINATED: frozenset(),
    }
)


class FundingSource(StrEnum):
    """Where an award's money comes from."""

    POOL = "pool"  # the seed fund of a fiscal year
    MEMBER = "member"  # a member that committed to co-fund this proposal

    @property
    def label(self) -> str:
        """Return the name shown to people."""
        return {"pool": "Seed fund", "member": "Member co-funding"}[self.value]


class Award(TimestampMixin, db.Model):
    """A funded project, made from an awarded proposal."""

    __tablename__ = "awards"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        sa.ForeignKey("proposals.id", ondelete="RESTRICT"), unique=True
    )
    amount: Mapped[Decimal] = mapped_column(Money)
    starts_on: Mapped[date] = mapped_column(sa.Date)
    ends_on: Mapped[date] = mapped_column(sa.Date)
    # A progress report falls due every this many months from the start; the final at the end.
    report_interval_months: Mapped[int] = mapped_column(default=6)
    state: Mapped[AwardState] = mapped_column(
        enum_column(AwardState, "award_state"), default=AwardState.ACTIVE, index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    terminated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    termination_reason: Mapped[str | None] = mapped_column(sa.Text)
    # What was spent before termination; the rest returns to where it came from.
    spent_amount: Mapped[Decimal | None] = mapped_column(Money)
    version: Mapped[int] = mapped_column(default=1)

    proposal: Mapped[Proposal] = relationship()
    funding_lines: Mapped[list["FundingLine"]] = relationship(
        back_populates="award", order_by="FundingLine.id", cascade="all, delete-orphan"
    )
    reports: Mapped[list["Report"]] = relationship(
        back_populates="award", order_by="Report.due_on, Report.id", cascade="all, delete-orphan"
    )
    created_by: Mapped[User | None] = relationship()

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint("ends_on > starts_on", name="ends_after_start"),
        sa.CheckConstraint("report_interval_months >= 1", name="interval_positive"),
        sa.CheckConstraint(
            "(state = 'completed') = (completed_at IS NOT NULL)", name="completed_at_iff_completed"
        ),
        sa.CheckConstraint(
            "(state = 'terminated') = (terminated_at IS NOT NULL AND termination_reason IS NOT NULL"
            " AND spent_amount IS NOT NULL)",
            name="terminated_with_reason",
        ),
        sa.CheckConstraint(
            "spent_amount IS NULL OR (spent_amount >= 0 AND spent_amount <= amount)",
            name="spent_within_amount",
        ),
    )

    def __repr__(self) -> str:
        return f"<Award {self.id} proposal={self.proposal_id} {self.state}>"


class FundingLine(db.Model):
    """Part of an award's money: from a fiscal year's seed fund or from a co-funding member."""

    __tablename__ = "funding_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(
        sa.ForeignKey("awards.id", ondelete="CASCADE"), index=True
    )
    source: Mapped[FundingSource] = mapped_column(enum_column(FundingSource, "funding_source"))
    fiscal_year: Mapped[int | None]  # FY label year, for the pool
    organization_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    amount: Mapped[Decimal] = mapped_column(Money)
    # Unspent money given back when the award was terminated (back to the pool, for pool lines).
    returned_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))

    award: Mapped[Award] = relationship(back_populates="funding_lines")
    organization: Mapped[Organization | None] = relationship()

    __table_args__ = (
        sa.Index("ix_funding_lines_source_fiscal_year", "source", "fiscal_year"),
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint(
            "returned_amount >= 0 AND returned_amount <= amount", name="returned_within_amount"
        ),
        sa.CheckConstraint("(source = 'pool') = (fiscal_year IS NOT NULL)", name="pool_has_year"),
        sa.CheckConstraint(
            "(source = 'member') = (organization_id IS NOT NULL)", name="member_has_organization"
        ),
    )

    @property
    def net_amount(self) -> Decimal:
        """Return what the line draws after any return."""
        return self.amount - self.returned_amount


class SeedFundYear(db.Model):
    """One row per fiscal year that awards draw on: locked while a draw is checked and written,
    so two awards at once cannot both see the same balance and overdraw it."""

    __tablename__ = "seed_fund_years"

    label_year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)


class ReportKind(StrEnum):
    """A report along the way, or the last one."""

    PROGRESS = "progress"
    FINAL = "final"

    @property
    def label(self) -> str:
        """Return the name shown to people."""
        return {"progress": "Progress report", "final": "Final report"}[self.value]


class ReportState(StrEnum):
    """Where a report stands."""

    DUE = "due"
    SUBMITTED = "submitted"
    CHANGES_REQUESTED = "changes_requested"
    ACCEPTED = "accepted"

    @property
    def label(self) -> str:
        """Return the name shown to people."""
        return self.value.replace("_", " ").capitalize()


REPORT_TRANSITIONS = MappingProxyType(
    {
        ReportState.DUE: frozenset({ReportState.SUBMITTED}),
        ReportState.SUBMITTED: frozenset({ReportState.ACCEPTED, ReportState.CHANGES_REQUESTED}),
        ReportState.CHANGES_REQUESTED: frozenset({ReportState.SUBMITTED}),
        ReportState.ACCEPTED: frozenset(),
    }
)


class Report(TimestampMixin, db.Model):
    """A progress or final report on an award, due on a date; its text and an optional PDF."""

    __tablename__ = "award_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(
        sa.ForeignKey("awards.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[ReportKind] = mapped_column(enum_column(ReportKind, "report_kind"))
    due_on: Mapped[date] = mapped_column(sa.Date)
    state: Mapped[ReportState] = mapped_column(
        enum_column(ReportState, "report_state"), default=ReportState.DUE
    )
    text: Mapped[str] = mapped_column(sa.Text, default="")  # Markdown
    attachment_name: Mapped[str | None] = mapped_column(sa.String(255))
    attachment_stored_name: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    attachment_size: Mapped[int | None]
    attachment_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submitted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reviewed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    review_comment: Mapped[str | None] = mapped_column(sa.Text)
    last_reminded_on: Mapped[date | None] = mapped_column(sa.Date)
    version: Mapped[int] = mapped_column(default=1)

    award: Mapped[Award] = relationship(back_populates="reports")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.UniqueConstraint("award_id", "kind", "due_on"),
        sa.Index("ix_award_reports_state_due_on", "state", "due_on"),
        sa.CheckConstraint(
            "state = 'due' OR submitted_at IS NOT NULL", name="submitted_at_once_submitted"
        ),
        sa.CheckConstraint(
            "state NOT IN ('accepted', 'changes_requested') OR reviewed_at IS NOT NULL",
            name="reviewed_at_once_reviewed",
        ),
        sa.CheckConstraint(
            "state <> 'changes_requested' OR review_comment IS NOT NULL",
            name="changes_requested_with_comment",
        ),
        sa.CheckConstraint(
            "(attachment_stored_name IS NULL) = (attachment_name IS NULL)",
            name="attachment_complete",
        ),
    )

    def is_overdue(self, today: date) -> bool:
        """Tell whether the report is still owed after its due date (only an active award's
        reports are owed: a completed or terminated award's are not)."""
        return (
            self.state in (ReportState.DUE, ReportState.CHANGES_REQUESTED)
            and self.due_on < today
            and self.award.state == AwardState.ACTIVE
        )

    def days_overdue(self, today: date) -> int:
        """Return how many days past due an owed report is (0 if not overdue)."""
        return (today - self.due_on).days if self.is_overdue(today) else 0

    def __repr__(self) -> str:
        return f"<Report {self.id} award={self.award_id} {self.kind} {self.due_on} {self.state}>"
