"""Reads for the membership dashboard and the seed-fund page, aggregated in SQL.

Every function runs a fixed number of statements whatever the number of members and
invoices: the page never loads rows one member at a time.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from app.awards.queries import PoolDraw, pool_draws
from app.extensions import db
from app.members.models import (
    Invoice,
    InvoiceStatus,
    MembershipStatus,
    MembershipTerm,
    Organization,
    Tier,
)
from app.members.queries import FiscalYear, SeedFund, awarded_in, status_expression

RENEWAL_WINDOW_DAYS = 90
LISTED_ROWS = 20
ZERO = Decimal("0")
# Days overdue: (label, fewest, most); None is open-ended.
OVERDUE_AGES = (("1–30 days", 1, 30), ("31–60 days", 31, 60), ("61–90 days", 61, 90))
OVERDUE_OLDEST = ("Over 90 days", 91, None)
T = TypeVar("T")


def _money(value) -> Decimal:
    # SQLite hands back sums of NUMERIC columns as floats or ints; PostgreSQL as Decimal.
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class MemberCounts:
    """How many organizations stand where today: active ones by tier, all by status."""

    by_tier: list[tuple[str, int]]
    by_status: list[tuple[MembershipStatus, int]]


def member_counts(today: date, grace_days: int) -> MemberCounts:
    """Count organizations by tier and status in one pass; tiers dearest first, every one listed.

    `by_tier` counts active members only; `by_status` counts every organization, in the
    order a membership runs (prospect, active, grace, lapsed, withdrawn).
    """
    status = status_expression(today, grace_days).label("status")
    members = sa.select(Organization.tier_id, status).subquery()
    rows = db.session.execute(
        sa.select(Tier.name, members.c.status, sa.func.count(members.c.tier_id))
        .outerjoin(members, members.c.tier_id == Tier.id)
        .group_by(Tier.id, Tier.name, Tier.annual_fee, members.c.status)
        .order_by(Tier.annual_fee.desc(), Tier.name)
    ).all()
    active: dict[str, int] = {}
    statuses: dict[str, int] = defaultdict(int)
    for tier, value, number in rows:
        active.setdefault(tier, 0)
        if value == MembershipStatus.ACTIVE.value:
            active[tier] = number
        if value is not None:
            statuses[value] += number
    return MemberCounts(
        by_tier=list(active.items()),
        by_status=[(status, statuses[status.value]) for status in MembershipStatus],
    )


@dataclass(frozen=True)
class Renewal:
    """A member whose latest term ends soon, with no renewal term signed yet."""

    organization_id: int
    name: str
    tier: str
    ends_on: date
    annual_fee: Decimal
    days_left: int


@dataclass(frozen=True)
class Listing(Generic[T]):
    """The first rows of a list, with how many there are and what they add up to in all."""

    rows: list[T]
    total_count: int
    total_amount: Decimal

    @property
    def more(self) -> int:
        """Return how many rows are not listed."""
        return self.total_count - len(self.rows)


def renewals_due(
    today: date, *, within_days: int = RENEWAL_WINDOW_DAYS, limit: int = LISTED_ROWS
) -> Listing[Renewal]:
    """Return the members whose latest term ends in the next `within_days` days, soonest first.

    A member that has withdrawn, or already has a later term, is not due.
    """
    later = aliased(MembershipTerm)
    has_later_term = (
        sa.select(later.id)
        .where(
            later.organization_id == MembershipTerm.organization_id,
            later.ends_on > MembershipTerm.ends_on,
        )
        .exists()
    )
    rows = db.session.execute(
        sa.select(
            Organization.id,
            Organization.name,
            Tier.name,
            MembershipTerm.ends_on,
            MembershipTerm.annual_fee,
            sa.func.count().over(),
            sa.func.sum(MembershipTerm.annual_fee).over(),
        )
        .join(MembershipTerm.organization)
        .join(Tier, Tier.id == MembershipTerm.tier_id)
        .where(
            MembershipTerm.ends_on >= today,
            MembershipTerm.ends_on <= today + timedelta(days=within_days),
            Organization.withdrawn_on.is_(None),
            ~has_later_term,
        )
        .order_by(MembershipTerm.ends_on, sa.func.lower(Organization.name), Organization.id)
        .limit(limit)
    ).all()
    renewals = [
        Renewal(org_id, name, tier, ends_on, _money(fee), (ends_on - today).days)
        for org_id, name, tier, ends_on, fee, _, _ in rows
    ]
    total_count, total_amount = (rows[0][5], _money(rows[0][6])) if rows else (0, ZERO)
    return Listing(renewals, total_count, total_amount)


@dataclass(frozen=True)
class OverdueInvoice:
    """An issued invoice unpaid past its due date."""

    invoice_id: int
    number: str
    organization_id: int
    organization: str
    amount: Decimal
    due_on: date
    days_overdue: int


def overdue_invoices(today: date, *, limit: int = LISTED_ROWS) -> Listing[OverdueInvoice]:
    """Return the overdue invoices, longest overdue first."""
    rows = db.session.execute(
        sa.select(
            Invoice.id,
            Invoice.number,
            Organization.id,
            Organization.name,
            Invoice.amount,
            Invoice.due_on,
            sa.func.count().over(),
            sa.func.sum(Invoice.amount).over(),
        )
        .join(Invoice.organization)
        .where(Invoice.status == InvoiceStatus.ISSUED, Invoice.due_on < today)
        .order_by(Invoice.due_on, Invoice.number)
        .limit(limit)
    ).all()
    invoices = [
        OverdueInvoice(
            invoice_id, number, org_id, name, _money(amount), due_on, (today - due_on).days
        )
        for invoice_id, number, org_id, name, amount, due_on, _, _ in rows
    ]
    total_count, total_amount = (rows[0][6], _money(rows[0][7])) if rows else (0, ZERO)
    return Listing(invoices, total_count, total_amount)


@dataclass(frozen=True)
class AgeBand:
    """Overdue invoices grouped by how long they are overdue."""

    label: str
    count: int
    amount: Decimal


def overdue_by_age(today: date) -> list[AgeBand]:
    """Return how many overdue invoices, and how much, fall in each age band."""
    bands = [*OVERDUE_AGES, OVERDUE_OLDEST]
    # Days overdue = today - due_on, so "at most N days" is "due on or after today - N".
    band = sa.case(
        *[
            (Invoice.due_on >= today - timedelta(days=most), label)
            for label, _, most in OVERDUE_AGES
        ],
        else_=OVERDUE_OLDEST[0],
    ).label("band")
    rows = db.session.execute(
        sa.select(band, sa.func.count(), sa.func.sum(Invoice.amount))
        .where(Invoice.status == InvoiceStatus.ISSUED, Invoice.due_on < today)
        .group_by(band)
    )
    found = {label: (number, _money(amount)) for label, number, amount in rows}
    return [AgeBand(label, *found.get(label, (0, ZERO))) for label, _, _ in bands]


@dataclass(frozen=True)
class YearFigures:
    """Dues and seed-fund commitments of one fiscal year."""

    year: FiscalYear
    billed: Decimal
    billed_count: int
    collected: Decimal
    collected_count: int
    unpaid: Decimal
    unpaid_count: int
    committed: Decimal
    committing_members: int

    @property
    def collected_share(self) -> int | None:
        """Return the collected amount as a whole percentage of the billed (None if none)."""
        return round(self.collected * 100 / self.billed) if self.billed else None


def year_figures(year: FiscalYear) -> YearFigures:
    """Return the year's dues billed and collected, all unpaid dues, and the year's commitments.

    Billed: non-void invoices issued in the year. Collected: invoices paid in the year,
    whenever issued. Unpaid: every issued invoice not yet paid, of any year. Committed: the
    seed-fund commitments of terms that start in the year (as on the seed-fund page).
    """

    issued_in_year = sa.and_(
        Invoice.status != InvoiceStatus.VOID,
        Invoice.issued_on.between(year.starts_on, year.ends_on),
    )
    paid_in_year = sa.and_(
        Invoice.status == InvoiceStatus.PAID,
        Invoice.paid_on.between(year.starts_on, year.ends_on),
    )
    unpaid = Invoice.status == InvoiceStatus.ISSUED
    terms_in_year = (
        MembershipTerm.starts_on.between(year.starts_on, year.ends_on),
        MembershipTerm.seed_commitment > 0,
    )
    # One pass over the invoices, each figure summing only the rows its condition picks.
    row = db.session.execute(
        sa.select(
            *(
                aggregate
                for condition in (issued_in_year, paid_in_year, unpaid)
                for aggregate in (
                    sa.func.sum(sa.case((condition, Invoice.amount))),
                    sa.func.count(sa.case((condition, Invoice.id))),
                )
            ),
            sa.select(sa.func.sum(MembershipTerm.seed_commitment))
            .where(*terms_in_year)
            .scalar_subquery(),
            sa.select(sa.func.count(sa.distinct(MembershipTerm.organization_id)))
            .where(*terms_in_year)
            .scalar_subquery(),
        ).select_from(Invoice)
    ).one()
    billed, billed_count, collected, collected_count, unpaid_sum, unpaid_count, committed, n = row
    return YearFigures(
        year,
        _money(billed),
        billed_count,
        _money(collected),
        collected_count,
        _money(unpaid_sum),
        unpaid_count,
        _money(committed),
        n,
    )


@dataclass(frozen=True)
class Dashboard:
    """Everything the membership dashboard shows."""

    today: date
    members: MemberCounts
    renewals: Listing[Renewal]
    overdue: Listing[OverdueInvoice]
    overdue_ages: list[AgeBand]
    figures: YearFigures
    awarded: Decimal

    @property
    def active_members(self) -> int:
        """Return how many members are active today."""
        return sum(number for _, number in self.members.by_tier)

    @property
    def organizations(self) -> int:
        """Return how many organizations are on record, whatever their status."""
        return sum(number for _, number in self.members.by_status)

    @property
    def available(self) -> Decimal:
        """Return this year's seed-fund balance (commitments less awards)."""
        return self.figures.committed - self.awarded

    @property
    def renewals_until(self) -> date:
        """Return the last day of the renewal window."""
        return self.today + timedelta(days=RENEWAL_WINDOW_DAYS)


def dashboard(today: date, *, grace_days: int, year: FiscalYear) -> Dashboard:
    """Return the dashboard's figures as of `today` for the fiscal year `year`."""
    return Dashboard(
        today=today,
        members=member_counts(today, grace_days),
        renewals=renewals_due(today),
        overdue=overdue_invoices(today),
        overdue_ages=overdue_by_age(today),
        figures=year_figures(year),
        awarded=awarded_in(year),
    )


def commitments_by_tier(fund: SeedFund) -> list[tuple[str, Decimal]]:
    """Return the fund's commitments summed by the tier of each committing term, largest first."""
    sums: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for _, term in fund.commitments:
        sums[term.tier.name] += term.seed_commitment
    return sorted(sums.items(), key=lambda item: (-item[1], item[0]))


def seed_fund_draws(year: FiscalYear) -> list[PoolDraw]:
    """Return the awards drawing on the year's pool, newest first, each with what it still draws
    (its line less any amount a termination gave back)."""
    return pool_draws(year.label_year)
