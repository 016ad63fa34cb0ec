"""Reads over membership: derived status, member lists, fiscal years and the seed fund."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import aliased, contains_eager, joinedload, lazyload

from app.audit.models import AuditEvent
from app.auth.models import User
from app.awards.models import FundingLine, FundingSource
from app.extensions import db
from app.members.models import (
    Contact,
    Invoice,
    InvoiceStatus,
    MembershipStatus,
    MembershipTerm,
    Organization,
    Tier,
)


def status_expression(today: date, grace_days: int) -> sa.ColumnElement[str]:
    """Return SQL computing an organization's membership status on `today`.

    Withdrawn is an explicit act; otherwise a term covering today makes it active; with no
    term started yet it is a prospect; within `grace_days` after the last started term ended
    it is in grace; after that, lapsed. One expression serves lists, filters and one member.
    """
    term = aliased(MembershipTerm)
    current = (
        sa.select(term.id)
        .where(term.organization_id == Organization.id)
        .where(term.starts_on <= today, term.ends_on >= today)
        .exists()
    )
    last_end = (
        sa.select(sa.func.max(term.ends_on))
        .where(term.organization_id == Organization.id, term.starts_on <= today)
        .scalar_subquery()
    )
    return sa.case(
        (Organization.withdrawn_on.is_not(None), MembershipStatus.WITHDRAWN.value),
        (current, MembershipStatus.ACTIVE.value),
        (last_end.is_(None), MembershipStatus.PROSPECT.value),
        (last_end >= today - timedelta(days=grace_days), MembershipStatus.GRACE.value),
        else_=MembershipStatus.LAPSED.value,
    )


def organization_status(
    organization: Organization, today: date, grace_days: int
) -> MembershipStatus:
    """Return one organization's status on `today`."""
    value = db.session.scalar(
        sa.select(status_expression(today, grace_days)).where(Organization.id == organization.id)
    )
    return MembershipStatus(value)


def statuses(
    today: date, grace_days: int, ids: list[int] | None = None
) -> dict[int, MembershipStatus]:
    """Return every organization's status on `today` (or only those of `ids`), by id."""
    query = sa.select(Organization.id, status_expression(today, grace_days))
    if ids is not None:
        query = query.where(Organization.id.in_(ids))
    return {org_id: MembershipStatus(value) for org_id, value in db.session.execute(query)}


SORTS = {
    "name": (sa.func.lower(Organization.name),),
    "-name": (sa.func.lower(Organization.name).desc(),),
    "tier": (Tier.name, sa.func.lower(Organization.name)),
    "sector": (Organization.sector, sa.func.lower(Organization.name)),
    "country": (Organization.country, sa.func.lower(Organization.name)),
    "status": ("status", sa.func.lower(Organization.name)),
    "-created": (Organization.created_at.desc(),),
}


def organizations_query(
    today: date,
    grace_days: int,
    *,
    q: str = "",
    sector: str = "",
    country: str = "",
    tier_id: int | None = None,
    status: str = "",
    sort: str = "name",
) -> sa.Select:
    """Return a select of (Organization, status) rows, filtered and sorted."""
    status_column = status_expression(today, grace_days).label("status")
    query = (
        sa.select(Organization, status_column)
        .join(Organization.tier)
        .options(contains_eager(Organization.tier))
    )
    if q:
        pattern = f"%{q.strip().lower()}%"
        query = query.where(
            sa.or_(
                sa.func.lower(Organization.name).like(pattern),
                sa.func.lower(Organization.themes).like(pattern),
            )
        )
    if sector:
        query = query.where(Organization.sector == sector)
    if country:
        query = query.where(Organization.country == country)
    if tier_id:
        query = query.where(Organization.tier_id == tier_id)
    if status:
        query = query.where(status_expression(today, grace_days) == MembershipStatus(status).value)
    order = [
        status_column if column == "status" else column for column in SORTS.get(sort, SORTS["name"])
    ]
    return query.order_by(*order, Organization.id)


def distinct_values(column) -> list[str]:
    """Return the distinct non-empty values of an organization column, sorted."""
    return list(
        db.session.scalars(sa.select(column).where(column != "").distinct().order_by(column))
    )


def representative_contact(user: User) -> Contact | None:
    """Return the contact a member representative signs in as, with its organization."""
    return db.session.scalar(sa.select(Contact).where(Contact.user_id == user.id))


def representatives_count(organization: Organization) -> int:
    """Return how many of the organization's contacts have accounts."""
    return db.session.scalar(
        sa.select(sa.func.count(Contact.id)).where(
            Contact.organization_id == organization.id, Contact.user_id.is_not(None)
        )
    )


def overlapping_term(
    organization_id: int, starts_on: date, ends_on: date, exclude_id: int | None = None
) -> MembershipTerm | None:
    """Return a term of the organization that shares at least one day with the period."""
    query = sa.select(MembershipTerm).where(
        MembershipTerm.organization_id == organization_id,
        MembershipTerm.starts_on <= ends_on,
        MembershipTerm.ends_on >= starts_on,
    )
    if exclude_id is not None:
        query = query.where(MembershipTerm.id != exclude_id)
    return db.session.scalars(query.limit(1)).first()


def latest_term(organization: Organization) -> MembershipTerm | None:
    """Return the organization's term that ends last."""
    return db.session.scalars(
        sa.select(MembershipTerm)
        .where(MembershipTerm.organization_id == organization.id)
        .order_by(MembershipTerm.ends_on.desc())
        .limit(1)
    ).first()


@dataclass(frozen=True)
class FiscalYear:
    """A fiscal year, named by the calendar year in which it ends (FY2027: Jul 2026–Jun 2027)."""

    label_year: int
    starts_on: date
    ends_on: date

    @property
    def label(self) -> str:
        """Return the name shown to people, e.g. FY2027."""
        return f"FY{self.label_year}"


def fiscal_year(day: date, start_month: int) -> FiscalYear:
    """Return the fiscal year containing `day` when years start on the 1st of `start_month`."""
    start_year = day.year if day.month >= start_month else day.year - 1
    starts_on = date(start_year, start_month, 1)
    ends_on = date(start_year + 1, start_month, 1) - timedelta(days=1)
    return FiscalYear(ends_on.year, starts_on, ends_on)


def fiscal_year_by_label(label_year: int, start_month: int) -> FiscalYear:
    """Return the fiscal year named FY<label_year>."""
    # Its last day: the eve of the next year's start, which falls in the following calendar
    # year when years start in January (FY2026 is then 1 Jan – 31 Dec 2026).
    next_start_year = label_year if start_month > 1 else label_year + 1
    return fiscal_year(date(next_start_year, start_month, 1) - timedelta(days=1), start_month)


@dataclass(frozen=True)
class SeedFund:
    """The seed-fund pool of one fiscal year."""

    year: FiscalYear
    committed: Decimal
    awarded: Decimal
    commitments: list[tuple[Organization, MembershipTerm]]

    @property
    def available(self) -> Decimal:
        """Return what is left to award."""
        return self.committed - self.awarded


def awarded_in(year: FiscalYear) -> Decimal:
    """Return the net amount awarded from a fiscal year's pool: its pool lines less what
    terminated awards gave back."""
    total = db.session.scalar(
        sa.select(sa.func.sum(FundingLine.amount - FundingLine.returned_amount)).where(
            FundingLine.source == FundingSource.POOL, FundingLine.fiscal_year == year.label_year
        )
    )
    # SQLite may hand back a float for a sum of NUMERIC columns; go through str to keep cents.
    return Decimal(str(total or 0)).quantize(Decimal("0.01"))


def seed_fund(year: FiscalYear) -> SeedFund:
    """Return the pool of a fiscal year: commitments of the terms that start in it."""
    rows = db.session.execute(
        sa.select(Organization, MembershipTerm)
        .join(MembershipTerm.organization)
        .where(
            MembershipTerm.starts_on >= year.starts_on,
            MembershipTerm.starts_on <= year.ends_on,
            MembershipTerm.seed_commitment > 0,
        )
        .order_by(MembershipTerm.seed_commitment.desc(), sa.func.lower(Organization.name))
    ).all()
    committed = sum((term.seed_commitment for _, term in rows), Decimal("0"))
    return SeedFund(year, committed, awarded_in(year), [tuple(row) for row in rows])


def invoices_query(*, status: str = "", overdue_on: date | None = None) -> sa.Select:
    """Return a select of invoices with their organizations, newest first."""
    query = (
        sa.select(Invoice)
        .join(Invoice.organization)
        .order_by(Invoice.issued_on.desc(), Invoice.id.desc())
    )
    if status:
        query = query.where(Invoice.status == InvoiceStatus(status))
    if overdue_on is not None:
        query = query.where(Invoice.status == InvoiceStatus.ISSUED, Invoice.due_on < overdue_on)
    return query


def organization_history(
    organization: Organization,
    *,
    term_ids: list[int],
    invoice_ids: list[int],
    contact_ids: list[int],
    limit: int = 50,
) -> sa.Select:
    """Return a select of the latest audit events on a member and its terms, invoices, contacts."""
    subjects = {
        "organization": [organization.id],
        "term": term_ids,
        "invoice": invoice_ids,
        "contact": contact_ids,
    }
    conditions = [
        sa.and_(AuditEvent.subject_type == kind, AuditEvent.subject_id.in_([str(i) for i in ids]))
        for kind, ids in subjects.items()
        if ids
    ]
    return (
        sa.select(AuditEvent)
        .options(joinedload(AuditEvent.actor).options(lazyload(User.roles)))
        .where(sa.or_(*conditions))
        .order_by(AuditEvent.id.desc())
        .limit(limit)
    )
