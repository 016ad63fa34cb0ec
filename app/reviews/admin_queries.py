"""Reads behind the administrators' review pages: pool, conflicts, assignments and progress.

Each function runs a fixed number of queries whatever the size of the call.
"""

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import accumulate
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from app.auth.models import Role, User, UserRole
from app.calls.models import Call
from app.extensions import db
from app.members.models import Organization
from app.proposals.models import Proposal
from app.reviews.models import (
    Assignment,
    AssignmentState,
    CallReviewer,
    Conflict,
    ConflictStatus,
    Review,
    ReviewerProfile,
)
from app.reviews.scoring import ScoreSummary, summarize
from app.reviews.services import REVIEWABLE_STATES

UTC_ZONE = ZoneInfo("UTC")


@dataclass(frozen=True)
class PoolRow:
    """A reviewer in a call's pool, with their profile and current load in the call."""

    member: CallReviewer
    user: User
    expertise: str
    department: str
    organization: str
    load: int


def _load_by_reviewer(call: Call):
    """Return a subquery of each reviewer's active (not declined) assignments in the call."""
    return (
        sa.select(Assignment.reviewer_id, sa.func.count(Assignment.id).label("load"))
        .where(Assignment.call_id == call.id, Assignment.state != AssignmentState.DECLINED)
        .group_by(Assignment.reviewer_id)
        .subquery()
    )


def pool_rows(call: Call) -> list[PoolRow]:
    """Return the call's pool, by reviewer name (one query)."""
    load = _load_by_reviewer(call)
    rows = db.session.execute(
        sa.select(
            CallReviewer,
            User,
            ReviewerProfile.expertise,
            ReviewerProfile.department,
            Organization.name,
            sa.func.coalesce(load.c.load, 0),
        )
        .join(User, User.id == CallReviewer.user_id)
        .outerjoin(ReviewerProfile, ReviewerProfile.user_id == User.id)
        .outerjoin(Organization, Organization.id == ReviewerProfile.organization_id)
        .outerjoin(load, load.c.reviewer_id == User.id)
        .where(CallReviewer.call_id == call.id)
        .order_by(User.name, User.id)
    )
    return [
        PoolRow(member, user, expertise or "", department or "", organization or "", count)
        for member, user, expertise, department, organization, count in rows
    ]


def pool_candidates(call: Call) -> list[sa.Row]:
    """Return (id, name, email) of the active reviewers not yet in the call's pool, by name."""
    in_pool = sa.select(CallReviewer.user_id).where(CallReviewer.call_id == call.id)
    return list(
        db.session.execute(
            sa.select(User.id, User.name, User.email)
            .join(UserRole, UserRole.user_id == User.id)
            .where(
                UserRole.role == Role.REVIEWER,
                User.is_active.is_(True),
                User.id.not_in(in_pool),
            )
            .order_by(User.name, User.id)
        )
    )


def call_conflicts(call: Call) -> list[tuple[Conflict, Proposal, User]]:
    """Return every conflict of the call with its proposal and reviewer (one query)."""
    rows = db.session.execute(
        sa.select(Conflict, Proposal, User)
        .join(Proposal, Proposal.id == Conflict.proposal_id)
        .join(User, User.id == Conflict.reviewer_id)
        .where(Proposal.call_id == call.id)
        .order_by(Proposal.reference, User.name, Conflict.id)
    )
    return [tuple(row) for row in rows]


def reviewable_proposals(call: Call) -> list[Proposal]:
    """Return the call's proposals awaiting review, by reference."""
    return list(
        db.session.scalars(
            sa.select(Proposal)
            .where(Proposal.call_id == call.id, Proposal.state.in_(REVIEWABLE_STATES))
            .order_by(Proposal.reference, Proposal.id)
        )
    )


@dataclass
class ProposalAssignments:
    """One proposal's reviewers and who may not review it."""

    proposal: Proposal
    reviewers: list[tuple[User, Assignment]] = field(default_factory=list)
    # reviewer id -> why they may not review it (a confirmed conflict)
    unavailable: dict[int, str] = field(default_factory=dict)


def assignment_board(call: Call) -> list[ProposalAssignments]:
    """Return per proposal its active assignments and confirmed conflicts (three queries)."""
    board = {proposal.id: ProposalAssignments(proposal) for proposal in reviewable_proposals(call)}
    assignments = db.session.execute(
        sa.select(Assignment, User)
        .join(User, User.id == Assignment.reviewer_id)
        .where(Assignment.call_id == call.id, Assignment.state != AssignmentState.DECLINED)
        .order_by(User.name, User.id)
    )
    for assignment, user in assignments:
        if assignment.proposal_id in board:
            board[assignment.proposal_id].reviewers.append((user, assignment))
    conflicts = db.session.scalars(
        sa.select(Conflict)
        .join(Proposal, Proposal.id == Conflict.proposal_id)
        .where(Proposal.call_id == call.id, Conflict.status == ConflictStatus.CONFIRMED)
    )
    for conflict in conflicts:
        if conflict.proposal_id in board:
            reason = conflict.source.label
            if conflict.explanation:
                reason += f": {conflict.explanation}"
            board[conflict.proposal_id].unavailable[conflict.reviewer_id] = reason
    return list(board.values())


@dataclass
class ProposalProgress:
    """How far one proposal's review has come."""

    proposal: Proposal
    assigned: int
    submitted: int
    needed: int
    summary: ScoreSummary

    @property
    def short(self) -> bool:
        """Tell whether fewer reviews are submitted than the call asks for."""
        return self.submitted < self.needed


@dataclass(frozen=True)
class Overdue:
    """An assignment not submitted past its due date."""

    assignment: Assignment
    proposal: Proposal
    reviewer: User
    due_at: datetime
    days: int


@dataclass(frozen=True)
class Completion:
    """Reviews submitted against active assignments, cumulated day by day in one time zone.

    `days` runs from the day of the first assignment to today; `submitted[i]` and
    `assigned[i]` are the counts at the end of `days[i]`. `axis` goes on to the review
    deadline when that is still ahead, so the chart shows the time left.
    """

    days: list[date]
    submitted: list[int]
    assigned: list[int]
    today: date
    deadline: date | None

    @property
    def axis(self) -> list[date]:
        """Return the chart's days: the figures' days, then on to the deadline if ahead."""
        if not self.days or self.deadline is None or self.deadline <= self.days[-1]:
            return self.days
        extra = (self.deadline - self.days[-1]).days
        return self.days + [self.days[-1] + timedelta(days=n) for n in range(1, extra + 1)]

    @property
    def rows(self) -> list[tuple[date, int, int]]:
        """Return (day, submitted, assigned) per day, latest first, for the table."""
        return list(zip(self.days, self.submitted, self.assigned, strict=True))[::-1]


@dataclass
class Progress:
    """The review of a whole call, in numbers."""

    proposals: list[ProposalProgress]
    overdue: list[Overdue]
    assignments: int = 0
    submitted: int = 0
    completion: Completion | None = None

    @property
    def percent_submitted(self) -> int | None:
        """Return the share of assignments submitted, in whole percent (None with none).

        Rounded, except that 100 means every review is in and 0 that none is.
        """
        if not self.assignments:
            return None
        percent = int(
            (Decimal(100 * self.submitted) / self.assignments).quantize(
                Decimal(1), rounding=ROUND_HALF_UP
            )
        )
        if self.submitted < self.assignments:
            percent = min(percent, 99)
        return max(percent, 1) if self.submitted else 0

    @property
    def outstanding(self) -> int:
        """Return the assignments still to submit."""
        return self.assignments - self.submitted

    @property
    def complete_proposals(self) -> int:
        """Return the proposals with every review they need."""
        return sum(1 for row in self.proposals if not row.short)

    @property
    def short_proposals(self) -> list[ProposalProgress]:
        """Return the proposals with too few submitted reviews."""
        return [row for row in self.proposals if row.short]


def review_progress(
    call: Call, *, now: datetime, threshold: Decimal, zone: ZoneInfo = UTC_ZONE
) -> Progress:
    """Return the call's review progress, scores, overdue reviewers and completion by day in
    `zone` (four queries, three with no assignment)."""
    proposals = reviewable_proposals(call)
    rows = db.session.execute(
        sa.select(Assignment, User, Review.submitted_at, Review.weighted_total)
        .join(User, User.id == Assignment.reviewer_id)
        .outerjoin(Review, Review.assignment_id == Assignment.id)
        .where(Assignment.call_id == call.id, Assignment.state != AssignmentState.DECLINED)
        .order_by(Assignment.due_at, User.name, Assignment.id)
    )
    by_id = {proposal.id: proposal for proposal in proposals}
    assigned: dict[int, int] = defaultdict(int)
    totals: dict[int, list[Decimal]] = defaultdict(list)
    progress = Progress(proposals=[], overdue=[])
    for assignment, user, submitted_at, total in rows:
        proposal = by_id.get(assignment.proposal_id)
        if proposal is None:
            continue
        assigned[proposal.id] += 1
        progress.assignments += 1
        if submitted_at is not None:
            totals[proposal.id].append(total)
            progress.submitted += 1
            continue
        due_at = assignment.due_at or call.review_deadline
        if due_at is not None and due_at < now:
            progress.overdue.append(
                Overdue(assignment, proposal, user, due_at, (now - due_at).days)
            )
    for proposal in proposals:
        progress.proposals.append(
            ProposalProgress(
                proposal=proposal,
                assigned=assigned[proposal.id],
                submitted=len(totals[proposal.id]),
                needed=call.reviews_per_proposal,
                summary=summarize(totals[proposal.id], threshold),
            )
        )
    progress.overdue.sort(key=lambda row: (-row.days, row.reviewer.name))
    progress.completion = completion_by_day(call, now=now, zone=zone)
    return progress


def _active_assignments(call: Call) -> tuple[sa.ColumnElement[bool], ...]:
    """Return the conditions for the call's active assignments of proposals awaiting review."""
    return (
        Assignment.call_id == call.id,
        Assignment.state != AssignmentState.DECLINED,
        Proposal.state.in_(REVIEWABLE_STATES),
    )


def completion_by_day(call: Call, *, now: datetime, zone: ZoneInfo) -> Completion | None:
    """Return submitted reviews against active assignments per day in `zone`, from the first
    assignment to today; None before any assignment.

    The database counts by day (two queries whatever the number of assignments). An
    assignment counts from when it was made; a declined one not at all, as in the totals.
    """
    first = db.session.scalar(
        sa.select(sa.func.min(Assignment.created_at))
        .join(Proposal, Proposal.id == Assignment.proposal_id)
        .where(*_active_assignments(call))
    )
    if first is None:
        return None
    assigned_day = _local_day(Assignment.created_at, zone, first, now)
    submitted_day = _local_day(Review.submitted_at, zone, first, now)
    events = sa.union_all(
        sa.select(sa.literal_column("'assigned'").label("kind"), assigned_day.label("day"))
        .join(Proposal, Proposal.id == Assignment.proposal_id)
        .where(*_active_assignments(call)),
        sa.select(sa.literal_column("'submitted'"), submitted_day)
        .select_from(Review)
        .join(Assignment, Assignment.id == Review.assignment_id)
        .join(Proposal, Proposal.id == Assignment.proposal_id)
        .where(*_active_assignments(call), Review.submitted_at.is_not(None)),
    ).subquery()
    counts: dict[str, Counter[date]] = {"assigned": Counter(), "submitted": Counter()}
    for kind, day, number in db.session.execute(
        sa.select(events.c.kind, events.c.day, sa.func.count()).group_by(
            events.c.kind, events.c.day
        )
    ):
        counts[kind][_as_date(day)] += number
    today = now.astimezone(zone).date()
    start = first.astimezone(zone).date()
    days = [start + timedelta(days=n) for n in range((max(today, start) - start).days + 1)]

    def cumulative(by_day: Counter[date]) -> list[int]:
        before = sum(number for day, number in by_day.items() if day < start)
        return list(accumulate((by_day[day] for day in days), initial=before))[1:]

    deadline = call.review_deadline
    return Completion(
        days=days,
        submitted=cumulative(counts["submitted"]),
        assigned=cumulative(counts["assigned"]),
        today=today,
        deadline=deadline.astimezone(zone).date() if deadline else None,
    )


def _as_date(value: date | str) -> date:
    # SQLite's date() answers text.
    return value if isinstance(value, date) else date.fromisoformat(value)


def _local_day(
    column: sa.ColumnElement[datetime], zone: ZoneInfo, since: datetime, until: datetime
) -> sa.ColumnElement:
    """Return the day on which `column` (a UTC instant) falls in `zone`, as an SQL expression.

    PostgreSQL converts with its own time-zone database. SQLite has none, so the instant is
    shifted by the zone's UTC offset, which changes only at the few daylight-saving
    transitions between `since` and `until` (instants outside keep the nearest offset).
    """
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.cast(sa.func.timezone(zone.key, sa.func.timezone("UTC", column)), sa.Date)
    periods = _offset_periods(zone, since, until)
    shift: sa.ColumnElement = sa.literal(f"{periods[0][1]:+d} minutes")
    if len(periods) > 1:
        shift = sa.case(
            *((column >= start, f"{minutes:+d} minutes") for start, minutes in periods[:0:-1]),
            else_=f"{periods[0][1]:+d} minutes",
        )
    return sa.func.date(column, shift)


def _offset_periods(zone: ZoneInfo, since: datetime, until: datetime) -> list[tuple[datetime, int]]:
    """Return (start, UTC offset in minutes) for each stretch of one offset from `since` to
    `until`; the first starts at `since`."""

    def minutes(instant: datetime) -> int:
        return int(instant.astimezone(zone).utcoffset().total_seconds()) // 60

    periods = [(since, minutes(since))]
    day = since
    while day < until:
        following = min(day + timedelta(days=1), until)
        if minutes(following) != periods[-1][1]:
            # Transitions fall on whole seconds: bisect whole seconds between the two days.
            low, high = int(day.timestamp()), math.ceil(following.timestamp())
            while high - low > 1:
                middle = (low + high) // 2
                if minutes(datetime.fromtimestamp(middle, UTC)) == periods[-1][1]:
                    low = middle
                else:
                    high = middle
            changed = datetime.fromtimestamp(high, UTC)
            periods.append((changed, minutes(changed)))
        day = following
    return periods
