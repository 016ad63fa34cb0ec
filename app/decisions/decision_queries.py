"""Reads for staging and releasing decisions: a call's board, a proposal's reviews, what the
applicant is shown."""

from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload

from app.auth.models import User
from app.calls.models import Call
from app.decisions import policy
from app.decisions.models import Decision, Outcome
from app.extensions import db
from app.proposals.models import DECIDED_STATES, CoInvestigator, Proposal, ProposalState
from app.reviews.models import Assignment, Review

# The proposals a call's decisions concern: those awaiting one, and those decided.
BOARD_STATES = frozenset({ProposalState.UNDER_REVIEW} | DECIDED_STATES)


def decision_of(proposal: Proposal, *, fresh: bool = False) -> Decision | None:
    """Return the proposal's decision, staged or released; `fresh` rereads it from the database
    (after a lock, another transaction may have changed it)."""
    query = sa.select(Decision).where(Decision.proposal_id == proposal.id)
    if fresh:
        query = query.execution_options(populate_existing=True)
    return db.session.scalar(query)


def applicant_comments(proposal_ids: list[int]) -> dict[int, list[str]]:
    """Return, by proposal, the comments reviewers meant for the applicant, in the order the
    reviews were submitted: only submitted reviews, only non-empty comments, no names."""
    comments: dict[int, list[str]] = {pid: [] for pid in proposal_ids}
    if not proposal_ids:
        return comments
    rows = db.session.execute(
        sa.select(Assignment.proposal_id, Review.comments_to_applicant)
        .join(Review, Review.assignment_id == Assignment.id)
        .where(
            Assignment.proposal_id.in_(proposal_ids),
            Review.submitted_at.is_not(None),
            Review.comments_to_applicant != "",
        )
        .order_by(Assignment.proposal_id, Review.submitted_at, Review.id)
    )
    for proposal_id, text in rows:
        if text.strip():
            comments[proposal_id].append(text.strip())
    return comments


@dataclass(frozen=True)
class ReleasedDecision:
    """What the applicant (and their co-investigators) read once a decision is released."""

    decision: Decision
    reviewer_comments: list[str]


def released_for(user, proposal: Proposal) -> ReleasedDecision | None:
    """Return the released decision on the proposal as the user may read it, or None (nothing
    of a staged decision is ever returned)."""
    decision = decision_of(proposal)
    if decision is None or not decision.is_released or not policy.can_see_decision(user, decision):
        return None
    return ReleasedDecision(decision, applicant_comments([proposal.id])[proposal.id])


def visible_decisions(user) -> sa.Select:
    """Return a select of the decisions the user may read, joined to their proposals: every
    one for administrators; otherwise, as `policy.can_see_decision` says, only released ones on
    proposals the user may read (as applicant, or co-investigator with the account's address)."""
    query = sa.select(Decision).join(Decision.proposal)
    if policy.can_manage_decisions(user):
        return query
    on_team = sa.select(CoInvestigator.proposal_id).where(CoInvestigator.email == user.email)
    return query.where(
        Decision.released_at.is_not(None),
        sa.or_(Proposal.applicant_id == user.id, Proposal.id.in_(on_team)),
    )


@dataclass
class BoardRow:
    """One proposal on a call's decision board."""

    proposal: Proposal
    applicant_name: str
    decision: Decision | None
    staged_by_name: str | None
    review_count: int
    mean_score: Decimal | None


@dataclass
class Board:
    """A call's proposals with their decisions, and the money they add up to."""

    rows: list[BoardRow] = field(default_factory=list)
    awarded: Decimal = Decimal("0")  # staged and released awards together
    staged: int = 0  # decisions staged, not yet released
    undecided: list[Proposal] = field(default_factory=list)  # under review, no decision
    to_release: int = 0  # proposals under review with a staged decision: one email each
    budget: Decimal = Decimal("0")  # the call's total budget

    @property
    def over_budget(self) -> Decimal:
        """Return how much the awards exceed the call's budget (0 or less when within it)."""
        return self.awarded - self.budget

    @property
    def counts(self) -> dict[Outcome, int]:
        """Return how many decisions (staged or released) have each outcome."""
        counts = dict.fromkeys(Outcome, 0)
        for row in self.rows:
            if row.decision is not None:
                counts[row.decision.outcome] += 1
        return counts


def board(call: Call) -> Board:
    """Return the call's proposals under review or decided, each with its decision, in reference
    order; three queries whatever the number of proposals."""
    staged_by = sa.orm.aliased(User)
    rows = db.session.execute(
        sa.select(Proposal, User.name, Decision, staged_by.name)
        .join(User, User.id == Proposal.applicant_id)
        .outerjoin(Decision, Decision.proposal_id == Proposal.id)
        .outerjoin(staged_by, staged_by.id == Decision.staged_by_id)
        .where(Proposal.call_id == call.id, Proposal.state.in_(BOARD_STATES))
        .order_by(Proposal.reference, Proposal.id)
    ).all()
    scores = {
        proposal_id: (count, mean)
        for proposal_id, count, mean in db.session.execute(
            sa.select(
                Assignment.proposal_id, sa.func.count(Review.id), sa.func.avg(Review.weighted_total)
            )
            .join(Review, Review.assignment_id == Assignment.id)
            .where(Assignment.call_id == call.id, Review.submitted_at.is_not(None))
            .group_by(Assignment.proposal_id)
        )
    }
    result = Board(budget=call.total_budget)
    for proposal, applicant_name, decision, staged_by_name in rows:
        count, mean = scores.get(proposal.id, (0, None))
        result.rows.append(
            BoardRow(
                proposal,
                applicant_name,
                decision,
                staged_by_name,
                count,
                Decimal(str(mean)).quantize(Decimal("0.01")) if mean is not None else None,
            )
        )
        if decision is not None and decision.outcome == Outcome.AWARD:
            result.awarded += decision.amount
        if decision is not None and not decision.is_released:
            result.staged += 1
        if proposal.state == ProposalState.UNDER_REVIEW:
            if decision is None:
                result.undecided.append(proposal)
            else:
                result.to_release += 1
    return result


def submitted_reviews(proposal: Proposal) -> list[Review]:
    """Return the proposal's submitted reviews with their reviewers and scores, for
    administrators (names and confidential comments included)."""
    return list(
        db.session.scalars(
            sa.select(Review)
            .join(Review.assignment)
            .options(
                contains_eager(Review.assignment).joinedload(Assignment.reviewer),
                joinedload(Review.scores),
            )
            .where(Assignment.proposal_id == proposal.id, Review.submitted_at.is_not(None))
            .order_by(Review.submitted_at, Review.id)
        ).unique()
    )
