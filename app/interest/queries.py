"""Reads over member interest: per-proposal tallies (counts by level, vote-weighted score),
the calls and proposals members answer, and the answers given."""

from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from app.calls.models import Call, MemberVisibility
from app.extensions import db
from app.interest.models import InterestLevel, MemberInterest
from app.interest.policy import MEMBER_CALL_STATES, MEMBER_PROPOSAL_STATES
from app.members.models import Organization, Tier
from app.proposals.models import Proposal

MAX_POINTS = max(level.points for level in InterestLevel)
LEVELS = {level.value: level for level in InterestLevel}


@dataclass
class InterestTally:
    """The members' answers about one proposal."""

    counts: dict[InterestLevel, int] = field(default_factory=dict)
    votes: int = 0  # the tier votes of the organizations that answered
    points: int = 0  # sum of votes x level points

    @property
    def answers(self) -> int:
        """Return how many organizations answered."""
        return sum(self.counts.values())

    @property
    def score(self) -> float:
        """Return the vote-weighted interest on 0-100 (0 when no member answered)."""
        return 100.0 * self.points / (MAX_POINTS * self.votes) if self.votes else 0.0

    def count(self, level: InterestLevel) -> int:
        """Return how many organizations answered `level`."""
        return self.counts.get(level, 0)


def tallies(call_id: int, proposal_ids: Iterable[int] | None = None) -> dict[int, InterestTally]:
    """Return each proposal's tally in a call (proposals no member answered are absent); one query.

    Each organization's answer weighs its tier's votes (a tier with 0 votes is counted but
    does not move the score).
    """
    # Counted by (proposal, level) in the database, and the level read as its plain string:
    # a big call has thousands of answers, and converting each row to the enum costs more
    # than the query.
    level = sa.type_coerce(MemberInterest.level, sa.String())
    query = (
        sa.select(MemberInterest.proposal_id, level, sa.func.count(), sa.func.sum(Tier.votes))
        .join(Proposal, Proposal.id == MemberInterest.proposal_id)
        .join(Organization, Organization.id == MemberInterest.organization_id)
        .join(Tier, Tier.id == Organization.tier_id)
        .where(Proposal.call_id == call_id)
        .group_by(MemberInterest.proposal_id, level)
    )
    if proposal_ids is not None:
        query = query.where(MemberInterest.proposal_id.in_(list(proposal_ids)))
    result: dict[int, InterestTally] = {}
    for proposal_id, value, answers, votes in db.session.execute(query):
        level = LEVELS[value]
        tally = result.setdefault(proposal_id, InterestTally())
        tally.counts[level] = answers
        tally.votes += int(votes)
        tally.points += int(votes) * level.points
    return result


@dataclass
class MemberCall:
    """A call open to members, with how far the organization has got through it."""

    call: Call
    proposals: int
    answered: int


def member_calls(organization: Organization) -> list[MemberCall]:
    """Return the calls that show their proposals to members, latest closing first, each
    with its member-visible proposals and how many of them the organization answered; one
    query."""
    visible = Proposal.state.in_([state.value for state in MEMBER_PROPOSAL_STATES])
    proposals = (
        sa.select(sa.func.count(Proposal.id))
        .where(Proposal.call_id == Call.id, visible)
        .scalar_subquery()
    )
    answered = (
        sa.select(sa.func.count(MemberInterest.id))
        .join(Proposal, Proposal.id == MemberInterest.proposal_id)
        .where(
            Proposal.call_id == Call.id,
            visible,
            MemberInterest.organization_id == organization.id,
        )
        .scalar_subquery()
    )
    rows = db.session.execute(
        sa.select(Call, proposals, answered)
        .where(
            Call.member_visibility == MemberVisibility.TITLES_ABSTRACTS,
            Call.state.in_([state.value for state in MEMBER_CALL_STATES]),
        )
        .order_by(Call.closes_at.desc(), Call.id.desc())
    )
    return [MemberCall(call, count, done) for call, count, done in rows]


def member_proposals(call: Call) -> list[Proposal]:
    """Return the call's proposals members see, with their teams, by reference; two queries."""
    return list(
        db.session.scalars(
            sa.select(Proposal)
            .where(
                Proposal.call_id == call.id,
                Proposal.state.in_([state.value for state in MEMBER_PROPOSAL_STATES]),
            )
            .options(joinedload(Proposal.applicant), selectinload(Proposal.co_investigators))
            .order_by(Proposal.reference, Proposal.id)
        )
    )


def organization_answers(
    organization: Organization, proposal_ids: Iterable[int]
) -> dict[int, MemberInterest]:
    """Return the organization's answers about the proposals, by proposal id; one query."""
    ids = list(proposal_ids)
    if not ids:
        return {}
    rows = db.session.scalars(
        sa.select(MemberInterest)
        .where(
            MemberInterest.organization_id == organization.id,
            MemberInterest.proposal_id.in_(ids),
        )
        .options(joinedload(MemberInterest.recorded_by))
    )
    return {row.proposal_id: row for row in rows}


def call_answers(call: Call) -> dict[int, list[MemberInterest]]:
    """Return every organization's answers about the call's proposals, by proposal id, each
    list by organization name; one query."""
    rows = db.session.scalars(
        sa.select(MemberInterest)
        .join(Proposal, Proposal.id == MemberInterest.proposal_id)
        .join(Organization, Organization.id == MemberInterest.organization_id)
        .where(Proposal.call_id == call.id)
        .options(
            contains_eager(MemberInterest.organization).joinedload(Organization.tier),
            joinedload(MemberInterest.recorded_by),
        )
        .order_by(sa.func.lower(Organization.name), Organization.id)
    )
    result: dict[int, list[MemberInterest]] = {}
    for row in rows:
        result.setdefault(row.proposal_id, []).append(row)
    return result
