"""Arrangements for the award-service and seed-fund tests: a fixed date, pools, co-funders."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from app import clock
from app.awards import services
from app.awards.models import FundingSource
from app.extensions import db
from app.interest.models import InterestLevel, MemberInterest
from tests.factories import TermFactory

FY = 2027  # 1 Jul 2026 – 30 Jun 2027 with the default start month (July)
TODAY = datetime(2026, 9, 1, 15, 0, tzinfo=UTC)


@pytest.fixture
def fixed_clock(monkeypatch):
    """Fix the clock on 1 Sep 2026, in FY2027."""
    monkeypatch.setattr(clock, "now", lambda: TODAY)


def pool(amount, *, starts_on=date(2026, 8, 1)):
    """Commit `amount` to the seed fund of the fiscal year in which `starts_on` falls."""
    term = TermFactory(starts_on=starts_on, seed_commitment=Decimal(amount))
    db.session.commit()
    return term.organization


def cofunder(proposal, level=InterestLevel.WOULD_COFUND, *, starts_on=date(2026, 8, 1)):
    """Return an active member (no seed commitment) that recorded `level` for the proposal."""
    term = TermFactory(starts_on=starts_on, seed_commitment=Decimal("0"))
    db.session.add(
        MemberInterest(proposal_id=proposal.id, organization_id=term.organization_id, level=level)
    )
    db.session.commit()
    return term.organization


def pool_line(amount, year=FY) -> services.FundingLineValues:
    """A line on a year's seed fund."""
    return services.FundingLineValues(FundingSource.POOL, Decimal(amount), fiscal_year=year)


def member_line(organization, amount) -> services.FundingLineValues:
    """A line from a co-funding member."""
    return services.FundingLineValues(
        FundingSource.MEMBER, Decimal(amount), organization_id=organization.id
    )


def fund(proposal, actor, amount, lines=None, **values):
    """Create an award on the proposal through the service (one pool line by default)."""
    arguments = {
        "amount": Decimal(amount),
        "starts_on": date(2026, 10, 1),
        "ends_on": date(2027, 9, 30),
        "report_interval_months": 6,
        "lines": lines if lines is not None else [pool_line(amount)],
    } | values
    return services.create_award(proposal, actor=actor, **arguments)
