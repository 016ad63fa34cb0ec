"""The decision on a proposal: staged by administrators, released to the applicant."""

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.calls.models import Call
from app.database import TimestampMixin, UTCDateTime, enum_column
from app.extensions import db
from app.proposals.models import Proposal, ProposalState

Money = sa.Numeric(12, 2)


class Outcome(StrEnum):
    """What the committee decided."""

    AWARD = "award"
    DECLINE = "decline"
    WAITLIST = "waitlist"

    @property
    def label(self) -> str:
        """Return the name shown to people."""
        return {"award": "Award", "decline": "Decline", "waitlist": "Waitlist"}[self.value]

    @property
    def proposal_state(self) -> ProposalState:
        """Return the state the proposal takes when this outcome is released."""
        return {
            "award": ProposalState.AWARDED,
            "decline": ProposalState.DECLINED,
            "waitlist": ProposalState.WAITLISTED,
        }[self.value]


class Decision(TimestampMixin, db.Model):
    """One decision per proposal; visible only to administrators until `released_at` is set.

    A waitlisted proposal awarded later keeps its row: outcome and amount change, the audit log
    keeps each step.
    """

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("calls.id", ondelete="RESTRICT"), index=True)
    proposal_id: Mapped[int] = mapped_column(
        sa.ForeignKey("proposals.id", ondelete="CASCADE"), unique=True
    )
    outcome: Mapped[Outcome] = mapped_column(enum_column(Outcome, "decision_outcome"))
    amount: Mapped[Decimal | None] = mapped_column(Money)
    # Why the amount is below the request; required then, and only then.
    reduction_reason: Mapped[str | None] = mapped_column(sa.Text)
    rationale: Mapped[str] = mapped_column(sa.Text, default="")  # for the committee's record
    comments_to_applicant: Mapped[str] = mapped_column(sa.Text, default="")
    staged_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    released_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    version: Mapped[int] = mapped_column(default=1)

    call: Mapped[Call] = relationship()
    proposal: Mapped[Proposal] = relationship()
    staged_by: Mapped[User | None] = relationship(foreign_keys=[staged_by_id])
    released_by: Mapped[User | None] = relationship(foreign_keys=[released_by_id])

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.CheckConstraint("(outcome = 'award') = (amount IS NOT NULL)", name="amount_iff_award"),
        sa.CheckConstraint("amount IS NULL OR amount > 0", name="amount_positive"),
        sa.CheckConstraint(
            "reduction_reason IS NULL OR outcome = 'award'", name="reduction_only_for_award"
        ),
    )

    @property
    def is_released(self) -> bool:
        """Tell whether the applicant has been told."""
        return self.released_at is not None

    def __repr__(self) -> str:
        return f"<Decision {self.proposal_id} {self.outcome} released={self.is_released}>"
