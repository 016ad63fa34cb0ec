"""Reads over awards: the list of awards, the pool's draws, the sources an award may draw on."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, selectinload

from app.awards.models import Award, AwardState, FundingLine, FundingSource, Report, ReportState
from app.extensions import db
from app.interest.models import InterestLevel, MemberInterest
from app.members import queries as member_queries
from app.members.models import MembershipTerm, Organization
from app.proposals.models import CoInvestigator, Proposal, ProposalState

# A report is owed while it waits for the researcher: not yet submitted, or sent back.
OWED_STATES = (ReportState.DUE, ReportState.CHANGES_REQUESTED)


@dataclass(frozen=True)
class AwardRow:
    """One award on the list, with its next report due and how many are overdue."""

    award: Award
    next_due_on: date | None
    overdue: int


def award_rows(today: date, *, state: str = "") -> list[AwardRow]:
    """Return every award (or those in `state`), newest first, in a fixed number of statements.

    Reports are owed only by active awards: a completed or terminated one shows none due.
    """
    owed = sa.and_(
        Report.award_id == Award.id,
        Report.state.in_(OWED_STATES),
        Award.state == AwardState.ACTIVE,
    )
    next_due = sa.select(sa.func.min(Report.due_on)).where(owed).scalar_subquery()
    overdue = (
        sa.select(sa.func.count(Report.id)).where(owed, Report.due_on < today).scalar_subquery()
    )
    query = (
        sa.select(Award, next_due, overdue)
        .join(Award.proposal)
        .join(Proposal.applicant)
        .options(
            contains_eager(Award.proposal).contains_eager(Proposal.applicant),
            selectinload(Award.funding_lines).joinedload(FundingLine.organization),
        )
        .order_by(Award.starts_on.desc(), Award.id.desc())
    )
    if state:
        query = query.where(Award.state == AwardState(state))
    return [AwardRow(award, due, count or 0) for award, due, count in db.session.execute(query)]


def proposals_awaiting_award() -> list[Proposal]:
    """Return the awarded proposals that have no award yet, oldest decision first."""
    return list(
        db.session.scalars(
            sa.select(Proposal)
            .join(Proposal.applicant)
            .options(contains_eager(Proposal.applicant))
            .where(
                Proposal.state == ProposalState.AWARDED,
                ~sa.select(Award.id).where(Award.proposal_id == Proposal.id).exists(),
            )
            .order_by(Proposal.decided_at, Proposal.id)
        )
    )


@dataclass(frozen=True)
class PoolDraw:
    """One award's line on a year's seed fund."""

    line: FundingLine
    award: Award

    @property
    def net_amount(self) -> Decimal:
        """Return what the line still draws after any return."""
        return self.line.net_amount


def pool_draws(label_year: int) -> list[PoolDraw]:
    """Return the awards drawing on a fiscal year's seed fund, newest first."""
    rows = db.session.execute(
        sa.select(FundingLine, Award)
        .join(FundingLine.award)
        .join(Award.proposal)
        .options(contains_eager(Award.proposal))
        .where(FundingLine.source == FundingSource.POOL, FundingLine.fiscal_year == label_year)
        .order_by(Award.created_at.desc(), Award.id.desc())
    ).all()
    return [PoolDraw(line, award) for line, award in rows]


def awarded_in_year(label_year: int, start_month: int) -> Decimal:
    """Return the net amount drawn on FY<label_year>'s seed fund."""
    return member_queries.awarded_in(member_queries.fiscal_year_by_label(label_year, start_month))


def pool_years(start_month: int, around: int) -> list[member_queries.SeedFund]:
    """Return the seed funds a new award may draw on: every year with commitments, from the
    year before `around` (a label year) on, each with its balance."""
    starts = db.session.scalars(
        sa.select(MembershipTerm.starts_on).where(MembershipTerm.seed_commitment > 0).distinct()
    )
    labels = {member_queries.fiscal_year(day, start_month).label_year for day in starts}
    return [
        member_queries.seed_fund(member_queries.fiscal_year_by_label(label, start_month))
        for label in sorted(label for label in labels if label >= around - 1)
    ]


def cofunding_organizations(proposal: Proposal, today: date, grace_days: int) -> list[Organization]:
    """Return the members that may co-fund the proposal: they recorded "would co-fund" for it
    and have member access today (active, or in grace)."""
    organizations = db.session.scalars(
        sa.select(Organization)
        .join(MemberInterest, MemberInterest.organization_id == Organization.id)
        .where(
            MemberInterest.proposal_id == proposal.id,
            MemberInterest.level == InterestLevel.WOULD_COFUND,
        )
        .order_by(sa.func.lower(Organization.name), Organization.id)
    ).all()
    if not organizations:
        return []
    statuses = member_queries.statuses(today, grace_days)
    return [org for org in organizations if statuses[org.id].grants_member_access]


def award_of(proposal: Proposal) -> Award | None:
    """Return the proposal's award, if it has one."""
    return db.session.scalar(sa.select(Award).where(Award.proposal_id == proposal.id))


def on_award_team(user) -> sa.ColumnElement[bool]:
    """Return the condition that the user is on an award's team (its proposal's applicant, or a
    co-investigator with the account's address), as `report_policy.is_on_award_team` says; the
    query must join the award's proposal."""
    team = sa.select(CoInvestigator.proposal_id).where(CoInvestigator.email == user.email)
    return sa.or_(Proposal.applicant_id == user.id, Proposal.id.in_(team))
