"""The consortium's funded projects as members see them: progress and outputs, no budgets
except a member's own co-funding."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, selectinload

from app.awards.models import Award, FundingLine, FundingSource, Report, ReportState
from app.calls.models import Call
from app.extensions import db
from app.members.models import Organization
from app.proposals.models import Proposal


@dataclass
class FundedProject:
    """One award as a member sees it.

    Deliberately holds no amount but `own_cofunding`: the award's amount and the other
    members' lines never reach the template.
    """

    award: Award
    reports_due: int  # reports whose due date has come
    reports_accepted: int
    outputs: list[Report] = field(default_factory=list)  # accepted reports, oldest first
    own_cofunding: Decimal | None = None  # what the viewer's organization put in, if anything

    @property
    def proposal(self) -> Proposal:
        """Return the funded proposal."""
        return self.award.proposal


def _own_cofunding(organization: Organization | None, award_ids: list[int]) -> dict[int, Decimal]:
    if organization is None or not award_ids:
        return {}
    rows = db.session.execute(
        sa.select(
            FundingLine.award_id, sa.func.sum(FundingLine.amount - FundingLine.returned_amount)
        )
        .where(
            FundingLine.award_id.in_(award_ids),
            FundingLine.source == FundingSource.MEMBER,
            FundingLine.organization_id == organization.id,
        )
        .group_by(FundingLine.award_id)
    )
    return {award_id: Decimal(amount) for award_id, amount in rows}


def _project(award: Award, today: date, cofunding: dict[int, Decimal]) -> FundedProject:
    accepted = [report for report in award.reports if report.state == ReportState.ACCEPTED]
    return FundedProject(
        award=award,
        reports_due=sum(1 for report in award.reports if report.due_on <= today),
        reports_accepted=len(accepted),
        outputs=accepted,
        own_cofunding=cofunding.get(award.id),
    )


def _awards_query() -> sa.Select:
    return (
        sa.select(Award)
        .join(Award.proposal)
        .join(Proposal.call)
        .options(
            contains_eager(Award.proposal).contains_eager(Proposal.call),
            contains_eager(Award.proposal).joinedload(Proposal.applicant),
            contains_eager(Award.proposal).selectinload(Proposal.co_investigators),
            selectinload(Award.reports),
        )
    )


def funded_projects(organization: Organization | None, today: date) -> list[FundedProject]:
    """Return every award of the consortium, latest start first; four queries however many.

    `organization` is the viewer's (None for an administrator previewing the page).
    """
    awards = list(
        db.session.scalars(
            _awards_query().order_by(Award.starts_on.desc(), Call.id.desc(), Award.id.desc())
        )
    )
    cofunding = _own_cofunding(organization, [award.id for award in awards])
    return [_project(award, today, cofunding) for award in awards]


def funded_project(
    award_id: int, organization: Organization | None, today: date
) -> FundedProject | None:
    """Return one award as a member sees it, or None."""
    award = db.session.scalar(_awards_query().where(Award.id == award_id))
    if award is None:
        return None
    return _project(award, today, _own_cofunding(organization, [award.id]))
