"""One organization's interest in one proposal."""

from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.database import TimestampMixin, enum_column
from app.extensions import db
from app.members.models import Organization
from app.proposals.models import Proposal


class InterestLevel(StrEnum):
    """How much a proposal matters to a member, from nothing to money."""

    NOT_RELEVANT = "not_relevant"
    INTERESTED = "interested"
    WOULD_MENTOR = "would_mentor"
    WOULD_COFUND = "would_cofund"

    @property
    def label(self) -> str:
        """Return the name shown to people."""
        return {
            "not_relevant": "Not relevant",
            "interested": "Interested",
            "would_mentor": "Would mentor",
            "would_cofund": "Would co-fund",
        }[self.value]

    @property
    def points(self) -> int:
        """Return the level's points (0-3) for the vote-weighted interest score."""
        return INTEREST_POINTS[self]


# By a table, not the member's position: tallies read it thousands of times per ranking.
INTEREST_POINTS = {level: points for points, level in enumerate(InterestLevel)}


class MemberInterest(TimestampMixin, db.Model):
    """An organization's answer about one proposal: one per pair, changeable until decided."""

    __tablename__ = "member_interests"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        sa.ForeignKey("proposals.id", ondelete="CASCADE"), index=True
    )
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    level: Mapped[InterestLevel] = mapped_column(enum_column(InterestLevel, "interest_level"))
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    version: Mapped[int] = mapped_column(default=1)

    proposal: Mapped[Proposal] = relationship()
    organization: Mapped[Organization] = relationship()
    recorded_by: Mapped[User | None] = relationship()

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (sa.UniqueConstraint("proposal_id", "organization_id"),)

    def __repr__(self) -> str:
        return f"<MemberInterest {self.proposal_id} org={self.organization_id} {self.level}>"
