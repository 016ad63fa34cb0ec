"""The administrators' home: calls in progress and their stage, awards, reports, the seed fund."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from app.awards.models import Award, AwardState, Report, ReportState
from app.calls.models import Call, CallState
from app.decisions.models import Decision
from app.extensions import db
from app.members.queries import SeedFund, fiscal_year, seed_fund
from app.proposals.models import Proposal, ProposalState
from app.reviews.models import Assignment, AssignmentState

IN_PROGRESS = (CallState.OPEN, CallState.CLOSED, CallState.IN_REVIEW, CallState.DECIDED)
COUNTED_PROPOSALS = (
    ProposalState.SUBMITTED,
    ProposalState.UNDER_REVIEW,
    ProposalState.AWARDED,
    ProposalState.DECLINED,
    ProposalState.WAITLISTED,
)
OWED = (ReportState.DUE, ReportState.CHANGES_REQUESTED)


@dataclass(frozen=True)
class CallProgress:
    """One call in progress, in figures."""

    call: Call
    proposals: int
    reviews_submitted: int
    reviews_active: int  # assignments not declined
    decisions_staged: int  # not yet released
    decisions_released: int
    awards_active: int

    @property
    def review_percent(self) -> int | None:
        """Return the share of active assignments with a submitted review, or None if none."""
        if not self.reviews_active:
            return None
        return round(100 * self.reviews_submitted / self.reviews_active)

    @property
    def next_step(self) -> str:
        """Return what the program office does next with this call."""
        if self.call.state == CallState.OPEN:
            return "Receiving proposals"
        if self.call.state == CallState.CLOSED:
            return "Start review"
        if self.call.state == CallState.IN_REVIEW:
            if self.reviews_active and self.reviews_submitted < self.reviews_active:
                return "Reviews coming in"
            if self.decisions_staged < self.proposals:
                return "Rank and stage decisions"
            return "Release decisions"
        return "Follow the awards"


@dataclass(frozen=True)
class AdminOverview:
    """What the program office looks at first."""

    calls: list[CallProgress]
    awards_by_state: dict[AwardState, int]
    reports_overdue: int
    reports_awaiting_review: int
    fund: SeedFund

    @property
    def awards_active(self) -> int:
        """Return how many funded projects are running."""
        return self.awards_by_state.get(AwardState.ACTIVE, 0)

    @property
    def awards_completed(self) -> int:
        """Return how many funded projects have finished with an accepted final report."""
        return self.awards_by_state.get(AwardState.COMPLETED, 0)

    @property
    def review_completion(self) -> list[tuple[str, int]]:
        """Return (call title, percent of reviews submitted) for calls with assignments."""
        return [
            (row.call.title, row.review_percent)
            for row in self.calls
            if row.review_percent is not None
        ]

    @property
    def fund_figures(self) -> list[tuple[str, Decimal]]:
        """Return the year's pool as committed, awarded and available."""
        return [
            ("Committed", self.fund.committed),
            ("Awarded", self.fund.awarded),
            ("Available", self.fund.available),
        ]


def _counts(query: sa.Select) -> dict[int, int]:
    return {key: number for key, number in db.session.execute(query)}


def call_progress() -> list[CallProgress]:
    """Return every call in progress with its figures, soonest deadline first; six queries."""
    calls = db.session.scalars(
        sa.select(Call).where(Call.state.in_(IN_PROGRESS)).order_by(Call.closes_at, Call.id)
    ).all()
    ids = [call.id for call in calls]
    if not ids:
        return []
    proposals = _counts(
        sa.select(Proposal.call_id, sa.func.count())
        .where(Proposal.call_id.in_(ids), Proposal.state.in_(COUNTED_PROPOSALS))
        .group_by(Proposal.call_id)
    )
    active = Assignment.state != AssignmentState.DECLINED
    reviews = db.session.execute(
        sa.select(
            Assignment.call_id,
            sa.func.count().filter(active),
            sa.func.count().filter(Assignment.state == AssignmentState.SUBMITTED),
        )
        .where(Assignment.call_id.in_(ids))
        .group_by(Assignment.call_id)
    ).all()
    reviews_by_call = {call_id: (total, done) for call_id, total, done in reviews}
    decisions = db.session.execute(
        sa.select(
            Decision.call_id,
            sa.func.count().filter(Decision.released_at.is_(None)),
            sa.func.count().filter(Decision.released_at.is_not(None)),
        )
        .where(Decision.call_id.in_(ids))
        .group_by(Decision.call_id)
    ).all()
    decisions_by_call = {call_id: (staged, released) for call_id, staged, released in decisions}
    awards = _counts(
        sa.select(Proposal.call_id, sa.func.count())
        .join(Award, Award.proposal_id == Proposal.id)
        .where(Proposal.call_id.in_(ids), Award.state == AwardState.ACTIVE)
        .group_by(Proposal.call_id)
    )
    return [
        CallProgress(
            call=call,
            proposals=proposals.get(call.id, 0),
            reviews_submitted=reviews_by_call.get(call.id, (0, 0))[1],
            reviews_active=reviews_by_call.get(call.id, (0, 0))[0],
            decisions_staged=decisions_by_call.get(call.id, (0, 0))[0],
            decisions_released=decisions_by_call.get(call.id, (0, 0))[1],
            awards_active=awards.get(call.id, 0),
        )
        for call in calls
    ]


def admin_overview(today: date, *, fiscal_year_start_month: int) -> AdminOverview:
    """Return the administrators' home figures as of `today`."""
    awards_by_state = {
        AwardState(state): number
        for state, number in db.session.execute(
            sa.select(Award.state, sa.func.count()).group_by(Award.state)
        )
    }
    active_award = sa.select(Award.id).where(Award.state == AwardState.ACTIVE)
    reports_overdue = db.session.scalar(
        sa.select(sa.func.count(Report.id)).where(
            Report.state.in_(OWED), Report.due_on < today, Report.award_id.in_(active_award)
        )
    )
    awaiting = db.session.scalar(
        sa.select(sa.func.count(Report.id)).where(Report.state == ReportState.SUBMITTED)
    )
    return AdminOverview(
        calls=call_progress(),
        awards_by_state=awards_by_state,
        reports_overdue=reports_overdue,
        reports_awaiting_review=awaiting,
        fund=seed_fund(fiscal_year(today, fiscal_year_start_month)),
    )
