"""Tiers, member organizations, their terms, contacts and invoices."""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.database import TimestampMixin, UTCDateTime, enum_column
from app.extensions import db

Money = sa.Numeric(12, 2)


class MembershipStatus(StrEnum):
    """Where an organization stands; derived from its terms, never set by hand."""

    PROSPECT = "prospect"
    ACTIVE = "active"
    GRACE = "grace"
    LAPSED = "lapsed"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        """Return the name shown to people."""
        return self.value.title()

    @property
    def grants_member_access(self) -> bool:
        """Tell whether representatives of such a member may use the member pages."""
        return self in (MembershipStatus.ACTIVE, MembershipStatus.GRACE)


class ContactRole(StrEnum):
    """What a contact is the organization's person for."""

    PRIMARY = "primary"
    BILLING = "billing"
    TECHNICAL = "technical"
    ADVISORY_BOARD = "advisory_board"

    @property
    def label(self) -> str:
        """Return the name shown to people."""
        return self.value.replace("_", " ").capitalize()


class InvoiceStatus(StrEnum):
    """An invoice's stored state; overdue is derived from the due date."""

    ISSUED = "issued"
    PAID = "paid"
    VOID = "void"


class Tier(TimestampMixin, db.Model):
    """A level of membership with its fee, representatives and votes."""

    __tablename__ = "tiers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    annual_fee: Mapped[Decimal] = mapped_column(Money)
    representatives_allowed: Mapped[int] = mapped_column(default=2)
    votes: Mapped[int] = mapped_column(default=1)
    benefits: Mapped[str] = mapped_column(sa.Text, default="")

    __table_args__ = (
        sa.CheckConstraint("annual_fee >= 0", name="annual_fee_not_negative"),
        sa.CheckConstraint("representatives_allowed >= 0", name="representatives_not_negative"),
        sa.CheckConstraint("votes >= 0", name="votes_not_negative"),
    )

    def __repr__(self) -> str:
        return f"<Tier {self.id} {self.name}>"


class Organization(TimestampMixin, db.Model):
    """A member company (or a prospect)."""

    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    sector: Mapped[str] = mapped_column(sa.String(120), default="")
    country: Mapped[str] = mapped_column(sa.String(80), default="")
    website: Mapped[str] = mapped_column(sa.String(300), default="")
    themes: Mapped[str] = mapped_column(sa.Text, default="")
    tier_id: Mapped[int] = mapped_column(sa.ForeignKey("tiers.id", ondelete="RESTRICT"), index=True)
    withdrawn_on: Mapped[date | None] = mapped_column(sa.Date)
    withdrawal_reason: Mapped[str | None] = mapped_column(sa.Text)
    # The status last written to the audit log, so each change is recorded once.
    recorded_status: Mapped[MembershipStatus] = mapped_column(
        enum_column(MembershipStatus, "membership_status"), default=MembershipStatus.PROSPECT
    )
    recorded_status_on: Mapped[date | None] = mapped_column(sa.Date)
    version: Mapped[int] = mapped_column(default=1)

    tier: Mapped[Tier] = relationship(lazy="joined")
    terms: Mapped[list["MembershipTerm"]] = relationship(
        back_populates="organization", order_by="MembershipTerm.starts_on"
    )
    contacts: Mapped[list["Contact"]] = relationship(
        back_populates="organization", order_by="Contact.name"
    )
    invoices: Mapped[list["Invoice"]] = relationship(
        back_populates="organization", order_by="Invoice.issued_on.desc(), Invoice.id.desc()"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        # Two members whose names differ only in letter case are the same member.
        sa.Index("uq_organizations_lower_name", sa.text("lower(name)"), unique=True),
        sa.CheckConstraint(
            "(withdrawn_on IS NULL) = (withdrawal_reason IS NULL)", name="withdrawal_has_reason"
        ),
    )

    @property
    def theme_list(self) -> list[str]:
        """Return the themes of interest as a list."""
        return [theme.strip() for theme in self.themes.split(",") if theme.strip()]

    def __repr__(self) -> str:
        return f"<Organization {self.id} {self.name}>"


class MembershipTerm(TimestampMixin, db.Model):
    """One signed period of membership; renewal is a new term."""

    __tablename__ = "membership_terms"
    __audit_type__ = "term"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed by ix_membership_terms_organization_dates, which leads with it.
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="RESTRICT")
    )
    tier_id: Mapped[int] = mapped_column(sa.ForeignKey("tiers.id", ondelete="RESTRICT"), index=True)
    starts_on: Mapped[date] = mapped_column(sa.Date)
    ends_on: Mapped[date] = mapped_column(sa.Date)
    annual_fee: Mapped[Decimal] = mapped_column(Money)
    seed_commitment: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    signed_on: Mapped[date | None] = mapped_column(sa.Date)

    organization: Mapped[Organization] = relationship(back_populates="terms")
    tier: Mapped[Tier] = relationship(lazy="joined")

    __table_args__ = (
        sa.CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
        sa.CheckConstraint("annual_fee >= 0", name="annual_fee_not_negative"),
        sa.CheckConstraint("seed_commitment >= 0", name="seed_commitment_not_negative"),
        sa.Index(
            "ix_membership_terms_organization_dates", "organization_id", "starts_on", "ends_on"
        ),
    )

    def __repr__(self) -> str:
        return (
            f"<MembershipTerm {self.id} org={self.organization_id} {self.starts_on}–{self.ends_on}>"
        )


class Contact(TimestampMixin, db.Model):
    """A person at a member organization; with a user account, a member representative."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str] = mapped_column(sa.String(254))
    phone: Mapped[str] = mapped_column(sa.String(40), default="")
    title: Mapped[str] = mapped_column(sa.String(120), default="")
    role: Mapped[ContactRole] = mapped_column(enum_column(ContactRole, "contact_role"))
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True, unique=True
    )

    organization: Mapped[Organization] = relationship(back_populates="contacts")
    user: Mapped[User | None] = relationship()

    __table_args__ = (sa.UniqueConstraint("organization_id", "email"),)

    @property
    def is_representative(self) -> bool:
        """Tell whether this contact signs in as a member representative."""
        return self.user_id is not None

    def __repr__(self) -> str:
        return f"<Contact {self.id} {self.email} org={self.organization_id}>"


class InvoiceCounter(db.Model):
    """The last invoice number used in a year (numbers are sequential per year)."""

    __tablename__ = "invoice_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(default=0)


class Invoice(TimestampMixin, db.Model):
    """Dues billed for a term; never deleted, only voided."""

    __tablename__ = "invoices"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    term_id: Mapped[int] = mapped_column(
        sa.ForeignKey("membership_terms.id", ondelete="RESTRICT"), index=True
    )
    number: Mapped[str] = mapped_column(sa.String(20), unique=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    issued_on: Mapped[date] = mapped_column(sa.Date)
    due_on: Mapped[date] = mapped_column(sa.Date)
    status: Mapped[InvoiceStatus] = mapped_column(
        enum_column(InvoiceStatus, "invoice_status"), default=InvoiceStatus.ISSUED
    )
    paid_on: Mapped[date | None] = mapped_column(sa.Date)
    payment_reference: Mapped[str | None] = mapped_column(sa.String(120))
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    void_reason: Mapped[str | None] = mapped_column(sa.Text)

    organization: Mapped[Organization] = relationship(back_populates="invoices")
    term: Mapped[MembershipTerm] = relationship()

    __table_args__ = (
        sa.Index("ix_invoices_status_due_on", "status", "due_on"),
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint("due_on >= issued_on", name="due_after_issue"),
        sa.CheckConstraint("(status = 'paid') = (paid_on IS NOT NULL)", name="paid_on_iff_paid"),
        sa.CheckConstraint(
            "(status = 'void') = (voided_at IS NOT NULL AND void_reason IS NOT NULL)",
            name="voided_iff_void",
        ),
    )

    def is_overdue(self, today: date) -> bool:
        """Tell whether the invoice is unpaid past its due date."""
        return self.status == InvoiceStatus.ISSUED and self.due_on < today

    def days_overdue(self, today: date) -> int:
        """Return how many days past due an unpaid invoice is (0 if not overdue)."""
        return (today - self.due_on).days if self.is_overdue(today) else 0

    def __repr__(self) -> str:
        return f"<Invoice {self.number} {self.status}>"
