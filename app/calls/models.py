"""Calls for proposals, their states and their rubric criteria."""

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.database import TimestampMixin, UTCDateTime, enum_column
from app.extensions import db

Money = sa.Numeric(12, 2)


class CallState(StrEnum):
    """Where a call stands; each step is taken by an administrator."""

    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    IN_REVIEW = "in_review"
    DECIDED = "decided"
    ARCHIVED = "archived"

    @property
    def label(self) -> str:
        """Return the name shown to people."""
        return self.value.replace("_", " ").capitalize()


CALL_TRANSITIONS = MappingProxyType(
    {
        CallState.DRAFT: frozenset({CallState.OPEN}),
        CallState.OPEN: frozenset({CallState.CLOSED}),
        CallState.CLOSED: frozenset({CallState.IN_REVIEW, CallState.OPEN}),
        CallState.IN_REVIEW: frozenset({CallState.DECIDED}),
        CallState.DECIDED: frozenset({CallState.ARCHIVED}),
        CallState.ARCHIVED: frozenset(),
    }
)

# The time column each state stamps when it is entered.
CALL_STATE_STAMPS = MappingProxyType(
    {
        CallState.OPEN: "opened_at",
        CallState.CLOSED: "closed_at",
        CallState.IN_REVIEW: "review_started_at",
        CallState.DECIDED: "decided_at",
        CallState.ARCHIVED: "archived_at",
    }
)


class MemberVisibility(StrEnum):
    """What member representatives may see of a call's proposals."""

    NOTHING = "nothing"
    TITLES_ABSTRACTS = "titles_abstracts"

    @property
    def label(self) -> str:
        """Return the name shown to people."""
        return {"nothing": "Nothing", "titles_abstracts": "Titles and abstracts"}[self.value]


class InterestMode(StrEnum):
    """How member interest counts in a call's ranking."""

    ADVISORY = "advisory"
    WEIGHTED = "weighted"

    @property
    def label(self) -> str:
        """Return the name shown to people."""
        return {
            "advisory": "Advisory: shown beside merit, never blended",
            "weighted": "Weighted into the ranking",
        }[self.value]


class ReviewVisibility(StrEnum):
    """When a reviewer sees the other reviews of a proposal."""

    NEVER = "never"
    AFTER_OWN = "after_own"
    ALWAYS = "always"

    @property
    def label(self) -> str:
        """Return the name shown to people."""
        return {
            "never": "Never",
            "after_own": "After submitting their own",
            "always": "Always",
        }[self.value]


class Call(TimestampMixin, db.Model):
    """A call for seed-project proposals."""

    __tablename__ = "calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    theme: Mapped[str] = mapped_column(sa.String(200), default="")
    description: Mapped[str] = mapped_column(sa.Text, default="")  # Markdown
    eligibility: Mapped[str] = mapped_column(sa.Text, default="")  # Markdown
    reference_prefix: Mapped[str] = mapped_column(sa.String(12))
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    review_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())
    total_budget: Mapped[Decimal] = mapped_column(Money)
    max_award: Mapped[Decimal] = mapped_column(Money)
    reviews_per_proposal: Mapped[int] = mapped_column(default=3)
    is_blind: Mapped[bool] = mapped_column(default=False)
    member_visibility: Mapped[MemberVisibility] = mapped_column(
        enum_column(MemberVisibility, "member_visibility"), default=MemberVisibility.NOTHING
    )
    review_visibility: Mapped[ReviewVisibility] = mapped_column(
        enum_column(ReviewVisibility, "review_visibility"), default=ReviewVisibility.AFTER_OWN
    )
    interest_mode: Mapped[InterestMode] = mapped_column(
        enum_column(InterestMode, "interest_mode"),
        default=InterestMode.ADVISORY,
        server_default=InterestMode.ADVISORY.value,
    )
    # Percentage of the ranking score taken from member interest when the mode is weighted.
    interest_weight: Mapped[int] = mapped_column(default=0, server_default="0")
    state: Mapped[CallState] = mapped_column(
        enum_column(CallState, "call_state"), default=CallState.DRAFT, index=True
    )
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    review_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_reference_number: Mapped[int] = mapped_column(default=0)
    version: Mapped[int] = mapped_column(default=1)

    criteria: Mapped[list["Criterion"]] = relationship(
        back_populates="call", order_by="Criterion.position", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.CheckConstraint("closes_at > opens_at", name="closes_after_opening"),
        sa.CheckConstraint(
            "max_award > 0 AND max_award <= total_budget", name="max_award_within_budget"
        ),
        sa.CheckConstraint("reviews_per_proposal >= 1", name="at_least_one_review"),
        sa.CheckConstraint(
            "(state = 'draft') OR (opened_at IS NOT NULL)", name="opened_at_once_opened"
        ),
        sa.CheckConstraint(
            "(state NOT IN ('decided', 'archived')) OR (decided_at IS NOT NULL)",
            name="decided_at_once_decided",
        ),
        sa.CheckConstraint(
            "(interest_mode = 'weighted') = (interest_weight BETWEEN 1 AND 100)",
            name="interest_weight_iff_weighted",
        ),
        sa.CheckConstraint("interest_weight BETWEEN 0 AND 100", name="interest_weight_range"),
    )

    def __repr__(self) -> str:
        return f"<Call {self.id} {self.title!r} {self.state}>"


class Criterion(TimestampMixin, db.Model):
    """One line of a call's rubric: what reviewers score, how heavily, on what scale."""

    __tablename__ = "criteria"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(sa.String(120))
    guidance: Mapped[str] = mapped_column(sa.Text, default="")
    weight: Mapped[Decimal] = mapped_column(sa.Numeric(6, 2), default=Decimal("1"))
    scale_min: Mapped[int] = mapped_column(default=1)
    scale_max: Mapped[int] = mapped_column(default=5)

    call: Mapped[Call] = relationship(back_populates="criteria")

    __table_args__ = (
        sa.CheckConstraint("weight > 0", name="weight_positive"),
        sa.CheckConstraint("scale_max > scale_min", name="scale_ascending"),
    )

    def __repr__(self) -> str:
        return f"<Criterion {self.id} {self.name!r} call={self.call_id}>"
