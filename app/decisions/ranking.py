"""A call's ranking: raw and calibrated scores, member interest, the funding line, the suggestion.

`build_ranking` reads everything in a fixed number of queries (the proposals with their
applicants, the submitted reviews, the reviewers' names, the member-interest tallies, the
decisions, the confirmed conflicts and the declined assignments) as plain tuples, so a call of
2,000 proposals costs the same seven statements as a call of one.

The ranking score. Merit is the calibrated score when the call's review graph is one connected
group, else the raw mean: calibrated scores of different groups are on unrelated scales, so they
are shown per group but never ranked against each other. When the call weighs member interest,
the ranking score is (1 - w) * merit + w * interest score (w = interest_weight / 100); when
interest is advisory it is shown beside merit and never blended. Scores count to two decimals:
equal scores at two decimals share a rank ("=3"), and the rows of a tie follow by reference.

The funding line. Walking the ranked rows in order, the cumulative requested amount is compared
with the call's budget; the rows whose cumulative stays within it are above the line (amounts
are never negative, so the line is one place in the order). Proposals without submitted reviews
are listed after the ranked ones, unranked and below the line.
"""

import math
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal

import sqlalchemy as sa

from app.auth.models import User
from app.calls.models import Call, InterestMode
from app.decisions.calibration import Review as ScoredReview
from app.decisions.calibration import calibrate
from app.decisions.models import Decision, Outcome
from app.decisions.selection import (
    Candidate,
    GroupLimit,
    Selection,
    SelectionProblem,
    suggest_awards,
)
from app.extensions import db
from app.interest.models import InterestLevel
from app.interest.queries import InterestTally, tallies
from app.proposals.models import Proposal, ProposalState
from app.reviews.models import Assignment, AssignmentState, Conflict, ConflictStatus, Review
from app.reviews.scoring import summarize

RANKED_STATES = (
    ProposalState.UNDER_REVIEW,
    ProposalState.AWARDED,
    ProposalState.DECLINED,
    ProposalState.WAITLISTED,
)
CENT = Decimal("0.01")
INTEREST_LEVELS = tuple(InterestLevel)
# The orders the page offers: key -> (label, sort key on a row). Missing values go last.
SORT_LABELS = {
    "rank": "Rank",
    "raw": "Raw mean",
    "calibrated": "Calibrated",
    "interest": "Member interest",
    "requested": "Requested",
    "reference": "Reference",
}
DEFAULT_SORT = "rank"


def two_places(value: float | Decimal) -> Decimal:
    """Return a score rounded to two decimals (the precision ranks and ties are judged at)."""
    rounded = Decimal(repr(value) if isinstance(value, float) else value).quantize(
        CENT, rounding=ROUND_HALF_EVEN
    )
    return rounded + 0  # no "-0.00"


@dataclass
class RankingRow:
    """One proposal of the ranking, with everything the page and the packet show."""

    proposal_id: int
    reference: str
    title: str
    applicant: str
    state: ProposalState
    keywords: frozenset[str]  # lower case
    requested: Decimal
    reviews: int = 0
    raw: Decimal | None = None
    spread: Decimal | None = None
    disagreement: bool = False
    calibrated: Decimal | None = None
    group: int | None = None  # 1-based connected group of the review graph
    interest: InterestTally = field(default_factory=InterestTally)
    interest_score: Decimal = Decimal("0.00")
    score: Decimal | None = None  # the ranking score; None: no submitted reviews
    rank: int | None = None
    tied: bool = False
    cumulative: Decimal | None = None
    above_line: bool = False
    decision: Outcome | None = None
    decision_amount: Decimal | None = None
    released: bool = False
    conflicts: int = 0
    recusals: int = 0  # assignments the reviewer declined
    suggested: bool = False

    @property
    def rank_label(self) -> str:
        """Return the rank as shown: "3", "=3" for a tie, "" when unranked."""
        if self.rank is None:
            return ""
        return f"={self.rank}" if self.tied else str(self.rank)

    @property
    def interest_counts(self) -> tuple[int, ...]:
        """Return how many organizations answered each level, in the levels' order."""
        counts = self.interest.counts
        return tuple(counts.get(level, 0) for level in INTEREST_LEVELS)

    @property
    def interest_answers(self) -> int:
        """Return how many organizations answered."""
        return self.interest.answers


@dataclass(frozen=True)
class ReviewerRow:
    """A reviewer's estimated leniency in the call."""

    reviewer_id: int
    name: str
    offset: Decimal  # points above (positive) or below the others; 0 when not fitted
    reviews: int
    fitted: bool
    group: int


@dataclass
class Ranking:
    """A call's ranking in rank order, with the funding line and the reviewers' offsets."""

    call: Call
    rows: list[RankingRow]  # rank order; unranked rows last, by reference
    reviewers: list[ReviewerRow]  # most lenient first
    budget: Decimal
    connected: bool  # one group: calibrated scores compare across the call
    group_count: int
    weighted: bool  # member interest blended into the score
    interest_weight: int  # percent
    threshold: Decimal  # the spread above which reviews disagree
    moved_in: list[RankingRow]  # above the line by calibrated order, not by raw
    moved_out: list[RankingRow]  # above by raw order, not by calibrated

    @property
    def merit(self) -> str:
        """Name the score merit is taken from: "calibrated" or "raw"."""
        return "calibrated" if self.connected else "raw"

    @property
    def ranked(self) -> list[RankingRow]:
        """Return the rows with a score, in rank order."""
        return [row for row in self.rows if row.score is not None]

    @property
    def above_line(self) -> list[RankingRow]:
        """Return the rows above the funding line."""
        return [row for row in self.rows if row.above_line]

    @property
    def line_total(self) -> Decimal:
        """Return the money asked by the rows above the line."""
        return sum((row.requested for row in self.rows if row.above_line), Decimal("0.00"))


def build_ranking(call: Call, *, threshold: Decimal) -> Ranking:
    """Return the call's ranking, read in a constant number of queries.

    `threshold` is the spread of reviews (standard deviation, points on 0-100) above which they
    are flagged as disagreeing (config REVIEW_DISAGREEMENT_SPREAD).
    """
    proposals = db.session.execute(
        sa.select(
            Proposal.id,
            Proposal.reference,
            Proposal.title,
            User.name,
            Proposal.state,
            Proposal.keywords,
            Proposal.requested_amount,
        )
        .join(User, User.id == Proposal.applicant_id)
        .where(Proposal.call_id == call.id, Proposal.state.in_(RANKED_STATES))
    ).all()
    ranked_proposals = (
        sa.select(Proposal.id)
        .where(Proposal.call_id == call.id, Proposal.state.in_(RANKED_STATES))
        .scalar_subquery()
    )
    reviews = db.session.execute(
        # As floats: the scores are summarised and calibrated as floats anyway, and turning
        # 6,000 of them into Decimals first costs more than the rest of the query.
        sa.select(
            Assignment.proposal_id,
            Assignment.reviewer_id,
            sa.cast(Review.weighted_total, sa.Float),
        )
        .join(Review, Review.assignment_id == Assignment.id)
        .where(
            Assignment.call_id == call.id,
            Review.submitted_at.is_not(None),
            Assignment.proposal_id.in_(ranked_proposals),
        )
    ).all()
    names = dict(
        db.session.execute(
            sa.select(User.id, User.name).where(
                User.id.in_(
                    sa.select(Assignment.reviewer_id)
                    .join(Review, Review.assignment_id == Assignment.id)
                    .where(Assignment.call_id == call.id, Review.submitted_at.is_not(None))
                )
            )
        ).all()
    )
    interest = tallies(call.id)
    decisions = {
        proposal_id: (outcome, amount, released_at is not None)
        for proposal_id, outcome, amount, released_at in db.session.execute(
            sa.select(
                Decision.proposal_id, Decision.outcome, Decision.amount, Decision.released_at
            ).where(Decision.call_id == call.id)
        )
    }
    conflicts = dict(
        db.session.execute(
            sa.select(Conflict.proposal_id, sa.func.count())
            .where(
                Conflict.proposal_id.in_(ranked_proposals),
                Conflict.status == ConflictStatus.CONFIRMED,
            )
            .group_by(Conflict.proposal_id)
        ).all()
    )
    recusals = dict(
        db.session.execute(
            sa.select(Assignment.proposal_id, sa.func.count())
            .where(Assignment.call_id == call.id, Assignment.state == AssignmentState.DECLINED)
            .group_by(Assignment.proposal_id)
        ).all()
    )
    return _assemble(
        call,
        threshold=threshold,
        proposals=proposals,
        reviews=reviews,
        names=names,
        interest=interest,
        decisions=decisions,
        conflicts=conflicts,
        recusals=recusals,
    )


def _keywords(text: str) -> frozenset[str]:
    return frozenset(word.strip().lower() for word in (text or "").split(",") if word.strip())


def _assemble(
    call: Call,
    *,
    threshold: Decimal,
    proposals: Iterable[tuple],
    reviews: list[tuple],
    names: dict[int, str],
    interest: dict[int, InterestTally],
    decisions: dict[int, tuple],
    conflicts: dict[int, int],
    recusals: dict[int, int],
) -> Ranking:
    """Compute the ranking from the rows read (pure arithmetic from here on)."""
    rows = {}
    for pid, reference, title, applicant, state, keywords, requested in proposals:
        tally = interest.get(pid) or InterestTally()
        outcome, amount, released = decisions.get(pid, (None, None, False))
        rows[pid] = RankingRow(
            proposal_id=pid,
            reference=reference or "",
            title=title or "",
            applicant=applicant,
            state=state,
            keywords=_keywords(keywords),
            requested=requested,
            interest=tally,
            interest_score=two_places(tally.score),
            decision=outcome,
            decision_amount=amount,
            released=released,
            conflicts=conflicts.get(pid, 0),
            recusals=recusals.get(pid, 0),
        )

    totals: dict[int, list[float]] = {}
    for pid, _, total in reviews:
        totals.setdefault(pid, []).append(total)
    for pid, scores in totals.items():
        row = rows[pid]
        row.reviews, row.raw, row.spread, row.disagreement = _summary(scores, threshold)

    calibration = calibrate(ScoredReview(pid, rid, total) for pid, rid, total in reviews)
    connected = calibration.is_connected
    for pid, fitted in calibration.proposals.items():
        row = rows[pid]
        row.calibrated = two_places(fitted.calibrated)
        row.group = fitted.component + 1

    weighted = call.interest_mode == InterestMode.WEIGHTED and call.interest_weight > 0
    weight = Decimal(call.interest_weight) / 100 if weighted else Decimal(0)

    def score(row: RankingRow, merit: Decimal | None) -> Decimal | None:
        if merit is None:
            return None
        if not weighted:
            return two_places(merit)
        return two_places((1 - weight) * merit + weight * Decimal(repr(row.interest.score)))

    def calibrated_merit(row):
        fitted = calibration.proposals.get(row.proposal_id)
        return None if fitted is None else Decimal(repr(fitted.calibrated))

    def raw_merit(row):
        return row.raw

    budget = call.total_budget
    for row in rows.values():
        row.score = score(row, calibrated_merit(row) if connected else raw_merit(row))
    ordered = _rank(list(rows.values()), budget)

    moved_in: list[RankingRow] = []
    moved_out: list[RankingRow] = []
    if connected and calibration.proposals:
        # Connected, the ranking is the calibrated order: only the raw order is computed again.
        by_raw = {pid: score(row, raw_merit(row)) for pid, row in rows.items()}
        above_raw = _above_line(rows.values(), by_raw, budget)
        above_calibrated = {row.proposal_id for row in ordered if row.above_line}
        moved_in = [row for row in ordered if row.proposal_id in above_calibrated - above_raw]
        moved_out = [row for row in ordered if row.proposal_id in above_raw - above_calibrated]

    reviewers = sorted(
        (
            ReviewerRow(
                reviewer_id=rid,
                name=names.get(rid, ""),
                offset=two_places(offset.offset),
                reviews=offset.review_count,
                fitted=offset.is_fitted,
                group=offset.component + 1,
            )
            for rid, offset in calibration.reviewers.items()
        ),
        key=lambda r: (-r.offset, r.reviewer_id),
    )
    return Ranking(
        call=call,
        rows=ordered,
        reviewers=reviewers,
        budget=budget,
        connected=connected,
        group_count=len(calibration.components),
        weighted=weighted,
        interest_weight=call.interest_weight if weighted else 0,
        threshold=threshold,
        moved_in=moved_in,
        moved_out=moved_out,
    )


def _summary(totals: list[float], threshold: Decimal) -> tuple:
    """Return (count, mean, spread, disagreement) exactly as `scoring.summarize` would.

    summarize takes the population deviation with exact fractions, about 0.2 ms a proposal;
    the float formula here is a few ulps away from it, which changes nothing once rounded to
    two decimals unless the value sits on a half cent (two reviews 0.01 apart, say): only then
    is summarize asked.
    """
    count = len(totals)
    mean = Decimal(repr(statistics.fmean(totals))).quantize(CENT)
    if count == 1:
        spread = 0.0
    else:
        centre = math.fsum(totals) / count
        spread = math.sqrt(math.fsum((t - centre) ** 2 for t in totals) / count)
    if abs((spread * 100) % 1 - 0.5) < 1e-6:
        summary = summarize([Decimal(repr(t)) for t in totals], threshold)
        return summary.count, summary.mean, summary.spread, summary.disagreement
    rounded = Decimal(repr(spread)).quantize(CENT)
    return count, mean, rounded, count > 1 and rounded > threshold


def _order_key(score: Decimal | None, row: RankingRow):
    # Scored rows first, highest score first; ties and unscored rows by reference.
    return (score is None, -(score or 0), row.reference, row.proposal_id)


def _rank(rows: list[RankingRow], budget: Decimal) -> list[RankingRow]:
    """Sort the rows in rank order; set rank, ties, cumulative amounts and the funding line."""
    rows.sort(key=lambda row: _order_key(row.score, row))
    cumulative = Decimal("0.00")
    previous, rank = None, 0
    counts: dict[Decimal, int] = {}
    for row in rows:
        if row.score is not None:
            counts[row.score] = counts.get(row.score, 0) + 1
    for position, row in enumerate(rows, start=1):
        if row.score is None:
            continue
        if row.score != previous:
            rank, previous = position, row.score
        row.rank = rank
        row.tied = counts[row.score] > 1
        cumulative += row.requested
        row.cumulative = cumulative
        row.above_line = cumulative <= budget
    return rows


def _above_line(
    rows: Iterable[RankingRow], scores: dict[int, Decimal | None], budget: Decimal
) -> set[int]:
    """Return the proposals above the funding line were the rows ranked by `scores`."""
    ordered = sorted(
        (row for row in rows if scores[row.proposal_id] is not None),
        key=lambda row: _order_key(scores[row.proposal_id], row),
    )
    above, cumulative = set(), Decimal("0.00")
    for row in ordered:
        cumulative += row.requested
        if cumulative > budget:
            break
        above.add(row.proposal_id)
    return above


def sorted_rows(ranking: Ranking, sort: str) -> list[RankingRow]:
    """Return the rows in the order `sort` names (rank order for an unknown key)."""
    rows = ranking.rows
    if sort == "reference":
        return sorted(rows, key=lambda row: (row.reference, row.proposal_id))
    if sort == "requested":
        return sorted(rows, key=lambda row: (-row.requested, row.reference, row.proposal_id))
    if sort in ("raw", "calibrated"):
        return sorted(rows, key=lambda row: _order_key(getattr(row, sort), row))
    if sort == "interest":
        return sorted(
            rows,
            key=lambda row: (-row.interest_score, -row.interest_answers, row.reference),
        )
    return list(rows)


# --- the suggested award set -----------------------------------------------------------------


@dataclass(frozen=True)
class SuggestionOptions:
    """What the administrator asks of the suggestion: keyword-group bounds and pins."""

    group_limits: tuple[GroupLimit, ...] = ()  # group names are lower-case keywords
    pinned_in: frozenset[int] = frozenset()
    pinned_out: frozenset[int] = frozenset()


def suggest(ranking: Ranking, options: SuggestionOptions = SuggestionOptions()) -> Selection:
    """Return the exact suggested award set over the ranked rows and mark them `suggested`.

    Candidates are the rows with a score, in rank order (ties go to the earlier row), each in
    the keyword groups of the limits whose keyword it lists; the budget is the call's.
    """
    limited = [limit.group for limit in options.group_limits]
    candidates = [
        Candidate(
            proposal_id=row.proposal_id,
            score=row.score,
            requested=row.requested,
            groups=frozenset(group for group in limited if group in row.keywords),
        )
        for row in ranking.rows
        if row.score is not None
    ]
    selection = suggest_awards(
        SelectionProblem(
            candidates=candidates,
            budget=ranking.budget,
            group_limits=options.group_limits,
            pinned_in=options.pinned_in,
            pinned_out=options.pinned_out,
        )
    )
    chosen = set(selection.chosen)
    for row in ranking.rows:
        row.suggested = row.proposal_id in chosen
    return selection
