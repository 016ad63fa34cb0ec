"""Arrangements shared by the award tests: an awarded proposal and an award made of rows.

`make_award` writes the rows directly (award, one seed-fund line, its report schedule), so
the report and member pages can be tested without going through the award services.
"""

from datetime import date, timedelta
from decimal import Decimal

from app import clock
from app.awards.models import Award, FundingLine, FundingSource, Report
from app.awards.schedule import report_due_dates
from app.calls.models import CallState
from app.extensions import db
from app.proposals.models import ProposalState
from tests.reviews.helpers import call_in_review, proposal_under_review


def awarded_proposal(call=None, **values):
    """Return a proposal whose award decision has been released (call decided)."""
    call = call or call_in_review()
    proposal = proposal_under_review(call, **values)
    proposal.state = ProposalState.AWARDED
    proposal.decided_at = clock.now()
    if call.state != CallState.DECIDED:
        call.state = CallState.DECIDED
        call.decided_at = clock.now()
    db.session.commit()
    return proposal


def make_award(
    proposal=None,
    *,
    amount="1000",
    starts_on: date | None = None,
    months: int = 12,
    interval: int = 6,
    fiscal_year: int = 2027,
):
    """Return an active award on the proposal, drawn from one fiscal year's seed fund."""
    proposal = proposal or awarded_proposal()
    starts_on = starts_on or clock.today() - timedelta(days=30)
    ends_on = starts_on + timedelta(days=round(months * 30.44))
    award = Award(
        proposal=proposal,
        amount=Decimal(amount),
        starts_on=starts_on,
        ends_on=ends_on,
        report_interval_months=interval,
    )
    award.funding_lines.append(
        FundingLine(source=FundingSource.POOL, fiscal_year=fiscal_year, amount=Decimal(amount))
    )
    for kind, due_on in report_due_dates(starts_on, ends_on, interval):
        award.reports.append(Report(kind=kind, due_on=due_on))
    db.session.add(award)
    db.session.commit()
    return award
