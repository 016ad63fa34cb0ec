"""Reads behind the administrators' review pages: pool, conflicts, assignments and progress.

Each function runs a fixed number of queries whatever the size of the call.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

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


@dataclass
class Progress:
    """The review of a whole call, in numbers."""

    proposals: list[ProposalProgress]
    overdue: list[Overdue]
    assignments: int = 0
    submitted: int = 0

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


def review_progress(call: Call, *, now: datetime, threshold: Decimal) -> Progress:
    """Return the call's review progress, scores and overdue reviewers (two queries)."""
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
    return progress
